// The error base lives in the leaf package (@datavault/contracts) so every package shares one
// class; the SDK re-exports it as part of its public surface.
export { DataVaultError, type DataVaultErrorKind, type DataVaultErrorOptions, isDataVaultError } from '@datavault/contracts'
