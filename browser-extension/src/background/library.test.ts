// The library's logic under Node, over memory storage areas (chrome.storage cannot run here),
// with the real wallet keeper.
import { describe, expect, test } from 'vitest'
import { settingsStore } from '../settings.ts'
import { memoryStorageArea } from '../storage.ts'
import { walletKeeper } from '../wallet/wallet-keeper.ts'
import { libraryStore } from './library.ts'

const password = 'correct horse battery'
const item = {
  name: 'Heart',
  kind: 'table',
  source: { type: 'file', fileName: 'heart.csv', mediaType: 'text/csv' },
  plaintextBytes: 100,
  ciphertextBytes: 189,
  cid: `b${'a'.repeat(58)}`,
  nodeUrl: 'http://127.0.0.1:8700',
  schema: { format: 'csv', columns: [{ name: 'age', type: 'number' }], rows: 3 },
}

function setup() {
  const local = memoryStorageArea()
  const keeper = walletKeeper({ scrypt: { n: 1024, r: 8, p: 1 } })({ local, session: memoryStorageArea(), settings: settingsStore({ local }), now: Date.now })
  return { keeper, local, library: libraryStore({ local, keeper }) }
}

describe('libraryStore', () => {
  test('default: add, list (newest first), open the data key, remove', async () => {
    const { keeper, library, local } = setup()
    await keeper.create({ password })
    const key = crypto.getRandomValues(new Uint8Array(32))
    const first = await library.add(item, key)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await library.add({ ...item, name: 'Steps', kind: 'file', schema: undefined }, new Uint8Array(32).fill(7))
    expect((await library.list()).map((entry) => entry.name)).toEqual(['Steps', 'Heart'])
    expect(await library.dataKey(first.id)).toEqual(key)
    // Stored sealed: the key's bytes are not in storage.
    const hex = Array.from(key, (byte) => byte.toString(16).padStart(2, '0')).join('')
    expect(JSON.stringify(await local.get(local.keys().find((name) => name.startsWith('library.'))!))).not.toContain(hex)
    await library.remove(first.id)
    expect((await library.list()).map((entry) => entry.name)).toEqual(['Steps'])
  })

  test('behavior: a stopped publication is kept for resuming, and cleared once published', async () => {
    const { keeper, library } = setup()
    await keeper.create({ password })
    const { id } = await library.add(item, new Uint8Array(32))
    const attempt = {
      step: 'price',
      state: { cid: item.cid, datatoken: '0x00000000000000000000000000000000000000AA', registered: true, keyEscrowed: true },
      reason: { code: 'CHAIN_TRANSACTION_REVERTED', message: 'The chain refused the createFixedRate transaction.' },
      request: { price: '5000000000000000000', free: false, policy: { trainers: ['logistic-regression'] }, schema: item.schema },
      at: new Date().toISOString(),
    }
    expect(await library.update(id, { publishAttempt: attempt })).toMatchObject({ publishAttempt: { step: 'price', state: { datatoken: '0x00000000000000000000000000000000000000aa' } } })
    const published = await library.update(id, { publishAttempt: null, dataset: '0x00000000000000000000000000000000000000AA' })
    expect(published.publishAttempt).toBeUndefined()
    expect(published.dataset).toBe('0x00000000000000000000000000000000000000aa')
  })

  test("behavior: each wallet sees its own library; another wallet cannot open an item's key", async () => {
    const { keeper, library } = setup()
    await keeper.create({ password })
    const { id } = await library.add(item, new Uint8Array(32).fill(1))
    await keeper.lock()
    await keeper.forget({ password })
    await keeper.create({ password })
    expect(await library.list()).toEqual([])
    await expect(library.dataKey(id)).rejects.toMatchObject({ name: 'LibraryItemNotFoundError', code: 'LIBRARY_ITEM_NOT_FOUND' })
  })

  test('error: an item that does not validate, a short key, an unknown id, a locked wallet', async () => {
    const { keeper, library } = setup()
    await keeper.create({ password })
    await expect(library.add({ ...item, cid: 'not a cid' }, new Uint8Array(32))).rejects.toMatchObject({ code: 'REQUEST_INVALID' })
    await expect(library.add({ ...item, schema: { format: 'xlsx', columns: [] } }, new Uint8Array(32))).rejects.toMatchObject({ code: 'REQUEST_INVALID' })
    await expect(library.add(item, new Uint8Array(16))).rejects.toMatchObject({ code: 'REQUEST_INVALID' })
    await expect(library.update(crypto.randomUUID(), {})).rejects.toMatchObject({ code: 'LIBRARY_ITEM_NOT_FOUND' })
    await keeper.lock()
    await expect(library.add(item, new Uint8Array(32))).rejects.toMatchObject({ code: 'WALLET_LOCKED' })
  })
})
