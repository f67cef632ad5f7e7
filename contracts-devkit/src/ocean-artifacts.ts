import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Abi, Hex } from 'viem'
import { z } from 'zod/v4'

/** The Ocean contracts we deploy and call, with their artifact paths inside `@oceanprotocol/contracts`. */
export const oceanArtifactPaths = {
  OceanToken: 'artifacts/contracts/utils/OceanToken.sol/OceanToken.json',
  OPFCommunityFeeCollector: 'artifacts/contracts/communityFee/OPFCommunityFeeCollector.sol/OPFCommunityFeeCollector.json',
  FactoryRouter: 'artifacts/contracts/pools/FactoryRouter.sol/FactoryRouter.json',
  FixedRateExchange: 'artifacts/contracts/pools/fixedRate/FixedRateExchange.sol/FixedRateExchange.json',
  ERC20Template: 'artifacts/contracts/templates/ERC20Template.sol/ERC20Template.json',
  ERC721Template: 'artifacts/contracts/templates/ERC721Template.sol/ERC721Template.json',
  Dispenser: 'artifacts/contracts/pools/dispenser/Dispenser.sol/Dispenser.json',
  ERC721Factory: 'artifacts/contracts/ERC721Factory.sol/ERC721Factory.json',
} as const

/** Name of an Ocean contract this package knows the artifact of. */
export type OceanContractName = keyof typeof oceanArtifactPaths

/** What we use of a Hardhat artifact. */
export type OceanArtifact = { contractName: string; sourceName: string; abi: Abi; bytecode: Hex }

const artifactSchema = z.object({
  contractName: z.string(),
  sourceName: z.string(),
  abi: z.array(z.looseObject({ type: z.string() })),
  bytecode: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, 'bytecode must be non-empty hex without link references'),
})

const require = createRequire(import.meta.url)

/** The installed `@oceanprotocol/contracts` version (recorded in generated files). */
export function oceanContractsVersion(): string {
  const { version } = JSON.parse(readFileSync(require.resolve('@oceanprotocol/contracts/package.json'), 'utf8')) as { version: string }
  return version
}

/** Reads and checks one Ocean artifact from the installed `@oceanprotocol/contracts` (Node only). */
export function readOceanArtifact(name: OceanContractName): OceanArtifact {
  const path = require.resolve(`@oceanprotocol/contracts/${oceanArtifactPaths[name]}`)
  const artifact = artifactSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
  return { ...artifact, abi: artifact.abi as unknown as Abi, bytecode: artifact.bytecode as Hex }
}
