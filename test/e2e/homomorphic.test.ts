// Homomorphic mode on the real stack (chain, IPFS, vault node, two key holders, 2 of 2): the owner
// publishes CKKS-encrypted columns; a buyer orders he-ridge and he-stats through the same SDK calls
// as any trainer; the node computes on ciphertexts and sends the results to the decrypting key
// holder, which gathers the other holder's share, decrypts in its own process and answers flooded
// (and, when the policy asks, DP-noised) aggregates; the weights leave through the egress guard
// with a signed receipt.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type DataVaultClient, createDataVaultClient, decodeSafetensors } from '@datavault/sdk'
import { type SealRuntime, loadSeal, publishHeDataset } from '@datavault/sdk/he'
import { heRidgeFrom } from '@datavault/compute-to-data'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let owner: DataVaultClient
let buyer: DataVaultClient
let runtime: SealRuntime
let datasetId: `0x${string}`
let small: `0x${string}`
let private_: `0x${string}`
let work: string

// The CLI's launcher (it may move from the SDK to its own package).
const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname

/** Runs the real CLI against the test stack's dev.json, with a clean environment and no terminal. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [launcher as string, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

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

/** 6,000 rows: y = 2 a − b + 0.5 c + 1 + noise, features of unit scale, deterministic. */
function columns(rows: number) {
  let state = 12345
  const uniform = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    return (state + 1) / 4294967297
  }
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
  const a: number[] = []
  const b: number[] = []
  const c: number[] = []
  const y: number[] = []
  for (let i = 0; i < rows; i++) {
    a.push(normal())
    b.push(0.3 * (a[i] as number) + normal())
    c.push(2 * normal() - 1)
    y.push(2 * (a[i] as number) - (b[i] as number) + 0.5 * (c[i] as number) + 1 + 0.2 * normal())
  }
  return [
    { name: 'a', values: a },
    { name: 'b', values: b },
    { name: 'c', values: c },
    { name: 'y', values: y },
  ]
}

const data = columns(6000)

