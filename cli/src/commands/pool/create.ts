// `datavault pool create`: deploy a DAO data pool.
import { parseArgs } from 'node:util'
import { erc20Abi, parseUnits } from 'viem'
import { z } from 'zod'
import { type ComputePolicy, computePolicySchema, createPool, getPool, poolContractErrorMessages } from '@datavault/sdk'
import { addressArg, check, hashArg, positionalsExactly } from '../../args.ts'
import { helpRequested, openSession } from '../../command.ts'
import { CliUsageError } from '../../errors.ts'
import { readJsonArgument } from '../../files.ts'
import { exitHelp, shared, trainerEntry, amountArg, countArg, shares, poolFailure, walletOf, nodeOf, nodeKeyHolders, contributionOf, trainerNames, lower, type PoolSubcommand, governanceJson, describeGovernance, baseOptions } from './shared.ts'

const createHelp = `datavault pool create — deploy a DAO data pool

Usage:
  datavault pool create --name NAME --symbol SYM --price AMOUNT [--trainer ID …] [--algorithm HASH …]
                        [--key-holder ADDR … --threshold T] [--open] [--dataset DATATOKEN … [--rows N]]
                        [--allow-buyer ADDR …] [--policy FILE] [--voting-delay BLOCKS]
                        [--voting-period BLOCKS] [--quorum PERCENT] [--timelock-delay SECONDS]
                        [--proposal-threshold SHARES]

Deploys the pool's contracts (timelock, DataPool and its share token, revenue, governor), its
Ocean data NFT and datatoken on a FixedRateExchange at --price, and hands the pool to its
governance: from then on only the members' votes change it. About 15 M gas, paid by your wallet.

Key holders: a member's dataset key is escrowed with the node's key holders, so the pool's are the
vault node's (GET /v1/node: keyEscrow.holders, keyEscrow.threshold) unless --key-holder is given.
Admission: with --open a dataset earns its shares as soon as its owner joins; otherwise it waits
for the members to accept it (\`pool propose --accept-dataset\`), and the pool needs founding
datasets of yours (--dataset) so that someone can vote. Shares: one per declared row.

Options:
  --name NAME                 the pool's name (datatoken, data NFT, governor)
  --symbol SYM                the pool datatoken's symbol (shares: SYM-SH)
  --price AMOUNT              price of one training job in base tokens, e.g. 10 or 2.5
  --trainer ID                approve a trainer from the start (repeatable; e.g. logistic-regression)
  --algorithm HASH            approve a custom algorithm (its SHA-256) from the start (repeatable)
  --policy FILE               a compute policy JSON (docs/policy.md): its trainers and limits
  --key-holder ADDR           a key holder (repeatable; default: the node's)
  --threshold T               key holders needed to release a key (default: the node's)
  --open                      open admission: joining earns shares at once
  --dataset DATATOKEN         a dataset of yours to found the pool with (repeatable)
  --rows N                    its declared rows (with one --dataset; default: its schema's rows)
  --allow-buyer ADDR          only these buyers may train (repeatable; turns the allow-list on)
  --voting-delay BLOCKS       blocks between a proposal and its vote (default 1)
  --voting-period BLOCKS      blocks a vote stays open (default 50400, about a week)
  --quorum PERCENT            share of all shares that must vote for or abstain (default 10)
  --timelock-delay SECONDS    wait between a passed vote and its execution (default 86400)
  --proposal-threshold SHARES shares needed to propose (default 1 share-wei: any member)
${shared}

${exitHelp}

Examples:
  datavault pool create --name "Heart pool" --symbol DV-HP --price 10 --open --trainer logistic-regression
  datavault pool create --name "Sleep pool" --symbol DV-SP --price 4 --dataset 0x5fbd… --rows 3000 --quorum 20
  datavault pool create --name Test --symbol DV-T --price 1 --open --voting-period 5 --timelock-delay 60 --json
`

