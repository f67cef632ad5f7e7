// The background's request handling under Node, with its real parts (wallet keeper, settings,
// library, capture store) over memory storage areas, since chrome.storage cannot run here.
import { type Hex, parseTransaction, recoverTransactionAddress, recoverTypedDataAddress } from 'viem'
import { describe, expect, test } from 'vitest'
import { encodeJson } from '../messages.ts'
import { settingsStore } from '../settings.ts'
import { memoryStorageArea } from '../storage.ts'
import { walletKeeper } from '../wallet/wallet-keeper.ts'
import { captureStore } from './capture.ts'
import { libraryStore } from './library.ts'
import { backgroundRouter } from './router.ts'

const password = 'correct horse battery'

function setup() {
  const local = memoryStorageArea()
  const session = memoryStorageArea()
  const settings = settingsStore({ local })
  const keeper = walletKeeper({ scrypt: { n: 1024, r: 8, p: 1 } })({ local, session, settings, now: Date.now })
  const library = libraryStore({ local, keeper })
  const captures = captureStore({ session })
  return { handle: backgroundRouter({ keeper, settings, library, captures }), captures, session }
}

const requestTypedData = {
  domain: { name: 'datavault', version: '1', chainId: 8996, verifyingContract: '0x00000000000000000000000000000000000000aa' as Hex },
  types: { Request: [{ name: 'method', type: 'string' }, { name: 'expiry', type: 'uint64' }] },
  primaryType: 'Request' as const,
  message: { method: 'GET', expiry: 1_900_000_000n },
}

