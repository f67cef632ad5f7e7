import { access, mkdir, open, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createWalletClient, http } from 'viem'
import { getBalance, waitForTransactionReceipt } from 'viem/actions'
import { type ComputeEnvironmentDeclaration, DataVaultError, rpcChain } from '@datavault/sdk'
import { privateKeyToAccount } from 'viem/accounts'
import { oceanTokenAbi } from '@datavault/contracts'
import { readOceanAddressesFile, writeOceanAddressesFile } from '@datavault/contracts/addresses-file'
import type { LocalChainAccount } from '@datavault/contracts-devkit'
import type { TrainerDefinition } from '@datavault/compute-to-data'
import { type VaultConfig, parseVaultConfig } from './config.ts'
import { type Logger, createLogger } from './logger.ts'
import { type VaultNode, startVaultNode } from './node.ts'
import { loadNodeIdentity } from './keys/node-identity.ts'
import { type RunningKeyHolder, startKeyHolder } from './keyholder/start-key-holder.ts'

/** Roles of the dev stack's funded test accounts. */
export type DevAccount = LocalChainAccount & { role: 'deployer' | 'owner' | 'buyer' | 'spare' }

/** What `datavault dev` writes to `<dataDir>/dev.json` for other tools (the CLI, the extension, tests). */
export type DevStackInfo = {
  rpcUrl: string
  chainId: number
  vaultUrl: string
  nodeAddress: `0x${string}`
  addressesFile: string
  addresses: Record<string, unknown>
  accounts: DevAccount[]
  /** Key holders started beside the node (`--keyholders`); none when the node holds keys alone. */
  keyHolders: { url: string; address: `0x${string}` }[]
  keyThreshold: number
}

/** A running local stack. */
export type DevStack = DevStackInfo & { node: VaultNode; holders: RunningKeyHolder[]; stop(): Promise<void> }

export type StartDevStackParameters = {
  /**
   * Where everything lives. Without `persist`, each start is fresh: a new chain, and the node's
   * and key holders' state (and any chain journal) from before deleted.
   */
  dataDir: string
  /**
   * Keep everything between runs: the chain is journaled to `<dataDir>/chain/journal.jsonl` as
   * it is mined and replayed on the next start (same transactions, blocks and contracts), and the
   * node's and key holders' data are kept. A kill -9 can lose the last ~100 ms of the chain.
   */
  persist?: boolean
  /** Vault API port; 0 picks a free one. */
  port?: number
  /** Chain RPC port; 0 picks a free one. */
  chainPort?: number
  logger?: Logger
  /** Called with a short human line for each step. */
  onStep?: (line: string) => void
  /** Trainers to install beside the built-in ones. */
  extraTrainers?: readonly TrainerDefinition[]
  /** Start this many key holders beside the node (each its own keys and store); 0: the node holds keys alone (1 of 1). */
  keyHolders?: number
  /** How many of the key holders a job needs (default: a majority). */
  keyThreshold?: number
  /**
   * Node settings to use instead of the defaults (limits, concurrency…). `keyHolders` here names
   * holders run elsewhere (each its own process, as in production), by wallet address: the node
   * splits keys across them after the ones started beside it, and `keyThreshold` counts them too.
   * They must register on chain before a dataset is published; `DevStackInfo.keyHolders` lists
   * only the ones started beside the node.
   */
  nodeConfig?: Partial<
    Pick<
      VaultConfig,
      | 'maxUploadBytes'
      | 'maxPendingUploadBytes'
      | 'maxNodePendingUploadBytes'
      | 'maxUploadsPerWalletPerHour'
      | 'maxJobWallTimeSeconds'
      | 'maxJobMemoryMb'
      | 'maxWaitingJobs'
      | 'maxWaitingJobsPerWallet'
      | 'maxJobsPerWalletPerHour'
      | 'maxPendingCalibrations'
      | 'concurrency'
      | 'sandboxPrestart'
      | 'anchorReceipts'
      | 'keyHolders'
      | 'kubernetesNamespace'
      | 'kubernetesKubeconfig'
      | 'kubernetesGatewayUrl'
      | 'kubernetesGatewayHost'
      | 'kubernetesGatewayPort'
      | 'kubernetesJobIoImage'
    >
  > & {
    /** The node's compute environments, as an operator declares them (defaults filled in). */
    environments?: ComputeEnvironmentDeclaration[] | undefined
  }
}

