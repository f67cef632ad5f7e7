import { parseArgs } from 'node:util'
import { formatEther, parseEther } from 'viem'
import { z } from 'zod'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliError, exitCodes } from '../errors.ts'

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
    // Only Hardhat's simulated chain answers hardhat_metadata; a real chain is refused before anything else is asked.
    const metadata = await rpc(rpcUrl, 'hardhat_metadata', []).catch(() => undefined)
    if (typeof metadata !== 'object' || metadata === null)
      throw new CliError('This chain is not a local dev chain: it cannot give test ETH.', {
        code: 'DEV_FUNDS_UNAVAILABLE',
        exitCode: exitCodes.notFound,
        details: 'Test ETH exists only on the chain `datavault dev` runs. On a real chain, send ETH to the address from another wallet or an exchange.',
      })
    // The dev chain's last test account sends it: a real transaction, which a persistent dev stack
    // (dev --persist) journals and replays, where a balance set by hardhat_setBalance would be lost.
    const accounts = (await rpc(rpcUrl, 'eth_accounts', [])) as string[]
    const from = accounts.at(-1)
    if (from === undefined) throw new CliError('The dev chain has no test accounts to send ETH from.', { code: 'DEV_FUNDS_UNAVAILABLE', exitCode: exitCodes.notFound })
    await rpc(rpcUrl, 'eth_sendTransaction', [{ from, to: address, value: `0x${amount.toString(16)}` }])
    const next = BigInt((await rpc(rpcUrl, 'eth_getBalance', [address, 'latest'])) as string)
    output.result({ address, added: amount, balance: next }, [`funded: ${address}`, `added:   ${formatEther(amount)} ETH (test ETH, local dev chain)`, `balance: ${formatEther(next)} ETH`])
    return 0
  },
}

/** One JSON-RPC call (the dev chain's own methods are not in viem's typed set). */
async function rpc(rpcUrl: string, method: string, params: unknown[]): Promise<unknown> {
  let body: { result?: unknown; error?: { message?: string } }
  try {
    const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }), signal: AbortSignal.timeout(15_000) })
    body = (await response.json()) as typeof body
  } catch (cause) {
    throw new CliError(`The chain did not answer ${method}.`, { code: 'CHAIN_UNREACHABLE', exitCode: exitCodes.failure, cause })
  }
  if (body.error || !('result' in body)) throw new CliError(`The chain refused ${method}: ${body.error?.message ?? 'no result'}.`, { code: 'CHAIN_REQUEST_FAILED', exitCode: exitCodes.failure })
  return body.result
}
