// Numbers chosen by measurement (scripts/bench/encryption.ts); FORMAT.md records the results.

/** Default plaintext bytes per chunk: 1 MiB. */
export const defaultChunkSize = 1024 * 1024

/**
 * Chunks handed to WebCrypto before the oldest result is awaited. WebCrypto runs AES-GCM off the
 * main thread, so reading and framing the next chunks overlaps encrypting the current ones.
 */
export const maxChunksInFlight = 4

/** On an authentication failure, counters this far either side of the expected one are tried. */
export const reorderWindow = 8
