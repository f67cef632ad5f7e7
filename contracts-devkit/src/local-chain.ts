import { type ChildProcess, spawn } from 'node:child_process'
import { pbkdf2Sync } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { type Address, type Hex, toHex } from 'viem'
import { HDKey, privateKeyToAddress } from 'viem/accounts'
import { DataVaultError } from '@datavault/contracts'
import type { Logger } from '@datavault/contracts'

/** Ocean's "development" chain id, which `@oceanprotocol/lib` maps to the `development` addresses. */
export const localChainId = 8996

/**
 * Hardhat's default accounts, which the local chain keeps (see `hardhat.config.ts` for why).
 * Public test keys: never use them anywhere that holds value.
 */
export const localChainMnemonic = 'test test test test test test test test test test test junk'
/** How many funded accounts the local chain has. */
export const localChainAccountCount = 20
/** The balance of each funded account, in wei (10 000 ETH). */
export const localChainAccountBalance = 10_000n * 10n ** 18n

/** One funded account of the local chain. */
export type LocalChainAccount = { address: Address; privateKey: Hex }

export type StartLocalChainParameters = {
  /** TCP port for the JSON-RPC server; `0` (the default) picks a free one. */
  port?: number | undefined
  /** Interface to bind; defaults to `127.0.0.1` (Hardhat itself would pick 0.0.0.0 inside Docker). */
  host?: string | undefined
  /** Receives start/stop events and, at debug level, the node's own output (without key lines). */
  logger?: Logger | undefined
  /** How long to wait for the chain to answer `eth_chainId`; defaults to 30 s. */
  timeoutMs?: number | undefined
  /**
   * The genesis block's time (default: now). A chain replayed from a journal starts at the
   * recorded chain's genesis time, so that the recorded blocks' timestamps still come after it.
   */
  initialDate?: Date | undefined
}

export type StartLocalChainReturnType = {
  /** `http://host:port`; the same server also speaks WebSocket. */
  rpcUrl: string
  chainId: typeof localChainId
  /** The funded accounts, in Hardhat's order (account 0 is the usual deployer). */
  accounts: readonly LocalChainAccount[]
  /** Process id of the Hardhat node (leader of its own process group). */
  pid: number
  /** Milliseconds from spawn until the chain answered `eth_chainId`. */
  startupMs: number
  /** Stops the node and its process group; safe to call more than once. */
  stop(): Promise<void>
}

/** A running local chain, as returned by {@link startLocalChain}. */
export type LocalChain = StartLocalChainReturnType

/** The local Hardhat node did not start (or did not answer in time). */
export class LocalChainStartError extends DataVaultError {
  override name = 'LocalChainStartError'
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, { code: 'LOCAL_CHAIN_START_FAILED', status: 500, ...options })
  }
}

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
// Built (dist/*.js, the installed package) or run from the sources (the repository).
const nodeEntryPath = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './local-chain-node.ts' : './local-chain-node.js', import.meta.url))
const startedLine = /Started HTTP and WebSocket JSON-RPC server at (http:\/\/[^\s/]+)/
// Hardhat prints the private keys of its default accounts; such lines never reach a logger.
const ansiEscape = /\x1b\[[0-9;]*m/g
const secretLine = /private key|0x[0-9a-f]{64}/i

/**
 * Derives the local chain's accounts from its mnemonic (BIP-39 seed with node:crypto, BIP-32 path
 * m/44'/60'/0'/0/i), the same way Hardhat does.
 */
export function localChainAccounts(
  count: number = localChainAccountCount,
  mnemonic: string = localChainMnemonic,
): LocalChainAccount[] {
  const seed = pbkdf2Sync(mnemonic.normalize('NFKD'), 'mnemonic', 2048, 64, 'sha512')
  const master = HDKey.fromMasterSeed(seed)
  return Array.from({ length: count }, (_, index) => {
    const key = master.derive(`m/44'/60'/0'/0/${index}`).privateKey
    if (!key) throw new Error('BIP-32 derivation gave no private key')
    const privateKey = toHex(key)
    return { address: privateKeyToAddress(privateKey), privateKey }
  })
}

/**
 * Starts Hardhat 3's `node` task (EDR) in a child process (`local-chain-node.ts`, config
 * `hardhat.config.ts`) on chainId 8996 with 20 funded accounts, and resolves once the chain
 * answers `eth_chainId`.
 *
 * The child is Node 24 (`process.execPath`), leads its own process group, and dies with its
 * parent: `stop()` kills the group, an `exit` hook kills it if the parent exits without calling
 * `stop()`, and the child exits by itself when the parent's end of its stdin closes (parent
 * killed). The chain does not keep the parent's event loop alive.
 *
 * @example
 * const chain = await startLocalChain({ port: 0 })
 * const client = createWalletClient({
 *   account: privateKeyToAccount(chain.accounts[0].privateKey),
 *   transport: http(chain.rpcUrl),
 * })
 * // …
 * await chain.stop()
 */
export async function startLocalChain(
  parameters: StartLocalChainParameters = {},
): Promise<StartLocalChainReturnType> {
  const { port = 0, host = '127.0.0.1', logger, timeoutMs = 30_000, initialDate } = parameters
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new LocalChainStartError('Invalid port for the local chain.', { details: `port must be an integer in 0..65535, got ${port}` })
  }
  if (initialDate !== undefined && Number.isNaN(initialDate.getTime())) throw new LocalChainStartError('Invalid initial date for the local chain.')
  const startedAt = performance.now()
  const { NODE_OPTIONS: _ignored, ...parentEnv } = process.env
  const child = spawn(
    process.execPath,
    [nodeEntryPath, '--hostname', host, '--port', String(port), ...(initialDate ? ['--initial-date', initialDate.toISOString()] : [])],
    {
      cwd: packageRoot,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...parentEnv, HARDHAT_DISABLE_TELEMETRY: 'true', NO_COLOR: '1' },
    },
  )
  const pid = child.pid
  if (pid === undefined) {
    throw new LocalChainStartError('Could not spawn the local Hardhat node.')
  }
  logger?.debug({ pid, host, port }, 'local chain spawned')
  // Deriving the accounts costs ~200 ms of CPU; do it while the child boots.
  const accounts = localChainAccounts()

  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // already gone
    }
  }
  const onParentExit = () => killGroup('SIGKILL')
  process.on('exit', onParentExit)

  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stderrTail: string[] = []
  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end()
        killGroup('SIGTERM')
        const timer = setTimeout(() => killGroup('SIGKILL'), 3_000)
        await exited
        clearTimeout(timer)
      }
      // Children of the node (if any) share its group; make sure none is left.
      killGroup('SIGKILL')
      process.off('exit', onParentExit)
      logger?.info({ pid }, 'local chain stopped')
    })()
    return stopping
  }

  try {
    const rpcUrl = await waitForStartedLine(child, { timeoutMs, logger, stderrTail })
    await waitForChainId(rpcUrl, startedAt + timeoutMs)
    const startupMs = Math.round(performance.now() - startedAt)
    // From here on the chain must not keep the parent alive by itself.
    child.unref()
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as { unref?: () => void } | null)?.unref?.()
    logger?.info({ pid, rpcUrl, chainId: localChainId, startupMs }, 'local chain started')
    child.once('exit', (code, signal) => {
      if (stopping === undefined) logger?.warn({ pid, code, signal }, 'local chain exited unexpectedly')
    })
    return { rpcUrl, chainId: localChainId, accounts, pid, startupMs, stop }
  } catch (error) {
    await stop()
    if (error instanceof LocalChainStartError) throw error
    throw new LocalChainStartError('The local Hardhat node did not start.', {
      details: stderrTail.join('\n').slice(-2_000) || undefined,
      cause: error,
    })
  }
}

