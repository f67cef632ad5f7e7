import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type DatasetSchema, encodeSafetensors, isDataVaultError } from '@datavault/sdk'
import type { HePacking, HeReleaseDp, OpenedHeBundle } from '@datavault/sdk/he'
import type { RunResult, RunSpec, Runner } from '../sandbox/runner.ts'
import type { HomomorphicTrainer } from '../trainers/definition.ts'
import { heDpOf } from './columns.ts'
import { computeHeStatistics } from './computeHeStatistics.ts'
import type { HeWorkerPool } from './heWorkerPool.ts'

/** What the host gives a homomorphic job: the owner-signed bundle, and the key holders' release of results. */
export type HomomorphicJobInputs = {
  /** Opened and checked (owner's signature, parameters, sizes); objects hash-checked as they are taken. */
  bundle: OpenedHeBundle
  /**
   * Sends the result ciphertexts (packed with `packing`: the columns' sums and their products over
   * the upper triangle) to the decrypting key holder, who checks the job (order, policy, minimum
   * rows), decrypts in its own process and returns the aggregates (sums, then products) with noise
   * flooding, and with Gaussian DP noise when `dp` is set. Throws a DataVaultError when refused.
   */
  release(
    request: { results: Uint8Array[]; packing: HePacking; columns: string[]; dp?: HeReleaseDp | undefined },
    options: { signal: AbortSignal },
  ): Promise<Float64Array>
}

export type HomomorphicRunnerInit = {
  trainer: HomomorphicTrainer
  inputs: HomomorphicJobInputs
}

export type HomomorphicRunnerComponents = {
  /** The node's HE worker pool, started on first use. */
  workers: () => Promise<HeWorkerPool>
}

/**
 * Runs a homomorphic trainer as a `Runner`: encrypted sums and XᵀX on the worker pool, release by
 * the key holders, then the trainer's `finish` writes the declared outputs to `outputDir`, where
 * the engine's egress guard and receipt take over as for any run. A refusal (too few rows, no
 * valid order) ends the run with exit code 1 and the refusal's code; nothing is written.
 *
 * @example
 * const runner = homomorphicRunner({ trainer: heRidgeTrainer.homomorphic, inputs })({ workers })
 * const result = await runner.run(spec, { signal })
 */
export function homomorphicRunner({ trainer, inputs }: HomomorphicRunnerInit) {
  return ({ workers }: HomomorphicRunnerComponents): Runner => ({
    async ready() {
      await workers()
    },
    async runtimes() {
      return []
    },
    async run(spec: RunSpec, { signal = new AbortController().signal } = {}): Promise<RunResult> {
      const started = Date.now()
      // The policy's wall time bounds the run (checked between phases: a phase on the workers runs to its end).
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(spec.limits.wallTimeMs)])
      const pool = await workers()
      const { schema, params } = spec.config as { schema: DatasetSchema; params: unknown }
      const result = (exitCode: number, errorCode?: string, ownerLog = ''): RunResult => ({
        outcome: signal.aborted ? 'killed' : deadline.aborted ? 'timeout' : 'exited',
        exitCode: deadline.aborted ? null : exitCode,
        signal: null,
        durationMs: Date.now() - started,
        startLatencyMs: 0,
        errorCode,
        stderrTail: ownerLog,
        cpuMs: null,
        peakMemoryBytes: null,
        protocolViolations: 0,
        enforcement: { backend: 'homomorphic', uid: process.getuid?.() ?? -1, workers: pool.size, plaintext: 'none' },
      })
      spec.onStarted?.()
      try {
        const columns = trainer.columns(schema, params)
        const statistics = await pool.exclusive(() => computeHeStatistics(pool, { bundle: inputs.bundle, columns, signal: deadline }))
        deadline.throwIfAborted()
        const dp = heDpOf(params)
        const released = await inputs.release({ results: statistics.results, packing: statistics.packing, columns, dp }, { signal: deadline })
        const outputs = trainer.finish(
          { rows: inputs.bundle.manifest.rows, sums: released.slice(0, columns.length), products: released.slice(columns.length) },
          params,
          schema,
        )
        const tensors = Object.fromEntries(Object.entries(outputs.tensors).map(([name, tensor]) => [name, { dtype: 'F32' as const, ...tensor }]))
        await writeFile(join(spec.outputDir, 'model.safetensors'), encodeSafetensors(tensors, outputs.metadata), { mode: 0o600 })
        await writeFile(join(spec.outputDir, 'metrics.json'), JSON.stringify(outputs.metrics), { mode: 0o600 })
        return result(0)
      } catch (error) {
        if (deadline.aborted) return result(1)
        // The code names the check that refused (HE_TOO_FEW_ROWS, a key release code); never data.
        if (isDataVaultError(error)) return result(1, error.code)
        // For the dataset's owner only, like a trainer's stderr: an unexpected error's name and message.
        return result(1, 'HE_FAILED', `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`.slice(0, 2000))
      }
    },
  })
}
