import type { VaultClient } from '../../api/transport.ts'

export type GetAlgorithmParameters = { hash: `0x${string}` }
export type GetAlgorithmReturnType = { code: Uint8Array; runtime: 'node' | 'python' }
/** What `getAlgorithm` may throw. */
export type GetAlgorithmErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Downloads a custom algorithm's program, so the owner of a dataset it asks to run on can read
 * what they are asked to approve (its uploader may read it too).
 *
 * @example
 * const { code } = await getAlgorithm(owner, { hash: job.trainer.hash })
 */
export async function getAlgorithm(client: VaultClient, { hash }: GetAlgorithmParameters): Promise<GetAlgorithmReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/algorithms/${hash.toLowerCase()}`, doing: 'reading an algorithm', signed: true })
  const runtime = response.headers.get('x-datavault-runtime') === 'python' ? 'python' : 'node'
  return { code: new Uint8Array(await response.arrayBuffer()), runtime }
}
