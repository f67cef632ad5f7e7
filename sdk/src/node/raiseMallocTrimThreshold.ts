/** Size of the block that {@link raiseMallocTrimThreshold} has glibc map and unmap: just under glibc's 32 MiB cap. */
export const mallocThresholdProbeBytes = 32 * 1024 * 1024 - 64 * 1024

/**
 * Makes glibc's malloc keep freed envelope chunks mapped instead of handing them back to the kernel,
 * for the rest of the process. Call it once per process (the thresholds are the process's): a second
 * call raises nothing, and its block, now under the threshold, is zeroed in an arena instead. Best
 * on a thread whose arena is fresh: a free block of 32 MiB already in the arena would serve the
 * allocation instead of a new mapping, and nothing would be raised. `workerPoolEnvelopeCrypto` has
 * the first worker it starts in the process call it before it serves.
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
 * raiseMallocTrimThreshold() // once, before a stream of fresh 1 MiB buffers
 */
export function raiseMallocTrimThreshold(): void {
  new ArrayBuffer(mallocThresholdProbeBytes).transfer(0)
}
