import { createHash } from 'node:crypto'
import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from 'viem'
import { z } from 'zod'
import { HeObjectRefusedError } from './errors.ts'
import { type HeParameters, heCiphertextMaxBytes, heParameterSetOf, heParametersSchema, heRotationSteps, heSlotCount } from './parameters.ts'

/** First bytes of an HE bundle: `DVHE` and format version 1. */
export const heBundleMagic: Uint8Array = new Uint8Array([0x44, 0x56, 0x48, 0x45, 0x01])

/** Largest manifest, bytes (a 10,000-column dataset of 1,000 ciphertexts each stays far below). */
export const heManifestMaxBytes = 16 * 1024 ** 2

/** An object in the bundle: where it is, how long, and its SHA-256 (hex) that the owner signed. */
export const heObjectRefSchema = z
  .object({
    offset: z.number().int().nonnegative(),
    bytes: z.number().int().positive(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  })
  .strict()

/** An object in an HE bundle. */
export type HeObjectRef = z.infer<typeof heObjectRefSchema>

/**
 * What an HE dataset holds, signed by its owner: the CKKS parameters, the rows, each numeric
 * column's ciphertexts (column-packed: slots = rows, ⌈rows / slots⌉ ciphertexts per column), the
 * public evaluation keys, and the CKKS secret key sealed under the dataset's data key (escrowed
 * with the key holders like any data key; the compute node never opens it).
 */
export const heManifestSchema = z
  .object({
    version: z.literal(1),
    parameters: heParametersSchema,
    rows: z.number().int().min(1).max(100_000_000),
    columns: z
      .array(
        z
          .object({
            name: z.string().min(1).max(128),
            ciphertexts: z.array(heObjectRefSchema).min(1).max(100_000),
            /** Declared bounds (every value lies in them, checked when encrypting): the DP sensitivity of a release. */
            min: z.number().finite().optional(),
            max: z.number().finite().optional(),
          })
          .strict(),
      )
      .min(1)
      .max(1000),
    keys: z
      .object({
        public: heObjectRefSchema,
        relin: heObjectRefSchema,
        galois: heObjectRefSchema.extend({ steps: z.array(z.number().int()).max(64) }),
      })
      .strict(),
    /** The CKKS secret key (SEAL serialization) in the datavault envelope format under the dataset's data key. */
    sealedSecretKey: heObjectRefSchema,
    /** Bytes of the plaintext CSV the columns came from, for the expansion figure. */
    plaintextBytes: z.number().int().nonnegative(),
    /** The policy's minimum rows, signed: the decrypting key holder refuses a release below it. */
    minRows: z.number().int().min(1).optional(),
    /**
     * Present when the owner's policy has a privacy budget: the decrypting key holder then adds
     * Gaussian DP noise to every release, calibrated to the columns' signed bounds, and refuses a
     * release whose single-job ε would exceed this budget.
     */
    privacy: z.object({ epsilon: z.number().positive().max(1000), delta: z.number().positive().max(0.01) }).strict().optional(),
  })
  .strict()

/** The manifest of an HE bundle. */
export type HeManifest = z.infer<typeof heManifestSchema>

/** EIP-712 type of the owner's signature over a manifest's SHA-256. */
export const heManifestTypes = { HeManifest: [{ name: 'manifestHash', type: 'bytes32' }] } as const

/** EIP-712 domain of HE manifests on `chainId`. */
export const heManifestDomain = (chainId: number) => ({ name: 'datavault-he', version: '1', chainId }) as const

/** SHA-256 of bytes, hex without 0x. */
export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/**
 * Signs a manifest's exact bytes (EIP-712 over their SHA-256) as the dataset's owner.
 *
 * @example
 * const signature = await signHeManifest(account, { manifestBytes, chainId: 8996 })
 */
export async function signHeManifest(
  account: Pick<LocalAccount, 'signTypedData'>,
  { manifestBytes, chainId }: { manifestBytes: Uint8Array; chainId: number },
): Promise<Hex> {
  return account.signTypedData({
    domain: heManifestDomain(chainId),
    types: heManifestTypes,
    primaryType: 'HeManifest',
    message: { manifestHash: `0x${sha256Hex(manifestBytes)}` },
  })
}

/**
 * Assembles a bundle: magic, manifest length (u32 BE), manifest bytes, 65-byte signature, objects.
 * Offsets in the manifest are from the first byte after the signature.
 */
export function encodeHeBundle({ manifestBytes, signature, objects }: { manifestBytes: Uint8Array; signature: Hex; objects: Uint8Array }): Uint8Array {
  const sig = hexBytes(signature)
  if (sig.byteLength !== 65) throw new HeObjectRefusedError('An HE manifest signature is 65 bytes.', { reason: 'bad-signature' })
  const out = new Uint8Array(heBundleMagic.byteLength + 4 + manifestBytes.byteLength + 65 + objects.byteLength)
  out.set(heBundleMagic, 0)
  new DataView(out.buffer).setUint32(heBundleMagic.byteLength, manifestBytes.byteLength)
  out.set(manifestBytes, heBundleMagic.byteLength + 4)
  out.set(sig, heBundleMagic.byteLength + 4 + manifestBytes.byteLength)
  out.set(objects, heBundleMagic.byteLength + 4 + manifestBytes.byteLength + 65)
  return out
}

/** True when `bytes` start like an HE bundle. */
export const isHeBundle = (bytes: Uint8Array): boolean => heBundleMagic.every((byte, index) => bytes[index] === byte)

/** A bundle whose manifest is signed by the expected owner and whose layout is checked; objects not yet hashed. */
export type OpenedHeBundle = {
  manifest: HeManifest
  manifestHash: string
  /** The manifest's exact bytes and the owner's signature over them (what a key holder checks again). */
  manifestBytes: Uint8Array
  signature: Hex
  signer: Address
  /** The objects area; `object(ref)` hashes one against its signed SHA-256 before handing it out. */
  object(ref: HeObjectRef, kind: HeObjectKind): Uint8Array
  /**
   * An object's bytes (a view), its place and size checked but not yet its hash: for a worker thread
   * that checks the signed SHA-256 and SEAL header itself (`checkHeObject`) before SEAL parses it,
   * so the hashing of a large bundle runs on every core.
   */
  unchecked(ref: HeObjectRef, kind: HeObjectKind): Uint8Array
}

/** What an object is, for its size bound. */
export type HeObjectKind = 'ciphertext' | 'public-key' | 'relin-keys' | 'galois-keys' | 'sealed-secret-key'

/**
 * Largest serialized size of each kind of object for `parameters`: the node refuses anything
 * larger before SEAL parses it.
 */
export function heObjectMaxBytes(parameters: HeParameters, kind: HeObjectKind, galoisSteps = 0): number {
  const n = parameters.polyModulusDegree
  const primes = parameters.coeffModulusBits.length
  const keyPoly = 2 * n * primes * 8
  switch (kind) {
    case 'ciphertext':
      return heCiphertextMaxBytes(parameters)
    case 'public-key':
      return keyPoly + 4096
    case 'relin-keys':
      return (primes - 1) * keyPoly + 4096
    case 'galois-keys':
      // Uncompressed, SEAL also writes an empty entry (a few bytes) for every Galois element it has no key for.
      return Math.max(1, galoisSteps) * (primes - 1) * keyPoly + 4096 + 16 * n
    case 'sealed-secret-key':
      return n * primes * 8 + 64 * 1024
  }
}

/**
 * Checks SEAL's serialization header before SEAL parses `bytes`: magic 0xA15E (little-endian), a
 * 16-byte header, then the total size (u64 LE) at offset 8, which must be the object's length.
 * Throws `HeObjectRefusedError` (`bad-format`).
 */
export function checkSealHeader(bytes: Uint8Array, kind: HeObjectKind): void {
  if (kind === 'sealed-secret-key') return
  if (bytes.byteLength < 16 || bytes[0] !== 0x5e || bytes[1] !== 0xa1 || bytes[2] !== 16)
    throw new HeObjectRefusedError(`An HE ${kind} is not a SEAL object.`, { reason: 'bad-format' })
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 16).getBigUint64(8, true)
  if (declared !== BigInt(bytes.byteLength))
    throw new HeObjectRefusedError(`An HE ${kind} declares another size than it has.`, { reason: 'bad-format' })
}

