// `datavault keyholder` as an operator runs it, a process of its own beside a running stack: it
// refuses to start without gas to register itself, then registers on the KeyHolderRegistry,
// serves its API, and stops on SIGTERM; restarted, it keeps its keys.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { keyHolderRegistryAbi } from '@datavault/contracts/abis'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
let t: TestStack
let dir: string

beforeAll(async () => {
  t = await startTestStack()
  dir = await mkdtemp(join(tmpdir(), 'dv-holder-'))
})
afterAll(async () => {
  await t?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

function holder(args: string[]) {
  const child = spawn(process.execPath, [launcher, 'keyholder', '--data-dir', join(dir, 'holder'), '--port', '0', '--dev-dir', t.dir, '--json', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: dir },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
  const ready = new Promise<{ url: string; address: `0x${string}`; encryptionPublicKey: `0x${string}` }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready document:\n${out}\n${err}`)), 60_000)
    child.stdout.on('data', () => {
      if (out.endsWith('\n')) (clearTimeout(timer), resolve(JSON.parse(out)))
    })
    void exited.then((code) => (clearTimeout(timer), reject(new Error(`exited ${code}:\n${err}`))))
  })
  ready.catch(() => {})
  return { child, exited, ready, output: () => ({ out, err }) }
}

describe('datavault keyholder', () => {
  test('default: without gas it says so and exits; funded, it registers, serves, stops on SIGTERM, and keeps its keys', async () => {
    const unfunded = holder([])
    expect(await unfunded.exited).toBe(1)
    const address = unfunded.output().err.match(/The wallet (0x[0-9a-fA-F]{40}) has no gas/)?.[1] as `0x${string}` | undefined
    expect(address, unfunded.output().err).toBeDefined()

    const deployer = t.stack.accounts.find((account) => account.role === 'deployer')!
    const wallet = createWalletClient({ account: privateKeyToAccount(deployer.privateKey), transport: http(t.stack.rpcUrl) })
    const client = createPublicClient({ transport: http(t.stack.rpcUrl) })
    await client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: address!, value: parseEther('1'), chain: null }) })

    const running = holder([])
    const ready = await running.ready
    expect(ready.address.toLowerCase()).toBe(address!.toLowerCase())
    const info = (await (await fetch(`${ready.url}/v1/holder`)).json()) as { address: string; encryptionPublicKey: string; shares: number }
    expect(info).toMatchObject({ encryptionPublicKey: ready.encryptionPublicKey, shares: 0 })
    const registry = t.stack.addresses.KeyHolderRegistry as `0x${string}`
    expect(await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'keyHolder', args: [address!] })).toEqual([
      ready.encryptionPublicKey,
      ready.url,
      true,
    ])
    running.child.kill('SIGTERM')
    expect(await running.exited).toBe(0)

    // Restarted on another port: the same keys, the new URL registered.
    const again = holder([])
    const second = await again.ready
    expect(second.encryptionPublicKey).toBe(ready.encryptionPublicKey)
    expect((await client.readContract({ address: registry, abi: keyHolderRegistryAbi, functionName: 'keyHolder', args: [address!] }))[1]).toBe(second.url)
    again.child.kill('SIGTERM')
    expect(await again.exited).toBe(0)
  })

  test('error: a dev dir without a stack is a usage error that names it', async () => {
    const child = spawn(process.execPath, [launcher, 'keyholder', '--data-dir', join(dir, 'other'), '--dev-dir', join(dir, 'nowhere')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    })
    let err = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
    expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(2)
    expect(err).toMatch(/No dev.json in .*nowhere/)
  })
})
