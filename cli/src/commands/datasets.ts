import { parseArgs } from 'node:util'
import { z } from 'zod'
import { getDataset, getDatasets } from '@datavault/sdk'
import { getPrivacyUsage } from '@datavault/sdk'
import type { DatasetView } from '@datavault/sdk'
import type { VaultClient } from '@datavault/sdk'
import { type DatatokenPrice, getDatatokenPrice } from '@datavault/sdk'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, readOnlyWalletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliNotFoundError } from '../errors.ts'
import type { Output } from '../output.ts'
import { describePrice, priceJson } from '../price.ts'
import type { Session } from '../session.ts'
import { applicableTrainers, describeApplicable } from '../trainer-help.ts'

const datasetsHelp = `datavault datasets — find datasets on the vault node

Usage:
  datavault datasets [--search TEXT] [--owner ADDRESS] [--no-price]

Lists the datasets the node serves: id (the datatoken address), name, price (read from the chain
when an RPC is configured), allowed trainers. With --json, the node's full dataset records.

Options:
  --search TEXT        only datasets whose name or description contains TEXT
  --owner ADDRESS      only datasets of this owner
  --no-price           do not read prices from the chain
${connectionHelp}
${readOnlyWalletHelp}
${commonHelp}

Examples:
  datavault datasets
  datavault datasets --search heart --json | jq -r '.datasets[].id'
  datavault datasets --owner 0x70997970c51812dc3a010c7d01b50e0d17dc79c8
`

const datasetHelp = `datavault dataset — one dataset in full

Usage:
  datavault dataset <id>

Shows a dataset: name, description, owner, CID, size, whether its key is escrowed, its columns,
its compute policy (allowed trainers, limits, privacy budget and what is left of it), its price,
and what applies to a job on it: each allowed trainer with the columns it may predict and the
parameters the policy caps (epochs, hidden units), and whether DP is required. Exit 4 when the
node has no such dataset.

${connectionHelp}
${readOnlyWalletHelp}
${commonHelp}

Examples:
  datavault dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3
  datavault dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json | jq .schema
`

/** Reads a dataset; the node's 404 becomes a clear `DATASET_NOT_FOUND` (exit 4). */
export async function requireDataset(vault: VaultClient, id: `0x${string}`): Promise<DatasetView> {
  try {
    return await getDataset(vault, { id })
  } catch (error) {
    if ((error as { status?: number }).status === 404)
      throw new CliNotFoundError(`The vault node at ${vault.url} has no dataset ${id}.`, { code: 'DATASET_NOT_FOUND', details: 'List them with `datavault datasets`.' })
    throw error
  }
}

/**
 * Reads prices from the chain, or nothing when no chain is configured. After a failed read the
 * others are skipped, with one warning: a chain that is down fails them all alike.
 */
function priceReader(session: Session, output: Output): (datatoken: `0x${string}`) => Promise<DatatokenPrice | undefined> {
  let failed = !session.config.rpcUrl
  return async (datatoken) => {
    if (failed) return undefined
    try {
      const client = await session.client()
      return await getDatatokenPrice(client.public, { datatoken })
    } catch (error) {
      if (!failed) output.warn(`prices left out: ${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}`)
      failed = true
      return undefined
    }
  }
}

