// `datavault pool leave`: leave a pool, or withdraw one dataset.
import { parseArgs } from 'node:util'
import { leavePool } from '@datavault/sdk'
import { addressArg, check, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { exitHelp, shared, shares, poolFailure, openPool, walletOf, type PoolSubcommand, baseOptions } from './shared.ts'

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

/** `datavault pool leave`: leave a pool, or withdraw one dataset. */
export const leave: PoolSubcommand = {
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
