// The background's one entry for the app page's requests: validates each with the message
// schemas, runs it, and answers `{ ok, value }` or `{ ok: false, error }` with the error's stable
// name and code (never its cause or stack). Errors are turned into answers here, in one place.
import type { TransactionSerializable, TypedDataDefinition } from 'viem'
import * as z from 'zod/v4'
import { ownerLogKeyMessage } from '@datavault/sdk'
import { RequestInvalidError, WalletError, errorJson } from '../errors.ts'
import { type BackgroundRequest, type BackgroundResponse, type BackgroundResults, backgroundRequestSchema, decodeJson } from '../messages.ts'
import type { SettingsStore } from '../settings.ts'
import type { WalletKeeper } from '../wallet/wallet-keeper.ts'
import type { CaptureStore } from './capture.ts'
import type { LibraryStore } from './library.ts'

export type BackgroundRouterComponents = {
  keeper: WalletKeeper
  settings: SettingsStore
  library: LibraryStore
  captures: Pick<CaptureStore, 'take'>
}

const typedDataShape = z.object({
  domain: z.object({ name: z.string() }).passthrough(),
  types: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string() }))),
  primaryType: z.string(),
  message: z.record(z.string(), z.unknown()),
})
const transactionShape = z.object({ chainId: z.number().int().positive(), value: z.bigint().optional() }).passthrough()

const hex = (bytes: Uint8Array) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('')
const bytesOf = (text: string) => Uint8Array.from((text.startsWith('0x') ? text.slice(2) : text).match(/../g) ?? [], (pair) => Number.parseInt(pair, 16))

/**
 * Makes the background's request handler.
 *
 * @example
 * const handle = backgroundRouter({ keeper, settings, library, captures })
 * const answer = await handle({ type: 'wallet.status' })
 */
export function backgroundRouter({ keeper, settings, library, captures }: BackgroundRouterComponents) {
  async function run(request: z.output<typeof backgroundRequestSchema>): Promise<BackgroundResults[BackgroundRequest['type']]> {
    switch (request.type) {
      case 'wallet.status':
        return keeper.status()
      case 'wallet.create':
        return keeper.create({ password: request.password })
      case 'wallet.importKey':
        return keeper.importPrivateKey({ privateKey: request.privateKey, password: request.password })
      case 'wallet.importKeystore': {
        let keystore: unknown
        try {
          keystore = JSON.parse(request.keystore)
        } catch {
          throw new WalletError('This is not a wallet file the extension can read (it is not JSON).', { code: 'KEYSTORE_INVALID' })
        }
        return keeper.importKeystore({ keystore, keystorePassword: request.keystorePassword, password: request.password })
      }
      case 'wallet.unlock':
        return keeper.unlock({ password: request.password })
      case 'wallet.lock':
        await keeper.lock()
        return null
      case 'wallet.exportKeystore':
        return keeper.exportKeystore()
      case 'wallet.forget':
        await keeper.forget({ password: request.password })
        return null
      case 'wallet.signTypedData': {
        const typed = typedDataShape.safeParse(decodeJson(request.typedData))
        if (!typed.success) throw new RequestInvalidError(z.prettifyError(typed.error))
        // Only datavault's own domains (requests to vault nodes, key escrow): never a token permit or another app's order.
        if (!/^datavault(-[a-z-]+)?$/.test(typed.data.domain.name))
          throw new WalletError(`The wallet signs only datavault's own messages, not "${typed.data.domain.name.slice(0, 64)}".`, { code: 'WALLET_SIGN_REFUSED' })
        const account = await keeper.account()
        return account.signTypedData(typed.data as unknown as TypedDataDefinition)
      }
      case 'wallet.signTransaction': {
        const transaction = transactionShape.safeParse(decodeJson(request.transaction))
        if (!transaction.success) throw new RequestInvalidError(z.prettifyError(transaction.error))
        // Publishing, pricing and revoking pay gas only: a transaction that sends ETH is not one of ours.
        if ((transaction.data.value ?? 0n) !== 0n) throw new WalletError('The wallet does not send ETH from the extension.', { code: 'WALLET_SIGN_REFUSED' })
        const account = await keeper.account()
        return account.signTransaction(transaction.data as unknown as TransactionSerializable)
      }
      case 'wallet.signOwnerLogKeyMessage': {
        // The one plain message the wallet signs: the SDK's fixed owner-log-key message, which
        // derives the key custom programs' logs are sealed to (nothing else can be asked this way).
        const account = await keeper.account()
        return account.signMessage({ message: ownerLogKeyMessage })
      }
      case 'settings.get':
        return settings.get()
      case 'settings.set':
        return settings.set(request.settings)
      case 'library.list':
        return library.list()
      case 'library.add':
        return library.add(request.item, bytesOf(request.dataKey))
      case 'library.update':
        return library.update(request.id, request.patch)
      case 'library.dataKey': {
        const key = await library.dataKey(request.id)
        try {
          return hex(key)
        } finally {
          key.fill(0)
        }
      }
      case 'library.remove':
        await library.remove(request.id)
        return null
      case 'capture.take':
        return captures.take()
    }
  }

  return async function handle(message: unknown): Promise<BackgroundResponse> {
    const parsed = backgroundRequestSchema.safeParse(message)
    if (!parsed.success) return { ok: false, error: errorJson(new RequestInvalidError(z.prettifyError(parsed.error))) }
    try {
      return { ok: true, value: await run(parsed.data) }
    } catch (error) {
      return { ok: false, error: errorJson(error) }
    }
  }
}
