import { describe, expect, test } from 'vitest'
import { defaultSettings, settingsStore } from './settings.ts'
import { memoryStorageArea } from './storage.ts'

describe('settingsStore', () => {
  test("default: `datavault dev`'s node and chain, auto-lock after 15 minutes", async () => {
    expect(await settingsStore({ local: memoryStorageArea() }).get()).toEqual({ nodeUrl: 'http://127.0.0.1:8700', rpcUrl: 'http://127.0.0.1:8545', autoLockMinutes: 15 })
  })

  test('args: a patch changes only what it names; trailing slashes and spaces go', async () => {
    const settings = settingsStore({ local: memoryStorageArea() })
    expect(await settings.set({ nodeUrl: ' https://vault.example.org/api/ ' })).toEqual({ ...defaultSettings, nodeUrl: 'https://vault.example.org/api' })
    expect(await settings.set({ autoLockMinutes: 5 })).toEqual({ ...defaultSettings, nodeUrl: 'https://vault.example.org/api', autoLockMinutes: 5 })
  })

  test('behavior: a stored value that no longer parses falls back to the defaults', async () => {
    const local = memoryStorageArea()
    await local.set('settings', { nodeUrl: 'ftp://old', autoLockMinutes: 'never' })
    expect(await settingsStore({ local }).get()).toEqual(defaultSettings)
  })

  test('error: not http(s), credentials in the URL, an auto-lock out of range: SETTINGS_INVALID, nothing stored', async () => {
    const local = memoryStorageArea()
    const settings = settingsStore({ local })
    for (const patch of [{ nodeUrl: 'javascript:alert(1)' }, { rpcUrl: 'https://user:key@rpc.example.org' }, { autoLockMinutes: 0 }, { autoLockMinutes: 241 }, { nodeUrl: 'not a url' }])
      await expect(settings.set(patch)).rejects.toMatchObject({ name: 'SettingsInvalidError', code: 'SETTINGS_INVALID' })
    expect(local.keys()).toEqual([])
  })
})
