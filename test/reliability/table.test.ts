// The table `npm run reliability` prints (scripts/lib/reliability-table.ts).
import { describe, expect, test } from 'vitest'
import { formatReliabilityTable } from '../../scripts/lib/reliability-table.ts'
import type { ReliabilityFact } from './fixtures/report.ts'

const facts: ReliabilityFact[] = [
  { kind: 'fault', name: 'kill -9 running', survived: true, lost: [] },
  { kind: 'unauthorized', name: '22 signed routes', tried: 148, refused: 148 },
  { kind: 'hostile', name: 'HTTP: 31 routes', tried: 300, fiveHundreds: 0, crashes: 0, hangs: 0 },
  { kind: 'load', name: 'GET /v1/health', requests: 10085, errors: 0, rps: 3362, p50Ms: 1, p99Ms: 27, peakRssMb: 324, lost: [] },
]

describe('formatReliabilityTable', () => {
  test('default: one row per fact, each with lost: 0, and a total', () => {
    const { text, totals } = formatReliabilityTable(facts, { heading: 'run' })
    expect(text).toMatch(/kill -9 running\s+yes\s+lost: 0/)
    expect(text).toMatch(/22 signed routes\s+148\s+148\s+lost: 0/)
    expect(text).toMatch(/HTTP: 31 routes\s+300\s+0\s+0\s+0\s+lost: 0/)
    expect(text).toMatch(/GET \/v1\/health\s+10,085\s+3,362\s+1\s+27\s+324 MiB\s+lost: 0/)
    expect(text).toMatch(/Total: 1\/1 faults survived; 148\/148 unauthorized attempts refused; 300 hostile inputs, 0 5xx, 0 crashes, 0 hangs; lost: 0$/)
    expect(totals).toMatchObject({ faults: 1, survived: 1, lost: 0 })
  })

  test('behavior: what was lost is named in its row and counted in the total', () => {
    const { text } = formatReliabilityTable(
      [
        { kind: 'fault', name: 'kill -9 checking', survived: false, lost: ['job x stuck in checking'] },
        { kind: 'unauthorized', name: 'routes', tried: 10, refused: 9 },
        { kind: 'hostile', name: 'HTTP', tried: 5, fiveHundreds: 2, crashes: 0, hangs: 1 },
      ],
      { heading: 'run' },
    )
    expect(text).toMatch(/kill -9 checking\s+NO\s+LOST: job x stuck in checking/)
    expect(text).toMatch(/routes\s+10\s+9\s+LOST: 1 got through/)
    expect(text).toMatch(/HTTP\s+5\s+2\s+0\s+1\s+LOST: 3 bad answers/)
    expect(text).toMatch(/LOST: 5$/)
  })
})
