// Runs a trainer's real bundle in the real bubblewrap sandbox, for the trainers' tests.
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatasetSchema } from '@datavault/sdk'
import { type CheckEgressReturnType, checkEgress } from '../../egress/checkEgress.ts'
import { bubblewrapRunner } from '../../sandbox/bubblewrapRunner.ts'
import type { TrainerEvent } from '../../sandbox/protocol.ts'
import type { RunResult, Runner, SandboxLogger } from '../../sandbox/runner.ts'
import { type BuildTrainerBundleReturnType, buildTrainerBundle } from '../buildTrainerBundle.ts'
import type { TrainerDefinition, TrainerOutputDeclaration } from '../definition.ts'

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }

/** One run: what the runner returned, the protocol events, and what the node would declare. */
export type SandboxTrainingRun = { result: RunResult; events: TrainerEvent[]; outputDir: string; declaration: TrainerOutputDeclaration }

/** A trainer's bundle and a runner in a private temporary directory. */
export type TrainerSandbox = {
  bundle: BuildTrainerBundleReturnType
  /** Trains on `csv` (one input) with `params` parsed as the engine does; the program is the bundle unless given. */
  train(schema: DatasetSchema, params: Record<string, unknown>, csv: string, program?: string): Promise<SandboxTrainingRun>
  /** The egress guard on a run's outputs, as the engine calls it. */
  release(run: SandboxTrainingRun): Promise<CheckEgressReturnType>
  dispose(): Promise<void>
}

/** Builds `trainer`'s bundle and a bubblewrap runner. */
export async function createTrainerSandbox(trainer: TrainerDefinition): Promise<TrainerSandbox> {
  const dir = await mkdtemp(join(tmpdir(), `${trainer.id}-sandbox-`))
  await chmod(dir, 0o711)
  const bundle = await buildTrainerBundle(trainer, { outDir: join(dir, 'bundles') })
  const runner: Runner = bubblewrapRunner({ workDir: join(dir, 'work') })({ logger: silent })
  let count = 0
  return {
    bundle,
    async train(schema, params, csv, program = bundle.path) {
      const parsed = trainer.parameters.parse(params)
      const events: TrainerEvent[] = []
      const outputDir = join(dir, `out-${++count}`)
      const result = await runner.run({
        jobId: `${trainer.id}-${count}`,
        program: { path: program, runtime: bundle.program, ...(program === bundle.path ? { sha256: bundle.sha256 } : {}) },
        config: { schema, params: parsed, inputs: ['train.csv'] },
        inputs: [{ name: 'train.csv', source: [new TextEncoder().encode(csv)] }],
        outputDir,
        limits: { wallTimeMs: 60_000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
        onEvent: (event) => events.push(event),
      })
      // The declaration comes from the plan, so it exists only for parameters that fit the schema.
      let declaration: TrainerOutputDeclaration = { files: [] }
      try {
        declaration = trainer.outputs(schema, parsed)
      } catch {}
      return { result, events, outputDir, declaration }
    },
    release: (run) => checkEgress({ outputDir: run.outputDir, declaration: run.declaration, maxBytes: 1024 ** 2 }),
    dispose: () => rm(dir, { recursive: true, force: true }),
  }
}
