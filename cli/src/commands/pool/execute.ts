// `datavault pool execute`: queue a passed proposal, or run it.
import { parseArgs } from 'node:util'
import { executePool, getPoolProposals } from '@datavault/sdk'
import { check, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { exitHelp, shared, baseOptions, proposalIdArg, poolFailure, openPool, walletOf, blockNumber, chainTime, secondsUntil, type PoolSubcommand } from './shared.ts'

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

/** `datavault pool execute`: queue a passed proposal, or run it. */
export const execute: PoolSubcommand = {
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
      // A read that fails here is named in the message, not shown as "no proposal".
      const [proposals, now, time] = await Promise.allSettled([getPoolProposals(client.public, { pool, proposalId }), blockNumber(client), chainTime(client)])
      const failed = [proposals, now, time].find((result) => result.status === 'rejected')
      return poolFailure(error, {
        proposal: proposals.status === 'fulfilled' ? proposals.value[0] : undefined,
        now: now.status === 'fulfilled' ? now.value : undefined,
        chainTime: time.status === 'fulfilled' ? time.value : undefined,
        unavailable: failed ? `reading the chain failed: ${(failed.reason as { shortMessage?: string; message?: string }).shortMessage ?? (failed.reason as Error).message}` : undefined,
      })
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
