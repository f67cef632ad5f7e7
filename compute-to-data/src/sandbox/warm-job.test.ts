import { describe, expect, test } from 'vitest'
import { encodeWarmFrame, readWarmJob, warmFrame, warmFrameMaxBytes, warmJobDecoder, warmJobFrames } from './warm-job.ts'

const encoder = new TextEncoder()

async function collect(frames: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const frame of frames) parts.push(frame)
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.byteLength
  }
  return out
}

describe('warmJobFrames / warmJobDecoder', () => {
  test('default: a job round-trips whole, config bytes and each input exactly', async () => {
    const big = new Uint8Array(warmFrameMaxBytes * 2 + 7).map((_, i) => (i * 31) & 0xff)
    const config = encoder.encode(JSON.stringify({ params: { label: 'risk' }, inputs: ['a.csv', 'b.bin'] }))
    const bytes = await collect(warmJobFrames(config, [{ name: 'a.csv', source: [encoder.encode('x,y\n'), encoder.encode('1,2\n')] }, { name: 'b.bin', source: [big] }]))
    const job = warmJobDecoder().push(bytes)
    expect(job?.config).toEqual(config)
    expect(new TextDecoder().decode(job?.inputs.get('a.csv'))).toBe('x,y\n1,2\n')
    // Compared as bytes (a deep equality of 2 MiB element by element is slow).
    expect(Buffer.from(job!.inputs.get('b.bin')!).equals(Buffer.from(big))).toBe(true)
  })

  test('args: frames pushed one byte at a time decode the same; nothing is returned before `end`', async () => {
    const bytes = await collect(warmJobFrames(encoder.encode('{}'), [{ name: 'd', source: [encoder.encode('abc')] }]))
    const decoder = warmJobDecoder()
    let job
    for (let i = 0; i < bytes.byteLength; i++) {
      job = decoder.push(bytes.subarray(i, i + 1))
      if (i < bytes.byteLength - 1) expect(job).toBeUndefined()
    }
    expect(new TextDecoder().decode(job?.inputs.get('d'))).toBe('abc')
  })

  test('error: a malformed stream is refused (input before config, chunk before input, repeated input, unknown type, bytes after end)', () => {
    const frame = (type: number, text = '') => encodeWarmFrame(type, encoder.encode(text))
    const join = (...frames: Uint8Array[]) => Uint8Array.from(frames.flatMap((f) => [...f]))
    expect(() => warmJobDecoder().push(frame(warmFrame.input, 'a'))).toThrow(/before the config/)
    expect(() => warmJobDecoder().push(join(frame(warmFrame.config, '{}'), frame(warmFrame.chunk, 'x')))).toThrow(/before any input/)
    expect(() => warmJobDecoder().push(join(frame(warmFrame.config, '{}'), frame(warmFrame.input, 'a'), frame(warmFrame.input, 'a')))).toThrow(/twice/)
    expect(() => warmJobDecoder().push(frame(9))).toThrow(/unknown/)
    expect(() => warmJobDecoder().push(join(frame(warmFrame.config, '{}'), frame(warmFrame.end), frame(warmFrame.end)))).toThrow(/after the end/)
    expect(() => encodeWarmFrame(warmFrame.chunk, new Uint8Array(warmFrameMaxBytes + 1))).toThrow(RangeError)
  })

  test('behavior: readWarmJob reads until `end`, waits through EAGAIN, and fails when the descriptor ends first', async () => {
    const bytes = await collect(warmJobFrames(encoder.encode('{"a":1}'), [{ name: 'd', source: [encoder.encode('rows')] }]))
    const reads = [bytes.subarray(0, 3), 'EAGAIN' as const, bytes.subarray(3)]
    const job = readWarmJob(7, (fd, buffer) => {
      expect(fd).toBe(7)
      const next = reads.shift()
      if (next === 'EAGAIN') throw Object.assign(new Error('again'), { code: 'EAGAIN' })
      buffer.set(next!)
      return next!.byteLength
    })
    expect(new TextDecoder().decode(job.config)).toBe('{"a":1}')
    expect(new TextDecoder().decode(job.inputs.get('d'))).toBe('rows')
    expect(() => readWarmJob(7, (_fd, buffer) => (buffer.set(bytes.subarray(0, 4)), 0))).toThrow(/ended before/)
  })
})
