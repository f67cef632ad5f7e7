// Passwords and private keys come from the environment (scripts) or the terminal without echo;
// never from an argument, which `ps` and shell history would show.
import { openSync, writeSync } from 'node:fs'
import { ReadStream } from 'node:tty'
import { z } from 'zod'
import { check } from './args.ts'
import { CliInterruptedError, CliUsageError, CliWalletError } from './errors.ts'
import type { CliIo } from './output.ts'

const envNameSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable')

/** Shortest password of a new key. */
export const minimumPasswordLength = 8

/** Whether a person is at a terminal to answer a prompt. */
function canPrompt(io: CliIo): boolean {
  return io.stdin.isTTY === true || io.stderr.isTTY === true
}

/**
 * Asks for a line on the controlling terminal without echo (so stdin may carry other data, like a
 * private key piped in). Ctrl-C aborts; backspace edits.
 */
export async function promptHidden(question: string): Promise<string> {
  let fd: number
  try {
    fd = openSync('/dev/tty', 'r+')
  } catch (cause) {
    throw new CliWalletError('No terminal to ask for the password on.', { code: 'PASSWORD_REQUIRED', cause })
  }
  writeSync(fd, question)
  const input = new ReadStream(fd)
  input.setRawMode(true)
  input.setEncoding('utf8')
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = ''
      input.on('data', (text: string) => {
        for (const char of text) {
          if (char === '\r' || char === '\n') return resolve(answer)
          if (char === '\u0003') return reject(new CliInterruptedError())
          if (char === '\u0004' && answer === '') return reject(new CliInterruptedError('No password given.'))
          if (char === '\u007f' || char === '\b') answer = answer.slice(0, -1)
          else if (char >= ' ') answer += char
        }
      })
      input.on('error', reject)
    })
  } finally {
    input.setRawMode(false)
    writeSync(fd, '\n')
    // The stream owns the descriptor: destroying it closes it.
    await new Promise<void>((resolve) => {
      input.once('close', () => resolve())
      input.destroy()
    })
  }
}

/** The value of `--password-env VAR` / `--private-key-env VAR`, or undefined when the flag is absent. */
export function fromEnvFlag(io: CliIo, flag: string, name: string | undefined): string | undefined {
  if (name === undefined) return undefined
  const variable = check(envNameSchema, name, flag)
  const value = io.env[variable]
  if (value === undefined) throw new CliUsageError(`${flag} ${variable}: the environment variable ${variable} is not set.`)
  return value
}

/**
 * The password of an existing key: `--password-env VAR`, else `DATAVAULT_PASSWORD`, else asked on
 * the terminal. In a script with none of them: `PASSWORD_REQUIRED` (exit 6).
 */
export async function unlockPassword(io: CliIo, { passwordEnv, keyName }: { passwordEnv: string | undefined; keyName: string }): Promise<string> {
  const given = fromEnvFlag(io, '--password-env', passwordEnv) ?? io.env.DATAVAULT_PASSWORD
  if (given !== undefined) return given
  if (!canPrompt(io))
    throw new CliWalletError(`The key "${keyName}" needs its password: set DATAVAULT_PASSWORD or pass --password-env VAR.`, { code: 'PASSWORD_REQUIRED' })
  return promptHidden(`Password of key "${keyName}": `)
}

/** The password of a new key: as {@link unlockPassword}, asked twice on a terminal; at least 8 characters. */
export async function newPassword(io: CliIo, { passwordEnv, keyName }: { passwordEnv: string | undefined; keyName: string }): Promise<string> {
  let password = fromEnvFlag(io, '--password-env', passwordEnv) ?? io.env.DATAVAULT_PASSWORD
  if (password === undefined) {
    if (!canPrompt(io))
      throw new CliWalletError(`The new key "${keyName}" needs a password: set DATAVAULT_PASSWORD or pass --password-env VAR.`, { code: 'PASSWORD_REQUIRED' })
    password = await promptHidden(`New password for key "${keyName}": `)
    if (password.length >= minimumPasswordLength && (await promptHidden('Repeat the password: ')) !== password)
      throw new CliUsageError('The passwords do not match.', { code: 'PASSWORD_MISMATCH' })
  }
  if (password.length < minimumPasswordLength) throw new CliUsageError(`A key's password needs at least ${minimumPasswordLength} characters.`, { code: 'PASSWORD_TOO_SHORT' })
  return password
}

/** Reads all of stdin (a piped private key), at most `limit` bytes. */
export async function readStdin(io: CliIo, limit = 4096): Promise<string> {
  let text = ''
  for await (const chunk of io.stdin as AsyncIterable<Buffer | string>) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8')
    if (text.length > limit) throw new CliUsageError('stdin holds more than a private key.')
  }
  return text
}
