// A buyer trains the PyTorch trainer (torch-mlp) on a published dataset through the real node (real
// chain, IPFS, key service, bubblewrap sandbox with Debian's python3-torch on the CPU), then loads
// the weights and predicts with the SDK. Needs python3-torch (scripts/setup.sh installs it; npm test checks for it).
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ClassifierModel, type DataVaultClient, type PricedDataset, createDataVaultClient, evaluateAccuracy, loadModel, predict } from '@datavault/sdk'
import { healthCsv, healthSchema, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'


let t: TestStack
let buyer: DataVaultClient
let dataset: PricedDataset
const csv = healthCsv({ rows: 1500, seed: 41 })
const [header, ...lines] = csv.trim().split('\n')
const train = `${[header, ...lines.slice(0, 1200)].join('\n')}\n`
const trainRows = parseHealthCsv(train)
const heldOut = parseHealthCsv(`${[header, ...lines.slice(1200)].join('\n')}\n`)

function client(role: 'owner' | 'buyer') {
  const key = t.stack.accounts.filter((account) => account.role === role)[0]!
  return createDataVaultClient({
    node: t.stack.vaultUrl,
    chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId },
    account: privateKeyToAccount(key.privateKey),
    addresses: t.addresses,
    pollingInterval: 50,
  })
}

describe('torch-mlp through the node', () => {
  beforeAll(async () => {
    t = await startTestStack()
    const owner = client('owner')
    buyer = client('buyer')
    const policy = { trainers: ['torch-mlp', 'mlp-classifier'], maxEpochs: 100 }
    const published = await owner.publishDataset({ data: train, name: 'Heart vitals (torch)', schema: healthSchema('binary', { rows: 1200 }), policy, price: parseEther('1') })
    dataset = await buyer.getDataset({ id: published.datatoken })
  })
  afterAll(async () => {
    await t?.stop()
  })

  test('default: order, train torch-mlp, download, load and predict; the SDK reproduces the trainer\'s accuracy; as good as mlp-classifier', async () => {
    // Every row trained on (no validation split, which 1,200 declared rows would get by default), so the SDK can reproduce the training accuracy.
    const params = { label: 'risk', hidden: [16], epochs: 20, seed: 3, validationFraction: 0 }
    const accuracyOf = async (trainer: 'torch-mlp' | 'mlp-classifier') => {
      const { orderTx } = await buyer.orderDataset({ dataset: dataset.id, trainer })
      const job = await buyer.submitJob({ dataset: dataset.id, trainer: { id: trainer }, params, orderTx })
      const done = await buyer.waitForJob({ id: job.id })
      // The node's default environments: `cpu` (node) and `cpu-python` (pytorch where torch imports).
      expect(done, JSON.stringify(done)).toMatchObject({ state: 'finished', environment: trainer === 'torch-mlp' ? 'cpu-python' : 'cpu' })
      const result = await buyer.downloadResult({ id: job.id })
      const metricsFile = await buyer.downloadResult({ id: job.id, name: 'metrics.json' })
      const metrics = JSON.parse(new TextDecoder().decode(metricsFile.bytes)) as Record<string, number>
      await expect(buyer.verifyReceipt({ receipt: await buyer.getReceipt({ id: job.id }), files: [result, metricsFile] })).resolves.toMatchObject({})
      const model = loadModel(result.bytes)
      return { model, metrics, bytes: result.bytes, heldOut: evaluateAccuracy(model as ClassifierModel, heldOut.rows, heldOut.labels) }
    }
    const torch = await accuracyOf('torch-mlp')
    expect(torch.model).toMatchObject({ trainer: 'torch-mlp', task: 'classification', classes: ['low', 'high'], hidden: [16] })
    expect(Object.keys(torch.metrics).sort()).toEqual(['accuracy', 'epochs', 'loss', 'rows'])
    expect(evaluateAccuracy(torch.model as ClassifierModel, trainRows.rows, trainRows.labels)).toBeCloseTo(torch.metrics.accuracy!, 3)
    const [first] = predict(torch.bytes, heldOut.rows.slice(0, 1)) as { label: string }[]
    expect(['low', 'high']).toContain(first!.label)
    const mlp = await accuracyOf('mlp-classifier')
    console.log(`held-out accuracy through the node: torch-mlp ${torch.heldOut}, mlp-classifier ${mlp.heldOut}`)
    expect(torch.heldOut).toBeGreaterThan(0.75)
    // The issue asks for held-out accuracy within 1 point of mlp-classifier on the same data and split.
    expect(Math.abs(torch.heldOut - mlp.heldOut)).toBeLessThanOrEqual(0.01)
  }, 300_000)
})
