// @datavault/contracts, the runtime side of the chain: typed ABIs and bytecode of Ocean's
// datatoken contracts and ours, the addresses format, deploying a data pool, on-chain order checks
// and the error base. Browser-safe (viem and zod only). Node's file helpers for the addresses are
// `@datavault/contracts/addresses-file`; the Solidity toolchain, the deploy scripts and the local
// chain are `@datavault/contracts-devkit`.
export * from './abis/index.ts'
export {
  developmentAddressesKey,
  type OceanAddresses,
  OceanAddressesError,
  type OceanAddressesFile,
  oceanAddressesFileSchema,
  oceanAddressesKey,
  oceanAddressesSchema,
  parseOceanAddresses,
} from './addresses.ts'
export { DataVaultError, type DataVaultErrorKind, type DataVaultErrorOptions, isDataVaultError } from './errors/base.ts'
export type { Logger } from './logger.ts'
export {
  type ContributionConsentTypedDataParameters,
  completePoolSetup,
  contributionConsentTypedData,
  contributionConsentTypes,
  type DeployPoolParameters,
  type DeployPoolReturnType,
  dataPoolDomain,
  defaultPoolComputeLimits,
  defaultPoolContributionRules,
  defaultPoolGovernanceSettings,
  deployPool,
  type PoolComputeLimits,
  type PoolContracts,
  type PoolContribution,
  type PoolContributionRules,
  PoolDeployError,
  type PoolFounder,
  type PoolGovernanceSettings,
  PoolParameterError,
  poolTimelockRoles,
  poolTrainerId,
} from './pool/index.ts'
export {
  InvalidOrderQueryError,
  OrderAmountTooLowError,
  OrderChainUnavailableError,
  OrderConsumerMismatchError,
  OrderDatatokenMismatchError,
  OrderNotFoundError,
  type OrderNotFoundReason,
  OrderProviderFeeExpiredError,
  OrderProviderMismatchError,
  OrderServiceMismatchError,
  oneDatatoken,
  type VerifyOrderParameters,
  type VerifyOrderReturnType,
  verifyOrder,
} from './verify-order.ts'
