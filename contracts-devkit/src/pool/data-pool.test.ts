// DataPool, PoolShareToken and PoolGovernor against the real chain: contributions with the
// owner's consent, shares within caps, governance through the timelock, leaving, and the hostile
// paths (someone else's data, replayed or forged consent, votes from shares gained after a
// proposal, leaving mid-vote, calls around governance).
import { type Address, encodeFunctionData, type Hex, keccak256, parseEther, parseEventLogs, stringToHex, zeroAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { poolGovernorAbi } from '@datavault/contracts/abis'
import { poolShareTokenAbi } from '@datavault/contracts/abis'
import { poolTimelockAbi } from '@datavault/contracts/abis'
import { contributionConsentTypedData, type PoolContribution, poolTrainerId } from '@datavault/contracts/pool'
import { type DeployPoolParameters, type DeployPoolReturnType, defaultPoolComputeLimits, deployPool } from '@datavault/contracts/pool'
import {
  castVote,
  confirm,
  contributionFor,
  finishProposal,
  mineUntilActive,
  passProposal,
  type PoolTestChain,
  poolCall,
  poolWrite,
  printGasTable,
  propose,
  publishMemberDataset,
  revertName,
  startPoolTestChain,
  type Wallet,
} from './pool-fixture.ts'

const share = 10n ** 18n
let t: PoolTestChain
/** Closed admission: contributions wait for governance. Alice 3000 rows, Bob 1000. */
let closed: DeployPoolReturnType
/** Open admission: consented contributions are accepted at once. Alice 3000 rows, Bob 1000. */
let open: DeployPoolReturnType
const gas: Record<string, bigint> = {}

const governance = { votingDelay: 1, votingPeriod: 5, quorumPercent: 20, timelockDelaySeconds: 60n }

beforeAll(async () => {
  t = await startPoolTestChain()
  const base: Omit<DeployPoolParameters, 'name' | 'symbol'> = {
    addresses: t.addresses,
    price: parseEther('10'),
    keyHolders: { addresses: [t.accounts.keyHolder.address], threshold: 1 },
    trainers: ['logistic-regression'],
    governance,
  }
  const founders = async () => [
    { client: t.wallets.alice, contribution: contributionFor((await publishMemberDataset(t, t.wallets.alice)).datatoken, 3000n) },
    { client: t.wallets.bob, contribution: contributionFor((await publishMemberDataset(t, t.wallets.bob)).datatoken, 1000n) },
  ]
  closed = await deployPool(t.wallets.deployer, { ...base, name: 'Closed pool', symbol: 'DV-CP', founders: await founders() })
  open = await deployPool(t.wallets.deployer, {
    ...base,
    name: 'Open pool',
    symbol: 'DV-OP',
    contributionRules: { openAdmission: true, maxSharesPerContribution: 5000n * share, maxTotalShares: 20_000n * share },
    founders: await founders(),
  })
})

afterAll(async () => {
  printGasTable('DataPool / PoolGovernor', gas)
  await t?.stop()
})

const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []): Promise<T> =>
  t.publicClient.readContract({ address, abi, functionName, args } as never) as Promise<T>
const sharesOf = (pool: DeployPoolReturnType, account: Address) => read<bigint>(pool.shareToken, poolShareTokenAbi, 'balanceOf', [account])
const datasetOf = (pool: DeployPoolReturnType, datatoken: Address) =>
  read<{ member: Address; status: number; shares: bigint; rows: bigint; cid: string; keyEscrow: Hex; keyHoldersEpoch: number }>(pool.pool, dataPoolAbi, 'getDataset', [datatoken])
const tx = (wallet: Wallet, address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[]) =>
  confirm(t.publicClient, wallet.writeContract({ address, abi, functionName, args, chain: null } as never))
const status = { None: 0, Pending: 1, Active: 2, Removed: 3, Withdrawn: 4 } as const

async function signConsent(signer: Wallet, pool: DeployPoolReturnType, contribution: PoolContribution, options: { member?: Address; deadline?: bigint; nonce?: bigint } = {}) {
  const member = options.member ?? signer.account.address
  const nonce = options.nonce ?? (await read<bigint>(pool.pool, dataPoolAbi, 'nonces', [member]))
  const deadline = options.deadline ?? BigInt(Math.floor(Date.now() / 1000) + 3600)
  const signature = await signer.account.signTypedData!(contributionConsentTypedData({ chainId: t.chain.chainId, pool: pool.pool, contribution, member, nonce, deadline }))
  return { member, deadline, signature }
}

