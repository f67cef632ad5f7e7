import { type TrainerEvent, quantizeProgress, trainerErrorCodes, trainerEventMaxLineBytes, trainerEventSchema } from './protocol.ts'

/** Splits a trainer's stdout into bounded lines and parses each as a protocol event. */
export type EventLineReader = {
  push(chunk: Uint8Array): void
  /** Flushes a final line without a newline. */
  end(): void
  readonly violations: number
}

/**
 * Reads protocol events from stdout chunks. A line longer than `maxLineBytes` is dropped whole
 * (up to its newline), as is any line that is not a valid event, and each counts as a violation;
 * after `maxEvents` valid events the rest count as violations too. Nothing of a bad line is kept.
 *
 * Because progress reaches the buyer while the job runs, epoch events are narrowed to what a
 * progress display needs: epochs count up from 1 by one (any other number is a violation, so the
 * epoch field carries nothing), and the loss and accuracy are quantized (`quantizeProgress`). An
 * `error` event must carry one of `trainerErrorCodes`.
 */
export function createEventLineReader(
  onEvent: (event: TrainerEvent) => void,
  { maxLineBytes = trainerEventMaxLineBytes, maxEvents = 10_000 }: { maxLineBytes?: number; maxEvents?: number } = {},
): EventLineReader {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  let buffer = new Uint8Array(maxLineBytes)
  let length = 0
  let overlong = false
  let violations = 0
  let events = 0
  let epoch = 0

  const line = (bytes: Uint8Array) => {
    let event: TrainerEvent | undefined
    try {
      const parsed = trainerEventSchema.safeParse(JSON.parse(decoder.decode(bytes)))
      if (parsed.success) event = parsed.data
    } catch {}
    if (event?.event === 'epoch') event = event.epoch === epoch + 1 ? quantizeProgress(event) : undefined
    else if (event?.event === 'error' && !trainerErrorCodes.has(event.code)) event = undefined
    if (event === undefined || events >= maxEvents) {
      violations++
      return
    }
    if (event.event === 'epoch') epoch = event.epoch
    events++
    onEvent(event)
  }

  return {
    push(chunk) {
      let start = 0
      while (start < chunk.length) {
        const newline = chunk.indexOf(0x0a, start)
        const end = newline === -1 ? chunk.length : newline
        const piece = chunk.subarray(start, end)
        if (!overlong) {
          if (length + piece.length > maxLineBytes) {
            overlong = true
            length = 0
          } else {
            buffer.set(piece, length)
            length += piece.length
          }
        }
        if (newline === -1) break
        if (overlong) violations++
        else if (length > 0) line(buffer.subarray(0, length))
        overlong = false
        length = 0
        start = newline + 1
      }
    },
    end() {
      if (overlong) violations++
      else if (length > 0) line(buffer.subarray(0, length))
      overlong = false
      length = 0
      buffer = new Uint8Array(0)
    },
    get violations() {
      return violations
    },
  }
}

/** Keeps the last `maxBytes` of a stream (the trainer's stderr). */
export function createTail(maxBytes: number) {
  const chunks: Uint8Array[] = []
  let size = 0
  return {
    push(chunk: Uint8Array) {
      chunks.push(chunk)
      size += chunk.length
      while (chunks.length > 1 && size - chunks[0]!.length >= maxBytes) size -= chunks.shift()!.length
    },
    text(): string {
      const joined = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        joined.set(chunk, offset)
        offset += chunk.length
      }
      return new TextDecoder().decode(joined.subarray(Math.max(0, size - maxBytes)))
    },
  }
}
