// The SDK's chain actions against a real Hardhat 3 EDR chain with Ocean's contracts deployed from
// their npm artifacts; verifyOrder (from @datavault/contracts) checks what they did. One chain for
// the whole file.
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  encodeFunctionData,
  type Hash,
  http,
  keccak256,
  parseEther,
  type PublicClient,
  stringToHex,
  type Transport,
  type WalletClient as ViemWalletClient,
  zeroAddress,
} from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { type OceanAddresses, verifyOrder } from '@datavault/contracts'
import { type DeployOceanReturnType, deployOcean, type LocalChain, startLocalChain } from '@datavault/contracts-devkit'
import { erc20TemplateAbi, fixedRateExchangeAbi, oceanTokenAbi } from '@datavault/contracts/abis'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { buyDatatoken } from '../actions/chain/buyDatatoken.ts'
import { getDatatokenEarnings } from '../actions/chain/getDatatokenEarnings.ts'
import { getDatatokenPrice } from '../actions/chain/getDatatokenPrice.ts'
import { priceDatatoken } from '../actions/chain/priceDatatoken.ts'
import { getTokenBalance } from '../actions/chain/getTokenBalance.ts'
import { type PublishDatatokenReturnType, publishDatatoken } from '../actions/chain/publishDatatoken.ts'
import { type ProviderFee, signProviderFee } from './signProviderFee.ts'
import { startOrder } from '../actions/chain/startOrder.ts'
import { closeDatatokenSales } from '../actions/chain/closeDatatokenSales.ts'
import { reopenDatatokenSales } from '../actions/chain/reopenDatatokenSales.ts'
import { collectBaseToken } from '../actions/chain/collectBaseToken.ts'
import { setDatatokenPrice } from '../actions/chain/setDatatokenPrice.ts'

type WalletClient = ViemWalletClient<Transport, Chain | undefined, Account>

let chain: LocalChain
let deployment: DeployOceanReturnType
let addresses: OceanAddresses
let publicClient: PublicClient
let accounts: { deployer: PrivateKeyAccount; publisher: PrivateKeyAccount; buyer: PrivateKeyAccount; node: PrivateKeyAccount; stranger: PrivateKeyAccount }
let clients: Record<keyof typeof accounts, WalletClient>
let published: PublishDatatokenReturnType
let other: PublishDatatokenReturnType
let buyTx: Hash
let orderTx: Hash
let providerFee: ProviderFee
const gas: Record<string, bigint> = {}

const price = parseEther('5')

beforeAll(async () => {
  chain = await startLocalChain()
  const [deployer, publisher, buyer, node, stranger] = chain.accounts.slice(0, 5).map(({ privateKey }) => privateKeyToAccount(privateKey)) as PrivateKeyAccount[]
  accounts = { deployer: deployer!, publisher: publisher!, buyer: buyer!, node: node!, stranger: stranger! }
  const wallet = (account: PrivateKeyAccount) => createWalletClient({ account, transport: http(chain.rpcUrl) })
  clients = { deployer: wallet(accounts.deployer), publisher: wallet(accounts.publisher), buyer: wallet(accounts.buyer), node: wallet(accounts.node), stranger: wallet(accounts.stranger) }
  publicClient = createPublicClient({ transport: http(chain.rpcUrl) })

  deployment = await deployOcean(clients.deployer)
  addresses = deployment.addresses
  // Test-only: the deployer owns OceanToken and mints the buyer some base token.
  const mint = await clients.deployer.writeContract({ address: addresses.Ocean, abi: oceanTokenAbi, functionName: 'mint', args: [accounts.buyer.address, parseEther('100')], chain: null })
  await publicClient.waitForTransactionReceipt({ hash: mint })

  published = await publishDatatoken(clients.publisher, { addresses, name: 'Heart-rate 2025 access', symbol: 'DV-HR25', price })
  gas.publishFixedRate = published.gasUsed
  const bought = await buyDatatoken(clients.buyer, { addresses, datatoken: published.datatoken })
  buyTx = bought.txHash
  gas.buy = bought.gasUsed
  providerFee = await signProviderFee(accounts.node, {
    providerData: stringToHex(JSON.stringify({ environment: 'cpu-sandbox', dt: published.datatoken })),
    validUntil: BigInt(Math.floor(Date.now() / 1000) + 3600),
  })
  const order = await startOrder(clients.buyer, { datatoken: published.datatoken, consumer: accounts.buyer.address, providerFee })
  orderTx = order.txHash
  gas.startOrder = order.gasUsed

  other = await publishDatatoken(clients.publisher, { addresses, name: 'Sleep 2025 access', symbol: 'DV-SL25', price })
})

