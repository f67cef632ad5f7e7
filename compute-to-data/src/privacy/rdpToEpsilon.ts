import { z } from 'zod'
import { conversionSchema, deltaSchema, ordersSchema, parseArguments, rdpSchema, toArray } from './arguments.ts'
import { PrivacyArgumentError } from './errors.ts'

/**
 * How RDP becomes (ε, δ)-DP, at each order α with RDP value r:
 * - `balle2020` (default, Opacus' `get_privacy_spent`; TF Privacy since 2021): Balle et al. 2020,
 *   "Hypothesis testing interpretations and Rényi differential privacy", Thm. 21 —
 *   ε = r − (log δ + log α)/(α − 1) + log((α − 1)/α); plus the KL bound TF Privacy adds
 *   (ε = 0 once √(1 − e^−r) ≤ δ), and ε never below 0.
 * - `classic`: Mironov 2017, "Rényi Differential Privacy", Prop. 3 — ε = r − log δ/(α − 1). Looser;
 *   kept to compare with figures published before 2021 (TF Privacy's tutorials).
 */
export type RdpConversion = 'balle2020' | 'classic'

/** Parameters of {@link rdpToEpsilon}. */
export type RdpToEpsilonParameters = {
  /** RDP at each order, e.g. from {@link computeRdp} (or a sum of such curves). */
  rdp: ArrayLike<number>
  /** The orders the RDP was computed at, α > 1, as many as `rdp`. */
  orders: ArrayLike<number>
  /** Target δ, in (0, 1). */
  delta: number
  /** Default `balle2020`. */
  conversion?: RdpConversion | undefined
}

/** The smallest ε over the orders, and the order that gave it. ε is `Infinity` when no order bounds it. */
export type RdpToEpsilonReturnType = { epsilon: number; order: number }

/** The error {@link rdpToEpsilon} throws. */
export type RdpToEpsilonErrorType = PrivacyArgumentError

const parametersSchema = z.object({ rdp: rdpSchema, orders: ordersSchema, delta: deltaSchema, conversion: conversionSchema.optional() })

/**
 * Converts an RDP curve to the (ε, δ)-DP guarantee it implies: the minimum over the orders of the
 * chosen conversion (see {@link RdpConversion}).
 *
 * @example
 * const { epsilon, order } = rdpToEpsilon({ rdp, orders: defaultRdpOrders, delta: 1e-5 })
 */
export function rdpToEpsilon(parameters: RdpToEpsilonParameters): RdpToEpsilonReturnType {
  const { rdp, orders, delta, conversion } = parseArguments(parametersSchema, {
    ...parameters,
    rdp: toArray(parameters.rdp),
    orders: toArray(parameters.orders),
  })
  if (rdp.length !== orders.length) throw new PrivacyArgumentError(`rdp has ${rdp.length} values for ${orders.length} orders.`)
  return epsilonOfRdp(rdp, orders, delta, conversion ?? 'balle2020')
}

/** {@link rdpToEpsilon} on arguments already checked. */
export function epsilonOfRdp(rdp: ArrayLike<number>, orders: readonly number[], delta: number, conversion: RdpConversion): RdpToEpsilonReturnType {
  const logDelta = Math.log(delta)
  // Below this RDP (≈ δ²), even the KL divergence it bounds gives (0, δ)-DP.
  const klThreshold = -Math.log1p(-delta * delta)
  let best: RdpToEpsilonReturnType = { epsilon: Infinity, order: orders[0]! }
  for (let k = 0; k < orders.length; k++) {
    const alpha = orders[k]!
    const r = rdp[k]!
    let epsilon: number
    if (r === Infinity) epsilon = Infinity
    else if (conversion === 'classic') epsilon = r - logDelta / (alpha - 1)
    else if (r <= klThreshold) epsilon = 0
    else epsilon = Math.max(0, r - (logDelta + Math.log(alpha)) / (alpha - 1) + Math.log1p(-1 / alpha))
    if (epsilon < best.epsilon) best = { epsilon, order: alpha }
  }
  return best
}
