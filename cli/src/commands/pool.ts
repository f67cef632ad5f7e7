// `datavault pool …`: DAO data pools from the command line, on the SDK's pool actions. A pool sells
// training on its members' datasets as one Ocean datatoken; its members govern it by vote.
import { poolKeyEscrowDigest } from '@datavault/sdk'
import { parseArgs } from 'node:util'
import { type Address, type Hex, erc20Abi, formatUnits, isAddressEqual, parseUnits, zeroAddress } from 'viem'
import { z } from 'zod'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { type PoolContribution, poolTrainerId } from '@datavault/contracts/pool'
import { type ComputePolicy, type NodeInfo, computePolicySchema } from '@datavault/sdk'
import { registerPool } from '@datavault/sdk'
import type { VaultClient } from '@datavault/sdk'
import type { DataVaultBaseClient } from '@datavault/sdk'
import { isDataVaultError } from '@datavault/sdk'
import { claimPoolRevenue } from '@datavault/sdk'
import { createPool } from '@datavault/sdk'
import { executePool } from '@datavault/sdk'
import { getPool, type PoolStatus } from '@datavault/sdk'
import { getPoolProposals, type PoolProposal } from '@datavault/sdk'
import { joinPool } from '@datavault/sdk'
import { leavePool } from '@datavault/sdk'
import { type DecodedPoolCall, decodePoolCalls, type PoolAction } from '@datavault/sdk'
import { poolMembers } from '@datavault/sdk'
import { proposePool } from '@datavault/sdk'
import { type PoolVoteSupport, votePool } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, hashArg, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type CommonValues, type Command, helpRequested, openSession } from '../command.ts'
import { CliError, CliNotFoundError, CliUsageError, CliWalletError, exitCodes } from '../errors.ts'
import { readJsonArgument } from '../files.ts'
import { listKeys } from '../keystore-files.ts'
import type { CliIo, Output } from '../output.ts'
import type { Session } from '../session.ts'
import { requireDataset } from './datasets.ts'

const exitHelp = `Exit codes: 0 done; 2 a bad argument (nothing sent); 4 refused or not found (no such pool,
dataset or proposal; not the dataset's owner; not a member; no voting power; the vote is not open;
not ready yet; nothing to claim); 6 no usable wallet; 1 anything else (chain unreachable, …).`

const shared = `${connectionHelp}
${walletHelp}
${commonHelp}`

const help = `datavault pool — DAO data pools: many owners' datasets sold and governed as one

Usage:
  datavault pool create  --name NAME --symbol SYM --price AMOUNT [--trainer ID …] [--open] …
  datavault pool join    <pool> --dataset DATATOKEN [--rows N]
  datavault pool register <pool> [--name NAME] [--description TEXT]
  datavault pool leave   <pool> [--dataset DATATOKEN]
  datavault pool propose <pool> (--approve-trainer ID | --price AMOUNT | --allow-buyer ADDR | …) --description TEXT
  datavault pool vote    <pool> <proposal> for|against|abstain [--reason TEXT]
  datavault pool execute <pool> <proposal>
  datavault pool claim   <pool>
  datavault pool status  <pool> [--proposals]
  datavault pool <action> --help

A pool (its DataPool contract, <pool> below) holds its members' datasets and sells training on
all of them as one Ocean datatoken. Owners join with their published datasets and get shares by
the rows they declare; members propose and vote on what may run (trainers, custom algorithms), the
price, the buyers and the rules, each vote weighing the shares held before the proposal; a passed
proposal waits out the pool's timelock, then anyone executes it. Buyers order the pool's datatoken
as they would a dataset; what they pay is shared among the members by their shares, and each
member claims its part. Leaving burns the member's shares and takes its datasets out of new jobs
at once; revenue earned before stays claimable.

  create    deploy a pool (you pay the gas; governance takes over at the end)
  join      add one of your published datasets to a pool
  register  list a pool on this vault node, so buyers can train on it (\`datavault train <datatoken>\`)
  leave     leave a pool, or withdraw one dataset
  propose   propose changes for the members to vote on
  vote      vote on an open proposal
  execute   queue a passed proposal, or run it once the timelock delay is over
  claim     collect what buyers paid and claim your part
  status    members, datasets, shares, approvals, price, proposals, your claimable revenue

${exitHelp}

Examples:
  datavault pool create --name "Heart pool" --symbol DV-HP --price 10 --open --trainer logistic-regression
  datavault pool join 0x9fe4… --dataset 0x5fbd… --rows 3000
  datavault pool propose 0x9fe4… --approve-trainer mlp-classifier --description "Allow the MLP"
  datavault pool vote 0x9fe4… 4711… for
  datavault pool status 0x9fe4… --proposals --json
`

const createHelp = `datavault pool create — deploy a DAO data pool

Usage:
  datavault pool create --name NAME --symbol SYM --price AMOUNT [--trainer ID …] [--algorithm HASH …]
                        [--key-holder ADDR … --threshold T] [--open] [--dataset DATATOKEN … [--rows N]]
                        [--allow-buyer ADDR …] [--policy FILE] [--voting-delay BLOCKS]
                        [--voting-period BLOCKS] [--quorum PERCENT] [--timelock-delay SECONDS]
                        [--proposal-threshold SHARES]

Deploys the pool's contracts (timelock, DataPool and its share token, revenue, governor), its
Ocean data NFT and datatoken on a FixedRateExchange at --price, and hands the pool to its
governance: from then on only the members' votes change it. About 15 M gas, paid by your wallet.

Key holders: a member's dataset key is escrowed with the node's key holders, so the pool's are the
vault node's (GET /v1/node: keyEscrow.holders, keyEscrow.threshold) unless --key-holder is given.
Admission: with --open a dataset earns its shares as soon as its owner joins; otherwise it waits
for the members to accept it (\`pool propose --accept-dataset\`), and the pool needs founding
datasets of yours (--dataset) so that someone can vote. Shares: one per declared row.

Options:
  --name NAME                 the pool's name (datatoken, data NFT, governor)
  --symbol SYM                the pool datatoken's symbol (shares: SYM-SH)
  --price AMOUNT              price of one training job in base tokens, e.g. 10 or 2.5
  --trainer ID                approve a trainer from the start (repeatable; e.g. logistic-regression)
  --algorithm HASH            approve a custom algorithm (its SHA-256) from the start (repeatable)
  --policy FILE               a compute policy JSON (docs/policy.md): its trainers and limits
  --key-holder ADDR           a key holder (repeatable; default: the node's)
  --threshold T               key holders needed to release a key (default: the node's)
  --open                      open admission: joining earns shares at once
  --dataset DATATOKEN         a dataset of yours to found the pool with (repeatable)
  --rows N                    its declared rows (with one --dataset; default: its schema's rows)
  --allow-buyer ADDR          only these buyers may train (repeatable; turns the allow-list on)
  --voting-delay BLOCKS       blocks between a proposal and its vote (default 1)
  --voting-period BLOCKS      blocks a vote stays open (default 50400, about a week)
  --quorum PERCENT            share of all shares that must vote for or abstain (default 10)
  --timelock-delay SECONDS    wait between a passed vote and its execution (default 86400)
  --proposal-threshold SHARES shares needed to propose (default 1 share-wei: any member)
${shared}

${exitHelp}

Examples:
  datavault pool create --name "Heart pool" --symbol DV-HP --price 10 --open --trainer logistic-regression
  datavault pool create --name "Sleep pool" --symbol DV-SP --price 4 --dataset 0x5fbd… --rows 3000 --quorum 20
  datavault pool create --name Test --symbol DV-T --price 1 --open --voting-period 5 --timelock-delay 60 --json
`

