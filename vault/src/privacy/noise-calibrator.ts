import { Worker } from 'node:worker_threads'
import {
  type CalibrateNoiseParameters,
  type CalibrateNoiseReturnType,
  type NoiseMultiplierForParameters,
  PrivacyArgumentError,
  calibrateNoise,
} from '@datavault/compute-to-data'
import { DataVaultError } from '@datavault/sdk'

/** A message to the calibrator's thread. */
export type CalibratorRequest = { id: number; args: NoiseMultiplierForParameters }

/** The thread's answer: σ, or why no σ fits (a `PrivacyArgumentError`'s details). Id 0: the thread is ready. */
export type CalibratorResponse = { id: number; ok: true; noiseMultiplier: number } | { id: number; ok: false; name: string; details: string }

/**
 * The node is already solving as many distinct target ε as it allows at once: 429. Nothing was
 * reserved or spent; the same request can be sent again in a moment (a repeated one is answered
 * from the calibrator's memo without solving).
 */
export class CalibrationBusyError extends DataVaultError {
  override name = 'CalibrationBusyError'
  constructor(maxPending: number) {
    super(`This node is already calibrating noise for ${maxPending} target ε values; send the same request again in a moment.`, {
      code: 'CALIBRATION_BUSY',
      status: 429,
      details: 'node-calibrations',
    })
  }
}

/** The calibrator's thread failed (it died or could not start): 500, nothing about the request in it. */
export class CalibratorFailedError extends DataVaultError {
  override name = 'CalibratorFailedError'
  constructor(shortMessage: string, { cause }: { cause?: unknown } = {}) {
    super(shortMessage, { code: 'CALIBRATOR_FAILED', status: 500, cause })
  }
}

/** Settings of {@link noiseCalibrator}. */
export type NoiseCalibratorInit = {
  /** Distinct solves in progress or waiting, all callers together; one more is a {@link CalibrationBusyError}. Default 8. */
  maxPending?: number | undefined
  /** Solved calibrations remembered (σ or the reason none fits), oldest forgotten first. Default 1024. */
  memo?: number | undefined
}

/** {@link calibrateNoise}, with the solve for σ off the event loop and bounded. */
export type NoiseCalibrator = {
  /**
   * {@link calibrateNoise} of `parameters`: the same answer and the same errors, but the solve runs
   * on the calibrator's thread. Throws {@link CalibrationBusyError} when `maxPending` distinct
   * solves are already under way (a request for one of those waits for it instead).
   */
  calibrate(parameters: Omit<CalibrateNoiseParameters, 'solve'>): Promise<CalibrateNoiseReturnType>
  /** Distinct solves in progress or waiting now. */
  readonly pending: number
  /** Ends the thread; solves still waiting fail. */
  close(): Promise<void>
}

/** Thrown inside `calibrateNoise` when the solve it asks for is not in the memo yet. */
class Unsolved {
  readonly args: NoiseMultiplierForParameters
  constructor(args: NoiseMultiplierForParameters) {
    this.args = args
  }
}

const workerPath = new URL(`./noise-calibrator-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url)

/**
 * The node's noise calibrator: turns a job's target ε into its noise multiplier as
 * `calibrateNoise` does, but solves on a worker thread (a solve takes up to seconds of CPU; on the
 * event loop it would stall every request of the node, and `POST /v1/jobs/quote` is open to
 * anyone). Solves are memoized (a job is quoted, then submitted, with the same arguments),
 * identical ones in flight are shared, and at most `maxPending` distinct ones run or wait: one
 * more is refused with a 429 rather than queued without bound. The thread starts on the first
 * solve and keeps the process alive only while a solve is pending.
 *
 * @example
 * const calibrator = noiseCalibrator({ maxPending: 8 })
 * const { params } = await calibrator.calibrate({ params: { label: 'y', epochs: 5, dp: { targetEpsilon: 3, maxGradNorm: 1 } }, plan: (p) => trainer.privacy!(schema, p) })
 * await calibrator.close()
 */
export function noiseCalibrator({ maxPending = 8, memo = 1024 }: NoiseCalibratorInit = {}): NoiseCalibrator {
  // At least one entry, or a solve would be forgotten before calibrateNoise reads it.
  memo = Math.max(1, memo)
  const solved = new Map<string, { noiseMultiplier: number } | { details: string }>()
  const inFlight = new Map<string, Promise<void>>()
  const waiting = new Map<number, { resolve(answer: CalibratorResponse): void; reject(error: unknown): void }>()
  let thread: Promise<Worker> | undefined
  let nextId = 1
  let closed = false

  const keyOf = (args: NoiseMultiplierForParameters) => JSON.stringify([args.targetEpsilon, args.delta, args.sampleRate, args.steps])
  const failAll = (error: unknown) => {
    for (const entry of waiting.values()) entry.reject(error)
    waiting.clear()
  }
  const start = () =>
    new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(workerPath)
      worker.on('error', (error) => {
        reject(new CalibratorFailedError('The noise calibrator could not start.', { cause: error }))
        failAll(new CalibratorFailedError('The noise calibrator stopped.', { cause: error }))
      })
      worker.once('exit', () => {
        // A thread that died is started again on the next solve.
        thread = undefined
        if (!closed) failAll(new CalibratorFailedError('The noise calibrator stopped.'))
      })
      worker.on('message', (message: CalibratorResponse) => {
        if (message.id === 0) return resolve(worker)
        const entry = waiting.get(message.id)
        waiting.delete(message.id)
        if (waiting.size === 0) worker.unref()
        entry?.resolve(message)
      })
    })
  const ask = async (args: NoiseMultiplierForParameters) => {
    if (closed) throw new CalibratorFailedError('The noise calibrator is closed.')
    thread ??= start()
    const worker = await thread
    const id = nextId++
    return await new Promise<CalibratorResponse>((resolve, reject) => {
      waiting.set(id, { resolve, reject })
      worker.ref()
      worker.postMessage({ id, args } satisfies CalibratorRequest)
    })
  }
  const solve = (args: NoiseMultiplierForParameters): Promise<void> => {
    const key = keyOf(args)
    const running = inFlight.get(key)
    if (running) return running
    if (inFlight.size >= maxPending) throw new CalibrationBusyError(maxPending)
    const run = ask(args)
      .then((answer) => {
        if (!answer.ok && answer.name !== 'PrivacyArgumentError') throw new CalibratorFailedError('The noise calibrator failed.')
        if (solved.size >= memo) solved.delete(solved.keys().next().value as string)
        solved.set(key, answer.ok ? { noiseMultiplier: answer.noiseMultiplier } : { details: answer.details })
      })
      .finally(() => inFlight.delete(key))
    inFlight.set(key, run)
    return run
  }

  return {
    async calibrate(parameters) {
      // calibrateNoise decides everything but σ; its solve answers from the memo, or asks the
      // thread and calibrateNoise runs again (σ does not change what it decides before solving).
      for (;;) {
        try {
          return calibrateNoise({
            ...parameters,
            solve: (args) => {
              const known = solved.get(keyOf(args))
              if (known === undefined) throw new Unsolved(args)
              if ('details' in known) throw new PrivacyArgumentError(known.details)
              return known.noiseMultiplier
            },
          })
        } catch (error) {
          if (!(error instanceof Unsolved)) throw error
          await solve(error.args)
        }
      }
    },
    get pending() {
      return inFlight.size
    },
    async close() {
      closed = true
      failAll(new CalibratorFailedError('The noise calibrator is closed.'))
      const worker = await thread?.catch(() => undefined)
      await worker?.terminate()
    },
  }
}