/**
 * `startDevStack` needs the local chain, which is `@datavault/contracts-devkit` (Hardhat, EDR,
 * solc): an optional peer dependency of this package, so that a node on a real chain installs no
 * Solidity toolchain.
 */
export class DevkitNotInstalledError extends DataVaultError {
  override name = 'DevkitNotInstalledError'
  constructor(options: { cause?: unknown } = {}) {
    super('The local development stack needs @datavault/contracts-devkit (the local chain): install it with `npm install --save-dev @datavault/contracts-devkit`.', {
      code: 'DEVKIT_NOT_INSTALLED',
      status: 500,
      kind: 'input',
      cause: options.cause,
    })
  }
}

/** Loads the optional peer `@datavault/contracts-devkit`, or says which package to install. */
async function loadDevkit(): Promise<typeof import('@datavault/contracts-devkit')> {
  try {
    return await import('@datavault/contracts-devkit')
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes('@datavault/contracts-devkit')) throw new DevkitNotInstalledError({ cause: error })
    throw error
  }
}

/** Base tokens given to each non-deployer test account, so buyers can pay. */
const fundingPerAccount = 10_000n * 10n ** 18n

/**
 * Starts the whole local stack on embedded defaults: Hardhat EDR chain (chainId 8996), Ocean's
 * contracts deployed from their artifacts, test accounts funded with the base token, and a vault
 * node (Helia, SQLite, bubblewrap) bound to 127.0.0.1. Writes `<dataDir>/dev.json`.
 *
 * @example
 * const stack = await startDevStack({ dataDir: '.datavault' })
 * console.log(stack.vaultUrl)
 * await stack.stop()
 */
