// The wallet, kept by the background service worker. At rest: a v3 keystore (scrypt + AES-128-CTR)
// in chrome.storage.local. Unlocked: the private key in chrome.storage.session, which Chrome keeps
// in memory only (never on disk, gone when the browser closes) and which survives the service
// worker being stopped between events. It locks itself after the owner's auto-lock minutes
// without use: an alarm fires then, and every use checks the deadline too, so a late alarm never
// leaves it open.
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { hexToBytes } from '@noble/hashes/utils.js'
import { type PrivateKeyAccount, generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { WalletError } from '../errors.ts'
import type { SettingsStore } from '../settings.ts'
import type { StorageArea } from '../storage.ts'
import { type ScryptCost, type WrittenKeystore, decryptKeystore, defaultScryptCost, encryptKeystore, keystoreAddress } from './keystore.ts'

/** Where the wallet stands. `locksAt` is a time in ms since the epoch. */
export type WalletStatus =
  | { state: 'none' }
  | { state: 'locked'; address: `0x${string}` }
  | { state: 'unlocked'; address: `0x${string}`; locksAt: number }

/** Shortest password a new wallet may have. */
export const minPasswordLength = 10

export type WalletKeeperInit = {
  /** scrypt cost of new keystores; {@link defaultScryptCost} unless a test needs it cheaper. */
  scrypt?: ScryptCost | undefined
}

export type WalletKeeperComponents = {
  /** Where the keystore lives (chrome.storage.local). */
  local: StorageArea
  /** Where the unlocked key lives (chrome.storage.session: memory only). */
  session: StorageArea
  settings: Pick<SettingsStore, 'get'>
  /** Milliseconds since the epoch. */
  now: () => number
  /** Wakes the background at `when` to lock an idle wallet (chrome.alarms); without it, only uses check. */
  autoLockAlarm?: { set(when: number): Promise<void> | void; clear(): Promise<void> | void } | undefined
}

/** The wallet's operations; see {@link walletKeeper}. */
export type WalletKeeper = {
  status(): Promise<WalletStatus>
  /** Makes a new random key, stored encrypted with `password`; the wallet is unlocked after. */
  create(parameters: { password: string }): Promise<{ address: `0x${string}` }>
  /** Takes a private key (32 bytes of hex) and stores it encrypted with `password`. */
  importPrivateKey(parameters: { privateKey: string; password: string }): Promise<{ address: `0x${string}` }>
  /** Takes a v3 keystore file (geth, MetaMask, the datavault CLI), opened with `keystorePassword` and kept under `password`. */
  importKeystore(parameters: { keystore: unknown; keystorePassword: string; password: string }): Promise<{ address: `0x${string}` }>
  unlock(parameters: { password: string }): Promise<{ address: `0x${string}`; locksAt: number }>
  lock(): Promise<void>
  /** Locks when the auto-lock deadline has passed; true when it did (the alarm calls it). */
  lockIfIdle(): Promise<boolean>
  /** The keystore as stored: encrypted, safe to save as a backup file. */
  exportKeystore(): Promise<WrittenKeystore>
  /** Removes the wallet from the extension, after checking `password`. */
  forget(parameters: { password: string }): Promise<void>
  /** The unlocked account (throws `WALLET_LOCKED`); each call counts as use and postpones the auto-lock. */
  account(): Promise<PrivateKeyAccount>
  /** An AES-256-GCM key derived from the private key (HKDF-SHA256), to seal data keys for this wallet's library. */
  sealingKey(): Promise<CryptoKey>
}

type Unlocked = { address: `0x${string}`; privateKey: `0x${string}`; locksAt: number }

const keystoreKey = 'wallet.keystore'
const unlockedKey = 'wallet.unlocked'

function assertNewPassword(password: string): void {
  if (password.length < minPasswordLength)
    throw new WalletError(`Choose a password of at least ${minPasswordLength} characters.`, { code: 'WALLET_PASSWORD_WEAK' })
}

/**
 * The background's wallet keeper: create or import a key, keep it encrypted, unlock, lock, lock
 * itself when idle, and hand the unlocked account to the signer. Keys never leave it but as
 * signatures (and as the encrypted keystore, for a backup).
 *
 * @example
 * const keeper = walletKeeper()({ local, session, settings, now: Date.now })
 * await keeper.create({ password })
 * const account = await keeper.account()
 */
export function walletKeeper({ scrypt = defaultScryptCost }: WalletKeeperInit = {}) {
  return ({ local, session, settings, now, autoLockAlarm }: WalletKeeperComponents): WalletKeeper => {
    const stored = () => local.get<WrittenKeystore>(keystoreKey)

    async function openUntil(address: `0x${string}`, privateKey: `0x${string}`): Promise<number> {
      const { autoLockMinutes } = await settings.get()
      const locksAt = now() + autoLockMinutes * 60_000
      await session.set(unlockedKey, { address, privateKey, locksAt } satisfies Unlocked)
      await autoLockAlarm?.set(locksAt)
      return locksAt
    }

    async function keep(privateKey: `0x${string}`, password: string): Promise<{ address: `0x${string}` }> {
      assertNewPassword(password)
      if (await stored()) throw new WalletError('This extension already has a wallet; remove it in Settings first.', { code: 'WALLET_EXISTS' })
      const keystore = await encryptKeystore(privateKey, password, { scrypt })
      const address = keystoreAddress(keystore)
      await local.set(keystoreKey, keystore)
      await openUntil(address, privateKey)
      return { address }
    }

    async function lock(): Promise<void> {
      await session.remove(unlockedKey)
      await autoLockAlarm?.clear()
    }

    /** The unlocked key if still within its deadline; locks (and says so) when past it. */
    async function unlocked(): Promise<Unlocked | undefined> {
      const value = await session.get<Unlocked>(unlockedKey)
      if (value === undefined) return undefined
      if (now() >= value.locksAt) {
        await lock()
        return undefined
      }
      return value
    }

    async function requireUnlocked(): Promise<Unlocked> {
      const value = await unlocked()
      if (value) return value
      const status = await stored()
      if (!status) throw new WalletError('There is no wallet yet: create or import one.', { code: 'WALLET_MISSING' })
      throw new WalletError('The wallet is locked: unlock it with your password.', { code: 'WALLET_LOCKED' })
    }

    return {
      async status() {
        const keystore = await stored()
        if (!keystore) return { state: 'none' }
        const open = await unlocked()
        return open ? { state: 'unlocked', address: open.address, locksAt: open.locksAt } : { state: 'locked', address: keystoreAddress(keystore) }
      },

      create: ({ password }) => keep(generatePrivateKey(), password),

      async importPrivateKey({ privateKey, password }) {
        const normalized = (privateKey.trim().startsWith('0x') ? privateKey.trim() : `0x${privateKey.trim()}`) as `0x${string}`
        if (!/^0x[0-9a-fA-F]{64}$/.test(normalized)) throw new WalletError('A private key is 64 hexadecimal digits (32 bytes).', { code: 'WALLET_KEY_INVALID' })
        try {
          privateKeyToAccount(normalized)
        } catch (cause) {
          throw new WalletError('This is not a valid private key.', { code: 'WALLET_KEY_INVALID', cause })
        }
        return keep(normalized, password)
      },

      async importKeystore({ keystore, keystorePassword, password }) {
        assertNewPassword(password)
        if (await stored()) throw new WalletError('This extension already has a wallet; remove it in Settings first.', { code: 'WALLET_EXISTS' })
        return keep(await decryptKeystore(keystore, keystorePassword), password)
      },

      async unlock({ password }) {
        const keystore = await stored()
        if (!keystore) throw new WalletError('There is no wallet yet: create or import one.', { code: 'WALLET_MISSING' })
        const privateKey = await decryptKeystore(keystore, password)
        const address = keystoreAddress(keystore)
        return { address, locksAt: await openUntil(address, privateKey) }
      },

      lock,

      async lockIfIdle() {
        const value = await session.get<Unlocked>(unlockedKey)
        if (value === undefined || now() < value.locksAt) return false
        await lock()
        return true
      },

      async exportKeystore() {
        const keystore = await stored()
        if (!keystore) throw new WalletError('There is no wallet yet: create or import one.', { code: 'WALLET_MISSING' })
        return keystore
      },

      async forget({ password }) {
        const keystore = await stored()
        if (!keystore) throw new WalletError('There is no wallet yet: create or import one.', { code: 'WALLET_MISSING' })
        await decryptKeystore(keystore, password)
        await lock()
        await local.remove(keystoreKey)
      },

      async account() {
        const { address, privateKey } = await requireUnlocked()
        await openUntil(address, privateKey)
        return privateKeyToAccount(privateKey)
      },

      async sealingKey() {
        const { privateKey } = await requireUnlocked()
        const secret = hexToBytes(privateKey.slice(2))
        const raw = hkdf(sha256, secret, new TextEncoder().encode('datavault-extension'), new TextEncoder().encode('library data keys v1'), 32)
        secret.fill(0)
        try {
          return await globalThis.crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
        } finally {
          raw.fill(0)
        }
      },
    }
  }
}