afterAll(async () => {
  console.info(
    `chain start ${chain?.startupMs} ms, deployOcean ${deployment?.durationMs} ms (${Object.values(deployment?.gasUsed ?? {}).reduce((sum, used) => sum + used, 0n)} gas); gas: ${Object.entries(gas)
      .map(([step, used]) => `${step} ${used}`)
      .join(', ')}`,
  )
  await chain?.stop()
})

describe('publishDatatoken', () => {
  test('default', async () => {
    expect(published.nft).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(published.datatoken).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(published.exchangeId).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await publicClient.readContract({ address: published.datatoken, abi: erc20TemplateAbi, functionName: 'getERC721Address' })).toBe(published.nft)
    expect(await publicClient.readContract({ address: published.datatoken, abi: erc20TemplateAbi, functionName: 'symbol' })).toBe('DV-HR25')
    expect(await publicClient.readContract({ address: published.datatoken, abi: erc20TemplateAbi, functionName: 'getPaymentCollector' })).toBe(accounts.publisher.address)
  })

  test('behavior: dispenser variant is free to take', async () => {
    const free = await publishDatatoken(clients.publisher, { addresses, name: 'Open sample', symbol: 'DV-FREE', dispenser: true })
    gas.publishDispenser = free.gasUsed
    expect(free.exchangeId).toBeUndefined()
    const taken = await buyDatatoken(clients.stranger, { addresses, datatoken: free.datatoken, dispenser: true })
    gas.dispense = taken.gasUsed
    expect(taken.baseTokenAmount).toBe(0n)
    expect(await getTokenBalance(publicClient, { token: free.datatoken, owner: accounts.stranger.address })).toBe(10n ** 18n)
  })

  test('error: zero price', async () => {
    await expect(publishDatatoken(clients.publisher, { addresses, name: 'x', symbol: 'X', price: 0n })).rejects.toMatchObject({ name: 'ChainArgumentError', code: 'CHAIN_INVALID_ARGUMENT' })
  })

  test('error: not a factory', async () => {
    await expect(publishDatatoken(clients.publisher, { addresses: { ...addresses, ERC721Factory: addresses.Ocean }, name: 'x', symbol: 'X', price })).rejects.toMatchObject({
      name: 'ChainTransactionError',
      code: 'CHAIN_TRANSACTION_REVERTED',
    })
  })
})

describe('buyDatatoken', () => {
  test('default', async () => {
    // Bought in beforeAll, then spent by startOrder.
    expect(await getTokenBalance(publicClient, { token: published.datatoken, owner: accounts.buyer.address })).toBe(0n)
  })

  test('args: exchangeId and amount', async () => {
    const before = await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.buyer.address })
    const bought = await buyDatatoken(clients.buyer, { addresses, datatoken: other.datatoken, exchangeId: other.exchangeId, amount: 2n * 10n ** 18n })
    expect(bought.exchangeId).toBe(other.exchangeId)
    expect(bought.baseTokenAmount).toBeGreaterThanOrEqual(2n * price)
    expect(await getTokenBalance(publicClient, { token: other.datatoken, owner: accounts.buyer.address })).toBe(2n * 10n ** 18n)
    expect(before - (await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.buyer.address }))).toBe(bought.baseTokenAmount)
  })

  test('error: exchange of another datatoken', async () => {
    await expect(buyDatatoken(clients.buyer, { addresses, datatoken: published.datatoken, exchangeId: other.exchangeId })).rejects.toMatchObject({ name: 'ExchangeNotFoundError', code: 'EXCHANGE_NOT_FOUND' })
  })

  test('error: not enough base token', async () => {
    await expect(buyDatatoken(clients.stranger, { addresses, datatoken: published.datatoken })).rejects.toMatchObject({ name: 'ChainTransactionError', code: 'CHAIN_TRANSACTION_REVERTED' })
  })
})

