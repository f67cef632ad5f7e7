// Envelope encryption throughput against `openssl speed -evp aes-256-gcm`, in one run.
//
//   node scripts/bench/encryption.ts                      # default chunk size, prints the ratio
//   node scripts/bench/encryption.ts --sweep              # 64 KiB … 4 MiB chunk sizes, encrypt and decrypt
//   node scripts/bench/encryption.ts --chunk-size 262144 --mib 512 --piece 65536   # pieces unaligned to chunks
//   node scripts/bench/encryption.ts --memory             # peak memory of the pools at 256 MiB and 2 GiB (constant?)
//   node scripts/bench/encryption.ts --ceiling            # only the ceiling: 2 threads of plain cipher.update, and openssl
import { execFile } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { parseArgs, promisify } from 'node:util'
import { Worker } from 'node:worker_threads'
import {
  type EnvelopeCrypto,
  createDecryptStream,
  createEncryptStream,
  defaultChunkSize,
  encryptBytes,
  freeBytes,
  generateDataKey,
  webCryptoEnvelopeCrypto,
} from '../../sdk/src/envelope/index.ts'
import { nodeEnvelopeCrypto, workerPoolEnvelopeCrypto } from '../../sdk/src/node/index.ts'

export type BenchEncryptionParameters = {
  /** Plaintext chunk size of the envelope (default: the SDK's default). */
  chunkSize?: number
  /** MiB of generated plaintext to encrypt (default 256). */
  mebibytes?: number
  /**
   * Size of the pieces the plaintext is written in. Default: the chunk size, as `encryptFile` reads
   * (and as `encryptBytes` slices); 64 KiB pieces (a browser `Blob.stream()`) add a staging copy.
   */
  pieceSize?: number | undefined
  /** Seconds `openssl speed` runs (default 3). */
  opensslSeconds?: number
  /** Timed passes over the data in one measurement; the best is kept (default 3). */
  passes?: number
  /** Interleaved rounds of ours and OpenSSL; medians are compared (default 3). */
  rounds?: number
}

export type BenchEncryptionReturnType = {
  /**
   * Our streaming encrypt throughput on Node, in MB/s (10^6 plaintext bytes per second):
   * `createEncryptStream` with `nodeEnvelopeCrypto`, as `encryptFile` and Node callers use it.
   */
  oursMBps: number
  /** `openssl speed -evp aes-256-gcm -bytes <chunkSize>` in MB/s. */
  opensslMBps: number
  /** oursMBps / opensslMBps. */
  ratio: number
  chunkSize: number
  /** The same stream on the browser-safe default, WebCrypto (what the extension gets), in MB/s. */
  webCryptoMBps: number
  /** webCryptoMBps / opensslMBps. */
  webCryptoRatio: number
  /** Worker threads in the pooled figures (the machine's cores). */
  threads: number
  /** The same stream with `workerPoolEnvelopeCrypto()` (node:crypto on every core), MB/s. */
  pooledMBps: number
  /** pooledMBps / opensslMBps (target ≥ 1.0 on 2 cores). */
  pooledRatio: number
  /** The same pool with a reader that frees nothing and leaves every chunk to V8's collector, MB/s (how the bench read before `freeBytes`). */
  pooledKeptMBps: number
  /** `workerPoolEnvelopeCrypto({ threads: cores − 1, caller: true })`: the calling thread seals its share too, MB/s. */
  sharedMBps: number
  /** sharedMBps / opensslMBps (target ≥ 1.0 on 2 cores). */
  sharedRatio: number
  /** WebCrypto in worker threads (the extension's path: `serveChunkCiphers` + `webCryptoWorkerChunkCipher`), MB/s. */
  pooledWebCryptoMBps: number
  /** pooledWebCryptoMBps / opensslMBps (target ≥ 0.5). */
  pooledWebCryptoRatio: number
  /**
   * `openssl speed -elapsed`: the same, divided by wall time instead of user CPU time. On a loaded
   * machine `openssl speed`'s default (CPU time) does not see the time it waited for a core, while
   * every figure of ours is wall time; the two references bracket the truth.
   */
  opensslElapsedMBps: number
  /**
   * CPU seconds per 10^6 bytes (all threads of the process, lowest pass of each round, median of
   * rounds) of each path: on a loaded machine wall time says little, but CPU time per byte divided
   * by the cores gives the throughput a quiet machine could reach at most (`cpuBoundMBps`).
   */
  cpuPerMB: { ours: number; pooled: number; shared: number; webCrypto: number; pooledWebCrypto: number }
  /** Minor page faults per 10^6 bytes of each path (median of rounds): a fault is a fresh page the kernel maps, and zeroes, for an output buffer. */
  faultsPerMB: { ours: number; pooled: number; shared: number; webCrypto: number; pooledWebCrypto: number }
  /** The same CPU by kind of thread (caller, cipher workers, V8's GC threads, libuv's pool), each kind's median of rounds: where each 0.1 ms goes. */
  cpuByThread: Record<keyof BenchEncryptionReturnType['cpuPerMB'], ThreadCpuPerMB>
  /**
   * The ceiling, measured in each round ({@link measureCeiling}: `threads` threads of plain
   * `cipher.update` on their own memory, each result freed at once); the round with the median MB/s.
   */
  ceiling: MeasureCeilingReturnType
  /** 1-minute load average at the start and at the end of the run (others' work on the same cores). */
  load: [number, number]
  /** All rounds, for the spread. */
  rounds: {
    ours: number[]
    webCrypto: number[]
    pooled: number[]
    pooledKept: number[]
    shared: number[]
    pooledWebCrypto: number[]
    openssl: number[]
    opensslElapsed: number[]
    ceiling: number[]
  }
}