const joinHelp = `datavault pool join — add one of your datasets to a pool

Usage:
  datavault pool join <pool> --dataset DATATOKEN [--rows N] [--key-escrow HASH]

Adds a dataset you published on this vault node (its datatoken is its id) to the pool, from the
wallet that owns its data NFT: the pool records its CID, its key escrow and the rows you declare.
In an open pool it earns its shares at once (one per row); otherwise it is pending until the
members accept it. Its key must be escrowed with the pool's key holders (the node's, normally).

Options:
  --dataset DATATOKEN   the dataset (required)
  --rows N              rows you declare (default: the rows its schema declares)
  --key-escrow HASH     the digest of a key escrow made elsewhere (default: this node's escrow of it)
${shared}

${exitHelp}

Examples:
  datavault pool join 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --rows 3000
  datavault pool join 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json
`

const registerHelp = `datavault pool register — list a pool on this vault node for buyers

Usage:
  datavault pool register <pool> [--name NAME] [--description TEXT]

Lists the pool on the vault node under its datatoken, like a dataset: buyers find it with
\`datavault datasets\` and train one model over every current member's dataset with \`datavault
train <pool datatoken> …\`. The node keeps nothing else: members, approved trainers and
algorithms, buyers and limits are read on chain for every job. Every member's dataset must be
published on this node, with the same columns (exit 4 otherwise). Any wallet may sign it.

Options:
  --name NAME           the name buyers see (default: Pool 0x…)
  --description TEXT    what the pooled data is
${shared}

${exitHelp}

Examples:
  datavault pool register 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --name "Heart pool"
  datavault pool register 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --json | jq -r .dataset
`

const leaveHelp = `datavault pool leave — leave a pool, or withdraw one dataset

Usage:
  datavault pool leave <pool> [--dataset DATATOKEN]

Leaving burns all your shares and takes all your datasets out of the pool's new jobs at once.
Receipts of past jobs stay, and revenue distributed while you held shares stays claimable
(\`pool claim\`); you no longer vote. With --dataset only that dataset is withdrawn (its shares
burned). You may join again later.

Options:
  --dataset DATATOKEN   withdraw only this dataset
${shared}

${exitHelp}

Examples:
  datavault pool leave 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0
  datavault pool leave 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3
`

const proposeHelp = `datavault pool propose — propose changes for the members to vote on

Usage:
  datavault pool propose <pool> ACTION… --description TEXT

Sends one proposal with every action given, run in order by the pool's timelock if it passes.
You need the governor's proposal threshold in shares, held before this block. Prints the
proposal id (for \`pool vote\` and \`pool execute\`) and the blocks its vote runs over.

Actions (each repeatable):
  --approve-trainer ID        let a trainer run (logistic-regression, or ID@SHA256 for one bundle)
  --revoke-trainer ID
  --approve-algorithm HASH    let a custom algorithm (its SHA-256) run
  --revoke-algorithm HASH
  --accept-dataset DATATOKEN  accept a pending dataset (closed pools)
  --remove-dataset DATATOKEN  remove a dataset (its shares are burned)
  --allow-buyer ADDR          let a buyer train (and turn the allow-list on, with --allow-list on)
  --remove-buyer ADDR
  --allow-list on|off         only allowed buyers may train, or anyone
  --price AMOUNT              the datatoken's price in base tokens
  --sale on|off               sell the datatoken or stop selling it
  --quorum PERCENT            percent of all shares that must vote for or abstain
  --voting-delay BLOCKS       blocks between a proposal and its vote
  --voting-period BLOCKS      blocks a vote stays open
  --key-holder ADDR …         new key holders (with --threshold T); members then escrow again
Options:
  --description TEXT          what and why, shown to voters (required; part of the proposal's id)
${shared}

${exitHelp}

Examples:
  datavault pool propose 0x9fe4… --approve-trainer logistic-regression --description "Allow logistic regression"
  datavault pool propose 0x9fe4… --price 12 --allow-list on --allow-buyer 0x3c44… --description "Invite-only at 12"
  datavault pool propose 0x9fe4… --accept-dataset 0x5fbd… --description "Admit Carol's export" --json | jq -r .proposalId
`

const voteHelp = `datavault pool vote — vote on an open proposal

Usage:
  datavault pool vote <pool> <proposal> for|against|abstain [--reason TEXT]

Your vote weighs the least of your shares just before the proposal was made, at its snapshot and
now: shares gained later (or after leaving) do not count, and a wallet without any is refused
(exit 4). Abstaining counts toward the quorum only. One vote per member and proposal.

Options:
  --reason TEXT   why, recorded on chain with the vote
${shared}

${exitHelp}

Examples:
  datavault pool vote 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 4711… for
  datavault pool vote 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 4711… against --reason "too cheap"
`

const executeHelp = `datavault pool execute — queue a passed proposal, or run it

Usage:
  datavault pool execute <pool> <proposal>

Anyone may move a proposal on once its vote has passed: the first call queues it in the pool's
timelock and says when it can run (it runs at once when the pool has no delay); a call after that
time executes it. Exit 4 while the vote is open, for a defeated or expired proposal, or when the
delay is not over yet (the message says when it is).

${shared}

${exitHelp}

Examples:
  datavault pool execute 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 4711…
  datavault pool execute 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 4711… --json | jq -r .readyAt
`

const claimHelp = `datavault pool claim — collect what buyers paid and claim your part

Usage:
  datavault pool claim <pool> [--datatokens] [--no-collect] [--distribution ID …]

First collects what buyers paid on the pool's exchange (a new distribution, shared by the shares
held at the block before), then claims, in one transaction, every distribution that owes your
wallet something: amount × your shares / all shares at that block. Each is paid once. A member
who left still claims what was distributed while it held shares. Exit 4 when nothing is due.

Options:
  --datatokens          also distribute and claim the pool datatokens that orders spent (each
                        pays for one job on the pool)
  --no-collect          do not collect the exchange first
  --distribution ID     claim exactly this distribution (repeatable)
${shared}

${exitHelp}

Examples:
  datavault pool claim 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0
  datavault pool claim 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --datatokens --json | jq '.claims'
`

const statusHelp = `datavault pool status — a pool as the chain says now

Usage:
  datavault pool status <pool> [--proposals] [--address ADDR]

Shows the pool's datatoken and price, its members with their datasets, rows and shares, the
approved trainers and algorithms, the buyer allow-list, key holders, governance settings, the
open proposals with their state and tally (every proposal with --proposals), and what your wallet
(or --address) holds and may claim. Reads only; signs nothing, so no password is asked.

Options:
  --proposals       list every proposal, closed ones too, with their calls
  --address ADDR    show this account's shares and claimable revenue instead of your wallet's
${connectionHelp}
  --key NAME / --account ROLE   whose shares and claimable revenue to show (no password needed)
${commonHelp}

${exitHelp}

Examples:
  datavault pool status 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0
  datavault pool status 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --proposals --json | jq '.proposals[] | {proposalId, state}'
`

const baseOptions = { ...commonOptions, ...connectionOptions, ...walletOptions } as const

