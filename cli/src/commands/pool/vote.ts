// `datavault pool vote`: vote on an open proposal.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { getPoolProposals, type PoolVoteSupport, votePool } from '@datavault/sdk'
import { check, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { CliNotFoundError } from '../../errors.ts'
import { exitHelp, shared, proposalIdArg, shares, poolFailure, openPool, walletOf, blockNumber, type PoolSubcommand, baseOptions } from './shared.ts'

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

/** `datavault pool vote`: vote on an open proposal. */
export const vote: PoolSubcommand = {
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
