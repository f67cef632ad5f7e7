// The decrypting key holder on real SEAL objects and real SQLite, with two holders (2 of 2) and a
// chain read from memory: the compute node only signs tickets and relays ciphertexts; the holders
// refuse to seal an HE key's share to anything but a non-node holder's registered key.
import { readFile } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { type Address, type Hex, bytesToHex, zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  type JobTicket,
  type KeyEscrowManifest,
  generateDataKey,
  generateKeyPair,
  jobTicketTypes,
  keyEscrowDomain,
  keyEscrowTypes,
  keyShareContext,
  splitDataKey,
} from '@datavault/sdk'
import { nodeSealToPublicKey } from '@datavault/sdk/node'
import {
  type HePacking,
  type HeReleaseDp,
  type OpenedHeBundle,
  type SealRuntime,
  encodeHeBundle,
  encodeHeReleaseRequest,
  encryptHeDataset,
  heReleaseTermsHash,
  loadSeal,
  openHeBundle,
  sha256Hex,
  signHeManifest,
} from '@datavault/sdk/he'
import { type HeWorkerPool, computeHeStatistics, heWorkerPool } from '@datavault/compute-to-data'
import { createLogger } from '../logger.ts'
import { nonceStore } from '../db/nonces.ts'
import type { NodeIdentity } from '../keys/node-identity.ts'
import { type KeyHolder, type KeyHolderChain, keyHolder } from './key-holder.ts'
import { heDecryptor } from './he-decryptor.ts'
import { openKeyHolderDatabase } from './start-key-holder.ts'

