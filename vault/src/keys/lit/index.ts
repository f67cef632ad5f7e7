// The Lit Protocol key backend. Nothing here loads Lit's packages until a key is requested (or
// `createLitNodeClient` is called): a node on another backend never pays for them.
export {
  type DatatokenAccessConditions,
  type DatatokenAccessConditionsParameters,
  type DatatokenBalanceCondition,
  type WalletCondition,
  datatokenAccessConditions,
  litChainName,
  litChains,
} from './conditions.ts'
export { type EncryptDataKeyWithLitParameters, type EncryptDataKeyWithLitReturnType, encryptDataKeyWithLit } from './encryptDataKeyWithLit.ts'
export { type CreateLitClient, type LitClient, type LitNetwork, createLitNodeClient, litNetworks } from './lit-client.ts'
export {
  type LitEscrow,
  type LitKeyService,
  type LitKeyServiceComponents,
  type LitKeyServiceInit,
  litEscrowSchema,
  litKeyEscrowMigrations,
  litKeyService,
  litResourceId,
} from './lit-key-service.ts'