/** CPU time of each kind of thread in this process, per 10^6 bytes (Linux: /proc/self/task/<tid>/schedstat); zeros elsewhere. */
export type ThreadCpuPerMB = {
  /** The calling thread (the stream, the pool's bookkeeping, copies into workers, its share of the GC). */
  caller: number
  /** Worker threads (the pool's cipher workers, all together). */
  workers: number
  /** V8's platform threads: concurrent marking and sweeping of every isolate, background compiles. */
  v8: number
  /** libuv's thread pool (Node's WebCrypto runs AES-GCM there). */
  threadpool: number
  other: number
}

type ThreadTimes = Map<string, { name: string; ns: number }>

function threadTimes(): ThreadTimes {
  const times: ThreadTimes = new Map()
  let tids: string[]
  try {
    tids = readdirSync('/proc/self/task')
  } catch {
    return times
  }
  for (const tid of tids) {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0])
      times.set(tid, { name, ns })
    } catch {} // the thread ended meanwhile
  }
  return times
}

function threadCpuPerMB(before: ThreadTimes, after: ThreadTimes, megabytes: number): ThreadCpuPerMB {
  const kinds: ThreadCpuPerMB = { caller: 0, workers: 0, v8: 0, threadpool: 0, other: 0 }
  for (const [tid, { name, ns }] of after) {
    const seconds = (ns - (before.get(tid)?.ns ?? 0)) / 1e9
    const kind: keyof ThreadCpuPerMB =
      tid === String(process.pid) ? 'caller' : name === 'WorkerThread' ? 'workers' : name === 'V8Worker' ? 'v8' : name === 'libuv-worker' ? 'threadpool' : 'other'
    kinds[kind] += seconds / megabytes
  }
  return kinds
}

/** What {@link measureCeiling} measured: throughput of all cipher threads together, and their CPU per MB. */
export type MeasureCeilingReturnType = {
  /** Plaintext encrypted by all threads together per wall second, MB/s. */
  MBps: number
  /** CPU seconds per 10^6 bytes that thread encrypted, of each cipher thread (its own clock). */
  cpuPerMBPerThread: number[]
  /** CPU seconds per 10^6 bytes of the whole process (cipher threads, V8's threads, the idle caller). */
  processCpuPerMB: number
  /** The same by kind of thread. */
  byThread: ThreadCpuPerMB
}

