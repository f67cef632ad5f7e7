import type { TrainerEvent } from './protocol.ts'

/** Paces a run's epoch events; other events pass straight through. */
export type ProgressGate = {
  push(event: TrainerEvent): void
  /** Delivers the epoch event still held back (the run's last progress) and stops the timer. */
  end(): void
}

/**
 * Progress is shown to the buyer while the job runs, so the rate of epoch events is a rate of bits
 * out of the sandbox. The gate lets the first `burst` epoch events through (a short job shows
 * every epoch), then one per `intervalMs`; while none is due, only the latest is kept and it is
 * delivered when the next one is due or when the run ends. A run delivers at most
 * `burst + duration / intervalMs + 1` epoch events, whatever the program prints.
 */
export function createProgressGate(
  deliver: (event: TrainerEvent) => void,
  { burst = 50, intervalMs = 2000, now = () => performance.now() }: { burst?: number; intervalMs?: number; now?: () => number } = {},
): ProgressGate {
  let tokens = burst
  let refilledAt = now()
  let pending: TrainerEvent | undefined
  let timer: NodeJS.Timeout | undefined
  let ended = false

  const refill = () => {
    const t = now()
    const gained = Math.floor((t - refilledAt) / intervalMs)
    if (gained <= 0) return
    tokens = Math.min(burst, tokens + gained)
    refilledAt = tokens === burst ? t : refilledAt + gained * intervalMs
  }
  const release = () => {
    if (ended || pending === undefined) return
    refill()
    if (tokens >= 1) {
      tokens--
      const event = pending
      pending = undefined
      deliver(event)
    } else schedule()
  }
  const schedule = () => {
    if (timer !== undefined) return
    timer = setTimeout(() => {
      timer = undefined
      release()
    }, Math.max(1, refilledAt + intervalMs - now()))
    timer.unref()
  }

  return {
    push(event) {
      if (ended) return
      if (event.event !== 'epoch') return deliver(event)
      pending = event
      release()
    },
    end() {
      if (ended) return
      ended = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      const event = pending
      pending = undefined
      if (event !== undefined) deliver(event)
    },
  }
}
