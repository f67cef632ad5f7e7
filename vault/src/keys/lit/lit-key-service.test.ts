import { createHash, randomBytes } from 'node:crypto'
import { inspect } from 'node:util'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type Hex, verifyMessage } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { OrderNotFoundError } from '@datavault/contracts'
import type { Job } from '@datavault/compute-to-data'
import { createLogger } from '../../logger.ts'
import { type Database, openDatabase } from '../../db/database.ts'
import { type Dataset, datasetStore } from '../../db/datasets.ts'
import { datatokenAccessConditions } from './conditions.ts'
import { encryptDataKeyWithLit } from './encryptDataKeyWithLit.ts'
import type { LitClient } from './lit-client.ts'
import { type LitEscrow, type LitKeyServiceInit, litKeyEscrowMigrations, litKeyService, litResourceId } from './lit-key-service.ts'

const nodeAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const datatoken = '0x5FbDB2315678afecb367f032d93F642f64180aa3' as const
const otherDatatoken = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512' as const
const buyer = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' as const
const orderTx = `0x${'ab'.repeat(32)}` as const
const chainId = 137

type Session = { wallet: string; resources: string[]; expiration: string }

/**
 * A Lit network double. Lit's network cannot run here (no internet), so this stands in for its
 * nodes with the same client methods: it encrypts by keeping the plaintext under a random
 * ciphertext, checks session signatures the way the nodes do (the wallet's SIWE signature, the
 * ReCap granting decryption of the exact resource), evaluates our two condition kinds against
 * `balances`, and fails the way Lit's client fails (error shapes copied from @lit-protocol 7.4,
 * including their habit of carrying the request's parameters in `info`).
 */
