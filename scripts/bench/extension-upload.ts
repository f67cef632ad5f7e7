// The browser extension's add-data flow in real Chromium, for its memory: a local stack, the built
// extension in Debian's Chromium, a wallet created through the UI, then a large CSV (six number
// columns, generated to a temporary file) added through the Add data screen: read and profiled in
// the data worker, encrypted on the cipher workers and uploaded through an upload session in
// 4 MiB chunks. While it runs, every ~50 ms (in a thread of its own, so a busy node does not
// stretch it) the RSS and PSS of each of Chromium's processes are read from /proc; the page's,
// the data worker's and the cipher workers' JS heaps (and their ArrayBuffer backing stores) are
// read over the DevTools protocol. Printed for each size: baseline (before the file is chosen),
// peak while reading and while encrypting + uploading, peak − baseline; then whether the memory
// is bounded: the largest size's peak − baseline within a constant of the smallest's. Speed, for
// the record: the add's MB/s (encrypt + chunked upload, ciphertext bytes over wall time) against
// the SDK's one-request upload (`uploadCiphertext`) of as many bytes to the same node in the same run.
// Playwright creates the wallet, then lets go: the add is driven over the bare DevTools protocol,
// because Playwright's network capture has Chromium copy every request body (each 4 MiB chunk, in
// base64) into the protocol, which costs the browser and this process seconds of CPU and tens of MiB.
//   node scripts/bench/extension-upload.ts                    (64 and 512 MiB)
//   node scripts/bench/extension-upload.ts --mib 64,256 --exclude
// `--exclude` leaves one column out (the owner unticks it): the kept CSV is cut before encryption.
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { ciphertextLength, uploadCiphertext } from '@datavault/sdk'
import type { Page } from 'playwright-core'
import { buildExtension } from '../../browser-extension/build.ts'
import { extensionChunkSize } from '../../browser-extension/src/data/encrypt.ts'
import { type ExtensionChromium, spawnExtensionChromium } from '../../browser-extension/e2e/chromium.ts'
import { startTestStack } from '../../test/fixtures/stack.ts'
import { type Cdp, connectCdp, evaluateOverCdp } from '../lib/cdp.ts'

