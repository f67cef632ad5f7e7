export {
  type BuyDatatokenDispenser,
  type BuyDatatokenErrorType,
  type BuyDatatokenFixedRate,
  type BuyDatatokenParameters,
  type BuyDatatokenReturnType,
  buyDatatoken,
} from '../actions/chain/buyDatatoken.ts'
export {
  ChainArgumentError,
  ChainEventNotFoundError,
  ChainReadError,
  type ChainTransactionFailure,
  ChainTransactionError,
  DatasetWithdrawnError,
  DatatokenNotForSaleError,
  DevFundsUnavailableError,
  ExchangeNotFoundError,
} from './errors.ts'
export {
  type FundFromDevChainErrorType,
  type FundFromDevChainParameters,
  type FundFromDevChainReturnType,
  devFundsAmount,
  fundFromDevChain,
} from '../actions/chain/fundFromDevChain.ts'
export { type IsDevChainErrorType, type IsDevChainReturnType, isDevChain } from '../actions/chain/isDevChain.ts'
export {
  type GetTokenBalanceErrorType,
  type GetTokenBalanceParameters,
  type GetTokenBalanceReturnType,
  getTokenBalance,
} from '../actions/chain/getTokenBalance.ts'
export {
  type PublishDatatokenDispenser,
  type PublishDatatokenErrorType,
  type PublishDatatokenFixedRate,
  type PublishDatatokenParameters,
  type PublishDatatokenReturnType,
  type PublishDatatokenUnpriced,
  type PublishMarketFee,
  publishDatatoken,
} from '../actions/chain/publishDatatoken.ts'
export {
  type ProviderFee,
  type ProviderFeeSigner,
  type SignProviderFeeErrorType,
  type SignProviderFeeParameters,
  type SignProviderFeeReturnType,
  signProviderFee,
} from './signProviderFee.ts'
export {
  type ConsumeMarketFee,
  type StartOrderErrorType,
  type StartOrderParameters,
  type StartOrderReturnType,
  startOrder,
} from '../actions/chain/startOrder.ts'
export type { AccountClient } from './transact.ts'
export { type RpcChainParameters, rpcChain } from './rpcChain.ts'
export { type AnchorReceiptParameters, type AnchorReceiptReturnType, anchorReceipt, getReceiptAnchor } from '../actions/chain/anchorReceipt.ts'
export {
  type DatatokenPrice,
  type FixedRatePrice,
  type FreePrice,
  type GetDatatokenPriceErrorType,
  type GetDatatokenPriceParameters,
  type GetDatatokenPriceReturnType,
  getDatatokenPrice,
} from '../actions/chain/getDatatokenPrice.ts'
export {
  type PriceDatatokenDispenser,
  type PriceDatatokenErrorType,
  type PriceDatatokenFixedRate,
  type PriceDatatokenParameters,
  type PriceDatatokenReturnType,
  priceDatatoken,
} from '../actions/chain/priceDatatoken.ts'
export {
  type ExchangeEarnings,
  type GetDatatokenEarningsErrorType,
  type GetDatatokenEarningsParameters,
  type GetDatatokenEarningsReturnType,
  getDatatokenEarnings,
} from '../actions/chain/getDatatokenEarnings.ts'
export {
  type DatasetState,
  type SetDatasetStateErrorType,
  type SetDatasetStateParameters,
  type SetDatasetStateReturnType,
  getDatasetState,
  setDatasetState,
} from '../actions/chain/setDatasetState.ts'
export {
  type CloseDatatokenSalesErrorType,
  type CloseDatatokenSalesParameters,
  type CloseDatatokenSalesReturnType,
  type ClosedSale,
  closeDatatokenSales,
} from '../actions/chain/closeDatatokenSales.ts'
export {
  type SetDatatokenPriceErrorType,
  type SetDatatokenPriceParameters,
  type SetDatatokenPriceReturnType,
  setDatatokenPrice,
} from '../actions/chain/setDatatokenPrice.ts'
export {
  type CollectBaseTokenErrorType,
  type CollectBaseTokenParameters,
  type CollectBaseTokenReturnType,
  type CollectedExchange,
  collectBaseToken,
} from '../actions/chain/collectBaseToken.ts'
export {
  type ReopenDatatokenSalesErrorType,
  type ReopenDatatokenSalesParameters,
  type ReopenDatatokenSalesReturnType,
  reopenDatatokenSales,
} from '../actions/chain/reopenDatatokenSales.ts'
export {
  type UnpublishDatasetErrorType,
  type UnpublishDatasetParameters,
  type UnpublishDatasetReturnType,
  unpublishDataset,
} from '../actions/chain/unpublishDataset.ts'
export {
  type RepublishDatasetErrorType,
  type RepublishDatasetParameters,
  type RepublishDatasetReturnType,
  republishDataset,
} from '../actions/chain/republishDataset.ts'
