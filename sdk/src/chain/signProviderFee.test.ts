import { encodePacked, keccak256, recoverMessageAddress, serializeSignature, stringToHex, zeroAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, test } from 'vitest'
import { signProviderFee } from './signProviderFee.ts'

// Hardhat's public test key #3: never holds value.
const node = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6')

describe('signProviderFee', () => {
  test('default', async () => {
    const fee = await signProviderFee(node)
    expect(fee).toMatchObject({ providerFeeAddress: node.address, providerFeeToken: zeroAddress, providerFeeAmount: 0n, validUntil: 0n, providerData: '0x' })
    expect([27, 28]).toContain(fee.v)
  })

  test('behavior: eth_sign over keccak256(abi.encodePacked(data, address, token, amount, validUntil)), as ERC20Template checks it', async () => {
    const parameters = { providerFeeToken: node.address, providerFeeAmount: 5n, providerData: stringToHex('{"environment":"cpu"}'), validUntil: 1_900_000_000n }
    const fee = await signProviderFee(node, parameters)
    const message = keccak256(
      encodePacked(['bytes', 'address', 'address', 'uint256', 'uint256'], [parameters.providerData, node.address, parameters.providerFeeToken, parameters.providerFeeAmount, parameters.validUntil]),
    )
    const signature = serializeSignature({ r: fee.r, s: fee.s, v: BigInt(fee.v) })
    expect(await recoverMessageAddress({ message: { raw: message }, signature })).toBe(node.address)
  })

  test('error: a fee without a token', async () => {
    await expect(signProviderFee(node, { providerFeeAmount: 1n })).rejects.toMatchObject({ name: 'ChainArgumentError', code: 'CHAIN_INVALID_ARGUMENT' })
  })
})
