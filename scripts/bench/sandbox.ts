// The sandbox's cost, split into a fixed start-up cost and a per-second rate: the same CPU-bound
// program (a fixed amount of integer work, no I/O) run bare (`node program.mjs`, spawned directly)
// and in the bubblewrap sandbox (`runner.run()`, set-up and clean-up included), interleaved, for
// three amounts of work: none (Node starts, prints and exits), ~0.25 s and ~2 s.
//
// fixed start-up: what the sandbox adds to a program that does no work, sandbox − bare of the
// empty program run back to back (5 pairs a round, the order alternating); the figure is the median
// of all pairs (the target is judged on it), with each round's median shown. It is measured, not extrapolated: the two-point line through the
// short and long jobs (rate = (s_long − s_short) / (b_long − b_short), fixed = s_short − rate ×
// b_short) swings by tens of ms per round because a 1% wobble of a 2 s run moves its intercept
// by 20 ms; it is printed beside it, per round and as the median of the rounds, as a cross-check.
// per-second rate: the median of the rounds' two-point rates.
// Clean-up that the runner does after it returned a result (every process of the job already
// dead) is not on the job's path; it is waited for (`runner.idle()`) before the next measured run,
// so it never overlaps one, and its time and CPU are printed beside the phases.
// Targets: fixed ≤ 30 ms, rate ≤ 1.02×.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunPhases, bubblewrapRunner } from '@datavault/compute-to-data'

const silent = { child: () => silent, info() {}, warn() {}, error() {}, debug() {} }
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/**
 * The program: `iterations` rounds of xorshift, then one line with the result (so nothing is
 * optimised away) and its own CPU time so far (user + system, µs: Node's start-up and the work).
 */
const programText = (iterations: number) =>
  `let x = 2463534242 >>> 0\nfor (let i = 0; i < ${iterations}; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0 }\n` +
  `const cpu = process.cpuUsage()\nprocess.stdout.write(JSON.stringify({ event: 'log', message: x + ' ' + (cpu.user + cpu.system) }) + '\\n')\n`

/** The CPU time (ms) a program run printed, from its log line. */
export function parseProgramCpu(stdout: string): number {
  const line = stdout.trim().split('\n').at(-1) ?? ''
  const message = (JSON.parse(line) as { message?: unknown }).message
  const match = typeof message === 'string' ? /^\d+ (\d+)$/.exec(message) : null
  if (!match) throw new Error(`not a program line: ${line.slice(0, 200)}`)
  return Number(match[1]) / 1000
}

/**
 * Iterations of the program per ms of its work, from the CPU time of the program run bare (a run
 * of nothing taken off, so Node's start-up is not counted as work; CPU time, so a loaded host does
 * not skew it); median of three each.
 */
async function calibrate(empty: string, dir: string): Promise<number> {
  const trial = 50_000_000
  const busy = join(dir, 'calibrate.mjs')
  await writeFile(busy, programText(trial))
  const startUp: number[] = []
  const work: number[] = []
  for (let i = 0; i < 3; i++) {
    startUp.push((await runBare(empty)).cpuMs)
    work.push((await runBare(busy)).cpuMs)
  }
  return trial / Math.max(1, median(work) - median(startUp))
}

/** Wall time of the program run bare (spawned directly, as the runner's launcher spawns the sandbox), and the CPU time it printed. */
async function runBare(path: string): Promise<{ wallMs: number; cpuMs: number }> {
  const started = performance.now()
  let out = ''
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [path], { stdio: ['ignore', 'pipe', 'ignore'] })
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.once('close', resolve)
  })
  const wallMs = performance.now() - started
  if (code !== 0) throw new Error(`bare program exited ${code}`)
  return { wallMs, cpuMs: parseProgramCpu(out) }
}

type Sizes = 'empty' | 'short' | 'long'
type PerSize = Record<Sizes, number[]>
const perSize = (): PerSize => ({ empty: [], short: [], long: [] })

export type SandboxBench = {
  /** ms of work of the short and long programs (as calibrated). */
  shortMs: number
  longMs: number
  rounds: number
  /** Wall time per round, ms: bare and in the sandbox (run() called → result). */
  bare: PerSize
  sandbox: PerSize
  /** The runner's own phases (`RunResult.phases`) of every sandboxed run. */
  phases: RunPhases[]
  /** Per sandboxed run: wall time from the result until the runner's clean-up after it ended (`runner.idle()`). */
  afterMs: number[]
  /** Fixed start-up: sandbox − bare of the program with no work, per pair; per round the median of its pairs, and the median of all pairs (the judged figure). */
  fixedRuns: number[]
  fixedMs: number
  emptyPairs: number
  /** The two-point line per round (short and long jobs) and the medians of its rates and intercepts. */
  lineRuns: { rate: number; fixed: number }[]
  rate: number
  lineFixedMs: number
  /**
   * CPU time, ms per round: bare, the program's own (start-up and work); sandbox, the job's cgroup
   * (bash, bubblewrap, prlimit and the program). Undefined without cgroups.
   */
  cpu?: { bare: PerSize; sandbox: PerSize } | undefined
  /** CPU time of this (the node's) process per sandboxed run, clean-up after the result included (median). */
  hostCpuMs: number
  /** False when the runs cannot be trusted (the short and long bare runs overlap: a loaded host); the targets are then not judged. */
  reliable: boolean
  load: { before: number[]; after: number[] }
}

