// What a command is, and the set-up every command that talks to a node or chain shares.
import { type ConfigFlags, resolveConfig } from './config.ts'
import { type CliIo, Output } from './output.ts'
import { type Session, createSession } from './session.ts'

/** One `datavault <name>` command. */
export type Command = {
  name: string
  /** One line for the top-level help. */
  summary: string
  /** The whole `--help` text: usage, options, examples. */
  help: string
  /** Runs the command with its arguments (after the name); resolves to the exit code. */
  run(args: string[], io: CliIo): Promise<number>
}

/** Flags every command's parsed values carry. */
export type CommonValues = ConfigFlags & { json?: boolean | undefined; verbose?: boolean | undefined; 'password-env'?: string | undefined }

/** The output writer alone (for commands that need no connection). */
export function outputFor(io: CliIo, values: CommonValues): Output {
  return new Output(io, { json: values.json === true, verbose: values.verbose === true })
}

/** Resolves the settings and opens a session for a command run. */
export async function openSession(io: CliIo, values: CommonValues): Promise<{ output: Output; session: Session }> {
  const output = outputFor(io, values)
  const config = await resolveConfig({ flags: values, env: io.env, cwd: io.cwd })
  return { output, session: createSession({ config, output, io, passwordEnv: values['password-env'] }) }
}

/** Prints `help` and returns 0 when `--help` was given; undefined otherwise. */
export function helpRequested(io: CliIo, values: { help?: boolean | undefined }, help: string): 0 | undefined {
  if (!values.help) return undefined
  io.stdout.write(help.endsWith('\n') ? help : `${help}\n`)
  return 0
}
