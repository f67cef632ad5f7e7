// Test support for the pool tests (not exported by the package): a real local chain with Ocean's
// contracts, named funded accounts, member datasets published through Ocean's factory, a
// governance runner (propose → vote → queue → execute, mining blocks and moving time on EDR),
// revert-name extraction and a gas table.
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  encodeFunctionData,
  encodePacked,
  type Hash,
  type Hex,
  http,
  isAddressEqual,
  keccak256,
  parseEther,
  parseEventLogs,
  type PublicClient,
  parseSignature,
  stringToHex,
  type TestClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
  zeroAddress,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { dataPoolAbi } from '@datavault/contracts/abis'
import { erc20TemplateAbi } from '@datavault/contracts/abis'
import { erc721FactoryAbi } from '@datavault/contracts/abis'
import { fixedRateExchangeAbi } from '@datavault/contracts/abis'
import { oceanTokenAbi } from '@datavault/contracts/abis'
import { poolGovernorAbi } from '@datavault/contracts/abis'
import type { OceanAddresses } from '@datavault/contracts/addresses'
import { deployOcean } from '../deploy-ocean.ts'
import { type LocalChain, startLocalChain } from '../local-chain.ts'
import type { PoolContribution } from '@datavault/contracts/pool'
import type { PoolContracts } from '@datavault/contracts/pool'

export type Wallet = WalletClient<Transport, Chain | undefined, Account>

export const accountNames = ['deployer', 'alice', 'bob', 'carol', 'dave', 'mallory', 'buyer', 'node', 'keyHolder', 'relayer'] as const
export type AccountName = (typeof accountNames)[number]

export type PoolTestChain = {
  chain: LocalChain
  addresses: OceanAddresses
  publicClient: PublicClient
  testClient: TestClient
  accounts: Record<AccountName, PrivateKeyAccount>
  wallets: Record<AccountName, Wallet>
  stop(): Promise<void>
}

/** Starts the chain, deploys Ocean, and gives the buyer 1000 OCEAN. */
export async function startPoolTestChain(): Promise<PoolTestChain> {
  const chain = await startLocalChain()
  const accounts = Object.fromEntries(accountNames.map((name, index) => [name, privateKeyToAccount(chain.accounts[index]!.privateKey)])) as Record<AccountName, PrivateKeyAccount>
  const wallets = Object.fromEntries(accountNames.map((name) => [name, createWalletClient({ account: accounts[name], transport: http(chain.rpcUrl) })])) as Record<AccountName, Wallet>
  // cacheTime 0: viem caches the block number for 4 s by default, and these tests mine blocks.
  const publicClient = createPublicClient({ transport: http(chain.rpcUrl), cacheTime: 0 })
  const testClient = createTestClient({ mode: 'hardhat', transport: http(chain.rpcUrl) })
  const { addresses } = await deployOcean(wallets.deployer)
  await confirm(publicClient, wallets.deployer.writeContract({ address: addresses.Ocean, abi: oceanTokenAbi, functionName: 'mint', args: [accounts.buyer.address, parseEther('1000')], chain: null }))
  return { chain, addresses, publicClient, testClient, accounts, wallets, stop: () => chain.stop() }
}

/** Waits for a transaction and throws if it reverted. */
export async function confirm(publicClient: PublicClient, hash: Hash | Promise<Hash>): Promise<TransactionReceipt> {
  const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash })
  if (receipt.status !== 'success') throw new Error(`transaction ${receipt.transactionHash} reverted`)
  return receipt
}

/** The custom error (or reason) a call reverted with; `no revert` when it did not. */
export async function revertName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    const reverted = error instanceof BaseError ? error.walk((cause) => cause instanceof ContractFunctionRevertedError) : undefined
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName ?? reverted.reason ?? 'unknown revert'
    return String(error)
  }
  return 'no revert'
}

let datasetCounter = 0

/** Publishes a member's dataset the way the SDK does (unpriced Ocean NFT + datatoken owned by `owner`). */
export async function publishMemberDataset(t: PoolTestChain, owner: Wallet): Promise<{ datatoken: Address; nft: Address }> {
  const n = ++datasetCounter
  const receipt = await confirm(
    t.publicClient,
    owner.writeContract({
      address: t.addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20',
      args: [
        { name: `Dataset ${n}`, symbol: `DS${n}`, templateIndex: 1n, tokenURI: '', transferable: true, owner: owner.account.address },
        { templateIndex: 1n, strings: [`Dataset ${n}`, `DS${n}`], addresses: [owner.account.address, owner.account.address, zeroAddress, zeroAddress], uints: [10n ** 30n, 0n], bytess: [] },
      ],
      chain: null,
    }),
  )
  const events = parseEventLogs({ abi: erc721FactoryAbi, logs: receipt.logs })
  const nft = events.find((event) => event.eventName === 'NFTCreated')?.args.newTokenAddress
  const datatoken = events.find((event) => event.eventName === 'TokenCreated')?.args.newTokenAddress
  if (!nft || !datatoken) throw new Error('no NFTCreated/TokenCreated')
  return { datatoken, nft }
}

