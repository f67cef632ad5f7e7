import type { Address, Hex } from 'viem'
import { decodeFunctionData, encodeFunctionData, isAddressEqual } from 'viem'
import { dataPoolAbi, poolGovernorAbi } from '@datavault/contracts/abis'
import { type PoolComputeLimits, type PoolContributionRules, poolTrainerId } from '@datavault/contracts/pool'
import { ChainArgumentError } from '../chain/errors.ts'

/** One thing a pool proposal does. Each becomes one call the timelock makes once the vote passes. */
export type PoolAction =
  /** Let a trainer run (a compute-policy entry: `logistic-regression` or `logistic-regression@<sha256>`). */
  | { type: 'approveTrainer'; trainer: string }
  | { type: 'revokeTrainer'; trainer: string }
  /** Let a custom algorithm (its SHA-256) run. */
  | { type: 'approveAlgorithm'; algorithmHash: Hex }
  | { type: 'revokeAlgorithm'; algorithmHash: Hex }
  /** The datatoken's price, in the base token's smallest units per datatoken. */
  | { type: 'setPrice'; price: bigint }
  | { type: 'setSaleActive'; active: boolean }
  | { type: 'setComputeLimits'; limits: PoolComputeLimits }
  | { type: 'setContributionRules'; rules: PoolContributionRules }
  /** Turn the buyer allow-list on (only allowed buyers may run jobs) or off. */
  | { type: 'setBuyerAllowList'; enabled: boolean }
  | { type: 'allowBuyer'; buyer: Address }
  | { type: 'removeBuyer'; buyer: Address }
  | { type: 'setKeyHolders'; keyHolders: readonly Address[]; threshold: number }
  /** Accept a pending contribution; `shares` overrides the rules' weight (within the cap). */
  | { type: 'acceptDataset'; datatoken: Address; shares?: bigint | undefined }
  | { type: 'removeDataset'; datatoken: Address }
  /** Percent of the share supply that must take part for a vote to count. */
  | { type: 'setQuorum'; percent: number }
  | { type: 'setVotingDelay'; blocks: number }
  | { type: 'setVotingPeriod'; blocks: number }
  | { type: 'setProposalThreshold'; shares: bigint }

/** A call a proposal makes (the Governor's targets/values/calldatas). */
export type PoolCall = { target: Address; value: bigint; data: Hex }

/** What {@link encodePoolActions} needs: the pool, its governor, and the base token's decimals (for prices). */
export type EncodePoolActionsParameters = { pool: Address; governor: Address; baseTokenDecimals?: number | undefined }

/**
 * The calls that carry out `actions`: DataPool calls (through the timelock, which the pool obeys)
 * and governor settings. Pure; use it to show a proposal before it is made.
 *
 * @example
 * const calls = encodePoolActions({ pool, governor }, [{ type: 'approveTrainer', trainer: 'mlp-classifier' }])
 */
