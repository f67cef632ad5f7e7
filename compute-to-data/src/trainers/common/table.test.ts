import { type DatasetSchema, planLinearRegression, planLogisticRegression } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { loadTable } from './table.ts'

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

  test('behavior: accepts signs, decimals and exponents', () => {
    const table = loadTable(plan, ['x1,x2,label\n-1.5,+2e3,a\n.5,7.,b'])
    expect([...table.x]).toEqual([-1.5, 2000, 0.5, 7])
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
