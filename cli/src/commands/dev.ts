import { mkdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import type { Command } from '../command.ts'
import { helpRequested } from '../command.ts'
import { CliNotFoundError, CliUsageError } from '../errors.ts'
import { writeFileAtomic } from '../files.ts'

const help = `datavault dev — run the local stack in the foreground

Usage:
  datavault dev [--data-dir DIR] [--persist] [--port N] [--chain-port N] [--keyholders N [--threshold T]] [--json]
  datavault dev --stop [--data-dir DIR]

Starts a Hardhat chain with Ocean's contracts, an embedded IPFS node, a vault node and the
bubblewrap sandbox; prints the RPC and vault URLs, then a line with \`ready\`; writes the contract
addresses and funded TEST accounts to DIR/dev.json, which the other commands read (run them in the
same directory, or pass --dev-dir DIR). The chain is fresh on every start, and what a previous
run left in DIR is deleted, unless --persist.

Stopping: Ctrl-C, SIGTERM or SIGHUP stops everything. Started in the background through npx or
npm (\`npx datavault dev &\`), stop it with \`npx datavault dev --stop\` (same directory or
--data-dir): npm does not pass SIGINT on to the program, so \`kill -INT $!\` reaches npm only.
\`kill $!\` (SIGTERM) works too: npm's shell exits, and the stack stops when its parent is gone.
The running stack's process id is in DIR/dev.pid.

Options:
  --data-dir DIR   where the stack keeps its state and dev.json (default .datavault)
  --persist        keep everything between runs: the chain is journaled to DIR/chain as it is
                   mined and replayed on the next start (same contracts, datasets, orders and
                   balances), and the node's and key holders' data stay. A run without --persist
                   starts fresh and deletes them
  --port N         vault API port (default 8700; 0 picks a free one)
  --chain-port N   chain RPC port (default 8545; 0 picks a free one)
  --keyholders N   start N key holders beside the node (each its own keys and store, registered
                   on the KeyHolderRegistry); data keys are then split T of N across them.
                   Default 0: the node holds keys alone (1 of 1)
  --threshold T    how many key holders a job needs (default: a majority of N)
  --stop           stop the stack running from --data-dir (its DIR/dev.pid), wait until it has
                   stopped; exit 4 when none runs there
  --json           when ready, print one JSON document on stdout ({ rpcUrl, vaultUrl, chainId,
                   devFile, ready: true }); the steps go to stderr
  -h, --help       show this help

Examples:
  datavault dev
  datavault dev --data-dir /tmp/dv --port 8701
  datavault dev --persist                         # restart later with everything still there
  datavault dev --keyholders 3 --threshold 2
  datavault dev --port 0 --chain-port 0 --json | jq -r .vaultUrl
  npx datavault dev & …; npx datavault dev --stop
`

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!/^\d+$/.test(value) || !Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) throw new CliUsageError(`--${name} must be a port number (0-65535), got "${value}".`)
  return parsed
}

/** The file beside dev.json that names the process running the stack. */
const pidFileName = 'dev.pid'

/** The pid a dev stack's pid file names, if that process still runs a `datavault dev` (a reused pid is not ours). */
async function runningStack(pidFile: string): Promise<number | undefined> {
  const text = await readFile(pidFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  const pid = Number(text?.trim())
  if (!Number.isSafeInteger(pid) || pid <= 1) return undefined
  try {
    process.kill(pid, 0)
  } catch {
    return undefined
  }
  // On Linux, check the process is still a datavault dev (its id may have been reused since).
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined)
  if (cmdline !== undefined && !(cmdline.includes('datavault') && cmdline.split('\0').includes('dev'))) return undefined
  return pid
}

/** `datavault dev --stop`: SIGTERM to the stack's process, then wait (up to a minute) until it is gone. */
async function stopStack(dataDir: string, say: NodeJS.WritableStream): Promise<number> {
  const pidFile = join(dataDir, pidFileName)
  const pid = await runningStack(pidFile)
  if (pid === undefined) throw new CliNotFoundError(`No dev stack is running from ${dataDir} (no live process in ${pidFile}).`, { code: 'DEV_NOT_RUNNING' })
  process.kill(pid, 'SIGTERM')
  say.write(`stopping the dev stack (pid ${pid})…\n`)
  for (let waited = 0; waited < 60_000; waited += 250) {
    if ((await runningStack(pidFile)) === undefined) {
      say.write('stopped\n')
      return 0
    }
    await sleep(250)
  }
  throw new CliNotFoundError(`The dev stack (pid ${pid}) did not stop within a minute; \`kill -KILL ${pid}\` ends it without cleanup.`, { code: 'DEV_STOP_TIMEOUT' })
}

