// `datavault pool` on a real stack (EDR chain with Ocean's and our pool contracts, vault node): an
// open pool is created with the node's key holders, three owners join with the datasets they
// published on the node, members propose, vote and execute (through the timelock) a trainer
// approval, the pool is listed on the node and a buyer trains on it with `datavault train`, members
// claim their part, one leaves and still claims; a closed pool with a founder keeps a newcomer
// pending; and the refusals scripts branch on (exit 4) and bad arguments (exit 2, nothing sent). Blocks and time are moved on the chain as the SDK pool tests do.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createPublicClient, createTestClient, http } from 'viem'
import { isPoolTrainerApproved } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
/** Rows each member declares: 200 + 300 + 500 = 1000 shares. */
const rows = [200, 300, 500] as const

let t: TestStack
let work: string
/** The members' datasets (datatoken ids), published by spare accounts 2, 3 and 4 (the fixture's spare 1..3). */
const datasets: `0x${string}`[] = []
let pool: `0x${string}`
let poolDatatoken: `0x${string}`
let publicClient: ReturnType<typeof createPublicClient>
let testClient: ReturnType<typeof createTestClient>

type Run = { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI against the test stack's dev.json, with a clean environment and no terminal. */
function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH ?? '', HOME: work, DATAVAULT_CONFIG_DIR: join(work, 'config'), DATAVAULT_DEV_DIR: dirname(t.stack.addressesFile) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
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

/** A --json run's one document on stdout. */
function json(run: Run): any {
  expect(run.stdout.trim().startsWith('{'), `${run.stdout}\n${run.stderr}`).toBe(true)
  return JSON.parse(run.stdout)
}

/** `--account` of the fixture's `party('spare', index)`: the CLI counts spares from 1. */
const member = (index: 0 | 1 | 2) => ['--account', `spare-${index + 2}`]

const mineTo = async (block: bigint) => {
  const now = await publicClient.getBlockNumber({ cacheTime: 0 })
  if (now < block) await testClient.mine({ blocks: Number(block - now) })
}

beforeAll(async () => {
  t = await startTestStack()
  work = await mkdtemp(join(tmpdir(), 'dv-cli-pool-'))
  publicClient = createPublicClient({ transport: http(t.stack.rpcUrl) })
  testClient = createTestClient({ mode: 'hardhat', transport: http(t.stack.rpcUrl) })
  // Same columns for every member (the node trains a pool job over all of them); rows declared at join.
  for (const [index, count] of rows.entries()) {
    const { datatoken } = await t.publish({ csv: healthCsv({ rows: count, seed: 11 + index }), schema: healthSchema('binary'), name: `vitals ${index}`, as: t.party('spare', index + 1) })
    datasets.push(datatoken.toLowerCase() as `0x${string}`)
  }
})
afterAll(async () => {
  await t?.stop()
  if (work) await rm(work, { recursive: true, force: true })
})

describe('datavault pool', () => {
  test('default: create an open pool, three owners join, propose + vote + execute a trainer approval; status', async () => {
    const created = await cli(['pool', 'create', '--name', 'Heart pool', '--symbol', 'DV-HP', '--price', '10', '--open', '--voting-period', '5', '--timelock-delay', '60', '--quorum', '20', '--account', 'owner', '--json'])
    expect(created.code, created.stderr).toBe(0)
    const node = await t.owner.vault.node()
    ;({ pool, datatoken: poolDatatoken } = json(created))
    expect(json(created)).toMatchObject({
      price: { amount: '10', symbol: 'OCEAN' },
      openAdmission: true,
      // The node's advertised key holders, since none were named.
      keyHolders: { addresses: node.keyEscrow!.holders.map((holder) => holder.toLowerCase()), threshold: node.keyEscrow!.threshold },
      trainers: [],
      governance: { votingDelayBlocks: 1, votingPeriodBlocks: 5, quorumPercent: 20, timelockDelaySeconds: 60 },
    })

    const joins = await Promise.all(datasets.map((dataset, i) => cli(['pool', 'join', pool, '--dataset', dataset, '--rows', String(rows[i]), ...member(i as 0 | 1 | 2), '--json'])))
    joins.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(0)
      expect(json(run)).toMatchObject({ dataset: datasets[i], status: 'active', shares: String(rows[i]), rows: String(rows[i]) })
      // The node escrowed each key with the pool's key holders: no warning about them.
      expect(run.stderr).not.toMatch(/key holders/)
    })

    const proposed = await cli(['pool', 'propose', pool, '--approve-trainer', 'logistic-regression', '--description', 'Allow logistic regression', ...member(0), '--json'])
    expect(proposed.code, proposed.stderr).toBe(0)
    const { proposalId, voteStart, voteEnd, actions } = json(proposed)
    expect(actions).toEqual(['approve trainer logistic-regression'])
    // Nothing mined since: the vote has not opened.
    const early = await cli(['pool', 'vote', pool, proposalId, 'for', ...member(0), '--json'])
    expect(early.code).toBe(4)
    expect(json(early).error).toMatchObject({ code: 'POOL_VOTE_NOT_OPEN', message: expect.stringContaining(`after block ${voteStart}`) })

    await mineTo(BigInt(voteStart))
    const [first, third, stranger] = await Promise.all([
      cli(['pool', 'vote', pool, proposalId, 'for', ...member(0), '--json']),
      cli(['pool', 'vote', pool, proposalId, 'for', '--reason', 'more models, more revenue', ...member(2), '--json']),
      cli(['pool', 'vote', pool, proposalId, 'against', '--account', 'buyer', '--json']),
    ])
    expect(first.code, first.stderr).toBe(0)
    expect(json(first)).toMatchObject({ support: 'for', weight: '200' })
    expect(third.code, third.stderr).toBe(0)
    expect(json(third)).toMatchObject({ weight: '500' })
    // Not a member: the governor refuses a vote without weight.
    expect(stranger.code).toBe(4)
    expect(json(stranger).error).toMatchObject({ code: 'POOL_GOVERNOR_NO_VOTING_POWER', exitCode: 4, details: 'reason: PoolGovernorNoVotingPower' })
    expect(stranger.stderr).toMatch(/no voting power/)
    const [twice, open] = await Promise.all([cli(['pool', 'vote', pool, proposalId, 'for', ...member(0)]), cli(['pool', 'execute', pool, proposalId, ...member(1), '--json'])])
    expect(twice.code).toBe(4)
    expect(twice.stderr).toMatch(/voted on this proposal already/)
    expect(open.code).toBe(4)
    expect(json(open).error).toMatchObject({ code: 'POOL_PROPOSAL_STATE', details: expect.stringContaining(`open until block ${voteEnd}`) })

    await mineTo(BigInt(voteEnd) + 1n)
    const queued = await cli(['pool', 'execute', pool, proposalId, ...member(1), '--json'])
    expect(queued.code, queued.stderr).toBe(0)
    expect(json(queued)).toMatchObject({ status: 'queued', readyAt: expect.any(String) })
    const notYet = await cli(['pool', 'execute', pool, proposalId, ...member(1)])
    expect(notYet.code).toBe(4)
    expect(notYet.stderr).toContain(`can run from ${json(queued).readyAt}`)
    await testClient.increaseTime({ seconds: 61 })
    await testClient.mine({ blocks: 1 })
    const executed = await cli(['pool', 'execute', pool, proposalId, ...member(1), '--json'])
    expect(executed.code, executed.stderr).toBe(0)
    expect(json(executed).status).toBe('executed')
    expect(await isPoolTrainerApproved(publicClient, { pool, trainer: 'logistic-regression' })).toBe(true)

    // Without --proposals only open proposals are listed; text output is one line per fact and a table.
    const [status, plain] = await Promise.all([cli(['pool', 'status', pool, '--proposals', ...member(1), '--json']), cli(['pool', 'status', pool, ...member(1)])])
    expect(status.code, status.stderr).toBe(0)
    const document = json(status)
    expect(document).toMatchObject({
      pool,
      datatoken: poolDatatoken,
      price: { amount: '10', symbol: 'OCEAN', onSale: true },
      shares: { total: '1000' },
      memberCount: 3,
      approvedTrainers: ['logistic-regression'],
      buyerAllowList: false,
      account: { shares: '300', activeDatasets: 1, claimable: [] },
    })
    // The joins ran at once: members are listed in the order their transactions were mined.
    const listed = document.members.map((one: any) => [one.shares, one.datasets.map((dataset: any) => [dataset.datatoken, dataset.status, dataset.rows])])
    expect(listed.sort()).toEqual(datasets.map((dataset, i) => [String(rows[i]), [[dataset, 'active', String(rows[i])]]]).sort())
    expect(document.proposals).toEqual([
      expect.objectContaining({ proposalId, state: 'executed', votes: { for: '700', against: '0', abstain: '0' }, quorum: '200', actions: ['approve trainer logistic-regression'] }),
    ])
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout).toMatch(/^trainers:\s+logistic-regression$/m)
    expect(plain.stdout).toMatch(/^members:\s+3 \(3 datasets, 1000 shares; admission open\)$/m)
    expect(plain.stdout).not.toMatch(/executed/)
  })

  test('behavior: the pool is listed; a buyer trains on it; each member claims its part once; a member who left still claims', async () => {
    const listed = await cli(['pool', 'register', pool, '--name', 'Heart pool', '--account', 'buyer', '--json'])
    expect(listed.code, listed.stderr).toBe(0)
    expect(json(listed)).toMatchObject({ dataset: poolDatatoken, name: 'Heart pool', keyEscrowed: true })
    const out = join(work, 'pool-model.safetensors')
    const [refused, trained] = await Promise.all([
      // Not approved by the pool's governance: refused before anything is bought.
      cli(['train', poolDatatoken, '--trainer', 'mlp-classifier', '--label', 'risk', '--account', 'buyer', '--json']),
      cli(['train', poolDatatoken, '--trainer', 'logistic-regression', '--label', 'risk', '--param', 'epochs=5', '--out', out, '--account', 'buyer', '--json']),
    ])
    expect(refused.code).toBe(4)
    expect(json(refused).error.code).toBe('POLICY_TRAINER_DENIED')
    expect(trained.code, trained.stderr).toBe(0)
    // One job read all three members' datasets; the receipt says so.
    const { message } = JSON.parse(await readFile(`${out}.receipt.json`, 'utf8'))
    expect(message.dataset).toBe(poolDatatoken)
    expect(message.datasetIds.map((id: string, i: number) => [id, message.datasetRows[i]]).sort()).toEqual(datasets.map((id, i) => [id, String(rows[i])]).sort())

    const claimed = await cli(['pool', 'claim', pool, ...member(0), '--json'])
    expect(claimed.code, claimed.stderr).toBe(0)
    // 10 OCEAN collected from the exchange, shared 200 : 300 : 500.
    expect(json(claimed).claims).toEqual([{ distributionId: '0', token: t.addresses.Ocean.toLowerCase(), symbol: 'OCEAN', amount: '2' }])
    const [again, other] = await Promise.all([cli(['pool', 'claim', pool, ...member(0), '--json']), cli(['pool', 'status', pool, ...member(1), '--json'])])
    expect(again.code).toBe(4)
    expect(json(again).error).toMatchObject({ code: 'NOTHING_TO_CLAIM', exitCode: 4 })
    expect(json(other).account.claimable).toEqual([{ distributionId: '0', token: t.addresses.Ocean.toLowerCase(), symbol: 'OCEAN', amount: '3' }])

    const left = await cli(['pool', 'leave', pool, ...member(2), '--json'])
    expect(left.code, left.stderr).toBe(0)
    expect(json(left)).toMatchObject({ left: true, sharesBurned: '500' })
    const [afterLeaving, status, gone] = await Promise.all([cli(['pool', 'claim', pool, ...member(2)]), cli(['pool', 'status', pool, '--json']), cli(['pool', 'leave', pool, ...member(2), '--json'])])
    expect(afterLeaving.code, afterLeaving.stderr).toBe(0)
    expect(afterLeaving.stdout).toMatch(/^claimed: 5 OCEAN$/m)
    expect(json(status)).toMatchObject({ memberCount: 2, shares: { total: '500' }, account: null })
    expect(gone.code).toBe(4)
    expect(json(gone).error.code).toBe('NOT_MEMBER')
  })

  test('behavior: a closed pool is founded with the creator\'s dataset; a newcomer waits for the members', async () => {
    const created = await cli(['pool', 'create', '--name', 'Closed pool', '--symbol', 'DV-CP', '--price', '2', '--dataset', datasets[0]!, '--rows', '200', '--trainer', 'logistic-regression', ...member(0), '--json'])
    expect(created.code, created.stderr).toBe(0)
    const closed = json(created)
    expect(closed).toMatchObject({ openAdmission: false, trainers: ['logistic-regression'], founders: [{ datatoken: datasets[0], shares: '200' }] })
    const joined = await cli(['pool', 'join', closed.pool, '--dataset', datasets[1]!, '--rows', '300', ...member(1), '--json'])
    expect(joined.code, joined.stderr).toBe(0)
    expect(json(joined)).toMatchObject({ status: 'pending', shares: '0' })
    const status = json(await cli(['pool', 'status', closed.pool, ...member(1), '--json']))
    expect(status.account).toMatchObject({ shares: '0', activeDatasets: 0, pendingDatasets: 1 })
    expect(status.members.flatMap((one: any) => one.datasets.map((dataset: any) => dataset.status))).toEqual(['active', 'pending'])
  })

  test('error: bad arguments are exit 2 and send nothing; a missing pool, someone else\'s dataset, a closed pool without founders', async () => {
    const nonce = await publicClient.getTransactionCount({ address: t.owner.account.address })
    const runs = await Promise.all([
      cli(['pool']),
      cli(['pool', 'frobnicate', '--json']),
      cli(['pool', 'create', '--name', 'X', '--symbol', 'DV-X', '--account', 'owner', '--json']),
      cli(['pool', 'create', '--name', 'X', '--symbol', 'DV-X', '--price', 'ten', '--account', 'owner', '--json']),
      cli(['pool', 'vote', pool, '12', 'maybe', '--account', 'owner', '--json']),
      cli(['pool', 'vote', pool, 'latest', 'for', '--account', 'owner', '--json']),
      cli(['pool', 'propose', pool, '--description', 'Nothing', '--account', 'owner', '--json']),
      cli(['pool', 'propose', pool, '--approve-trainer', 'Logistic Regression!', '--description', 'x', '--account', 'owner', '--json']),
      cli(['pool', 'join', pool, '--account', 'owner', '--json']),
      cli(['pool', 'status', 'not-an-address', '--json']),
      cli(['pool', 'claim', pool, '--colour', '--json']),
    ])
    runs.forEach((run) => expect(run.code, `${run.stdout}${run.stderr}`).toBe(2))
    expect(runs[0]!.stdout).toMatch(/^Usage:/m)
    expect(json(runs[2]!).error.message).toMatch(/needs --name, --symbol and --price/)
    expect(json(runs[3]!).error.message).toMatch(/--price: must be a positive decimal amount/)
    expect(json(runs[4]!).error.message).toMatch(/must be for, against or abstain\. See `datavault pool vote --help`/)

    const [missing, notMine, closedWithoutFounders] = await Promise.all([
      cli(['pool', 'status', t.addresses.Ocean, '--json']),
      cli(['pool', 'join', pool, '--dataset', datasets[0]!, '--rows', '10', '--account', 'owner', '--json']),
      cli(['pool', 'create', '--name', 'Empty', '--symbol', 'DV-E', '--price', '1', '--account', 'owner', '--json']),
    ])
    expect(missing.code).toBe(4)
    expect(json(missing).error.code).toBe('POOL_NOT_FOUND')
    expect(notMine.code).toBe(4)
    expect(json(notMine).error).toMatchObject({ code: 'NOT_DATASET_OWNER', message: expect.stringMatching(/does not own this dataset/) })
    expect(closedWithoutFounders.code).toBe(2)
    expect(json(closedWithoutFounders).error.code).toBe('POOL_NO_MEMBERS')
    // None of these sent a transaction from the owner.
    expect(await publicClient.getTransactionCount({ address: t.owner.account.address })).toBe(nonce)
  })
})
