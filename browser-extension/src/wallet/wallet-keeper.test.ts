// The wallet keeper's logic under Node: chrome.storage cannot run here, so its areas are
// `memoryStorageArea`s (with the same JSON round trip), and chrome.alarms is a double that
// records the wake-up it was asked for.
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { settingsStore } from '../settings.ts'
import { memoryStorageArea } from '../storage.ts'
import { encryptKeystore } from './keystore.ts'
import { walletKeeper } from './wallet-keeper.ts'

const light = { n: 1024, r: 8, p: 1 }
const password = 'correct horse battery'
const testKey = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'

function setup() {
  const local = memoryStorageArea()
  const session = memoryStorageArea()
  const settings = settingsStore({ local })
  const clock = { now: 1_700_000_000_000 }
  const alarmDouble = { when: undefined as number | undefined, set(when: number) { this.when = when }, clear() { this.when = undefined } }
  const keeper = walletKeeper({ scrypt: light })({ local, session, settings, now: () => clock.now, autoLockAlarm: alarmDouble })
  return { keeper, local, session, settings, clock, alarm: alarmDouble }
}

describe('walletKeeper', () => {
  test('default: create → unlocked, stored as an encrypted keystore; lock → locked; unlock with the password → unlocked again', async () => {
    const { keeper, local, session } = setup()
    expect(await keeper.status()).toEqual({ state: 'none' })
    const { address } = await keeper.create({ password })
    expect(address).toMatch(/^0x[0-9a-f]{40}$/)
    expect(await keeper.status()).toMatchObject({ state: 'unlocked', address })
    expect((await keeper.account()).address.toLowerCase()).toBe(address)

    // At rest: only the keystore, which does not hold the key in the clear.
    expect(local.keys()).toEqual(['wallet.keystore'])
    const privateKey = (await session.get<{ privateKey: string }>('wallet.unlocked'))!.privateKey
    expect(JSON.stringify(await local.get('wallet.keystore'))).not.toContain(privateKey.slice(2))

    await keeper.lock()
    expect(await keeper.status()).toEqual({ state: 'locked', address })
    expect(session.keys()).toEqual([])
    await expect(keeper.account()).rejects.toMatchObject({ name: 'WalletError', code: 'WALLET_LOCKED' })
    await keeper.unlock({ password })
    expect((await keeper.account()).address.toLowerCase()).toBe(address)
  })

  test('behavior: locks itself after the auto-lock minutes without use; each use postpones it; the alarm is set to the deadline', async () => {
    const { keeper, settings, clock, alarm } = setup()
    await settings.set({ autoLockMinutes: 5 })
    await keeper.importPrivateKey({ privateKey: testKey, password })
    expect(alarm.when).toBe(clock.now + 5 * 60_000)

    clock.now += 4 * 60_000
    await keeper.account() // a use: the deadline moves to 5 minutes from now
    expect(alarm.when).toBe(clock.now + 5 * 60_000)
    clock.now += 4 * 60_000
    expect(await keeper.lockIfIdle()).toBe(false)
    expect(await keeper.status()).toMatchObject({ state: 'unlocked' })

    clock.now += 60_000
    // Even before the alarm fires, a use past the deadline finds the wallet locked.
    await expect(keeper.account()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
    expect(await keeper.status()).toMatchObject({ state: 'locked' })
    expect(alarm.when).toBeUndefined()
  })

  test('behavior: the alarm locks an idle wallet', async () => {
    const { keeper, clock } = setup()
    await keeper.create({ password })
    clock.now += 15 * 60_000
    expect(await keeper.lockIfIdle()).toBe(true)
    expect(await keeper.status()).toMatchObject({ state: 'locked' })
  })

  test('args: importPrivateKey takes a key with or without 0x and spaces around it', async () => {
    const { keeper } = setup()
    const { address } = await keeper.importPrivateKey({ privateKey: `  ${testKey.slice(2)}\n`, password })
    expect(address).toBe(privateKeyToAccount(testKey).address.toLowerCase())
  })

  test('args: importKeystore opens a v3 file with its own password and keeps it under the new one', async () => {
    const { keeper } = setup()
    const file = await encryptKeystore(testKey, 'the old password', { scrypt: light })
    const { address } = await keeper.importKeystore({ keystore: file, keystorePassword: 'the old password', password })
    expect(address).toBe(privateKeyToAccount(testKey).address.toLowerCase())
    await keeper.lock()
    await expect(keeper.unlock({ password: 'the old password' })).rejects.toMatchObject({ code: 'WALLET_WRONG_PASSWORD' })
    await keeper.unlock({ password })
  })

  test('behavior: exportKeystore gives the encrypted file, which opens with the password; forget removes the wallet', async () => {
    const { keeper, local } = setup()
    await keeper.importPrivateKey({ privateKey: testKey, password })
    const exported = await keeper.exportKeystore()
    expect(JSON.stringify(exported)).not.toContain(testKey.slice(2))
    await keeper.lock()
    await keeper.forget({ password })
    expect(await keeper.status()).toEqual({ state: 'none' })
    expect(local.keys()).toEqual([])
    await keeper.importKeystore({ keystore: exported, keystorePassword: password, password })
    expect((await keeper.account()).address).toBe(privateKeyToAccount(testKey).address)
  })

  test('behavior: the sealing key is the same for the same wallet across unlocks and different for another wallet', async () => {
    const { keeper } = setup()
    await keeper.importPrivateKey({ privateKey: testKey, password })
    const iv = new Uint8Array(12)
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await keeper.sealingKey(), new Uint8Array([1, 2, 3]))
    await keeper.lock()
    await expect(keeper.sealingKey()).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
    await keeper.unlock({ password })
    expect(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, await keeper.sealingKey(), sealed))).toEqual(new Uint8Array([1, 2, 3]))

    const other = setup().keeper
    await other.create({ password })
    await expect(crypto.subtle.decrypt({ name: 'AES-GCM', iv }, await other.sealingKey(), sealed)).rejects.toThrow()
  })

  test('error: a wrong password on unlock is WALLET_WRONG_PASSWORD and leaves it locked', async () => {
    const { keeper } = setup()
    await keeper.create({ password })
    await keeper.lock()
    await expect(keeper.unlock({ password: 'not the password' })).rejects.toMatchObject({ name: 'WalletError', code: 'WALLET_WRONG_PASSWORD', shortMessage: 'Wrong password.' })
    expect(await keeper.status()).toMatchObject({ state: 'locked' })
    await expect(keeper.forget({ password: 'not the password' })).rejects.toMatchObject({ code: 'WALLET_WRONG_PASSWORD' })
    expect(await keeper.status()).toMatchObject({ state: 'locked' })
  })

  test('error: a short password, a second wallet, a bad key, no wallet', async () => {
    const { keeper } = setup()
    await expect(keeper.unlock({ password })).rejects.toMatchObject({ code: 'WALLET_MISSING' })
    await expect(keeper.account()).rejects.toMatchObject({ code: 'WALLET_MISSING' })
    await expect(keeper.create({ password: 'short' })).rejects.toMatchObject({ code: 'WALLET_PASSWORD_WEAK' })
    await expect(keeper.importPrivateKey({ privateKey: '0x1234', password })).rejects.toMatchObject({ code: 'WALLET_KEY_INVALID' })
    await expect(keeper.importPrivateKey({ privateKey: `0x${'0'.repeat(64)}`, password })).rejects.toMatchObject({ code: 'WALLET_KEY_INVALID' })
    await keeper.create({ password })
    await expect(keeper.create({ password })).rejects.toMatchObject({ code: 'WALLET_EXISTS' })
  })
})
