// The sandbox's cost, split into a fixed start-up cost and a per-second rate: the same CPU-bound
// program (a fixed amount of integer work, no I/O) run bare (`node program.mjs`) and in the
// bubblewrap sandbox (`runner.run()`, set-up and clean-up included), for a short job (~0.25 s of
// work) and a long one (~2 s), interleaved, medians over rounds. With s = sandbox time and b = bare
// time: rate = (s_long − s_short) / (b_long − b_short), fixed = s_short − rate × b_short.
// Targets: fixed ≤ 30 ms, rate ≤ 1.02×.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunPhases, bubblewrapRunner } from '@datavault/compute-to-data'

const silent = { child: () => silent, info() {}, warn() {}, error() {}, debug() {} }
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** The program: `iterations` rounds of xorshift, then prints the result (so nothing is optimised away). */
const programText = (iterations: number) =>
  `let x = 2463534242 >>> 0\nfor (let i = 0; i < ${iterations}; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0 }\nprocess.stdout.write(JSON.stringify({ event: 'log', message: String(x) }) + '\\n')\n`

/**
 * Iterations of the program per ms of its work, from the CPU time of the program run bare (a run
 * of nothing taken off, so Node's start-up is not counted as work; CPU time, so a loaded host does
 * not skew it); median of three each.
 */
async function calibrate(dir: string): Promise<number> {
  const trial = 50_000_000
  const empty = join(dir, 'calibrate-0.mjs')
  const busy = join(dir, 'calibrate-1.mjs')
  await writeFile(empty, programText(0))
  await writeFile(busy, programText(trial))
  const startUp: number[] = []
  const work: number[] = []
  for (let i = 0; i < 3; i++) {
    startUp.push((await runBareTimed(empty)).cpuMs)
    work.push((await runBareTimed(busy)).cpuMs)
  }
  return trial / Math.max(1, median(work) - median(startUp))
}

/** bash's `times` line of its children's user and system time ("0m1.234s 0m0.056s"), in ms. */
export function parseTimes(line: string): number {
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((match) => Number(match[1]) * 60_000 + Number(match[2]) * 1000)
  if (parts.length !== 2) throw new Error(`not a times line: ${line}`)
  return parts[0]! + parts[1]!
}

/** Wall time of the program run bare; its CPU time (user + system) as bash's `times` reports it. */
async function runBareTimed(path: string): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now()
  let out = ''
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('/bin/bash', ['-c', '"$0" "$1" >/dev/null; s=$?; times; exit $s', process.execPath, path], { stdio: ['ignore', 'pipe', 'ignore'] })
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.once('close', resolve)
  })
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`bare program exited ${code}`)
  return { wallMs, cpuMs: parseTimes(out.trim().split('\n').at(-1) ?? '') }
}

async function runBare(path: string): Promise<number> {
  return (await runBareTimed(path)).wallMs
}

export type SandboxBench = {
  /** ms of work of the short and long programs (as calibrated). */
  shortMs: number
  longMs: number
  bare: { short: number[]; long: number[] }
  sandbox: { short: number[]; long: number[] }
  /** spawn → exit of bubblewrap alone (`RunResult.durationMs`), short program. */
  spawnToExitShort: number[]
  /** The runner's own phases (`RunResult.phases`) of every sandboxed run, short and long. */
  phases: RunPhases[]
  rate: number
  fixedMs: number
  /** Per-round estimates (same formula on each round's pair), to show the spread. */
  fixedRuns: number[]
  /**
   * The same split in CPU time (bare: the program's user + system; sandbox: the job's cgroup, which
   * counts bash, bubblewrap, prlimit and the program), steady where wall time is not (a loaded
   * host); undefined without cgroups.
   */
  cpu?: { bare: { short: number[]; long: number[] }; sandbox: { short: number[]; long: number[] }; rate: number; fixedMs: number } | undefined
  /** CPU time of this (the node's) process per run: set-up, feeding, sweeps, clean-up (median). */
  hostCpuMs: number
  /** False when the runs cannot be trusted (the short and long bare runs overlap: a loaded host); the targets are then not judged. */
  reliable: boolean
  rateRuns: number[]
}

