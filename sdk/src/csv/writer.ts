/**
 * One CSV field, quoted when it holds a comma, a quote, a line break or leading/trailing spaces.
 *
 * @example
 * csvField('a, "b"') // '"a, ""b"""'
 */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * One CSV line (with its `\n`), each field quoted only if it needs to be.
 *
 * @example
 * csvLine(['age', 'note']) // 'age,note\n'
 */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`
}