const mib = 1024 ** 2
/** Progress on stderr (the figures go to stdout). */
const step = (text: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`)

/**
 * The target: the largest file's peak − baseline (all of Chromium's processes, PSS) exceeds the
 * smallest file's by at most this many bytes (the file grows by hundreds of MiB).
 */
export const extensionMemorySlackBytes = 32 * mib

// ---------------------------------------------------------------------------------------------
// The data: six number columns, rows of a 4 MiB block of random values repeated to the size.

/** Writes a CSV of about `bytes` bytes (whole rows) with six number columns; returns its exact size. */
async function writeCsv(path: string, bytes: number): Promise<number> {
  const rows: string[] = []
  let blockBytes = 0
  while (blockBytes < 4 * mib) {
    const row = Array.from({ length: 6 }, (_, column) => (Math.random() * 10 ** (column % 3 + 1)).toFixed(3)).join(',')
    rows.push(row)
    blockBytes += row.length + 1
  }
  const block = Buffer.from(`${rows.join('\n')}\n`)
  const file = await open(path, 'w')
  try {
    const header = Buffer.from('a,b,c,d,e,f\n')
    await file.write(header)
    let written = header.byteLength
    while (written + block.byteLength <= bytes) {
      await file.write(block)
      written += block.byteLength
    }
    // The rest: whole rows of the block's start.
    const rest = block.subarray(0, block.lastIndexOf(0x0a, bytes - written - 1) + 1)
    await file.write(rest)
    return written + rest.byteLength
  } finally {
    await file.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Chromium's processes from /proc, sampled in a thread of their own.

type Sample = { t: number; roles: Record<string, { rss: number; pss: number; cpu: number }> }

const samplerSource = `
const { parentPort, workerData } = require('node:worker_threads')
const { readdirSync, readFileSync } = require('node:fs')
const { profile, intervalMs } = workerData
const ticksPerSecond = 100
const now = () => performance.timeOrigin + performance.now()
const read = (path) => { try { return readFileSync(path, 'utf8') } catch { return undefined } }
function roleOf(cmdline) {
  if (!cmdline.includes('--type=')) return 'browser'
  if (cmdline.includes('--type=renderer')) return cmdline.includes('--extension-process') ? 'extension' : 'renderer'
  if (cmdline.includes('NetworkService')) return 'network'
  if (cmdline.includes('--type=gpu-process')) return 'gpu'
  if (cmdline.includes('--type=zygote')) return 'zygote'
  return 'utility'
}
let processes = []
function scan() {
  const parent = new Map()
  const cmdlines = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue
    const stat = read('/proc/' + name + '/stat')
    if (!stat) continue
    parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    const cmdline = read('/proc/' + name + '/cmdline')
    if (cmdline) cmdlines.set(Number(name), cmdline.replaceAll('\\0', ' '))
  }
  const roots = [...cmdlines].filter(([, cmdline]) => cmdline.includes('--user-data-dir=' + profile) && !cmdline.includes('--type=')).map(([pid]) => pid)
  const found = new Set(roots)
  for (let grew = true; grew; ) {
    grew = false
    for (const [pid, ppid] of parent) if (!found.has(pid) && found.has(ppid)) { found.add(pid); grew = true }
  }
  processes = [...found].map((pid) => ({ pid, role: roleOf(cmdlines.get(pid) ?? '') }))
}
const samples = []
function sample() {
  const roles = {}
  for (const { pid, role } of processes) {
    const rollup = read('/proc/' + pid + '/smaps_rollup')
    if (!rollup) continue
    const rss = Number(/^Rss:\\s+(\\d+)/m.exec(rollup)?.[1] ?? 0) * 1024
    const pss = Number(/^Pss:\\s+(\\d+)/m.exec(rollup)?.[1] ?? 0) * 1024
    const stat = read('/proc/' + pid + '/stat')
    const fields = stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : []
    const cpu = fields.length ? (Number(fields[11]) + Number(fields[12])) / ticksPerSecond : 0
    const entry = (roles[role] ??= { rss: 0, pss: 0, cpu: 0 })
    entry.rss += rss
    entry.pss += pss
    entry.cpu += cpu
  }
  samples.push({ t: now(), roles })
}
scan()
let ticks = 0
const timer = setInterval(() => {
  if (ticks++ % 10 === 0) scan()
  sample()
}, intervalMs)
parentPort.on('message', (message) => {
  if (message === 'take') parentPort.postMessage(samples.splice(0))
  if (message === 'stop') { clearInterval(timer); parentPort.close() }
})
`

/** Samples the PSS/RSS of every process of the Chromium whose profile is `profile`, by role. */
function startProcessSampler(profile: string, intervalMs: number) {
  const worker = new Worker(samplerSource, { eval: true, workerData: { profile, intervalMs } })
  const taken: Sample[] = []
  return {
    /** Every sample so far. */
    async take(): Promise<Sample[]> {
      const fresh = new Promise<Sample[]>((resolve) => worker.once('message', resolve))
      worker.postMessage('take')
      taken.push(...(await fresh))
      return taken
    },
    stop: () => worker.terminate(),
  }
}

// ---------------------------------------------------------------------------------------------
// JS heaps over the DevTools protocol: the app page, its data worker and the cipher workers.

type HeapSample = { t: number; role: string; used: number; backing: number }

/** Follows the app page (`pageSession`) and every worker under it, reading their heaps every `intervalMs`. */
async function startHeapSampler(cdp: Cdp, pageSession: string, intervalMs: number) {
  const sessions = new Map<string, string>([[pageSession, 'page']])
  const follow = async (sessionId: string) => {
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: true }, sessionId).catch(() => undefined)
  }
  cdp.on(({ method, params }) => {
    if (method === 'Target.attachedToTarget') {
      const info = params.targetInfo as { type: string; url: string }
      const role = info.url.includes('data-worker') ? 'data worker' : info.url.includes('cipher-worker') ? 'cipher workers' : info.type
      sessions.set(params.sessionId as string, role)
      void follow(params.sessionId as string)
    }
    if (method === 'Target.detachedFromTarget') sessions.delete(params.sessionId as string)
  })
  await follow(pageSession)
  const samples: HeapSample[] = []
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now()
      await Promise.all(
        [...sessions].map(async ([sessionId, role]) => {
          const usage = (await cdp.send('Runtime.getHeapUsage', {}, sessionId).catch(() => undefined)) as { usedSize: number; backingStorageSize?: number } | undefined
          if (usage) samples.push({ t: performance.timeOrigin + performance.now(), role, used: usage.usedSize, backing: usage.backingStorageSize ?? 0 })
        }),
      )
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - started))))
    }
  })()
  return {
    samples,
    /** A full garbage collection in the page and every worker (before a baseline). */
    async collectGarbage() {
      await Promise.all([...sessions.keys()].map((sessionId) => cdp.send('HeapProfiler.collectGarbage', {}, sessionId).catch(() => undefined)))
    },
    async stop() {
      stopped = true
      await loop
    },
  }
}

// ---------------------------------------------------------------------------------------------
// Figures.

type Window = { from: number; to: number }
type Figures = {
  roles: Record<string, { baseline: number; inspect: number; upload: number; held: number; cpuInspect: number; cpuUpload: number }>
  heaps: Record<string, { baseline: number; inspect: number; upload: number }>
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0
}

/** Baseline (median over the window before the file), peaks while reading and while uploading: PSS by process role and in total, heaps by context. */
function figures(samples: Sample[], heaps: HeapSample[], windows: { baseline: Window; inspect: Window; upload: Window; held: Window }): Figures {
  const within = <item extends { t: number }>(items: item[], { from, to }: Window) => items.filter((item) => item.t >= from && item.t <= to)
  const roles = new Set(samples.flatMap((sample) => Object.keys(sample.roles)))
  const of = (sample: Sample, role: string, what: 'pss' | 'cpu') => (role === 'total' ? Object.values(sample.roles).reduce((sum, entry) => sum + entry[what], 0) : (sample.roles[role]?.[what] ?? 0))
  const pssOf = (sample: Sample, role: string) => of(sample, role, 'pss')
  const cpuIn = (window: Window, role: string) => {
    const inside = within(samples, window)
    return inside.length > 1 ? of(inside.at(-1)!, role, 'cpu') - of(inside[0]!, role, 'cpu') : 0
  }
  const result: Figures = { roles: {}, heaps: {} }
  for (const role of ['total', ...[...roles].sort()]) {
    result.roles[role] = {
      baseline: median(within(samples, windows.baseline).map((sample) => pssOf(sample, role))),
      inspect: Math.max(0, ...within(samples, windows.inspect).map((sample) => pssOf(sample, role))),
      upload: Math.max(0, ...within(samples, windows.upload).map((sample) => pssOf(sample, role))),
      held: median(within(samples, windows.held).map((sample) => pssOf(sample, role))),
      cpuInspect: cpuIn(windows.inspect, role),
      cpuUpload: cpuIn(windows.upload, role),
    }
  }
  // Heaps: summed over the contexts of a role at each read (cipher workers are several), used JS heap + ArrayBuffer backing stores.
  const heapRoles = new Set(heaps.map((heap) => heap.role))
  for (const role of [...heapRoles].sort()) {
    const byRead = (window: Window) => {
      const reads = new Map<number, number>()
      for (const heap of within(heaps, window)) if (heap.role === role) reads.set(Math.round(heap.t / 50), (reads.get(Math.round(heap.t / 50)) ?? 0) + heap.used + heap.backing)
      return [...reads.values()]
    }
    result.heaps[role] = { baseline: median(byRead(windows.baseline)), inspect: Math.max(0, ...byRead(windows.inspect)), upload: Math.max(0, ...byRead(windows.upload)) }
  }
  return result
}

// ---------------------------------------------------------------------------------------------
// The flow, through the UI.

/** The welcome screen: the node chosen, a wallet created (as browser-extension/e2e/first-minutes.test.ts does). */
async function createWallet(page: Page, vaultUrl: string, rpcUrl: string): Promise<void> {
  const password = 'correct horse battery staple'
  await page.locator('main h1', { hasText: 'Your datavault' }).waitFor()
  await page.getByLabel('Vault node URL').fill(vaultUrl)
  await page.getByLabel('Chain RPC URL').fill(rpcUrl)
  const create = page.getByRole('form', { name: '2. Create a wallet' })
  await create.getByLabel('Password', { exact: true }).fill(password)
  await create.getByLabel('Repeat the password').fill(password)
  await create.getByRole('button', { name: 'Create wallet' }).click()
  await page.locator('main h1', { hasText: 'Your wallet is ready' }).waitFor({ timeout: 120_000 })
}

/**
 * The app page driven over the bare DevTools protocol (Runtime, DOM): no Network domain enabled,
 * so Chromium copies no request body into the protocol, as in a user's browser.
 */
function pageDriver(cdp: Cdp, sessionId: string) {
  const evaluate = <value>(expression: string) => evaluateOverCdp<value>(cdp, sessionId, expression, 10 * 60_000)
  /** Polls `expression` until it is truthy (or a string starting with "error:" throws). */
  const until = async (expression: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await evaluate<unknown>(expression).catch(() => undefined)
      if (typeof value === 'string' && value.startsWith('error:')) throw new Error(value)
      if (value) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${expression}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return {
    evaluate,
    until,
    /** Opens a screen (again, when it is the current one) and waits until it has loaded. */
    async go(hash: string) {
      await evaluate(`(() => { if (location.hash === ${JSON.stringify(hash)}) window.dispatchEvent(new HashChangeEvent('hashchange')); else location.hash = ${JSON.stringify(hash)} })()`)
      await until(`!!document.querySelector('main h1') && !document.querySelector('main').innerText.includes('Loading…')`, 60_000)
    },
    /** Gives the file at `path` to the file input matching `selector`, as a user choosing it does. */
    async setFile(selector: string, path: string) {
      const { root } = (await cdp.send('DOM.getDocument', { depth: 0 }, sessionId)) as { root: { nodeId: number } }
      const { nodeId } = (await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector }, sessionId)) as { nodeId: number }
      if (!nodeId) throw new Error(`no ${selector} in the page`)
      await cdp.send('DOM.setFileInputFiles', { files: [path], nodeId }, sessionId)
    },
  }
}

type Run = { nodeCpuUpload: number; mib: number; plaintextBytes: number; ciphertextBytes: number; inspectSeconds: number; addSeconds: number; streamSeconds: number; figures: Figures }

const timeout = 30 * 60_000

/** Adds the CSV at `path` through the Add data screen; returns the windows and the ciphertext size. */
async function addThroughUi(page: ReturnType<typeof pageDriver>, heaps: Awaited<ReturnType<typeof startHeapSampler>>, path: string, name: string, exclude: boolean) {
  await page.go('#/add')
  await page.until(`!!document.querySelector('input[type=file][name=file]')`, 60_000)
  await heaps.collectGarbage()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const baseline = { from: Date.now(), to: 0 }
  await new Promise((resolve) => setTimeout(resolve, 1500))
  baseline.to = Date.now()
  const inspect = { from: Date.now(), to: 0 }
  await page.setFile('input[type=file][name=file]', path)
  const failed = `(document.querySelector('main [role=alert]') ? 'error: ' + document.querySelector('main [role=alert]').innerText : false)`
  await page.until(`${failed} || !!document.querySelector('input[name="include-a"]')`, timeout)
  inspect.to = Date.now()
  await page.evaluate(`(() => {
    const input = document.querySelector('form input[name=name]')
    input.value = ${JSON.stringify(name)}
    input.dispatchEvent(new Event('input', { bubbles: true }))
    if (${exclude}) document.querySelector('input[name="include-f"]').click()
    document.querySelector('form button[type=submit]').click()
  })()`)
  await page.until(`!!document.querySelector('dialog[open]')`, 60_000)
  const upload = { from: Date.now(), to: 0 }
  const cpu = process.cpuUsage()
  await page.evaluate(`[...document.querySelectorAll('dialog[open] button')].find((button) => button.textContent === 'Encrypt and add').click()`)
  await page.until(`${failed} || [...document.querySelectorAll('main [role=status]')].some((status) => status.innerText.includes(${JSON.stringify(`Added “${name}” to your vault.`)}))`, timeout)
  upload.to = Date.now()
  const used = process.cpuUsage(cpu)
  const nodeCpuUpload = (used.user + used.system) / 1e6
  // What stays once the garbage is collected: a leak would.
  await heaps.collectGarbage()
  await new Promise((resolve) => setTimeout(resolve, 300))
  const held = { from: Date.now(), to: 0 }
  await new Promise((resolve) => setTimeout(resolve, 1000))
  held.to = Date.now()
  const items = await page.evaluate<{ value: { name: string; plaintextBytes: number; ciphertextBytes: number }[] }>(`chrome.runtime.sendMessage({ type: 'library.list' })`)
  const item = items.value.find((entry) => entry.name === name)
  if (!item) throw new Error(`${name} is not in the library`)
  return { nodeCpuUpload, windows: { baseline, inspect, upload, held }, plaintextBytes: item.plaintextBytes, ciphertextBytes: item.ciphertextBytes }
}

/** A stream of `bytes` random bytes, generated as it is read (1 MiB pieces). */
const generated = (bytes: number) => {
  let left = bytes
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close()
      const piece = new Uint8Array(randomBytes(Math.min(mib, left)))
      left -= piece.byteLength
      controller.enqueue(piece)
    },
  })
}

/** Runs the whole bench: one stack, one browser, each size in turn (`rounds` times). */
export async function benchExtensionUpload({ sizes = [64, 512], rounds = 1, exclude = false, intervalMs = 50 }: { sizes?: number[]; rounds?: number; exclude?: boolean; intervalMs?: number } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-extension-'))
  const dist = join(dir, 'extension')
  step('starting the local stack and building the extension')
  const [t] = await Promise.all([startTestStack(), buildExtension({ outDir: dist, zipFile: false })])
  step('launching Chromium')
  let browser: ExtensionChromium | undefined
  let cdp: Cdp | undefined
  const runs: Run[] = []
  try {
    browser = await spawnExtensionChromium(dist)
    const processes = startProcessSampler(browser.profile, intervalMs)
    try {
      step('creating the wallet (Playwright)')
      const playwright = await browser.connect()
      const appUrl = `chrome-extension://${playwright.extensionId}/app.html`
      await createWallet(await playwright.openApp(), t.stack.vaultUrl, t.stack.rpcUrl)
      // From here on, the bare protocol: Playwright's network capture would copy every chunk.
      await playwright.close()
      cdp = await connectCdp(browser.endpoint, { timeoutMs: 5000 })
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] }
      const targetId = targetInfos.find((info) => info.type === 'page' && info.url.startsWith(appUrl))?.targetId ?? ((await cdp.send('Target.createTarget', { url: `${appUrl}#/add` })) as { targetId: string }).targetId
      const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId, flatten: true })) as { sessionId: string }
      const page = pageDriver(cdp, sessionId)
      const heaps = await startHeapSampler(cdp, sessionId, 100)
      try {
        for (let round = 0; round < rounds; round++)
          for (const size of sizes) {
            const path = join(dir, `data-${size}.csv`)
            const written = await writeCsv(path, size * mib)
            const name = `bench ${size} MiB ${round + 1}`
            step(`adding ${size} MiB through the UI`)
            const { nodeCpuUpload, windows, plaintextBytes, ciphertextBytes } = await addThroughUi(page, heaps, path, name, exclude)
            await rm(path)
            if (!exclude && plaintextBytes !== written) throw new Error(`the library says ${plaintextBytes} bytes, the file has ${written}`)
            if (ciphertextBytes !== ciphertextLength(plaintextBytes, extensionChunkSize)) throw new Error('the ciphertext size is not the envelope of the plaintext')
            step(`the SDK's one-request upload of ${ciphertextBytes} bytes`)
            const started = performance.now()
            await uploadCiphertext(t.owner.vault, { body: generated(ciphertextBytes) })
            const streamSeconds = (performance.now() - started) / 1000
            runs.push({
              nodeCpuUpload,
              mib: size,
              plaintextBytes,
              ciphertextBytes,
              inspectSeconds: (windows.inspect.to - windows.inspect.from) / 1000,
              addSeconds: (windows.upload.to - windows.upload.from) / 1000,
              streamSeconds,
              figures: figures(await processes.take(), heaps.samples, windows),
            })
          }
      } finally {
        await heaps.stop()
      }
    } finally {
      await processes.stop()
    }
  } finally {
    step('stopping Chromium and the stack')
    cdp?.close()
    await browser?.close()
    await t.stop()
    await rm(dir, { recursive: true, force: true })
  }
  return runs
}

