import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type SealRuntime, loadSeal } from './loadSeal.ts'
import { type HeMonomials, heMonomials, hePackingLayout, heProductIndex, heUnpackGroup, heYExponent } from './packing.ts'
import { type CkksContext, createCkksContext, heParametersFor, heRotationSteps } from './parameters.ts'
import { withSealScope } from './scope.ts'

let runtime: SealRuntime
let ckks: CkksContext
let monomials: HeMonomials
beforeAll(async () => {
  runtime = await loadSeal()
  ckks = createCkksContext(runtime, heParametersFor('ckks-8192'))
  monomials = heMonomials(runtime, ckks)
})
afterAll(() => {
  monomials?.delete()
  ckks?.delete()
})

const n = 8192
/** Slot j of SEAL's CKKS evaluates at ζ^(3^j), ζ = e^(iπ/N). */
const root = (j: number) => {
  let power = 1
  for (let i = 0; i < j; i++) power = (power * 3) % (2 * n)
  return power
}

describe('hePackingLayout', () => {
  test('default: 11 columns, 3 fold steps: 36 product terms and 6 sum terms in 6 groups, every total exactly once', () => {
    const layout = hePackingLayout(11, { foldSteps: 3 })
    expect(layout.productTerms).toHaveLength(36)
    expect(layout.sumTerms).toHaveLength(6)
    expect(layout.groups.map((group) => [group.kind, group.terms.length])).toEqual([
      ['products', 8],
      ['products', 8],
      ['products', 8],
      ['products', 8],
      ['products', 4],
      ['sums', 6],
    ])
    expect(layout.values).toBe(11 + 66)
    const indices = [...layout.productTerms, ...layout.sumTerms].flatMap((term) => (term.im === null ? [term.re] : [term.re, term.im])).sort((a, b) => a - b)
    expect(indices).toEqual(Array.from({ length: 77 }, (_, i) => i))
    expect(heProductIndex(11, 0, 0)).toBe(11)
    expect(heProductIndex(11, 1, 1)).toBe(22)
    expect(heProductIndex(11, 10, 10)).toBe(76)
  })

  test('behavior: unpacking inverts packing for full and partial groups', () => {
    const layout = hePackingLayout(5, { foldSteps: 2 })
    const totals = Array.from({ length: layout.values }, (_, i) => (i + 1) * 1.5 - 7)
    for (const group of layout.groups) {
      // R = Σ_position Y^position (A + J B), J = Y^h + Y^(3h), Y^(2·width) = −1.
      const width = layout.width
      const h = width / 2
      const g = new Float64Array(2 * width)
      const addAt = (k: number, value: number) => {
        const wrapped = k % (2 * width)
        g[wrapped] = (g[wrapped] as number) + (Math.floor(k / (2 * width)) % 2 === 0 ? value : -value)
      }
      for (const [position, index] of group.terms.entries()) {
        const term = group.kind === 'products' ? layout.productTerms[index]! : layout.sumTerms[index]!
        addAt(position, totals[term.re]!)
        if (term.im !== null) {
          addAt(position + h, totals[term.im]!)
          addAt(position + 3 * h, totals[term.im]!)
        }
      }
      for (const [index, value] of heUnpackGroup(layout, group, g)) expect(value).toBeCloseTo(totals[index]!, 12)
    }
  })

  test('error: no layout without a column', () => {
    expect(() => hePackingLayout(0, { foldSteps: 3 })).toThrow(expect.objectContaining({ code: 'HE_INVALID_ARGUMENT' }))
  })
})

