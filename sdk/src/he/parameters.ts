import { z } from 'zod'
import { HeArgumentError, HeObjectRefusedError } from './errors.ts'
import type { SealRuntime } from './loadSeal.ts'

/**
 * The CKKS parameter sets this version uses, both 128-bit secure by the HomomorphicEncryption.org
 * standard table that SEAL enforces (`SecLevelType.tc128`: at most 218 bits of coefficient modulus
 * at N = 8192, 438 at N = 16384). Each leaves one level for XᵀX / Xᵀy (one multiply, one rescale)
 * and one spare; the last prime is SEAL's special (key-switching) prime.
 */
export const heParameterSets = {
  /** N = 8192: 4096 slots per ciphertext, 60+50+50+58 = 218 bits, scale 2⁵⁰. */
  'ckks-8192': { scheme: 'ckks', polyModulusDegree: 8192, coeffModulusBits: [60, 50, 50, 58], scaleBits: 50 },
  /** N = 16384: 8192 slots per ciphertext, 60+50+50+50+60 = 270 bits, scale 2⁵⁰ (two spare levels). */
  'ckks-16384': { scheme: 'ckks', polyModulusDegree: 16384, coeffModulusBits: [60, 50, 50, 50, 60], scaleBits: 50 },
} as const

/** The name of a parameter set. */
export type HeParameterSetName = keyof typeof heParameterSets

/** CKKS parameters, as a bundle's manifest names them. Only the sets in `heParameterSets` are accepted. */
export const heParametersSchema = z
  .object({
    scheme: z.literal('ckks'),
    polyModulusDegree: z.union([z.literal(8192), z.literal(16384)]),
    coeffModulusBits: z.array(z.number().int().min(20).max(60)).min(3).max(8),
    scaleBits: z.number().int().min(20).max(60),
  })
  .strict()

/** CKKS parameters. */
export type HeParameters = z.infer<typeof heParametersSchema>

/** The named set these parameters are, or throws `HeObjectRefusedError` (`unsupported-parameters`). */
export function heParameterSetOf(parameters: HeParameters): HeParameterSetName {
  for (const [name, set] of Object.entries(heParameterSets))
    if (
      set.polyModulusDegree === parameters.polyModulusDegree &&
      set.scaleBits === parameters.scaleBits &&
      set.coeffModulusBits.length === parameters.coeffModulusBits.length &&
      set.coeffModulusBits.every((bits, index) => bits === parameters.coeffModulusBits[index])
    )
      return name as HeParameterSetName
  throw new HeObjectRefusedError('These CKKS parameters are not one of the sets this node accepts.', {
    reason: 'unsupported-parameters',
    details: `accepted: ${Object.keys(heParameterSets).join(', ')}`,
  })
}

/** The parameters of a named set (a fresh, mutable copy). */
export function heParametersFor(name: HeParameterSetName = 'ckks-8192'): HeParameters {
  const set = heParameterSets[name]
  if (!set) throw new HeArgumentError(`Unknown CKKS parameter set ${String(name)}.`)
  return { ...set, coeffModulusBits: [...set.coeffModulusBits] }
}

/** Slots of one ciphertext: rows it holds per column. */
export const heSlotCount = (parameters: Pick<HeParameters, 'polyModulusDegree'>): number => parameters.polyModulusDegree / 2

/** Rotation steps a full rotate-and-sum over the slots needs: 1, 2, 4, … slots/2. */
export function heRotationSteps(parameters: Pick<HeParameters, 'polyModulusDegree'>): number[] {
  const steps: number[] = []
  for (let step = 1; step < heSlotCount(parameters); step *= 2) steps.push(step)
  return steps
}

/**
 * Largest serialized size (bytes, uncompressed, with SEAL's header) of a ciphertext of `size`
 * polynomials at the top data level: the bound the node checks before parsing one.
 */
export function heCiphertextMaxBytes(parameters: HeParameters, size = 2): number {
  const dataPrimes = parameters.coeffModulusBits.length - 1
  return size * parameters.polyModulusDegree * dataPrimes * 8 + 4096
}

/** A SEAL context and the per-context objects every operation needs. Call `delete()` when done. */
export type CkksContext = {
  parameters: HeParameters
  context: import('node-seal').SEALContext
  encoder: import('node-seal').CKKSEncoder
  evaluator: import('node-seal').Evaluator
  /** The encoding scale, 2^scaleBits. */
  scale: number
  slots: number
  delete(): void
}

/**
 * Builds the SEAL context for `parameters` and checks that SEAL accepts them at 128-bit security.
 *
 * @example
 * const ckks = createCkksContext(runtime, heParametersFor('ckks-8192'))
 * try { ... } finally { ckks.delete() }
 */
export function createCkksContext({ seal }: SealRuntime, parameters: HeParameters): CkksContext {
  heParameterSetOf(parameters)
  const parms = new seal.EncryptionParameters(seal.SchemeType.ckks)
  const modulus = seal.CoeffModulus.Create(parameters.polyModulusDegree, Int32Array.from(parameters.coeffModulusBits))
  try {
    parms.setPolyModulusDegree(parameters.polyModulusDegree)
    parms.setCoeffModulus(modulus)
    const context = new seal.SEALContext(parms, true, seal.SecLevelType.tc128)
    if (!context.parametersSet()) {
      context.delete()
      throw new HeArgumentError('SEAL refused these CKKS parameters at 128-bit security.')
    }
    const encoder = new seal.CKKSEncoder(context)
    const evaluator = new seal.Evaluator(context)
    return {
      parameters,
      context,
      encoder,
      evaluator,
      scale: 2 ** parameters.scaleBits,
      slots: encoder.slotCount(),
      delete() {
        evaluator.delete()
        encoder.delete()
        context.delete()
      },
    }
  } finally {
    modulus.delete()
    parms.delete()
  }
}
