// The wallet's encrypted backup: the keystore file downloaded, and whether this wallet's backup
// was downloaded in this browser (so the app stops asking).
import type { AppContext } from './context.ts'
import { h } from './dom.ts'

const backedUpKey = 'wallet.backedUp'

/**
 * Whether the backup of the wallet at `address` was downloaded here.
 *
 * @example
 * if (!(await isBackedUp(wallet.address))) showBackupPrompt()
 */
export async function isBackedUp(address: string): Promise<boolean> {
  const stored = (await chrome.storage.local.get(backedUpKey))[backedUpKey]
  return typeof stored === 'string' && stored.toLowerCase() === address.toLowerCase()
}

/**
 * Downloads the encrypted keystore (it opens with the wallet's password in the datavault CLI and
 * other wallets) and remembers that this wallet is backed up.
 *
 * @example
 * await downloadBackup(context)
 */
export async function downloadBackup(context: AppContext): Promise<void> {
  const wallet = context.wallet()
  if (wallet.state === 'none') return
  const keystore = await context.background.request({ type: 'wallet.exportKeystore' })
  const link = h('a', { href: URL.createObjectURL(new Blob([JSON.stringify(keystore, null, 2)], { type: 'application/json' })), download: `datavault-wallet-${wallet.address.slice(2, 10)}.json` })
  link.click()
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000)
  await chrome.storage.local.set({ [backedUpKey]: wallet.address.toLowerCase() })
}