export async function benchSandbox({ shortMs = 250, longMs = 2000, rounds = 5 } = {}): Promise<SandboxBench> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-sandbox-'))
  try {
    const perMs = await calibrate(dir)
    const shortPath = join(dir, 'short.mjs')
    const longPath = join(dir, 'long.mjs')
    await writeFile(shortPath, programText(Math.round(perMs * shortMs)))
    await writeFile(longPath, programText(Math.round(perMs * longMs)))
    const runner = bubblewrapRunner({})({ logger: silent })
    await runner.ready()
    let count = 0
    const hostCpu: number[] = []
    const phases: RunPhases[] = []
    const inSandbox = async (path: string) => {
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      const result = await runner.run({
        jobId: `bench-sandbox-${++count}`,
        program: { path },
        config: {},
        inputs: [],
        outputDir: join(dir, `out-${count}`),
        limits: { wallTimeMs: 600_000, cpuSeconds: 600, memoryBytes: 1024 ** 3, outputBytes: 1024 ** 2, processes: 64 },
      })
      const total = performance.now() - started
      const { user, system } = process.cpuUsage(cpuBefore)
      hostCpu.push((user + system) / 1000)
      if (result.outcome !== 'exited' || result.exitCode !== 0) throw new Error(`sandboxed program failed: ${result.outcome} ${result.exitCode} ${result.stderrTail.slice(-300)}`)
      if (result.phases) phases.push(result.phases)
      return { total, spawnToExit: result.durationMs, cpuMs: result.cpuMs }
    }
    // Warm both paths once (page cache, the probe).
    await runBare(shortPath)
    await inSandbox(shortPath)
    phases.length = 0
    const bare = { short: [] as number[], long: [] as number[] }
    const sandbox = { short: [] as number[], long: [] as number[] }
    const spawnToExitShort: number[] = []
    const cpu = { bare: { short: [] as number[], long: [] as number[] }, sandbox: { short: [] as number[], long: [] as number[] } }
    let cgroupCpu = true
    for (let round = 0; round < rounds; round++) {
      const bareShort = await runBareTimed(shortPath)
      bare.short.push(bareShort.wallMs)
      cpu.bare.short.push(bareShort.cpuMs)
      const short = await inSandbox(shortPath)
      sandbox.short.push(short.total)
      spawnToExitShort.push(short.spawnToExit)
      const bareLong = await runBareTimed(longPath)
      bare.long.push(bareLong.wallMs)
      cpu.bare.long.push(bareLong.cpuMs)
      const long = await inSandbox(longPath)
      sandbox.long.push(long.total)
      if (short.cpuMs === null || long.cpuMs === null) cgroupCpu = false
      else {
        cpu.sandbox.short.push(short.cpuMs)
        cpu.sandbox.long.push(long.cpuMs)
      }
    }
    const solve = (bs: number, bl: number, ss: number, sl: number) => {
      const rate = (sl - ss) / (bl - bs)
      return { rate, fixed: ss - rate * bs }
    }
    const overall = solve(median(bare.short), median(bare.long), median(sandbox.short), median(sandbox.long))
    const each = bare.short.map((_, i) => solve(bare.short[i]!, bare.long[i]!, sandbox.short[i]!, sandbox.long[i]!))
    const cpuSplit = cgroupCpu ? solve(median(cpu.bare.short), median(cpu.bare.long), median(cpu.sandbox.short), median(cpu.sandbox.long)) : undefined
    return {
      shortMs,
      longMs,
      bare,
      sandbox,
      spawnToExitShort,
      phases,
      rate: overall.rate,
      fixedMs: overall.fixed,
      fixedRuns: each.map((e) => e.fixed),
      rateRuns: each.map((e) => e.rate),
      cpu: cpuSplit ? { ...cpu, rate: cpuSplit.rate, fixedMs: cpuSplit.fixed } : undefined,
      reliable: Math.max(...bare.short) < Math.min(...bare.long),
      hostCpuMs: median(hostCpu.slice(1)),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Median and range of each of the runner's phases, in their order; `program` is the program's own run (short and long mixed), the rest the sandbox's fixed cost. */
export function phaseLines(phases: readonly RunPhases[]): string {
  if (phases.length === 0) return 'none recorded'
  const names = Object.keys(phases[0]!) as (keyof RunPhases)[]
  const overhead = phases.map((p) => names.filter((name) => name !== 'program').reduce((sum, name) => sum + p[name], 0))
  const range = (values: number[]) => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}]`
  return [...names.filter((name) => name !== 'program').map((name) => `${name} ${range(phases.map((p) => p[name]))}`), `all but the program ${range(overhead)}`].join(', ')
}

/** The bench's lines: figures, targets and whether each is met. */
export function sandboxLines(b: SandboxBench): string[] {
  const judge = (met: boolean) => (b.reliable ? (met ? 'met' : 'not met') : 'not judged (see below)')
  const show = (values: number[], digits = 0) => `[${values.map((v) => v.toFixed(digits)).join(', ')}]`
  return [
    `~${b.shortMs} ms job: bare ${median(b.bare.short).toFixed(0)} ms ${show(b.bare.short)}, sandbox ${median(b.sandbox.short).toFixed(0)} ms ${show(b.sandbox.short)} (bubblewrap spawn → exit ${median(b.spawnToExitShort).toFixed(0)} ms)`,
    `~${b.longMs} ms job: bare ${median(b.bare.long).toFixed(0)} ms ${show(b.bare.long)}, sandbox ${median(b.sandbox.long).toFixed(0)} ms ${show(b.sandbox.long)}`,
    `  runner phases (medians over ${b.phases.length} runs, ms): ${phaseLines(b.phases)}`,
    `fixed start-up ${b.fixedMs.toFixed(1)} ms (per round ${show(b.fixedRuns, 1)}; target ≤ 30 ms): ${judge(b.fixedMs <= 30)}`,
    `per-second rate ${b.rate.toFixed(3)}× (per round ${show(b.rateRuns, 3)}; target ≤ 1.02×): ${judge(b.rate <= 1.02)}`,
    ...(b.cpu
      ? [
          `in CPU time: bare ${median(b.cpu.bare.short).toFixed(0)} / ${median(b.cpu.bare.long).toFixed(0)} ms, sandbox (the job's cgroup) ${median(b.cpu.sandbox.short).toFixed(0)} / ${median(b.cpu.sandbox.long).toFixed(0)} ms (short / long): ` +
            `fixed ${b.cpu.fixedMs.toFixed(1)} ms of CPU, rate ${b.cpu.rate.toFixed(3)}×; the node's own process ${b.hostCpuMs.toFixed(1)} ms of CPU a run (set-up, feeding, sweeps, clean-up)`,
        ]
      : []),
    `load (1, 5, 15 min) ${loadavg().map((v) => v.toFixed(1)).join(' ')} at the end: on a loaded host the wall-clock split is noise, the CPU split above is steadier`,
    ...(b.reliable ? [] : [`not judged: the short and long bare runs overlap (a loaded host: load ${loadavg().map((v) => v.toFixed(1)).join(' ')}); run it on a quiet machine`]),
  ]
}

if (import.meta.main) for (const text of sandboxLines(await benchSandbox())) console.log(text)
