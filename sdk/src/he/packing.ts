// Packing of HE release results: many encrypted totals in one ciphertext, so a job needs a fraction
// of the rotations a rotate-and-sum per total would (issue 13). Pure layout arithmetic plus the
// monomial plaintexts the node's workers and the decrypting key holder multiply by.
//
// The algebra, in SEAL's CKKS ring R = ℤ[X]/(X^N + 1) with slot j evaluating at ζ^(3^j), ζ = e^(iπ/N):
// - Y = X^(N / 2^(s+1)) takes the same value in every slot j ≡ c (mod 2^s) and is fixed by rotations
//   by multiples of 2^s; Y^(2^(s+1)) = −1.
// - J = X^(N/4) + X^(3N/4) is i·√2 in every slot: a second real vector rides in the imaginary part.
// - The trace Tr(V) (the sum of V's 4096 rotations, what a full rotate-and-sum computes) puts the
//   sum of V's slots in every slot. Rotating by 1, 2, …, 2^(s−1) (the fold), multiplying by Y^t
//   and rotating by 2^s, …, slots/2 (after adding up to 2^s folded vectors) gives
//   Σ_v Y^(t_v) · Tr(V_v): each total lands on its own coefficients of a polynomial in Y.
// - The key holder reads coefficient k as the mean over all slots of Re(R · Y^(−k)), and from those
//   2^(s+1) reals the totals by a fixed linear map. Every slot of R holds a linear combination of
//   the totals and nothing else: a packed ciphertext shows the holder no partial sum.
import { z } from 'zod'
import { HeArgumentError } from './errors.ts'
import type { SealRuntime } from './loadSeal.ts'
import type { CkksContext } from './parameters.ts'

/** How a release's results are packed: `foldSteps` (s) rotate-and-sum steps per vector before packing 2^s complex vectors per ciphertext. */
export const hePackingSchema = z.object({ foldSteps: z.number().int().min(1).max(8) }).strict()

/** A release's packing. */
export type HePacking = z.infer<typeof hePackingSchema>

/** The packing the node uses: 3 fold steps, 8 complex vectors (16 totals) per ciphertext. */
export const heDefaultPacking: HePacking = { foldSteps: 3 }

/** A product term: the row-wise product of column `left` and `right` + J·`rightNext`, summed over rows. */
export type HeProductTerm = { left: number; right: number; rightNext: number | null; re: number; im: number | null }

/** A sum term: column `column` + J·`columnNext`, summed over rows. */
export type HeSumTerm = { column: number; columnNext: number | null; re: number; im: number | null }

/** Which terms share one packed ciphertext; `terms` index `productTerms` or `sumTerms`; term i of a group is multiplied by Y^i. */
export type HePackedGroup = { kind: 'products' | 'sums'; terms: number[] }

/** Every term and group of a release of `columns` columns, and where each total is (`re`/`im`: index in the release's values). */
export type HePackingLayout = {
  columns: number
  foldSteps: number
  /** Complex vectors per packed ciphertext: 2^foldSteps. */
  width: number
  productTerms: HeProductTerm[]
  sumTerms: HeSumTerm[]
  groups: HePackedGroup[]
  /** Values released: the columns' sums, then Σ x_i x_j over the upper triangle (row-major). */
  values: number
}

/** Index of Σ x_a x_b (a ≤ b) among a release's values: after the d sums, row-major over the upper triangle. */
export const heProductIndex = (columns: number, a: number, b: number): number => columns + a * columns - (a * (a - 1)) / 2 + (b - a)

/**
 * The terms and groups of a packed release. Row a of XᵀX pairs its columns b = a, a+2, … with the
 * next one (x_a · (x_b + J x_(b+1))): ⌈(d − a)/2⌉ ciphertext multiplications instead of d − a, and
 * no total computed twice. Sums pair columns (0, 1), (2, 3), …. Products and sums pack apart (their
 * scales differ).
 *
 * @example
 * const layout = hePackingLayout(11, { foldSteps: 3 }) // 36 product terms, 6 sum terms, 6 groups
 */
