import type { Address } from 'viem'
import type { ParameterizedContext } from 'koa'
import type { Logger } from '../logger.ts'

/** What middleware puts on `ctx.state` for the handlers after it. */
export type VaultState = {
  requestId: string
  log: Logger
  /** The wallet that signed the request, set by `walletAuth`. */
  wallet?: Address
  /** The signed, size-limited raw body of a JSON request, set by `walletAuth`. */
  rawBody?: Uint8Array
}

/** Koa context of the vault API. */
export type VaultContext = ParameterizedContext<VaultState>
