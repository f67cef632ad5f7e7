import { transformBytes } from './collect.ts'
import { type CreateEncryptStreamParameters, createEncryptStream } from './createEncryptStream.ts'
import { assertChunkSize } from './format.ts'
import { defaultChunkSize } from './tuning.ts'

export type EncryptBytesParameters = CreateEncryptStreamParameters

/**
 * Encrypts bytes held in memory into one envelope. Same format as {@link createEncryptStream};
 * use the stream for anything large.
 *
 * @example
 * const key = generateDataKey()
 * const envelope = await encryptBytes(key, new TextEncoder().encode('hello'))
 */
export async function encryptBytes(
  key: Uint8Array,
  bytes: Uint8Array,
  { chunkSize = defaultChunkSize, crypto }: EncryptBytesParameters = {},
): Promise<Uint8Array> {
  assertChunkSize(chunkSize)
  return transformBytes(bytes, createEncryptStream(key, { chunkSize, crypto }))
}
