// One HE worker thread: its own node-seal instance and SEAL context, the job's relinearization and
// Galois keys, and ciphertexts only. Nothing here can decrypt: no secret key ever reaches a worker.
// The context and the packing's monomial plaintexts are kept per parameter set, the keys per
// dataset (by their signed hash), across the tasks of a job and across jobs.
import { parentPort } from 'node:worker_threads'
import {
  type CkksContext,
  type HeMonomials,
  type HeParameters,
  checkHeObject,
  createCkksContext,
  heMonomials,
  hePackingLayout,
  heSlotCount,
  heYExponent,
  loadSeal,
  withSealScope,
} from '@datavault/sdk/he'
import type { Ciphertext, GaloisKeys, RelinKeys } from 'node-seal'
import type { HeOperationCounts, HeOperationMix, HeWorkerObject, HeWorkerPartial, HeWorkerRequest, HeWorkerResponse } from './protocol.ts'

const runtime = await loadSeal()
const { seal } = runtime
let context: { key: string; ckks: CkksContext; monomials: HeMonomials } | undefined
let keys: { id: string; relin: RelinKeys; galois: GaloisKeys } | undefined
/** The current job's partials of the groups this worker packs, between its two tasks. */
let job: { token: string; partials: Map<string, Ciphertext> } | undefined

const dropJob = () => {
  for (const ct of job?.partials.values() ?? []) ct.delete()
  job = undefined
}
const dropKeys = () => {
  keys?.relin.delete()
  keys?.galois.delete()
  keys = undefined
}

function contextFor(parameters: HeParameters) {
  const key = JSON.stringify(parameters)
  if (context?.key === key) return context
  dropJob()
  dropKeys()
  context?.monomials.delete()
  context?.ckks.delete()
  context = undefined
  const ckks = createCkksContext(runtime, parameters)
  try {
    context = { key, ckks, monomials: heMonomials(runtime, ckks) }
  } catch (error) {
    ckks.delete()
    throw error
  }
  return context
}

/** The signed hash and SEAL header of an object, checked before SEAL parses a byte of it. */
function verified({ bytes, sha256 }: HeWorkerObject, kind: 'ciphertext' | 'relin-keys' | 'galois-keys'): Uint8Array {
  checkHeObject(bytes, { bytes: bytes.byteLength, sha256 }, kind)
  return bytes
}

function setKeys(parameters: HeParameters, keyId: string, relinObject?: HeWorkerObject, galoisObject?: HeWorkerObject): boolean {
  const { ckks } = contextFor(parameters)
  if (keys?.id === keyId) return true
  if (!relinObject || !galoisObject) return false
  dropKeys()
  const relin = new seal.RelinKeys()
  const galois = new seal.GaloisKeys()
  try {
    relin.loadFromArray(ckks.context, verified(relinObject, 'relin-keys'))
    galois.loadFromArray(ckks.context, verified(galoisObject, 'galois-keys'))
  } catch (error) {
    relin.delete()
    galois.delete()
    throw error
  }
  keys = { id: keyId, relin, galois }
  return true
}

const save = (ct: { saveToArray(mode: unknown): unknown }) => ct.saveToArray(seal.ComprModeType.none) as Uint8Array
/** Operations by kind, and by kind/primes/size of their input (the keys the native reference runs). */
type Tally = { operations: HeOperationCounts; mix: HeOperationMix }
const tally = (): Tally => ({ operations: { multiply: 0, multiplyPlain: 0, add: 0, relinearize: 0, rescale: 0, modSwitch: 0, rotate: 0 }, mix: {} })
/** Counts one `kind` operation on `input`; call it before an in-place operation changes `input`. */
const count = ({ operations, mix }: Tally, kind: keyof HeOperationCounts, input: Ciphertext) => {
  operations[kind]++
  const key = `${kind}/${input.coeffModulusSize()}/${input.size()}`
  mix[key] = (mix[key] ?? 0) + 1
}

/**
 * Phase 1, this worker's rows: every term's partial (products x_a · (x_b + J x_(b+1)) added over the
 * blocks, relinearized and rescaled once; sums x_c + J x_(c+1) added, one prime dropped). Keeps the
 * partials of its own groups; returns the others'.
 */
