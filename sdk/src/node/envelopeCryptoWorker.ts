// The worker thread of workerPoolEnvelopeCrypto: seals and opens envelope chunks with node:crypto
// (or WebCrypto, when workerData.engine is 'webcrypto', to measure the browser's path on Node).
import { createSecretKey } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'
// The module itself, not the envelope index: a worker starts faster without the SDK's error chain.
import { type WorkerChunkCipher, serveChunkCiphers, webCryptoWorkerChunkCipher } from '../envelope/serveChunkCiphers.ts'
import { nodeOpen, nodeSeal } from './nodeEnvelopeCrypto.ts'
import { raiseMallocTrimThreshold } from './raiseMallocTrimThreshold.ts'

function nodeWorkerChunkCipher(raw: Uint8Array): WorkerChunkCipher {
  const key = createSecretKey(raw)
  return {
    // One update each: ciphertext and tag (or the plaintext) come back as whole buffers, transferred as they are.
    seal: (nonce, aad, plaintext) => nodeSeal(key, nonce, aad, plaintext),
    open: (nonce, aad, sealed) => nodeOpen(key, nonce, aad, sealed),
  }
}

const port = parentPort
if (!port) throw new Error('envelopeCryptoWorker.ts runs only as a worker thread')
const { engine, raiseMallocTrimThreshold: raise } = (workerData ?? {}) as { engine?: string; raiseMallocTrimThreshold?: boolean }
if (raise) raiseMallocTrimThreshold()
const handle = serveChunkCiphers({
  importKey: engine === 'webcrypto' ? webCryptoWorkerChunkCipher : nodeWorkerChunkCipher,
  post: (reply, transfer) => port.postMessage(reply, transfer),
})
port.on('message', handle)
