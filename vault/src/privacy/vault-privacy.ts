import { DataVaultError } from '@datavault/sdk'
import { type Job, type PrivacyLedger, type ProgramResolver, type TrainerDefinition, epsilonFor } from '@datavault/compute-to-data'
import type { Dataset } from '../db/datasets.ts'

/** A dataset's privacy budget as the API shows it. */
export type PrivacyUsageView = {
  budget: { epsilon: number; delta: number } | null
  spent: { epsilon: number; delta: number }
  reserved: { epsilon: number; delta: number }
  remaining: { epsilon: number; delta: number } | null
}

/** What a job would spend of its dataset's privacy budget, before it is ordered. */
export type PrivacyQuote = {
  epsilon: number
  delta: number
  /** What would be left of the budget after this job; null when the dataset has no budget. */
  remaining: { epsilon: number; delta: number } | null
}

/** The dataset requires differential privacy and the job does not use it. */
export class PrivacyRequiredError extends DataVaultError {
  override name = 'PrivacyRequiredError'
  constructor(details: string) {
    super('This dataset has a privacy budget: every job must train with differential privacy (DP-SGD).', {
      code: 'PRIVACY_REQUIRED',
      status: 403,
      details,
    })
  }
}

/**
 * The node's privacy accounting around jobs: before a job is accepted its planned (ε, δ) is
 * reserved from the dataset's budget (refused when it does not fit); when it finishes, what it
 * actually spent (from the steps it ran) is committed and the rest goes back; a failed, denied or
 * interrupted job's reservation goes back whole. Datasets without a budget accept jobs with or
 * without DP; a DP job's ε is still computed and put in its receipt.
 */
export type VaultPrivacy = {
  /**
   * Reserves what the job may spend, before it is accepted. For a pool job `members` are the
   * datasets it will read: each member's own budget is charged too (all or nothing).
   */
  reserve(params: { jobId: string; dataset: Dataset; members?: Dataset[]; definition: TrainerDefinition; params: Record<string, unknown> }): void
  /**
   * What {@link VaultPrivacy.reserve} would decide for this job now, without reserving: the (ε, δ)
   * it would take and what would be left of each charged budget after it (the smallest, for a
   * pool), or the same refusal. A DP job on a dataset without a budget still answers its ε (the
   * receipt's), with `remaining: null`; a job without DP there answers undefined.
   */
  quote(params: { dataset: Dataset; members?: Dataset[]; definition: TrainerDefinition; params: Record<string, unknown> }): PrivacyQuote | undefined
  commit(job: Job, metrics: Record<string, number>): { epsilon: number; delta: number } | undefined
  release(jobId: string): void
  /** Records a dataset's budget (at registration). */
  setBudget(dataset: Dataset): void
  /** The dataset's budget, what jobs spent and hold, and what is left (all zero when it has no budget). */
  usage(dataset: Dataset): PrivacyUsageView
  /**
   * Returns to their budgets the reservations of jobs that will never run: a job that failed, or
   * a reservation whose job was never created (the node stopped between the two). At start-up.
   */
  reconcile(jobs: { get(id: string): Job | undefined }): number
}