/**
 * Aborts when this process's parent is gone (it was re-parented): under \`npx datavault dev &\`, a
 * SIGTERM to npx ends npm's shell, never this process; without this the stack would run on, orphaned.
 */
function whenParentExits(controller: AbortController): () => void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid !== parent) controller.abort('parent process exited')
  }, 500)
  timer.unref()
  return () => clearInterval(timer)
}

/** `datavault dev`: the local stack in the foreground. */
export const devCommand: Command = {
  name: 'dev',
  summary: 'run the local stack (chain, Ocean contracts, IPFS, vault node, sandbox) in the foreground',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string', default: '.datavault' },
        persist: { type: 'boolean' },
        port: { type: 'string' },
        'chain-port': { type: 'string' },
        keyholders: { type: 'string' },
        threshold: { type: 'string' },
        stop: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const dataDir = resolve(io.cwd, values['data-dir'])
    if (values.stop) {
      if (values.persist || values.port !== undefined || values['chain-port'] !== undefined || values.keyholders !== undefined || values.threshold !== undefined)
        throw new CliUsageError('--stop takes only --data-dir.')
      return await stopStack(dataDir, values.json ? io.stderr : io.stdout)
    }
    const pidFile = join(dataDir, pidFileName)
    const running = await runningStack(pidFile)
    if (running !== undefined)
      throw new CliUsageError(`A dev stack is already running from ${dataDir} (pid ${running}); stop it with \`datavault dev --stop\` or use another --data-dir.`, { code: 'DEV_RUNNING' })
    const vaultPort = port(values.port, 'port', 8700)
    const chainPort = port(values['chain-port'], 'chain-port', 8545)
    const count = (value: string | undefined, name: string, max: number) => {
      if (value === undefined) return undefined
      if (!/^\d+$/.test(value) || Number(value) > max) throw new CliUsageError(`--${name} must be a whole number from 0 to ${max}, got "${value}".`)
      return Number(value)
    }
    const keyHolders = count(values.keyholders, 'keyholders', 16) ?? 0
    const keyThreshold = count(values.threshold, 'threshold', 16)
    if (keyThreshold !== undefined && (keyHolders === 0 || keyThreshold < 1 || keyThreshold > keyHolders))
      throw new CliUsageError(`--threshold must be between 1 and --keyholders (${keyHolders}), got ${keyThreshold}.`)
    // A declared dependency, loaded once the arguments are checked (a usage error needs no vault node).
    const { startDevStack } = await import('@datavault/vault')
    const started = Date.now()
    // Stopped by a signal (io.signal) or by the parent going away; `--stop` finds it by its pid file.
    const stop = new AbortController()
    const onAbort = () => stop.abort(io.signal.reason)
    if (io.signal.aborted) onAbort()
    else io.signal.addEventListener('abort', onAbort, { once: true })
    const unwatch = whenParentExits(stop)
    await mkdir(dataDir, { recursive: true, mode: 0o700 })
    await writeFileAtomic(pidFile, `${process.pid}\n`)
    // With --json, stdout carries the one document; people's lines go to stderr.
    const say = values.json ? io.stderr : io.stdout
    const stack = await startDevStack({
      dataDir: values['data-dir'],
      persist: values.persist === true,
      port: vaultPort,
      chainPort,
      keyHolders,
      ...(keyThreshold !== undefined ? { keyThreshold } : {}),
      onStep: (line) => say.write(`  ${line}\n`),
    })
    const devFile = resolve(io.cwd, values['data-dir'], 'dev.json')
    say.write(`rpc:   ${stack.rpcUrl} (chainId ${stack.chainId})\nvault: ${stack.vaultUrl}\n`)
    if (stack.keyHolders.length) say.write(`keys:  ${stack.keyThreshold} of ${stack.keyHolders.length} key holders (${stack.keyHolders.map((holder) => holder.url).join(', ')})\n`)
    say.write(`accounts and addresses: ${values['data-dir']}/dev.json (test keys only)\n`)
    say.write(`ready in ${Date.now() - started} ms (Ctrl-C to stop)\n`)
    if (values.json) io.stdout.write(`${JSON.stringify({ rpcUrl: stack.rpcUrl, vaultUrl: stack.vaultUrl, chainId: stack.chainId, keyHolders: stack.keyHolders, keyThreshold: stack.keyThreshold, devFile, ready: true })}\n`)
    await new Promise<void>((resolve) => {
      if (stop.signal.aborted) return resolve()
      stop.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    unwatch()
    say.write(`\n${String(stop.signal.reason ?? 'signal')}: stopping…\n`)
    await stack.stop()
    // The pid file goes last, so `--stop` waits for the whole stack.
    if ((await readFile(pidFile, 'utf8').catch(() => '')).trim() === String(process.pid)) await rm(pidFile, { force: true })
    say.write('stopped\n')
    return 0
  },
}
