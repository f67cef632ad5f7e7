// Deploys a DAO data pool in one call: its timelock, the DataPool (which deploys the share token),
// PoolRevenue, PoolGovernor, the pool's Ocean data NFT + datatoken on a FixedRateExchange, the
// timelock roles, the founders' contributions, and the setup hand-over. Browser-safe (viem only).
import type { Abi, Account, Address, Chain, Client, Hash, Hex, TransactionReceipt, Transport } from 'viem'
import { BaseError, ContractFunctionRevertedError, decodeErrorResult, erc20Abi, getAddress, isAddressEqual, isHex, keccak256, maxUint256, parseEventLogs, stringToBytes, zeroAddress, zeroHash } from 'viem'
import { deployContract, getChainId, readContract, waitForTransactionReceipt, writeContract } from 'viem/actions'
import { dataPoolAbi, dataPoolBytecode } from '../abis/data-pool.ts'
import { erc721FactoryAbi } from '../abis/erc721-factory.ts'
import { fixedRateExchangeAbi } from '../abis/fixed-rate-exchange.ts'
import { poolGovernorAbi, poolGovernorBytecode } from '../abis/pool-governor.ts'
import { poolRevenueAbi, poolRevenueBytecode } from '../abis/pool-revenue.ts'
import { poolTimelockAbi, poolTimelockBytecode } from '../abis/pool-timelock.ts'
import type { OceanAddresses } from '../addresses.ts'
import { DataVaultError } from '../errors/base.ts'
import type { Logger } from '../logger.ts'
import { type PoolContribution, poolTrainerId } from './consent.ts'

/** How contributions become shares (see `DataPool.ContributionRules`); amounts in share-wei (18 decimals). */
export type PoolContributionRules = {
  /** Shares every accepted dataset earns. */
  baseShares: bigint
  /** Shares per declared row. */
  sharesPerRow: bigint
  /** Most shares one contribution may earn (also caps a weight governance sets). */
  maxSharesPerContribution: bigint
  /** The share supply never exceeds this. */
  maxTotalShares: bigint
  /** Accept consented contributions at once instead of waiting for governance. */
  openAdmission: boolean
}

/** The pool's compute limits, the numeric part of a datavault compute policy (see docs/policy.md). */
export type PoolComputeLimits = {
  maxEpochs: number
  maxWallTimeSeconds: number
  maxMemoryMb: number
  maxOutputBytes: bigint
  /** 0: none. */
  minRows: bigint
  /** 0: none. */
  maxHiddenUnits: number
  /** Privacy budget ε × 1e6; 0: no budget (and no δ). */
  epsilonMicros: bigint
  /** Privacy budget δ × 1e12 (≤ 0.01). */
  deltaPicos: bigint
  /** An egress violation costs the buyer the order instead of a retry. */
  forfeitOrderOnViolation: boolean
}

/** Governor and timelock settings. Blocks for the governor (ERC-6372 block clock), seconds for the timelock. */
export type PoolGovernanceSettings = {
  /** Blocks between a proposal and the start of its vote. */
  votingDelay: number
  /** Blocks a vote stays open. */
  votingPeriod: number
  /** Shares (share-wei) a member needs to propose. */
  proposalThreshold: bigint
  /** Percent of the share supply (at the snapshot) that must vote for or abstain. */
  quorumPercent: number
  /** Seconds a passed proposal waits in the timelock before it can run. */
  timelockDelaySeconds: bigint
}

/** One share per declared row, at most a million per contribution and a billion in all; governance admits. */
export const defaultPoolContributionRules: PoolContributionRules = {
  baseShares: 0n,
  sharesPerRow: 10n ** 18n,
  maxSharesPerContribution: 10n ** 24n,
  maxTotalShares: 10n ** 27n,
  openAdmission: false,
}

