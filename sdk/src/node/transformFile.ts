import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { freeBytes } from '../envelope/index.ts'

/** Progress of a file operation: bytes of the input file read and handed to the cipher so far. */
export type FileProgress = { bytesDone: number; bytesTotal: number }

export type TransformFileParameters = {
  inPath: string
  outPath: string
  transform: TransformStream<Uint8Array, Uint8Array>
  /** Bytes per read; a function may pick it from the first bytes (the envelope header). */
  readSize: number | ((head: Uint8Array) => number)
  /** Bytes read first and given to `readSize` when it is a function (at least 1). */
  headSize?: number
  /**
   * Whether two read buffers may be reused in turn. Only for a transform that keeps no reference to a
   * piece once its write() has resolved (createEncryptStream guarantees this); it spares the
   * allocation and garbage collection of a fresh buffer per read.
   */
  reuseBuffers?: boolean
  /**
   * Whether each piece of the transform's output is freed ({@link freeBytes}) once it is written.
   * Only for a transform whose every output piece is the reader's own (createEncryptStream and
   * createDecryptStream guarantee this); it spares a full collection per ~64 MB of output and the
   * page faults of fresh memory for each piece.
   */
  freeWritten?: boolean
  onProgress?: ((progress: FileProgress) => void) | undefined
  signal?: AbortSignal | undefined
}

export type TransformFileReturnType = { bytesRead: number; bytesWritten: number }

// Writes below this size are gathered and written together (frame words are 4 bytes).
const coalesceBelow = 64 * 1024

/**
 * Streams a file through `transform` into `outPath`: the output goes to a temporary file beside
 * `outPath` (mode 0600), is flushed to disk, and is renamed over `outPath` only when everything
 * succeeded, so a failure or an abort leaves no partial output behind.
 *
 * The next piece is read while the current one is transformed, and output is written while the
 * transform goes on (the sink queues a few pieces), so disk and cipher overlap.
 */
export async function transformFile({
  inPath,
  outPath,
  transform,
  readSize,
  headSize = 1,
  reuseBuffers = false,
  freeWritten = false,
  onProgress,
  signal,
}: TransformFileParameters): Promise<TransformFileReturnType> {
  signal?.throwIfAborted()
  const target = resolve(outPath)
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`)
  const input = await open(inPath, 'r')
  let output: FileHandle | undefined
  let committed = false
  try {
    const bytesTotal = (await input.stat()).size
    output = await open(temporary, 'wx', 0o600)
    const out = output
    let bytesRead = 0
    let bytesWritten = 0

    const spare: Buffer[] = []
    const read = async (size: number): Promise<Uint8Array> => {
      // Every byte handed on is overwritten by the read, so the buffer need not be zeroed.
      const buffer = (reuseBuffers && spare.pop()?.subarray(0, size)) || Buffer.allocUnsafeSlow(size)
      let filled = 0
      while (filled < size) {
        const { bytesRead: n } = await input.read(buffer, filled, size - filled, null)
        if (n === 0) break
        filled += n
      }
      return filled === size ? buffer : buffer.subarray(0, filled)
    }

    let pending: Uint8Array[] = []
    let pendingBytes = 0
    const writeAll = async (pieces: Uint8Array[]) => {
      if (pieces.length === 0) return
      const total = pieces.reduce((n, p) => n + p.length, 0)
      let { bytesWritten: n } = await out.writev(pieces)
      // writev may write less than asked (rare for regular files); finish piece by piece.
      for (const piece of pieces) {
        if (n >= piece.length) {
          n -= piece.length
          continue
        }
        let offset = n
        n = 0
        while (offset < piece.length) offset += (await out.write(piece, offset)).bytesWritten
      }
      bytesWritten += total
      if (freeWritten) for (const piece of pieces) freeBytes(piece)
    }
    const sink = new WritableStream<Uint8Array>(
      {
        async write(chunk) {
          pending.push(chunk)
          pendingBytes += chunk.length
          if (chunk.length >= coalesceBelow || pendingBytes >= coalesceBelow) {
            const pieces = pending
            pending = []
            pendingBytes = 0
            await writeAll(pieces)
          }
        },
        async close() {
          await writeAll(pending)
          pending = []
        },
      },
      { highWaterMark: 8 },
    )

    const piping = transform.readable.pipeTo(sink, signal ? { signal } : {})
    piping.catch(() => {}) // awaited below; a failure also shows on the writer
    const writer = transform.writable.getWriter()
    try {
      let piece: Uint8Array
      let size: number
      if (typeof readSize === 'function') {
        piece = await read(headSize)
        size = readSize(piece)
      } else {
        size = readSize
        piece = await read(size)
      }
      while (piece.length > 0) {
        signal?.throwIfAborted()
        bytesRead += piece.length
        const [, next] = await Promise.all([writer.write(piece), read(size)])
        onProgress?.({ bytesDone: bytesRead, bytesTotal })
        if (reuseBuffers && piece.length === size) spare.push(piece as Buffer)
        piece = next
      }
      await writer.close()
    } catch (error) {
      // Already failing: the abort only releases the writer; its own failure would hide the real one.
      await writer.abort(error).catch(() => {})
      // The pipe's error is the more telling one (the transform's own, e.g. an envelope error).
      await piping
      throw error
    }
    await piping

    await out.datasync()
    await out.close()
    output = undefined
    await rename(temporary, target)
    committed = true
    return { bytesRead, bytesWritten }
  } finally {
    // Best-effort clean-up: the result (or the error being thrown) is already decided.
    await input.close().catch(() => {})
    if (output) await output.close().catch(() => {})
    if (!committed) await rm(temporary, { force: true }).catch(() => {})
  }
}
