export { ciphertextLength, plaintextLength } from './ciphertextLength.ts'
export {
  type CreateDecryptStreamParameters,
  type CreateDecryptStreamReturnType,
  createDecryptStream,
} from './createDecryptStream.ts'
export {
  type CreateEncryptStreamParameters,
  type CreateEncryptStreamReturnType,
  createEncryptStream,
} from './createEncryptStream.ts'
export {
  type ChunkCipherPool,
  type ChunkCipherPoolInit,
  type ChunkCipherReply,
  type ChunkCipherRequest,
  chunkCipherPool,
  type PoolWorker,
  type PoolWorkerListeners,
} from './chunkCipherPool.ts'
export { type ChunkCipher, type EnvelopeCrypto, webCryptoEnvelopeCrypto } from './crypto.ts'
export { type DecryptBytesParameters, decryptBytes } from './decryptBytes.ts'
export { freeBytes } from './freeBytes.ts'
export { type EncryptBytesParameters, encryptBytes } from './encryptBytes.ts'
export {
  EnvelopeArgumentError,
  type EnvelopeErrorType,
  EnvelopeHeaderError,
  EnvelopeReorderedError,
  EnvelopeTamperedError,
  EnvelopeTrailingDataError,
  EnvelopeTruncatedError,
  EnvelopeVersionError,
  EnvelopeWorkerError,
  EnvelopeWrongKeyError,
} from './errors.ts'
export {
  dataKeyLength,
  envelopeAlgorithm,
  envelopeVersion,
  headerLength as envelopeHeaderLength,
  maxChunkSize,
  minChunkSize,
} from './format.ts'
export {
  type ServeChunkCiphersParameters,
  serveChunkCiphers,
  type WorkerChunkCipher,
  webCryptoWorkerChunkCipher,
} from './serveChunkCiphers.ts'
export { generateDataKey } from './generateDataKey.ts'
export { defaultChunkSize } from './tuning.ts'
