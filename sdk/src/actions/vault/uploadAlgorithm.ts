import type { VaultClient } from '../../api/transport.ts'
import { z } from 'zod'
import { readResponse } from '../../api/response.ts'

export type UploadAlgorithmParameters = {
  /** The program: one self-contained ES module for Node (bundle dependencies in), or one Python 3 script. */
  code: Uint8Array | string
  /** `node` (default) or `python`. */
  runtime?: 'node' | 'python'
}
export type UploadAlgorithmReturnType = { hash: `0x${string}`; runtime: 'node' | 'python'; bytes: number }
export type UploadAlgorithmErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * Uploads a custom algorithm and returns its SHA-256. It runs only on datasets whose owner
 * approves that exact hash: a job naming it waits in `awaiting-approval` until then.
 *
 * @example
 * const { hash } = await uploadAlgorithm(buyer, { code: await readFile('train.mjs') })
 */
export async function uploadAlgorithm(client: VaultClient, { code, runtime = 'node' }: UploadAlgorithmParameters): Promise<UploadAlgorithmReturnType> {
  const bytes = typeof code === 'string' ? new TextEncoder().encode(code) : code
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  const response = await client.request({
    method: 'POST',
    path: '/v1/algorithms',
    doing: 'uploading an algorithm',
    json: { runtime, code: btoa(binary) },
    signed: true,
  })
  return await readResponse(response, z.looseObject({ hash: z.custom<`0x${string}`>((value) => typeof value === 'string' && /^0x[0-9a-f]{64}$/i.test(value), 'must be a 32-byte hash'), runtime: z.enum(['node', 'python']), bytes: z.number() }), 'uploading an algorithm')
}
