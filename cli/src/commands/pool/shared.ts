// What the `datavault pool` subcommands share: options, argument schemas, the pool and node lookups,
// the contract-error handling and the formatting of proposals, claims and governance.
import { poolKeyEscrowDigest, type NodeInfo, type VaultClient, type DataVaultBaseClient, describePoolContractError, isDataVaultError, type PoolStatus, type PoolProposal, type DecodedPoolCall } from '@datavault/sdk'
import { type Address, type Hex, erc20Abi, formatUnits } from 'viem'
import { z } from 'zod'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { type PoolContribution, poolTrainerId } from '@datavault/contracts/pool'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, walletHelp, walletOptions } from '../../args.ts'
import { type CommonValues, openSession } from '../../command.ts'
import { CliError, CliNotFoundError, CliUsageError, CliWalletError, exitCodes } from '../../errors.ts'
import { listKeys } from '../../keystore-files.ts'
import type { CliIo, Output } from '../../output.ts'
import type { Session } from '../../session.ts'
import { requireDataset } from '../datasets.ts'

export const exitHelp = `Exit codes: 0 done; 2 a bad argument (nothing sent); 4 refused or not found (no such pool,
dataset or proposal; not the dataset's owner; not a member; no voting power; the vote is not open;
not ready yet; nothing to claim); 6 no usable wallet; 1 anything else (chain unreachable, …).`

export const shared = `${connectionHelp}
${walletHelp}
${commonHelp}`

export const baseOptions = { ...commonOptions, ...connectionOptions, ...walletOptions } as const

export const trainerEntry = z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64})?$/, 'is a trainer id (lower-case letters, digits, "-"), optionally @ and a 64-hex bundle hash')
export const amountArg = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal amount, e.g. 10 or 2.5')
export const countArg = (min: number, max: number) => z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(min).max(max)
export const proposalIdArg = z
  .string()
  .regex(/^\d{1,78}$/, 'must be a proposal id (a decimal number, as `pool propose` prints it)')
  .transform((value) => BigInt(value))
export const switchArg = z.enum(['on', 'off'], { message: 'must be on or off' }).transform((value) => value === 'on')

/** Shares (18 decimals) in whole units, e.g. `3000` or `12.5`. */
export const shares = (value: bigint) => formatUnits(value, 18)
export const plural = (count: number | bigint, word: string) => `${count} ${word}${count === 1 || count === 1n ? '' : 's'}`

export const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()

/**
 * Turns the pool actions' errors into the CLI's: a pool contract's refusal (by its custom error, in
 * the SDK's words) is exit 4 with a sentence; the SDK's proposal errors get what the chain says
 * about the proposal (`hints`); anything else goes on unchanged and its kind decides the exit code.
 * `hints.unavailable` names a hint that could not be read, so that a chain error is said, not hidden.
 */
export function poolFailure(
  error: unknown,
  hints: { proposal?: PoolProposal | undefined; now?: bigint | undefined; chainTime?: bigint | undefined; unavailable?: string | undefined } = {},
): never {
  if (!isDataVaultError(error)) throw error
  const reason = (error as { reason?: unknown }).reason
  const refusal = describePoolContractError(reason)
  if (refusal !== undefined) {
    const details = [`reason: ${String(reason)}`, (error as { txHash?: string }).txHash ? `transaction: ${(error as { txHash?: string }).txHash}` : undefined].filter(Boolean).join('; ')
    if (reason === 'NoMembers') throw new CliUsageError(refusal, { code: 'POOL_NO_MEMBERS', details })
    throw new CliNotFoundError(refusal, { code: upperSnake(String(reason)), details })
  }
  const unavailable = hints.unavailable ? ` (${hints.unavailable})` : ''
  if (error.code === 'POOL_PROPOSAL_NOT_FOUND') throw new CliNotFoundError(error.shortMessage, { code: error.code, details: 'Check the pool address and the id `pool propose` printed (`pool status --proposals` lists them).' })
  if (error.code === 'POOL_PROPOSAL_NOT_READY') {
    const readyAt = (error as unknown as { readyAt: Date }).readyAt
    const wait = hints.chainTime === undefined ? '' : ` (in ${secondsUntil(readyAt, hints.chainTime)} s of chain time)`
    throw new CliNotFoundError(`${error.shortMessage.replace(/\.$/, '')}${wait}; run \`pool execute\` again then.`, { code: error.code, details: unavailable ? `chain time unknown${unavailable}` : undefined })
  }
  if (error.code === 'POOL_PROPOSAL_STATE') {
    const state = (error as unknown as { state: string }).state
    const { proposal, now } = hints
    const why =
      state === 'pending' && proposal
        ? `Its vote opens after block ${proposal.voteStart}${now === undefined ? '' : ` (now ${now})`}.`
        : state === 'active' && proposal
          ? `Its vote is open until block ${proposal.voteEnd}${now === undefined ? '' : ` (now ${now})`}.`
          : state === 'defeated' && proposal
            ? `It did not pass: for ${shares(proposal.votes.for)}, against ${shares(proposal.votes.against)}, abstain ${shares(proposal.votes.abstain)}; quorum ${shares(proposal.quorum)}.`
            : unavailable
              ? `The proposal's votes could not be read${unavailable}.`
              : undefined
    throw new CliNotFoundError(error.shortMessage, { code: error.code, details: why })
  }
  throw error
}

