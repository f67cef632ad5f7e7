// Bundle entry of the he-ridge trainer: the arithmetic that turns released aggregates into its outputs.
export { heRidgeFrom } from '../../he/solve.ts'
