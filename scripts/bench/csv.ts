// CSV parsing with schema inference (the SDK's `inferCsvSchema`) and with the column profile
// (`profileCsv`, what `datavault publish` reads a file with), each read as publish reads it (the
// file in 1 MiB pieces into two buffers in turn, the CLI's `readFilePieces`, decoded, parsed),
// against a plain line split of the same bytes read the same way (decoded and cut with
// `split('\n')`). Target: ≥ 200 MB/s on one core.
// Also runnable alone on a file, for a big one's wall time and peak memory:
//   node scripts/bench/csv.ts                                   (256 MiB, 3 rounds; prints the targets)
//   node scripts/bench/csv.ts --generate /tmp/big.csv --gib 1   (23M rows × 6 number columns)
//   node scripts/bench/csv.ts --file /tmp/big.csv [--profile]
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { inferCsvSchema, profileCsv } from '@datavault/sdk'
import { readFilePieces } from '../../cli/src/read-file-pieces.ts'

/** The target, in MB/s of CSV on one core. */
export const csvTargetMBps = 200

/** Writes a CSV of about `bytes` bytes: a header and rows of six number columns (46 bytes a row). */
export async function generateNumberCsv(path: string, bytes: number): Promise<{ rows: number; bytes: number }> {
  const out = createWriteStream(path)
  let state = 1
  const random = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 2 ** 32
  }
  let written = 0
  let rows = 0
  const write = async (text: string) => {
    written += text.length
    if (!out.write(text)) await once(out, 'drain')
  }
  await write('age,bmi,pressure,glucose,income,visits\n')
  while (written < bytes) {
    let block = ''
    for (let i = 0; i < 50_000 && written + block.length < bytes; i++, rows++)
      block += `${(18 + random() * 70).toFixed(1)},${(15 + random() * 30).toFixed(2)},${(random() * 200).toFixed(3)},${(random() * 10).toFixed(4)},${(random() * 1e5).toFixed(2)},${(random() * 40) | 0}\n`
    await write(block)
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())))
  return { rows, bytes: written }
}

/** The reference: the same bytes read the same way, decoded and split into lines. */
async function lineSplit(path: string): Promise<number> {
  const decoder = new TextDecoder()
  let rest = ''
  let lines = 0
  for await (const bytes of readFilePieces(path)) {
    const parts = (rest + decoder.decode(bytes, { stream: true })).split('\n')
    rest = parts.pop()!
    lines += parts.length
  }
  return lines + (rest === '' ? 0 : 1)
}

// Wall time, and the process's CPU time (user + system, all threads): on a machine others load,
// bytes per CPU second is what one core would do alone.
const timed = async <T>(run: () => Promise<T>) => {
  const started = performance.now()
  const cpu = process.cpuUsage()
  const value = await run()
  const used = process.cpuUsage(cpu)
  return { value, seconds: (performance.now() - started) / 1000, cpuSeconds: (used.user + used.system) / 1e6 }
}