/** The compute policy's defaults (docs/policy.md): 200 epochs, 600 s, 1024 MB, 64 MiB out, no DP budget. */
export const defaultPoolComputeLimits: PoolComputeLimits = {
  maxEpochs: 200,
  maxWallTimeSeconds: 600,
  maxMemoryMb: 1024,
  maxOutputBytes: 64n * 1024n * 1024n,
  minRows: 0n,
  maxHiddenUnits: 0,
  epsilonMicros: 0n,
  deltaPicos: 0n,
  forfeitOrderOnViolation: false,
}

/** About a week of 12-second blocks to vote, 10 % quorum, one day in the timelock, any member proposes. */
export const defaultPoolGovernanceSettings: PoolGovernanceSettings = {
  votingDelay: 1,
  votingPeriod: 50_400,
  proposalThreshold: 1n,
  quorumPercent: 10,
  timelockDelaySeconds: 86_400n,
}

type DeployClient = Client<Transport, Chain | undefined, Account>

/**
 * A founding contribution made during setup, before governance exists. Either the founder sends
 * `contribute` itself (`client`, the data NFT's owner), or the deployer relays the founder's
 * signed consent (`consent`, see `contributionConsentTypedData`; it names the pool's address, so
 * pass `founders` as a function of it). The deployer then accepts it with `shares` (the rules'
 * weight by default) unless admission is open.
 */
export type PoolFounder = {
  contribution: PoolContribution
  shares?: bigint | undefined
} & ({ client: DeployClient; consent?: undefined } | { client?: undefined; consent: { member: Address; deadline: bigint; signature: Hex } })

export type DeployPoolParameters = {
  /** This chain's Ocean addresses: the factory, the exchange, and the default base token. */
  addresses: Pick<OceanAddresses, 'ERC721Factory' | 'FixedPrice' | 'Ocean'>
  /** The pool's name: its datatoken, data NFT and governor are named after it. */
  name: string
  /** The pool datatoken's symbol. */
  symbol: string
  /** Share token name and symbol; default `<name> shares` and `<symbol>-SH`. */
  shares?: { name?: string | undefined; symbol?: string | undefined } | undefined
  /** Price of one datatoken in the base token's smallest units. */
  price: bigint
  /** Base token of the price; `addresses.Ocean` by default. Its decimals are read from it. */
  baseToken?: Address | undefined
  /** The pool's key holders (t of n); contributed datasets escrow their keys to them. */
  keyHolders: { addresses: readonly Address[]; threshold: number }
  contributionRules?: Partial<PoolContributionRules> | undefined
  computeLimits?: Partial<PoolComputeLimits> | undefined
  /** Trainers approved from the start: compute-policy entries (`logistic-regression`, …). */
  trainers?: readonly string[] | undefined
  /** Custom algorithms approved from the start: their SHA-256. */
  algorithms?: readonly Hex[] | undefined
  /** When given, only these buyers may run jobs (the allow-list is on). */
  allowedBuyers?: readonly Address[] | undefined
  governance?: Partial<PoolGovernanceSettings> | undefined
  founders?: readonly PoolFounder[] | ((pool: Address) => Promise<readonly PoolFounder[]>) | undefined
  /**
   * Hand the pool to governance at the end (default true). With `false` the deployer stays
   * `setupAdmin` (it may still configure, add and accept founders) until it calls
   * {@link completePoolSetup}.
   */
  completeSetup?: boolean | undefined
  /** The data NFT's token URI; empty by default. */
  tokenURI?: string | undefined
  logger?: Logger | undefined
}

/** The contracts of one pool. */
export type PoolContracts = {
  pool: Address
  shareToken: Address
  revenue: Address
  governor: Address
  timelock: Address
  /** The pool's Ocean data NFT (owned by `pool`). */
  nft: Address
  /** The pool's Ocean datatoken (payment collector: `revenue`). */
  datatoken: Address
  /** Its FixedRateExchange id. */
  exchangeId: Hex
}

export type DeployPoolReturnType = PoolContracts & {
  chainId: number
  /** Whether governance alone controls the pool now. */
  setupComplete: boolean
  /** The founders' datasets and the shares they got. */
  founders: { datatoken: Address; member: Address; shares: bigint }[]
  /** The block of the first deployment: read the pool's events from here. */
  fromBlock: bigint
  /** Gas per step, for reports. */
  gasUsed: Record<string, bigint>
  durationMs: number
}

