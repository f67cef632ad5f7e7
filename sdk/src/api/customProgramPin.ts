import type { Hex } from 'viem'
import { approvalTermsHash } from './receipt.ts'
import { declaredOutputsSchema, type DeclaredOutputs, hashSchema } from './schemas.ts'

export type CustomProgramPinParameters = {
  /** The program's SHA-256, as `uploadAlgorithm` returned it. */
  hash: Hex
  /** The outputs it may declare: exactly these (defaults filled in as the node does). */
  outputs: DeclaredOutputs
  /** The parameters it may run with: exactly these. Default `{}`. */
  params?: Record<string, unknown>
}

/**
 * The policy entry that lets one custom program run on a dataset without waiting for the owner,
 * with exactly these declared outputs and parameters: `custom@<sha256>+<terms>` (terms: the
 * `approvalTermsHash` the node and the key holders compute for a job). A job of that program with
 * other outputs or parameters still waits for the owner; a bare `custom@<sha256>` admits nothing.
 *
 * @example
 * const policy = { trainers: ['logistic-regression', customProgramPin({ hash, outputs: { tensors: [{ name: 'means', dtype: 'F32', shape: [7] }] } })] }
 */
export function customProgramPin({ hash, outputs, params = {} }: CustomProgramPinParameters): string {
  const program = hashSchema.parse(hash)
  const terms = approvalTermsHash({ outputs: declaredOutputsSchema.parse(outputs), params })
  return `custom@${program.slice(2).toLowerCase()}+${terms.slice(2).toLowerCase()}`
}