describe('heMonomials', () => {
  test('default: X^e decodes to cos(π e 3^j / N) in slot j, and J to 0 (it is i√2: no real part)', () => {
    for (const e of [1, 512, n / 2, 3 * n + 5]) {
      const slots = ckks.encoder.decodeFloat64(monomials.get(e, 3)) as Float64Array
      for (const j of [0, 1, 2, 7, 100, 4095]) expect(slots[j]).toBeCloseTo(Math.cos((Math.PI * e * root(j)) / n), 9)
    }
    const j = ckks.encoder.decodeFloat64(monomials.j(2)) as Float64Array
    expect(Math.max(...j.map(Math.abs))).toBeLessThan(1e-9)
  })

  test('behavior: a packed ciphertext holds only linear combinations of the totals (slots equal by class), and unpacks to the plaintext totals', () => {
    const { seal } = runtime
    const foldSteps = 2
    const width = 2 ** foldSteps
    const rows = 3000
    const data = Array.from({ length: 3 }, (_, c) => Array.from({ length: rows }, (_, r) => Math.sin(r * (c + 1) + c) + 0.3 * c))
    const layout = hePackingLayout(3, { foldSteps })
    withSealScope((scope) => {
      const generator = scope.track(new seal.KeyGenerator(ckks.context))
      const secretKey = scope.track(generator.secretKey())
      const publicKey = scope.track(generator.createPublicKey())
      const relin = scope.track(generator.createRelinKeys())
      const galois = scope.track(generator.createGaloisKeysWithSteps(Int32Array.from(heRotationSteps(ckks.parameters))))
      const encryptor = scope.track(new seal.Encryptor(ckks.context, publicKey))
      const decryptor = scope.track(new seal.Decryptor(ckks.context, secretKey))
      const plaintext = scope.track(new seal.Plaintext())
      const { evaluator } = ckks
      const x = data.map((column) => {
        const slots = new Float64Array(ckks.slots)
        slots.set(column)
        ckks.encoder.encode(slots, ckks.scale, plaintext)
        const ct = scope.track(new seal.Ciphertext())
        encryptor.encrypt(plaintext, ct)
        return ct
      })
      const rotated = scope.track(new seal.Ciphertext())
      for (const group of layout.groups) {
        const total = scope.track(new seal.Ciphertext())
        for (const [position, index] of group.terms.entries()) {
          const term = scope.track(new seal.Ciphertext())
          if (group.kind === 'products') {
            const { left, right, rightNext } = layout.productTerms[index]!
            const paired = scope.track(new seal.Ciphertext())
            paired.assign(x[right]!)
            if (rightNext !== null) {
              evaluator.multiplyPlain(x[rightNext]!, monomials.j(3), rotated)
              evaluator.add(paired, rotated, paired)
            }
            evaluator.multiply(x[left]!, paired, term)
            evaluator.relinearizeInplace(term, relin)
            evaluator.rescaleToNextInplace(term)
          } else {
            const { column, columnNext } = layout.sumTerms[index]!
            term.assign(x[column]!)
            if (columnNext !== null) {
              evaluator.multiplyPlain(x[columnNext]!, monomials.j(3), rotated)
              evaluator.add(term, rotated, term)
            }
            evaluator.cipherModSwitchToNextInplace(term)
          }
          for (let step = 1; step < width; step *= 2) {
            evaluator.rotateVector(term, step, galois, rotated)
            evaluator.add(term, rotated, term)
          }
          if (position > 0) evaluator.multiplyPlainInplace(term, monomials.get(heYExponent(n, foldSteps, position), 2))
          if (position === 0) total.assign(term)
          else evaluator.add(total, term, total)
        }
        for (let step = width; step < ckks.slots; step *= 2) {
          evaluator.rotateVector(total, step, galois, rotated)
          evaluator.add(total, rotated, total)
        }
        // What the key holder decrypts: every slot equals the slot of its class (j mod 2^s), so it
        // holds a fixed linear combination of the totals, never a partial sum over some rows.
        decryptor.decrypt(total, plaintext)
        const slots = ckks.encoder.decodeFloat64(plaintext) as Float64Array
        for (let j = width; j < slots.length; j++) expect(Math.abs(slots[j]! - slots[j % width]!)).toBeLessThan(1e-5)
        const coefficients = Array.from({ length: 2 * width }, (_, k) => {
          evaluator.multiplyPlain(total, monomials.get(heYExponent(n, foldSteps, -k), 2), rotated)
          decryptor.decrypt(rotated, plaintext)
          const values = ckks.encoder.decodeFloat64(plaintext) as Float64Array
          return values.reduce((sum, value) => sum + value, 0) / values.length
        })
        for (const [index, value] of heUnpackGroup(layout, group, coefficients)) {
          const [a, b] = index < 3 ? [index, -1] : (() => {
            for (let i = 0; i < 3; i++) for (let k = i; k < 3; k++) if (heProductIndex(3, i, k) === index) return [i, k]
            return [-1, -1]
          })()
          let exact = 0
          for (let r = 0; r < rows; r++) exact += b === -1 ? data[a!]![r]! : data[a!]![r]! * data[b!]![r]!
          expect(Math.abs(value - exact)).toBeLessThan(1e-6)
        }
      }
    })
  })
})