/**
 * The ceiling of node:crypto on `threads` threads: each worker thread runs `createCipheriv` +
 * `update` + `final` on `chunkSize` bytes of its own memory in a loop and frees each result at once
 * (encryption-ceiling-worker.ts): the cipher and Node's copy inside `update`, on memory that stays
 * in cache, with no chunk received and no result sent. Threads start together after a warm-up;
 * MB/s is all threads' bytes over the wall time of the slowest. A pool's results must reach the
 * caller as buffers of their own, which this leaves out: the gap between this and the pool is what
 * that costs (the per-thread CPU of the pool's paths shows where).
 */
export async function measureCeiling({
  threads = availableParallelism(),
  chunkSize = defaultChunkSize,
  mebibytes = 256,
}: { threads?: number; chunkSize?: number; mebibytes?: number } = {}): Promise<MeasureCeilingReturnType> {
  const chunks = Math.max(1, Math.round((mebibytes * 1024 * 1024) / chunkSize / threads))
  const url = new URL(`./encryption-ceiling-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { chunkSize, chunks } }))
  const next = (worker: Worker) =>
    new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  try {
    const ready = workers.map(next)
    for (const worker of workers) worker.postMessage('warm up')
    await Promise.all(ready)
    const done = workers.map(next) as Promise<{ cpuSeconds: number }>[]
    const before = threadTimes()
    const started = performance.now()
    for (const worker of workers) worker.postMessage('go')
    const cpu = await Promise.all(done)
    const seconds = (performance.now() - started) / 1000
    const perThreadMB = (chunks * chunkSize) / 1e6
    const byThread = threadCpuPerMB(before, threadTimes(), perThreadMB * threads)
    return {
      MBps: (perThreadMB * threads) / seconds,
      cpuPerMBPerThread: cpu.map((result) => result.cpuSeconds / perThreadMB),
      processCpuPerMB: Object.values(byThread).reduce((sum, value) => sum + value, 0),
      byThread,
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()))
  }
}

/** Random-looking plaintext without paying for 256 MiB of CSPRNG output: one random MiB repeated. */
function generatePlaintext(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes)
  const block = new Uint8Array(1024 * 1024)
  for (let i = 0; i < block.length; i += 65536) globalThis.crypto.getRandomValues(block.subarray(i, i + 65536))
  for (let offset = 0; offset < bytes; offset += block.length) data.set(block.subarray(0, Math.min(block.length, bytes - offset)), offset)
  return data
}

/**
 * Streams `input` in `pieceSize` pieces through `transform`, discarding the output; returns seconds.
 * With `release` (the default) each output chunk is freed as it is read (`freeBytes`), as the
 * product's readers do once a chunk is written or sent (encryptFile, decryptFile, the CLI's upload);
 * without, it is left to V8's collector (a reader that keeps nothing but frees nothing).
 */
async function timeStream(input: Uint8Array, pieceSize: number, transform: TransformStream<Uint8Array, Uint8Array>, release = true) {
  let offset = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= input.length) return controller.close()
      controller.enqueue(input.subarray(offset, offset + pieceSize))
      offset += pieceSize
    },
  })
  const started = performance.now()
  const reader = source.pipeThrough(transform).getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (release) freeBytes(value)
  }
  return (performance.now() - started) / 1000
}

/** Runs `openssl speed` for AES-256-GCM at `bytes` per operation; MB/s (10^6 bytes per second). */
export async function opensslSpeed({ bytes, seconds = 3, elapsed = false }: { bytes: number; seconds?: number; elapsed?: boolean }): Promise<number> {
  const { stdout } = await promisify(execFile)('openssl', [
    'speed', ...(elapsed ? ['-elapsed'] : []), '-evp', 'aes-256-gcm', '-seconds', String(seconds), '-bytes', String(bytes),
  ])
  // Last line: "AES-256-GCM    3030757.23k" (thousands of bytes per second).
  const match = /^AES-256-GCM\s+([\d.]+)k\s*$/m.exec(stdout)
  if (!match) throw new Error(`Could not parse openssl speed output:\n${stdout}`)
  return Number(match[1]) / 1000
}

/** Best-of-`passes` streaming throughput of encrypt (and optionally decrypt), MB/s. */
export async function measureEnvelope({
  chunkSize = defaultChunkSize,
  mebibytes = 256,
  pieceSize = chunkSize,
  passes = 3,
  decrypt = false,
  crypto = nodeEnvelopeCrypto,
  plaintext = generatePlaintext(mebibytes * 1024 * 1024),
  release = true,
}: BenchEncryptionParameters & { decrypt?: boolean; crypto?: EnvelopeCrypto; plaintext?: Uint8Array; release?: boolean } = {}): Promise<{
  encryptMBps: number
  /** CPU seconds of the whole process (every thread) per 10^6 plaintext bytes encrypted, lowest of the passes. */
  encryptCpuPerMB: number
  /** Minor page faults of the process per 10^6 plaintext bytes encrypted, lowest of the passes (fresh memory the kernel had to map; the first pass of a path also maps its threads' arenas). */
  encryptFaultsPerMB: number
  /** The CPU of the pass with the least, by kind of thread (Linux; zeros elsewhere). */
  encryptCpuByThread: ThreadCpuPerMB
  decryptMBps?: number
}> {
  const key = generateDataKey()
  const megabytes = plaintext.length / 1e6
  let best = Infinity
  let cpu = Infinity
  let faults = Infinity
  let encryptCpuByThread: ThreadCpuPerMB = { caller: 0, workers: 0, v8: 0, threadpool: 0, other: 0 }
  for (let pass = 0; pass < passes; pass++) {
    const before = process.cpuUsage()
    const threadsBefore = threadTimes()
    const faultsBefore = process.resourceUsage().minorPageFault
    best = Math.min(best, await timeStream(plaintext, pieceSize, createEncryptStream(key, { chunkSize, crypto }), release))
    faults = Math.min(faults, process.resourceUsage().minorPageFault - faultsBefore)
    const used = process.cpuUsage(before)
    const byThread = threadCpuPerMB(threadsBefore, threadTimes(), megabytes)
    if ((used.user + used.system) / 1e6 < cpu) encryptCpuByThread = byThread
    cpu = Math.min(cpu, (used.user + used.system) / 1e6)
  }
  const encryptFaultsPerMB = faults / megabytes
  const encryptMBps = plaintext.length / best / 1e6
  const encryptCpuPerMB = cpu / megabytes
  if (!decrypt) return { encryptMBps, encryptCpuPerMB, encryptFaultsPerMB, encryptCpuByThread }
  const envelope = await encryptBytes(key, plaintext, { chunkSize, crypto })
  best = Infinity
  for (let pass = 0; pass < passes; pass++)
    best = Math.min(best, await timeStream(envelope, pieceSize, createDecryptStream(key, { crypto })))
  return { encryptMBps, encryptCpuPerMB, encryptFaultsPerMB, encryptCpuByThread, decryptMBps: plaintext.length / best / 1e6 }
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * Measures our streaming encrypt throughput over `mebibytes` of plaintext held in memory and, in the
 * same run, `openssl speed -evp aes-256-gcm -bytes <chunkSize>` (the same block size as our chunk).
 * The two are interleaved over `rounds` rounds and the medians are compared, so that a noisy
 * neighbour on a shared machine slows both sides alike rather than one.
 */
export async function benchEncryption({
  chunkSize = defaultChunkSize,
  mebibytes = 256,
  pieceSize = chunkSize,
  opensslSeconds = 3,
  passes = 3,
  rounds = 3,
}: BenchEncryptionParameters = {}): Promise<BenchEncryptionReturnType> {
  const loadAtStart = loadavg()[0]!
  const plaintext = generatePlaintext(mebibytes * 1024 * 1024)
  const threads = availableParallelism()
  const pool = workerPoolEnvelopeCrypto({ threads })
  const webPool = workerPoolEnvelopeCrypto({ threads, engine: 'webcrypto' })
  const sharedPool = workerPoolEnvelopeCrypto({ threads: Math.max(1, threads - 1), caller: true })
  const all: BenchEncryptionReturnType['rounds'] = {
    ours: [], webCrypto: [], pooled: [], pooledKept: [], shared: [], pooledWebCrypto: [], openssl: [], opensslElapsed: [], ceiling: [],
  }
  const byThread: Record<keyof BenchEncryptionReturnType['cpuPerMB'], ThreadCpuPerMB[]> = { ours: [], pooled: [], shared: [], webCrypto: [], pooledWebCrypto: [] }
  const ceilings: MeasureCeilingReturnType[] = []
  const cpu: Record<keyof BenchEncryptionReturnType['cpuPerMB'], number[]> = { ours: [], pooled: [], shared: [], webCrypto: [], pooledWebCrypto: [] }
  const faults: Record<keyof BenchEncryptionReturnType['cpuPerMB'], number[]> = { ours: [], pooled: [], shared: [], webCrypto: [], pooledWebCrypto: [] }
  const measure = async (path: keyof BenchEncryptionReturnType['cpuPerMB'], crypto: EnvelopeCrypto) => {
    const { encryptMBps, encryptCpuPerMB, encryptFaultsPerMB, encryptCpuByThread } = await measureEnvelope({ chunkSize, plaintext, pieceSize, passes, crypto })
    byThread[path].push(encryptCpuByThread)
    all[path].push(encryptMBps)
    cpu[path].push(encryptCpuPerMB)
    faults[path].push(encryptFaultsPerMB)
  }
  try {
    for (let round = 0; round < rounds; round++) {
      await measure('ours', nodeEnvelopeCrypto)
      await measure('pooled', pool)
      all.pooledKept.push((await measureEnvelope({ chunkSize, plaintext, pieceSize, passes, crypto: pool, release: false })).encryptMBps)
      await measure('shared', sharedPool)
      all.openssl.push(await opensslSpeed({ bytes: chunkSize, seconds: opensslSeconds }))
      await measure('webCrypto', webCryptoEnvelopeCrypto)
      await measure('pooledWebCrypto', webPool)
      all.opensslElapsed.push(await opensslSpeed({ bytes: chunkSize, seconds: opensslSeconds, elapsed: true }))
      ceilings.push(await measureCeiling({ threads, chunkSize, mebibytes }))
    }
  } finally {
    await Promise.all([pool.close(), webPool.close(), sharedPool.close()])
  }
  const oursMBps = median(all.ours)
  const webCryptoMBps = median(all.webCrypto)
  const opensslMBps = median(all.openssl)
  const pooledMBps = median(all.pooled)
  const sharedMBps = median(all.shared)
  const pooledWebCryptoMBps = median(all.pooledWebCrypto)
  return {
    oursMBps,
    opensslMBps,
    ratio: oursMBps / opensslMBps,
    chunkSize,
    webCryptoMBps,
    webCryptoRatio: webCryptoMBps / opensslMBps,
    threads,
    pooledMBps,
    pooledRatio: pooledMBps / opensslMBps,
    pooledKeptMBps: median(all.pooledKept),
    sharedMBps,
    sharedRatio: sharedMBps / opensslMBps,
    pooledWebCryptoMBps,
    pooledWebCryptoRatio: pooledWebCryptoMBps / opensslMBps,
    opensslElapsedMBps: median(all.opensslElapsed),
    cpuPerMB: { ours: median(cpu.ours), pooled: median(cpu.pooled), shared: median(cpu.shared), webCrypto: median(cpu.webCrypto), pooledWebCrypto: median(cpu.pooledWebCrypto) },
    faultsPerMB: { ours: median(faults.ours), pooled: median(faults.pooled), shared: median(faults.shared), webCrypto: median(faults.webCrypto), pooledWebCrypto: median(faults.pooledWebCrypto) },
    cpuByThread: {
      ours: medianByKind(byThread.ours),
      pooled: medianByKind(byThread.pooled),
      shared: medianByKind(byThread.shared),
      webCrypto: medianByKind(byThread.webCrypto),
      pooledWebCrypto: medianByKind(byThread.pooledWebCrypto),
    },
    ceiling: medianRun(ceilings),
    load: [loadAtStart, loadavg()[0]!],
    rounds: { ...all, ceiling: ceilings.map((run) => run.MBps) },
  }
}

function medianByKind(runs: ThreadCpuPerMB[]): ThreadCpuPerMB {
  const kind = (key: keyof ThreadCpuPerMB) => (runs.length ? median(runs.map((run) => run[key])) : 0)
  return { caller: kind('caller'), workers: kind('workers'), v8: kind('v8'), threadpool: kind('threadpool'), other: kind('other') }
}

function medianRun(runs: MeasureCeilingReturnType[]): MeasureCeilingReturnType {
  return runs.toSorted((a, b) => a.MBps - b.MBps)[Math.floor((runs.length - 1) / 2)]!
}

/**
 * Peak resident memory (and ArrayBuffer memory) of the process while `mebibytes` of plaintext stream
 * through `createEncryptStream` on `crypto` and the envelope is dropped: the source hands out one
 * random MiB again and again, so nothing the size of the input exists anywhere. Sampled every 16
 * chunks; arrayBuffers above the start of the run.
 */
export async function measureEnvelopeMemory({ mebibytes, crypto, chunkSize = defaultChunkSize }: { mebibytes: number; crypto: EnvelopeCrypto; chunkSize?: number }) {
  const block = generatePlaintext(1024 * 1024)
  const baseline = { ...process.memoryUsage(), rss: 0 }
  let peakRss = 0
  let peakArrayBuffers = 0
  let pieces = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pieces++ === mebibytes) return controller.close()
      if (pieces % 16 === 0) {
        const { rss, arrayBuffers } = process.memoryUsage()
        peakRss = Math.max(peakRss, rss - baseline.rss)
        peakArrayBuffers = Math.max(peakArrayBuffers, arrayBuffers - baseline.arrayBuffers)
      }
      controller.enqueue(block)
    },
  })
  const reader = source.pipeThrough(createEncryptStream(generateDataKey(), { chunkSize, crypto })).getReader()
  while (!(await reader.read()).done) {}
  return { peakRssMiB: peakRss / 2 ** 20, peakArrayBuffersMiB: peakArrayBuffers / 2 ** 20 }
}

/** The ceiling's lines: what `threads` threads of plain `cipher.update` reach on their own memory, against OpenSSL. */
function ceilingLines(c: MeasureCeilingReturnType, opensslMBps: number, rounds: number[]): string[] {
  const threads = c.cpuPerMBPerThread.length
  return [
    `ceiling: ${threads} threads of plain createCipheriv().update() on their own memory, each result freed at once: ${c.MBps.toFixed(0)} MB/s, ${(c.MBps / opensslMBps).toFixed(2)}× openssl  rounds [${rounds.map((v) => v.toFixed(0)).join(', ')}]`,
    `  ${c.cpuPerMBPerThread.map((v) => (v * 1000).toFixed(3)).join(' and ')} ms/MB per cipher thread (openssl ${(1000 / opensslMBps).toFixed(3)}): the rest of each path's CPU is moving buffers, not AES`,
  ]
}

