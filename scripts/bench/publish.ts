// `datavault publish` of a big CSV, end to end, through the real CLI (a child process) against a
// local stack run by `datavault dev` in a process of its own (chain, Helia, vault node; no
// pre-started sandboxes, which publishing does not use): the profile pass (read, SHA-256, parse),
// then encrypt + upload + IPFS add, then the datatoken, registration, key escrow and price. Prints
// the wall time, when each phase ended (from the CLI's progress lines), the CLI's peak RSS against
// the targets (≤ 15 s and ≤ 200 MB for 1 GiB) and the CPU seconds of the CLI and of the stack's
// process. The CSV is generated in /tmp (six number columns, 46 bytes a row) and removed after;
// never part of the test suite.
//   node scripts/bench/publish.ts            (1 GiB)
//   node scripts/bench/publish.ts --mib 256  (a smaller run)
//   node scripts/bench/publish.ts --mib 256 --cpu-prof /tmp/prof   (the CLI's CPU profile)
//   node scripts/bench/publish.ts --mib 256 --memory                (the CLI's memory every second)
//   node scripts/bench/publish.ts --mib 256 --stack-flags=--cpu-prof,--cpu-prof-dir=/tmp/stack (Node flags of the stack's process)
//   node scripts/bench/publish.ts --in-process   (the stack in this process, as the benches before 2026-12-07 ran it)
// Why the stack has a process of its own: run in this one, it shares a V8 heap with the CSV's
// generation, which grew V8's young generation to its maximum. With a young generation that
// large, V8 kept starting full collections during the upload (every ~100 ms, ~16 per 256 MiB:
// its old generation's limit sat less than one young generation above its size), about a third
// of the stack's main thread. Run as `datavault dev` runs it, the same upload saw 2 to 4.
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { type TestStack, startTestStack } from '../../test/fixtures/stack.ts'
import { generateNumberCsv } from './csv.ts'

