import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { bubblewrapRunner } from './bubblewrapRunner.ts'
import type { RunLimits, RunSpec, Runner, SandboxLogger } from './runner.ts'
import { processesOfUid } from './uid-pool.ts'

const isRoot = process.getuid?.() === 0

/** A logger that keeps every line, so tests can check what was (never) logged. */
function memoryLogger() {
  const lines: string[] = []
  const make = (bindings: Record<string, unknown>): SandboxLogger => ({
    child: (more) => make({ ...bindings, ...more }),
    info: (obj, msg) => lines.push(JSON.stringify({ level: 'info', ...bindings, ...obj, msg })),
    warn: (obj, msg) => lines.push(JSON.stringify({ level: 'warn', ...bindings, ...obj, msg })),
    error: (obj, msg) => lines.push(JSON.stringify({ level: 'error', ...bindings, ...obj, msg })),
    debug: (obj, msg) => lines.push(JSON.stringify({ level: 'debug', ...bindings, ...obj, msg })),
  })
  return { logger: make({}), lines }
}

const limits: RunLimits = { wallTimeMs: 30_000, cpuSeconds: 30, memoryBytes: 256 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 }
const started = `console.log(JSON.stringify({ event: 'started' }))\n`

let dir: string
let log: ReturnType<typeof memoryLogger>
/** Kernel isolation alone: Node's permission model off, so hostile programs meet the sandbox itself. */
let bare: Runner
/** The production setting: Node's permission model on as well. */
let guarded: Runner
let count = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sandbox-test-'))
  // Job uids must traverse to the work dir (bubblewrap binds /out as them).
  await chmod(dir, 0o711)
  log = memoryLogger()
  bare = bubblewrapRunner({ workDir: join(dir, 'work'), nodePermissions: false })({ logger: log.logger })
  guarded = bubblewrapRunner({ workDir: join(dir, 'work') })({ logger: log.logger })
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function program(source: string): Promise<string> {
  const path = join(dir, `program-${++count}.mjs`)
  await writeFile(path, source)
  return path
}

async function spec(source: string, overrides: Partial<RunSpec> = {}): Promise<RunSpec> {
  return {
    jobId: `job-${++count}`,
    program: { path: await program(source) },
    config: {},
    inputs: [],
    outputDir: join(dir, `out-${count}`),
    limits,
    ...overrides,
  }
}


/**
 * Runs `script` in a Node process whose fd 40 is a socket with its other end here (a descriptor the
 * node inherits without close-on-exec): the last line it printed, parsed, and what came out on the socket.
 */
