// The HE trainers' last step, on released (noised) aggregates only: statistics and the ridge
// solution from n, Σx and Σxxᵀ. Pure arithmetic; this file is also the trainers' bundle entry, so
// its hash names what turns aggregates into outputs.

/** Released aggregates: n, each column's sum, and Σ x_i x_j over the upper triangle (row-major). */
export type HeAggregates = { rows: number; sums: ArrayLike<number>; products: ArrayLike<number> }

/** The d×d matrix of Σ x_i x_j from the upper-triangle products. */
export function gramMatrix(d: number, products: ArrayLike<number>): Float64Array {
  const gram = new Float64Array(d * d)
  let p = 0
  for (let i = 0; i < d; i++)
    for (let j = i; j < d; j++) {
      const value = products[p++] as number
      gram[i * d + j] = value
      gram[j * d + i] = value
    }
  return gram
}

/** Means, sample variances, covariance and correlation matrices (row-major) from aggregates. */
export function heStatisticsFrom({ rows, sums, products }: HeAggregates) {
  const d = sums.length
  const gram = gramMatrix(d, products)
  const mean = Float64Array.from({ length: d }, (_, i) => (sums[i] as number) / rows)
  const covariance = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) covariance[i * d + j] = ((gram[i * d + j] as number) - rows * (mean[i] as number) * (mean[j] as number)) / Math.max(1, rows - 1)
  const variance = Float64Array.from({ length: d }, (_, i) => Math.max(0, covariance[i * d + i] as number))
  const correlation = new Float64Array(d * d)
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) {
      const scale = Math.sqrt((variance[i] as number) * (variance[j] as number))
      correlation[i * d + j] = scale > 0 ? Math.max(-1, Math.min(1, (covariance[i * d + j] as number) / scale)) : 0
    }
  return { mean, variance, covariance, correlation }
}

/**
 * Ridge regression of the last column on the others from aggregates: features standardized by
 * their mean and population standard deviation, w minimizing (1/n)‖y − b − Zw‖² + λ‖w‖² (λ = 0 is
 * ordinary least squares), b = ȳ. Also the fit's MSE and R², which follow from the same sums.
 */
export function heRidgeFrom({ rows, sums, products }: HeAggregates, { lambda }: { lambda: number }) {
  const columns = sums.length
  const d = columns - 1
  const gram = gramMatrix(columns, products)
  const mean = Float64Array.from({ length: columns }, (_, i) => (sums[i] as number) / rows)
  // Centered cross products: C_ij = Σ (x_i − m_i)(x_j − m_j).
  const centered = (i: number, j: number) => (gram[i * columns + j] as number) - rows * (mean[i] as number) * (mean[j] as number)
  const std = Float64Array.from({ length: d }, (_, i) => {
    const s = Math.sqrt(Math.max(0, centered(i, i)) / rows)
    return s > 0 ? s : 1
  })
  const a = new Float64Array(d * d)
  const rhs = new Float64Array(d)
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) a[i * d + j] = centered(i, j) / (rows * (std[i] as number) * (std[j] as number)) + (i === j ? lambda : 0)
    rhs[i] = centered(i, d) / (rows * (std[i] as number))
  }
  const weights = solveSymmetric(a, rhs, d)
  const sst = Math.max(0, centered(d, d)) / rows
  let explained = 0
  for (let i = 0; i < d; i++) {
    explained += 2 * (weights[i] as number) * (rhs[i] as number)
    for (let j = 0; j < d; j++) explained -= (weights[i] as number) * (weights[j] as number) * ((a[i * d + j] as number) - (i === j ? lambda : 0))
  }
  const mse = Math.max(0, sst - explained)
  return {
    weights,
    bias: mean[d] as number,
    featureMean: mean.slice(0, d),
    featureStd: std,
    mse,
    r2: sst > 0 ? 1 - mse / sst : 0,
  }
}

/** Solves A x = b for a symmetric A (Gaussian elimination with partial pivoting). */
export function solveSymmetric(matrix: Float64Array, vector: Float64Array, d: number): Float64Array {
  const a = matrix.slice()
  const b = vector.slice()
  for (let col = 0; col < d; col++) {
    let pivot = col
    for (let row = col + 1; row < d; row++) if (Math.abs(a[row * d + col] as number) > Math.abs(a[pivot * d + col] as number)) pivot = row
    if (Math.abs(a[pivot * d + col] as number) < 1e-12) throw new RangeError('The normal equations are singular: add ridge (lambda > 0) or drop collinear features.')
    if (pivot !== col) {
      for (let k = 0; k < d; k++) [a[col * d + k], a[pivot * d + k]] = [a[pivot * d + k] as number, a[col * d + k] as number]
      ;[b[col], b[pivot]] = [b[pivot] as number, b[col] as number]
    }
    for (let row = col + 1; row < d; row++) {
      const factor = (a[row * d + col] as number) / (a[col * d + col] as number)
      for (let k = col; k < d; k++) a[row * d + k] = (a[row * d + k] as number) - factor * (a[col * d + k] as number)
      b[row] = (b[row] as number) - factor * (b[col] as number)
    }
  }
  const x = new Float64Array(d)
  for (let row = d - 1; row >= 0; row--) {
    let sum = b[row] as number
    for (let k = row + 1; k < d; k++) sum -= (a[row * d + k] as number) * (x[k] as number)
    x[row] = sum / (a[row * d + row] as number)
  }
  return x
}
