import type { Address, Hash, Hex } from 'viem'
import { escrowDataKey } from '../vault/escrowDataKey.ts'
import { getDataset } from '../vault/getDatasets.ts'
import { registerDataset } from '../vault/registerDataset.ts'
import type { ComputePolicy, DatasetSchema, DatasetView } from '../../api/schemas.ts'
import { priceDatatoken } from '../chain/priceDatatoken.ts'
import { publishDatatoken } from '../chain/publishDatatoken.ts'
import { type PlaintextSource, uploadPlaintext } from '../../client/uploadPlaintext.ts'
import type { EnvelopeCrypto } from '../../envelope/crypto.ts'
import { generateDataKey } from '../../envelope/generateDataKey.ts'
import { type DataVaultBaseClient, assertSameChain, requireWallet } from '../../client/baseClient.ts'
import { PublishDatasetArgumentError, PublishDatasetError, type PublishDatasetState, type PublishDatasetStep } from '../../client/errors.ts'

/** A step of `publishDataset` starting or done, or upload progress. */
export type PublishDatasetEvent =
  | { step: PublishDatasetStep; status: 'started' | 'done' | 'skipped' }
  /** Plaintext bytes read, encrypted and sent so far. */
  | { step: 'upload'; status: 'progress'; bytes: number; totalBytes: number | undefined }

export type PublishDatasetParameters = {
  /**
   * The plaintext: a CSV as a Blob or File (Node: `await fs.openAsBlob(path)`), bytes, a string, or
   * a stream. Encrypted here; never sent open. Not needed when `resume` says the upload is done.
   */
  data?: PlaintextSource | undefined
  name: string
  description?: string | undefined
  /** The columns (and declared rows) trainers see. */
  schema: DatasetSchema
  /** What may run on it: `{ trainers: ['logistic-regression'], maxEpochs: 200, … }`. */
  policy: Partial<ComputePolicy> & { trainers: string[] }
  /** Price of one order (one datatoken) in the base token's smallest units, e.g. `parseEther('5')`; or `free: true`. */
  price?: bigint | undefined
  /** Give it away through the Dispenser instead of selling it. */
  free?: boolean | undefined
  /** Base token of the price; the chain's OCEAN by default. */
  baseToken?: Address | undefined
  /** Datatoken symbol; made from the name when omitted (`DV-HEART`). */
  symbol?: string | undefined
  /**
   * The 32-byte data key; a fresh one by default. Pass your own (and keep it secret) if you may need
   * to `resume` after the key escrow failed: the key must match the ciphertext already registered.
   */
  key?: Uint8Array | undefined
  /** What an earlier, failed call had done (`PublishDatasetError.state`): its steps are not repeated. */
  resume?: PublishDatasetState | undefined
  onProgress?: ((event: PublishDatasetEvent) => void) | undefined
  /** Faster encryption on Node: `nodeEnvelopeCrypto` from `@datavault/sdk/node`. */
  crypto?: EnvelopeCrypto | undefined
  signal?: AbortSignal | undefined
}

export type PublishDatasetReturnType = {
  /** The dataset as the node now lists it (its id is the datatoken's address). */
  dataset: DatasetView
  datatoken: Address
  nft: Address | undefined
  cid: string
  /** The FixedRateExchange id; undefined when free. */
  exchangeId: Hex | undefined
  /** Transactions sent: the datatoken's creation and its pricing. */
  txHashes: { datatoken: Hash | undefined; price: Hash }
}

export type PublishDatasetErrorType = PublishDatasetError | PublishDatasetArgumentError | import('../../client/errors.ts').ChainMismatchError

/** A datatoken symbol from a dataset name: `Heart health 2026` → `DV-HH2026`. */
function symbolOf(name: string): string {
  const words = name.toUpperCase().match(/[A-Z0-9]+/g) ?? []
  const letters = words.length > 1 ? words.map((word) => (/^\d+$/.test(word) ? word : word[0])).join('') : (words[0] ?? 'DATA')
  return `DV-${letters.slice(0, 8)}`
}

