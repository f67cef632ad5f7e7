// Trainer benchmarks, each a ratio against a reference measured in the same run:
//  - the logistic-regression trainer inside the sandbox vs the same bundle run bare (the sandbox's own
//    targets, fixed start-up and per-second rate, are judged by bench/sandbox.ts)
//  - DP-SGD epoch time vs the same trainer without DP
//  - logistic regression's held-out accuracy and time vs scikit-learn (where python3-sklearn is installed):
//    fit against fit (in process, data parsed) and whole process against whole process
//  - linear regression's fit time vs scikit-learn's LinearRegression, fit against fit (systolic_bp from
//    the other six number columns; both standardize the features inside the timed fit)
// Fit times are wall times (median of the rounds); the CPU time of the same fits is given beside
// them, as it moves less on a loaded machine. scikit-learn's numpy may use several BLAS threads.
//   node scripts/bench/trainers.ts   prints each figure, its target and whether it is met
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { bubblewrapRunner, buildTrainerBundle, logisticRegressionTrainer } from '@datavault/compute-to-data'
import { evaluateAccuracy, loadLogisticRegression, planLinearRegression, planLogisticRegression } from '@datavault/sdk'
import { loadTable } from '../../compute-to-data/src/trainers/common/table.ts'
import { trainLinearRegression } from '../../compute-to-data/src/trainers/linear-regression/train.ts'
import { trainLogisticRegression } from '../../compute-to-data/src/trainers/logistic-regression/train.ts'
import { readFile } from 'node:fs/promises'
import { healthCsv, healthSchema, parseHealthCsv } from '../lib/synthetic-health.ts'

const silent = { child: () => silent, info() {}, warn() {}, error() {}, debug() {} }
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** Runs the bundle bare with its paths under `root`; resolves with the wall time in ms. */
async function runBare(bundle: string, root: string): Promise<number> {
  const started = performance.now()
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, [bundle], { env: { DATAVAULT_TRAINER_ROOT: root }, stdio: 'ignore' })
    child.once('exit', resolve)
  })
  if (code !== 0) throw new Error(`bare trainer exited ${code}`)
  return performance.now() - started
}