export function hePackingLayout(columns: number, { foldSteps }: HePacking): HePackingLayout {
  if (!Number.isInteger(columns) || columns < 1) throw new HeArgumentError('A packed release needs at least one column.')
  const width = 2 ** foldSteps
  const productTerms: HeProductTerm[] = []
  for (let a = 0; a < columns; a++)
    for (let b = a; b < columns; b += 2) {
      const next = b + 1 < columns ? b + 1 : null
      productTerms.push({ left: a, right: b, rightNext: next, re: heProductIndex(columns, a, b), im: next === null ? null : heProductIndex(columns, a, next) })
    }
  const sumTerms: HeSumTerm[] = []
  for (let c = 0; c < columns; c += 2) sumTerms.push({ column: c, columnNext: c + 1 < columns ? c + 1 : null, re: c, im: c + 1 < columns ? c + 1 : null })
  const groups: HePackedGroup[] = []
  for (const [kind, count] of [['products', productTerms.length], ['sums', sumTerms.length]] as const)
    for (let from = 0; from < count; from += width) groups.push({ kind, terms: Array.from({ length: Math.min(width, count - from) }, (_, i) => from + i) })
  return { columns, foldSteps, width, productTerms, sumTerms, groups, values: columns + (columns * (columns + 1)) / 2 }
}

/**
 * The totals of one packed group from its 2^(s+1) coefficients in Y (`coefficients[k]`, read as
 * the mean of Re(R · Y^(−k))). With h = 2^(s−1), the vectors at positions u and u + h (u < h) give
 * g_u = A − B′, g_(u+h) = B + A′, g_(u+2h) = B′, g_(u+3h) = B (J = Y^h + Y^(3h), Y^(4h) = −1).
 * Returns [value index, total, how many coefficients it combines] for each total the group holds.
 */
export function heUnpackGroup(layout: HePackingLayout, group: HePackedGroup, coefficients: ArrayLike<number>): [number, number, number][] {
  const h = layout.width / 2
  const g = (k: number) => coefficients[k] as number
  const out: [number, number, number][] = []
  for (const [position, index] of group.terms.entries()) {
    const term = group.kind === 'products' ? layout.productTerms[index] : layout.sumTerms[index]
    if (!term) throw new HeArgumentError('A packed group names a term the layout does not have.')
    const u = position % h
    if (position < h) {
      out.push([term.re, g(u) + g(u + 2 * h), 2])
      if (term.im !== null) out.push([term.im, g(u + 3 * h), 1])
    } else {
      out.push([term.re, g(u + h) - g(u + 3 * h), 2])
      if (term.im !== null) out.push([term.im, g(u + 2 * h), 1])
    }
  }
  return out
}

/** Exponent of X for Y^k (Y = X^(N / 2^(s+1))), reduced mod 2N (X^N = −1): negative k is fine. */
export const heYExponent = (polyModulusDegree: number, foldSteps: number, k: number): number => {
  const twoN = 2 * polyModulusDegree
  return (((k * polyModulusDegree) / 2 ** (foldSteps + 1)) % twoN + twoN) % twoN
}

/** Monomial plaintexts X^e (scale 1, NTT form) at a level, built once and kept until `delete()`. */
export type HeMonomials = {
  /** X^exponent (exponent mod 2N) at the level with `primes` data primes. Owned by this object. */
  get(exponent: number, primes: number): import('node-seal').Plaintext
  /** i·√2 in every slot: X^(N/4) + X^(3N/4), at the level with `primes` data primes. */
  j(primes: number): import('node-seal').Plaintext
  delete(): void
}

/**
 * Monomials as CKKS plaintexts. node-seal encodes real slot vectors only, and every monomial but
 * X^0 has complex slot values, so each is written in SEAL's NTT form directly: the value at NTT
 * index i of prime p is ψ_p^(e·(2·rev(i) + 1)), ψ_p being SEAL's minimal primitive 2N-th root of
 * unity mod p and rev the bit reversal (SEAL's layout; the tests check it against encoded vectors).
 * Multiplying by one is exact: it permutes (and negates) coefficients, adds no noise and keeps the
 * scale.
 *
 * @example
 * const monomials = heMonomials(runtime, ckks)
 * try { evaluator.multiplyPlain(ct, monomials.j(3), out) } finally { monomials.delete() }
 */
