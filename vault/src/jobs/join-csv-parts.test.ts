import { describe, expect, test } from 'vitest'
import { joinCsvParts } from './join-csv-parts.ts'

const encoder = new TextEncoder()
// A part whose plaintext arrives in the given pieces.
const part = (id: string, ...pieces: string[]) => ({
  id: id as `0x${string}`,
  async *read() {
    for (const piece of pieces) yield encoder.encode(piece)
  },
})

async function text(source: AsyncIterable<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let out = ''
  for await (const chunk of source) out += decoder.decode(chunk, { stream: true })
  return out + decoder.decode()
}

describe('joinCsvParts', () => {
  test('default: the first part whole, later parts without their header, rows counted per part', async () => {
    const joined = joinCsvParts([part('0xa', 'x,y\n1,2\n3,4\n'), part('0xb', 'x,y\n5,6\n'), part('0xc', 'x,y\r\n7,8\r\n9,10\r\n')])
    expect(await text(joined.source)).toBe('x,y\n1,2\n3,4\n5,6\n7,8\r\n9,10\r\n')
    expect([joined.rows(0), joined.rows(1), joined.rows(2), joined.totalRows()]).toEqual([2, 1, 2, 5])
  })

  test('behavior: headers split across chunks, a part without a final newline, an empty part', async () => {
    const joined = joinCsvParts([part('0xa', 'x', ',y\n1,', '2'), part('0xb', 'x,', 'y', '\n3,4'), part('0xc'), part('0xd', 'x,y\n5,6\n')])
    expect(await text(joined.source)).toBe('x,y\n1,2\n3,4\n5,6\n')
    expect([joined.rows(0), joined.rows(1), joined.rows(2), joined.rows(3)]).toEqual([1, 1, 0, 1])
  })

  test('behavior: rows are counted as the stream passes (none before it is read)', async () => {
    const joined = joinCsvParts([part('0xa', 'x\n1\n2\n')])
    expect(joined.totalRows()).toBe(0)
    await text(joined.source)
    expect(joined.totalRows()).toBe(2)
  })

  test('error: a later part with other columns, or a header past 64 KiB, is POOL_SCHEMA_MISMATCH', async () => {
    await expect(text(joinCsvParts([part('0xa', 'x,y\n1,2\n'), part('0xb', 'x,z\n3,4\n')]).source)).rejects.toMatchObject({
      name: 'PoolJobRefusedError',
      code: 'POOL_SCHEMA_MISMATCH',
      status: 409,
      message: "The columns of 0xb differ from the pool's.",
    })
    const long = 'c'.repeat(40 * 1024)
    await expect(text(joinCsvParts([part('0xa', 'x\n1\n'), part('0xb', long, long)]).source)).rejects.toMatchObject({ code: 'POOL_SCHEMA_MISMATCH', message: expect.stringMatching(/too long/) })
  })
})
