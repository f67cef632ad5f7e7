// The table `npm run reliability` prints from the facts the reliability suite recorded.
import type { ReliabilityFact } from '../../test/reliability/fixtures/report.ts'

const pad = (text: string | number, width: number) => String(text).padEnd(width)
const num = (value: number) => value.toLocaleString('en-US')
const lostCell = (lost: string[]) => (lost.length ? `LOST: ${lost.join('; ')}` : 'lost: 0')

/** Everything the table adds up: whether anything was lost or got through. */
export type ReliabilityTotals = { faults: number; survived: number; unauthorized: number; refused: number; hostile: number; fiveHundreds: number; crashes: number; hangs: number; lost: number }

/**
 * Formats the recorded facts as one table: faults injected and survived, unauthorized attempts
 * refused, hostile inputs with 5xx/crash/hang counts, and each load case's requests per second,
 * p50/p99 latency and the node's peak RSS; each row ends with "lost: 0" or what was lost.
 */
export function formatReliabilityTable(facts: ReliabilityFact[], { heading }: { heading: string }): { text: string; totals: ReliabilityTotals } {
  const lines = [heading, '']
  const faults = facts.filter((fact) => fact.kind === 'fault')
  const unauthorized = facts.filter((fact) => fact.kind === 'unauthorized')
  const hostile = facts.filter((fact) => fact.kind === 'hostile')
  const load = facts.filter((fact) => fact.kind === 'load')
  lines.push(`${pad('Faults injected', 46)}${pad('survived', 10)}`)
  for (const fact of faults) lines.push(`  ${pad(fact.name, 44)}${pad(fact.survived ? 'yes' : 'NO', 10)}${lostCell(fact.lost)}`)
  lines.push('', `${pad('Unauthorized attempts', 46)}${pad('tried', 10)}${pad('refused', 10)}`)
  for (const fact of unauthorized) lines.push(`  ${pad(fact.name, 44)}${pad(num(fact.tried), 10)}${pad(num(fact.refused), 10)}${fact.refused === fact.tried ? 'lost: 0' : `LOST: ${fact.tried - fact.refused} got through`}`)
  lines.push('', `${pad('Hostile inputs', 46)}${pad('tried', 10)}${pad('5xx', 6)}${pad('crashes', 9)}${pad('hangs', 7)}`)
  for (const fact of hostile) {
    const bad = fact.fiveHundreds + fact.crashes + fact.hangs
    lines.push(`  ${pad(fact.name, 44)}${pad(num(fact.tried), 10)}${pad(fact.fiveHundreds, 6)}${pad(fact.crashes, 9)}${pad(fact.hangs, 7)}${bad ? `LOST: ${bad} bad answers` : 'lost: 0'}`)
  }
  lines.push('', `${pad('Load (loopback, autocannon)', 46)}${pad('requests', 10)}${pad('req/s', 8)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('peak RSS', 10)}`)
  for (const fact of load)
    lines.push(`  ${pad(fact.name, 44)}${pad(num(fact.requests), 10)}${pad(num(fact.rps), 8)}${pad(fact.p50Ms, 8)}${pad(fact.p99Ms, 8)}${pad(`${fact.peakRssMb} MiB`, 10)}${lostCell(fact.lost)}`)
  const totals: ReliabilityTotals = {
    faults: faults.length,
    survived: faults.filter((fact) => fact.survived).length,
    unauthorized: unauthorized.reduce((sum, fact) => sum + fact.tried, 0),
    refused: unauthorized.reduce((sum, fact) => sum + fact.refused, 0),
    hostile: hostile.reduce((sum, fact) => sum + fact.tried, 0),
    fiveHundreds: hostile.reduce((sum, fact) => sum + fact.fiveHundreds, 0),
    crashes: hostile.reduce((sum, fact) => sum + fact.crashes, 0),
    hangs: hostile.reduce((sum, fact) => sum + fact.hangs, 0),
    lost: [...faults, ...load].reduce((sum, fact) => sum + fact.lost.length, 0),
  }
  const lostTotal = totals.lost + (totals.unauthorized - totals.refused) + totals.fiveHundreds + totals.crashes + totals.hangs
  lines.push(
    '',
    `Total: ${totals.survived}/${totals.faults} faults survived; ${num(totals.refused)}/${num(totals.unauthorized)} unauthorized attempts refused; ` +
      `${num(totals.hostile)} hostile inputs, ${totals.fiveHundreds} 5xx, ${totals.crashes} crashes, ${totals.hangs} hangs; ${lostTotal === 0 ? 'lost: 0' : `LOST: ${lostTotal}`}`,
  )
  return { text: lines.join('\n'), totals }
}