export function heMonomials({ seal }: SealRuntime, ckks: CkksContext): HeMonomials {
  const n = ckks.parameters.polyModulusDegree
  const twoN = 2 * n
  const logN = Math.log2(n)
  // The data primes, from the top level down.
  const primes: bigint[] = []
  const levels: { primes: number; parmsId: import('node-seal').ParmsIdType }[] = []
  let data: import('node-seal').ContextData | undefined = ckks.context.firstContextData()
  while (data) {
    const parms = data.parms()
    const moduli = parms.coeffModulus()
    if (primes.length === 0)
      for (let i = 0; i < moduli.size(); i++) {
        const modulus = moduli.get(i) as import('node-seal').Modulus
        primes.push(modulus.value())
        modulus.delete()
      }
    levels.push({ primes: moduli.size(), parmsId: data.parmsId() })
    moduli.delete()
    parms.delete()
    // The last level's next is an empty handle, not null: stop at chain index 0.
    const last: boolean = data.chainIndex() === 0
    const next: import('node-seal').ContextData | undefined = last ? undefined : data.nextContextData()
    data.delete()
    data = next
  }
  // ψ^m for m < 2N, per prime.
  const powers = primes.map((p) => {
    const psi = minimalPrimitiveRoot(p, BigInt(twoN))
    const table = new BigUint64Array(twoN)
    let value = 1n
    for (let m = 0; m < twoN; m++) {
      table[m] = value
      value = (value * psi) % p
    }
    return table
  })
  const reversed = Uint32Array.from({ length: n }, (_, i) => {
    let r = 0
    for (let b = 0; b < logN; b++) r |= ((i >> b) & 1) << (logN - 1 - b)
    return 2 * r + 1
  })
  const cache = new Map<string, import('node-seal').Plaintext>()
  const build = (key: string, count: number, coefficients: [number, number][]) => {
    const level = levels.find((entry) => entry.primes === count)
    if (!level) throw new HeArgumentError(`No level with ${count} primes in these parameters.`)
    const template = new seal.Plaintext()
    let bytes: Uint8Array
    try {
      ckks.encoder.encode(new Float64Array(ckks.slots), 1, template)
      if (count !== primes.length) ckks.evaluator.plainModSwitchToInplace(template, level.parmsId)
      bytes = (template.saveToArray(seal.ComprModeType.none) as Uint8Array).slice()
      if (template.coeffCount() !== count * n) throw new HeArgumentError('Unexpected plaintext layout.')
    } finally {
      template.delete()
    }
    const at = bytes.byteLength - count * n * 8
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    for (let m = 0; m < count; m++) {
      const table = powers[m] as BigUint64Array
      const p = primes[m] as bigint
      for (let i = 0; i < n; i++) {
        let value = 0n
        for (const [e, sign] of coefficients) {
          const term = table[(e * (reversed[i] as number)) % twoN] as bigint
          value += sign > 0 ? term : p - term
        }
        view.setBigUint64(at + (m * n + i) * 8, value % p, true)
      }
    }
    const plaintext = new seal.Plaintext()
    try {
      plaintext.loadFromArray(ckks.context, bytes)
    } catch (error) {
      plaintext.delete()
      throw error
    }
    cache.set(key, plaintext)
    return plaintext
  }
  const get = (exponent: number, count: number) => {
    const e = ((exponent % twoN) + twoN) % twoN
    return cache.get(`${e}:${count}`) ?? build(`${e}:${count}`, count, [[e, 1]])
  }
  return {
    get,
    j: (count) => cache.get(`j:${count}`) ?? build(`j:${count}`, count, [[n / 4, 1], [(3 * n) / 4, 1]]),
    delete() {
      for (const plaintext of cache.values()) plaintext.delete()
      cache.clear()
      for (const level of levels) level.parmsId.delete()
    },
  }
}

/** The least primitive `order`-th root of unity mod the prime p (SEAL's choice for its NTT). */
function minimalPrimitiveRoot(p: bigint, order: bigint): bigint {
  const power = (base: bigint, exponent: bigint) => {
    let result = 1n
    base %= p
    while (exponent > 0n) {
      if (exponent & 1n) result = (result * base) % p
      base = (base * base) % p
      exponent >>= 1n
    }
    return result
  }
  let root = 0n
  for (let x = 2n; x < p; x++) {
    const candidate = power(x, (p - 1n) / order)
    if (power(candidate, order / 2n) === p - 1n) {
      root = candidate
      break
    }
  }
  // The primitive roots are root's odd powers.
  const square = (root * root) % p
  let current = root
  let least = root
  for (let i = 0n; i < order / 2n; i++) {
    if (current < least) least = current
    current = (current * square) % p
  }
  return least
}