/** `datavault datasets`. */
export const datasetsCommand: Command = {
  name: 'datasets',
  summary: 'list or search the datasets on the vault node, with prices',
  help: datasetsHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...commonOptions, ...connectionOptions, ...walletOptions, search: { type: 'string' }, owner: { type: 'string' }, 'no-price': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, datasetsHelp)
    if (shown !== undefined) return shown
    positionalsExactly(positionals, [], 'datasets')
    const search = values.search === undefined ? undefined : check(z.string().min(1).max(200), values.search, '--search')
    const owner = values.owner === undefined ? undefined : check(addressArg, values.owner, '--owner')
    const { output, session } = await openSession(io, values)
    const vault = await session.vault()
    const datasets = await getDatasets(vault, { ...(search ? { search } : {}), ...(owner ? { owner } : {}) })
    const prices: (DatatokenPrice | undefined)[] = []
    const priceOf = priceReader(session, output)
    // A few price reads at a time: each is several eth_calls.
    for (let i = 0; i < datasets.length; i += 8)
      prices.push(...(await Promise.all(datasets.slice(i, i + 8).map((dataset) => (values['no-price'] ? undefined : priceOf(dataset.datatoken))))))
    output.result(
      { datasets: datasets.map((dataset, i) => ({ ...dataset, price: prices[i] ? priceJson(prices[i]) : null })) },
      () =>
        datasets.length === 0
          ? ['no datasets']
          : output.table(
              ['DATASET', 'NAME', 'PRICE', 'TRAINERS'],
              datasets.map((dataset, i) => [dataset.id, dataset.name, prices[i] ? describePrice(prices[i]) : '-', dataset.policy.trainers.join(',')]),
            ),
    )
    return 0
  },
}

/** `datavault dataset <id>`. */
export const datasetCommand: Command = {
  name: 'dataset',
  summary: 'show one dataset: schema, policy, privacy budget, price',
  help: datasetHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions, ...connectionOptions, ...walletOptions }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, datasetHelp)
    if (shown !== undefined) return shown
    const [idArg] = positionalsExactly(positionals, ['id'], 'dataset')
    const id = check(addressArg, idArg, 'dataset id')
    const { output, session } = await openSession(io, values)
    const vault = await session.vault()
    const dataset = await requireDataset(vault, id)
    const [price, privacy] = await Promise.all([
      priceReader(session, output)(dataset.datatoken),
      dataset.policy.privacyBudget
        ? getPrivacyUsage(vault, { dataset: dataset.id }).catch((error: unknown) => {
            // Shown as unknown, and said: not as a budget nobody has spent.
            output.warn(`the privacy budget spent could not be read (${(error as { shortMessage?: string }).shortMessage ?? (error as Error).message}).`)
            return undefined
          })
        : undefined,
    ])
    const { policy, schema } = dataset
    const applicable = applicableTrainers(schema, policy, privacy?.remaining)
    output.result({ ...dataset, price: price ? priceJson(price) : null, privacy: privacy ?? null, applicable }, () => [
      `dataset:     ${dataset.id}`,
      `name:        ${dataset.name}`,
      ...(dataset.description ? [`description: ${dataset.description}`] : []),
      `owner:       ${dataset.owner}`,
      `cid:         ${dataset.cid} (${dataset.size} bytes of ciphertext)`,
      `key:         ${dataset.keyEscrowed ? 'escrowed' : 'NOT escrowed yet (jobs are refused)'}`,
      `price:       ${price ? describePrice(price) : '- (no chain configured)'}`,
      `rows:        ${schema.rows ?? 'not declared'}`,
      `columns:     ${schema.columns.map((column) => (column.type === 'category' ? `${column.name}:{${column.values.join('|')}}` : `${column.name}:${column.type}`)).join(' ')}`,
      `trainers:    ${policy.trainers.join(', ')}`,
      `environments: ${policy.environments ? policy.environments.join(', ') : 'any the node offers'}`,
      `limits:      ${policy.maxEpochs} epochs, ${policy.maxWallTimeSeconds} s, ${policy.maxMemoryMb} MiB${policy.minRows ? `, at least ${policy.minRows} rows` : ''}`,
      ...(policy.privacyBudget
        ? [`privacy:     budget ε=${policy.privacyBudget.epsilon} δ=${policy.privacyBudget.delta}; every job must use --dp${privacy?.remaining ? `; left ε=${privacy.remaining.epsilon}` : ''}`]
        : []),
      `created:     ${dataset.createdAt}`,
      'jobs:',
      ...describeApplicable(applicable, policy.privacyBudget),
    ])
    return 0
  },
}