const trainerEntry = z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64})?$/, 'is a trainer id (lower-case letters, digits, "-"), optionally @ and a 64-hex bundle hash')
const amountArg = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal amount, e.g. 10 or 2.5')
const countArg = (min: number, max: number) => z.coerce.number({ message: 'must be a whole number' }).int('must be a whole number').min(min).max(max)
const proposalIdArg = z
  .string()
  .regex(/^\d{1,78}$/, 'must be a proposal id (a decimal number, as `pool propose` prints it)')
  .transform((value) => BigInt(value))
const switchArg = z.enum(['on', 'off'], { message: 'must be on or off' }).transform((value) => value === 'on')

/** Shares (18 decimals) in whole units, e.g. `3000` or `12.5`. */
const shares = (value: bigint) => formatUnits(value, 18)
const plural = (count: number | bigint, word: string) => `${count} ${word}${count === 1 || count === 1n ? '' : 's'}`

// Contract errors, by the name viem decodes, in words; all are refusals (exit 4).
const refusals: Record<string, string> = {
  NotDatasetOwner: "Your wallet does not own this dataset's data NFT: only its owner can add it to a pool.",
  DatasetAlreadyAdded: 'This dataset is in the pool already (or waiting to be accepted).',
  DatasetRemovedByGovernance: "The pool's members removed this dataset; it cannot be added again.",
  DatasetNotPending: 'That dataset is not waiting to be accepted.',
  NotOceanDatatoken: "That is not a datatoken made by this chain's Ocean factory.",
  SharesOverCap: "The pool's share caps would be exceeded (per contribution or in all).",
  ZeroShares: 'That contribution would earn no shares (declare its rows).',
  InvalidContribution: 'The pool refused the contribution (CID, key escrow or rows).',
  ConsentExpired: 'The consent expired.',
  InvalidConsent: 'The consent is not valid (wrong signer, or used already).',
  NotMember: 'Your wallet is not a member of this pool.',
  DatasetNotInPool: 'That dataset is not in this pool as one of yours.',
  PoolGovernorNoVotingPower:
    'Your wallet has no voting power on this proposal: it held no shares of the pool just before the proposal was made (shares gained later, or after leaving, do not count).',
  GovernorAlreadyCastVote: 'Your wallet has voted on this proposal already.',
  GovernorInsufficientProposerVotes: "Your wallet holds fewer shares than the pool's proposal threshold (held before this block).",
  GovernorUnexpectedProposalState: 'The proposal is not in a state that allows this (its vote is not open, or it was decided already).',
  GovernorNonexistentProposal: 'This pool has no such proposal.',
  GovernorRestrictedProposer: 'This proposal may only be made by the address its description names.',
  AlreadyClaimed: 'Your wallet claimed that distribution already.',
  NothingToClaim: 'Nothing to claim from that distribution for your wallet.',
  NoShares: 'Your wallet held no shares when that distribution was made.',
  UnknownDistribution: 'This pool has no such distribution.',
  NothingToDistribute: 'There is nothing new to distribute.',
  InvalidKeyHolders: 'The key holders are not valid (1 to 16 distinct addresses, threshold 1 to their number).',
  NoMembers: 'A closed pool needs founding members: pass --dataset with a dataset of yours, or --open.',
}

/** `CamelCase` → `CAMEL_CASE`. */
const upperSnake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()

/**
 * Turns the pool actions' errors into the CLI's: a contract's refusal (by its custom error) and the
 * SDK's proposal-state errors are exit 4 with a sentence; anything else goes on unchanged.
 */
function poolFailure(error: unknown, hints: { proposal?: PoolProposal | undefined; now?: bigint | undefined; chainTime?: bigint | undefined } = {}): never {
  if (!isDataVaultError(error)) throw error
  const reason = (error as { reason?: unknown }).reason
  if ((error.name === 'ChainTransactionError' || error.name === 'PoolDeployError') && typeof reason === 'string' && refusals[reason]) {
    const details = [`reason: ${reason}`, (error as { txHash?: string }).txHash ? `transaction: ${(error as { txHash?: string }).txHash}` : undefined].filter(Boolean).join('; ')
    if (reason === 'NoMembers') throw new CliUsageError(refusals[reason]!, { code: 'POOL_NO_MEMBERS', details })
    throw new CliNotFoundError(refusals[reason]!, { code: upperSnake(reason), details })
  }
  if (error.name === 'PoolProposalNotFoundError') throw new CliNotFoundError(error.shortMessage, { code: error.code, details: 'Check the pool address and the id `pool propose` printed (`pool status --proposals` lists them).' })
  if (error.name === 'PoolProposalNotReadyError') {
    const readyAt = (error as unknown as { readyAt: Date }).readyAt
    const wait = hints.chainTime === undefined ? '' : ` (in ${secondsUntil(readyAt, hints.chainTime)} s of chain time)`
    throw new CliNotFoundError(`${error.shortMessage.replace(/\.$/, '')}${wait}; run \`pool execute\` again then.`, { code: error.code })
  }
  if (error.name === 'PoolProposalStateError') {
    const state = (error as unknown as { state: string }).state
    const { proposal, now } = hints
    const why =
      state === 'pending' && proposal
        ? `Its vote opens after block ${proposal.voteStart}${now === undefined ? '' : ` (now ${now})`}.`
        : state === 'active' && proposal
          ? `Its vote is open until block ${proposal.voteEnd}${now === undefined ? '' : ` (now ${now})`}.`
          : state === 'defeated' && proposal
            ? `It did not pass: for ${shares(proposal.votes.for)}, against ${shares(proposal.votes.against)}, abstain ${shares(proposal.votes.abstain)}; quorum ${shares(proposal.quorum)}.`
            : undefined
    throw new CliNotFoundError(error.shortMessage, { code: error.code, details: why })
  }
  if (error.name === 'PoolParameterError' || error.name === 'ChainArgumentError') throw new CliUsageError(error.shortMessage, { code: error.code, details: error.details })
  throw error
}

/** What every pool action starts from: the settings, the SDK client, and a checked pool address. */
async function openPool(io: CliIo, values: CommonValues, poolArg: string | undefined, { signed }: { signed: boolean }) {
  const pool = check(addressArg, poolArg, 'pool')
  const { output, session } = await openSession(io, values)
  const client = await session.client({ signed })
  await requirePool(client, pool)
  return { output, session, client, pool }
}

/** A DataPool at `pool`, else POOL_NOT_FOUND (exit 4). */
async function requirePool(client: DataVaultBaseClient, pool: Address): Promise<void> {
  const code = await client.public.getCode({ address: pool }).catch((cause: unknown) => {
    throw new CliError('Could not read the chain.', { code: 'CHAIN_UNREACHABLE', exitCode: exitCodes.failure, details: (cause as { shortMessage?: string }).shortMessage, cause })
  })
  const notFound = () => new CliNotFoundError(`There is no data pool at ${pool} on chain ${client.chain.id}.`, { code: 'POOL_NOT_FOUND', details: 'Pass the DataPool address `pool create` printed (not its datatoken).' })
  if (!code || code === '0x') throw notFound()
  await client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'shareToken' }).catch(() => {
    throw notFound()
  })
}

/** The wallet client of a signed session. */
function walletOf(client: DataVaultBaseClient) {
  if (!client.wallet) throw new CliWalletError('This needs a wallet: pass --key NAME or --account ROLE.', { code: 'NO_WALLET' })
  return client.wallet
}

