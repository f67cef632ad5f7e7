import { encryptBytes } from '../envelope/encryptBytes.ts'
import type { EnvelopeCrypto } from '../envelope/crypto.ts'
import { HeArgumentError } from './errors.ts'
import { type HeManifest, type HeObjectRef, sha256Hex } from './format.ts'
import type { SealRuntime } from './loadSeal.ts'
import { type HeParameters, createCkksContext, heParametersFor, heRotationSteps } from './parameters.ts'
import { withSealScope } from './scope.ts'

export type EncryptHeDatasetParameters = {
  /**
   * Numeric columns, all of the same length (the rows). `min`/`max` are declared bounds, signed in
   * the manifest (the DP sensitivity of releases); a value outside them is refused here.
   */
  columns: { name: string; values: ArrayLike<number>; min?: number | undefined; max?: number | undefined }[]
  /** The dataset's data key: the CKKS secret key is sealed under it, and it is escrowed like any data key. */
  dataKey: Uint8Array
  parameters?: HeParameters | undefined
  /** Bytes of the plaintext the columns came from (the CSV), for the expansion figure. */
  plaintextBytes?: number | undefined
  crypto?: EnvelopeCrypto | undefined
  /** Called after each ciphertext, with how many are done of how many. */
  onProgress?: ((done: number, total: number) => void) | undefined
  /** The policy's minimum rows, signed in the manifest for the key holders. */
  minRows?: number | undefined
  /** The policy's privacy budget, signed in the manifest: releases then carry DP noise. */
  privacy?: { epsilon: number; delta: number } | undefined
}

export type EncryptHeDatasetReturnType = {
  manifest: HeManifest
  /** The manifest's exact bytes (what the owner signs). */
  manifestBytes: Uint8Array
  /** The objects area, in manifest offsets. */
  objects: Uint8Array
  sizes: HeDatasetSizes
}

/** Sizes of an HE dataset (bytes of the SEAL serializations: ciphertexts and evaluation keys uncompressed, the rest zstd). */
export type HeDatasetSizes = {
  ciphertexts: number
  ciphertextCount: number
  publicKey: number
  relinKeys: number
  galoisKeys: number
  sealedSecretKey: number
  total: number
  plaintext: number
  /** `ciphertexts / plaintext`: how much larger the encrypted columns are than the CSV. */
  expansion: number
}

/**
 * Encrypts numeric columns to CKKS, column-packed (slot i of a column's k-th ciphertext is row
 * k·slots + i; unused slots are 0), with a fresh key pair: public, relinearization and the Galois
 * keys a rotate-and-sum needs go into the bundle; the secret key goes in sealed under `dataKey`.
 * The owner holds the secret key, so it encrypts symmetrically (a quarter of public-key
 * encryption's time, same ciphertexts). Ciphertexts and evaluation keys are stored uncompressed:
 * their coefficients are uniform modulo 50–60-bit primes, so zstd saves ~7% of their size and costs
 * the node ~20× the load time (docs/homomorphic.md, Sizes and speed); the public key and the
 * sealed secret key stay zstd-compressed.
 *
 * @example
 * const he = await encryptHeDataset(await loadSeal(), { columns: [{ name: 'age', values: ages }], dataKey })
 * const signature = await signHeManifest(account, { manifestBytes: he.manifestBytes, chainId })
 * const bundle = encodeHeBundle({ ...he, signature })
 */
