import { z } from 'zod'
import { PrivacyArgumentError } from './errors.ts'

// The accountant's arguments, checked once at its edge. zod 4's numbers are finite.
export const sampleRateSchema = z.number().min(0).max(1)
export const noiseMultiplierSchema = z.number().min(0)
export const stepsSchema = z.number().int().min(0)
export const ordersSchema = z.array(z.number().gt(1)).min(1)
export const deltaSchema = z.number().gt(0).lt(1)
export const rdpSchema = z.array(z.union([z.number().min(0), z.literal(Infinity)])).min(1)
export const conversionSchema = z.enum(['balle2020', 'classic'])

/** Parses `value`, or throws `PrivacyArgumentError` naming each offending field. */
export function parseArguments<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value)
  if (parsed.success) return parsed.data
  throw new PrivacyArgumentError(parsed.error.issues.map((issue) => `${issue.path.join('.') || '(arguments)'}: ${issue.message}`).join('; '))
}

/** A list of numbers, whether a plain array or a typed one. */
export const toArray = (values: ArrayLike<number> | undefined): number[] | undefined => (values === undefined ? undefined : Array.from(values))
