// A streamed request body, piece by piece, each piece freed once the consumer asks for the next.
// Node's HTTP parser gives every piece of a body a fresh buffer of its own (64 KiB at most). In a
// process whose JavaScript allocates little, V8 frees those only at full collections that their
// external memory starts: measured in the node's IPFS add, a third of its CPU. Freed here as soon
// as the consumer is done with them, they are malloc's to reuse at once.
import type { Readable } from 'node:stream'
import { freeBytes } from '@datavault/sdk'

/** Options of {@link bodyPieces}. */
export type BodyPiecesParameters = {
  /**
   * Free each piece's memory when the consumer asks for the next one (default false): for a
   * consumer that is done with a piece by then and keeps no reference to it (`Storage.add`
   * copies each into its blocks). Only a piece that spans a whole, unshared buffer is freed.
   */
  freeOnNext?: boolean | undefined
}

/**
 * Yields a readable byte stream's (or any byte iterable's) pieces as `for await` over it does
 * (its errors, and its destruction when the consumer stops early, which for a server request
 * leaves the connection to the answer), freeing each once the next is asked for when
 * `freeOnNext` is set: a piece is then valid only until the consumer asks for the next.
 *
 * @example
 * const { cid } = await storage.add(bodyPieces(ctx.req, { freeOnNext: true }), { maxBytes })
 */
export async function* bodyPieces(stream: Readable | AsyncIterable<Uint8Array>, { freeOnNext = false }: BodyPiecesParameters = {}): AsyncGenerator<Uint8Array> {
  for await (const piece of stream as AsyncIterable<Uint8Array>) {
    yield piece
    // Asked for the next: the consumer is done with this one.
    if (freeOnNext) freeBytes(piece)
  }
}
