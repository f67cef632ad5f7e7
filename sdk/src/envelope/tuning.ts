// Numbers chosen by measurement (scripts/bench/encryption.ts); FORMAT.md records the results.

/** Default plaintext bytes per chunk: 1 MiB. */
export const defaultChunkSize = 1024 * 1024

/**
 * Chunks handed to the cipher before the oldest result is awaited. WebCrypto runs AES-GCM on
 * worker threads, so reading and framing the next chunks overlaps encrypting the current ones (and
 * on a machine with more cores, chunks are encrypted in parallel). Depth 2, 4 and 8 measured alike
 * on two cores; 4 leaves room for more cores at a few MiB of memory.
 */
export const maxChunksInFlight = 4

/**
 * Chunks a worker pool asks streams to keep in flight per worker (`EnvelopeCrypto.chunksInFlight`):
 * 8 for two workers. With 4 in all, two workers each had about half a millisecond of work queued
 * when the calling thread stopped for a major GC (several milliseconds, one per 64 MB of output).
 */
export const poolChunksInFlightPerWorker = 4

/** On an authentication failure, counters this far either side of the expected one are tried. */
export const reorderWindow = 8
