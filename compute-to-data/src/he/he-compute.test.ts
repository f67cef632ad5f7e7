import { generateDataKey } from '@datavault/sdk'
import { type SealRuntime, encodeHeBundle, encryptHeDataset, loadSeal, openHeBundle, releaseHeAggregates, signHeManifest } from '@datavault/sdk/he'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { computeHeStatistics } from './computeHeStatistics.ts'
import { type HeWorkerPool, heWorkerPool } from './heWorkerPool.ts'
import { gramMatrix, heRidgeFrom, heStatisticsFrom } from './solve.ts'

const owner = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const chainId = 8996

/** A deterministic generator (mulberry32) and standard normals from it. */
function normals(seed: number) {
  let state = seed >>> 0
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (((t ^ (t >>> 14)) >>> 0) + 1) / 4294967297
  }
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
}

/** n rows of 3 correlated features and y = 1.5 x0 − 2 x1 + 0.5 x2 + 3 + noise. */
function dataset(n: number) {
  const normal = normals(7)
  const x0: number[] = []
  const x1: number[] = []
  const x2: number[] = []
  const y: number[] = []
  for (let i = 0; i < n; i++) {
    const a = normal()
    const b = 0.5 * a + normal()
    const c = normal() * 2 + 1
    x0.push(a)
    x1.push(b)
    x2.push(c)
    y.push(1.5 * a - 2 * b + 0.5 * c + 3 + 0.3 * normal())
  }
  return [
    { name: 'x0', values: x0 },
    { name: 'x1', values: x1 },
    { name: 'x2', values: x2 },
    { name: 'y', values: y },
  ]
}

/** The same aggregates in plaintext float64. */
function plainAggregates(columns: { values: number[] }[]) {
  const rows = columns[0]!.values.length
  const sums = columns.map((column) => column.values.reduce((a, b) => a + b, 0))
  const products: number[] = []
  for (let i = 0; i < columns.length; i++)
    for (let j = i; j < columns.length; j++) {
      let sum = 0
      for (let r = 0; r < rows; r++) sum += columns[i]!.values[r]! * columns[j]!.values[r]!
      products.push(sum)
    }
  return { rows, sums, products }
}

let runtime: SealRuntime
let pool: HeWorkerPool
beforeAll(async () => {
  runtime = await loadSeal()
  pool = await heWorkerPool({ size: 2 })
})
afterAll(() => pool?.close())