/**
 * Checks an object's bytes against what the owner signed of it before SEAL parses them: its length
 * and SHA-256, then its SEAL header. Throws `HeObjectRefusedError` (`hash-mismatch`, `bad-format`).
 *
 * @example
 * checkHeObject(bytes, manifest.keys.galois, 'galois-keys')
 */
export function checkHeObject(bytes: Uint8Array, ref: Pick<HeObjectRef, 'bytes' | 'sha256'>, kind: HeObjectKind): void {
  if (bytes.byteLength !== ref.bytes || sha256Hex(bytes) !== ref.sha256)
    throw new HeObjectRefusedError(`An HE ${kind} does not match the hash its owner signed.`, { reason: 'hash-mismatch' })
  checkSealHeader(bytes, kind)
}

/**
 * Checks an HE manifest without any object: the owner's EIP-712 signature over its exact bytes,
 * its schema, accepted parameters, the ciphertexts per column for its rows and the Galois steps a
 * rotate-and-sum needs. What a key holder checks of a bundle it never downloads.
 *
 * @example
 * const { manifest } = await openHeManifest({ manifestBytes, signature, chainId, owner })
 */
export async function openHeManifest({
  manifestBytes,
  signature,
  chainId,
  owner,
}: {
  manifestBytes: Uint8Array
  signature: Hex
  chainId: number
  owner: Address
}): Promise<{ manifest: HeManifest; manifestHash: string; signer: Address }> {
  const refuse = (message: string, reason: HeObjectRefusedError['reason'] = 'bad-format', details?: string): never => {
    throw new HeObjectRefusedError(message, { reason, details })
  }
  if (manifestBytes.byteLength > heManifestMaxBytes) refuse('The HE manifest is too large.', 'too-large')
  const manifestHash = sha256Hex(manifestBytes)
  const signer = await recoverTypedDataAddress({
    domain: heManifestDomain(chainId),
    types: heManifestTypes,
    primaryType: 'HeManifest',
    message: { manifestHash: `0x${manifestHash}` },
    signature,
  }).catch(() => refuse('The HE manifest signature is malformed.', 'bad-signature'))
  if (signer.toLowerCase() !== owner.toLowerCase()) refuse('The HE manifest is not signed by the dataset\'s owner.', 'bad-signature')
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes))
  } catch {
    refuse('The HE manifest is not JSON.')
  }
  const parsed = heManifestSchema.safeParse(json)
  if (!parsed.success) refuse('The HE manifest does not match its schema.', 'bad-format', parsed.error.issues[0]?.message)
  const manifest = (parsed as { data: HeManifest }).data
  heParameterSetOf(manifest.parameters)
  const { parameters } = manifest
  const perColumn = Math.ceil(manifest.rows / heSlotCount(parameters))
  for (const column of manifest.columns)
    if (column.ciphertexts.length !== perColumn) refuse(`Column ${column.name} has ${column.ciphertexts.length} ciphertexts for ${manifest.rows} rows.`)
  const needed = heRotationSteps(parameters)
  if (!needed.every((step) => manifest.keys.galois.steps.includes(step)) || manifest.keys.galois.steps.length !== needed.length)
    refuse('The HE Galois keys are not exactly those a rotate-and-sum needs.', 'wrong-parameters')
  return { manifest, manifestHash, signer }
}

