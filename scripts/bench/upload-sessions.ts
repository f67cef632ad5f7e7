// Chunked, resumable upload (upload sessions: chunks to disk, checked, then the IPFS add) against
// the one-request streamed upload (`POST /v1/uploads`) of the same bytes to the same local node,
// alternating, each from a stream generated on the fly. Prints both times, the ratio, and the
// client's share of memory: the bytes the chunked client holds at most (concurrency + 1 chunks).
// Target: chunked ≤ 1.5× the one-request upload (it writes each byte to disk once more and reads it back).
//   node scripts/bench/upload-sessions.ts             (256 MiB, 2 rounds)
//   node scripts/bench/upload-sessions.ts --mib 64 --rounds 3
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import { uploadCiphertext, uploadCiphertextInChunks, defaultUploadChunkBytes } from '@datavault/sdk'
import { startTestStack } from '../../test/fixtures/stack.ts'

/** The target: chunked time over one-request time. */
export const uploadSessionTarget = 1.5

const generated = (bytes: number) => {
  let left = bytes
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close()
      const piece = new Uint8Array(randomBytes(Math.min(1024 ** 2, left)))
      left -= piece.byteLength
      controller.enqueue(piece)
    },
  })
}

/** Times both uploads of `mib` MiB, `rounds` times each, on one fresh local stack. */
export async function benchUploadSessions({ mib = 256, rounds = 2 }: { mib?: number; rounds?: number } = {}) {
  const t = await startTestStack()
  try {
    const size = mib * 1024 ** 2
    const times = { stream: [] as number[], chunked: [] as number[] }
    for (let round = 0; round < rounds; round++) {
      let started = performance.now()
      await uploadCiphertext(t.owner.vault, { body: generated(size) })
      times.stream.push((performance.now() - started) / 1000)
      started = performance.now()
      await uploadCiphertextInChunks(t.owner.vault, { body: generated(size), size })
      times.chunked.push((performance.now() - started) / 1000)
    }
    return { size, times, ratios: times.chunked.map((chunked, index) => chunked / (times.stream[index] as number)) }
  } finally {
    await t.stop()
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '2' } } })
  const { size, times, ratios } = await benchUploadSessions({ mib: Number(values.mib), rounds: Number(values.rounds) })
  const mbps = (seconds: number) => (size / 1e6 / seconds).toFixed(0)
  for (let round = 0; round < ratios.length; round++)
    console.log(`round ${round + 1}: one request ${times.stream[round]!.toFixed(2)} s (${mbps(times.stream[round]!)} MB/s), chunked ${times.chunked[round]!.toFixed(2)} s (${mbps(times.chunked[round]!)} MB/s): ${ratios[round]!.toFixed(2)}×`)
  const worst = Math.max(...ratios)
  console.log(`chunked client holds at most ${(3 * defaultUploadChunkBytes) / 1024 ** 2} MiB of ciphertext (2 chunks in flight + 1 filling) whatever the size`)
  console.log(`target: chunked ≤ ${uploadSessionTarget}× one request; worst ${worst.toFixed(2)}× → ${worst <= uploadSessionTarget ? 'met' : 'NOT met'}`)
}
