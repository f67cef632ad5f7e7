import { type ChildProcess, fork, spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'

/** How to start a process: as `child_process.spawn` takes it, every descriptor a pipe or ignored. */
export type LaunchOptions = {
  uid?: number | undefined
  gid?: number | undefined
  cwd: string
  env: Record<string, string>
  stdio: readonly ('pipe' | 'ignore')[]
  /** The descriptors the caller reads to their end (stdout, stderr, a status fd): `closed` waits for them too. */
  read: readonly number[]
  /**
   * Data written to these descriptors (each a `pipe` in `stdio`) as soon as the process runs (after
   * it joined `isolate.cgroupProcs`), which are then closed: they are not handed back (null in
   * `stdio`). Small data (a pipe holds 64 KiB) costs no round trip; the process may read it at once.
   */
  write?: readonly { fd: number; data: Uint8Array }[] | undefined
  /**
   * Starts the process with no descriptor but its `stdio` (none of those the node process inherited
   * from its supervisor or a harness without close-on-exec) and inside these cgroups (their
   * `cgroup.procs` files) before it gets any `write` data, so a process that first waits for that
   * data (bubblewrap reads its options first) is counted before it can start anything. The launcher
   * closed what it inherited when it started and moves the process in itself; a process started
   * directly is started through `bash`, which closes the descriptors, moves itself in and execs the
   * command (exit 125 when a cgroup refuses it).
   */
  isolate?: { bash: string; cgroupProcs: readonly string[] } | undefined
}

/** A process started by a {@link ProcessLauncher}: what the sandbox uses of a `ChildProcess`. */
export type LaunchedProcess = {
  pid: number
  /** The node's end of each `pipe` descriptor, by fd; null for `ignore`. */
  stdio: (Duplex | null)[]
  /** Sends a signal while the process has not exited; false once it has. */
  kill(signal: NodeJS.Signals): boolean
  /** The exit, once the process exited and every descriptor in `read` reached its end. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts processes for the sandbox. */
export type ProcessLauncher = {
  /** Resolves once the process runs and its descriptors are the node's; rejects when it could not be started. */
  launch(command: string, args: readonly string[], options: LaunchOptions): Promise<LaunchedProcess>
  /** Starts the launcher process now, so the first job does not wait for it; resolves with whether it booted. */
  warm(): Promise<boolean>
}

const launcherPath = fileURLToPath(new URL('./launcher.mjs', import.meta.url))

type Reply = { ready?: true; id: number; pid?: number; fd?: number; handed?: true; error?: { code?: string; message: string }; exit?: { code: number | null; signal: NodeJS.Signals | null } }
type Pending = { onReply(reply: Reply, handle: unknown): void; onGone(): void }

/**
 * How `bash` isolates a process started directly (see `LaunchOptions.isolate`): it closes every
 * descriptor from `$1` up (the node's inherited ones; dash cannot close those above 9), writes its
 * pid to the `$2` files after it, then execs the rest.
 */
const isolateScript =
  'keep=$1; shift; for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -ge "$keep" ]; then eval "exec $fd>&-"; fi; done; ' +
  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"'

/** A process started by the node itself (`child_process.spawn`): one fork of the node per process. */
export async function launchDirectly(command: string, args: readonly string[], options: LaunchOptions): Promise<LaunchedProcess> {
  const { isolate } = options
  const [file, argv] = isolate
    ? [isolate.bash, ['-c', isolateScript, 'sandbox', String(options.stdio.length), String(isolate.cgroupProcs.length), ...isolate.cgroupProcs, command, ...args]]
    : [command, [...args]]
  const child = spawn(file, argv, { uid: options.uid, gid: options.gid, cwd: options.cwd, env: options.env, stdio: [...options.stdio] })
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  const stdio = child.stdio.map((stream) => (stream ?? null) as Duplex | null)
  // bash joins the cgroups before it execs the command, which only then reads what is written here.
  for (const { fd, data } of options.write ?? []) {
    const stream = stdio[fd]
    stdio[fd] = null
    stream?.on('error', () => {})
    stream?.end(data)
  }
  let exited = false
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', () => (exited = true))
    child.once('close', (code, signal) => resolve({ code, signal }))
  })
  return {
    pid: child.pid!,
    stdio,
    kill: (signal) => !exited && child.kill(signal),
    closed,
  }
}

/**
 * Starts the sandbox's processes from one small launcher process (`launcher.mjs`, forked once,
 * on first use or by `warm()`), which hands each process's pipes back over its IPC channel: a fork
 * of the launcher costs a few ms, a fork of a node that holds a GiB costs hundreds on a loaded
 * host and blocks its event loop. The processes are the same, with the same uid, gid, environment
 * and descriptors. While the launcher boots (the first job, or the first after it left idle),
 * and where it cannot run or dies, processes are started directly
 * ({@link launchDirectly}). The launcher never keeps the node alive (its channel is unreferenced
 * while nothing is pending), exits after `idleMs` with no process running, and exits, killing its
 * processes, when the node goes.
 *
 * @example
 * const launcher = processLauncher()
 * const child = await launcher.launch('/usr/bin/bash', ['-c', 'exec "$@"', 'sandbox', bwrap, ...argv], { cwd: '/', env, stdio, read: [1, 2, 3] })
 */
