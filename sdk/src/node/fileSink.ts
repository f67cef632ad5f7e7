import { randomBytes } from 'node:crypto'
import { type FileHandle, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'

export type FileSinkOptions = {
  /** File mode of the new file; 0o644 by default (0o600 for anything private). */
  mode?: number | undefined
}

/** A WritableStream into a file that appears only when the stream closes successfully. */
export type FileSink = WritableStream<Uint8Array> & {
  /** The path the file is renamed to on close. */
  readonly path: string
}

/**
 * A WritableStream that writes `path` atomically: bytes go to a temporary file beside it, which is
 * flushed and renamed over `path` when the stream closes, and removed when the stream is aborted
 * (a digest mismatch, a dropped connection) — a failed download never leaves a partial file, nor
 * clobbers a good one. Give it to `downloadResult({ to })`.
 *
 * @example
 * import { fileSink } from '@datavault/sdk/node'
 * await downloadResult(client, { id: job.id, to: fileSink('model.safetensors') })
 */
export function fileSink(path: string, { mode = 0o644 }: FileSinkOptions = {}): FileSink {
  const target = resolve(path)
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`)
  let handle: FileHandle | undefined
  // Best-effort clean-up of a write that is being abandoned: the error that abandoned it is the one reported.
  const discard = async () => {
    await handle?.close().catch(() => {})
    handle = undefined
    await rm(temporary, { force: true }).catch(() => {})
  }
  const stream = new WritableStream<Uint8Array>({
    async start() {
      handle = await open(temporary, 'wx', mode)
    },
    async write(chunk) {
      try {
        let offset = 0
        while (offset < chunk.length) offset += (await handle!.write(chunk, offset)).bytesWritten
      } catch (error) {
        await discard()
        throw error
      }
    },
    async close() {
      try {
        await handle!.datasync()
        await handle!.close()
        handle = undefined
        await rename(temporary, target)
      } catch (error) {
        await discard()
        throw error
      }
    },
    async abort() {
      await discard()
    },
  })
  return Object.assign(stream, { path: target })
}
