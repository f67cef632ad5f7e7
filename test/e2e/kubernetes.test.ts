// The Kubernetes runner end to end: a real node (chain, IPFS, SQLite) whose compute environments
// run on Kubernetes, against the in-process API-server DOUBLE (no cluster can run here; the
// double executes each pod's steps through the real bubblewrap sandbox). The sandbox runner's
// flows run again through it: the demo's train-download-verify, the owner's policy, and the
// hostile programs that apply to a pod, with the data searched for in everything the buyer gets.
import { writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ClassifierModel, type JobView, downloadOutput, evaluateAccuracy, getReceipt, loadLogisticRegression, loadModel, submitJob, verifyReceipt, waitForJob } from '@datavault/sdk'
import { type ApiServerDouble, startApiServerDouble } from '@datavault/compute-to-data/testing'
import { healthCsv, healthSchema, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { canaryDataset, findCanaries } from '../adversarial/leaks.ts'
import { createLogger } from '@datavault/vault'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'
import { exitContained, hostileTrainer } from '../fixtures/hostile/index.ts'
import { linearTorchModel } from '../fixtures/models/index.ts'

const trainerImage = `registry.invalid/datavault/trainer-node@sha256:${'1'.repeat(64)}`
const pytorchImage = `registry.invalid/datavault/trainer-pytorch@sha256:${'2'.repeat(64)}`
const jobIoImage = `registry.invalid/datavault/node@sha256:${'3'.repeat(64)}`

let double: ApiServerDouble
let t: TestStack
const csv = healthCsv({ rows: 1200, seed: 21 })
const [header, ...rows] = csv.trimEnd().split('\n')
const training = `${header}\n${rows.slice(0, 1000).join('\n')}\n`
const heldOut = `${header}\n${rows.slice(1000).join('\n')}\n`
const schema = healthSchema('binary')

/** A free TCP port on loopback for the job gateway (pods reach it by IP and port). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** What the node logged at warn and above: the operator's view (exit codes of failed programs). */
const logs: string[] = []
const loggedExitCode = (id: string) =>
  logs.map((line) => JSON.parse(line) as { jobId?: string; msg?: string; exitCode?: number }).find((entry) => entry.jobId === id && entry.msg === 'program failed')?.exitCode

/** This node's objects left in the double's namespace. */
const leftovers = () => (['jobs', 'pods', 'secrets', 'networkpolicies'] as const).flatMap((kind) => double.objects(kind).map((object) => `${kind}/${object.metadata?.name}`))

beforeAll(async () => {
  double = await startApiServerDouble({ images: { [trainerImage]: 'trainer', [pytorchImage]: 'trainer', [jobIoImage]: 'job-io' } })
  const port = await freePort()
  t = await startTestStack({
    logger: createLogger({ level: 'warn', destination: { write: (line: string) => void logs.push(line) } }),
    trainers: [hostileTrainer],
    nodeConfig: {
      concurrency: 2,
      environments: [
        { name: 'cpu', runtime: 'node', runner: 'sandbox' },
        { name: 'k8s-cpu', runtime: 'node', runner: 'kubernetes', cpu: 1, memoryMb: 1024, image: trainerImage, kubernetes: { runtimeClassName: 'gvisor' } },
        // On a cluster: the CUDA trainer image on a GPU node; the double runs it with Debian's CPU torch.
        {
          name: 'k8s-gpu',
          runtime: 'pytorch',
          runner: 'kubernetes',
          cpu: 2,
          memoryMb: 2048,
          gpu: 1,
          image: pytorchImage,
          kubernetes: { runtimeClassName: 'kata-qemu-nvidia-gpu', nodeSelector: { 'nvidia.com/gpu.present': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
        },
      ],
      kubernetesKubeconfig: await writeKubeconfig(),
      kubernetesNamespace: 'datavault-jobs',
      kubernetesGatewayHost: '127.0.0.1',
      kubernetesGatewayPort: port,
      kubernetesGatewayUrl: `http://127.0.0.1:${port}`,
      kubernetesJobIoImage: jobIoImage,
    },
  })
})
afterAll(async () => {
  await t?.stop()
  await double?.close()
})

async function writeKubeconfig(): Promise<string> {
  const { mkdtemp } = await import('node:fs/promises')
  const { tmpdir } = await import('node:os')
  const path = join(await mkdtemp(join(tmpdir(), 'dv-kubeconfig-')), 'config')
  await writeFile(path, double.kubeConfig().exportConfig(), { mode: 0o600 })
  return path
}

describe('the Kubernetes runner on a real node (API-server double)', () => {
  test('default: the demo flow — a job in a Kubernetes environment trains, its weights and receipt verify, the model predicts held-out rows', async () => {
    const dataset = await t.publish({ csv: training, schema, policy: { trainers: ['logistic-regression'] } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 30 }, orderTx, environment: 'k8s-cpu' })
    expect(job.environment).toBe('k8s-cpu')
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    await verifyReceipt({ receipt, node: t.stack.node.address, files: done.result!.files })
    const evaluation = parseHealthCsv(heldOut)
    expect(evaluateAccuracy(loadLogisticRegression(weights.bytes), evaluation.rows, evaluation.labels)).toBeGreaterThan(0.8)

    // The pod the node asked for: the environment's image and RuntimeClass, each credential in its own step.
    const created = double.created('jobs').find((object) => JSON.stringify(object.metadata ?? {}).includes(job.id))
    const pod = (created as { spec: { template: { spec: Record<string, unknown> } } }).spec.template.spec as {
      runtimeClassName?: string
      automountServiceAccountToken?: boolean
      initContainers: { name: string; image: string; volumeMounts?: { name: string }[] }[]
      containers: { name: string; image: string; volumeMounts?: { name: string }[] }[]
      volumes: { name: string; secret?: unknown }[]
    }
    expect(pod.runtimeClassName).toBe('gvisor')
    expect(pod.automountServiceAccountToken).toBe(false)
    const steps = [...pod.initContainers, ...pod.containers]
    expect(steps.map((step) => [step.name, step.image])).toEqual([
      ['fetch', jobIoImage],
      ['trainer', trainerImage],
      ['upload', jobIoImage],
    ])
    const secretVolumes = new Set(pod.volumes.filter((volume) => volume.secret).map((volume) => volume.name))
    const secretsOf = (name: string) => (steps.find((step) => step.name === name)?.volumeMounts ?? []).filter((mount) => secretVolumes.has(mount.name)).length
    expect([secretsOf('fetch'), secretsOf('trainer'), secretsOf('upload')]).toEqual([1, 0, 1])
    // Everything of the job is gone from the cluster once it ended.
    expect(leftovers()).toEqual([])
  })

  test('behavior: torch-custom (a buyer\'s model under the node\'s DP-SGD) runs in a pod as in the sandbox; ε is charged to the budget', async () => {
    const small = healthCsv({ rows: 90, seed: 9 })
    const dataset = await t.publish({ csv: small, schema: healthSchema('binary', { rows: 90 }), policy: { trainers: ['torch-custom'], privacyBudget: { epsilon: 50, delta: 1e-4 } } })
    const orderTx = await t.buyAndOrder(dataset)
    const params = { label: 'risk', model: linearTorchModel(7, 2), epochs: 1, batchSize: 30, learningRate: 1, dp: { noiseMultiplier: 1, maxGradNorm: 1, delta: 1e-5 } }
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-custom' }, params, orderTx, environment: 'k8s-gpu' })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })
    expect(done.failure).toBeUndefined()
    expect(done).toMatchObject({ state: 'finished', environment: 'k8s-gpu', metrics: { steps: 3 } })
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    expect(Number(receipt.message.epsilon)).toBeGreaterThan(0)
    expect(leftovers()).toEqual([])
  }, 240_000)

  test('behavior: torch-mlp in a GPU environment: the pod asks for the GPU and its node; the weights load and predict in the SDK', async () => {
    const dataset = await t.publish({ csv: training, schema: healthSchema('binary', { rows: 1000 }), policy: { trainers: ['torch-mlp'] } })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-mlp' }, params: { label: 'risk', hidden: [16], epochs: 10, seed: 1 }, orderTx, environment: 'k8s-gpu' })
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })
    expect(done.failure).toBeUndefined()
    expect(done).toMatchObject({ state: 'finished', environment: 'k8s-gpu' })
    const weights = await downloadOutput(t.buyer.vault, { id: job.id, name: 'model.safetensors' })
    const evaluation = parseHealthCsv(heldOut)
    expect(evaluateAccuracy(loadModel(weights.bytes) as ClassifierModel, evaluation.rows, evaluation.labels)).toBeGreaterThan(0.75)
    const created = double.created('jobs').find((object) => JSON.stringify(object.metadata ?? {}).includes(job.id)) as { spec: { template: { spec: Record<string, unknown> } } }
    const pod = created.spec.template.spec as {
      runtimeClassName?: string
      nodeSelector?: Record<string, string>
      tolerations?: unknown[]
      initContainers: { name: string; image: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[]
    }
    const trainer = pod.initContainers.find((step) => step.name === 'trainer')!
    expect(trainer.image).toBe(pytorchImage)
    expect(trainer.resources?.limits).toMatchObject({ 'nvidia.com/gpu': '1', memory: expect.any(String), cpu: expect.any(String) })
    expect(trainer.resources?.requests).toEqual(trainer.resources?.limits)
    expect(pod).toMatchObject({ runtimeClassName: 'kata-qemu-nvidia-gpu', nodeSelector: { 'nvidia.com/gpu.present': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] })
  })

  test('behavior: the owner\'s policy keeps a dataset off Kubernetes; a job naming none runs in the sandbox', async () => {
    const dataset = await t.publish({ csv: training, schema, policy: { trainers: ['logistic-regression'], environments: ['cpu'] } })
    const orderTx = await t.buyAndOrder(dataset)
    await expect(
      submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx, environment: 'k8s-cpu' }),
    ).rejects.toMatchObject({ code: 'POLICY_ENVIRONMENT_DENIED', status: 403 })
    const jobsBefore = double.created('jobs').length
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2 }, orderTx })
    expect((await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 100 })).environment).toBe('cpu')
    expect(double.created('jobs').length).toBe(jobsBefore)
  })

  test('behavior: hostile programs in a pod are contained as in the sandbox, and nothing of the data reaches the buyer', async () => {
    const canaries = canaryDataset('owner A', { seed: 31 })
    const policy = { trainers: ['test-hostile'], maxWallTimeSeconds: 30, environments: ['k8s-cpu'] }
    const main = await t.publish({ csv: canaries.csv, schema: canaries.schema, policy, name: 'canaries' })
    const slow = await t.publish({ csv: canaries.csv, schema: canaries.schema, policy: { ...policy, maxWallTimeSeconds: 3 }, name: 'canaries, 3 s' })
    const attempts = [
      { attack: 'legit', on: main, expected: { state: 'finished' } },
      { attack: 'extra-file', on: main, expected: { state: 'failed', code: 'egress-violation' } },
      { attack: 'csv-as-model', on: main, expected: { state: 'failed', code: 'egress-violation' } },
      { attack: 'metrics-smuggle', on: main, expected: { state: 'failed', code: 'egress-violation' } },
      { attack: 'print-data', on: main, expected: { state: 'finished' } },
      // The buyer reads a fixed sentence; what the program achieved (its exit code) is in the operator's log.
      { attack: 'network', on: main, expected: { state: 'failed', code: 'trainer-failed', message: 'The program failed.', exitCode: exitContained } },
      { attack: 'read-host', on: main, expected: { state: 'failed', code: 'trainer-failed', message: 'The program failed.', exitCode: exitContained } },
      { attack: 'error-code-channel', on: main, expected: { state: 'failed', code: 'trainer-failed' } },
      // /out is an emptyDir of the output limit: the write fails in the pod (ENOSPC) and the program
      // with it, where the sandbox reports output-limit. Both are charged to the buyer.
      { attack: 'huge-output', on: main, expected: { state: 'failed', code: 'trainer-failed' } },
      { attack: 'sleep', on: slow, expected: { state: 'failed', code: 'timeout' } },
    ] as const
    const views: JobView[] = []
    const ids: string[] = []
    const mainOrders = await t.buyOrders(main, attempts.filter((attempt) => attempt.on === main).length)
    const slowOrders = await t.buyOrders(slow, 1)
    for (const attempt of attempts) {
      const job = await submitJob(t.buyer.vault, {
        dataset: attempt.on.datatoken,
        trainer: { id: 'test-hostile' },
        params: { attack: attempt.attack, hostPaths: [t.dir] },
        orderTx: (attempt.on === main ? mainOrders : slowOrders).pop()!,
      })
      ids.push(job.id)
    }
    const outcomes: Record<string, unknown> = {}
    for (const [index, attempt] of attempts.entries()) {
      const done = await waitForJob(t.buyer.vault, { id: ids[index]!, intervalMs: 100, onUpdate: (view) => views.push(view) })
      views.push(done)
      outcomes[attempt.attack] = {
        state: done.state,
        ...(done.failure ? { code: done.failure.code } : {}),
        ...('message' in attempt.expected ? { message: done.failure?.message } : {}),
        ...('exitCode' in attempt.expected ? { exitCode: loggedExitCode(done.id) } : {}),
      }
      for (const file of done.result?.files ?? []) views.push({ ...done, metrics: { bytes: file.bytes }, params: { output: Buffer.from((await downloadOutput(t.buyer.vault, { id: done.id, name: file.name })).bytes).toString('latin1') } })
    }
    expect(outcomes).toEqual(Object.fromEntries(attempts.map((attempt) => [attempt.attack, attempt.expected])))
    expect(findCanaries('what the buyer got', JSON.stringify(views), [canaries])).toEqual([])
    expect(leftovers()).toEqual([])
  })
})

