// The keystore on disk: `<config dir>/keystore/<name>.json`, one Web3 Secret Storage v3 file per
// key, mode 0600 in a 0700 directory, written atomically and never over an existing key.
import { randomBytes } from 'node:crypto'
import { link, mkdir, open, readFile, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { getAddress } from 'viem'
import { z } from 'zod'
import { CliUsageError, CliWalletError } from './errors.ts'

/** Key names: letters, digits, `.`, `_`, `-`; they name the file. */
export const keyNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, 'a key name is 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit')

/** A key in the keystore, without its secret. */
export type KeystoreEntry = { name: string; address: `0x${string}` | undefined; file: string }

/** The keystore directory under a config dir. */
export function keystoreDir(configDir: string): string {
  return join(configDir, 'keystore')
}

function fileOf(configDir: string, name: string): string {
  const parsed = keyNameSchema.safeParse(name)
  if (!parsed.success) throw new CliUsageError(`Bad key name "${name}": ${parsed.error.issues[0]?.message}.`)
  return join(keystoreDir(configDir), `${name}.json`)
}

/** Lists the keys (names from the file names, addresses from the files), sorted by name. */
export async function listKeys(configDir: string): Promise<KeystoreEntry[]> {
  let names: string[]
  try {
    names = await readdir(keystoreDir(configDir))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const entries: KeystoreEntry[] = []
  for (const fileName of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = join(keystoreDir(configDir), fileName)
    let address: `0x${string}` | undefined
    try {
      const json = JSON.parse(await readFile(file, 'utf8')) as { address?: unknown }
      if (typeof json.address === 'string' && /^(0x)?[0-9a-fA-F]{40}$/.test(json.address))
        address = getAddress(`0x${json.address.replace(/^0x/, '').toLowerCase()}`)
    } catch {
      address = undefined
    }
    entries.push({ name: fileName.slice(0, -'.json'.length), address, file })
  }
  return entries
}

/** Reads one key's v3 document (still encrypted). Unknown name: `KEY_NOT_FOUND` (exit 6). */
export async function readKeyFile(configDir: string, name: string): Promise<{ file: string; json: unknown }> {
  const file = fileOf(configDir, name)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new CliWalletError(`No key named "${name}" in ${keystoreDir(configDir)}.`, { code: 'KEY_NOT_FOUND', details: 'List the keys with `datavault keys list`.' })
    throw error
  }
  try {
    return { file, json: JSON.parse(text) }
  } catch (cause) {
    throw new CliWalletError(`The key file ${file} is not JSON.`, { code: 'KEYSTORE_INVALID', cause })
  }
}

/**
 * Writes a new key file atomically: a temporary file (0600) beside it, flushed, then hard-linked
 * to its name, which fails if a key of that name exists (so nothing is ever overwritten), then
 * the temporary name removed.
 */
export async function writeKeyFile(configDir: string, name: string, document: unknown): Promise<string> {
  const file = fileOf(configDir, name)
  const dir = keystoreDir(configDir)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const temporary = join(dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(temporary, 'wx', 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`)
    await handle.datasync()
  } finally {
    await handle.close()
  }
  try {
    await link(temporary, file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new CliUsageError(`A key named "${name}" exists already; choose another --name.`, { code: 'KEY_EXISTS' })
    throw error
  } finally {
    await unlink(temporary).catch(() => {})
  }
  return file
}
