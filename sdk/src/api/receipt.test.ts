import { describe, expect, test } from 'vitest'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { maxJobParamsDepth, submitJobBodySchema } from './schemas.ts'
import { canonicalJson, hashJobOutputs, hashJobParams, maxCanonicalJsonDepth, signReceipt, verifyReceipt } from './receipt.ts'

const node = privateKeyToAccount(generatePrivateKey())
const files = [
  { name: 'model.safetensors', sha256: `0x${'aa'.repeat(32)}` as const },
  { name: 'metrics.json', sha256: `0x${'bb'.repeat(32)}` as const },
]
const message = {
  jobId: 'c2b6c1c4-0000-4000-8000-000000000000',
  dataset: `0x${'11'.repeat(20)}` as const,
  datasetCids: ['bafybeicm4vikgnmtgvauhsg5hiekcvmqb2jbqdpwnrzbhjbzzql3kq3sv4'],
  datasetIds: ['0x5fbdb2315678afecb367f032d93f642f64180aa3' as const],
  datasetRows: [1200n],
  buyer: `0x${'22'.repeat(20)}` as const,
  orderTx: `0x${'33'.repeat(32)}` as const,
  trainerId: 'logistic-regression',
  trainerVersion: '1.0.0',
  trainerHash: `0x${'44'.repeat(32)}` as const,
  paramsHash: hashJobParams({ label: 'risk', epochs: 10 }),
  outputsHash: hashJobOutputs(files),
  epsilon: '1.25',
  delta: '0.00001',
  acceptedAt: 1_799_999_990n,
  startedAt: 1_799_999_991n,
  finishedAt: 1_800_000_000n,
}

describe('receipts', () => {
  test('default: a signed receipt verifies offline against the node and the files', async () => {
    const receipt = await signReceipt(node, { chainId: 8996, message })
    const json = JSON.parse(JSON.stringify(receipt))
    await expect(verifyReceipt({ receipt: json, node: node.address, files })).resolves.toMatchObject({ signer: node.address, hash: receipt.hash })
  })

  test('error: changed contents, another node, other files', async () => {
    const receipt = await signReceipt(node, { chainId: 8996, message })
    await expect(verifyReceipt({ receipt: { ...receipt, message: { ...receipt.message, buyer: node.address } }, node: node.address })).rejects.toMatchObject({
      code: 'RECEIPT_HASH_MISMATCH',
    })
    const stranger = privateKeyToAccount(generatePrivateKey()).address
    await expect(verifyReceipt({ receipt, node: stranger })).rejects.toMatchObject({ code: 'RECEIPT_SIGNER_UNEXPECTED' })
    await expect(verifyReceipt({ receipt: { ...receipt, node: stranger }, node: stranger })).rejects.toMatchObject({ code: 'RECEIPT_SIGNER_MISMATCH' })
    await expect(verifyReceipt({ receipt, node: node.address, files: [files[0]!] })).rejects.toMatchObject({ code: 'RECEIPT_OUTPUTS_MISMATCH' })
  })

  test('behavior: hashes do not depend on key or file order', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}')
    expect(hashJobParams({ a: 1, b: 2 })).toBe(hashJobParams({ b: 2, a: 1 }))
    expect(hashJobOutputs(files)).toBe(hashJobOutputs([...files].reverse()))
  })
})

describe('canonicalJson: hostile nesting', () => {
  const nested = (depth: number): unknown => {
    let value: unknown = 1
    for (let i = 0; i < depth; i++) value = [value]
    return value
  }

  test('behavior: encodes up to maxCanonicalJsonDepth levels', () => {
    expect(canonicalJson(nested(maxCanonicalJsonDepth))).toBe(`${'['.repeat(maxCanonicalJsonDepth)}1${']'.repeat(maxCanonicalJsonDepth)}`)
  })

  test('error: deeper nesting (5,000 arrays in a 10 KB body) is JSON_TOO_DEEP, not a stack overflow', () => {
    for (const depth of [maxCanonicalJsonDepth + 1, 5000]) {
      let caught: unknown
      try {
        hashJobParams({ layers: nested(depth) })
      } catch (error) {
        caught = error
      }
      expect(caught).toMatchObject({ name: 'DataVaultError', code: 'JSON_TOO_DEEP', status: 400 })
    }
  })

  test('error: the job body schema refuses parameters nested past maxJobParamsDepth, without recursing', () => {
    const body = { dataset: `0x${'1'.repeat(40)}`, trainer: { id: 'logistic-regression' }, orderTx: `0x${'2'.repeat(64)}` }
    expect(submitJobBodySchema.safeParse({ ...body, params: { hidden: nested(maxJobParamsDepth - 1) } }).success).toBe(true)
    const refused = submitJobBodySchema.safeParse({ ...body, params: { hidden: nested(100_000) } })
    expect(refused.success).toBe(false)
    expect(refused.error?.issues[0]).toMatchObject({ path: ['params'], message: `nested deeper than ${maxJobParamsDepth} levels` })
  })
})
