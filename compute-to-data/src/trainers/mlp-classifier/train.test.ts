import { type DatasetSchema, planLogisticRegression, planMlpClassifier } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from '../common/table.ts'
import { seededRandom } from '../common/random.ts'
import { trainLogisticRegression } from '../logistic-regression/train.ts'
import { xor } from '../testing/datasets.ts'
import { mlpNetwork } from './network.ts'
import { trainMlpClassifier } from './train.ts'

const schema = {
  format: 'csv',
  rows: 2000,
  columns: [
    { name: 'f1', type: 'number', min: -1, max: 1 },
    { name: 'f2', type: 'number', min: -1, max: 1 },
    { name: 'label', type: 'category', values: ['same', 'diff'] },
  ],
} as DatasetSchema

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
    network.predict(params, x, heldOut.labels.length, (i, p) => {
      if ((p[1]! > p[0]! ? 'diff' : 'same') === heldOut.labels[i]) correct++
    })
    expect(correct / heldOut.labels.length).toBeGreaterThan(0.9)
  })
})
