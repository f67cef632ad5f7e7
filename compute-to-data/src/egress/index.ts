export { type CheckEgressErrorType, type CheckEgressParameters, type CheckEgressReturnType, type EgressFile, checkEgress } from './checkEgress.ts'
export { type EgressViolationReason, EgressViolationError } from './errors.ts'
