// The IPFS add's chunker: cuts an upload into the fixed-size blocks of a UnixFS file, as the
// importer's own `fixedSize` chunker does, but into a few block buffers used again and again
// instead of a fresh one per block. A fresh 1 MiB buffer per block is fresh memory for the
// process to fault in, and a gigabyte of them dropped one by one makes V8 run a full collection
// every ~64 MiB of them (external memory pressure): measured here, most of an upload's CPU.

/** The importer's chunker: bytes in, blocks out. */
export type Chunker = (source: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>

/** A chunker that reuses its block buffers, and what tells it a block is done with. */
export type BlockChunker = {
  chunker: Chunker
  /**
   * Called once the block `block` (one the chunker yielded) is stored: its buffer may be filled
   * again. A block never released keeps its buffer to itself (the chunker takes another).
   */
  release(block: Uint8Array): void
}

/**
 * Creates a chunker of `blockSize`-byte blocks (the last one shorter; an empty input gives one
 * empty block, as `fixedSize` does) that fills a buffer again only after {@link BlockChunker.release}
 * said the block in it was stored, and allocates a new one whenever none is free (at most `keep`
 * are kept for reuse). What it yields is the same bytes, cut at the same places, as the
 * importer's `fixedSize({ chunkSize: blockSize })`, so the CIDs are the same.
 *
 * @example
 * const { chunker, release } = createBlockChunker(1 << 20)
 * const blockstore = { ...blocks, put: async (cid, block) => { try { return await blocks.put(cid, block) } finally { release(block) } } }
 * await unixfs({ blockstore }).addByteStream(source, { chunker })
 */
export function createBlockChunker(blockSize: number, { keep = 4 }: { keep?: number } = {}): BlockChunker {
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize must be a positive integer, got ${blockSize}`)
  const free: ArrayBuffer[] = []
  // Buffers handed out in a block and not yet released.
  const out = new Set<ArrayBufferLike>()
  const take = (): Uint8Array<ArrayBuffer> => {
    const buffer = free.pop()
    return buffer === undefined ? new Uint8Array(blockSize) : new Uint8Array(buffer)
  }
  return {
    release(block) {
      if (!out.delete(block.buffer)) return
      if (free.length < keep) free.push(block.buffer as ArrayBuffer)
    },
    async *chunker(source) {
      let block = take()
      let filled = 0
      let emitted = false
      const hand = (bytes: Uint8Array) => {
        out.add(bytes.buffer)
        emitted = true
        return bytes
      }
      for await (const piece of source) {
        let at = 0
        while (at < piece.byteLength) {
          const count = Math.min(blockSize - filled, piece.byteLength - at)
          block.set(count === piece.byteLength ? piece : piece.subarray(at, at + count), filled)
          filled += count
          at += count
          if (filled === blockSize) {
            yield hand(block)
            block = take()
            filled = 0
          }
        }
      }
      if (!emitted || filled > 0) yield hand(block.subarray(0, filled))
    },
  }
}
