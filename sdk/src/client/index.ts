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
} from '../actions/client/rotateDatasetKey.ts'
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
} from '../actions/client/searchDatasets.ts'
export {
  type GetDatasetWithPriceErrorType,
  type GetDatasetWithPriceParameters,
  type GetDatasetWithPriceReturnType,
  getDatasetWithPrice,
} from '../actions/client/getDatasetWithPrice.ts'
export { type BuyAccessErrorType, type BuyAccessParameters, type BuyAccessReturnType, buyAccess } from '../actions/client/buyAccess.ts'
export { type OrderDatasetErrorType, type OrderDatasetParameters, type OrderDatasetReturnType, orderDataset } from '../actions/client/orderDataset.ts'
export {
  type PublishDatasetErrorType,
  type PublishDatasetEvent,
  type PublishDatasetParameters,
  type PublishDatasetReturnType,
  publishDataset,
} from '../actions/client/publishDataset.ts'
export {
  type DatasetEarnings,
  type EarningsErrorType,
  type EarningsParameters,
  type EarningsReturnType,
  type EarningsTotal,
  earnings,
} from '../actions/client/earnings.ts'
// Reading an addresses file (Ocean's address.json shape, or what the deploy script and `datavault dev` write).
export { type OceanAddresses, OceanAddressesError, parseOceanAddresses } from '@datavault/contracts/addresses'