describe('signProviderFee + startOrder', () => {
  test('default', () => {
    expect(providerFee.providerFeeAddress).toBe(accounts.node.address)
    expect([27, 28]).toContain(providerFee.v)
  })

  test('error: startOrder without a datatoken', async () => {
    const error = await startOrder(clients.stranger, { datatoken: published.datatoken, consumer: accounts.stranger.address, providerFee }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'ChainTransactionError', code: 'CHAIN_TRANSACTION_REVERTED', action: 'startOrder', status: 400 })
    expect((error as { reason?: string }).reason).toMatch(/Not enough datatokens/)
  })

  test('error: a provider fee not signed by its provider is refused on chain', async () => {
    await buyDatatoken(clients.buyer, { addresses, datatoken: other.datatoken })
    const forged = { ...(await signProviderFee(accounts.stranger)), providerFeeAddress: accounts.node.address }
    const error = await startOrder(clients.buyer, { datatoken: other.datatoken, consumer: accounts.buyer.address, providerFee: forged }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'ChainTransactionError', code: 'CHAIN_TRANSACTION_REVERTED', reason: 'Invalid provider fee' })
  })

  test('error: an expired provider fee is refused before sending', async () => {
    const expired = await signProviderFee(accounts.node, { validUntil: 1n })
    await expect(startOrder(clients.buyer, { datatoken: other.datatoken, consumer: accounts.buyer.address, providerFee: expired })).rejects.toMatchObject({
      name: 'ChainArgumentError',
      code: 'CHAIN_INVALID_ARGUMENT',
    })
  })

  test('error: signer is not the providerFeeAddress', async () => {
    await expect(signProviderFee(accounts.stranger, { providerFeeAddress: accounts.node.address })).rejects.toMatchObject({ name: 'ChainArgumentError' })
  })
})

