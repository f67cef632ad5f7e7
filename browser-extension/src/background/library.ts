// The owner's library: what they added to their vault from this browser, with the data key of
// each item sealed for their wallet. The node lists published datasets; the library also knows
// what is only stored (not yet published), how a publication that stopped can resume, and the
// key every step after the upload needs. Kept in chrome.storage.local, one list per wallet.
import { type DatasetSchema, type PublishDatasetState, datasetSchemaSchema } from '@datavault/sdk'
import * as z from 'zod/v4'
import { LibraryItemNotFoundError, RequestInvalidError } from '../errors.ts'
import type { StorageArea } from '../storage.ts'
import type { WalletKeeper } from '../wallet/wallet-keeper.ts'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/).transform((value) => value.toLowerCase() as `0x${string}`)

/** Where an item came from. */
export const librarySourceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file'), fileName: z.string().min(1).max(255), mediaType: z.string().max(255) }),
  z.object({ type: z.literal('page'), title: z.string().max(500), origin: z.string().max(2048) }),
])

/** What a publication that stopped had asked for and reached, to resume it. */
export const publishAttemptSchema = z.object({
  /** The step that failed. */
  step: z.enum(['upload', 'datatoken', 'register', 'escrow', 'price']),
  /** What exists (`PublishDatasetError.state`). */
  state: z.object({
    cid: z.string().optional(),
    nft: address.optional(),
    datatoken: address.optional(),
    registered: z.boolean().optional(),
    keyEscrowed: z.boolean().optional(),
  }),
  /** The error's code and message, for the owner. */
  reason: z.object({ code: z.string().max(100), message: z.string().max(2000) }),
  /** The price and policy asked for, so a resume offers the same. */
  request: z.object({ price: z.string().regex(/^\d{1,40}$/).optional(), free: z.boolean(), policy: z.record(z.string(), z.unknown()), schema: z.unknown() }),
  at: z.iso.datetime(),
})

/** What is stored about an item (without its sealed key). */
export const libraryItemSchema = z.object({
  id: z.uuid(),
  name: z.string().trim().min(1).max(200),
  description: z.string().max(4000).default(''),
  /** A table (publishable for training) or an opaque file. */
  kind: z.enum(['table', 'file']),
  source: librarySourceSchema,
  plaintextBytes: z.number().int().nonnegative(),
  ciphertextBytes: z.number().int().nonnegative(),
  /** The ciphertext's CID on the node. */
  cid: z.string().regex(/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,120})$/),
  /** The node it was uploaded to. */
  nodeUrl: z.string().max(2048),
  schema: z.unknown().optional().refine((value) => value === undefined || datasetSchemaSchema.safeParse(value).success, 'must be a dataset schema'),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })).max(10_000).default([]),
  /** Lowest and highest values of number columns, proposed from the data and confirmed by the owner: kept here, public only once published under a privacy budget. */
  bounds: z.record(z.string(), z.object({ min: z.number(), max: z.number() })).optional(),
  addedAt: z.iso.datetime(),
  /** The last publication that stopped before the end. */
  publishAttempt: publishAttemptSchema.optional(),
  /** The dataset id (its datatoken) once published. */
  dataset: address.optional(),
})

/** One item of the library. */
export type LibraryItem = Omit<z.output<typeof libraryItemSchema>, 'schema'> & { schema?: DatasetSchema | undefined }
/** What the page gives to add an item (the library sets `id` and `addedAt`). */
export const newLibraryItemSchema = libraryItemSchema.omit({ id: true, addedAt: true, publishAttempt: true, dataset: true })
export type NewLibraryItem = z.input<typeof newLibraryItemSchema>
/** A change after publishing: a stopped attempt, or the dataset it became. */
export const libraryItemPatchSchema = z.object({ publishAttempt: publishAttemptSchema.nullable().optional(), dataset: address.optional() })
export type LibraryItemPatch = z.input<typeof libraryItemPatchSchema>
export type PublishAttempt = z.output<typeof publishAttemptSchema> & { state: PublishDatasetState }

type Sealed = { iv: string; ciphertext: string }
type StoredItem = LibraryItem & { sealedKey: Sealed }

