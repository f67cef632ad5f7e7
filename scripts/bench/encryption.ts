// Envelope encryption throughput against `openssl speed -evp aes-256-gcm`, in one run.
//
//   node scripts/bench/encryption.ts                      # default chunk size, prints the ratio
//   node scripts/bench/encryption.ts --sweep              # 64 KiB … 4 MiB chunk sizes, encrypt and decrypt
//   node scripts/bench/encryption.ts --chunk-size 262144 --mib 512 --piece 65536
import { execFile } from 'node:child_process'
import { parseArgs, promisify } from 'node:util'
import {
  createDecryptStream,
  createEncryptStream,
  defaultChunkSize,
  encryptBytes,
  generateDataKey,
} from '../../sdk/src/envelope/index.ts'

export type BenchEncryptionParameters = {
  /** Plaintext chunk size of the envelope (default: the SDK's default). */
  chunkSize?: number
  /** MiB of generated plaintext to encrypt (default 256). */
  mebibytes?: number
  /** Size of the pieces the plaintext is written in, as a file reader would (default 64 KiB). */
  pieceSize?: number
  /** Seconds `openssl speed` runs (default 3). */
  opensslSeconds?: number
  /** Timed passes over the data; the best is kept (default 3). */
  passes?: number
}

export type BenchEncryptionReturnType = {
  /** Our encrypt throughput, streaming, in MB/s (10^6 bytes of plaintext per second). */
  oursMBps: number
  /** `openssl speed -evp aes-256-gcm -bytes <chunkSize>` in MB/s. */
  opensslMBps: number
  /** oursMBps / opensslMBps. */
  ratio: number
  chunkSize: number
}

/** Random-looking plaintext without paying for 256 MiB of CSPRNG output: one random MiB repeated. */
function generatePlaintext(bytes: number): Uint8Array {
  const data = new Uint8Array(bytes)
  const block = new Uint8Array(1024 * 1024)
  for (let i = 0; i < block.length; i += 65536) globalThis.crypto.getRandomValues(block.subarray(i, i + 65536))
  for (let offset = 0; offset < bytes; offset += block.length) data.set(block.subarray(0, Math.min(block.length, bytes - offset)), offset)
  return data
}

/** Streams `input` in `pieceSize` pieces through `transform`, discarding the output; returns seconds. */
async function timeStream(input: Uint8Array, pieceSize: number, transform: TransformStream<Uint8Array, Uint8Array>) {
  let offset = 0
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= input.length) return controller.close()
      controller.enqueue(input.subarray(offset, offset + pieceSize))
      offset += pieceSize
    },
  })
  const started = performance.now()
  const reader = source.pipeThrough(transform).getReader()
  while (!(await reader.read()).done) {}
  return (performance.now() - started) / 1000
}

/** Runs `openssl speed` for AES-256-GCM at `bytes` per operation; MB/s (10^6 bytes per second). */
export async function opensslSpeed({ bytes, seconds = 3 }: { bytes: number; seconds?: number }): Promise<number> {
  const { stdout } = await promisify(execFile)('openssl', [
    'speed', '-evp', 'aes-256-gcm', '-seconds', String(seconds), '-bytes', String(bytes),
  ])
  // Last line: "AES-256-GCM    3030757.23k" (thousands of bytes per second).
  const match = /^AES-256-GCM\s+([\d.]+)k\s*$/m.exec(stdout)
  if (!match) throw new Error(`Could not parse openssl speed output:\n${stdout}`)
  return Number(match[1]) / 1000
}

/** Best-of-`passes` streaming throughput of encrypt (and optionally decrypt), MB/s. */
export async function measureEnvelope({
  chunkSize = defaultChunkSize,
  mebibytes = 256,
  pieceSize = 64 * 1024,
  passes = 3,
  decrypt = false,
}: BenchEncryptionParameters & { decrypt?: boolean } = {}): Promise<{ encryptMBps: number; decryptMBps?: number }> {
  const key = generateDataKey()
  const plaintext = generatePlaintext(mebibytes * 1024 * 1024)
  let best = Infinity
  for (let pass = 0; pass < passes; pass++)
    best = Math.min(best, await timeStream(plaintext, pieceSize, createEncryptStream(key, { chunkSize })))
  const encryptMBps = plaintext.length / best / 1e6
  if (!decrypt) return { encryptMBps }
  const envelope = await encryptBytes(key, plaintext, { chunkSize })
  best = Infinity
  for (let pass = 0; pass < passes; pass++)
    best = Math.min(best, await timeStream(envelope, pieceSize, createDecryptStream(key)))
  return { encryptMBps, decryptMBps: plaintext.length / best / 1e6 }
}

/**
 * Measures our streaming encrypt throughput over `mebibytes` of plaintext held in memory and, in the
 * same run, `openssl speed -evp aes-256-gcm` at the same block size as our chunk.
 */
export async function benchEncryption({
  chunkSize = defaultChunkSize,
  mebibytes = 256,
  pieceSize = 64 * 1024,
  opensslSeconds = 3,
  passes = 3,
}: BenchEncryptionParameters = {}): Promise<BenchEncryptionReturnType> {
  const { encryptMBps } = await measureEnvelope({ chunkSize, mebibytes, pieceSize, passes })
  const opensslMBps = await opensslSpeed({ bytes: chunkSize, seconds: opensslSeconds })
  return { oursMBps: encryptMBps, opensslMBps, ratio: encryptMBps / opensslMBps, chunkSize }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      'chunk-size': { type: 'string' },
      mib: { type: 'string' },
      piece: { type: 'string' },
      sweep: { type: 'boolean', default: false },
    },
  })
  const mebibytes = values.mib ? Number(values.mib) : 256
  const pieceSize = values.piece ? Number(values.piece) : 64 * 1024
  const format = (n: number) => n.toFixed(0).padStart(6)
  if (values.sweep) {
    console.log(`chunk size   encrypt MB/s   decrypt MB/s   openssl MB/s   enc ratio   (${mebibytes} MiB, ${pieceSize} B pieces)`)
    for (const chunkSize of [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024]) {
      const { encryptMBps, decryptMBps } = await measureEnvelope({ chunkSize, mebibytes, pieceSize, decrypt: true })
      const opensslMBps = await opensslSpeed({ bytes: chunkSize })
      console.log(
        `${String(chunkSize / 1024).padStart(6)} KiB   ${format(encryptMBps)}         ${format(decryptMBps!)}         ${format(opensslMBps)}         ${(encryptMBps / opensslMBps).toFixed(2)}`,
      )
    }
  } else {
    const chunkSize = values['chunk-size'] ? Number(values['chunk-size']) : defaultChunkSize
    const result = await benchEncryption({ chunkSize, mebibytes, pieceSize })
    console.log(
      `envelope encrypt ${result.oursMBps.toFixed(0)} MB/s, openssl aes-256-gcm ${result.opensslMBps.toFixed(0)} MB/s ` +
        `at ${result.chunkSize} B: ratio ${result.ratio.toFixed(2)}`,
    )
  }
}
