import { parseArgs } from 'node:util'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { check, commonHelp, commonOptions } from '../args.ts'
import { type Command, helpRequested, outputFor } from '../command.ts'
import { resolveConfig } from '../config.ts'
import { CliUsageError } from '../errors.ts'
import { encryptKeystore, lightScrypt, standardScrypt } from '../keystore.ts'
import { keyNameSchema, keystoreDir, listKeys, writeKeyFile } from '../keystore-files.ts'
import type { CliIo } from '../output.ts'
import { fromEnvFlag, newPassword, promptHidden, readStdin } from '../secrets.ts'

const help = `datavault keys — the encrypted keystore

Usage:
  datavault keys new    [--name NAME] [--password-env VAR] [--light-kdf]
  datavault keys import [--name NAME] [--private-key-env VAR] [--password-env VAR] [--light-kdf]
  datavault keys list

Keys live in <config dir>/keystore/<name>.json, one file per key, in the Web3 Secret Storage v3
format (scrypt, AES-128-CTR, keccak256 MAC) that geth, MetaMask and ethers read; mode 0600,
written atomically, never overwritten. The config dir is --config-dir, else DATAVAULT_CONFIG_DIR,
else $XDG_CONFIG_HOME/datavault, else ~/.config/datavault.

  new       make a fresh key
  import    encrypt an existing private key, read from stdin (piped, or typed without echo) or
            from the environment variable named by --private-key-env; never from an argument
  list      names and addresses (no password needed)

Options:
  --name NAME              the key's name (default: "default")
  --password-env VAR       read the password from the variable VAR (default DATAVAULT_PASSWORD;
                           else asked twice on the terminal, without echo); 8 characters or more
  --private-key-env VAR    (import) read the 0x-hex private key from the variable VAR
  --light-kdf              cheap scrypt (N=4096, as geth's --lightkdf): for tests and throwaway
                           keys only; the default is N=262144 (about a second to unlock)
  --config-dir DIR         config and keystore directory
${commonHelp}

Examples:
  datavault keys new --name alice
  printf '%s' "$PRIVATE_KEY" | datavault keys import --name alice
  DATAVAULT_PASSWORD=… datavault keys import --name ci --private-key-env CI_KEY
  datavault keys list --json
`

const options = {
  ...commonOptions,
  name: { type: 'string' },
  'password-env': { type: 'string' },
  'private-key-env': { type: 'string' },
  'light-kdf': { type: 'boolean' },
  'config-dir': { type: 'string' },
} as const

async function readPrivateKey(io: CliIo, privateKeyEnv: string | undefined): Promise<`0x${string}`> {
  let text = fromEnvFlag(io, '--private-key-env', privateKeyEnv)
  if (text === undefined) text = io.stdin.isTTY ? await promptHidden('Private key (hex): ') : await readStdin(io)
  const trimmed = text.trim()
  // Never echo what was given: it may be a key with a typo.
  if (!/^(0x)?[0-9a-fA-F]{64}$/.test(trimmed)) throw new CliUsageError('That is not a private key: expected 32 bytes of hex (64 hex digits, 0x optional).', { code: 'KEY_INVALID' })
  const privateKey = `0x${trimmed.replace(/^0x/, '').toLowerCase()}` as `0x${string}`
  try {
    privateKeyToAccount(privateKey)
  } catch {
    throw new CliUsageError('That is not a valid secp256k1 private key.', { code: 'KEY_INVALID' })
  }
  return privateKey
}

/** `datavault keys new|import|list`. */
export const keysCommand: Command = {
  name: 'keys',
  summary: 'create, import and list wallet keys (encrypted keystore, Web3 Secret Storage v3)',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [action, ...extra] = positionals
    if (action === undefined) throw new CliUsageError('datavault keys needs new, import or list. See `datavault keys --help`.')
    if (extra.length > 0) throw new CliUsageError(`Unexpected argument "${extra[0]}". See \`datavault keys --help\`.`)
    const output = outputFor(io, values)
    const config = await resolveConfig({ flags: { 'config-dir': values['config-dir'] }, env: io.env, cwd: io.cwd })
    output.debug(`config: config dir    ${config.configDir.value}  (${config.configDir.source})`)
    const configDir = config.configDir.value

    if (action === 'list') {
      if (values.name !== undefined || values['private-key-env'] !== undefined) throw new CliUsageError('datavault keys list takes no --name or --private-key-env.')
      const keys = await listKeys(configDir)
      output.result({ keystore: keystoreDir(configDir), keys: keys.map(({ name, address, file }) => ({ name, address: address ?? null, file })) }, () =>
        keys.length === 0
          ? [`no keys in ${keystoreDir(configDir)} (create one with \`datavault keys new\`)`]
          : output.table(['NAME', 'ADDRESS'], keys.map((key) => [key.name, key.address ?? '(unreadable file)'])),
      )
      return 0
    }
    if (action !== 'new' && action !== 'import') throw new CliUsageError(`Unknown keys action "${action}": use new, import or list.`)
    if (action === 'new' && values['private-key-env'] !== undefined) throw new CliUsageError('--private-key-env is for `datavault keys import`.')
    const name = check(keyNameSchema, values.name ?? 'default', '--name')
    if ((await listKeys(configDir)).some((key) => key.name === name))
      throw new CliUsageError(`A key named "${name}" exists already; choose another --name.`, { code: 'KEY_EXISTS' })

    const privateKey = action === 'new' ? generatePrivateKey() : await readPrivateKey(io, values['private-key-env'])
    const password = await newPassword(io, { passwordEnv: values['password-env'], keyName: name })
    const document = await encryptKeystore(privateKey, password, { scrypt: values['light-kdf'] ? lightScrypt : standardScrypt })
    const file = await writeKeyFile(configDir, name, document)
    const address = privateKeyToAccount(privateKey).address
    if (values['light-kdf']) output.warn('this key uses the light KDF (N=4096): fine for tests, weak for real funds.')
    output.result({ name, address, file }, [`key:     ${name}`, `address: ${address}`, `file:    ${file}`])
    return 0
  },
}
