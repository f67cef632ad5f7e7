// Ocean interop: a buyer who uses Ocean's own library (@oceanprotocol/lib 8.6.2, ethers v6) on our
// deployment of Ocean's contracts buys a datatoken and places the order with `Datatoken.startOrder`,
// carrying the provider fee our node signed (GET /v1/datasets/:id/provider-fee); our node accepts
// that order for a job, which runs and finishes. And the other way round: an order placed with
// our SDK is an ordinary Ocean order that Ocean's library reads back.
import { Contract, Interface, JsonRpcProvider, Wallet, parseEther as ethersParseEther } from 'ethers'
import { Datatoken, FixedRateExchange, LogLevel, LoggerInstance, approve } from '@oceanprotocol/lib'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type DataVaultClient, createDataVaultClient, getDatatokenEarnings, loadModel } from '@datavault/sdk'
import { healthCsv, healthSchema } from '../../scripts/lib/synthetic-health.ts'
import { type TestStack, startTestStack } from '../fixtures/stack.ts'

let t: TestStack
let owner: DataVaultClient
let buyer: DataVaultClient
let provider: JsonRpcProvider
let signer: Wallet
let dataset: { datatoken: `0x${string}`; exchangeId: `0x${string}` }
// What @oceanprotocol/lib needs of a config for these calls; it has no entry for a local chain.
let config: ConstructorParameters<typeof Datatoken>[2]

/**
 * `@oceanprotocol/lib` logs and returns `null` (or nothing) when a transaction fails instead of
 * throwing: every call goes through this, which throws and waits for the receipt.
 */
async function mined(what: string, sent: Promise<unknown>) {
  const response = (await sent) as { hash: string; wait(): Promise<{ status: number | null } | null> } | null | undefined
  if (!response || typeof response !== 'object' || !('hash' in response)) throw new Error(`@oceanprotocol/lib: ${what} failed (it returned ${String(response)})`)
  const receipt = await response.wait()
  if (!receipt || receipt.status !== 1) throw new Error(`${what} reverted: ${response.hash}`)
  return response.hash as `0x${string}`
}

/** The provider fee our node signs for an order, as Ocean's ProviderFees (strings). */
async function providerFee(datatoken: string, consumer: string) {
  const response = await fetch(`${t.stack.vaultUrl}/v1/datasets/${datatoken.toLowerCase()}/provider-fee?consumer=${consumer.toLowerCase()}`)
  expect(response.status).toBe(200)
  const fee = (await response.json()) as Record<string, string | number>
  return {
    providerFeeAddress: String(fee.providerFeeAddress),
    providerFeeToken: String(fee.providerFeeToken),
    providerFeeAmount: String(fee.providerFeeAmount),
    v: String(fee.v),
    r: String(fee.r),
    s: String(fee.s),
    providerData: String(fee.providerData),
    validUntil: String(fee.validUntil),
  }
}

function client(role: 'owner' | 'buyer') {
  const key = t.stack.accounts.find((account) => account.role === role)!
  return createDataVaultClient({
    node: t.stack.vaultUrl,
    chain: { rpcUrl: t.stack.rpcUrl, chainId: t.stack.chainId },
    account: privateKeyToAccount(key.privateKey),
    addresses: t.addresses,
    pollingInterval: 50,
  })
}

beforeAll(async () => {
  t = await startTestStack()
  owner = client('owner')
  buyer = client('buyer')
  const published = await owner.publishDataset({
    data: healthCsv({ rows: 400, seed: 51 }),
    name: 'Heart (Ocean interop)',
    schema: healthSchema('binary'),
    policy: { trainers: ['logistic-regression'] },
    price: parseEther('2'),
  })
  dataset = { datatoken: published.datatoken, exchangeId: published.exchangeId! }
  // cacheTimeout -1: ethers must not reuse a cached nonce or block between transactions.
  provider = new JsonRpcProvider(t.stack.rpcUrl, t.stack.chainId, { cacheTimeout: -1, staticNetwork: true })
  signer = new Wallet(t.stack.accounts.find((account) => account.role === 'buyer')!.privateKey, provider)
  config = {
    chainId: t.stack.chainId,
    network: 'development',
    nodeUri: t.stack.rpcUrl,
    fixedRateExchangeAddress: t.addresses.FixedPrice,
    dispenserAddress: t.addresses.Dispenser,
    nftFactoryAddress: t.addresses.ERC721Factory,
    oceanTokenAddress: t.addresses.Ocean,
    oceanTokenSymbol: 'OCEAN',
    gasFeeMultiplier: 1,
  } as ConstructorParameters<typeof Datatoken>[2]
})
afterAll(async () => {
  provider?.destroy()
  await t?.stop()
})

