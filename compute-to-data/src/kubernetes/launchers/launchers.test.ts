import { spawn } from 'node:child_process'
import { chmod, copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { trainerErrorCodes } from '../../sandbox/protocol.ts'
import { jobPodUid } from '../manifests.ts'
import { trainerLaunchers } from './trainerLaunchers.ts'

const python = '/usr/bin/python3'
// The pod runs every container as uid 65532 without capabilities; as root (with CAP_SYS_PTRACE)
// the kernel would let the program past the launcher's non-dumpable flag.
const asPodUser = process.getuid?.() === 0 ? ['setpriv', `--reuid=${jobPodUid}`, `--regid=${jobPodUid}`, '--clear-groups'] : []

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-launchers-'))
  await chmod(dir, 0o755)
  for (const launcher of Object.values(trainerLaunchers)) await copyFile(launcher.path, join(dir, launcher.file))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** Runs a launcher on a program written into the test's stand-in for `/job`. */
async function launch(runtime: 'node' | 'python', source: string, onStdout?: (text: string, pid: number) => void): Promise<{ stdout: string; code: number | null }> {
  const program = join(dir, runtime === 'python' ? 'program.py' : 'program.mjs')
  await writeFile(program, source, { mode: 0o644 })
  const launcher = join(dir, trainerLaunchers[runtime].file)
  const command = runtime === 'python' ? [...asPodUser, python, '-I', '-B', launcher, program] : [process.execPath, launcher, program]
  const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir })
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => {
    chunks.push(chunk)
    onStdout?.(Buffer.concat(chunks).toString('utf8'), child.pid!)
  })
  child.stderr.resume()
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return { stdout: Buffer.concat(chunks).toString('utf8'), code }
}

const valid = [
  '{"event":"started"}',
  '{"event":"epoch","epoch":1,"loss":0.693,"accuracy":0.5}',
  '{"event":"epoch","epoch":2,"loss":0.41}',
  '{"event":"error","code":"bad-csv"}',
  '{"event":"done"}',
]

const hostilePython = `
import os, sys
def say(line):
    sys.stdout.write(line + "\\n"); sys.stdout.flush()
say('{"event":"started"}')
say('age,income,label,SECRET-ROW')
say('{"event":"epoch","epoch":1,')
say('{"event":"epoch","epoch":1,"loss":0.5,"data":"SECRET-FIELD"}')
say('{"event":"epoch","epoch":1,"loss":0.123456,"accuracy":0.91234}')
say('{"event":"epoch","epoch":2,"loss":NaN}')
say('{"event":"epoch","epoch":7,"loss":0.1}')
say('{"event":"error","code":"SECRET-CODE"}')
say('{"event":"done","pad":"' + 'SECRET-LONG' * 500 + '"}')
say('{"event":"started"}' + ' ' * 5000)
sys.stderr.write("SECRET-STDERR\\n"); sys.stderr.flush()
os.write(2, b"SECRET-STDERR-FD\\n")
try:
    with open(f"/proc/{os.getppid()}/fd/1", "w") as log:
        log.write("SECRET-PROC\\n")
    say('{"event":"error","code":"bad-csv"}')
except PermissionError:
    say('{"event":"error","code":"internal-error"}')
say('{"event":"done"}')
sys.stdout.write('SECRET-NO-NEWLINE')
sys.stdout.flush()
sys.exit(7)
`

const hostileNode = `
import { openSync, writeSync } from 'node:fs'
const say = (line) => process.stdout.write(line + '\\n')
say('{"event":"started"}')
say('age,income,label,SECRET-ROW')
say('{"event":"epoch","epoch":1,')
say('{"event":"epoch","epoch":1,"loss":0.5,"data":"SECRET-FIELD"}')
say('{"event":"epoch","epoch":1,"loss":0.123456,"accuracy":0.91234}')
say('{"event":"epoch","epoch":2,"loss":1e999}')
say('{"event":"epoch","epoch":7,"loss":0.1}')
say('{"event":"error","code":"SECRET-CODE"}')
say('{"event":"done","pad":"' + 'SECRET-LONG'.repeat(500) + '"}')
say('{"event":"started"}' + ' '.repeat(5000))
process.stderr.write('SECRET-STDERR\\n')
try {
  writeSync(openSync('/proc/' + process.ppid + '/fd/1', 'w'), 'SECRET-PROC\\n')
  say('{"event":"error","code":"bad-csv"}')
} catch (error) {
  say(error.code === 'ERR_ACCESS_DENIED' ? '{"event":"error","code":"internal-error"}' : '{"event":"error","code":"no-rows"}')
}
say('{"event":"done"}')
process.stdout.write('SECRET-NO-NEWLINE', () => process.exit(7))
`

