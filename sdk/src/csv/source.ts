// Reading a CSV source (a file, a byte stream, pieces of bytes or text) as UTF-8 text in pieces:
// shared by the inference, the profile and the column-dropping rewrite.
import { CsvInvalidError } from './errors.ts'

/** What the CSV readers take: a file (a `Blob`), a byte stream, or pieces of bytes or text. */
export type CsvSource = Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>

/**
 * Yields a source's text in pieces (UTF-8, strict: bytes that are not UTF-8 throw
 * {@link CsvInvalidError}), calling `onProgress` after each piece with the bytes read so far
 * (characters, for text pieces). The last piece is the decoder's flush (often empty).
 */
export async function* csvTextOf(source: CsvSource, onProgress?: ((bytes: number) => void) | undefined): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  const decode = (bytes?: Uint8Array) => {
    try {
      return bytes === undefined ? decoder.decode() : decoder.decode(bytes, { stream: true })
    } catch (cause) {
      throw new CsvInvalidError('bytes that are not UTF-8 text', { cause })
    }
  }
  let bytes = 0
  for await (const piece of piecesOf(source)) {
    if (typeof piece === 'string') {
      bytes += piece.length
      yield piece
    } else {
      // Decoded 64 KiB at a time: a longer string lands in V8's large-object space, which only a
      // full collection frees, and a big file's pieces would pile up there (+80 MiB of peak
      // memory for 1 MiB pieces); short ones die young.
      for (let at = 0; at < piece.byteLength; at += textPieceBytes) yield decode(piece.subarray(at, at + textPieceBytes))
      bytes += piece.byteLength
    }
    onProgress?.(bytes)
  }
  yield decode()
}

/** Bytes decoded into one text piece. */
const textPieceBytes = 1 << 16

async function* piecesOf(source: CsvSource): AsyncGenerator<Uint8Array | string> {
  const stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string> = typeof Blob !== 'undefined' && source instanceof Blob ? source.stream() : (source as Exclude<CsvSource, Blob>)
  if (!('getReader' in stream)) {
    yield* stream
    return
  }
  const reader = stream.getReader()
  let done = false
  // One read ahead: the next piece is on its way while this one is parsed (else the parser waits
  // on each read of a file in turn).
  const readAhead = () => {
    const read = reader.read()
    read.catch(() => undefined) // awaited below; left unawaited only when the reading stops early
    return read
  }
  let ahead = readAhead()
  try {
    while (!done) {
      const next = await ahead
      if (next.done) done = true
      else {
        ahead = readAhead()
        yield next.value
      }
    }
  } finally {
    // Stopped early (malformed CSV): the rest is not read. The error that stopped it is the one
    // to report; a failure to cancel a read nobody waits for changes nothing.
    if (!done) await reader.cancel().catch(() => undefined)
    reader.releaseLock()
  }
}
