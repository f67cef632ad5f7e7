// The CLI's key files: Web3 Secret Storage v3, the SDK's browser-safe keystore (`../keystore/`),
// at geth's costs, with the CLI's error class and codes (exit code 6).
import { type KeystoreErrorReason, type ScryptCost, type WrittenKeystore, KeystoreError, decryptKeystore as decrypt, encryptKeystore as encrypt } from '@datavault/sdk'
import { CliWalletError } from './errors.ts'

export { type KeystoreV3, keystoreV3Schema } from '@datavault/sdk'

/** scrypt cost of new keys: geth's "standard" (N = 2^18, r = 8, p = 1; about a second). */
export const standardScrypt = { n: 262_144, r: 8, p: 1 } as const
/** geth's `--lightkdf` (N = 2^12, r = 8, p = 6): for tests and throwaway keys only. */
export const lightScrypt = { n: 4096, r: 8, p: 6 } as const

const failures: Record<KeystoreErrorReason, { code: string; message: string }> = {
  invalid: { code: 'KEYSTORE_INVALID', message: 'The keystore file is not a Web3 Secret Storage v3 file datavault can read.' },
  'wrong-password': { code: 'KEYSTORE_WRONG_PASSWORD', message: 'Wrong password for this key.' },
  'address-mismatch': { code: 'KEYSTORE_ADDRESS_MISMATCH', message: 'The keystore\'s key is not the address it names.' },
  'key-invalid': { code: 'KEY_INVALID', message: 'A private key is 32 bytes.' },
}

async function asCliError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    if (!(error instanceof KeystoreError)) throw error
    const { code, message } = failures[error.reason]
    throw new CliWalletError(message, { code, details: error.details, cause: error })
  }
}

/**
 * Encrypts a private key into a v3 keystore document with scrypt (geth's standard cost unless
 * `scrypt` says otherwise) and AES-128-CTR.
 *
 * @example
 * const file = await encryptKeystore(privateKey, 'correct horse battery staple')
 */
export function encryptKeystore(privateKey: `0x${string}`, password: string, { scrypt = standardScrypt }: { scrypt?: ScryptCost } = {}): Promise<WrittenKeystore> {
  return asCliError(() => encrypt(privateKey, password, { scrypt }))
}

/**
 * Decrypts a v3 keystore document (scrypt or PBKDF2) and returns the private key. Throws
 * `CliWalletError` with code `KEYSTORE_WRONG_PASSWORD` when the MAC does not match,
 * `KEYSTORE_INVALID` for a malformed file, `KEYSTORE_ADDRESS_MISMATCH` when the key is not the
 * address the file names.
 *
 * @example
 * const privateKey = await decryptKeystore(JSON.parse(text), password)
 */
export function decryptKeystore(file: unknown, password: string): Promise<`0x${string}`> {
  return asCliError(() => decrypt(file, password))
}