function litNetworkDouble({ reachable = true, balances = new Map<string, bigint>() }: { reachable?: boolean; balances?: Map<string, bigint> } = {}) {
  let ready = false
  const stored = new Map<string, { plaintext: Uint8Array; conditions: string; dataToEncryptHash: string }>()
  const sessions = new Map<string, Session>()
  const calls = { connect: 0, getSessionSigs: 0, decrypt: 0, disconnect: 0 }
  const notReady = () => Object.assign(new Error('LitNodeClient is not ready.'), { name: 'LitNodeClientNotReadyError', code: 'lit_node_client_not_ready_error', kind: 'Unexpected' })
  const nodeError = (errorCode: string, params: unknown) =>
    Object.assign(new Error(`There was an error getting the signing shares from the nodes. Response from the nodes: {"errorCode":"${errorCode}"}`), {
      name: 'NodeError',
      code: 'node_error',
      kind: 'Unknown',
      info: { requestId: 'double', errorCode, message: 'refused', params },
      cause: { errorCode, errorKind: 'Validation', status: 401 },
    })
  const meets = (condition: Record<string, unknown>, wallet: string) => {
    const test = condition.returnValueTest as { comparator: string; value: string }
    if (condition.conditionType === 'evmContract' && condition.functionName === 'balanceOf')
      return (balances.get(`${String(condition.contractAddress).toLowerCase()}:${wallet.toLowerCase()}`) ?? 0n) >= BigInt(test.value)
    if (condition.conditionType === 'evmBasic' && condition.method === '') return wallet.toLowerCase() === test.value.toLowerCase()
    return false
  }

  const client: LitClient = {
    async connect() {
      calls.connect++
      if (!reachable) throw Object.assign(new Error('could not detect network (event="noNetwork", code=NETWORK_ERROR, version=providers/5.8.0)'), { code: 'NETWORK_ERROR', event: 'noNetwork' })
      ready = true
    },
    async disconnect() {
      calls.disconnect++
      ready = false
    },
    async encrypt({ unifiedAccessControlConditions, dataToEncrypt }) {
      if (!ready) throw notReady()
      const ciphertext = randomBytes(120).toString('base64')
      const dataToEncryptHash = createHash('sha256').update(dataToEncrypt).digest('hex')
      stored.set(ciphertext, { plaintext: new Uint8Array(dataToEncrypt), conditions: JSON.stringify(unifiedAccessControlConditions), dataToEncryptHash })
      return { ciphertext, dataToEncryptHash }
    },
    async getSessionSigs(params) {
      calls.getSessionSigs++
      if (!ready) throw notReady()
      const { LitAccessControlConditionResource, RecapSessionCapabilityObject } = await import('@lit-protocol/auth-helpers')
      if (!params.sessionKey) throw new Error('double: expected the caller to bring its session key')
      const uri = `lit:session:${params.sessionKey.publicKey}`
      const authSig = await params.authNeededCallback({
        chain: params.chain ?? 'ethereum',
        uri,
        expiration: params.expiration,
        nonce: `0x${'12'.repeat(32)}`,
        resourceAbilityRequests: params.resourceAbilityRequests,
        sessionKey: params.sessionKey,
      })
      // What Lit's nodes check of the wallet's signature.
      if (!(await verifyMessage({ address: authSig.address as Hex, message: authSig.signedMessage, signature: authSig.sig as Hex }))) throw new Error('double: bad wallet signature')
      const message = authSig.signedMessage
      if (!message.includes(`\n${authSig.address}\n`) || !message.includes(`URI: ${uri}`) || !message.includes(`Expiration Time: ${params.expiration}`))
        throw new Error('double: the SIWE message does not bind the wallet, session key and expiration')
      const recap = message.match(/- (urn:recap:[A-Za-z0-9_-]+)\s*$/)?.[1]
      if (!recap) throw new Error('double: no ReCap in the SIWE message')
      const capabilities = RecapSessionCapabilityObject.decode(recap)
      const resources = params.resourceAbilityRequests
        .filter((request) => capabilities.verifyCapabilitiesForResource(new LitAccessControlConditionResource(request.resource.resource), 'access-control-condition-decryption'))
        .map((request) => request.resource.resource)
      const sig = randomBytes(32).toString('hex')
      sessions.set(sig, { wallet: authSig.address, resources, expiration: params.expiration as string })
      return { 'https://double-node-1:443': { sig, derivedVia: 'litSessionSignViaNacl', signedMessage: JSON.stringify({ sessionKey: params.sessionKey.publicKey }), address: params.sessionKey.publicKey, algo: 'ed25519' } }
    },
    async decrypt(params) {
      calls.decrypt++
      if (!ready) throw notReady()
      const session = sessions.get(Object.values(params.sessionSigs ?? {})[0]?.sig ?? '')
      if (!session || Date.parse(session.expiration) < Date.now()) throw nodeError('NodeInvalidAuthSig', params)
      const conditions = params.unifiedAccessControlConditions ?? []
      const resource = await litResourceId(conditions as ReturnType<typeof datatokenAccessConditions>, params.dataToEncryptHash)
      if (!session.resources.includes(resource)) throw nodeError('NodeSIWECapabilityInvalid', params)
      const entry = stored.get(params.ciphertext)
      if (!entry || entry.conditions !== JSON.stringify(conditions) || entry.dataToEncryptHash !== params.dataToEncryptHash) throw nodeError('NodeDecryptionFailed', params)
      // Our conditions are `balance AND caller`; the double reads exactly that shape.
      const [balance, , caller] = conditions as Record<string, unknown>[]
      if (!balance || !caller || !meets(balance, session.wallet) || !meets(caller, session.wallet)) throw nodeError('NodeAccessControlConditionsReturnedNotAuthorized', params)
      return { decryptedData: new Uint8Array(entry.plaintext) }
    },
  }
  return { client, calls, balances }
}

type LogLine = Record<string, unknown> & { msg: string }

let db: Database
let dataset: Dataset
let lines: LogLine[]
let logText: () => string
const orders = new Set<string>([orderTx])
const fakeChain = {
  /** A small stand-in for `chain.verifyOrder`: known order transactions pass, others are not orders. */
  async verifyOrder({ txHash, datatoken: token, consumer }: { txHash: Hex; datatoken: `0x${string}`; consumer: `0x${string}` }) {
    if (!orders.has(txHash)) throw new OrderNotFoundError('missing')
    return { txHash, datatoken: token, consumer, payer: consumer, amount: 10n ** 18n, serviceIndex: 0n, blockNumber: 1n, timestamp: 1n }
  },
}

