import type { HePacking, HeParameters } from '@datavault/sdk/he'

/** A SEAL object as the owner signed it: its bytes and their SHA-256, checked by the worker before SEAL parses them. */
export type HeWorkerObject = { bytes: Uint8Array; sha256: string }

/** SEAL operations a worker did, by kind (the bench prices them at native SEAL's costs). */
export type HeOperationCounts = {
  multiply: number
  multiplyPlain: number
  add: number
  relinearize: number
  rescale: number
  /** Dropping a prime without rescaling (the sums): no NTT, a copy. */
  modSwitch: number
  rotate: number
}

/**
 * The same operations by `kind/primes/size`: the kind, the data primes of its input ciphertext (its
 * level) and that ciphertext's size (3: an unrelinearized product). The native SEAL reference
 * (`scripts/bench/native-seal/`) runs exactly these.
 */
export type HeOperationMix = Record<string, number>

/** A term's partial (its rows of one worker), for the worker that packs its group. */
export type HeWorkerPartial = { group: number; position: number; bytes: Uint8Array }

/** A message to an HE worker thread. Every SEAL object travels serialized (SEAL's own format). */
export type HeWorkerRequest =
  /** The job's evaluation keys: without `relin`/`galois`, answers whether it holds `keyId`'s already. */
  | { id: number; type: 'keys'; parameters: HeParameters; keyId: string; relin?: HeWorkerObject; galois?: HeWorkerObject }
  | {
      id: number
      type: 'products'
      /** Columns of the job (d) and the packing: the layout (`hePackingLayout`) names every term. */
      columns: number
      packing: HePacking
      /** Per column, the same run of ciphertexts (rows k·slots … of each column). */
      blocks: HeWorkerObject[][]
      /** The worker that packs each group; this worker keeps its own groups' partials. */
      owners: number[]
      self: number
      /** Names this computation: phase 2 uses only the partials phase 1 kept under the same token. */
      token: string
    }
  /** Packs this worker's groups (`owners[g] === self`) from its own partials, if it had rows, and `partials` from the other workers. */
  | { id: number; type: 'pack'; columns: number; packing: HePacking; owners: number[]; self: number; token: string; partials: HeWorkerPartial[] }
  | { id: number; type: 'heap' }

/** A worker's answer. */
export type HeWorkerResponse =
  | {
      id: number
      ok: true
      keysCached?: boolean
      /** Phase 1: the partials of terms other workers pack. */
      partials?: HeWorkerPartial[]
      /** Phase 2: this worker's packed groups. */
      packed?: { group: number; bytes: Uint8Array }[]
      operations?: HeOperationCounts
      mix?: HeOperationMix
      heapBytes?: number
    }
  | { id: number; ok: false; error: { name: string; message: string } }
