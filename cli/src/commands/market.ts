// The dataset owner's market commands after publishing: change the price on the exchange, change
// the policy or the schema on the node (signed requests), and collect what waits on the exchange.
import { parseArgs } from 'node:util'
import { erc20Abi, formatUnits, parseUnits } from 'viem'
import { z } from 'zod'
import {
  type DatasetView,
  DataVaultError,
  collectBaseToken,
  computePolicySchema,
  datasetSchemaSchema,
  getDatasets,
  getDatatokenPrice,
  republishDataset,
  setDatatokenPrice,
  unpublishDataset,
  updateDataset,
} from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliNotFoundError, CliUsageError } from '../errors.ts'
import { readJsonArgument } from '../files.ts'
import { describePrice } from '../price.ts'
import { requireDataset } from './datasets.ts'

const ownerNote = 'Signed by your wallet, which must own the dataset (exit 4 otherwise).'
const options = { ...commonOptions, ...connectionOptions, ...walletOptions } as const
const amountSchema = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal amount, e.g. 5 or 0.25')

/** Refuses (exit 4) unless `address` owns the dataset on the node. */
function requireOwner(dataset: DatasetView, address: string): void {
  if (dataset.owner.toLowerCase() !== address.toLowerCase())
    throw new CliNotFoundError(`Only the dataset's owner (${dataset.owner}) can change it.`, { code: 'NOT_DATASET_OWNER' })
  if (dataset.revokedAt) throw new CliNotFoundError(`Dataset ${dataset.id} was revoked; it cannot change.`, { code: 'DATASET_REVOKED' })
}

const priceHelp = `datavault price — change the price of your dataset

Usage:
  datavault price <dataset> <amount>

Sets the price of one training job (one datatoken) on the dataset's FixedRateExchange, in its base
token (e.g. 4 or 0.5 OCEAN, before Ocean's fee). Buyers pay the new price from the next purchase;
datatokens already bought stay with their buyers. A free dataset (Dispenser) has no price to change,
and a revoked one stays closed. Your wallet pays the gas of one transaction. ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault price 0x5fbdb2315678afecb367f032d93f642f64180aa3 4
`

/** `datavault price <dataset> <amount>`. */
export const priceCommand: Command = {
  name: 'price',
  summary: '(owner) change the price of your dataset on its exchange',
  help: priceHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, priceHelp)
    if (shown !== undefined) return shown
    const [idArg, amountArg] = positionalsExactly(positionals, ['dataset', 'amount'], 'price')
    const id = check(addressArg, idArg, 'dataset id')
    const amount = check(amountSchema, amountArg, 'amount')
    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const dataset = await requireDataset(client.vault, id)
    requireOwner(dataset, client.account!.address)
    const before = await getDatatokenPrice(client.public, { datatoken: dataset.datatoken })
    if (before.type === 'free') throw new CliUsageError('This dataset is free (Dispenser): it has no price to change.', { code: 'DATASET_FREE' })
    if (before.type === 'not-for-sale') throw new CliNotFoundError('This dataset is not for sale: its exchange is closed.', { code: 'EXCHANGE_NOT_FOUND' })
    const units = parseUnits(amount, before.baseTokenDecimals)
    if (units <= 0n) throw new CliUsageError('The price must be more than 0.', { code: 'PRICE_INVALID' })
    const changed = await setDatatokenPrice(client.wallet!, { datatoken: dataset.datatoken, price: units })
    const after = await getDatatokenPrice(client.public, { datatoken: dataset.datatoken })
    output.result(
      { dataset: dataset.id, txHash: changed.txHash ?? null, previous: formatUnits(before.rate, 18), price: formatUnits(changed.rate, 18), baseToken: before.baseTokenSymbol },
      [
        changed.txHash ? `price:   ${describePrice(before)} → ${describePrice(after)}` : `price:   unchanged, ${describePrice(after)}`,
        ...(changed.txHash ? [`tx:      ${changed.txHash}`] : []),
      ],
    )
    return 0
  },
}