/** The node, checked to be on the same chain as the RPC. */
async function nodeOf(client: DataVaultBaseClient): Promise<NodeInfo> {
  const node = await client.vault.node()
  if (node.chainId !== client.chain.id) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${client.chain.id}.`, { code: 'CHAIN_MISMATCH' })
  return node
}

/** The key holders the node escrows data keys with (itself, 1 of 1, when it says nothing else). */
function nodeKeyHolders(node: NodeInfo): { addresses: Address[]; threshold: number } {
  const holders = node.keyEscrow?.holders ?? [node.address]
  return { addresses: holders.map((holder) => holder.toLowerCase() as Address), threshold: node.keyEscrow?.threshold ?? 1 }
}

/** A dataset of this node as a pool contribution: refused (exit 4) when revoked or its key not escrowed. */
async function contributionOf(vault: VaultClient, node: NodeInfo, datatoken: Address, { rows, keyEscrow }: { rows?: bigint | undefined; keyEscrow?: Hex | undefined }): Promise<PoolContribution> {
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
function trainerNames(node: NodeInfo | undefined): Map<Hex, string> {
  const names = new Map<Hex, string>()
  for (const trainer of node?.trainers ?? []) {
    names.set(poolTrainerId(trainer.id), trainer.id)
    names.set(poolTrainerId(`${trainer.id}@${trainer.hash.replace(/^0x/, '')}`), `${trainer.id}@${trainer.hash.replace(/^0x/, '')}`)
  }
  return names
}

/** A proposal's calls in words: `approve trainer logistic-regression`, `price 12`, … */
function describeCalls(decoded: readonly DecodedPoolCall[], { trainers, baseTokenSymbol }: { trainers: Map<Hex, string>; baseTokenSymbol: string }): string[] {
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
function proposalJson(proposal: PoolProposal, names: { trainers: Map<Hex, string>; baseTokenSymbol: string }) {
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
async function statusAccount(session: Session, address: Address | undefined): Promise<Address | undefined> {
  if (address) return address
  const { config } = session
  if (config.account) return (await session.account()).address
  const keys = await listKeys(config.configDir.value).catch(() => [])
  const key = config.key ? keys.find((candidate) => candidate.name === config.key!.value) : keys.length === 1 ? keys[0] : undefined
  if (config.key && !key) throw new CliWalletError(`No key named "${config.key.value}" in the keystore.`, { code: 'NO_WALLET' })
  return key?.address ? (key.address.toLowerCase() as Address) : undefined
}

/** Token symbol and decimals, for amounts in words (18 and `?` when the token does not say). */
async function tokenInfo(client: DataVaultBaseClient, token: Address): Promise<{ symbol: string; decimals: number }> {
  const [symbol, decimals] = await Promise.all([
    client.public.readContract({ address: token, abi: erc20Abi, functionName: 'symbol' }).catch(() => '?'),
    client.public.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }).catch(() => 18),
  ])
  return { symbol, decimals }
}

/** Revenue claims (or claimable amounts) in whole tokens with their symbols. */
async function describeClaims(client: DataVaultBaseClient, claims: readonly { distributionId: bigint; token: Address; amount: bigint }[]) {
  const tokens = new Map<string, { symbol: string; decimals: number }>()
  for (const { token } of claims) if (!tokens.has(token.toLowerCase())) tokens.set(token.toLowerCase(), await tokenInfo(client, token))
  return claims.map(({ distributionId, token, amount }) => {
    const info = tokens.get(token.toLowerCase())!
    return { distributionId: distributionId.toString(), token: lower(token), symbol: info.symbol, amount: formatUnits(amount, info.decimals) }
  })
}

/** Sums of claims per token symbol, in words: `3.2 OCEAN, 0.6 DV-HP`. */
function claimTotals(claims: readonly { symbol: string; amount: string }[]): string {
  if (claims.length === 0) return 'nothing'
  const totals = new Map<string, number>()
  for (const claim of claims) totals.set(claim.symbol, (totals.get(claim.symbol) ?? 0) + Number(claim.amount))
  return [...totals].map(([symbol, amount]) => `${Number(amount.toPrecision(12))} ${symbol}`).join(', ')
}

/** Reads the current block (never a cached one: this process may just have mined one). */
const blockNumber = (client: DataVaultBaseClient) => client.public.getBlockNumber({ cacheTime: 0 })

/** The latest block's timestamp: the timelock counts chain time, which need not be the wall clock. */
const chainTime = async (client: DataVaultBaseClient) => (await client.public.getBlock({ blockTag: 'latest' })).timestamp

/** Whole seconds from `now` (chain time, unix seconds) until `at`; 0 when past. */
const secondsUntil = (at: Date, now: bigint) => Math.max(0, Math.ceil(at.getTime() / 1000 - Number(now)))

/** Addresses as the rest of the CLI prints them: lower case. */
const lower = (address: string) => address.toLowerCase() as Address

/** One `datavault pool <action>`: its help, options and run. */
type PoolSubcommand = { help: string; run(args: string[], io: CliIo): Promise<number> }

const create: PoolSubcommand = {
  help: createHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...baseOptions,
        name: { type: 'string' },
        symbol: { type: 'string' },
        price: { type: 'string' },
        trainer: { type: 'string', multiple: true },
        algorithm: { type: 'string', multiple: true },
        policy: { type: 'string' },
        'key-holder': { type: 'string', multiple: true },
        threshold: { type: 'string' },
        open: { type: 'boolean' },
        dataset: { type: 'string', multiple: true },
        rows: { type: 'string' },
        'allow-buyer': { type: 'string', multiple: true },
        'voting-delay': { type: 'string' },
        'voting-period': { type: 'string' },
        quorum: { type: 'string' },
        'timelock-delay': { type: 'string' },
        'proposal-threshold': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, createHelp)
    if (shown !== undefined) return shown
    positionalsExactly(positionals, [], 'pool create')
    if (values.name === undefined || values.symbol === undefined || values.price === undefined) throw new CliUsageError('datavault pool create needs --name, --symbol and --price.')
    const name = check(z.string().trim().min(1).max(100), values.name, '--name')
    const symbol = check(z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'must be 1-16 letters, digits or "-"'), values.symbol, '--symbol')
    const price = check(amountArg, values.price, '--price')
    const trainers = (values.trainer ?? []).map((entry) => check(trainerEntry, entry, '--trainer'))
    const algorithms = (values.algorithm ?? []).map((hash) => check(hashArg, hash, '--algorithm'))
    const keyHolderFlags = (values['key-holder'] ?? []).map((holder) => check(addressArg, holder, '--key-holder'))
    const threshold = values.threshold === undefined ? undefined : check(countArg(1, 16), values.threshold, '--threshold')
    if (threshold !== undefined && keyHolderFlags.length === 0) throw new CliUsageError('--threshold goes with --key-holder (the node\'s own threshold is used otherwise).')
    const datasets = (values.dataset ?? []).map((dataset) => check(addressArg, dataset, '--dataset'))
    if (values.rows !== undefined && datasets.length !== 1) throw new CliUsageError('--rows goes with exactly one --dataset (each other dataset declares its rows in its schema).')
    const rows = values.rows === undefined ? undefined : BigInt(check(countArg(1, Number.MAX_SAFE_INTEGER), values.rows, '--rows'))
    const allowedBuyers = values['allow-buyer']?.map((buyer) => check(addressArg, buyer, '--allow-buyer'))
    const governance = {
      votingDelay: values['voting-delay'] === undefined ? undefined : check(countArg(0, 2 ** 32 - 1), values['voting-delay'], '--voting-delay'),
      votingPeriod: values['voting-period'] === undefined ? undefined : check(countArg(1, 2 ** 32 - 1), values['voting-period'], '--voting-period'),
      quorumPercent: values.quorum === undefined ? undefined : check(countArg(0, 100), values.quorum, '--quorum'),
      timelockDelaySeconds: values['timelock-delay'] === undefined ? undefined : BigInt(check(countArg(0, 10 * 365 * 86_400), values['timelock-delay'], '--timelock-delay')),
      proposalThreshold: values['proposal-threshold'] === undefined ? undefined : parseUnits(check(amountArg, values['proposal-threshold'], '--proposal-threshold'), 18),
    }
    const policy: ComputePolicy | undefined = values.policy === undefined ? undefined : await readJsonArgument(values.policy, computePolicySchema, '--policy')

    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const wallet = walletOf(client)
    const node = await nodeOf(client)
    const offered = new Set(node.trainers.map((trainer) => trainer.id))
    const unknown = [...trainers, ...(policy?.trainers ?? [])].map((entry) => entry.split('@')[0]!).filter((id) => !offered.has(id) && id !== 'custom')
    if (unknown.length > 0) throw new CliUsageError(`The node offers no trainer ${unknown.join(', ')} (it offers ${[...offered].join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    const addresses = await client.addresses().catch(() => {
      throw new CliUsageError('No Ocean contract addresses: pass --addresses-file, set DATAVAULT_ADDRESSES_FILE, or run `datavault dev` here.', { code: 'CONFIG_MISSING' })
    })
    const decimals = await client.public.readContract({ address: addresses.Ocean, abi: erc20Abi, functionName: 'decimals' })
    const priceUnits = parseUnits(price, decimals)
    if (priceUnits <= 0n) throw new CliUsageError('--price must be more than 0.')
    const keyHolders = keyHolderFlags.length > 0 ? { addresses: keyHolderFlags, threshold: threshold ?? keyHolderFlags.length } : nodeKeyHolders(node)
    if (keyHolderFlags.length > 0) output.warn('--key-holder differs from the node\'s key holders: members must escrow their keys with these holders for the pool\'s jobs to use their data.')
    const founders = []
    for (const dataset of datasets) founders.push({ client: wallet, contribution: await contributionOf(client.vault, node, dataset, { rows }) })
    if (!values.open && founders.length === 0) throw new CliUsageError(refusals.NoMembers!, { code: 'POOL_NO_MEMBERS' })

    output.note(`deploying the pool "${name}" (${symbol}): about a dozen transactions`)
    const logger = {
      info: (fields: object) => {
        const { step, address } = fields as { step?: string; address?: string }
        if (step && address) output.note(`  ${step} at ${address}`)
      },
      debug: (fields: object) => {
        const { step } = fields as { step?: string }
        if (step) output.debug(`  ${step}`)
      },
      warn: () => {},
    }
    const created = await createPool(wallet, {
      addresses,
      name,
      symbol,
      price: priceUnits,
      keyHolders,
      trainers,
      algorithms,
      ...(policy ? { policy } : {}),
      ...(allowedBuyers ? { allowedBuyers } : {}),
      contributionRules: { openAdmission: values.open === true },
      governance,
      founders,
      logger,
    }).catch((error: unknown) => poolFailure(error))
    const status = await getPool(client.public, { pool: created.pool, fromBlock: created.fromBlock })
    const baseTokenSymbol = status.sale?.baseTokenSymbol ?? '?'
    const trainerList = status.approvedTrainers.map((id) => trainerNames(node).get(id) ?? id)
    output.result(
      {
        pool: lower(created.pool),
        datatoken: lower(created.datatoken),
        shareToken: lower(created.shareToken),
        governor: lower(created.governor),
        timelock: lower(created.timelock),
        revenue: lower(created.revenue),
        nft: lower(created.nft),
        exchangeId: created.exchangeId,
        fromBlock: created.fromBlock.toString(),
        name,
        symbol,
        price: { amount: price, symbol: baseTokenSymbol, baseToken: lower(status.sale?.baseToken ?? addresses.Ocean) },
        openAdmission: values.open === true,
        keyHolders,
        trainers: trainerList,
        algorithms,
        buyerAllowList: allowedBuyers ?? null,
        governance: governanceJson(status.governance),
        founders: created.founders.map((founder) => ({ datatoken: lower(founder.datatoken), member: lower(founder.member), shares: shares(founder.shares) })),
        gasUsed: Object.values(created.gasUsed).reduce((sum, used) => sum + used, 0n).toString(),
      },
      [
        `pool:        ${lower(created.pool)}`,
        `datatoken:   ${lower(created.datatoken)} (buyers order this one)`,
        `price:       ${price} ${baseTokenSymbol} per job`,
        `admission:   ${values.open ? 'open (joining earns shares at once)' : 'closed (members accept each dataset by vote)'}`,
        `key holders: ${keyHolders.threshold} of ${keyHolders.addresses.join(', ')}`,
        `trainers:    ${trainerList.length > 0 ? trainerList.join(', ') : 'none yet (members approve them by vote)'}`,
        `governance:  ${describeGovernance(status.governance)}`,
        ...(created.founders.length > 0 ? [`founders:    ${created.founders.map((founder) => `${lower(founder.member)} (${shares(founder.shares)} shares)`).join(', ')}`] : []),
      ],
    )
    return 0
  },
}

function governanceJson(governance: PoolStatus['governance']) {
  return {
    votingDelayBlocks: Number(governance.votingDelay),
    votingPeriodBlocks: Number(governance.votingPeriod),
    quorumPercent: Number(governance.quorumPercent),
    timelockDelaySeconds: Number(governance.timelockDelaySeconds),
    proposalThreshold: shares(governance.proposalThreshold),
  }
}

function describeGovernance(governance: PoolStatus['governance']): string {
  return [
    `votes open ${plural(governance.votingDelay, 'block')} after a proposal for ${plural(governance.votingPeriod, 'block')}`,
    `quorum ${governance.quorumPercent} %`,
    `timelock ${governance.timelockDelaySeconds} s`,
  ].join(', ')
}

const join: PoolSubcommand = {
  help: joinHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...baseOptions, dataset: { type: 'string' }, rows: { type: 'string' }, 'key-escrow': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, joinHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool join')
    if (values.dataset === undefined) throw new CliUsageError('datavault pool join needs --dataset DATATOKEN (one of your datasets on this node).')
    const datatoken = check(addressArg, values.dataset, '--dataset')
    const rows = values.rows === undefined ? undefined : BigInt(check(countArg(0, Number.MAX_SAFE_INTEGER), values.rows, '--rows'))
    const keyEscrow = values['key-escrow'] === undefined ? undefined : check(hashArg, values['key-escrow'], '--key-escrow')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const wallet = walletOf(client)
    const node = await nodeOf(client)
    const contribution = await contributionOf(client.vault, node, datatoken, { rows, keyEscrow })
    const [poolHolders, poolThreshold] = await Promise.all([
      client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'keyHolders' }),
      client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'keyHolderThreshold' }),
    ])
    const ours = nodeKeyHolders(node)
    const sameHolders = poolHolders.length === ours.addresses.length && poolHolders.every((holder) => ours.addresses.some((mine) => isAddressEqual(holder, mine)))
    if (keyEscrow === undefined && (!sameHolders || poolThreshold !== ours.threshold))
      output.warn(
        `the pool's key holders (${poolThreshold} of ${poolHolders.join(', ')}) are not those this node escrowed the key with (${ours.threshold} of ${ours.addresses.join(', ')}): the pool's jobs may not get this dataset's key.`,
      )
    const joined = await joinPool(wallet, { pool, contribution }).catch((error: unknown) => poolFailure(error))
    output.result(
      { pool, dataset: contribution.datatoken, member: lower(joined.member), status: joined.status, shares: shares(joined.shares), rows: contribution.rows.toString(), cid: contribution.cid, keyEscrow: contribution.keyEscrow, txHash: joined.txHash },
      [
        joined.status === 'active'
          ? `joined: dataset ${contribution.datatoken} is in the pool; ${lower(joined.member)} got ${shares(joined.shares)} shares for ${contribution.rows} rows`
          : `pending: dataset ${contribution.datatoken} waits for the members to accept it (\`pool propose --accept-dataset\`)`,
        `tx:     ${joined.txHash}`,
      ],
    )
    return 0
  },
}