export async function benchSandbox({ shortMs = 250, longMs = 2000, rounds = 9, emptyPairs = 5 } = {}): Promise<SandboxBench> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-sandbox-'))
  const before = loadavg()
  try {
    const paths = { empty: join(dir, 'empty.mjs'), short: join(dir, 'short.mjs'), long: join(dir, 'long.mjs') }
    await writeFile(paths.empty, programText(0))
    const perMs = await calibrate(paths.empty, dir)
    await writeFile(paths.short, programText(Math.round(perMs * shortMs)))
    await writeFile(paths.long, programText(Math.round(perMs * longMs)))
    const runner = bubblewrapRunner({})({ logger: silent })
    await runner.ready()
    let count = 0
    const hostCpu: number[] = []
    const phases: RunPhases[] = []
    const afterMs: number[] = []
    const inSandbox = async (path: string) => {
      // Nothing of an earlier run (its clean-up, a top-up) may overlap this one.
      await runner.idle()
      const cpuBefore = process.cpuUsage()
      const started = performance.now()
      const result = await runner.run({
        jobId: `bench-sandbox-${++count}`,
        program: { path },
        config: {},
        inputs: [],
        outputDir: join(dir, `out-${count}`),
        limits: { wallTimeMs: 600_000, cpuSeconds: 600, memoryBytes: 1024 ** 3, outputBytes: 1024 ** 2, processes: 64 },
      })
      const total = performance.now() - started
      await runner.idle()
      afterMs.push(performance.now() - started - total)
      const { user, system } = process.cpuUsage(cpuBefore)
      hostCpu.push((user + system) / 1000)
      if (result.outcome !== 'exited' || result.exitCode !== 0) throw new Error(`sandboxed program failed: ${result.outcome} ${result.exitCode} ${result.stderrTail.slice(-300)}`)
      if (result.phases) phases.push(result.phases)
      return { total, cpuMs: result.cpuMs }
    }
    // Warm both paths once (page cache, the probe, the runner's helpers).
    for (const path of [paths.empty, paths.short]) {
      await runBare(path)
      await inSandbox(path)
    }
    phases.length = 0
    afterMs.length = 0
    hostCpu.length = 0
    const bare = perSize()
    const sandbox = perSize()
    const cpu = { bare: perSize(), sandbox: perSize() }
    let cgroupCpu = true
    const fixedPairs: number[][] = []
    for (let round = 0; round < rounds; round++) {
      // Which goes first alternates, so a slow spell of the host does not fall on one side.
      const order = round % 2 === 0 ? (['bare', 'sandbox'] as const) : (['sandbox', 'bare'] as const)
      // The fixed cost: `emptyPairs` pairs of the program with no work (each ~0.1 s), a pair's
      // difference being one sample; a loaded host moves single runs by tens of ms either way.
      const pairs: number[] = []
      for (let pair = 0; pair < emptyPairs; pair++) {
        const times: Partial<Record<'bare' | 'sandbox', number>> = {}
        const sides: readonly ('bare' | 'sandbox')[] = pair % 2 === 0 ? order : [order[1], order[0]]
        for (const side of sides) {
          if (side === 'bare') {
            const run = await runBare(paths.empty)
            times.bare = run.wallMs
            if (pair === 0) {
              bare.empty.push(run.wallMs)
              cpu.bare.empty.push(run.cpuMs)
            }
          } else {
            const run = await inSandbox(paths.empty)
            times.sandbox = run.total
            if (pair === 0) {
              sandbox.empty.push(run.total)
              if (run.cpuMs === null) cgroupCpu = false
              else cpu.sandbox.empty.push(run.cpuMs)
            }
          }
        }
        pairs.push(times.sandbox! - times.bare!)
      }
      fixedPairs.push(pairs)
      for (const size of ['short', 'long'] as const) {
        for (const side of order) {
          if (side === 'bare') {
            const run = await runBare(paths[size])
            bare[size].push(run.wallMs)
            cpu.bare[size].push(run.cpuMs)
          } else {
            const run = await inSandbox(paths[size])
            sandbox[size].push(run.total)
            if (run.cpuMs === null) cgroupCpu = false
            else cpu.sandbox[size].push(run.cpuMs)
          }
        }
      }
    }
    await runner.stop()
    const fixedRuns = fixedPairs.map(median)
    const lineRuns = bare.short.map((_, i) => {
      const rate = (sandbox.long[i]! - sandbox.short[i]!) / (bare.long[i]! - bare.short[i]!)
      return { rate, fixed: sandbox.short[i]! - rate * bare.short[i]! }
    })
    return {
      shortMs,
      longMs,
      rounds,
      bare,
      sandbox,
      phases,
      afterMs,
      fixedRuns,
      fixedMs: median(fixedPairs.flat()),
      emptyPairs,
      lineRuns,
      rate: median(lineRuns.map((line) => line.rate)),
      lineFixedMs: median(lineRuns.map((line) => line.fixed)),
      cpu: cgroupCpu ? cpu : undefined,
      reliable: Math.max(...bare.short) < Math.min(...bare.long),
      hostCpuMs: median(hostCpu),
      load: { before, after: loadavg() },
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const range = (values: number[]) => `${median(values).toFixed(1)} [${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}]`

/** Median and range of each of the runner's phases, in their order; `program` is the program's own run (all sizes mixed), the rest the sandbox's fixed cost. */
export function phaseLines(phases: readonly RunPhases[]): string {
  if (phases.length === 0) return 'none recorded'
  const names = Object.keys(phases[0]!) as (keyof RunPhases)[]
  const overhead = phases.map((p) => names.filter((name) => name !== 'program').reduce((sum, name) => sum + p[name], 0))
  return [...names.filter((name) => name !== 'program').map((name) => `${name} ${range(phases.map((p) => p[name]))}`), `all but the program ${range(overhead)}`].join(', ')
}

/** The bench's lines: figures, targets and whether each is met. */
export function sandboxLines(b: SandboxBench): string[] {
  const judge = (met: boolean) => (b.reliable ? (met ? 'met' : 'not met') : 'not judged (see below)')
  const show = (values: number[], digits = 0) => `[${values.map((v) => v.toFixed(digits)).join(', ')}]`
  const load = (values: number[]) => values.map((v) => v.toFixed(1)).join(' ')
  const sizeLine = (size: Sizes, label: string) =>
    `${label}: bare ${median(b.bare[size]).toFixed(0)} ms ${show(b.bare[size])}, sandbox ${median(b.sandbox[size]).toFixed(0)} ms ${show(b.sandbox[size])}`
  const within = b.fixedRuns.filter((value) => value <= 30).length
  return [
    sizeLine('empty', 'no work (Node starts and exits; first pair of each round)'),
    sizeLine('short', `~${b.shortMs} ms job`),
    sizeLine('long', `~${b.longMs} ms job`),
    `  runner phases (medians [range] over ${b.phases.length} runs, ms): ${phaseLines(b.phases)}`,
    `  after the result (clean-up once every process is dead, not on the job's path): ${range(b.afterMs)} ms`,
    `fixed start-up ${b.fixedMs.toFixed(1)} ms (sandbox − bare with no work, median of ${b.rounds} × ${b.emptyPairs} pairs; per round (median of its pairs) ${show(b.fixedRuns, 1)}, ${within} of ${b.rounds} ≤ 30; target ≤ 30 ms): ${judge(b.fixedMs <= 30)}`,
    `per-second rate ${b.rate.toFixed(3)}× (median of the rounds' two-point rates; per round ${show(b.lineRuns.map((line) => line.rate), 3)}; target ≤ 1.02×): ${judge(b.rate <= 1.02)}`,
    `  cross-check, the two-point line's intercept: median ${b.lineFixedMs.toFixed(1)} ms, per round ${show(b.lineRuns.map((line) => line.fixed), 1)} (noisy: a 1% wobble of a ${b.longMs} ms run moves it by ~${(b.longMs / 100).toFixed(0)} ms)`,
    ...(b.cpu
      ? [
          `in CPU time (bare: the program's own; sandbox: the job's cgroup), medians: no work ${median(b.cpu.bare.empty).toFixed(0)} / ${median(b.cpu.sandbox.empty).toFixed(0)} ms, ` +
            `short ${median(b.cpu.bare.short).toFixed(0)} / ${median(b.cpu.sandbox.short).toFixed(0)}, long ${median(b.cpu.bare.long).toFixed(0)} / ${median(b.cpu.sandbox.long).toFixed(0)}; ` +
            `fixed ${median(b.cpu.sandbox.empty.map((s, i) => s - b.cpu!.bare.empty[i]!)).toFixed(1)} ms of CPU; the node's own process ${b.hostCpuMs.toFixed(1)} ms of CPU a run (set-up, feeding, sweeps, clean-up)`,
        ]
      : []),
    `load (1, 5, 15 min) ${load(b.load.before)} before, ${load(b.load.after)} after: on a loaded host the wall-clock figures are noise, the CPU figures are steadier`,
    ...(b.reliable ? [] : [`not judged: the short and long bare runs overlap (a loaded host: load ${load(loadavg())}); run it on a quiet machine`]),
  ]
}

if (import.meta.main) for (const text of sandboxLines(await benchSandbox())) console.log(text)
