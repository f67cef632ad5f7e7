// Bounds for differential privacy proposed from the data on the owner's machine: the observed
// extremes rounded outward to a round step, so the published bounds do not give the data's exact
// minimum and maximum (and clip nothing of this file).

// A multiple of a step, without the binary noise of floating point (0.1 × 3 = 0.30000000000000004).
const tidy = (value: number) => Number(value.toPrecision(12))

/**
 * The bounds to propose for a number column whose values lie in `[min, max]`: the extremes rounded
 * outward to a multiple of the largest step of the form 1, 2 or 5 × 10ⁿ that is at most half the
 * range (a constant column gets one step either side; non-negative data keeps a bound of at
 * least 0). The result always holds `[min, max]`, with `min < max`.
 *
 * @example
 * proposeBounds(29, 77) // { min: 20, max: 80 }
 * proposeBounds(0, 1) // { min: 0, max: 1 }
 */
export function proposeBounds(min: number, max: number): { min: number; max: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) throw new RangeError(`proposeBounds needs finite min ≤ max, got ${min} and ${max}`)
  const range = max - min
  const scale = range > 0 ? range / 2 : Math.abs(min) > 0 ? Math.abs(min) : 1
  const power = 10 ** Math.floor(Math.log10(scale))
  const step = [5, 2, 1].map((factor) => factor * power).find((candidate) => candidate <= scale) ?? power
  let low = tidy(Math.floor(min / step) * step)
  let high = tidy(Math.ceil(max / step) * step)
  if (low > min) low = tidy(low - step)
  if (high < max) high = tidy(high + step)
  if (low === high) {
    high = tidy(high + step)
    if (low - step >= 0 || min < 0) low = tidy(low - step)
  }
  return { min: low, max: high }
}
