import type { Address, Hex } from 'viem'
import { type CancelJobParameters, type CancelJobReturnType, cancelJob } from '../actions/vault/cancelJob.ts'
import {
  type ApproveAlgorithmParameters,
  type ApproveAlgorithmReturnType,
  type ApproveJobParameters,
  type DecideJobReturnType,
  type DenyJobParameters,
  approveAlgorithm,
  approveJob,
  denyJob,
  getJobLogs,
  type GetJobLogsParameters,
  type GetJobLogsReturnType,
} from '../actions/vault/decideJob.ts'
import { type RegisterOwnerLogKeyReturnType, registerOwnerLogKey } from '../actions/vault/registerOwnerLogKey.ts'
import { type DownloadOutputParameters, type DownloadOutputReturnType, downloadOutput, getReceipt } from '../actions/vault/downloadOutput.ts'
import {
  type DownloadResultParameters,
  type DownloadResultReturnType,
  type DownloadedResult,
  type DownloadedResultInMemory,
  downloadResult,
} from '../actions/vault/downloadResult.ts'
import { type EscrowDataKeyParameters, type EscrowDataKeyReturnType, escrowDataKey } from '../actions/vault/escrowDataKey.ts'
import { type GetAlgorithmParameters, type GetAlgorithmReturnType, getAlgorithm } from '../actions/vault/getAlgorithm.ts'
import { type ListDatasetJobsParameters, type ListDatasetJobsReturnType, listDatasetJobs } from '../actions/vault/listDatasetJobs.ts'
import {
  type RevokeAlgorithmApprovalParameters,
  type RevokeAlgorithmApprovalReturnType,
  revokeAlgorithmApproval,
} from '../actions/vault/revokeAlgorithmApproval.ts'
import { type RevokeDatasetParameters, type RevokeDatasetReturnType, revokeDataset } from '../actions/vault/revokeDataset.ts'
import { type UpdateDatasetParameters, type UpdateDatasetReturnType, updateDataset } from '../actions/vault/updateDataset.ts'
import { type SetDatatokenPriceReturnType, setDatatokenPrice } from '../actions/chain/setDatatokenPrice.ts'
import { type CollectBaseTokenReturnType, collectBaseToken } from '../actions/chain/collectBaseToken.ts'
import { requireWallet } from './baseClient.ts'
import { type GetJobParameters, type GetJobReturnType, getJob } from '../actions/vault/getJob.ts'
import { type GetPrivacyUsageReturnType, getPrivacyUsage } from '../actions/vault/getPrivacyUsage.ts'
import { type GetProviderFeeParameters, type GetProviderFeeReturnType, getProviderFee } from '../actions/vault/getProviderFee.ts'
import { type ListJobsParameters, type ListJobsReturnType, listJobs } from '../actions/vault/listJobs.ts'
import { type ListReceiptsParameters, type ListReceiptsReturnType, listReceipts } from '../actions/vault/listReceipts.ts'
import { type RegisterDatasetParameters, type RegisterDatasetReturnType, registerDataset } from '../actions/vault/registerDataset.ts'
import { type RegisterPoolParameters, type RegisterPoolReturnType, registerPool } from '../actions/vault/registerPool.ts'
import { type SubmitJobParameters, type SubmitJobReturnType, submitJob } from '../actions/vault/submitJob.ts'
import { type QuoteJobParameters, type QuoteJobReturnType, quoteJob } from '../actions/vault/quoteJob.ts'
import { type UploadAlgorithmParameters, type UploadAlgorithmReturnType, uploadAlgorithm } from '../actions/vault/uploadAlgorithm.ts'
import { type UploadCiphertextParameters, type UploadCiphertextReturnType, uploadCiphertext } from '../actions/vault/uploadCiphertext.ts'
import { type UploadCiphertextInChunksParameters, type UploadCiphertextInChunksReturnType, uploadCiphertextInChunks } from '../upload/uploadCiphertextInChunks.ts'
import { type GetEnvironmentsReturnType, getEnvironments } from '../actions/vault/getEnvironments.ts'
import { type WaitForJobParameters, type WaitForJobReturnType, waitForJob } from '../actions/vault/waitForJob.ts'
import { type WatchJobParameters, type WatchJobReturnType, watchJob } from '../actions/vault/watchJob.ts'
import { type SignedReceipt, verifyReceipt } from '../api/receipt.ts'
import type { NodeInfo } from '../api/schemas.ts'
import { AccountRequiredError } from '../api/transport.ts'
import { type GetDatatokenPriceParameters, type GetDatatokenPriceReturnType, getDatatokenPrice } from '../actions/chain/getDatatokenPrice.ts'
import { getTokenBalance } from '../actions/chain/getTokenBalance.ts'
import { type BuyAccessParameters, type BuyAccessReturnType, buyAccess } from '../actions/client/buyAccess.ts'
import { type EarningsParameters, type EarningsReturnType, earnings } from '../actions/client/earnings.ts'
import { type GetDatasetWithPriceParameters, type GetDatasetWithPriceReturnType, getDatasetWithPrice } from '../actions/client/getDatasetWithPrice.ts'
import { type OrderDatasetParameters, type OrderDatasetReturnType, orderDataset } from '../actions/client/orderDataset.ts'
import { type PublishDatasetParameters, type PublishDatasetReturnType, publishDataset } from '../actions/client/publishDataset.ts'
import { type RotateDatasetKeyParameters, type RotateDatasetKeyReturnType, rotateDatasetKey } from '../actions/client/rotateDatasetKey.ts'
import { type SearchDatasetsParameters, type SearchDatasetsReturnType, searchDatasets } from '../actions/client/searchDatasets.ts'
import type { DataVaultBaseClient } from './baseClient.ts'