function products(request: Extract<HeWorkerRequest, { type: 'products' }>) {
  const current = context
  if (!current || !keys) throw new Error('HE worker has no keys')
  const { ckks, monomials } = current
  const { relin } = keys
  const { context: sealContext, evaluator } = ckks
  const layout = hePackingLayout(request.columns, request.packing)
  if (request.blocks.length !== request.columns) throw new Error('HE worker: one run of ciphertexts per column')
  const blocks = request.blocks[0]?.length ?? 0
  const counted = tally()
  dropJob()
  const kept = new Map<string, Ciphertext>()
  job = { token: request.token, partials: kept }
  const partials = withSealScope((scope) => {
    const top = ckks.parameters.coeffModulusBits.length - 1
    const j = monomials.j(top)
    const productSums = layout.productTerms.map(() => scope.track(new seal.Ciphertext()))
    const columnSums = Array.from({ length: request.columns }, () => scope.track(new seal.Ciphertext()))
    const x = Array.from({ length: request.columns }, () => scope.track(new seal.Ciphertext()))
    const z = Array.from({ length: request.columns }, () => scope.track(new seal.Ciphertext()))
    const product = scope.track(new seal.Ciphertext())
    const paired = new Set<number>()
    for (const term of layout.productTerms) if (term.rightNext !== null) paired.add(term.right)
    for (let k = 0; k < blocks; k++) {
      for (let c = 0; c < request.columns; c++) {
        const ct = x[c] as Ciphertext
        ct.loadFromArray(sealContext, verified(request.blocks[c]?.[k] as HeWorkerObject, 'ciphertext'))
        if (ct.size() !== 2 || ct.coeffModulusSize() !== top) throw new Error('HE ciphertext at an unexpected level')
        if (k === 0) (columnSums[c] as Ciphertext).assign(ct)
        else {
          count(counted, 'add', ct)
          evaluator.add(columnSums[c] as Ciphertext, ct, columnSums[c] as Ciphertext)
        }
      }
      // x_b + J x_(b+1), once per block for every b a term pairs.
      for (const b of paired) {
        count(counted, 'multiplyPlain', x[b + 1] as Ciphertext)
        evaluator.multiplyPlain(x[b + 1] as Ciphertext, j, z[b] as Ciphertext)
        count(counted, 'add', x[b] as Ciphertext)
        evaluator.add(z[b] as Ciphertext, x[b] as Ciphertext, z[b] as Ciphertext)
      }
      for (const [t, term] of layout.productTerms.entries()) {
        const right = (term.rightNext === null ? x[term.right] : z[term.right]) as Ciphertext
        // Size-3 products add up; one relinearization per term instead of one per product.
        count(counted, 'multiply', right)
        if (k === 0) evaluator.multiply(x[term.left] as Ciphertext, right, productSums[t] as Ciphertext)
        else {
          evaluator.multiply(x[term.left] as Ciphertext, right, product)
          count(counted, 'add', product)
          evaluator.add(productSums[t] as Ciphertext, product, productSums[t] as Ciphertext)
        }
      }
    }
    for (const ct of productSums) {
      count(counted, 'relinearize', ct)
      evaluator.relinearizeInplace(ct, relin)
      count(counted, 'rescale', ct)
      evaluator.rescaleToNextInplace(ct)
    }
    const sumTerms = layout.sumTerms.map((term) => {
      const ct = scope.track(new seal.Ciphertext())
      if (term.columnNext === null) ct.assign(columnSums[term.column] as Ciphertext)
      else {
        count(counted, 'multiplyPlain', columnSums[term.columnNext] as Ciphertext)
        evaluator.multiplyPlain(columnSums[term.columnNext] as Ciphertext, j, ct)
        count(counted, 'add', ct)
        evaluator.add(ct, columnSums[term.column] as Ciphertext, ct)
      }
      // Down to the products' level (no rescale: the scale stays): its rotations cost a third less.
      count(counted, 'modSwitch', ct)
      evaluator.cipherModSwitchToNextInplace(ct)
      return ct
    })
    const out: HeWorkerPartial[] = []
    for (const [g, group] of layout.groups.entries())
      for (const [position, index] of group.terms.entries()) {
        const ct = (group.kind === 'products' ? productSums[index] : sumTerms[index]) as Ciphertext
        if (request.owners[g] === request.self) kept.set(`${g}:${position}`, scope.keep(ct))
        else out.push({ group: g, position, bytes: save(ct) })
      }
    return out
  })
  return { partials, ...counted }
}

