import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, test } from 'vitest'
import type { Job } from '@datavault/compute-to-data'
import { type KeyEscrowManifest, generateDataKey } from '@datavault/sdk'
import { encodeHeBundle, encryptHeDataset, heDefaultPacking, loadSeal, signHeManifest } from '@datavault/sdk/he'
import { createLogger } from '../logger.ts'
import { heJobInputs } from './he-job-inputs.ts'

const owner = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const node = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const holder = '0x00000000000000000000000000000000000000a1' as Address
const dataset = '0x00000000000000000000000000000000000000d5' as Address
const chainId = 8996

let bundle: Uint8Array
beforeAll(async () => {
  const he = await encryptHeDataset(await loadSeal(), { columns: [{ name: 'a', values: [1, 2, 3] }], dataKey: generateDataKey() })
  bundle = encodeHeBundle({ ...he, signature: await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId }) })
})

/** The node's HE inputs for one job, with `fetch` standing in for the decrypting holder. */
async function inputsWith(fetch: typeof globalThis.fetch, maxWaitMs = 10_000) {
  const escrow = { holders: [holder], computeNodes: [node.address.toLowerCase() as Address] } as unknown as KeyEscrowManifest
  const he = heJobInputs({ chainId, maxJobWallTimeSeconds: 600, maxJobMemoryMb: 1024, fetch, releaseRetry: { firstDelayMs: 1, maxDelayMs: 4, maxWaitMs } })({
    datasets: { require: () => ({ id: dataset, cid: 'bafkrei', owner: owner.address, size: bundle.byteLength, pool: null, policy: { maxWallTimeSeconds: 600, maxMemoryMb: 1024 }, schema: { columns: [] } }) as never },
    storage: { cat: async function* () { yield bundle } } as never,
    identity: { account: node } as never,
    registry: { registry: '0x00000000000000000000000000000000000000e1', keyHolder: async () => ({ active: true, url: 'http://holder', encryptionKey: `0x${'11'.repeat(32)}` }) } as never,
    escrow: () => escrow,
    logger: createLogger({ level: 'silent' }),
  })
  const job = { id: 'job-1', datasetId: dataset, buyer: '0x00000000000000000000000000000000000000b1', orderTx: `0x${'ab'.repeat(32)}`, trainer: { id: 'he-stats', hash: 'cd'.repeat(32) } } as unknown as Job
  const inputs = await he.open(job, { signal: new AbortController().signal })
  return inputs.homomorphic!
}

const release = (inputs: Awaited<ReturnType<typeof inputsWith>>) =>
  inputs.release({ results: [Uint8Array.of(1), Uint8Array.of(2)], packing: heDefaultPacking, columns: ['a'] }, { signal: new AbortController().signal })

describe('heJobInputs release', () => {
  test('behavior: while the decrypting holder cannot be reached, the release waits and tries again with fresh tickets', async () => {
    const bodies: Uint8Array[] = []
    let calls = 0
    const inputs = await inputsWith((async (_url: string, init: RequestInit) => {
      calls++
      bodies.push(new Uint8Array(await (init.body as Blob).arrayBuffer()))
      if (calls === 1) throw new TypeError('fetch failed')
      if (calls === 2) return Response.json({ error: { code: 'HOLDER_UNREACHABLE', message: 'A holder it asks is down.' } }, { status: 503 })
      return Response.json({ values: [6, 14] })
    }) as typeof globalThis.fetch)
    expect(Array.from(await release(inputs))).toEqual([6, 14])
    expect(calls).toBe(3)
    // Every try signs its own tickets (fresh nonce and expiry).
    expect(new Set(bodies.map((body) => Buffer.from(body).toString('hex'))).size).toBe(3)
  })

  test('error: a refusal is final: no second try', async () => {
    let calls = 0
    const inputs = await inputsWith((async () => {
      calls++
      return Response.json({ error: { code: 'HE_TOO_FEW_ROWS', message: 'Too few rows.' } }, { status: 403 })
    }) as typeof globalThis.fetch)
    await expect(release(inputs)).rejects.toMatchObject({ code: 'HE_TOO_FEW_ROWS' })
    expect(calls).toBe(1)
  })

  test('error: a holder that stays unreachable fails the release once the wait is over', async () => {
    let calls = 0
    const inputs = await inputsWith((async () => {
      calls++
      throw new TypeError('fetch failed')
    }) as typeof globalThis.fetch, 1000)
    await expect(release(inputs)).rejects.toMatchObject({ code: 'HOLDER_UNREACHABLE' })
    expect(calls).toBeGreaterThan(1)
  })
})
