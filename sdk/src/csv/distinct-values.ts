// What the profile and the schema inference both keep per column: the header's checks and each
// column's distinct values, collected in place while a table is read.
import { CsvSchemaError } from './errors.ts'
import { csvCellHash } from './number.ts'

/** Most distinct values a category column may have (the schema's limit). */
export const maxCategoryValues = 1000

/** Longest category value and column name a schema may hold. */
export const maxNameLength = 128

/** Throws {@link CsvSchemaError} `TABLE_UNUSABLE` for a header no schema can hold: no columns, an empty, over-long or repeated name. */
export function checkCsvHeader(names: readonly string[]): void {
  if (names.length === 0) throw new CsvSchemaError('The table has no columns.', { code: 'TABLE_UNUSABLE' })
  if (names.some((name) => name.trim() === '' || name.length > maxNameLength))
    throw new CsvSchemaError(`The header has an empty or over-long column name (at most ${maxNameLength} characters).`, { code: 'TABLE_UNUSABLE' })
  if (new Set(names).size !== names.length) throw new CsvSchemaError('The header repeats a column name.', { code: 'TABLE_UNUSABLE' })
}

// A string made from a slice of a large piece keeps the whole piece alive in V8; a value outlives
// its piece, so it gets its own copy.
const detach = (value: string) => (value.length < 13 ? value : (JSON.parse(JSON.stringify(value)) as string))

/** Each column's distinct values while a table is read. */
export type CsvDistinctValues = {
  /**
   * Per column, its distinct values in first-seen order, until it has more than a category may
   * ({@link maxCategoryValues}): then undefined (a number column needs none, and a column with that
   * many values is no category whatever else it holds).
   */
  values: (Set<string> | undefined)[]
  /** Adds the cell `text[start, end)` of `column`, whose {@link csvCellHash} is `hash`. */
  add(column: number, text: string, start: number, end: number, hash: number): void
  /**
   * Adds the plain decimal cell `text[start, end)` of `column`, whose {@link csvDecimalKey} is `key`:
   * a value seen before by its key is recognised by one comparison of numbers (no hash of its
   * characters, no comparison of them); a key not seen yet goes through {@link add}.
   */
  addDecimal(column: number, key: number, text: string, start: number, end: number): void
}

/** Slots a column's table of known values starts with (doubled while it is over half full). */
const firstSlots = 64

/**
 * Collects each column's distinct values. A value already seen is recognised by a hash of its
 * characters, looked up in a small open-addressing table per column (typed arrays: no Map lookup
 * per cell), and compared in place, so a column of few values costs no string (and no garbage)
 * per cell. `onNew` sees each value the first time it is met.
 */
export function createCsvDistinctValues(width: number, onNew?: (column: number, value: string) => void): CsvDistinctValues {
  const values: (Set<string> | undefined)[] = Array.from({ length: width }, () => new Set<string>())
  // Per column: each known value's hash (-1: an empty slot; hashes are 30-bit, never negative)
  // and the value, in the same slot.
  const hashes: Int32Array[] = Array.from({ length: width }, () => new Int32Array(firstSlots).fill(-1))
  const known: string[][] = Array.from({ length: width }, () => new Array<string>(firstSlots))
  // Per column: the decimal keys seen (-1: an empty slot; keys are never negative), a cache in
  // front of the values above: every key here is the key of a value in the column's set.
  const decimalKeys: Float64Array[] = Array.from({ length: width }, () => new Float64Array(firstSlots).fill(-1))
  const decimalCounts = new Int32Array(width)
  const keySlot = (key: number, mask: number) => {
    const mixed = Math.imul(key | 0, 0x9e3779b1)
    return (mixed ^ (mixed >>> 16)) & mask
  }
  const insertKey = (keys: Float64Array, key: number) => {
    const mask = keys.length - 1
    let slot = keySlot(key, mask)
    while (keys[slot] !== -1) slot = (slot + 1) & mask
    keys[slot] = key
  }
  const insert = (slots: Int32Array, strings: string[], hash: number, value: string) => {
    const mask = slots.length - 1
    let slot = hash & mask
    while (slots[slot] !== -1) slot = (slot + 1) & mask
    slots[slot] = hash
    strings[slot] = value
  }
  const distinct: CsvDistinctValues = {
    values,
    addDecimal(column, key, text, start, end) {
      const keys = decimalKeys[column]!
      const mask = keys.length - 1
      for (let slot = keySlot(key, mask); ; slot = (slot + 1) & mask) {
        const seen = keys[slot]!
        if (seen === key) return
        if (seen === -1) break
      }
      if (values[column] === undefined) return
      distinct.add(column, text, start, end, csvCellHash(text, start, end))
      if (values[column] === undefined) {
        decimalKeys[column] = new Float64Array(1).fill(-1)
        return
      }
      if (2 * ++decimalCounts[column]! > keys.length) {
        const grown = new Float64Array(2 * keys.length).fill(-1)
        for (const known of keys) if (known !== -1) insertKey(grown, known)
        decimalKeys[column] = grown
      }
      insertKey(decimalKeys[column]!, key)
    },
    add(column, text, start, end, hash) {
      const set = values[column]
      if (set === undefined) return
      const slots = hashes[column]!
      const strings = known[column]!
      const mask = slots.length - 1
      const length = end - start
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const seen = slots[slot]!
        if (seen === -1) break
        if (seen === hash) {
          const value = strings[slot]!
          if (value.length === length && text.startsWith(value, start)) return
        }
      }
      // Not in the table: a value not seen before (every distinct value has a slot of its own).
      const value = start === 0 && end === text.length ? text : text.slice(start, end)
      if (set.has(value)) return
      onNew?.(column, value)
      const kept = detach(value)
      set.add(kept)
      if (set.size > maxCategoryValues) {
        values[column] = undefined
        hashes[column] = new Int32Array(0)
        known[column] = []
        return
      }
      if (2 * set.size > slots.length) {
        // Over half full: twice the slots, every known value placed again.
        const grown = new Int32Array(2 * slots.length).fill(-1)
        const grownStrings = new Array<string>(grown.length)
        for (let slot = 0; slot < slots.length; slot++) if (slots[slot] !== -1) insert(grown, grownStrings, slots[slot]!, strings[slot]!)
        hashes[column] = grown
        known[column] = grownStrings
      }
      insert(hashes[column]!, known[column]!, hash, kept)
    },
  }
  return distinct
}
