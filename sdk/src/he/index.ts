// Homomorphic (CKKS) datasets: node-seal, Node only. Exported as `@datavault/sdk/he`, so the SDK's
// main entry never loads node-seal (an optional peer dependency).
export { encryptHeDataset, type EncryptHeDatasetParameters, type EncryptHeDatasetReturnType, type HeDatasetSizes } from './encryptHeDataset.ts'
export { HeArgumentError, HeObjectRefusedError, type HeObjectRefusedReason, HeReleaseRefusedError } from './errors.ts'
export {
  checkHeObject,
  checkSealHeader,
  encodeHeBundle,
  heBundleMagic,
  type HeManifest,
  heManifestDomain,
  heManifestMaxBytes,
  heManifestSchema,
  heManifestTypes,
  type HeObjectKind,
  heObjectMaxBytes,
  type HeObjectRef,
  heObjectRefSchema,
  isHeBundle,
  type OpenedHeBundle,
  openHeBundle,
  openHeManifest,
  sha256Hex,
  signHeManifest,
} from './format.ts'
export { loadSeal, type SealRuntime } from './loadSeal.ts'
export {
  type CkksContext,
  createCkksContext,
  heCiphertextMaxBytes,
  type HeParameters,
  heParameterSetOf,
  type HeParameterSetName,
  heParameterSets,
  heParametersFor,
  heParametersSchema,
  heRotationSteps,
  heSlotCount,
} from './parameters.ts'
export { heFloodingBits, heMinErrorBound, releaseHeAggregates, type ReleaseHeAggregatesParameters, type ReleaseHeAggregatesReturnType } from './releaseHeAggregates.ts'
export { type SealObject, type SealScope, withSealScope } from './scope.ts'
export {
  heDefaultPacking,
  heMonomials,
  type HeMonomials,
  type HePackedGroup,
  type HePacking,
  hePackingLayout,
  type HePackingLayout,
  hePackingSchema,
  heProductIndex,
  type HeProductTerm,
  type HeSumTerm,
  heUnpackGroup,
  heYExponent,
} from './packing.ts'
export {
  decodeHeReleaseRequest,
  encodeHeReleaseRequest,
  type HeReleaseDp,
  heReleaseDpSchema,
  heReleaseMaxColumns,
  type HeReleaseRequest,
  heReleaseCiphertextCount,
  heReleaseRequestMagic,
  heReleaseResultCount,
  heReleaseSensitivity,
  heReleaseTermsHash,
} from './heReleaseRequest.ts'
export { homomorphicTrainerIds, isHomomorphicTrainer, publishHeDataset, type PublishHeDatasetErrorType, type PublishHeDatasetParameters, type PublishHeDatasetReturnType } from './publishHeDataset.ts'
