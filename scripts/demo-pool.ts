// `npm run demo:pool`: a DAO data pool on embedded defaults, with real parts. Three owners publish
// their own health datasets and join an open pool; the members vote, through the pool's governor
// and timelock, to let logistic regression run; a buyer orders the pool's datatoken and trains one
// model over all three datasets without seeing any of them; the members claim what the buyer paid.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Address, createTestClient, formatUnits, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  buyDatatoken,
  claimPoolRevenue,
  createDataVaultClient,
  createPool,
  downloadOutput,
  evaluateAccuracy,
  executePool,
  getPool,
  getProviderFee,
  getReceipt,
  joinPool,
  loadLogisticRegression,
  poolKeyEscrowDigest,
  proposePool,
  publishDataset,
  registerPool,
  startOrder,
  submitJob,
  verifyReceipt,
  votePool,
  waitForJob,
} from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { startDevStack } from '@datavault/vault'
import { healthCsv, healthSchema, parseHealthCsv } from './lib/synthetic-health.ts'

const started = performance.now()
let last = started
function step(text: string) {
  const now = performance.now()
  process.stdout.write(`[${((now - started) / 1000).toFixed(2).padStart(6)} s] ${text} (+${Math.round(now - last)} ms)\n`)
  last = now
}

/** Each owner's data: different people (seeds) and sizes; the same columns, as a pool needs. */
const owners = [
  { name: 'alice', rows: 1500, seed: 101 },
  { name: 'bob', rows: 1200, seed: 202 },
  { name: 'carol', rows: 1300, seed: 303 },
] as const
const governance = { votingDelay: 1, votingPeriod: 5, quorumPercent: 20, timelockDelaySeconds: 60n }

