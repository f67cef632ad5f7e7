// The browser extension's own encryption path in real Chromium, against `openssl speed -evp aes-256-gcm`
// measured in the same run. The extension is built (browser-extension/build.ts) and loaded in Debian's
// Chromium (browser-extension/e2e/chromium.ts); in its app page (chrome-extension://…/app.html) the
// bench starts the extension's own built data worker (assets/data-worker-*.js) and asks it to
// encrypt a Blob of N MiB generated in the page's memory, as the Add data screen does with the
// owner's file: the data worker reads the Blob, starts its pool of cipher workers (cipher-pool.ts:
// one per navigator.hardwareConcurrency, WebCrypto AES-GCM in each, the extension's chunk size,
// read back from the envelope's header and printed) and hands the ciphertext stream to the page, which reads it to the end (nothing is uploaded,
// nothing written). The page times it, from the request to the last ciphertext byte.
//
// Printed: MB/s (10^6 plaintext bytes per wall second) of the extension's pool; of the same path
// with one cipher worker (navigator.hardwareConcurrency reads 1 in the data worker, set over the
// DevTools protocol); and, as the ceiling, of the extension's cipher workers fed straight from the
// page (no Blob, no stream, no pool) with the SDK's 1 MiB chunks and with 512 KiB ones; and the
// plaintext Blob only read (`Blob.stream()`), what the input side costs alone. Each against
// `openssl speed` (one core, 1 MiB blocks as the Node bench: its helper),
// interleaved over ≥ 3 rounds (the best of `passes` in each round, medians compared; every round
// and pass printed for the spread); Chromium's CPU per MB from /proc of its processes; the target
// (≥ 0.5× openssl, judged as the Node bench judges pooledWebCrypto) and whether it is met. Before
// the timed runs, a small envelope encrypted the same way (pool and one worker) is decrypted with
// the SDK in Node and compared with the page's plaintext; the cipher workers the data worker starts
// are counted (its Worker constructor noted over the protocol).
//
//   node scripts/bench/extension-encryption.ts                 (256 MiB, 3 rounds, best of 2 passes; ~2 min)
//   node scripts/bench/extension-encryption.ts --mib 512 --rounds 5 --passes 2
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { decryptBytes, defaultChunkSize } from '@datavault/sdk'
import { buildExtension } from '../../browser-extension/build.ts'
import { type ExtensionChromium, spawnExtensionChromium } from '../../browser-extension/e2e/chromium.ts'
import { type Cdp, connectCdp, evaluateOverCdp as evaluate } from '../lib/cdp.ts'
import { opensslSpeed } from './encryption.ts'

