// What a node (and the SDK before it) can check of a schema without the file: the file is
// encrypted under a key the node does not hold at registration (it is escrowed afterwards, and
// under threshold key backends the node holds it only inside a job), so whether the columns
// exist in the file is found by the job that reads them, not here.
import type { DatasetSchema } from '../api/schemas.ts'
import { isCsvBlank } from './blank.ts'

/**
 * The inconsistencies of a schema that parses: a category value repeated (one class or one-hot
 * column twice), a category value that reads as a blank cell (`NA`, `?`, …: trainers read those
 * cells as missing, so the value could never be seen), a number column with only one bound
 * (differentially private training clips by both). Empty when there are none. The messages name
 * columns, never values.
 *
 * @example
 * checkDatasetSchema({ format: 'csv', columns: [{ name: 'risk', type: 'category', values: ['low', 'low'] }] })
 * // ['column "risk" repeats a category value']
 */
export function checkDatasetSchema(schema: DatasetSchema): string[] {
  const problems: string[] = []
  for (const column of schema.columns) {
    const quoted = JSON.stringify(column.name)
    if (column.type === 'category') {
      if (new Set(column.values).size !== column.values.length) problems.push(`column ${quoted} repeats a category value`)
      if (column.values.some((value) => isCsvBlank(value))) problems.push(`column ${quoted} has a category value that reads as a blank cell (empty, NA, N/A, NaN, null, ?)`)
    }
    if (column.type === 'number' && (column.min === undefined) !== (column.max === undefined)) problems.push(`column ${quoted} declares only one bound (give both min and max, or neither)`)
  }
  return problems
}