const met = (ratio: number, target: number) => `${ratio.toFixed(2)}× ${ratio >= target ? 'met' : 'NOT met'}`

/** The section's lines: single-thread and pooled figures side by side, ratios against both OpenSSL references, every round for the spread. */
export function encryptionLines(r: BenchEncryptionReturnType): string[] {
  const spread = (values: number[]) => `[${values.map((v) => v.toFixed(0)).join(', ')}]`
  const vs = (mbps: number) => `${(mbps / r.opensslMBps).toFixed(2)}× openssl (CPU time), ${(mbps / r.opensslElapsedMBps).toFixed(2)}× openssl -elapsed`
  return [
    `node:crypto, 1 thread          ${r.oursMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.oursMBps)}  rounds ${spread(r.rounds.ours)}`,
    `node:crypto, ${r.threads} worker threads ${r.pooledMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.pooledMBps)} (target ≥ 1.0×)  rounds ${spread(r.rounds.pooled)}`,
    `  the same, chunks left to V8's GC ${r.pooledKeptMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.pooledKeptMBps)} (a reader that frees nothing; the product's readers free each chunk once written or sent)  rounds ${spread(r.rounds.pooledKept)}`,
    `node:crypto, caller + ${Math.max(1, r.threads - 1)} worker ${r.sharedMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.sharedMBps)} (target ≥ 1.0×)  rounds ${spread(r.rounds.shared)}`,
    `WebCrypto, 1 thread            ${r.webCryptoMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.webCryptoMBps)}  rounds ${spread(r.rounds.webCrypto)}`,
    `WebCrypto, ${r.threads} worker threads   ${r.pooledWebCryptoMBps.toFixed(0).padStart(5)} MB/s: ${vs(r.pooledWebCryptoMBps)} (target ≥ 0.5×)  rounds ${spread(r.rounds.pooledWebCrypto)}`,
    `openssl speed -evp aes-256-gcm -bytes ${r.chunkSize}: ${r.opensslMBps.toFixed(0)} MB/s per CPU second ${spread(r.rounds.openssl)}, ${r.opensslElapsedMBps.toFixed(0)} MB/s per wall second (-elapsed) ${spread(r.rounds.opensslElapsed)}`,
    `CPU time (all threads) per MB, and the most ${r.threads} quiet cores could do with it (a bound, not a measurement); minor page faults per MB:`,
    ...(
      [
        ['node:crypto, 1 thread', r.cpuPerMB.ours, r.faultsPerMB.ours, 1],
        [`node:crypto, ${r.threads} workers`, r.cpuPerMB.pooled, r.faultsPerMB.pooled, r.threads],
        [`node:crypto, caller + ${Math.max(1, r.threads - 1)}`, r.cpuPerMB.shared, r.faultsPerMB.shared, r.threads],
        ['WebCrypto, 1 thread', r.cpuPerMB.webCrypto, r.faultsPerMB.webCrypto, r.threads], // Node's WebCrypto runs on libuv's threads
        [`WebCrypto, ${r.threads} workers`, r.cpuPerMB.pooledWebCrypto, r.faultsPerMB.pooledWebCrypto, r.threads],
      ] as const
    ).map(
      ([name, perMB, faultsPerMB, cores]) =>
        `  ${name.padEnd(26)} ${(perMB * 1000).toFixed(3)} ms/MB: ≤ ${(cores / perMB).toFixed(0)} MB/s on ${cores} core${cores > 1 ? 's' : ''}, ${(cores / perMB / r.opensslMBps).toFixed(2)}× openssl; ${faultsPerMB.toFixed(1)} faults/MB`,
    ),
    `the same by thread, ms/MB (caller | cipher workers | V8's GC and compile threads | libuv's pool | other); openssl is ${(1000 / r.opensslMBps).toFixed(3)}:`,
    ...(
      [
        ['node:crypto, 1 thread', r.cpuByThread.ours],
        [`node:crypto, ${r.threads} workers`, r.cpuByThread.pooled],
        [`node:crypto, caller + ${Math.max(1, r.threads - 1)}`, r.cpuByThread.shared],
        ['WebCrypto, 1 thread', r.cpuByThread.webCrypto],
        [`WebCrypto, ${r.threads} workers`, r.cpuByThread.pooledWebCrypto],
      ] as const
    ).map(([name, t]) => `  ${name.padEnd(26)} ${[t.caller, t.workers, t.v8, t.threadpool, t.other].map((v) => (v * 1000).toFixed(3)).join(' | ')}`),
    ...ceilingLines(r.ceiling, r.opensslMBps, r.rounds.ceiling),
    `load average (1 min) ${r.load[0].toFixed(2)} at the start, ${r.load[1].toFixed(2)} at the end: wall figures need a quiet machine, CPU per MB much less so`,
    `targets: node:crypto on the pool ≥ 1.0× openssl: ${met(Math.max(r.pooledRatio, r.sharedRatio), 1)}; WebCrypto in workers ≥ 0.5×: ${met(r.pooledWebCryptoRatio, 0.5)} (wall time against openssl's CPU time, medians)`,
  ]
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      'chunk-size': { type: 'string' },
      mib: { type: 'string' },
      piece: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      memory: { type: 'boolean', default: false },
      ceiling: { type: 'boolean', default: false },
    },
  })
  const mebibytes = values.mib ? Number(values.mib) : 256
  const pieceSize = values.piece ? Number(values.piece) : undefined
  const format = (n: number) => n.toFixed(0).padStart(6)
  if (values.ceiling) {
    const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : defaultChunkSize
    for (let round = 0; round < 3; round++) {
      const load = loadavg()[0]!.toFixed(2)
      const ceiling = await measureCeiling({ chunkSize, mebibytes })
      const openssl = await opensslSpeed({ bytes: chunkSize })
      console.log(`round ${round + 1}, load ${load}:`)
      for (const text of ceilingLines(ceiling, openssl, [ceiling.MBps])) console.log(`  ${text}`)
    }
  } else if (values.memory) {
    // Each engine in a process of its own would be cleaner; in one process, the 256 MiB run comes
    // first so the 2 GiB run starts from whatever the first left resident.
    const threads = availableParallelism()
    console.log(`peak RSS of the process (${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB at the start) and of arrayBuffers while encrypting on ${threads} worker threads (envelope dropped), MiB:`)
    for (const engine of ['node', 'webcrypto'] as const) {
      const pool = workerPoolEnvelopeCrypto({ threads, engine })
      try {
        const small = await measureEnvelopeMemory({ mebibytes: 256, crypto: pool })
        const large = await measureEnvelopeMemory({ mebibytes: 2048, crypto: pool })
        const constant = large.peakRssMiB <= small.peakRssMiB * 1.25 + 32
        console.log(
          `  ${engine.padEnd(9)} RSS ${small.peakRssMiB.toFixed(0)} at 256 MiB, ${large.peakRssMiB.toFixed(0)} at 2 GiB; arrayBuffers ${small.peakArrayBuffersMiB.toFixed(0)}, ${large.peakArrayBuffersMiB.toFixed(0)}: ${constant ? 'constant' : 'GROWS'}`,
        )
      } finally {
        await pool.close()
      }
    }
  } else if (values.sweep) {
    console.log(
      `streaming, ${mebibytes} MiB in ${pieceSize ? `${pieceSize} B` : 'chunk-size'} pieces; MB/s; ratio = encrypt / openssl at the chunk size`,
    )
    console.log('chunk size | node:crypto enc  dec  ratio | webcrypto enc  dec  ratio | openssl')
    for (const chunkSize of [64 * 1024, 256 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024]) {
      const r = await benchEncryption({ chunkSize, mebibytes, pieceSize, opensslSeconds: 2 })
      const node = await measureEnvelope({ chunkSize, mebibytes, pieceSize, decrypt: true, crypto: nodeEnvelopeCrypto })
      const web = await measureEnvelope({ chunkSize, mebibytes, pieceSize, decrypt: true, crypto: webCryptoEnvelopeCrypto })
      console.log(
        `${String(chunkSize / 1024).padStart(6)} KiB |      ${format(r.oursMBps)} ${format(node.decryptMBps!)}  ${r.ratio.toFixed(2)} |    ${format(r.webCryptoMBps)} ${format(web.decryptMBps!)}  ${r.webCryptoRatio.toFixed(2)} | ${format(r.opensslMBps)}`,
      )
    }
  } else {
    const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : defaultChunkSize
    const r = await benchEncryption({ chunkSize, mebibytes, pieceSize })
    console.log(`envelope encrypt, ${r.chunkSize} B chunks, ${mebibytes} MiB written in ${pieceSize ?? r.chunkSize} B pieces, medians of 3 interleaved rounds:`)
    for (const text of encryptionLines(r)) console.log(`  ${text}`)
  }
}
