/**
 * A model's training objective as the SGD loop sees it: a flat parameter vector and, per row, the
 * gradient of that row's loss.
 */
export type Objective = {
  /** Number of parameters. */
  size: number
  /** 1 where the L2 penalty applies (weights), 0 where it does not (biases). */
  decay: Uint8Array
  /** Under DP, each row's loss is clipped to [0, lossBound] before its noisy release. */
  lossBound: number
  /** Adds the gradient of row `row`'s loss at `params` into `into`, and returns that loss. */
  addGradient(params: Float64Array, row: number, into: Float64Array): number
  /**
   * Optional, for objectives that are faster a batch at a time (matrix–matrix products): adds the
   * gradient sum of rows `rows[start]` … `rows[end − 1]` into `into` and returns their loss sum,
   * the same as {@link Objective.addGradient} on each row.
   */
  addBatchGradient?(params: Float64Array, rows: ArrayLike<number>, start: number, end: number, into: Float64Array): number
  /**
   * Optional, DP-SGD a batch at a time: adds the sum over `rows` of each row's own gradient, clipped
   * exactly as `clipContribution` clips it (factor `clipFactor` of its norm over all parameters),
   * into `into`, and returns the sum of the rows' `lossCoordinate`s.
   */
  addClippedGradients?(params: Float64Array, rows: readonly number[], maxGradNorm: number, into: Float64Array): number
}