/** The targets for 1 GiB. */
export const publishTargets = { seconds: 15, peakMB: 200 }

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
// Loaded into the CLI's process: its peak resident memory, written to stderr as it exits.
// Its CPU time too (user + system, all threads): on a machine others load, CPU seconds compare
// where wall times do not.
const reportPeak = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('\\npeak-rss-kib '+u.maxRSS+' cpu-us '+(u.userCPUTime+u.systemCPUTime)+'\\n')})`
// With --memory: its resident memory every second too (anonymous and file-backed apart; the heap by
// space: a young generation grown to its maximum showed here as 64 MiB of new space), after a full
// collection, to see which phase grows.
const reportMemory = `data:text/javascript,import v8 from 'node:v8';import {readFileSync} from 'node:fs';setInterval(()=>{globalThis.gc?.();const m=process.memoryUsage();const s=readFileSync('/proc/self/status','utf8');const kib=(k)=>Number(new RegExp(k+':\\\\s+(\\\\d+)').exec(s)?.[1]??0)>>10;const space=Object.fromEntries(v8.getHeapSpaceStatistics().map((x)=>[x.space_name,x.space_size>>20]));process.stderr.write('memory: rss '+(m.rss>>20)+' MiB (anon '+kib('RssAnon')+', file '+kib('RssFile')+'), heap '+(m.heapUsed>>20)+' of '+(m.heapTotal>>20)+' MiB (new space '+space.new_space+', old '+space.old_space+', code '+space.code_space+', large '+space.large_object_space+'), array buffers '+(m.arrayBuffers>>20)+' MiB\\n')},1000).unref()`

type Run = { code: number | null; stdout: string; stderr: string; seconds: number; peakMiB: number | undefined; cpuSeconds: number | undefined; marks: { at: number; line: string }[] }

function cli(args: string[], { cwd, env, input = '', nodeFlags = [] }: { cwd: string; env: Record<string, string>; input?: string; nodeFlags?: string[] }): Promise<Run> {
  const started = performance.now()
  const child = spawn(process.execPath, [...nodeFlags, '--import', reportPeak, launcher, ...args], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  const marks: Run['marks'] = []
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    stderr += text
    // Progress and step lines, with when they came (the phases of the publish).
    for (const line of text.split(/[\r\n]/)) if (line.trim() !== '') marks.push({ at: (performance.now() - started) / 1000, line: line.trim() })
  })
  child.stdin.end(input)
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => {
      const peak = /peak-rss-kib (\d+) cpu-us (\d+)/.exec(stderr)
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakMiB: peak ? Number(peak[1]) / 1024 : undefined, cpuSeconds: peak ? Number(peak[2]) / 1e6 : undefined, marks })
    })
  })
}

/** A local stack for the bench: where its dev.json is, its owner's key, its process's CPU seconds so far, and how to stop it. */
type BenchStack = { devDir: string; ownerKey: string; cpuSeconds(): Promise<number>; stop(): Promise<void> }

/** The CPU seconds (user + system, all threads) a process has used, from /proc (clock ticks of 1/100 s). */
async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** `datavault dev` in a child process (fresh chain, no pre-started sandboxes), ready when it prints its JSON line. */
async function startDevStack(work: string, nodeFlags: string[]): Promise<BenchStack> {
  const dataDir = join(work, 'stack')
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, launcher, 'dev', '--data-dir', dataDir, '--port', '0', '--chain-port', '0', '--json'], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_SANDBOX_PRESTART: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-4000)))
  const exited = once(child, 'exit')
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout!.setEncoding('utf8').on('data', (text: string) => {
        stdout += text
        if (/"ready":true/.test(stdout)) resolve()
      })
      exited.then(([code]) => reject(new Error(`datavault dev exited (${code}) before it was ready: ${stderr}`)), reject)
    })
    const dev = JSON.parse(await readFile(join(dataDir, 'dev.json'), 'utf8')) as { accounts: { role: string; privateKey: string }[] }
    return {
      devDir: dataDir,
      ownerKey: dev.accounts.find((account) => account.role === 'owner')!.privateKey,
      cpuSeconds: () => processCpuSeconds(child.pid!),
      async stop() {
        if (child.exitCode !== null || child.signalCode !== null) return
        child.kill('SIGTERM')
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000)
        await exited
        clearTimeout(killer)
      },
    }
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
}

/** The test fixture's stack in this process (`--in-process`): how the bench ran before 2026-12-07. */
async function startInProcessStack(): Promise<BenchStack> {
  const t: TestStack = await startTestStack()
  return {
    devDir: dirname(t.stack.addressesFile),
    ownerKey: t.stack.accounts.find((account) => account.role === 'owner')!.privateKey,
    cpuSeconds: async () => {
      const used = process.cpuUsage()
      return (used.user + used.system) / 1e6
    },
    stop: () => t.stop(),
  }
}

/** Publishes a generated CSV of `mib` MiB through the CLI on a fresh local stack; returns the time, peak RSS and phases. */
export async function benchPublish({
  mib = 1024,
  cpuProfileDir,
  memory = false,
  inProcess = false,
  stackFlags = [],
}: { mib?: number; cpuProfileDir?: string | undefined; memory?: boolean; inProcess?: boolean; stackFlags?: string[] } = {}) {
  const work = await mkdtemp(join(tmpdir(), 'dv-bench-publish-'))
  let stack: BenchStack | undefined
  try {
    const file = join(work, 'numbers.csv')
    const { rows, bytes } = await generateNumberCsv(file, mib * 1024 ** 2)
    stack = inProcess ? await startInProcessStack() : await startDevStack(work, stackFlags)
    const env = { DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: stack.devDir, DATAVAULT_PASSWORD: 'bench-password-1' }
    const imported = await cli(['keys', 'import', '--name', 'owner', '--light-kdf'], { cwd: work, env, input: stack.ownerKey })
    if (imported.code !== 0) throw new Error(`keys import failed: ${imported.stderr}`)
    // Without --json, off a terminal, the CLI prints a line at each tenth of reading and of
    // uploading, and one per step: the phases, timed as they come.
    const nodeFlags = [...(cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]), ...(memory ? ['--expose-gc', '--import', reportMemory] : [])]
    // The stack's CPU over the publish: the vault node's HTTP, IPFS add and the chain.
    const stackCpu = await stack.cpuSeconds()
    const run = await cli(['publish', file, '--free', '--name', 'Bench numbers', '--key', 'owner'], { cwd: work, env, nodeFlags })
    const stackCpuSeconds = (await stack.cpuSeconds()) - stackCpu
    if (run.code !== 0 || !/^dataset: 0x/m.test(run.stdout)) throw new Error(`publish failed (${run.code}): ${run.stderr.slice(-2000)}`)
    const at = (pattern: RegExp) => run.marks.find((mark) => pattern.test(mark.line))?.at
    return {
      bytes,
      rows,
      seconds: run.seconds,
      peakMiB: run.peakMiB,
      /** The CLI's CPU seconds (all its threads), and the stack's (its process: the vault node, Helia, the chain) over the publish. */
      cliCpuSeconds: run.cpuSeconds,
      stackCpuSeconds,
      phases: { readStart: at(/^reading 0%/), read: at(/^reading 100%/), uploadStart: at(/^encrypting \+ uploading 0%/), upload: at(/^encrypting \+ uploading/) === undefined ? undefined : run.marks.filter((mark) => /^encrypting \+ uploading/.test(mark.line)).at(-1)!.at },
      marks: run.marks.filter((mark) => !/^peak-rss/.test(mark.line) && !/ [1-9]0% \(/.test(mark.line)),
    }
  } finally {
    await stack?.stop()
    await rm(work, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  // --cpu-prof DIR: the CLI's CPU profile (node --cpu-prof) goes to DIR.
  // --memory: the CLI's memory every second, among the phases.
  // --in-process: the stack in this process instead of `datavault dev` (as before 2026-12-07).
  // --stack-flags F,F: Node flags for the stack's process.
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, 'cpu-prof': { type: 'string' }, memory: { type: 'boolean' }, 'in-process': { type: 'boolean' }, 'stack-flags': { type: 'string' } } })
  const mib = Number(values.mib)
  const result = await benchPublish({
    mib,
    cpuProfileDir: values['cpu-prof'],
    memory: values.memory === true,
    inProcess: values['in-process'] === true,
    stackFlags: values['stack-flags']?.split(',').filter((flag) => flag !== '') ?? [],
  })
  const scale = mib / 1024
  const seconds = publishTargets.seconds * scale
  const peakMB = (result.peakMiB ?? Number.NaN) * 1.048576
  process.stdout.write(
    `publish of ${(result.bytes / 1e6).toFixed(0)} MB (${result.rows} rows): ${result.seconds.toFixed(1)} s wall (${(result.bytes / 1e6 / result.seconds).toFixed(0)} MB/s), ` +
      `CLI peak RSS ${peakMB.toFixed(0)} MB; CPU: CLI ${result.cliCpuSeconds?.toFixed(1)} s, stack (vault, IPFS, chain) ${result.stackCpuSeconds.toFixed(1)} s${values['in-process'] === true ? ' (in this process)' : ''}\n` +
      `target for this size: ≤ ${seconds.toFixed(1)} s (${publishTargets.seconds} s per GiB): ${result.seconds <= seconds ? 'met' : 'not met'}; ` +
      `peak ≤ ${publishTargets.peakMB} MB: ${peakMB <= publishTargets.peakMB ? 'met' : 'not met'}\n`,
  )
  for (const mark of result.marks) process.stdout.write(`  ${mark.at.toFixed(1).padStart(6)} s  ${mark.line}\n`)
}
