import { type DatasetSchema, planLogisticRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { seededRandom } from '../common/random.ts'
import { loadTable } from '../common/table.ts'
import { trainLogisticRegression } from './train.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'x1', type: 'number' },
    { name: 'x2', type: 'number' },
    { name: 'note', type: 'text' },
    { name: 'label', type: 'category', values: ['a', 'b', 'c'] },
  ],
}

/** Three well-separated Gaussian-ish blobs, deterministic. */
function blobs(n: number, classes = ['a', 'b', 'c']) {
  let seed = 42
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5
  const centers = [[0, 0], [3, 3], [0, 6]]
  let text = 'x1,x2,note,label\n'
  for (let i = 0; i < n; i++) {
    const k = i % classes.length
    text += `${centers[k]![0]! + rand() * 2},${centers[k]![1]! + rand() * 2},p,${classes[k]}\n`
  }
  return text
}

describe('trainLogisticRegression', () => {
  test('default: multiclass reaches high accuracy; the full-batch fit lowers the loss every iteration', () => {
    const plan = planLogisticRegression(schema, { label: 'label', epochs: 30, seed: 7 })
    const losses: number[] = []
    const model = trainLogisticRegression(plan, loadTable(plan, [blobs(600)]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses.length).toBeGreaterThan(1)
    expect(model.steps).toBe(losses.length)
    for (let i = 1; i < losses.length; i++) expect(losses[i]!).toBeLessThanOrEqual(losses[i - 1]!)
    expect(model.accuracy).toBeGreaterThan(0.95)
    expect(model.weights).toHaveLength(3 * 2)
    expect(model.bias).toHaveLength(3)
  })

  test('args: solver sgd: one loss per epoch, falling', () => {
    const plan = planLogisticRegression(schema, { label: 'label', epochs: 30, seed: 7, solver: 'sgd' })
    const losses: number[] = []
    const model = trainLogisticRegression(plan, loadTable(plan, [blobs(600)]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(30)
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
    expect(model.accuracy).toBeGreaterThan(0.95)
  })

  test('behavior: with L2 the full-batch fit reaches the objective SGD descends, at least as low', () => {
    const full = planLogisticRegression(schema, { label: 'label', l2: 0.01 })
    const sgd = planLogisticRegression(schema, { label: 'label', l2: 0.01, epochs: 200, learningRate: 0.05, solver: 'sgd' })
    const table = loadTable(full, [blobs(600)])
    const exact = trainLogisticRegression(full, table)
    const descended = trainLogisticRegression(sgd, table)
    expect(exact.loss!).toBeLessThanOrEqual(descended.loss! + 1e-9)
    expect(exact.loss!).toBeGreaterThan(descended.loss! - 0.01) // SGD with a small step lands near the same minimum
  })

  test('behavior: binary uses one output row; same seed gives the same model', () => {
    const binarySchema: DatasetSchema = { ...schema, columns: [...schema.columns.slice(0, 3), { name: 'label', type: 'category', values: ['a', 'b'] }] }
    const plan = planLogisticRegression(binarySchema, { label: 'label', epochs: 10, seed: 3, solver: 'sgd' })
    const table = loadTable(plan, [blobs(400, ['a', 'b'])])
    const one = trainLogisticRegression(plan, table)
    const two = trainLogisticRegression(plan, table)
    expect(one.weights).toHaveLength(2)
    expect(one.bias).toHaveLength(1)
    expect(one.accuracy).toBeGreaterThan(0.95)
    expect([...one.weights]).toEqual([...two.weights])
    const other = trainLogisticRegression(planLogisticRegression(binarySchema, { label: 'label', epochs: 10, seed: 4, solver: 'sgd' }), table)
    expect([...other.weights]).not.toEqual([...one.weights])
    // The full-batch fit has no randomness: the seed changes nothing.
    const full = (seed: number) => [...trainLogisticRegression(planLogisticRegression(binarySchema, { label: 'label', l2: 0.01, seed }), table).weights]
    expect(full(3)).toEqual(full(4))
  })

  test('behavior: standardization uses population statistics; a constant feature gets std 1', () => {
    const plan = planLogisticRegression(schema, { label: 'label', epochs: 1 })
    const model = trainLogisticRegression(plan, loadTable(plan, ['x1,x2,label\n1,5,a\n3,5,b\n']))
    expect([...model.featureMean]).toEqual([2, 5])
    expect([...model.featureStd]).toEqual([1, 1])
  })

  test('behavior: L2 shrinks the weights', () => {
    const table = (plan: ReturnType<typeof planLogisticRegression>) => loadTable(plan, [blobs(300)])
    const free = planLogisticRegression(schema, { label: 'label', epochs: 20 })
    const penalized = planLogisticRegression(schema, { label: 'label', epochs: 20, l2: 0.5 })
    const norm = (w: Float64Array) => Math.hypot(...w)
    expect(norm(trainLogisticRegression(penalized, table(penalized)).weights)).toBeLessThan(norm(trainLogisticRegression(free, table(free)).weights))
  })
})

describe('trainLogisticRegression with DP', () => {
  const bounded: DatasetSchema = {
    format: 'csv',
    rows: 600,
    columns: [
      { name: 'x1', type: 'number', min: -2, max: 3 },
      { name: 'x2', type: 'number', min: -2, max: 8 },
      { name: 'note', type: 'text' },
      { name: 'label', type: 'category', values: ['a', 'b', 'c'] },
    ],
  } as DatasetSchema

  test('default: learns under σ = 1, C = 1; scales by the declared bounds; reports no loss or accuracy', () => {
    const plan = planLogisticRegression(bounded, { label: 'label', epochs: 20, batchSize: 30, learningRate: 0.5, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    const table = loadTable(plan, [blobs(600)])
    const losses: number[] = []
    const model = trainLogisticRegression(plan, table, { privateRandom: seededRandom(5), onEpoch: (_, loss) => losses.push(loss) })
    expect(model.steps).toBe(20 * 20)
    expect(model.loss).toBeUndefined()
    expect(model.accuracy).toBeUndefined()
    expect(losses).toHaveLength(20)
    expect([...model.featureMean]).toEqual([0.5, 3])
    expect([...model.featureStd]).toEqual([2.5, 5])
    // Accuracy of the released weights, computed here (outside any trainer) on the same blobs.
    let correct = 0
    for (let i = 0; i < table.rows; i++) {
      const x = [0, 1].map((j) => Math.min(1, Math.max(-1, (table.x[i * 2 + j]! - model.featureMean[j]!) / model.featureStd[j]!)))
      const logits = [0, 1, 2].map((c) => model.bias[c]! + model.weights[c * 2]! * x[0]! + model.weights[c * 2 + 1]! * x[1]!)
      if (logits.indexOf(Math.max(...logits)) === table.y[i]) correct++
    }
    expect(correct / table.rows).toBeGreaterThan(0.9)
  })

  test('error: the full-batch solver is refused under DP', () => {
    expect(() => planLogisticRegression(bounded, { label: 'label', solver: 'full-batch', dp: { noiseMultiplier: 1, maxGradNorm: 1 } })).toThrow(
      expect.objectContaining({ code: 'TRAINER_PARAMETERS_INVALID', reason: 'bad-parameters' }),
    )
  })

  test('behavior: the seed does not fix DP noise: two runs differ unless the private source is fixed', () => {
    const plan = planLogisticRegression(bounded, { label: 'label', epochs: 2, seed: 1, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    const table = loadTable(plan, [blobs(600)])
    expect([...trainLogisticRegression(plan, table).weights]).not.toEqual([...trainLogisticRegression(plan, table).weights])
    const fixed = () => [...trainLogisticRegression(plan, table, { privateRandom: seededRandom(3) }).weights]
    expect(fixed()).toEqual(fixed())
  })
})