/** `datavault pool create`: deploy a DAO data pool. */
export const create: PoolSubcommand = {
  help: createHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: {
        ...baseOptions,
        name: { type: 'string' },
        symbol: { type: 'string' },
        price: { type: 'string' },
        trainer: { type: 'string', multiple: true },
        algorithm: { type: 'string', multiple: true },
        policy: { type: 'string' },
        'key-holder': { type: 'string', multiple: true },
        threshold: { type: 'string' },
        open: { type: 'boolean' },
        dataset: { type: 'string', multiple: true },
        rows: { type: 'string' },
        'allow-buyer': { type: 'string', multiple: true },
        'voting-delay': { type: 'string' },
        'voting-period': { type: 'string' },
        quorum: { type: 'string' },
        'timelock-delay': { type: 'string' },
        'proposal-threshold': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, createHelp)
    if (shown !== undefined) return shown
    positionalsExactly(positionals, [], 'pool create')
    if (values.name === undefined || values.symbol === undefined || values.price === undefined) throw new CliUsageError('datavault pool create needs --name, --symbol and --price.')
    const name = check(z.string().trim().min(1).max(100), values.name, '--name')
    const symbol = check(z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'must be 1-16 letters, digits or "-"'), values.symbol, '--symbol')
    const price = check(amountArg, values.price, '--price')
    const trainers = (values.trainer ?? []).map((entry) => check(trainerEntry, entry, '--trainer'))
    const algorithms = (values.algorithm ?? []).map((hash) => check(hashArg, hash, '--algorithm'))
    const keyHolderFlags = (values['key-holder'] ?? []).map((holder) => check(addressArg, holder, '--key-holder'))
    const threshold = values.threshold === undefined ? undefined : check(countArg(1, 16), values.threshold, '--threshold')
    if (threshold !== undefined && keyHolderFlags.length === 0) throw new CliUsageError('--threshold goes with --key-holder (the node\'s own threshold is used otherwise).')
    const datasets = (values.dataset ?? []).map((dataset) => check(addressArg, dataset, '--dataset'))
    if (values.rows !== undefined && datasets.length !== 1) throw new CliUsageError('--rows goes with exactly one --dataset (each other dataset declares its rows in its schema).')
    const rows = values.rows === undefined ? undefined : BigInt(check(countArg(1, Number.MAX_SAFE_INTEGER), values.rows, '--rows'))
    const allowedBuyers = values['allow-buyer']?.map((buyer) => check(addressArg, buyer, '--allow-buyer'))
    const governance = {
      votingDelay: values['voting-delay'] === undefined ? undefined : check(countArg(0, 2 ** 32 - 1), values['voting-delay'], '--voting-delay'),
      votingPeriod: values['voting-period'] === undefined ? undefined : check(countArg(1, 2 ** 32 - 1), values['voting-period'], '--voting-period'),
      quorumPercent: values.quorum === undefined ? undefined : check(countArg(0, 100), values.quorum, '--quorum'),
      timelockDelaySeconds: values['timelock-delay'] === undefined ? undefined : BigInt(check(countArg(0, 10 * 365 * 86_400), values['timelock-delay'], '--timelock-delay')),
      proposalThreshold: values['proposal-threshold'] === undefined ? undefined : parseUnits(check(amountArg, values['proposal-threshold'], '--proposal-threshold'), 18),
    }
    const policy: ComputePolicy | undefined = values.policy === undefined ? undefined : await readJsonArgument(values.policy, computePolicySchema, '--policy')

    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const wallet = walletOf(client)
    const node = await nodeOf(client)
    const offered = new Set(node.trainers.map((trainer) => trainer.id))
    const unknown = [...trainers, ...(policy?.trainers ?? [])].map((entry) => entry.split('@')[0]!).filter((id) => !offered.has(id) && id !== 'custom')
    if (unknown.length > 0) throw new CliUsageError(`The node offers no trainer ${unknown.join(', ')} (it offers ${[...offered].join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    const addresses = await client.addresses().catch(() => {
      throw new CliUsageError('No Ocean contract addresses: pass --addresses-file, set DATAVAULT_ADDRESSES_FILE, or run `datavault dev` here.', { code: 'CONFIG_MISSING' })
    })
    const decimals = await client.public.readContract({ address: addresses.Ocean, abi: erc20Abi, functionName: 'decimals' })
    const priceUnits = parseUnits(price, decimals)
    if (priceUnits <= 0n) throw new CliUsageError('--price must be more than 0.')
    const keyHolders = keyHolderFlags.length > 0 ? { addresses: keyHolderFlags, threshold: threshold ?? keyHolderFlags.length } : nodeKeyHolders(node)
    if (keyHolderFlags.length > 0) output.warn('--key-holder differs from the node\'s key holders: members must escrow their keys with these holders for the pool\'s jobs to use their data.')
    const founders = []
    for (const dataset of datasets) founders.push({ client: wallet, contribution: await contributionOf(client.vault, node, dataset, { rows }) })
    if (!values.open && founders.length === 0) throw new CliUsageError(poolContractErrorMessages.NoMembers, { code: 'POOL_NO_MEMBERS' })

    output.note(`deploying the pool "${name}" (${symbol}): about a dozen transactions`)
    const logger = {
      info: (fields: object) => {
        const { step, address } = fields as { step?: string; address?: string }
        if (step && address) output.note(`  ${step} at ${address}`)
      },
      debug: (fields: object) => {
        const { step } = fields as { step?: string }
        if (step) output.debug(`  ${step}`)
      },
      warn: () => {},
    }
    const created = await createPool(wallet, {
      addresses,
      name,
      symbol,
      price: priceUnits,
      keyHolders,
      trainers,
      algorithms,
      ...(policy ? { policy } : {}),
      ...(allowedBuyers ? { allowedBuyers } : {}),
      contributionRules: { openAdmission: values.open === true },
      governance,
      founders,
      logger,
    }).catch((error: unknown) => poolFailure(error))
    const status = await getPool(client.public, { pool: created.pool, fromBlock: created.fromBlock })
    const baseTokenSymbol = status.sale?.baseTokenSymbol ?? '?'
    const trainerList = status.approvedTrainers.map((id) => trainerNames(node).get(id) ?? id)
    output.result(
      {
        pool: lower(created.pool),
        datatoken: lower(created.datatoken),
        shareToken: lower(created.shareToken),
        governor: lower(created.governor),
        timelock: lower(created.timelock),
        revenue: lower(created.revenue),
        nft: lower(created.nft),
        exchangeId: created.exchangeId,
        fromBlock: created.fromBlock.toString(),
        name,
        symbol,
        price: { amount: price, symbol: baseTokenSymbol, baseToken: lower(status.sale?.baseToken ?? addresses.Ocean) },
        openAdmission: values.open === true,
        keyHolders,
        trainers: trainerList,
        algorithms,
        buyerAllowList: allowedBuyers ?? null,
        governance: governanceJson(status.governance),
        founders: created.founders.map((founder) => ({ datatoken: lower(founder.datatoken), member: lower(founder.member), shares: shares(founder.shares) })),
        gasUsed: Object.values(created.gasUsed).reduce((sum, used) => sum + used, 0n).toString(),
      },
      [
        `pool:        ${lower(created.pool)}`,
        `datatoken:   ${lower(created.datatoken)} (buyers order this one)`,
        `price:       ${price} ${baseTokenSymbol} per job`,
        `admission:   ${values.open ? 'open (joining earns shares at once)' : 'closed (members accept each dataset by vote)'}`,
        `key holders: ${keyHolders.threshold} of ${keyHolders.addresses.join(', ')}`,
        `trainers:    ${trainerList.length > 0 ? trainerList.join(', ') : 'none yet (members approve them by vote)'}`,
        `governance:  ${describeGovernance(status.governance)}`,
        ...(created.founders.length > 0 ? [`founders:    ${created.founders.map((founder) => `${lower(founder.member)} (${shares(founder.shares)} shares)`).join(', ')}`] : []),
      ],
    )
    return 0
  },
}
