// `npm run reliability`: runs the reliability suite (test/reliability) in its full version and
// prints one table: faults injected and survived (kill -9 at each step of a job, the chain RPC
// going away, a full IPFS disk), unauthorized attempts refused, hostile inputs with their 5xx/crash/
// hang counts, and for each load case requests per second, p50/p99 and the node's peak RSS, each
// with "lost: 0" or what was lost. `--short` runs the version `npm test` runs. Exit code 1 when a
// test failed or anything was lost.
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReliabilityFact } from '../test/reliability/fixtures/report.ts'
import { formatReliabilityTable } from './lib/reliability-table.ts'

const short = process.argv.includes('--short')
const root = new URL('..', import.meta.url).pathname
const dir = await mkdtemp(join(tmpdir(), 'dv-reliability-'))
const report = join(dir, 'facts.jsonl')
const startedAt = new Date()
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ')
const loadBefore = load()

const code = await new Promise<number>((resolve) => {
  const child = spawn(join(root, 'node_modules/.bin/vitest'), ['run', 'test/reliability', '--reporter=dot'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DATAVAULT_RELIABILITY_REPORT: report, ...(short ? {} : { DATAVAULT_RELIABILITY: 'full' }) },
  })
  child.once('exit', (exit) => resolve(exit ?? 1))
})
const text = await readFile(report, 'utf8').catch(() => '')
await rm(dir, { recursive: true, force: true })
const facts = text
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line) as ReliabilityFact)
const minutes = ((Date.now() - startedAt.getTime()) / 60_000).toFixed(1)
const { text: table, totals } = formatReliabilityTable(facts, {
  heading: `datavault reliability (${short ? 'short' : 'full'} run, ${startedAt.toISOString()}, ${minutes} min; load average ${loadBefore} before, ${load()} after; ${availableParallelism()} CPUs)`,
})
console.log(`\n${table}`)
const lost = totals.lost + totals.unauthorized - totals.refused + totals.fiveHundreds + totals.crashes + totals.hangs
if (code !== 0) console.log(`\nSome reliability tests failed (vitest exit code ${code}).`)
process.exitCode = code !== 0 || lost > 0 || facts.length === 0 ? 1 : 0
