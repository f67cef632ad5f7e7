import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import * as abis from './abis/index.ts'
import * as contracts from './index.ts'

/** Value imports of `file` and, transitively, of the relative modules it imports. */
function valueImports(file: string, seen = new Set<string>()): string[] {
  if (seen.has(file)) return []
  seen.add(file)
  const source = readFileSync(file, 'utf8')
  const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string)
  return specifiers.flatMap((specifier) => (specifier.startsWith('.') ? valueImports(join(dirname(file), specifier), seen) : [specifier]))
}

describe('@datavault/contracts exports', () => {
  test('default', () => {
    expect(Object.keys(contracts).sort()).toEqual([
      'DataVaultError',
      'InvalidOrderQueryError',
      'OceanAddressesError',
      'OrderAmountTooLowError',
      'OrderChainUnavailableError',
      'OrderConsumerMismatchError',
      'OrderDatatokenMismatchError',
      'OrderNotFoundError',
      'OrderProviderFeeExpiredError',
      'OrderProviderMismatchError',
      'OrderServiceMismatchError',
      'PoolDeployError',
      'PoolParameterError',
      'completePoolSetup',
      'contributionConsentTypedData',
      'contributionConsentTypes',
      'dataPoolAbi',
      'dataPoolBytecode',
      'dataPoolDomain',
      'defaultPoolComputeLimits',
      'defaultPoolContributionRules',
      'defaultPoolGovernanceSettings',
      'deployPool',
      'developmentAddressesKey',
      'dispenserAbi',
      'erc20TemplateAbi',
      'erc721FactoryAbi',
      'erc721TemplateAbi',
      'factoryRouterAbi',
      'fixedRateExchangeAbi',
      'isDataVaultError',
      'keyHolderRegistryAbi',
      'keyHolderRegistryBytecode',
      'oceanAddressesFileSchema',
      'oceanAddressesKey',
      'oceanAddressesSchema',
      'oceanTokenAbi',
      'oneDatatoken',
      'opfCommunityFeeCollectorAbi',
      'parseOceanAddresses',
      'poolGovernorAbi',
      'poolGovernorBytecode',
      'poolRevenueAbi',
      'poolRevenueBytecode',
      'poolShareTokenAbi',
      'poolShareTokenBytecode',
      'poolTimelockAbi',
      'poolTimelockBytecode',
      'poolTimelockRoles',
      'poolTrainerId',
      'receiptRegistryAbi',
      'receiptRegistryBytecode',
      'verifyOrder',
    ])
  })

  test('behavior: ./abis is the ABI subset', () => {
    expect(Object.keys(abis).sort()).toEqual([
      'dataPoolAbi',
      'dataPoolBytecode',
      'dispenserAbi',
      'erc20TemplateAbi',
      'erc721FactoryAbi',
      'erc721TemplateAbi',
      'factoryRouterAbi',
      'fixedRateExchangeAbi',
      'keyHolderRegistryAbi',
      'keyHolderRegistryBytecode',
      'oceanTokenAbi',
      'opfCommunityFeeCollectorAbi',
      'poolGovernorAbi',
      'poolGovernorBytecode',
      'poolRevenueAbi',
      'poolRevenueBytecode',
      'poolShareTokenAbi',
      'poolShareTokenBytecode',
      'poolTimelockAbi',
      'poolTimelockBytecode',
      'receiptRegistryAbi',
      'receiptRegistryBytecode',
    ])
  })

  test.each(['.', './abis', './addresses', './verify-order', './pool', './errors'])('behavior: the %s entry point is browser-safe (no Node built-ins)', (entry) => {
    const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, string> }
    const file = fileURLToPath(new URL(`../${packageJson.exports[entry]}`, import.meta.url))
    const imports = valueImports(file)
    expect(imports.filter((specifier) => specifier.startsWith('node:') || !['viem', 'viem/actions', 'zod/v4'].includes(specifier))).toEqual([])
  })
})
