import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { defaultConfigDir, describeConfig, redactUrl, resolveConfig } from './config.ts'

let root: string
let configDir: string
let devDir: string
const devFile = {
  rpcUrl: 'http://127.0.0.1:8545',
  chainId: 8996,
  vaultUrl: 'http://127.0.0.1:8700',
  addressesFile: '/x/addresses.json',
  addresses: { chainId: 8996 },
  accounts: [{ address: `0x${'1'.repeat(40)}`, privateKey: `0x${'2'.repeat(64)}`, role: 'buyer' }],
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'dv-config-'))
  configDir = join(root, 'config')
  devDir = join(root, 'work', '.datavault')
  await mkdir(configDir, { recursive: true })
  await mkdir(devDir, { recursive: true })
  await writeFile(join(devDir, 'dev.json'), JSON.stringify(devFile))
  await writeFile(join(configDir, 'config.json'), JSON.stringify({ vaultUrl: 'http://config.example:1', chainId: 5, addressesFile: 'addresses.json' }))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const cwd = () => join(root, 'work')

describe('resolveConfig', () => {
  test('default: flags > environment > config.json > dev.json, each with its source', async () => {
    const config = await resolveConfig({
      flags: { 'rpc-url': 'http://flag.example:2' },
      env: { DATAVAULT_CONFIG_DIR: configDir, DATAVAULT_CHAIN_ID: '77' },
      cwd: cwd(),
    })
    expect(config.rpcUrl).toEqual({ value: 'http://flag.example:2', source: 'flag --rpc-url' })
    expect(config.chainId).toEqual({ value: 77, source: 'env DATAVAULT_CHAIN_ID' })
    expect(config.vaultUrl).toEqual({ value: 'http://config.example:1', source: `config ${join(configDir, 'config.json')}` })
    expect(config.addressesFile).toEqual({ value: join(configDir, 'addresses.json'), source: `config ${join(configDir, 'config.json')}` })
    expect(config.devAddresses).toBeUndefined()
    expect(config.dev?.file).toBe(join(devDir, 'dev.json'))
  })

  test('behavior: with nothing else, everything comes from the dev stack file in ./.datavault', async () => {
    const config = await resolveConfig({ flags: { 'config-dir': join(root, 'empty') }, env: {}, cwd: cwd() })
    expect(config.vaultUrl).toEqual({ value: devFile.vaultUrl, source: `dev ${join(devDir, 'dev.json')}` })
    expect(config.rpcUrl?.value).toBe(devFile.rpcUrl)
    expect(config.chainId?.value).toBe(8996)
    expect(config.devAddresses?.value).toEqual(devFile.addresses)
    expect(config.configDir).toEqual({ value: join(root, 'empty'), source: 'flag --config-dir' })
  })

  test('behavior: the wallet comes from the first level that names one', async () => {
    const env = { DATAVAULT_CONFIG_DIR: configDir, DATAVAULT_ACCOUNT: 'buyer' }
    expect((await resolveConfig({ flags: { key: 'alice' }, env, cwd: cwd() })).key).toEqual({ value: 'alice', source: 'flag --key' })
    const fromEnv = await resolveConfig({ flags: {}, env, cwd: cwd() })
    expect(fromEnv.account).toEqual({ value: 'buyer', source: 'env DATAVAULT_ACCOUNT' })
    expect(fromEnv.key).toBeUndefined()
  })

  test('behavior: --verbose lines name each source and never show URL credentials or paths', async () => {
    const config = await resolveConfig({
      flags: { 'rpc-url': 'https://user:secret@rpc.example/v3/apikey123?token=x' },
      env: { DATAVAULT_CONFIG_DIR: configDir },
      cwd: cwd(),
    })
    const lines = describeConfig(config).join('\n')
    expect(lines).toContain('https://rpc.example/…?…  (flag --rpc-url)')
    expect(lines).not.toMatch(/secret|apikey123|token/)
    expect(redactUrl('http://127.0.0.1:8700')).toBe('http://127.0.0.1:8700')
  })

  test('args: the default config dir follows XDG', () => {
    expect(defaultConfigDir({ XDG_CONFIG_HOME: '/xdg' })).toBe('/xdg/datavault')
    expect(defaultConfigDir({ HOME: '/home/u' })).toBe('/home/u/.config/datavault')
  })

  test('error: bad values name where they came from; ambiguous wallets and a missing --dev-dir are refused', async () => {
    await expect(resolveConfig({ flags: {}, env: { DATAVAULT_CONFIG_DIR: configDir, DATAVAULT_VAULT_URL: 'ftp://x' }, cwd: cwd() })).rejects.toMatchObject({
      name: 'CliUsageError',
      message: expect.stringContaining('env DATAVAULT_VAULT_URL'),
    })
    await expect(resolveConfig({ flags: { 'chain-id': 'abc' }, env: { DATAVAULT_CONFIG_DIR: configDir }, cwd: cwd() })).rejects.toMatchObject({ name: 'CliUsageError' })
    await expect(resolveConfig({ flags: { key: 'a', account: 'buyer' }, env: {}, cwd: cwd() })).rejects.toMatchObject({ name: 'CliUsageError' })
    await expect(resolveConfig({ flags: { account: 'admin' }, env: {}, cwd: cwd() })).rejects.toMatchObject({ name: 'CliUsageError' })
    await expect(resolveConfig({ flags: { 'dev-dir': join(root, 'nowhere') }, env: {}, cwd: cwd() })).rejects.toMatchObject({
      name: 'CliUsageError',
      message: expect.stringMatching(/No dev.json/),
    })
    await writeFile(join(root, 'bad-config.json'), '{"vaultUrl": "http://x", "color": "red"}')
    await mkdir(join(root, 'badcfg'), { recursive: true })
    await writeFile(join(root, 'badcfg', 'config.json'), '{"vaultUrl": "http://x", "color": "red"}')
    await expect(resolveConfig({ flags: { 'config-dir': join(root, 'badcfg') }, env: {}, cwd: cwd() })).rejects.toMatchObject({ name: 'CliUsageError' })
  })
})
