// The version-1 sealed box (../keywrap/FORMAT.md) on node:crypto, as `nodeEnvelopeCrypto` is the
// envelope's. `sealToPublicKey`/`openSealed` are pure JS so that they run in browsers; their X25519
// costs about 1.5 ms a scalar multiplication, and a key release seals and opens several boxes (the
// job key, each holder's escrowed share, each released share) on its hot path. Native X25519 is
// ~10× faster. Same bytes in and out: boxes from either side open on the other.
import { createCipheriv, createDecipheriv, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto'
import { KeyWrapArgumentError, SealedBoxError } from '../keywrap/errors.ts'
import {
  assertKey,
  contextBytes,
  encodeHeader,
  isBytes,
  kdfInfoLabel,
  maxSealedPlaintextLength,
  sealedBoxHeaderLength as headerLength,
  sealedBoxMagic as magic,
  sealedBoxOverhead,
  sealedBoxTagLength as tagLength,
  sealedBoxVersion,
  x25519KeyLength as keyLength,
} from '../keywrap/format.ts'
// DER prefixes of X25519 keys (RFC 8410): PKCS#8 private, SPKI public; the raw 32 bytes follow.
const pkcs8Prefix = Buffer.from('302e020100300506032b656e04220420', 'hex')
const spkiPrefix = Buffer.from('302a300506032b656e032100', 'hex')

function privateKeyObject(privateKey: Uint8Array): KeyObject {
  const der = Buffer.concat([pkcs8Prefix, privateKey])
  try {
    return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
  } finally {
    der.fill(0)
  }
}

const publicKeyObject = (publicKey: Uint8Array): KeyObject => createPublicKey({ key: Buffer.concat([spkiPrefix, publicKey]), format: 'der', type: 'spki' })
const rawPublicKey = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }).subarray(spkiPrefix.length))

/** X25519; a low-order public key (all-zero shared secret) is refused, as the SDK's noble does. */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  const secret = diffieHellman({ privateKey, publicKey })
  if (secret.every((byte) => byte === 0)) throw new Error('low-order X25519 public key')
  return secret
}

/** HKDF-SHA256 (no salt) of the shared secret: the AES-256-GCM key and nonce of one box. */
function boxKey(secret: Buffer, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array) {
  const okm = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.concat([kdfInfoLabel, ephemeralPublicKey, recipientPublicKey]), keyLength + 12))
  secret.fill(0)
  return { key: okm.subarray(0, keyLength), nonce: okm.subarray(keyLength), wipe: () => okm.fill(0) }
}

/**
 * `sealToPublicKey` of `@datavault/sdk`, on node:crypto: seals a small secret to an X25519 public
 * key under a context. The same errors for the same bad arguments.
 *
 * @example
 * const box = nodeSealToPublicKey(jobKey, share, { context: releasedShareContext({ chainId, dataset, holder, jobId }) })
 */
export function nodeSealToPublicKey(publicKey: Uint8Array, plaintext: Uint8Array, { context }: { context: string | Uint8Array }): Uint8Array {
  assertKey(publicKey, 'public')
  const contextAsBytes = contextBytes(context)
  if (!isBytes(plaintext) || plaintext.length > maxSealedPlaintextLength)
    throw new KeyWrapArgumentError(`A sealed box carries a Uint8Array of at most ${maxSealedPlaintextLength} bytes.`)
  const ephemeral = generateKeyPairSync('x25519')
  const ephemeralPublicKey = rawPublicKey(ephemeral.publicKey)
  let secret: Buffer
  try {
    secret = sharedSecret(ephemeral.privateKey, publicKeyObject(publicKey))
  } catch (cause) {
    throw new KeyWrapArgumentError('The public key is not a usable X25519 key (low-order point).', { details: String(cause) })
  }
  const header = encodeHeader(ephemeralPublicKey)
  const { key, nonce, wipe } = boxKey(secret, ephemeralPublicKey, publicKey)
  try {
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(Buffer.concat([header, contextAsBytes]))
    return new Uint8Array(Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]))
  } finally {
    wipe()
  }
}

/** What {@link nodeSealedBoxOpener} returns. */
export type NodeSealedBoxOpener = {
  /** `nodeOpenSealed` with this opener's private key: the same plaintext, the same `SealedBoxError`. */
  open(sealed: Uint8Array, options: { context: string | Uint8Array }): Uint8Array
}

/**
 * `nodeOpenSealed` for one recipient key that opens several boxes (a key holder's own key, a job
 * key's released shares): the key's node:crypto object and public key are made once, not per box
 * (they were about half of an open's CPU).
 *
 * @example
 * const opener = nodeSealedBoxOpener(identity.encryption.privateKey)
 * const share = opener.open(sealedShare, { context })
 */
export function nodeSealedBoxOpener(privateKey: Uint8Array): NodeSealedBoxOpener {
  assertKey(privateKey, 'private')
  const recipient = privateKeyObject(privateKey)
  const recipientPublicKey = rawPublicKey(createPublicKey(recipient))
  return {
    open(sealed, { context }) {
      const contextAsBytes = contextBytes(context)
      if (
        !isBytes(sealed) ||
        sealed.length < sealedBoxOverhead ||
        sealed.length > sealedBoxOverhead + maxSealedPlaintextLength ||
        sealed[4] !== sealedBoxVersion ||
        magic.some((byte, i) => sealed[i] !== byte)
      )
        throw new SealedBoxError()
      const ephemeralPublicKey = sealed.subarray(5, headerLength)
      let opened: { key: Buffer; nonce: Buffer; wipe: () => void }
      try {
        opened = boxKey(sharedSecret(recipient, publicKeyObject(ephemeralPublicKey)), ephemeralPublicKey, recipientPublicKey)
      } catch (cause) {
        throw new SealedBoxError({ cause })
      }
      let plaintext: Buffer | undefined
      try {
        const decipher = createDecipheriv('aes-256-gcm', opened.key, opened.nonce)
          .setAAD(Buffer.concat([sealed.subarray(0, headerLength), contextAsBytes]))
          .setAuthTag(sealed.subarray(sealed.length - tagLength))
        plaintext = decipher.update(sealed.subarray(headerLength, sealed.length - tagLength))
        decipher.final()
        // A copy the caller owns (Buffer.concat may hand back a view into Node's shared pool).
        const result = new Uint8Array(plaintext)
        return result
      } catch (cause) {
        throw new SealedBoxError({ cause })
      } finally {
        plaintext?.fill(0)
        opened.wipe()
      }
    },
  }
}

/**
 * `openSealed` of `@datavault/sdk`, on node:crypto: opens a box with the recipient's private key
 * and the same context. Every failure is the same `SealedBoxError`.
 *
 * @example
 * const share = nodeOpenSealed(identity.encryption.privateKey, sealedShare, { context })
 */
export function nodeOpenSealed(privateKey: Uint8Array, sealed: Uint8Array, { context }: { context: string | Uint8Array }): Uint8Array {
  return nodeSealedBoxOpener(privateKey).open(sealed, { context })
}
