import { createCipheriv } from 'node:crypto'

/** Size of the chunk that {@link raiseMallocTrimThreshold} has glibc map and unmap: just under glibc's 32 MiB cap. */
export const mallocThresholdProbeBytes = 32 * 1024 * 1024 - 64 * 1024

/**
 * Makes glibc's malloc keep freed envelope chunks mapped instead of handing them back to the kernel,
 * for the rest of the process. Called once by the first worker of `workerPoolEnvelopeCrypto`.
 *
 * Why: every node:crypto `cipher.update` (and every WebCrypto result) is a fresh allocation of the
 * chunk's size. The pool's ciphertext leaves its worker for the calling thread, whose V8 frees the
 * chunks only at its next major GC, about every 64 MB; by then glibc sees megabytes of free memory
 * at the top of the worker's arena, above `M_TRIM_THRESHOLD` (2 × `M_MMAP_THRESHOLD`: 256 KiB, or
 * 2 MiB once 1 MiB chunks have been seen) and returns it to the kernel, so the next chunks
 * page-fault it back in: 30–100 minor faults per MB, more CPU than the cipher. glibc raises both
 * thresholds by itself when a mapped chunk of up to 32 MiB is freed ("dynamic mmap threshold",
 * mallopt(3)); Node has no `mallopt`, so this frees one such chunk on purpose: a single AES-CTR
 * update over {@link mallocThresholdProbeBytes} zero bytes, whose scratch output Node allocates and
 * frees at once. After it, allocations up to 32 MiB come from the arenas and up to 64 MiB of free
 * top stays mapped per arena: memory stays bounded (the pool holds a few chunks), the process
 * just keeps that much more resident. Elsewhere than glibc it costs the one update and changes
 * nothing. About 20 ms, once.
 *
 * @example
 * raiseMallocTrimThreshold() // in a worker, before it serves chunks
 */
export function raiseMallocTrimThreshold(): void {
  const zeros = Buffer.alloc(mallocThresholdProbeBytes)
  // Node's update allocates len + 1 bytes (mapped: above the threshold), encrypts into them, copies
  // them into the returned buffer and frees the first at once: that free raises the thresholds.
  createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16)).update(zeros)
}