const policyHelp = `datavault policy — change the compute policy of your dataset

Usage:
  datavault policy <dataset> --file policy.json

Replaces the dataset's compute policy (trainers, maxEpochs, privacyBudget, …, as in \`publish
--policy\`) on the vault node. Jobs accepted from now on are checked against it; jobs already
accepted keep the terms they were accepted on. A privacy budget can be raised or lowered but not
removed, nor set below what jobs already spent. A signed request, no fee. ${ownerNote}

Options:
  --file FILE   the new policy, JSON (required)
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault policy 0x5fbdb2315678afecb367f032d93f642f64180aa3 --file policy.json
`

const schemaHelp = `datavault schema — correct the schema of your dataset

Usage:
  datavault schema <dataset> --file schema.json

Replaces the dataset's public schema (columns, types, bounds, rows) on the vault node, while no job
depends on it: refused (exit 4) once a job on it was accepted and did not fail, or a pool job read
it. The schema must describe the columns of the file you published. A signed request, no fee.
${ownerNote}

Options:
  --file FILE   the new schema, JSON (required)
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault schema 0x5fbdb2315678afecb367f032d93f642f64180aa3 --file schema.json
`

/** `datavault policy` and `datavault schema`: one signed update of the dataset on the node. */
function updateCommand(what: 'policy' | 'schema', help: string, summary: string): Command {
  return {
    name: what,
    summary,
    help,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options: { ...options, file: { type: 'string' } }, allowPositionals: true, strict: true })
      const shown = helpRequested(io, values, help)
      if (shown !== undefined) return shown
      const [idArg] = positionalsExactly(positionals, ['dataset'], what)
      const id = check(addressArg, idArg, 'dataset id')
      if (values.file === undefined) throw new CliUsageError(`Pass the new ${what} with --file FILE.`)
      const change = what === 'policy' ? { policy: await readJsonArgument(values.file, computePolicySchema, '--file') } : { schema: await readJsonArgument(values.file, datasetSchemaSchema, '--file') }
      const { output, session } = await openSession(io, values)
      const vault = await session.vault({ signed: true })
      const dataset = await requireDataset(vault, id)
      requireOwner(dataset, (await session.account()).address)
      const updated = await updateDataset(vault, { dataset: id, ...change })
      output.result(
        { dataset: updated },
        what === 'policy'
          ? [
              `policy of ${updated.id} updated`,
              `trainers:    ${updated.policy.trainers.join(', ')}`,
              `max epochs:  ${updated.policy.maxEpochs}`,
              `privacy:     ${updated.policy.privacyBudget ? `budget ε ${updated.policy.privacyBudget.epsilon}, δ ${updated.policy.privacyBudget.delta}` : 'no budget (jobs may train without differential privacy)'}`,
            ]
          : [`schema of ${updated.id} updated`, `columns:     ${updated.schema.columns.map((column) => `${column.name} (${column.type})`).join(', ')}`],
      )
      return 0
    },
  }
}

/** `datavault policy <dataset> --file policy.json`. */
export const policyCommand = updateCommand('policy', policyHelp, '(owner) change the compute policy of your dataset')
/** `datavault schema <dataset> --file schema.json`. */
export const schemaCommand = updateCommand('schema', schemaHelp, '(owner) correct the schema of your dataset while no job depends on it')

const collectHelp = `datavault collect — collect what buyers paid, waiting on the exchange

Usage:
  datavault collect [<dataset>]

What buyers pay a dataset's FixedRateExchange waits there until collected. This sends it to the
datatoken's payment collector (your wallet, unless you chose another when publishing), for one
dataset or, without one, for every dataset of yours on the node (revoked ones too). One
transaction per exchange that holds something; none when nothing waits.

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault collect
  datavault collect 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json
`