describe('backgroundRouter', () => {
  test('default: answers { ok, value } and keeps the wallet across requests', async () => {
    const { handle } = setup()
    expect(await handle({ type: 'wallet.status' })).toEqual({ ok: true, value: { state: 'none' } })
    const created = await handle({ type: 'wallet.create', password })
    expect(created).toMatchObject({ ok: true, value: { address: expect.stringMatching(/^0x[0-9a-f]{40}$/) } })
    expect(await handle({ type: 'wallet.status' })).toMatchObject({ ok: true, value: { state: 'unlocked' } })
    expect(await handle({ type: 'settings.set', settings: { nodeUrl: 'https://vault.example.org/' } })).toMatchObject({ ok: true, value: { nodeUrl: 'https://vault.example.org', rpcUrl: 'http://127.0.0.1:8545' } })
  })

  test("behavior: signs datavault's typed data (bigints travel as tagged JSON) with the wallet's key", async () => {
    const { handle } = setup()
    const { value } = (await handle({ type: 'wallet.create', password })) as { value: { address: Hex } }
    const answer = (await handle({ type: 'wallet.signTypedData', typedData: encodeJson(requestTypedData) })) as { ok: true; value: Hex }
    expect(answer.ok).toBe(true)
    expect((await recoverTypedDataAddress({ ...requestTypedData, signature: answer.value })).toLowerCase()).toBe(value.address)
    const escrow = { ...requestTypedData, domain: { ...requestTypedData.domain, name: 'datavault-key-escrow' } }
    expect(await handle({ type: 'wallet.signTypedData', typedData: encodeJson(escrow) })).toMatchObject({ ok: true })
  })

  test('behavior: signs a transaction that pays gas only', async () => {
    const { handle } = setup()
    const { value } = (await handle({ type: 'wallet.create', password })) as { value: { address: Hex } }
    const transaction = { type: 'eip1559', chainId: 8996, nonce: 0, to: '0x00000000000000000000000000000000000000bb', data: '0x1234', gas: 100_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1n, value: 0n } as const
    const answer = (await handle({ type: 'wallet.signTransaction', transaction: encodeJson(transaction) })) as { ok: true; value: Hex }
    expect(parseTransaction(answer.value as `0x02${string}`)).toMatchObject({ chainId: 8996, gas: 100_000n, to: transaction.to, data: '0x1234' })
    expect((await recoverTransactionAddress({ serializedTransaction: answer.value as `0x02${string}` })).toLowerCase()).toBe(value.address)
  })

  test('behavior: a data key added to the library comes back only through the wallet that sealed it', async () => {
    const { handle } = setup()
    await handle({ type: 'wallet.create', password })
    const dataKey = '11'.repeat(32)
    const item = { name: 'Heart', kind: 'table', source: { type: 'file', fileName: 'heart.csv', mediaType: 'text/csv' }, plaintextBytes: 10, ciphertextBytes: 99, cid: `b${'a'.repeat(58)}`, nodeUrl: 'http://127.0.0.1:8700' }
    const added = (await handle({ type: 'library.add', item, dataKey })) as { ok: true; value: { id: string } }
    expect(added).toMatchObject({ ok: true, value: { ...item, id: expect.any(String), description: '', skipped: [] } })
    expect(await handle({ type: 'library.dataKey', id: added.value.id })).toEqual({ ok: true, value: dataKey })
    expect(JSON.stringify(await handle({ type: 'library.list' }))).not.toContain(dataKey)
    await handle({ type: 'wallet.lock' })
    expect(await handle({ type: 'library.dataKey', id: added.value.id })).toMatchObject({ ok: false, error: { code: 'WALLET_LOCKED' } })
  })

  test('behavior: capture.take hands over the waiting capture once', async () => {
    const { handle, captures } = setup()
    await captures.put({ title: 'Steps', tables: [{ caption: '', csv: 'a,b\n1,2\n', rows: 1, columns: 2 }], text: '' }, { url: 'https://example.org/private/path?token=1' })
    expect(await handle({ type: 'capture.take' })).toMatchObject({ ok: true, value: { title: 'Steps', origin: 'https://example.org', tables: [{ csv: 'a,b\n1,2\n' }] } })
    expect(await handle({ type: 'capture.take' })).toEqual({ ok: true, value: null })
  })

  test("error: another app's typed data (a token permit) and a transaction that sends ETH are refused: WALLET_SIGN_REFUSED", async () => {
    const { handle } = setup()
    await handle({ type: 'wallet.create', password })
    const permit = { ...requestTypedData, domain: { name: 'USD Coin', version: '2', chainId: 1, verifyingContract: requestTypedData.domain.verifyingContract } }
    expect(await handle({ type: 'wallet.signTypedData', typedData: encodeJson(permit) })).toMatchObject({ ok: false, error: { name: 'WalletError', code: 'WALLET_SIGN_REFUSED' } })
    const transfer = { type: 'eip1559', chainId: 8996, nonce: 0, to: '0x00000000000000000000000000000000000000bb', gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, value: 1n }
    expect(await handle({ type: 'wallet.signTransaction', transaction: encodeJson(transfer) })).toMatchObject({ ok: false, error: { code: 'WALLET_SIGN_REFUSED' } })
  })

  test('error: a malformed request is REQUEST_INVALID; a locked wallet does not sign: WALLET_LOCKED; errors carry no stack or cause', async () => {
    const { handle } = setup()
    expect(await handle({ type: 'wallet.steal' })).toMatchObject({ ok: false, error: { name: 'RequestInvalidError', code: 'REQUEST_INVALID' } })
    expect(await handle('hello')).toMatchObject({ ok: false, error: { code: 'REQUEST_INVALID' } })
    expect(await handle({ type: 'wallet.unlock' })).toMatchObject({ ok: false, error: { code: 'REQUEST_INVALID' } })
    await handle({ type: 'wallet.create', password })
    await handle({ type: 'wallet.lock' })
    const refused = await handle({ type: 'wallet.signTypedData', typedData: encodeJson(requestTypedData) })
    expect(refused).toEqual({ ok: false, error: { name: 'WalletError', code: 'WALLET_LOCKED', message: 'The wallet is locked: unlock it with your password.' } })
    expect(await handle({ type: 'wallet.unlock', password: 'wrong password!' })).toEqual({ ok: false, error: { name: 'WalletError', code: 'WALLET_WRONG_PASSWORD', message: 'Wrong password.' } })
    expect(await handle({ type: 'wallet.importKeystore', keystore: 'not json', keystorePassword: 'x', password })).toMatchObject({ ok: false, error: { code: 'KEYSTORE_INVALID' } })
    expect(await handle({ type: 'settings.set', settings: { nodeUrl: 'http://user:secret@node.example.org' } })).toMatchObject({ ok: false, error: { code: 'SETTINGS_INVALID' } })
  })
})
