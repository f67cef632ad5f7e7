// One thread of the encryption bench's ceiling (measureCeiling in encryption.ts): AES-256-GCM with
// node:crypto on chunks of this thread's own memory, nothing received or sent per chunk, each result
// freed at once. What is left is the cipher and Node's own copy inside `update`, on memory that
// stays in cache: the most node:crypto can do here, before any buffer has to reach a caller.
import { createCipheriv, createSecretKey, randomBytes } from 'node:crypto'
import { parentPort, workerData } from 'node:worker_threads'

type CeilingWorkerData = { chunkSize: number; chunks: number }

const port = parentPort
if (!port) throw new Error('encryption-ceiling-worker.ts runs only as a worker thread')
const { chunkSize, chunks } = workerData as CeilingWorkerData
const key = createSecretKey(randomBytes(32))
const nonce = randomBytes(12)
const aad = randomBytes(49) // an envelope header's length
const input = randomBytes(chunkSize)

function seal(): void {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: 16 })
  cipher.setAAD(aad)
  const ciphertext = cipher.update(input)
  cipher.final()
  cipher.getAuthTag()
  ciphertext.buffer.transfer(0) // freed now, not at a GC: the next update gets the same memory back
}

port.once('message', async () => {
  for (let i = 0; i < 16; i++) seal()
  port.postMessage('ready')
  await new Promise((resolve) => port.once('message', resolve))
  const cpu = process.threadCpuUsage()
  for (let i = 0; i < chunks; i++) {
    seal()
    // Yield now and then, as a worker between messages does.
    if (i % 4 === 3) await new Promise<void>((resolve) => setImmediate(resolve))
  }
  const used = process.threadCpuUsage(cpu)
  port.postMessage({ cpuSeconds: (used.user + used.system) / 1e6 })
})
