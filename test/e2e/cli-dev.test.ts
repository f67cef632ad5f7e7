// `datavault dev` as a user runs it: prints the URLs, then `ready`; writes dev.json; every part
// answers; SIGTERM stops everything and exits 0, leaving no chain process behind.
import { spawn } from 'node:child_process'
import { setTimeout as sleep } from 'node:timers/promises'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
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

  // Started as the quick starts say, through npx in the background: npm runs the CLI under a shell
  // and does not pass SIGINT on, so the stack is stopped by `dev --stop` (its pid file), or by a
  // SIGTERM to npx (npm's shell exits; the CLI notices its parent is gone).
  describe('under npx, in the background', () => {
    const root = dirname(dirname(dirname(launcher)))
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    const startUnderNpx = async (dir: string) => {
      const npx = spawn('npx', ['datavault', 'dev', '--data-dir', dir, '--port', '0', '--chain-port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
      let out = ''
      npx.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
      npx.stderr.resume()
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line:\n${out}`)), 240_000)
        npx.stdout.on('data', () => {
          if (/^ready\b/m.test(out)) (clearTimeout(timer), resolve())
        })
        npx.once('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)))
      })
      const pid = Number((await readFile(join(dir, 'dev.pid'), 'utf8')).trim())
      const { rpcUrl } = JSON.parse(await readFile(join(dir, 'dev.json'), 'utf8'))
      return { npx, pid, rpcUrl: rpcUrl as string }
    }
    const gone = async (pid: number) => {
      for (let waited = 0; waited < 60_000 && alive(pid); waited += 250) await sleep(250)
      return !alive(pid)
    }

    test('behavior: `datavault dev --stop` stops it (a SIGINT to npx does not); a second --stop says none runs', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dv-cli-'))
      const { npx, pid, rpcUrl } = await startUnderNpx(dir)
      try {
        expect(pid).not.toBe(npx.pid)
        npx.kill('SIGINT')
        await sleep(3000)
        expect(alive(pid)).toBe(true)
        const stop = spawn(process.execPath, [launcher, 'dev', '--stop', '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] })
        let out = ''
        stop.stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
        expect(await new Promise<number | null>((resolve) => stop.once('exit', resolve))).toBe(0)
        expect(out).toMatch(new RegExp(`^stopping the dev stack \\(pid ${pid}\\)…\nstopped\n$`))
        expect(await gone(pid)).toBe(true)
        await expect(fetch(rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
        const again = spawn(process.execPath, [launcher, 'dev', '--stop', '--data-dir', dir], { stdio: 'ignore' })
        expect(await new Promise<number | null>((resolve) => again.once('exit', resolve))).toBe(4)
      } finally {
        if (alive(pid)) process.kill(pid, 'SIGKILL')
        npx.kill('SIGKILL')
        await rm(dir, { recursive: true, force: true })
      }
    }, 420_000)

    test('behavior: a SIGTERM to npx stops the stack too: the CLI stops when its parent is gone', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'dv-cli-'))
      const { npx, pid, rpcUrl } = await startUnderNpx(dir)
      try {
        npx.kill('SIGTERM')
        expect(await gone(pid)).toBe(true)
        await expect(fetch(rpcUrl, { method: 'POST', body: '{}' })).rejects.toThrow()
        await expect(readFile(join(dir, 'dev.pid'), 'utf8')).rejects.toMatchObject({ code: 'ENOENT' })
      } finally {
        if (alive(pid)) process.kill(pid, 'SIGKILL')
        npx.kill('SIGKILL')
        await rm(dir, { recursive: true, force: true })
      }
    }, 420_000)
  })
})