export async function encryptHeDataset(runtime: SealRuntime, parameters: EncryptHeDatasetParameters): Promise<EncryptHeDatasetReturnType> {
  const { columns, dataKey, plaintextBytes = 0, crypto, onProgress, minRows, privacy } = parameters
  const heParameters = parameters.parameters ?? heParametersFor('ckks-8192')
  if (columns.length === 0) throw new HeArgumentError('An HE dataset needs at least one numeric column.')
  const rows = columns[0]!.values.length
  if (rows === 0) throw new HeArgumentError('An HE dataset needs at least one row.')
  for (const column of columns) {
    if (column.values.length !== rows) throw new HeArgumentError(`Column ${column.name} has ${column.values.length} values, not ${rows}.`)
    for (let i = 0; i < rows; i++)
      if (!Number.isFinite(column.values[i])) throw new HeArgumentError(`Column ${column.name} has a value that is not a finite number (row ${i + 1}).`)
    if ((column.min === undefined) !== (column.max === undefined) || (column.min !== undefined && !((column.min as number) < (column.max as number))))
      throw new HeArgumentError(`Column ${column.name} needs both bounds, min below max, or neither.`)
    if (column.min !== undefined)
      for (let i = 0; i < rows; i++) {
        const value = column.values[i] as number
        if (value < (column.min as number) || value > (column.max as number))
          throw new HeArgumentError(`Column ${column.name} has a value outside its declared bounds [${column.min}, ${column.max}] (row ${i + 1}).`)
      }
  }
  if (privacy && columns.some((column) => column.min === undefined))
    throw new HeArgumentError('A dataset with a privacy budget needs bounds (min and max) on every column: they calibrate the DP noise.')
  const { seal } = runtime
  const zstd = seal.ComprModeType.zstd
  const none = seal.ComprModeType.none
  const ckks = createCkksContext(runtime, heParameters)
  const chunks: Uint8Array[] = []
  let offset = 0
  const put = (bytes: Uint8Array): HeObjectRef => {
    const ref = { offset, bytes: bytes.byteLength, sha256: sha256Hex(bytes) }
    chunks.push(bytes)
    offset += bytes.byteLength
    return ref
  }
  try {
    const steps = heRotationSteps(heParameters)
    const perColumn = Math.ceil(rows / ckks.slots)
    const total = perColumn * columns.length
    let done = 0
    let keyRefs: HeManifest['keys'] | undefined
    let sealedSecretKey: HeObjectRef | undefined
    // One scope for the key pair and the encryption: the secret key encrypts, then is deleted with it.
    const columnRefs = await withSealScope(async (scope) => {
      const generator = scope.track(new seal.KeyGenerator(ckks.context))
      const secretKey = scope.track(generator.secretKey())
      const publicKey = scope.track(generator.createPublicKey())
      const relin = scope.track(generator.createRelinKeys())
      const galois = scope.track(generator.createGaloisKeysWithSteps(Int32Array.from(steps)))
      const keys = {
        public: publicKey.saveToArray(zstd) as Uint8Array,
        relin: relin.saveToArray(none) as Uint8Array,
        galois: galois.saveToArray(none) as Uint8Array,
      }
      scope.free(relin)
      scope.free(galois)
      const secret = secretKey.saveToArray(zstd) as Uint8Array
      let sealedSecret: Uint8Array
      try {
        sealedSecret = await encryptBytes(dataKey, secret, { crypto })
      } finally {
        secret.fill(0)
      }
      keyRefs = { public: put(keys.public), relin: put(keys.relin), galois: { ...put(keys.galois), steps } }
      sealedSecretKey = put(sealedSecret)
      const encryptor = scope.track(new seal.Encryptor(ckks.context, publicKey))
      encryptor.setSecretKey(secretKey)
      const plaintext = scope.track(new seal.Plaintext())
      const ciphertext = scope.track(new seal.Ciphertext())
      const slots = new Float64Array(ckks.slots)
      const refs: HeManifest['columns'] = []
      for (const column of columns) {
        const ciphertexts: HeObjectRef[] = []
        for (let k = 0; k < perColumn; k++) {
          slots.fill(0)
          const end = Math.min(rows, (k + 1) * ckks.slots)
          for (let row = k * ckks.slots; row < end; row++) slots[row - k * ckks.slots] = column.values[row] as number
          ckks.encoder.encode(slots, ckks.scale, plaintext)
          encryptor.encryptSymmetric(plaintext, ciphertext)
          ciphertexts.push(put(ciphertext.saveToArray(none) as Uint8Array))
          onProgress?.(++done, total)
          // Async with a turn of the event loop per ciphertext: encrypting 100,000 rows takes seconds,
          // and a blocked loop would stall the caller's sockets (a pooled keep-alive connection the
          // server closed meanwhile is then reused and reset).
          await new Promise((resolve) => setImmediate(resolve))
        }
        refs.push({ name: column.name, ciphertexts, ...(column.min !== undefined ? { min: column.min, max: column.max as number } : {}) })
      }
      slots.fill(0)
      return refs
    })
    if (!keyRefs || !sealedSecretKey) throw new HeArgumentError('The HE keys were not generated.')
    const manifest: HeManifest = {
      version: 1,
      parameters: heParameters,
      rows,
      columns: columnRefs,
      keys: keyRefs,
      sealedSecretKey,
      plaintextBytes,
      ...(minRows !== undefined ? { minRows } : {}),
      ...(privacy ? { privacy } : {}),
    }
    const objects = new Uint8Array(offset)
    let at = 0
    for (const chunk of chunks) {
      objects.set(chunk, at)
      at += chunk.byteLength
    }
    const ciphertextBytes = columnRefs.reduce((sum, column) => sum + column.ciphertexts.reduce((s, ref) => s + ref.bytes, 0), 0)
    return {
      manifest,
      manifestBytes: new TextEncoder().encode(JSON.stringify(manifest)),
      objects,
      sizes: {
        ciphertexts: ciphertextBytes,
        ciphertextCount: total,
        publicKey: keyRefs.public.bytes,
        relinKeys: keyRefs.relin.bytes,
        galoisKeys: keyRefs.galois.bytes,
        sealedSecretKey: sealedSecretKey.bytes,
        total: offset,
        plaintext: plaintextBytes,
        expansion: plaintextBytes > 0 ? ciphertextBytes / plaintextBytes : Number.NaN,
      },
    }
  } finally {
    ckks.delete()
  }
}