function waitForStartedLine(
  child: ChildProcess,
  options: { timeoutMs: number; logger: Logger | undefined; stderrTail: string[] },
): Promise<string> {
  const { timeoutMs, logger, stderrTail } = options
  return new Promise((resolve, reject) => {
    let found = false
    const timer = setTimeout(
      () => reject(new LocalChainStartError(`The local Hardhat node did not start within ${timeoutMs} ms.`, { details: stderrTail.join('\n').slice(-2_000) || undefined })),
      timeoutMs,
    )
    const onLine = (line: string) => {
      if (secretLine.test(line)) return
      const match = startedLine.exec(line)
      if (match && !found) {
        found = true
        clearTimeout(timer)
        resolve(match[1] as string)
      }
      if (line.trim() !== '') logger?.debug({ stream: 'stdout' }, line)
    }
    forEachLine(child.stdout, onLine)
    forEachLine(child.stderr, (line) => {
      if (secretLine.test(line)) return
      stderrTail.push(line)
      if (stderrTail.length > 40) stderrTail.shift()
      logger?.warn({ stream: 'stderr' }, line)
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(new LocalChainStartError('Could not spawn the local Hardhat node.', { cause: error }))
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      if (!found) {
        reject(new LocalChainStartError(`The local Hardhat node exited before it started (code ${code}, signal ${signal}).`, { details: stderrTail.join('\n').slice(-2_000) || undefined }))
      }
    })
  })
}

function forEachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return
  let buffer = ''
  stream.setEncoding('utf8')
  stream.on('data', (chunk: string) => {
    buffer += chunk
    let newline = buffer.indexOf('\n')
    while (newline !== -1) {
      onLine(buffer.slice(0, newline).replace(ansiEscape, '').replace(/\r$/, ''))
      buffer = buffer.slice(newline + 1)
      newline = buffer.indexOf('\n')
    }
  })
}

async function waitForChainId(rpcUrl: string, deadline: number): Promise<void> {
  let lastError: unknown
  while (performance.now() < deadline) {
    try {
      const response = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      })
      const body = (await response.json()) as { result?: string }
      if (body.result !== undefined) {
        if (Number(body.result) !== localChainId) {
          throw new LocalChainStartError('The local Hardhat node answered with an unexpected chain id.', { details: `expected ${localChainId}, got ${body.result}` })
        }
        return
      }
    } catch (error) {
      if (error instanceof LocalChainStartError) throw error
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  throw new LocalChainStartError('The local Hardhat node did not answer eth_chainId in time.', { cause: lastError })
}
