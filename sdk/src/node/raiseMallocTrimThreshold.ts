import { isMainThread } from 'node:worker_threads'

/** Size of the block that {@link raiseMallocTrimThreshold} has glibc map and unmap: just under glibc's 32 MiB cap. */
export const mallocThresholdProbeBytes = 32 * 1024 * 1024 - 64 * 1024

// glibc's thresholds are the process's state, so this flag is too: a second raise would not raise
// them further, and its block (now below the threshold) would be zeroed in an arena instead.
let raised = false

/**
 * Makes glibc's malloc keep freed envelope chunks mapped instead of handing them back to the kernel,
 * for the rest of the process. Called by `workerPoolEnvelopeCrypto` when a pool is made; does
 * something once per process, on its main thread (the thresholds are shared by every thread).
 *
 * Why: every node:crypto `cipher.update` (and every WebCrypto result) is a fresh allocation of the
 * chunk's size. The pool's ciphertext leaves its worker for the calling thread, whose V8 frees the
 * chunks only at its next major GC, about every 64 MB; by then glibc sees megabytes of free memory
 * at the top of the worker's arena, above `M_TRIM_THRESHOLD` (128 KiB, or 2 MiB once a 1 MiB chunk
 * was mapped and freed) and returns it to the kernel, so the next chunks page-fault it back in:
 * 30–100 minor faults per MB, more CPU than the cipher. glibc raises `M_MMAP_THRESHOLD` to the
 * size of a freed mapped block of up to 32 MiB, and `M_TRIM_THRESHOLD` to twice that ("dynamic
 * mmap threshold", mallopt(3)); Node has no `mallopt`, so this frees one such block on purpose: a
 * zeroed ArrayBuffer of {@link mallocThresholdProbeBytes} is mapped by calloc, untouched, and
 * unmapped at once by `transfer(0)` (microseconds, no page touched). From then on, blocks up to
 * 32 MiB come from the arenas and up to 64 MiB of free memory stays mapped per arena: resident
 * memory stays bounded (the pool holds a few chunks), the process just keeps that much more of it.
 * Elsewhere than glibc the block is only allocated and freed.
 *
 * @example
 * raiseMallocTrimThreshold() // before a stream of fresh 1 MiB buffers
 */
export function raiseMallocTrimThreshold(): void {
  if (raised || !isMainThread) return
  raised = true
  new ArrayBuffer(mallocThresholdProbeBytes).transfer(0)
}