const narrowed = [
  '{"event":"started"}',
  '{"event":"epoch","epoch":1,"loss":0.123,"accuracy":0.912}',
  // The program could not open the launcher's stdout: it reported that with a code of its choice.
  '{"event":"error","code":"internal-error"}',
  '{"event":"done"}',
]

describe('trainer launchers', () => {
  test('default: a well-behaved program’s events pass unchanged and its exit code is the launcher’s (python)', async () => {
    const source = `import sys\nfor line in ${JSON.stringify(valid)}:\n    print(line, flush=True)\n`
    expect(await launch('python', source)).toEqual({ stdout: `${valid.join('\n')}\n`, code: 0 })
  })

  test('default: a well-behaved program’s events pass unchanged and its exit code is the launcher’s (node)', async () => {
    const source = `for (const line of ${JSON.stringify(valid)}) console.log(line)\n`
    expect(await launch('node', source)).toEqual({ stdout: `${valid.join('\n')}\n`, code: 0 })
  })

  test('behavior: only valid events reach the log, narrowed and re-serialized; stderr and /proc/<launcher>/fd/1 are closed to the program (python)', async () => {
    const { stdout, code } = await launch('python', hostilePython)
    expect(stdout).toBe(`${narrowed.join('\n')}\n`)
    expect(stdout).not.toContain('SECRET')
    expect(code).toBe(7)
  })

  test('behavior: only valid events reach the log, narrowed and re-serialized; stderr and /proc/<launcher>/fd/1 are closed to the program (node)', async () => {
    const { stdout, code } = await launch('node', hostileNode)
    expect(stdout).toBe(`${narrowed.join('\n')}\n`)
    expect(stdout).not.toContain('SECRET')
    expect(code).toBe(7)
  })

  test('behavior: a program killed by a signal makes the launcher exit with 128 + the signal', async () => {
    expect(await launch('python', 'import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n')).toEqual({ stdout: '', code: 137 })
    expect(await launch('node', 'process.kill(process.pid, "SIGKILL")\n')).toEqual({ stdout: '', code: 137 })
  })

  test('behavior: a stop request (SIGTERM) to the launcher reaches the program', async () => {
    const sleeper = { python: 'import time\nprint(\'{"event":"started"}\', flush=True)\ntime.sleep(20)\n', node: 'console.log(\'{"event":"started"}\')\nsetTimeout(() => {}, 20000)\n' }
    for (const runtime of ['python', 'node'] as const) {
      let stopped = false
      const stop = (text: string, pid: number) => {
        if (stopped || !text.includes('started')) return
        stopped = true
        process.kill(pid, 'SIGTERM')
      }
      expect(await launch(runtime, sleeper[runtime], stop)).toEqual({ stdout: '{"event":"started"}\n', code: 143 })
    }
  })

  test('behavior: a program that leaves a process holding the pipe open does not keep the launcher running', async () => {
    const source = `import os, sys, time\nprint('{"event":"started"}', flush=True)\nif os.fork() == 0:\n    time.sleep(20)\n    os._exit(0)\nsys.exit(3)\n`
    const started = performance.now()
    expect(await launch('python', source)).toEqual({ stdout: '{"event":"started"}\n', code: 3 })
    expect(performance.now() - started).toBeLessThan(15_000)
  })

  test('behavior: both launchers know exactly the protocol’s error codes', async () => {
    for (const launcher of Object.values(trainerLaunchers)) {
      const text = await readFile(launcher.path, 'utf8')
      const list = /trainerErrorCodes\n(?:[^\n]*\n)*?[^\n]*\[\n([\s\S]*?)\n\s*\]/.exec(text)?.[1] ?? ''
      const codes = [...list.matchAll(/['"]([a-z0-9-]+)['"]/g)].map((match) => match[1])
      expect(new Set(codes)).toEqual(trainerErrorCodes)
      expect(codes).toHaveLength(trainerErrorCodes.size)
    }
  })
})
