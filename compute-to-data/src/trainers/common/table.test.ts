import { type DatasetSchema, planLinearRegression, planLogisticRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from './table.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'x1', type: 'number' },
    { name: 'x2', type: 'number' },
    { name: 'note', type: 'text' },
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
    for (const cell of [' 1', 'Infinity', '0x10', '1e999', 'abc', 'none']) expect(failure(() => loadTable(plan, [`x1,x2,label\n${cell},2,a`])).reason, cell).toBe('non-numeric-cell')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,2,zebra'])).reason).toBe('unknown-label-value')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n'])).reason).toBe('no-rows')
    expect(failure(() => loadTable(plan, [''])).reason).toBe('no-rows')
  })

  test('error: malformed CSV is bad-csv, naming the line and what is wrong, never the contents', () => {
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,2,a\n"open'])).reason).toBe('bad-csv')
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,2,a\r3,4,b\n']))).toEqual({ reason: 'bad-csv', message: 'bad-csv: a bare carriage return on line 2' })
    expect(failure(() => loadTable(plan, ['x1,x2,label\n1,SECRET"VALUE,a\n']))).toEqual({ reason: 'bad-csv', message: 'bad-csv: a quote inside an unquoted field on line 2' })
  })

  test('behavior: quoted cells, CRLF, a byte-order mark and blank lines read as the schema inference reads them', () => {
    const table = loadTable(plan, ['\uFEFFx1,x2,label\r\n"1",2,"a"\r\n\r\n3,4,b\r\n\n'])
    expect([table.rows, [...table.x], [...table.y]]).toEqual([2, [1, 2, 3, 4], [0, 1]])
  })

  test('error: messages never contain cell values', () => {
    const secret = 'hunter2-secret'
    expect(failure(() => loadTable(plan, [`x1,x2,label\n${secret},2,a`])).message).not.toContain(secret)
    expect(failure(() => loadTable(plan, [`x1,x2,label\n1,2,${secret}`])).message).not.toContain(secret)
  })

  test('behavior: blank cells (empty, NA, N/A, NaN, null, ?) skip their row by default; a blank label always does', () => {
    const blanks = ['', '  ', 'NA', 'na', ' N/A ', 'NaN', 'null', '?']
    const table = loadTable(plan, [`x1,x2,label\n${blanks.map((cell) => `${cell},2,a`).join('\n')}\n1,2,b\n3,4,\n5,6,NA\n`])
    expect([table.rows, table.fileRows, table.skippedRows, [...table.x], [...table.y]]).toEqual([1, 11, 10, [1, 2], [1]])
    expect(failure(() => loadTable(plan, ['x1,x2,label\nNA,2,a\n'])).message).toBe('no-rows: every row has a blank cell that leaves it out')
  })

  test('args: blanks fill-zero and fill-mean (the mean of the column\'s other cells, or the given DP midpoint)', () => {
    const csv = ['x1,x2,label\n1,NA,a\n3,10,b\nNA,20,c\n?,NA,a\n']
    const zero = loadTable(plan, csv, { blanks: ['fill-zero', 'fill-zero'] })
    expect([zero.rows, [...zero.x]]).toEqual([4, [1, 0, 3, 10, 0, 20, 0, 0]])
    const mean = loadTable(plan, csv, { blanks: ['fill-mean', 'fill-mean'] })
    expect([...mean.x]).toEqual([1, 15, 3, 10, 2, 20, 2, 15])
    const mixed = loadTable(plan, csv, { blanks: ['fill-mean', undefined] })
    expect([mixed.rows, mixed.skippedRows, [...mixed.x]]).toEqual([2, 2, [3, 10, 3, 20]])
    const dp = loadTable(plan, csv, { blanks: ['fill-mean', 'fill-mean'], midpoints: [50, -1] })
    expect([...dp.x]).toEqual([1, -1, 3, 10, 50, 20, 50, -1])
  })

  test('behavior: accepts signs, decimals and exponents', () => {
    const table = loadTable(plan, ['x1,x2,label\n-1.5,+2e3,a\n.5,7.,b'])
    expect([...table.x]).toEqual([-1.5, 2000, 0.5, 7])
  })
})

