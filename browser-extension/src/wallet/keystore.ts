// The extension's wallet file: Web3 Secret Storage v3, the SDK's browser-safe keystore (the same
// code as the `datavault` CLI's key files, so a backup opens in the CLI and other wallets, and their
// files import here), at the extension's scrypt cost, with its memory ceiling and its error codes.
import { type KeystoreErrorReason, type ScryptCost, type WrittenKeystore, KeystoreError, decryptKeystore as decrypt, encryptKeystore as encrypt } from '@datavault/sdk'
import { WalletError, type WalletErrorCode } from '../errors.ts'

export { type KeystoreV3, type ScryptCost, type WrittenKeystore, keystoreAddress, keystoreV3Schema } from '@datavault/sdk'

/**
 * scrypt cost of the extension's wallet: N = 2^17, r = 8, p = 1 (128 MiB, about a second), the
 * minimum OWASP's Password Storage Cheat Sheet recommends for scrypt.
 */
export const defaultScryptCost: ScryptCost = { n: 2 ** 17, r: 8, p: 1 }

/** Most memory a keystore file may make scrypt use (128·N·r bytes): a hostile file cannot take the browser's memory. */
export const maxScryptMemoryBytes = 512 * 1024 ** 2

const failures: Record<KeystoreErrorReason, { code: WalletErrorCode; message: string }> = {
  invalid: { code: 'KEYSTORE_INVALID', message: 'This is not a wallet file the extension can read (Web3 Secret Storage v3).' },
  'wrong-password': { code: 'WALLET_WRONG_PASSWORD', message: 'Wrong password.' },
  'address-mismatch': { code: 'KEYSTORE_ADDRESS_MISMATCH', message: 'The wallet file\'s key is not the address it names.' },
  'key-invalid': { code: 'WALLET_KEY_INVALID', message: 'A private key is 32 bytes of hex.' },
}

async function asWalletError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error
    const { code, message } = failures[error.reason]
    throw new WalletError(message, { code, details: error.details, cause: error })
  }
}

/**
 * Encrypts a private key into a v3 keystore with scrypt ({@link defaultScryptCost} unless `scrypt`
 * says otherwise) and AES-128-CTR.
 *
 * @example
 * const keystore = await encryptKeystore(generatePrivateKey(), password)
 */
export function encryptKeystore(privateKey: `0x${string}`, password: string, { scrypt = defaultScryptCost }: { scrypt?: ScryptCost } = {}): Promise<WrittenKeystore> {
  return asWalletError(() => encrypt(privateKey, password, { scrypt }))
}

/**
 * Decrypts a v3 keystore (scrypt or PBKDF2) and returns its private key. Throws `WalletError`:
 * `WALLET_WRONG_PASSWORD` when the MAC does not match, `KEYSTORE_INVALID` for a document that is
 * not a v3 keystore (or asks for more than {@link maxScryptMemoryBytes}), `KEYSTORE_ADDRESS_MISMATCH`
 * when the key is not the address the file names.
 *
 * @example
 * const privateKey = await decryptKeystore(JSON.parse(text), password)
 */
export function decryptKeystore(file: unknown, password: string): Promise<`0x${string}`> {
  return asWalletError(() => decrypt(file, password, { maxScryptMemoryBytes }))
}
