import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { toJobEvent } from '../actions/vault/watchJob.ts'
import type { JobView } from '../api/schemas.ts'
import { createDataVaultClient } from './createDataVaultClient.ts'

// Hardhat's public test key #1: never holds value.
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d')

describe('createDataVaultClient', () => {
  test('default: vault, public and wallet clients on one chain, every action bound', () => {
    const client = createDataVaultClient({ node: 'http://127.0.0.1:8700/', chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 8996 }, account })
    expect(client.vault.url).toBe('http://127.0.0.1:8700')
    expect(client.chain.id).toBe(8996)
    expect(client.public.chain.id).toBe(8996)
    expect(client.wallet?.account.address).toBe(account.address)
    for (const action of ['searchDatasets', 'getDataset', 'buyAccess', 'orderDataset', 'submitJob', 'watchJob', 'cancelJob', 'downloadResult', 'publishDataset', 'earnings', 'listReceipts', 'approveAlgorithm'])
      expect(typeof (client as unknown as Record<string, unknown>)[action], action).toBe('function')
  })

  test('args: a viem chain; no account makes a read-only client', async () => {
    const { rpcChain } = await import('../chain/rpcChain.ts')
    const client = createDataVaultClient({ node: 'http://127.0.0.1:8700', chain: rpcChain({ chainId: 31337, rpcUrl: 'http://127.0.0.1:8545' }) })
    expect(client.chain.id).toBe(31337)
    expect(client.wallet).toBeUndefined()
    await expect(client.buyAccess({ dataset: account.address })).rejects.toMatchObject({ name: 'AccountRequiredError', code: 'ACCOUNT_REQUIRED' })
    await expect(client.earnings()).rejects.toMatchObject({ code: 'ACCOUNT_REQUIRED' })
  })

  test('behavior: extend keeps the bound actions and may replace one', async () => {
    const client = createDataVaultClient({ node: 'http://127.0.0.1:8700', chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 8996 }, account })
    const extended = client.extend(() => ({ getNode: async () => ({ chainId: 1 }) as never, hello: () => 'hi' })).extend((c) => ({ twice: () => c.hello() + c.hello() }))
    expect(extended.twice()).toBe('hihi')
    expect(typeof extended.orderDataset).toBe('function')
    expect(await extended.getNode()).toEqual({ chainId: 1 })
  })

  test('error: publishing without addresses, when the node does not serve them', async () => {
    // A node's whole info, without contract addresses (the SDK checks the info's shape).
    const info = { version: '0.1.0', chainId: 8996, address: account.address, encryptionPublicKey: `0x${'ab'.repeat(32)}`, trainers: [], maxUploadBytes: 1024 }
    const fetch = (async () => Response.json(info)) as typeof globalThis.fetch
    const client = createDataVaultClient({ node: 'http://node.invalid', chain: { rpcUrl: 'http://127.0.0.1:8545', chainId: 8996 }, account, fetch })
    await expect(client.addresses()).rejects.toMatchObject({ name: 'AddressesRequiredError', code: 'OCEAN_ADDRESSES_REQUIRED' })
    await expect(client.publishDataset({ data: 'a\n1\n', name: 'x', schema: { format: 'csv', columns: [{ name: 'a', type: 'number' }] }, policy: { trainers: ['linear-regression'] }, price: 1n })).rejects.toMatchObject({
      code: 'OCEAN_ADDRESSES_REQUIRED',
    })
    await expect(client.publishDataset({ data: '', name: 'x', schema: { format: 'csv', columns: [{ name: 'a', type: 'number' }] }, policy: { trainers: ['x'] } })).rejects.toMatchObject({
      name: 'PublishDatasetArgumentError',
      code: 'PUBLISH_DATASET_INVALID_ARGUMENT',
    })
  })
})

describe('toJobEvent', () => {
  const job = { id: 'j', state: 'queued' } as JobView
  test('default: one event per state, with the epoch while running and the reason when failed', () => {
    expect(toJobEvent(job)).toEqual({ type: 'queued', job })
    const running = { ...job, state: 'running' as const, progress: { epoch: 3, epochs: 10 } }
    expect(toJobEvent(running)).toEqual({ type: 'running', epoch: 3, epochs: 10, job: running })
    const failed = { ...job, state: 'failed' as const, failure: { code: 'cancelled', message: 'The buyer cancelled the job.' } }
    expect(toJobEvent(failed)).toMatchObject({ type: 'failed', reason: { code: 'cancelled' } })
    const finished = { ...job, state: 'finished' as const, metrics: { loss: 0.1 }, result: { files: [] } }
    expect(toJobEvent(finished)).toMatchObject({ type: 'finished', metrics: { loss: 0.1 }, files: [] })
  })
})

describe('the main entry', () => {
  test('behavior: browser-safe: no module reachable from src/index.ts imports a Node built-in or a Node-only package', () => {
    // shamir-secret-sharing picks Web Crypto or node:crypto through its package exports (browser/node conditions).
    const allowed = [/^viem(\/.*)?$/, /^zod(\/.*)?$/, /^@noble\//, /^shamir-secret-sharing$/, /^@datavault\/contracts\/(abis|addresses|verify-order|pool|errors)$/]
    const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
    const seen = new Set<string>()
    const problems: string[] = []
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const source = readFileSync(file, 'utf8')
      for (const [, specifier] of source.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/gm)) {
        if (!specifier) continue
        if (specifier.startsWith('.')) visit(resolve(dirname(file), specifier))
        else if (!allowed.some((pattern) => pattern.test(specifier))) problems.push(`${file.slice(root.length + 1)} imports ${specifier}`)
      }
    }
    visit(resolve(root, 'index.ts'))
    expect(seen.size).toBeGreaterThan(50)
    expect(problems).toEqual([])
  })
})