export function encodePoolActions({ pool, governor, baseTokenDecimals = 18 }: EncodePoolActionsParameters, actions: readonly PoolAction[]): PoolCall[] {
  if (actions.length === 0) throw new ChainArgumentError('A proposal needs at least one action.')
  const onPool = (data: Hex): PoolCall => ({ target: pool, value: 0n, data })
  const onGovernor = (data: Hex): PoolCall => ({ target: governor, value: 0n, data })
  const wholeBlocks = (blocks: number, min: number) => {
    if (!Number.isInteger(blocks) || blocks < min || blocks > 2 ** 32 - 1) throw new ChainArgumentError(`Block counts must be whole numbers from ${min}.`)
    return blocks
  }
  return actions.map((action): PoolCall => {
    switch (action.type) {
      case 'approveTrainer':
      case 'revokeTrainer':
        if (action.trainer.trim() === '') throw new ChainArgumentError('A trainer entry must not be empty.')
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setTrainerApproval', args: [poolTrainerId(action.trainer), action.type === 'approveTrainer'] }))
      case 'approveAlgorithm':
      case 'revokeAlgorithm':
        if (!/^0x[0-9a-fA-F]{64}$/.test(action.algorithmHash)) throw new ChainArgumentError('An algorithm hash is a 32-byte SHA-256 in hex.')
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setAlgorithmApproval', args: [action.algorithmHash, action.type === 'approveAlgorithm'] }))
      case 'setPrice':
        if (action.price <= 0n) throw new ChainArgumentError('The price must be positive.')
        // FixedRateExchange's rate is whole base tokens per whole datatoken, scaled by 1e18.
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setPrice', args: [action.price * 10n ** BigInt(18 - baseTokenDecimals)] }))
      case 'setSaleActive':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setSaleActive', args: [action.active] }))
      case 'setComputeLimits':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setComputeLimits', args: [action.limits] }))
      case 'setContributionRules':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setContributionRules', args: [action.rules] }))
      case 'setBuyerAllowList':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setBuyerAllowListEnabled', args: [action.enabled] }))
      case 'allowBuyer':
      case 'removeBuyer':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setBuyerAllowed', args: [action.buyer, action.type === 'allowBuyer'] }))
      case 'setKeyHolders':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'setKeyHolders', args: [[...action.keyHolders], action.threshold] }))
      case 'acceptDataset':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'acceptDataset', args: [action.datatoken, action.shares ?? 0n] }))
      case 'removeDataset':
        return onPool(encodeFunctionData({ abi: dataPoolAbi, functionName: 'removeDataset', args: [action.datatoken] }))
      case 'setQuorum':
        if (!Number.isInteger(action.percent) || action.percent < 0 || action.percent > 100) throw new ChainArgumentError('The quorum is a whole percent, 0 to 100.')
        return onGovernor(encodeFunctionData({ abi: poolGovernorAbi, functionName: 'updateQuorumNumerator', args: [BigInt(action.percent)] }))
      case 'setVotingDelay':
        return onGovernor(encodeFunctionData({ abi: poolGovernorAbi, functionName: 'setVotingDelay', args: [wholeBlocks(action.blocks, 0)] }))
      case 'setVotingPeriod':
        return onGovernor(encodeFunctionData({ abi: poolGovernorAbi, functionName: 'setVotingPeriod', args: [wholeBlocks(action.blocks, 1)] }))
      case 'setProposalThreshold':
        return onGovernor(encodeFunctionData({ abi: poolGovernorAbi, functionName: 'setProposalThreshold', args: [action.shares] }))
      default:
        throw new ChainArgumentError(`Unknown pool action ${(action as { type: string }).type}.`)
    }
  })
}

/** A proposal call, decoded for people: the contract (`pool` or `governor`), the function and its arguments. */
export type DecodedPoolCall = { contract: 'pool' | 'governor' | 'other'; target: Address; functionName: string | undefined; args: readonly unknown[] }

/**
 * Decodes a proposal's calls back to DataPool / PoolGovernor functions (what `getPoolProposals`
 * shows). Calls to other contracts come back as `other` with no function name.
 *
 * @example
 * decodePoolCalls({ pool, governor }, proposal.calls) // [{ contract: 'pool', functionName: 'setTrainerApproval', args: [...] }]
 */
export function decodePoolCalls({ pool, governor }: { pool: Address; governor: Address }, calls: readonly PoolCall[]): DecodedPoolCall[] {
  return calls.map(({ target, data }) => {
    const contract = isAddressEqual(target, pool) ? 'pool' : isAddressEqual(target, governor) ? 'governor' : 'other'
    if (contract === 'other') return { contract, target, functionName: undefined, args: [] }
    try {
      const decoded = decodeFunctionData({ abi: contract === 'pool' ? dataPoolAbi : poolGovernorAbi, data })
      return { contract, target, functionName: decoded.functionName, args: decoded.args ?? [] }
    } catch {
      return { contract, target, functionName: undefined, args: [] }
    }
  })
}
