export { type ComputeRdpErrorType, type ComputeRdpParameters, type ComputeRdpReturnType, computeRdp } from './computeRdp.ts'
export { type EpsilonForErrorType, type EpsilonForParameters, epsilonFor } from './epsilonFor.ts'
export {
  type PrivacyAmount,
  PrivacyArgumentError,
  PrivacyBudgetExceededError,
  PrivacyBudgetNotSetError,
  PrivacyLedgerConflictError,
  PrivacyReservationNotFoundError,
} from './errors.ts'
export { type CalibrateNoiseErrorType, type CalibrateNoiseParameters, type CalibrateNoiseReturnType, type CalibrationPlan, calibrateNoise } from './calibrateNoise.ts'
export { type NoiseMultiplierForErrorType, type NoiseMultiplierForParameters, maxNoiseMultiplier, noiseMultiplierFor } from './noiseMultiplierFor.ts'
export { type RdpConversion, type RdpToEpsilonErrorType, type RdpToEpsilonParameters, type RdpToEpsilonReturnType, rdpToEpsilon } from './rdpToEpsilon.ts'
export { defaultRdpOrders } from './sampled-gaussian.ts'
export {
  type PrivacyLedger,
  type PrivacyLedgerEntry,
  type PrivacyLedgerEntryStatus,
  type PrivacyReservation,
  type PrivacyUsage,
  privacyLedger,
} from './privacyLedger.ts'
