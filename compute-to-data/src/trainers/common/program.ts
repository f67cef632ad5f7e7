import { writeSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type BuiltInModel,
  type DatasetSchema,
  type DifferentialPrivacyPlan,
  type FeatureScaling,
  datasetSchemaSchema,
  encodeSafetensors,
  loadModel,
  predict,
} from '@datavault/sdk'
import { mulberry32, secureRandom } from './random.ts'
import {
  classificationMetrics,
  classificationVector,
  classificationVectorWidth,
  privateSum,
  regressionMetrics,
  regressionVector,
  regressionVectorWidth,
  splitTableByRow,
} from './private-validation.ts'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import { type WarmJob, readWarmJob } from '../../sandbox/warm-job.ts'
import { TrainerDataError } from './errors.ts'
import { type BlankHandling, type TableSpec, type TrainingTable, loadTable } from './table.ts'

/**
 * Where the program finds its config and data and writes its outputs; the sandbox's fixed paths by
 * default. `job`, when given, is the job a pre-started sandbox received on its descriptor (config
 * and inputs in memory): `jobDir` and `dataDir` are then not read.
 */
export type TrainerProgramPaths = { jobDir: string; dataDir: string; outDir: string; job?: WarmJob | undefined }

/** What a trainer's `train` returns: F64 tensors (written as F32) and the metrics. */
export type TrainerResult = { tensors: Record<string, { shape: number[]; data: Float64Array }>; metrics: Record<string, number> }

/** A built-in trainer's program: its plan (from the SDK), the table it reads, and its training. */
export type TrainerProgram<Plan extends TableSpec & { privacy?: DifferentialPrivacyPlan | undefined; metrics: string[] }> = {
  plan(schema: DatasetSchema, params: unknown): Plan
  metadata(plan: Plan): Record<string, string>
  train(plan: Plan, table: TrainingTable, onEpoch: (epoch: number, loss: number) => void): TrainerResult
}

const inputNamePattern = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/

// Checked by hand rather than with zod: the bundle then carries one copy of zod (the SDK's), not two.
function parseConfig(raw: unknown): { schema: unknown; params: unknown; inputs: string[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new TrainerDataError('bad-config', 'config.json is not an object')
  const { schema, params, inputs, ...rest } = raw as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw new TrainerDataError('bad-config', 'config.json has unknown fields')
  if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 1024 || !inputs.every((name) => typeof name === 'string' && inputNamePattern.test(name)))
    throw new TrainerDataError('bad-config', 'config.json inputs must be a list of file names')
  return { schema, params, inputs }
}

/**
 * Runs a trainer program: reads `config.json` and the CSV inputs, checks a DP run's row count
 * against the schema (`rows-mismatch`), trains, and writes `model.safetensors` and `metrics.json`.
 * Reports progress through `emit` and returns the process exit code: 0, or 2 after an `error`
 * event with a reason code (1 for an internal error). Diagnostics name columns and lines, never values.
 */
