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
// Three distinct target-ε calibrations at a time (the burst below meets the bound); one job an
// hour per wallet (each test's buyer submits at most one, and the limit test meets it).
const maxPendingCalibrations = 3
beforeAll(async () => {
  t = await startTestStack({ nodeConfig: { maxPendingCalibrations, maxJobsPerWalletPerHour: 1 } })
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

  test('behavior: a burst of distinct target-ε quotes leaves the node answering; one more than it calibrates at once is a 429 CALIBRATION_BUSY', async () => {
    const dataset = await t.publish({
      csv: healthCsv({ rows: 1000, seed: 7 }),
      schema: healthSchema('binary', { rows: 1000 }),
      policy: { trainers: ['logistic-regression'], maxEpochs: 10 },
    })
    // q = 0.5 and 10 steps at small ε: each solve takes hundreds of ms of CPU, each target its own.
    const quote = (targetEpsilon: number) =>
      quoteJob(t.buyer.vault, {
        dataset: dataset.datatoken,
        trainer: { id: 'logistic-regression' },
        params: { label: 'risk', epochs: 5, batchSize: 500, dp: { targetEpsilon, maxGradNorm: 1, delta: 1e-5 } },
      })
    const targets = [0.21, 0.23, 0.27, 0.29, 0.31, 0.37]
    const answered: string[] = []
    const burst = targets.map((target) =>
      quote(target).then(
        (answer) => (answered.push(`quote ${target}`), { target, answer }),
        (error: unknown) => (answered.push(`refused ${target}`), { target, error }),
      ),
    )
    const health = fetch(`${t.stack.vaultUrl}/v1/health`).then((response) => (answered.push('health'), response.status))
    const [results, healthStatus] = await Promise.all([Promise.all(burst), health])
    expect(healthStatus).toBe(200)
    // The node solves off its event loop: health is not answered after more than one calibrated quote.
    expect(answered.slice(0, answered.indexOf('health')).filter((entry) => entry.startsWith('quote')).length).toBeLessThanOrEqual(1)
    const accepted = results.filter((result) => 'answer' in result)
    const refused = results.filter((result) => 'error' in result)
    // The first solves take far longer than the burst takes to arrive: some of it finds the bound reached.
    expect(accepted.length).toBeGreaterThanOrEqual(1)
    expect(refused.length).toBeGreaterThanOrEqual(targets.length - maxPendingCalibrations - 1)
    for (const { target, answer } of accepted as { target: number; answer: Awaited<ReturnType<typeof quoteJob>> }[]) {
      expect(answer).toMatchObject({ accepted: true, privacy: { targetEpsilon: target } })
      expect(answer.privacy!.epsilon).toBeLessThanOrEqual(target)
      expect(answer.privacy!.epsilon).toBeGreaterThan(target * 0.99)
    }
    expect(refused.length + accepted.length).toBe(targets.length)
    for (const { error } of refused as { error: unknown }[]) expect(error).toMatchObject({ name: 'VaultApiError', status: 429, code: 'CALIBRATION_BUSY' })
    // Once the burst is solved there is room again; a repeated quote is answered from the node's memo.
    const retried = (refused[0] as { target: number }).target
    expect(await quote(retried)).toMatchObject({ accepted: true, privacy: { targetEpsilon: retried } })
    const { target: repeated, answer: first } = accepted[0] as { target: number; answer: unknown }
    expect(await quote(repeated)).toEqual(first)
  }, 240_000)

  test('behavior: a quote for a wallet at its job limit says so, as its submission would be refused', async () => {
    const dataset = await t.publish({
      csv: healthCsv({ rows: 300, seed: 8 }),
      schema: healthSchema('binary', { rows: 300 }),
      policy: { trainers: ['logistic-regression'], maxEpochs: 5 },
    })
    const request = { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 1 } }
    const who = t.stranger
    expect(await quoteJob(who.vault, { ...request, buyer: who.account.address })).toMatchObject({ accepted: true })
    const [first, second] = await t.buyOrders(dataset, 2, who)
    const job = await submitJob(who.vault, { ...request, orderTx: first! })
    // One job an hour on this node: the wallet's next quote and its submission meet the same limit.
    expect(await quoteJob(who.vault, { ...request, buyer: who.account.address })).toMatchObject({
      accepted: false,
      refusal: { code: 'JOB_RATE_LIMITED', details: 'per-wallet-rate' },
    })
    await expect(submitJob(who.vault, { ...request, orderTx: second! })).rejects.toMatchObject({ status: 429, code: 'JOB_RATE_LIMITED' })
    // A quote that names no buyer, or another, is not refused for this wallet's jobs.
    expect(await quoteJob(who.vault, request)).toMatchObject({ accepted: true })
    expect(await quoteJob(who.vault, { ...request, buyer: t.owner.account.address })).toMatchObject({ accepted: true })
    expect((await waitForJob(who.vault, { id: job.id, intervalMs: 50 })).state).toBe('finished')
  }, 240_000)

  test('error: read commands take the wallet flags; an unknown option is named without Node\'s unbalanced quote', async () => {
    const [listed, unknown] = await Promise.all([cli(['datasets', '--account', 'buyer', '--no-price', '--json']), cli(['datasets', '--bogus'])])
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout).datasets).toEqual(expect.any(Array))
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('datavault: Unknown option --bogus.\n  (see `datavault datasets --help`)\n')
  }, 120_000)
})
