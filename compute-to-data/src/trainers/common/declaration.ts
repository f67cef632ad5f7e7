import type { DifferentialPrivacyPlan, SafetensorsDtype } from '@datavault/sdk'
import type { TrainerOutputDeclaration, TrainerPrivacy } from '../definition.ts'

/**
 * The declaration of a built-in trainer's outputs: `model.safetensors` with exactly `tensors`
 * (F32) and exactly `metadata`, and `metrics.json` with exactly `metrics`.
 */
export function modelDeclaration(tensors: { name: string; shape: number[] }[], metadata: Record<string, string>, metrics: readonly string[]): TrainerOutputDeclaration {
  return {
    files: [
      {
        name: 'model.safetensors',
        kind: 'safetensors',
        tensors: tensors.map(({ name, shape }) => ({ name, dtype: 'F32' satisfies SafetensorsDtype, shape })),
        metadataKeys: Object.keys(metadata),
        metadataValues: metadata,
      },
      { name: 'metrics.json', kind: 'metrics', names: [...metrics] },
    ],
  }
}

/** What the node needs to account for a DP plan, or `undefined` without DP. */
export function trainerPrivacy(plan: DifferentialPrivacyPlan | undefined): TrainerPrivacy | undefined {
  if (plan === undefined) return undefined
  const { sampleRate, noiseMultiplier, steps, delta } = plan
  return { sampleRate, noiseMultiplier, steps, delta }
}
