// ε before paying, on the real stack: POST /v1/jobs/quote answers what a submission would meet
// (same admission, same budget check) without an order and without touching the budget; a target
// ε is calibrated by the node's accountant and the receipt states what was actually spent.
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { getPrivacyUsage, getReceipt, quoteJob, submitJob, waitForJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
type Run = { code: number | null; stdout: string; stderr: string }

/** The real CLI against the test stack (its dev.json), with no wallet configured and no terminal. */
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent', DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile), DATAVAULT_CONFIG_DIR: '/nonexistent/config' },
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
beforeAll(async () => {
  t = await startTestStack()
})
afterAll(async () => {
  await t?.stop()
})

describe('job quotes', () => {
  test('default: a quote states ε, δ and the budget left, reserves nothing, and a target ε is met by the job it quotes', async () => {
    const dataset = await t.publish({
      csv: healthCsv({ rows: 1000, seed: 3 }),
      schema: healthSchema('binary', { rows: 1000 }),
      policy: { trainers: ['logistic-regression'], maxEpochs: 10, privacyBudget: { epsilon: 8, delta: 1e-4 } },
    })
    const id = dataset.datatoken
    const base = { dataset: id, trainer: { id: 'logistic-regression' } }
    const params = { label: 'risk', epochs: 3, batchSize: 100, learningRate: 0.5 }

    const quote = await quoteJob(t.buyer.vault, { ...base, params: { ...params, dp: { noiseMultiplier: 1.1, maxGradNorm: 1, delta: 1e-5 } } })
    expect(quote).toMatchObject({ accepted: true, trainer: { id: 'logistic-regression' }, params: { epochs: 3, l2: 0 }, privacy: { delta: 1e-5, budget: { epsilon: 8 } } })
    expect(quote.privacy!.epsilon).toBeGreaterThan(0.1)
    expect(quote.privacy!.remaining!.epsilon).toBeCloseTo(8 - quote.privacy!.epsilon, 9)
    expect(await getPrivacyUsage(t.buyer.vault, { dataset: id })).toMatchObject({ reserved: { epsilon: 0 }, spent: { epsilon: 0 } })

    // A target ε: the node picks σ; what the quote says is what the job reserves and its receipt states.
    // With a validation split its noised scores compose in parallel with the training: the same ε.
    const targeted = { ...params, validationFraction: 0.2, dp: { targetEpsilon: 3, maxGradNorm: 1, delta: 1e-5 } }
    const calibrated = await quoteJob(t.buyer.vault, { ...base, params: targeted })
    expect(calibrated).toMatchObject({ accepted: true, privacy: { targetEpsilon: 3, delta: 1e-5 } })
    expect(calibrated.privacy!.epsilon).toBeLessThanOrEqual(3)
    expect(calibrated.privacy!.epsilon).toBeGreaterThan(2.99)
    expect(calibrated.params!.dp).toEqual({ noiseMultiplier: calibrated.privacy!.noiseMultiplier, maxGradNorm: 1, delta: 1e-5 })
    const job = await submitJob(t.buyer.vault, { ...base, params: targeted, orderTx: await t.buyAndOrder(dataset) })
    expect(job.params.dp).toEqual(calibrated.params!.dp)
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.metrics).toMatchObject({ validationRows: expect.any(Number), validationLoss: expect.any(Number), validationAccuracy: expect.any(Number) })
    const receipt = await getReceipt(t.buyer.vault, { id: job.id })
    expect(Number(receipt.message.epsilon)).toBeCloseTo(calibrated.privacy!.epsilon, 6)

    // What is left now shows in the next quote, and a job that would overspend it is a refusal with the numbers.
    const after = await quoteJob(t.buyer.vault, { ...base, params: targeted })
    expect(after.privacy!.remaining!.epsilon).toBeCloseTo(8 - 2 * calibrated.privacy!.epsilon, 6)
    const greedy = await quoteJob(t.buyer.vault, { ...base, params: { ...params, dp: { targetEpsilon: 6, maxGradNorm: 1, delta: 1e-5 } } })
    expect(greedy).toMatchObject({ accepted: false, refusal: { code: 'PRIVACY_BUDGET_EXCEEDED' }, privacy: { epsilon: expect.any(Number), remaining: { epsilon: expect.any(Number) } } })
  }, 240_000)

  test('error: policy refusals answer accepted: false with the node\'s reason; bad parameters stay a 400', async () => {
    const dataset = await t.publish({
      csv: healthCsv({ rows: 300, seed: 4 }),
      schema: healthSchema('binary', { rows: 300 }),
      policy: { trainers: ['logistic-regression'], maxEpochs: 5 },
    })
    const base = { dataset: dataset.datatoken }
    expect(await quoteJob(t.buyer.vault, { ...base, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 50 } })).toMatchObject({
      accepted: false,
      refusal: { code: 'POLICY_LIMIT_EXCEEDED', message: "The dataset's policy allows at most 5 epochs." },
    })
    expect(await quoteJob(t.buyer.vault, { ...base, trainer: { id: 'mlp-classifier' }, params: { label: 'risk' } })).toMatchObject({
      accepted: false,
      refusal: { code: 'POLICY_TRAINER_DENIED' },
    })
    // No budget: DP is optional, and a DP job's ε (the receipt's) is still quoted, with nothing to subtract it from.
    expect(await quoteJob(t.buyer.vault, { ...base, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 } })).toMatchObject({ accepted: true, privacy: null })
    expect(
      await quoteJob(t.buyer.vault, { ...base, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 2, dp: { targetEpsilon: 2, maxGradNorm: 1 } } }),
    ).toMatchObject({ accepted: true, privacy: { targetEpsilon: 2, budget: null, remaining: null } })
    await expect(quoteJob(t.buyer.vault, { ...base, trainer: { id: 'logistic-regression' }, params: { epochs: 2 } })).rejects.toMatchObject({ status: 400 })
  }, 240_000)

  test('behavior: datavault train --dry-run prints the quote and orders nothing; refusals exit 4 with the node\'s reason; a missing --label names the flag', async () => {
    const dataset = await t.publish({
      csv: healthCsv({ rows: 600, seed: 6 }),
      schema: healthSchema('binary', { rows: 600 }),
      policy: { trainers: ['logistic-regression'], maxEpochs: 20, privacyBudget: { epsilon: 50, delta: 1e-4 } },
    })
    const id = dataset.datatoken
    const train = (...args: string[]) => cli(['train', id, '--trainer', 'logistic-regression', '--dry-run', ...args])
    const [targeted, human, greedy, epochs, trainer, noDp, noLabel] = await Promise.all([
      train('--label', 'risk', '--param', 'epochs=5', '--dp', 'epsilon=3', '--json'),
      train('--label', 'risk', '--param', 'epochs=5', '--dp', 'epsilon=3'),
      train('--label', 'risk', '--param', 'epochs=20', '--dp', 'sigma=0.6', '--json'),
      train('--label', 'risk', '--param', 'epochs=50', '--dp', 'epsilon=3', '--json'),
      cli(['train', id, '--trainer', 'mlp-classifier', '--label', 'risk', '--dry-run', '--json']),
      train('--label', 'risk', '--param', 'epochs=5', '--json'),
      train('--param', 'epochs=5'),
    ])
    expect(targeted.code, targeted.stderr).toBe(0)
    const quote = JSON.parse(targeted.stdout).quote
    expect(quote).toMatchObject({ accepted: true, privacy: { targetEpsilon: 3, budget: { epsilon: 50 } } })
    expect(quote.privacy.epsilon).toBeLessThanOrEqual(3)
    expect(human.code, human.stderr).toBe(0)
    expect(human.stdout).toMatch(/^privacy:\s+ε = (3|2\.\d+) at δ = 0\.00001, σ = [\d.]+ picked by the node for the target ε = 3$/m)
    expect(human.stdout).toMatch(/^budget:\s+ε = 4\d(\.\d+)? of 50 left after this job/m)
    expect(human.stdout).toMatch(/nothing was bought or ordered/)
    // A large ε is said before anything is spent.
    expect(greedy.code, greedy.stderr).toBe(0)
    expect(JSON.parse(greedy.stdout).quote.privacy.epsilon).toBeGreaterThan(10)
    expect(greedy.stderr).toMatch(/this job spends ε = [\d.]+, above 10/)
    // Policy refusals: the node's code and reason, exit 4, not a CliNotFoundError.
    expect(epochs.code).toBe(4)
    expect(JSON.parse(epochs.stdout).error).toMatchObject({ name: 'CliRefusedError', code: 'POLICY_LIMIT_EXCEEDED', message: "The dataset's policy allows at most 20 epochs." })
    expect(trainer.code).toBe(4)
    expect(JSON.parse(trainer.stdout).error).toMatchObject({ name: 'CliRefusedError', code: 'POLICY_TRAINER_DENIED' })
    expect(noDp.code).toBe(4)
    expect(JSON.parse(noDp.stdout).error).toMatchObject({ name: 'CliRefusedError', code: 'PRIVACY_REQUIRED' })
    expect(noLabel.code).toBe(2)
    expect(noLabel.stderr).toMatch(/^datavault: The logistic-regression trainer needs the column to predict: pass --label COLUMN \(e\.g\. --label risk\)\.$/m)
    // Nothing was reserved by any of them.
    expect(await getPrivacyUsage(t.buyer.vault, { dataset: id })).toMatchObject({ reserved: { epsilon: 0 }, spent: { epsilon: 0 } })
  }, 240_000)

  test('error: read commands take the wallet flags; an unknown option is named without Node\'s unbalanced quote', async () => {
    const [listed, unknown] = await Promise.all([cli(['datasets', '--account', 'buyer', '--no-price', '--json']), cli(['datasets', '--bogus'])])
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).datasets).toEqual(expect.any(Array))
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('datavault: Unknown option --bogus.\n  (see `datavault datasets --help`)\n')
  }, 120_000)
})