/** A step of {@link deployPool} failed; `details` names the step and the revert reason. */
export class PoolDeployError extends DataVaultError {
  override name = 'PoolDeployError'
  /** The step that failed, e.g. `DataPool.completeSetup`. */
  readonly step: string
  /** The contract's custom error name (e.g. `NoMembers`) when the step reverted with one. */
  readonly reason: string | undefined
  constructor(step: string, cause: unknown) {
    const reason = revertReason(cause)
    const message = cause instanceof BaseError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause)
    super('Deploying the data pool failed.', { code: 'POOL_DEPLOY_FAILED', status: 500, details: `${step}: ${reason ? `reverted with ${reason}; ` : ''}${message}`, cause })
    this.step = step
    this.reason = reason
  }
}

// Every custom error our pool contracts can revert with, to name one viem could not decode
// (contract creation has no ABI to decode against).
const poolErrorsAbi = [...dataPoolAbi, ...poolGovernorAbi, ...poolRevenueAbi, ...poolTimelockAbi].filter((item) => item.type === 'error')

/** The name of the custom error a viem error carries, when one of ours. */
function revertReason(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined
  const decoded = error.walk((inner) => inner instanceof ContractFunctionRevertedError)
  if (decoded instanceof ContractFunctionRevertedError && decoded.data?.errorName) return decoded.data.errorName
  const withData = error.walk((inner) => typeof (inner as { data?: unknown }).data === 'string') as { data?: string } | null
  const data = withData?.data ?? /return data: (0x[0-9a-fA-F]{8,})/.exec(error.message)?.[1]
  if (!data || !isHex(data) || data.length < 10) return undefined
  try {
    return decodeErrorResult({ abi: poolErrorsAbi, data }).errorName
  } catch {
    return undefined
  }
}

/** Parameters that cannot make a pool; nothing was sent. */
export class PoolParameterError extends DataVaultError {
  override name = 'PoolParameterError'
  constructor(details: string) {
    super('Invalid data pool parameters.', { code: 'POOL_INVALID_PARAMETERS', status: 400, details, kind: 'input' })
  }
}

const timelockRoles = {
  proposer: keccak256(stringToBytes('PROPOSER_ROLE')),
  executor: keccak256(stringToBytes('EXECUTOR_ROLE')),
  canceller: keccak256(stringToBytes('CANCELLER_ROLE')),
  admin: zeroHash,
} as const

/** The pool's TimelockController role ids (for readers that check them). */
export const poolTimelockRoles = timelockRoles

/**
 * Deploys a DAO data pool and wires it, from the client's account (which pays, and is the pool's
 * `setupAdmin` until the hand-over):
 *
 * 1. `PoolTimelock` (admin: the deployer, for now); 2. `DataPool` (deploys its `PoolShareToken`);
 * 3. `PoolRevenue`; 4. `PoolGovernor`; 5. the pool's Ocean data NFT + datatoken + FixedRateExchange
 * (`createNftWithErc20WithFixedRate`: the pool owns the NFT and the exchange, PoolRevenue collects
 * payments, the exchange mints on demand); 6. timelock roles: the governor proposes, cancels and
 * executes, the deployer renounces its admin role; 7. founders' contributions, accepted by the
 * deployer; 8. `completeSetup`, which checks all of the above on chain and ends the setup.
 *
 * @example
 * const pool = await deployPool(walletClient, {
 *   addresses, name: 'Heart-rate pool', symbol: 'DV-HRP', price: parseEther('10'),
 *   keyHolders: { addresses: [node], threshold: 1 }, trainers: ['logistic-regression'],
 *   contributionRules: { openAdmission: true },
 * })
 */
