// Node-only helpers (node:fs). Not part of the browser entry; exported as `@datavault/sdk/node`.
export { type DecryptFileParameters, type DecryptFileReturnType, decryptFile } from './decryptFile.ts'
export { type EncryptFileParameters, type EncryptFileReturnType, encryptFile } from './encryptFile.ts'
export { nodeEnvelopeCrypto } from './nodeEnvelopeCrypto.ts'
export {
  type WorkerPoolEnvelopeCryptoParameters,
  type WorkerPoolEnvelopeCryptoReturnType,
  workerPoolEnvelopeCrypto,
} from './workerPoolEnvelopeCrypto.ts'
export { type NodeSealedBoxOpener, nodeOpenSealed, nodeSealToPublicKey, nodeSealedBoxOpener } from './nodeSealedBox.ts'
export type { FileProgress } from './transformFile.ts'
export { type ReadFileChunksParameters, readFileChunks } from './readFileChunks.ts'
export { type FileSink, type FileSinkOptions, fileSink } from './fileSink.ts'
