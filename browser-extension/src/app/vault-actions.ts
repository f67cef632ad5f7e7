// What the app does with the owner's vault, on the SDK's public actions: add data (encrypted in
// the data worker, uploaded as ciphertext, its key sealed in the library), publish it (the SDK's
// publishDataset, resumed from the upload), list datasets with their price, list every job on
// them with its receipt checked, and revoke.
import {
  type ComputePolicy,
  type DatasetSchema,
  type JobView,
  type PricedDataset,
  type PublishDatasetEvent,
  type PublishDatasetReturnType,
  type SignedReceipt,
  ciphertextLength,
  generateDataKey,
  type RevokeDatasetReturnType,
  closeDatatokenSales,
  revokeDataset,
} from '@datavault/sdk'
import type { LibraryItem, NewLibraryItem } from '../background/library.ts'
import type { Inspection } from '../data/inspect.ts'
import { extensionChunkSize } from '../data/encrypt.ts'
import type { BackgroundClient } from './background-client.ts'
import type { DataWorker } from './data-worker-client.ts'
import { describeError } from './describe-error.ts'
import { DataFileError } from '../errors.ts'
import type { VaultSession } from './vault-session.ts'

/** The largest file the extension adds. */
export const maxPlaintextBytes = 1024 ** 3

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

/**
 * The largest plaintext whose envelope fits the node's upload limit, and the extension's own.
 *
 * @example
 * plaintextLimit(session.node.maxUploadBytes)
 */
export function plaintextLimit(maxUploadBytes: number): number {
  let low = 0
  let high = Math.min(maxUploadBytes, maxPlaintextBytes)
  if (ciphertextLength(high, extensionChunkSize) <= maxUploadBytes) return high
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2)
    if (ciphertextLength(middle, extensionChunkSize) <= maxUploadBytes) low = middle
    else high = middle
  }
  return low
}

/** Ciphertext chunk of an upload session: three of them (two in flight, one filling) are what the upload holds in memory. */
export const uploadChunkBytes = 4 * 1024 ** 2

/**
 * A step of adding data, for the progress bar: with columns left out, the file read once to size
 * the cut CSV; ciphertext bytes encrypted and stored on the node; then saving the key.
 */
export type AddProgress = { stage: 'cut'; bytes: number; total: number } | { stage: 'upload'; bytes: number; total: number } | { stage: 'save' }

export type AddToVaultParameters = {
  session: VaultSession
  background: BackgroundClient
  worker: DataWorker
  inspection: Inspection
  /**
   * A table's public schema and private bounds as the owner chose them, the columns kept and those
   * left out (cut out of the CSV in the data worker as it is encrypted: they never leave this browser).
   */
  table?: { schema: DatasetSchema; bounds: Record<string, { min: number; max: number }>; keep: string[]; excluded: string[] } | undefined
  name: string
  description: string
  source: NewLibraryItem['source']
  onProgress?: ((progress: AddProgress) => void) | undefined
}

/**
 * Adds data to the vault: a fresh data key, the plaintext encrypted with it in the data worker as
 * it is uploaded to the node in chunks (an upload session: a dropped connection resumes, and only
 * a few chunks are in memory whatever the size), and the item (with its key sealed for this
 * wallet) kept in the library. Nothing leaves the browser unencrypted.
 *
 * @example
 * const item = await addToVault({ session, background, worker, inspection, name: 'Heart', description: '', source })
 */
export async function addToVault({ session, background, worker, inspection, table, name, description, source, onProgress }: AddToVaultParameters): Promise<LibraryItem> {
  if (inspection.kind === 'table' && !table) throw new DataFileError('Choose what buyers may see of each column first.', { code: 'TABLE_UNUSABLE' })
  const key = generateDataKey()
  try {
    const { ciphertext, plaintextBytes } = await worker.encrypt({
      plaintext: inspection.plaintext,
      key: key.slice(),
      keep: table?.excluded.length ? table.keep : undefined,
      name,
      onProgress: (bytes, total) => onProgress?.({ stage: 'cut', bytes, total }),
    })
    let uploaded: { cid: string; size: number }
    try {
      uploaded = await session.client.uploadCiphertextInChunks({
        body: ciphertext,
        size: ciphertextLength(plaintextBytes, extensionChunkSize),
        chunkBytes: uploadChunkBytes,
        onProgress: (bytes, total) => onProgress?.({ stage: 'upload', bytes, total }),
      })
    } catch (error) {
      // Stops the worker's encryption (it wipes its key); a stream that already failed rejects here, which changes nothing.
      await ciphertext.cancel().catch(() => undefined)
      throw error
    }
    const { cid, size } = uploaded
    onProgress?.({ stage: 'save' })
    const item: NewLibraryItem = {
      name,
      description,
      kind: inspection.kind,
      source,
      plaintextBytes,
      ciphertextBytes: size,
      cid,
      nodeUrl: session.settings.nodeUrl,
      ...(table ? { schema: table.schema, bounds: table.bounds, skipped: table.excluded.map((column) => ({ name: column, reason: 'left out by you: cut before encryption' })) } : {}),
    }
    return await background.request({ type: 'library.add', item, dataKey: toHex(key) })
  } finally {
    key.fill(0)
  }
}

