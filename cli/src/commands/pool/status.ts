// `datavault pool status`: a pool as the chain says now.
import { parseArgs } from 'node:util'
import { type Address, type Hex, formatUnits } from 'viem'
import { getPool, type PoolStatus, getPoolProposals, poolMembers } from '@datavault/sdk'
import { addressArg, check, commonHelp, connectionHelp, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import type { Output } from '../../output.ts'
import { exitHelp, shares, plural, openPool, trainerNames, proposalJson, statusAccount, describeClaims, claimTotals, blockNumber, lower, type PoolSubcommand, governanceJson, describeGovernance, baseOptions, nodeForNames } from './shared.ts'

const statusHelp = `datavault pool status — a pool as the chain says now

Usage:
  datavault pool status <pool> [--proposals] [--address ADDR]

Shows the pool's datatoken and price, its members with their datasets, rows and shares, the
approved trainers and algorithms, the buyer allow-list, key holders, governance settings, the
open proposals with their state and tally (every proposal with --proposals), and what your wallet
(or --address) holds and may claim. Reads only; signs nothing, so no password is asked.

Options:
  --proposals       list every proposal, closed ones too, with their calls
  --address ADDR    show this account's shares and claimable revenue instead of your wallet's
${connectionHelp}
  --key NAME / --account ROLE   whose shares and claimable revenue to show (no password needed)
${commonHelp}

${exitHelp}

Examples:
  datavault pool status 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0
  datavault pool status 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --proposals --json | jq '.proposals[] | {proposalId, state}'
`

/** `datavault pool status`: a pool as the chain says now. */
export const status: PoolSubcommand = {
  help: statusHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...baseOptions, proposals: { type: 'boolean' }, address: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, statusHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool status')
    const address = values.address === undefined ? undefined : check(addressArg, values.address, '--address')
    const { output, session, client, pool } = await openPool(io, values, poolArg, { signed: false })
    const account = await statusAccount(session, address)
    const [state, members, proposals, node, now] = await Promise.all([
      getPool(client.public, { pool, account }),
      poolMembers(client.public, { pool, includeInactive: true }),
      getPoolProposals(client.public, { pool }),
      nodeForNames(client, output),
      blockNumber(client),
    ])
    const trainers = trainerNames(node)
    const baseTokenSymbol = state.sale?.baseTokenSymbol ?? '?'
    const open = new Set(['pending', 'active', 'succeeded', 'queued'])
    const listedProposals = values.proposals ? proposals : proposals.filter((proposal) => open.has(proposal.state))
    const listed = members
      .map((member) => ({ ...member, datasets: member.datasets.filter((dataset) => dataset.status === 'active' || dataset.status === 'pending') }))
      .filter((member) => member.datasets.length > 0)
    const claimable = state.account ? await describeClaims(client, state.account.claimable) : []
    const document = {
      pool,
      name: state.name,
      symbol: state.symbol,
      datatoken: lower(state.datatoken),
      contracts: { shareToken: lower(state.shareToken), governor: lower(state.governor), timelock: lower(state.timelock), revenue: lower(state.revenue), nft: lower(state.nft), exchangeId: state.exchangeId },
      setupComplete: state.setupComplete,
      price: state.sale ? { amount: formatUnits(state.sale.price, state.sale.baseTokenDecimals), symbol: state.sale.baseTokenSymbol, baseToken: lower(state.sale.baseToken), onSale: state.sale.active } : null,
      shares: { symbol: state.shares.symbol, total: shares(state.shares.totalSupply) },
      memberCount: Number(state.memberCount),
      members: listed.map((member) => ({
        member: lower(member.member),
        shares: shares(member.shares),
        datasets: member.datasets.map((dataset) => ({
          datatoken: lower(dataset.datatoken),
          status: dataset.status,
          cid: dataset.cid,
          rows: dataset.rows.toString(),
          shares: shares(dataset.shares),
          keyEscrow: dataset.keyEscrow,
          keyHoldersEpoch: dataset.keyHoldersEpoch,
        })),
      })),
      openAdmission: state.rules.openAdmission,
      approvedTrainers: state.approvedTrainers.map((id) => trainers.get(id) ?? id),
      approvedAlgorithms: state.approvedAlgorithms,
      buyerAllowList: state.buyerAllowListEnabled,
      keyHolders: { addresses: state.keyHolders.addresses.map(lower), threshold: state.keyHolders.threshold, epoch: state.keyHolders.epoch },
      governance: governanceJson(state.governance),
      distributions: Number(state.distributionCount),
      block: now.toString(),
      proposals: listedProposals.map((proposal) => proposalJson(proposal, { trainers, baseTokenSymbol })),
      account: state.account
        ? { address: lower(state.account.address), shares: shares(state.account.shares), activeDatasets: state.account.activeDatasets, pendingDatasets: state.account.pendingDatasets, claimable }
        : null,
    }
    output.result(document, () => statusLines(output, document, state))
    return 0
  },
}

