// The `datavault` CLI without a stack: the keystore as a user and a script use it (files, modes,
// interop with ethers' v3 keystores), every command's --help, and usage errors.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Wallet, encryptKeystoreJson } from 'ethers'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const launcher = new URL('../../cli/bin/datavault.mjs', import.meta.url).pathname
const commands = ['dev', 'keys', 'publish', 'datasets', 'dataset', 'buy', 'train', 'jobs', 'receipt', 'approve', 'deny', 'logs', 'receipts', 'revoke', 'rotate', 'pool', 'price', 'policy', 'schema', 'collect', 'unpublish', 'republish']
// A throwaway key for these tests (never funded anywhere).
const testKey = '0xac0974bec39a17e36ba4a91b69f2e5f1d4b3b1e0a7c5f4c6e8c6f5d1b3c8b3d1'

let root: string
let configDir: string

type Run = { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI with a clean environment (no DATAVAULT_* from the caller) and no terminal. */
function cli(args: string[], { env = {}, input }: { env?: Record<string, string>; input?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [launcher, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: root, DATAVAULT_CONFIG_DIR: configDir, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    // A session of its own: no controlling terminal, so nothing can prompt.
    detached: true,
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text))
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text))
  child.stdin.end(input ?? '')
  return new Promise((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dv-cli-keys-'))
  configDir = join(root, 'config')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('datavault keys', () => {
  test('default: import from stdin, new, list; v3 files with mode 0600 in a 0700 dir; no secret printed', async () => {
    const imported = await cli(['keys', 'import', '--name', 'alice', '--light-kdf', '--json'], { env: { DATAVAULT_PASSWORD: 'alice-password' }, input: `${testKey}\n` })
    expect(imported.code, imported.stderr).toBe(0)
    const alice = JSON.parse(imported.stdout)
    expect(alice).toEqual({ name: 'alice', address: new Wallet(testKey).address, file: join(configDir, 'keystore', 'alice.json') })

    const created = await cli(['keys', 'new', '--name', 'bob', '--light-kdf', '--password-env', 'BOB_PW'], { env: { BOB_PW: 'bob-password' } })
    expect(created.code, created.stderr).toBe(0)
    expect(created.stdout).toMatch(/^key:\s+bob$/m)
    const bobAddress = /^address:\s+(0x[0-9a-fA-F]{40})$/m.exec(created.stdout)?.[1]
    expect(bobAddress).toBeDefined()

    const listed = await cli(['keys', 'list', '--json'])
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).keys.map((key: { name: string; address: string }) => [key.name, key.address])).toEqual([
      ['alice', alice.address],
      ['bob', bobAddress],
    ])
    const plain = await cli(['keys', 'list'])
    expect(plain.stdout.trim().split('\n')).toEqual([`alice\t${alice.address}`, `bob\t${bobAddress}`])

    const dir = join(configDir, 'keystore')
    expect((await stat(dir)).mode & 0o777).toBe(0o700)
    expect((await readdir(dir)).sort()).toEqual(['alice.json', 'bob.json'])
    for (const name of ['alice.json', 'bob.json']) {
      const file = join(dir, name)
      expect((await stat(file)).mode & 0o777).toBe(0o600)
      const json = JSON.parse(await readFile(file, 'utf8'))
      expect(json).toMatchObject({ version: 3, crypto: { cipher: 'aes-128-ctr', kdf: 'scrypt' } })
    }
    const everything = [imported, created, listed, plain].map((run) => run.stdout + run.stderr).join('\n')
    expect(everything).not.toContain(testKey.slice(2))
    expect(everything).not.toMatch(/alice-password|bob-password/)

    // Interop: ethers opens our file with the password, and it is the imported key.
    const opened = await Wallet.fromEncryptedJson(await readFile(join(dir, 'alice.json'), 'utf8'), 'alice-password')
    expect(opened.privateKey).toBe(testKey)
  })

  test('behavior: a v3 file written by ethers works as a key (unlocked by a command that signs)', async () => {
    const wallet = Wallet.createRandom()
    const json = await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, 'ethers-password', { scrypt: { N: 1 << 12 } })
    await mkdir(join(configDir, 'keystore'), { recursive: true })
    await writeFile(join(configDir, 'keystore', 'from-ethers.json'), json, { mode: 0o600 })
    const listed = JSON.parse((await cli(['keys', 'list', '--json'])).stdout)
    expect(listed.keys).toContainEqual(expect.objectContaining({ name: 'from-ethers', address: wallet.address }))
    // `jobs` unlocks the key before it reaches for the node: a right password gets as far as the
    // (absent) node, exit 1; a wrong one stops at the key, exit 6.
    const right = await cli(['jobs', '--key', 'from-ethers', '--vault-url', 'http://127.0.0.1:9'], { env: { DATAVAULT_PASSWORD: 'ethers-password' } })
    expect(right.stderr).toMatch(/Could not reach the vault node/)
    expect(right.code).toBe(1)
    const wrong = await cli(['jobs', '--key', 'from-ethers', '--vault-url', 'http://127.0.0.1:9'], { env: { DATAVAULT_PASSWORD: 'wrong-password' } })
    expect(wrong.stderr).toMatch(/Wrong password for this key/)
    expect(wrong.code).toBe(6)
  })

  test('error: no password in a script, a short password, an existing name, a bad key, the key as an argument', async () => {
    const [noPassword, short, exists, badKey, unsetVar, asArgument] = await Promise.all([
      cli(['keys', 'new', '--name', 'carol', '--light-kdf']),
      cli(['keys', 'new', '--name', 'carol'], { env: { DATAVAULT_PASSWORD: 'short' } }),
      cli(['keys', 'new', '--name', 'alice', '--json'], { env: { DATAVAULT_PASSWORD: 'whatever-password' } }),
      cli(['keys', 'import', '--name', 'dave'], { env: { DATAVAULT_PASSWORD: 'dave-password' }, input: '0x1234-not-a-key' }),
      cli(['keys', 'import', '--name', 'dave', '--private-key-env', 'NOPE'], { env: { DATAVAULT_PASSWORD: 'dave-password' } }),
      cli(['keys', 'import', testKey]),
    ])
    expect(noPassword.code).toBe(6)
    expect(noPassword.stderr).toMatch(/needs a password: set DATAVAULT_PASSWORD or pass --password-env/)
    expect(short.code).toBe(2)
    expect(short.stderr).toMatch(/at least 8 characters/)
    expect(exists.code).toBe(2)
    expect(JSON.parse(exists.stdout).error).toMatchObject({ code: 'KEY_EXISTS', exitCode: 2 })
    expect(badKey.code).toBe(2)
    expect(badKey.stderr).toMatch(/not a private key/)
    expect(badKey.stderr).not.toContain('0x1234-not-a-key')
    expect(unsetVar.code).toBe(2)
    expect(unsetVar.stderr).toMatch(/NOPE is not set/)
    expect(asArgument.code).toBe(2)
    expect(await readdir(join(configDir, 'keystore'))).not.toContain('dave.json')
  })
})

