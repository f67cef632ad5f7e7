import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, test } from 'vitest'
import { generateDataKey } from '../envelope/generateDataKey.ts'
import { encryptHeDataset } from './encryptHeDataset.ts'
import { encodeHeBundle, openHeBundle, signHeManifest } from './format.ts'
import { type SealRuntime, loadSeal } from './loadSeal.ts'
import { createCkksContext, heParameterSetOf, heParametersFor, heRotationSteps } from './parameters.ts'
import { releaseHeAggregates } from './releaseHeAggregates.ts'
import { withSealScope } from './scope.ts'

const owner = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const stranger = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const chainId = 8996

let runtime: SealRuntime
beforeAll(async () => {
  runtime = await loadSeal()
})

async function bundleOf(columns: { name: string; values: number[] }[], dataKey = generateDataKey()) {
  const he = await encryptHeDataset(runtime, { columns, dataKey, plaintextBytes: 1000 })
  const signature = await signHeManifest(owner, { manifestBytes: he.manifestBytes, chainId })
  return { he, dataKey, bytes: encodeHeBundle({ ...he, signature }) }
}

/** Σ over slots of a column's ciphertexts, rotate-and-summed: what a node sends for release. */
function sumColumn(bundle: Awaited<ReturnType<typeof openHeBundle>>, column: number): Uint8Array {
  const ckks = createCkksContext(runtime, bundle.manifest.parameters)
  const { seal } = runtime
  try {
    return withSealScope((scope) => {
      const galois = scope.track(new seal.GaloisKeys())
      galois.loadFromArray(ckks.context, bundle.object(bundle.manifest.keys.galois, 'galois-keys'))
      const sum = scope.track(new seal.Ciphertext())
      const part = scope.track(new seal.Ciphertext())
      const rotated = scope.track(new seal.Ciphertext())
      for (const [index, ref] of (bundle.manifest.columns[column]?.ciphertexts ?? []).entries()) {
        ;(index === 0 ? sum : part).loadFromArray(ckks.context, bundle.object(ref, 'ciphertext'))
        if (index > 0) ckks.evaluator.add(sum, part, sum)
      }
      for (const step of heRotationSteps(bundle.manifest.parameters)) {
        ckks.evaluator.rotateVector(sum, step, galois, rotated)
        ckks.evaluator.add(sum, rotated, sum)
      }
      return sum.saveToArray(seal.ComprModeType.none) as Uint8Array
    })
  } finally {
    ckks.delete()
  }
}

