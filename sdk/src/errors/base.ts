// The error base lives in the leaf package (@datavault/contracts) so every package shares one
// class; the SDK re-exports it as part of its public surface. From the package's errors entry, not
// its index: the index loads viem and every ABI (12 MB of heap for a process that only encrypts).
export { DataVaultError, type DataVaultErrorKind, type DataVaultErrorOptions, isDataVaultError } from '@datavault/contracts/errors'