/** Every datavault action, bound to one client (the client argument left out). */
export type DataVaultActions = {
  // The node
  /** The node's info: its wallet, chain, encryption key and trainers. */
  getNode(): Promise<NodeInfo>
  /** The compute environments the node offers; see {@link getEnvironments}. */
  getEnvironments(): Promise<GetEnvironmentsReturnType>

  // Buyer: find, buy, order
  /** Datasets with their price on chain; see {@link searchDatasets}. */
  searchDatasets(parameters?: SearchDatasetsParameters): Promise<SearchDatasetsReturnType>
  /** One dataset with its price on chain; see {@link getDatasetWithPrice}. */
  getDataset(parameters: GetDatasetWithPriceParameters): Promise<GetDatasetWithPriceReturnType>
  /** How a datatoken is sold now; see {@link getDatatokenPrice}. */
  getDatatokenPrice(parameters: GetDatatokenPriceParameters): Promise<GetDatatokenPriceReturnType>
  /** A token balance; `owner` defaults to the client's account. */
  getTokenBalance(parameters: { token: Address; owner?: Address | undefined }): Promise<bigint>
  /** Buys (or takes) datatokens; see {@link buyAccess}. */
  buyAccess(parameters: BuyAccessParameters): Promise<BuyAccessReturnType>
  /** Dataset id to order tx in one call; see {@link orderDataset}. */
  orderDataset(parameters: OrderDatasetParameters): Promise<OrderDatasetReturnType>
  /** The node-signed provider fee an order carries; see {@link getProviderFee}. */
  getProviderFee(parameters: GetProviderFeeParameters): Promise<GetProviderFeeReturnType>
  /** A dataset's privacy budget and what is left; see {@link getPrivacyUsage}. */
  getPrivacyUsage(parameters: { dataset: `0x${string}` }): Promise<GetPrivacyUsageReturnType>

  // Buyer: jobs
  /** Submits a job paid by an order; see {@link submitJob}. */
  submitJob(parameters: SubmitJobParameters): Promise<SubmitJobReturnType>
  /** What the node would do with a job before any order: policy, ε, budget left; see {@link quoteJob}. */
  quoteJob(parameters: QuoteJobParameters): Promise<QuoteJobReturnType>
  /** Uploads a custom algorithm; see {@link uploadAlgorithm}. */
  uploadAlgorithm(parameters: UploadAlgorithmParameters): Promise<UploadAlgorithmReturnType>
  getJob(parameters: GetJobParameters): Promise<GetJobReturnType>
  listJobs(parameters?: ListJobsParameters): Promise<ListJobsReturnType>
  /** An async iterator of a job's events, ending when it ends; see {@link watchJob}. */
  watchJob(parameters: WatchJobParameters): WatchJobReturnType
  /** Polls a job until it ends; see {@link waitForJob}. */
  waitForJob(parameters: WaitForJobParameters): Promise<WaitForJobReturnType>
  /** Cancels a job; see {@link cancelJob}. */
  cancelJob(parameters: CancelJobParameters): Promise<CancelJobReturnType>

  // Buyer: results
  /** Downloads an output (the weights by default), streamed into `to` or decoded; see {@link downloadResult}. */
  downloadResult: {
    (parameters: DownloadResultParameters & { to: WritableStream<Uint8Array> }): Promise<DownloadedResult>
    (parameters: DownloadResultParameters & { to?: undefined }): Promise<DownloadedResultInMemory>
    (parameters: DownloadResultParameters): Promise<DownloadResultReturnType>
  }
  /** Downloads one output into memory; see {@link downloadOutput}. */
  downloadOutput(parameters: DownloadOutputParameters): Promise<DownloadOutputReturnType>
  /** A finished job's receipt signed by the node. */
  getReceipt(parameters: { id: string }): Promise<SignedReceipt>
  /** Verifies a receipt offline; `node` defaults to this client's node's address. See {@link verifyReceipt}. */
  verifyReceipt(parameters: { receipt: SignedReceipt; files?: readonly { name: string; sha256: Hex }[]; node?: Address | undefined }): Promise<{ signer: Address; hash: Hex }>

  // Owner
  /** Encrypt, upload, datatoken, register, escrow, price: one call; see {@link publishDataset}. */
  publishDataset(parameters: PublishDatasetParameters): Promise<PublishDatasetReturnType>
  /** Re-encrypt under a fresh key, re-escrow, retire the old ciphertext; see {@link rotateDatasetKey}. */
  rotateDatasetKey(parameters: RotateDatasetKeyParameters): Promise<RotateDatasetKeyReturnType>
  /** What each of an owner's datasets earned; see {@link earnings}. */
  earnings(parameters?: EarningsParameters): Promise<EarningsReturnType>
  /** Receipts of every finished job on one of your datasets. */
  listReceipts(parameters: ListReceiptsParameters): Promise<ListReceiptsReturnType>
  /** Every job on one of your datasets, those waiting for approval included. */
  listDatasetJobs(parameters: ListDatasetJobsParameters): Promise<ListDatasetJobsReturnType>
  /** A custom algorithm's program, to read before approving it. */
  getAlgorithm(parameters: GetAlgorithmParameters): Promise<GetAlgorithmReturnType>
  /** Approves the custom algorithm a job waits on; see {@link approveAlgorithm}. */
  approveAlgorithm(parameters: ApproveAlgorithmParameters): Promise<ApproveAlgorithmReturnType>
  /** Withdraws every approval of an algorithm on one of your datasets. */
  revokeAlgorithmApproval(parameters: RevokeAlgorithmApprovalParameters): Promise<RevokeAlgorithmApprovalReturnType>
  /** Revoke a dataset on the node and (with the client's wallet) on chain; see {@link revokeDataset}. */
  revokeDataset(parameters: RevokeDatasetParameters): Promise<RevokeDatasetReturnType>
  /** Change a dataset's policy and/or schema after publishing (signed); see {@link updateDataset}. */
  updateDataset(parameters: UpdateDatasetParameters): Promise<UpdateDatasetReturnType>
  /** Change a dataset's price on its exchange, from the client's wallet (smallest units of the base token); see {@link setDatatokenPrice}. */
  setDatasetPrice(parameters: { dataset: `0x${string}`; price: bigint }): Promise<SetDatatokenPriceReturnType>
  /** Collect what waits on a dataset's exchange to its payment collector; see {@link collectBaseToken}. */
  collectEarnings(parameters: { dataset: `0x${string}` }): Promise<CollectBaseTokenReturnType>
  approveJob(parameters: ApproveJobParameters): Promise<DecideJobReturnType>
  denyJob(parameters: DenyJobParameters): Promise<DecideJobReturnType>
  /** A job's program log (owner only), opened with the wallet's owner log key; see {@link getJobLogs}. */
  getJobLogs(parameters: GetJobLogsParameters): Promise<GetJobLogsReturnType>
  /** Registers the wallet's owner log key, to which its datasets' job logs are sealed; see {@link registerOwnerLogKey}. */
  registerOwnerLogKey(): Promise<RegisterOwnerLogKeyReturnType>
  /** The single steps of `publishDataset`, for those who need them apart. */
  uploadCiphertext(parameters: UploadCiphertextParameters): Promise<UploadCiphertextReturnType>
  /** Uploads ciphertext in signed chunks through an upload session, resuming after a dropped connection; see {@link uploadCiphertextInChunks}. */
  uploadCiphertextInChunks(parameters: UploadCiphertextInChunksParameters): Promise<UploadCiphertextInChunksReturnType>
  registerDataset(parameters: RegisterDatasetParameters): Promise<RegisterDatasetReturnType>
  /** Lists a DAO pool on the node (see {@link registerPool}). */
  registerPool(parameters: RegisterPoolParameters): Promise<RegisterPoolReturnType>
  escrowDataKey(parameters: Omit<EscrowDataKeyParameters, 'chain'> & { chain?: EscrowDataKeyParameters['chain'] }): Promise<EscrowDataKeyReturnType>
}

