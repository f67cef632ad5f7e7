// A cipher worker of the data worker's pool: seals (and opens) envelope chunks with WebCrypto, so a
// large file is encrypted on every core. The data worker derives each envelope's chunk key, sends it
// here, and sends the chunks; the SDK's serveChunkCiphers answers each with its result.
import { type ChunkCipherReply, type ChunkCipherRequest, serveChunkCiphers, webCryptoWorkerChunkCipher } from '@datavault/sdk'

type WorkerScope = {
  onmessage: ((event: MessageEvent<ChunkCipherRequest>) => void) | null
  postMessage(message: ChunkCipherReply, transfer: Transferable[]): void
}
const scope = globalThis as unknown as WorkerScope

const handle = serveChunkCiphers({ importKey: webCryptoWorkerChunkCipher, post: (reply, transfer) => scope.postMessage(reply, transfer) })
scope.onmessage = ({ data }) => handle(data)
