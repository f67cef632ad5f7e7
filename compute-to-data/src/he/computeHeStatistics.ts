import { randomUUID } from 'node:crypto'
import { type HePacking, HeArgumentError, type OpenedHeBundle, heDefaultPacking, hePackingLayout, heSlotCount } from '@datavault/sdk/he'
import type { HeWorkerPool } from './heWorkerPool.ts'
import type { HeOperationCounts, HeOperationMix, HeWorkerPartial } from './protocol.ts'

export type ComputeHeStatisticsParameters = {
  bundle: OpenedHeBundle
  /** Columns (by name) whose sums and pairwise products to compute, in this order. */
  columns: string[]
  /** How the totals are packed into result ciphertexts (`heDefaultPacking` unless set). */
  packing?: HePacking | undefined
  signal?: AbortSignal | undefined
}

/** Encrypted sufficient statistics, packed: the key holder reads every total from `results` with `packing`'s layout. */
export type HeStatistics = {
  /**
   * One ciphertext per group of `hePackingLayout(columns.length, packing)`: the columns' sums
   * (Σ x_i) and Σ x_i x_j for i ≤ j, each total on its own coefficients of Y, every slot holding
   * a linear combination of totals only.
   */
  results: Uint8Array[]
  packing: HePacking
  /** SEAL operations done by the workers, for the bench's cost model. */
  operations: HeOperationCounts
  /** The same operations by `kind/primes/size` (the native reference's keys). */
  mix: HeOperationMix
}

/**
 * Computes, on ciphertexts only, every column's sum and every pair's inner product (XᵀX with the
 * label among the columns gives Xᵀy and yᵀy too), packed (see `sdk/src/he/packing.ts`). Phase 1
 * splits the row blocks across the pool: each worker computes x_a · (x_b + J x_(b+1)) for every
 * term of the layout, adds its blocks' size-3 products, relinearizes and rescales once per term.
 * Phase 2 gives each packed group to one worker, which adds the other workers' partials, folds,
 * packs and finishes the rotate-and-sum. The keys load once per worker and dataset; every object
 * is checked against its signed SHA-256 (by the worker) before SEAL parses it.
 *
 * @example
 * const stats = await computeHeStatistics(pool, { bundle, columns: ['age', 'bmi', 'charges'] })
 */
export async function computeHeStatistics(pool: HeWorkerPool, { bundle, columns, packing = heDefaultPacking, signal }: ComputeHeStatisticsParameters): Promise<HeStatistics> {
  const { manifest } = bundle
  const indices = columns.map((name) => {
    const index = manifest.columns.findIndex((column) => column.name === name)
    if (index === -1) throw new HeArgumentError(`The HE dataset has no encrypted column ${name}.`)
    return index
  })
  const layout = hePackingLayout(columns.length, packing)
  const steps = Math.log2(heSlotCount(manifest.parameters))
  if (packing.foldSteps >= steps) throw new HeArgumentError(`At most ${steps - 1} fold steps at these parameters.`)
  // The keys, to the workers that do not hold this dataset's yet. Objects are hashed by the worker.
  // A bundle in a SharedArrayBuffer (the vault reads it into one) is shared with the workers, not
  // copied; otherwise each object travels as a copy of its own (a view would copy the whole bundle
  // with every message), moved to the worker.
  const copy = (ref: { bytes: number; sha256: string; offset: number }, kind: Parameters<OpenedHeBundle['unchecked']>[1]) => {
    const view = bundle.unchecked(ref, kind)
    return { bytes: view.buffer instanceof SharedArrayBuffer ? view : view.slice(), sha256: ref.sha256 }
  }
  const movable = (objects: { bytes: Uint8Array }[]) => objects.map((object) => object.bytes.buffer).filter((buffer): buffer is ArrayBuffer => buffer instanceof ArrayBuffer)
  const keyId = `${manifest.keys.relin.sha256}:${manifest.keys.galois.sha256}`
  await Promise.all(
    Array.from({ length: pool.size }, async (_, w) => {
      const held = await pool.send(w, { type: 'keys', parameters: manifest.parameters, keyId })
      if (held.keysCached) return
      const relin = copy(manifest.keys.relin, 'relin-keys')
      const galois = copy(manifest.keys.galois, 'galois-keys')
      await pool.send(w, { type: 'keys', parameters: manifest.parameters, keyId, relin, galois }, movable([relin, galois]))
    }),
  )
  signal?.throwIfAborted()
  const blocks = manifest.columns[indices[0] as number]!.ciphertexts.length
  const parts = Math.min(pool.size, blocks)
  // Groups to workers, the costliest first to the least loaded (cost: its rotations).
  const load = new Array<number>(pool.size).fill(0)
  const owners = new Array<number>(layout.groups.length).fill(0)
  const order = layout.groups.map((group, g) => [g, group.terms.length * packing.foldSteps + steps - packing.foldSteps] as const).sort((a, b) => b[1] - a[1])
  for (const [g, cost] of order) {
    const w = load.indexOf(Math.min(...load))
    owners[g] = w
    load[w] = (load[w] as number) + cost
  }
  const token = randomUUID()
  const phase1 = await Promise.all(
    Array.from({ length: parts }, (_, part) => {
      const from = Math.floor((part * blocks) / parts)
      const to = Math.floor(((part + 1) * blocks) / parts)
      const runs = indices.map((index) => manifest.columns[index]!.ciphertexts.slice(from, to).map((ref) => copy(ref, 'ciphertext')))
      return pool.send(part, { type: 'products', columns: columns.length, packing, blocks: runs, owners, self: part, token }, movable(runs.flat()))
    }),
  )
  signal?.throwIfAborted()
  const partials = phase1.flatMap((answer) => answer.partials ?? [])
  const forWorker = (w: number) => partials.filter((partial) => owners[partial.group] === w)
  const phase2 = await Promise.all(
    Array.from({ length: pool.size }, (_, w) => {
      if (!owners.includes(w)) return Promise.resolve({ packed: [] as { group: number; bytes: Uint8Array }[], operations: undefined, mix: undefined })
      const mine: HeWorkerPartial[] = forWorker(w)
      return pool.send(w, { type: 'pack', columns: columns.length, packing, owners, self: w, token, partials: mine }, mine.map((partial) => partial.bytes.buffer as ArrayBuffer))
    }),
  )
  const results = new Array<Uint8Array>(layout.groups.length)
  for (const answer of phase2) for (const { group, bytes } of answer.packed ?? []) results[group] = bytes
  if (results.some((result) => result === undefined) || results.length !== layout.groups.length) throw new HeArgumentError('A packed group is missing from the workers\' answers.')
  const operations: HeOperationCounts = { multiply: 0, multiplyPlain: 0, add: 0, relinearize: 0, rescale: 0, modSwitch: 0, rotate: 0 }
  for (const answer of [...phase1, ...phase2])
    for (const [kind, count] of Object.entries(answer.operations ?? {})) operations[kind as keyof HeOperationCounts] += count
  const mix: HeOperationMix = {}
  for (const answer of [...phase1, ...phase2]) for (const [key, count] of Object.entries(answer.mix ?? {})) mix[key] = (mix[key] ?? 0) + count
  return { results, packing, operations, mix }
}
