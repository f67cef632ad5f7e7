import { transformBytes } from './collect.ts'
import { type CreateDecryptStreamParameters, createDecryptStream } from './createDecryptStream.ts'

export type DecryptBytesParameters = CreateDecryptStreamParameters

/**
 * Decrypts a whole envelope held in memory. Throws the same errors as {@link createDecryptStream};
 * nothing is returned unless every chunk authenticated and the envelope ended with its final chunk.
 *
 * @example
 * const plaintext = await decryptBytes(key, envelope)
 */
export async function decryptBytes(
  key: Uint8Array,
  bytes: Uint8Array,
  { crypto }: DecryptBytesParameters = {},
): Promise<Uint8Array> {
  return transformBytes(bytes, createDecryptStream(key, { crypto }))
}
