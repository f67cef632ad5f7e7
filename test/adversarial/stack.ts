// The real local stack for the adversarial suite: like `test/fixtures/stack.ts`, but the node's
// logger writes into memory (every line is searched for the data), several owners publish, and
// the data dir is known (every file in it is searched too).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Hex, createWalletClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type ComputePolicy,
  type DatasetSchema,
  buyDatatoken,
  createEncryptStream,
  createVaultClient,
  escrowDataKey,
  generateDataKey,
  getProviderFee,
  publishDatatoken,
  registerDataset,
  rpcChain,
  startOrder,
  uploadCiphertext,
} from '@datavault/sdk'
import type { TrainerDefinition } from '@datavault/compute-to-data'
import { createLogger, startDevStack } from '@datavault/vault'

/** Starts a stack whose node logs every line (debug and up) into `logs`. */
export async function startAdversarialStack({ trainers, concurrency }: { trainers: TrainerDefinition[]; concurrency: number }) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-adversarial-'))
  const logs: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } })
  const stack = await startDevStack({ dataDir: dir, port: 0, chainPort: 0, extraTrainers: trainers, nodeConfig: { concurrency }, logger })
  const chain = rpcChain({ chainId: stack.chainId, rpcUrl: stack.rpcUrl, name: 'test' })
  const transport = http(stack.rpcUrl)
  const party = (role: 'owner' | 'buyer' | 'spare', index = 0) => {
    const key = stack.accounts.filter((account) => account.role === role)[index]
    if (!key) throw new Error(`no ${role} account #${index}`)
    const account = privateKeyToAccount(key.privateKey)
    return { account, wallet: createWalletClient({ account, chain, transport }), vault: createVaultClient({ url: stack.vaultUrl, account }) }
  }
  type Party = ReturnType<typeof party>
  const addresses = stack.addresses as Parameters<typeof publishDatatoken>[1]['addresses']

  /** Encrypts `csv` on the owner's side, uploads, publishes a datatoken, registers and escrows the key. */
  async function publish(owner: Party, { csv, schema, policy, name }: { csv: string; schema: DatasetSchema; policy: Partial<ComputePolicy> & { trainers: string[] }; name: string }) {
    const key = generateDataKey()
    const ciphertext = new Uint8Array(await new Response(new Blob([csv]).stream().pipeThrough(createEncryptStream(key))).arrayBuffer())
    const { cid } = await uploadCiphertext(owner.vault, { body: ciphertext })
    const { datatoken, exchangeId } = await publishDatatoken(owner.wallet, { addresses, name, symbol: 'DT', price: parseEther('1') })
    await registerDataset(owner.vault, { cid, datatoken, name, schema, policy })
    await escrowDataKey(owner.vault, { dataset: datatoken, key })
    return { cid, datatoken, exchangeId }
  }

  /** Buys `count` datatokens at once and starts one order per job. */
  async function buyOrders(buyer: Party, { datatoken, exchangeId }: { datatoken: `0x${string}`; exchangeId?: Hex }, count: number): Promise<Hex[]> {
    await buyDatatoken(buyer.wallet, { addresses, datatoken, exchangeId, amount: parseEther(String(count)) })
    const orders: Hex[] = []
    for (let i = 0; i < count; i++) {
      const providerFee = await getProviderFee(buyer.vault, { dataset: datatoken, consumer: buyer.account.address })
      orders.push((await startOrder(buyer.wallet, { datatoken, consumer: buyer.account.address, providerFee })).txHash)
    }
    return orders
  }

  return {
    stack,
    /** The data dir: chain-side files and the node's `node/` (keys, SQLite, IPFS blocks, results, work). */
    dir,
    logs,
    party,
    publish,
    buyOrders,
    async stop() {
      await stack.stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A started adversarial stack. */
export type AdversarialStack = Awaited<ReturnType<typeof startAdversarialStack>>