const register: PoolSubcommand = {
  help: registerHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...baseOptions, name: { type: 'string' }, description: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, registerHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool register')
    const name = values.name === undefined ? undefined : check(z.string().trim().min(1).max(200), values.name, '--name')
    const description = values.description === undefined ? undefined : check(z.string().max(2000), values.description, '--description')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    await nodeOf(client)
    const listed = await registerPool(client.vault, { pool, name, description })
    output.result({ pool, dataset: listed.id, name: listed.name, keyEscrowed: listed.keyEscrowed, schema: listed.schema, policy: listed.policy }, [
      `listed: ${listed.name} as ${listed.id} on ${client.vault.url}`,
      `ready:  ${listed.keyEscrowed ? 'yes, every member\'s key is escrowed here' : 'not yet: a member\'s key is not escrowed here'}`,
      `train:  datavault train ${listed.id} --trainer <an approved trainer> …`,
    ])
    return 0
  },
}

const leave: PoolSubcommand = {
  help: leaveHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...baseOptions, dataset: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, leaveHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool leave')
    const datatoken = values.dataset === undefined ? undefined : check(addressArg, values.dataset, '--dataset')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const left = await leavePool(walletOf(client), { pool, datatoken }).catch((error: unknown) => poolFailure(error))
    output.result({ pool, dataset: datatoken ?? null, left: datatoken === undefined, sharesBurned: shares(left.sharesBurned), txHash: left.txHash }, [
      datatoken
        ? `withdrew dataset ${datatoken}: ${shares(left.sharesBurned)} shares burned; it is out of new jobs`
        : `left the pool: ${shares(left.sharesBurned)} shares burned; your datasets are out of new jobs (revenue distributed before stays claimable)`,
      `tx: ${left.txHash}`,
    ])
    return 0
  },
}

