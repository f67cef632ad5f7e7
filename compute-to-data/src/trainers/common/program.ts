import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type DatasetSchema, type DifferentialPrivacyPlan, type FeatureScaling, datasetSchemaSchema, encodeSafetensors } from '@datavault/sdk'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import { TrainerDataError } from './errors.ts'
import { type BlankHandling, type TableSpec, type TrainingTable, loadTable } from './table.ts'

/** Where the program finds its config and data and writes its outputs; the sandbox's fixed paths by default. */
export type TrainerProgramPaths = { jobDir: string; dataDir: string; outDir: string }

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
      raw = JSON.parse(await readFile(join(paths.jobDir, 'config.json'), 'utf8'))
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
      const bytes = await readFile(join(paths.dataDir, name))
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

    const result = program.train(plan, table, (epoch, loss) => emit({ event: 'epoch', epoch, loss }))
    const names = Object.keys(result.metrics)
    if (names.length !== plan.metrics.length || !plan.metrics.every((name) => Number.isFinite(result.metrics[name])))
      throw new Error('the metrics do not match the plan')
    const safetensors = encodeSafetensors(
      Object.fromEntries(Object.entries(result.tensors).map(([name, { shape, data }]) => [name, { dtype: 'F32', shape, data: Float32Array.from(data) }])),
      program.metadata(plan),
    )
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

function reasonOf(error: unknown): string {
  if (error instanceof TrainerDataError) return error.reason
  // TrainerParametersError from the SDK, matched by its stable code.
  if (error instanceof Error && (error as { code?: unknown }).code === 'TRAINER_PARAMETERS_INVALID') return String((error as { reason?: unknown }).reason)
  return 'internal-error'
}

/** Entry point inside the sandbox: fixed paths, protocol events on stdout, diagnostics on stderr. */
export async function mainTrainerProgram<Plan extends TableSpec & { privacy?: DifferentialPrivacyPlan | undefined; metrics: string[] }>(program: TrainerProgram<Plan>): Promise<void> {
  process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`)
  // Outside the sandbox (benchmarks run the same bundle bare) the paths can sit under a root dir;
  // inside, bubblewrap clears the environment, so the sandbox's fixed paths always apply.
  const root = process.env.DATAVAULT_TRAINER_ROOT ?? ''
  process.exitCode = await runTrainerProgram(
    program,
    { jobDir: `${root}/job`, dataDir: `${root}/data`, outDir: `${root}/out` },
    (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
    (line) => process.stderr.write(`${line}\n`),
  )
}
