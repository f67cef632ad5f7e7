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

/** One event of the trainer protocol. */
export type TrainerEvent = z.infer<typeof trainerEventSchema>

/** Longest stdout line the runner reads as an event, in bytes; longer lines are dropped and counted. */
export const trainerEventMaxLineBytes = 4096
