import type { OpenedHeBundle } from '@datavault/sdk/he'
import { HeArgumentError } from '@datavault/sdk/he'
import type { HeWorkerPool } from './heWorkerPool.ts'

export type ComputeHeStatisticsParameters = {
  bundle: OpenedHeBundle
  /** Columns (by name) whose sums and pairwise products to compute, in this order. */
  columns: string[]
  signal?: AbortSignal | undefined
}

/** Encrypted sufficient statistics: each ciphertext rotate-and-summed, so every slot holds the aggregate. */
export type HeStatistics = {
  /** Σ x_i for each column, in `columns` order. */
  sums: Uint8Array[]
  /** Σ x_i x_j for i ≤ j, row-major over the upper triangle ((0,0), (0,1), … (1,1), …). */
  products: Uint8Array[]
  /** The pairs of `products`, in order. */
  pairs: [number, number][]
  /** SEAL operations done, for the bench's cost model. */
  operations: { multiply: number; add: number; relinearize: number; rescale: number; rotate: number }
}

/**
 * Computes, on ciphertexts only, every column's sum and every pair's inner product (XᵀX with the
 * label among the columns gives Xᵀy and yᵀy too). Phase 1 splits the ciphertexts (row blocks)
 * across the pool: each worker multiplies its blocks pairwise, adds the size-3 products, and
 * relinearizes and rescales each pair once. Phase 2 splits the pairs across the pool: partials
 * are added and rotate-and-summed. Objects are taken from the bundle only after their signed
 * SHA-256 matched.
 *
 * @example
 * const stats = await computeHeStatistics(pool, { bundle, columns: ['age', 'bmi', 'charges'] })
 */
export async function computeHeStatistics(pool: HeWorkerPool, { bundle, columns, signal }: ComputeHeStatisticsParameters): Promise<HeStatistics> {
  const { manifest } = bundle
  const indices = columns.map((name) => {
    const index = manifest.columns.findIndex((column) => column.name === name)
    if (index === -1) throw new HeArgumentError(`The HE dataset has no encrypted column ${name}.`)
    return index
  })
  // Each object is hash-checked here, then copied out of the bundle into its own buffer, which moves
  // to the worker (a view would copy the whole bundle with every message).
  const relin = bundle.object(manifest.keys.relin, 'relin-keys')
  const galois = bundle.object(manifest.keys.galois, 'galois-keys')
  await Promise.all(
    Array.from({ length: pool.size }, (_, w) => {
      const keys = { relin: relin.slice(), galois: galois.slice() }
      return pool.send(w, { type: 'keys', parameters: manifest.parameters, ...keys }, [keys.relin.buffer, keys.galois.buffer])
    }),
  )
  signal?.throwIfAborted()
  const pairs: [number, number][] = []
  for (let i = 0; i < columns.length; i++) for (let j = i; j < columns.length; j++) pairs.push([i, j])
  const blocks = manifest.columns[indices[0] as number]!.ciphertexts.length
  const parts = Math.min(pool.size, blocks)
  const ranges = Array.from({ length: parts }, (_, part) => [Math.floor((part * blocks) / parts), Math.floor(((part + 1) * blocks) / parts)] as const)
  const phase1 = await Promise.all(
    ranges.map(([from, to], part) => {
      const blocksOf = indices.map((index) => manifest.columns[index]!.ciphertexts.slice(from, to).map((ref) => bundle.object(ref, 'ciphertext').slice()))
      return pool.send(part, { type: 'products', columns: blocksOf, pairs }, blocksOf.flat().map((bytes) => bytes.buffer))
    }),
  )
  signal?.throwIfAborted()
  const groups: Uint8Array[][] = [
    ...columns.map((_, c) => phase1.map((answer) => answer.sums?.[c] as Uint8Array)),
    ...pairs.map((_, p) => phase1.map((answer) => answer.products?.[p] as Uint8Array)),
  ]
  // Phase 2: contiguous slices of the groups, one per worker.
  const slices = Array.from({ length: pool.size }, (_, w) => groups.slice(Math.floor((w * groups.length) / pool.size), Math.floor(((w + 1) * groups.length) / pool.size)))
  const phase2 = await Promise.all(slices.map((slice, w) => (slice.length ? pool.send(w, { type: 'reduce', groups: slice }) : Promise.resolve({ reduced: [] as Uint8Array[] }))))
  const reduced = phase2.flatMap((answer) => answer.reduced ?? [])
  const steps = Math.log2(manifest.parameters.polyModulusDegree / 2)
  return {
    sums: reduced.slice(0, columns.length),
    products: reduced.slice(columns.length),
    pairs,
    operations: {
      multiply: pairs.length * blocks,
      add: pairs.length * (blocks - 1) + columns.length * (blocks - 1) + groups.length * (parts - 1 + steps),
      relinearize: pairs.length * parts,
      rescale: pairs.length * parts,
      rotate: groups.length * steps,
    },
  }
}