describe('DataPool contributions', () => {
  test('default: an owner contributes; the members accept it by proposal, with shares by rows', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.carol)
    const contributed = await poolWrite(t, t.wallets.carol, closed.pool, 'contribute', [contributionFor(datatoken, 500n)])
    gas['contribute (pending)'] = contributed.gasUsed
    expect(await datasetOf(closed, datatoken)).toMatchObject({ member: t.accounts.carol.address, status: status.Pending, shares: 0n, rows: 500n, cid: contributionFor(datatoken, 0n).cid })
    expect(await read(closed.pool, dataPoolAbi, 'getMember', [t.accounts.carol.address])).toEqual([0, 1])
    expect(await sharesOf(closed, t.accounts.carol.address)).toBe(0n)

    const round = await passProposal(t, closed, {
      proposer: t.wallets.alice,
      voters: [t.wallets.alice, t.wallets.bob],
      calls: [poolCall(closed.pool, 'acceptDataset', [datatoken, 0n])],
      description: 'Accept Carol’s heart-rate export',
    })
    Object.assign(gas, { propose: round.gas.propose, castVote: round.gas.vote, queue: round.gas.queue, execute: round.gas.execute })
    expect(await read(closed.governor, poolGovernorAbi, 'state', [round.proposalId])).toBe(7) // Executed
    expect(await sharesOf(closed, t.accounts.carol.address)).toBe(500n * share)
    expect(await read(closed.pool, dataPoolAbi, 'isDatasetActive', [datatoken])).toBe(true)
    expect(await read(closed.pool, dataPoolAbi, 'memberCount')).toBe(3n)
  })

  test('behavior: with open admission a contribution earns its shares at once', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.carol)
    const receipt = await poolWrite(t, t.wallets.carol, open.pool, 'contribute', [contributionFor(datatoken, 800n)])
    gas['contribute (join, open admission)'] = receipt.gasUsed
    const [accepted] = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetAccepted', logs: receipt.logs })
    expect(accepted?.args).toEqual({ datatoken, member: t.accounts.carol.address, shares: 800n * share })
    expect(await read(open.shareToken, poolShareTokenAbi, 'getVotes', [t.accounts.carol.address])).toBe(800n * share)
  })

  test('behavior: an owner’s EIP-712 consent is relayed by anyone, once', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.dave)
    const contribution = contributionFor(datatoken, 100n)
    const consent = await signConsent(t.wallets.dave, open, contribution)
    const receipt = await poolWrite(t, t.wallets.relayer, open.pool, 'contributeWithConsent', [contribution, consent.member, consent.deadline, consent.signature])
    gas['contributeWithConsent (relayed)'] = receipt.gasUsed
    expect(await sharesOf(open, t.accounts.dave.address)).toBe(100n * share)
    expect(await sharesOf(open, t.accounts.relayer.address)).toBe(0n)
    expect(await read(open.pool, dataPoolAbi, 'nonces', [t.accounts.dave.address])).toBe(1n)
    // The same consent again: its nonce is spent. (Withdraw first so only the nonce can refuse it.)
    await poolWrite(t, t.wallets.dave, open.pool, 'removeDataset', [datatoken])
    expect(await revertName(poolWrite(t, t.wallets.relayer, open.pool, 'contributeWithConsent', [contribution, consent.member, consent.deadline, consent.signature]))).toBe('InvalidConsent')
  })

  test('error: a consent past its deadline', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.dave)
    const contribution = contributionFor(datatoken, 100n)
    const consent = await signConsent(t.wallets.dave, open, contribution, { deadline: 1n })
    expect(await revertName(poolWrite(t, t.wallets.relayer, open.pool, 'contributeWithConsent', [contribution, consent.member, consent.deadline, consent.signature]))).toBe('ConsentExpired')
  })

  test('error: hostile — a non-owner adds someone else’s data, by transaction or with a forged consent', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.dave)
    const contribution = contributionFor(datatoken, 5000n)
    // Mallory holds no share and does not own Dave's data NFT.
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contribute', [contribution]))).toBe('NotDatasetOwner')
    // Mallory signs in Dave's name: the signature is not Dave's.
    const forged = await signConsent(t.wallets.mallory, open, contribution, { member: t.accounts.dave.address })
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contributeWithConsent', [contribution, forged.member, forged.deadline, forged.signature]))).toBe('InvalidConsent')
    // Mallory signs as herself: she is not the owner.
    const own = await signConsent(t.wallets.mallory, open, contribution)
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contributeWithConsent', [contribution, own.member, own.deadline, own.signature]))).toBe('NotDatasetOwner')
    // A consent Dave signed for another pool does not work here (the pool is in the EIP-712 domain).
    const elsewhere = await signConsent(t.wallets.dave, closed, contribution, { nonce: 0n })
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contributeWithConsent', [contribution, elsewhere.member, elsewhere.deadline, elsewhere.signature]))).toBe('InvalidConsent')
    // A token that is no Ocean datatoken cannot pose as a dataset.
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contribute', [contributionFor(open.shareToken, 10n)]))).toBe('NotOceanDatatoken')
    // Nor the pool's own datatoken (its NFT is the pool's).
    expect(await revertName(poolWrite(t, t.wallets.mallory, open.pool, 'contribute', [contributionFor(open.datatoken, 10n)]))).toBe('NotDatasetOwner')
    expect(await sharesOf(open, t.accounts.mallory.address)).toBe(0n)
    expect(await read(open.pool, dataPoolAbi, 'getDataset', [datatoken])).toMatchObject({ status: status.None })
  })

  test('error: the same dataset twice, an empty CID or escrow', async () => {
    const { datatoken } = await publishMemberDataset(t, t.wallets.carol)
    await poolWrite(t, t.wallets.carol, open.pool, 'contribute', [contributionFor(datatoken, 10n)])
    expect(await revertName(poolWrite(t, t.wallets.carol, open.pool, 'contribute', [contributionFor(datatoken, 10n)]))).toBe('DatasetAlreadyAdded')
    const other = await publishMemberDataset(t, t.wallets.carol)
    expect(await revertName(poolWrite(t, t.wallets.carol, open.pool, 'contribute', [{ ...contributionFor(other.datatoken, 10n), cid: '' }]))).toBe('InvalidContribution')
    expect(await revertName(poolWrite(t, t.wallets.carol, open.pool, 'contribute', [{ ...contributionFor(other.datatoken, 10n), keyEscrow: `0x${'00'.repeat(32)}` }]))).toBe('InvalidContribution')
  })

  test('behavior: shares are capped per contribution and in total (no unbounded minting)', async () => {
    const capped = await deployPool(t.wallets.deployer, {
      addresses: t.addresses,
      name: 'Capped',
      symbol: 'DV-CAP',
      price: parseEther('1'),
      keyHolders: { addresses: [t.accounts.keyHolder.address], threshold: 1 },
      contributionRules: { openAdmission: true, baseShares: 10n * share, sharesPerRow: share, maxSharesPerContribution: 2000n * share, maxTotalShares: 3000n * share },
      completeSetup: false,
    })
    expect(await read(capped.pool, dataPoolAbi, 'sharesFor', [100n])).toBe(110n * share)
    const big = await publishMemberDataset(t, t.wallets.alice)
    await poolWrite(t, t.wallets.alice, capped.pool, 'contribute', [contributionFor(big.datatoken, 1_000_000n)])
    expect(await sharesOf(capped, t.accounts.alice.address)).toBe(2000n * share)
    const second = await publishMemberDataset(t, t.wallets.bob)
    expect(await revertName(poolWrite(t, t.wallets.bob, capped.pool, 'contribute', [contributionFor(second.datatoken, 1_000_000n)]))).toBe('SharesOverCap')
    await poolWrite(t, t.wallets.bob, capped.pool, 'contribute', [contributionFor(second.datatoken, 990n)])
    expect(await read(capped.shareToken, poolShareTokenAbi, 'totalSupply')).toBe(3000n * share)
    // Governance's explicit weight is capped too.
    await poolWrite(t, t.wallets.deployer, capped.pool, 'setContributionRules', [{ baseShares: 0n, sharesPerRow: share, maxSharesPerContribution: 2000n * share, maxTotalShares: 10_000n * share, openAdmission: false }])
    const third = await publishMemberDataset(t, t.wallets.carol)
    await poolWrite(t, t.wallets.carol, capped.pool, 'contribute', [contributionFor(third.datatoken, 1n)])
    expect(await revertName(poolWrite(t, t.wallets.deployer, capped.pool, 'acceptDataset', [third.datatoken, 2001n * share]))).toBe('SharesOverCap')
    await poolWrite(t, t.wallets.deployer, capped.pool, 'acceptDataset', [third.datatoken, 2000n * share])
    expect(await sharesOf(capped, t.accounts.carol.address)).toBe(2000n * share)
  })

  test('error: members cannot call the governance functions directly', async () => {
    const calls: [string, readonly unknown[]][] = [
      ['setTrainerApproval', [poolTrainerId('mlp-classifier'), true]],
      ['setAlgorithmApproval', [keccak256(stringToHex('x')), true]],
      ['setPrice', [parseEther('1')]],
      ['setSaleActive', [false]],
      ['setBuyerAllowListEnabled', [true]],
      ['setBuyerAllowed', [t.accounts.alice.address, true]],
      ['setKeyHolders', [[t.accounts.alice.address], 1]],
      ['setComputeLimits', [defaultPoolComputeLimits]],
      ['acceptDataset', [zeroAddress, 0n]],
      ['oceanCall', [closed.nft, '0x']],
    ]
    for (const [functionName, args] of calls) {
      expect(await revertName(poolWrite(t, t.wallets.alice, closed.pool, functionName, args)), functionName).toBe('NotGovernance')
    }
    // A member cannot remove another member's dataset either.
    expect(await revertName(poolWrite(t, t.wallets.alice, closed.pool, 'removeDataset', [closed.founders[1]!.datatoken]))).toBe('NotGovernance')
  })
})