beforeEach(() => {
  db = openDatabase(':memory:')
  // Until the vault's own list appends it, apply the backend's table here.
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'lit_key_escrows'").get()) for (const sql of litKeyEscrowMigrations) db.exec(sql)
  const datasets = datasetStore({ db })
  dataset = datasets.register({
    datatoken,
    cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    owner: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    name: 'heart rate',
    description: '',
    schema: { format: 'csv', columns: [{ name: 'bpm', type: 'number' }] },
    policy: { trainers: ['logistic-regression'], maxEpochs: 10, maxWallTimeSeconds: 60, maxMemoryMb: 256, rawDownload: false, maxOutputBytes: 1 << 20, onViolation: 'retry' },
    size: 100,
  })
  lines = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } })
  logText = () => JSON.stringify(lines)
  setup = (init = {}, network = litNetworkDouble()) => {
    const keys = litKeyService({ chainId, network: 'datil-dev', createClient: async () => network.client, ...init })({
      db,
      identity: { account: nodeAccount },
      chain: fakeChain,
      logger,
      approvals: { isApproved: () => false },
    })
    return { keys, network }
  }
})
afterEach(() => db.close())

let setup: (init?: Partial<LitKeyServiceInit>, network?: ReturnType<typeof litNetworkDouble>) => { keys: ReturnType<ReturnType<typeof litKeyService>>; network: ReturnType<typeof litNetworkDouble> }

const job = (overrides: Partial<Job> = {}): Job => ({
  id: 'job-1',
  datasetId: datatoken.toLowerCase() as `0x${string}`,
  buyer,
  orderTx,
  trainer: { id: 'logistic-regression', version: '1', hash: `0x${'cd'.repeat(32)}` },
  params: {},
  state: 'provisioning',
  timings: {},
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  ...overrides,
})

/** The owner's side: a fresh data key encrypted with {@link encryptDataKeyWithLit} through the same double. */
async function ownerEscrow(network: ReturnType<typeof litNetworkDouble>, overrides: Partial<Parameters<typeof encryptDataKeyWithLit>[0]> = {}) {
  const dataKey = new Uint8Array(randomBytes(32))
  await network.client.connect()
  const escrow = await encryptDataKeyWithLit({ litClient: network.client, dataKey, datatoken, chainId, node: nodeAccount.address, ...overrides })
  await network.client.disconnect()
  return { dataKey, escrow }
}

const holdDatatoken = (network: ReturnType<typeof litNetworkDouble>, who: string = nodeAccount.address, amount = 10n ** 18n) =>
  network.balances.set(`${datatoken.toLowerCase()}:${who.toLowerCase()}`, amount)

describe('encryptDataKeyWithLit', () => {
  test('default: the escrow payload is Lit\'s ciphertext, its hash of the key, this dataset\'s conditions and Lit\'s chain name', async () => {
    const network = litNetworkDouble()
    const { dataKey, escrow } = await ownerEscrow(network)
    expect(escrow).toStrictEqual({
      ciphertext: expect.stringMatching(/^[A-Za-z0-9+/]+={0,2}$/),
      dataToEncryptHash: createHash('sha256').update(dataKey).digest('hex'),
      unifiedAccessControlConditions: datatokenAccessConditions({ datatoken, chainId, node: nodeAccount.address }),
      chain: 'polygon',
    })
  })

  test('error: a key that is not 32 bytes', async () => {
    const network = litNetworkDouble()
    await expect(encryptDataKeyWithLit({ litClient: network.client, dataKey: new Uint8Array(16), datatoken, chainId, node: nodeAccount.address })).rejects.toMatchObject({
      name: 'KeyReleaseError',
      code: 'LIT_ARGUMENT_INVALID',
    })
  })

  test('error: a client not connected is LIT_UNREACHABLE, and the key is not in the error', async () => {
    const network = litNetworkDouble()
    const dataKey = new Uint8Array(32).fill(7)
    const error = await encryptDataKeyWithLit({ litClient: network.client, dataKey, datatoken, chainId, node: nodeAccount.address }).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'KeyReleaseError', code: 'LIT_UNREACHABLE', status: 503 })
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain('7,7,7')
  })
})