export async function deployPool(client: DeployClient, parameters: DeployPoolParameters): Promise<DeployPoolReturnType> {
  const startedAt = performance.now()
  const { addresses, name, symbol, price, baseToken = addresses.Ocean, keyHolders, trainers = [], algorithms = [], allowedBuyers, logger } = parameters
  const rules: PoolContributionRules = { ...defaultPoolContributionRules, ...definedOnly(parameters.contributionRules) }
  const limits: PoolComputeLimits = { ...defaultPoolComputeLimits, ...definedOnly(parameters.computeLimits) }
  const governance: PoolGovernanceSettings = { ...defaultPoolGovernanceSettings, ...definedOnly(parameters.governance) }
  const completeSetup = parameters.completeSetup ?? true
  validate({ name, symbol, price, keyHolders, governance })

  const account = client.account
  const chain = client.chain ?? null
  const gasUsed: Record<string, bigint> = {}
  let fromBlock: bigint | undefined

  const confirm = async (step: string, hash: Hash): Promise<TransactionReceipt> => {
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success') throw new PoolDeployError(step, new Error(`transaction ${hash} reverted`))
    gasUsed[step] = (gasUsed[step] ?? 0n) + receipt.gasUsed
    fromBlock ??= receipt.blockNumber
    return receipt
  }
  const run = async <T>(step: string, action: () => Promise<T>): Promise<T> => {
    try {
      return await action()
    } catch (error) {
      throw error instanceof PoolDeployError ? error : new PoolDeployError(step, error)
    }
  }
  const deploy = (step: string, abi: Abi, bytecode: Hex, args: readonly unknown[]): Promise<Address> =>
    run(step, async () => {
      const receipt = await confirm(step, await deployContract(client, { abi, bytecode, args, chain, account }))
      if (!receipt.contractAddress) throw new Error('the transaction created no contract')
      const address = getAddress(receipt.contractAddress)
      logger?.info({ step, address, gasUsed: receipt.gasUsed.toString() }, 'deployed')
      return address
    })
  const send = (step: string, write: () => Promise<Hash>): Promise<TransactionReceipt> =>
    run(step, async () => {
      const receipt = await confirm(step, await write())
      logger?.debug({ step, gasUsed: receipt.gasUsed.toString() }, 'sent')
      return receipt
    })

  const chainId = await run('eth_chainId', async () => client.chain?.id ?? (await getChainId(client)))
  const baseTokenDecimals = await run('base token decimals', () => readContract(client, { address: baseToken, abi: erc20Abi, functionName: 'decimals' }))
  if (baseTokenDecimals > 18) throw new PoolParameterError('The base token must have 0 to 18 decimals.')

  const timelock = await deploy('PoolTimelock', poolTimelockAbi, poolTimelockBytecode, [governance.timelockDelaySeconds, [], [], account.address])
  const pool = await deploy('DataPool', dataPoolAbi, dataPoolBytecode, [
    {
      shareName: parameters.shares?.name ?? `${name} shares`,
      shareSymbol: parameters.shares?.symbol ?? `${symbol}-SH`,
      timelock,
      oceanFactory: addresses.ERC721Factory,
      fixedRateExchange: addresses.FixedPrice,
      rules,
      limits,
      keyHolders: [...keyHolders.addresses],
      keyHolderThreshold: keyHolders.threshold,
      trainers: trainers.map(poolTrainerId),
      algorithms: [...algorithms],
      buyerAllowListEnabled: allowedBuyers !== undefined,
      allowedBuyers: [...(allowedBuyers ?? [])],
    },
  ])
  const shareToken = await run('DataPool.shareToken', () => readContract(client, { address: pool, abi: dataPoolAbi, functionName: 'shareToken' }))
  const revenue = await deploy('PoolRevenue', poolRevenueAbi, poolRevenueBytecode, [pool])
  const governor = await deploy('PoolGovernor', poolGovernorAbi, poolGovernorBytecode, [
    name,
    shareToken,
    timelock,
    governance.votingDelay,
    governance.votingPeriod,
    governance.proposalThreshold,
    BigInt(governance.quorumPercent),
  ])

  const created = await send('ERC721Factory.createNftWithErc20WithFixedRate', () =>
    writeContract(client, {
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20WithFixedRate',
      args: [
        { name, symbol, templateIndex: 1n, tokenURI: parameters.tokenURI ?? '', transferable: true, owner: pool },
        { templateIndex: 1n, strings: [name, symbol], addresses: [pool, revenue, zeroAddress, zeroAddress], uints: [maxUint256, 0n], bytess: [] },
        {
          fixedPriceAddress: addresses.FixedPrice,
          addresses: [baseToken, pool, revenue, zeroAddress],
          // FixedRateExchange's rate is whole base tokens per whole datatoken, scaled by 1e18.
          uints: [BigInt(baseTokenDecimals), 18n, price * 10n ** BigInt(18 - baseTokenDecimals), 0n, 1n],
        },
      ],
      chain,
      account,
    }),
  )
  const factoryEvents = parseEventLogs({ abi: erc721FactoryAbi, logs: created.logs }).filter((event) => isAddressEqual(event.address, addresses.ERC721Factory))
  const nft = factoryEvents.find((event) => event.eventName === 'NFTCreated')?.args.newTokenAddress
  const datatoken = factoryEvents.find((event) => event.eventName === 'TokenCreated')?.args.newTokenAddress
  const exchangeId = parseEventLogs({ abi: fixedRateExchangeAbi, eventName: 'ExchangeCreated', logs: created.logs }).find((event) =>
    isAddressEqual(event.address, addresses.FixedPrice),
  )?.args.exchangeId
  if (!nft || !datatoken || !exchangeId) throw new PoolDeployError('ERC721Factory.createNftWithErc20WithFixedRate', new Error('NFTCreated, TokenCreated or ExchangeCreated missing'))

  for (const [role, step] of [
    [timelockRoles.proposer, 'PoolTimelock.grantRole(PROPOSER)'],
    [timelockRoles.canceller, 'PoolTimelock.grantRole(CANCELLER)'],
    [timelockRoles.executor, 'PoolTimelock.grantRole(EXECUTOR)'],
  ] as const) {
    await send(step, () => writeContract(client, { address: timelock, abi: poolTimelockAbi, functionName: 'grantRole', args: [role, governor], chain, account }))
  }
  await send('PoolTimelock.renounceRole(ADMIN)', () =>
    writeContract(client, { address: timelock, abi: poolTimelockAbi, functionName: 'renounceRole', args: [timelockRoles.admin, account.address], chain, account }),
  )

  const founderList = typeof parameters.founders === 'function' ? await parameters.founders(pool) : (parameters.founders ?? [])
  const founders: DeployPoolReturnType['founders'] = []
  for (const founder of founderList) {
    const { contribution } = founder
    const step = `DataPool.contribute(${contribution.datatoken})`
    const receipt = founder.client
      ? await send(step, () =>
          writeContract(founder.client, { address: pool, abi: dataPoolAbi, functionName: 'contribute', args: [contribution], chain: founder.client.chain ?? null, account: founder.client.account }),
        )
      : await send(step, () =>
          writeContract(client, {
            address: pool,
            abi: dataPoolAbi,
            functionName: 'contributeWithConsent',
            args: [contribution, founder.consent.member, founder.consent.deadline, founder.consent.signature],
            chain,
            account,
          }),
        )
    const contributed = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetContributed', logs: receipt.logs })[0]
    if (!contributed) throw new PoolDeployError(step, new Error('no DatasetContributed event'))
    let accepted = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetAccepted', logs: receipt.logs })[0]
    if (!rules.openAdmission) {
      const acceptance = await send(`DataPool.acceptDataset(${contribution.datatoken})`, () =>
        writeContract(client, { address: pool, abi: dataPoolAbi, functionName: 'acceptDataset', args: [contribution.datatoken, founder.shares ?? 0n], chain, account }),
      )
      accepted = parseEventLogs({ abi: dataPoolAbi, eventName: 'DatasetAccepted', logs: acceptance.logs })[0]
    }
    if (!accepted) throw new PoolDeployError(step, new Error('no DatasetAccepted event'))
    founders.push({ datatoken: accepted.args.datatoken, member: accepted.args.member, shares: accepted.args.shares })
  }

  const contracts: PoolContracts = { pool, shareToken, revenue, governor, timelock, nft, datatoken, exchangeId }
  if (completeSetup) await completePoolSetup(client, contracts, { gasUsed })
  const durationMs = Math.round(performance.now() - startedAt)
  logger?.info({ pool, datatoken, durationMs }, 'data pool deployed')
  return { ...contracts, chainId, setupComplete: completeSetup, founders, fromBlock: fromBlock ?? 0n, gasUsed, durationMs }
}

