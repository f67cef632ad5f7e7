// verifyOrder against a real chain, with the order made by raw viem calls (this package cannot
// use the SDK's actions; sdk/src/chain/chain.test.ts covers the same checks through them).
import { createPublicClient, createWalletClient, encodePacked, type Hash, http, keccak256, parseEventLogs, parseSignature, type PublicClient, stringToHex, zeroAddress } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { erc20TemplateAbi } from '@datavault/contracts/abis'
import { erc721FactoryAbi } from '@datavault/contracts/abis'
import { deployOcean } from './deploy-ocean.ts'
import { type LocalChain, startLocalChain } from './local-chain.ts'
import { verifyOrder } from '@datavault/contracts/verify-order'

let chain: LocalChain
let client: PublicClient
let publisher: PrivateKeyAccount
let node: PrivateKeyAccount
let datatoken: `0x${string}`
let orderTx: Hash
let mintTx: Hash

beforeAll(async () => {
  chain = await startLocalChain()
  client = createPublicClient({ transport: http(chain.rpcUrl) })
  const deployer = privateKeyToAccount(chain.accounts[0]!.privateKey)
  publisher = privateKeyToAccount(chain.accounts[1]!.privateKey)
  node = privateKeyToAccount(chain.accounts[2]!.privateKey)
  const { addresses } = await deployOcean(createWalletClient({ account: deployer, transport: http(chain.rpcUrl) }))
  const wallet = createWalletClient({ account: publisher, transport: http(chain.rpcUrl) })

  const created = await client.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: addresses.ERC721Factory,
      abi: erc721FactoryAbi,
      functionName: 'createNftWithErc20',
      args: [
        { name: 'Data', symbol: 'DATA', templateIndex: 1n, tokenURI: '', transferable: true, owner: publisher.address },
        { templateIndex: 1n, strings: ['Data access', 'DT'], addresses: [publisher.address, publisher.address, zeroAddress, zeroAddress], uints: [10n ** 24n, 0n], bytess: [] },
      ],
      chain: null,
    }),
  })
  const [tokenCreated] = parseEventLogs({ abi: erc721FactoryAbi, eventName: 'TokenCreated', logs: created.logs })
  datatoken = tokenCreated!.args.newTokenAddress
  mintTx = await wallet.writeContract({ address: datatoken, abi: erc20TemplateAbi, functionName: 'mint', args: [publisher.address, 10n ** 18n], chain: null })
  await client.waitForTransactionReceipt({ hash: mintTx })

  const providerData = stringToHex('{"environment":"cpu"}')
  const message = keccak256(encodePacked(['bytes', 'address', 'address', 'uint256', 'uint256'], [providerData, node.address, zeroAddress, 0n, 0n]))
  const { r, s, v } = parseSignature(await node.signMessage({ message: { raw: message } }))
  orderTx = await wallet.writeContract({
    address: datatoken,
    abi: erc20TemplateAbi,
    functionName: 'startOrder',
    args: [
      publisher.address,
      0n,
      { providerFeeAddress: node.address, providerFeeToken: zeroAddress, providerFeeAmount: 0n, v: Number(v), r, s, validUntil: 0n, providerData },
      { consumeMarketFeeAddress: zeroAddress, consumeMarketFeeToken: zeroAddress, consumeMarketFeeAmount: 0n },
    ],
    chain: null,
  })
  await client.waitForTransactionReceipt({ hash: orderTx })
})

afterAll(async () => {
  await chain?.stop()
})

describe('verifyOrder', () => {
  test('default', async () => {
    const order = await verifyOrder(client, { txHash: orderTx, datatoken, consumer: publisher.address, providerFeeAddress: node.address })
    expect(order).toMatchObject({ consumer: publisher.address, payer: publisher.address, amount: 10n ** 18n, serviceIndex: 0n })
  })

  test('args: addresses in any case', async () => {
    await expect(verifyOrder(client, { txHash: orderTx.toUpperCase().replace('0X', '0x') as Hash, datatoken: datatoken.toLowerCase() as `0x${string}`, consumer: publisher.address.toLowerCase() as `0x${string}` })).resolves.toMatchObject({ amount: 10n ** 18n })
  })

  test('error: wrong consumer', async () => {
    await expect(verifyOrder(client, { txHash: orderTx, datatoken, consumer: node.address })).rejects.toMatchObject({ name: 'OrderConsumerMismatchError', code: 'ORDER_CONSUMER_MISMATCH', status: 402 })
  })

  test('error: order for another datatoken', async () => {
    await expect(verifyOrder(client, { txHash: orderTx, datatoken: node.address, consumer: publisher.address })).rejects.toMatchObject({ name: 'OrderDatatokenMismatchError', code: 'ORDER_DATATOKEN_MISMATCH' })
  })

  test('error: another provider', async () => {
    await expect(verifyOrder(client, { txHash: orderTx, datatoken, consumer: publisher.address, providerFeeAddress: publisher.address })).rejects.toMatchObject({ name: 'OrderProviderMismatchError' })
  })

  test('error: not an order', async () => {
    await expect(verifyOrder(client, { txHash: mintTx, datatoken, consumer: publisher.address })).rejects.toMatchObject({ name: 'OrderNotFoundError', reason: 'not-an-order' })
  })

  test('error: unknown transaction', async () => {
    await expect(verifyOrder(client, { txHash: keccak256('0x01'), datatoken, consumer: publisher.address })).rejects.toMatchObject({ name: 'OrderNotFoundError', reason: 'missing', status: 402 })
  })

  test('error: chain unreachable', async () => {
    const down = createPublicClient({ transport: http('http://127.0.0.1:1', { retryCount: 0 }) })
    const error = await verifyOrder(down, { txHash: orderTx, datatoken, consumer: publisher.address }).catch((caught: unknown) => caught)
    expect(error).toMatchObject({ name: 'OrderChainUnavailableError', code: 'CHAIN_UNAVAILABLE', status: 503 })
    expect(JSON.stringify(error)).not.toContain('127.0.0.1')
  })

  test('error: malformed query', async () => {
    await expect(verifyOrder(client, { txHash: 'not-a-hash' as Hash, datatoken, consumer: publisher.address })).rejects.toMatchObject({ name: 'InvalidOrderQueryError', status: 400 })
  })
})
