// The PyTorch trainer against the TypeScript one: torch-mlp's epoch time on the CPU (Debian's
// python3-torch) against mlp-classifier's, same data (health, 7 features), same network (`hidden`,
// Adam, batch 64), both run bare (no sandbox) with the same job files, interleaved, in the same
// run. An epoch's time is the interval between successive `epoch` events on the program's stdout
// (median over rounds), so start-up (Python importing torch, Node loading the bundle), reading the
// CSV and the final metrics are left out; they are reported apart as the time to the first event.
// Same arithmetic on both sides: float32 matrix products (PyTorch's default dtype; mlp-classifier's
// WebAssembly SIMD kernel), and one thread each (torch-mlp takes half the cores, at most 4: one on a
// 2-core machine; the line says how many it had). Both train on the same 80% of the rows (the
// default validation split).
//   node scripts/bench/torch-mlp.ts                  both networks: hidden [32] and [256, 256]
//   node scripts/bench/torch-mlp.ts --hidden 256,256  one network (rows 5,000, 4 epochs, 2 rounds)
//   node scripts/bench/torch-mlp.ts --dp             also the DP-SGD epochs (σ = 1, C = 1)
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { buildTrainerBundle, mlpClassifierTrainer, torchMlpTrainer } from '@datavault/compute-to-data'
import { healthCsv, healthSchema } from '../lib/synthetic-health.ts'

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

// The CPU time (user + system, all threads) a process has used so far, in ms, from /proc (clock
// ticks of 10 ms); NaN once the process is gone (its last lines can arrive after it exits).
const clockTicks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100
function processCpuMs(pid: number): number {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return Number.NaN
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // Fields 14 and 15 of the line (utime, stime); `fields` starts at field 3.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks
}

/**
 * Runs a trainer program bare with its paths under `root`; resolves with the times (ms from
 * start) of its epoch events and the process's CPU time (ms) at each.
 */
async function runBare(command: string, args: string[], root: string): Promise<{ stamps: number[]; cpu: number[] }> {
  const started = performance.now()
  const stamps: number[] = []
  const cpu: number[] = []
  let pending = ''
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(command, args, { env: { DATAVAULT_TRAINER_ROOT: root, DATAVAULT_TRAINER_DEVICE: 'cpu' }, stdio: ['ignore', 'pipe', 'ignore'] })
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const now = performance.now() - started
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const line of lines)
        if (line.includes('"event":"epoch"')) {
          stamps.push(now)
          cpu.push(processCpuMs(child.pid!))
        }
    })
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`bare trainer ${args.at(-1)} exited ${code}`)
  return { stamps, cpu }
}

/** Whether `/usr/bin/python3` imports torch with functorch (Debian's python3-torch). */
export function torchAvailable(): boolean {
  return spawnSync('/usr/bin/python3', ['-c', 'import torch, functorch'], { stdio: 'ignore' }).status === 0
}

export type TorchMlpBench = {
  rows: number
  /** ms per epoch, median over rounds. */
  torchEpochMs: number
  mlpEpochMs: number
  /** torch-mlp / mlp-classifier. */
  ratio: number
  /** The same under DP-SGD (σ = 1, C = 1); undefined when not measured. */
  torchDpEpochMs?: number | undefined
  mlpDpEpochMs?: number | undefined
  dpRatio?: number | undefined
  /** CPU time (all threads) per epoch, from /proc, median over rounds: it moves less than wall time on a loaded machine. */
  torchCpuEpochMs: number
  mlpCpuEpochMs: number
  /** Time to the first epoch event less one epoch (start-up, reading the CSV): torch-mlp, mlp-classifier. */
  torchFixedMs: number
  mlpFixedMs: number
  threads: string
}