beforeAll(async () => {
  // The node holds no share: the two holders are separate servers with their own keys and SQLite.
  t = await startTestStack({ keyHolders: 2 })
  owner = client('owner')
  buyer = client('buyer')
  runtime = await loadSeal()
  const published = await publishHeDataset(owner, { columns: data, name: 'Encrypted cohort', price: parseEther('1'), runtime, policy: { minRows: 1000 } })
  datasetId = published.datatoken
  expect(published.sizes.ciphertextCount).toBe(8)
  const tiny = await publishHeDataset(owner, { columns: columns(50), name: 'Tiny encrypted', free: true, runtime, policy: { minRows: 1000 } })
  small = tiny.datatoken
  // Bounded columns and a privacy budget: releases must carry DP noise, accounted like any DP job.
  const bounded = columns(2000).map((column) => ({ ...column, min: -20, max: 20 }))
  const dp = await publishHeDataset(owner, { columns: bounded, name: 'Private encrypted', free: true, runtime, policy: { minRows: 1000, privacyBudget: { epsilon: 20, delta: 1e-4 } } })
  private_ = dp.datatoken
})
afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('homomorphic jobs', () => {
  test('default: order → he-ridge on ciphertexts → flooded XᵀX/Xᵀy → coefficients within 1e-3 of the plaintext fit, with a receipt', async () => {
    const { orderTx } = await buyer.orderDataset({ dataset: datasetId, trainer: 'he-ridge' })
    const job = await buyer.submitJob({ dataset: datasetId, trainer: { id: 'he-ridge' }, params: { label: 'y', lambda: 0.01 }, orderTx })
    const done = await buyer.waitForJob({ id: job.id })
    expect(done.state).toBe('finished')
    const model = await buyer.downloadResult({ id: job.id })
    const { tensors, metadata } = decodeSafetensors(model.bytes as Uint8Array)
    expect(metadata).toMatchObject({ trainer: 'he-ridge', label: 'y', features: '["a","b","c"]' })
    // The plaintext computation the owner could do: the same normal equations in float64.
    const rows = data[0]!.values.length
    const sums = data.map((column) => column.values.reduce((x, v) => x + v, 0))
    const products: number[] = []
    for (let i = 0; i < 4; i++) for (let j = i; j < 4; j++) products.push(data[i]!.values.reduce((x, v, r) => x + v * data[j]!.values[r]!, 0))
    const exact = heRidgeFrom({ rows, sums, products }, { lambda: 0.01 })
    const weights = tensors.weights!.data as Float32Array
    for (let i = 0; i < 3; i++) expect(Math.abs(weights[i]! - exact.weights[i]!) / Math.abs(exact.weights[i]!)).toBeLessThan(1e-3)
    expect(Math.abs((tensors.bias!.data as Float32Array)[0]! - exact.bias) / Math.abs(exact.bias)).toBeLessThan(1e-3)
    expect(done.metrics).toMatchObject({ rows: 6000, lambda: 0.01 })
    expect(done.metrics?.r2).toBeGreaterThan(0.95)
    const receipt = await buyer.getReceipt({ id: job.id })
    const metrics = await buyer.downloadResult({ id: job.id, name: 'metrics.json' })
    await expect(buyer.verifyReceipt({ receipt, files: [model, metrics] })).resolves.toMatchObject({})
    expect(receipt.message).toMatchObject({ trainerId: 'he-ridge', jobId: job.id })
    // The decryption happened at the first key holder (its own record), asked by the node; the node holds no share.
    const [decrypting] = t.stack.holders
    expect(decrypting!.decryptor.releases(datasetId)).toContainEqual(expect.objectContaining({ jobId: job.id, node: t.stack.nodeAddress.toLowerCase(), values: 14 }))
    expect(t.stack.holders.map((holder) => holder.address.toLowerCase())).not.toContain(t.stack.nodeAddress.toLowerCase())
  })

  test('behavior: with a privacy budget, he-stats needs params.dp; the holder adds Gaussian noise and the ε is charged to the budget', async () => {
    const { orderTx } = await buyer.orderDataset({ dataset: private_, trainer: 'he-stats' })
    await expect(buyer.submitJob({ dataset: private_, trainer: { id: 'he-stats' }, params: { columns: ['a', 'y'] }, orderTx })).rejects.toMatchObject({ code: 'PRIVACY_REQUIRED' })
    const job = await buyer.submitJob({ dataset: private_, trainer: { id: 'he-stats' }, params: { columns: ['a', 'y'], dp: { noiseMultiplier: 4, delta: 1e-6 } }, orderTx })
    const done = await buyer.waitForJob({ id: job.id })
    expect(done.state).toBe('finished')
    const usage = await buyer.getPrivacyUsage({ dataset: private_ })
    expect(usage.spent.epsilon).toBeGreaterThan(0)
    expect(usage.spent.epsilon).toBeLessThan(20)
    const [decrypting] = t.stack.holders
    const record = decrypting!.decryptor.releases(private_).find((entry) => entry.jobId === job.id)
    expect(record?.dpEpsilon).toBeCloseTo(usage.spent.epsilon, 6)
  })

  test('behavior: he-stats releases means and correlations close to the plaintext ones', async () => {
    const { orderTx } = await buyer.orderDataset({ dataset: datasetId, trainer: 'he-stats' })
    const job = await buyer.submitJob({ dataset: datasetId, trainer: { id: 'he-stats' }, params: { columns: ['a', 'y'] }, orderTx })
    const done = await buyer.waitForJob({ id: job.id })
    expect(done.state).toBe('finished')
    const { tensors } = decodeSafetensors((await buyer.downloadResult({ id: job.id })).bytes as Uint8Array)
    const mean = (values: number[]) => values.reduce((x, v) => x + v, 0) / values.length
    expect((tensors.mean!.data as Float32Array)[0]).toBeCloseTo(mean(data[0]!.values), 3)
    expect((tensors.mean!.data as Float32Array)[1]).toBeCloseTo(mean(data[3]!.values), 3)
    expect((tensors.correlation!.data as Float32Array)[0]).toBeCloseTo(1, 3)
  })

  test('error: below the policy\'s minimum rows no job is accepted (the decrypting holder checks the owner-signed minimum again)', async () => {
    const { orderTx } = await buyer.orderDataset({ dataset: small, trainer: 'he-stats' })
    await expect(buyer.submitJob({ dataset: small, trainer: { id: 'he-stats' }, params: {}, orderTx })).rejects.toMatchObject({ status: 403, message: expect.stringContaining('declares 50 rows') })
  })

  test('behavior: the CLI publishes a CSV with --he and trains he-ridge on it with train --trainer he-ridge', async () => {
    work = await mkdtemp(join(tmpdir(), 'dv-cli-he-'))
    const rows = columns(500)
    const csv = `a,b,c,y\n${rows[0]!.values.map((_, r) => rows.map((column) => column.values[r]!.toFixed(6)).join(',')).join('\n')}\n`
    await writeFile(join(work, 'cohort.csv'), csv)
    const published = await cli(['publish', 'cohort.csv', '--he', '--free', '--name', 'CLI cohort', '--account', 'owner', '--json'])
    expect(published.code, published.stderr).toBe(0)
    const out = JSON.parse(published.stdout)
    expect(out.he).toMatchObject({ parameterSet: 'ckks-8192', sizes: { ciphertextCount: 4 } })
    expect(out.policy.trainers).toEqual(['he-stats', 'he-ridge'])
    const trained = await cli(['train', out.dataset, '--trainer', 'he-ridge', '--label', 'y', '--out', 'cohort.safetensors', '--account', 'buyer', '--json'])
    expect(trained.code, trained.stderr).toBe(0)
    expect(JSON.parse(trained.stdout)).toMatchObject({ job: { state: 'finished' }, receipt: { verified: true }, metrics: { rows: 500 } })
  })

  test('error: a plaintext trainer the policy does not list is refused before anything is paid', async () => {
    await expect(buyer.orderDataset({ dataset: datasetId, trainer: 'linear-regression' })).rejects.toMatchObject({ code: 'POLICY_TRAINER_DENIED' })
  })
})