const mib = 1024 ** 2
/** The target of issue 16 for the browser path (WebCrypto in workers, as the extension runs it), against openssl on one core. */
export const extensionEncryptionTarget = 0.5
/** Progress on stderr (the figures go to stdout). */
const step = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`)

// ---------------------------------------------------------------------------------------------
// Chromium's CPU time from /proc: every process of the profile, by role; the extension renderer's by thread.

const ticksPerSecond = 100

/**
 * CPU seconds so far, by role: the browser process; the extension's renderer, split into its main
 * thread (the page) and the rest of it (the data worker, the cipher workers, Chromium's thread pool,
 * IO and V8's GC threads: worker threads come and go, their time stays in the process's); all other
 * processes.
 */
type ChromiumCpu = { browser: number; page: number; renderer: number; other: number }

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return undefined
  }
}

/** utime + stime of a /proc stat line, in seconds. */
const statSeconds = (stat: string) => {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** The processes of the Chromium whose profile is `profile` (the browser and its descendants). */
function chromiumProcesses(profile: string): { pid: number; cmdline: string }[] {
  const parent = new Map<number, number>()
  const cmdlines = new Map<number, string>()
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue
    const stat = readOr(`/proc/${name}/stat`)
    if (!stat) continue
    parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    const cmdline = readOr(`/proc/${name}/cmdline`)
    if (cmdline) cmdlines.set(Number(name), cmdline.replaceAll('\0', ' '))
  }
  const found = new Set([...cmdlines].filter(([, cmdline]) => cmdline.includes(`--user-data-dir=${profile}`) && !cmdline.includes('--type=')).map(([pid]) => pid))
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, ppid] of parent)
      if (!found.has(pid) && found.has(ppid)) {
        found.add(pid)
        grew = true
      }
  }
  return [...found].map((pid) => ({ pid, cmdline: cmdlines.get(pid) ?? '' }))
}

/** Chromium's CPU seconds so far (see {@link ChromiumCpu}). */
function chromiumCpu(profile: string): ChromiumCpu {
  const cpu: ChromiumCpu = { browser: 0, page: 0, renderer: 0, other: 0 }
  for (const { pid, cmdline } of chromiumProcesses(profile)) {
    const stat = readOr(`/proc/${pid}/stat`)
    if (!stat) continue
    const total = statSeconds(stat)
    if (!cmdline.includes('--type=')) cpu.browser += total
    else if (cmdline.includes('--type=renderer') && cmdline.includes('--extension-process')) {
      const main = readOr(`/proc/${pid}/task/${pid}/stat`)
      const page = main ? statSeconds(main) : 0
      cpu.page += page
      cpu.renderer += total - page
    } else cpu.other += total
  }
  return cpu
}

const cpuKeys = ['page', 'renderer', 'browser', 'other'] as const
const cpuSince = (before: ChromiumCpu, after: ChromiumCpu) => Object.fromEntries(cpuKeys.map((key) => [key, after[key] - before[key]])) as ChromiumCpu
const cpuTotal = (cpu: ChromiumCpu) => cpuKeys.reduce((sum, key) => sum + cpu[key], 0)

// ---------------------------------------------------------------------------------------------
// The page's side.

/**
 * Installed in the app page: `__dvBench.plaintext(bytes)` makes the Blob (random 1 MiB blocks; the
 * last partial), `__dvBench.encrypt()` runs the extension's data worker on it and reads the
 * ciphertext stream to its end, timing it; `__dvBench.direct(workers, bytes)` feeds the extension's
 * cipher workers (the built cipher-worker script, the SDK's serveChunkCiphers protocol) straight
 * from the page, chunks of the size asked (the SDK's default 1 MiB, or half), four in flight per worker, no stream, no Blob, no pool: what
 * WebCrypto in those workers does at most.
 */
const pageSetup = (dataWorkerUrl: string, cipherWorkerUrl: string) => `(() => {
  const worker = new Worker(${JSON.stringify(dataWorkerUrl)}, { type: 'module' })
  let next = 1
  const waiting = new Map()
  worker.onmessage = ({ data }) => {
    const entry = waiting.get(data.id)
    if (!entry || data.type === 'progress') return
    waiting.delete(data.id)
    if (data.type === 'done') entry.resolve(data.value)
    else entry.reject(new Error(data.error?.message ?? 'the data worker failed'))
  }
  const call = (request) => new Promise((resolve, reject) => {
    const id = next++
    waiting.set(id, { resolve, reject })
    worker.postMessage({ ...request, id })
  })
  const random = (bytes) => {
    const out = new Uint8Array(bytes)
    for (let i = 0; i < bytes; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(bytes, i + 65536)))
    return out
  }
  const bench = {
    blob: undefined,
    key: undefined,
    plaintext(bytes) {
      const block = random(${mib})
      const parts = []
      for (let done = 0; done < bytes; done += block.length) parts.push(done + block.length <= bytes ? block : random(bytes - done))
      bench.blob = new Blob(parts)
      bench.key = random(32)
      return bench.blob.size
    },
    // The data worker is loaded (it answers an inspect) before anything is timed.
    ready: () => call({ type: 'inspect', data: new Blob(['a,b\\n1,2\\n']), name: 'warm.csv', maxBytes: 1024 }).then(() => true),
    async encrypt({ keep = false } = {}) {
      const started = performance.now()
      const { ciphertext, plaintextBytes } = await call({ type: 'encrypt', plaintext: bench.blob, key: bench.key.slice(), name: 'bench.bin' })
      const firstAt = performance.now()
      const reader = ciphertext.getReader()
      const kept = []
      let bytes = 0
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
        if (keep) kept.push(value)
      }
      const ms = performance.now() - started
      const result = { ms, streamAtMs: firstAt - started, plaintextBytes, ciphertextBytes: bytes }
      if (!keep) return result
      const toBase64 = (bytes) => { let text = ''; for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768)); return btoa(text) }
      const joined = new Uint8Array(bytes)
      let offset = 0
      for (const part of kept) { joined.set(part, offset); offset += part.byteLength }
      return { ...result, ciphertext: toBase64(joined), key: toBase64(bench.key), plaintext: toBase64(new Uint8Array(await bench.blob.arrayBuffer())) }
    },
  }
  bench.read = async () => {
    const started = performance.now()
    const reader = bench.blob.stream().getReader()
    let bytes = 0
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      bytes += value.byteLength
    }
    return { ms: performance.now() - started, bytes }
  }
  bench.direct = async (count, bytes, chunk) => {
    const workers = Array.from({ length: count }, () => new Worker(${JSON.stringify(cipherWorkerUrl)}, { type: 'module' }))
    const pending = new Map()
    let id = 0
    for (const worker of workers) {
      worker.onmessage = ({ data }) => { const resolve = pending.get(data.id); pending.delete(data.id); resolve(data) }
      worker.postMessage({ op: 'key', keyId: 1, key: random(32) })
    }
    const seal = (worker, data) => new Promise((resolve) => {
      const request = ++id
      pending.set(request, resolve)
      worker.postMessage({ op: 'seal', id: request, keyId: 1, nonce: random(12), aad: new Uint8Array(5), data }, [data])
    })
    const run = async (chunks) => {
      let left = chunks
      await Promise.all(workers.flatMap((worker) => Array.from({ length: 4 }, async () => {
        let data = random(chunk).buffer
        while (left-- > 0) {
          const reply = await seal(worker, data)
          if (!reply.ok) throw new Error(reply.message)
          data = reply.input
        }
      })))
    }
    try {
      await run(4 * count) // each worker started and its key imported
      const started = performance.now()
      await run(Math.ceil(bytes / chunk))
      return { ms: performance.now() - started, bytes: Math.ceil(bytes / chunk) * chunk }
    } finally {
      for (const worker of workers) worker.terminate()
    }
  }
  globalThis.__dvBench = bench
  return bench.ready()
})()`

// ---------------------------------------------------------------------------------------------
// The run.

export type BenchExtensionEncryptionParameters = {
  /** MiB of plaintext generated in the page (default 256). */
  mebibytes?: number
  /** Interleaved rounds of the extension and OpenSSL (default 3). */
  rounds?: number
  /** Timed encryptions of each path in a round; the best counts (default 2). */
  passes?: number
  /** Seconds each `openssl speed` runs (default 3). */
  opensslSeconds?: number
}

/**
 * The extension's pool as it picks it; the same with one cipher worker; its cipher workers fed
 * straight from the page (the ceiling), with the SDK's chunk size and with half of it; the
 * plaintext Blob only read (`Blob.stream()` to its end, in the page): what the input side costs.
 */
const paths = ['pool', 'one', 'direct', 'directHalf', 'read'] as const
type Path = (typeof paths)[number]
/** One timed encryption: its wall time in the page, Chromium's CPU, and the cipher workers the data worker started (those the page fed, for the direct feed). */
type Pass = { ms: number; cpu: ChromiumCpu; workers: number }

export type BenchExtensionEncryptionReturnType = {
  mebibytes: number
  plaintextBytes: number
  chunkSize: number
  /** navigator.hardwareConcurrency in Chromium. */
  hardwareConcurrency: number
  /** The cipher workers of each path (the most in any pass): those the data worker started, or those the page fed. */
  cipherWorkers: Record<Path, number>
  /** The envelope chunk size the extension encrypts with (read from its envelope's header). */
  extensionChunkSize: number
  /** Whether the small envelope the extension encrypted decrypted with the SDK in Node to its plaintext, and its size. */
  check: { ok: boolean; bytes: number }
  /** Every pass of every round of each path; openssl's MB/s per round (CPU time, and -elapsed). */
  rounds: Record<Path, Pass[][]> & { openssl: number[]; opensslElapsed: number[] }
  /** 1-minute load average before each round and at the end. */
  load: number[]
}

/** Builds the extension, runs it in Chromium and measures its encryption against OpenSSL, interleaved. */
export async function benchExtensionEncryption({ mebibytes = 256, rounds = 3, passes = 2, opensslSeconds = 3 }: BenchExtensionEncryptionParameters = {}): Promise<BenchExtensionEncryptionReturnType> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-extension-encryption-'))
  const dist = join(dir, 'extension')
  let browser: ExtensionChromium | undefined
  let cdp: Cdp | undefined
  try {
    step('building the extension')
    await buildExtension({ outDir: dist, zipFile: false })
    const assets = await readdir(join(dist, 'assets'))
    const dataWorker = assets.find((name) => /^data-worker-.*\.js$/.test(name))
    const cipherWorker = assets.find((name) => /^cipher-worker-.*\.js$/.test(name))
    if (!dataWorker || !cipherWorker) throw new Error(`no data worker or cipher worker in the build: ${assets.join(', ')}`)
    step('launching Chromium')
    browser = await spawnExtensionChromium(dist)
    cdp = await connectCdp(browser.endpoint)
    const c = cdp
    let extensionId: string | undefined
    for (let waited = 0; !extensionId; waited += 100) {
      const { targetInfos } = await c.send<{ targetInfos: { type: string; url: string }[] }>('Target.getTargets')
      extensionId = targetInfos.map((info) => /^chrome-extension:\/\/([a-p]{32})\//.exec(info.url)?.[1]).find(Boolean)
      if (!extensionId) {
        if (waited > 30_000) throw new Error('the extension did not start in Chromium')
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    }
    const { targetId } = await c.send<{ targetId: string }>('Target.createTarget', { url: `chrome-extension://${extensionId}/app.html` })
    const { sessionId } = await c.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true })
    for (let waited = 0; !(await evaluate<boolean>(c, sessionId, `location.protocol === 'chrome-extension:' && document.readyState === 'complete'`).catch(() => false)); waited += 100) {
      if (waited > 30_000) throw new Error('the app page did not load')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    // The bench's data worker, followed over the protocol (its session sets the workers the extension
    // picks and counts those it starts); every other worker of the page (the app's own data worker,
    // the direct feed's cipher workers) is let go as it comes: nothing follows them.
    let setUp = false
    let resolveSession: (id: string) => void = () => undefined
    const dataWorkerSession = new Promise<string>((resolve) => (resolveSession = resolve))
    c.on(({ method, params, sessionId: parent }) => {
      if (method !== 'Target.attachedToTarget' || parent !== sessionId) return
      if (setUp && (params.targetInfo as { url: string }).url.includes('/data-worker-')) resolveSession(params.sessionId as string)
      else void c.send('Target.detachFromTarget', { sessionId: params.sessionId as string }).catch(() => undefined)
    })
    await c.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId)
    // The app's own data worker (main.ts starts one) is attached by now and let go; the next one is the bench's.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    setUp = true
    await evaluate(c, sessionId, pageSetup(`chrome-extension://${extensionId}/assets/${dataWorker}`, `chrome-extension://${extensionId}/assets/${cipherWorker}`))
    const workerSession = await dataWorkerSession
    // Counts the Workers the data worker starts (its cipher workers): each construction is noted, nothing else changes.
    await evaluate(c, workerSession, `self.__dvWorkers = []; self.Worker = class extends self.Worker { constructor(...args) { super(...args); self.__dvWorkers.push(1) } }; true`)
    const hardwareConcurrency = await evaluate<number>(c, sessionId, 'navigator.hardwareConcurrency')

    /** A small envelope encrypted by the extension: whether the SDK in Node decrypts it to the page's plaintext. */
    const probe = async (bytes: number) => {
      await evaluate(c, sessionId, `__dvBench.plaintext(${bytes})`)
      const run = await evaluate<{ ciphertext: string; key: string; plaintext: string }>(c, sessionId, '__dvBench.encrypt({ keep: true })')
      const plaintext = Buffer.from(run.plaintext, 'base64')
      const decrypted = await decryptBytes(new Uint8Array(Buffer.from(run.key, 'base64')), new Uint8Array(Buffer.from(run.ciphertext, 'base64')))
      const envelope = Buffer.from(run.ciphertext, 'base64')
      return { ok: plaintext.byteLength === bytes && Buffer.from(decrypted).equals(plaintext), chunkSize: envelope.readUInt32BE(6) }
    }
    // One worker: navigator.hardwareConcurrency reads 1 in the data worker (an own property over the prototype's getter), which cipher-pool.ts reads for each file.
    const setWorkers = async (path: Path) =>
      await evaluate(c, workerSession, path === 'one' ? `Object.defineProperty(navigator, 'hardwareConcurrency', { value: 1, configurable: true }), 1` : `delete navigator.hardwareConcurrency, navigator.hardwareConcurrency`)
    step('checking: a small envelope encrypted in Chromium, decrypted with the SDK in Node')
    const checkBytes = 3 * defaultChunkSize + 12_345
    await setWorkers('pool')
    const poolProbe = await probe(checkBytes)
    await setWorkers('one')
    const oneProbe = await probe(checkBytes)
    await evaluate(c, workerSession, 'self.__dvWorkers.splice(0).length') // the checks' workers are not the timed ones

    step(`generating ${mebibytes} MiB in the page`)
    const plaintextBytes = await evaluate<number>(c, sessionId, `__dvBench.plaintext(${mebibytes * mib})`)
    let poolWorkers = 1
    const timed = async (path: Path, count = passes): Promise<Pass[]> => {
      if (path === 'pool' || path === 'one') await setWorkers(path)
      const out: Pass[] = []
      for (let pass = 0; pass < count; pass++) {
        const profile = browser!.profile
        const before = chromiumCpu(profile)
        const run = await evaluate<{ ms: number; plaintextBytes?: number; bytes?: number }>(c, sessionId, path === 'read' ? '__dvBench.read()' : path.startsWith('direct') ? `__dvBench.direct(${poolWorkers}, ${plaintextBytes}, ${path === 'direct' ? defaultChunkSize : defaultChunkSize / 2})` : '__dvBench.encrypt()')
        const cpu = cpuSince(before, chromiumCpu(profile))
        const workers = path === 'read' ? 0 : path.startsWith('direct') ? poolWorkers : await evaluate<number>(c, workerSession, 'self.__dvWorkers.splice(0).length')
        if (path === 'pool') poolWorkers = Math.max(poolWorkers, workers)
        if ((path === 'pool' || path === 'one') && workers === 0) throw new Error('the data worker the bench follows started no cipher worker: it is not the one that encrypted')
        if (path === 'one' && workers !== 1) throw new Error(`${workers} cipher workers with hardwareConcurrency 1`)
        const bytes = run.plaintextBytes ?? run.bytes
        if (bytes !== plaintextBytes) throw new Error(`${path}: ${bytes} bytes encrypted, the page made ${plaintextBytes}`)
        out.push({ ms: run.ms, cpu, workers })
      }
      return out
    }
    // One untimed pass of each, so that neither the first round nor the first path pays for compiling.
    for (const path of paths) await timed(path, 1)
    const all: BenchExtensionEncryptionReturnType['rounds'] = { pool: [], one: [], direct: [], directHalf: [], read: [], openssl: [], opensslElapsed: [] }
    const load: number[] = []
    for (let round = 0; round < rounds; round++) {
      load.push(loadavg()[0]!)
      step(`round ${round + 1} of ${rounds}`)
      all.openssl.push(await opensslSpeed({ bytes: defaultChunkSize, seconds: opensslSeconds }))
      all.pool.push(await timed('pool'))
      all.one.push(await timed('one'))
      all.direct.push(await timed('direct'))
      all.directHalf.push(await timed('directHalf'))
      all.read.push(await timed('read'))
      all.opensslElapsed.push(await opensslSpeed({ bytes: defaultChunkSize, seconds: opensslSeconds, elapsed: true }))
    }
    load.push(loadavg()[0]!)
    return {
      mebibytes,
      plaintextBytes,
      chunkSize: defaultChunkSize,
      hardwareConcurrency,
      cipherWorkers: Object.fromEntries(paths.map((path) => [path, Math.max(...all[path].flat().map((pass) => pass.workers))])) as Record<Path, number>,
      check: { ok: poolProbe.ok && oneProbe.ok, bytes: checkBytes },
      extensionChunkSize: poolProbe.chunkSize,
      rounds: all,
      load,
    }
  } finally {
    step('stopping Chromium')
    cdp?.close()
    await browser?.close()
    await rm(dir, { recursive: true, force: true })
  }
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The section's lines: each path's MB/s against both OpenSSL references with every round, CPU per MB, the target. */
export function extensionEncryptionLines(r: BenchExtensionEncryptionReturnType): { lines: string[]; met: boolean } {
  const megabytes = r.plaintextBytes / 1e6
  const best = (passes: Pass[]) => passes.reduce((a, b) => (b.ms < a.ms ? b : a))
  const mbps = (pass: Pass) => megabytes / (pass.ms / 1000)
  const openssl = median(r.rounds.openssl)
  const opensslElapsed = median(r.rounds.opensslElapsed)
  const spread = (values: number[], digits = 0) => `[${values.map((v) => v.toFixed(digits)).join(', ')}]`
  const lines: string[] = []
  const figures = {} as Record<Path, number>
  const labels: Record<Path, string> = {
    pool: `the extension's pool (${r.cipherWorkers.pool} cipher workers)`,
    one: 'the same, one cipher worker',
    direct: `its ${r.cipherWorkers.direct} cipher workers fed ${r.chunkSize / 1024} KiB chunks`,
    directHalf: `the same, ${r.chunkSize / 2 / 1024} KiB chunks`,
    read: 'the plaintext Blob only read (no cipher)',
  }
  for (const path of paths) {
    const perRound = r.rounds[path].map((passes) => mbps(best(passes)))
    const value = median(perRound)
    figures[path] = value
    const ratios = r.rounds[path].map((passes, round) => mbps(best(passes)) / r.rounds.openssl[round]!)
    lines.push(
      `${labels[path].padEnd(40)} ${value.toFixed(0).padStart(5)} MB/s: ${(value / openssl).toFixed(3)}× openssl (CPU time), ${(value / opensslElapsed).toFixed(3)}× openssl -elapsed; ` +
        `rounds ${spread(perRound)} MB/s, each round against its own openssl ${spread(ratios, 3)}×; every pass ${spread(r.rounds[path].flat().map(mbps))}`,
    )
  }
  lines.push(`openssl speed -evp aes-256-gcm -bytes ${r.chunkSize} (one core): ${openssl.toFixed(0)} MB/s per CPU second ${spread(r.rounds.openssl)}, ${opensslElapsed.toFixed(0)} MB/s per wall second (-elapsed) ${spread(r.rounds.opensslElapsed)}`)
  lines.push(
    `Chromium's CPU per MB (all its processes, /proc, 10 ms ticks; median of every pass), ms/MB: total (→ MB per CPU second) | the page's main thread | the rest of the extension's renderer (data worker, cipher workers, Chromium's thread pool, GC) | browser process | other processes; openssl ${(1000 / openssl).toFixed(3)}`,
  )
  for (const path of paths) {
    const passes = r.rounds[path].flat()
    const of = (key: keyof ChromiumCpu | 'total') => median(passes.map(({ cpu }) => (key === 'total' ? cpuTotal(cpu) : cpu[key]) / megabytes)) * 1000
    const total = of('total')
    lines.push(`  ${labels[path].padEnd(40)} ${total.toFixed(2)} (${(1000 / total).toFixed(0)} MB/s, ${(1000 / total / openssl).toFixed(3)}× openssl) | ${cpuKeys.map((key) => of(key).toFixed(2)).join(' | ')}`)
  }
  lines.push(`check: ${r.check.bytes} bytes encrypted by the extension in Chromium (pool and one worker) decrypt with the SDK in Node to the page's plaintext: ${r.check.ok ? 'yes' : 'NO'}`)
  lines.push(`navigator.hardwareConcurrency ${r.hardwareConcurrency}; cipher workers the data worker started: ${r.cipherWorkers.pool}, ${r.cipherWorkers.one} with hardwareConcurrency 1 in the data worker; the extension's envelope chunk ${r.extensionChunkSize} B (from its header), the direct feed's ${r.chunkSize} and ${r.chunkSize / 2} B; ${r.mebibytes} MiB per pass, best of ${r.rounds.pool[0]?.length ?? 0} passes per round`)
  lines.push(`load average (1 min) before each round and at the end: ${r.load.map((v) => v.toFixed(2)).join(', ')}`)
  const ratio = figures.pool / openssl
  const met = ratio >= extensionEncryptionTarget && r.check.ok
  const ceiling = Math.max(figures.direct, figures.directHalf)
  lines.push(`the extension's path reaches ${((figures.pool / ceiling) * 100).toFixed(0)}% of what its cipher workers do fed directly at best (${ceiling.toFixed(0)} MB/s, ${(ceiling / openssl).toFixed(3)}× openssl): the rest of the gap to openssl is WebCrypto's AES-GCM in this Chromium; reading the plaintext Blob alone runs at ${figures.read.toFixed(0)} MB/s (the path is at ${((figures.pool / figures.read) * 100).toFixed(0)}% of that)`)
  lines.push(`target: the extension's encryption in Chromium (WebCrypto in its cipher workers) ≥ ${extensionEncryptionTarget}× openssl: ${ratio.toFixed(3)}× ${met ? 'met' : 'NOT met'} (wall time against openssl's CPU time, medians; against -elapsed ${(figures.pool / opensslElapsed).toFixed(3)}×)`)
  return { lines, met }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, rounds: { type: 'string', default: '3' }, passes: { type: 'string', default: '2' }, seconds: { type: 'string', default: '3' } } })
  const load = () => loadavg().map((value) => value.toFixed(2)).join(' ')
  console.log(`load before: ${load()}`)
  const r = await benchExtensionEncryption({ mebibytes: Number(values.mib), rounds: Number(values.rounds), passes: Number(values.passes), opensslSeconds: Number(values.seconds) })
  console.log(`the extension's encryption in Chromium (data worker → cipher workers → ciphertext stream read by the page), ${r.mebibytes} MiB generated in the page, medians of ${r.rounds.openssl.length} interleaved rounds:`)
  const { lines } = extensionEncryptionLines(r)
  for (const text of lines) console.log(`  ${text}`)
  console.log(`load after: ${load()}`)
}
