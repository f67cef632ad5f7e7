import { type DatasetSchema, planLogisticRegression, planMlpClassifier } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from '../common/table.ts'
import { seededRandom } from '../common/random.ts'
import { trainLogisticRegression } from '../logistic-regression/train.ts'
import { xor } from '../testing/datasets.ts'
import { mlpNetwork, trainMlpClassifier } from './train.ts'

const schema = {
  format: 'csv',
  rows: 2000,
  columns: [
    { name: 'f1', type: 'number', min: -1, max: 1 },
    { name: 'f2', type: 'number', min: -1, max: 1 },
    { name: 'label', type: 'category', values: ['same', 'diff'] },
  ],
} as DatasetSchema

describe('mlpNetwork', () => {
  test('behavior: backpropagation matches finite differences (one and two hidden layers)', () => {
    for (const widths of [[3, 5, 4], [3, 6, 4, 3]]) {
      const layers = widths.slice(1).map((outputs, i) => ({ inputs: widths[i]!, outputs }))
      const network = mlpNetwork(layers)
      const random = seededRandom(widths.length)
      const params = Float64Array.from({ length: network.size }, () => random.normal())
      const x = Float64Array.from({ length: 6 }, () => random.normal())
      const label = widths.at(-1)! - 1
      const gradient = new Float64Array(network.size)
      const loss = network.addGradient(params, x, 1, label, gradient)
      const lossAt = (p: Float64Array) => network.addGradient(p, x, 1, label, new Float64Array(network.size))
      expect(lossAt(params)).toBe(loss)
      let worst = 0
      for (let i = 0; i < network.size; i++) {
        const h = 1e-6
        const up = Float64Array.from(params)
        const down = Float64Array.from(params)
        up[i]! += h
        down[i]! -= h
        worst = Math.max(worst, Math.abs((lossAt(up) - lossAt(down)) / (2 * h) - gradient[i]!))
      }
      expect(worst).toBeLessThan(1e-6)
      // The gradient is added, not written: a second call doubles it.
      network.addGradient(params, x, 1, label, gradient)
      const once = new Float64Array(network.size)
      network.addGradient(params, x, 1, label, once)
      expect(Math.max(...gradient.map((g, i) => Math.abs(g - 2 * once[i]!)))).toBeLessThan(1e-12)
    }
  })
})

describe('trainMlpClassifier', () => {
  const data = xor(2000, 1)

  test('default: learns XOR, where logistic regression cannot', () => {
    const plan = planMlpClassifier(schema, { label: 'label', epochs: 20, hidden: [16] })
    const losses: number[] = []
    const model = trainMlpClassifier(plan, loadTable(plan, [data.csv]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(20)
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 4)
    expect(model.accuracy).toBeGreaterThan(0.95)
    expect(model.layers.map((layer) => [layer.weight.length, layer.bias.length])).toEqual([
      [16 * 2, 16],
      [2 * 16, 2],
    ])
    const linear = planLogisticRegression(schema, { label: 'label', epochs: 20 })
    expect(trainLogisticRegression(linear, loadTable(linear, [data.csv])).accuracy).toBeLessThan(0.65)
  })

  test('behavior: same seed, same model; another seed, other initial weights', () => {
    const train = (seed: number) => {
      const plan = planMlpClassifier(schema, { label: 'label', epochs: 2, hidden: [4, 3], seed })
      return [...trainMlpClassifier(plan, loadTable(plan, [data.csv])).layers[0]!.weight]
    }
    expect(train(1)).toEqual(train(1))
    expect(train(2)).not.toEqual(train(1))
  })

  test('behavior: DP-SGD (σ = 1, C = 1) still learns XOR; no data-derived metrics', () => {
    const plan = planMlpClassifier(schema, { label: 'label', epochs: 15, hidden: [16], dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    const table = loadTable(plan, [data.csv])
    const model = trainMlpClassifier(plan, table, { privateRandom: seededRandom(21) })
    expect(model.steps).toBe(15 * 31)
    expect(model.loss).toBeUndefined()
    expect(model.accuracy).toBeUndefined()
    // Evaluate the released weights outside the trainer.
    const network = mlpNetwork(plan.layers)
    const params = new Float64Array(network.size)
    network.offsets.forEach((offset, l) => {
      params.set(model.layers[l]!.weight, offset.weight)
      params.set(model.layers[l]!.bias, offset.bias)
    })
    const heldOut = xor(1000, 2)
    const x = Float64Array.from(heldOut.features.flat())
    let correct = 0
    heldOut.labels.forEach((label, i) => {
      network.forward(params, x, i)
      if ((network.probabilities[1]! > network.probabilities[0]! ? 'diff' : 'same') === label) correct++
    })
    expect(correct / heldOut.labels.length).toBeGreaterThan(0.9)
  })
})
