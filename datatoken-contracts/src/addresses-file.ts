import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { type OceanAddresses, OceanAddressesError, oceanAddressesFileSchema, oceanAddressesKey, parseOceanAddresses } from './addresses.ts'

/** Reads an addresses file and returns the validated entry for `chainId` (Node only). */
export async function readOceanAddressesFile(path: string, chainId: number): Promise<OceanAddresses> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new OceanAddressesError('The addresses file could not be read.', { code: 'OCEAN_ADDRESSES_NOT_FOUND', details: basename(path), cause: error })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new OceanAddressesError('The addresses file is not JSON.', { code: 'OCEAN_ADDRESSES_INVALID', details: basename(path), cause: error })
  }
  return parseOceanAddresses(json, chainId)
}

/**
 * Writes `addresses` into the file at `path` under `development` (chainId 8996) or the chain id,
 * keeping the other networks' entries, atomically: a temp file in the same directory, then a
 * rename, so a reader never sees half a file. Returns the key written.
 */
export async function writeOceanAddressesFile(path: string, addresses: OceanAddresses): Promise<string> {
  let existing: Record<string, unknown> = {}
  try {
    const parsed = oceanAddressesFileSchema.safeParse(JSON.parse(await readFile(path, 'utf8')))
    if (parsed.success) existing = parsed.data
    else throw new OceanAddressesError('The existing addresses file is malformed; not overwriting it.', { code: 'OCEAN_ADDRESSES_INVALID', details: basename(path) })
  } catch (error) {
    if (error instanceof OceanAddressesError) throw error
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new OceanAddressesError('The existing addresses file could not be read; not overwriting it.', { code: 'OCEAN_ADDRESSES_INVALID', details: basename(path), cause: error })
    }
  }
  const key = oceanAddressesKey(addresses.chainId)
  const next = { ...existing, [key]: addresses }
  await mkdir(dirname(path), { recursive: true })
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  await writeFile(temp, `${JSON.stringify(next, null, 2)}\n`)
  await rename(temp, path)
  return key
}
