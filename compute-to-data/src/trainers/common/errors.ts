/**
 * Reason codes the trainer prints as `{"event":"error","code":…}` and exits with. They name what
 * was wrong with the data's shape, never a value from it.
 */
export type TrainerDataReason =
  | 'bad-config'
  | 'bad-encoding'
  | 'bad-csv'
  | 'duplicate-header'
  | 'missing-column'
  | 'ragged-row'
  | 'non-numeric-cell'
  | 'unknown-label-value'
  | 'unknown-category-value'
  | 'no-rows'
  /** A DP run found a different number of rows than the schema declares (its sample rate depends on it). */
  | 'rows-mismatch'
  | 'output-failed'

/** A problem with the job's data or config, reported by code only. Thrown inside the sandbox. */
export class TrainerDataError extends Error {
  override name = 'TrainerDataError'
  readonly reason: TrainerDataReason

  /** `detail` may name columns and row numbers, never cell contents. */
  constructor(reason: TrainerDataReason, detail?: string) {
    super(detail ? `${reason}: ${detail}` : reason)
    this.reason = reason
  }
}