/** What every pool action starts from: the settings, the SDK client, and a checked pool address. */
export async function openPool(io: CliIo, values: CommonValues, poolArg: string | undefined, { signed }: { signed: boolean }) {
  const pool = check(addressArg, poolArg, 'pool')
  const { output, session } = await openSession(io, values)
  const client = await session.client({ signed })
  await requirePool(client, pool)
  return { output, session, client, pool }
}

/** A DataPool at `pool`, else POOL_NOT_FOUND (exit 4). */
export async function requirePool(client: DataVaultBaseClient, pool: Address): Promise<void> {
  const code = await client.public.getCode({ address: pool }).catch((cause: unknown) => {
    throw new CliError('Could not read the chain.', { code: 'CHAIN_UNREACHABLE', exitCode: exitCodes.failure, details: (cause as { shortMessage?: string }).shortMessage, cause })
  })
  const notFound = () => new CliNotFoundError(`There is no data pool at ${pool} on chain ${client.chain.id}.`, { code: 'POOL_NOT_FOUND', details: 'Pass the DataPool address `pool create` printed (not its datatoken).' })
  if (!code || code === '0x') throw notFound()
  await client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'shareToken' }).catch((cause: unknown) => {
    // A contract that is not a DataPool refuses the call; a chain that cannot be read is said as such.
    if (contractRefusedRead(cause)) throw notFound()
    throw new CliError('Could not read the chain.', { code: 'CHAIN_UNREACHABLE', exitCode: exitCodes.failure, details: (cause as { shortMessage?: string }).shortMessage, cause })
  })
}

/** The wallet client of a signed session. */
export function walletOf(client: DataVaultBaseClient): NonNullable<DataVaultBaseClient['wallet']> {
  if (!client.wallet) throw new CliWalletError('This needs a wallet: pass --key NAME or --account ROLE.', { code: 'NO_WALLET' })
  return client.wallet
}

/** The node, checked to be on the same chain as the RPC. */
export async function nodeOf(client: DataVaultBaseClient): Promise<NodeInfo> {
  const node = await client.vault.node()
  if (node.chainId !== client.chain.id) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${client.chain.id}.`, { code: 'CHAIN_MISMATCH' })
  return node
}

/** The key holders the node escrows data keys with (itself, 1 of 1, when it says nothing else). */
export function nodeKeyHolders(node: NodeInfo): { addresses: Address[]; threshold: number } {
  const holders = node.keyEscrow?.holders ?? [node.address]
  return { addresses: holders.map((holder) => holder.toLowerCase() as Address), threshold: node.keyEscrow?.threshold ?? 1 }
}

/** A dataset of this node as a pool contribution: refused (exit 4) when revoked or its key not escrowed. */
export async function contributionOf(vault: VaultClient, node: NodeInfo, datatoken: Address, { rows, keyEscrow }: { rows?: bigint | undefined; keyEscrow?: Hex | undefined }): Promise<PoolContribution> {
  const dataset = await requireDataset(vault, datatoken)
  if (dataset.revokedAt) throw new CliNotFoundError(`Dataset ${datatoken} was revoked; it cannot join a pool.`, { code: 'DATASET_REVOKED' })
  if (!dataset.keyEscrowed && keyEscrow === undefined)
    throw new CliNotFoundError(`Dataset ${datatoken} has no key escrowed on this node: the pool's jobs could not use it.`, { code: 'DATASET_KEY_NOT_ESCROWED' })
  const declared = rows ?? (dataset.schema.rows === undefined ? undefined : BigInt(dataset.schema.rows))
  if (declared === undefined) throw new CliUsageError(`Dataset ${datatoken}'s schema declares no row count: pass --rows N (the rows you declare set your shares).`, { code: 'ROWS_REQUIRED' })
  const holders = nodeKeyHolders(node)
  return {
    datatoken: dataset.datatoken.toLowerCase() as Address,
    cid: dataset.cid,
    keyEscrow: keyEscrow ?? poolKeyEscrowDigest({ dataset: dataset.datatoken, cid: dataset.cid, holders: holders.addresses, threshold: holders.threshold }),
    rows: declared,
  }
}

