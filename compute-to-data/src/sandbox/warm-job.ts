import { readSync } from 'node:fs'

/**
 * How a pre-started sandbox receives its one job: frames on one descriptor (`DATAVAULT_JOB_FD`
 * inside the sandbox), each a type byte, a 4-byte big-endian length and that many bytes. `config`
 * comes first (the bytes a cold sandbox sees as `/job/config.json`), then for each input an
 * `input` frame with its name, its bytes in `chunk` frames, and finally `end`: only after `end`
 * does the program have its whole job (as a cold sandbox's program starts only on whole inputs).
 */
export const warmFrame = { config: 1, input: 2, chunk: 3, end: 4 } as const

/** Largest payload of one frame, bytes: input chunks are split to this size. */
export const warmFrameMaxBytes = 1024 ** 2

/** One frame: type, length, payload. */
export function encodeWarmFrame(type: number, payload: Uint8Array): Uint8Array {
  if (payload.byteLength > warmFrameMaxBytes) throw new RangeError('a warm job frame holds at most 1 MiB')
  const frame = new Uint8Array(5 + payload.byteLength)
  frame[0] = type
  new DataView(frame.buffer).setUint32(1, payload.byteLength)
  frame.set(payload, 5)
  return frame
}

/**
 * A job as frames, in order: its config bytes, each input (name, then its bytes in chunks of at
 * most {@link warmFrameMaxBytes}), then `end`. Inputs are read one after the other, as they come.
 *
 * @example
 * await pipeline(Readable.from(warmJobFrames(configBytes, inputs)), jobDescriptor)
 */
export async function* warmJobFrames(
  config: Uint8Array,
  inputs: readonly { name: string; source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> }[],
): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder()
  yield encodeWarmFrame(warmFrame.config, config)
  for (const input of inputs) {
    yield encodeWarmFrame(warmFrame.input, encoder.encode(input.name))
    for await (const chunk of input.source)
      for (let at = 0; at < chunk.byteLength; at += warmFrameMaxBytes) yield encodeWarmFrame(warmFrame.chunk, chunk.subarray(at, at + warmFrameMaxBytes))
  }
  yield encodeWarmFrame(warmFrame.end, new Uint8Array(0))
}

/** A whole job as the program reads it from its descriptor. */
export type WarmJob = { config: Uint8Array; inputs: Map<string, Uint8Array> }

/**
 * Decodes frames pushed in pieces of any size; `push` returns the job once `end` arrived, else
 * undefined. Throws on a malformed stream (an unknown type, a chunk before any input, a repeated
 * input or config, bytes after `end`).
 *
 * @example
 * const decoder = warmJobDecoder()
 * const job = decoder.push(bytes) ?? decoder.push(more)
 */
export function warmJobDecoder() {
  let pending = new Uint8Array(0)
  let config: Uint8Array | undefined
  const inputs = new Map<string, Uint8Array[]>()
  let current: Uint8Array[] | undefined
  let done: WarmJob | undefined
  const decoder = new TextDecoder('utf-8', { fatal: true })
  return {
    push(bytes: Uint8Array): WarmJob | undefined {
      if (done) {
        if (bytes.byteLength > 0) throw new Error('bytes after the end of the job')
        return done
      }
      const joined = new Uint8Array(pending.byteLength + bytes.byteLength)
      joined.set(pending)
      joined.set(bytes, pending.byteLength)
      let at = 0
      while (joined.byteLength - at >= 5) {
        const type = joined[at]!
        const length = new DataView(joined.buffer, joined.byteOffset + at + 1, 4).getUint32(0)
        if (length > warmFrameMaxBytes) throw new Error('a job frame is too long')
        if (joined.byteLength - at - 5 < length) break
        const payload = joined.slice(at + 5, at + 5 + length)
        at += 5 + length
        if (type === warmFrame.config) {
          if (config !== undefined) throw new Error('the job has two configs')
          config = payload
        } else if (type === warmFrame.input) {
          if (config === undefined) throw new Error('an input before the config')
          const name = decoder.decode(payload)
          if (inputs.has(name)) throw new Error('the job names an input twice')
          current = []
          inputs.set(name, current)
        } else if (type === warmFrame.chunk) {
          if (current === undefined) throw new Error('input bytes before any input')
          current.push(payload)
        } else if (type === warmFrame.end) {
          if (config === undefined) throw new Error('the job ended before its config')
          if (at !== joined.byteLength) throw new Error('bytes after the end of the job')
          done = { config, inputs: new Map([...inputs].map(([name, chunks]) => [name, Buffer.concat(chunks)])) }
          pending = new Uint8Array(0)
          return done
        } else throw new Error('an unknown job frame')
      }
      pending = joined.slice(at)
      return undefined
    },
  }
}

/**
 * Reads the job from descriptor `fd` (blocking: the program has nothing else to do until its job
 * comes) and returns it once whole. Throws when the descriptor ends before `end`.
 *
 * @example
 * const job = readWarmJob(Number(process.env.DATAVAULT_JOB_FD))
 */
export function readWarmJob(fd: number, read: (fd: number, buffer: Uint8Array) => number = readSync): WarmJob {
  const decoder = warmJobDecoder()
  const buffer = new Uint8Array(warmFrameMaxBytes + 5)
  for (;;) {
    let count: number
    try {
      count = read(fd, buffer)
    } catch (error) {
      // A non-blocking descriptor with nothing yet: wait a little (blocking the thread) and read again.
      if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1)
        continue
      }
      throw error
    }
    if (count === 0) throw new Error('the job descriptor ended before the job did')
    const job = decoder.push(buffer.subarray(0, count))
    if (job) return job
  }
}
