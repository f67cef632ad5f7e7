import { KeyWrapArgumentError } from '../keywrap/errors.ts'
import { isBytes } from '../keywrap/format.ts'
import { sealToPublicKey } from '../keywrap/sealToPublicKey.ts'
import { maxOwnerLogBytes, ownerLogCipher, ownerLogContext, ownerLogKeyLength, ownerLogMagic, ownerLogVersion } from './format.ts'

export type SealOwnerLogParameters = {
  /** The job the log is of; the same id is needed to open it. */
  jobId: string
}

/**
 * Seals a job's program log to the dataset owner's X25519 public key, so that the node stores only
 * what the owner can open: a fresh 256-bit key sealed to the owner (the key-wrap box, bound to the
 * job), and the log under AES-256-GCM with that key. Logs of any length up to 1 MiB; the result is
 * {@link ownerLogOverhead} bytes longer than the log.
 *
 * @example
 * const sealed = sealOwnerLog(ownerLogPublicKey, stderrTail, { jobId: job.id })
 */
export function sealOwnerLog(publicKey: Uint8Array, log: string | Uint8Array, { jobId }: SealOwnerLogParameters): Uint8Array {
  const plaintext = typeof log === 'string' ? new TextEncoder().encode(log) : log
  if (!isBytes(plaintext) || plaintext.length > maxOwnerLogBytes)
    throw new KeyWrapArgumentError(`An owner log is a string or Uint8Array of at most ${maxOwnerLogBytes} bytes.`)
  const context = ownerLogContext(jobId)
  const key = globalThis.crypto.getRandomValues(new Uint8Array(ownerLogKeyLength))
  try {
    const keyBox = sealToPublicKey(publicKey, key, { context })
    const header = new Uint8Array(5 + keyBox.length)
    header.set(ownerLogMagic, 0)
    header[4] = ownerLogVersion
    header.set(keyBox, 5)
    const sealed = ownerLogCipher(key, header, context).encrypt(plaintext)
    const out = new Uint8Array(header.length + sealed.length)
    out.set(header, 0)
    out.set(sealed, header.length)
    return out
  } finally {
    key.fill(0)
  }
}
