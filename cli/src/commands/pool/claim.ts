// `datavault pool claim`: collect what buyers paid and claim your part.
import { parseArgs } from 'node:util'
import { zeroAddress } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { claimPoolRevenue } from '@datavault/sdk'
import { check, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { CliNotFoundError } from '../../errors.ts'
import { exitHelp, shared, countArg, shares, poolFailure, openPool, walletOf, describeClaims, claimTotals, lower, type PoolSubcommand, baseOptions } from './shared.ts'

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

/** `datavault pool claim`: collect what buyers paid and claim your part. */
export const claim: PoolSubcommand = {
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