async function runWithSocketOnFd40(script: string): Promise<{ last: unknown; received: string }> {
  const node = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit', ...Array<'ignore'>(37).fill('ignore'), 'pipe'] })
  const socket = (node.stdio as unknown as (NodeJS.ReadableStream | null)[])[40]!
  let received = ''
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
  let output = ''
  node.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  await new Promise((resolve) => node.on('close', resolve))
  return { last: JSON.parse(output.trim().split('\n').at(-1)!), received }
}
describe('bubblewrapRunner', () => {
  test('default: the program reads its config and inputs, writes /out, reports events', async () => {
    const big = new Uint8Array(3 * 1024 ** 2).map((_, i) => (i * 7) & 0xff)
    const events: unknown[] = []
    let startedCalls = 0
    const s = await spec(
      `import fs from 'node:fs'
      ${started}
      const config = JSON.parse(fs.readFileSync('/job/config.json', 'utf8'))
      const text = fs.readFileSync('/data/a.txt', 'utf8')
      const bytes = fs.readFileSync('/data/b.bin')
      let sum = 0
      for (const b of bytes) sum = (sum + b) % 1000003
      fs.writeFileSync('/out/result.json', JSON.stringify({ config, upper: text.toUpperCase(), length: bytes.length, sum }))
      console.log(JSON.stringify({ event: 'epoch', epoch: 1, loss: 0.25 }))
      console.log(JSON.stringify({ event: 'done' }))`,
      {
        config: { hello: 'sandbox' },
        inputs: [
          { name: 'a.txt', source: (async function* () { yield new TextEncoder().encode('abc,'); yield new TextEncoder().encode('def') })() },
          { name: 'b.bin', source: new Blob([big]).stream() },
        ],
        onEvent: (e) => events.push(e),
        onStarted: () => startedCalls++,
      },
    )
    const result = await bare.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, signal: null, protocolViolations: 0 })
    expect(events).toEqual([{ event: 'started' }, { event: 'epoch', epoch: 1, loss: 0.25 }, { event: 'done' }])
    expect(startedCalls).toBe(1)
    expect(result.startLatencyMs).toBeGreaterThan(0)
    expect(result.startLatencyMs!).toBeLessThan(result.durationMs)
    let sum = 0
    for (const b of big) sum = (sum + b) % 1000003
    expect(JSON.parse(await readFile(join(s.outputDir, 'result.json'), 'utf8'))).toEqual({ config: { hello: 'sandbox' }, upper: 'ABC,DEF', length: big.length, sum })
    if (isRoot) {
      expect(result.enforcement).toMatchObject({ identity: 'per-job-uid', memory: 'cgroup-v1', processes: 'cgroup-v1', outputs: 'tmpfs' })
      expect(result.cpuMs).toBeGreaterThan(0)
      expect(result.peakMemoryBytes).toBeGreaterThan(big.length)
    }
  })

  test('behavior: isolation — no network, no host files, read-only data in memory, no capabilities, own uid', async () => {
    const server = createServer((socket) => socket.end('hello from the host'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const abstract = createServer((socket) => socket.end('hello'))
    const abstractName = `\0datavault-test-${process.pid}`
    await new Promise<void>((resolve) => abstract.listen(abstractName, resolve))
    try {
      const s = await spec(
        `import fs from 'node:fs'
        import net from 'node:net'
        import os from 'node:os'
        import { spawn, spawnSync } from 'node:child_process'
        ${started}
        const config = JSON.parse(fs.readFileSync('/job/config.json', 'utf8'))
        const attempt = (fn) => { try { fn(); return 'ok' } catch (e) { return e.code ?? e.message } }
        const connect = (options) => new Promise((resolve) => {
          const socket = net.connect(options)
          socket.on('connect', () => { socket.destroy(); resolve('connected') })
          socket.on('error', (e) => resolve(e.code))
          setTimeout(() => { socket.destroy(); resolve('timeout') }, 3000)
        })
        const mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n')
        const dataMount = mountinfo.find((line) => line.split(' ')[4] === '/data/secret.csv')
        const facts = {
          uid: process.getuid(),
          data: fs.readFileSync('/data/secret.csv', 'utf8'),
          dataFsType: dataMount?.split(' - ')[1]?.split(' ')[0],
          dataMountOptions: dataMount?.split(' ')[5],
          writeData: attempt(() => fs.writeFileSync('/data/secret.csv', 'x')),
          createInData: attempt(() => fs.writeFileSync('/data/new', 'x')),
          unlinkData: attempt(() => fs.unlinkSync('/data/secret.csv')),
          writeRoot: attempt(() => fs.writeFileSync('/evil', 'x')),
          writeUsr: attempt(() => fs.writeFileSync('/usr/evil', 'x')),
          writeConfig: attempt(() => fs.writeFileSync('/job/config.json', 'x')),
          writeTmp: attempt(() => fs.writeFileSync('/tmp/ok', 'x')),
          writeDevShm: attempt(() => fs.writeFileSync('/dev/shm/x', 'x')),
          writeDevNull: attempt(() => fs.writeFileSync('/dev/null', 'x')),
          shadow: attempt(() => fs.readFileSync('/etc/shadow')),
          root: fs.readdirSync('/').sort(),
          hostPaths: ['/etc', '/work', '/root', '/home', '/var', '/run', '/sys/fs/cgroup'].filter((p) => fs.existsSync(p)),
          pids: fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).length,
          signalHost: attempt(() => process.kill(config.hostPid, 0)),
          tcp: await connect({ host: '127.0.0.1', port: config.port }),
          abstractSocket: await connect({ path: config.abstract }),
          interfaces: Object.keys(os.networkInterfaces()),
          capEff: /CapEff:\\s+(\\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1],
          noNewUserNs: spawnSync('/usr/bin/unshare', ['--user', '/usr/bin/true']).status,
          hostname: os.hostname(),
          env: Object.keys(process.env).sort(),
        }
        fs.writeFileSync('/out/facts.json', JSON.stringify(facts))`,
        {
          config: { port: (server.address() as AddressInfo).port, abstract: abstractName, hostPid: process.pid },
          inputs: [{ name: 'secret.csv', source: [new TextEncoder().encode('name,ssn\nalice,123')] }],
        },
      )
      const result = await bare.run(s)
      expect(result.stderrTail).toBe('')
      expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
      const facts = JSON.parse(await readFile(join(s.outputDir, 'facts.json'), 'utf8'))
      expect(facts).toMatchObject({
        data: 'name,ssn\nalice,123',
        // The plaintext lives in bubblewrap's private tmpfs: memory, never a host disk path.
        dataFsType: 'tmpfs',
        writeData: 'EROFS',
        createInData: 'EROFS',
        unlinkData: 'EROFS',
        writeRoot: 'EROFS',
        writeUsr: 'EROFS',
        writeConfig: 'EROFS',
        writeTmp: 'ok',
        writeDevShm: 'EROFS',
        writeDevNull: 'ok',
        shadow: 'ENOENT',
        hostPaths: [],
        signalHost: 'ESRCH',
        tcp: 'ECONNREFUSED',
        interfaces: ['lo'],
        capEff: '0000000000000000',
        hostname: 'sandbox',
        env: ['HOME', 'LANG', 'PATH', 'PWD', 'TMPDIR'],
      })
      expect(facts.dataMountOptions).toMatch(/^ro\b/)
      expect(['ECONNREFUSED', 'ENOENT']).toContain(facts.abstractSocket)
      expect(facts.noNewUserNs).not.toBe(0)
      expect(facts.root).toEqual(['bin', 'data', 'dev', 'job', 'lib', 'lib64', 'out', 'proc', 'sandbox', 'sbin', 'tmp', 'usr'].filter((p) => facts.root.includes(p)))
      expect(facts.root).not.toContain('etc')
      expect(facts.pids).toBeLessThanOrEqual(3)
      if (isRoot) {
        expect(facts.uid).toBe(result.enforcement.uid)
        expect(facts.uid).toBeGreaterThanOrEqual(1_900_000_000)
      }
    } finally {
      server.close()
      abstract.close()
    }
  })

  test.skipIf(process.arch !== 'x64' || !existsSync('/usr/bin/python3'))('behavior: seccomp blocks ptrace, io_uring, eBPF and keyrings with EPERM (skipped off x86-64, where the filter is not installed, or without python3 to make raw syscalls)', async () => {
    // Python's ctypes makes raw system calls, which Node cannot.
    const probe = [
      'import ctypes, json',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'def call(*args):',
      '    r = libc.syscall(*args)',
      '    return r if r >= 0 else -ctypes.get_errno()',
      'print(json.dumps({"ptrace": call(101, 0, 0, 0, 0), "io_uring_setup": call(425, 1, None), "bpf": call(321, 0, None, 0), "keyctl": call(250, 0, 0), "getpid": call(39)}))',
    ].join('\n')
    const s = await spec(
      `import { spawn, spawnSync } from 'node:child_process'
      import fs from 'node:fs'
      ${started}
      const run = spawnSync('/usr/bin/python3', ['-c', ${JSON.stringify(probe)}], { encoding: 'utf8' })
      fs.writeFileSync('/out/result', run.stdout || run.stderr)`,
    )
    const result = await bare.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, enforcement: { seccomp: true } })
    const calls = JSON.parse(await readFile(join(s.outputDir, 'result'), 'utf8'))
    const EPERM = -1
    expect(calls).toMatchObject({ ptrace: EPERM, io_uring_setup: EPERM, bpf: EPERM, keyctl: EPERM })
    expect(calls.getpid).toBeGreaterThan(0)
  })

  test('behavior: the program sees neither the host\'s /usr/local, nor host-wide memory, load, CPU counters and uptime, nor bubblewrap\'s options (paths with the node\'s pid)', async () => {
    const s = await spec(
      `import fs from 'node:fs'
      import os from 'node:os'
      ${started}
      fs.writeFileSync('/out/proc', JSON.stringify({ stat: fs.readFileSync('/proc/stat', 'utf8'), uptime: fs.readFileSync('/proc/uptime', 'utf8'), osUptime: os.uptime(), cpus: os.cpus().map((cpu) => cpu.times) }))
      const cmdlines = fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).map((pid) => { try { return fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8') } catch { return '' } })
      fs.writeFileSync('/out/seen', JSON.stringify({ local: fs.readdirSync('/usr/local'), meminfo: fs.readFileSync('/proc/meminfo', 'utf8'), loadavg: fs.readFileSync('/proc/loadavg', 'utf8'), cmdlines }))`,
    )
    const result = await bare.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    const seen = JSON.parse(await readFile(join(s.outputDir, 'seen'), 'utf8')) as { local: string[]; meminfo: string; loadavg: string; cmdlines: string[] }
    expect(seen.local).toEqual([])
    expect(seen.meminfo).toMatch(new RegExp(`^MemTotal: +${limits.memoryBytes / 1024} kB\\n`))
    expect(seen.loadavg).toBe('0.00 0.00 0.00 1/1 1\n')
    // /proc/stat and /proc/uptime: no host boot time, no host CPU times or counters, no uptime; Node's os module reads them.
    const proc = JSON.parse(await readFile(join(s.outputDir, 'proc'), 'utf8')) as { stat: string; uptime: string; osUptime: number; cpus: Record<string, number>[] }
    expect(proc.stat).toMatch(/^cpu {2}0 0 0 0 0 0 0 0 0 0\n/)
    expect(proc.stat).toMatch(/\nbtime 0\n/)
    expect(proc.stat).not.toMatch(/[1-9]\d{3,}/)
    expect(proc.uptime).toBe('0.00 0.00\n')
    expect(proc.osUptime).toBe(0)
    expect(proc.cpus).toEqual([{ user: 0, nice: 0, sys: 0, idle: 0, irq: 0 }])
    expect(seen.cmdlines.some((line) => line.includes('--args'))).toBe(true)
    for (const line of seen.cmdlines) {
      expect(line).not.toContain(dir)
      expect(line).not.toContain(String(process.pid))
    }
  })

  test.skipIf(process.arch !== 'x64' || !existsSync('/usr/bin/python3'))('behavior: an x32 system call kills the process (skipped off x86-64)', async () => {
    const probe = ['import ctypes', 'ctypes.CDLL(None).syscall(0x40000000 | 39)', 'print("survived")'].join('\n')
    const s = await spec(
      `import { spawnSync } from 'node:child_process'
      import fs from 'node:fs'
      ${started}
      const run = spawnSync('/usr/bin/python3', ['-c', ${JSON.stringify(probe)}], { encoding: 'utf8' })
      fs.writeFileSync('/out/result', JSON.stringify({ signal: run.signal, stdout: run.stdout }))`,
    )
    const result = await bare.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(JSON.parse(await readFile(join(s.outputDir, 'result'), 'utf8'))).toEqual({ signal: 'SIGSYS', stdout: '' })
  })

  test('behavior: concurrent jobs run as different uids', async () => {
    const source = `${started}import fs from 'node:fs'; fs.writeFileSync('/out/uid', String(process.getuid())); await new Promise((r) => setTimeout(r, 300))`
    const [a, b] = await Promise.all([bare.run(await spec(source)), bare.run(await spec(source))])
    expect(a.outcome).toBe('exited')
    expect(b.outcome).toBe('exited')
    if (isRoot) expect(a.enforcement.uid).not.toBe(b.enforcement.uid)
  })

  test('error: bubblewrap killed by something other than the runner fails the run as a set-up error that names the signal', async () => {
    // How two jobs that shared a uid failed: the first to end killed the other's bubblewrap, and
    // the error said only "exit null".
    // bubblewrap is a child of this process's sandbox launcher (or of this process, without one).
    const killBubblewrap = () => {
      const statuses = readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map((entry) => {
          try {
            return { pid: Number(entry), status: readFileSync(`/proc/${entry}/status`, 'utf8') }
          } catch {
            return { pid: Number(entry), status: '' }
          }
        })
      const parentOf = (status: string) => Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1])
      const parents = new Set([process.pid, ...statuses.filter((p) => parentOf(p.status) === process.pid).map((p) => p.pid)])
      for (const { pid, status } of statuses) if (/^Name:\s+bwrap$/m.test(status) && parents.has(parentOf(status))) process.kill(pid, 'SIGKILL')
    }
    const s = await spec(`${started}setInterval(() => {}, 1000)`, { onStarted: killBubblewrap })
    const before = log.lines.length
    await expect(bare.run(s)).rejects.toMatchObject({
      name: 'SandboxSetupError',
      code: 'SANDBOX_SETUP_FAILED',
      details: expect.stringContaining('bubblewrap was killed by SIGKILL before reporting the program\'s exit code'),
    })
    const logged = log.lines.slice(before).map((line) => JSON.parse(line)).find((line) => line.msg === 'bubblewrap ended without the program\'s exit code')
    expect(logged).toMatchObject({ level: 'error', jobId: s.jobId, signal: 'SIGKILL', released: true })
  })

  test('behavior: wall-time limit kills the whole sandbox, background processes included', async () => {
    const s = await spec(
      `import { spawn } from 'node:child_process'
      ${started}
      spawn('/usr/bin/sleep', ['1000'], { detached: true, stdio: 'ignore' }).unref()
      spawn('/bin/sh', ['-c', 'trap "" TERM HUP INT; while true; do sleep 1; done'], { detached: true, stdio: 'ignore' }).unref()
      setInterval(() => {}, 1000)`,
      { limits: { ...limits, wallTimeMs: 1500 } },
    )
    const result = await bare.run(s)
    expect(result.outcome).toBe('timeout')
    expect(result.exitCode).toBe(null)
    expect(result.durationMs).toBeGreaterThanOrEqual(1500)
    expect(result.durationMs).toBeLessThan(5000)
    if (isRoot) expect(await processesOfUid(result.enforcement.uid)).toEqual([])
  })

  test('behavior: a memory hog is stopped (native buffers)', async () => {
    const s = await spec(`${started}const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1))`, {
      limits: { ...limits, memoryBytes: 128 * 1024 ** 2 },
    })
    const result = await bare.run(s)
    expect(result.outcome).toBe('memory-limit')
    if (isRoot) expect(result.peakMemoryBytes).toBeLessThanOrEqual(128 * 1024 ** 2)
  })

  test('behavior: a memory hog is stopped (JavaScript heap)', async () => {
    const s = await spec(`${started}const keep = []; for (;;) keep.push(new Array(1e6).fill(1.5))`, { limits: { ...limits, memoryBytes: 128 * 1024 ** 2 } })
    const result = await bare.run(s)
    expect(result.outcome).toBe('memory-limit')
  })

  test('behavior: a fork bomb is contained by the task limit and leaves nothing behind', async () => {
    const s = await spec(
      `import { spawn } from 'node:child_process'
      import fs from 'node:fs'
      ${started}
      const children = []
      for (let i = 0; i < 500; i++) {
        const child = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' })
        const ok = await new Promise((resolve) => { child.once('spawn', () => resolve(true)); child.once('error', () => resolve(false)) })
        if (!ok) break
        children.push(child)
      }
      fs.writeFileSync('/out/spawned', String(children.length))
      for (const child of children) child.kill('SIGKILL')
      await new Promise((resolve) => setTimeout(resolve, 200))
      // Then a classic shell fork bomb, left running until the wall-time limit.
      spawn('/bin/sh', ['-c', 'f() { f | f & }; f'], { stdio: 'ignore' }).on('error', () => {})
      setInterval(() => {}, 1000)`,
      { limits: { ...limits, processes: 32, wallTimeMs: 4000 } },
    )
    const result = await bare.run(s)
    expect(result.outcome).toBe('timeout')
    const spawned = Number(await readFile(join(s.outputDir, 'spawned'), 'utf8'))
    expect(spawned).toBeGreaterThan(0)
    expect(spawned).toBeLessThan(32)
    if (isRoot) expect(await processesOfUid(result.enforcement.uid)).toEqual([])
    // The host still spawns processes normally.
    expect(spawnSync('/usr/bin/true').status).toBe(0)
  })

  test('behavior: output size is limited (one big file; many small files)', async () => {
    const big = await spec(`${started}import fs from 'node:fs'; fs.writeFileSync('/out/big', Buffer.alloc(2 * 1024 * 1024, 7))`, { limits: { ...limits, outputBytes: 1024 ** 2 } })
    expect((await bare.run(big)).outcome).toBe('output-limit')
    const many = await spec(`${started}import fs from 'node:fs'; for (let i = 0; i < 1000; i++) fs.writeFileSync('/out/f' + i, 'x')`)
    expect((await bare.run(many)).outcome).toBe('output-limit')
  })

  test('behavior: the CPU limit stops a busy loop before the wall-time limit', async () => {
    const s = await spec(`${started}for (;;) {}`, { limits: { ...limits, cpuSeconds: 1, wallTimeMs: 20_000 } })
    const result = await bare.run(s)
    expect(result.outcome).toBe('cpu-limit')
    expect(result.durationMs).toBeLessThan(10_000)
  })

  test('behavior: stderr is kept for the owner and never logged; bad stdout lines are counted', async () => {
    const s = await spec(
      `${started}
      process.stderr.write('SECRET-STDERR alice,123\\n')
      console.log('alice,123-not-an-event')
      console.log('x'.repeat(10000))
      console.log(JSON.stringify({ event: 'error', code: 'non-numeric-cell' }))
      process.exitCode = 2`,
    )
    const result = await bare.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 2, errorCode: 'non-numeric-cell', protocolViolations: 2 })
    expect(result.stderrTail).toContain('SECRET-STDERR')
    expect(log.lines.join('\n')).not.toContain('SECRET')
    expect(log.lines.join('\n')).not.toContain('alice')
  })

  test('behavior: aborting kills the run', async () => {
    const controller = new AbortController()
    const s = await spec(`${started}setInterval(() => {}, 1000)`, { onStarted: () => setTimeout(() => controller.abort(), 100) })
    const result = await bare.run(s, { signal: controller.signal })
    expect(result.outcome).toBe('killed')
    if (isRoot) expect(await processesOfUid(result.enforcement.uid)).toEqual([])
  })

  test('behavior: an abort during the sandbox\'s set-up still kills the run at once', async () => {
    const controller = new AbortController()
    const s = await spec(`${started}setInterval(() => {}, 1000)`)
    const begun = performance.now()
    const running = bare.run(s, { signal: controller.signal })
    // Set-up (uid lock, staging, cgroups) awaits before the program starts: abort in the middle of it.
    await new Promise((resolve) => setImmediate(resolve))
    controller.abort()
    const result = await running.catch((error: unknown) => ({ outcome: 'rejected', error }))
    expect(['killed', 'rejected']).toContain(result.outcome)
    expect(performance.now() - begun).toBeLessThan(10_000)
  })

  test('behavior: with Node permissions on, the program cannot spawn or write outside /out and /tmp', async () => {
    const s = await spec(
      `import fs from 'node:fs'
      import { spawn, spawnSync } from 'node:child_process'
      ${started}
      const attempt = (fn) => { try { fn(); return 'ok' } catch (e) { return e.code } }
      fs.writeFileSync('/out/facts.json', JSON.stringify({
        spawn: attempt(() => spawnSync('/usr/bin/true')),
        writeTmp: attempt(() => fs.writeFileSync('/tmp/x', 'x')),
        readUsr: attempt(() => fs.readFileSync('/usr/bin/true')),
        readData: attempt(() => fs.readFileSync('/data/in')),
      }))`,
      { inputs: [{ name: 'in', source: [new Uint8Array([1])] }] },
    )
    const result = await guarded.run(s)
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, enforcement: { nodePermissions: true } })
    expect(JSON.parse(await readFile(join(s.outputDir, 'facts.json'), 'utf8'))).toEqual({ spawn: 'ERR_ACCESS_DENIED', writeTmp: 'ok', readUsr: 'ERR_ACCESS_DENIED', readData: 'ok' })
  })

  test('error: an input that fails mid-stream fails the run before the program starts', async () => {
    let startedCalls = 0
    const failure = Object.assign(new Error('ciphertext chunk failed authentication'), { code: 'ENVELOPE_TAMPERED' })
    const s = await spec(`${started}import fs from 'node:fs'; fs.writeFileSync('/out/ran', 'yes')`, {
      inputs: [
        {
          name: 'data.csv',
          source: (async function* () {
            yield new Uint8Array(1024)
            await new Promise((r) => setTimeout(r, 50))
            throw failure
          })(),
        },
      ],
      onStarted: () => startedCalls++,
    })
    await expect(bare.run(s)).rejects.toBe(failure)
    expect(startedCalls).toBe(0)
    expect(await readdir(s.outputDir)).toEqual([])
  })

  test('behavior: an input that never ends is cut by the wall-time limit; the program never starts', async () => {
    let startedCalls = 0
    const s = await spec(started, {
      inputs: [{ name: 'slow', source: (async function* () { yield new Uint8Array(10); await new Promise(() => {}) })() }],
      limits: { ...limits, wallTimeMs: 1000 },
      onStarted: () => startedCalls++,
    })
    const result = await bare.run(s)
    expect(result.outcome).toBe('timeout')
    expect(result.startLatencyMs).toBe(null)
    expect(startedCalls).toBe(0)
  })

  test('error: a program whose hash does not match never runs', async () => {
    const s = await spec(`${started}import fs from 'node:fs'; fs.writeFileSync('/out/ran', 'yes')`)
    s.program.sha256 = `0x${'00'.repeat(32)}`
    await expect(bare.run(s)).rejects.toMatchObject({ name: 'SandboxSpecError', code: 'SANDBOX_SPEC_INVALID' })
    expect(await readdir(s.outputDir)).toEqual([])
  })

  test('behavior: a program bigger than what is read whole ahead (16 MiB) is streamed, hashed the same way: it runs with its hash, never with another', async () => {
    const source = `${started}import fs from 'node:fs'; fs.writeFileSync('/out/ran', 'yes')\n/*${'x'.repeat(17 * 1024 ** 2)}*/\n`
    const sha256 = `0x${createHash('sha256').update(source).digest('hex')}` as const
    const s = await spec(source, { limits: { ...limits, memoryBytes: 512 * 1024 ** 2 } })
    expect(await bare.run({ ...s, program: { ...s.program, sha256 } })).toMatchObject({ outcome: 'exited', exitCode: 0 })
    expect(await readFile(join(s.outputDir, 'ran'), 'utf8')).toBe('yes')
    const other = { ...s, outputDir: `${s.outputDir}-other`, program: { ...s.program, sha256: `0x${'00'.repeat(32)}` as const } }
    await expect(bare.run(other)).rejects.toMatchObject({ name: 'SandboxSpecError', code: 'SANDBOX_SPEC_INVALID' })
    expect(await readdir(other.outputDir)).toEqual([])
  })

  test('error: a work dir job uids cannot reach is refused at start, clearly', async () => {
    if (!isRoot) return
    const hidden = await mkdtemp(join(tmpdir(), 'sandbox-hidden-'))
    try {
      const runner = bubblewrapRunner({ workDir: join(hidden, 'work') })({ logger: log.logger })
      await expect(runner.run(await spec(started))).rejects.toMatchObject({ name: 'SandboxUnavailableError', code: 'SANDBOX_UNAVAILABLE' })
    } finally {
      await rm(hidden, { recursive: true, force: true })
    }
  })

  test('error: invalid specs are refused (input name, limits, non-empty output dir)', async () => {
    const base = await spec(started)
    await expect(bare.run({ ...base, inputs: [{ name: '../escape', source: [] }] })).rejects.toMatchObject({ code: 'SANDBOX_SPEC_INVALID' })
    await expect(bare.run({ ...base, limits: { ...limits, memoryBytes: 1024 } })).rejects.toMatchObject({ code: 'SANDBOX_SPEC_INVALID' })
    await mkdir(base.outputDir, { recursive: true })
    await writeFile(join(base.outputDir, 'stale'), 'x')
    await expect(bare.run(base)).rejects.toMatchObject({ code: 'SANDBOX_SPEC_INVALID' })
  })

  describe('without cgroups (rlimits only)', () => {
    let rlimited: Runner
    beforeAll(() => {
      rlimited = bubblewrapRunner({ workDir: join(dir, 'work'), nodePermissions: false, cgroups: 'off' })({ logger: log.logger })
    })

    test('behavior: RLIMIT_DATA stops a memory hog', async () => {
      const s = await spec(`${started}const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1))`, { limits: { ...limits, memoryBytes: 128 * 1024 ** 2 } })
      const result = await rlimited.run(s)
      expect(result).toMatchObject({ outcome: 'memory-limit', enforcement: { memory: 'rlimit-data', cpu: 'rlimit-cpu' } })
    })

    test('behavior: RLIMIT_CPU stops a busy loop', async () => {
      const result = await rlimited.run(await spec(`${started}for (;;) {}`, { limits: { ...limits, cpuSeconds: 1, wallTimeMs: 20_000 } }))
      expect(result.outcome).toBe('cpu-limit')
      expect(result.signal).toBe('SIGXCPU')
    })

    test('behavior: identity current-user still sandboxes (the fallback when per-job uids are not possible)', async () => {
      const runner = bubblewrapRunner({ workDir: join(dir, 'work'), identity: 'current-user', cgroups: 'off' })({ logger: log.logger })
      const s = await spec(`${started}import fs from 'node:fs'; fs.writeFileSync('/out/uid', String(process.getuid()))`)
      const result = await runner.run(s)
      expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, enforcement: { identity: 'current-user', processes: 'pid-namespace-only', memory: 'rlimit-data' } })
      expect(Number(await readFile(join(s.outputDir, 'uid'), 'utf8'))).toBe(process.getuid?.())
      expect(log.lines.some((line) => line.includes('sandboxes run as the node user'))).toBe(true)
    })

    test.skipIf(!isRoot)('behavior: RLIMIT_NPROC of the job uid bounds its tasks (skipped unless root: per-job uids need root)', async () => {
      const s = await spec(
        `import { spawn } from 'node:child_process'
        import fs from 'node:fs'
        ${started}
        let spawned = 0
        for (let i = 0; i < 500; i++) {
          const child = spawn('/usr/bin/sleep', ['30'], { stdio: 'ignore' })
          const ok = await new Promise((resolve) => { child.once('spawn', () => resolve(true)); child.once('error', () => resolve(false)) })
          if (!ok) break
          spawned++
        }
        fs.writeFileSync('/out/spawned', String(spawned))
        process.exit(0)`,
        { limits: { ...limits, processes: 32 } },
      )
      const result = await rlimited.run(s)
      expect(result).toMatchObject({ outcome: 'exited', exitCode: 0, enforcement: { processes: 'rlimit-nproc' } })
      expect(Number(await readFile(join(s.outputDir, 'spawned'), 'utf8'))).toBeLessThan(32)
      expect(await processesOfUid(result.enforcement.uid)).toEqual([])
    })
  })

  test.skipIf(!isRoot)('behavior: when the node process dies mid-run, the sandbox dies with it and the next runner sweeps the leftovers (skipped unless root: the sweep removes root-owned cgroups and uid locks)', async () => {
    const workDir = join(dir, 'work')
    const script = join(dir, 'dying-node.ts')
    await writeFile(
      script,
      `import { bubblewrapRunner } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'bubblewrapRunner.ts')).href)}
      const line = (obj, msg) => console.log(JSON.stringify({ ...obj, msg }))
      const logger = { child: () => logger, info: line, warn: line, error: line, debug: () => {} }
      const runner = bubblewrapRunner({ workDir: ${JSON.stringify(workDir)}, nodePermissions: false })({ logger })
      await runner.run({
        jobId: 'doomed', program: { path: ${JSON.stringify(await program(`${started}setInterval(() => {}, 1000)`))} }, config: {}, inputs: [],
        outputDir: ${JSON.stringify(join(dir, 'doomed-out'))},
        limits: { wallTimeMs: 60000, cpuSeconds: 60, memoryBytes: 256 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
        onStarted: () => console.log(JSON.stringify({ msg: 'program started' })),
      })`,
    )
    const node = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    let output = ''
    const uid = await new Promise<number>((resolve, reject) => {
      node.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('program started')) resolve(JSON.parse(output.split('\n').find((l) => l.includes('sandbox starting'))!).uid)
      })
      node.on('exit', () => reject(new Error(`the node process ended early: ${output}`)))
    })
    const nodePid = node.pid!
    node.kill('SIGKILL')
    await new Promise((resolve) => node.on('close', resolve))

    // --die-with-parent: bubblewrap and everything in its pid namespace die with the node process.
    for (let i = 0; i < 100 && (await processesOfUid(uid)).length > 0; i++) await new Promise((r) => setTimeout(r, 50))
    expect(await processesOfUid(uid)).toEqual([])
    const leftovers = () => ({
      mounts: readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(`/job-${nodePid}-`)).length,
      stagings: existsSync(workDir) ? spawnSync('ls', [workDir], { encoding: 'utf8' }).stdout.split('\n').filter((n) => n.startsWith(`job-${nodePid}-`)).length : 0,
      cgroups: spawnSync('sh', ['-c', `find /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/cpuacct -maxdepth 4 -type d -name 'datavault-${nodePid}-*'`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).length,
    })
    const before = leftovers()
    expect(before.mounts).toBe(1)
    expect(before.stagings).toBe(1)
    expect(before.cgroups).toBe(3)

    expect(existsSync(`/run/datavault-sandbox/uids/${uid}`)).toBe(true)

    const next = bubblewrapRunner({ workDir, nodePermissions: false })({ logger: log.logger })
    expect((await next.run(await spec(started))).outcome).toBe('exited')
    expect(leftovers()).toEqual({ mounts: 0, stagings: 0, cgroups: 0 })
    expect(existsSync(`/run/datavault-sandbox/uids/${uid}`)).toBe(false)
    expect(log.lines.some((l) => l.includes('removed sandbox leftovers of a stopped node'))).toBe(true)
  })

  test('behavior: descriptors the node process inherited (from a supervisor, a harness) never reach the program', async () => {
    // A node started with an extra open descriptor (not close-on-exec): bubblewrap would pass it
    // through, and a program could write the data into it, out of the sandbox.
    const script = join(dir, 'fd-node.ts')
    const target = await program(
      `import fs from 'node:fs'
      ${started}
      const data = fs.readFileSync('/data/secret.csv')
      let open = 0
      for (let fd = 20; fd < 1024; fd++) {
        try { fs.fstatSync(fd); open++; fs.writeSync(fd, data) } catch {}
      }
      fs.writeFileSync('/out/open', String(open))`,
    )
    await writeFile(
      script,
      `import { bubblewrapRunner } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'bubblewrapRunner.ts')).href)}
      const logger = { child: () => logger, info() {}, warn() {}, error() {}, debug() {} }
      const runner = bubblewrapRunner({ workDir: ${JSON.stringify(join(dir, 'work'))}, nodePermissions: false })({ logger })
      const result = await runner.run({
        jobId: 'inherited-fds', program: { path: ${JSON.stringify(target)} }, config: {},
        inputs: [{ name: 'secret.csv', source: [new TextEncoder().encode('ada-123456789')] }],
        outputDir: ${JSON.stringify(join(dir, 'fd-out'))},
        limits: { wallTimeMs: 30000, cpuSeconds: 30, memoryBytes: 256 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
      })
      console.log(JSON.stringify({ outcome: result.outcome }))`,
    )
    const { last, received } = await runWithSocketOnFd40(script)
    expect(last).toEqual({ outcome: 'exited' })
    expect(await readFile(join(dir, 'fd-out', 'open'), 'utf8')).toBe('0')
    expect(received).toBe('')
  })

  test('behavior: descriptors the node process inherited never reach the program when the launcher starts bubblewrap either (ready() waits for it; no shell in front)', async () => {
    const script = join(dir, 'fd-node-launcher.ts')
    const target = await program(
      `import fs from 'node:fs'
      ${started}
      const open = []
      for (let fd = 3; fd < 1024; fd++) {
        try { fs.fstatSync(fd); open.push(fd) } catch {}
      }
      for (const fd of open) try { fs.writeSync(fd, 'ada-123456789') } catch {}
      fs.writeFileSync('/out/open', JSON.stringify(open))`,
    )
    await writeFile(
      script,
      `import { bubblewrapRunner } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'bubblewrapRunner.ts')).href)}
      const logger = { child: () => logger, info() {}, warn() {}, error() {}, debug() {} }
      const runner = bubblewrapRunner({ workDir: ${JSON.stringify(join(dir, 'work'))}, nodePermissions: false, preparedAhead: 0 })({ logger })
      await runner.ready()
      const result = await runner.run({
        jobId: 'inherited-fds-launcher', program: { path: ${JSON.stringify(target)} }, config: {}, inputs: [],
        outputDir: ${JSON.stringify(join(dir, 'fd-launcher-out'))},
        limits: { wallTimeMs: 30000, cpuSeconds: 30, memoryBytes: 256 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
      })
      await runner.stop()
      console.log(JSON.stringify({ outcome: result.outcome, cpu: result.cpuMs !== null }))`,
    )
    const { last, received } = await runWithSocketOnFd40(script)
    // Counted by its cgroups all the same (with cgroups: the launcher moved bubblewrap in).
    expect(last).toEqual({ outcome: 'exited', cpu: isRoot })
    // Inside, only Node's own descriptors from 3 up (none of the node process's), and nothing came out on fd 40.
    expect(received).toBe('')
    const open = JSON.parse(await readFile(join(dir, 'fd-launcher-out', 'open'), 'utf8')) as number[]
    expect(open).not.toContain(40)
  })

  test('behavior: an output tree too deep for a host path is an output limit, and no error or log names it', async () => {
    // Names under /out are the program's and may spell data; an error naming a path would carry
    // them into the node's logs (and used to fail the job as a node fault, not charged).
    const s = await spec(
      `import fs from 'node:fs'
      ${started}
      const secret = 'SECRET-' + fs.readFileSync('/data/secret.csv', 'utf8').trim()
      let path = '/out'
      while (path.length + 256 < 4095) { path += '/' + (secret + 'x'.repeat(255)).slice(0, 255); fs.mkdirSync(path) }
      fs.writeFileSync(path + '/' + (secret + 'y'.repeat(255)).slice(0, 4094 - path.length - 1), 'z')`,
      { inputs: [{ name: 'secret.csv', source: [new TextEncoder().encode('ada-123456789')] }] },
    )
    const result = await guarded.run(s)
    expect(result.outcome).toBe('output-limit')
    expect(log.lines.filter((line) => line.includes('ada-123456789'))).toEqual([])
  })

  test('behavior: start latency (spawn to "started") is recorded for each run, within the run (its timing is scripts/bench/sandbox.ts\'s)', async () => {
    const result = await guarded.run(await spec(started))
    expect(result.outcome).toBe('exited')
    expect(result.startLatencyMs).toBeGreaterThan(0)
    expect(result.startLatencyMs!).toBeLessThanOrEqual(result.durationMs)
  })
})