export async function runTrainerProgram<Plan extends TableSpec & { privacy?: DifferentialPrivacyPlan | undefined; metrics: string[] }>(
  program: TrainerProgram<Plan>,
  paths: TrainerProgramPaths,
  emit: (event: TrainerEvent) => void,
  writeDiagnostic: (line: string) => void = () => {},
): Promise<number> {
  try {
    let raw: unknown
    try {
      raw = JSON.parse(paths.job ? new TextDecoder('utf-8', { fatal: true }).decode(paths.job.config) : await readFile(join(paths.jobDir, 'config.json'), 'utf8'))
    } catch {
      throw new TrainerDataError('bad-config', 'config.json is not readable JSON')
    }
    const config = parseConfig(raw)
    const schema = datasetSchemaSchema.safeParse(config.schema)
    if (!schema.success) throw new TrainerDataError('bad-config', 'the dataset schema is invalid')
    const plan = program.plan(schema.data, config.params)

    const decoder = new TextDecoder('utf-8', { fatal: true })
    const texts: string[] = []
    for (const name of config.inputs) {
      const bytes = paths.job ? paths.job.inputs.get(name) : await readFile(join(paths.dataDir, name))
      // A pre-started sandbox's job without the input its config names: as a cold one's missing file (internal-error).
      if (bytes === undefined) throw new Error(`input ${JSON.stringify(name)} is missing`)
      try {
        texts.push(decoder.decode(bytes))
      } catch {
        throw new TrainerDataError('bad-encoding', `input ${JSON.stringify(name)} is not UTF-8`)
      }
    }
    const table = loadTable(plan, texts, blankHandling(schema.data, plan))
    texts.length = 0
    // DP's sample rate was computed from the declared rows; a different count would void the accounting.
    if (plan.privacy !== undefined && table.fileRows !== plan.privacy.rows)
      throw new TrainerDataError('rows-mismatch', 'the data does not have the number of rows the schema declares')

    const validationFraction = (plan as { params?: { validationFraction?: number } }).params?.validationFraction ?? 0
    const seed = (plan as { params?: { seed?: number } }).params?.seed ?? 0
    // Under DP, row by row (a fixed function of each row), so training and scoring compose in parallel.
    const split = plan.privacy === undefined ? splitTable : splitTableByRow
    const { training, validation } = validationFraction > 0 ? split(table, validationFraction, seed) : { training: table, validation: undefined }

    const result = program.train(plan, training, (epoch, loss) => emit({ event: 'epoch', epoch, loss }))
    const safetensors = encodeSafetensors(
      Object.fromEntries(Object.entries(result.tensors).map(([name, { shape, data }]) => [name, { dtype: 'F32', shape, data: Float32Array.from(data) }])),
      program.metadata(plan),
    )
    // Scored on the model as released (F32, read back by the SDK), on rows it never trained on.
    if (validation !== undefined)
      Object.assign(
        result.metrics,
        plan.privacy === undefined
          ? validationMetrics(loadModel(safetensors), validation)
          : privateValidationMetrics(loadModel(safetensors), validation, plan.privacy, (plan as { labelScaling?: FeatureScaling }).labelScaling),
      )
    const names = Object.keys(result.metrics)
    if (names.length !== plan.metrics.length || !plan.metrics.every((name) => Number.isFinite(result.metrics[name])))
      throw new Error('the metrics do not match the plan')
    try {
      await writeFile(join(paths.outDir, 'model.safetensors'), safetensors)
      await writeFile(join(paths.outDir, 'metrics.json'), JSON.stringify(Object.fromEntries(plan.metrics.map((name) => [name, result.metrics[name]]))))
    } catch (cause) {
      throw new TrainerDataError('output-failed', (cause as NodeJS.ErrnoException).code ?? 'write failed')
    }
    emit({ event: 'done' })
    return 0
  } catch (error) {
    const code = reasonOf(error)
    emit({ event: 'error', code })
    // stderr reaches the data owner only; our messages name columns and lines, not values.
    writeDiagnostic(error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error')
    return code === 'internal-error' ? 1 : 2
  }
}

/** Each feature's `blanks` from the schema, and under DP (bounds scaling) the midpoints `fill-mean` uses. */
export function blankHandling(schema: DatasetSchema, plan: TableSpec & { scaling?: FeatureScaling | undefined }): BlankHandling {
  const columns = new Map(schema.columns.map((column) => [column.name, column]))
  const blanks = plan.features.map((name) => {
    const column = columns.get(name)
    return column?.type === 'number' ? column.blanks : undefined
  })
  const scaling = plan.scaling
  return { blanks, midpoints: scaling?.kind === 'bounds' ? scaling.min.map((min, j) => (min + scaling.max[j]!) / 2) : undefined }
}

/**
 * Splits a table into training and validation rows: a permutation seeded by `seed` (so a run can
 * be reproduced) picks round(fraction × rows) validation rows (at least 1, leaving at least 1 to
 * train on); both keep the file order.
 */
export function splitTable(table: TrainingTable, fraction: number, seed: number): { training: TrainingTable; validation: TrainingTable } {
  const n = table.rows
  if (n < 2) throw new TrainerDataError('no-rows', 'a validation split needs at least two rows')
  const count = Math.min(n - 1, Math.max(1, Math.round(fraction * n)))
  // Fisher–Yates on a PRNG of its own, so the split does not shift the training shuffles.
  const random = mulberry32((seed ^ 0x5eed_5a17) >>> 0)
  const order = Array.from({ length: n }, (_, i) => i)
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  const held = new Uint8Array(n)
  for (let i = 0; i < count; i++) held[order[i]!] = 1
  const pick = (keep: 0 | 1): TrainingTable => {
    const d = table.features
    const rows = keep === 1 ? count : n - count
    const x = new Float64Array(rows * d)
    const y = new Float64Array(rows)
    let r = 0
    for (let i = 0; i < n; i++) {
      if (held[i] !== keep) continue
      x.set(table.x.subarray(i * d, (i + 1) * d), r * d)
      y[r++] = table.y[i]!
    }
    return { x, y, rows, features: d, fileRows: table.fileRows, skippedRows: table.skippedRows }
  }
  return { training: pick(0), validation: pick(1) }
}

/**
 * Scores a model on validation rows: `validationRows`, `validationLoss` (mean cross-entropy, or
 * mean squared error in the label's units) and `validationAccuracy` or `validationR2` (0 when the
 * validation targets do not vary).
 */
export function validationMetrics(model: BuiltInModel, table: TrainingTable): Record<string, number> {
  const d = table.features
  const rows = Array.from({ length: table.rows }, (_, i) => Array.from(table.x.subarray(i * d, (i + 1) * d)))
  const predictions = predict(model, rows)
  const n = table.rows
  if (typeof predictions[0] === 'number') {
    const values = predictions as number[]
    let mean = 0
    for (let i = 0; i < n; i++) mean += table.y[i]! / n
    let sse = 0
    let sst = 0
    for (let i = 0; i < n; i++) {
      sse += (values[i]! - table.y[i]!) ** 2
      sst += (table.y[i]! - mean) ** 2
    }
    return { validationRows: n, validationLoss: sse / n, validationR2: sst > 0 ? 1 - sse / sst : 0 }
  }
  let loss = 0
  let correct = 0
  ;(predictions as { classIndex: number; probabilities: number[] }[]).forEach((prediction, i) => {
    const label = table.y[i]!
    loss -= Math.log(Math.max(prediction.probabilities[label]!, 1e-15))
    if (prediction.classIndex === label) correct++
  })
  return { validationRows: n, validationLoss: loss / n, validationAccuracy: correct / n }
}

/**
 * Scores a DP model on its validation rows with noise (see `private-validation.ts`): each row's
 * clipped cross-entropy (bound max(1, 2·ln K), as the training's loss) and correctness, or its
 * squared error and target in the label's bounds-scaled units (prediction and target clipped to
 * the declared range), estimated through one epoch of the job's own sampled Gaussian mechanism.
 */
export function privateValidationMetrics(
  model: BuiltInModel,
  table: TrainingTable,
  privacy: DifferentialPrivacyPlan,
  labelScaling: FeatureScaling | undefined,
  random = secureRandom(),
): Record<string, number> {
  const d = table.features
  const n = table.rows
  const rows = Array.from({ length: n }, (_, i) => Array.from(table.x.subarray(i * d, (i + 1) * d)))
  const predictions = n === 0 ? [] : predict(model, rows)
  if ('classes' in model) {
    const lossBound = Math.max(1, 2 * Math.log(model.classes.length))
    const vectors = new Float64Array(n * classificationVectorWidth)
    ;(predictions as { classIndex: number; probabilities: number[] }[]).forEach((prediction, i) => {
      const label = table.y[i]!
      classificationVector(vectors, i, -Math.log(Math.max(prediction.probabilities[label]!, 1e-15)), prediction.classIndex === label, lossBound)
    })
    return classificationMetrics(privateSum(vectors, n, classificationVectorWidth, privacy, random), lossBound)
  }
  if (labelScaling?.kind !== 'bounds') throw new Error('a DP regression scales its label by declared bounds')
  const center = (labelScaling.min[0]! + labelScaling.max[0]!) / 2
  const halfRange = (labelScaling.max[0]! - labelScaling.min[0]!) / 2
  const vectors = new Float64Array(n * regressionVectorWidth)
  ;(predictions as number[]).forEach((prediction, i) => regressionVector(vectors, i, (prediction - center) / halfRange, (table.y[i]! - center) / halfRange))
  return regressionMetrics(privateSum(vectors, n, regressionVectorWidth, privacy, random), halfRange)
}

function reasonOf(error: unknown): string {
  if (error instanceof TrainerDataError) return error.reason
  // TrainerParametersError from the SDK, matched by its stable code.
  if (error instanceof Error && (error as { code?: unknown }).code === 'TRAINER_PARAMETERS_INVALID') return String((error as { reason?: unknown }).reason)
  return 'internal-error'
}

/**
 * Entry point inside the sandbox: fixed paths, protocol events on stdout, diagnostics on stderr.
 * In a pre-started sandbox (`DATAVAULT_JOB_FD` set by the runner) the program, its modules already
 * imported, first waits for its one job on that descriptor and reports `started` once it is whole.
 */
export async function mainTrainerProgram<Plan extends TableSpec & { privacy?: DifferentialPrivacyPlan | undefined; metrics: string[] }>(program: TrainerProgram<Plan>): Promise<void> {
  const jobFd = process.env.DATAVAULT_JOB_FD
  let job: WarmJob | undefined
  if (jobFd !== undefined) {
    // An empty line (not an event): the runner learns that this sandbox has started and waits for its job.
    writeSync(1, '\n')
    try {
      job = readWarmJob(Number(jobFd))
    } catch (error) {
      process.stderr.write(`${error instanceof Error ? error.message : 'the job could not be read'}\n`)
      process.exitCode = 1
      return
    }
  }
  process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`)
  // Outside the sandbox (benchmarks run the same bundle bare) the paths can sit under a root dir;
  // inside, bubblewrap clears the environment, so the sandbox's fixed paths always apply.
  const root = process.env.DATAVAULT_TRAINER_ROOT ?? ''
  process.exitCode = await runTrainerProgram(
    program,
    { jobDir: `${root}/job`, dataDir: `${root}/data`, outDir: `${root}/out`, job },
    (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    (line) => process.stderr.write(`${line}\n`),
  )
}
