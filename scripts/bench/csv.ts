// CSV parsing and schema inference (the SDK's `inferCsvSchema`, as `datavault publish` runs it:
// a file opened as a Blob, streamed, decoded, inferred) against a plain line split of the same
// bytes (the same Blob stream decoded and cut with `split('\n')`). Also runnable alone on a file,
// for a big one's wall time and peak memory:
//   node scripts/bench/csv.ts --generate /tmp/big.csv --gib 1   (23M rows × 6 number columns)
//   node scripts/bench/csv.ts --file /tmp/big.csv
import { once } from 'node:events'
import { createWriteStream, openAsBlob } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { inferCsvSchema } from '@datavault/sdk'

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
  for await (const bytes of (await openAsBlob(path)).stream() as unknown as AsyncIterable<Uint8Array>) {
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

/** Measures schema inference and the line split on a generated CSV of `mib` MiB, `rounds` times each (alternating); medians. */
export async function benchCsv({ mib = 256, rounds = 3 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-csv-'))
  try {
    const path = join(dir, 'numbers.csv')
    const { rows, bytes } = await generateNumberCsv(path, mib * 1024 ** 2)
    const infer: number[] = []
    const split: number[] = []
    const inferCpu: number[] = []
    const splitCpu: number[] = []
    for (let round = 0; round < rounds; round++) {
      const inferred = await timed(async () => inferCsvSchema(await openAsBlob(path)))
      if (inferred.value.rows !== rows) throw new Error(`inferred ${inferred.value.rows} rows of ${rows}`)
      infer.push(bytes / 1e6 / inferred.seconds)
      inferCpu.push(bytes / 1e6 / inferred.cpuSeconds)
      const lines = await timed(() => lineSplit(path))
      if (lines.value !== rows + 1) throw new Error(`split ${lines.value} lines of ${rows + 1}`)
      split.push(bytes / 1e6 / lines.seconds)
      splitCpu.push(bytes / 1e6 / lines.cpuSeconds)
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    return {
      bytes,
      rows,
      inferMBps: median(infer),
      splitMBps: median(split),
      ratio: median(infer) / median(split),
      inferRuns: infer,
      splitRuns: split,
      /** The same, per CPU second (what one core does, whatever else runs on the machine). */
      inferCpuMBps: median(inferCpu),
      splitCpuMBps: median(splitCpu),
      cpuRatio: median(inferCpu) / median(splitCpu),
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { generate: { type: 'string' }, gib: { type: 'string', default: '1' }, file: { type: 'string' } } })
  if (values.generate !== undefined) {
    const { rows, bytes } = await generateNumberCsv(values.generate, Number(values.gib) * 1024 ** 3)
    process.stdout.write(`wrote ${values.generate}: ${rows} rows, ${bytes} bytes\n`)
  } else if (values.file !== undefined) {
    const file = values.file
    const { value, seconds, cpuSeconds } = await timed(async () => inferCsvSchema(await openAsBlob(file)))
    const { size } = await openAsBlob(file)
    const peakMiB = process.resourceUsage().maxRSS / 1024
    process.stdout.write(
      `inferred ${value.rows} rows, ${value.schema.columns.length} columns of ${size} bytes in ${seconds.toFixed(2)} s wall (${(size / 1e6 / seconds).toFixed(0)} MB/s), ` +
        `${cpuSeconds.toFixed(2)} s CPU (${(size / 1e6 / cpuSeconds).toFixed(0)} MB/s); peak RSS ${peakMiB.toFixed(0)} MiB\n`,
    )
  } else {
    const result = await benchCsv()
    process.stdout.write(`${JSON.stringify(result)}\n`)
  }
}