/** The lines the bench prints for its runs. */
export function extensionUploadLines(runs: Run[]): string[] {
  const m = (bytes: number) => `${(bytes / mib).toFixed(0)}`
  const lines: string[] = []
  for (const run of runs) {
    lines.push(`${run.mib} MiB CSV (${run.plaintextBytes} bytes kept, ${run.ciphertextBytes} ciphertext): read ${run.inspectSeconds.toFixed(1)} s; encrypt + chunked upload ${run.addSeconds.toFixed(1)} s = ${(run.ciphertextBytes / 1e6 / run.addSeconds).toFixed(0)} MB/s; SDK one-request upload of as many bytes ${run.streamSeconds.toFixed(1)} s = ${(run.ciphertextBytes / 1e6 / run.streamSeconds).toFixed(0)} MB/s (add ${(run.streamSeconds / run.addSeconds).toFixed(2)}× its speed)`)
    lines.push('  PSS MiB            baseline  peak read  peak upload  (peak − baseline)  after, GC\'d   CPU s read / upload')
    for (const [role, figure] of Object.entries(run.figures.roles))
      lines.push(`  ${role.padEnd(18)} ${m(figure.baseline).padStart(8)} ${m(figure.inspect).padStart(10)} ${m(figure.upload).padStart(12)}  ${`(+${m(Math.max(figure.inspect, figure.upload) - figure.baseline)})`.padEnd(18)} ${m(figure.held).padStart(10)}   ${figure.cpuInspect.toFixed(1)} / ${figure.cpuUpload.toFixed(1)}`)
    lines.push(`  this process (the vault node, the bench, its /proc sampler thread) CPU s during the upload: ${run.nodeCpuUpload.toFixed(1)}`)
    lines.push('  JS heap + buffers MiB')
    for (const [role, figure] of Object.entries(run.figures.heaps))
      lines.push(`  ${role.padEnd(18)} ${m(figure.baseline).padStart(8)} ${m(figure.inspect).padStart(10)} ${m(figure.upload).padStart(12)}  (+${m(Math.max(figure.inspect, figure.upload) - figure.baseline)})`)
  }
  return lines
}

