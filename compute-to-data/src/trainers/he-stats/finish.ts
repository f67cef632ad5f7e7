// Bundle entry of the he-stats trainer: the arithmetic that turns released aggregates into its outputs.
export { heStatisticsFrom } from '../../he/solve.ts'