const chainId = 8996
const registry = '0x00000000000000000000000000000000000000f1' as Address
const dataset = '0x00000000000000000000000000000000000000d1' as Address
const owner = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const identity = (key: Hex): NodeIdentity => ({ account: privateKeyToAccount(key), encryption: generateKeyPair() })
const node = identity('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const holderA = identity('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')
const holderB = identity('0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a')
const logger = createLogger({ level: 'silent' })

/** 400 rows of two bounded columns. */
const columns = [
  { name: 'a', values: Array.from({ length: 400 }, (_, i) => ((i * 37) % 101) / 100), min: 0, max: 1 },
  { name: 'b', values: Array.from({ length: 400 }, (_, i) => ((i * 53) % 97) / 48.5 - 1), min: -1, max: 1 },
]
const plain = {
  sums: columns.map((column) => column.values.reduce((x, v) => x + v, 0)),
  products: [
    [0, 0],
    [0, 1],
    [1, 1],
  ].map(([i, j]) => columns[i!]!.values.reduce((x, v, r) => x + v * columns[j!]!.values[r]!, 0)),
}

const chain: KeyHolderChain = {
  chainId,
  registry,
  datasetState: async () => 'active',
  isComputeNode: async (address) => address.toLowerCase() === node.account.address.toLowerCase(),
  datatokenOwner: async () => owner.address,
  verifyOrder: async () => ({}),
  pools: {
    datatoken: async () => zeroAddress,
    isDatasetActive: async () => false,
    allowsProgram: async () => false,
    allowsBuyer: async () => false,
  },
  keyHolder: async (address) => {
    const entry = [holderA, holderB].find((holder) => holder.account.address.toLowerCase() === address.toLowerCase())
    if (!entry) return { encryptionKey: `0x${'00'.repeat(32)}`, url: '', active: false }
    return { encryptionKey: bytesToHex(entry.encryption.publicKey), url: `http://${address.toLowerCase()}`, active: true }
  },
}

let runtime: SealRuntime
let pool: HeWorkerPool
let bundle: OpenedHeBundle
let results: Uint8Array[]
let packing: HePacking
let holders: KeyHolder[]
let decryptor: ReturnType<ReturnType<typeof heDecryptor>>
let holderBReleases = 0
let holderADb: ReturnType<typeof openKeyHolderDatabase> | undefined

beforeAll(async () => {
  runtime = await loadSeal()
  pool = await heWorkerPool({ size: 1 })
  const dataKey = generateDataKey()
  const he = await encryptHeDataset(runtime, { columns, dataKey, minRows: 100 })
  bundle = await openHeBundle(encodeHeBundle({ ...he, signature: await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId }) }), { chainId, owner: owner.address })
  const stats = await computeHeStatistics(pool, { bundle, columns: ['a', 'b'] })
  results = stats.results
  packing = stats.packing

  // 2 of 2: holder A decrypts, holder B only releases its share (sealed to A's registered key).
  const split = await splitDataKey({ dataset, key: dataKey, threshold: 2, holders: 2 })
  const manifest: KeyEscrowManifest = {
    dataset,
    cid: 'bafkreihe',
    threshold: 2,
    holders: [holderA.account.address.toLowerCase() as Address, holderB.account.address.toLowerCase() as Address],
    shareCommitments: split.shareCommitments,
    keyCommitment: split.keyCommitment,
    computeNodes: [node.account.address.toLowerCase() as Address],
    trainers: ['he-stats', 'he-ridge'],
    issuedAt: 1n,
  }
  const signature = await owner.signTypedData({ domain: keyEscrowDomain({ chainId, registry }), types: keyEscrowTypes, primaryType: 'KeyEscrow', message: manifest })
  holders = []
  for (const [index, id] of [holderA, holderB].entries()) {
    const db = openKeyHolderDatabase(':memory:')
    if (index === 0) holderADb = db
    const holder = keyHolder()({ db, identity: id, chain, nonces: nonceStore({ db }), logger })
    const holderAddress = id.account.address.toLowerCase() as Address
    const sealedShare = nodeSealToPublicKey(id.encryption.publicKey, split.shares[index]!, { context: keyShareContext({ chainId, dataset, holder: holderAddress }) })
    await holder.escrow({ owner: owner.address, manifest, signature, sealedShare })
    holders.push(holder)
  }
  dataKey.fill(0)
  // Holder A reaches holder B over "HTTP": the request goes to B's release checks, as its route would.
  const fetch = (async (_url: string, init: RequestInit) => {
    holderBReleases++
    const { ticket, signature: ticketSignature } = JSON.parse(init.body as string) as { ticket: Record<string, string>; signature: Hex }
    try {
      const released = await holders[1]!.release({ ticket: { ...ticket, expiry: BigInt(ticket.expiry!) } as unknown as JobTicket, signature: ticketSignature })
      return Response.json({ index: released.index, sealedShare: bytesToHex(released.sealedShare) })
    } catch (error) {
      return Response.json({ error: { code: (error as { code?: string }).code } }, { status: 403 })
    }
  }) as typeof globalThis.fetch
  decryptor = heDecryptor({ fetch, runtime: async () => runtime })({ db: holderADb!, holder: holders[0]!, identity: holderA, chain, logger })
}, 120_000)
afterAll(() => pool?.close())

/** What the compute node sends: one ticket per holder, each naming holder A's key and the hash of exactly these results. */
async function request({
  manifestBytes = bundle.manifestBytes,
  results: sent = results,
  signedResults = sent,
  dp,
  jobKey = bytesToHex(holderA.encryption.publicKey),
  target = dataset,
  orderTx = bytesToHex(randomBytes(32)),
}: { manifestBytes?: Uint8Array; results?: Uint8Array[]; signedResults?: Uint8Array[]; dp?: HeReleaseDp; jobKey?: Hex; target?: Address; orderTx?: Hex } = {}) {
  const manifestSignature = await signHeManifest(owner, { manifestBytes, chainId })
  const termsHash = heReleaseTermsHash({ manifestHash: sha256Hex(manifestBytes), columns: ['a', 'b'], dp, packing, results: signedResults })
  const jobId = `job-${bytesToHex(randomBytes(4))}`
  const tickets = await Promise.all(
    [holderA, holderB].map(async (holder) => {
      const ticket: JobTicket = {
        holder: holder.account.address.toLowerCase() as Address,
        dataset: target,
        pool: zeroAddress,
        jobId,
        orderTx,
        buyer: '0x00000000000000000000000000000000000000b1',
        trainerId: 'he-stats',
        trainerHash: `0x${'ab'.repeat(32)}`,
        termsHash,
        jobKey,
        expiry: BigInt(Math.floor(Date.now() / 1000) + 120),
        nonce: bytesToHex(randomBytes(16)),
      }
      const signature = await node.account.signTypedData({ domain: keyEscrowDomain({ chainId, registry }), types: jobTicketTypes, primaryType: 'JobTicket', message: ticket })
      return { ticket, signature }
    }),
  )
  return encodeHeReleaseRequest({
    dataset: target,
    columns: ['a', 'b'],
    dp,
    packing,
    manifestBytes,
    manifestSignature,
    sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'),
    results: sent,
    tickets,
  })
}