/**
 * Ends a pool's setup (`DataPool.completeSetup`): the pool checks on chain that it owns the data
 * NFT, that PoolRevenue collects the datatoken's payments, that the exchange sells it, that the
 * governor governs its share token through its timelock and that the deployer no longer
 * administers that timelock; from then on only governance configures the pool. Sent by the
 * pool's `setupAdmin` (the deployer).
 *
 * @example
 * const deployed = await deployPool(client, { ...parameters, completeSetup: false })
 * // … founders contribute, the deployer accepts them …
 * await completePoolSetup(client, deployed)
 */
export async function completePoolSetup(
  client: DeployClient,
  contracts: Pick<PoolContracts, 'pool' | 'governor' | 'revenue' | 'datatoken' | 'exchangeId'>,
  options: { gasUsed?: Record<string, bigint> } = {},
): Promise<{ txHash: Hash; gasUsed: bigint }> {
  const step = 'DataPool.completeSetup'
  try {
    const hash = await writeContract(client, {
      address: contracts.pool,
      abi: dataPoolAbi,
      functionName: 'completeSetup',
      args: [contracts.governor, contracts.revenue, contracts.datatoken, contracts.exchangeId],
      chain: client.chain ?? null,
      account: client.account,
    })
    const receipt = await waitForTransactionReceipt(client, { hash })
    if (receipt.status !== 'success') throw new Error(`transaction ${hash} reverted`)
    if (options.gasUsed) options.gasUsed[step] = receipt.gasUsed
    return { txHash: hash, gasUsed: receipt.gasUsed }
  } catch (error) {
    throw new PoolDeployError(step, error)
  }
}

