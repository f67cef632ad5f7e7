import type { Address, Hash } from 'viem'
import { BaseError, ContractFunctionRevertedError, ExecutionRevertedError, UserRejectedRequestError } from 'viem'
import { DataVaultError } from '../errors/base.ts'

/** How a chain transaction failed: reverted (by the contract), rejected (by the signer), or failed (RPC, funds, nonce…). */
export type ChainTransactionFailure = 'reverted' | 'rejected' | 'failed'

const codes = {
  reverted: 'CHAIN_TRANSACTION_REVERTED',
  rejected: 'CHAIN_TRANSACTION_REJECTED',
  failed: 'CHAIN_TRANSACTION_FAILED',
} as const

/**
 * A transaction an SDK action sent (or tried to send) did not succeed. Thrown, never returned as
 * `null`. `action` names the step (`startOrder`, `approve`, …); `reason` is the contract's revert
 * reason or custom error name when there is one; `txHash` is set when the transaction was mined
 * and reverted. Messages hold viem's short messages only (never the RPC URL or request body).
 */
export class ChainTransactionError extends DataVaultError {
  override name = 'ChainTransactionError'
  readonly action: string
  readonly failure: ChainTransactionFailure
  readonly reason: string | undefined
  readonly txHash: Hash | undefined

  constructor({ action, failure, reason, txHash, cause }: { action: string; failure: ChainTransactionFailure; reason?: string | undefined; txHash?: Hash | undefined; cause?: unknown }) {
    const viemMessage = cause instanceof BaseError ? cause.shortMessage : undefined
    const details = [reason ? `reason: ${reason}` : undefined, txHash ? `transaction: ${txHash}` : undefined, failure !== 'reverted' ? viemMessage : undefined]
      .filter(Boolean)
      .join('; ')
    super(`The ${action} transaction ${failure === 'reverted' ? 'reverted' : failure === 'rejected' ? 'was rejected by the signer' : 'failed'}.`, {
      code: codes[failure],
      status: failure === 'failed' ? 502 : 400,
      details: details || undefined,
      cause,
    })
    this.action = action
    this.failure = failure
    this.reason = reason
    this.txHash = txHash
  }

  /** Classifies an error viem threw while simulating, estimating or sending `action`. */
  static from(action: string, error: unknown): ChainTransactionError {
    if (error instanceof ChainTransactionError) return error
    if (error instanceof BaseError) {
      const reverted = error.walk((inner) => inner instanceof ContractFunctionRevertedError || inner instanceof ExecutionRevertedError)
      if (reverted instanceof ContractFunctionRevertedError) {
        return new ChainTransactionError({ action, failure: 'reverted', reason: reverted.reason ?? reverted.data?.errorName, cause: error })
      }
      if (reverted instanceof ExecutionRevertedError) {
        return new ChainTransactionError({ action, failure: 'reverted', reason: reverted.details || undefined, cause: error })
      }
      if (error.walk((inner) => inner instanceof UserRejectedRequestError)) {
        return new ChainTransactionError({ action, failure: 'rejected', cause: error })
      }
    }
    return new ChainTransactionError({ action, failure: 'failed', cause: error })
  }
}

/** A transaction succeeded but did not emit the event the action reads its result from (wrong contract address?). */
export class ChainEventNotFoundError extends DataVaultError {
  override name = 'ChainEventNotFoundError'
  constructor({ action, event, txHash }: { action: string; event: string; txHash: Hash }) {
    super(`The ${action} transaction emitted no ${event} event.`, {
      code: 'CHAIN_EVENT_NOT_FOUND',
      status: 502,
      details: `transaction: ${txHash}; check the contract addresses for this chain`,
    })
  }
}

/** The datatoken has no usable fixed-rate exchange (none on this FixedRateExchange, another datatoken's, or inactive). */
export class ExchangeNotFoundError extends DataVaultError {
  override name = 'ExchangeNotFoundError'
  constructor(details: string) {
    super('No active fixed-rate exchange sells this datatoken.', { code: 'EXCHANGE_NOT_FOUND', status: 404, details, kind: 'refused' })
  }
}