describe('verifyOrder', () => {
  test('default', async () => {
    const order = await verifyOrder(publicClient, { txHash: orderTx, datatoken: published.datatoken, consumer: accounts.buyer.address, providerFeeAddress: accounts.node.address })
    expect(order).toMatchObject({ txHash: orderTx, datatoken: published.datatoken, consumer: accounts.buyer.address, payer: accounts.buyer.address, amount: 10n ** 18n, serviceIndex: 0n })
    expect(order.blockNumber).toBeGreaterThan(0n)
    expect(order.timestamp).toBeGreaterThan(0n)
  })

  test('behavior: the publisher was paid 0.97 datatoken', async () => {
    expect(await getTokenBalance(publicClient, { token: published.datatoken, owner: accounts.publisher.address })).toBe(parseEther('0.97'))
  })

  test('error: order for another datatoken', async () => {
    await expect(verifyOrder(publicClient, { txHash: orderTx, datatoken: other.datatoken, consumer: accounts.buyer.address })).rejects.toMatchObject({
      name: 'OrderDatatokenMismatchError',
      code: 'ORDER_DATATOKEN_MISMATCH',
      status: 402,
    })
  })

  test('error: wrong consumer', async () => {
    await expect(verifyOrder(publicClient, { txHash: orderTx, datatoken: published.datatoken, consumer: accounts.stranger.address })).rejects.toMatchObject({
      name: 'OrderConsumerMismatchError',
      code: 'ORDER_CONSUMER_MISMATCH',
      status: 402,
    })
  })

  test('error: another provider', async () => {
    await expect(
      verifyOrder(publicClient, { txHash: orderTx, datatoken: published.datatoken, consumer: accounts.buyer.address, providerFeeAddress: accounts.stranger.address }),
    ).rejects.toMatchObject({ name: 'OrderProviderMismatchError', code: 'ORDER_PROVIDER_MISMATCH', status: 402 })
  })

  test('error: provider fee expired before the order was mined', async () => {
    // The datatoken does not check validUntil (the provider must); order directly, past the SDK's check.
    await buyDatatoken(clients.buyer, { addresses, datatoken: other.datatoken })
    const expired = await signProviderFee(accounts.node, { validUntil: 1n })
    const hash = await clients.buyer.writeContract({
      address: other.datatoken,
      abi: erc20TemplateAbi,
      functionName: 'startOrder',
      args: [accounts.buyer.address, 0n, expired, { consumeMarketFeeAddress: zeroAddress, consumeMarketFeeToken: zeroAddress, consumeMarketFeeAmount: 0n }],
      chain: null,
    })
    expect((await publicClient.waitForTransactionReceipt({ hash })).status).toBe('success')
    await expect(verifyOrder(publicClient, { txHash: hash, datatoken: other.datatoken, consumer: accounts.buyer.address })).resolves.toMatchObject({ amount: 10n ** 18n })
    await expect(verifyOrder(publicClient, { txHash: hash, datatoken: other.datatoken, consumer: accounts.buyer.address, providerFeeAddress: accounts.node.address })).rejects.toMatchObject({
      name: 'OrderProviderFeeExpiredError',
      code: 'ORDER_PROVIDER_FEE_EXPIRED',
      status: 402,
    })
  })

  test('error: another service', async () => {
    await expect(verifyOrder(publicClient, { txHash: orderTx, datatoken: published.datatoken, consumer: accounts.buyer.address, serviceIndex: 1n })).rejects.toMatchObject({
      name: 'OrderServiceMismatchError',
      code: 'ORDER_SERVICE_MISMATCH',
    })
  })

  test('error: a transaction that is not an order', async () => {
    await expect(verifyOrder(publicClient, { txHash: buyTx, datatoken: published.datatoken, consumer: accounts.buyer.address })).rejects.toMatchObject({
      name: 'OrderNotFoundError',
      code: 'ORDER_NOT_FOUND',
      reason: 'not-an-order',
      status: 402,
    })
  })

  test('error: an unknown transaction', async () => {
    await expect(verifyOrder(publicClient, { txHash: keccak256(stringToHex('no such tx')), datatoken: published.datatoken, consumer: accounts.buyer.address })).rejects.toMatchObject({
      name: 'OrderNotFoundError',
      code: 'ORDER_NOT_FOUND',
      reason: 'missing',
    })
  })

  test('error: a reverted transaction', async () => {
    // A startOrder by an account without datatokens, mined anyway: fixed gas skips estimation,
    // and the hash is computed from the signed bytes because the node answers the send with an error.
    const account = accounts.stranger
    const request = {
      to: published.datatoken,
      data: encodeFunctionData({
        abi: erc20TemplateAbi,
        functionName: 'startOrder',
        args: [account.address, 0n, providerFee, { consumeMarketFeeAddress: zeroAddress, consumeMarketFeeToken: zeroAddress, consumeMarketFeeAmount: 0n }],
      }),
      gas: 500_000n,
      nonce: await publicClient.getTransactionCount({ address: account.address }),
      chainId: chain.chainId,
      maxFeePerGas: parseEther('0.0000001'),
      maxPriorityFeePerGas: 1n,
    }
    const raw = await account.signTransaction(request)
    const hash = keccak256(raw)
    await publicClient.request({ method: 'eth_sendRawTransaction', params: [raw] }).catch(() => undefined)
    expect((await publicClient.getTransactionReceipt({ hash })).status).toBe('reverted')
    await expect(verifyOrder(publicClient, { txHash: hash, datatoken: published.datatoken, consumer: account.address })).rejects.toMatchObject({
      name: 'OrderNotFoundError',
      code: 'ORDER_NOT_FOUND',
      reason: 'reverted',
    })
  })

  test('error: malformed query', async () => {
    await expect(verifyOrder(publicClient, { txHash: '0x1234' as Hash, datatoken: published.datatoken, consumer: accounts.buyer.address })).rejects.toMatchObject({
      name: 'InvalidOrderQueryError',
      code: 'ORDER_QUERY_INVALID',
      status: 400,
    })
    await expect(verifyOrder(publicClient, { txHash: orderTx, datatoken: 'nope' as Address, consumer: accounts.buyer.address })).rejects.toMatchObject({ code: 'ORDER_QUERY_INVALID' })
  })
})

