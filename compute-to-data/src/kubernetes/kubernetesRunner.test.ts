import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ComputeEnvironment, DatasetSchema } from '@datavault/sdk'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { checkEgress } from '../egress/checkEgress.ts'
import type { TrainerEvent } from '../sandbox/protocol.ts'
import type { RunSpec, SandboxLogger } from '../sandbox/runner.ts'
import { type BuildTrainerBundleReturnType, buildTrainerBundle } from '../trainers/buildTrainerBundle.ts'
import { logisticRegressionTrainer } from '../trainers/logistic-regression/definition.ts'
import { blobs } from '../trainers/testing/datasets.ts'
import { type KubernetesRunner, kubernetesRunner } from './kubernetesRunner.ts'
import { type ApiServerDouble, startApiServerDouble } from './testing/api-server-double.ts'

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
const trainerImage = `registry.example/datavault/trainer-node@sha256:${'a'.repeat(64)}`
const jobIoImage = `registry.example/datavault/node@sha256:${'b'.repeat(64)}`
const namespace = 'datavault-jobs'
const environment: ComputeEnvironment = { name: 'k8s-cpu', description: '', runtime: 'node', runner: 'kubernetes', cpu: 1, memoryMb: 512, gpu: 0, gpuResource: 'nvidia.com/gpu', image: trainerImage }
const schema: DatasetSchema = { format: 'csv', columns: [...['f1', 'f2', 'f3', 'f4'].map((name) => ({ name, type: 'number' as const })), { name: 'label', type: 'category', values: ['no', 'yes'] }] }

let dir: string
let bundle: BuildTrainerBundleReturnType
let double: ApiServerDouble
let runner: KubernetesRunner
let count = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'k8s-runner-'))
  await chmod(dir, 0o711)
  bundle = await buildTrainerBundle(logisticRegressionTrainer, { outDir: join(dir, 'bundles') })
  double = await startApiServerDouble({ images: { [trainerImage]: 'trainer', [jobIoImage]: 'job-io' } })
  const port = await freePort()
  runner = kubernetesRunner({ namespace, kubeConfig: double.kubeConfig(), gateway: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` }, jobIoImage })({ logger: silent })
})
afterAll(async () => {
  await runner?.stop()
  await double?.close()
  await rm(dir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

function spec(overrides: Partial<RunSpec> = {}): RunSpec & { events: TrainerEvent[] } {
  const events: TrainerEvent[] = []
  const params = logisticRegressionTrainer.parameters.parse({ label: 'label', epochs: 20, seed: 1 })
  return {
    jobId: `job-${++count}`,
    program: { path: bundle.path, sha256: bundle.sha256 },
    config: { schema, params, inputs: ['train.csv'] },
    inputs: [{ name: 'train.csv', source: [new TextEncoder().encode(blobs(1000, ['no', 'yes'], 7).csv)] }],
    outputDir: join(dir, `out-${count}`),
    limits: { wallTimeMs: 60_000, cpuSeconds: 60, memoryBytes: 512 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
    environment,
    onEvent: (event) => events.push(event),
    events,
    ...overrides,
  }
}

describe('kubernetesRunner with the API-server double', () => {
  test('default: a logistic regression runs through fetch, trainer and upload; the egress guard accepts its outputs', async () => {
    const run = spec()
    const result = await runner.run(run)
    expect(result, result.stderrTail).toMatchObject({ outcome: 'exited', exitCode: 0, protocolViolations: 0 })
    expect(run.events.filter((e) => e.event === 'epoch')).toHaveLength(20)
    const released = await checkEgress({ outputDir: run.outputDir, declaration: logisticRegressionTrainer.outputs(schema, (run.config as { params: Record<string, unknown> }).params as never), maxBytes: 1024 ** 2 })
    expect(released.metrics.accuracy).toBeGreaterThan(0.9)
    expect(double.objects('jobs')).toEqual([])
    expect(double.objects('secrets')).toEqual([])
    expect(double.objects('networkpolicies')).toEqual([])
  })
})
