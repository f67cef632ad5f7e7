import { readFileSync, readdirSync } from 'node:fs'
import { expect, test } from 'vitest'
import * as exports from './index.ts'

test('default: export list', () => {
  expect(Object.keys(exports).sort()).toMatchInlineSnapshot(`
    [
      "EnvelopeArgumentError",
      "EnvelopeHeaderError",
      "EnvelopeReorderedError",
      "EnvelopeTamperedError",
      "EnvelopeTrailingDataError",
      "EnvelopeTruncatedError",
      "EnvelopeVersionError",
      "EnvelopeWorkerError",
      "EnvelopeWrongKeyError",
      "chunkCipherPool",
      "ciphertextLength",
      "createDecryptStream",
      "createEncryptStream",
      "dataKeyLength",
      "decryptBytes",
      "defaultChunkSize",
      "encryptBytes",
      "envelopeAlgorithm",
      "envelopeHeaderLength",
      "envelopeVersion",
      "freeBytes",
      "generateDataKey",
      "maxChunkSize",
      "minChunkSize",
      "plaintextLength",
      "serveChunkCiphers",
      "webCryptoEnvelopeCrypto",
      "webCryptoWorkerChunkCipher",
    ]
  `)
})

test('behavior: browser-safe: no module here imports a node: builtin', () => {
  const dir = new URL('.', import.meta.url)
  const sources = readdirSync(dir).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  expect(sources.length).toBeGreaterThan(3)
  for (const name of sources) expect(readFileSync(new URL(name, dir), 'utf8'), name).not.toMatch(/from ['"](node:[^'"]+|fs|path|crypto|os)['"]/)
})