const workDir = await mkdtemp(join(tmpdir(), 'datavault-demo-pool-'))
const keepDir = process.env.DATAVAULT_DEMO_DIR ?? workDir
let stack: Awaited<ReturnType<typeof startDevStack>> | undefined
let exitCode = 0
try {
  stack = await startDevStack({ dataDir: join(workDir, 'stack'), port: 0, chainPort: 0, onStep: (line) => step(line) })
  const chain = { chainId: stack.chainId, rpcUrl: stack.rpcUrl }
  const testClient = createTestClient({ mode: 'hardhat', transport: http(stack.rpcUrl) })
  const [ownerKey, ...spareKeys] = stack.accounts.filter((account) => account.role === 'owner' || account.role === 'spare')
  const buyerKey = stack.accounts.find((account) => account.role === 'buyer')!
  const clientOf = (privateKey: `0x${string}`) => createDataVaultClient({ node: stack!.vaultUrl, chain, account: privateKeyToAccount(privateKey), pollingInterval: 100 })
  const members = [ownerKey!, spareKeys[0]!, spareKeys[1]!].map((key, index) => ({ ...owners[index]!, client: clientOf(key.privateKey) }))
  const buyer = clientOf(buyerKey.privateKey)
  const node = await buyer.vault.node()
  const addresses = await buyer.addresses()
  const wallet = (client: (typeof members)[number]['client']) => client.wallet!
  const mineTo = async (block: bigint) => {
    const now = await buyer.public.getBlockNumber({ cacheTime: 0 })
    if (now < block) await testClient.mine({ blocks: Number(block - now) })
  }

  // Each owner publishes its own dataset on the node: encrypted on the owner's side, key escrowed
  // with the node's key holders, which will be the pool's.
  const published = []
  for (const member of members) {
    const dataset = await publishDataset(member.client, {
      data: healthCsv({ rows: member.rows, seed: member.seed }),
      name: `${member.name}'s vitals`,
      description: `Vitals of ${member.rows} adults (synthetic), ${member.name}'s export.`,
      schema: healthSchema('binary', { rows: member.rows }),
      policy: { trainers: ['logistic-regression'] },
      price: parseEther('5'),
      crypto: nodeEnvelopeCrypto,
    })
    published.push(dataset)
    step(`${member.name} (${member.client.account!.address}) encrypted ${member.rows} rows locally, uploaded them and published dataset ${dataset.datatoken}`)
  }

  // The pool: open admission (joining earns shares at once), the node's key holders, short votes
  // and a one-minute timelock so the demo can move the chain on instead of waiting a week.
  const keyHolders = { addresses: (node.keyEscrow?.holders ?? [node.address]) as Address[], threshold: node.keyEscrow?.threshold ?? 1 }
  const pool = await createPool(wallet(members[0]!.client), {
    addresses,
    name: 'Heart pool',
    symbol: 'DV-HP',
    price: parseEther('10'),
    keyHolders,
    contributionRules: { openAdmission: true },
    governance,
  })
  step(`alice created the pool ${pool.pool} (datatoken ${pool.datatoken} at 10 base tokens; key holders ${keyHolders.threshold} of ${keyHolders.addresses.length}, the node's); no trainer approved yet`)

  for (const [index, member] of members.entries()) {
    const { datatoken, cid } = published[index]!
    const joined = await joinPool(wallet(member.client), {
      pool: pool.pool,
      contribution: {
        datatoken,
        cid,
        // The same digest `datavault pool join` records: dataset, ciphertext, key holders.
        keyEscrow: poolKeyEscrowDigest({ dataset: datatoken, cid, holders: keyHolders.addresses, threshold: keyHolders.threshold }),
        rows: BigInt(member.rows),
      },
    })
    step(`${member.name} joined the pool with its dataset: ${formatUnits(joined.shares, 18)} shares (one per row)`)
  }

  const { proposalId, voteStart, voteEnd } = await proposePool(wallet(members[0]!.client), {
    pool: pool.pool,
    description: 'Let buyers train logistic regression on the pool',
    actions: [{ type: 'approveTrainer', trainer: 'logistic-regression' }],
  })
  step(`alice proposed to approve logistic-regression (proposal ${String(proposalId).slice(0, 12)}…, vote from block ${voteStart + 1n} to ${voteEnd})`)
  await mineTo(voteStart)
  for (const member of members) {
    const { weight } = await votePool(wallet(member.client), { pool: pool.pool, proposalId, support: 'for' })
    step(`${member.name} voted for with ${formatUnits(weight, 18)} shares`)
  }
  await mineTo(voteEnd + 1n)
  const queued = await executePool(wallet(members[1]!.client), { pool: pool.pool, proposalId })
  step(`the vote passed; bob queued it in the pool's timelock (runs from ${queued.readyAt.toISOString()}); the chain's clock moves on a minute`)
  await testClient.increaseTime({ seconds: Number(governance.timelockDelaySeconds) + 1 })
  await testClient.mine({ blocks: 1 })
  const executed = await executePool(wallet(members[2]!.client), { pool: pool.pool, proposalId })
  if (executed.status !== 'executed') throw new Error(`The proposal is ${executed.status}, not executed.`)
  const approved = await getPool(buyer.public, { pool: pool.pool })
  step(`carol executed it: the pool now approves ${approved.approvedTrainers.length} trainer (logistic-regression)`)

  // The buyer's side: the pool is listed on the node under its datatoken, ordered like a dataset.
  const listed = await registerPool(buyer.vault, { pool: pool.pool, name: 'Heart pool' })
  step(`the pool is listed on the node as ${listed.id}, ${listed.schema.columns.length} columns`)
  await buyDatatoken(wallet(buyer), { addresses, datatoken: pool.datatoken, exchangeId: pool.exchangeId, amount: parseEther('1') })
  const providerFee = await getProviderFee(buyer.vault, { dataset: pool.datatoken, consumer: buyer.account!.address })
  const { txHash: orderTx } = await startOrder(wallet(buyer), { datatoken: pool.datatoken, consumer: buyer.account!.address, providerFee })
  step(`buyer ${buyer.account!.address} bought 1 pool datatoken (10 base tokens, to the pool) and started an order: ${orderTx}`)

  const job = await submitJob(buyer.vault, {
    dataset: pool.datatoken,
    trainer: { id: 'logistic-regression' },
    params: { label: 'risk', epochs: 60, learningRate: 0.2, l2: 0.0005, seed: 1 },
    orderTx,
  })
  step(`buyer submitted job ${job.id} on the pool; the node checked the order and the pool's approval on chain`)
  let lastEpochShown = 0
  const done = await waitForJob(buyer.vault, {
    id: job.id,
    intervalMs: 100,
    onUpdate: (update) => {
      const epoch = update.progress?.epoch ?? 0
      if (update.state !== 'running' || epoch === 0) step(`job ${update.state}`)
      else if (epoch - lastEpochShown >= 20 || epoch === update.progress?.epochs) {
        lastEpochShown = epoch
        step(`job running: epoch ${epoch}/${update.progress?.epochs ?? '?'}`)
      }
    },
  })
  if (done.state !== 'finished') throw new Error(`The job failed: ${done.failure?.code}: ${done.failure?.message}`)

  const weights = await downloadOutput(buyer.vault, { id: job.id, name: 'model.safetensors' })
  const metrics = await downloadOutput(buyer.vault, { id: job.id, name: 'metrics.json' })
  const receipt = await getReceipt(buyer.vault, { id: job.id })
  await verifyReceipt({
    receipt,
    node: node.address,
    files: [
      { name: 'model.safetensors', sha256: weights.sha256 },
      { name: 'metrics.json', sha256: metrics.sha256 },
    ],
  })
  const weightsPath = join(keepDir, 'pool-model.safetensors')
  await writeFile(weightsPath, weights.bytes)
  await writeFile(join(keepDir, 'pool-receipt.json'), JSON.stringify(receipt, null, 2))
  const rows = receipt.message.datasetRows
  step(`buyer saved ${weights.bytes.byteLength} bytes of weights to ${weightsPath}; the node's receipt ${receipt.hash} verifies and names the ${rows.length} members' datasets it trained on (${rows.join(' + ')} rows)`)

  const heldOut = parseHealthCsv(healthCsv({ rows: 1000, seed: 404 }))
  const accuracy = evaluateAccuracy(loadLogisticRegression(weights.bytes), heldOut.rows, heldOut.labels)
  step(`buyer evaluated the model on 1000 people none of the members had: accuracy ${accuracy.toFixed(3)}`)

  // The members' side: collect what the buyer paid into a distribution, then each claims its part.
  let claimed = 0n
  for (const member of members) {
    const { claims } = await claimPoolRevenue(wallet(member.client), { pool: pool.pool })
    const amount = claims.filter((claim) => claim.token.toLowerCase() === addresses.Ocean.toLowerCase()).reduce((sum, claim) => sum + claim.amount, 0n)
    claimed += amount
    step(`${member.name} claimed ${formatUnits(amount, 18)} base tokens (${member.rows} of ${owners.reduce((sum, owner) => sum + owner.rows, 0)} shares)`)
  }
  process.stdout.write(`pool demo ok: members=${members.length} accuracy=${accuracy.toFixed(3)} claimed=${Number(formatUnits(claimed, 18)).toFixed(3)}\n`)
} catch (error) {
  exitCode = 1
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)
  const details = (error as { details?: string }).details
  process.stderr.write(`pool demo failed: ${message}${details ? ` (${details})` : ''}\n`)
  if (process.env.DATAVAULT_DEBUG) console.error(error)
} finally {
  await stack?.stop()
  // Keep only the buyer's outputs; the stack's data dir goes.
  if (keepDir === workDir) await rm(join(workDir, 'stack'), { recursive: true, force: true })
}
process.exit(exitCode)
