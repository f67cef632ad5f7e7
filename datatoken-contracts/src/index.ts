// @datavault/contracts: Ocean's datatoken contracts deployed from their npm artifacts, our own
// Solidity compiled offline, typed ABIs, the local Hardhat 3 chain, and on-chain order checks.
// Browser-safe subsets: `@datavault/contracts/abis`, `/addresses`, `/verify-order`.
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
export { readOceanAddressesFile, writeOceanAddressesFile } from './addresses-file.ts'
export {
  type DeployOceanParameters,
  type DeployOceanReturnType,
  deployOcean,
  OceanDeployError,
  unusedPoolTemplate,
} from './deploy-ocean.ts'
export { DataVaultError, type DataVaultErrorOptions, isDataVaultError } from './errors/base.ts'
export {
  type LocalChain,
  type LocalChainAccount,
  LocalChainStartError,
  localChainAccountBalance,
  localChainAccountCount,
  localChainAccounts,
  localChainId,
  localChainMnemonic,
  type StartLocalChainParameters,
  type StartLocalChainReturnType,
  startLocalChain,
} from './local-chain.ts'
export type { Logger } from './logger.ts'
export { type OceanArtifact, type OceanContractName, oceanArtifactPaths, readOceanArtifact } from './ocean-artifacts.ts'
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
