// The viem-style client: one node, its chain and a wallet, with every action bound.
export {
  type CreateDataVaultClientParameters,
  type DataVaultAddresses,
  type DataVaultBaseClient,
  type DataVaultChain,
  type DataVaultClient,
  type Extendable,
  createDataVaultBaseClient,
  createDataVaultClient,
} from './createDataVaultClient.ts'
export { type DataVaultActions, dataVaultActions } from './decorators.ts'
export {
  RotateDatasetKeyError,
  type RotateDatasetKeyParameters,
  type RotateDatasetKeyReturnType,
  rotateDatasetKey,
} from './actions/rotateDatasetKey.ts'
export {
  AddressesRequiredError,
  ChainMismatchError,
  DatasetNotReadyError,
  PublishDatasetArgumentError,
  PublishDatasetError,
  type PublishDatasetState,
  type PublishDatasetStep,
} from './errors.ts'
export {
  type PricedDataset,
  type SearchDatasetsErrorType,
  type SearchDatasetsParameters,
  type SearchDatasetsReturnType,
  searchDatasets,
} from './actions/searchDatasets.ts'
export {
  type GetDatasetWithPriceErrorType,
  type GetDatasetWithPriceParameters,
  type GetDatasetWithPriceReturnType,
  getDatasetWithPrice,
} from './actions/getDatasetWithPrice.ts'
export { type BuyAccessErrorType, type BuyAccessParameters, type BuyAccessReturnType, buyAccess } from './actions/buyAccess.ts'
export { type OrderDatasetErrorType, type OrderDatasetParameters, type OrderDatasetReturnType, orderDataset } from './actions/orderDataset.ts'
export {
  type PublishDatasetErrorType,
  type PublishDatasetEvent,
  type PublishDatasetParameters,
  type PublishDatasetReturnType,
  publishDataset,
} from './actions/publishDataset.ts'
export {
  type DatasetEarnings,
  type EarningsErrorType,
  type EarningsParameters,
  type EarningsReturnType,
  type EarningsTotal,
  earnings,
} from './actions/earnings.ts'
// Reading an addresses file (Ocean's address.json shape, or what the deploy script and `datavault dev` write).
export { type OceanAddresses, OceanAddressesError, parseOceanAddresses } from '@datavault/contracts/addresses'