/** The vault's privacy accounting on the compute-to-data privacy ledger. */
export function vaultPrivacy({
  ledger,
  datasets,
  programs,
}: {
  ledger: PrivacyLedger
  /** `forJob`: the dataset as the job was accepted on (a pool's rows at that time). */
  datasets: { get(id: string): Dataset | undefined; forJob?(job: Job): Dataset | undefined }
  programs: ProgramResolver
}): VaultPrivacy {
  const planOf = (definition: TrainerDefinition, dataset: Dataset, params: Record<string, unknown>) =>
    definition.privacy?.(dataset.schema, params)
  const epsilonOf = (plan: { sampleRate: number; noiseMultiplier: number; steps: number; delta: number }) =>
    epsilonFor({ sampleRate: plan.sampleRate, noiseMultiplier: plan.noiseMultiplier, steps: plan.steps, delta: plan.delta })
  /** What a job on a dataset with a budget would take, or the refusal of a job without DP there. */
  const spendOf = (definition: TrainerDefinition, dataset: Dataset, params: Record<string, unknown>) => {
    const plan = planOf(definition, dataset, params)
    if (!plan)
      throw new PrivacyRequiredError(
        definition.id === 'custom'
          ? 'Custom algorithms cannot prove differential privacy; only built-in trainers with `dp` parameters may run here.'
          : 'Set `params.dp` ({ noiseMultiplier, maxGradNorm }, or { targetEpsilon, maxGradNorm }).',
      )
    return { epsilon: epsilonOf(plan), delta: plan.delta }
  }
  // A pool job holds one ledger entry per charged member: `<job id>#<dataset id>`.
  const entryId = (jobId: string, member?: string) => (member ? `${jobId}#${member}` : jobId)
  const entriesOf = (jobId: string) =>
    ledger
      .reservations()
      .map((entry) => entry.jobId)
      .filter((id) => id === jobId || id.startsWith(`${jobId}#`))

  return {
    setBudget(dataset) {
      if (dataset.policy.privacyBudget) ledger.setBudget(dataset.id, dataset.policy.privacyBudget)
    },

    quote({ dataset, members = [], definition, params }) {
      const charged = [dataset, ...members].filter((entry) => entry.policy.privacyBudget)
      if (charged.length === 0) {
        const plan = planOf(definition, dataset, params)
        return plan && { epsilon: epsilonOf(plan), delta: plan.delta, remaining: null }
      }
      const { epsilon, delta } = spendOf(definition, dataset, params)
      const after = charged.map((entry) => ledger.check({ datasetId: entry.id, epsilon, delta }).remaining)
      return {
        epsilon,
        delta,
        remaining: { epsilon: Math.min(...after.map((left) => left.epsilon)), delta: Math.min(...after.map((left) => left.delta)) },
      }
    },

    reserve({ jobId, dataset, members = [], definition, params }) {
      const charged = [dataset, ...members].filter((entry) => entry.policy.privacyBudget)
      if (charged.length === 0) return
      const { epsilon, delta } = spendOf(definition, dataset, params)
      const done: string[] = []
      try {
        for (const entry of charged) {
          const id = entryId(jobId, entry === dataset ? undefined : entry.id)
          ledger.reserve({ datasetId: entry.id, jobId: id, epsilon, delta })
          done.push(id)
        }
      } catch (error) {
        for (const id of done) ledger.release({ jobId: id })
        throw error
      }
    },

    commit(job, metrics) {
      const dataset = datasets.forJob?.(job) ?? datasets.get(job.datasetId)
      const definition = programs.resolve(job.trainer)?.definition
      const plan = dataset && definition ? planOf(definition, dataset, job.params) : undefined
      if (!plan) return undefined
      // What was spent follows the steps the trainer reports it ran, never more than planned.
      const steps = Math.min(metrics.steps ?? plan.steps, plan.steps)
      const epsilon = epsilonFor({ sampleRate: plan.sampleRate, noiseMultiplier: plan.noiseMultiplier, steps, delta: plan.delta })
      for (const id of entriesOf(job.id)) ledger.commit({ jobId: id, epsilon })
      return { epsilon, delta: plan.delta }
    },

    usage(dataset) {
      const usage = ledger.usage(dataset.id)
      return {
        budget: usage.budget ?? null,
        spent: usage.spent,
        reserved: usage.reserved,
        remaining: usage.budget ? usage.remaining : null,
      }
    },

    reconcile(jobs) {
      const stale = ledger
        .reservations()
        .filter((entry) => {
          const job = jobs.get(entry.jobId.split('#')[0] as string)
          return job === undefined || job.state === 'failed'
        })
        .map((entry) => entry.jobId)
      return stale.length ? ledger.releaseStale({ jobIds: stale }) : 0
    },

    release(jobId) {
      // A job that never reserved (no budget on its dataset) releases nothing.
      for (const id of entriesOf(jobId)) ledger.release({ jobId: id })
    },
  }
}