describe('PoolShareToken', () => {
  test('error: shares cannot be transferred, pulled or delegated; only the pool mints', async () => {
    const token = closed.shareToken
    const write = (wallet: Wallet, functionName: string, args: readonly unknown[]) => revertName(tx(wallet, token, poolShareTokenAbi, functionName, args))
    expect(await write(t.wallets.alice, 'transfer', [t.accounts.mallory.address, share])).toBe('PoolShareNonTransferable')
    await tx(t.wallets.alice, token, poolShareTokenAbi, 'approve', [t.accounts.mallory.address, share])
    expect(await write(t.wallets.mallory, 'transferFrom', [t.accounts.alice.address, t.accounts.mallory.address, share])).toBe('PoolShareNonTransferable')
    expect(await write(t.wallets.alice, 'delegate', [t.accounts.mallory.address])).toBe('PoolShareDelegationDisabled')
    expect(await write(t.wallets.mallory, 'mint', [t.accounts.mallory.address, share])).toBe('PoolShareOnlyPool')
    expect(await write(t.wallets.mallory, 'burn', [t.accounts.alice.address, share])).toBe('PoolShareOnlyPool')
    expect(await sharesOf(closed, t.accounts.mallory.address)).toBe(0n)
  })
})

describe('PoolGovernor', () => {
  test('behavior: members approve and revoke trainers and algorithms, change price, limits, buyers, key holders and quorum', async () => {
    const algorithm = keccak256(stringToHex('custom-program-v1'))
    const limits = { ...defaultPoolComputeLimits, maxEpochs: 50, minRows: 2000n, epsilonMicros: 8_000_000n, deltaPicos: 10_000_000n }
    const calls = [
      poolCall(closed.pool, 'setTrainerApproval', [poolTrainerId('mlp-classifier'), true]),
      poolCall(closed.pool, 'setTrainerApproval', [poolTrainerId('logistic-regression'), false]),
      poolCall(closed.pool, 'setAlgorithmApproval', [algorithm, true]),
      poolCall(closed.pool, 'setPrice', [parseEther('25')]),
      poolCall(closed.pool, 'setComputeLimits', [limits]),
      poolCall(closed.pool, 'setBuyerAllowListEnabled', [true]),
      poolCall(closed.pool, 'setBuyerAllowed', [t.accounts.buyer.address, true]),
      poolCall(closed.pool, 'setKeyHolders', [[t.accounts.keyHolder.address, t.accounts.node.address], 2]),
      { target: closed.governor, data: encodeFunctionData({ abi: poolGovernorAbi, functionName: 'updateQuorumNumerator', args: [30n] }) },
    ]
    await passProposal(t, closed, { proposer: t.wallets.bob, voters: [t.wallets.alice, t.wallets.bob], calls, description: 'Policy v2' })
    expect(await read(closed.pool, dataPoolAbi, 'isTrainerApproved', [poolTrainerId('mlp-classifier')])).toBe(true)
    expect(await read(closed.pool, dataPoolAbi, 'isTrainerApproved', [poolTrainerId('logistic-regression')])).toBe(false)
    expect(await read(closed.pool, dataPoolAbi, 'isAlgorithmApproved', [algorithm])).toBe(true)
    const exchange = await read<readonly unknown[]>(t.addresses.FixedPrice, fixedRateExchangeAbi, 'getExchange', [closed.exchangeId])
    expect(exchange[5]).toBe(parseEther('25'))
    expect(await read(closed.pool, dataPoolAbi, 'computeLimits')).toEqual(limits)
    expect(await read(closed.pool, dataPoolAbi, 'isBuyerAllowed', [t.accounts.buyer.address])).toBe(true)
    expect(await read(closed.pool, dataPoolAbi, 'isBuyerAllowed', [t.accounts.mallory.address])).toBe(false)
    expect(await read(closed.pool, dataPoolAbi, 'keyHolders')).toEqual([t.accounts.keyHolder.address, t.accounts.node.address])
    expect(await read(closed.pool, dataPoolAbi, 'keyHoldersEpoch')).toBe(2)
    expect(await read(closed.governor, poolGovernorAbi, 'quorumNumerator')).toBe(30n)

    // The sale closes and reopens by proposal, through the pool (the exchange's owner).
    await passProposal(t, closed, { proposer: t.wallets.alice, voters: [t.wallets.alice], calls: [poolCall(closed.pool, 'setSaleActive', [false])], description: 'Pause sales' })
    expect((await read<readonly unknown[]>(t.addresses.FixedPrice, fixedRateExchangeAbi, 'getExchange', [closed.exchangeId]))[6]).toBe(false)
    await passProposal(t, closed, { proposer: t.wallets.alice, voters: [t.wallets.alice], calls: [poolCall(closed.pool, 'setSaleActive', [true])], description: 'Resume sales' })
    expect((await read<readonly unknown[]>(t.addresses.FixedPrice, fixedRateExchangeAbi, 'getExchange', [closed.exchangeId]))[6]).toBe(true)
  })

  test('behavior: a stale key escrow is re-pointed by its member after the key holders change', async () => {
    const dataset = closed.founders[1]!.datatoken
    expect((await datasetOf(closed, dataset)).keyHoldersEpoch).toBe(1)
    expect(await read(closed.pool, dataPoolAbi, 'keyHoldersEpoch')).toBe(2)
    const escrow = keccak256(stringToHex('escrow to 2-of-2'))
    expect(await revertName(poolWrite(t, t.wallets.alice, closed.pool, 'updateKeyEscrow', [dataset, escrow]))).toBe('NotDatasetOwner')
    await poolWrite(t, t.wallets.bob, closed.pool, 'updateKeyEscrow', [dataset, escrow])
    expect(await datasetOf(closed, dataset)).toMatchObject({ keyEscrow: escrow, keyHoldersEpoch: 2 })
  })

  test('error: a defeated proposal cannot be queued or executed', async () => {
    const calls = [poolCall(closed.pool, 'setPrice', [parseEther('1')])]
    const { proposalId } = await propose(t, closed, { proposer: t.wallets.bob, calls, description: 'Fire sale' })
    await mineUntilActive(t, closed, proposalId)
    await castVote(t, closed, t.wallets.alice, proposalId, 0)
    await castVote(t, closed, t.wallets.bob, proposalId, 1)
    await expect(finishProposal(t, closed, { proposer: t.wallets.bob, proposalId, calls, description: 'Fire sale' })).rejects.toThrow(/GovernorUnexpectedProposalState/)
    expect(await read(closed.governor, poolGovernorAbi, 'state', [proposalId])).toBe(3) // Defeated
  })

  test('error: only proposals reach the governor’s settings and the timelock; non-members cannot propose', async () => {
    const write = (address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[], wallet: Wallet = t.wallets.alice) =>
      revertName(tx(wallet, address, abi, functionName, args))
    expect(await write(closed.governor, poolGovernorAbi, 'updateQuorumNumerator', [1n])).toBe('GovernorOnlyExecutor')
    expect(await write(closed.governor, poolGovernorAbi, 'setVotingPeriod', [1])).toBe('GovernorOnlyExecutor')
    expect(await write(closed.timelock, poolTimelockAbi, 'schedule', [closed.pool, 0n, '0x', `0x${'00'.repeat(32)}`, `0x${'00'.repeat(32)}`, 60n])).toBe('AccessControlUnauthorizedAccount')
    expect(await write(closed.pool, dataPoolAbi, 'setPrice', [1n], t.wallets.deployer)).toBe('NotGovernance')
    const calls = [poolCall(closed.pool, 'setPrice', [1n])]
    expect(await write(closed.governor, poolGovernorAbi, 'propose', [calls.map((c) => c.target), [0n], calls.map((c) => c.data), 'Mallory’s price'], t.wallets.mallory)).toBe('GovernorInsufficientProposerVotes')
  })

  test('error: hostile — shares gained after a proposal do not vote on it', async () => {
    const calls = [poolCall(open.pool, 'setTrainerApproval', [poolTrainerId('mlp-classifier'), true])]
    const { proposalId } = await propose(t, open, { proposer: t.wallets.alice, calls, description: 'Allow the MLP' })
    const aliceBefore = await sharesOf(open, t.accounts.alice.address)
    // Dave joins after the proposal (open admission: shares at once), Alice adds a second dataset.
    const daves = await publishMemberDataset(t, t.wallets.dave)
    await poolWrite(t, t.wallets.dave, open.pool, 'contribute', [contributionFor(daves.datatoken, 4000n)])
    const alices = await publishMemberDataset(t, t.wallets.alice)
    await poolWrite(t, t.wallets.alice, open.pool, 'contribute', [contributionFor(alices.datatoken, 4000n)])
    expect(await sharesOf(open, t.accounts.dave.address)).toBeGreaterThan(0n)
    await mineUntilActive(t, open, proposalId)
    expect(await read(open.governor, poolGovernorAbi, 'votingPower', [proposalId, t.accounts.dave.address])).toBe(0n)
    expect(await revertName(castVote(t, open, t.wallets.dave, proposalId, 0))).toBe('PoolGovernorNoVotingPower')
    const receipt = await castVote(t, open, t.wallets.alice, proposalId, 1)
    const [cast] = parseEventLogs({ abi: poolGovernorAbi, eventName: 'VoteCast', logs: receipt.logs })
    expect(cast?.args.weight).toBe(aliceBefore)
    const [, forVotes] = await read<readonly bigint[]>(open.governor, poolGovernorAbi, 'proposalVotes', [proposalId])
    expect(forVotes).toBe(aliceBefore)
  })

  test('error: hostile — leaving mid-vote: a member who left cannot vote; a vote cast before leaving stays', async () => {
    const calls = [poolCall(open.pool, 'setTrainerApproval', [poolTrainerId('linear-regression'), true])]
    const { proposalId } = await propose(t, open, { proposer: t.wallets.alice, calls, description: 'Allow linear regression' })
    await mineUntilActive(t, open, proposalId)
    const bobShares = await sharesOf(open, t.accounts.bob.address)
    const carolShares = await sharesOf(open, t.accounts.carol.address)
    expect(bobShares).toBeGreaterThan(0n)
    // Bob leaves before voting: his snapshot shares no longer count.
    await poolWrite(t, t.wallets.bob, open.pool, 'leave', [])
    expect(await revertName(castVote(t, open, t.wallets.bob, proposalId, 0))).toBe('PoolGovernorNoVotingPower')
    // Carol votes, then leaves: the vote was cast with the shares she held, like any token vote.
    await castVote(t, open, t.wallets.carol, proposalId, 1)
    await poolWrite(t, t.wallets.carol, open.pool, 'leave', [])
    const [against, forVotes] = await read<readonly bigint[]>(open.governor, poolGovernorAbi, 'proposalVotes', [proposalId])
    expect(against).toBe(0n)
    expect(forVotes).toBe(carolShares)
    expect(await read(open.governor, poolGovernorAbi, 'hasVoted', [proposalId, t.accounts.bob.address])).toBe(false)
  })
})

