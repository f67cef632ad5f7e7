// `npm run demo`: the whole flow on embedded defaults, with real parts. An owner encrypts and
// publishes a health dataset; a buyer buys access, orders, trains a model beside the data without
// ever seeing it, downloads the weights and the signed receipt, and evaluates the model.
import { createReadStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  buyDatatoken,
  createVaultClient,
  downloadOutput,
  escrowDataKey,
  evaluateAccuracy,
  generateDataKey,
  getProviderFee,
  getReceipt,
  loadLogisticRegression,
  publishDatatoken,
  registerDataset,
  rpcChain,
  startOrder,
  submitJob,
  uploadCiphertext,
  verifyReceipt,
  waitForJob,
} from '@datavault/sdk'
import { encryptFile } from '@datavault/sdk/node'
import { startDevStack } from '@datavault/vault'
import { healthCsv, healthSchema, parseHealthCsv } from './lib/synthetic-health.ts'

const started = performance.now()
let last = started
function step(text: string) {
  const now = performance.now()
  process.stdout.write(`[${((now - started) / 1000).toFixed(2).padStart(6)} s] ${text} (+${Math.round(now - last)} ms)\n`)
  last = now
}

const workDir = await mkdtemp(join(tmpdir(), 'datavault-demo-'))
const keepDir = process.env.DATAVAULT_DEMO_DIR ?? workDir
let stack: Awaited<ReturnType<typeof startDevStack>> | undefined
let exitCode = 0
try {
  stack = await startDevStack({ dataDir: join(workDir, 'stack'), port: 0, chainPort: 0, onStep: (line) => step(line) })
  const chain = rpcChain({ chainId: stack.chainId, rpcUrl: stack.rpcUrl, name: 'datavault dev' })
  const transport = http(stack.rpcUrl)
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 100 })
  const ownerKey = stack.accounts.find((account) => account.role === 'owner')!
  const buyerKey = stack.accounts.find((account) => account.role === 'buyer')!
  const owner = privateKeyToAccount(ownerKey.privateKey)
  const buyer = privateKeyToAccount(buyerKey.privateKey)
  const ownerWallet = createWalletClient({ account: owner, chain, transport })
  const buyerWallet = createWalletClient({ account: buyer, chain, transport })
  const ownerVault = createVaultClient({ url: stack.vaultUrl, account: owner })
  const buyerVault = createVaultClient({ url: stack.vaultUrl, account: buyer })
  const addresses = stack.addresses as Parameters<typeof publishDatatoken>[1]['addresses']

  // The owner's side: data, encryption, upload, datatoken, registration, key escrow.
  const csv = healthCsv({ rows: 5000, seed: 2026 })
  const [header, ...lines] = csv.trim().split('\n')
  const published = `${[header, ...lines.slice(0, 4000)].join('\n')}\n`
  const heldOut = `${[header, ...lines.slice(4000)].join('\n')}\n`
  const plainPath = join(workDir, 'health.csv')
  const cipherPath = join(workDir, 'health.csv.dv')
  await writeFile(plainPath, published, { mode: 0o600 })
  step(`owner ${owner.address} has a CSV of 4000 people's vitals (${published.length} bytes; 1000 rows held out)`)

  const key = generateDataKey()
  await encryptFile(plainPath, cipherPath, key)
  await rm(plainPath)
  const cipherSize = (await stat(cipherPath)).size
  step(`owner encrypted it locally with a fresh 256-bit data key (AES-256-GCM STREAM, ${cipherSize} bytes)`)

  const { cid } = await uploadCiphertext(ownerVault, {
    body: Readable.toWeb(createReadStream(cipherPath)) as ReadableStream<Uint8Array>,
  })
  step(`owner uploaded the ciphertext to the vault's IPFS node: ${cid}`)

  const { datatoken, exchangeId } = await publishDatatoken(ownerWallet, {
    addresses,
    name: 'Heart health 2026',
    symbol: 'HEART',
    price: parseEther('5'),
  })
  step(`owner published a data NFT and datatoken ${datatoken} at 5 base tokens (FixedRateExchange)`)

  await registerDataset(ownerVault, {
    cid,
    datatoken,
    name: 'Heart health 2026',
    description: 'Vitals and habits of 4000 adults with a cardiovascular risk label (synthetic).',
    schema: healthSchema('binary'),
    policy: { trainers: ['logistic-regression'], maxEpochs: 200, maxWallTimeSeconds: 120, maxMemoryMb: 1024 },
  })
  const { manifest } = await escrowDataKey(ownerVault, { dataset: datatoken, key, chain: ownerWallet })
  key.fill(0)
  step(`owner registered the dataset (EIP-712 signed) and escrowed its key ${manifest.threshold} of ${manifest.holders.length} (the node's embedded key holder, read from the KeyHolderRegistry)`)

  // The buyer's side: buy, order, train, download, verify, evaluate.
  await buyDatatoken(buyerWallet, { addresses, datatoken, exchangeId, amount: parseEther('1') })
  step(`buyer ${buyer.address} bought 1 datatoken`)
  const providerFee = await getProviderFee(buyerVault, { dataset: datatoken, consumer: buyer.address })
  const { txHash: orderTx } = await startOrder(buyerWallet, { datatoken, consumer: buyer.address, providerFee })
  step(`buyer started an order: ${orderTx}`)

  const job = await submitJob(buyerVault, {
    dataset: datatoken,
    trainer: { id: 'logistic-regression' },
    params: { label: 'risk', epochs: 60, learningRate: 0.2, l2: 0.0005, seed: 1 },
    orderTx,
  })
  step(`buyer submitted job ${job.id}; the node verified the order on chain and queued it`)
  let lastEpochShown = 0
  const done = await waitForJob(buyerVault, {
    id: job.id,
    intervalMs: 100,
    onUpdate: (update) => {
      const epoch = update.progress?.epoch ?? 0
      if (update.state !== 'running' || epoch === 0) step(`job ${update.state}`)
      else if (epoch - lastEpochShown >= 20 || epoch === update.progress?.epochs) {
        lastEpochShown = epoch
        step(`job running: epoch ${epoch}/${update.progress?.epochs ?? "?"}`)
      }
    },
  })
  if (done.state !== 'finished') throw new Error(`The job failed: ${done.failure?.code}: ${done.failure?.message}`)
  step(`job finished: train loss ${done.metrics?.loss?.toFixed(4)}, train accuracy ${done.metrics?.accuracy?.toFixed(3)}`)

  const weights = await downloadOutput(buyerVault, { id: job.id, name: 'model.safetensors' })
  const metrics = await downloadOutput(buyerVault, { id: job.id, name: 'metrics.json' })
  const receipt = await getReceipt(buyerVault, { id: job.id })
  const node = await buyerVault.node()
  await verifyReceipt({
    receipt,
    node: node.address,
    files: [
      { name: 'model.safetensors', sha256: weights.sha256 },
      { name: 'metrics.json', sha256: metrics.sha256 },
    ],
  })
  const weightsPath = join(keepDir, 'model.safetensors')
  await writeFile(weightsPath, weights.bytes)
  await writeFile(join(keepDir, 'receipt.json'), JSON.stringify(receipt, null, 2))
  step(`buyer downloaded ${weights.bytes.byteLength} bytes of weights and verified the node's receipt ${receipt.hash}`)

  const model = loadLogisticRegression(weights.bytes)
  const evaluation = parseHealthCsv(heldOut)
  const accuracy = evaluateAccuracy(model, evaluation.rows, evaluation.labels)
  step(`buyer evaluated the model on 1000 held-out rows with the SDK: accuracy ${accuracy.toFixed(3)}`)

  const balance = await publicClient.readContract({
    address: datatoken,
    abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ type: 'uint256' }] }] as const,
    functionName: 'balanceOf',
    args: [buyer.address],
  })
  step(`buyer's datatoken balance after the order: ${balance} (the order spent it)`)
  process.stdout.write(`demo ok: accuracy=${accuracy.toFixed(3)} weights=${weightsPath} receipt=${receipt.hash}\n`)
} catch (error) {
  exitCode = 1
  const message = error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)
  process.stderr.write(`demo failed: ${message}\n`)
  if (process.env.DATAVAULT_DEBUG) console.error(error)
} finally {
  await stack?.stop()
  if (keepDir === workDir) {
    // Keep only the buyer's outputs; the stack's data dir goes.
    await rm(join(workDir, 'stack'), { recursive: true, force: true })
    await rm(join(workDir, 'health.csv.dv'), { force: true })
  }
}
process.exit(exitCode)