/** Whether the memory is bounded: the largest file's peak − baseline (total PSS, and the extension's renderer) against the smallest's. */
export function extensionUploadVerdict(runs: Run[]): { lines: string[]; met: boolean } {
  const growth = (run: Run, role: string) => {
    const figure = run.figures.roles[role]
    return figure ? Math.max(figure.inspect, figure.upload) - figure.baseline : 0
  }
  const smallest = Math.min(...runs.map((run) => run.mib))
  const largest = Math.max(...runs.map((run) => run.mib))
  const lines: string[] = []
  let met = smallest < largest
  for (const role of ['total', 'extension', 'browser', 'network']) {
    const small = Math.max(...runs.filter((run) => run.mib === smallest).map((run) => growth(run, role)))
    const large = Math.max(...runs.filter((run) => run.mib === largest).map((run) => growth(run, role)))
    const ok = large - small <= extensionMemorySlackBytes
    if (role === 'total' || role === 'extension') met &&= ok
    lines.push(`${role}: peak − baseline ${(small / mib).toFixed(0)} MiB at ${smallest} MiB, ${(large / mib).toFixed(0)} MiB at ${largest} MiB: grows by ${((large - small) / mib).toFixed(0)} MiB${ok ? '' : ' (NOT within the slack)'}`)
  }
  const heldGrowth = (run: Run) => (run.figures.roles.total ? run.figures.roles.total.held - run.figures.roles.total.baseline : 0)
  lines.push(`held once the add is over and the garbage collected (total PSS − baseline): ${runs.map((run) => `${(heldGrowth(run) / mib).toFixed(0)} MiB at ${run.mib} MiB`).join(', ')}`)
  lines.push(`target: peak − baseline at ${largest} MiB within ${extensionMemorySlackBytes / mib} MiB of ${smallest} MiB's (total PSS and the extension's renderer) → ${met ? 'met' : 'NOT met'}`)
  return { lines, met }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '64,512' }, rounds: { type: 'string', default: '1' }, exclude: { type: 'boolean', default: false }, interval: { type: 'string', default: '50' } } })
  const load = () => loadavg().map((value) => value.toFixed(2)).join(' ')
  console.log(`load before: ${load()}`)
  const runs = await benchExtensionUpload({ sizes: values.mib.split(',').map(Number), rounds: Number(values.rounds), exclude: values.exclude, intervalMs: Number(values.interval) })
  for (const text of extensionUploadLines(runs)) console.log(text)
  const { lines } = extensionUploadVerdict(runs)
  for (const text of lines) console.log(text)
  console.log(`load after: ${load()}`)
}
