import { parseArgs } from 'node:util'
import { createPublicClient, formatEther, http, parseEther } from 'viem'
import { fundFromDevChain } from '@datavault/sdk'
import { z } from 'zod'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'

const help = `datavault fund — test ETH for a wallet on the local dev chain

Usage:
  datavault fund [ADDRESS] [--eth N]

Adds N test ETH (default 10) to ADDRESS, or to your wallet when no address is given, on the
chain that \`datavault dev\` runs (Hardhat's local chain, which can set any balance). A new wallet
needs a little ETH to pay the network fees of publishing. Test ETH is worth nothing, and only a
local dev chain gives it: on any other chain the command refuses (exit 4) and changes nothing.

Options:
  --eth N                  how much test ETH to add (default 10, at most 1000000)

${connectionHelp}

${walletHelp}

${commonHelp}

Examples:
  datavault fund                                   # your wallet (the only key, or --key NAME)
  datavault fund 0x1234…abcd --eth 5               # any address, e.g. the browser extension's wallet
`

const ethAmount = z
  .string()
  .regex(/^\d+(\.\d{1,18})?$/, 'must be an amount of ETH, like 10 or 0.5')
  .transform((value) => parseEther(value))
  .refine((value) => value > 0n && value <= parseEther('1000000'), 'must be more than 0 and at most 1000000')

/** `datavault fund`. */
export const fundCommand: Command = {
  name: 'fund',
  summary: 'add test ETH to a wallet on the local dev chain (refused on any other chain)',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions, ...connectionOptions, ...walletOptions, eth: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (positionals.length > 1) positionalsExactly(positionals, ['ADDRESS'], 'fund')
    const amount = check(ethAmount, values.eth ?? '10', '--eth')
    const { output, session } = await openSession(io, values)
    const { rpcUrl } = await session.chain()
    const address = positionals[0] !== undefined ? check(addressArg, positionals[0], 'ADDRESS') : (await session.account()).address
    // The SDK's action: a real chain is refused (DEV_FUNDS_UNAVAILABLE, exit 4) having asked nothing but hardhat_metadata.
    const { added, balance } = await fundFromDevChain(createPublicClient({ transport: http(rpcUrl, { retryCount: 0, timeout: 15_000 }) }), { address, amount })
    output.result({ address, added, balance }, [`funded: ${address}`, `added:   ${formatEther(added)} ETH (test ETH, local dev chain)`, `balance: ${formatEther(balance)} ETH`])
    return 0
  },
}
