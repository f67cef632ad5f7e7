import { SealedBoxError } from '../keywrap/errors.ts'
import { isBytes } from '../keywrap/format.ts'
import { openSealed } from '../keywrap/openSealed.ts'
import { maxOwnerLogBytes, ownerLogCipher, ownerLogContext, ownerLogHeaderLength, ownerLogMagic, ownerLogOverhead, ownerLogVersion } from './format.ts'

export type OpenOwnerLogParameters = {
  /** The job the log is of. */
  jobId: string
}

/**
 * Opens a log sealed by {@link sealOwnerLog} with the owner's private log key. Throws
 * `SealedBoxError` (one message for every cause) when it is malformed, sealed to another key or
 * job, or altered.
 *
 * @example
 * const { privateKey } = await deriveOwnerLogKey(owner.account)
 * const log = openOwnerLog(privateKey, sealed, { jobId: job.id })
 */
export function openOwnerLog(privateKey: Uint8Array, sealed: Uint8Array, { jobId }: OpenOwnerLogParameters): string {
  if (
    !isBytes(sealed) ||
    sealed.length < ownerLogOverhead ||
    sealed.length > ownerLogOverhead + maxOwnerLogBytes ||
    sealed[4] !== ownerLogVersion ||
    ownerLogMagic.some((byte, i) => sealed[i] !== byte)
  )
    throw new SealedBoxError()
  const context = ownerLogContext(jobId)
  const header = sealed.subarray(0, ownerLogHeaderLength)
  const key = openSealed(privateKey, header.subarray(5), { context })
  try {
    return new TextDecoder('utf-8', { fatal: false }).decode(ownerLogCipher(key, header, context).decrypt(sealed.subarray(ownerLogHeaderLength)))
  } catch (cause) {
    throw new SealedBoxError({ cause })
  } finally {
    key.fill(0)
  }
}
