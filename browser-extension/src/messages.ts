// The messages between the owner's app page and the background service worker. Every request is
// validated by the background with these schemas; answers are `{ ok: true, value }` or
// `{ ok: false, error }` with the error's stable name and code. Extension messages carry JSON
// only, so values with bigints (typed data, transactions) travel as JSON text with tagged bigints.
import * as z from 'zod/v4'
import type { ErrorJson } from './errors.ts'
import type { LibraryItem } from './background/library.ts'
import type { Capture } from './background/capture.ts'
import type { Settings } from './settings.ts'
import type { WalletStatus } from './wallet/wallet-keeper.ts'
import type { WrittenKeystore } from './wallet/keystore.ts'

const password = z.string().min(1).max(1024)
const id = z.uuid()
const hex32 = z.string().regex(/^(0x)?[0-9a-fA-F]{64}$/)
/** JSON text made by {@link encodeJson}, at most 1 MiB. */
const encoded = z.string().max(1024 ** 2)

/** Every request the background answers. */
export const backgroundRequestSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('wallet.status') }),
  z.object({ type: z.literal('wallet.create'), password }),
  z.object({ type: z.literal('wallet.importKey'), privateKey: z.string().max(200), password }),
  z.object({ type: z.literal('wallet.importKeystore'), keystore: z.string().max(64 * 1024), keystorePassword: password, password }),
  z.object({ type: z.literal('wallet.unlock'), password }),
  z.object({ type: z.literal('wallet.lock') }),
  z.object({ type: z.literal('wallet.exportKeystore') }),
  z.object({ type: z.literal('wallet.forget'), password }),
  z.object({ type: z.literal('wallet.signTypedData'), typedData: encoded }),
  z.object({ type: z.literal('wallet.signTransaction'), transaction: encoded }),
  z.object({ type: z.literal('wallet.signOwnerLogKeyMessage') }),
  z.object({ type: z.literal('settings.get') }),
  z.object({ type: z.literal('settings.set'), settings: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('library.list') }),
  z.object({ type: z.literal('library.add'), item: z.record(z.string(), z.unknown()), dataKey: hex32 }),
  z.object({ type: z.literal('library.update'), id, patch: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('library.dataKey'), id }),
  z.object({ type: z.literal('library.remove'), id }),
  z.object({ type: z.literal('capture.take') }),
])

/** A request to the background. */
export type BackgroundRequest = z.input<typeof backgroundRequestSchema>
export type BackgroundRequestType = BackgroundRequest['type']

/** What each request answers with. */
export type BackgroundResults = {
  'wallet.status': WalletStatus
  'wallet.create': { address: `0x${string}` }
  'wallet.importKey': { address: `0x${string}` }
  'wallet.importKeystore': { address: `0x${string}` }
  'wallet.unlock': { address: `0x${string}`; locksAt: number }
  'wallet.lock': null
  'wallet.exportKeystore': WrittenKeystore
  'wallet.forget': null
  'wallet.signTypedData': `0x${string}`
  'wallet.signTransaction': `0x${string}`
  'wallet.signOwnerLogKeyMessage': `0x${string}`
  'settings.get': Settings
  'settings.set': Settings
  'library.list': LibraryItem[]
  'library.add': LibraryItem
  'library.update': LibraryItem
  /** The data key as hex. */
  'library.dataKey': string
  'library.remove': null
  /** The capture waiting from the context menu, taken (it is removed). */
  'capture.take': Capture | null
}

/** The error part of a failed answer: never a stack or a cause. */
export type BackgroundErrorJson = ErrorJson

/** An answer from the background. */
export type BackgroundResponse<type extends BackgroundRequestType = BackgroundRequestType> =
  | { ok: true; value: BackgroundResults[type] }
  | { ok: false; error: BackgroundErrorJson }

/**
 * JSON text of a value that may hold bigints (as `{ "$bigint": "123" }`).
 *
 * @example
 * decodeJson(encodeJson({ gas: 21000n })) // { gas: 21000n }
 */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? { $bigint: item.toString() } : item))
}

/** Reads what {@link encodeJson} wrote. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length === 1 && typeof (item as { $bigint?: unknown }).$bigint === 'string' && /^-?\d{1,80}$/.test((item as { $bigint: string }).$bigint)
      ? BigInt((item as { $bigint: string }).$bigint)
      : item,
  )
}
