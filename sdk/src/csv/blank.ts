// What a blank cell is, for every part of datavault (the profile, the schema builder, the
// trainers' table reader): checked over character codes so the profile needs no string per cell.

const SPACE = 0x20
const TAB = 0x09
const QUESTION = 0x3f
const SLASH = 0x2f

/** The cells read as blank (missing), compared without case after trimming spaces and tabs. */
export const csvBlankTokens = ['', 'na', 'n/a', 'nan', 'null', '?'] as const

// Lower-cases an ASCII letter (and leaves anything else alone but for bit 5, which no token's
// non-letter characters need: '/' and '?' are compared before this is used).
const lower = (code: number) => code | 0x20

/**
 * Whether `text.slice(start, end)` is a blank cell: empty or only spaces and tabs, or (trimmed, any
 * case) `NA`, `N/A`, `NaN`, `null` or `?`. A blank cell of a `number` column is a missing value,
 * handled as the column's `blanks` says; a blank cell is never a category value.
 *
 * @example
 * isCsvBlank(' NA ') // true
 * isCsvBlank('none') // false
 */
export function isCsvBlank(text: string, start = 0, end = text.length): boolean {
  let a = start
  let b = end
  // A long cell is blank only when it is spaces: check its ends before trimming it all.
  while (a < b && (text.charCodeAt(a) === SPACE || text.charCodeAt(a) === TAB)) a++
  while (b > a && (text.charCodeAt(b - 1) === SPACE || text.charCodeAt(b - 1) === TAB)) b--
  switch (b - a) {
    case 0:
      return true
    case 1:
      return text.charCodeAt(a) === QUESTION
    case 2:
      return lower(text.charCodeAt(a)) === 0x6e && lower(text.charCodeAt(a + 1)) === 0x61 // na
    case 3: {
      const first = lower(text.charCodeAt(a))
      const second = text.charCodeAt(a + 1)
      const third = lower(text.charCodeAt(a + 2))
      // n/a, nan
      return first === 0x6e && third === (second === SLASH ? 0x61 : 0x6e) && (second === SLASH || lower(second) === 0x61)
    }
    case 4:
      return lower(text.charCodeAt(a)) === 0x6e && lower(text.charCodeAt(a + 1)) === 0x75 && lower(text.charCodeAt(a + 2)) === 0x6c && lower(text.charCodeAt(a + 3)) === 0x6c // null
    default:
      return false
  }
}