/** A contribution for `datatoken` with a made-up CID and escrow digest. */
export function contributionFor(datatoken: Address, rows: bigint): PoolContribution {
  return { datatoken, cid: `bafy-test-${datatoken.slice(2, 10).toLowerCase()}`, keyEscrow: keccak256(stringToHex(`escrow:${datatoken}`)), rows }
}

/** Sends `functionName` on the pool as `wallet` and returns the receipt. */
export function poolWrite(t: PoolTestChain, wallet: Wallet, pool: Address, functionName: string, args: readonly unknown[]): Promise<TransactionReceipt> {
  return confirm(t.publicClient, wallet.writeContract({ address: pool, abi: dataPoolAbi, functionName, args, chain: null } as never))
}

/** One call a proposal makes. */
export type ProposalCall = { target: Address; data: Hex; value?: bigint }

/** Encodes a DataPool call for a proposal. */
export function poolCall(pool: Address, functionName: string, args: readonly unknown[]): ProposalCall {
  return { target: pool, data: encodeFunctionData({ abi: dataPoolAbi, functionName, args } as never) }
}

/** What a governance round cost and produced. */
export type GovernanceRound = { proposalId: bigint; gas: { propose: bigint; vote: bigint; queue: bigint; execute: bigint } }

/**
 * Runs a proposal through: `proposer` proposes, the voters vote for once the vote is open, blocks
 * are mined to the deadline, it is queued, time moves past the timelock delay, and it executes.
 */
export async function passProposal(
  t: PoolTestChain,
  contracts: Pick<PoolContracts, 'governor'>,
  { proposer, voters, calls, description }: { proposer: Wallet; voters: readonly Wallet[]; calls: readonly ProposalCall[]; description: string },
): Promise<GovernanceRound> {
  const { proposalId, gas: proposeGas } = await propose(t, contracts, { proposer, calls, description })
  await mineUntilActive(t, contracts, proposalId)
  let voteGas = 0n
  for (const voter of voters) voteGas = (await castVote(t, contracts, voter, proposalId, 1)).gasUsed
  const { queueGas, executeGas } = await finishProposal(t, contracts, { proposer, proposalId, calls, description })
  return { proposalId, gas: { propose: proposeGas, vote: voteGas, queue: queueGas, execute: executeGas } }
}

export async function propose(
  t: PoolTestChain,
  { governor }: Pick<PoolContracts, 'governor'>,
  { proposer, calls, description }: { proposer: Wallet; calls: readonly ProposalCall[]; description: string },
): Promise<{ proposalId: bigint; gas: bigint }> {
  const receipt = await confirm(
    t.publicClient,
    proposer.writeContract({
      address: governor,
      abi: poolGovernorAbi,
      functionName: 'propose',
      args: [calls.map((call) => call.target), calls.map((call) => call.value ?? 0n), calls.map((call) => call.data), description],
      chain: null,
    }),
  )
  const created = parseEventLogs({ abi: poolGovernorAbi, eventName: 'ProposalCreated', logs: receipt.logs })[0]
  if (!created) throw new Error('no ProposalCreated')
  return { proposalId: created.args.proposalId, gas: receipt.gasUsed }
}

export async function mineUntilActive(t: PoolTestChain, { governor }: Pick<PoolContracts, 'governor'>, proposalId: bigint): Promise<void> {
  const snapshot = await t.publicClient.readContract({ address: governor, abi: poolGovernorAbi, functionName: 'proposalSnapshot', args: [proposalId] })
  const now = await t.publicClient.getBlockNumber()
  if (now <= snapshot) await t.testClient.mine({ blocks: Number(snapshot - now + 1n) })
}

export function castVote(t: PoolTestChain, { governor }: Pick<PoolContracts, 'governor'>, voter: Wallet, proposalId: bigint, support: 0 | 1 | 2): Promise<TransactionReceipt> {
  return confirm(t.publicClient, voter.writeContract({ address: governor, abi: poolGovernorAbi, functionName: 'castVote', args: [proposalId, support], chain: null }))
}