describe('litKeyService', () => {
  test('default: escrow, then a job with a verified order gets the data key through Lit', async () => {
    const { keys, network } = setup()
    const { dataKey, escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    expect(keys.backend).toBe('lit')
    expect(keys.hasKey(dataset.id)).toBe(false)
    await keys.escrow({ dataset, escrow })
    expect(keys.hasKey(dataset.id)).toBe(true)
    expect(keys.hasKey(dataset.id.toUpperCase().replace('0X', '0x'))).toBe(true)
    const key = await keys.requestKey({ job: job(), dataset })
    expect(key).toStrictEqual(dataKey)
    expect(network.calls).toMatchObject({ connect: 2, getSessionSigs: 1, decrypt: 1 })
    await keys.disconnect()
    expect(network.calls.disconnect).toBe(2)
  })

  test('behavior: nothing about Lit is created until a key is requested, and one connection serves later requests', async () => {
    let created = 0
    const network = litNetworkDouble()
    const { keys } = setup({ createClient: async () => (created++, network.client) }, network)
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    await keys.revoke({ dataset: { ...dataset, id: otherDatatoken.toLowerCase() as `0x${string}` } })
    expect(created).toBe(0)
    await Promise.all([keys.requestKey({ job: job(), dataset }), keys.requestKey({ job: job({ id: 'job-2' }), dataset })])
    await keys.requestKey({ job: job({ id: 'job-3' }), dataset })
    expect(created).toBe(1)
    expect(network.calls.connect).toBe(2) // the owner's, and the node's one
  })

  test('behavior: escrowing again replaces the escrow (rotation is a new encryption)', async () => {
    const { keys, network } = setup()
    holdDatatoken(network)
    const first = await ownerEscrow(network)
    await keys.escrow({ dataset, escrow: first.escrow })
    const second = await ownerEscrow(network)
    await keys.escrow({ dataset, escrow: second.escrow })
    expect(await keys.requestKey({ job: job(), dataset })).toStrictEqual(second.dataKey)
    expect({ ...db.prepare('SELECT COUNT(*) AS n FROM lit_key_escrows').get() }).toStrictEqual({ n: 1 })
  })

  test('behavior: the session signatures come from the node\'s wallet and grant decryption of this escrow only', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    const sessions: unknown[] = []
    const getSessionSigs = network.client.getSessionSigs
    network.client.getSessionSigs = async (params) => {
      sessions.push({ chain: params.chain, resources: params.resourceAbilityRequests.map((r) => [r.resource.getResourceKey(), r.ability]), expiration: Date.parse(params.expiration) - Date.now() })
      return getSessionSigs(params)
    }
    await keys.requestKey({ job: job(), dataset })
    const resource = await litResourceId(escrow.unifiedAccessControlConditions as ReturnType<typeof datatokenAccessConditions>, escrow.dataToEncryptHash)
    expect(sessions).toStrictEqual([
      { chain: 'polygon', resources: [[`lit-accesscontrolcondition://${resource}`, 'access-control-condition-decryption']], expiration: expect.any(Number) },
    ])
    expect((sessions[0] as { expiration: number }).expiration).toBeLessThanOrEqual(300_000)
  })

  test('error: a client asking the wallet to sign in for something other than a Lit session key gets no signature', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    let signed: unknown
    network.client.getSessionSigs = async (params) => {
      signed = await params.authNeededCallback({ chain: 'polygon', uri: 'https://example.org/login', expiration: params.expiration, nonce: '0x00', resourceAbilityRequests: params.resourceAbilityRequests })
      return {}
    }
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_REQUEST_FAILED', status: 502 })
    expect(signed).toBeUndefined()
  })

  test('behavior: Lit\'s failure details (session signatures, ciphertext, the request) reach neither the error nor the logs', async () => {
    const { keys, network } = setup()
    const { escrow, dataKey } = await ownerEscrow(network)
    await keys.escrow({ dataset, escrow }) // the node holds no datatoken: Lit refuses
    const error = (await keys.requestKey({ job: job(), dataset }).catch((e: unknown) => e)) as Error
    // What an operator could see: the error in full (its cause chain, every own field) and the logs.
    const seen = `${inspect(error, { depth: 20, showHidden: true })}\n${logText()}`
    expect(seen).not.toContain(escrow.ciphertext)
    expect(seen).not.toContain('litSessionSignViaNacl')
    expect(seen).not.toContain(Buffer.from(dataKey).toString('hex'))
    expect(String(error.cause)).toContain('NodeAccessControlConditionsReturnedNotAuthorized')
  })

  test('error: the node does not hold the datatoken: LIT_CONDITION_NOT_MET', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network, buyer) // the buyer's balance does not open it: the conditions name the node
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'LIT_CONDITION_NOT_MET', status: 403 })
    expect(lines.at(-1)).toMatchObject({ msg: 'Lit did not release the data key', code: 'LIT_CONDITION_NOT_MET' })
  })

  test('error: a balance under the minimum: LIT_CONDITION_NOT_MET', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network, nodeAccount.address, 10n ** 18n - 1n)
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_CONDITION_NOT_MET' })
  })

  test('error: an unreachable Lit network: LIT_UNREACHABLE (503, names the network), and the next request tries again', async () => {
    const unreachable = litNetworkDouble({ reachable: false })
    const { keys } = setup({}, unreachable)
    const { escrow } = await ownerEscrow(litNetworkDouble())
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({
      name: 'KeyReleaseError',
      code: 'LIT_UNREACHABLE',
      status: 503,
      message: expect.stringContaining('datil-dev'),
    })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_UNREACHABLE' })
    expect(unreachable.calls.connect).toBe(2)
  })

  test('error: a connection that never answers is LIT_UNREACHABLE after the connect timeout', async () => {
    const network = litNetworkDouble()
    network.client.connect = () => new Promise(() => {})
    const { keys } = setup({ connectTimeoutMs: 200 }, network)
    const { escrow } = await ownerEscrow(litNetworkDouble())
    await keys.escrow({ dataset, escrow })
    const started = Date.now()
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_UNREACHABLE' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  test('error: a Lit client that cannot be loaded is LIT_CLIENT_UNAVAILABLE, and loading is tried again', async () => {
    let tries = 0
    const { keys } = setup({
      createClient: async () => {
        tries++
        throw Object.assign(new Error("Cannot find package '@lit-protocol/lit-node-client'"), { code: 'ERR_MODULE_NOT_FOUND' })
      },
    })
    const { escrow } = await ownerEscrow(litNetworkDouble())
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'LIT_CLIENT_UNAVAILABLE', status: 500 })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_CLIENT_UNAVAILABLE' })
    expect(tries).toBe(2)
  })

  test('error: a revoked dataset gets no key, and Lit is not asked', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    const revoked = datasetStore({ db }).revoke(dataset.id)
    await keys.revoke({ dataset: revoked })
    expect(keys.hasKey(dataset.id)).toBe(false)
    await expect(keys.requestKey({ job: job(), dataset: revoked })).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'DATASET_REVOKED', status: 410 })
    await expect(keys.escrow({ dataset: revoked, escrow })).rejects.toMatchObject({ code: 'DATASET_REVOKED' })
    expect(network.calls.getSessionSigs).toBe(0)
  })

  test('error: revoked on the node but not yet marked: the ciphertext is gone, KEY_NOT_ESCROWED', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    await keys.escrow({ dataset, escrow })
    await keys.revoke({ dataset })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'KEY_NOT_ESCROWED', status: 409 })
  })

  test('error: no order on chain: the real OrderNotFoundError, and Lit is not asked', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job({ orderTx: `0x${'01'.repeat(32)}` }), dataset })).rejects.toMatchObject({ name: 'OrderNotFoundError', code: 'ORDER_NOT_FOUND', status: 402 })
    expect(network.calls.getSessionSigs).toBe(0)
  })

  test('error: a trainer the policy does not allow, a job for another dataset', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    await expect(keys.requestKey({ job: job({ trainer: { id: 'mlp-classifier', version: '1', hash: `0x${'cd'.repeat(32)}` } }), dataset })).rejects.toMatchObject({ code: 'KEY_POLICY_DENIED' })
    await expect(keys.requestKey({ job: job({ datasetId: otherDatatoken.toLowerCase() as `0x${string}` }), dataset })).rejects.toMatchObject({ code: 'KEY_DATASET_MISMATCH' })
    expect(network.calls.getSessionSigs).toBe(0)
  })

  test('error: an aborted job ends with its abort reason, not a Lit error', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    await keys.escrow({ dataset, escrow })
    const controller = new AbortController()
    controller.abort(new Error('job cancelled'))
    await expect(keys.requestKey({ job: job(), dataset, signal: controller.signal })).rejects.toThrow('job cancelled')
  })

  test('error: Lit answering with other bytes than the escrowed key is refused (LIT_REQUEST_FAILED)', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    holdDatatoken(network)
    await keys.escrow({ dataset, escrow })
    const decrypt = network.client.decrypt
    network.client.decrypt = async (params) => ({ decryptedData: (await decrypt(params)).decryptedData.map((byte) => byte ^ 1) })
    await expect(keys.requestKey({ job: job(), dataset })).rejects.toMatchObject({ code: 'LIT_REQUEST_FAILED', status: 502 })
  })

  test('error: an escrow whose conditions gate on another datatoken is refused', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network, { datatoken: otherDatatoken })
    await expect(keys.escrow({ dataset, escrow })).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'LIT_ESCROW_INVALID', status: 400 })
    expect(keys.hasKey(dataset.id)).toBe(false)
  })

  test('error: an escrow gated on another node, a lower minimum, or extra conditions is refused', async () => {
    const { keys, network } = setup()
    const otherNode = await ownerEscrow(network, { node: buyer })
    const lower = await ownerEscrow(network, { minimum: 1n })
    const base = (await ownerEscrow(network)).escrow
    const widened: LitEscrow = {
      ...base,
      unifiedAccessControlConditions: [...base.unifiedAccessControlConditions, { operator: 'or' }, { ...(base.unifiedAccessControlConditions[2] as object), returnValueTest: { comparator: '=', value: buyer } }],
    }
    for (const escrow of [otherNode.escrow, lower.escrow, widened]) await expect(keys.escrow({ dataset, escrow })).rejects.toMatchObject({ code: 'LIT_ESCROW_INVALID' })
    expect(keys.hasKey(dataset.id)).toBe(false)
  })

  test('error: a malformed escrow payload is LIT_ESCROW_INVALID', async () => {
    const { keys, network } = setup()
    const { escrow } = await ownerEscrow(network)
    const malformed: unknown[] = [
      undefined,
      { sealedKey: new Uint8Array(48) },
      { ...escrow, ciphertext: 'not base64!' },
      { ...escrow, dataToEncryptHash: `0x${escrow.dataToEncryptHash}` },
      { ...escrow, unifiedAccessControlConditions: [] },
      { ...escrow, chain: 'ethereum' },
      { ...escrow, extra: true },
    ]
    for (const payload of malformed) await expect(keys.escrow({ dataset, escrow: payload }), JSON.stringify(payload)).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'LIT_ESCROW_INVALID', status: 400 })
    expect(keys.hasKey(dataset.id)).toBe(false)
  })

  test('error: a chain Lit does not read fails when the backend is built (LIT_CHAIN_UNSUPPORTED)', () => {
    expect(() => litKeyService({ chainId: 8996, network: 'datil-dev' })).toThrow(expect.objectContaining({ name: 'KeyReleaseError', code: 'LIT_CHAIN_UNSUPPORTED' }))
  })
})
