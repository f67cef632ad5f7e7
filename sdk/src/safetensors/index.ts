export {
  type SafetensorsArray,
  type SafetensorsDtype,
  type SafetensorsTensor,
  isSafetensorsDtype,
  safetensorsDtypes,
} from './dtypes.ts'
export { type SafetensorsFormatReason, SafetensorsFormatError } from './errors.ts'
export { type EncodeSafetensorsTensors, type SafetensorsMetadata, encodeSafetensors } from './encodeSafetensors.ts'
export {
  type DecodeSafetensorsErrorType,
  type DecodeSafetensorsOptions,
  type DecodeSafetensorsReturnType,
  decodeSafetensors,
} from './decodeSafetensors.ts'