describe('an order placed with @oceanprotocol/lib', () => {
  test('default: bought on the FixedRateExchange and ordered with Datatoken.startOrder; our node runs the job', async () => {
    const buyerAddress = await signer.getAddress()
    // Buy one datatoken with Ocean's library: approve the base token, then FixedRateExchange.buyDatatokens.
    await mined('approve', approve(signer, config!, buyerAddress, t.addresses.Ocean, t.addresses.FixedPrice, '3') as Promise<unknown>)
    const exchange = new FixedRateExchange(t.addresses.FixedPrice, signer, t.stack.chainId, config)
    await mined('buyDatatokens', exchange.buyDatatokens(dataset.exchangeId, '1', '3'))
    const erc20 = new Contract(dataset.datatoken, ['function balanceOf(address) view returns (uint256)'], provider)
    expect(await erc20.getFunction('balanceOf')(buyerAddress)).toBe(ethersParseEther('1'))

    // The order, with the fee our node signed; the consumer is the buyer who will sign the job.
    const fee = await providerFee(dataset.datatoken, buyerAddress)
    const datatoken = new Datatoken(signer, t.stack.chainId, config)
    const orderTx = await mined('startOrder', datatoken.startOrder(dataset.datatoken, buyerAddress, 0, fee))

    // Our node accepts it: it finds the OrderStarted event and its own provider fee on chain.
    const job = await buyer.submitJob({ dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk', epochs: 10 }, orderTx })
    const done = await buyer.waitForJob({ id: job.id })
    expect(done.failure).toBeUndefined()
    expect(done.state).toBe('finished')
    const receipt = await buyer.getReceipt({ id: job.id })
    expect(receipt.message.orderTx).toBe(orderTx.toLowerCase())
    const { bytes } = await buyer.downloadResult({ id: job.id })
    expect(loadModel(bytes).trainer).toBe('logistic-regression')

    // The owner's earnings see the Ocean-placed purchase and order like any other.
    const earned = await getDatatokenEarnings(owner.public, { datatoken: dataset.datatoken })
    expect(earned).toMatchObject({ orders: 1, sales: [{ earned: parseEther('2') }] })
  })

  test('behavior: an order made with our SDK is an Ocean order: Ocean\'s library reads it back', async () => {
    const { orderTx } = await buyer.orderDataset({ dataset: dataset.datatoken })
    const receipt = await provider.getTransactionReceipt(orderTx)
    // Ocean's own ABI (the lib's) decodes the OrderStarted event our SDK's startOrder produced.
    const ocean = new Interface(new Datatoken(signer, t.stack.chainId, config).abi as never)
    const started = receipt!.logs
      .map((log) => {
        try {
          return ocean.parseLog(log)
        } catch {
          return null
        }
      })
      .find((parsed) => parsed?.name === 'OrderStarted')
    expect(started?.args.consumer).toBe(await signer.getAddress())
    expect(started?.args.amount).toBe(ethersParseEther('1'))
  })

  test('error: an Ocean order whose provider fee another key signed is refused by our node', async () => {
    const buyerAddress = await signer.getAddress()
    const exchange = new FixedRateExchange(t.addresses.FixedPrice, signer, t.stack.chainId, config)
    await mined('approve', approve(signer, config!, buyerAddress, t.addresses.Ocean, t.addresses.FixedPrice, '3') as Promise<unknown>)
    await mined('buyDatatokens', exchange.buyDatatokens(dataset.exchangeId, '1', '3'))
    // Another provider (the buyer itself) signs the fee, as Ocean's contracts allow.
    const { signProviderFee } = await import('@datavault/sdk')
    const own = await signProviderFee(privateKeyToAccount(signer.privateKey as `0x${string}`))
    const fee = Object.fromEntries(Object.entries(own).map(([key, value]) => [key, String(value)])) as Awaited<ReturnType<typeof providerFee>>
    const orderTx = await mined('startOrder', new Datatoken(signer, t.stack.chainId, config).startOrder(dataset.datatoken, buyerAddress, 0, fee))
    await expect(buyer.submitJob({ dataset: dataset.datatoken, trainer: { id: 'logistic-regression' }, params: { label: 'risk' }, orderTx })).rejects.toMatchObject({
      name: 'VaultApiError',
      code: 'ORDER_PROVIDER_MISMATCH',
    })
  })

  test('error: @oceanprotocol/lib throws when gas estimation reverts, and returns null when sending fails; the check turns both into errors', async () => {
    // No datatoken: the revert shows at gas estimation, and the library throws.
    const stranger = new Wallet(t.stack.accounts.find((account) => account.role === 'spare')!.privateKey, provider)
    const fee = await providerFee(dataset.datatoken, stranger.address)
    await expect(mined('startOrder', new Datatoken(stranger, t.stack.chainId, config).startOrder(dataset.datatoken, stranger.address, 0, fee))).rejects.toThrow(
      /Not enough datatokens to start Order/,
    )
    // A datatoken but no ether for gas: estimation passes, sending fails, and the library logs and returns null.
    const penniless = Wallet.createRandom(provider)
    await buyer.buyAccess({ dataset: dataset.datatoken })
    const transfer = await new Contract(dataset.datatoken, ['function transfer(address,uint256) returns (bool)'], signer).getFunction('transfer')(penniless.address, ethersParseEther('1'))
    await transfer.wait()
    const pennilessFee = await providerFee(dataset.datatoken, penniless.address)
    LoggerInstance.setLevel(LogLevel.None) // it would print the RPC error with the raw transaction
    const returned = await new Datatoken(penniless, t.stack.chainId, config)
      .startOrder(dataset.datatoken, penniless.address, 0, pennilessFee)
      .finally(() => LoggerInstance.setLevel(LogLevel.Error))
    expect(returned).toBeNull()
    await expect(mined('startOrder', Promise.resolve(returned))).rejects.toThrow('@oceanprotocol/lib: startOrder failed (it returned null)')
  })
})
