// `datavault node` as an operator runs it: a process of its own against a running chain, with its
// settings from DATAVAULT_* variables and flags. Without gas it says which wallet to fund; funded,
// it registers, serves `GET /v1/node`, stops on SIGTERM with exit 0 and starts again from the same
// data dir with the same identity; a bad setting is named, with exit code 2.
import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keyHolderRegistryAbi } from '@datavault/contracts/abis'
import { type NodeInfo, getJob, submitJob } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
let t: TestStack
let dir: string

beforeAll(async () => {
  t = await startTestStack()
  dir = await mkdtemp(join(tmpdir(), 'dv-node-'))
})
afterAll(async () => {
  await t?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

type Ready = { url: string; publicUrl: string; address: `0x${string}`; chainId: number; dataDir: string; ready: true }

/** Starts `datavault node` with the chain's settings in the environment (as a container gets them) and `args`. */
function node(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [launcher, 'node', '--port', '0', '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: dir,
      DATAVAULT_DATA_DIR: join(dir, 'node'),
      DATAVAULT_RPC_URL: t.stack.rpcUrl,
      DATAVAULT_CHAIN_ID: String(t.stack.chainId),
      DATAVAULT_ADDRESSES_FILE: t.stack.addressesFile,
      DATAVAULT_LOG_LEVEL: 'warn',
      ...env,
    },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready document:\n${out}\n${err}`)), 90_000)
    child.stdout.on('data', () => {
      if (!out.endsWith('\n')) return
      clearTimeout(timer)
      try {
        resolve(JSON.parse(out) as Ready)
      } catch {
        reject(new Error(`not a ready document:\n${out}`))
      }
    })
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`exited ${code}:\n${err}`))))
  })
  ready.catch(() => {})
  return { child, exited, ready, output: () => ({ out, err }) }
}

describe('datavault node', () => {
  test('default: without gas it names the wallet to fund; funded, it registers, serves, stops on SIGTERM and restarts from its data dir', async () => {
    const unfunded = node([])
    expect(await unfunded.exited).toBe(1)
    const address = unfunded.output().err.match(/The wallet (0x[0-9a-fA-F]{40}) has no gas/)?.[1] as `0x${string}` | undefined
    expect(address, unfunded.output().err).toBeDefined()

    const deployer = t.stack.accounts.find((account) => account.role === 'deployer')!
    const wallet = createWalletClient({ account: privateKeyToAccount(deployer.privateKey), transport: http(t.stack.rpcUrl) })
    const client = createPublicClient({ transport: http(t.stack.rpcUrl) })
    await client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: address!, value: parseEther('1'), chain: null }) })

    const running = node([])
    const ready = await running.ready
    expect(ready).toMatchObject({ address, chainId: t.stack.chainId, dataDir: join(dir, 'node'), ready: true })
    expect(ready.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(running.output().err).toMatch(new RegExp(`vault node ${address} listening at ${ready.url}\\nready in \\d+ ms`))
    const info = (await (await fetch(`${ready.url}/v1/node`)).json()) as NodeInfo
    expect(info).toMatchObject({ address, chainId: t.stack.chainId })
    expect(info.trainers.map((trainer) => trainer.id)).toContain('logistic-regression')
    const registry = t.stack.addresses.KeyHolderRegistry as `0x${string}`
    expect(await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [address!] })).toEqual([ready.url, true])
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)
    expect(running.output().err).toMatch(/SIGTERM: stopping[^\n]*\nstopped\n/)
    await expect(fetch(`${ready.url}/v1/node`)).rejects.toThrow()
    // The data dir is intact: its identity, its database.
    expect((await stat(join(dir, 'node', 'keys', 'node.json'))).isFile()).toBe(true)
    expect((await stat(join(dir, 'node', 'vault.sqlite'))).isFile()).toBe(true)

    // Restarted with flags over the environment: the same identity, the new URL registered; SIGINT stops it too.
    const again = node(['--host', '127.0.0.1', '--public-url', 'http://vault.test:8700', '--log-level', 'error'])
    const second = await again.ready
    expect(second.address).toBe(address)
    expect(second.publicUrl).toBe('http://vault.test:8700')
    expect(await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'computeNode', args: [address!] })).toEqual(['http://vault.test:8700', true])
    again.child.kill('SIGINT')
    expect(await again.exited).toBe(0)
  })

  test('behavior: run on the dev stack\'s node data dir, SIGTERM ends a running job as interrupted (order released), exit 0; restarted, the dataset is still there', async () => {
    // The stack's node, stopped; the same data dir, port and chain served by the command instead.
    await t.stack.node.stop()
    const env = { DATAVAULT_DATA_DIR: join(t.dir, 'node') }
    const port = new URL(t.stack.vaultUrl).port
    const first = node(['--port', port], env)
    expect((await first.ready).address).toBe(t.stack.nodeAddress)

    const dataset = await t.publish({
      csv: healthCsv({ rows: 2000, seed: 5 }),
      schema: healthSchema('binary'),
      policy: { trainers: ['mlp-classifier'], maxEpochs: 1000, maxWallTimeSeconds: 600 },
    })
    const orderTx = await t.buyAndOrder(dataset)
    const job = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'mlp-classifier' }, params: { label: 'risk', epochs: 1000, hidden: [64, 64] }, orderTx })
    for (let state = ''; state !== 'running'; ) {
      state = (await getJob(t.buyer.vault, { id: job.id })).state
      expect(['queued', 'provisioning', 'running'], state).toContain(state)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    const stopping = Date.now()
    first.child.kill('SIGTERM')
    expect(await first.exited).toBe(0)
    expect(Date.now() - stopping).toBeLessThan(10_000)

    const second = node(['--port', port], env)
    await second.ready
    const after = await getJob(t.buyer.vault, { id: job.id })
    expect(after).toMatchObject({ state: 'failed', failure: { code: 'interrupted' } })
    // Its order is released: the same order runs the job again, short this time.
    const again = await submitJob(t.buyer.vault, { dataset: dataset.datatoken, trainer: { id: 'mlp-classifier' }, params: { label: 'risk', epochs: 2, hidden: [4] }, orderTx })
    for (let state = ''; state !== 'finished'; ) {
      state = (await getJob(t.buyer.vault, { id: again.id })).state
      expect(state).not.toBe('failed')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    second.child.kill('SIGTERM')
    expect(await second.exited).toBe(0)
  })

  test('args: --help shows the usage, every flag and its variable, and examples; the top-level help lists node', async () => {
    const help = node(['--help'])
    expect(await help.exited).toBe(0)
    const { out } = help.output()
    expect(out).toMatch(/^Usage:\n\s+datavault node/m)
    expect(out).toMatch(/Examples:\n\s+datavault node\s/)
    for (const [flag, variable] of [['--data-dir', 'DATAVAULT_DATA_DIR'], ['--host', 'DATAVAULT_HOST'], ['--port', 'DATAVAULT_PORT'], ['--rpc-url', 'DATAVAULT_RPC_URL'], ['--chain-id', 'DATAVAULT_CHAIN_ID'], ['--addresses-file', 'DATAVAULT_ADDRESSES_FILE'], ['--environments-file', 'DATAVAULT_ENVIRONMENTS_FILE'], ['--log-level', 'DATAVAULT_LOG_LEVEL']])
      expect(out).toMatch(new RegExp(`^  ${flag} .*\\(${variable}`, 'm'))
    const top = spawn(process.execPath, [launcher, '--help'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let text = ''
    top.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    expect(await new Promise((resolve) => top.once('exit', resolve))).toBe(0)
    expect(text).toMatch(/^  node\s+run a production vault node/m)
  })

  test('error: a bad setting is named by its variable and flag, with exit code 2', async () => {
    const badFlag = node(['--chain-id', 'mainnet'])
    expect(await badFlag.exited).toBe(2)
    expect(badFlag.output().err).toMatch(/Bad node setting: DATAVAULT_CHAIN_ID \(--chain-id\): /)

    const badVariable = node([], { DATAVAULT_RPC_URL: 'not a url', DATAVAULT_CONCURRENCY: '0' })
    expect(await badVariable.exited).toBe(2)
    expect(badVariable.output().err).toMatch(/Bad node settings: .*DATAVAULT_RPC_URL \(--rpc-url\): Invalid URL/)
    expect(badVariable.output().err).toMatch(/DATAVAULT_CONCURRENCY \(--concurrency\): /)

    const missing = node([], { DATAVAULT_RPC_URL: '' })
    expect(await missing.exited).toBe(2)
    expect(missing.output().err).toMatch(/DATAVAULT_RPC_URL \(--rpc-url\): /)

    const noAddresses = node(['--addresses', join(dir, 'nowhere.json')])
    expect(await noAddresses.exited).toBe(2)
    expect(noAddresses.output().err).toMatch(/Bad node setting: DATAVAULT_ADDRESSES_FILE \(--addresses-file\): .*\n.*nowhere\.json/)

    const unknownFlag = node(['--rpc', 'http://127.0.0.1:1'])
    expect(await unknownFlag.exited).toBe(2)
    expect(unknownFlag.output().err).toMatch(/--rpc/)
  })
})
