// A journal of the local chain, so that `datavault dev --persist` can restart without losing it.
// EDR keeps its state in memory and has no dump or load; but a chain is a function of its
// transactions and their blocks' times. The recorder appends every block's signed transactions and
// timestamp to a file (JSON lines, one block a line, written and synced as the blocks are mined);
// the replay starts a chain at the recorded genesis time and sends the same raw transactions into
// blocks of the same times, so every transaction gets the same hash, block number and effects, and
// everything that refers to them (orders, receipts, registrations) stays true.
import { open, readFile, truncate } from 'node:fs/promises'
import {
  type Hex,
  type PublicClient,
  type Transaction,
  createPublicClient,
  http,
  keccak256,
  numberToHex,
  serializeTransaction,
} from 'viem'
import { DataVaultError } from '@datavault/contracts'

/** The journal's first line: which chain it records. */
export type ChainJournalHeader = { version: 1; chainId: number; genesisTimestamp: number; genesisHash: Hex }

/** One recorded block: its number, timestamp (seconds) and signed transactions, in order. */
export type ChainJournalBlock = { number: number; timestamp: number; transactions: Hex[] }

/** A journal that cannot be read, or a chain that cannot be recorded or replayed from it. */
export class ChainJournalError extends DataVaultError {
  override name = 'ChainJournalError'
  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(shortMessage, { code: 'CHAIN_JOURNAL_INVALID', status: 500, ...options })
  }
}

/** What {@link readChainJournal} found: the header, the blocks, and whether a torn last line was dropped. */
export type ReadChainJournalReturnType = { header: ChainJournalHeader; blocks: ChainJournalBlock[]; tornTail: boolean }

/**
 * Reads a journal. A last line cut short (the process was killed while writing it) is dropped and
 * cut off the file, so the recorder appends after the last whole block; a bad line anywhere else
 * is a {@link ChainJournalError}.
 */
export async function readChainJournal(file: string): Promise<ReadChainJournalReturnType> {
  const text = await readFile(file, 'utf8')
  const lines = text.split('\n')
  const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines
  let tornTail = false
  let parsed: unknown[] = []
  try {
    parsed = complete.map((line, index) => {
      try {
        return JSON.parse(line) as unknown
      } catch (error) {
        if (index === complete.length - 1 && !text.endsWith('\n')) {
          tornTail = true
          return undefined
        }
        throw error
      }
    })
  } catch (error) {
    throw new ChainJournalError(`The chain journal ${file} has a damaged line.`, { cause: error })
  }
  if (tornTail) {
    parsed = parsed.slice(0, -1)
    await truncate(file, Buffer.byteLength(complete.slice(0, -1).map((line) => `${line}\n`).join('')))
  } else if (!text.endsWith('\n') && text.length > 0) {
    // A whole last line without its newline: keep it, and end it so appends start a new line.
    const handle = await open(file, 'a')
    await handle.write('\n')
    await handle.close()
  }
  const [header, ...blocks] = parsed as [ChainJournalHeader | undefined, ...ChainJournalBlock[]]
  if (!header || header.version !== 1 || typeof header.genesisTimestamp !== 'number' || typeof header.chainId !== 'number')
    throw new ChainJournalError(`The chain journal ${file} has no valid header line.`)
  blocks.forEach((block, index) => {
    if (block.number !== index + 1 || typeof block.timestamp !== 'number' || !Array.isArray(block.transactions))
      throw new ChainJournalError(`The chain journal ${file} skips or repeats a block at line ${index + 2}.`)
  })
  return { header, blocks, tornTail }
}

/** The signed bytes of a mined transaction, rebuilt from its fields and checked against its hash. */
export function rawTransactionOf(transaction: Transaction): Hex {
  const { r, s, v, yParity } = transaction
  const raw = serializeTransaction(
    // viem's serializer takes the RPC shape it returns; `input` is the data.
    { ...transaction, data: transaction.input } as Parameters<typeof serializeTransaction>[0],
    transaction.type === 'legacy' || yParity === undefined ? { r, s, v } : { r, s, yParity },
  )
  if (keccak256(raw) !== transaction.hash)
    throw new ChainJournalError(`Transaction ${transaction.hash} cannot be journaled: its signed bytes could not be rebuilt (type ${transaction.type}).`)
  return raw
}

type Rpc = PublicClient

const client = (rpcUrl: string): Rpc => createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) })

async function recordedBlock(rpc: Rpc, number: bigint): Promise<ChainJournalBlock> {
  const block = await rpc.getBlock({ blockNumber: number, includeTransactions: true })
  return { number: Number(number), timestamp: Number(block.timestamp), transactions: block.transactions.map(rawTransactionOf) }
}

/** A running recorder. */
export type ChainRecorder = {
  /** Records every block mined so far; resolves once they are on disk. */
  flush(): Promise<void>
  /** Flushes, then stops polling and closes the file. */
  stop(): Promise<void>
}

export type RecordChainJournalParameters = {
  rpcUrl: string
  file: string
  /** The header to write when the file is new (a recorder after a replay appends to the file). */
  header?: ChainJournalHeader | undefined
  /** How often to look for new blocks, ms (default 100): a kill -9 loses at most this much of the chain. */
  pollIntervalMs?: number | undefined
  /** Called when recording fails (the chain is gone, a transaction cannot be rebuilt); recording stops. */
  onError?: ((error: unknown) => void) | undefined
}