describe('loadTable with number classes', () => {
  test('default: a 0/1 category label and an integer-bounded number label match cells by value', () => {
    const category = planLogisticRegression({ format: 'csv', columns: [{ name: 'x', type: 'number' }, { name: 'y', type: 'category', values: ['1', '0'] }] }, { label: 'y' })
    expect(category.classes).toEqual([0, 1])
    expect([...loadTable(category, ['x,y\n1,0\n2,1\n3,1.0\n']).y]).toEqual([0, 1, 1])
    const bounded = planLogisticRegression({ format: 'csv', columns: [{ name: 'x', type: 'number' }, { name: 'y', type: 'number', min: 1, max: 3 }] }, { label: 'y' })
    expect(bounded.classes).toEqual([1, 2, 3])
    expect([...loadTable(bounded, ['x,y\n1,3\n2,1\n']).y]).toEqual([2, 0])
    for (const cell of ['4', '1.5', 'yes']) expect(failure(() => loadTable(bounded, [`x,y\n1,${cell}\n`])).reason, cell).toBe('unknown-label-value')
  })
})

describe('loadTable with a number label', () => {
  const plan = planLinearRegression({ format: 'csv', columns: [{ name: 'x1', type: 'number' }, { name: 'y', type: 'number' }] }, { label: 'y' })

  test('default: the label is read as a number', () => {
    const table = loadTable(plan, ['y,x1\n-2.5,1\n1e3,2\n'])
    expect([...table.x]).toEqual([1, 2])
    expect([...table.y]).toEqual([-2.5, 1000])
  })

  test('error: a label that is not a number is non-numeric-cell, without its value', () => {
    const error = failure(() => loadTable(plan, ['y,x1\nSECRET,1\n']))
    expect(error.reason).toBe('non-numeric-cell')
    expect(error.message).toContain('"y"')
    expect(error.message).not.toContain('SECRET')
  })
})

describe('loadTable with one-hot category features', () => {
  const oneHot: DatasetSchema = {
    format: 'csv',
    columns: [
      { name: 'x', type: 'number', blanks: 'fill-mean' },
      { name: 'color', type: 'category', values: ['red', 'green', 'blue'] },
      { name: 'grade', type: 'category', values: ['1', '2'] },
      { name: 'label', type: 'category', values: ['a', 'b'] },
    ],
  }
  const plan = planLogisticRegression(oneHot, { label: 'label' })

  test('default: one 0/1 feature per published value, in the declared order; a blank cell is all zeros', () => {
    expect(plan.features).toEqual(['x', 'color=red', 'color=green', 'color=blue', 'grade=1', 'grade=2'])
    const table = loadTable(plan, ['label,grade,color,x\na,2,blue,1\nb,1.0,red,NA\nb,NA,,3\n'], { blanks: ['fill-mean'] })
    expect(table.rows).toBe(3)
    expect([...table.x]).toEqual([1, 0, 0, 1, 0, 1, 2, 1, 0, 0, 1, 0, 3, 0, 0, 0, 0, 0])
  })

  test('args: features names a category column; its blank cells never leave a row out', () => {
    const only = planLogisticRegression(oneHot, { label: 'label', features: ['color'] })
    expect(only.features).toEqual(['color=red', 'color=green', 'color=blue'])
    expect([...loadTable(only, ['color,label\ngreen,a\n?,b\n']).x]).toEqual([0, 1, 0, 0, 0, 0])
  })

  test('error: a value the schema does not publish is unknown-category-value, without the value', () => {
    const error = failure(() => loadTable(plan, ['x,color,grade,label\n1,SECRET,1,a\n']))
    expect(error).toEqual({ reason: 'unknown-category-value', message: 'unknown-category-value: input 0 line 2 column "color"' })
    expect(failure(() => loadTable(plan, ['x,color,grade,label\n1,red,3,a\n'])).reason).toBe('unknown-category-value')
  })
})
