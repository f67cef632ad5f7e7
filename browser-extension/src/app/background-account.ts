// A viem account whose key stays in the background: the SDK signs requests and transactions
// with it as with any local account, and each signature is made by the service worker.
import { type LocalAccount, getAddress } from 'viem'
import { toAccount } from 'viem/accounts'
import { ownerLogKeyMessage } from '@datavault/sdk'
import { WalletError } from '../errors.ts'
import { encodeJson } from '../messages.ts'
import type { BackgroundClient } from './background-client.ts'

/**
 * The wallet's account for the SDK client: `signTypedData` and `signTransaction` ask the
 * background (which refuses what is not datavault's own); `signMessage` signs only the SDK's
 * owner-log-key message (approving a custom program registers the key its logs are sealed to),
 * and refuses any other.
 *
 * @example
 * const account = backgroundAccount({ address, background })
 * const client = createDataVaultClient({ node, chain, account })
 */
export function backgroundAccount({ address, background }: { address: `0x${string}`; background: BackgroundClient }): LocalAccount {
  return toAccount({
    address: getAddress(address),
    async signMessage({ message }) {
      if (message !== ownerLogKeyMessage) throw new WalletError('The wallet does not sign plain messages from the extension.', { code: 'WALLET_SIGN_REFUSED' })
      return background.request({ type: 'wallet.signOwnerLogKeyMessage' })
    },
    signTypedData: (typedData) => background.request({ type: 'wallet.signTypedData', typedData: encodeJson(typedData) }),
    signTransaction: (transaction) => background.request({ type: 'wallet.signTransaction', transaction: encodeJson(transaction) }),
  })
}
