import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type Address, createPublicClient, createWalletClient, http, keccak256, parseEventLogs, stringToHex, zeroHash } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { factoryRouterAbi } from '@datavault/contracts/abis'
import { oceanTokenAbi } from '@datavault/contracts/abis'
import { receiptRegistryAbi } from '@datavault/contracts/abis'
import { parseOceanAddresses } from '@datavault/contracts/addresses'
import { type DeployOceanReturnType, deployOcean } from './deploy-ocean.ts'
import { type LocalChain, startLocalChain } from './local-chain.ts'

describe('deployOcean', () => {
  let chain: LocalChain
  let deployed: DeployOceanReturnType

  beforeAll(async () => {
    chain = await startLocalChain()
    const client = createWalletClient({ account: privateKeyToAccount(chain.accounts[0]!.privateKey), transport: http(chain.rpcUrl) })
    deployed = await deployOcean(client)
    console.info(`local chain start ${chain.startupMs} ms; deployOcean ${deployed.durationMs} ms`)
  })
  afterAll(async () => {
    await chain?.stop()
  })

  const publicClient = () => createPublicClient({ transport: http(chain.rpcUrl) })

  test('default', async () => {
    const { addresses } = deployed
    expect(deployed.key).toBe('development')
    expect(addresses.chainId).toBe(8996)
    const contracts: Address[] = [
      addresses.Ocean,
      addresses.OPFCommunityFeeCollector,
      addresses.Router,
      addresses.FixedPrice,
      addresses.Dispenser,
      addresses.ERC721Factory,
      addresses.ERC20Template['1']!,
      addresses.ERC721Template['1']!,
      addresses.ReceiptRegistry!,
    ]
    for (const address of contracts) {
      expect((await publicClient().getCode({ address }))?.length ?? 0, address).toBeGreaterThan(2)
    }
    expect(new Set(contracts).size).toBe(contracts.length)
  })

  test('behavior: router knows the factory, the exchange and the dispenser', async () => {
    const { addresses } = deployed
    const client = publicClient()
    expect(await client.readContract({ address: addresses.Router, abi: factoryRouterAbi, functionName: 'factory' })).toBe(addresses.ERC721Factory)
    expect(await client.readContract({ address: addresses.Router, abi: factoryRouterAbi, functionName: 'getFixedRatesContracts' })).toEqual([addresses.FixedPrice])
    expect(await client.readContract({ address: addresses.Router, abi: factoryRouterAbi, functionName: 'getDispensersContracts' })).toEqual([addresses.Dispenser])
  })

  test('behavior: deployer holds the minted base token', async () => {
    const balance = await publicClient().readContract({ address: deployed.addresses.Ocean, abi: oceanTokenAbi, functionName: 'balanceOf', args: [chain.accounts[0]!.address] })
    expect(balance).toBe(10n ** 24n)
  })

  test('behavior: ReceiptRegistry anchors a hash once', async () => {
    const registry = deployed.addresses.ReceiptRegistry!
    const node = createWalletClient({ account: privateKeyToAccount(chain.accounts[3]!.privateKey), transport: http(chain.rpcUrl) })
    const client = publicClient()
    const receiptHash = keccak256(stringToHex('receipt-1'))
    const hash = await node.writeContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchor', args: [receiptHash], chain: null })
    const receipt = await client.waitForTransactionReceipt({ hash })
    const [event] = parseEventLogs({ abi: receiptRegistryAbi, eventName: 'ReceiptAnchored', logs: receipt.logs })
    expect(event?.args.receiptHash).toBe(receiptHash)
    expect(event?.args.node).toBe(chain.accounts[3]!.address)
    const anchoredAt = await client.readContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchorOf', args: [chain.accounts[3]!.address, receiptHash] })
    expect(anchoredAt).toBe(event?.args.timestamp)
    // Anchors are per node: another account anchoring the same hash neither blocks nor speaks for this node.
    const other = createWalletClient({ account: privateKeyToAccount(chain.accounts[4]!.privateKey), transport: http(chain.rpcUrl) })
    await client.waitForTransactionReceipt({
      hash: await other.writeContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchor', args: [receiptHash], chain: null }),
    })
    expect(await client.readContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchorOf', args: [chain.accounts[5]!.address, receiptHash] })).toBe(0n)

    await expect(node.writeContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchor', args: [receiptHash], chain: null })).rejects.toThrow(/ReceiptAlreadyAnchored/)
    await expect(node.writeContract({ address: registry, abi: receiptRegistryAbi, functionName: 'anchor', args: [zeroHash], chain: null })).rejects.toThrow(/EmptyReceiptHash/)
  })

  test('behavior: the CLI deploys against an RPC URL and writes the addresses file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dv-deploy-')), 'address.json')
    const cli = fileURLToPath(new URL('./cli/deploy.ts', import.meta.url))
    const key = chain.accounts[1]!.privateKey
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [cli, '--rpc', chain.rpcUrl, '--private-key-env', 'DV_TEST_DEPLOYER_KEY', '--out', out], {
      env: { ...process.env, DV_TEST_DEPLOYER_KEY: key },
    })
    expect(stdout + stderr).not.toContain(key.slice(2))
    const addresses = parseOceanAddresses(JSON.parse(readFileSync(out, 'utf8')), 8996)
    expect(JSON.parse(stdout).addresses).toEqual(addresses)
    expect(addresses.ERC721Factory).not.toBe(deployed.addresses.ERC721Factory)
    expect(await publicClient().readContract({ address: addresses.Router, abi: factoryRouterAbi, functionName: 'factory' })).toBe(addresses.ERC721Factory)
  })

  test('error: CLI without the key variable', async () => {
    const cli = fileURLToPath(new URL('./cli/deploy.ts', import.meta.url))
    const run = promisify(execFile)(process.execPath, [cli, '--rpc', chain.rpcUrl, '--private-key-env', 'DV_TEST_MISSING_KEY', '--out', join(tmpdir(), 'never.json')], {
      env: { ...process.env, DV_TEST_MISSING_KEY: '' },
    })
    await expect(run).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('DV_TEST_MISSING_KEY') })
  })

  test('error: a failing step is named', async () => {
    const unreachable = createWalletClient({ account: privateKeyToAccount(chain.accounts[5]!.privateKey), transport: http('http://127.0.0.1:1', { retryCount: 0 }) })
    await expect(deployOcean(unreachable)).rejects.toMatchObject({ name: 'OceanDeployError', code: 'OCEAN_DEPLOY_FAILED', details: expect.stringMatching(/^eth_chainId: /) })
  })
})