describe('getDatatokenPrice + priceDatatoken', () => {
  test('default: a fixed-rate datatoken is quoted with every fee, from the datatoken alone', async () => {
    const quote = await publicClient.readContract({ address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'calcBaseInGivenOutDT', args: [published.exchangeId!, 10n ** 18n, 0n] })
    const found = await getDatatokenPrice(publicClient, { datatoken: published.datatoken })
    expect(found).toMatchObject({
      type: 'fixed-rate',
      exchange: addresses.FixedPrice,
      exchangeId: published.exchangeId,
      baseToken: addresses.Ocean,
      baseTokenSymbol: 'OCEAN',
      baseTokenDecimals: 18,
      rate: price,
      amount: quote[0],
      fees: { ocean: quote[1], market: quote[2] },
      allowedSwapper: undefined,
    })
    expect(found.type === 'fixed-rate' && found.amount).toBeGreaterThan(price)
  })

  test('behavior: unpriced until priced: not for sale, then free or at a price', async () => {
    const unpriced = await publishDatatoken(clients.publisher, { addresses, name: 'Later', symbol: 'DV-LATER', unpriced: true })
    gas.publishUnpriced = unpriced.gasUsed
    expect(unpriced.exchangeId).toBeUndefined()
    expect(await getDatatokenPrice(publicClient, { datatoken: unpriced.datatoken })).toEqual({ type: 'not-for-sale' })
    const priced = await priceDatatoken(clients.publisher, { addresses, datatoken: unpriced.datatoken, price: parseEther('2') })
    gas.createFixedRate = priced.gasUsed
    expect(await getDatatokenPrice(publicClient, { datatoken: unpriced.datatoken })).toMatchObject({ type: 'fixed-rate', exchangeId: priced.exchangeId, rate: parseEther('2') })

    const freebie = await publishDatatoken(clients.publisher, { addresses, name: 'Later free', symbol: 'DV-LF', unpriced: true })
    await priceDatatoken(clients.publisher, { addresses, datatoken: freebie.datatoken, dispenser: true })
    expect(await getDatatokenPrice(publicClient, { datatoken: freebie.datatoken })).toMatchObject({ type: 'free', dispenser: addresses.Dispenser, maxTokens: 10n ** 18n })
    await buyDatatoken(clients.stranger, { addresses, datatoken: freebie.datatoken, dispenser: true })
    expect(await getTokenBalance(publicClient, { token: freebie.datatoken, owner: accounts.stranger.address })).toBe(10n ** 18n)
  })

  test('error: only the data NFT\'s owner may price its datatoken', async () => {
    const unpriced = await publishDatatoken(clients.publisher, { addresses, name: 'Mine', symbol: 'DV-MINE', unpriced: true })
    await expect(priceDatatoken(clients.stranger, { addresses, datatoken: unpriced.datatoken, price: parseEther('1') })).rejects.toMatchObject({
      name: 'ChainTransactionError',
      code: 'CHAIN_TRANSACTION_REVERTED',
      action: 'createFixedRate',
    })
    await expect(priceDatatoken(clients.publisher, { addresses, datatoken: unpriced.datatoken, price: 0n })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' })
  })

  test('error: not a datatoken', async () => {
    await expect(getDatatokenPrice(publicClient, { datatoken: addresses.Ocean })).rejects.toMatchObject({ name: 'ChainReadError', code: 'CHAIN_READ_FAILED' })
  })
})

describe('getDatatokenEarnings', () => {
  test('default: orders, and what buyers paid less fees, collectable until collected', async () => {
    const earned = await getDatatokenEarnings(publicClient, { datatoken: published.datatoken })
    // One buy (beforeAll) at 5 OCEAN; Ocean's fee is paid by the buyer on top; one order.
    expect(earned).toMatchObject({ datatoken: published.datatoken, orders: 1, datatokensOrdered: 10n ** 18n, consumers: 1 })
    expect(earned.sales).toEqual([
      {
        exchange: addresses.FixedPrice,
        exchangeId: published.exchangeId,
        baseToken: addresses.Ocean,
        baseTokenSymbol: 'OCEAN',
        baseTokenDecimals: 18,
        datatokensSold: 10n ** 18n,
        earned: price,
        collected: 0n,
        collectable: price,
      },
    ])

    const hash = await clients.publisher.writeContract({ address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'collectBT', args: [published.exchangeId!, parseEther('2')], chain: null })
    await publicClient.waitForTransactionReceipt({ hash })
    const after = await getDatatokenEarnings(publicClient, { datatoken: published.datatoken })
    expect(after.sales[0]).toMatchObject({ earned: price, collected: parseEther('2'), collectable: price - parseEther('2') })
  })

  test('behavior: a datatoken with no exchange earns orders only', async () => {
    const free = await publishDatatoken(clients.publisher, { addresses, name: 'Free', symbol: 'DV-F', dispenser: true })
    expect(await getDatatokenEarnings(publicClient, { datatoken: free.datatoken })).toEqual({ datatoken: free.datatoken, orders: 0, datatokensOrdered: 0n, consumers: 0, sales: [] })
  })
})

describe('closeDatatokenSales', () => {
  test('default: the exchange closes, nobody can buy, and what was paid stays collectable', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Closing', symbol: 'DV-CL', price })
    await buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })
    const { closed } = await closeDatatokenSales(clients.publisher, { datatoken: sold.datatoken })
    expect(closed).toEqual([{ type: 'fixed-rate', exchange: addresses.FixedPrice, exchangeId: sold.exchangeId, txHash: expect.stringMatching(/^0x[0-9a-f]{64}$/) }])
    gas.closeExchange = (await publicClient.getTransactionReceipt({ hash: closed[0]!.txHash })).gasUsed
    expect(await getDatatokenPrice(publicClient, { datatoken: sold.datatoken })).toEqual({ type: 'not-for-sale' })
    await expect(buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })).rejects.toMatchObject({ code: 'EXCHANGE_NOT_FOUND' })
    // Even straight to the contract, bypassing the SDK's check.
    await expect(
      publicClient.simulateContract({ account: accounts.buyer, address: addresses.FixedPrice, abi: fixedRateExchangeAbi, functionName: 'buyDT', args: [sold.exchangeId!, 10n ** 18n, parseEther('10'), zeroAddress, 0n] }),
    ).rejects.toThrow()
    expect((await getDatatokenEarnings(publicClient, { datatoken: sold.datatoken })).sales[0]).toMatchObject({ earned: price, collectable: price })
  })

  test('behavior: idempotent; a dispenser is deactivated too', async () => {
    const free = await publishDatatoken(clients.publisher, { addresses, name: 'Free closing', symbol: 'DV-FC', dispenser: true })
    const { closed } = await closeDatatokenSales(clients.publisher, { datatoken: free.datatoken })
    expect(closed).toEqual([{ type: 'free', dispenser: addresses.Dispenser, txHash: expect.any(String) }])
    gas.closeDispenser = (await publicClient.getTransactionReceipt({ hash: closed[0]!.txHash })).gasUsed
    expect(await getDatatokenPrice(publicClient, { datatoken: free.datatoken })).toEqual({ type: 'not-for-sale' })
    await expect(buyDatatoken(clients.stranger, { addresses, datatoken: free.datatoken, dispenser: true })).rejects.toMatchObject({ code: 'CHAIN_TRANSACTION_REVERTED' })
    expect(await closeDatatokenSales(clients.publisher, { datatoken: free.datatoken })).toEqual({ closed: [] })
  })

  test('behavior: reopenDatatokenSales undoes it (re-publishing): same price, same dispenser limits', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Paused', symbol: 'DV-PA', price })
    const free = await publishDatatoken(clients.publisher, { addresses, name: 'Paused free', symbol: 'DV-PF', dispenser: true, maxTokens: 2n * 10n ** 18n })
    await closeDatatokenSales(clients.publisher, { datatoken: sold.datatoken })
    await closeDatatokenSales(clients.publisher, { datatoken: free.datatoken })
    expect((await reopenDatatokenSales(clients.publisher, { datatoken: sold.datatoken })).reopened).toEqual([{ type: 'fixed-rate', exchange: addresses.FixedPrice, exchangeId: sold.exchangeId, txHash: expect.any(String) }])
    expect((await reopenDatatokenSales(clients.publisher, { datatoken: free.datatoken })).reopened).toEqual([{ type: 'free', dispenser: addresses.Dispenser, txHash: expect.any(String) }])
    expect(await getDatatokenPrice(publicClient, { datatoken: sold.datatoken })).toMatchObject({ type: 'fixed-rate', rate: price })
    expect(await getDatatokenPrice(publicClient, { datatoken: free.datatoken })).toMatchObject({ type: 'free', maxTokens: 2n * 10n ** 18n })
    expect(await reopenDatatokenSales(clients.publisher, { datatoken: sold.datatoken })).toEqual({ reopened: [] })
    await expect(buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })).resolves.toMatchObject({ baseTokenAmount: expect.any(BigInt) })
  })

  test('error: only the publisher can close the sale', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Not yours', symbol: 'DV-NY', price })
    await expect(closeDatatokenSales(clients.stranger, { datatoken: sold.datatoken })).rejects.toMatchObject({ code: 'CHAIN_TRANSACTION_REVERTED', action: 'toggleExchangeState' })
    expect(await getDatatokenPrice(publicClient, { datatoken: sold.datatoken })).toMatchObject({ type: 'fixed-rate' })
  })
})

