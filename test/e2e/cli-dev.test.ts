// `datavault dev` as a user runs it: prints the URLs, then `ready`; writes dev.json; every part
// answers; SIGTERM stops everything and exits 0, leaving no chain process behind.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname

describe('datavault dev', () => {
  test('default: starts the stack, reports ready, and shuts down cleanly on SIGTERM', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-cli-'))
    const child = spawn(process.execPath, [launcher, 'dev', '--data-dir', dir, '--port', '0', '--chain-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.stderr.resume()
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 60_000)
        child.stdout.on('data', () => {
          if (/^ready\b/m.test(out)) (clearTimeout(timer), resolve())
        })
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)))
      })
      expect(out).toMatch(/rpc:\s+http:\/\/127\.0\.0\.1:\d+/)
      expect(out).toMatch(/vault:\s+http:\/\/127\.0\.0\.1:\d+/)
      const info = JSON.parse(await readFile(join(dir, 'dev.json'), 'utf8'))
      expect(info.chainId).toBe(8996)
      expect(info.accounts.map((a: { role: string }) => a.role)).toEqual(expect.arrayContaining(['deployer', 'owner', 'buyer']))
      expect((await fetch(`${info.vaultUrl}/v1/health`)).status).toBe(200)
      const chainId = await fetch(info.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) })
      expect((await chainId.json()).result).toBe('0x2324')

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      await expect(fetch(info.rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
      await expect(fetch(`${info.vaultUrl}/v1/health`)).rejects.toThrow()
    } finally {
      child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('args: --json prints one JSON document when ready (steps on stderr), and dev.json feeds the other commands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-cli-'))
    const child = spawn(process.execPath, [launcher, 'dev', '--data-dir', dir, '--port', '0', '--chain-port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no JSON document:\n${out}\n${err}`)), 60_000)
        child.stdout.on('data', () => {
          if (out.endsWith('\n')) (clearTimeout(timer), resolve())
        })
        child.once('exit', (code) => reject(new Error(`exited ${code}:\n${err}`)))
      })
      const ready = JSON.parse(out)
      expect(ready).toEqual({ rpcUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), vaultUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), chainId: 8996, keyHolders: [], keyThreshold: 1, devFile: join(dir, 'dev.json'), ready: true })
      expect(err).toMatch(/^ready in \d+ ms/m)
      // Another command finds the stack through the dev dir alone.
      const listed = spawn(process.execPath, [launcher, 'datasets', '--dev-dir', dir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '', HOME: dir } })
      let listedOut = ''
      listed.stdout.setEncoding('utf8').on('data', (text: string) => (listedOut += text))
      expect(await new Promise((resolve) => listed.once('close', resolve))).toBe(0)
      expect(JSON.parse(listedOut)).toEqual({ datasets: [] })

      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(out.trim().split('\n')).toHaveLength(1)
    } finally {
      child.kill('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('error: a bad port is a usage error with exit code 2', async () => {
    const child = spawn(process.execPath, [launcher, 'dev', '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
    expect(code).toBe(2)
    expect(err).toMatch(/--port must be a port number/)
  })

  test('error: a threshold above the number of key holders is a usage error with exit code 2', async () => {
    for (const [args, message] of [
      [['--keyholders', '3', '--threshold', '4'], /--threshold must be between 1 and --keyholders \(3\)/],
      [['--threshold', '2'], /--threshold must be between 1 and --keyholders \(0\)/],
      [['--keyholders', 'many'], /--keyholders must be a whole number/],
    ] as const) {
      const child = spawn(process.execPath, [launcher, 'dev', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
      expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(2)
      expect(err).toMatch(message)
    }
  })
})
