// `datavault pool propose`: propose changes for the members to vote on.
import { parseArgs } from 'node:util'
import { parseUnits } from 'viem'
import { z } from 'zod'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { getPool, decodePoolCalls, type PoolAction, proposePool } from '@datavault/sdk'
import { addressArg, check, hashArg, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { CliNotFoundError, CliUsageError } from '../../errors.ts'
import { exitHelp, shared, trainerEntry, amountArg, countArg, switchArg, shares, poolFailure, openPool, walletOf, trainerNames, describeCalls, blockNumber, type PoolSubcommand, baseOptions, nodeForNames } from './shared.ts'

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

/** `datavault pool propose`: propose changes for the members to vote on. */
export const propose: PoolSubcommand = {
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
    const node = await nodeForNames(client, output)
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
