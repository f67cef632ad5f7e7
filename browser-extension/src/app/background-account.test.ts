// The page's account signs through the background: here the real router over memory storage
// (chrome.runtime messaging cannot run under Node, so `send` calls the router directly).
import { createWalletClient, custom, parseTransaction, recoverMessageAddress, recoverTypedDataAddress } from 'viem'
import { deriveOwnerLogKey, ownerLogKeyMessage } from '@datavault/sdk'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { backgroundRouter } from '../background/router.ts'
import { captureStore } from '../background/capture.ts'
import { libraryStore } from '../background/library.ts'
import { settingsStore } from '../settings.ts'
import { memoryStorageArea } from '../storage.ts'
import { walletKeeper } from '../wallet/wallet-keeper.ts'
import { backgroundAccount } from './background-account.ts'
import { createBackgroundClient } from './background-client.ts'

const privateKey = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'

async function setup() {
  const local = memoryStorageArea()
  const session = memoryStorageArea()
  const keeper = walletKeeper({ scrypt: { n: 1024, r: 8, p: 1 } })({ local, session, settings: settingsStore({ local }), now: Date.now })
  const handle = backgroundRouter({ keeper, settings: settingsStore({ local }), library: libraryStore({ local, keeper }), captures: captureStore({ session }) })
  // JSON both ways, as chrome.runtime.sendMessage does.
  const background = createBackgroundClient(async (message) => JSON.parse(JSON.stringify(await handle(JSON.parse(JSON.stringify(message))))))
  const { address } = await background.request({ type: 'wallet.importKey', privateKey, password: 'correct horse battery' })
  return { background, account: backgroundAccount({ address, background }) }
}

describe('backgroundAccount', () => {
  test("default: signs typed data exactly as the key's own account does", async () => {
    const { account } = await setup()
    const typed = {
      domain: { name: 'datavault', version: '1', chainId: 8996, verifyingContract: '0x00000000000000000000000000000000000000aa' },
      types: { Request: [{ name: 'path', type: 'string' }, { name: 'expiry', type: 'uint64' }] },
      primaryType: 'Request',
      message: { path: '/v1/uploads', expiry: 1_900_000_000n },
    } as const
    const signature = await account.signTypedData(typed)
    expect(signature).toBe(await privateKeyToAccount(privateKey).signTypedData(typed))
    expect(await recoverTypedDataAddress({ ...typed, signature })).toBe(account.address)
  })

  test('behavior: a viem wallet client sends transactions signed by the background', async () => {
    const { account } = await setup()
    const sent: string[] = []
    // A double of a chain's JSON-RPC (no chain runs in unit tests): it answers what viem asks to
    // prepare a transaction and keeps the raw transaction it is sent.
    const rpc = custom({
      async request({ method, params }: { method: string; params: unknown[] }) {
        if (method === 'eth_chainId') return '0x2324'
        if (method === 'eth_getTransactionCount') return '0x3'
        if (method === 'eth_estimateGas') return '0x5208'
        if (method === 'eth_getBlockByNumber') return { baseFeePerGas: '0x1', number: '0x1' }
        if (method === 'eth_maxPriorityFeePerGas') return '0x1'
        if (method === 'eth_sendRawTransaction') return (sent.push(params[0] as string), `0x${'ab'.repeat(32)}`)
        throw new Error(`unexpected ${method}`)
      },
    })
    const wallet = createWalletClient({ account, transport: rpc, chain: { id: 8996, name: 'dev', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: ['http://127.0.0.1:8545'] } } } })
    await wallet.sendTransaction({ to: '0x00000000000000000000000000000000000000bb', data: '0xabcdef' })
    expect(parseTransaction(sent[0] as `0x02${string}`)).toMatchObject({ chainId: 8996, nonce: 3, to: '0x00000000000000000000000000000000000000bb', data: '0xabcdef' })
  })

  test('behavior: the one plain message signed is the SDK\'s owner-log-key message, so approving a custom program registers the key its logs are sealed to', async () => {
    const { account } = await setup()
    const signature = await account.signMessage({ message: ownerLogKeyMessage })
    expect(await recoverMessageAddress({ message: ownerLogKeyMessage, signature })).toBe(account.address)
    // The same key as the CLI or any SDK client of this wallet derives: the owner opens its logs anywhere.
    expect((await deriveOwnerLogKey(account)).publicKey).toEqual((await deriveOwnerLogKey(account)).publicKey)
  })

  test('error: signing other plain messages is refused; a locked wallet refuses with its code', async () => {
    const { account, background } = await setup()
    await expect(account.signMessage({ message: 'hello' })).rejects.toMatchObject({ code: 'WALLET_SIGN_REFUSED' })
    await expect(account.signMessage({ message: `${ownerLogKeyMessage} ` })).rejects.toMatchObject({ code: 'WALLET_SIGN_REFUSED' })
    await background.request({ type: 'wallet.lock' })
    await expect(account.signTransaction({ chainId: 8996, to: account.address, gas: 21_000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, type: 'eip1559' })).rejects.toMatchObject({ name: 'WalletError', code: 'WALLET_LOCKED' })
  })
})