/**
 * Opens an HE bundle without loading anything into SEAL: checks the magic, the manifest (schema,
 * accepted parameters, layout within the bundle, every object's size bound, the Galois steps a
 * rotate-and-sum needs) and the owner's EIP-712 signature over the manifest. Objects are handed
 * out by `object(ref)` only after their SHA-256 matches the signed one.
 *
 * @example
 * const bundle = await openHeBundle(bytes, { chainId, owner: dataset.owner })
 * const ct = bundle.object(bundle.manifest.columns[0].ciphertexts[0], 'ciphertext')
 */
export async function openHeBundle(bytes: Uint8Array, { chainId, owner }: { chainId: number; owner: Address }): Promise<OpenedHeBundle> {
  // A plain Uint8Array view (a Node Buffer's `slice` would share memory where callers expect a copy).
  bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const refuse = (message: string, reason: HeObjectRefusedError['reason'] = 'bad-format', details?: string): never => {
    throw new HeObjectRefusedError(message, { reason, details })
  }
  if (!isHeBundle(bytes)) refuse('The dataset is not an HE bundle.')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < heBundleMagic.byteLength + 4) refuse('The HE bundle is truncated.')
  const manifestLength = view.getUint32(heBundleMagic.byteLength)
  if (manifestLength > heManifestMaxBytes) refuse('The HE manifest is too large.', 'too-large')
  const manifestStart = heBundleMagic.byteLength + 4
  const objectsStart = manifestStart + manifestLength + 65
  if (objectsStart > bytes.byteLength) refuse('The HE bundle is truncated.')
  const manifestBytes = bytes.subarray(manifestStart, manifestStart + manifestLength)
  const signature = `0x${Buffer.from(bytes.subarray(manifestStart + manifestLength, objectsStart)).toString('hex')}` as Hex
  const { manifest, manifestHash, signer } = await openHeManifest({ manifestBytes, signature, chainId, owner })
  const { parameters } = manifest
  const objectsLength = bytes.byteLength - objectsStart
  const refs: [HeObjectRef, HeObjectKind][] = [
    [manifest.keys.public, 'public-key'],
    [manifest.keys.relin, 'relin-keys'],
    [manifest.keys.galois, 'galois-keys'],
    [manifest.sealedSecretKey, 'sealed-secret-key'],
  ]
  for (const column of manifest.columns) for (const ref of column.ciphertexts) refs.push([ref, 'ciphertext'])
  // Objects are named by what the owner signed of them, so a ref is the bundle's only if all three match.
  const refKey = (ref: HeObjectRef) => `${ref.offset}:${ref.bytes}:${ref.sha256}`
  const limits = new Map(refs.map(([ref, kind]) => [refKey(ref), kind]))
  for (const [ref, kind] of refs) {
    if (ref.offset + ref.bytes > objectsLength) refuse(`An HE ${kind} lies outside the bundle.`)
    const max = heObjectMaxBytes(parameters, kind, manifest.keys.galois.steps.length)
    if (ref.bytes > max) refuse(`An HE ${kind} is larger than these parameters allow.`, 'too-large', `${ref.bytes} > ${max} bytes`)
  }
  return {
    manifest,
    manifestHash,
    manifestBytes: manifestBytes.slice(),
    signature,
    signer,
    object(ref, kind) {
      if (limits.get(refKey(ref)) !== kind) refuse(`That object is not the bundle's ${kind}.`)
      const object = bytes.subarray(objectsStart + ref.offset, objectsStart + ref.offset + ref.bytes)
      checkHeObject(object, ref, kind)
      return object
    },
    unchecked(ref, kind) {
      if (limits.get(refKey(ref)) !== kind) refuse(`That object is not the bundle's ${kind}.`)
      return bytes.subarray(objectsStart + ref.offset, objectsStart + ref.offset + ref.bytes)
    },
  }
}

const hexBytes = (hex: Hex): Uint8Array => Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
