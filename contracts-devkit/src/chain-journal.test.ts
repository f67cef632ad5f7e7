import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, erc20Abi, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { chainJournalHeader, readChainJournal, recordChainJournal, replayChainJournal } from './chain-journal.ts'
import { deployOcean } from './deploy-ocean.ts'
import { type LocalChain, startLocalChain } from './local-chain.ts'

describe('chain journal', () => {
  let dir: string
  const chains: LocalChain[] = []
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dv-journal-'))
  })
  afterAll(async () => {
    for (const chain of chains) await chain.stop()
    await rm(dir, { recursive: true, force: true })
  })

  test('behavior: a replayed chain has the recorded transactions, blocks and state', async () => {
    const file = join(dir, 'journal.jsonl')
    const first = await startLocalChain()
    chains.push(first)
    const recorder = await recordChainJournal({ rpcUrl: first.rpcUrl, file, header: await chainJournalHeader(first.rpcUrl), pollIntervalMs: 20 })
    const [deployer, alice, bob] = first.accounts
    const wallet = (key: `0x${string}`, rpcUrl: string) => createWalletClient({ account: privateKeyToAccount(key), transport: http(rpcUrl) })
    const { addresses } = await deployOcean(createWalletClient({ account: privateKeyToAccount(deployer!.privateKey), transport: http(first.rpcUrl) }))
    const deployerWallet = wallet(deployer!.privateKey, first.rpcUrl)
    const chainOf = { id: 8996, name: 'local', nativeCurrency: { name: 'ETH', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [first.rpcUrl] } } }
    await deployerWallet.writeContract({ chain: chainOf, address: addresses.Ocean, abi: erc20Abi, functionName: 'transfer', args: [alice!.address, parseEther('5')] })
    await wallet(alice!.privateKey, first.rpcUrl).sendTransaction({ chain: chainOf, to: bob!.address, value: parseEther('1.5') })
    const rpc1 = createPublicClient({ transport: http(first.rpcUrl) })
    // Time moves on in an empty block too, and the replay keeps it.
    await rpc1.request({ method: 'evm_increaseTime', params: [3600] } as never)
    await rpc1.request({ method: 'evm_mine', params: [] } as never)
    await recorder.stop()
    const latest = await rpc1.getBlock()
    const factoryCode = await rpc1.getCode({ address: addresses.ERC721Factory })
    expect(factoryCode?.length).toBeGreaterThan(1000)
    const recorded = await readChainJournal(file)
    expect(recorded.blocks).toHaveLength(Number(latest.number))
    await first.stop()

    const { header } = recorded
    const second = await startLocalChain({ initialDate: new Date(header.genesisTimestamp * 1000) })
    chains.push(second)
    const replayed = await replayChainJournal({ rpcUrl: second.rpcUrl, file })
    expect(replayed.blocks).toBe(Number(latest.number))
    expect(replayed.transactions).toBe(recorded.blocks.reduce((sum, block) => sum + block.transactions.length, 0))
    const rpc2 = createPublicClient({ transport: http(second.rpcUrl) })
    const again = await rpc2.getBlock()
    expect(again.number).toBe(latest.number)
    expect(again.timestamp).toBe(latest.timestamp)
    expect(await rpc2.getBalance({ address: bob!.address })).toBe(parseEther('10001.5'))
    expect(await rpc2.readContract({ address: addresses.Ocean, abi: erc20Abi, functionName: 'balanceOf', args: [alice!.address] })).toBe(parseEther('5'))
    expect(await rpc2.getCode({ address: addresses.ERC721Factory })).toBe(factoryCode)

    // A recorder after the replay appends where the journal ends, and a second replay has both.
    const recorder2 = await recordChainJournal({ rpcUrl: second.rpcUrl, file, pollIntervalMs: 20 })
    await wallet(bob!.privateKey, second.rpcUrl).sendTransaction({ chain: { ...chainOf, rpcUrls: { default: { http: [second.rpcUrl] } } }, to: alice!.address, value: parseEther('0.25') })
    await recorder2.stop()
    expect((await readChainJournal(file)).blocks).toHaveLength(Number(latest.number) + 1)
  }, 120_000)

  test('behavior: a torn last line (killed while writing) is dropped and cut off', async () => {
    const file = join(dir, 'torn.jsonl')
    await writeFile(file, `${JSON.stringify({ version: 1, chainId: 8996, genesisTimestamp: 1, genesisHash: `0x${'1'.repeat(64)}` })}\n${JSON.stringify({ number: 1, timestamp: 2, transactions: [] })}\n{"number":2,"timest`)
    const read = await readChainJournal(file)
    expect(read.tornTail).toBe(true)
    expect(read.blocks).toHaveLength(1)
    expect((await readFile(file, 'utf8')).endsWith('"transactions":[]}\n')).toBe(true)
  })

  test('error: a damaged line before the end, a gap, and another chain are refused', async () => {
    const header = { version: 1, chainId: 8996, genesisTimestamp: 1, genesisHash: `0x${'1'.repeat(64)}` }
    const damaged = join(dir, 'damaged.jsonl')
    await writeFile(damaged, `${JSON.stringify(header)}\nnot json\n${JSON.stringify({ number: 2, timestamp: 3, transactions: [] })}\n`)
    await expect(readChainJournal(damaged)).rejects.toMatchObject({ name: 'ChainJournalError', code: 'CHAIN_JOURNAL_INVALID', shortMessage: expect.stringContaining('damaged line') })
    const gap = join(dir, 'gap.jsonl')
    await writeFile(gap, `${JSON.stringify(header)}\n`)
    await appendFile(gap, `${JSON.stringify({ number: 2, timestamp: 3, transactions: [] })}\n`)
    await expect(readChainJournal(gap)).rejects.toMatchObject({ shortMessage: expect.stringContaining('skips or repeats a block') })
    const chain = await startLocalChain()
    chains.push(chain)
    await expect(replayChainJournal({ rpcUrl: chain.rpcUrl, file: join(dir, 'torn.jsonl') })).rejects.toMatchObject({ shortMessage: expect.stringContaining('another chain') })
  }, 60_000)
})