describe('leaving and removal', () => {
  test('behavior: a member leaves: shares burned, datasets out of new jobs, member count down; may rejoin', async () => {
    const [aliceFounding] = open.founders
    const before = await read<bigint>(open.pool, dataPoolAbi, 'memberCount')
    const receipt = await poolWrite(t, t.wallets.alice, open.pool, 'leave', [])
    gas.leave = receipt.gasUsed
    const [left] = parseEventLogs({ abi: dataPoolAbi, eventName: 'MemberLeft', logs: receipt.logs })
    expect(left?.args.sharesBurned).toBeGreaterThan(0n)
    expect(await sharesOf(open, t.accounts.alice.address)).toBe(0n)
    expect(await read(open.pool, dataPoolAbi, 'memberCount')).toBe(before - 1n)
    expect(await read(open.pool, dataPoolAbi, 'isDatasetActive', [aliceFounding!.datatoken])).toBe(false)
    expect((await datasetOf(open, aliceFounding!.datatoken)).status).toBe(status.Withdrawn)
    expect(await read(open.pool, dataPoolAbi, 'getMember', [t.accounts.alice.address])).toEqual([0, 0])
    expect(await revertName(poolWrite(t, t.wallets.alice, open.pool, 'leave', []))).toBe('NotMember')
    // Rejoining with the same dataset starts a new membership; the old record is replaced.
    await poolWrite(t, t.wallets.alice, open.pool, 'contribute', [contributionFor(aliceFounding!.datatoken, 100n)])
    expect(await read(open.pool, dataPoolAbi, 'isDatasetActive', [aliceFounding!.datatoken])).toBe(true)
    expect(await sharesOf(open, t.accounts.alice.address)).toBe(100n * share)
  })

  test('behavior: a member withdraws one dataset; a pending one leaves no shares behind', async () => {
    const first = await publishMemberDataset(t, t.wallets.dave)
    const second = await publishMemberDataset(t, t.wallets.dave)
    await poolWrite(t, t.wallets.dave, closed.pool, 'contribute', [contributionFor(first.datatoken, 10n)])
    const withdrawn = await poolWrite(t, t.wallets.dave, closed.pool, 'removeDataset', [first.datatoken])
    gas['removeDataset (pending, by member)'] = withdrawn.gasUsed
    expect((await datasetOf(closed, first.datatoken)).status).toBe(status.Withdrawn)
    expect(await read(closed.pool, dataPoolAbi, 'getMember', [t.accounts.dave.address])).toEqual([0, 0])
    await poolWrite(t, t.wallets.dave, open.pool, 'contribute', [contributionFor(second.datatoken, 10n)])
    const before = await sharesOf(open, t.accounts.dave.address)
    await poolWrite(t, t.wallets.dave, open.pool, 'removeDataset', [second.datatoken])
    expect(await sharesOf(open, t.accounts.dave.address)).toBe(before - 10n * share)
    expect(await revertName(poolWrite(t, t.wallets.dave, open.pool, 'removeDataset', [second.datatoken]))).toBe('DatasetNotInPool')
  })

  test('behavior: governance removes a member’s dataset and burns its shares', async () => {
    const bobs = closed.founders[1]!
    await passProposal(t, closed, { proposer: t.wallets.alice, voters: [t.wallets.alice], calls: [poolCall(closed.pool, 'removeDataset', [bobs.datatoken])], description: 'Remove a mislabeled dataset' })
    expect((await datasetOf(closed, bobs.datatoken)).status).toBe(status.Removed)
    expect(await sharesOf(closed, t.accounts.bob.address)).toBe(0n)
    expect(await read(closed.pool, dataPoolAbi, 'isDatasetActive', [bobs.datatoken])).toBe(false)
    // The removal is final: Bob cannot slip the same dataset back in.
    expect(await revertName(poolWrite(t, t.wallets.bob, closed.pool, 'contribute', [contributionFor(bobs.datatoken, 1000n)]))).toBe('DatasetRemovedByGovernance')
  })

  test('behavior: readers page through every dataset with its resolved status', async () => {
    const count = await read<bigint>(open.pool, dataPoolAbi, 'datasetCount')
    const page = await read<readonly { datatoken: Address; status: number }[]>(open.pool, dataPoolAbi, 'getDatasets', [0n, 3n])
    expect(page).toHaveLength(3)
    const all = await read<readonly { datatoken: Address; status: number }[]>(open.pool, dataPoolAbi, 'getDatasets', [0n, count + 10n])
    expect(all).toHaveLength(Number(count))
    expect(all.slice(0, 3)).toEqual(page)
    expect(await read(open.pool, dataPoolAbi, 'getDatasets', [count, 5n])).toEqual([])
    expect(all.find((entry) => entry.datatoken === open.founders[1]!.datatoken)?.status).toBe(status.Withdrawn) // Bob left
  })
})
