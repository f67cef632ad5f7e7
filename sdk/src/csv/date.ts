// Which cells read as dates, so a date column is proposed as a private `date` column (its name
// published, never its values) instead of a category of dates.

const month = '(?:0?[1-9]|1[0-2])'
const day = '(?:0?[1-9]|[12]\\d|3[01])'
const time = '(?:[T ](?:[01]\\d|2[0-3]):[0-5]\\d(?::[0-5]\\d(?:\\.\\d{1,9})?)?(?:Z|[+-](?:[01]\\d|2[0-3]):?[0-5]\\d)?)?'
const monthName = '(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]{0,6}\\.?'
const patterns = [
  `\\d{4}-${month}-${day}${time}`, // ISO 8601: 2026-12-06, 2026-12-06T13:30:00Z
  `\\d{4}/${month}/${day}${time}`, // 2026/12/06
  `${day}[/.-]${day}[/.-]\\d{4}${time}`, // 06/12/2026, 12/06/2026, 06.12.2026, 06-12-2026
  `${day} ${monthName},? \\d{4}`, // 6 Dec 2026
  `${monthName} ${day},? \\d{4}`, // Dec 6, 2026; December 6 2026
]
// Sticky: matched where the cell starts, without slicing it out.
const date = new RegExp(`(?:${patterns.join('|')})`, 'iy')
const whole = new RegExp(`^(?:${patterns.join('|')})$`, 'i')

/**
 * Whether `text.slice(start, end)` is a date (or a date and time) in a common form: ISO 8601
 * (`2026-12-06`, `2026-12-06T13:30:00Z`), `2026/12/06`, day-month-year or month-day-year with
 * `/`, `.` or `-` (`06/12/2026`), or with a month's name (`6 Dec 2026`, `December 6, 2026`).
 * Numbers alone (`20261206`) are not dates.
 *
 * @example
 * isCsvDate('2026-12-06') // true
 * isCsvDate('12/2026') // false
 */
export function isCsvDate(text: string, start = 0, end = text.length): boolean {
  if (end - start < 8 || end - start > 40) return false
  date.lastIndex = start
  const match = date.exec(text)
  // The alternatives are tried in order; a shorter one matching a prefix is no match of the cell.
  if (match === null) return false
  if (match.index + match[0].length === end) return true
  return whole.test(text.slice(start, end))
}