type StatusDocument = {
  pool: Address
  name: string
  symbol: string
  datatoken: Address
  price: { amount: string; symbol: string; onSale: boolean } | null
  shares: { symbol: string; total: string }
  memberCount: number
  members: { member: Address; shares: string; datasets: { datatoken: Address; status: string; rows: string; shares: string }[] }[]
  openAdmission: boolean
  approvedTrainers: string[]
  approvedAlgorithms: Hex[]
  buyerAllowList: boolean
  keyHolders: { addresses: readonly Address[]; threshold: number }
  distributions: number
  block: string
  proposals: ReturnType<typeof proposalJson>[]
  account: { address: Address; shares: string; activeDatasets: number; pendingDatasets: number; claimable: { symbol: string; amount: string }[] } | null
}

function statusLines(output: Output, document: StatusDocument, state: PoolStatus): string[] {
  const datasets = document.members.reduce((sum, member) => sum + member.datasets.length, 0)
  const lines = [
    `pool:        ${document.pool} (${document.name}, ${document.symbol})`,
    `datatoken:   ${document.datatoken} (buyers order this one)`,
    `price:       ${document.price ? `${document.price.amount} ${document.price.symbol} per job${document.price.onSale ? '' : ' (not on sale)'}` : 'not for sale'}`,
    `members:     ${document.memberCount} (${plural(datasets, 'dataset')}, ${document.shares.total} shares; admission ${document.openAdmission ? 'open' : 'by vote'})`,
    `trainers:    ${document.approvedTrainers.length > 0 ? document.approvedTrainers.join(', ') : 'none approved'}`,
    `algorithms:  ${document.approvedAlgorithms.length > 0 ? document.approvedAlgorithms.join(', ') : 'none approved'}`,
    `buyers:      ${document.buyerAllowList ? 'only those allowed by the members' : 'anyone'}`,
    `key holders: ${document.keyHolders.threshold} of ${document.keyHolders.addresses.join(', ')}`,
    `governance:  ${describeGovernance(state.governance)}; now block ${document.block}`,
    `revenue:     ${plural(document.distributions, 'distribution')}`,
  ]
  if (document.account) {
    const you = document.account
    lines.push(`account:     ${you.address}: ${you.shares} shares, ${plural(you.activeDatasets, 'dataset')}${you.pendingDatasets ? ` (+${you.pendingDatasets} pending)` : ''}; claimable ${claimTotals(you.claimable)}`)
  }
  if (document.members.length > 0) {
    lines.push('')
    lines.push(
      ...output.table(
        ['MEMBER', 'SHARES', 'DATASET', 'ROWS', 'STATUS'],
        document.members.flatMap((member) => member.datasets.map((dataset) => [member.member, dataset.shares, dataset.datatoken, dataset.rows, dataset.status])),
      ),
    )
  }
  if (document.proposals.length > 0) {
    lines.push('')
    lines.push(
      ...output.table(
        ['PROPOSAL', 'STATE', 'FOR', 'AGAINST', 'ABSTAIN', 'QUORUM', 'ENDS', 'ACTIONS'],
        document.proposals.map((proposal) => [
          proposal.proposalId,
          proposal.state === 'queued' && proposal.readyAt ? `queued until ${proposal.readyAt}` : proposal.state,
          proposal.votes.for,
          proposal.votes.against,
          proposal.votes.abstain,
          proposal.quorum,
          `block ${proposal.voteEnd}`,
          `${proposal.actions.join('; ')} — ${proposal.description}`,
        ]),
      ),
    )
  }
  return lines
}
