import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { createPublicClient, createWalletClient, http } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type LocalChain, localChainAccountBalance, localChainAccounts, startLocalChain } from './local-chain.ts'

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (predicate()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return predicate()
}

describe('startLocalChain', () => {
  let chain: LocalChain

  beforeAll(async () => {
    chain = await startLocalChain()
  })
  afterAll(async () => {
    await chain?.stop()
  })

  test('default', async () => {
    expect(chain.chainId).toBe(8996)
    expect(chain.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const client = createPublicClient({ transport: http(chain.rpcUrl) })
    expect(await client.getChainId()).toBe(8996)
    const served = await createWalletClient({ transport: http(chain.rpcUrl) }).getAddresses()
    expect(served.map((address) => address.toLowerCase())).toEqual(chain.accounts.map(({ address }) => address.toLowerCase()))
    expect(chain.accounts).toHaveLength(20)
    expect(await client.getBalance({ address: chain.accounts[19]!.address })).toBe(localChainAccountBalance)
  })

  test('behavior: accounts are the standard test mnemonic', () => {
    expect(localChainAccounts(1)[0]).toEqual({
      address: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
      privateKey: '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
    })
  })

  test('behavior: stop ends the node and is idempotent', async () => {
    const other = await startLocalChain()
    expect(isAlive(other.pid)).toBe(true)
    await other.stop()
    await other.stop()
    expect(isAlive(other.pid)).toBe(false)
  })

  test('behavior: the node dies with its parent (SIGKILL, no stop())', async () => {
    const moduleUrl = new URL('./local-chain.ts', import.meta.url).href
    const script = `const { startLocalChain } = await import(${JSON.stringify(moduleUrl)}); const c = await startLocalChain(); console.log(JSON.stringify({ pid: c.pid })); setInterval(() => {}, 1000)`
    const parent = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const childPid = await new Promise<number>((resolve, reject) => {
      let out = ''
      parent.stdout.on('data', (chunk) => {
        out += chunk
        const match = /\{"pid":(\d+)\}/.exec(out)
        if (match) resolve(Number(match[1]))
      })
      parent.once('exit', () => reject(new Error(`parent exited early: ${out}`)))
    })
    expect(isAlive(childPid)).toBe(true)
    parent.kill('SIGKILL')
    expect(await waitUntil(() => !isAlive(childPid), 5_000)).toBe(true)
  })

  test('error: port already in use', async () => {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      await expect(startLocalChain({ port })).rejects.toMatchObject({ name: 'LocalChainStartError', code: 'LOCAL_CHAIN_START_FAILED' })
    } finally {
      server.close()
    }
  })

  test('error: invalid port', async () => {
    await expect(startLocalChain({ port: 70_000 })).rejects.toMatchObject({ name: 'LocalChainStartError', code: 'LOCAL_CHAIN_START_FAILED' })
  })
})
