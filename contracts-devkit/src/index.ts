// @datavault/contracts-devkit: the development and deployment tooling of datavault's contracts.
// Our Solidity (contracts/), compiled offline with solc-js; Ocean's datatoken contracts deployed
// from the @oceanprotocol/contracts artifacts; the local Hardhat 3 (EDR) chain that `datavault dev`,
// the demo and the tests run on. Node only. The runtime side (ABIs, addresses, verifyOrder,
// deployPool) is `@datavault/contracts`, which this package depends on.
export {
  type ChainJournalBlock,
  ChainJournalError,
  type ChainJournalHeader,
  type ChainRecorder,
  chainJournalHeader,
  type ReadChainJournalReturnType,
  type RecordChainJournalParameters,
  type ReplayChainJournalReturnType,
  rawTransactionOf,
  readChainJournal,
  recordChainJournal,
  replayChainJournal,
} from './chain-journal.ts'
export {
  type DeployOceanParameters,
  type DeployOceanReturnType,
  deployOcean,
  OceanDeployError,
  unusedPoolTemplate,
} from './deploy-ocean.ts'
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
export { type OceanArtifact, type OceanContractName, oceanArtifactPaths, readOceanArtifact } from './ocean-artifacts.ts'
