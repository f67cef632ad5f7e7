import { expect, test } from 'vitest'
import * as exports from './index.ts'

test('default: export list', () => {
  expect(Object.keys(exports).sort()).toMatchInlineSnapshot(`
    [
      "HeArgumentError",
      "HeObjectRefusedError",
      "HeReleaseRefusedError",
      "createCkksContext",
      "encodeHeBundle",
      "encryptHeDataset",
      "heBundleMagic",
      "heCiphertextMaxBytes",
      "heFloodingBits",
      "heManifestDomain",
      "heManifestMaxBytes",
      "heManifestSchema",
      "heManifestTypes",
      "heMinErrorBound",
      "heObjectMaxBytes",
      "heObjectRefSchema",
      "heParameterSetOf",
      "heParameterSets",
      "heParametersFor",
      "heParametersSchema",
      "heRotationSteps",
      "heSlotCount",
      "homomorphicTrainerIds",
      "isHeBundle",
      "loadSeal",
      "openHeBundle",
      "publishHeDataset",
      "releaseHeAggregates",
      "sha256Hex",
      "signHeManifest",
      "withSealScope",
    ]
  `)
})
