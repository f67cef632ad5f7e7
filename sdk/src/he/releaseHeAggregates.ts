import { decryptBytes } from '../envelope/decryptBytes.ts'
import type { EnvelopeCrypto } from '../envelope/crypto.ts'
import { HeObjectRefusedError, HeReleaseRefusedError } from './errors.ts'
import { type HeManifest, checkSealHeader, sha256Hex } from './format.ts'
import type { SealRuntime } from './loadSeal.ts'
import { createCkksContext, heCiphertextMaxBytes } from './parameters.ts'
import { withSealScope } from './scope.ts'
import { type HePacking, heMonomials, hePackingLayout, heUnpackGroup, heYExponent } from './packing.ts'
import { HeArgumentError } from './errors.ts'

/**
 * Noise flooding: each released value gets Gaussian noise of σ = 2^floodingBits · B, where B is
 * the decryption error of that value, bounded from the ciphertext itself (after a rotate-and-sum
 * every slot holds the same sum, so the spread of the slots is the error's scale), never below
 * `minErrorBound`. 2^-floodingBits is the ratio B/σ: Li and Micciancio's key-recovery attack
 * needs the exact error, and Gaussian flooding at ratio r keeps each release within statistical
 * distance ~r (KL divergence ~r²/2) of one that carries no information about it.
 */
export const heFloodingBits = 20

/** The smallest error bound used for flooding, in value units: CKKS at scale 2⁵⁰ is not exact below it. */
export const heMinErrorBound = 2 ** -30

export type ReleaseHeAggregatesParameters = {
  /** The dataset's manifest, its owner's signature checked (`openHeManifest` or `openHeBundle`). */
  manifest: HeManifest
  /** The manifest's `sealedSecretKey` object; its size and SHA-256 are checked against the manifest here. */
  sealedSecretKey: Uint8Array
  /** The dataset's data key, released by the key holders for this job; wiped by the caller. */
  dataKey: Uint8Array
  /**
   * Result ciphertexts (SEAL serialization): with `packing`, one per group of
   * `hePackingLayout(columns, packing)`; without, one per aggregate, rotate-and-summed so that
   * every slot holds it.
   */
  results: Uint8Array[]
  /** How the results are packed; `columns` (the release's column count) is then required. */
  packing?: HePacking | undefined
  columns?: number | undefined
  /** The fewest rows the policy lets a job aggregate; refused below it, before any decryption. */
  minRows?: number | undefined
  /** Gaussian DP noise σ per value (the caller's mechanism), added on top of the flooding. */
  dpSigma?: ((index: number) => number) | undefined
  floodingBits?: number | undefined
  /** Random source for the noise; `crypto.getRandomValues` by default. */
  random?: ((bytes: Uint8Array) => Uint8Array) | undefined
  crypto?: EnvelopeCrypto | undefined
}

export type ReleaseHeAggregatesReturnType = {
  /** The aggregates (sums, then products; packed results hold nothing else), flooded (and DP-noised when asked). */
  values: Float64Array
  /** σ of the flooding noise added to each value. */
  floodingSigma: Float64Array
}

/**
 * The decrypting key holder's side of an HE job (run in its own process, never on the compute
 * node): opens the CKKS secret key sealed under the data key,
 * decrypts the result ciphertexts, adds flooding (and DP) noise, and returns only the noised
 * aggregates. A packed result's totals are read from the coefficients of Y (the mean over all slots
 * of Re(R · Y^(−k)), see `packing.ts`); its error bound is the largest spread among slots that
 * hold the same value. The secret key lives in this call's SEAL objects only, all deleted before
 * it returns.
 * Refuses when the bundle holds fewer rows than `minRows`.
 *
 * @example
 * const { values } = await releaseHeAggregates(runtime, { manifest, sealedSecretKey, dataKey, results, minRows: manifest.minRows })
 */