/**
 * Records the chain at `rpcUrl` into `file`, from the block after the last one the file holds:
 * each new block is appended as one line and synced before the next is read.
 */
export async function recordChainJournal({ rpcUrl, file, header, pollIntervalMs = 100, onError }: RecordChainJournalParameters): Promise<ChainRecorder> {
  const rpc = client(rpcUrl)
  const handle = await open(file, 'a', 0o600)
  let next: bigint
  if (header) {
    if ((await handle.stat()).size > 0) throw new ChainJournalError(`The chain journal ${file} already exists.`)
    await handle.write(`${JSON.stringify(header)}\n`)
    await handle.datasync()
    next = 1n
  } else next = BigInt((await readChainJournal(file)).blocks.length + 1)
  let running: Promise<void> | undefined
  let stopped = false
  const catchUp = async () => {
    const latest = await rpc.getBlockNumber({ cacheTime: 0 })
    if (latest < next) return
    const lines: string[] = []
    for (; next <= latest; next++) lines.push(JSON.stringify(await recordedBlock(rpc, next)))
    await handle.write(`${lines.join('\n')}\n`)
    await handle.datasync()
  }
  const flush = () => {
    running ??= catchUp().finally(() => {
      running = undefined
    })
    return running
  }
  const timer = setInterval(() => {
    if (running || stopped) return
    flush().catch((error: unknown) => {
      clearInterval(timer)
      stopped = true
      onError?.(error)
    })
  }, pollIntervalMs)
  timer.unref()
  return {
    flush: async () => {
      await running
      await flush()
    },
    async stop() {
      if (stopped) return
      stopped = true
      clearInterval(timer)
      try {
        await running?.catch(() => {})
        await flush()
      } finally {
        await handle.close()
      }
    },
  }
}

/** Reads a fresh chain's genesis block as a journal header. */
export async function chainJournalHeader(rpcUrl: string): Promise<ChainJournalHeader> {
  const rpc = client(rpcUrl)
  const [chainId, genesis] = await Promise.all([rpc.getChainId(), rpc.getBlock({ blockNumber: 0n })])
  return { version: 1, chainId, genesisTimestamp: Number(genesis.timestamp), genesisHash: genesis.hash }
}

/** What {@link replayChainJournal} did. */
export type ReplayChainJournalReturnType = { blocks: number; transactions: number }

/**
 * Replays a journal into a fresh chain started at the journal's genesis time (`startLocalChain({
 * initialDate })`): each block's transactions are sent raw into a block of the recorded time, and
 * each transaction's hash is checked; the next block after it is mined at the present time. Throws {@link ChainJournalError} if the chain is not the
 * journal's (another genesis) or a transaction does not land as recorded.
 */
export async function replayChainJournal({
  rpcUrl,
  file,
  journal,
  onProgress,
}: {
  rpcUrl: string
  file: string
  /** The journal as {@link readChainJournal} read it, when the caller already has it (else `file` is read). */
  journal?: ReadChainJournalReturnType | undefined
  onProgress?: (done: number, total: number) => void
}): Promise<ReplayChainJournalReturnType> {
  const { header, blocks } = journal ?? (await readChainJournal(file))
  const rpc = client(rpcUrl)
  const genesis = await chainJournalHeader(rpcUrl)
  if (genesis.chainId !== header.chainId || genesis.genesisHash !== header.genesisHash)
    throw new ChainJournalError('The chain journal was recorded on another chain (its genesis block differs).', {
      details: `journal genesis ${header.genesisHash} (chain ${header.chainId}), this chain ${genesis.genesisHash} (chain ${genesis.chainId})`,
    })
  if ((await rpc.getBlockNumber({ cacheTime: 0 })) !== 0n) throw new ChainJournalError('A chain journal replays only into a fresh chain.')
  const request = (method: string, params: unknown[]) => rpc.request({ method, params } as never) as Promise<unknown>
  let transactions = 0
  try {
    await request('evm_setAutomine', [false])
    for (const block of blocks) {
      await request('evm_setNextBlockTimestamp', [numberToHex(block.timestamp)])
      const hashes: Hex[] = []
      for (const raw of block.transactions) hashes.push((await request('eth_sendRawTransaction', [raw])) as Hex)
      await request('evm_mine', [])
      const mined = await rpc.getBlock({ blockNumber: BigInt(block.number) })
      const expected = block.transactions.map((raw) => keccak256(raw))
      if (mined.transactions.length !== expected.length || mined.transactions.some((hash, index) => hash !== expected[index]) || Number(mined.timestamp) !== block.timestamp)
        throw new ChainJournalError(`Block ${block.number} did not replay as recorded.`, { details: `expected ${expected.join(', ') || 'no transactions'}, got ${mined.transactions.join(', ') || 'none'}` })
      transactions += hashes.length
      onProgress?.(block.number, blocks.length)
    }
  } finally {
    await request('evm_setAutomine', [true]).catch(() => {})
  }
  // The chain's clock goes on from now, not from where the recording stopped.
  const last = blocks.at(-1)?.timestamp ?? header.genesisTimestamp
  await request('evm_setNextBlockTimestamp', [numberToHex(Math.max(Math.floor(Date.now() / 1000), last + 1))])
  return { blocks: blocks.length, transactions }
}