const propose: PoolSubcommand = {
  help: proposeHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...baseOptions,
        'approve-trainer': { type: 'string', multiple: true },
        'revoke-trainer': { type: 'string', multiple: true },
        'approve-algorithm': { type: 'string', multiple: true },
        'revoke-algorithm': { type: 'string', multiple: true },
        'accept-dataset': { type: 'string', multiple: true },
        'remove-dataset': { type: 'string', multiple: true },
        'allow-buyer': { type: 'string', multiple: true },
        'remove-buyer': { type: 'string', multiple: true },
        'allow-list': { type: 'string' },
        price: { type: 'string' },
        sale: { type: 'string' },
        quorum: { type: 'string' },
        'voting-delay': { type: 'string' },
        'voting-period': { type: 'string' },
        'key-holder': { type: 'string', multiple: true },
        threshold: { type: 'string' },
        description: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, proposeHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool propose')
    const actions: PoolAction[] = []
    for (const trainer of values['approve-trainer'] ?? []) actions.push({ type: 'approveTrainer', trainer: check(trainerEntry, trainer, '--approve-trainer') })
    for (const trainer of values['revoke-trainer'] ?? []) actions.push({ type: 'revokeTrainer', trainer: check(trainerEntry, trainer, '--revoke-trainer') })
    for (const hash of values['approve-algorithm'] ?? []) actions.push({ type: 'approveAlgorithm', algorithmHash: check(hashArg, hash, '--approve-algorithm') })
    for (const hash of values['revoke-algorithm'] ?? []) actions.push({ type: 'revokeAlgorithm', algorithmHash: check(hashArg, hash, '--revoke-algorithm') })
    for (const datatoken of values['accept-dataset'] ?? []) actions.push({ type: 'acceptDataset', datatoken: check(addressArg, datatoken, '--accept-dataset') })
    for (const datatoken of values['remove-dataset'] ?? []) actions.push({ type: 'removeDataset', datatoken: check(addressArg, datatoken, '--remove-dataset') })
    if (values['allow-list'] !== undefined) actions.push({ type: 'setBuyerAllowList', enabled: check(switchArg, values['allow-list'], '--allow-list') })
    for (const buyer of values['allow-buyer'] ?? []) actions.push({ type: 'allowBuyer', buyer: check(addressArg, buyer, '--allow-buyer') })
    for (const buyer of values['remove-buyer'] ?? []) actions.push({ type: 'removeBuyer', buyer: check(addressArg, buyer, '--remove-buyer') })
    const price = values.price === undefined ? undefined : check(amountArg, values.price, '--price')
    if (values.sale !== undefined) actions.push({ type: 'setSaleActive', active: check(switchArg, values.sale, '--sale') })
    if (values.quorum !== undefined) actions.push({ type: 'setQuorum', percent: check(countArg(0, 100), values.quorum, '--quorum') })
    if (values['voting-delay'] !== undefined) actions.push({ type: 'setVotingDelay', blocks: check(countArg(0, 2 ** 32 - 1), values['voting-delay'], '--voting-delay') })
    if (values['voting-period'] !== undefined) actions.push({ type: 'setVotingPeriod', blocks: check(countArg(1, 2 ** 32 - 1), values['voting-period'], '--voting-period') })
    if (values['key-holder'] !== undefined) {
      const holders = values['key-holder'].map((holder) => check(addressArg, holder, '--key-holder'))
      const threshold = values.threshold === undefined ? holders.length : check(countArg(1, holders.length), values.threshold, '--threshold')
      actions.push({ type: 'setKeyHolders', keyHolders: holders, threshold })
    } else if (values.threshold !== undefined) throw new CliUsageError('--threshold goes with --key-holder.')
    if (actions.length === 0 && price === undefined) throw new CliUsageError('Nothing to propose: give at least one action (--approve-trainer, --price, --allow-buyer, …). See `datavault pool propose --help`.')
    if (values.description === undefined) throw new CliUsageError('--description: is required (what the proposal does and why; voters see it).')
    const description = check(z.string().trim().min(1, 'is required').max(2000), values.description, '--description')

    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    let baseTokenSymbol = '?'
    if (price !== undefined) {
      const status = await getPool(client.public, { pool })
      if (!status.sale) throw new CliNotFoundError('This pool sells no datatoken yet; it has no price to change.', { code: 'POOL_NOT_FOR_SALE' })
      baseTokenSymbol = status.sale.baseTokenSymbol
      const units = parseUnits(price, status.sale.baseTokenDecimals)
      if (units <= 0n) throw new CliUsageError('--price must be more than 0.')
      actions.push({ type: 'setPrice', price: units })
    }
    const node = await client.vault.node().catch(() => undefined)
    const proposed = await proposePool(walletOf(client), { pool, actions, description }).catch((error: unknown) => poolFailure(error))
    const now = await blockNumber(client)
    const governor = await client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'governor' })
    const words = describeCalls(decodePoolCalls({ pool, governor }, proposed.calls), { trainers: trainerNames(node), baseTokenSymbol })
    output.result(
      {
        pool,
        proposalId: proposed.proposalId.toString(),
        description,
        actions: words,
        voteStart: proposed.voteStart.toString(),
        voteEnd: proposed.voteEnd.toString(),
        block: now.toString(),
        txHash: proposed.txHash,
      },
      [
        `proposal: ${proposed.proposalId}`,
        ...words.map((word) => `  - ${word}`),
        `vote:     from block ${proposed.voteStart + 1n} to block ${proposed.voteEnd} (now ${now}): \`datavault pool vote ${pool} ${proposed.proposalId} for\``,
        `tx:       ${proposed.txHash}`,
      ],
    )
    return 0
  },
}