describe('setDatatokenPrice', () => {
  test('default: the new price is what buyers are quoted and pay', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Repriced', symbol: 'DV-RP', price })
    const changed = await setDatatokenPrice(clients.publisher, { datatoken: sold.datatoken, price: parseEther('2') })
    expect(changed).toMatchObject({ exchange: addresses.FixedPrice, exchangeId: sold.exchangeId, previousRate: price, rate: parseEther('2'), txHash: expect.any(String) })
    gas.setRate = (await publicClient.getTransactionReceipt({ hash: changed.txHash! })).gasUsed
    expect(await getDatatokenPrice(publicClient, { datatoken: sold.datatoken })).toMatchObject({ type: 'fixed-rate', rate: parseEther('2') })
    const bought = await buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })
    expect(bought.baseTokenAmount).toBeLessThan(price)
    expect((await setDatatokenPrice(clients.publisher, { datatoken: sold.datatoken, price: parseEther('2') })).txHash).toBeUndefined()
  })

  test('error: not the owner, zero, free, closed', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Reprice refused', symbol: 'DV-RR', price })
    await expect(setDatatokenPrice(clients.stranger, { datatoken: sold.datatoken, price: parseEther('1') })).rejects.toMatchObject({ code: 'CHAIN_TRANSACTION_REVERTED', action: 'setRate' })
    await expect(setDatatokenPrice(clients.publisher, { datatoken: sold.datatoken, price: 0n })).rejects.toMatchObject({ code: 'CHAIN_INVALID_ARGUMENT' })
    const free = await publishDatatoken(clients.publisher, { addresses, name: 'Free reprice', symbol: 'DV-FR', dispenser: true })
    await expect(setDatatokenPrice(clients.publisher, { datatoken: free.datatoken, price: 1n })).rejects.toMatchObject({ code: 'EXCHANGE_NOT_FOUND' })
    await closeDatatokenSales(clients.publisher, { datatoken: sold.datatoken })
    await expect(setDatatokenPrice(clients.publisher, { datatoken: sold.datatoken, price: 1n })).rejects.toMatchObject({ code: 'EXCHANGE_NOT_FOUND' })
  })
})

