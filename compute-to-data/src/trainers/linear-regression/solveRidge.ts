export type SolveRidgeParameters = {
  /** Scaled features, row-major [rows, features]. */
  x: Float64Array
  /** Scaled target. */
  y: Float64Array
  rows: number
  features: number
  /** L2 on the weights (not the bias), as in the SGD objective: mean ½(ŷ − y)² + (l2 / 2)·‖w‖². */
  l2: number
}

/**
 * Fits linear regression exactly: the minimizer of mean ½(ŷ − y)² + (l2 / 2)·‖w‖² solves the
 * normal equations (XᵀX / n + l2·I′)·[w; b] = Xᵀy / n, with X augmented by a column of ones for
 * the bias and I′ the identity without the bias. One pass over the rows builds the (d + 1)² system;
 * a Cholesky factorization solves it. A singular system (a constant or duplicated feature and
 * l2 = 0) is regularized by the smallest ridge that makes it definite, which picks the
 * minimum-norm solution among the equally good ones, as a least-squares solver does.
 * Returns [w; b].
 */
export function solveRidge({ x, y, rows: n, features: d, l2 }: SolveRidgeParameters): Float64Array {
  const m = d + 1
  const gram = new Float64Array(m * m)
  const rhs = new Float64Array(m)
  const augmented = new Float64Array(m)
  augmented[d] = 1
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) augmented[j] = x[i * d + j]!
    const target = y[i]!
    for (let a = 0; a < m; a++) {
      const va = augmented[a]!
      rhs[a]! += va * target
      // Upper triangle only; mirrored below.
      for (let b = a; b < m; b++) gram[a * m + b]! += va * augmented[b]!
    }
  }
  for (let a = 0; a < m; a++) {
    rhs[a]! /= n
    for (let b = a; b < m; b++) {
      gram[a * m + b]! /= n
      gram[b * m + a] = gram[a * m + b]!
    }
    if (a < d) gram[a * m + a]! += l2
  }
  for (let jitter = 0; ; jitter = jitter === 0 ? 1e-12 : jitter * 10) {
    const solution = choleskySolve(gram, rhs, m, jitter)
    if (solution) return solution
    if (jitter > 1) throw new Error('the normal equations could not be solved')
  }
}

/** Solves (A + jitter·I′)·v = rhs for symmetric A (I′ leaves out the last, bias, entry); undefined unless positive definite. */
function choleskySolve(matrix: Float64Array, rhs: Float64Array, m: number, jitter: number): Float64Array | undefined {
  const lower = new Float64Array(m * m)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = matrix[i * m + j]! + (i === j && i < m - 1 ? jitter : 0)
      for (let p = 0; p < j; p++) sum -= lower[i * m + p]! * lower[j * m + p]!
      if (i === j) {
        if (!(sum > 1e-13)) return undefined
        lower[i * m + i] = Math.sqrt(sum)
      } else lower[i * m + j] = sum / lower[j * m + j]!
    }
  }
  const z = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    let sum = rhs[i]!
    for (let p = 0; p < i; p++) sum -= lower[i * m + p]! * z[p]!
    z[i] = sum / lower[i * m + i]!
  }
  const v = new Float64Array(m)
  for (let i = m - 1; i >= 0; i--) {
    let sum = z[i]!
    for (let p = i + 1; p < m; p++) sum -= lower[p * m + i]! * v[p]!
    v[i] = sum / lower[i * m + i]!
  }
  return v
}
