// Threshold key release on the real stack: three key holders (separate stores and key pairs,
// registered on the KeyHolderRegistry) beside the node, keys split 2 of 3. Each holder checks the
// chain by itself; the engine combines shares only after checking each against the owner's
// commitment.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { randomBytes } from 'node:crypto'
import { type Address, type Hex, bytesToHex, hexToBytes, zeroAddress, zeroHash } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type JobTicket,
  approveJob,
  createDataVaultClient,
  createVaultClient,
  getDataset,
  getJob,
  getReceipt,
  revokeAlgorithmApproval,
  uploadAlgorithm,
  generateDataKey,
  generateKeyPair,
  jobTicketTypes,
  keyEscrowDomain,
  keyEscrowTypes,
  keyShareContext,
  manifestToJson,
  openSealed,
  releasedShareContext,
  sealToPublicKey,
  setDatasetState,
  shareCommitment,
  splitDataKey,
  submitJob,
  ticketToJson,
  waitForJob,
} from '@datavault/sdk'
import { type RunningKeyHolder, loadNodeIdentity, startKeyHolder, createLogger } from '@datavault/vault'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { columnMeansProgram } from '../fixtures/programs.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let registry: Address
const logs: string[] = []
const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } })
const csv = healthCsv({ rows: 300, seed: 5 })
const schema = healthSchema('binary')
const params = { label: 'risk', epochs: 5 }

beforeAll(async () => {
  t = await startTestStack({ keyHolders: 3, keyThreshold: 2, logger })
  registry = t.stack.addresses.KeyHolderRegistry as Address
})
afterAll(async () => {
  await t?.stop()
})

const holderDir = (index: number) => join(t.dir, 'keyholders', String(index + 1))
const holders = () => t.stack.holders

/** Stops holder `index` and starts it again from the same store on the same port. */
async function restartHolder(index: number, { stopOnly = false } = {}): Promise<RunningKeyHolder | undefined> {
  const old = holders()[index] as RunningKeyHolder
  await old.stop()
  if (stopOnly) return undefined
  return startAgain(index)
}

async function startAgain(index: number): Promise<RunningKeyHolder> {
  const old = holders()[index] as RunningKeyHolder
  const started = await startKeyHolder({
    dataDir: holderDir(index),
    port: Number(new URL(old.url).port),
    rpcUrl: t.stack.rpcUrl,
    chainId: t.stack.chainId,
    addressesFile: t.stack.addressesFile,
    logger,
  })
  holders()[index] = started
  return started
}

async function train(dataset: { datatoken: Address }, orderTx?: Hex) {
  const order = orderTx ?? (await t.buyAndOrder(dataset))
  const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: order })
  return { order, job: await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 }) }
}

async function errorOf(response: Response) {
  const body = (await response.json()) as { error?: { code: string } }
  return { status: response.status, code: body.error?.code }
}

