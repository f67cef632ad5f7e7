// What every screen of the app gets: the background, the data worker, the wallet's state, the
// settings, the connected vault (opened on first use), and a way to move between screens.
import type { Settings } from '../settings.ts'
import type { WalletStatus } from '../wallet/wallet-keeper.ts'
import type { BackgroundClient } from './background-client.ts'
import type { DataWorker } from './data-worker-client.ts'
import type { VaultSession } from './vault-session.ts'

/** The app's shared state and services. */
export type AppContext = {
  background: BackgroundClient
  worker: DataWorker
  wallet(): WalletStatus
  settings(): Settings
  /** The connected client (opened once per wallet and settings; a failure is not cached). */
  vault(): Promise<VaultSession>
  /** Goes to a screen (`#/datasets`, `#/dataset/0x…`). */
  navigate(hash: string): void
  /** Says something to screen readers (a polite live region). */
  announce(text: string): void
  /** Re-reads the wallet and settings (after unlock, lock, a settings change). */
  refresh(): Promise<void>
}

/** A screen: renders into `main` and returns its heading (focused when the screen opens). */
export type Screen = (context: AppContext, main: HTMLElement, parameters: { path: string[]; query: URLSearchParams }) => Promise<void>