/** A chain action was called with parameters it cannot use. */
export class ChainArgumentError extends DataVaultError {
  override name = 'ChainArgumentError'
  constructor(shortMessage: string, { details }: { details?: string } = {}) {
    super(shortMessage, { code: 'CHAIN_INVALID_ARGUMENT', status: 400, details, kind: 'input' })
  }
}

/**
 * Reading the chain failed (RPC unreachable, wrong chain, not a contract). `action` names what was
 * being read (`reading the price of 0x…`); viem's short message is in `details`, never the RPC URL.
 */
export class ChainReadError extends DataVaultError {
  override name = 'ChainReadError'
  readonly action: string
  constructor({ action, cause }: { action: string; cause?: unknown }) {
    const viemMessage = cause instanceof BaseError ? cause.shortMessage : undefined
    super(`Could not read the chain while ${action}.`, { code: 'CHAIN_READ_FAILED', status: 502, details: viemMessage, cause })
    this.action = action
  }

  /** Wraps whatever a read threw, keeping a ChainReadError or ChainTransactionError as it is. */
  static from(action: string, error: unknown): ChainReadError | ChainTransactionError {
    if (error instanceof ChainReadError || error instanceof ChainTransactionError) return error
    return new ChainReadError({ action, cause: error })
  }
}

/** A datatoken has neither an active fixed-rate exchange nor an active dispenser: nobody can buy access to it. */
export class DatatokenNotForSaleError extends DataVaultError {
  override name = 'DatatokenNotForSaleError'
  readonly datatoken: Address
  constructor(datatoken: Address, details?: string) {
    super(`Datatoken ${datatoken} is not for sale (no active exchange or dispenser).`, { code: 'DATATOKEN_NOT_FOR_SALE', status: 409, details, kind: 'refused' })
    this.datatoken = datatoken
  }
}

/**
 * The dataset's owner revoked (or unpublished) it: the SDK refuses to buy its datatoken, before
 * any approval or payment. `source` says who said so: the vault node's record or the
 * KeyHolderRegistry on chain.
 */
export class DatasetWithdrawnError extends DataVaultError {
  override name = 'DatasetWithdrawnError'
  readonly dataset: Address
  readonly state: 'revoked' | 'unpublished'
  readonly source: 'node' | 'chain'
  constructor({ dataset, state, source }: { dataset: Address; state: 'revoked' | 'unpublished'; source: 'node' | 'chain' }) {
    super(`Dataset ${dataset} was ${state} by its owner; nothing was bought.`, {
      code: state === 'revoked' ? 'DATASET_REVOKED' : 'DATASET_UNPUBLISHED',
      status: 410,
      details: source === 'node' ? 'the vault node marks it revoked' : 'its state on the KeyHolderRegistry',
      kind: 'refused',
    })
    this.dataset = dataset
    this.state = state
    this.source = source
  }
}

/**
 * Test ETH was asked of a chain that is not a local dev chain (`fundFromDevChain`): only the
 * simulated chain `datavault dev` runs has funded test accounts to give it. Nothing was sent.
 * The message names the RPC's origin only (its path may hold an API key).
 */
export class DevFundsUnavailableError extends DataVaultError {
  override name = 'DevFundsUnavailableError'
  constructor({ url, cause }: { url?: string | undefined; cause?: unknown } = {}) {
    let origin: string | undefined
    try {
      origin = url === undefined ? undefined : new URL(url).origin
    } catch {
      origin = undefined
    }
    super(`${origin === undefined ? 'This chain' : `The chain at ${origin}`} is not a local test chain, so it cannot give test ETH.`, {
      code: 'DEV_FUNDS_UNAVAILABLE',
      status: 400,
      kind: 'refused',
      details: 'Test ETH exists only on the local chain that npx datavault dev runs. On a real chain, buy ETH or ask someone to send some to your address.',
      cause,
    })
  }
}