const vote: PoolSubcommand = {
  help: voteHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...baseOptions, reason: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, voteHelp)
    if (shown !== undefined) return shown
    const [poolArg, idArg, supportArg] = positionalsExactly(positionals, ['pool', 'proposal', 'for|against|abstain'], 'pool vote')
    const proposalId = check(proposalIdArg, idArg, 'proposal')
    const support = check(z.enum(['for', 'against', 'abstain'], { message: 'must be for, against or abstain' }), supportArg, 'vote') as PoolVoteSupport
    const reason = values.reason === undefined ? undefined : check(z.string().max(1000), values.reason, '--reason')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const [proposal] = await getPoolProposals(client.public, { pool, proposalId })
    if (!proposal) throw new CliNotFoundError(`This pool has no proposal ${proposalId}.`, { code: 'POOL_PROPOSAL_NOT_FOUND', details: '`datavault pool status <pool> --proposals` lists them.' })
    const now = await blockNumber(client)
    // Reads see the latest block; the vote lands in the next one, which opens it once now = voteStart.
    if (proposal.state === 'pending' && now < proposal.voteStart)
      throw new CliNotFoundError(`The vote on proposal ${proposalId} has not opened yet: it opens after block ${proposal.voteStart} (now ${now}).`, { code: 'POOL_VOTE_NOT_OPEN' })
    if (proposal.state !== 'active' && proposal.state !== 'pending') throw new CliNotFoundError(`The vote on proposal ${proposalId} is closed: the proposal is ${proposal.state}.`, { code: 'POOL_VOTE_CLOSED' })
    const voted = await votePool(walletOf(client), { pool, proposalId, support, reason }).catch((error: unknown) => poolFailure(error))
    output.result({ pool, proposalId: proposalId.toString(), support, weight: shares(voted.weight), voteEnd: proposal.voteEnd.toString(), txHash: voted.txHash }, [
      `voted ${support} with ${shares(voted.weight)} shares on proposal ${proposalId}; the vote ends at block ${proposal.voteEnd} (now ${now})`,
      `tx: ${voted.txHash}`,
    ])
    return 0
  },
}

const execute: PoolSubcommand = {
  help: executeHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: baseOptions, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, executeHelp)
    if (shown !== undefined) return shown
    const [poolArg, idArg] = positionalsExactly(positionals, ['pool', 'proposal'], 'pool execute')
    const proposalId = check(proposalIdArg, idArg, 'proposal')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const executed = await executePool(walletOf(client), { pool, proposalId }).catch(async (error: unknown) => {
      // Say why it cannot run yet: the vote's blocks, or its tally.
      const [[proposal], now, time] = await Promise.all([
        getPoolProposals(client.public, { pool, proposalId }).catch(() => []),
        blockNumber(client).catch(() => undefined),
        chainTime(client).catch(() => undefined),
      ])
      return poolFailure(error, { proposal, now, chainTime: time })
    })
    const wait = secondsUntil(executed.readyAt, await chainTime(client))
    output.result({ pool, proposalId: proposalId.toString(), status: executed.status, readyAt: executed.readyAt.toISOString(), txHash: executed.txHash }, [
      executed.status === 'executed'
        ? `executed: proposal ${proposalId}'s calls ran`
        : `queued: proposal ${proposalId} waits out the pool's timelock; it can run from ${executed.readyAt.toISOString()} (in ${wait} s of chain time): run \`datavault pool execute ${pool} ${proposalId}\` again then`,
      `tx: ${executed.txHash}`,
    ])
    return 0
  },
}

const claim: PoolSubcommand = {
  help: claimHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...baseOptions, datatokens: { type: 'boolean' }, 'no-collect': { type: 'boolean' }, distribution: { type: 'string', multiple: true } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, claimHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool claim')
    const distributionIds = values.distribution?.map((id) => BigInt(check(countArg(0, Number.MAX_SAFE_INTEGER), id, '--distribution')))
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const datatoken = values.datatokens ? await client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'datatoken' }) : undefined
    const claimed = await claimPoolRevenue(walletOf(client), {
      pool,
      collect: values['no-collect'] !== true,
      distribute: datatoken && datatoken !== zeroAddress ? [datatoken] : [],
      distributionIds,
    }).catch((error: unknown) => poolFailure(error))
    const account = lower(client.account!.address)
    if (claimed.claims.length === 0)
      throw new CliNotFoundError(`Nothing to claim: no distribution of this pool owes ${account} anything (claimed already, or nothing was paid while it held shares).`, {
        code: 'NOTHING_TO_CLAIM',
      })
    const claims = await describeClaims(client, claimed.claims)
    output.result({ pool, account, claims, txHash: claimed.txHash, distributionTxHashes: claimed.distributionTxHashes }, [
      ...output.table(
        ['DISTRIBUTION', 'AMOUNT', 'TOKEN'],
        claims.map((one) => [one.distributionId, one.amount, `${one.symbol} (${one.token})`]),
      ),
      `claimed: ${claimTotals(claims)}`,
      `tx:      ${claimed.txHash}`,
    ])
    return 0
  },
}

