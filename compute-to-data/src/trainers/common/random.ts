import { randomFillSync } from 'node:crypto'

/** A source of randomness: uniform draws in the open interval (0, 1) and standard normal draws. */
export type RandomSource = { uniform(): number; normal(): number }

/** A small, well-distributed 32-bit PRNG with values in [0, 1); deterministic for a seed. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * A reproducible source for what may be public: initial weights, the shuffling order of a run
 * without DP, and tests. Never for DP sampling or noise: the buyer chooses the seed.
 */
export function seededRandom(seed: number): RandomSource {
  const next = mulberry32(seed)
  return withNormal(() => {
    for (;;) {
      const u = next()
      if (u > 0) return u
    }
  })
}

/**
 * A source backed by the operating system's CSPRNG, for DP-SGD's batch sampling and noise. Its
 * draws are unpredictable to the buyer (who chooses every parameter, the seed included), which
 * the privacy guarantee needs: noise a buyer could replay is no noise. 53-bit uniforms.
 */
export function secureRandom(): RandomSource {
  const pool = new Uint32Array(8192)
  let next = pool.length
  const word = () => {
    if (next === pool.length) {
      randomFillSync(pool)
      next = 0
    }
    return pool[next++]!
  }
  return withNormal(() => ((word() >>> 5) * 67108864 + (word() >>> 6) + 0.5) / 9007199254740992)
}

// Box–Muller; the second value of each pair is kept for the next call.
function withNormal(uniform: () => number): RandomSource {
  let spare: number | undefined
  return {
    uniform,
    normal() {
      if (spare !== undefined) {
        const value = spare
        spare = undefined
        return value
      }
      const radius = Math.sqrt(-2 * Math.log(uniform()))
      const angle = 2 * Math.PI * uniform()
      spare = radius * Math.sin(angle)
      return radius * Math.cos(angle)
    },
  }
}
