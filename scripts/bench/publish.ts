// `datavault publish` of a big CSV, end to end, through the real CLI (a child process) against a
// local stack (chain, Helia, vault node, as `datavault dev` runs them): the profile pass (read,
// SHA-256, parse), then encrypt + upload + IPFS add, then the datatoken, registration, key escrow
// and price. Prints the wall time, when each phase ended (from the CLI's progress lines) and the
// CLI's peak RSS against the targets: ≤ 15 s and ≤ 200 MB for 1 GiB. The CSV is generated in /tmp (six number
// columns, 46 bytes a row) and removed after; never part of the test suite.
//   node scripts/bench/publish.ts            (1 GiB)
//   node scripts/bench/publish.ts --mib 256  (a smaller run)
//   node scripts/bench/publish.ts --mib 256 --cpu-prof /tmp/prof   (the CLI's CPU profile)
//   node scripts/bench/publish.ts --mib 256 --memory                (the CLI's memory every second)
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
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

/** Publishes a generated CSV of `mib` MiB through the CLI on a fresh local stack; returns the time, peak RSS and phases. */
export async function benchPublish({ mib = 1024, cpuProfileDir, memory = false }: { mib?: number; cpuProfileDir?: string | undefined; memory?: boolean } = {}) {
  const work = await mkdtemp(join(tmpdir(), 'dv-bench-publish-'))
  let t: TestStack | undefined
  try {
    const file = join(work, 'numbers.csv')
    const { rows, bytes } = await generateNumberCsv(file, mib * 1024 ** 2)
    t = await startTestStack()
    const env = { DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile), DATAVAULT_PASSWORD: 'bench-password-1' }
    const owner = t.stack.accounts.find((account) => account.role === 'owner')!.privateKey
    const imported = await cli(['keys', 'import', '--name', 'owner', '--light-kdf'], { cwd: work, env, input: owner })
    if (imported.code !== 0) throw new Error(`keys import failed: ${imported.stderr}`)
    // Without --json, off a terminal, the CLI prints a line at each tenth of reading and of
    // uploading, and one per step: the phases, timed as they come.
    const nodeFlags = [...(cpuProfileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfileDir}`]), ...(memory ? ['--expose-gc', '--import', reportMemory] : [])]
    // This process runs the stack: its CPU time over the publish is the vault's (HTTP, IPFS add, chain).
    const stackCpu = process.cpuUsage()
    const run = await cli(['publish', file, '--free', '--name', 'Bench numbers', '--key', 'owner'], { cwd: work, env, nodeFlags })
    const stackUsed = process.cpuUsage(stackCpu)
    if (run.code !== 0 || !/^dataset: 0x/m.test(run.stdout)) throw new Error(`publish failed (${run.code}): ${run.stderr.slice(-2000)}`)
    const at = (pattern: RegExp) => run.marks.find((mark) => pattern.test(mark.line))?.at
    return {
      bytes,
      rows,
      seconds: run.seconds,
      peakMiB: run.peakMiB,
      /** The CLI's CPU seconds (all its threads), and the stack's (this process: the vault node, Helia, the chain) over the publish. */
      cliCpuSeconds: run.cpuSeconds,
      stackCpuSeconds: (stackUsed.user + stackUsed.system) / 1e6,
      phases: { readStart: at(/^reading 0%/), read: at(/^reading 100%/), uploadStart: at(/^encrypting \+ uploading 0%/), upload: at(/^encrypting \+ uploading/) === undefined ? undefined : run.marks.filter((mark) => /^encrypting \+ uploading/.test(mark.line)).at(-1)!.at },
      marks: run.marks.filter((mark) => !/^peak-rss/.test(mark.line) && !/ [1-9]0% \(/.test(mark.line)),
    }
  } finally {
    await t?.stop()
    await rm(work, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  // --cpu-prof DIR: the CLI's CPU profile (node --cpu-prof) goes to DIR.
  // --memory: the CLI's memory every second, among the phases.
  const { values } = parseArgs({ options: { mib: { type: 'string', default: '1024' }, 'cpu-prof': { type: 'string' }, memory: { type: 'boolean' } } })
  const mib = Number(values.mib)
  const result = await benchPublish({ mib, cpuProfileDir: values['cpu-prof'], memory: values.memory === true })
  const scale = mib / 1024
  const seconds = publishTargets.seconds * scale
  const peakMB = (result.peakMiB ?? Number.NaN) * 1.048576
  process.stdout.write(
    `publish of ${(result.bytes / 1e6).toFixed(0)} MB (${result.rows} rows): ${result.seconds.toFixed(1)} s wall (${(result.bytes / 1e6 / result.seconds).toFixed(0)} MB/s), ` +
      `CLI peak RSS ${peakMB.toFixed(0)} MB; CPU: CLI ${result.cliCpuSeconds?.toFixed(1)} s, stack (vault, IPFS, chain) ${result.stackCpuSeconds.toFixed(1)} s\n` +
      `target for this size: ≤ ${seconds.toFixed(1)} s (${publishTargets.seconds} s per GiB): ${result.seconds <= seconds ? 'met' : 'not met'}; ` +
      `peak ≤ ${publishTargets.peakMB} MB: ${peakMB <= publishTargets.peakMB ? 'met' : 'not met'}\n`,
  )
  for (const mark of result.marks) process.stdout.write(`  ${mark.at.toFixed(1).padStart(6)} s  ${mark.line}\n`)
}
