export { type CombineKeySharesParameters, type CombineKeySharesReturnType, combineKeyShares } from './combineKeyShares.ts'
export { KeyShareArgumentError, KeyShareCombineError } from './errors.ts'
export {
  type JobTicket,
  type KeyEscrowManifest,
  jobTicketSchema,
  jobTicketTypes,
  keyCommitment,
  keyEscrowDomain,
  keyEscrowManifestSchema,
  keyEscrowTypes,
  keyShareContext,
  manifestToJson,
  maxJobTicketLifetimeSeconds,
  maxKeyHolders,
  releasedShareContext,
  shareCommitment,
  signedJobTicketSchema,
  signedKeyEscrowSchema,
  ticketToJson,
} from './format.ts'
export { type KnownSignerRecovery, type KnownSignerRecoveryOptions, type KnownSignerRecoveryParameters, knownSignerRecovery } from './knownSignerRecovery.ts'
export { recoverTypedDataSigner } from './recoverTypedDataSigner.ts'
export { type TypedDataHasherField, type TypedDataHasherParameters, typedDataHasher } from './typedDataHasher.ts'
export { type SplitDataKeyParameters, type SplitDataKeyReturnType, splitDataKey } from './splitDataKey.ts'
