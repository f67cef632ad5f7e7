import { type Cipheriv, type Decipheriv, type KeyObject, createCipheriv, createDecipheriv, createSecretKey, hkdfSync } from 'node:crypto'
import type { EnvelopeCrypto } from '../envelope/index.ts'

const tagLength = 16

/** AES-256-GCM of `plaintext`: ciphertext ‖ tag as parts in order (no copy into one buffer). */
export function nodeSeal(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer[] {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength })
  cipher.setAAD(aad)
  const ciphertext = cipher.update(plaintext)
  const rest = cipher.final()
  return rest.length ? [ciphertext, rest, cipher.getAuthTag()] : [ciphertext, cipher.getAuthTag()]
}

/** Opens ciphertext ‖ tag; throws unless the tag authenticates (the plaintext is dropped then). */
export function nodeOpen(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  if (sealed.length < tagLength) throw new Error('sealed chunk shorter than its tag')
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  const plaintext = decipher.update(sealed.subarray(0, sealed.length - tagLength))
  decipher.final()
  return plaintext
}

// Bytes per cipher.update call on a worker thread. node:crypto returns each call's output in a
// fresh buffer; in a worker a single 1 MiB update made a fresh 1 MiB allocation whose pages faulted
// in nearly every time (about 20,000 minor faults per 256 MiB, more CPU than the cipher), while
// 16 KiB outputs are small allocations handed back hot and copied at once into one output buffer,
// which the allocator reuses. On the calling thread the single update is the cheaper one
// (scripts/bench/encryption.ts prints CPU per MB of both).
const sliceLength = 16 * 1024

/** Runs `cipher` over `input` in slices, writing its output into `out` from offset 0; returns the bytes written. */
function updateInto(cipher: Cipheriv | Decipheriv, input: Uint8Array, out: Uint8Array): number {
  let written = 0
  for (let offset = 0; offset < input.length; offset += sliceLength) {
    const part = cipher.update(input.subarray(offset, offset + sliceLength))
    out.set(part, written)
    written += part.length
  }
  const rest = cipher.final()
  out.set(rest, written)
  return written + rest.length
}

/**
 * {@link nodeSeal} for a worker thread: ciphertext ‖ tag in one buffer of its own (a whole
 * ArrayBuffer, which the worker transfers without a copy), written through 16 KiB updates.
 */
export function nodeSealSliced(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength })
  cipher.setAAD(aad)
  // Uninitialized, and every byte is written below (checked).
  const out = Buffer.allocUnsafeSlow(plaintext.length + tagLength)
  const written = updateInto(cipher, plaintext, out)
  if (written !== plaintext.length) throw new Error('AES-GCM returned a ciphertext of another length than its plaintext')
  out.set(cipher.getAuthTag(), written)
  return out
}

/** {@link nodeOpen} for a worker thread, through 16 KiB updates into one buffer; wiped unless the tag authenticates. */
export function nodeOpenSliced(key: KeyObject, nonce: Uint8Array, aad: Uint8Array, sealed: Uint8Array): Buffer {
  if (sealed.length < tagLength) throw new Error('sealed chunk shorter than its tag')
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagLength })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - tagLength))
  const out = Buffer.allocUnsafeSlow(sealed.length - tagLength)
  let written: number
  try {
    written = updateInto(decipher, sealed.subarray(0, sealed.length - tagLength), out) // final() throws unless the tag authenticates
  } catch (error) {
    out.fill(0)
    throw error
  }
  if (written !== out.length) {
    out.fill(0)
    throw new Error('AES-GCM returned a plaintext of another length than its ciphertext')
  }
  return out
}

/**
 * Envelope primitives on `node:crypto` (the same OpenSSL as WebCrypto on Node, called directly).
 * Node's WebCrypto copies every input to a worker thread and wipes every buffer it frees; calling the
 * cipher in place is about twice as fast for 1 MiB chunks (scripts/bench/encryption.ts). Each chunk
 * is encrypted synchronously, a fraction of a millisecond per MiB. The chunk key lives in a
 * `KeyObject`; the raw HKDF output is wiped at once.
 *
 * @example
 * await source.pipeThrough(createEncryptStream(key, { crypto: nodeEnvelopeCrypto })).pipeTo(sink)
 */
export const nodeEnvelopeCrypto: EnvelopeCrypto = {
  hkdf(ikm, salt, info, length) {
    return new Uint8Array(hkdfSync('sha256', ikm, salt, info, length))
  },
  hkdfChunkCipher(ikm, salt, info) {
    const raw = new Uint8Array(hkdfSync('sha256', ikm, salt, info, 32))
    const key = createSecretKey(raw)
    raw.fill(0)
    return {
      seal: (nonce, aad, plaintext) => nodeSeal(key, nonce, aad, plaintext),
      open: (nonce, aad, sealed) => nodeOpen(key, nonce, aad, sealed),
    }
  },
}
