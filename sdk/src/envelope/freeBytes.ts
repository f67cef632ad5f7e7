/**
 * Frees the memory behind `bytes` now instead of at V8's next full collection, when `bytes` is the
 * whole of an `ArrayBuffer` of its own (as every chunk an envelope stream hands out is, and every
 * piece of a request body Node's HTTP parser gives); returns whether it did. It detaches the buffer: every view of it
 * reads as empty afterwards. So only the holder of the last reference may call it, once it is done
 * with the bytes (its file write resolved, its socket sent them).
 *
 * Why: a stream of fresh 1 MiB results (node:crypto's `cipher.update`, WebCrypto, a worker's
 * transferred chunk) left to the collector costs more than the AES that made them: the memory is
 * freed in bulk at a full collection about every 64 MB, so each new chunk is cold or freshly mapped
 * and page-faulted in. Freed at once, malloc hands the same warm memory to the next chunk
 * (`node scripts/bench/encryption.ts`: one thread 0.75–1.3 → 0.13–0.26 ms of CPU per MB).
 *
 * @example
 * for await (const chunk of envelope) {
 *   await file.write(chunk)
 *   freeBytes(chunk)
 * }
 */
export function freeBytes(bytes: Uint8Array): boolean {
  const { buffer } = bytes
  // `transfer` is ES2024 (Node 22, Chromium 114, Firefox 122, Safari 17.4): without it, left to the collector.
  if (!(buffer instanceof ArrayBuffer) || typeof buffer.transfer !== 'function' || buffer.detached || buffer.resizable) return false
  if (bytes.byteOffset !== 0 || bytes.byteLength !== buffer.byteLength) return false
  buffer.transfer(0)
  return true
}