export async function releaseHeAggregates(runtime: SealRuntime, parameters: ReleaseHeAggregatesParameters): Promise<ReleaseHeAggregatesReturnType> {
  const { manifest, sealedSecretKey, dataKey, results, minRows, dpSigma, floodingBits = heFloodingBits, crypto, packing, columns } = parameters
  const random = parameters.random ?? ((bytes: Uint8Array) => globalThis.crypto.getRandomValues(bytes))
  if (sealedSecretKey.byteLength !== manifest.sealedSecretKey.bytes || sha256Hex(sealedSecretKey) !== manifest.sealedSecretKey.sha256)
    throw new HeObjectRefusedError('The sealed secret key does not match the hash its owner signed.', { reason: 'hash-mismatch' })
  if (minRows !== undefined && manifest.rows < minRows)
    throw new HeReleaseRefusedError(`The dataset's policy requires at least ${minRows} rows per job; nothing was decrypted.`, { code: 'HE_TOO_FEW_ROWS' })
  const maxBytes = heCiphertextMaxBytes(manifest.parameters, 2)
  for (const result of results) {
    if (result.byteLength > maxBytes) throw new HeObjectRefusedError('A result ciphertext is larger than these parameters allow.', { reason: 'too-large' })
    checkSealHeader(result, 'ciphertext')
  }
  const layout = packing ? hePackingLayout(columns ?? 0, packing) : undefined
  if (layout && results.length !== layout.groups.length)
    throw new HeArgumentError(`A packed release of ${layout.columns} columns has ${layout.groups.length} result ciphertexts, not ${results.length}.`)
  const secret = await decryptBytes(dataKey, sealedSecretKey, { crypto })
  const ckks = createCkksContext(runtime, manifest.parameters)
  const { seal } = runtime
  const gaussian = gaussianSource(random)
  const monomials = layout ? heMonomials(runtime, ckks) : undefined
  try {
    return withSealScope((scope) => {
      const secretKey = scope.track(new seal.SecretKey())
      secretKey.loadFromArray(ckks.context, secret)
      secret.fill(0)
      const decryptor = scope.track(new seal.Decryptor(ckks.context, secretKey))
      const ciphertext = scope.track(new seal.Ciphertext())
      const plaintext = scope.track(new seal.Plaintext())
      if (layout && monomials) {
        const values = new Float64Array(layout.values).fill(Number.NaN)
        const floodingSigma = new Float64Array(layout.values)
        const shifted = scope.track(new seal.Ciphertext())
        const n = manifest.parameters.polyModulusDegree
        for (const [g, group] of layout.groups.entries()) {
          ciphertext.loadFromArray(ckks.context, results[g] as Uint8Array)
          if (ciphertext.size() !== 2) throw new HeObjectRefusedError('A result ciphertext was not relinearized.', { reason: 'wrong-parameters' })
          const coefficients = new Float64Array(2 * layout.width)
          let spread = 0
          for (let k = 0; k < coefficients.length; k++) {
            ckks.evaluator.multiplyPlain(ciphertext, monomials.get(heYExponent(n, layout.foldSteps, -k), ciphertext.coeffModulusSize()), shifted)
            decryptor.decrypt(shifted, plaintext)
            const slots = ckks.encoder.decodeFloat64(plaintext) as Float64Array
            let sum = 0
            for (let i = 0; i < slots.length; i++) {
              sum += slots[i] as number
              // Slots j ≡ c (mod 2^s) hold the same value: their spread is the decryption error's scale.
              spread = Math.max(spread, Math.abs((slots[i] as number) - (slots[i % layout.width] as number)))
            }
            slots.fill(0)
            coefficients[k] = sum / slots.length
          }
          for (const [index, value, combined] of heUnpackGroup(layout, group, coefficients)) {
            const sigma = 2 ** floodingBits * combined * Math.max(spread, heMinErrorBound)
            floodingSigma[index] = sigma
            values[index] = value + sigma * gaussian() + (dpSigma ? dpSigma(index) * gaussian() : 0)
          }
          coefficients.fill(0)
        }
        if (values.some((value) => Number.isNaN(value))) throw new HeArgumentError('The packing layout leaves an aggregate out.')
        return { values, floodingSigma }
      }
      const values = new Float64Array(results.length)
      const floodingSigma = new Float64Array(results.length)
      for (const [index, result] of results.entries()) {
        ciphertext.loadFromArray(ckks.context, result)
        if (ciphertext.size() !== 2) throw new HeObjectRefusedError('A result ciphertext was not relinearized.', { reason: 'wrong-parameters' })
        decryptor.decrypt(ciphertext, plaintext)
        const slots = ckks.encoder.decodeFloat64(plaintext) as Float64Array
        const value = slots[0] as number
        let spread = 0
        for (let i = 1; i < slots.length; i++) spread = Math.max(spread, Math.abs((slots[i] as number) - value))
        slots.fill(0)
        const sigma = 2 ** floodingBits * Math.max(spread, heMinErrorBound)
        floodingSigma[index] = sigma
        values[index] = value + sigma * gaussian() + (dpSigma ? dpSigma(index) * gaussian() : 0)
      }
      return { values, floodingSigma }
    })
  } finally {
    secret.fill(0)
    monomials?.delete()
    ckks.delete()
  }
}

/** Standard normal samples (Box–Muller) from a cryptographic random source. */
function gaussianSource(random: (bytes: Uint8Array) => Uint8Array): () => number {
  const uniform = () => {
    const bytes = random(new Uint8Array(8))
    const view = new DataView(bytes.buffer, bytes.byteOffset, 8)
    // 53 random bits in (0, 1].
    return ((view.getUint32(0) >>> 5) * 2 ** 26 + (view.getUint32(4) >>> 6) + 1) / 2 ** 53
  }
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}