/** What the owner asks for when publishing. */
export type PublishRequest = {
  /** Price of one job in the base token's smallest units; undefined when free. */
  price: bigint | undefined
  free: boolean
  policy: Partial<ComputePolicy> & { trainers: string[] }
  schema: DatasetSchema
}

/**
 * Publishes a library item with the SDK's `publishDataset`, resuming after the upload (the
 * ciphertext is on the node; the item's data key is opened by the background). When a step
 * fails, what exists is kept with the item so the owner can resume; nothing is for sale until
 * the last step (the SDK sets the price last).
 *
 * @example
 * const published = await publishItem({ session, background, item, request, onProgress })
 */
export async function publishItem({
  session,
  background,
  item,
  request,
  onProgress,
}: {
  session: VaultSession
  background: BackgroundClient
  item: LibraryItem
  request: PublishRequest
  onProgress?: ((event: PublishDatasetEvent) => void) | undefined
}): Promise<PublishDatasetReturnType> {
  const key = fromHex(await background.request({ type: 'library.dataKey', id: item.id }))
  try {
    const published = await session.client.publishDataset({
      // The ciphertext is on the node already (`resume.cid`): the upload step is skipped and `data` unread.
      data: new Uint8Array(0),
      name: item.name,
      description: item.description,
      schema: request.schema,
      policy: request.policy,
      ...(request.free ? { free: true } : { price: request.price }),
      key,
      resume: { ...item.publishAttempt?.state, cid: item.cid },
      onProgress,
    })
    await background.request({ type: 'library.update', id: item.id, patch: { dataset: published.datatoken, publishAttempt: null } })
    return published
  } catch (error) {
    const failed = error as { code?: unknown; step?: string; state?: object }
    if (failed.code === 'PUBLISH_DATASET_INCOMPLETE' && failed.step && failed.state) {
      const { code, message } = describeError(error, { address: session.address })
      await background.request({
        type: 'library.update',
        id: item.id,
        patch: {
          publishAttempt: {
            step: failed.step,
            state: failed.state,
            reason: { code, message },
            request: { ...(request.price !== undefined ? { price: request.price.toString() } : {}), free: request.free, policy: request.policy, schema: request.schema },
            at: new Date().toISOString(),
          },
        },
      })
    }
    throw error
  } finally {
    key.fill(0)
  }
}

/**
 * Gas a publication uses on Ocean's contracts, measured on the dev chain with a margin: creating
 * the data NFT and datatoken, then a FixedRateExchange or a Dispenser. For the confirmation
 * screen's estimate only; the receipts say what it cost.
 */
export const publishGas = { datatoken: 3_200_000n, fixedRate: 450_000n, dispenser: 250_000n } as const

/** What publishing will cost in gas at today's fee, and what the wallet holds. */
export async function estimatePublishFee(session: VaultSession, { free, datatokenExists }: { free: boolean; datatokenExists: boolean }): Promise<{ fee: bigint; balance: bigint; transactions: number }> {
  const [fees, balance] = await Promise.all([session.client.public.estimateFeesPerGas(), session.client.public.getBalance({ address: session.address })])
  const gas = (datatokenExists ? 0n : publishGas.datatoken) + (free ? publishGas.dispenser : publishGas.fixedRate)
  return { fee: gas * (fees.maxFeePerGas ?? fees.gasPrice ?? 0n), balance, transactions: datatokenExists ? 1 : 2 }
}

/** What the transactions of a publication cost, from their receipts. */
export async function paidFees(session: VaultSession, hashes: readonly (`0x${string}` | undefined)[]): Promise<bigint> {
  let total = 0n
  for (const hash of hashes) {
    if (!hash) continue
    const receipt = await session.client.public.getTransactionReceipt({ hash })
    total += receipt.gasUsed * receipt.effectiveGasPrice
  }
  return total
}

/** A dataset of the owner's as the app lists it: the node's view with its price, and the library item it came from. */
export type OwnerDataset = { dataset: PricedDataset | undefined; item: LibraryItem | undefined }

/**
 * The owner's datasets: the library's items (added here; some not yet published) joined with the
 * node's datasets of this wallet (with their price on chain), including those published elsewhere.
 *
 * @example
 * const rows = await ownerDatasets({ session, background })
 */