export async function startDevStack({ dataDir, persist = false, port = 8700, chainPort = 8545, logger = createLogger({ level: 'warn' }), onStep = () => {}, extraTrainers = [], nodeConfig = {}, keyHolders = 0, keyThreshold }: StartDevStackParameters): Promise<DevStack> {
  const root = resolve(dataDir)
  await mkdir(root, { recursive: true, mode: 0o700 })
  const stops: (() => Promise<void>)[] = []
  const stop = async () => {
    // Every part stops even if one fails to; a failure is logged, not hidden.
    for (const fn of stops.reverse()) await fn().catch((error: unknown) => logger.warn({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'a dev-stack part failed to stop'))
  }
  const { chainJournalHeader, deployOcean, readChainJournal, recordChainJournal, replayChainJournal, startLocalChain } = await loadDevkit()
  const journalFile = join(root, 'chain', 'journal.jsonl')
  const addressesFile = join(root, 'addresses.json')
  const exists = (path: string) => access(path).then(() => true, () => false)
  // A persistent stack restores its chain when it has a journal and the addresses deployed on it.
  const restoring = persist && (await exists(journalFile)) && (await exists(addressesFile))
  if (!restoring) await rm(join(root, 'chain'), { recursive: true, force: true })
  try {
    const journal = restoring ? await readChainJournal(journalFile) : undefined
    const chain = await startLocalChain({ port: chainPort, host: '127.0.0.1', initialDate: journal ? new Date(journal.header.genesisTimestamp * 1000) : undefined })
    stops.push(() => chain.stop())
    onStep(`chain up at ${chain.rpcUrl} (chainId ${chain.chainId}, ${chain.startupMs} ms)`)
    if (journal) {
      const replayStartedAt = performance.now()
      const replayed = await replayChainJournal({ rpcUrl: chain.rpcUrl, file: journalFile, journal })
      onStep(`chain restored from ${journalFile}: ${replayed.blocks} blocks, ${replayed.transactions} transactions (${Math.round(performance.now() - replayStartedAt)} ms)`)
    }
    if (persist) {
      await mkdir(join(root, 'chain'), { recursive: true, mode: 0o700 })
      const recorder = await recordChainJournal({
        rpcUrl: chain.rpcUrl,
        file: journalFile,
        header: journal ? undefined : await chainJournalHeader(chain.rpcUrl),
        onError: (error) => logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'the chain journal stopped recording: the next start cannot restore this chain'),
      })
      // Stops run in reverse: the recorder takes the last blocks before the chain goes.
      stops.push(() => recorder.stop())
    }

    const [deployer, ...rest] = chain.accounts
    if (!deployer) throw new Error('The local chain has no accounts.')
    const localChain = rpcChain({ chainId: chain.chainId, rpcUrl: chain.rpcUrl, name: 'datavault dev' })
    const wallet = createWalletClient({ account: privateKeyToAccount(deployer.privateKey), chain: localChain, transport: http(chain.rpcUrl) })
    const deployed = journal ? { addresses: await readOceanAddressesFile(addressesFile, chain.chainId), durationMs: 0 } : await deployOcean(wallet)
    if (!journal) {
      await writeOceanAddressesFile(addressesFile, deployed.addresses)
      onStep(`Ocean contracts deployed (ERC721Factory ${deployed.addresses.ERC721Factory}, ${Math.round(deployed.durationMs)} ms)`)
    }

    const accounts: DevAccount[] = [
      { ...deployer, role: 'deployer' },
      ...rest.slice(0, 9).map((account, index): DevAccount => ({ ...account, role: index === 0 ? 'owner' : index === 1 ? 'buyer' : 'spare' })),
    ]
    if (!journal) {
      for (const account of accounts.slice(1)) {
        await wallet.writeContract({ address: deployed.addresses.Ocean, abi: oceanTokenAbi, functionName: 'transfer', args: [account.address, fundingPerAccount] })
      }
      onStep(`funded ${accounts.length - 1} test accounts with base tokens`)
    }

    // A fresh chain makes the node's chain-bound state from a previous run wrong: it goes. A
    // restored chain is the one that state was made on: it stays.
    const nodeDir = join(root, 'node')
    if (!journal) await rm(nodeDir, { recursive: true, force: true })
    const gas = async (address: `0x${string}`) => {
      // A restored wallet keeps what it had; it is topped up only when it runs low.
      if (journal && (await getBalance(wallet, { address })) >= 10n ** 18n) return
      const hash = await wallet.sendTransaction({ to: address, value: 100n * 10n ** 18n })
      await waitForTransactionReceipt(wallet, { hash })
    }
    const holders: RunningKeyHolder[] = []
    for (let index = 0; index < keyHolders; index++) {
      const dir = join(root, 'keyholders', String(index + 1))
      if (!journal) await rm(dir, { recursive: true, force: true })
      // Funded before it starts: a holder registers itself on chain (its wallet pays gas).
      await gas((await loadNodeIdentity(join(dir, 'keys', 'holder.json'))).account.address)
      const holder = await startKeyHolder({ dataDir: dir, port: 0, rpcUrl: chain.rpcUrl, chainId: chain.chainId, addressesFile, logger })
      stops.push(() => holder.stop())
      holders.push(holder)
      onStep(`key holder ${index + 1} listening at ${holder.url} (wallet ${holder.address})`)
    }
    const allHolders = [...holders.map((holder) => holder.address), ...(nodeConfig.keyHolders ?? [])]
    const threshold = keyThreshold ?? (allHolders.length > 0 ? Math.floor(allHolders.length / 2) + 1 : 1)
    // The node's wallet registers it on chain and pays for anchoring receipts on the dev chain.
    await gas((await loadNodeIdentity(join(nodeDir, 'keys', 'node.json'))).account.address)
    const node = await startVaultNode(
      parseVaultConfig({
        anchorReceipts: true,
        ...nodeConfig,
        dataDir: nodeDir,
        host: '127.0.0.1',
        port,
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        addressesFile,
        keyHolders: allHolders,
        keyThreshold: threshold,
      }),
      { logger, extraTrainers },
    )
    stops.push(() => node.stop())
    onStep(`vault node listening at ${node.url} (node wallet ${node.address}; data keys ${allHolders.length ? `${threshold} of ${allHolders.length} key holders` : 'held by the node, 1 of 1'})`)

    const info: DevStackInfo = {
      rpcUrl: chain.rpcUrl,
      chainId: chain.chainId,
      vaultUrl: node.url,
      nodeAddress: node.address,
      addressesFile,
      addresses: deployed.addresses as Record<string, unknown>,
      accounts,
      keyHolders: holders.map((holder) => ({ url: holder.url, address: holder.address })),
      keyThreshold: threshold,
    }
    const devFile = join(root, 'dev.json')
    const temp = `${devFile}.${process.pid}.tmp`
    const handle = await open(temp, 'w', 0o600)
    await handle.writeFile(`${JSON.stringify(info, null, 2)}\n`)
    await handle.close()
    await rename(temp, devFile)
    stops.push(() => rm(devFile, { force: true }))
    return { ...info, node, holders, stop }
  } catch (error) {
    await stop()
    throw error
  }
}
