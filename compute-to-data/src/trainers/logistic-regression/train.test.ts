import { type DatasetSchema, planLogisticRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from '../common/table.ts'
import { trainLogisticRegression } from './train.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'x1', type: 'number' },
    { name: 'x2', type: 'number' },
    { name: 'note', type: 'category', values: ['p', 'q'] },
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
  test('default: multiclass reaches high accuracy; loss falls', () => {
    const plan = planLogisticRegression(schema, { label: 'label', epochs: 30, seed: 7 })
    const losses: number[] = []
    const model = trainLogisticRegression(plan, loadTable(plan, [blobs(600)]), { onEpoch: (_, loss) => losses.push(loss) })
    expect(losses).toHaveLength(30)
    expect(losses.at(-1)!).toBeLessThan(losses[0]!)
    expect(model.accuracy).toBeGreaterThan(0.95)
    expect(model.weights).toHaveLength(3 * 2)
    expect(model.bias).toHaveLength(3)
  })

  test('behavior: binary uses one output row; same seed gives the same model', () => {
    const binarySchema: DatasetSchema = { ...schema, columns: [...schema.columns.slice(0, 3), { name: 'label', type: 'category', values: ['a', 'b'] }] }
    const plan = planLogisticRegression(binarySchema, { label: 'label', epochs: 10, seed: 3 })
    const table = loadTable(plan, [blobs(400, ['a', 'b'])])
    const one = trainLogisticRegression(plan, table)
    const two = trainLogisticRegression(plan, table)
    expect(one.weights).toHaveLength(2)
    expect(one.bias).toHaveLength(1)
    expect(one.accuracy).toBeGreaterThan(0.95)
    expect([...one.weights]).toEqual([...two.weights])
    const other = trainLogisticRegression(planLogisticRegression(binarySchema, { label: 'label', epochs: 10, seed: 4 }), table)
    expect([...other.weights]).not.toEqual([...one.weights])
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
