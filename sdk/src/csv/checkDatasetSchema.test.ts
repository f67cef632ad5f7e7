import { describe, expect, test } from 'vitest'
import { checkDatasetSchema } from './checkDatasetSchema.ts'

describe('checkDatasetSchema', () => {
  test('default: a consistent schema has no problems', () => {
    expect(
      checkDatasetSchema({
        format: 'csv',
        rows: 3,
        columns: [
          { name: 'age', type: 'number', min: 0, max: 120, blanks: 'fill-mean' },
          { name: 'bmi', type: 'number' },
          { name: 'risk', type: 'category', values: ['low', 'high'] },
          { name: 'seen', type: 'date' },
          { name: 'notes', type: 'text' },
        ],
      }),
    ).toEqual([])
  })

  test('error: repeated or blank-looking category values and one-sided bounds are named by column, without values', () => {
    expect(
      checkDatasetSchema({
        format: 'csv',
        columns: [
          { name: 'risk', type: 'category', values: ['low', 'low', 'high'] },
          { name: 'answer', type: 'category', values: ['yes', 'NA'] },
          { name: 'age', type: 'number', min: 0 },
          { name: 'bmi', type: 'number', max: 60 },
        ],
      }),
    ).toEqual([
      'column "risk" repeats a category value',
      'column "answer" has a category value that reads as a blank cell (empty, NA, N/A, NaN, null, ?)',
      'column "age" declares only one bound (give both min and max, or neither)',
      'column "bmi" declares only one bound (give both min and max, or neither)',
    ])
  })
})