describe('he', () => {
  test('default: a signed bundle opens, and a released column sum matches the plaintext within the flooding noise', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => Math.sin(i) * 3)
    const { he, bytes, dataKey } = await bundleOf([{ name: 'x', values }])
    expect(he.manifest.columns[0]?.ciphertexts).toHaveLength(2)
    expect(he.sizes.ciphertextCount).toBe(2)
    expect(he.sizes.expansion).toBeGreaterThan(100)
    const bundle = await openHeBundle(bytes, { chainId, owner: owner.address })
    expect(bundle.manifest.rows).toBe(5000)
    const { values: released, floodingSigma } = await releaseHeAggregates(runtime, { manifest: bundle.manifest, sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'), dataKey, results: [sumColumn(bundle, 0)] })
    const exact = values.reduce((a, b) => a + b, 0)
    expect(floodingSigma[0]).toBeGreaterThan(0)
    // σ = 2²⁰ · the slots' spread (~1e-8 here): of order 1e-2 on a sum of 5,000 values of magnitude ≤ 3.
    expect(floodingSigma[0]).toBeLessThan(0.1)
    expect(Math.abs((released[0] as number) - exact)).toBeLessThan(6 * (floodingSigma[0] as number) + 1e-6)
  })

  test('args: N = 16384 is a set SEAL accepts at 128-bit security, and unknown parameters are refused', () => {
    const ckks = createCkksContext(runtime, heParametersFor('ckks-16384'))
    expect(ckks.slots).toBe(8192)
    ckks.delete()
    expect(() => heParameterSetOf({ scheme: 'ckks', polyModulusDegree: 8192, coeffModulusBits: [60, 60, 60, 60], scaleBits: 50 })).toThrow(
      expect.objectContaining({ code: 'HE_OBJECT_REFUSED', reason: 'unsupported-parameters' }),
    )
  })

  test('error: a bundle signed by someone else than the owner is refused before anything loads', async () => {
    const { he } = await bundleOf([{ name: 'x', values: [1, 2, 3] }])
    const signature = await signHeManifest(stranger, { manifestBytes: he.manifestBytes, chainId })
    await expect(openHeBundle(encodeHeBundle({ ...he, signature }), { chainId, owner: owner.address })).rejects.toMatchObject({
      code: 'HE_OBJECT_REFUSED',
      reason: 'bad-signature',
    })
  })

  test('error: a tampered ciphertext fails its signed hash and is never handed to SEAL', async () => {
    const { he, bytes } = await bundleOf([{ name: 'x', values: [1, 2, 3] }])
    const ref = he.manifest.columns[0]!.ciphertexts[0]!
    const tampered = bytes.slice()
    tampered[tampered.byteLength - he.objects.byteLength + ref.offset + 100]! ^= 1
    const bundle = await openHeBundle(tampered, { chainId, owner: owner.address })
    expect(() => bundle.object(ref, 'ciphertext')).toThrow(expect.objectContaining({ code: 'HE_OBJECT_REFUSED', reason: 'hash-mismatch' }))
  })

  test('error: an oversized object in a signed manifest is refused at open, before any hash or load', async () => {
    const { he } = await bundleOf([{ name: 'x', values: [1, 2, 3] }])
    const manifest = structuredClone(he.manifest)
    const padding = 10 * 1024 ** 2
    manifest.columns[0]!.ciphertexts[0]!.bytes = padding
    const objects = new Uint8Array(he.objects.byteLength + padding)
    objects.set(he.objects)
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest))
    const signature = await signHeManifest(owner, { manifestBytes, chainId })
    await expect(openHeBundle(encodeHeBundle({ manifestBytes, signature, objects }), { chainId, owner: owner.address })).rejects.toMatchObject({
      code: 'HE_OBJECT_REFUSED',
      reason: 'too-large',
    })
  })

  test('error: a release below the policy\'s minimum rows decrypts nothing', async () => {
    const { bytes, dataKey } = await bundleOf([{ name: 'x', values: [1, 2, 3] }])
    const bundle = await openHeBundle(bytes, { chainId, owner: owner.address })
    await expect(releaseHeAggregates(runtime, { manifest: bundle.manifest, sealedSecretKey: bundle.object(bundle.manifest.sealedSecretKey, 'sealed-secret-key'), dataKey, results: [], minRows: 10 })).rejects.toMatchObject({ code: 'HE_TOO_FEW_ROWS' })
  })

  test('behavior: thousands of scoped operations leave the WASM heap flat', () => {
    const ckks = createCkksContext(runtime, heParametersFor('ckks-8192'))
    const { seal } = runtime
    withSealScope((keys) => {
      const generator = keys.track(new seal.KeyGenerator(ckks.context))
      const publicKey = keys.track(generator.createPublicKey())
      const relin = keys.track(generator.createRelinKeys())
      const round = () =>
        withSealScope((scope) => {
          const encryptor = scope.track(new seal.Encryptor(ckks.context, publicKey))
          const plaintext = scope.track(new seal.Plaintext())
          const a = scope.track(new seal.Ciphertext())
          const b = scope.track(new seal.Ciphertext())
          ckks.encoder.encode(Float64Array.from([1, 2, 3]), ckks.scale, plaintext)
          encryptor.encrypt(plaintext, a)
          for (let i = 0; i < 100; i++) {
            const product = scope.track(new seal.Ciphertext())
            ckks.evaluator.multiply(a, a, product)
            ckks.evaluator.relinearizeInplace(product, relin)
            ckks.evaluator.rescaleToNextInplace(product)
            ckks.evaluator.add(a, a, b)
            scope.free(product)
          }
        })
      for (let i = 0; i < 3; i++) round()
      const warm = runtime.heapBytes()
      for (let i = 0; i < 10; i++) round()
      // 1,000 each of multiply, relinearize, rescale and add, and 1,000 ciphertexts made and deleted.
      expect(runtime.heapBytes()).toBe(warm)
    })
    ckks.delete()
  })
})
