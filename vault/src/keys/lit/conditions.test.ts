import { createRequire } from 'node:module'
import { describe, expect, test } from 'vitest'
import { datatokenAccessConditions, litChainName, litChains } from './conditions.ts'

const datatoken = '0x5fbdb2315678afecb367f032d93f642f64180aa3'
const node = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const require = createRequire(import.meta.url)

describe('datatokenAccessConditions', () => {
  test('default: the exact unified conditions Lit evaluates (node holds ≥ 1 datatoken, node is the caller)', () => {
    expect(datatokenAccessConditions({ datatoken, chainId: 137, node })).toStrictEqual([
      {
        conditionType: 'evmContract',
        contractAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
        chain: 'polygon',
        functionName: 'balanceOf',
        functionParams: [':userAddress'],
        functionAbi: {
          type: 'function',
          name: 'balanceOf',
          stateMutability: 'view',
          inputs: [{ name: 'account', type: 'address', internalType: 'address' }],
          outputs: [{ name: '', type: 'uint256', internalType: 'uint256' }],
        },
        returnValueTest: { key: '', comparator: '>=', value: '1000000000000000000' },
      },
      { operator: 'and' },
      {
        conditionType: 'evmBasic',
        contractAddress: '',
        standardContractType: '',
        chain: 'polygon',
        method: '',
        parameters: [':userAddress'],
        returnValueTest: { comparator: '=', value: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' },
      },
    ])
  })

  test('args: minimum is the least balance in wei, as a decimal string', () => {
    const [balance] = datatokenAccessConditions({ datatoken, chainId: 1, node, minimum: 5n * 10n ** 17n })
    expect(balance.returnValueTest).toStrictEqual({ key: '', comparator: '>=', value: '500000000000000000' })
    expect(balance.chain).toBe('ethereum')
  })

  test('args: addresses in any case come out checksummed, so the owner and the node build the same JSON', () => {
    const lower = datatokenAccessConditions({ datatoken, chainId: 11155111, node })
    const upper = datatokenAccessConditions({ datatoken: `0x${datatoken.slice(2).toUpperCase()}`, chainId: 11155111, node: `0x${node.slice(2).toUpperCase()}` })
    expect(upper).toStrictEqual(lower)
    expect(lower[2].chain).toBe('sepolia')
  })

  test('behavior: passes Lit\'s own schema validation for unified conditions', async () => {
    const { validateUnifiedAccessControlConditionsSchema } = await import('@lit-protocol/access-control-conditions')
    await expect(validateUnifiedAccessControlConditionsSchema(datatokenAccessConditions({ datatoken, chainId: 8453, node }))).resolves.toBe(true)
  })

  test('behavior: Lit\'s humanizer reads them as a datatoken balance and this wallet', async () => {
    const { humanizeUnifiedAccessControlConditions } = await import('@lit-protocol/access-control-conditions')
    const text = await humanizeUnifiedAccessControlConditions({ unifiedAccessControlConditions: datatokenAccessConditions({ datatoken, chainId: 137, node }) })
    expect(text).toContain('balanceOf(:userAddress)')
    expect(text).toContain('at least 1000000000000000000')
    expect(text).toContain('Controls wallet with address 0x70997970C51812dc3A010C7d01b50e0d17dc79C8')
  })

  test('error: a datatoken that is not an address', () => {
    expect(() => datatokenAccessConditions({ datatoken: '0x1234', chainId: 137, node })).toThrow(expect.objectContaining({ name: 'KeyReleaseError', code: 'LIT_ARGUMENT_INVALID', status: 400 }))
    expect(() => datatokenAccessConditions({ datatoken: 'polygon', chainId: 137, node })).toThrow(expect.objectContaining({ code: 'LIT_ARGUMENT_INVALID' }))
  })

  test('error: a node that is not an address, or the zero address', () => {
    expect(() => datatokenAccessConditions({ datatoken, chainId: 137, node: ':userAddress' })).toThrow(expect.objectContaining({ code: 'LIT_ARGUMENT_INVALID' }))
    expect(() => datatokenAccessConditions({ datatoken, chainId: 137, node: `0x${'0'.repeat(40)}` })).toThrow(expect.objectContaining({ code: 'LIT_ARGUMENT_INVALID' }))
  })

  test('error: a minimum of zero or less would let anyone named pass', () => {
    expect(() => datatokenAccessConditions({ datatoken, chainId: 137, node, minimum: 0n })).toThrow(expect.objectContaining({ code: 'LIT_ARGUMENT_INVALID' }))
    expect(() => datatokenAccessConditions({ datatoken, chainId: 137, node, minimum: -1n })).toThrow(expect.objectContaining({ code: 'LIT_ARGUMENT_INVALID' }))
  })
})

describe('litChainName', () => {
  test('default: maps chain ids to Lit\'s names', () => {
    expect([1, 137, 11155111, 8453, 42161, 10].map(litChainName)).toStrictEqual(['ethereum', 'polygon', 'sepolia', 'base', 'arbitrum', 'optimism'])
  })

  test('behavior: every entry is Lit\'s own (LIT_CHAINS) and in the chain enum of both condition schemas', async () => {
    const { LIT_CHAINS } = (await import('@lit-protocol/constants')) as unknown as { LIT_CHAINS: Record<string, { chainId: number }> }
    const enums = ['LPACC_EVM_CONTRACT', 'LPACC_EVM_BASIC'].map(
      (name) => new Set((require(`@lit-protocol/accs-schemas/schemas/${name}`) as { properties: { chain: { enum: string[] } } }).properties.chain.enum),
    )
    const entries = Object.entries(litChains)
    expect(entries.length).toBeGreaterThan(20)
    for (const [chainId, name] of entries) {
      expect(LIT_CHAINS[name]?.chainId, name).toBe(Number(chainId))
      for (const names of enums) expect(names.has(name), name).toBe(true)
    }
  })

  test('error: a chain Lit does not read (Ocean\'s development chain) is LIT_CHAIN_UNSUPPORTED', () => {
    expect(() => litChainName(8996)).toThrow(expect.objectContaining({ name: 'KeyReleaseError', code: 'LIT_CHAIN_UNSUPPORTED', status: 400 }))
    expect(() => litChainName(31337)).toThrow(expect.objectContaining({ code: 'LIT_CHAIN_UNSUPPORTED' }))
    expect(() => datatokenAccessConditions({ datatoken, chainId: 8996, node })).toThrow(expect.objectContaining({ code: 'LIT_CHAIN_UNSUPPORTED' }))
  })
})
