import type { HeParameters } from '@datavault/sdk/he'

/** A message to an HE worker thread. Every SEAL object travels serialized (SEAL's own format). */
export type HeWorkerRequest =
  | { id: number; type: 'keys'; parameters: HeParameters; relin: Uint8Array; galois: Uint8Array }
  | {
      id: number
      type: 'products'
      /** Per column, the same run of ciphertexts (rows k·slots … of each column). */
      columns: Uint8Array[][]
      /** Column index pairs (i ≤ j) whose row-wise products to sum. */
      pairs: [number, number][]
    }
  | { id: number; type: 'reduce'; groups: Uint8Array[][] }
  | { id: number; type: 'heap' }

/** A worker's answer. */
export type HeWorkerResponse =
  | { id: number; ok: true; products?: Uint8Array[]; sums?: Uint8Array[]; reduced?: Uint8Array[]; heapBytes?: number }
  | { id: number; ok: false; error: { name: string; message: string } }