/**
 * Binds every action to `client`: `dataVaultActions(client).submitJob(p)` is `submitJob(client.vault, p)`.
 * `createDataVaultClient` applies it; use it with `extend` on a base client of your own.
 *
 * @example
 * const client = createDataVaultBaseClient({ node, chain, account })
 * const actions = dataVaultActions(client)
 */
export function dataVaultActions(client: DataVaultBaseClient): DataVaultActions {
  const { vault } = client
  return {
    getNode: () => vault.node(),
    getEnvironments: () => getEnvironments(vault),
    searchDatasets: (parameters) => searchDatasets(client, parameters),
    getDataset: (parameters) => getDatasetWithPrice(client, parameters),
    getDatatokenPrice: (parameters) => getDatatokenPrice(client.public, parameters),
    getTokenBalance: async ({ token, owner }) => {
      const who = owner ?? client.account?.address
      if (!who) throw new AccountRequiredError('reading a balance without an `owner`')
      return getTokenBalance(client.public, { token, owner: who })
    },
    buyAccess: (parameters) => buyAccess(client, parameters),
    orderDataset: (parameters) => orderDataset(client, parameters),
    getProviderFee: (parameters) => getProviderFee(vault, parameters),
    getPrivacyUsage: (parameters) => getPrivacyUsage(vault, parameters),
    submitJob: (parameters) => submitJob(vault, parameters),
    quoteJob: (parameters) => quoteJob(vault, parameters),
    uploadAlgorithm: (parameters) => uploadAlgorithm(vault, parameters),
    getJob: (parameters) => getJob(vault, parameters),
    listJobs: (parameters) => listJobs(vault, parameters),
    watchJob: (parameters) => watchJob(vault, { intervalMs: client.pollingInterval, ...parameters }),
    waitForJob: (parameters) => waitForJob(vault, { intervalMs: client.pollingInterval, ...parameters }),
    cancelJob: (parameters) => cancelJob(vault, parameters),
    downloadResult: ((parameters: DownloadResultParameters) => downloadResult(vault, parameters)) as DataVaultActions['downloadResult'],
    downloadOutput: (parameters) => downloadOutput(vault, parameters),
    getReceipt: (parameters) => getReceipt(vault, parameters),
    verifyReceipt: async ({ receipt, files, node }) =>
      verifyReceipt({ receipt, node: node ?? (await vault.node()).address, ...(files ? { files } : {}) }),
    publishDataset: (parameters) => publishDataset(client, parameters),
    rotateDatasetKey: (parameters) => rotateDatasetKey(client, parameters),
    earnings: (parameters) => earnings(client, parameters),
    listReceipts: (parameters) => listReceipts(vault, parameters),
    listDatasetJobs: (parameters) => listDatasetJobs(vault, parameters),
    getAlgorithm: (parameters) => getAlgorithm(vault, parameters),
    approveAlgorithm: (parameters) => approveAlgorithm(vault, parameters),
    revokeAlgorithmApproval: (parameters) => revokeAlgorithmApproval(vault, parameters),
    revokeDataset: (parameters) => revokeDataset(vault, { ...(client.wallet ? { wallet: client.wallet } : {}), ...parameters }),
    updateDataset: (parameters) => updateDataset(vault, parameters),
    setDatasetPrice: async ({ dataset, price }) => setDatatokenPrice(requireWallet(client, 'changing a price'), { datatoken: dataset, price }),
    collectEarnings: async ({ dataset }) => collectBaseToken(requireWallet(client, 'collecting earnings'), { datatoken: dataset }),
    approveJob: (parameters) => approveJob(vault, parameters),
    denyJob: (parameters) => denyJob(vault, parameters),
    getJobLogs: (parameters) => getJobLogs(vault, parameters),
    registerOwnerLogKey: () => registerOwnerLogKey(vault),
    uploadCiphertext: (parameters) => uploadCiphertext(vault, parameters),
    uploadCiphertextInChunks: (parameters) => uploadCiphertextInChunks(vault, parameters),
    registerDataset: (parameters) => registerDataset(vault, parameters),
    registerPool: (parameters) => registerPool(vault, parameters),
    escrowDataKey: (parameters) => escrowDataKey(vault, { chain: client.public, ...parameters }),
  }
}
