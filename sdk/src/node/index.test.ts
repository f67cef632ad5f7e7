import { expect, test } from 'vitest'
import * as exports from './index.ts'

test('default: export list', () => {
  expect(Object.keys(exports).sort()).toMatchInlineSnapshot(`
    [
      "decryptFile",
      "encryptFile",
      "fileSink",
      "nodeEnvelopeCrypto",
      "nodeOpenSealed",
      "nodeSealToPublicKey",
      "nodeSealedBoxOpener",
      "readFileChunks",
      "workerPoolEnvelopeCrypto",
    ]
  `)
})
