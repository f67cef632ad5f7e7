// Reading the files a command is given, and writing its outputs atomically.
import { randomBytes } from 'node:crypto'
import { open, readFile, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { z } from 'zod'
import { check } from './args.ts'
import { CliFileError, CliUsageError } from './errors.ts'

/** Reads a file named on the command line; a missing or unreadable one is a usage error (exit 2). */
export async function readArgumentFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path)
  } catch (cause) {
    throw new CliFileError(path, cause)
  }
}

/** Reads and checks a JSON file named by `flag`. */
export async function readJsonArgument<T extends z.ZodType>(path: string, schema: T, flag: string): Promise<z.output<T>> {
  const text = (await readArgumentFile(path)).toString('utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new CliUsageError(`${flag} ${path}: not JSON.`, { code: 'FILE_INVALID' })
  }
  return check(schema, json, `${flag} ${path}`)
}

/** The size of a regular file named on the command line. */
export async function regularFileSize(path: string): Promise<number> {
  let info
  try {
    info = await stat(path)
  } catch (cause) {
    throw new CliFileError(path, cause)
  }
  if (!info.isFile()) throw new CliUsageError(`${path} is not a regular file.`, { code: 'FILE_UNREADABLE' })
  return info.size
}

/** Whether a path exists. */
export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/**
 * Writes `bytes` to `path` atomically: a temporary file beside it (mode 0600), flushed, then
 * renamed over `path`, so a reader never sees half a file and a failure leaves nothing behind.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<string> {
  const target = resolve(path)
  const temporary = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.partial`)
  const handle = await open(temporary, 'wx', 0o600)
  try {
    await handle.writeFile(bytes)
    await handle.datasync()
    await handle.close()
    await rename(temporary, target)
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(temporary, { force: true })
    throw error
  }
  return target
}