describe('a node whose environments all run on Kubernetes', () => {
  test('default: it starts without the sandbox (its image has no bubblewrap) and runs the built-in Node trainers in pods', async () => {
    const port = await freePort()
    const only = await startTestStack({
      nodeConfig: {
        environments: [{ name: 'node-cpu', runtime: 'node', runner: 'kubernetes', image: trainerImage, kubernetes: { runtimeClassName: 'gvisor' } }],
        kubernetesKubeconfig: await writeKubeconfig(),
        kubernetesGatewayHost: '127.0.0.1',
        kubernetesGatewayPort: port,
        kubernetesGatewayUrl: `http://127.0.0.1:${port}`,
        kubernetesJobIoImage: jobIoImage,
      },
    })
    try {
      const dataset = await only.publish({ csv: training, schema, policy: { trainers: ['logistic-regression', 'torch-mlp'] } })
      const job = await submitJob(only.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx: await only.buyAndOrder(dataset) })
      expect(await waitForJob(only.buyer.vault, { id: job.id, intervalMs: 100 })).toMatchObject({ state: 'finished', environment: 'node-cpu' })
      // No Python environment here: the PyTorch trainer is refused at submission, naming why.
      await expect(
        submitJob(only.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'torch-mlp' }, params: { label: 'risk' }, orderTx: await only.buyAndOrder(dataset) }),
      ).rejects.toMatchObject({ code: 'NO_ENVIRONMENT', status: 409, message: expect.stringMatching(/no compute environment that runs pytorch programs/) })
    } finally {
      await only.stop()
    }
  })
})
