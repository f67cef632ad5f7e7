// The buyer's and the owner's CLI on a real stack (chain with Ocean's contracts, Helia, vault node,
// bubblewrap): keys imported from the environment, a CSV published with an inferred schema, found
// with `datasets`, trained on with `train` into a temp dir, the receipt verified offline; then what
// scripts rely on (JSON documents, exit codes, sources of settings) and bad input.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPublicClient, erc20Abi, http } from 'viem'
import { evaluateAccuracy, findDatasetsByFingerprint, loadLogisticRegression, verifyReceipt } from '@datavault/sdk'
import { fileFingerprint } from '../../cli/src/published-files.ts'
import { healthCsv, parseHealthCsv } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
const passwords = { DATAVAULT_PASSWORD: 'owner-password-1', BUYER_PW: 'buyer-password-2' }

let t: TestStack
let work: string
let configDir: string
let devDir: string
let heldOut: string

type Run = { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI in `work`, with a clean environment (no DATAVAULT_* but what is given) and no terminal. */
function cli(args: string[], { env = {}, input }: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_CONFIG_DIR: configDir, DATAVAULT_DEV_DIR: devDir, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  child.stdin.end(input ?? '')
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** Parses a --json run's stdout: exactly one JSON document. */
function json(run: Run): any {
  expect(run.stdout.trim().startsWith('{'), `${run.stdout}\n${run.stderr}`).toBe(true)
  return JSON.parse(run.stdout)
}

const keyOf = (role: 'owner' | 'buyer') => t.stack.accounts.find((account) => account.role === role)!.privateKey

beforeAll(async () => {
  t = await startTestStack()
  work = await mkdtemp(join(tmpdir(), 'dv-cli-flow-'))
  configDir = join(work, 'config')
  // The fixture's stack writes its dev.json beside the addresses file.
  devDir = dirname(t.stack.addressesFile)
  const [header, ...lines] = healthCsv({ rows: 1500, seed: 5 }).trim().split('\n')
  await writeFile(join(work, 'vitals.csv'), `${[header, ...lines.slice(0, 1200)].join('\n')}\n`)
  heldOut = `${[header, ...lines.slice(1200)].join('\n')}\n`
})
afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('datavault CLI on a real stack', () => {
  let dataset: `0x${string}`

  test('default: keys import → publish → datasets → train → weights on disk → receipt verify', async () => {
    const [owner, buyer] = await Promise.all([
      cli(['keys', 'import', '--name', 'owner', '--light-kdf'], { env: passwords, input: keyOf('owner') }),
      cli(['keys', 'import', '--name', 'buyer', '--light-kdf', '--private-key-env', 'BUYER_KEY', '--password-env', 'BUYER_PW', '--json'], {
        env: { ...passwords, BUYER_KEY: keyOf('buyer') },
      }),
    ])
    expect(owner.code, owner.stderr).toBe(0)
    expect(buyer.code, buyer.stderr).toBe(0)
    expect(json(buyer).address).toBe(t.buyer.account.address)

    // Category values are published only where the owner chose: in a script, a refusal naming them.
    const unconfirmed = await cli(['publish', 'vitals.csv', '--price', '2', '--name', 'Vitals 2026', '--key', 'owner', '--json'], { env: passwords })
    expect(unconfirmed.code).toBe(2)
    expect(json(unconfirmed).error).toMatchObject({ code: 'SCHEMA_VALUES_UNCONFIRMED', message: expect.stringMatching(/"smoker" \(0, 1\); 2 values of "risk" \(high, low\)\. Nothing was sent\./) })
    const published = await cli(['publish', 'vitals.csv', '--price', '2', '--name', 'Vitals 2026', '--public-values', 'risk', '--type', 'smoker=number', '--key', 'owner', '--json'], { env: passwords })
    expect(published.code, published.stderr).toBe(0)
    const result = json(published)
    dataset = result.dataset
    expect(dataset).toMatch(/^0x[0-9a-f]{40}$/)
    expect(result.cid).toMatch(/^b[a-z2-7]+$/)
    expect(result.price).toMatchObject({ type: 'fixed-rate', price: '2', symbol: 'OCEAN' })
    expect(result.schema.rows).toBe(1200)
    expect(result.schema.columns).toContainEqual({ name: 'risk', type: 'category', values: expect.arrayContaining(['low', 'high']) })
    expect(result.schema.columns).toContainEqual({ name: 'age', type: 'number' })
    expect(result.size).toEqual({ plaintext: (await readFile(join(work, 'vitals.csv'))).length, ciphertext: expect.any(Number) })
    expect(result.schema.columns).toContainEqual({ name: 'smoker', type: 'number' })
    expect(result.schema.columns.filter((column: { type: string }) => column.type === 'category')).toHaveLength(1)
    // The same file again from the same wallet: refused, naming the dataset, before anything is sent.
    const again = await cli(['publish', 'vitals.csv', '--price', '2', '--public-values', 'risk', '--type', 'smoker=number', '--key', 'owner', '--json'], { env: passwords })
    expect(again.code).toBe(2)
    expect(json(again).error).toMatchObject({ code: 'DATASET_ALREADY_PUBLISHED', message: expect.stringContaining(`already published this file as dataset ${result.dataset}`) })
    // From a second machine (the same keystore, none of this machine's record): the node knows the file
    // by the wallet's keyed fingerprint, which no dataset view or listing shows and no other wallet gets.
    const secondMachine = join(work, 'config-2')
    await cp(configDir, secondMachine, { recursive: true })
    await rm(join(secondMachine, 'published-files.json'))
    const elsewhere = await cli(['publish', 'vitals.csv', '--price', '2', '--public-values', 'risk', '--type', 'smoker=number', '--key', 'owner', '--json'], {
      env: { ...passwords, DATAVAULT_CONFIG_DIR: secondMachine },
    })
    expect(elsewhere.code, elsewhere.stderr).toBe(2)
    expect(json(elsewhere).error).toMatchObject({ code: 'DATASET_ALREADY_PUBLISHED', message: expect.stringContaining(`already published this file as dataset ${result.dataset}`) })
    const fingerprint = await fileFingerprint(t.owner.account, createHash('sha256').update(await readFile(join(work, 'vitals.csv'))).digest())
    const views = await Promise.all([`/v1/datasets/${dataset}`, '/v1/datasets'].map((path) => fetch(`${t.stack.vaultUrl}${path}`).then((response) => response.text())))
    expect(views.join('\n')).toContain(dataset)
    expect(views.join('\n')).not.toContain(fingerprint)
    expect(await findDatasetsByFingerprint(t.owner.vault, { fingerprint })).toEqual([{ id: dataset, name: 'Vitals 2026', createdAt: expect.any(String) }])
    expect(await findDatasetsByFingerprint(t.buyer.vault, { fingerprint })).toEqual([])

    const out = join(work, 'out', 'model.safetensors')
    await mkdir(dirname(out))
    const [listed, trained] = await Promise.all([
      cli(['datasets', '--json']),
      cli(
        ['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--param', 'epochs=30', '--param', 'learningRate=0.2', '--out', out, '--key', 'buyer', '--password-env', 'BUYER_PW', '--json'],
        { env: passwords },
      ),
    ])
    expect(listed.code, listed.stderr).toBe(0)
    expect(json(listed).datasets).toContainEqual(
      expect.objectContaining({ id: dataset, name: 'Vitals 2026', owner: t.owner.account.address.toLowerCase(), keyEscrowed: true, cid: result.cid }),
    )
    expect(trained.code, trained.stderr).toBe(0)
    const training = json(trained)
    expect(training.job.state).toBe('finished')
    expect(training.receipt).toMatchObject({ path: `${out}.receipt.json`, verified: true })
    expect(training.metrics.accuracy).toBeGreaterThan(0.75)
    // Only the weights and the receipt were written, nothing partial.
    expect((await readdir(dirname(out))).sort()).toEqual(['model.safetensors', 'model.safetensors.receipt.json'])
    const weights = await readFile(out)
    expect(`0x${createHash('sha256').update(weights).digest('hex')}`).toBe(training.weights.sha256)
    // The weights are a real model: it predicts held-out rows it never saw.
    const evaluation = parseHealthCsv(heldOut)
    expect(evaluateAccuracy(loadLogisticRegression(weights), evaluation.rows, evaluation.labels)).toBeGreaterThan(0.75)
    // The saved receipt is the node's, verifiable with the SDK too.
    const receipt = JSON.parse(await readFile(`${out}.receipt.json`, 'utf8'))
    expect(receipt.message).toMatchObject({ jobId: training.job.id, dataset, buyer: t.buyer.account.address.toLowerCase() })
    await verifyReceipt({ receipt, node: t.stack.nodeAddress, files: receipt.files })

    const [verified, plain] = await Promise.all([
      cli(['receipt', 'verify', `${out}.receipt.json`, '--weights', out, '--json']),
      cli(['receipt', 'verify', `${out}.receipt.json`, '--weights', out, '--node', t.stack.nodeAddress]),
    ])
    expect(verified.code, verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({ valid: true, node: t.stack.nodeAddress.toLowerCase(), job: training.job.id, outputsChecked: true, weights: { name: 'model.safetensors' } })
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^valid:\s+receipt 0x[0-9a-f]{64}$/m)
    expect(plain.stdout).toMatch(/^weights:\s+match model.safetensors/m)
  })

  test('behavior: jobs, dataset and receipts as scripts read them; --verbose names each setting\'s source', async () => {
    expect(dataset).toBeDefined()
    const [jobs, shown, receipts] = await Promise.all([
      cli(['jobs', '--key', 'buyer', '--json'], { env: { DATAVAULT_PASSWORD: passwords.BUYER_PW } }),
      cli(['dataset', dataset, '--verbose'], { env: { DATAVAULT_VAULT_URL: t.stack.vaultUrl } }),
      cli(['receipts', dataset, '--key', 'owner', '--json'], { env: passwords }),
    ])
    expect(jobs.code, jobs.stderr).toBe(0)
    expect(json(jobs).jobs).toEqual([expect.objectContaining({ dataset, state: 'finished', buyer: t.buyer.account.address.toLowerCase() })])
    expect(shown.code, shown.stderr).toBe(0)
    expect(shown.stdout).toMatch(/^price:\s+2 OCEAN/m)
    expect(shown.stdout).toMatch(/^trainers:\s+logistic-regression$/m)
    expect(shown.stderr).toMatch(/config: vault URL\s+http:\/\/127\.0\.0\.1:\d+\s+\(env DATAVAULT_VAULT_URL\)/)
    expect(shown.stderr).toMatch(new RegExp(`config: RPC URL\\s+http://127\\.0\\.0\\.1:\\d+\\s+\\(dev ${devDir}/dev\\.json\\)`))
    expect(shown.stderr).toMatch(/config: config dir\s+\S+\s+\(env DATAVAULT_CONFIG_DIR\)/)
    expect(receipts.code, receipts.stderr).toBe(0)
    expect(json(receipts).receipts).toEqual([expect.objectContaining({ verification: { valid: true } })])

    // The dev stack's test accounts, named as such, and only with the dev file.
    const asTestBuyer = await cli(['jobs', '--account', 'buyer'])
    expect(asTestBuyer.code).toBe(0)
    expect(asTestBuyer.stderr).toMatch(/TEST KEY/)
    expect(asTestBuyer.stdout.split('\t')[1]).toBe('finished')
  })

  test('error: a missing file, a bad --param, a wrong password, an unknown dataset: a clear message, the documented exit code, nothing spent', async () => {
    expect(dataset).toBeDefined()
    const buyerEnv = { DATAVAULT_PASSWORD: passwords.BUYER_PW, DATAVAULT_KEY: 'buyer' }
    const chain = createPublicClient({ transport: http(t.stack.rpcUrl) })
    const balance = () => chain.readContract({ address: t.addresses.Ocean, abi: erc20Abi, functionName: 'balanceOf', args: [t.buyer.account.address] })
    const before = await balance()
    const [missing, badValue, badName, badJson, wrongPassword, unknown, failedVerify, unknownEnv, wrongRuntime, badEnvName] = await Promise.all([
      cli(['publish', 'nope.csv', '--price', '1', '--key', 'owner'], { env: passwords }),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--param', 'epochs=many'], { env: buyerEnv }),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--param', 'epoch=3', '--json'], { env: buyerEnv }),
      cli(['train', dataset, '--trainer', 'mlp-classifier', '--label', 'risk', '--param', 'hidden=[16,'], { env: buyerEnv }),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--key', 'buyer'], { env: { DATAVAULT_PASSWORD: 'not-the-password' } }),
      cli(['dataset', `0x${'00'.repeat(19)}ad`, '--json']),
      cli(['receipt', 'verify', join(work, 'out', 'model.safetensors.receipt.json'), '--weights', join(work, 'vitals.csv')]),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--env', 'gpu', '--json'], { env: buyerEnv }),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--env', 'cpu-python'], { env: buyerEnv }),
      cli(['train', dataset, '--trainer', 'logistic-regression', '--label', 'risk', '--env', 'GPU!'], { env: buyerEnv }),
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/The file nope\.csv does not exist\./)
    expect(badValue.code).toBe(2)
    expect(badValue.stderr).toMatch(/--param epochs: .*expected number/)
    expect(badName.code).toBe(2)
    expect(json(badName).error).toMatchObject({ code: 'PARAM_INVALID', exitCode: 2, message: expect.stringMatching(/epoch: not a parameter of logistic-regression/) })
    expect(badJson.code).toBe(2)
    expect(badJson.stderr).toMatch(/--param hidden: the value looks like JSON but does not parse/)
    expect(wrongPassword.code).toBe(6)
    expect(wrongPassword.stderr).toMatch(/Wrong password for this key\./)
    expect(unknown.code).toBe(4)
    expect(json(unknown).error).toMatchObject({ code: 'DATASET_NOT_FOUND', exitCode: 4 })
    expect(failedVerify.code).toBe(5)
    expect(failedVerify.stderr).toMatch(/not the one this receipt covers/)
    expect(unknownEnv.code).toBe(4)
    expect(json(unknownEnv).error).toMatchObject({ code: 'ENVIRONMENT_UNKNOWN', message: expect.stringMatching(/offers no compute environment gpu \(it offers cpu, cpu-python\)/) })
    expect(wrongRuntime.code).toBe(2)
    expect(wrongRuntime.stderr).toMatch(/The environment cpu-python runs (pytorch|python) programs; logistic-regression needs node\./)
    expect(badEnvName.code).toBe(2)
    expect(badEnvName.stderr).toMatch(/--env/)
    // None of them bought or ordered anything.
    expect(await balance()).toBe(before)
    for (const run of [missing, badValue, badName, badJson, wrongPassword, unknown]) expect(run.stdout + run.stderr).not.toMatch(/owner-password|buyer-password/)
  })
})