export async function benchTorchMlp({ rows = 20_000, hidden = [32], epochs = 6, dpEpochs = 4, rounds = 3, dp: withDp = true } = {}): Promise<TorchMlpBench> {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-torch-'))
  try {
    const [torchBundle, mlpBundle] = await Promise.all([torchMlpTrainer, mlpClassifierTrainer].map((t) => buildTrainerBundle(t, { outDir: join(dir, 'bundles') })))
    const train = healthCsv({ rows, seed: 77 })
    const schema = healthSchema('binary', { rows })
    const base = { label: 'risk', hidden, learningRate: 0.01, batchSize: 64, seed: 1 }
    const dp = { noiseMultiplier: 1, maxGradNorm: 1 }
    const programs = {
      torch: { command: '/usr/bin/python3', args: ['-I', '-B', torchBundle!.path], params: (p: object) => torchMlpTrainer.parameters.parse(p) },
      mlp: { command: process.execPath, args: [mlpBundle!.path], params: (p: object) => mlpClassifierTrainer.parameters.parse(p) },
    }
    let count = 0
    const time = async (which: keyof typeof programs, params: object) => {
      const root = join(dir, `run-${++count}`)
      await Promise.all(['job', 'data', 'out'].map((d) => mkdir(join(root, d), { recursive: true })))
      await writeFile(join(root, 'job', 'config.json'), JSON.stringify({ schema, params: programs[which].params(params), inputs: ['data.csv'] }))
      await writeFile(join(root, 'data', 'data.csv'), train)
      const run = await runBare(programs[which].command, programs[which].args, root)
      await rm(root, { recursive: true, force: true })
      return run
    }
    const intervals = { torch: [] as number[], mlp: [] as number[], torchDp: [] as number[], mlpDp: [] as number[] }
    const fixed = { torch: [] as number[], mlp: [] as number[] }
    const cpu = { torch: [] as number[], mlp: [] as number[] }
    const epochTimes = (stamps: number[]) => stamps.slice(1).map((stamp, i) => stamp - stamps[i]!)
    for (let round = 0; round < rounds; round++) {
      for (const which of ['torch', 'mlp'] as const) {
        const { stamps, cpu: used } = await time(which, { ...base, epochs })
        const each = epochTimes(stamps)
        intervals[which].push(median(each))
        // CPU per epoch over all epochs after the first (one span: the 10 ms ticks matter less).
        const read = used.flatMap((ms, epoch) => (Number.isNaN(ms) ? [] : [{ ms, epoch }]))
        if (read.length >= 2) cpu[which].push((read.at(-1)!.ms - read[0]!.ms) / (read.at(-1)!.epoch - read[0]!.epoch))
        // Time to the first epoch event less one epoch: start-up and reading the data.
        fixed[which].push(stamps[0]! - median(each))
        if (withDp) intervals[which === 'torch' ? 'torchDp' : 'mlpDp'].push(median(epochTimes((await time(which, { ...base, epochs: dpEpochs, dp })).stamps)))
      }
    }
    // The threads torch-mlp runs with: it sets OMP_NUM_THREADS to half the cores (1 … 4) before importing torch.
    const probe = 'import os; os.environ["OMP_NUM_THREADS"] = str(max(1, min(4, len(os.sched_getaffinity(0)) // 2))); import torch; print(torch.__version__, torch.get_num_threads())'
    const threads = spawnSync('/usr/bin/python3', ['-c', probe], { encoding: 'utf8' }).stdout.trim()
    const torchEpochMs = median(intervals.torch)
    const mlpEpochMs = median(intervals.mlp)
    return {
      rows,
      torchEpochMs,
      mlpEpochMs,
      ratio: torchEpochMs / mlpEpochMs,
      ...(withDp ? { torchDpEpochMs: median(intervals.torchDp), mlpDpEpochMs: median(intervals.mlpDp), dpRatio: median(intervals.torchDp) / median(intervals.mlpDp) } : {}),
      torchCpuEpochMs: cpu.torch.length > 0 ? median(cpu.torch) : Number.NaN,
      mlpCpuEpochMs: cpu.mlp.length > 0 ? median(cpu.mlp) : Number.NaN,
      torchFixedMs: median(fixed.torch),
      mlpFixedMs: median(fixed.mlp),
      threads,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The bench's lines: epoch times, mlp-classifier's epoch against PyTorch's (target ≤ 2×) and whether it is met. */
export function torchMlpLines(b: TorchMlpBench, hidden: number[]): string[] {
  const ours = b.mlpEpochMs / b.torchEpochMs
  return [
    `${b.rows.toLocaleString('en')} rows × 7 features, hidden [${hidden.join(', ')}], Adam, batch 64, float32 products: epoch torch-mlp ${b.torchEpochMs.toFixed(1)} ms, mlp-classifier ${b.mlpEpochMs.toFixed(1)} ms (torch ${b.threads.replace(' ', ', threads ')}; mlp-classifier 1 thread)`,
    `  mlp-classifier epoch against PyTorch's on the CPU, same network and batch: ${ours.toFixed(2)}× (target ≤ 2×): ${ours <= 2 ? 'met' : 'not met'}`,
    `  CPU time per epoch (all threads): torch-mlp ${b.torchCpuEpochMs.toFixed(1)} ms, mlp-classifier ${b.mlpCpuEpochMs.toFixed(1)} ms: ${(b.mlpCpuEpochMs / b.torchCpuEpochMs).toFixed(2)}×`,
    ...(b.dpRatio === undefined ? [] : [`  DP-SGD (σ = 1, C = 1) epoch: torch-mlp ${b.torchDpEpochMs!.toFixed(1)} ms, mlp-classifier ${b.mlpDpEpochMs!.toFixed(1)} ms: ${(1 / b.dpRatio).toFixed(2)}×`]),
    `  start-up and reading the CSV (to the first epoch, less one): torch-mlp ${b.torchFixedMs.toFixed(0)} ms, mlp-classifier ${b.mlpFixedMs.toFixed(0)} ms`,
  ]
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { hidden: { type: 'string' }, dp: { type: 'boolean', default: false } } })
  const networks = values.hidden === undefined ? [[32], [256, 256]] : [values.hidden.split(',').map(Number)]
  if (networks.some((hidden) => hidden.length === 0 || hidden.some((width) => !Number.isInteger(width) || width < 1 || width > 1024))) throw new Error('--hidden: one or two widths 1 … 1024, comma-separated')
  if (!torchAvailable()) console.log('python3-torch not installed (apt-get install python3-torch): skipped')
  else
    for (const hidden of networks) {
      const wide = hidden.some((width) => width > 64)
      const result = await benchTorchMlp(wide ? { rows: 5_000, hidden, epochs: 4, dpEpochs: 3, rounds: 2, dp: values.dp } : { rows: 20_000, hidden, dp: values.dp })
      for (const text of torchMlpLines(result, hidden)) console.log(text)
    }
}