/** The trainer entry a pool approval id stands for, among the node's trainers (undefined when none). */
export function trainerNames(node: NodeInfo | undefined): Map<Hex, string> {
  const names = new Map<Hex, string>()
  for (const trainer of node?.trainers ?? []) {
    names.set(poolTrainerId(trainer.id), trainer.id)
    names.set(poolTrainerId(`${trainer.id}@${trainer.hash.replace(/^0x/, '')}`), `${trainer.id}@${trainer.hash.replace(/^0x/, '')}`)
  }
  return names
}

/** A proposal's calls in words: `approve trainer logistic-regression`, `price 12`, … */
export function describeCalls(decoded: readonly DecodedPoolCall[], { trainers, baseTokenSymbol }: { trainers: Map<Hex, string>; baseTokenSymbol: string }): string[] {
  return decoded.map(({ contract, functionName, args }) => {
    const a = args as readonly unknown[]
    switch (functionName) {
      case 'setTrainerApproval':
        return `${a[1] ? 'approve' : 'revoke'} trainer ${trainers.get(a[0] as Hex) ?? a[0]}`
      case 'setAlgorithmApproval':
        return `${a[1] ? 'approve' : 'revoke'} algorithm ${a[0]}`
      case 'setPrice':
        return `price ${formatUnits(a[0] as bigint, 18)} ${baseTokenSymbol}`
      case 'setSaleActive':
        return a[0] ? 'start selling' : 'stop selling'
      case 'setBuyerAllowListEnabled':
        return a[0] ? 'buyer allow-list on' : 'buyer allow-list off'
      case 'setBuyerAllowed':
        return `${a[1] ? 'allow' : 'remove'} buyer ${a[0]}`
      case 'acceptDataset':
        return `accept dataset ${a[0]}${a[1] ? ` with ${shares(a[1] as bigint)} shares` : ''}`
      case 'removeDataset':
        return `remove dataset ${a[0]}`
      case 'setKeyHolders':
        return `key holders ${a[1]} of ${(a[0] as readonly Address[]).join(', ')}`
      case 'updateQuorumNumerator':
        return `quorum ${a[0]} %`
      case 'setVotingDelay':
        return `voting delay ${plural(Number(a[0]), 'block')}`
      case 'setVotingPeriod':
        return `voting period ${plural(Number(a[0]), 'block')}`
      case 'setProposalThreshold':
        return `proposal threshold ${shares(a[0] as bigint)} shares`
      case undefined:
        return `a call to ${contract === 'other' ? 'another contract' : `the ${contract}`} (not decoded)`
      default:
        return `${functionName}(${a.map((value) => String(value)).join(', ')})`
    }
  })
}

/** A proposal as JSON and in words. */
export function proposalJson(proposal: PoolProposal, names: { trainers: Map<Hex, string>; baseTokenSymbol: string }) {
  return {
    proposalId: proposal.proposalId.toString(),
    proposer: lower(proposal.proposer),
    description: proposal.description,
    state: proposal.state,
    voteStart: proposal.voteStart.toString(),
    voteEnd: proposal.voteEnd.toString(),
    votes: { for: shares(proposal.votes.for), against: shares(proposal.votes.against), abstain: shares(proposal.votes.abstain) },
    quorum: shares(proposal.quorum),
    actions: describeCalls(proposal.decoded, names),
    readyAt: proposal.readyAt?.toISOString() ?? null,
    txHash: proposal.txHash,
  }
}

/** The account `status` reports on: --address, else the wallet's address without unlocking it. */
export async function statusAccount(session: Session, address: Address | undefined): Promise<Address | undefined> {
  if (address) return address
  const { config } = session
  if (config.account) return (await session.account()).address
  // listKeys answers [] for a missing keystore; an unreadable one is an error, not "no wallet".
  const keys = await listKeys(config.configDir.value)
  const key = config.key ? keys.find((candidate) => candidate.name === config.key!.value) : keys.length === 1 ? keys[0] : undefined
  if (config.key && !key) throw new CliWalletError(`No key named "${config.key.value}" in the keystore.`, { code: 'NO_WALLET' })
  return key?.address ? (key.address.toLowerCase() as Address) : undefined
}

