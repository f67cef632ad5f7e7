import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
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

  test('behavior: an isolated process has no descriptor but its stdio, even one the node inherited, and gets its written data, started by the launcher or directly', async () => {
    // A node process started with an extra descriptor (fd 40, not close-on-exec), as a supervisor might leave one.
    const script = `
      import { launchDirectly, processLauncher } from ${JSON.stringify(fileURLToPath(new URL('./process-launcher.ts', import.meta.url)))}
      const launcher = processLauncher({ idleMs: 5000 })
      // Nothing else holds this process open: warm() does while the launcher boots.
      const results = {}
      const options = { cwd: '/', env: { PATH: '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'ignore', 'pipe', 'pipe'], read: [1], isolate: { bash: '/usr/bin/bash', cgroupProcs: [] }, write: [{ fd: 3, data: new TextEncoder().encode('written') }] }
      // ls lists the shell's descriptors (from its own process: the shell opens nothing for it);
      // the shell ends once this process ended fd 4 (so its stdout was handed over before).
      const command = ['/bin/sh', ['-c', 'ls /proc/$$/fd; cat <&3; echo; cat <&4']]
      for (const [name, start] of [['launcher', (c, a, o) => launcher.launch(c, a, o)], ['direct', launchDirectly]]) {
        if (name === 'launcher' && !(await launcher.warm())) throw new Error('no launcher')
        const child = await start(...command, options)
        child.stdio[4].end('handed')
        let text = ''
        child.stdio[1].setEncoding('utf8').on('data', (chunk) => (text += chunk))
        await child.closed
        results[name] = { out: text.trim().split(/\\s+/), handedBack: child.stdio[3] }
      }
      console.log(JSON.stringify(results))`
    const node = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit', ...Array<'ignore'>(37).fill('ignore'), 'pipe'] })
    let output = ''
    node.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    await new Promise((resolve) => node.on('close', resolve))
    // Its five stdio descriptors (not fd 40), then what was written to fd 3 (not handed back), then what came on fd 4.
    const expected = { out: ['0', '1', '2', '3', '4', 'written', 'handed'], handedBack: null }
    expect(JSON.parse(output)).toEqual({ launcher: expected, direct: expected })
  })

  test('error: a command that does not exist is refused, as by spawn', async () => {
    await expect(launcher.launch('/nonexistent/command', [], { cwd: '/', env, stdio: ['ignore', 'pipe'], read: [1] })).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(launchDirectly('/nonexistent/command', [], { cwd: '/', env, stdio: ['ignore', 'pipe'], read: [1] })).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
