import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  datasetSchemaSchema,
  encodeSafetensors,
  logisticRegressionMetadata,
  planLogisticRegression,
} from '@datavault/sdk'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import { loadTable } from './dataset.ts'
import { TrainerDataError } from './errors.ts'
import { trainLogisticRegression } from './train.ts'

/** Where the program finds its config and data and writes its outputs; the sandbox's fixed paths by default. */
export type LogisticRegressionProgramPaths = { jobDir: string; dataDir: string; outDir: string }

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
 * The logistic-regression trainer's program: reads `config.json`, the CSV inputs, trains, and
 * writes `model.safetensors` and `metrics.json`. Reports progress through `emit` and returns the
 * process exit code: 0, or 2 after an `error` event with a reason code.
 */
export async function runLogisticRegressionProgram(
  paths: LogisticRegressionProgramPaths,
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
    const plan = planLogisticRegression(schema.data, config.params)

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
    const table = loadTable(plan, texts)
    texts.length = 0

    const model = trainLogisticRegression(plan, table, (epoch, loss) => emit({ event: 'epoch', epoch, loss }))
    const k = plan.outputs
    const d = plan.features.length
    const safetensors = encodeSafetensors(
      {
        weights: { dtype: 'F32', shape: [k, d], data: Float32Array.from(model.weights) },
        bias: { dtype: 'F32', shape: [k], data: Float32Array.from(model.bias) },
        feature_mean: { dtype: 'F32', shape: [d], data: Float32Array.from(model.featureMean) },
        feature_std: { dtype: 'F32', shape: [d], data: Float32Array.from(model.featureStd) },
      },
      logisticRegressionMetadata(plan),
    )
    const metrics = { loss: model.loss, accuracy: model.accuracy, rows: table.rows, epochs: plan.params.epochs }
    try {
      await writeFile(join(paths.outDir, 'model.safetensors'), safetensors)
      await writeFile(join(paths.outDir, 'metrics.json'), JSON.stringify(metrics))
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

function reasonOf(error: unknown): string {
  if (error instanceof TrainerDataError) return error.reason
  // TrainerParametersError from the SDK, matched by its stable code.
  if (error instanceof Error && (error as { code?: unknown }).code === 'TRAINER_PARAMETERS_INVALID') return String((error as { reason?: unknown }).reason)
  return 'internal-error'
}
