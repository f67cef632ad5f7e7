import type { z } from 'zod'
import { DataVaultError } from '../errors/base.ts'

/**
 * The node answered with a success status but a body this SDK cannot use: not JSON, or JSON that
 * does not match the response's schema. `details` names the fields at fault (never their values).
 */
export class VaultResponseError extends DataVaultError {
  override name = 'VaultResponseError'
  /** What the client was doing, e.g. `reading a job`. */
  readonly doing: string
  constructor({ doing, details, cause }: { doing: string; details: string; cause?: unknown }) {
    super(`The vault node's answer is malformed (while ${doing}).`, { code: 'VAULT_RESPONSE_INVALID', status: 502, details, cause })
    this.doing = doing
  }
}

/**
 * Reads a response's JSON body and checks it with `schema` (the node's own wire schema), so an
 * action hands on a value of the type it promises or throws {@link VaultResponseError}.
 *
 * @example
 * const job = await readResponse(response, jobViewSchema, 'reading a job')
 */
export async function readResponse<T>(response: Response, schema: z.ZodType<T>, doing: string): Promise<T> {
  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw new VaultResponseError({ doing, details: 'The body is not JSON.', cause })
  }
  const parsed = schema.safeParse(body)
  if (!parsed.success)
    throw new VaultResponseError({
      doing,
      details: parsed.error.issues
        .slice(0, 5)
        .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(the body)'}: ${issue.message}`)
        .join('; '),
    })
  return parsed.data
}

/** What any request to the node may fail with: an error answer, no answer, or an answer the SDK cannot use. */
export type VaultRequestErrorType = import('./transport.ts').VaultApiError | import('./transport.ts').VaultUnreachableError | VaultResponseError
