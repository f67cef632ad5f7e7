// One HE worker thread: its own node-seal instance and SEAL context, the job's relinearization and
// Galois keys, and ciphertexts only. Nothing here can decrypt: no secret key ever reaches a worker.
import { parentPort } from 'node:worker_threads'
import { type CkksContext, type HeParameters, createCkksContext, heRotationSteps, loadSeal, withSealScope } from '@datavault/sdk/he'
import type { GaloisKeys, RelinKeys } from 'node-seal'
import type { HeWorkerRequest, HeWorkerResponse } from './protocol.ts'

const runtime = await loadSeal()
const { seal } = runtime
let state: { key: string; ckks: CkksContext; relin: RelinKeys; galois: GaloisKeys } | undefined

const dropState = () => {
  state?.relin.delete()
  state?.galois.delete()
  state?.ckks.delete()
  state = undefined
}

function setKeys(parameters: HeParameters, relinBytes: Uint8Array, galoisBytes: Uint8Array) {
  dropState()
  const ckks = createCkksContext(runtime, parameters)
  const relin = new seal.RelinKeys()
  const galois = new seal.GaloisKeys()
  try {
    relin.loadFromArray(ckks.context, relinBytes)
    galois.loadFromArray(ckks.context, galoisBytes)
  } catch (error) {
    relin.delete()
    galois.delete()
    ckks.delete()
    throw error
  }
  state = { key: JSON.stringify(parameters), ckks, relin, galois }
}

const save = (ct: { saveToArray(mode: unknown): unknown }) => ct.saveToArray(seal.ComprModeType.none) as Uint8Array

/** Σ_k a_k ⊙ b_k for each pair (relinearized once, rescaled once) and Σ_k a_k for each column. */
function products(columns: Uint8Array[][], pairs: [number, number][]) {
  const current = state
  if (!current) throw new Error('HE worker has no keys')
  const { ckks, relin } = current
  const { context, evaluator } = ckks
  return withSealScope((scope) => {
    const loaded = columns.map((chunks) =>
      chunks.map((bytes) => {
        const ct = scope.track(new seal.Ciphertext())
        ct.loadFromArray(context, bytes)
        if (ct.size() !== 2 || ct.coeffModulusSize() !== ckks.parameters.coeffModulusBits.length - 1) throw new Error('HE ciphertext at an unexpected level')
        return ct
      }),
    )
    const product = scope.track(new seal.Ciphertext())
    const accumulator = scope.track(new seal.Ciphertext())
    const out: Uint8Array[] = []
    for (const [i, j] of pairs) {
      const a = loaded[i] as import('node-seal').Ciphertext[]
      const b = loaded[j] as import('node-seal').Ciphertext[]
      for (let k = 0; k < a.length; k++) {
        // Size-3 products add up; one relinearization per pair instead of one per product.
        if (k === 0) evaluator.multiply(a[k]!, b[k]!, accumulator)
        else {
          evaluator.multiply(a[k]!, b[k]!, product)
          evaluator.add(accumulator, product, accumulator)
        }
      }
      evaluator.relinearizeInplace(accumulator, relin)
      evaluator.rescaleToNextInplace(accumulator)
      out.push(save(accumulator))
    }
    const sums = loaded.map((chunks) => {
      const sum = scope.track(new seal.Ciphertext())
      sum.assign(chunks[0]!)
      for (let k = 1; k < chunks.length; k++) evaluator.add(sum, chunks[k]!, sum)
      // Down to the products' level (no rescale: the scale stays): its rotations cost a third less.
      evaluator.cipherModSwitchToNextInplace(sum)
      return save(sum)
    })
    return { products: out, sums }
  })
}

/** Each group: its partial ciphertexts added, then rotate-and-summed so every slot holds the total. */
function reduce(groups: Uint8Array[][]) {
  const current = state
  if (!current) throw new Error('HE worker has no keys')
  const { ckks, galois } = current
  const { context, evaluator } = ckks
  const steps = heRotationSteps(ckks.parameters)
  return withSealScope((scope) => {
    const total = scope.track(new seal.Ciphertext())
    const part = scope.track(new seal.Ciphertext())
    const rotated = scope.track(new seal.Ciphertext())
    return groups.map((partials) => {
      total.loadFromArray(context, partials[0]!)
      for (let k = 1; k < partials.length; k++) {
        part.loadFromArray(context, partials[k]!)
        evaluator.add(total, part, total)
      }
      for (const step of steps) {
        evaluator.rotateVector(total, step, galois, rotated)
        evaluator.add(total, rotated, total)
      }
      return save(total)
    })
  })
}

parentPort?.on('message', (request: HeWorkerRequest) => {
  let response: HeWorkerResponse
  try {
    switch (request.type) {
      case 'keys':
        setKeys(request.parameters, request.relin, request.galois)
        response = { id: request.id, ok: true }
        break
      case 'products':
        response = { id: request.id, ok: true, ...products(request.columns, request.pairs) }
        break
      case 'reduce':
        response = { id: request.id, ok: true, reduced: reduce(request.groups) }
        break
      case 'heap':
        response = { id: request.id, ok: true, heapBytes: runtime.heapBytes() }
        break
    }
  } catch (error) {
    response = { id: request.id, ok: false, error: { name: (error as Error)?.name ?? 'Error', message: (error as Error)?.message ?? String(error) } }
  }
  // SEAL's saveToArray returns a fresh array with its own buffer (not a view of the WASM heap), so
  // results move to the main thread instead of being copied.
  const buffers = response.ok ? [...(response.products ?? []), ...(response.sums ?? []), ...(response.reduced ?? [])].map((bytes) => bytes.buffer as ArrayBuffer) : []
  parentPort?.postMessage(response, buffers.filter((buffer, index) => buffers.indexOf(buffer) === index))
})
parentPort?.postMessage({ id: 0, ok: true })
