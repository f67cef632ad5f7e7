// `datavault pool join`: add one of your datasets to a pool.
import { parseArgs } from 'node:util'
import { isAddressEqual } from 'viem'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { joinPool } from '@datavault/sdk'
import { addressArg, check, hashArg, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { CliUsageError } from '../../errors.ts'
import { exitHelp, shared, countArg, shares, poolFailure, openPool, walletOf, nodeOf, nodeKeyHolders, contributionOf, lower, type PoolSubcommand, baseOptions } from './shared.ts'

const joinHelp = `datavault pool join — add one of your datasets to a pool

Usage:
  datavault pool join <pool> --dataset DATATOKEN [--rows N] [--key-escrow HASH]

Adds a dataset you published on this vault node (its datatoken is its id) to the pool, from the
wallet that owns its data NFT: the pool records its CID, its key escrow and the rows you declare.
In an open pool it earns its shares at once (one per row); otherwise it is pending until the
members accept it. Its key must be escrowed with the pool's key holders (the node's, normally).

Options:
  --dataset DATATOKEN   the dataset (required)
  --rows N              rows you declare (default: the rows its schema declares)
  --key-escrow HASH     the digest of a key escrow made elsewhere (default: this node's escrow of it)
${shared}

${exitHelp}

Examples:
  datavault pool join 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --rows 3000
  datavault pool join 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --dataset 0x5fbdb2315678afecb367f032d93f642f64180aa3 --json
`

/** `datavault pool join`: add one of your datasets to a pool. */
export const join: PoolSubcommand = {
  help: joinHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...baseOptions, dataset: { type: 'string' }, rows: { type: 'string' }, 'key-escrow': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, joinHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool join')
    if (values.dataset === undefined) throw new CliUsageError('datavault pool join needs --dataset DATATOKEN (one of your datasets on this node).')
    const datatoken = check(addressArg, values.dataset, '--dataset')
    const rows = values.rows === undefined ? undefined : BigInt(check(countArg(0, Number.MAX_SAFE_INTEGER), values.rows, '--rows'))
    const keyEscrow = values['key-escrow'] === undefined ? undefined : check(hashArg, values['key-escrow'], '--key-escrow')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    const wallet = walletOf(client)
    const node = await nodeOf(client)
    const contribution = await contributionOf(client.vault, node, datatoken, { rows, keyEscrow })
    const [poolHolders, poolThreshold] = await Promise.all([
      client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'keyHolders' }),
      client.public.readContract({ address: pool, abi: dataPoolAbi, functionName: 'keyHolderThreshold' }),
    ])
    const ours = nodeKeyHolders(node)
    const sameHolders = poolHolders.length === ours.addresses.length && poolHolders.every((holder) => ours.addresses.some((mine) => isAddressEqual(holder, mine)))
    if (keyEscrow === undefined && (!sameHolders || poolThreshold !== ours.threshold))
      output.warn(
        `the pool's key holders (${poolThreshold} of ${poolHolders.join(', ')}) are not those this node escrowed the key with (${ours.threshold} of ${ours.addresses.join(', ')}): the pool's jobs may not get this dataset's key.`,
      )
    const joined = await joinPool(wallet, { pool, contribution }).catch((error: unknown) => poolFailure(error))
    output.result(
      { pool, dataset: contribution.datatoken, member: lower(joined.member), status: joined.status, shares: shares(joined.shares), rows: contribution.rows.toString(), cid: contribution.cid, keyEscrow: contribution.keyEscrow, txHash: joined.txHash },
      [
        joined.status === 'active'
          ? `joined: dataset ${contribution.datatoken} is in the pool; ${lower(joined.member)} got ${shares(joined.shares)} shares for ${contribution.rows} rows`
          : `pending: dataset ${contribution.datatoken} waits for the members to accept it (\`pool propose --accept-dataset\`)`,
        `tx:     ${joined.txHash}`,
      ],
    )
    return 0
  },
}