function validate({ name, symbol, price, keyHolders, governance }: Pick<DeployPoolParameters, 'name' | 'symbol' | 'price' | 'keyHolders'> & { governance: PoolGovernanceSettings }): void {
  const problems: string[] = []
  if (name.trim() === '' || symbol.trim() === '') problems.push('name and symbol must not be empty')
  if (price <= 0n) problems.push('price must be positive')
  const holders = keyHolders.addresses
  if (holders.length === 0 || holders.length > 16) problems.push('1 to 16 key holders')
  if (new Set(holders.map((holder) => holder.toLowerCase())).size !== holders.length) problems.push('key holders must be distinct')
  if (!Number.isInteger(keyHolders.threshold) || keyHolders.threshold < 1 || keyHolders.threshold > holders.length) problems.push('key holder threshold must be 1..holders')
  if (!Number.isInteger(governance.votingDelay) || governance.votingDelay < 0) problems.push('votingDelay must be a whole number of blocks')
  if (!Number.isInteger(governance.votingPeriod) || governance.votingPeriod < 1) problems.push('votingPeriod must be at least one block')
  if (!Number.isInteger(governance.quorumPercent) || governance.quorumPercent < 0 || governance.quorumPercent > 100) problems.push('quorumPercent must be 0..100')
  if (governance.timelockDelaySeconds < 0n || governance.proposalThreshold < 0n) problems.push('timelock delay and proposal threshold must not be negative')
  if (problems.length > 0) throw new PoolParameterError(problems.join('; '))
}

function definedOnly<T extends object>(value: Partial<T> | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([, entry]) => entry !== undefined)) as Partial<T>
}