const status: PoolSubcommand = {
  help: statusHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...baseOptions, proposals: { type: 'boolean' }, address: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, statusHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool status')
    const address = values.address === undefined ? undefined : check(addressArg, values.address, '--address')
    const { output, session, client, pool } = await openPool(io, values, poolArg, { signed: false })
    const account = await statusAccount(session, address)
    const [state, members, proposals, node, now] = await Promise.all([
      getPool(client.public, { pool, account }),
      poolMembers(client.public, { pool, includeInactive: true }),
      getPoolProposals(client.public, { pool }),
      client.vault.node().catch(() => undefined),
      blockNumber(client),
    ])
    const trainers = trainerNames(node)
    const baseTokenSymbol = state.sale?.baseTokenSymbol ?? '?'
    const open = new Set(['pending', 'active', 'succeeded', 'queued'])
    const listedProposals = values.proposals ? proposals : proposals.filter((proposal) => open.has(proposal.state))
    const listed = members
      .map((member) => ({ ...member, datasets: member.datasets.filter((dataset) => dataset.status === 'active' || dataset.status === 'pending') }))
      .filter((member) => member.datasets.length > 0)
    const claimable = state.account ? await describeClaims(client, state.account.claimable) : []
    const document = {
      pool,
      name: state.name,
      symbol: state.symbol,
      datatoken: lower(state.datatoken),
      contracts: { shareToken: lower(state.shareToken), governor: lower(state.governor), timelock: lower(state.timelock), revenue: lower(state.revenue), nft: lower(state.nft), exchangeId: state.exchangeId },
      setupComplete: state.setupComplete,
      price: state.sale ? { amount: formatUnits(state.sale.price, state.sale.baseTokenDecimals), symbol: state.sale.baseTokenSymbol, baseToken: lower(state.sale.baseToken), onSale: state.sale.active } : null,
      shares: { symbol: state.shares.symbol, total: shares(state.shares.totalSupply) },
      memberCount: Number(state.memberCount),
      members: listed.map((member) => ({
        member: lower(member.member),
        shares: shares(member.shares),
        datasets: member.datasets.map((dataset) => ({
          datatoken: lower(dataset.datatoken),
          status: dataset.status,
          cid: dataset.cid,
          rows: dataset.rows.toString(),
          shares: shares(dataset.shares),
          keyEscrow: dataset.keyEscrow,
          keyHoldersEpoch: dataset.keyHoldersEpoch,
        })),
      })),
      openAdmission: state.rules.openAdmission,
      approvedTrainers: state.approvedTrainers.map((id) => trainers.get(id) ?? id),
      approvedAlgorithms: state.approvedAlgorithms,
      buyerAllowList: state.buyerAllowListEnabled,
      keyHolders: { addresses: state.keyHolders.addresses.map(lower), threshold: state.keyHolders.threshold, epoch: state.keyHolders.epoch },
      governance: governanceJson(state.governance),
      distributions: Number(state.distributionCount),
      block: now.toString(),
      proposals: listedProposals.map((proposal) => proposalJson(proposal, { trainers, baseTokenSymbol })),
      account: state.account
        ? { address: lower(state.account.address), shares: shares(state.account.shares), activeDatasets: state.account.activeDatasets, pendingDatasets: state.account.pendingDatasets, claimable }
        : null,
    }
    output.result(document, () => statusLines(output, document, state))
    return 0
  },
}

type StatusDocument = {
  pool: Address
  name: string
  symbol: string
  datatoken: Address
  price: { amount: string; symbol: string; onSale: boolean } | null
  shares: { symbol: string; total: string }
  memberCount: number
  members: { member: Address; shares: string; datasets: { datatoken: Address; status: string; rows: string; shares: string }[] }[]
  openAdmission: boolean
  approvedTrainers: string[]
  approvedAlgorithms: Hex[]
  buyerAllowList: boolean
  keyHolders: { addresses: readonly Address[]; threshold: number }
  distributions: number
  block: string
  proposals: ReturnType<typeof proposalJson>[]
  account: { address: Address; shares: string; activeDatasets: number; pendingDatasets: number; claimable: { symbol: string; amount: string }[] } | null
}

function statusLines(output: Output, document: StatusDocument, state: PoolStatus): string[] {
  const datasets = document.members.reduce((sum, member) => sum + member.datasets.length, 0)
  const lines = [
    `pool:        ${document.pool} (${document.name}, ${document.symbol})`,
    `datatoken:   ${document.datatoken} (buyers order this one)`,
    `price:       ${document.price ? `${document.price.amount} ${document.price.symbol} per job${document.price.onSale ? '' : ' (not on sale)'}` : 'not for sale'}`,
    `members:     ${document.memberCount} (${plural(datasets, 'dataset')}, ${document.shares.total} shares; admission ${document.openAdmission ? 'open' : 'by vote'})`,
    `trainers:    ${document.approvedTrainers.length > 0 ? document.approvedTrainers.join(', ') : 'none approved'}`,
    `algorithms:  ${document.approvedAlgorithms.length > 0 ? document.approvedAlgorithms.join(', ') : 'none approved'}`,
    `buyers:      ${document.buyerAllowList ? 'only those allowed by the members' : 'anyone'}`,
    `key holders: ${document.keyHolders.threshold} of ${document.keyHolders.addresses.join(', ')}`,
    `governance:  ${describeGovernance(state.governance)}; now block ${document.block}`,
    `revenue:     ${plural(document.distributions, 'distribution')}`,
  ]
  if (document.account) {
    const you = document.account
    lines.push(`account:     ${you.address}: ${you.shares} shares, ${plural(you.activeDatasets, 'dataset')}${you.pendingDatasets ? ` (+${you.pendingDatasets} pending)` : ''}; claimable ${claimTotals(you.claimable)}`)
  }
  if (document.members.length > 0) {
    lines.push('')
    lines.push(
      ...output.table(
        ['MEMBER', 'SHARES', 'DATASET', 'ROWS', 'STATUS'],
        document.members.flatMap((member) => member.datasets.map((dataset) => [member.member, dataset.shares, dataset.datatoken, dataset.rows, dataset.status])),
      ),
    )
  }
  if (document.proposals.length > 0) {
    lines.push('')
    lines.push(
      ...output.table(
        ['PROPOSAL', 'STATE', 'FOR', 'AGAINST', 'ABSTAIN', 'QUORUM', 'ENDS', 'ACTIONS'],
        document.proposals.map((proposal) => [
          proposal.proposalId,
          proposal.state === 'queued' && proposal.readyAt ? `queued until ${proposal.readyAt}` : proposal.state,
          proposal.votes.for,
          proposal.votes.against,
          proposal.votes.abstain,
          proposal.quorum,
          `block ${proposal.voteEnd}`,
          `${proposal.actions.join('; ')} — ${proposal.description}`,
        ]),
      ),
    )
  }
  return lines
}

const actions: Record<string, PoolSubcommand> = { create, join, register, leave, propose, vote, execute, claim, status }

/** `datavault pool create|join|leave|propose|vote|execute|claim|status`. */
export const poolCommand: Command = {
  name: 'pool',
  summary: 'DAO data pools: create, join, register, leave, propose, vote, execute, claim revenue, status',
  help,
  async run(args, io) {
    const [action, ...rest] = args
    if (action === undefined || action === '--help' || action === '-h') {
      io.stdout.write(help)
      return action === undefined ? exitCodes.usage : exitCodes.ok
    }
    const entry = Object.hasOwn(actions, action) ? actions[action] : undefined
    if (!entry) {
      if (action.startsWith('-')) throw new CliUsageError(`datavault pool needs an action first (${Object.keys(actions).join(', ')}). See \`datavault pool --help\`.`)
      throw new CliUsageError(`Unknown pool action "${action}": use ${Object.keys(actions).join(', ')}. See \`datavault pool --help\`.`)
    }
    try {
      return await entry.run(rest, io)
    } catch (error) {
      // Point usage errors at this action's help, not the pool's.
      const code = (error as { code?: unknown }).code
      const usage = (error instanceof CliUsageError && code === 'CLI_USAGE') || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      // Node's unknown-option message ends with a long hint about '--' that reads badly before ours.
      const message = error instanceof CliUsageError ? error.shortMessage : (error as Error).message.replace(/ To specify a positional argument .*$/s, '')
      if (usage && !message.includes('--help')) throw new CliUsageError(`${message} See \`datavault pool ${action} --help\`.`)
      throw error
    }
  },
}
