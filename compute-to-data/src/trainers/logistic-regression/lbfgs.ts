/** How {@link minimizeLbfgs} stops and what it reports. */
export type LbfgsOptions = {
  /** Iterations at most (default 500). */
  maxIterations?: number | undefined
  /** Stop when the largest gradient component is at most this (default 1e-6). */
  gradientTolerance?: number | undefined
  /** Stop when an iteration lowers the objective by less than this, relatively (default 1e-12). */
  relativeTolerance?: number | undefined
  /** Correction pairs kept (default 10). */
  memory?: number | undefined
  onIteration?: ((iteration: number, value: number) => void) | undefined
}

/**
 * Minimizes a smooth function with L-BFGS (Nocedal and Wright, Numerical Optimization, algorithm
 * 7.4) and a backtracking line search on the Armijo condition; a pair that would break positive
 * curvature is skipped. `evaluate(w, gradient)` writes the gradient at `w` and returns the value.
 * `params` holds the start and, on return, the minimizer found.
 */
export function minimizeLbfgs(
  evaluate: (params: Float64Array, gradient: Float64Array) => number,
  params: Float64Array,
  { maxIterations = 500, gradientTolerance = 1e-6, relativeTolerance = 1e-12, memory = 10, onIteration }: LbfgsOptions = {},
): { iterations: number; value: number } {
  const size = params.length
  const gradient = new Float64Array(size)
  const nextGradient = new Float64Array(size)
  const next = new Float64Array(size)
  const direction = new Float64Array(size)
  const s: Float64Array[] = []
  const y: Float64Array[] = []
  const rho: number[] = []
  const alpha = new Float64Array(memory)
  const dot = (a: Float64Array, b: Float64Array) => {
    let total = 0
    for (let i = 0; i < size; i++) total += a[i]! * b[i]!
    return total
  }
  const maxAbs = (a: Float64Array) => {
    let m = 0
    for (let i = 0; i < size; i++) m = Math.max(m, Math.abs(a[i]!))
    return m
  }

  let value = evaluate(params, gradient)
  let iteration = 0
  while (iteration < maxIterations && maxAbs(gradient) > gradientTolerance) {
    // Two-loop recursion: direction = −H·gradient.
    for (let i = 0; i < size; i++) direction[i] = -gradient[i]!
    for (let m = s.length - 1; m >= 0; m--) {
      alpha[m] = rho[m]! * dot(s[m]!, direction)
      for (let i = 0; i < size; i++) direction[i]! -= alpha[m]! * y[m]![i]!
    }
    const last = s.length - 1
    const gamma = last >= 0 ? dot(s[last]!, y[last]!) / dot(y[last]!, y[last]!) : 1 / Math.max(1, Math.sqrt(dot(gradient, gradient)))
    for (let i = 0; i < size; i++) direction[i]! *= gamma
    for (let m = 0; m < s.length; m++) {
      const beta = rho[m]! * dot(y[m]!, direction)
      for (let i = 0; i < size; i++) direction[i]! += s[m]![i]! * (alpha[m]! - beta)
    }
    let slope = dot(gradient, direction)
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      s.length = y.length = rho.length = 0
      for (let i = 0; i < size; i++) direction[i] = -gradient[i]!
      slope = dot(gradient, direction)
    }

    let step = 1
    let nextValue = Number.NaN
    for (let tries = 0; tries < 40; tries++) {
      for (let i = 0; i < size; i++) next[i] = params[i]! + step * direction[i]!
      nextValue = evaluate(next, nextGradient)
      if (nextValue <= value + 1e-4 * step * slope) break
      step /= 2
    }
    if (!(nextValue <= value)) break // no step lowers the objective: as close as this precision allows

    const sNew = new Float64Array(size)
    const yNew = new Float64Array(size)
    for (let i = 0; i < size; i++) {
      sNew[i] = next[i]! - params[i]!
      yNew[i] = nextGradient[i]! - gradient[i]!
    }
    const curvature = dot(sNew, yNew)
    if (curvature > 1e-12) {
      if (s.length === memory) {
        s.shift()
        y.shift()
        rho.shift()
      }
      s.push(sNew)
      y.push(yNew)
      rho.push(1 / curvature)
    }
    const previous = value
    params.set(next)
    gradient.set(nextGradient)
    value = nextValue
    iteration++
    onIteration?.(iteration, value)
    if (previous - value <= relativeTolerance * Math.max(1, Math.abs(previous))) break
  }
  return { iterations: iteration, value }
}
