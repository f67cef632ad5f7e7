// What `datavault publish` reads a file with for a pass that looks at each piece once (the
// profile and its SHA-256): two buffers in turn instead of a fresh one per read. A fresh 1 MiB
// buffer per read is fresh memory to fault in, and a gigabyte of them dropped one by one makes V8
// run a full collection every ~64 MiB (external memory pressure).
import { open } from 'node:fs/promises'

/** Options of {@link readFilePieces}. */
export type ReadFilePiecesParameters = {
  /** Bytes per read (default 1 MiB); the last piece may be shorter. */
  pieceSize?: number | undefined
  /** Aborting stops the reading (the generator throws the signal's reason). */
  signal?: AbortSignal | undefined
}

/**
 * Reads a file in pieces, one read ahead of the consumer, into two buffers in turn: a piece is
 * valid only until the consumer asks for the next one (then its buffer is read into again). For
 * consumers that are done with a piece when they ask for the next: `profileCsv` and a hash are;
 * a stream that queues pieces is not (give it `readFileChunks`, whose pieces are its to keep).
 *
 * @example
 * const digest = createHash('sha256')
 * for await (const piece of readFilePieces('big.csv')) digest.update(piece)
 */
export async function* readFilePieces(path: string, { pieceSize = 1 << 20, signal }: ReadFilePiecesParameters = {}): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted()
  const file = await open(path, 'r')
  const buffers = [new Uint8Array(pieceSize), new Uint8Array(pieceSize)] as const
  let turn = 0
  const read = async (buffer: Uint8Array) => {
    let filled = 0
    while (filled < pieceSize) {
      const { bytesRead } = await file.read(buffer, filled, pieceSize - filled, null)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    return buffer.subarray(0, filled)
  }
  let ahead: Promise<Uint8Array> | undefined
  try {
    let next = read(buffers[turn]!)
    ahead = next
    for (;;) {
      const piece = await next
      ahead = undefined
      if (piece.byteLength === 0) return
      signal?.throwIfAborted()
      if (piece.byteLength === pieceSize) {
        // The other buffer: the consumer was done with it when it asked for this piece.
        turn ^= 1
        next = read(buffers[turn]!)
        next.catch(() => undefined) // awaited above; left unawaited only when the consumer stops early
        ahead = next
      }
      yield piece
      if (piece.byteLength < pieceSize) return
    }
  } finally {
    // A read still in flight must end before the file closes under it.
    await ahead?.catch(() => undefined)
    await file.close()
  }
}