/** Measures schema inference, the profile and the line split on a generated CSV of `mib` MiB, `rounds` times each (alternating); medians. */
export async function benchCsv({ mib = 256, rounds = 3 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-csv-'))
  try {
    const path = join(dir, 'numbers.csv')
    const { rows, bytes } = await generateNumberCsv(path, mib * 1024 ** 2)
    const runs = { infer: [] as number[], profile: [] as number[], split: [] as number[], inferCpu: [] as number[], profileCpu: [] as number[], splitCpu: [] as number[] }
    const record = (name: 'infer' | 'profile' | 'split', { seconds, cpuSeconds }: { seconds: number; cpuSeconds: number }) => {
      runs[name].push(bytes / 1e6 / seconds)
      runs[`${name}Cpu`].push(bytes / 1e6 / cpuSeconds)
    }
    for (let round = 0; round < rounds; round++) {
      const inferred = await timed(() => inferCsvSchema(readFilePieces(path)))
      if (inferred.value.rows !== rows) throw new Error(`inferred ${inferred.value.rows} rows of ${rows}`)
      record('infer', inferred)
      const profiled = await timed(() => profileCsv(readFilePieces(path)))
      if (profiled.value.rows !== rows) throw new Error(`profiled ${profiled.value.rows} rows of ${rows}`)
      record('profile', profiled)
      const lines = await timed(() => lineSplit(path))
      if (lines.value !== rows + 1) throw new Error(`split ${lines.value} lines of ${rows + 1}`)
      record('split', lines)
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    return {
      bytes,
      rows,
      inferMBps: median(runs.infer),
      profileMBps: median(runs.profile),
      splitMBps: median(runs.split),
      ratio: median(runs.infer) / median(runs.split),
      profileRatio: median(runs.profile) / median(runs.split),
      inferRuns: runs.infer,
      profileRuns: runs.profile,
      splitRuns: runs.split,
      /** The same, per CPU second (what one core does, whatever else runs on the machine). */
      inferCpuMBps: median(runs.inferCpu),
      profileCpuMBps: median(runs.profileCpu),
      splitCpuMBps: median(runs.splitCpu),
      cpuRatio: median(runs.inferCpu) / median(runs.splitCpu),
      /** Whether both readers reach the target, by wall time and per CPU second. */
      met: Math.min(median(runs.infer), median(runs.profile)) >= csvTargetMBps,
      metCpu: Math.min(median(runs.inferCpu), median(runs.profileCpu)) >= csvTargetMBps,
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { generate: { type: 'string' }, gib: { type: 'string', default: '1' }, file: { type: 'string' }, profile: { type: 'boolean' }, mib: { type: 'string', default: '256' } } })
  if (values.generate !== undefined) {
    const { rows, bytes } = await generateNumberCsv(values.generate, Number(values.gib) * 1024 ** 3)
    process.stdout.write(`wrote ${values.generate}: ${rows} rows, ${bytes} bytes\n`)
  } else if (values.file !== undefined) {
    const file = values.file
    const { value, seconds, cpuSeconds } = await timed(async () => {
      if (values.profile) {
        const profile = await profileCsv(readFilePieces(file))
        return { rows: profile.rows, columns: profile.columns.length }
      }
      const inferred = await inferCsvSchema(readFilePieces(file))
      return { rows: inferred.rows, columns: inferred.schema.columns.length }
    })
    const { size } = await stat(file)
    const peakMiB = process.resourceUsage().maxRSS / 1024
    process.stdout.write(
      `${values.profile ? 'profiled' : 'inferred'} ${value.rows} rows, ${value.columns} columns of ${size} bytes in ${seconds.toFixed(2)} s wall (${(size / 1e6 / seconds).toFixed(0)} MB/s), ` +
        `${cpuSeconds.toFixed(2)} s CPU (${(size / 1e6 / cpuSeconds).toFixed(0)} MB/s); peak RSS ${peakMiB.toFixed(0)} MiB\n`,
    )
  } else {
    const result = await benchCsv({ mib: Number(values.mib) })
    const runs = (values: number[]) => values.map((value) => value.toFixed(0)).join(', ')
    process.stdout.write(
      `inferCsvSchema ${result.inferMBps.toFixed(0)} MB/s (runs ${runs(result.inferRuns)}), profileCsv ${result.profileMBps.toFixed(0)} MB/s (runs ${runs(result.profileRuns)}); ` +
        `plain line split ${result.splitMBps.toFixed(0)} MB/s (runs ${runs(result.splitRuns)}): ratios ${result.ratio.toFixed(2)}× / ${result.profileRatio.toFixed(2)}×\n` +
        `per CPU second: inferCsvSchema ${result.inferCpuMBps.toFixed(0)}, profileCsv ${result.profileCpuMBps.toFixed(0)}, line split ${result.splitCpuMBps.toFixed(0)} MB/s\n` +
        `target ≥ ${csvTargetMBps} MB/s on one core: ${result.met ? 'met' : 'not met'} by wall time, ${result.metCpu ? 'met' : 'not met'} per CPU second\n`,
    )
  }
}
