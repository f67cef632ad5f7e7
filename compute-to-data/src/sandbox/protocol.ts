import { z } from 'zod'

/**
 * What a trainer prints on stdout, one JSON object per line. `started` comes first; `error`
 * carries only a short reason code (never data). Objects are strict: an unknown field makes the
 * line invalid, so stdout cannot carry anything else through the runner.
 */
export const trainerEventSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('started') }).strict(),
  z
    .object({
      event: z.literal('epoch'),
      epoch: z.number().int().min(1).max(1_000_000),
      loss: z.number(),
      accuracy: z.number().min(0).max(1).optional(),
    })
    .strict(),
  z.object({ event: z.literal('done') }).strict(),
  z.object({ event: z.literal('error'), code: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/) }).strict(),
])

/**
 * The only codes an `error` event may carry: the reasons the node's trainers report (what was
 * wrong with the data's shape or the parameters, never a value). A free-form code would be a
 * channel of about 330 bits per job into the buyer's failure message; a fixed list is one of a
 * few bits. The runner drops an `error` event with any other code as a protocol violation.
 */
export const trainerErrorCodes: ReadonlySet<string> = new Set([
  'internal-error',
  // The trainers' data reasons (TrainerDataReason).
  'bad-config',
  'bad-encoding',
  'bad-csv',
  'duplicate-header',
  'missing-column',
  'ragged-row',
  'non-numeric-cell',
  'unknown-label-value',
  'unknown-category-value',
  'no-rows',
  'rows-mismatch',
  'output-failed',
  // The SDK's parameter reasons (TrainerParametersReason).
  'bad-parameters',
  'bad-label',
  'bad-feature',
  'duplicate-feature',
  'no-numeric-features',
  'model-too-large',
  'dp-missing-rows',
  'dp-missing-bounds',
  'dp-batch-too-large',
  'dp-delta-too-large',
  // torch-custom's reasons about the buyer's model, found before any data is read.
  'model-invalid',
  'model-mismatch',
  'model-has-buffers',
  'isolation-unavailable',
])

/**
 * What of an `epoch` event's numbers reaches the node: the loss to 3 significant digits, 0 below
 * 1e-4 and clamped to ±1e6; the accuracy to 0.001. About 14 bits per update instead of 64+:
 * progress is shown to the buyer while the job runs, so every bit of it is a channel out.
 */
export function quantizeProgress(event: Extract<TrainerEvent, { event: 'epoch' }>): Extract<TrainerEvent, { event: 'epoch' }> {
  const clamped = Math.max(-1e6, Math.min(1e6, event.loss))
  const loss = Math.abs(clamped) < 1e-4 ? 0 : Number(clamped.toPrecision(3))
  return {
    event: 'epoch',
    epoch: event.epoch,
    loss: Object.is(loss, -0) ? 0 : loss,
    ...(event.accuracy === undefined ? {} : { accuracy: Math.round(event.accuracy * 1000) / 1000 }),
  }
}

/** One event of the trainer protocol. */
export type TrainerEvent = z.infer<typeof trainerEventSchema>

/** Longest stdout line the runner reads as an event, in bytes; longer lines are dropped and counted. */
export const trainerEventMaxLineBytes = 4096