/**
 * Phase 2, this worker's groups: each term's partials added, folded (rotate-and-sum by 1, 2, …,
 * 2^(s−1)), multiplied by Y^position and added into the group, which then gets the remaining steps
 * (2^s, …, slots/2). Each packed ciphertext holds 2^(s+1) totals on the coefficients of Y.
 */
function pack({ columns, packing, owners, self, token, partials: received }: Extract<HeWorkerRequest, { type: 'pack' }>) {
  const current = context
  if (!current || !keys) throw new Error('HE worker has no keys')
  const { ckks, monomials } = current
  const { galois } = keys
  const { context: sealContext, evaluator } = ckks
  // A worker that had no rows (fewer blocks than workers) has no partials of its own.
  if (job && job.token !== token) dropJob()
  const partials = job?.partials ?? new Map<string, Ciphertext>()
  const layout = hePackingLayout(columns, packing)
  const counted = tally()
  const slots = heSlotCount(ckks.parameters)
  const fold = 2 ** packing.foldSteps
  try {
    const packed = withSealScope((scope) => {
      const part = scope.track(new seal.Ciphertext())
      const rotated = scope.track(new seal.Ciphertext())
      const out: { group: number; bytes: Uint8Array }[] = []
      for (const [g, group] of layout.groups.entries()) {
        if (owners[g] !== self) continue
        const total = scope.track(new seal.Ciphertext())
        for (const position of group.terms.keys()) {
          // Taken out of the job before use: whatever is left there is deleted with the job.
          let term = partials.get(`${g}:${position}`)
          partials.delete(`${g}:${position}`)
          if (term) scope.track(term)
          for (const entry of received) {
            if (entry.group !== g || entry.position !== position) continue
            part.loadFromArray(sealContext, entry.bytes)
            if (part.size() !== 2) throw new Error('HE partial of an unexpected size')
            if (!term) {
              term = scope.track(new seal.Ciphertext())
              term.assign(part)
            } else {
              count(counted, 'add', part)
              evaluator.add(term, part, term)
            }
          }
          if (!term) throw new Error('HE worker: a term has no partial')
          for (let step = 1; step < fold; step *= 2) {
            count(counted, 'rotate', term)
            evaluator.rotateVector(term, step, galois, rotated)
            count(counted, 'add', term)
            evaluator.add(term, rotated, term)
          }
          if (position === 0) total.assign(term)
          else {
            count(counted, 'multiplyPlain', term)
            evaluator.multiplyPlain(term, monomials.get(heYExponent(ckks.parameters.polyModulusDegree, packing.foldSteps, position), term.coeffModulusSize()), rotated)
            count(counted, 'add', total)
            evaluator.add(total, rotated, total)
          }
          scope.free(term)
        }
        for (let step = fold; step < slots; step *= 2) {
          count(counted, 'rotate', total)
          evaluator.rotateVector(total, step, galois, rotated)
          count(counted, 'add', total)
          evaluator.add(total, rotated, total)
        }
        out.push({ group: g, bytes: save(total) })
        scope.free(total)
      }
      return out
    })
    return { packed, ...counted }
  } finally {
    dropJob()
  }
}

parentPort?.on('message', (request: HeWorkerRequest) => {
  let response: HeWorkerResponse
  try {
    switch (request.type) {
      case 'keys':
        response = { id: request.id, ok: true, keysCached: setKeys(request.parameters, request.keyId, request.relin, request.galois) }
        break
      case 'products':
        response = { id: request.id, ok: true, ...products(request) }
        break
      case 'pack':
        response = { id: request.id, ok: true, ...pack(request) }
        break
      case 'heap':
        response = { id: request.id, ok: true, heapBytes: runtime.heapBytes() }
        break
    }
  } catch (error) {
    if (request.type !== 'heap') dropJob()
    response = { id: request.id, ok: false, error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) } }
  }
  // SEAL's saveToArray returns a fresh array with its own buffer (not a view of the WASM heap), so
  // results move to the main thread instead of being copied.
  const buffers = response.ok ? [...(response.partials ?? []), ...(response.packed ?? [])].map((entry) => entry.bytes.buffer as ArrayBuffer) : []
  parentPort?.postMessage(response, buffers.filter((buffer, index) => buffers.indexOf(buffer) === index))
})
parentPort?.postMessage({ id: 0, ok: true })
