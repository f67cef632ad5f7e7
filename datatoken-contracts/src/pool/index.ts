// DAO data pools: deploy and wire a pool, the consent owners sign, trainer ids. Browser-safe (viem only).
export {
  type ContributionConsentTypedDataParameters,
  contributionConsentTypedData,
  contributionConsentTypes,
  dataPoolDomain,
  type PoolContribution,
  poolTrainerId,
} from './consent.ts'
export {
  completePoolSetup,
  type DeployPoolParameters,
  type DeployPoolReturnType,
  defaultPoolComputeLimits,
  defaultPoolContributionRules,
  defaultPoolGovernanceSettings,
  deployPool,
  type PoolComputeLimits,
  type PoolContracts,
  type PoolContributionRules,
  PoolDeployError,
  type PoolFounder,
  type PoolGovernanceSettings,
  PoolParameterError,
  poolTimelockRoles,
} from './deploy-pool.ts'