/** `datavault collect [<dataset>]`. */
export const collectCommand: Command = {
  name: 'collect',
  summary: '(owner) collect what buyers paid that waits on your datasets\' exchanges',
  help: collectHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, collectHelp)
    if (shown !== undefined) return shown
    if (positionals.length > 1) throw new CliUsageError('datavault collect takes at most one dataset.')
    const id = positionals[0] === undefined ? undefined : check(addressArg, positionals[0], 'dataset id')
    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const me = client.account!.address
    const datasets = id ? [await requireDataset(client.vault, id)] : await getDatasets(client.vault, { owner: me })
    if (id) requireOwner({ ...datasets[0]!, revokedAt: undefined }, me)
    const results = []
    for (const dataset of datasets) {
      const { paymentCollector, collected } = await collectBaseToken(client.wallet!, { datatoken: dataset.datatoken })
      for (const entry of collected) {
        const [symbol, decimals] = await Promise.all([
          client.public.readContract({ address: entry.baseToken, abi: erc20Abi, functionName: 'symbol' }),
          client.public.readContract({ address: entry.baseToken, abi: erc20Abi, functionName: 'decimals' }),
        ])
        results.push({ dataset: dataset.id, name: dataset.name, paymentCollector, baseToken: entry.baseToken, symbol, amount: formatUnits(entry.amount, decimals), txHash: entry.txHash })
      }
    }
    output.result(
      { collected: results },
      results.length === 0
        ? [`nothing waits on the exchange${datasets.length === 1 ? '' : 's'} of ${datasets.length === 1 ? datasets[0]!.id : `your ${datasets.length} datasets`}`]
        : results.map((entry) => `collected: ${entry.amount} ${entry.symbol} from "${entry.name}" to ${entry.paymentCollector} (tx ${entry.txHash})`),
    )
    return 0
  },
}

const unpublishHelp = `datavault unpublish — take your dataset off sale for now

Usage:
  datavault unpublish <dataset>

Closes the dataset's exchange (or dispenser) on chain, so nobody can buy it, and marks it
unpublished on the KeyHolderRegistry, so no new job gets its key; key holders keep their shares
and jobs already running finish. \`datavault republish\` puts it back on sale at the same price.
Buyers holding datatokens cannot use them while it is unpublished. Two transactions, paid by your
wallet. ${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault unpublish 0x5fbdb2315678afecb367f032d93f642f64180aa3
`

const republishHelp = `datavault republish — put an unpublished dataset back on sale

Usage:
  datavault republish <dataset>

Marks the dataset active again on the KeyHolderRegistry and re-opens its exchange (at the price it
had) or dispenser. A revoked dataset cannot come back this way (exit 4): its key shares are gone.
${ownerNote}

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault republish 0x5fbdb2315678afecb367f032d93f642f64180aa3
`

/** `datavault unpublish` and `datavault republish`: the dataset's sale and registry state together. */
function listingCommand(what: 'unpublish' | 'republish', help: string, summary: string): Command {
  return {
    name: what,
    summary,
    help,
    async run(args, io) {
      const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
      const shown = helpRequested(io, values, help)
      if (shown !== undefined) return shown
      const [idArg] = positionalsExactly(positionals, ['dataset'], what)
      const id = check(addressArg, idArg, 'dataset id')
      const { output, session } = await openSession(io, values)
      const client = await session.client({ signed: true })
      const dataset = await requireDataset(client.vault, id)
      requireOwner(dataset, client.account!.address)
      const registry = (await client.vault.node()).addresses?.KeyHolderRegistry as `0x${string}` | undefined
      if (!registry) throw new DataVaultError('This chain has no KeyHolderRegistry, so a dataset cannot be unpublished on it; revoke it instead.', { code: 'REGISTRY_MISSING', status: 502 })
      if (what === 'unpublish') {
        const { closedSales, txHash } = await unpublishDataset(client.wallet!, { registry, datatoken: dataset.datatoken })
        output.result({ dataset: dataset.id, state: 'unpublished', txHash, closedSales }, [
          `unpublished: ${dataset.id} (on chain: ${txHash})`,
          closedSales.length ? `sales closed: ${closedSales.map((sale) => sale.txHash).join(', ')}` : 'sales closed: nothing was for sale',
        ])
      } else {
        const { reopenedSales, txHash } = await republishDataset(client.wallet!, { registry, datatoken: dataset.datatoken })
        const price = await getDatatokenPrice(client.public, { datatoken: dataset.datatoken })
        output.result({ dataset: dataset.id, state: 'active', txHash: txHash ?? null, reopenedSales }, [
          `republished: ${dataset.id}${txHash ? ` (on chain: ${txHash})` : ''}`,
          `price: ${describePrice(price)}`,
        ])
      }
      return 0
    },
  }
}

/** `datavault unpublish <dataset>`. */
export const unpublishCommand = listingCommand('unpublish', unpublishHelp, '(owner) take your dataset off sale for now (closes its exchange; reversible)')
/** `datavault republish <dataset>`. */
export const republishCommand = listingCommand('republish', republishHelp, '(owner) put an unpublished dataset back on sale')