export function processLauncher({ idleMs = 60_000 }: { idleMs?: number | undefined } = {}): ProcessLauncher {
  let launcher: ChildProcess | undefined
  /** Whether the launcher has started and answers: until then processes are started directly. */
  let booted = false
  /** Who waits for the launcher to boot (true) or go (false). */
  let bootWaiters: ((booted: boolean) => void)[] = []
  const settleBoot = (value: boolean) => {
    const waiters = bootWaiters
    bootWaiters = []
    hold()
    for (const waiter of waiters) waiter(value)
  }
  let unusable = false
  const pending = new Map<number, Pending>()
  let nextId = 1

  const hold = () => {
    if (!launcher?.channel) return
    // Held open while a process is asked for or someone waits for the boot (`warm()`).
    if (pending.size > 0 || bootWaiters.length > 0) {
      launcher.ref()
      launcher.channel.ref()
    } else {
      launcher.unref()
      launcher.channel.unref()
    }
  }

  const start = () => {
    if (launcher || unusable) return launcher
    let child: ChildProcess
    try {
      child = fork(launcherPath, [String(idleMs)], { cwd: '/', env: {}, execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'json' })
    } catch {
      unusable = true
      return undefined
    }
    launcher = child
    child.on('message', (reply: Reply, handle: unknown) => {
      if (reply.ready) {
        booted = launcher === child
        settleBoot(booted)
      }
      else pending.get(reply.id)?.onReply(reply, handle)
    })
    const gone = () => {
      if (launcher !== child) return
      launcher = undefined
      booted = false
      settleBoot(false)
      for (const request of [...pending.values()]) request.onGone()
      pending.clear()
    }
    child.once('error', () => {
      unusable = true
      gone()
    })
    child.once('exit', gone)
    child.once('disconnect', gone)
    hold()
    return child
  }

  async function launch(command: string, args: readonly string[], options: LaunchOptions): Promise<LaunchedProcess> {
    // A launcher still booting (the first job, or the first after it left idle) is not waited for:
    // the process is started directly, as it was before there was a launcher.
    const child = start()
    if (!child?.connected || !booted) return launchDirectly(command, args, options)
    const id = nextId++
    return new Promise<LaunchedProcess>((resolve, reject) => {
      const stdio: (Duplex | null)[] = options.stdio.map(() => null)
      let pid: number | undefined
      let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined
      let exited!: (value: { code: number | null; signal: NodeJS.Signals | null }) => void
      const exitKnown = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => (exited = done))
      let started = false
      const finish = (value: { code: number | null; signal: NodeJS.Signals | null }) => {
        exit = value
        pending.delete(id)
        hold()
        exited(value)
      }
      pending.set(id, {
        onReply(reply, handle) {
          if (reply.error) {
            pending.delete(id)
            hold()
            for (const socket of stdio) socket?.destroy()
            reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }))
          } else if (reply.pid !== undefined) pid = reply.pid
          else if (reply.fd !== undefined && handle) stdio[reply.fd] = handle as Socket
          else if (reply.handed) {
            started = true
            const ends = options.read.map((fd) => {
              const socket = stdio[fd]
              return socket === null || socket === undefined || socket.destroyed ? Promise.resolve() : new Promise<void>((done) => socket.once('close', () => done()))
            })
            resolve({
              pid: pid!,
              stdio,
              kill: (signal) => {
                if (exit !== undefined || pid === undefined) return false
                try {
                  process.kill(pid, signal)
                  return true
                } catch {
                  return false
                }
              },
              closed: Promise.all([exitKnown, ...ends]).then(([value]) => value),
            })
          } else if (reply.exit) finish(reply.exit)
        },
        onGone() {
          // The launcher went (it kills its processes as it goes; bubblewrap runs with
          // --die-with-parent): before the process was handed over (e.g. it left idle just as this
          // request was sent), the process is started directly instead.
          if (!started) {
            for (const socket of stdio) socket?.destroy()
            resolve(launchDirectly(command, args, options))
          } else if (exit === undefined) {
            for (const socket of stdio) socket?.destroy()
            finish({ code: null, signal: 'SIGKILL' })
          }
        },
      })
      hold()
      child.send({
        op: 'spawn',
        id,
        command,
        args,
        uid: options.uid,
        gid: options.gid,
        cwd: options.cwd,
        env: options.env,
        stdio: options.stdio,
        join: options.isolate?.cgroupProcs ?? [],
        write: (options.write ?? []).map(({ fd, data }) => ({ fd, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') })),
      })
    })
  }

  return {
    launch,
    warm() {
      if (!start()) return Promise.resolve(false)
      if (booted) return Promise.resolve(true)
      return new Promise<boolean>((resolve) => {
        bootWaiters.push(resolve)
        hold()
      })
    },
  }
}
