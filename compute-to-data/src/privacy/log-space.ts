// Arithmetic on numbers kept as their natural logarithms, so that the terms of the sampled
// Gaussian's Rényi divergence (which span hundreds of orders of magnitude) neither overflow nor
// vanish. 0 is -Infinity.

/** log(exp(x) + exp(y)), without overflow. */
export function logAdd(x: number, y: number): number {
  const a = Math.min(x, y)
  const b = Math.max(x, y)
  if (a === -Infinity) return b
  return Math.log1p(Math.exp(a - b)) + b
}

/**
 * log(exp(x) - exp(y)) for x ≥ y. Answers NaN when x < y (the difference would be negative), so a
 * caller can tell a cancelled series from a result.
 */
export function logSub(x: number, y: number): number {
  if (x < y) return Number.NaN
  if (y === -Infinity) return x
  if (x === y) return -Infinity
  const difference = x - y
  // expm1 overflows past ~709; there exp(y) is negligible beside exp(x).
  if (difference > 700) return x
  return Math.log(Math.expm1(difference)) + y
}

// W. J. Cody's rational Chebyshev approximations of erf and erfc ("Rational Chebyshev
// approximations for the error function", Math. Comp. 23 (1969), as in SPECFUN's CALERF), which
// keep double precision down to erfc's smallest values. The second and third intervals give
// erfcx(x) = exp(x²)·erfc(x) directly, so log(erfc(x)) = log(erfcx(x)) − x² never underflows.
const A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1] as const
const B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03] as const
const C = [
  5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
  1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8,
] as const
const D = [
  1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03, 3.29079923573345963e03,
  4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
] as const
const P = [
  3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4,
  1.63153871373020978e-2,
] as const
const Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3] as const
const inverseSqrtPi = 0.56418958354775628
const firstBreak = 0.46875

/** erf(x) for |x| ≤ 0.46875. */
function erfSmall(x: number): number {
  const z = x * x
  let numerator = A[4] * z
  let denominator = z
  for (let i = 0; i < 3; i++) {
    numerator = (numerator + A[i]!) * z
    denominator = (denominator + B[i]!) * z
  }
  return (x * (numerator + A[3])) / (denominator + B[3])
}

/** exp(x²)·erfc(x) for x > 0.46875. */
function erfcxLarge(x: number): number {
  if (x <= 4) {
    let numerator = C[8] * x
    let denominator = x
    for (let i = 0; i < 7; i++) {
      numerator = (numerator + C[i]!) * x
      denominator = (denominator + D[i]!) * x
    }
    return (numerator + C[7]) / (denominator + D[7])
  }
  if (x >= 6.71e7) return inverseSqrtPi / x
  const z = 1 / (x * x)
  let numerator = P[5] * z
  let denominator = z
  for (let i = 0; i < 4; i++) {
    numerator = (numerator + P[i]!) * z
    denominator = (denominator + Q[i]!) * z
  }
  return (inverseSqrtPi - (z * (numerator + P[4])) / (denominator + Q[4])) / x
}

/** log(erfc(x)), accurate for large x where erfc(x) itself underflows. */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN
  if (x === Infinity) return -Infinity
  if (Math.abs(x) <= firstBreak) return Math.log1p(-erfSmall(x))
  if (x > 0) return Math.log(erfcxLarge(x)) - x * x
  // erfc(x) = 2 − erfc(−x); for x < −26.6, erfc(−x) is below double precision's reach of 2.
  if (x < -26.7) return Math.LN2
  return Math.log(2 - Math.exp(-x * x) * erfcxLarge(-x))
}
