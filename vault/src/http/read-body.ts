import { DataVaultError } from '@datavault/sdk'
import type { z } from 'zod'
import type { VaultContext } from './state.ts'

/** The request body is too large. */
export class BodyTooLargeError extends DataVaultError {
  override name = 'BodyTooLargeError'
  constructor(limit: number) {
    super(`The request body is larger than ${limit} bytes.`, { code: 'BODY_TOO_LARGE', status: 413 })
  }
}

/** The request body is not what this route takes. */
export class InvalidBodyError extends DataVaultError {
  override name = 'InvalidBodyError'
  constructor(details: string) {
    super('The request body is invalid.', { code: 'BODY_INVALID', status: 400, details })
  }
}

/** Reads the whole request body, refusing it past `limit` bytes without buffering more. */
export async function readBody(ctx: VaultContext, limit: number): Promise<Uint8Array> {
  const declared = ctx.request.length
  if (declared !== undefined && declared > limit) throw new BodyTooLargeError(limit)
  const chunks: Uint8Array[] = []
  let total = 0
  for await (const chunk of ctx.req as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength
    if (total > limit) throw new BodyTooLargeError(limit)
    chunks.push(chunk)
  }
  return new Uint8Array(Buffer.concat(chunks))
}

/** Parses the signed raw body as JSON with a schema, reporting every bad field by path. */
export function parseJsonBody<S extends z.ZodType>(ctx: VaultContext, schema: S): z.output<S> {
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder().decode(ctx.state.rawBody ?? new Uint8Array()))
  } catch {
    throw new InvalidBodyError('not JSON')
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new InvalidBodyError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`).join('; '))
  return parsed.data
}

/** A path or query parameter is missing or malformed. */
export class InvalidParamError extends DataVaultError {
  override name = 'InvalidParamError'
  constructor(name: string, problem: string) {
    super(`The parameter "${name}" is invalid: ${problem}.`, { code: 'PARAM_INVALID', status: 400 })
  }
}

/** Parses one path or query parameter, naming it in the error. */
export function parseParam<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  if (value === undefined) throw new InvalidParamError(name, 'missing')
  const parsed = schema.safeParse(Array.isArray(value) ? value[0] : value)
  if (!parsed.success) throw new InvalidParamError(name, parsed.error.issues[0]?.message ?? 'malformed')
  return parsed.data
}
