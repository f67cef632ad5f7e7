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
}
