// `datavault fund` against a real local chain (Hardhat EDR): test ETH for the wallet or any
// address; refused, with nothing changed, on a chain that is not a local dev chain.
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type LocalChain, startLocalChain } from '../../../contracts-devkit/src/local-chain.ts'

const launcher = new URL('../../bin/datavault.mjs', import.meta.url).pathname
let chain: LocalChain
let root: string

/** Runs the real CLI with a clean environment and no terminal. */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [launcher, ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: root, DATAVAULT_CONFIG_DIR: join(root, 'config'), ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function balanceOf(rpcUrl: string, address: string): Promise<bigint> {
  const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_getBalance', params: [address, 'latest'] }) })
  return BigInt(((await response.json()) as { result: string }).result)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dv-cli-fund-'))
  chain = await startLocalChain({ port: 0 })
}, 120_000)

afterAll(async () => {
  await chain?.stop()
  await rm(root, { recursive: true, force: true })
})

describe('datavault fund', () => {
  test('default: adds 10 test ETH to an address on the dev chain, and says the new balance', async () => {
    const address = '0x00000000000000000000000000000000000000f1'
    const first = await cli(['fund', address, '--rpc-url', chain.rpcUrl])
    expect(first.code, first.stderr).toBe(0)
    expect(first.stdout).toBe(`funded: ${address}\nadded:   10 ETH (test ETH, local dev chain)\nbalance: 10 ETH\n`)
    const second = await cli(['fund', address, '--eth', '2.5', '--rpc-url', chain.rpcUrl, '--json'])
    expect(second.code, second.stderr).toBe(0)
    expect(JSON.parse(second.stdout)).toEqual({ address, added: '2500000000000000000', balance: '12500000000000000000' })
    expect(await balanceOf(chain.rpcUrl, address)).toBe(12_500_000_000_000_000_000n)
  })

  test('error: a chain that is not a local dev chain is refused (exit 4), and nothing but hardhat_metadata is asked', async () => {
    // A "real" chain: answers the standard methods, says "method not found" to Hardhat's.
    const asked: string[] = []
    const server = createServer((request, response) => {
      let body = ''
      request.on('data', (chunk: Buffer) => (body += chunk))
      request.on('end', () => {
        const { id, method } = JSON.parse(body) as { id: number; method: string }
        asked.push(method)
        response.setHeader('content-type', 'application/json')
        response.end(JSON.stringify(method === 'eth_chainId' ? { jsonrpc: '2.0', id, result: '0x1' } : method === 'eth_getBalance' ? { jsonrpc: '2.0', id, result: '0x0' } : { jsonrpc: '2.0', id, error: { code: -32601, message: 'the method does not exist' } }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const refused = await cli(['fund', '0x00000000000000000000000000000000000000f2', '--rpc-url', `http://127.0.0.1:${port}`])
      expect(refused.code).toBe(4)
      expect(refused.stderr).toContain(`The chain at http://127.0.0.1:${port} is not a local test chain, so it cannot give test ETH.`)
      expect(refused.stderr).toContain('Test ETH exists only on the local chain that npx datavault dev runs.')
      expect(asked.filter((method) => method.startsWith('hardhat_') || method === 'eth_getBalance')).toEqual(['hardhat_metadata'])
    } finally {
      server.close()
    }
  })

  test('args: a bad amount or a bad address is a usage error (exit 2)', async () => {
    expect((await cli(['fund', '0x00000000000000000000000000000000000000f1', '--eth', 'lots', '--rpc-url', chain.rpcUrl])).code).toBe(2)
    expect((await cli(['fund', 'not-an-address', '--rpc-url', chain.rpcUrl])).code).toBe(2)
  })
})