export async function finishProposal(
  t: PoolTestChain,
  { governor }: Pick<PoolContracts, 'governor'>,
  { proposer, proposalId, calls, description }: { proposer: Wallet; proposalId: bigint; calls: readonly ProposalCall[]; description: string },
): Promise<{ queueGas: bigint; executeGas: bigint }> {
  const deadline = await t.publicClient.readContract({ address: governor, abi: poolGovernorAbi, functionName: 'proposalDeadline', args: [proposalId] })
  const now = await t.publicClient.getBlockNumber()
  if (now <= deadline) await t.testClient.mine({ blocks: Number(deadline - now + 1n) })
  const args = [calls.map((call) => call.target), calls.map((call) => call.value ?? 0n), calls.map((call) => call.data), keccak256(stringToHex(description))] as const
  const queued = await confirm(t.publicClient, proposer.writeContract({ address: governor, abi: poolGovernorAbi, functionName: 'queue', args, chain: null }))
  const eta = await t.publicClient.readContract({ address: governor, abi: poolGovernorAbi, functionName: 'proposalEta', args: [proposalId] })
  const block = await t.publicClient.getBlock()
  if (block.timestamp < eta) await t.testClient.increaseTime({ seconds: Number(eta - block.timestamp) })
  await t.testClient.mine({ blocks: 1 })
  const executed = await confirm(t.publicClient, proposer.writeContract({ address: governor, abi: poolGovernorAbi, functionName: 'execute', args, chain: null }))
  return { queueGas: queued.gasUsed, executeGas: executed.gasUsed }
}

/**
 * The buyer buys one pool datatoken on its exchange and orders it (`startOrder`) with a
 * provider fee signed by the node, as a datavault buyer does.
 */
export async function buyAndOrder(t: PoolTestChain, contracts: Pick<PoolContracts, 'datatoken' | 'exchangeId'>, buyer: Wallet = t.wallets.buyer): Promise<{ buyGas: bigint; orderGas: bigint }> {
  const [baseIn] = await t.publicClient.readContract({ address: t.addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'calcBaseInGivenOutDT', args: [contracts.exchangeId, 10n ** 18n, 0n] })
  await confirm(t.publicClient, buyer.writeContract({ address: t.addresses.Ocean, abi: oceanTokenAbi, functionName: 'approve', args: [t.addresses.FixedPrice, baseIn], chain: null }))
  const bought = await confirm(
    t.publicClient,
    buyer.writeContract({ address: t.addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'buyDT', args: [contracts.exchangeId, 10n ** 18n, baseIn, zeroAddress, 0n], chain: null }),
  )
  const node = t.accounts.node
  const providerData = stringToHex(JSON.stringify({ environment: 'cpu-sandbox' }))
  const validUntil = BigInt(Math.floor(Date.now() / 1000) + 3600)
  const message = keccak256(encodePacked(['bytes', 'address', 'address', 'uint256', 'uint256'], [providerData, node.address, zeroAddress, 0n, validUntil]))
  const { r, s, v, yParity } = parseSignature(await node.signMessage({ message: { raw: message } }))
  const providerFee = { providerFeeAddress: node.address, providerFeeToken: zeroAddress, providerFeeAmount: 0n, v: Number(v ?? 27n + BigInt(yParity)), r, s, validUntil, providerData }
  const ordered = await confirm(
    t.publicClient,
    buyer.writeContract({
      address: contracts.datatoken,
      abi: erc20TemplateAbi,
      functionName: 'startOrder',
      args: [buyer.account.address, 0n, providerFee, { consumeMarketFeeAddress: zeroAddress, consumeMarketFeeToken: zeroAddress, consumeMarketFeeAmount: 0n }],
      chain: null,
    }),
  )
  return { buyGas: bought.gasUsed, orderGas: ordered.gasUsed }
}

/** Whether two addresses are equal, for readable assertions. */
export const same = (a: Address, b: Address): boolean => isAddressEqual(a, b)

/** Prints gas figures as a small table (the test output is where they are read). */
export function printGasTable(title: string, gas: Record<string, bigint>): void {
  const rows = Object.entries(gas)
  if (rows.length === 0) return
  const width = Math.max(...rows.map(([name]) => name.length))
  console.info([`${title} (gas used)`, ...rows.map(([name, used]) => `  ${name.padEnd(width)}  ${used.toString().padStart(9)}`)].join('\n'))
}
