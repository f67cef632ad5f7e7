// Encrypt + IPFS add against Helia's own add of the same bytes to the same kind of blockstore, side
// by side, with where the time goes: chunking and hashing (the UnixFS importer on a blockstore that
// keeps nothing), hashing alone, blockstore writes alone, pinning, and the encryption.
//
//   node scripts/bench/ipfs-add.ts            # 256 MiB, 2 interleaved rounds
//   node scripts/bench/ipfs-add.ts --mib 64 --rounds 3
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { unixfs } from '@helia/unixfs'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { createHeliaLight } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { type EnvelopeCrypto, createEncryptStream, encryptBytes, generateDataKey } from '../../sdk/src/envelope/index.ts'
import { nodeEnvelopeCrypto, workerPoolEnvelopeCrypto } from '../../sdk/src/node/index.ts'
import { bodyPieces } from '../../vault/src/http/body-pieces.ts'
import { heliaStorage } from '../../vault/src/storage/helia-storage.ts'

export type BenchIpfsAddParameters = { mebibytes?: number; rounds?: number }

/** Seconds per phase and per path, each the median of `rounds` interleaved rounds (all rounds kept for the spread). */
export type BenchIpfsAddReturnType = {
  bytes: number
  /** Our path: envelope encryption on the worker pool piped into the vault's `heliaStorage.add` (add and pin). */
  ours: number[]
  /** Helia's own add of the same (already encrypted) bytes: `unixfs(helia).addByteStream` + `pins.add`, same blockstore kind. */
  helia: number[]
  /** The same with the encryption on the calling thread (`nodeEnvelopeCrypto`, no pool). */
  oursCaller: number[]
  /** `heliaStorage.add` of the already encrypted bytes: our add path without the encryption. */
  oursAddOnly: number[]
  /** Phases, each measured alone on the same bytes. */
  phases: { encrypt: number[]; encryptCaller: number[]; importerNullStore: number[]; sha256: number[]; blockWrites: number[]; pin: number[] }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!

async function* pieces(bytes: Uint8Array, size = 1024 * 1024) {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size)
}

async function seconds(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await fn()
  return (performance.now() - started) / 1000
}

/** A blockstore that keeps nothing: the importer's chunking, encoding and hashing alone. */
const nullBlockstore = {
  async put(cid: CID) {
    return cid
  },
  async *putMany(source: AsyncIterable<{ cid: CID }>) {
    for await (const { cid } of source) yield cid
  },
  async has() {
    return false
  },
}

