import { type LogisticRegressionPlan, differentialPrivacyMetrics, logisticRegressionMetadata, planLogisticRegression } from '@datavault/sdk'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import { type TrainerProgram, type TrainerProgramPaths, runTrainerProgram } from '../common/program.ts'
import { trainLogisticRegression } from './train.ts'

/** Where the program finds its config and data and writes its outputs. */
export type LogisticRegressionProgramPaths = TrainerProgramPaths

/** The logistic-regression program: F32 `weights` [K, D], `bias` [K], `feature_mean` / `feature_std` [D]. */
export const logisticRegressionProgram: TrainerProgram<LogisticRegressionPlan> = {
  plan: planLogisticRegression,
  metadata: logisticRegressionMetadata,
  train(plan, table, onEpoch) {
    const model = trainLogisticRegression(plan, table, { onEpoch })
    const k = plan.outputs
    const d = plan.features.length
    return {
      tensors: {
        weights: { shape: [k, d], data: model.weights },
        bias: { shape: [k], data: model.bias },
        feature_mean: { shape: [d], data: model.featureMean },
        feature_std: { shape: [d], data: model.featureStd },
      },
      metrics:
        plan.privacy === undefined
          ? { loss: model.loss!, accuracy: model.accuracy!, rows: table.rows, epochs: plan.params.epochs }
          : differentialPrivacyMetrics(plan.privacy, plan.params.epochs),
    }
  },
}

/**
 * The logistic-regression trainer's program: reads `config.json`, the CSV inputs, trains, and
 * writes `model.safetensors` and `metrics.json`. Returns the process exit code.
 */
export function runLogisticRegressionProgram(
  paths: LogisticRegressionProgramPaths,
  emit: (event: TrainerEvent) => void,
  writeDiagnostic?: (line: string) => void,
): Promise<number> {
  return runTrainerProgram(logisticRegressionProgram, paths, emit, writeDiagnostic)
}
