import { type DatasetSchema, planLogisticRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from './dataset.ts'
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

function failure(fn: () => unknown) {
  try {
    fn()
  } catch (error) {
    return { reason: (error as { reason: string }).reason, message: (error as Error).message }
  }
  throw new Error('did not throw')
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

describe('loadTable', () => {
  const plan = planLogisticRegression(schema, { label: 'label' })

  test('default: features and classes from the header, any column order, other columns ignored', () => {
    const table = loadTable(plan, ['note,label,x2,x1\np,b,2,1\nq,c,4,3\n', 'x1,x2,label\n5,6,a'])
    expect(table.rows).toBe(3)
    expect([...table.x]).toEqual([1, 2, 3, 4, 5, 6])
    expect([...table.y]).toEqual([1, 2, 0])
  })

  test('error: missing column, duplicate header, ragged row, non-numeric cell, unknown label, no rows', () => {
    expect(failure(() => loadTable(plan, ['x1,label\n1,a'])).reason).toBe('missing-column')
    expect(failure(() => loadTable(plan, ['x1,x1,x2,label\n1,1,2,a'])).reason).toBe('duplicate-header')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,2'])).reason).toBe('ragged-row')
    for (const cell of ['', ' 1', 'NaN', 'Infinity', '0x10', '1e999', 'abc']) expect(failure(() => loadTable(plan, [`x1,x2,label\n${cell},2,a`])).reason, cell).toBe('non-numeric-cell')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,2,zebra'])).reason).toBe('unknown-label-value')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n'])).reason).toBe('no-rows')
    expect(failure(() => loadTable(plan, [''])).reason).toBe('no-rows')
  })

  test('error: messages never contain cell values', () => {
    const secret = 'hunter2-secret'
    expect(failure(() => loadTable(plan, [`x1,x2,label\n${secret},2,a`])).message).not.toContain(secret)
    expect(failure(() => loadTable(plan, [`x1,x2,label\n1,2,${secret}`])).message).not.toContain(secret)
  })

  test('behavior: accepts signs, decimals and exponents', () => {
    const table = loadTable(plan, ['x1,x2,label\n-1.5,+2e3,a\n.5,7.,b'])
    expect([...table.x]).toEqual([-1.5, 2000, 0.5, 7])
  })
})

describe('trainLogisticRegression', () => {
  test('default: multiclass reaches high accuracy; loss falls', () => {
    const plan = planLogisticRegression(schema, { label: 'label', epochs: 30, seed: 7 })
    const losses: number[] = []
    const model = trainLogisticRegression(plan, loadTable(plan, [blobs(600)]), (_, loss) => losses.push(loss))
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
