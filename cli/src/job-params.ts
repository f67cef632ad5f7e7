// Training parameters from the command line: `--param k=v` with typed values and `--dp
// sigma=…,clip=…[,delta=…]`, into the `params` object a trainer takes.
import { z } from 'zod'
import { check } from './args.ts'
import { CliUsageError } from './errors.ts'

const keyPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/
const numberPattern = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/

/**
 * A `--param` value, typed: `true`/`false` are booleans, `null` is null, a decimal number is a
 * number, text starting with `[`, `{` or `"` is JSON (`hidden=[16,8]`), anything else a string.
 */
export function parseParamValue(raw: string, key: string): unknown {
  if (raw === 'true') return true
  if (raw === 'false') return false
  if (raw === 'null') return null
  if (numberPattern.test(raw)) {
    const value = Number(raw)
    if (!Number.isFinite(value)) throw new CliUsageError(`--param ${key}: ${raw} is not a finite number.`, { code: 'PARAM_INVALID' })
    return value
  }
  if (/^[[{"]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown
    } catch {
      throw new CliUsageError(`--param ${key}: the value looks like JSON but does not parse: ${raw}`, { code: 'PARAM_INVALID' })
    }
  }
  return raw
}

/**
 * Turns `--param k=v` flags into a params object. Dotted keys nest (`dp.delta=1e-6`); a key given
 * twice is an error.
 *
 * @example
 * parseParams(['epochs=20', 'hidden=[16,8]', 'dp.noiseMultiplier=1.1'])
 * // { epochs: 20, hidden: [16, 8], dp: { noiseMultiplier: 1.1 } }
 */
export function parseParams(flags: readonly string[]): Record<string, unknown> {
  const params: Record<string, unknown> = {}
  for (const flag of flags) {
    const at = flag.indexOf('=')
    if (at <= 0) throw new CliUsageError(`--param ${flag}: expected key=value (e.g. --param epochs=20).`, { code: 'PARAM_INVALID' })
    const key = flag.slice(0, at)
    if (!keyPattern.test(key)) throw new CliUsageError(`--param ${flag}: "${key}" is not a parameter name.`, { code: 'PARAM_INVALID' })
    const path = key.split('.')
    let target = params
    for (const part of path.slice(0, -1)) {
      const next = target[part]
      if (next === undefined) target = target[part] = {} as Record<string, unknown>
      else if (typeof next === 'object' && next !== null && !Array.isArray(next)) target = next as Record<string, unknown>
      else throw new CliUsageError(`--param ${key}: ${part} is already a value.`, { code: 'PARAM_INVALID' })
    }
    const last = path[path.length - 1]!
    if (Object.hasOwn(target, last)) throw new CliUsageError(`--param ${key} is given twice.`, { code: 'PARAM_INVALID' })
    target[last] = parseParamValue(flag.slice(at + 1), key)
  }
  return params
}

const dpSchema = z.union([
  z.strictObject({
    noiseMultiplier: z.number().positive().max(1000),
    maxGradNorm: z.number().positive().max(1e6),
    delta: z.number().positive().lt(1).optional(),
  }),
  z.strictObject({
    targetEpsilon: z.number().positive().max(1000),
    maxGradNorm: z.number().positive().max(1e6),
    delta: z.number().positive().lt(1).optional(),
  }),
])

/** The gradient clip `--dp` uses when none is given: per-row gradients are clipped to L2 norm 1. */
export const defaultMaxGradNorm = 1

const dpAliases: Record<string, 'noiseMultiplier' | 'targetEpsilon' | 'maxGradNorm' | 'delta'> = {
  sigma: 'noiseMultiplier',
  noise: 'noiseMultiplier',
  noiseMultiplier: 'noiseMultiplier',
  epsilon: 'targetEpsilon',
  targetEpsilon: 'targetEpsilon',
  clip: 'maxGradNorm',
  maxGradNorm: 'maxGradNorm',
  delta: 'delta',
}

const dpUsage = 'expected sigma=<noise multiplier> or epsilon=<target ε>, then optionally clip=<max gradient norm, default 1> and delta=<δ>'

/**
 * `--dp sigma=1.1[,clip=1][,delta=1e-6]` or `--dp epsilon=3[,clip=1][,delta=1e-6]` as the
 * trainers' `dp` parameter: `{ noiseMultiplier, maxGradNorm, delta }`, or `{ targetEpsilon,
 * maxGradNorm, delta }`, whose noise multiplier the node's accountant calibrates so the run spends
 * at most that ε. `clip` defaults to {@link defaultMaxGradNorm}.
 *
 * @example
 * parseDp('sigma=1.1,clip=1') // { noiseMultiplier: 1.1, maxGradNorm: 1 }
 * parseDp('epsilon=3') // { targetEpsilon: 3, maxGradNorm: 1 }
 */
export function parseDp(flag: string): z.output<typeof dpSchema> {
  const dp: Record<string, number> = {}
  for (const part of flag.split(',')) {
    const [name, value, extra] = part.split('=')
    const key = name === undefined ? undefined : dpAliases[name.trim()]
    if (key === undefined || value === undefined || extra !== undefined) throw new CliUsageError(`--dp ${flag}: ${dpUsage}.`, { code: 'PARAM_INVALID' })
    if (!numberPattern.test(value.trim())) throw new CliUsageError(`--dp ${name}=${value}: not a number.`, { code: 'PARAM_INVALID' })
    if (Object.hasOwn(dp, key)) throw new CliUsageError(`--dp ${name} is given twice.`, { code: 'PARAM_INVALID' })
    dp[key] = Number(value)
  }
  if ((dp.noiseMultiplier === undefined) === (dp.targetEpsilon === undefined))
    throw new CliUsageError(`--dp ${flag}: give either sigma=<noise multiplier> or epsilon=<target ε> (the node then picks σ), not ${dp.noiseMultiplier === undefined ? 'neither' : 'both'}.`, {
      code: 'PARAM_INVALID',
    })
  return check(dpSchema, { maxGradNorm: defaultMaxGradNorm, ...dp }, '--dp')
}
