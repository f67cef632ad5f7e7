import { parseArgs } from 'node:util'
import { formatUnits } from 'viem'
import { getTokenBalance } from '@datavault/sdk'
import { buyAccess } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliUsageError } from '../errors.ts'
import { describePrice, priceJson } from '../price.ts'
import { requireDataset } from './datasets.ts'

const help = `datavault buy — buy access to a dataset (one datatoken = one training job)

Usage:
  datavault buy <dataset>

Buys one datatoken of the dataset from its FixedRateExchange (approving the base token for the
quoted amount only), or takes one from its Dispenser when it is free. \`datavault train\` buys one
itself when the wallet holds none; use this to buy ahead. A dataset its owner revoked is refused
before anything is approved or paid. Exit 4 for an unknown dataset, a revoked one, or one not for
sale.

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault buy 0x5fbdb2315678afecb367f032d93f642f64180aa3
  datavault buy 0x5fbdb2315678afecb367f032d93f642f64180aa3 --key alice --json
`

/** `datavault buy <dataset>`. */
export const buyCommand: Command = {
  name: 'buy',
  summary: 'buy one datatoken of a dataset (fixed price or free dispenser)',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions, ...connectionOptions, ...walletOptions }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['dataset'], 'buy')
    const id = check(addressArg, idArg, 'dataset id')
    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const dataset = await requireDataset(client.vault, id)
    const [node, chain] = await Promise.all([client.vault.node(), session.chain()])
    if (node.chainId !== chain.chainId) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${chain.chainId}.`, { code: 'CHAIN_MISMATCH' })
    output.note(`buying one datatoken of "${dataset.name}"`)
    const bought = await buyAccess(client, { dataset: dataset.datatoken })
    const buyer = client.account!.address
    const balance = await getTokenBalance(client.public, { token: dataset.datatoken, owner: buyer })
    output.result(
      { dataset: dataset.id, buyer, txHash: bought.txHash, method: bought.method, paid: bought.price.type === 'free' ? '0' : formatUnits(bought.baseTokenAmount, bought.price.baseTokenDecimals), price: priceJson(bought.price), balance: formatUnits(balance, 18) },
      [
        bought.price.type === 'free'
          ? `bought:  1 datatoken of ${dataset.id}, free from the dispenser`
          : `bought:  1 datatoken of ${dataset.id} for ${formatUnits(bought.baseTokenAmount, bought.price.baseTokenDecimals)} ${bought.price.baseTokenSymbol} (${describePrice(bought.price)})`,
        `tx:      ${bought.txHash}`,
        `balance: ${formatUnits(balance, 18)} datatokens (each pays for one job)`,
      ],
    )
    return 0
  },
}
