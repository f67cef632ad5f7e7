// What the owner reads when something fails, from the errors the SDK and viem really throw.
import { ChainTransactionError, PublishDatasetError, VaultApiError, VaultUnreachableError } from '@datavault/sdk'
import { ContractFunctionRevertedError, InsufficientFundsError, RpcRequestError } from 'viem'
import { describe, expect, test } from 'vitest'
import { ChainUnreachableError, WalletError } from '../errors.ts'
import { describeError } from './describe-error.ts'

const context = { nodeUrl: 'http://127.0.0.1:8700', rpcUrl: 'https://rpc.example.org/v3/secret-api-key', address: '0x00000000000000000000000000000000000000aa' }

/** A publication stopped at `step` by `cause`, as publishDataset throws it. */
const stopped = (step: 'datatoken' | 'price', cause: unknown) => new PublishDatasetError({ step, state: step === 'price' ? { cid: 'b', datatoken: '0x00000000000000000000000000000000000000bb', registered: true, keyEscrowed: true } : { cid: 'b' }, cause })

describe('describeError', () => {
  test("default: a wallet without gas, inside a publish step (Hardhat's words), says so and where to send ETH", () => {
    const rpc = new RpcRequestError({ body: {}, url: 'http://127.0.0.1:8545', error: { code: -32000, message: "Sender doesn't have enough funds to send tx. The max upfront cost is: 1 and the sender's balance is: 0." } })
    const error = stopped('datatoken', ChainTransactionError.from('createNftWithErc20', rpc))
    expect(describeError(error, context)).toEqual({
      code: 'INSUFFICIENT_FUNDS',
      message: 'Publishing stopped while creating the datatoken; nothing was put up for sale. Your wallet has no ETH to pay the network fee (gas).',
      hint: 'Send some ETH to your address, 0x00000000000000000000000000000000000000aa, then try again.',
    })
    expect(describeError(new InsufficientFundsError(), {}).code).toBe('INSUFFICIENT_FUNDS')
  })

  test('behavior: a pool contract refusal is said in the SDK words', () => {
    const reverted = new ChainTransactionError({ action: 'contribute', failure: 'reverted', reason: 'NotDatasetOwner', cause: new ContractFunctionRevertedError({ abi: [], functionName: 'contribute' }) })
    expect(describeError(reverted).message).toBe("The chain refused the contribute transaction: Your wallet does not own this dataset's data NFT: only its owner can add it to a pool.")
  })

  test('behavior: a reverted transaction names the contract call and its reason, and says nothing is for sale', () => {
    const reverted = new ChainTransactionError({ action: 'createFixedRate', failure: 'reverted', reason: 'FixedRateExchange: Invalid exchange rate value', cause: new ContractFunctionRevertedError({ abi: [], functionName: 'createFixedRate' }) })
    expect(describeError(stopped('price', reverted), context)).toEqual({
      code: 'CHAIN_TRANSACTION_REVERTED',
      message: 'Publishing stopped while putting it up for sale; nothing was put up for sale. The chain refused the createFixedRate transaction: FixedRateExchange: Invalid exchange rate value.',
      hint: 'Nothing is for sale. Resume when the cause is fixed: the steps already done are not repeated.',
    })
  })

  test('behavior: a node or chain that is down names its origin only (an RPC path may hold an API key)', () => {
    const down = new VaultUnreachableError({ doing: 'listing datasets', url: 'http://127.0.0.1:8700', cause: new TypeError('fetch failed') })
    expect(describeError(down, context)).toMatchObject({ code: 'VAULT_UNREACHABLE', message: 'The vault node at http://127.0.0.1:8700 does not answer.', hint: expect.stringContaining('npx datavault dev') })
    const chain = describeError(new ChainUnreachableError({ url: context.rpcUrl }), context)
    expect(chain).toMatchObject({ code: 'CHAIN_UNREACHABLE', message: 'The chain at https://rpc.example.org does not answer.' })
    expect(JSON.stringify(chain)).not.toContain('secret-api-key')
    // Plain words for a person: no literal backticks (markdown) in what the screen shows.
    for (const described of [describeError(down, context), chain]) expect(`${described.message} ${described.hint}`).not.toContain('`')
  })

  test("behavior: the node's own refusal is shown as the node says it; a wallet that locked itself mid-way says so", () => {
    const refused = new VaultApiError({ doing: 'registering a dataset', status: 409, code: 'DATASET_EXISTS', message: 'This datatoken is registered already.' })
    expect(describeError(refused)).toEqual({ code: 'DATASET_EXISTS', message: 'This datatoken is registered already. (while registering a dataset)', hint: undefined })
    const locked = new WalletError('The wallet is locked: unlock it with your password.', { code: 'WALLET_LOCKED' })
    expect(describeError(stopped('datatoken', ChainTransactionError.from('createNftWithErc20', locked)))).toMatchObject({ code: 'WALLET_LOCKED', message: expect.stringContaining('The wallet locked itself.') })
  })

  test('error: an error that is not datavault\'s is not shown as it is (it may hold anything)', () => {
    const described = describeError(new Error('secret at /home/me/.ssh/id_rsa'))
    expect(described).toEqual({ code: 'INTERNAL', message: 'Something went wrong in the extension.', hint: undefined })
  })
})