export async function ownerDatasets({ session, background }: { session: VaultSession; background: BackgroundClient }): Promise<OwnerDataset[]> {
  const [items, datasets] = await Promise.all([
    background.request({ type: 'library.list' }),
    session.client.searchDatasets({ owner: session.address, includeUnavailable: true }),
  ])
  const byId = new Map(datasets.map((dataset) => [dataset.id.toLowerCase(), dataset]))
  const rows: OwnerDataset[] = items.map((item) => {
    const dataset = item.dataset ? byId.get(item.dataset) : (item.publishAttempt?.state.datatoken && byId.get(item.publishAttempt.state.datatoken.toLowerCase())) || undefined
    if (dataset) byId.delete(dataset.id.toLowerCase())
    return { dataset, item }
  })
  for (const dataset of byId.values()) rows.push({ dataset, item: undefined })
  return rows
}

/** How a receipt checked out: signed by this node, and about this very job. */
export type ReceiptCheck = { status: 'verified'; receipt: SignedReceipt } | { status: 'invalid'; receipt: SignedReceipt; reason: string } | { status: 'none' }

/**
 * A job on the owner's data, with its dataset's name and its receipt checked. `throughPool` is the
 * pool's datatoken when the job was ordered on a pool the dataset is a member of.
 */
export type OwnerJob = { job: JobView; datasetName: string; receipt: ReceiptCheck; throughPool?: `0x${string}` | undefined }

/**
 * Every job on the given datasets (waiting, running, finished, failed), newest first, each with
 * its receipt verified: the node's EIP-712 signature by the node's own address (`verifyReceipt`),
 * and the receipt's job, dataset, buyer and program being this job's.
 *
 * @example
 * const jobs = await datasetJobs({ session, datasets: [{ id, name }] })
 */
export async function datasetJobs({ session, datasets }: { session: VaultSession; datasets: readonly { id: `0x${string}`; name: string }[] }): Promise<OwnerJob[]> {
  const rows: OwnerJob[] = []
  for (const { id, name } of datasets) {
    const [jobs, receipts] = await Promise.all([session.client.listDatasetJobs({ dataset: id }), session.client.listReceipts({ dataset: id })])
    const byJob = new Map(receipts.map((receipt) => [receipt.message.jobId, receipt]))
    for (const job of jobs) {
      const throughPool = job.dataset.toLowerCase() !== id.toLowerCase() ? job.dataset : undefined
      rows.push({ job, datasetName: name, receipt: await checkReceipt(session, job, byJob.get(job.id)), ...(throughPool ? { throughPool } : {}) })
    }
  }
  return rows.sort((a, b) => (a.job.createdAt < b.job.createdAt ? 1 : -1))
}

async function checkReceipt(session: VaultSession, job: JobView, receipt: SignedReceipt | undefined): Promise<ReceiptCheck> {
  if (!receipt) return { status: 'none' }
  try {
    await session.client.verifyReceipt({ receipt, node: session.node.address })
  } catch (error) {
    return { status: 'invalid', receipt, reason: describeError(error).message }
  }
  const { message } = receipt
  const mismatch =
    message.dataset.toLowerCase() !== job.dataset.toLowerCase()
      ? 'it names another dataset'
      : message.buyer.toLowerCase() !== job.buyer.toLowerCase()
        ? 'it names another buyer'
        : message.trainerHash.toLowerCase() !== job.trainer.hash.toLowerCase()
          ? 'it names another program'
          : undefined
  return mismatch ? { status: 'invalid', receipt, reason: mismatch } : { status: 'verified', receipt }
}

/**
 * The privacy a job spent, from its receipt, in plain words: `1.23 of the privacy budget` (its ε),
 * or that it ran without differential privacy (δ = 1 in a receipt says no guarantee).
 */
export function privacySpent(receipt: SignedReceipt | undefined): string {
  if (!receipt) return '—'
  const { epsilon, delta } = receipt.message
  if (delta === '1') return 'None: not private training'
  return `${Number(epsilon).toPrecision(3).replace(/\.?0+$/, '')} of the privacy budget`
}

/** Whether the chain has a KeyHolderRegistry, where a revocation is recorded for every key holder to check. */
export function revokesOnChain(session: VaultSession): boolean {
  return typeof session.node.addresses?.KeyHolderRegistry === 'string'
}

/**
 * Revokes a dataset: on the node (unlisted, its key escrow deleted, waiting jobs fail, no new
 * ones), then on chain: its exchange or dispenser is closed (nobody can buy it any more) and, when
 * the chain has a KeyHolderRegistry, it is marked revoked there (every key holder checks it,
 * refuses and deletes its share). Transactions signed by the wallet.
 */
export async function revoke(session: VaultSession, dataset: `0x${string}`): Promise<RevokeDatasetReturnType> {
  const wallet = session.client.wallet
  if (revokesOnChain(session) || !wallet) return revokeDataset(session.client.vault, { dataset, wallet })
  const revoked = await revokeDataset(session.client.vault, { dataset })
  const { closed } = await closeDatatokenSales(wallet, { datatoken: dataset })
  return { ...revoked, closedSales: closed }
}
