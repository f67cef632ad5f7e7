import { type Address, getAddress, isAddress } from 'viem'
import { z } from 'zod/v4'
import { DataVaultError } from './errors/base.ts'

/** The key Ocean's tooling (`@oceanprotocol/lib`'s ConfigHelper) uses for chainId 8996. */
export const developmentAddressesKey = 'development'

/** An EVM address in any case, checksummed on the way out. */
export const addressSchema = z.string().transform((value, context): Address => {
  if (isAddress(value, { strict: false })) return getAddress(value)
  context.issues.push({ code: 'custom', message: 'not an EVM address', input: value })
  return z.NEVER
})

/**
 * One network's entry of an addresses file, in the shape of Ocean's
 * `@oceanprotocol/contracts/addresses/address.json`: what datavault needs is required, anything
 * else (Ocean's veOCEAN, Escrow, …) passes through untouched. `ReceiptRegistry` and `KeyHolderRegistry` are ours.
 */
export const oceanAddressesSchema = z.looseObject({
  chainId: z.number().int().positive(),
  Ocean: addressSchema,
  OPFCommunityFeeCollector: addressSchema,
  Router: addressSchema,
  FixedPrice: addressSchema,
  Dispenser: addressSchema,
  ERC721Factory: addressSchema,
  ERC20Template: z.record(z.string(), addressSchema),
  ERC721Template: z.record(z.string(), addressSchema),
  startBlock: z.number().int().nonnegative().optional(),
  poolTemplate: addressSchema.optional(),
  ReceiptRegistry: addressSchema.optional(),
  KeyHolderRegistry: addressSchema.optional(),
})

/** One network's Ocean (and datavault) contract addresses. */
export type OceanAddresses = z.output<typeof oceanAddressesSchema>

/**
 * A whole addresses file: network key (`development`, a chain id, or Ocean's names such as
 * `sepolia`) to entry. Entries are only checked for a `chainId` here, since Ocean's own file has
 * networks without, say, a Dispenser; {@link parseOceanAddresses} checks the one you select.
 */
export const oceanAddressesFileSchema = z.record(z.string(), z.looseObject({ chainId: z.number().int().positive() }))

/** A whole addresses file, as written by `deployOcean`'s CLI. */
export type OceanAddressesFile = Record<string, OceanAddresses>

/** The key an entry for `chainId` is written under: `development` for 8996, else the chain id. */
export function oceanAddressesKey(chainId: number): string {
  return chainId === 8996 ? developmentAddressesKey : String(chainId)
}

/** The addresses file is malformed, or has no usable entry for the chain. */
export class OceanAddressesError extends DataVaultError {
  override name = 'OceanAddressesError'
  constructor(shortMessage: string, options: { code: 'OCEAN_ADDRESSES_INVALID' | 'OCEAN_ADDRESSES_NOT_FOUND'; details?: string; cause?: unknown }) {
    super(shortMessage, { status: 500, kind: 'input', ...options })
  }
}

/**
 * Selects and validates one chain's entry of an addresses file (parsed JSON): the entry keyed
 * `development` (for 8996) or by the chain id, else the first whose `chainId` matches.
 *
 * @example
 * const addresses = parseOceanAddresses(JSON.parse(await readFile('addresses.json', 'utf8')), 8996)
 */
export function parseOceanAddresses(file: unknown, chainId: number): OceanAddresses {
  const parsedFile = oceanAddressesFileSchema.safeParse(file)
  if (!parsedFile.success) {
    throw new OceanAddressesError('The addresses file is malformed.', { code: 'OCEAN_ADDRESSES_INVALID', details: z.prettifyError(parsedFile.error), cause: parsedFile.error })
  }
  const entries = parsedFile.data
  const entry =
    [entries[oceanAddressesKey(chainId)], entries[String(chainId)]].find((candidate) => candidate?.chainId === chainId) ??
    Object.values(entries).find((candidate) => candidate.chainId === chainId)
  if (!entry) {
    throw new OceanAddressesError(`The addresses file has no entry for chain ${chainId}.`, { code: 'OCEAN_ADDRESSES_NOT_FOUND' })
  }
  const parsed = oceanAddressesSchema.safeParse(entry)
  if (!parsed.success) {
    throw new OceanAddressesError(`The addresses for chain ${chainId} are incomplete or malformed.`, { code: 'OCEAN_ADDRESSES_INVALID', details: z.prettifyError(parsed.error), cause: parsed.error })
  }
  return parsed.data
}
