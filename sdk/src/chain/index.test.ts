import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import * as chain from './index.ts'

describe('sdk chain exports', () => {
  test('default', () => {
    expect(Object.keys(chain).sort()).toEqual([
      'ChainArgumentError',
      'ChainEventNotFoundError',
      'ChainReadError',
      'ChainTransactionError',
      'DatasetWithdrawnError',
      'DatatokenNotForSaleError',
      'DevFundsUnavailableError',
      'ExchangeNotFoundError',
      'anchorReceipt',
      'buyDatatoken',
      'closeDatatokenSales',
      'collectBaseToken',
      'devFundsAmount',
      'fundFromDevChain',
      'getDatasetState',
      'getDatatokenEarnings',
      'getDatatokenPrice',
      'getReceiptAnchor',
      'getTokenBalance',
      'isDevChain',
      'priceDatatoken',
      'publishDatatoken',
      'reopenDatatokenSales',
      'republishDataset',
      'rpcChain',
      'setDatasetState',
      'setDatatokenPrice',
      'signProviderFee',
      'startOrder',
      'unpublishDataset',
    ])
  })

  test('behavior: browser-safe (viem and the contracts ABIs only; Node-only contracts code as types only)', () => {
    const dir = new URL('./', import.meta.url)
    const allowed = ['viem', 'viem/actions', '@datavault/contracts/abis']
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
      const source = readFileSync(new URL(file, dir), 'utf8')
      const valueImports = [...source.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string)
      const external = valueImports.filter((specifier) => !specifier.startsWith('.'))
      expect(external.filter((specifier) => !allowed.includes(specifier)), file).toEqual([])
    }
  })
})