export async function benchTrainers({ rows = 20_000, epochs = 100, rounds = 5 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-trainers-'))
  try {
    const bundle = await buildTrainerBundle(logisticRegressionTrainer, { outDir: join(dir, 'bundles') })
    const csv = healthCsv({ rows: rows + 5000, seed: 99 })
    const [header, ...lines] = csv.trim().split('\n')
    const train = `${[header, ...lines.slice(0, rows)].join('\n')}\n`
    const test = `${[header, ...lines.slice(rows)].join('\n')}\n`
    const schema = healthSchema('binary', { rows })
    const plain = { label: 'risk', epochs, learningRate: 0.2, batchSize: 64, seed: 1 }
    const dp = { ...plain, dp: { noiseMultiplier: 1.0, maxGradNorm: 1.0 } }
    // DP-SGD's reference is the same SGD without DP (the default without DP is the full-batch fit).
    const plainSgd = { ...plain, solver: 'sgd' }

    const prepare = async (name: string, params: object) => {
      const root = join(dir, name)
      await mkdir(join(root, 'job'), { recursive: true })
      await mkdir(join(root, 'data'), { recursive: true })
      await mkdir(join(root, 'out'), { recursive: true })
      await writeFile(join(root, 'job', 'config.json'), JSON.stringify({ schema, params, inputs: ['data.csv'] }))
      await writeFile(join(root, 'data', 'data.csv'), train)
      return root
    }
    const plainRoot = await prepare('plain', plain)
    const dpRoot = await prepare('dp', dp)
    const sgdRoot = await prepare('sgd', plainSgd)

    // Inside vs outside the sandbox, same bundle, same data, interleaved.
    const runner = bubblewrapRunner({})({ logger: silent })
    await runner.ready()
    const inside: number[] = []
    const outside: number[] = []
    for (let round = 0; round < rounds; round++) {
      const out = join(dir, `sandbox-out-${round}`)
      const result = await runner.run({
        jobId: `bench-${round}`,
        program: { path: bundle.path, sha256: bundle.sha256 },
        config: { schema, params: plain, inputs: ['data.csv'] },
        inputs: [{ name: 'data.csv', source: Readable.from([Buffer.from(train)]) }],
        outputDir: out,
        limits: { wallTimeMs: 600_000, cpuSeconds: 600, memoryBytes: 2 * 1024 ** 3, outputBytes: 64 * 1024 ** 2, processes: 64 },
      })
      if (result.outcome !== 'exited' || result.exitCode !== 0) throw new Error(`sandboxed trainer failed: ${result.outcome} ${result.exitCode}`)
      inside.push(result.durationMs)
      outside.push(await runBare(bundle.path, plainRoot))
    }

    // DP-SGD vs plain, bare, per epoch.
    const dpTimes: number[] = []
    const plainTimes: number[] = []
    for (let round = 0; round < rounds; round++) {
      dpTimes.push(await runBare(bundle.path, dpRoot))
      plainTimes.push(await runBare(bundle.path, sgdRoot))
    }

    // Our held-out accuracy (the plain run's weights) vs scikit-learn on the same split.
    const model = loadLogisticRegression(new Uint8Array(await readFile(join(plainRoot, 'out', 'model.safetensors'))))
    const held = parseHealthCsv(test)
    const ours = evaluateAccuracy(model, held.rows, held.labels)
    // Fit against fit (in process, CSV already parsed on both sides; scaler fit included on both),
    // whole process against whole process (start, read the CSV, fit, write), interleaved.
    const plan = planLogisticRegression(schema, plain)
    const table = loadTable(plan, [train])
    const linearFeatures = ['age', 'bmi', 'cholesterol', 'glucose', 'smoker', 'exercise_hours']
    const linearPlan = planLinearRegression(schema, { label: 'systolic_bp', features: linearFeatures })
    const linearTable = loadTable(linearPlan, [train])
    const oursFit: number[] = []
    const oursFitCpu: number[] = []
    const oursProcess: number[] = []
    const oursLinearFit: number[] = []
    const oursLinearFitCpu: number[] = []
    let sklearn:
      | { accuracy: number; ms: number; fitMs: number[]; fitCpuMs: number[]; processMs: number[]; linearFitMs: number[]; linearFitCpuMs: number[] }
      | undefined
    const python = '/usr/bin/python3'
    const hasSklearn = spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0
    if (hasSklearn) {
      await writeFile(join(dir, 'train.csv'), train)
      await writeFile(join(dir, 'test.csv'), test)
    }
    const script = [
      'import sys, time, numpy as np',
      'from sklearn.linear_model import LogisticRegression',
      'from sklearn.preprocessing import StandardScaler',
      'def load(p):',
      '    rows = [l.strip().split(",") for l in open(p)][1:]',
      '    return np.array([[float(v) for v in r[:-1]] for r in rows]), np.array([r[-1] for r in rows])',
      `X, y = load("${join(dir, 'train.csv')}"); Xt, yt = load("${join(dir, 'test.csv')}")`,
      't = time.perf_counter(); c = time.process_time(); s = StandardScaler().fit(X); m = LogisticRegression(max_iter=1000).fit(s.transform(X), y); ms = (time.perf_counter() - t) * 1000; cpu = (time.process_time() - c) * 1000',
      '# Linear: systolic_bp (column 2) from the other six number columns.',
      'from sklearn.linear_model import LinearRegression',
      'L, ly = np.delete(X, 2, axis=1), X[:, 2]',
      't = time.perf_counter(); c = time.process_time(); ls = StandardScaler().fit(L); LinearRegression().fit(ls.transform(L), ly); lms = (time.perf_counter() - t) * 1000; lcpu = (time.process_time() - c) * 1000',
      'print(m.score(s.transform(Xt), yt), ms, cpu, lms, lcpu)',
    ].join('\n')
    // Wall and CPU time of one fit in this process.
    const timeFit = (fit: () => unknown, wall: number[], cpu: number[]) => {
      const started = performance.now()
      const cpuStarted = process.cpuUsage()
      fit()
      const used = process.cpuUsage(cpuStarted)
      wall.push(performance.now() - started)
      cpu.push((used.user + used.system) / 1000)
    }
    for (let round = 0; round < rounds; round++) {
      timeFit(() => trainLogisticRegression(plan, table), oursFit, oursFitCpu)
      timeFit(() => trainLinearRegression(linearPlan, linearTable), oursLinearFit, oursLinearFitCpu)
      oursProcess.push(await runBare(bundle.path, plainRoot))
      if (!hasSklearn) continue
      const begin = performance.now()
      const result = spawnSync(python, ['-c', script], { encoding: 'utf8' })
      const processMs = performance.now() - begin
      const [accuracy, ms, cpuMs, linearMs, linearCpuMs] = result.stdout.trim().split(/\s+/).map(Number)
      if (result.status !== 0 || [accuracy, ms, cpuMs, linearMs, linearCpuMs].some((v) => v === undefined || !Number.isFinite(v)))
        throw new Error(`scikit-learn run failed: ${result.stderr.slice(-400)}`)
      sklearn ??= { accuracy: accuracy!, ms: 0, fitMs: [], fitCpuMs: [], processMs: [], linearFitMs: [], linearFitCpuMs: [] }
      sklearn.fitMs.push(ms!)
      sklearn.fitCpuMs.push(cpuMs!)
      sklearn.linearFitMs.push(linearMs!)
      sklearn.linearFitCpuMs.push(linearCpuMs!)
      sklearn.processMs.push(processMs)
    }
    if (sklearn) sklearn.ms = median(sklearn.fitMs)
    return {
      rows,
      epochs,
      insideMs: median(inside),
      outsideMs: median(outside),
      sandboxRatio: median(inside) / median(outside),
      dpEpochMs: median(dpTimes) / epochs,
      plainEpochMs: median(plainTimes) / epochs,
      dpRatio: median(dpTimes) / median(plainTimes),
      accuracy: ours,
      sklearn,
      /** Our fit alone (plan and parsed table ready), per round, ms; `sklearn.fitMs` is the same scope. */
      oursFitMs: oursFit,
      /** CPU time (user + system) of the same fits, ms; `sklearn.fitCpuMs` is the same scope. */
      oursFitCpuMs: oursFitCpu,
      /** Linear regression's fit alone, per round, wall and CPU ms; `sklearn.linearFitMs` / `linearFitCpuMs` are the same scope. */
      oursLinearFitMs: oursLinearFit,
      oursLinearFitCpuMs: oursLinearFitCpu,
      /** The bare trainer process, start to exit, per round, ms; `sklearn.processMs` is the same scope. */
      oursProcessMs: oursProcess,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The bench's lines: each figure, its reference, the target and whether it is met. */
export function trainersLines(b: Awaited<ReturnType<typeof benchTrainers>>): string[] {
  const show = (values: number[]) => `(${values.map((v) => v.toFixed(0)).join(', ')})`
  const met = (ok: boolean) => (ok ? 'met' : 'not met')
  const lines = [
    // A whole job of ~0.4 s, so the ratio is mostly the sandbox's fixed start-up: issue 16 judges the
    // sandbox by that fixed cost (≤ 30 ms) and its per-second rate (≤ 1.02×), in bench/sandbox.ts.
    `${b.rows.toLocaleString('en')} rows × 7 features; logistic regression in the sandbox ${b.insideMs.toFixed(0)} ms, bare ${b.outsideMs.toFixed(0)} ms: ${b.sandboxRatio.toFixed(3)}×, ${(b.insideMs - b.outsideMs).toFixed(0)} ms more (the sandbox's targets, fixed ≤ 30 ms and rate ≤ 1.02×, are judged by bench/sandbox.ts)`,
    `DP-SGD ${b.dpEpochMs.toFixed(1)} ms/epoch, plain SGD ${b.plainEpochMs.toFixed(1)} ms/epoch: ${b.dpRatio.toFixed(2)}×`,
  ]
  if (b.sklearn === undefined) return [...lines, `held-out accuracy ours ${b.accuracy.toFixed(4)}; scikit-learn not installed (apt-get install python3-sklearn): skipped`]
  const s = b.sklearn
  const points = (b.accuracy - s.accuracy) * 100
  const fit = median(b.oursFitMs) / median(s.fitMs)
  const linear = median(b.oursLinearFitMs) / median(s.linearFitMs)
  return [
    ...lines,
    `logistic held-out accuracy ours ${b.accuracy.toFixed(4)}, scikit-learn ${s.accuracy.toFixed(4)}: ${points.toFixed(2)} points (target within 0.5): ${met(Math.abs(points) <= 0.5)}`,
    `logistic fit vs fit (in process, scaler included): ours ${median(b.oursFitMs).toFixed(1)} ms ${show(b.oursFitMs)}, scikit-learn ${median(s.fitMs).toFixed(1)} ms ${show(s.fitMs)}: ${fit.toFixed(2)}× (target ≤ 2×): ${met(fit <= 2)}`,
    `  CPU time of the same fits: ours ${median(b.oursFitCpuMs).toFixed(1)} ms ${show(b.oursFitCpuMs)}, scikit-learn ${median(s.fitCpuMs).toFixed(1)} ms ${show(s.fitCpuMs)}: ${(median(b.oursFitCpuMs) / median(s.fitCpuMs)).toFixed(2)}×`,
    `linear fit vs fit (systolic_bp from six columns, scaler included): ours ${median(b.oursLinearFitMs).toFixed(2)} ms, scikit-learn ${median(s.linearFitMs).toFixed(2)} ms: ${linear.toFixed(2)}× (target ≤ 2×): ${met(linear <= 2)}`,
    `  CPU time of the same fits: ours ${median(b.oursLinearFitCpuMs).toFixed(2)} ms, scikit-learn ${median(s.linearFitCpuMs).toFixed(2)} ms: ${(median(b.oursLinearFitCpuMs) / median(s.linearFitCpuMs)).toFixed(2)}×`,
    `whole process vs whole process (logistic): ours ${median(b.oursProcessMs).toFixed(0)} ms ${show(b.oursProcessMs)}, python + scikit-learn ${median(s.processMs).toFixed(0)} ms ${show(s.processMs)}: ${(median(b.oursProcessMs) / median(s.processMs)).toFixed(2)}×`,
  ]
}

if (import.meta.main) for (const line of trainersLines(await benchTrainers())) console.log(line)