/**
 * True when a contract read failed because the contract refused or lacks the function (it
 * reverted, or answered nothing), not because the chain could not be read.
 */
export function contractRefusedRead(error: unknown): boolean {
  const walk = (error as { walk?: (fn: (inner: unknown) => boolean) => unknown } | null)?.walk
  if (typeof walk !== 'function') return false
  return Boolean(walk.call(error, (inner) => ['ContractFunctionRevertedError', 'ContractFunctionZeroDataError'].includes((inner as Error).name)))
}

/**
 * Token symbol and decimals, for amounts in words (18 and `?` when the token does not say: these
 * ERC-20 functions are optional). A chain that cannot be read is an error, not 18 decimals.
 */
export async function tokenInfo(client: DataVaultBaseClient, token: Address): Promise<{ symbol: string; decimals: number }> {
  const optional = <T,>(fallback: T) => (error: unknown): T => {
    if (contractRefusedRead(error)) return fallback
    throw error
  }
  const [symbol, decimals] = await Promise.all([
    client.public.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }).catch(optional('?')),
    client.public.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }).catch(optional(18)),
  ])
  return { symbol, decimals }
}

/**
 * The vault node's description, for trainer names in words; when the node cannot be reached the
 * command goes on with trainer ids and says so (a warning), rather than silently.
 */
export async function nodeForNames(client: DataVaultBaseClient, output: Output): Promise<NodeInfo | undefined> {
  try {
    return await client.vault.node()
  } catch (error) {
    output.warn(`the vault node did not answer (${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}); trainers are shown by their approval ids.`)
    return undefined
  }
}

/** Revenue claims (or claimable amounts) in whole tokens with their symbols. */
export async function describeClaims(client: DataVaultBaseClient, claims: readonly { distributionId: bigint; token: Address; amount: bigint }[]) {
  const tokens = new Map<string, { symbol: string; decimals: number }>()
  for (const { token } of claims) if (!tokens.has(token.toLowerCase())) tokens.set(token.toLowerCase(), await tokenInfo(client, token))
  return claims.map(({ distributionId, token, amount }) => {
    const info = tokens.get(token.toLowerCase())!
    return { distributionId: distributionId.toString(), token: lower(token), symbol: info.symbol, amount: formatUnits(amount, info.decimals) }
  })
}

/** Sums of claims per token symbol, in words: `3.2 OCEAN, 0.6 DV-HP`. */
export function claimTotals(claims: readonly { symbol: string; amount: string }[]): string {
  if (claims.length === 0) return 'nothing'
  const totals = new Map<string, number>()
  for (const claim of claims) totals.set(claim.symbol, (totals.get(claim.symbol) ?? 0) + Number(claim.amount))
  return [...totals].map(([symbol, amount]) => `${Number(amount.toPrecision(12))} ${symbol}`).join(', ')
}

/** Reads the current block (never a cached one: this process may just have mined one). */
export const blockNumber = (client: DataVaultBaseClient) => client.public.getBlockNumber({ cacheTime: 0 })

/** The latest block's timestamp: the timelock counts chain time, which need not be the wall clock. */
export const chainTime = async (client: DataVaultBaseClient) => (await client.public.getBlock({ blockTag: 'latest' })).timestamp

/** Whole seconds from `now` (chain time, unix seconds) until `at`; 0 when past. */
export const secondsUntil = (at: Date, now: bigint) => Math.max(0, Math.ceil(at.getTime() / 1000 - Number(now)))

/** Addresses as the rest of the CLI prints them: lower case. */
export const lower = (address: string) => address.toLowerCase() as Address

/** One `datavault pool <action>`: its help, options and run. */
export type PoolSubcommand = { help: string; run(args: string[], io: CliIo): Promise<number> }

export function governanceJson(governance: PoolStatus['governance']) {
  return {
    votingDelayBlocks: Number(governance.votingDelay),
    votingPeriodBlocks: Number(governance.votingPeriod),
    quorumPercent: Number(governance.quorumPercent),
    timelockDelaySeconds: Number(governance.timelockDelaySeconds),
    proposalThreshold: shares(governance.proposalThreshold),
  }
}

export function describeGovernance(governance: PoolStatus['governance']): string {
  return [
    `votes open ${plural(governance.votingDelay, 'block')} after a proposal for ${plural(governance.votingPeriod, 'block')}`,
    `quorum ${governance.quorumPercent} %`,
    `timelock ${governance.timelockDelaySeconds} s`,
  ].join(', ')
}
