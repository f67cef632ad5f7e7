// What to tell the owner when something fails: one sentence saying what happened, and one saying
// what to do. Errors are recognized by their stable codes (and viem's error names), walking the
// causes, so an insufficient-funds error inside a publish step still reads as "no ETH for gas".
import { describePoolContractError, isDataVaultError } from '@datavault/sdk'
import { safeOrigin } from '../errors.ts'

/** A failure, for people. */
export type ErrorDescription = { message: string; hint?: string | undefined; code: string }

type Walkable = { name?: unknown; code?: unknown; shortMessage?: unknown; message?: unknown; cause?: unknown; details?: unknown }

function chain(error: unknown): Walkable[] {
  const found: Walkable[] = []
  let current = error as Walkable | undefined
  while (current && typeof current === 'object' && found.length < 12) {
    found.push(current)
    current = current.cause as Walkable | undefined
  }
  return found
}

const steps: Record<string, string> = {
  upload: 'uploading the ciphertext',
  datatoken: 'creating the datatoken',
  register: 'registering the dataset with the node',
  escrow: "handing the data key to the node's key holders",
  price: 'putting it up for sale',
}

/**
 * Describes an error for the owner. `context` fills in what only the app knows (the node URL,
 * the wallet address).
 *
 * @example
 * const { message, hint } = describeError(error, { nodeUrl, rpcUrl, address })
 */
export function describeError(error: unknown, context: { nodeUrl?: string; rpcUrl?: string; address?: string } = {}): ErrorDescription {
  const causes = chain(error)
  const has = (code: string) => causes.find((cause) => cause.code === code)
  const named = (name: string) => causes.find((cause) => cause.name === name)
  const top = causes[0]
  const publish = has('PUBLISH_DATASET_INCOMPLETE') as (Walkable & { step?: string }) | undefined
  const prefix = publish?.step ? `Publishing stopped while ${steps[publish.step] ?? publish.step}; nothing was put up for sale. ` : ''
  const withPrefix = (description: ErrorDescription): ErrorDescription => ({ ...description, message: `${prefix}${description.message}` })

  // viem's name for it; geth says "insufficient funds", Hardhat "doesn't have enough funds".
  if (named('InsufficientFundsError') || causes.some((cause) => typeof cause.message === 'string' && /insufficient funds|doesn't have enough funds/i.test(cause.message)))
    return withPrefix({
      code: 'INSUFFICIENT_FUNDS',
      message: 'Your wallet has no ETH to pay the network fee (gas).',
      hint: context.address ? `Send some ETH to your address, ${context.address}, then try again.` : 'Send some ETH to your wallet, then try again.',
    })
  if (has('WALLET_LOCKED')) return withPrefix({ code: 'WALLET_LOCKED', message: 'The wallet locked itself.', hint: 'Unlock it and try again.' })
  if (has('VAULT_UNREACHABLE'))
    return withPrefix({
      code: 'VAULT_UNREACHABLE',
      message: `The vault node${context.nodeUrl ? ` at ${safeOrigin(context.nodeUrl)}` : ''} does not answer.`,
      hint: 'Is it running? On your own computer, the command npx datavault dev starts one. Check its address in Settings.',
    })
  if (has('CHAIN_UNREACHABLE') || named('HttpRequestError'))
    return withPrefix({
      code: 'CHAIN_UNREACHABLE',
      message: `The chain${context.rpcUrl ? ` at ${safeOrigin(context.rpcUrl)}` : ''} does not answer.`,
      hint: 'Is it running? On your own computer, the command npx datavault dev starts it with the vault node. Check the chain RPC URL in Settings.',
    })
  const reverted = has('CHAIN_TRANSACTION_REVERTED') as (Walkable & { action?: string; reason?: string }) | undefined
  if (reverted)
    return withPrefix({
      code: 'CHAIN_TRANSACTION_REVERTED',
      // A pool contract's refusal in the SDK's words (the CLI says the same); any other reason as the chain gave it.
      message: `The chain refused the ${reverted.action ?? ''} transaction${reverted.reason ? `: ${describePoolContractError(reverted.reason)?.replace(/\.$/, '') ?? reverted.reason}` : ''}.`.replace('the  transaction', 'the transaction'),
      hint: publish ? 'Nothing is for sale. Resume when the cause is fixed: the steps already done are not repeated.' : undefined,
    })
  if (has('CHAIN_TRANSACTION_REJECTED') || has('WALLET_SIGN_REFUSED')) return withPrefix({ code: 'CHAIN_TRANSACTION_REJECTED', message: 'The transaction was not signed.' })
  const innermost = [...causes].reverse().find((cause) => isDataVaultError(cause) && cause.code !== 'PUBLISH_DATASET_INCOMPLETE' && cause.code !== 'CHAIN_TRANSACTION_FAILED')
  if (innermost && isDataVaultError(innermost)) return withPrefix({ code: innermost.code, message: innermost.shortMessage, hint: innermost.details })
  if (publish) return { code: 'PUBLISH_DATASET_INCOMPLETE', message: prefix.trim(), hint: 'Resume to finish: the steps already done are not repeated.' }
  if (isDataVaultError(top)) return { code: top.code, message: top.shortMessage, hint: top.details }
  return { code: 'INTERNAL', message: 'Something went wrong in the extension.', hint: typeof top?.name === 'string' && top.name !== 'Error' ? top.name : undefined }
}