/**
 * Publishes a dataset in one call: encrypts the data here with a fresh key (streaming) and uploads
 * the ciphertext, creates the data NFT and datatoken, registers the dataset with its schema and
 * policy, escrows the key sealed to the node, and only then puts the datatoken up for sale (a
 * FixedRateExchange at `price`, or the Dispenser when `free`).
 *
 * Because the price comes last, a failure never leaves something a buyer can pay for: it throws
 * `PublishDatasetError` with the `step` that failed and the `state` reached (a datatoken with no
 * exchange; possibly a registration without a key, which the node refuses jobs for). Call again
 * with `resume: error.state` (and the same `key` when the registration was done) to finish with
 * the same datatoken. Before the datatoken exists nothing is on chain; an uploaded, unregistered
 * ciphertext counts against the owner's pending-upload quota on the node.
 *
 * @example
 * const { dataset } = await publishDataset(client, {
 *   data: await openAsBlob('heart.csv'),
 *   name: 'Heart health 2026',
 *   schema,
 *   policy: { trainers: ['logistic-regression'], maxEpochs: 200 },
 *   price: parseEther('5'),
 *   onProgress: (event) => console.log(event.step, event.status),
 * })
 */
export async function publishDataset(client: DataVaultBaseClient, parameters: PublishDatasetParameters): Promise<PublishDatasetReturnType> {
  const { data, name, description = '', schema, policy, price, free = false, baseToken, resume = {}, onProgress, crypto, signal } = parameters
  const wallet = requireWallet(client, 'publishing a dataset')
  if (free === (price !== undefined)) throw new PublishDatasetArgumentError('Give either a `price` or `free: true`.')
  if (price !== undefined && price <= 0n) throw new PublishDatasetArgumentError('The price must be positive; use `free: true` for a free dataset.')
  if (resume.registered && !resume.keyEscrowed && !parameters.key)
    throw new PublishDatasetArgumentError('Resuming after the registration needs the data key the dataset was encrypted with (`key`).')
  if (resume.registered && (!resume.cid || !resume.datatoken)) throw new PublishDatasetArgumentError('A registered `resume` state needs its `cid` and `datatoken`.')
  if (data === undefined && !(resume.cid && (resume.registered || parameters.key)))
    throw new PublishDatasetArgumentError('Give the `data` to publish (only a `resume` whose upload is done, with its `key`, may leave it out).')
  await assertSameChain(client)
  const addresses = await client.addresses()

  const state: PublishDatasetState = { ...resume }
  // A ciphertext from an earlier call can be reused only with the key it was made with.
  if (state.cid && !state.registered && !parameters.key) state.cid = undefined
  const key = parameters.key?.slice() ?? generateDataKey()
  const txHashes: { datatoken: Hash | undefined } = { datatoken: undefined }
  let step: PublishDatasetStep = 'upload'
  const run = async <T>(current: PublishDatasetStep, done: boolean, work: () => Promise<T>): Promise<T | undefined> => {
    step = current
    if (done) {
      onProgress?.({ step: current, status: 'skipped' })
      return undefined
    }
    signal?.throwIfAborted()
    onProgress?.({ step: current, status: 'started' })
    const result = await work()
    onProgress?.({ step: current, status: 'done' })
    return result
  }

  try {
    await run('upload', state.cid !== undefined, async () => {
      const { cid } = await uploadPlaintext(client.vault, {
        data: data as PlaintextSource,
        key,
        crypto,
        signal,
        onBytes: (bytes, totalBytes) => onProgress?.({ step: 'upload', status: 'progress', bytes, totalBytes }),
      })
      state.cid = cid
    })
    await run('datatoken', state.datatoken !== undefined, async () => {
      const created = await publishDatatoken(wallet, { addresses, name, symbol: parameters.symbol ?? symbolOf(name), unpriced: true })
      state.datatoken = created.datatoken
      state.nft = created.nft
      txHashes.datatoken = created.txHash
    })
    const datatoken = state.datatoken as Address
    await run('register', state.registered === true, async () => {
      await registerDataset(client.vault, { cid: state.cid as string, datatoken, name, description, schema, policy })
      state.registered = true
    })
    await run('escrow', state.keyEscrowed === true, async () => {
      await escrowDataKey(client.vault, { dataset: datatoken, key, chain: client.public, cid: state.cid as string, trainers: policy.trainers })
      state.keyEscrowed = true
    })
    const priced = (await run('price', false, () =>
      free
        ? priceDatatoken(wallet, { addresses, datatoken, dispenser: true })
        : priceDatatoken(wallet, { addresses, datatoken, price: price as bigint, baseToken }),
    ))!
    const dataset = await getDataset(client.vault, { id: datatoken })
    return { dataset, datatoken, nft: state.nft, cid: state.cid as string, exchangeId: priced.exchangeId, txHashes: { ...txHashes, price: priced.txHash } }
  } catch (error) {
    if (signal?.aborted && step === 'upload' && state.datatoken === undefined) throw error
    throw new PublishDatasetError({ step, state: { ...state }, cause: error })
  } finally {
    key.fill(0)
  }
}