describe('collectBaseToken', () => {
  test('default: what waits on the exchange goes to the payment collector, once', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Collect', symbol: 'DV-CO', price })
    await buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })
    const before = await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.publisher.address })
    // Any wallet may call it; the money still goes to the payment collector.
    const { paymentCollector, collected } = await collectBaseToken(clients.stranger, { datatoken: sold.datatoken })
    expect(paymentCollector).toBe(accounts.publisher.address)
    expect(collected).toEqual([{ exchange: addresses.FixedPrice, exchangeId: sold.exchangeId, baseToken: addresses.Ocean, amount: price, txHash: expect.any(String) }])
    gas.collectBT = (await publicClient.getTransactionReceipt({ hash: collected[0]!.txHash })).gasUsed
    expect(await getTokenBalance(publicClient, { token: addresses.Ocean, owner: accounts.publisher.address })).toBe(before + price)
    expect((await getDatatokenEarnings(publicClient, { datatoken: sold.datatoken })).sales[0]).toMatchObject({ earned: price, collected: price, collectable: 0n })
    expect(await collectBaseToken(clients.publisher, { datatoken: sold.datatoken })).toEqual({ paymentCollector, collected: [] })
  })

  test('behavior: a closed exchange still pays out', async () => {
    const sold = await publishDatatoken(clients.publisher, { addresses, name: 'Collect closed', symbol: 'DV-CC', price })
    await buyDatatoken(clients.buyer, { addresses, datatoken: sold.datatoken })
    await closeDatatokenSales(clients.publisher, { datatoken: sold.datatoken })
    expect((await collectBaseToken(clients.publisher, { datatoken: sold.datatoken })).collected[0]?.amount).toBe(price)
  })
})
