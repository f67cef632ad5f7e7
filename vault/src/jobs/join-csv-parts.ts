// A pool job reads its members' CSVs as one: the first part whole, each later part without its
// header line, which must be the first's. Rows are counted as the bytes stream past (rows = lines
// after the header), so the policy's minimum rows holds whatever program runs and the receipt
// names each part's rows.
import { PoolJobRefusedError } from '../pools/pool-chain.ts'

/** One CSV to join: its dataset id (for errors) and its plaintext, read once. */
export type CsvPart = { id: `0x${string}`; read(): AsyncIterable<Uint8Array> }

/** The joined stream, and the rows each part held (known once the stream has passed them). */
export type JoinedCsv = {
  source: AsyncGenerator<Uint8Array>
  /** Data rows of part `index` read so far (its header not counted). */
  rows(index: number): number
  /** Data rows of every part read so far. */
  totalRows(): number
}

/** Longest header line a later part may have before its first newline. */
const maxHeaderBytes = 64 * 1024
const LF = 10

type Count = { newlines: number; endsWithNewline: boolean; bytes: number }

const decoder = new TextDecoder()
const headerText = (bytes: Uint8Array) => decoder.decode(bytes).replace(/\r$/, '')

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength)
  joined.set(a)
  joined.set(b, a.byteLength)
  return joined
}

/**
 * Joins CSV parts into one stream. A later part whose header differs from the first's (CR before
 * the LF ignored), or whose header runs past 64 KiB, throws `PoolJobRefusedError`
 * `POOL_SCHEMA_MISMATCH` (409) as the stream reaches it; a part that does not end with a newline
 * gets one before the next part's rows.
 *
 * @example
 * const joined = joinCsvParts(members.map((member) => ({ id: member.id, read: () => plaintextOf(member) })))
 * for await (const chunk of joined.source) sandboxInput.write(chunk)
 * joined.rows(0) // rows of the first member
 */
export function joinCsvParts(parts: readonly CsvPart[]): JoinedCsv {
  const counts: Count[] = parts.map(() => ({ newlines: 0, endsWithNewline: true, bytes: 0 }))
  const rows = (index: number) => {
    const count = counts[index]!
    return Math.max(0, (count.bytes === 0 ? 0 : count.newlines + (count.endsWithNewline ? 0 : 1)) - 1)
  }
  const source = (async function* () {
    let header: string | undefined
    let firstHead: Uint8Array = new Uint8Array(0)
    for (const [index, part] of parts.entries()) {
      const count = counts[index]!
      // Parts after the first give their rows only: their header must match the first's.
      let pending: Uint8Array | undefined = index === 0 ? undefined : new Uint8Array(0)
      for await (const chunk of part.read()) {
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, i + 1)) count.newlines++
        if (chunk.byteLength) count.endsWithNewline = chunk[chunk.byteLength - 1] === LF
        count.bytes += chunk.byteLength
        if (index === 0) {
          // The first part's header line, however the plaintext is chunked.
          if (header === undefined && firstHead.byteLength < maxHeaderBytes) {
            firstHead = concat(firstHead, chunk.subarray(0, maxHeaderBytes))
            const end = firstHead.indexOf(LF)
            if (end !== -1) header = headerText(firstHead.subarray(0, end))
          }
          yield chunk
          continue
        }
        if (pending === undefined) {
          yield chunk
          continue
        }
        const joined = concat(pending, chunk)
        const end = joined.indexOf(LF)
        if (end === -1) {
          if (joined.byteLength > maxHeaderBytes) throw new PoolJobRefusedError("A pool member's CSV header is too long.", { code: 'POOL_SCHEMA_MISMATCH', status: 409 })
          pending = joined
          continue
        }
        if (headerText(joined.subarray(0, end)) !== (header ?? ''))
          throw new PoolJobRefusedError(`The columns of ${part.id} differ from the pool's.`, { code: 'POOL_SCHEMA_MISMATCH', status: 409 })
        pending = undefined
        if (end + 1 < joined.byteLength) yield joined.subarray(end + 1)
      }
      // A part's rows must end with a newline before the next part's rows follow.
      if (index < parts.length - 1 && count.bytes > 0 && !count.endsWithNewline) yield Uint8Array.of(LF)
    }
  })()
  return { source, rows, totalRows: () => parts.reduce((sum, _, index) => sum + rows(index), 0) }
}
