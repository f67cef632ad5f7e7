import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, describe, expect, test } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { createLogger } from '../../logger.ts'
import { openDatabase } from '../../db/database.ts'
import { datasetStore } from '../../db/datasets.ts'
import { datatokenAccessConditions } from './conditions.ts'
import { classifyLitFailure, createLitNodeClient, dropLitSecretLogs, litSessionKey, litSignatureLogLine, safeLitCause } from './lit-client.ts'
import { litKeyEscrowMigrations, litKeyService, litResourceId } from './lit-key-service.ts'

const require = createRequire(import.meta.url)
const here = dirname(fileURLToPath(import.meta.url))
const nodeAccount = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const datatoken = '0x5FbDB2315678afecb367f032d93F642f64180aa3'

// These tests use the real @lit-protocol packages. No Lit network can be reached from here, so
// what they show is that the module loads, fails as unreachable within a bound, and computes
// what Lit computes; decryption itself is covered against a double in lit-key-service.test.ts.
describe('the real Lit client (@lit-protocol/lit-node-client 7.4)', () => {
  const db = openDatabase(':memory:')
  afterAll(() => db.close())

  test('behavior: loads, and a key request on an unreachable Lit network fails LIT_UNREACHABLE within the connect timeout', async () => {
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'lit_key_escrows'").get()) for (const sql of litKeyEscrowMigrations) db.exec(sql)
    const dataset = datasetStore({ db }).register({
      datatoken,
      cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
      owner: '0x90F79bf6EB2c4f870365E785982E1f101E93b906',
      name: 'n',
      description: '',
      schema: { format: 'csv', columns: [{ name: 'bpm', type: 'number' }] },
      policy: { trainers: ['logistic-regression'], maxEpochs: 10, maxWallTimeSeconds: 60, maxMemoryMb: 256, rawDownload: false, maxOutputBytes: 1 << 20, onViolation: 'retry' },
      size: 1,
    })
    const lines: string[] = []
    const keys = litKeyService({ chainId: 137, network: 'datil-dev', connectTimeoutMs: 3000 })({
      db,
      identity: { account: nodeAccount },
      chain: { verifyOrder: async () => ({}) as never },
      logger: createLogger({ destination: { write: (line: string) => void lines.push(line) } }),
      approvals: { isApproved: () => false },
    })
    const key = randomBytes(32)
    await keys.escrow({
      dataset,
      escrow: {
        ciphertext: randomBytes(150).toString('base64'),
        dataToEncryptHash: createHash('sha256').update(key).digest('hex'),
        unifiedAccessControlConditions: datatokenAccessConditions({ datatoken, chainId: 137, node: nodeAccount.address }),
        chain: 'polygon',
      },
    })
    const started = Date.now()
    const job = {
      id: 'job-1',
      datasetId: dataset.id,
      buyer: nodeAccount.address,
      orderTx: `0x${'ab'.repeat(32)}` as const,
      trainer: { id: 'logistic-regression', version: '1', hash: `0x${'cd'.repeat(32)}` as const },
      params: {},
      state: 'provisioning' as const,
      timings: {},
      createdAt: '',
      updatedAt: '',
    }
    await expect(keys.requestKey({ job, dataset })).rejects.toMatchObject({ name: 'KeyReleaseError', code: 'LIT_UNREACHABLE', status: 503, message: expect.stringContaining('datil-dev') })
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(lines.join('')).toContain('could not connect to Lit')
    await keys.disconnect()
  }, 20_000)

  test('behavior: our decryption resource is the identity the real client encrypts under', async () => {
    const { LitNodeClient } = await import('@lit-protocol/lit-node-client')
    const client = new LitNodeClient({ litNetwork: 'datil-dev', debug: false })
    const conditions = datatokenAccessConditions({ datatoken, chainId: 1, node: nodeAccount.address })
    const key = new Uint8Array(randomBytes(32))
    const resource = await client.getLitResourceForEncryption({ unifiedAccessControlConditions: conditions, dataToEncrypt: key, chain: 'ethereum' })
    expect(resource.resource).toBe(await litResourceId(conditions, createHash('sha256').update(key).digest('hex')))
    expect(resource.resource).toMatch(/^[0-9a-f]{64}\/[0-9a-f]{64}$/)
  })

  test('behavior: createLitNodeClient builds the real client, not yet connected, with the log filter on', async () => {
    const client = await createLitNodeClient({ network: 'datil-dev', connectTimeoutMs: 1000 })
    expect(client.constructor.name).toBe('LitNodeClient')
    expect((client as unknown as { ready: boolean }).ready).toBe(false)
    expect((console as unknown as Record<symbol, unknown>)[Symbol.for('datavault.keys.lit.console-filter')]).toBe(true)
  })

  test('behavior: the line Lit 7.4 prints the decryption signature with is the one the filter drops', async () => {
    const source = await readFile(join(dirname(require.resolve('@lit-protocol/crypto')), 'lib', 'crypto.js'), 'utf8')
    expect(source).toContain(`console.log('${litSignatureLogLine}', signature)`)
    const printed: unknown[][] = []
    const target = { log: (...args: unknown[]) => void printed.push(args) } as unknown as Console
    dropLitSecretLogs(target)
    dropLitSecretLogs(target)
    target.log(litSignatureLogLine, 'a1b2c3')
    target.log('ready', 1)
    expect(printed).toStrictEqual([['ready', 1]])
  })

  test('behavior: our session key is a NaCl ed25519 pair, as Lit signs sessions with it', async () => {
    const { nacl } = await import('@lit-protocol/nacl')
    const { publicKey, secretKey } = litSessionKey()
    const secret = Buffer.from(secretKey, 'hex')
    expect(secret.byteLength).toBe(64)
    expect(Buffer.from(nacl.sign.keyPair.fromSecretKey(secret).publicKey).toString('hex')).toBe(publicKey)
    const message = new TextEncoder().encode('session')
    expect(nacl.sign.detached.verify(message, nacl.sign.detached(message, secret), Buffer.from(publicKey, 'hex'))).toBe(true)
    expect(litSessionKey().publicKey).not.toBe(publicKey)
  })

  test('behavior: Lit\'s own errors classify, and their causes keep only names and codes', async () => {
    const constants = await import('@lit-protocol/constants')
    const refused = new constants.NodeError(
      { info: { requestId: 'r', errorCode: 'NodeAccessControlConditionsReturnedNotAuthorized', params: { sessionSigs: { n: { sig: 'SECRET-SIG' } } } }, cause: { errorCode: 'x' } },
      'There was an error getting the signing shares from the nodes. Response from the nodes: %s',
      '{}',
    )
    expect(classifyLitFailure(refused)).toBe('condition-not-met')
    expect(classifyLitFailure(new constants.LitNodeClientNotReadyError({}, 'not ready'))).toBe('unreachable')
    expect(classifyLitFailure(new constants.InvalidArgumentException({ info: {} }, 'bad'))).toBe('failed')
    expect(safeLitCause(refused).message).toBe('Lit client failure: NodeError, code node_error, kind Unknown, node error NodeAccessControlConditionsReturnedNotAuthorized')
    expect(safeLitCause(refused).message).not.toContain('SECRET-SIG')
  })
})

describe('loading', () => {
  test('behavior: the Lit backend\'s modules load no @lit-protocol package until a client is made', async () => {
    const index = join(here, 'index.ts')
    const script = `
      import { createRequire } from 'node:module'
      const require = createRequire(${JSON.stringify(index)})
      const loaded = () => Object.keys(require.cache).filter((path) => path.includes('@lit-protocol')).length
      const lit = await import(${JSON.stringify(index)})
      const logger = { child: () => logger, info() {}, warn() {} }
      lit.litKeyService({ chainId: 137, network: 'datil' })({ db: {}, identity: { account: { address: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } }, chain: {}, logger, approvals: {} })
      lit.datatokenAccessConditions({ datatoken: '${datatoken}', chainId: 137, node: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' })
      const before = loaded()
      await lit.createLitNodeClient({ network: 'datil-dev', connectTimeoutMs: 1000 })
      console.log(JSON.stringify({ before, after: loaded() }))
    `
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], { cwd: here, timeout: 30_000 })
    const { before, after } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { before: number; after: number }
    expect(before).toBe(0)
    expect(after).toBeGreaterThan(0)
  }, 40_000)
})