/**
 * A program's job in either kind of sandbox: a cold one's `/job/config.json` and `/data/<name>`,
 * or a pre-started one's frames on `DATAVAULT_JOB_FD` (type, 4-byte length, payload; see warm-job.ts).
 */
const readJob = `
function readJob() {
  const fd = process.env.DATAVAULT_JOB_FD
  if (fd === undefined) return { config: JSON.parse(fs.readFileSync('/job/config.json', 'utf8')), input: (name) => fs.readFileSync('/data/' + name) }
  const chunks = []
  const buffer = Buffer.alloc(1 << 16)
  for (;;) { const n = fs.readSync(Number(fd), buffer); if (n === 0) break; chunks.push(Buffer.from(buffer.subarray(0, n))) }
  const all = Buffer.concat(chunks)
  let at = 0, config, current
  const inputs = new Map()
  while (at < all.length) {
    const type = all[at], length = all.readUInt32BE(at + 1), payload = all.subarray(at + 5, at + 5 + length)
    at += 5 + length
    if (type === 1) config = JSON.parse(payload.toString())
    else if (type === 2) inputs.set(payload.toString(), (current = []))
    else if (type === 3) current.push(payload)
  }
  return { config, input: (name) => Buffer.concat(inputs.get(name)) }
}
`

describe('bubblewrapRunner: pre-started sandboxes', () => {
  let pdir: string
  /** Kernel isolation alone (as `bare` above), with sandboxes started ahead. */
  let runner: ReturnType<ReturnType<typeof bubblewrapRunner>>
  let n = 0
  beforeAll(async () => {
    pdir = await mkdtemp(join(tmpdir(), 'sandbox-prestart-test-'))
    await chmod(pdir, 0o711)
    runner = bubblewrapRunner({ workDir: join(pdir, 'work'), nodePermissions: false })({ logger: memoryLogger().logger })
  })
  afterAll(async () => {
    await runner?.stop()
    await rm(pdir, { recursive: true, force: true })
  })
  const prestartedSpec = async (source: string, overrides: Partial<RunSpec> = {}): Promise<RunSpec> => {
    const path = join(pdir, `program-${++n}.mjs`)
    await writeFile(path, source)
    return { jobId: `prestarted-${n}`, program: { path }, config: {}, inputs: [], outputDir: join(pdir, `out-${n}`), limits, ...overrides }
  }
  /** The same program and limits again, for a second run (a fresh job id and output dir). */
  const again = (s: RunSpec): RunSpec => ({ ...s, jobId: `${s.jobId}-again`, outputDir: `${s.outputDir}-again` })

  test('behavior: a pre-started sandbox serves one job with what a cold one gives, sees nothing a cold one does not, and is replaced for the next', async () => {
    const server = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const source = `import fs from 'node:fs'
        import net from 'node:net'
        import os from 'node:os'
        import { spawnSync } from 'node:child_process'
        ${readJob}
        const job = readJob()
        console.log(JSON.stringify({ event: 'started' }))
        const attempt = (fn) => { try { fn(); return 'ok' } catch (e) { return e.code ?? e.message } }
        const connect = (options) => new Promise((resolve) => {
          const socket = net.connect(options)
          socket.on('connect', () => { socket.destroy(); resolve('connected') })
          socket.on('error', (e) => resolve(e.code))
          setTimeout(() => { socket.destroy(); resolve('timeout') }, 3000)
        })
        const facts = {
          uid: process.getuid(),
          data: job.input('secret.csv').toString(),
          config: job.config,
          root: fs.readdirSync('/').sort(),
          mounts: fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter(Boolean).map((line) => line.split(' ')[4]).sort(),
          fds: fs.readdirSync('/proc/self/fd').map(Number).sort((a, b) => a - b).map((fd) => fd + ' ' + attempt(() => { throw { code: fs.readlinkSync('/proc/self/fd/' + fd) } })),
          limits: fs.readFileSync('/proc/self/limits', 'utf8'),
          meminfo: fs.readFileSync('/proc/meminfo', 'utf8'),
          cgroup: fs.readFileSync('/proc/self/cgroup', 'utf8'),
          writeRoot: attempt(() => fs.writeFileSync('/evil', 'x')),
          writeUsr: attempt(() => fs.writeFileSync('/usr/evil', 'x')),
          writeTmp: attempt(() => fs.writeFileSync('/tmp/ok', 'x')),
          writeDevShm: attempt(() => fs.writeFileSync('/dev/shm/x', 'x')),
          hostPaths: ['/etc', '/work', '/root', '/home', '/var', '/run', '/sys/fs/cgroup'].filter((p) => fs.existsSync(p)),
          pids: fs.readdirSync('/proc').filter((name) => /^\\d+$/.test(name)).length,
          signalHost: attempt(() => process.kill(job.config.hostPid, 0)),
          tcp: await connect({ host: '127.0.0.1', port: job.config.port }),
          interfaces: Object.keys(os.networkInterfaces()),
          capEff: /CapEff:\\s+(\\w+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1],
          noNewUserNs: spawnSync('/usr/bin/unshare', ['--user', '/usr/bin/true']).status,
          hostname: os.hostname(),
          env: Object.keys(process.env).sort(),
        }
        fs.writeFileSync('/out/facts.json', JSON.stringify(facts))`
      const config = { port: (server.address() as AddressInfo).port, hostPid: process.pid }
      const inputs = () => [{ name: 'secret.csv', source: [new TextEncoder().encode('name,ssn\nalice,123')] }]
      const cold = await prestartedSpec(source, { config, inputs: inputs() })
      const coldResult = await runner.run(cold)
      expect(coldResult).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: false })

      runner.prestart({ kind: 'test/facts', program: cold.program, limits })
      expect(runner.prestarted()).toBe(1)
      const warm = { ...again(cold), inputs: inputs() }
      const warmResult = await runner.run(warm)
      expect(warmResult.stderrTail).toBe('')
      expect(warmResult).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: true, })
      expect({ ...warmResult.enforcement, uid: 0 }).toEqual({ ...coldResult.enforcement, uid: 0 })
      // Its replacement was started as it was taken: one is waiting again, for the next job only.
      expect(runner.prestarted()).toBe(1)

      const coldFacts = JSON.parse(await readFile(join(cold.outputDir, 'facts.json'), 'utf8'))
      const warmFacts = JSON.parse(await readFile(join(warm.outputDir, 'facts.json'), 'utf8'))
      // The job arrived whole, and the confinement is the cold one's, limits and views included.
      const same = ['data', 'config', 'limits', 'meminfo', 'cgroup', 'writeRoot', 'writeUsr', 'writeTmp', 'writeDevShm', 'hostPaths', 'pids', 'signalHost', 'tcp', 'interfaces', 'capEff', 'hostname'] as const
      for (const fact of same) expect({ [fact]: warmFacts[fact] }).toEqual({ [fact]: coldFacts[fact] })
      expect(warmFacts).toMatchObject({ data: 'name,ssn\nalice,123', hostPaths: [], signalHost: 'ESRCH', tcp: 'ECONNREFUSED', interfaces: ['lo'], capEff: '0000000000000000' })
      expect(warmFacts.noNewUserNs).not.toBe(0)
      // What differs is less, never more: no /job and no /data (its job came on its descriptor, named in its environment).
      expect(coldFacts.root.filter((p: string) => !warmFacts.root.includes(p))).toEqual(['data', 'job'])
      expect(warmFacts.root.filter((p: string) => !coldFacts.root.includes(p))).toEqual([])
      expect(warmFacts.mounts.filter((p: string) => !coldFacts.mounts.includes(p))).toEqual([])
      expect(warmFacts.env).toEqual([...coldFacts.env, 'DATAVAULT_JOB_FD'].sort())
      // Descriptors by kind: the same, plus its job's socket (the node's end closed once the job was in).
      const kinds = (fds: string[]) => fds.map((fd) => fd.split(' ')[1]!.replace(/:\[\d+\]$/, '')).sort()
      expect(kinds(warmFacts.fds)).toEqual(kinds([...coldFacts.fds, '13 socket:[0]']))
      expect(warmFacts.fds).toContainEqual(expect.stringMatching(/^13 socket:/))
      if (isRoot) {
        expect(warmFacts.uid).toBe(warmResult.enforcement.uid)
        expect(warmFacts.uid).toBeGreaterThanOrEqual(1_900_000_000)
        // Nothing of it outlives its job.
        expect(await processesOfUid(warmResult.enforcement.uid)).toEqual([])
      }
    } finally {
      server.close()
    }
  })

  test('behavior: the limits hold in a pre-started sandbox: a memory hog is stopped, a sleeper is killed at its wall time counted from its job', async () => {
    const hog = await prestartedSpec(`import fs from 'node:fs'\n${readJob}\nreadJob()\n${started}const keep = []; for (;;) keep.push(Buffer.alloc(16 * 1024 * 1024, 1))`, {
      limits: { ...limits, memoryBytes: 128 * 1024 ** 2 },
    })
    runner.prestart({ kind: 'test/hog', program: hog.program, limits: hog.limits })
    const hogResult = await runner.run(hog)
    expect(hogResult).toMatchObject({ outcome: 'memory-limit', prestarted: true })
    if (isRoot) expect(hogResult.peakMemoryBytes).toBeLessThanOrEqual(128 * 1024 ** 2)

    const sleeper = await prestartedSpec(`import fs from 'node:fs'\n${readJob}\nreadJob()\n${started}setInterval(() => {}, 1000)`, { limits: { ...limits, wallTimeMs: 1000 } })
    runner.prestart({ kind: 'test/sleeper', program: sleeper.program, limits: sleeper.limits })
    const sleeperResult = await runner.run(sleeper)
    expect(sleeperResult).toMatchObject({ outcome: 'timeout', prestarted: true })
    expect(sleeperResult.durationMs).toBeGreaterThanOrEqual(1000)
    if (isRoot) expect(await processesOfUid(sleeperResult.enforcement.uid)).toEqual([])
  })

  test('error: a job whose program or limits match no pre-started sandbox starts cold; one whose program does not match its hash never serves', async () => {
    const s = await prestartedSpec(`import fs from 'node:fs'\n${readJob}\nreadJob()\n${started}`)
    runner.prestart({ kind: 'test/other-limits', program: s.program, limits: { ...limits, memoryBytes: 192 * 1024 ** 2 } })
    expect(await runner.run(s)).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: false })

    const wrongHash = { ...s.program, sha256: `0x${'0'.repeat(64)}` as const }
    runner.prestart({ kind: 'test/wrong-hash', program: wrongHash, limits })
    await expect(runner.run({ ...again(s), program: wrongHash })).rejects.toMatchObject({ code: 'SANDBOX_SPEC_INVALID' })
  })

  test('args: prestartPerKind 2 keeps two of the same limits started ahead, and a run served from them tops them up to two again', async () => {
    const own = bubblewrapRunner({ workDir: join(pdir, 'two-work'), nodePermissions: false, prestartPerKind: 2 })({ logger: memoryLogger().logger })
    try {
      const s = await prestartedSpec(`import fs from 'node:fs'\n${readJob}\nreadJob()\n${started}`)
      own.prestart({ kind: 'test/two', program: s.program, limits })
      expect(own.prestarted()).toBe(2)
      // Asked again for the same limits: already two, none more.
      own.prestart({ kind: 'test/two', program: s.program, limits })
      expect(own.prestarted()).toBe(2)
      expect(await own.run(s)).toMatchObject({ outcome: 'exited', exitCode: 0, prestarted: true })
      expect(own.prestarted()).toBe(2)
      // Other limits for the kind: the pool stays at two, the older limits' sandboxes making way.
      own.prestart({ kind: 'test/two', program: s.program, limits: { ...limits, outputBytes: 3 * 1024 ** 2 } })
      expect(own.prestarted()).toBe(2)
    } finally {
      await own.stop()
    }
  })

  test('behavior: stop() kills every pre-started sandbox and frees what it held; no more are started after', async () => {
    const own = bubblewrapRunner({ workDir: join(pdir, 'stop-work'), nodePermissions: false })({ logger: memoryLogger().logger })
    const s = await prestartedSpec(`import fs from 'node:fs'\n${readJob}\nreadJob()\n${started}`)
    own.prestart({ kind: 'test/a', program: s.program, limits })
    own.prestart({ kind: 'test/b', program: s.program, limits: { ...limits, outputBytes: 2 * 1024 ** 2 } })
    // The bound: one per kind; a kind's newer limits replace its older.
    own.prestart({ kind: 'test/b', program: s.program, limits: { ...limits, outputBytes: 3 * 1024 ** 2 } })
    expect(own.prestarted()).toBe(2)
    // A run serves from the pool and refills it: it has started, so stop() has something to kill.
    expect(await own.run(s)).toMatchObject({ outcome: 'exited', prestarted: true })
    const stagings = () => readdirSync(join(pdir, 'stop-work')).filter((name) => name.startsWith('job-'))
    expect(stagings().length).toBeGreaterThan(0)
    await own.stop()
    expect(own.prestarted()).toBe(0)
    expect(stagings()).toEqual([])
    own.prestart({ kind: 'test/a', program: s.program, limits })
    expect(own.prestarted()).toBe(0)
  })
})