/** The library's operations; see {@link libraryStore}. */
export type LibraryStore = {
  /** The items of the wallet's library, newest first. */
  list(): Promise<LibraryItem[]>
  /** Adds an item with its 32-byte data key, sealed for this wallet. */
  add(item: unknown, dataKey: Uint8Array): Promise<LibraryItem>
  update(id: string, patch: unknown): Promise<LibraryItem>
  /** Opens an item's data key (the wallet must be unlocked). */
  dataKey(id: string): Promise<Uint8Array>
  remove(id: string): Promise<void>
}

const toHex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))
type Bytes = Uint8Array<ArrayBuffer>

/**
 * The library of the wallet the keeper holds. Data keys are sealed with AES-256-GCM under a key
 * derived from the wallet's private key (`keeper.sealingKey()`), bound to the wallet and item by
 * the additional data, so they open only while that wallet is unlocked.
 *
 * @example
 * const library = libraryStore({ local, keeper })
 * const item = await library.add({ name, kind: 'table', … }, dataKey)
 */
export function libraryStore({ local, keeper }: { local: StorageArea; keeper: Pick<WalletKeeper, 'status' | 'sealingKey'> }): LibraryStore {
  async function owner(): Promise<`0x${string}`> {
    const status = await keeper.status()
    if (status.state === 'none') return '0x0000000000000000000000000000000000000000'
    return status.address
  }
  const keyOf = (wallet: string) => `library.${wallet}`
  const read = async (wallet: string) => (await local.get<StoredItem[]>(keyOf(wallet))) ?? []
  const write = (wallet: string, items: StoredItem[]) => local.set(keyOf(wallet), items)
  const publicPart = ({ sealedKey: _, ...item }: StoredItem): LibraryItem => item
  const additionalData = (wallet: string, id: string) => new TextEncoder().encode(`datavault-extension:${wallet}:${id}`)

  async function find(id: string) {
    const wallet = await owner()
    const items = await read(wallet)
    const index = items.findIndex((item) => item.id === id)
    if (index < 0) throw new LibraryItemNotFoundError(id)
    return { wallet, items, index, item: items[index]! }
  }

  return {
    async list() {
      return (await read(await owner())).map(publicPart).sort((a, b) => (a.addedAt < b.addedAt ? 1 : -1))
    },

    async add(input, dataKey) {
      const parsed = newLibraryItemSchema.safeParse(input)
      if (!parsed.success) throw new RequestInvalidError(z.prettifyError(parsed.error))
      if (dataKey.length !== 32) throw new RequestInvalidError('A data key is 32 bytes.')
      const wallet = await owner()
      const item = { ...parsed.data, id: globalThis.crypto.randomUUID(), addedAt: new Date().toISOString() } as LibraryItem
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
      const sealed = await globalThis.crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: additionalData(wallet, item.id) }, await keeper.sealingKey(), dataKey.slice() as Bytes)
      await write(wallet, [...(await read(wallet)), { ...item, sealedKey: { iv: toHex(iv), ciphertext: toHex(new Uint8Array(sealed)) } }])
      return item
    },

    async update(id, patch) {
      const parsed = libraryItemPatchSchema.safeParse(patch)
      if (!parsed.success) throw new RequestInvalidError(z.prettifyError(parsed.error))
      const { wallet, items, index, item } = await find(id)
      const { publishAttempt, dataset } = parsed.data
      const next: StoredItem = { ...item, ...(dataset ? { dataset } : {}) }
      if (publishAttempt === null) delete next.publishAttempt
      else if (publishAttempt !== undefined) next.publishAttempt = publishAttempt
      items[index] = next
      await write(wallet, items)
      return publicPart(next)
    },

    async dataKey(id) {
      const { wallet, item } = await find(id)
      const opened = await globalThis.crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromHex(item.sealedKey.iv), additionalData: additionalData(wallet, id) },
        await keeper.sealingKey(),
        fromHex(item.sealedKey.ciphertext),
      )
      return new Uint8Array(opened)
    },

    async remove(id) {
      const { wallet, items, index } = await find(id)
      items.splice(index, 1)
      await write(wallet, items)
    },
  }
}