/** Measures the encrypt + add path against Helia's own add, and each phase, over `mebibytes` of random-looking data. */
export async function benchIpfsAdd({ mebibytes = 256, rounds = 2 }: BenchIpfsAddParameters = {}): Promise<BenchIpfsAddReturnType> {
  const plaintext = new Uint8Array(mebibytes * 1024 * 1024)
  for (let i = 0; i < plaintext.length; i += 65536) globalThis.crypto.getRandomValues(plaintext.subarray(i, i + 65536))
  const key = generateDataKey()
  const pool = workerPoolEnvelopeCrypto()
  const ciphertext = await encryptBytes(key, plaintext, { crypto: pool })
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-ipfs-'))
  const result: BenchIpfsAddReturnType = {
    bytes: plaintext.length,
    ours: [],
    helia: [],
    oursCaller: [],
    oursAddOnly: [],
    phases: { encrypt: [], encryptCaller: [], importerNullStore: [], sha256: [], blockWrites: [], pin: [] },
  }
  try {
    for (let round = 0; round < rounds; round++) {
      // Helia's own add, on a fresh node with the same stores heliaStorage uses.
      {
        const helia = createHeliaLight({ blockstore: new FsBlockstore(join(dir, `h${round}/blocks`)), datastore: new FsDatastore(join(dir, `h${round}/datastore`)) })
        await helia.start()
        const fs = unixfs(helia)
        let cid: CID | undefined
        result.helia.push(
          await seconds(async () => {
            cid = await fs.addByteStream(pieces(ciphertext))
            for await (const _ of helia.pins.add(cid)) void _
          }),
        )
        // Pinning alone, on a second root over the same blocks: unpin, then pin again.
        for await (const _ of helia.pins.rm(cid!)) void _
        result.phases.pin.push(
          await seconds(async () => {
            for await (const _ of helia.pins.add(cid!)) void _
          }),
        )
        await helia.stop()
      }
      // Ours: encrypt on the pool while adding, as a Node client uploading through the vault would;
      // each ciphertext chunk freed once the add asks for the next, as the node's upload route does.
      {
        const storage = await heliaStorage({ dir: join(dir, `o${round}`) })
        result.ours.push(
          await seconds(() =>
            storage.add(bodyPieces((Readable.toWeb(Readable.from(pieces(plaintext))) as ReadableStream<Uint8Array>).pipeThrough(createEncryptStream(key, { crypto: pool })) as unknown as AsyncIterable<Uint8Array>, { freeOnNext: true })),
          ),
        )
        await storage.stop()
      }
      {
        const storage = await heliaStorage({ dir: join(dir, `c${round}`) })
        result.oursCaller.push(
          await seconds(() =>
            storage.add(bodyPieces((Readable.toWeb(Readable.from(pieces(plaintext))) as ReadableStream<Uint8Array>).pipeThrough(createEncryptStream(key, { crypto: nodeEnvelopeCrypto })) as unknown as AsyncIterable<Uint8Array>, { freeOnNext: true })),
          ),
        )
        await storage.stop()
      }
      {
        const storage = await heliaStorage({ dir: join(dir, `a${round}`) })
        result.oursAddOnly.push(await seconds(() => storage.add(pieces(ciphertext))))
        await storage.stop()
      }
      // Streamed and dropped, as the add consumes it (encryptBytes would also gather 256 MiB in memory).
      const encryptAlone = async (crypto: EnvelopeCrypto) => {
        const reader = (Readable.toWeb(Readable.from(pieces(plaintext))) as ReadableStream<Uint8Array>).pipeThrough(createEncryptStream(key, { crypto })).getReader()
        while (!(await reader.read()).done) {}
      }
      result.phases.encrypt.push(await seconds(() => encryptAlone(pool)))
      result.phases.encryptCaller.push(await seconds(() => encryptAlone(nodeEnvelopeCrypto)))
      result.phases.importerNullStore.push(
        await seconds(async () => {
          for await (const _ of importer([{ content: pieces(ciphertext) }], nullBlockstore as never, { rawLeaves: true, reduceSingleLeafToSelf: true })) void _
        }),
      )
      result.phases.sha256.push(
        await seconds(async () => {
          for (let offset = 0; offset < ciphertext.length; offset += 1024 * 1024) createHash('sha256').update(ciphertext.subarray(offset, offset + 1024 * 1024)).digest()
        }),
      )
      {
        const store = new FsBlockstore(join(dir, `w${round}`))
        await store.open()
        const blockSize = 1024 * 1024
        const blocks: CID[] = []
        for (let offset = 0; offset < ciphertext.length; offset += blockSize)
          blocks.push(CID.createV1(raw.code, await sha256.digest(ciphertext.subarray(offset, offset + blockSize))))
        result.phases.blockWrites.push(
          await seconds(async () => {
            for (let i = 0; i < blocks.length; i++) await store.put(blocks[i]!, ciphertext.subarray(i * blockSize, (i + 1) * blockSize))
          }),
        )
        await store.close()
      }
      await rm(dir, { recursive: true, force: true })
    }
  } finally {
    await pool.close()
    await rm(dir, { recursive: true, force: true })
  }
  return result
}

/** The section's lines: both paths, the ratio, and each phase in MB/s with every round. */
export function ipfsAddLines(r: BenchIpfsAddReturnType): string[] {
  const mbps = (s: number) => (r.bytes / 1e6 / s).toFixed(0)
  const show = (values: number[]) => `${mbps(median(values)).padStart(5)} MB/s [${values.map(mbps).join(', ')}]`
  const ratio = median(r.helia) / Math.min(median(r.ours), median(r.oursCaller))
  return [
    `encrypt (worker pool) + heliaStorage.add ${show(r.ours)}: ${(median(r.helia) / median(r.ours)).toFixed(2)}× Helia's own add (target ≥ 0.8×)`,
    `encrypt (calling thread) + heliaStorage.add ${show(r.oursCaller)}: ${(median(r.helia) / median(r.oursCaller)).toFixed(2)}× Helia's own add`,
    `heliaStorage.add of the ciphertext      ${show(r.oursAddOnly)}: ${(median(r.helia) / median(r.oursAddOnly)).toFixed(2)}× Helia's own add`,
    `Helia's own add (addByteStream + pin)   ${show(r.helia)}`,
    'phases, each alone on the same bytes:',
    `  encryption (worker pool), streamed    ${show(r.phases.encrypt)}`,
    `  encryption (calling thread), streamed ${show(r.phases.encryptCaller)}`,
    `  chunking + hashing (importer, no store) ${show(r.phases.importerNullStore)}`,
    `  sha256 alone                          ${show(r.phases.sha256)}`,
    `  blockstore-fs writes, 1 MiB blocks    ${show(r.phases.blockWrites)}`,
    `  pinning (pins.add after the add)      ${show(r.phases.pin)}`,
    `target: encrypt + add ≥ 0.8× Helia's own add (the faster of the two encryptions): ${ratio.toFixed(2)}× ${ratio >= 0.8 ? 'met' : 'NOT met'}`,
  ]
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { mib: { type: 'string' }, rounds: { type: 'string' } } })
  const r = await benchIpfsAdd({ mebibytes: values.mib ? Number(values.mib) : 256, rounds: values.rounds ? Number(values.rounds) : 2 })
  console.log(`encrypt + IPFS add, ${r.bytes / 1024 / 1024} MiB, medians of ${r.ours.length} interleaved rounds [each round]:`)
  for (const text of ipfsAddLines(r)) console.log(`  ${text}`)
}
