// Trainer benchmarks, each a ratio against a reference measured in the same run:
//  - the logistic-regression trainer inside the sandbox vs the same bundle run bare (target ≤ 1.05×)
//  - DP-SGD epoch time vs the same trainer without DP
//  - logistic regression's held-out accuracy and time vs scikit-learn (where python3-sklearn is installed):
//    fit against fit (in process, data parsed) and whole process against whole process
import { spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { bubblewrapRunner, buildTrainerBundle, logisticRegressionTrainer } from '@datavault/compute-to-data'
import { evaluateAccuracy, loadLogisticRegression, planLogisticRegression } from '@datavault/sdk'
import { loadTable } from '../../compute-to-data/src/trainers/common/table.ts'
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
    const oursFit: number[] = []
    const oursProcess: number[] = []
    let sklearn: { accuracy: number; ms: number; fitMs: number[]; processMs: number[] } | undefined
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
      't = time.perf_counter(); s = StandardScaler().fit(X); m = LogisticRegression(max_iter=1000).fit(s.transform(X), y); ms = (time.perf_counter() - t) * 1000',
      'print(m.score(s.transform(Xt), yt), ms)',
    ].join('\n')
    for (let round = 0; round < rounds; round++) {
      const started = performance.now()
      trainLogisticRegression(plan, table)
      oursFit.push(performance.now() - started)
      oursProcess.push(await runBare(bundle.path, plainRoot))
      if (!hasSklearn) continue
      const begin = performance.now()
      const result = spawnSync(python, ['-c', script], { encoding: 'utf8' })
      const processMs = performance.now() - begin
      const [accuracy, ms] = result.stdout.trim().split(/\s+/).map(Number)
      if (result.status !== 0 || accuracy === undefined || ms === undefined) throw new Error(`scikit-learn run failed: ${result.stderr.slice(-400)}`)
      sklearn ??= { accuracy, ms: 0, fitMs: [], processMs: [] }
      sklearn.fitMs.push(ms)
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
      /** The bare trainer process, start to exit, per round, ms; `sklearn.processMs` is the same scope. */
      oursProcessMs: oursProcess,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) console.log(await benchTrainers())
