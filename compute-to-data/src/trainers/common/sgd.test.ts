import { describe, expect, test } from 'vitest'
import type { Objective } from './objective.ts'
import { mulberry32, seededRandom } from './random.ts'
import { type SgdOptions, trainSgd } from './sgd.ts'

/** Least squares towards per-row targets: the optimum of the mean loss is the targets' mean. */
function meanObjective(targets: number[]): Objective {
  return {
    size: 2,
    decay: Uint8Array.of(1, 0),
    lossBound: 1,
    addGradient(params, row, into) {
      let loss = 0
      for (let j = 0; j < 2; j++) {
        const error = params[j]! - targets[row]!
        into[j]! += error
        loss += 0.5 * error * error
      }
      return loss
    },
  }
}

const targets = Array.from({ length: 100 }, (_, i) => 2 + ((i % 10) - 4.5) / 10)
const base: SgdOptions = { rows: 100, epochs: 20, batchSize: 10, learningRate: 0.1, l2: 0, optimizer: 'sgd', shuffle: mulberry32(1) }

describe('trainSgd', () => {
  test('behavior: an objective with addBatchGradient steps on it, one call per batch, as row by row', () => {
    const rowByRow = new Float64Array(2)
    const losses: number[] = []
    trainSgd(meanObjective(targets), rowByRow, { ...base, optimizer: 'adam', shuffle: mulberry32(4), onEpoch: (_, loss) => losses.push(loss) })
    const single = meanObjective(targets)
    let calls = 0
    const batched: Objective = {
      ...single,
      addGradient: () => {
        throw new Error('the batch method must be used')
      },
      addBatchGradient(params, rows, start, end, into) {
        calls++
        let loss = 0
        for (let b = start; b < end; b++) loss += single.addGradient(params, rows[b]!, into)
        return loss
      },
    }
    const params = new Float64Array(2)
    const batchLosses: number[] = []
    trainSgd(batched, params, { ...base, optimizer: 'adam', shuffle: mulberry32(4), onEpoch: (_, loss) => batchLosses.push(loss) })
    expect(calls).toBe(20 * 10)
    expect([...params]).toEqual([...rowByRow])
    expect(batchLosses).toEqual(losses)
  })

  test('default: SGD reaches the optimum; one step per batch; epoch losses fall', () => {
    const params = new Float64Array(2)
    const losses: number[] = []
    const { steps } = trainSgd(meanObjective(targets), params, { ...base, onEpoch: (_, loss) => losses.push(loss) })
    expect(steps).toBe(20 * 10)
    expect(losses).toHaveLength(20)
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
    expect(params[0]).toBeCloseTo(2, 1)
    expect(params[1]).toBeCloseTo(2, 1)
  })

  test('args: Adam; L2 pulls only decaying parameters towards zero', () => {
    const params = new Float64Array(2)
    trainSgd(meanObjective(targets), params, { ...base, optimizer: 'adam', learningRate: 0.05, l2: 1, epochs: 60 })
    // Optimum of ½(w − 2)² + ½w² is w = 1; the bias is not penalized.
    expect(params[0]).toBeCloseTo(1, 1)
    expect(params[1]).toBeCloseTo(2, 1)
  })

  test('behavior: DP takes epochs × stepsPerEpoch steps, never touches the seeded shuffle, and still converges', () => {
    const params = new Float64Array(2)
    const losses: number[] = []
    const { steps } = trainSgd(meanObjective(targets), params, {
      ...base,
      epochs: 30,
      shuffle: () => {
        throw new Error('the seeded source must not decide DP batches')
      },
      privacy: { noiseMultiplier: 0.5, maxGradNorm: 5, sampleRate: 0.2, expectedBatchSize: 20, stepsPerEpoch: 5 },
      privateRandom: seededRandom(8),
      onEpoch: (_, loss) => losses.push(loss),
    })
    expect(steps).toBe(150)
    expect(losses).toHaveLength(30)
    expect(params[0]).toBeCloseTo(2, 0)
    expect(params[1]).toBeCloseTo(2, 0)
  })

  test('behavior: with DP, the same private source gives the same model and another source another', () => {
    const run = (seed: number) => {
      const params = new Float64Array(2)
      trainSgd(meanObjective(targets), params, { ...base, privacy: { noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.1, expectedBatchSize: 10, stepsPerEpoch: 10 }, privateRandom: seededRandom(seed) })
      return [...params]
    }
    expect(run(1)).toEqual(run(1))
    expect(run(1)).not.toEqual(run(2))
  })

  test('error: DP without a private random source', () => {
    expect(() =>
      trainSgd(meanObjective(targets), new Float64Array(2), { ...base, privacy: { noiseMultiplier: 1, maxGradNorm: 1, sampleRate: 0.1, expectedBatchSize: 10, stepsPerEpoch: 10 } }),
    ).toThrow('private random source')
  })
})