describe('datavault --help', () => {
  test('default: the top-level help lists every command, the exit codes and the configuration order', async () => {
    const { code, stdout } = await cli(['--help'])
    expect(code).toBe(0)
    for (const command of commands) expect(stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'))
    expect(stdout).toMatch(/Exit codes:[\s\S]*0\s+ok[\s\S]*2\s+usage error[\s\S]*3\s+the training job failed[\s\S]*4\s+not found or refused/)
    expect(stdout).toMatch(/flags > environment > <config dir>\/config.json > the dev stack's dev.json/)
    expect(stdout).toMatch(/Examples:/)
  })

  test('args: every command\'s --help exits 0 and shows usage and an example', async () => {
    const runs = await Promise.all(commands.map((command) => cli([command, '--help'])))
    runs.forEach((run, i) => {
      expect(run.code, commands[i]).toBe(0)
      expect(run.stdout, commands[i]).toMatch(new RegExp(`^Usage:\\n\\s+datavault ${commands[i]}`, 'm'))
      expect(run.stdout, commands[i]).toMatch(new RegExp(`Examples:\\n\\s+datavault ${commands[i]}(\\s|$)`))
    })
    const viaHelp = await cli(['help', 'train'])
    expect(viaHelp.stdout).toBe(runs[commands.indexOf('train')]!.stdout)
  })

  test('error: no command, an unknown command, an unknown flag and a missing argument are usage errors (exit 2)', async () => {
    const [none, unknown, flag, missing] = await Promise.all([cli([]), cli(['frobnicate']), cli(['datasets', '--colour']), cli(['train', '--json'])])
    expect(none.code).toBe(2)
    expect(none.stdout).toMatch(/^Usage:/m)
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/Unknown command "frobnicate"/)
    expect(flag.code).toBe(2)
    expect(flag.stderr).toMatch(/Unknown option --colour\./)
    expect(missing.code).toBe(2)
    expect(JSON.parse(missing.stdout).error).toMatchObject({ name: 'CliUsageError', exitCode: 2, message: expect.stringMatching(/needs <dataset>/) })
  })
})
