import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { type OceanContractName, readOceanArtifact } from '../ocean-artifacts.ts'
import { runtimeAbisDir } from '../runtime-package.ts'
import { oceanAbiModules, renderOceanAbiModule } from './generate.ts'
import * as abis from '@datavault/contracts/abis'

const names = Object.keys(oceanAbiModules) as OceanContractName[]

describe('generated Ocean ABIs', () => {
  test.each(names)('default: %s is current with the installed @oceanprotocol/contracts', (name) => {
    const committed = readFileSync(join(runtimeAbisDir, oceanAbiModules[name].file), 'utf8')
    // If this fails: npm run generate:abis -w @datavault/contracts
    expect(committed).toBe(renderOceanAbiModule(name))
  })

  test.each(names)('behavior: the exported %s ABI equals the artifact ABI', (name) => {
    const exported = (abis as Record<string, unknown>)[oceanAbiModules[name].exportName]
    expect(exported).toEqual(readOceanArtifact(name).abi)
  })

  test('behavior: the events verifyOrder decodes exist with the expected signatures', () => {
    const events = abis.erc20TemplateAbi.filter((item) => item.type === 'event').map((item) => `${item.name}(${item.inputs.map((input) => `${input.type}${input.indexed ? ' indexed' : ''}`).join(',')})`)
    expect(events).toContain('OrderStarted(address indexed,address,uint256,uint256,uint256,address indexed,uint256)')
    expect(events).toContain('ProviderFee(address indexed,address indexed,uint256,bytes,uint8,bytes32,bytes32,uint256)')
  })
})