describe('bubblewrapRunner: clean-up after the result, sets made ahead', () => {
  let adir: string
  beforeAll(async () => {
    adir = await mkdtemp(join(tmpdir(), 'sandbox-ahead-test-'))
    await chmod(adir, 0o711)
  })
  afterAll(async () => {
    await rm(adir, { recursive: true, force: true })
  })
  const stagingsIn = (workDir: string) => (existsSync(workDir) ? readdirSync(workDir).filter((name) => name.startsWith('job-')) : [])
  const jobCgroups = (jobId: string) =>
    spawnSync('sh', ['-c', `find /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/cpuacct -maxdepth 4 -type d -name 'datavault-${process.pid}-${jobId}-*'`], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter(Boolean)
  const job = async (jobId: string, source: string) => ({
    jobId,
    program: { path: await program(source) },
    config: {},
    inputs: [],
    outputDir: join(adir, `${jobId}-out`),
    limits,
  })

  test.skipIf(!isRoot)('behavior: the result comes once every process is dead; staging, cgroups and uid are cleaned up after it, and stop() waits for that (skipped unless root: per-job uids and cgroups need root)', async () => {
    const workDir = join(adir, 'after-work')
    const own = bubblewrapRunner({ workDir, nodePermissions: false, preparedAhead: 0 })({ logger: memoryLogger().logger })
    const result = await own.run(await job('after-1', `${started}setTimeout(() => {}, 50)`))
    expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
    // Nothing of the job runs any more when its result comes...
    expect(await processesOfUid(result.enforcement.uid)).toEqual([])
    expect(result.phases?.cleanup).toBe(0)
    // ...while what it held is still being cleaned up: its uid stays locked until that is done.
    expect(stagingsIn(workDir)).toHaveLength(1)
    expect(existsSync(`/run/datavault-sandbox/uids/${result.enforcement.uid}`)).toBe(true)
    await own.stop()
    expect(stagingsIn(workDir)).toEqual([])
    expect(jobCgroups('after-1')).toEqual([])
    expect(existsSync(`/run/datavault-sandbox/uids/${result.enforcement.uid}`)).toBe(false)
  })

  test.skipIf(!isRoot)('behavior: a set made ahead (uid, staging, cgroups) serves one job only: concurrent and back-to-back cold jobs each get their own, and stop() frees the spare (skipped unless root: per-job uids and cgroups need root)', async () => {
    const workDir = join(adir, 'ahead-work')
    const own = bubblewrapRunner({ workDir, nodePermissions: false })({ logger: memoryLogger().logger })
    try {
      // No set is made before a cold job has run.
      await own.ready()
      await own.idle()
      expect(stagingsIn(workDir)).toEqual([])
      const writes = (name: string) => `import fs from 'node:fs'\n${started}fs.writeFileSync('/out/${name}', '${name}')\nfs.writeFileSync('/out/entries', String(fs.readdirSync('/out').length))`
      const first = await own.run(await job('ahead-1', writes('one')))
      await own.idle()
      // The first job is cleaned up; one set waits for the next.
      expect(stagingsIn(workDir)).toHaveLength(1)
      const [a, b] = await Promise.all([own.run(await job('ahead-2', writes('two'))), own.run(await job('ahead-3', writes('three')))])
      const c = await own.run(await job('ahead-4', writes('four')))
      // Each job's /out was its own: it held only what that job wrote.
      for (const [result, id, name] of [[first, 'ahead-1', 'one'], [a, 'ahead-2', 'two'], [b, 'ahead-3', 'three'], [c, 'ahead-4', 'four']] as const) {
        expect(result).toMatchObject({ outcome: 'exited', exitCode: 0 })
        expect((await readdir(join(adir, `${id}-out`))).sort()).toEqual(['entries', name])
        expect(await readFile(join(adir, `${id}-out`, 'entries'), 'utf8')).toBe('1')
      }
      // And each ran as its own uid.
      expect(new Set([a.enforcement.uid, b.enforcement.uid]).size).toBe(2)
      // The job right after ran while the one before was still being cleaned up: never as its uid.
      expect(c.enforcement.uid).not.toBe(b.enforcement.uid)
      expect(c.enforcement.uid).not.toBe(a.enforcement.uid)
      await own.idle()
      expect(stagingsIn(workDir)).toHaveLength(1)
    } finally {
      await own.stop()
    }
    expect(stagingsIn(workDir)).toEqual([])
  })
})
