// Byte layout of a version-1 sealed owner log. README.md is the prose version of this file.
import { gcm } from '@noble/ciphers/aes.js'
import { sealedBoxOverhead } from '../keywrap/format.ts'

/** `DVOL`: the first four bytes of every sealed owner log. */
export const ownerLogMagic: Uint8Array = new Uint8Array([0x44, 0x56, 0x4f, 0x4c])
/** Sealed owner log format version this SDK writes and reads. */
export const ownerLogVersion = 1
/** Length of the log key a sealed log carries in its key box. */
export const ownerLogKeyLength = 32
/** Bytes before the log's ciphertext: magic 4, version 1, the sealed box of the log key. */
export const ownerLogHeaderLength = 4 + 1 + ownerLogKeyLength + sealedBoxOverhead
/** Bytes a sealed owner log adds to its plaintext (header and AES-GCM tag). */
export const ownerLogOverhead = ownerLogHeaderLength + 16
/** Largest log a sealed owner log carries, bytes (a node keeps a 16 KiB stderr tail). */
export const maxOwnerLogBytes = 1024 * 1024

/** The context of a job's log: the key box and the log's AES-GCM both bind it. */
export function ownerLogContext(jobId: string): Uint8Array {
  return new TextEncoder().encode(`datavault owner log v1 job:${jobId}`)
}

/** AES-256-GCM of the log under its one-time key; the header and context are associated data. */
export function ownerLogCipher(key: Uint8Array, header: Uint8Array, context: Uint8Array) {
  const aad = new Uint8Array(header.length + context.length)
  aad.set(header, 0)
  aad.set(context, header.length)
  // The key is fresh for every log and used once, so a fixed nonce is safe.
  return gcm(key, new Uint8Array(12), aad)
}
