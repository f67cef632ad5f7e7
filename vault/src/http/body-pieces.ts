// A streamed request body, piece by piece as the HTTP parser hands them over. Iterating a
// Readable with `for await` calls `read()`, which joins every piece buffered since the last call
// into one fresh buffer: behind a block write, most of an upload was copied once more that way,
// and every fresh buffer is external memory that only V8's full collections free in a process
// whose JavaScript allocates little (measured in the node during a 256 MiB upload: a full
// collection every ~100 ms, a third of its main thread).
import type { Readable } from 'node:stream'

/** Options of {@link bodyPieces}. */
export type BodyPiecesParameters = {
  /** Bytes held unread before the body is paused (default 1 MiB): the read-ahead behind a slow consumer. */
  highWaterMark?: number | undefined
  /**
   * Free each piece's memory when the consumer asks for the next one (default false): for a
   * consumer that is done with a piece by then and keeps no reference to it (`Storage.add`
   * copies each into its blocks). The parser gives every piece a fresh buffer of its own; left to
   * V8, a process whose JavaScript allocates little frees them only at full collections started
   * for their external memory (freeing them here took a third off the IPFS add's CPU).
   */
  freeOnNext?: boolean | undefined
}

/** Frees a piece that spans a whole, unshared buffer (one the parser made for it alone); leaves any other alone. */
function free(piece: Uint8Array): void {
  const buffer = piece.buffer
  if (piece.byteOffset !== 0 || piece.byteLength !== buffer.byteLength || !(buffer instanceof ArrayBuffer) || buffer.detached) return
  buffer.transfer(0)
}

/**
 * Yields a readable byte stream's pieces as they arrive, never joined or copied, reading ahead up
 * to `highWaterMark` bytes while the consumer is busy (then the stream is paused, and resumed
 * once the consumer caught up). Throws the stream's error, or an error when it closes before
 * its end (a dropped connection). A consumer that stops early destroys the stream, as
 * `for await` over it does. With `freeOnNext`, a piece is valid only until the next is asked for.
 *
 * @example
 * const { cid } = await storage.add(bodyPieces(ctx.req), { maxBytes })
 */
export async function* bodyPieces(stream: Readable, { highWaterMark = 1 << 20, freeOnNext = false }: BodyPiecesParameters = {}): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = []
  let head = 0
  let queued = 0
  let ended = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    const waiting = wake
    wake = undefined
    waiting?.()
  }
  const onData = (piece: Uint8Array) => {
    queue.push(piece)
    queued += piece.byteLength
    if (queued >= highWaterMark) stream.pause()
    notify()
  }
  const onEnd = () => {
    ended = true
    notify()
  }
  const onError = (error: unknown) => {
    failure ??= { error }
    notify()
  }
  const onClose = () => {
    if (!ended) failure ??= { error: Object.assign(new Error('The request body was cut off before its end.'), { code: 'ECONNRESET' }) }
    notify()
  }
  stream.on('data', onData)
  stream.once('end', onEnd)
  stream.on('error', onError)
  stream.once('close', onClose)
  try {
    for (;;) {
      if (head < queue.length) {
        const piece = queue[head]!
        queue[head++] = undefined as unknown as Uint8Array
        if (head === queue.length) {
          queue.length = 0
          head = 0
        }
        queued -= piece.byteLength
        if (queued < highWaterMark && stream.isPaused()) stream.resume()
        yield piece
        // Asked for the next: the consumer is done with this one.
        if (freeOnNext) free(piece)
        continue
      }
      if (failure !== undefined) throw failure.error
      if (ended) return
      await new Promise<void>((resolve) => (wake = resolve))
    }
  } finally {
    stream.off('data', onData)
    stream.off('end', onEnd)
    stream.off('error', onError)
    stream.off('close', onClose)
    // Stopped before the end (the consumer threw or returned): as `for await` does, drop the rest.
    if (!ended && !stream.destroyed) stream.destroy()
  }
}
