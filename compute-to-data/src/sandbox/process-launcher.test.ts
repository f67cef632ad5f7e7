import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { type LaunchedProcess, launchDirectly, processLauncher } from './process-launcher.ts'

const root = process.getuid?.() === 0
const env = { PATH: '/usr/bin:/bin' }
const readAll = (child: LaunchedProcess, fd: number) =>
  new Promise<string>((resolve) => {
    let text = ''
    child.stdio[fd]!.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
    child.stdio[fd]!.once('end', () => resolve(text))
  })
const parentOf = (pid: number) => Number(/^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])

describe('processLauncher', () => {
  const launcher = processLauncher({ idleMs: 5_000 })
  test('default: the process runs from the launcher (not a fork of this process) with its pipes handed over, both ways', async () => {
    // Until it has booted, processes are started directly (it is not waited for).
    expect(await launcher.warm()).toBe(true)
    const child = await launcher.launch('/bin/bash', ['-c', 'cat <&3; echo " and back"; echo err >&2'], { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'], read: [1, 2] })
    const parent = parentOf(child.pid)
    expect(parent).not.toBe(process.pid)
    expect(parentOf(parent)).toBe(process.pid)
    const [out, err] = [readAll(child, 1), readAll(child, 2)]
    child.stdio[3]!.end('there')
    expect(await child.closed).toEqual({ code: 0, signal: null })
    expect([await out, await err]).toEqual(['there and back\n', 'err\n'])
  })

  test.skipIf(!root)('args: uid, gid, working dir and environment are the process\'s (skipped unless root)', async () => {
    const child = await launcher.launch('/bin/bash', ['-c', 'echo "$(id -u) $(id -g) $PWD $HOME"'], { uid: 1_900_009_999, gid: 1_900_009_998, cwd: '/tmp', env: { ...env, HOME: '/nowhere' }, stdio: ['ignore', 'pipe', 'ignore'], read: [1] })
    const out = readAll(child, 1)
    await child.closed
    expect(await out).toBe('1900009999 1900009998 /tmp /nowhere\n')
  })

  test('behavior: kill ends the process; a killed process closes with its signal', async () => {
    const child = await launcher.launch('/bin/sleep', ['60'], { cwd: '/', env, stdio: ['ignore', 'pipe', 'pipe'], read: [1, 2] })
    expect(child.kill('SIGKILL')).toBe(true)
    expect(await child.closed).toEqual({ code: null, signal: 'SIGKILL' })
    expect(child.kill('SIGKILL')).toBe(false)
  })

  test('behavior: a launcher that leaves (idle) as a process is asked for still gets it started, directly', async () => {
    const leaving = processLauncher({ idleMs: 1 })
    for (let i = 0; i < 3; i++) {
      const child = await leaving.launch('/bin/bash', ['-c', 'echo ok'], { cwd: '/', env, stdio: ['ignore', 'pipe', 'ignore'], read: [1] })
      const out = readAll(child, 1)
      expect(await child.closed).toEqual({ code: 0, signal: null })
      expect(await out).toBe('ok\n')
    }
  })

  test('error: a command that does not exist is refused, as by spawn', async () => {
    await expect(launcher.launch('/nonexistent/command', [], { cwd: '/', env, stdio: ['ignore', 'pipe'], read: [1] })).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(launchDirectly('/nonexistent/command', [], { cwd: '/', env, stdio: ['ignore', 'pipe'], read: [1] })).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