describe('threshold key release (2 of 3 key holders)', () => {
  test('default: the key is split across the three holders and a job gets it', async () => {
    const node = await t.buyer.vault.node()
    expect(node.keyEscrow).toEqual({ backend: 'threshold', threshold: 2, holders: holders().map((holder) => holder.address.toLowerCase()) })
    const dataset = await t.publish({ csv, schema })
    for (const holder of holders()) expect(holder.holder.hasShare(dataset.datatoken)).toBe(true)
    // The node itself holds no share here.
    expect(t.stack.node.components.keys.hasKey(dataset.datatoken)).toBe(true)
    const { job } = await train(dataset)
    expect(job.failure).toBeUndefined()
    expect(job.state).toBe('finished')
  })

  test('behavior: one holder down, the job still gets its key; restarted, it serves again from its store', async () => {
    const dataset = await t.publish({ csv, schema })
    await restartHolder(2, { stopOnly: true })
    try {
      expect((await train(dataset)).job.state).toBe('finished')
    } finally {
      await startAgain(2)
    }
    expect(holders()[2]?.holder.hasShare(dataset.datatoken)).toBe(true)
    await restartHolder(0, { stopOnly: true })
    try {
      expect((await train(dataset)).job.state).toBe('finished')
    } finally {
      await startAgain(0)
    }
  })

  test('behavior: two holders down, the job waits in provisioning (no failure, order kept) and runs once they are back', async () => {
    const dataset = await t.publish({ csv, schema })
    await restartHolder(1, { stopOnly: true })
    await restartHolder(2, { stopOnly: true })
    let id = ''
    try {
      const order = await t.buyAndOrder(dataset)
      id = (await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: order })).id
      await expect.poll(async () => (await getJob(t.buyer.vault, { id })).state, { timeout: 30_000, interval: 100 }).toBe('provisioning')
      // The first release fails at once (two holders refuse connections); the job keeps waiting and retrying.
      await new Promise((resolve) => setTimeout(resolve, 3000))
      expect((await getJob(t.buyer.vault, { id })).state).toBe('provisioning')
    } finally {
      await startAgain(1)
      await startAgain(2)
    }
    const done = await waitForJob(t.buyer.vault, { id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
  })

  test('behavior: a lying holder is caught by the owner\'s commitment, never combined', async () => {
    const dataset = await t.publish({ csv, schema })
    // Holder 1 now holds a well-sealed share that is not the one the owner committed to.
    const liar = holders()[0] as RunningKeyHolder
    const lie = await sealToPublicKey(hexToBytes(liar.encryptionPublicKey), randomBytes(33), {
      context: keyShareContext({ chainId: t.stack.chainId, dataset: dataset.datatoken, holder: liar.address }),
    })
    const db = new DatabaseSync(join(holderDir(0), 'keyholder.sqlite'))
    db.prepare('UPDATE holder_shares SET sealed_share = ? WHERE dataset = ?').run(lie, dataset.datatoken.toLowerCase())
    db.close()
    // With the two honest holders up, the job gets the right key anyway.
    expect((await train(dataset)).job.state).toBe('finished')
    // With one honest holder down, the lie is not enough: the job fails instead of decrypting garbage.
    await restartHolder(1, { stopOnly: true })
    try {
      const failed = await train(dataset)
      expect(failed.job.failure).toMatchObject({ code: 'provisioning-failed', message: 'Only 1 of the 2 key shares needed were released.' })
    } finally {
      await startAgain(1)
    }
  })

  test('error: forged, replayed, expired and misdirected release tickets are refused', async () => {
    const dataset = await t.publish({ csv, schema })
    const other = await t.publish({ csv, schema, name: 'other' })
    const order = await t.buyAndOrder(dataset)
    const otherOrder = await t.buyAndOrder(other)
    const node = await loadNodeIdentity(join(t.dir, 'node', 'keys', 'node.json'))
    const holder = holders()[0] as RunningKeyHolder
    const domain = keyEscrowDomain({ chainId: t.stack.chainId, registry })
    const jobKey = generateKeyPair()
    const ticket = (overrides: Partial<JobTicket> = {}): JobTicket => ({
      holder: holder.address,
      dataset: dataset.datatoken,
      pool: zeroAddress,
      jobId: 'job-1',
      orderTx: order,
      buyer: t.buyer.account.address,
      trainerId: 'logistic-regression',
      trainerHash: `0x${'00'.repeat(32)}`,
      termsHash: zeroHash,
      jobKey: bytesToHex(jobKey.publicKey),
      expiry: BigInt(Math.floor(Date.now() / 1000) + 60),
      nonce: bytesToHex(randomBytes(16)),
      ...overrides,
    })
    const send = async (message: JobTicket, signer = node.account) =>
      fetch(`${holder.url}/v1/holder/releases`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: ticketToJson(message), signature: await signer.signTypedData({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message }) }),
      })

    const good = ticket()
    const released = await send(good)
    expect(released.status).toBe(200)
    // What comes back opens only with the job key, and is the share the owner committed to.
    const body = (await released.json()) as { index: number; sealedShare: Hex }
    const share = await openSealed(jobKey.privateKey, hexToBytes(body.sealedShare), {
      context: releasedShareContext({ chainId: t.stack.chainId, dataset: dataset.datatoken, holder: holder.address, jobId: 'job-1' }),
    })
    const manifest = t.stack.node.components.keys as unknown as { manifest(id: string): { shareCommitments: Hex[] } }
    expect(shareCommitment({ dataset: dataset.datatoken, index: body.index, share })).toBe(manifest.manifest(dataset.datatoken.toLowerCase()).shareCommitments[body.index])

    expect(await errorOf(await send(good))).toEqual({ status: 409, code: 'TICKET_REPLAYED' })
    // The holder now knows the node's key (it checks the node's next tickets against it): a ticket
    // changed after the node signed it is signed by nobody it knows, and is refused all the same.
    const signed = ticket()
    const signature = await node.account.signTypedData({ domain, types: jobTicketTypes, primaryType: 'JobTicket', message: signed })
    const forged = await fetch(`${holder.url}/v1/holder/releases`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: ticketToJson({ ...signed, jobKey: bytesToHex(generateKeyPair().publicKey) }), signature }),
    })
    expect(await errorOf(forged)).toEqual({ status: 403, code: 'TICKET_NODE_NOT_ALLOWED' })
    // The same order again (a restarted release) goes to the same job key only.
    expect((await send(ticket())).status).toBe(200)
    expect(await errorOf(await send(ticket({ jobKey: bytesToHex(generateKeyPair().publicKey) })))).toEqual({ status: 409, code: 'SHARE_ALREADY_RELEASED' })
    expect(await errorOf(await send(ticket({ expiry: BigInt(Math.floor(Date.now() / 1000) - 1) })))).toEqual({ status: 401, code: 'TICKET_EXPIRED' })
    expect(await errorOf(await send(ticket(), t.stranger.account))).toEqual({ status: 403, code: 'TICKET_NODE_NOT_ALLOWED' })
    expect(await errorOf(await send(ticket({ orderTx: otherOrder })))).toEqual({ status: 402, code: 'ORDER_DATATOKEN_MISMATCH' })
    expect(await errorOf(await send(ticket({ holder: holders()[1]!.address })))).toEqual({ status: 400, code: 'TICKET_WRONG_HOLDER' })
    expect(await errorOf(await send(ticket({ trainerId: 'mlp-classifier' })))).toEqual({ status: 403, code: 'KEY_POLICY_DENIED' })
    expect(await errorOf(await send(ticket({ orderTx: `0x${'ab'.repeat(32)}` })))).toEqual({ status: 402, code: 'ORDER_NOT_FOUND' })
    const garbled = await fetch(`${holder.url}/v1/holder/releases`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ticket":{}}' })
    expect((await errorOf(garbled)).status).toBe(400)
    // Each holder reads the owner's word on chain by itself, whatever the node says.
    const fresh = await t.buyAndOrder(dataset)
    await setDatasetState(t.owner.wallet, { registry, datatoken: dataset.datatoken, state: 'unpublished' })
    expect(await errorOf(await send(ticket({ orderTx: fresh, jobKey: bytesToHex(generateKeyPair().publicKey) })))).toEqual({ status: 403, code: 'DATASET_UNPUBLISHED' })
    expect(holder.holder.hasShare(dataset.datatoken)).toBe(true)
    await setDatasetState(t.owner.wallet, { registry, datatoken: dataset.datatoken, state: 'revoked' })
    expect(await errorOf(await send(ticket({ orderTx: fresh, jobKey: bytesToHex(generateKeyPair().publicKey) })))).toEqual({ status: 410, code: 'DATASET_REVOKED' })
    expect(holder.holder.hasShare(dataset.datatoken)).toBe(false)
  })

  test('error: forged escrow requests, a share sealed to another holder, a share that is not the committed one, a stale manifest', async () => {
    const dataset = await t.publish({ csv, schema })
    const [first, second] = holders() as [RunningKeyHolder, RunningKeyHolder]
    const key = generateDataKey()
    const split = await splitDataKey({ dataset: dataset.datatoken, key, threshold: 2, holders: 3 })
    const manifest = {
      dataset: dataset.datatoken.toLowerCase() as Address,
      cid: dataset.cid,
      threshold: 2,
      holders: holders().map((holder) => holder.address.toLowerCase() as Address),
      shareCommitments: split.shareCommitments,
      keyCommitment: split.keyCommitment,
      computeNodes: [t.stack.nodeAddress.toLowerCase() as Address],
      trainers: ['logistic-regression'],
      issuedAt: BigInt(Math.floor(Date.now() / 1000)),
    }
    const domain = keyEscrowDomain({ chainId: t.stack.chainId, registry })
    const sign = (account: typeof t.owner.account, message = manifest) => account.signTypedData({ domain, types: keyEscrowTypes, primaryType: 'KeyEscrow', message })
    const seal = (holder: RunningKeyHolder, share: Uint8Array) =>
      sealToPublicKey(hexToBytes(holder.encryptionPublicKey), share, { context: keyShareContext({ chainId: t.stack.chainId, dataset: dataset.datatoken, holder: holder.address }) })
    const put = async (account: typeof t.owner.account, body: unknown) =>
      createVaultClient({ url: first.url, account })
        .request({ method: 'PUT', path: `/v1/holder/shares/${dataset.datatoken.toLowerCase()}`, doing: 'escrowing', json: body, signed: true })
        .then(
          () => ({ code: 'ok' }),
          (error: { code: string; status: number }) => ({ status: error.status, code: error.code }),
        )
    const json = manifestToJson(manifest)
    // A stranger cannot escrow for the owner's dataset, nor pass a manifest the owner did not sign.
    expect(await put(t.stranger.account, { manifest: json, signature: await sign(t.stranger.account), sealedShare: bytesToHex(await seal(first, split.shares[0]!)) })).toEqual({
      status: 403,
      code: 'NOT_DATASET_OWNER',
    })
    expect(await put(t.owner.account, { manifest: json, signature: await sign(t.stranger.account), sealedShare: bytesToHex(await seal(first, split.shares[0]!)) })).toEqual({
      status: 400,
      code: 'MANIFEST_SIGNATURE_INVALID',
    })
    const signature = await sign(t.owner.account)
    expect(await put(t.owner.account, { manifest: json, signature, sealedShare: bytesToHex(await seal(second, split.shares[0]!)) })).toEqual({ status: 400, code: 'KEY_SHARE_SEAL_INVALID' })
    expect(await put(t.owner.account, { manifest: json, signature, sealedShare: bytesToHex(await seal(first, split.shares[1]!)) })).toEqual({
      status: 400,
      code: 'KEY_SHARE_COMMITMENT_MISMATCH',
    })
    const stale = { ...manifest, issuedAt: 1n }
    expect(await put(t.owner.account, { manifest: manifestToJson(stale), signature: await sign(t.owner.account, stale), sealedShare: bytesToHex(await seal(first, split.shares[0]!)) })).toEqual({
      status: 409,
      code: 'ESCROW_STALE',
    })
    // None of it touched the share the holder holds: a job still gets the key.
    expect((await train(dataset)).job.state).toBe('finished')
  })

  test('behavior: unpublished on chain, no job gets the key; published again, the same order runs', async () => {
    const dataset = await t.publish({ csv, schema })
    const order = await t.buyAndOrder(dataset)
    await setDatasetState(t.owner.wallet, { registry, datatoken: dataset.datatoken, state: 'unpublished' })
    const refused = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: order }).then(
      () => undefined,
      (error: { code: string }) => error.code,
    )
    expect(refused).toBe('DATASET_UNPUBLISHED')
    await setDatasetState(t.owner.wallet, { registry, datatoken: dataset.datatoken, state: 'active' })
    expect((await train(dataset, order)).job.state).toBe('finished')
  })

  test('behavior: revoked on chain, every holder deletes its share and a waiting job fails as revoked', async () => {
    const dataset = await t.publish({ csv, schema })
    const order = await t.buyAndOrder(dataset)
    // The job is accepted, then the owner revokes on chain before it runs: the holders refuse.
    const { job: blocker } = { job: await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 5 }, orderTx: order }) }
    await setDatasetState(t.owner.wallet, { registry, datatoken: dataset.datatoken, state: 'revoked' })
    const done = await waitForJob(t.buyer.vault, { id: blocker.id, intervalMs: 50 })
    if (done.state === 'failed') expect(done.failure?.code).toBe('revoked')
    else expect(done.state).toBe('finished') // it ran before the revocation was mined: running jobs finish
    for (const holder of holders()) {
      await holder.holder.sweepRevoked()
      expect(holder.holder.hasShare(dataset.datatoken)).toBe(false)
    }
    const refused = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params, orderTx: await t.buyAndOrder(dataset) }).then(
      () => undefined,
      (error: { code: string }) => error.code,
    )
    expect(refused).toBe('DATASET_REVOKED')
  })

  test('behavior: a holder whose store was deleted answers clearly, and the other two still give the key', async () => {
    const dataset = await t.publish({ csv, schema })
    await restartHolder(1, { stopOnly: true })
    await rm(join(holderDir(1), 'keyholder.sqlite'), { force: true })
    await rm(join(holderDir(1), 'keyholder.sqlite-wal'), { force: true })
    await rm(join(holderDir(1), 'keyholder.sqlite-shm'), { force: true })
    const restarted = await startAgain(1)
    expect(restarted.holder.hasShare(dataset.datatoken)).toBe(false)
    expect((await train(dataset)).job.state).toBe('finished')
    const info = (await (await fetch(`${restarted.url}/v1/holder`)).json()) as { shares: number }
    expect(info.shares).toBe(0)
  })

  test('behavior: an owner\'s approval of a custom algorithm reaches every key holder; its withdrawal too', async () => {
    const dataset = await t.publish({ csv, schema })
    const view = await getDataset(t.owner.vault, { id: dataset.datatoken })
    expect(view.keyHolders?.map((holder) => holder.address)).toEqual(holders().map((holder) => holder.address.toLowerCase()))
    const { hash } = await uploadAlgorithm(t.buyer.vault, { code: columnMeansProgram })
    const outputs = { tensors: [{ name: 'means', dtype: 'F32' as const, shape: [7] }], metrics: ['rows'] }
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx })
    expect(job.state).toBe('awaiting-approval')
    expect((await approveJob(t.owner.vault, { id: job.id })).state).toBe('queued')
    const done = await waitForJob(t.buyer.vault, { id: job.id, intervalMs: 50 })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
    // A plain custom program's own metrics are never released (issue 14): only its declared tensors leave.
    expect(done.metrics).toBeUndefined()
    // Withdrawn everywhere: a later job waits again and, if the node alone were asked, holders would refuse it.
    await revokeAlgorithmApproval(t.owner.vault, { dataset: dataset.datatoken, hash })
    const again = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, algorithm: { hash, outputs }, params: {}, orderTx: await t.buyAndOrder(dataset) })
    expect(again.state).toBe('awaiting-approval')
  })

  test('behavior: rotation re-encrypts under a fresh key, re-escrows with every holder and retires the old ciphertext; receipts keep the CID they used', async () => {
    const dataset = await t.publish({ csv, schema })
    const before = await train(dataset)
    const owner = createDataVaultClient({
      node: t.stack.vaultUrl,
      chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId },
      account: t.owner.account,
      addresses: t.addresses,
      pollingInterval: 50,
    })
    const progress: number[] = []
    const rotated = await owner.rotateDatasetKey({ dataset: dataset.datatoken, data: csv, onProgress: ({ bytes }) => progress.push(bytes) })
    expect(rotated.retiredCid).toBe(dataset.cid)
    expect(rotated.cid).not.toBe(dataset.cid)
    expect(rotated.dataset).toMatchObject({ cid: rotated.cid, keyEscrowed: true, retiredCids: [{ cid: dataset.cid }] })
    expect(progress.at(-1)).toBe(csv.length)
    // The old ciphertext is no longer served by the node's IPFS store.
    expect(await t.stack.node.components.storage.stat(dataset.cid)).toBeUndefined()
    const after = await train(dataset)
    expect(after.job.state).toBe('finished')
    expect((await getReceipt(t.buyer.vault, { id: after.job.id })).message.datasetCids).toEqual([rotated.cid])
    expect((await getReceipt(t.buyer.vault, { id: before.job.id })).message.datasetCids).toEqual([dataset.cid])
    // The stranger cannot rotate someone else's dataset.
    const stranger = createDataVaultClient({ node: t.stack.vaultUrl, chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId }, account: t.stranger.account, addresses: t.addresses })
    const refused = await stranger.rotateDatasetKey({ dataset: dataset.datatoken, data: csv }).then(
      () => undefined,
      (error: { code: string }) => error.code,
    )
    expect(refused).toBe('NOT_DATASET_OWNER')
  })

  test('behavior: nothing the node or the holders logged carries a share, a key or a signature', () => {
    expect(logs.length).toBeGreaterThan(20)
    expect(logs.some((line) => line.includes('key share released to job'))).toBe(true)
    // 64 hex digits are a transaction hash or a commitment at most; sealed shares and signatures are longer.
    const long = logs.filter((line) => /0x[0-9a-fA-F]{65,}/.test(line))
    expect(long).toEqual([])
    for (const line of logs) expect(line).not.toMatch(/sealedShare|privateKey|"signature"/)
  })
})