/** The bundle's manifest with changes, as the owner would sign it. */
const manifestWith = (changes: Record<string, unknown>) => new TextEncoder().encode(JSON.stringify({ ...bundle.manifest, ...changes }))

describe('heDecryptor', () => {
  test('default: the decrypting holder gathers the other share, decrypts in its process and returns flooded aggregates close to the plaintext ones', async () => {
    const before = holderBReleases
    const answer = await decryptor.release(await request())
    expect(holderBReleases).toBe(before + 1)
    expect(answer.floodingBits).toBe(20)
    expect(answer.dp).toBeUndefined()
    const expected = [...plain.sums, ...plain.products]
    expect(answer.values).toHaveLength(5)
    // Flooding σ = 2²⁰ × the CKKS error is of order 10⁻³–10⁻² on these sums of 400 rows.
    for (const [index, value] of answer.values.entries()) expect(Math.abs(value - expected[index]!)).toBeLessThan(0.1)
    // The holder's record names the job and the node that asked, never a value.
    expect(decryptor.releases(dataset)[0]).toMatchObject({ dataset, node: node.account.address.toLowerCase(), values: 5, dpEpsilon: null })
  })

  test('error: one release per order: a second one (fresh tickets, same order) is refused, so noise cannot be averaged away', async () => {
    const orderTx = bytesToHex(randomBytes(32))
    await decryptor.release(await request({ orderTx }))
    await expect(decryptor.release(await request({ orderTx }))).rejects.toMatchObject({ code: 'HE_ALREADY_RELEASED' })
  })

  test('error: a holder never seals an HE key\'s share to a compute node\'s job key (the node cannot rebuild the key)', async () => {
    const nodeJobKey = bytesToHex(generateKeyPair().publicKey)
    const body = await request({ jobKey: nodeJobKey })
    // The same tickets, sent straight to a holder by the node, as a plain share request.
    const { decodeHeReleaseRequest } = await import('@datavault/sdk/he')
    const { tickets } = decodeHeReleaseRequest(body)
    for (const [index, { ticket, signature }] of tickets.entries())
      await expect(holders[index]!.release({ ticket, signature })).rejects.toMatchObject({ code: 'HE_SHARE_TO_NODE_REFUSED' })
    // Nor to a holder that is also the dataset's compute node; nor does the decryptor accept tickets naming another key.
    await expect(decryptor.release(body)).rejects.toMatchObject({ code: 'HE_TICKET_MISMATCH' })
  })

  test('error: an escrow in which the compute node holds as many shares as the threshold is refused (the node could open the key)', async () => {
    const other = '0x00000000000000000000000000000000000000d2' as Address
    const key = generateDataKey()
    const split = await splitDataKey({ dataset: other, key, threshold: 1, holders: 2 })
    const manifest: KeyEscrowManifest = {
      dataset: other,
      cid: 'bafkreihe2',
      threshold: 1,
      holders: [holderA.account.address.toLowerCase() as Address, node.account.address.toLowerCase() as Address],
      shareCommitments: split.shareCommitments,
      keyCommitment: split.keyCommitment,
      computeNodes: [node.account.address.toLowerCase() as Address],
      trainers: ['he-stats'],
      issuedAt: 1n,
    }
    const signature = await owner.signTypedData({ domain: keyEscrowDomain({ chainId, registry }), types: keyEscrowTypes, primaryType: 'KeyEscrow', message: manifest })
    const holderAddress = holderA.account.address.toLowerCase() as Address
    const sealedShare = nodeSealToPublicKey(holderA.encryption.publicKey, split.shares[0]!, { context: keyShareContext({ chainId, dataset: other, holder: holderAddress }) })
    await holders[0]!.escrow({ owner: owner.address, manifest, signature, sealedShare })
    key.fill(0)
    await expect(decryptor.release(await request({ target: other }))).rejects.toMatchObject({ code: 'HE_NODE_HOLDS_KEY' })
  })

  test('error: a result swapped after the node signed the tickets is refused before any decryption', async () => {
    const swapped = [results[1]!, results[0]!, ...results.slice(2)]
    await expect(decryptor.release(await request({ results: swapped, signedResults: results }))).rejects.toMatchObject({ code: 'HE_TICKET_MISMATCH' })
  })

  test('error: below the owner-signed minimum rows nothing is decrypted', async () => {
    await expect(decryptor.release(await request({ manifestBytes: manifestWith({ minRows: 1000 }) }))).rejects.toMatchObject({ code: 'HE_TOO_FEW_ROWS' })
  })

  test('error: an oversized or malformed result is refused before SEAL parses it', async () => {
    const garbage = [new Uint8Array(64).fill(7), ...results.slice(1)]
    await expect(decryptor.release(await request({ results: garbage }))).rejects.toMatchObject({ code: 'HE_OBJECT_REFUSED' })
  })

  test('behavior: with the owner\'s privacy budget, a release without DP is refused and one with DP carries Gaussian noise calibrated to the signed bounds', async () => {
    const manifestBytes = manifestWith({ privacy: { epsilon: 5, delta: 1e-5 } })
    await expect(decryptor.release(await request({ manifestBytes }))).rejects.toMatchObject({ code: 'HE_DP_REQUIRED' })
    // Bounds a=[0,1], b=[-1,1]: sums 1, 2; a² 1, ab 2, b² 1 → Δ = √11.
    const answer = await decryptor.release(await request({ manifestBytes, dp: { noiseMultiplier: 2, delta: 1e-6 } }))
    expect(answer.dp?.sigma).toBeCloseTo(2 * Math.sqrt(11), 10)
    expect(answer.dp?.epsilon).toBeGreaterThan(0)
    expect(answer.dp?.epsilon).toBeLessThan(5)
    // Too little noise for the whole budget in one release: refused.
    await expect(decryptor.release(await request({ manifestBytes, dp: { noiseMultiplier: 0.1, delta: 1e-6 } }))).rejects.toMatchObject({ code: 'HE_DP_INSUFFICIENT' })
  })

  test('error: DP asked on columns without signed bounds is refused', async () => {
    const unbounded = manifestWith({ columns: bundle.manifest.columns.map(({ name, ciphertexts }) => ({ name, ciphertexts })) })
    await expect(decryptor.release(await request({ manifestBytes: unbounded, dp: { noiseMultiplier: 2, delta: 1e-6 } }))).rejects.toMatchObject({
      code: 'HE_DP_BOUNDS_MISSING',
    })
  })

  test('behavior: the node\'s HE module has no code path that receives a key: no key service, no share opening, no decryption', async () => {
    const source = await readFile(new URL('../he/he-job-inputs.ts', import.meta.url), 'utf8')
    for (const name of ['requestKey(', 'nodeOpenSealed', 'combineKeyShares', 'releaseHeAggregates', '.Decryptor(', '.SecretKey(', 'decryptBytes'])
      expect(source.includes(name), name).toBe(false)
  })
})