describe('homomorphic statistics and ridge', () => {
  test('default: encrypted XᵀX and Xᵀy, released with noise flooding, give the plaintext ridge within 1e-3 relative', async () => {
    const columns = dataset(9000)
    const dataKey = generateDataKey()
    const he = await encryptHeDataset(runtime, { columns, dataKey })
    const signature = await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId })
    const bundle = await openHeBundle(encodeHeBundle({ ...he, signature }), { chainId, owner: owner.address })
    const names = columns.map((column) => column.name)
    const stats = await computeHeStatistics(pool, { bundle, columns: names })
    // 4 columns, 3 fold steps: 6 product terms (x_a · (x_b + J x_(b+1))) and 2 sum terms, packed in 2 ciphertexts.
    expect(stats.results).toHaveLength(2)
    // 3 blocks on 2 workers: 6 terms × 3 blocks multiplies, each worker relinearizes its 6 once.
    expect(stats.operations).toMatchObject({ multiply: 18, relinearize: 12, rotate: 8 * 3 + 2 * 9 })
    // By kind/primes/size (what the native reference runs): products at the top level (3 primes), the
    // accumulated size-3 products relinearized there, every rotation one level down.
    expect(stats.mix).toMatchObject({ 'multiply/3/2': 18, 'relinearize/3/3': 12, 'rescale/3/2': 12, 'rotate/2/2': 42 })
    for (const [kind, count] of Object.entries(stats.operations))
      expect(Object.entries(stats.mix).reduce((sum, [key, n]) => sum + (key.startsWith(`${kind}/`) ? n : 0), 0)).toBe(count)
    const released = await releaseHeAggregates(runtime, {
      manifest: bundle.manifest,
      sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'),
      dataKey,
      results: stats.results,
      packing: stats.packing,
      columns: names.length,
    })
    expect(released.values).toHaveLength(4 + 10)
    const aggregates = { rows: 9000, sums: released.values.slice(0, 4), products: released.values.slice(4) }
    const plain = plainAggregates(columns)

    for (const lambda of [0, 0.1]) {
      const encrypted = heRidgeFrom(aggregates, { lambda })
      const exact = heRidgeFrom(plain, { lambda })
      for (let i = 0; i < 3; i++) expect(Math.abs(encrypted.weights[i]! - exact.weights[i]!) / Math.abs(exact.weights[i]!)).toBeLessThan(1e-3)
      expect(Math.abs(encrypted.bias - exact.bias) / Math.abs(exact.bias)).toBeLessThan(1e-3)
    }
    // Stats: means and (co)variances within 1e-4 absolute on data of unit scale (the docs' tolerance).
    const encryptedStats = heStatisticsFrom(aggregates)
    const exactStats = heStatisticsFrom(plain)
    for (let i = 0; i < 4; i++) expect(Math.abs(encryptedStats.mean[i]! - exactStats.mean[i]!)).toBeLessThan(1e-4)
    for (let i = 0; i < 16; i++) expect(Math.abs(encryptedStats.covariance[i]! - exactStats.covariance[i]!)).toBeLessThan(1e-4)
    for (let i = 0; i < 16; i++) expect(Math.abs(encryptedStats.correlation[i]! - exactStats.correlation[i]!)).toBeLessThan(1e-4)
    // The flooding noise is there, and far above CKKS's own error but far below the tolerance.
    expect(Math.min(...released.floodingSigma)).toBeGreaterThan(0)
    expect(Math.max(...released.floodingSigma)).toBeLessThan(1)
  })

  test('behavior: fewer row blocks than workers (a worker packs without rows of its own); only the requested totals are released', async () => {
    const columns = dataset(300).slice(0, 3)
    const dataKey = generateDataKey()
    const he = await encryptHeDataset(runtime, { columns, dataKey })
    const signature = await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId })
    const bundle = await openHeBundle(encodeHeBundle({ ...he, signature }), { chainId, owner: owner.address })
    const stats = await computeHeStatistics(pool, { bundle, columns: ['x0', 'x1', 'x2'] })
    expect(stats.results).toHaveLength(2)
    const released = await releaseHeAggregates(runtime, {
      manifest: bundle.manifest,
      sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'),
      dataKey,
      results: stats.results,
      packing: stats.packing,
      columns: 3,
    })
    const plain = plainAggregates(columns)
    const expected = [...plain.sums, ...plain.products]
    expect(released.values).toHaveLength(3 + 6)
    for (const [index, value] of released.values.entries()) expect(Math.abs(value - expected[index]!)).toBeLessThan(6 * released.floodingSigma[index]! + 1e-6)
  })

  test('behavior: ordinary least squares recovers the generating coefficients', () => {
    const columns = dataset(4000)
    const fit = heRidgeFrom(plainAggregates(columns), { lambda: 0 })
    const std = fit.featureStd
    expect(fit.weights[0]! / std[0]!).toBeCloseTo(1.5, 1)
    expect(fit.weights[1]! / std[1]!).toBeCloseTo(-2, 1)
    expect(fit.weights[2]! / std[2]!).toBeCloseTo(0.5, 1)
    expect(fit.r2).toBeGreaterThan(0.9)
    expect(gramMatrix(2, [1, 2, 3])).toEqual(Float64Array.of(1, 2, 2, 3))
  })

  test('error: a column the bundle does not hold is refused before any work', async () => {
    const he = await encryptHeDataset(runtime, { columns: [{ name: 'a', values: [1, 2] }], dataKey: generateDataKey() })
    const signature = await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId })
    const bundle = await openHeBundle(encodeHeBundle({ ...he, signature }), { chainId, owner: owner.address })
    await expect(computeHeStatistics(pool, { bundle, columns: ['b'] })).rejects.toMatchObject({ code: 'HE_INVALID_ARGUMENT' })
  })
})
