export {
  type KeystoreErrorReason,
  type KeystoreV3,
  type ScryptCost,
  type WrittenKeystore,
  KeystoreError,
  decryptKeystore,
  encryptKeystore,
  keystoreAddress,
  keystoreV3Schema,
} from './keystore.ts'
