import { execFileSync } from 'node:child_process'
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DatasetSchema, decodeSafetensors, encodeSafetensors, logisticRegressionTrainerVersion } from '@datavault/sdk'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { logisticRegressionTrainer } from '../trainers/logistic-regression/definition.ts'
import { checkEgress } from './checkEgress.ts'

const schema: DatasetSchema = {
  format: 'csv',
  columns: [
    { name: 'a', type: 'number' },
    { name: 'b', type: 'number' },
    { name: 'c', type: 'number' },
    { name: 'y', type: 'category', values: ['cat', 'dog', 'eel'] },
  ],
}
const declaration = logisticRegressionTrainer.outputs(schema, { label: 'y' })
const metadata = { trainer: 'logistic-regression', version: logisticRegressionTrainerVersion, task: 'multiclass', classes: '["cat","dog","eel"]', features: '["a","b","c"]' }

function model(overrides: { weights?: Float32Array; weightsShape?: number[]; extra?: boolean; metadata?: Record<string, string>; dtype?: 'F64' } = {}) {
  return encodeSafetensors(
    {
      weights: overrides.dtype
        ? { dtype: 'F64', shape: [3, 3], data: new Float64Array(9) }
        : { dtype: 'F32', shape: overrides.weightsShape ?? [3, 3], data: overrides.weights ?? new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]) },
      bias: { dtype: 'F32', shape: [3], data: new Float32Array([0.1, 0.2, 0.3]) },
      feature_mean: { dtype: 'F32', shape: [3], data: new Float32Array([0, 1, 2]) },
      feature_std: { dtype: 'F32', shape: [3], data: new Float32Array([1, 1, 1]) },
      ...(overrides.extra ? { secret: { dtype: 'U8', shape: [4], data: new Uint8Array([1, 2, 3, 4]) } } : {}),
    },
    overrides.metadata ?? metadata,
  )
}
const metrics = JSON.stringify({ loss: 0.5, accuracy: 0.9, rows: 100, epochs: 10 })

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'egress-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function outputs(files: Record<string, Uint8Array | string>) {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content)
}

async function violation(maxBytes = 1 << 20) {
  try {
    await checkEgress({ outputDir: dir, declaration, maxBytes })
  } catch (error) {
    const e = error as { name: string; code: string; reason: string; message: string }
    return { id: `${e.name}/${e.code}/${e.reason}`, message: e.message }
  }
  throw new Error('checkEgress accepted the outputs')
}

describe('checkEgress', () => {
  test('default: accepts exactly the declared outputs and returns canonical bytes with their SHA-256', async () => {
    await outputs({ 'model.safetensors': model(), 'metrics.json': metrics })
    const result = await checkEgress({ outputDir: dir, declaration, maxBytes: 1 << 20 })
    expect(result.metrics).toEqual({ loss: 0.5, accuracy: 0.9, rows: 100, epochs: 10 })
    expect(result.files.map((f) => f.name)).toEqual(['model.safetensors', 'metrics.json'])
    const released = decodeSafetensors(result.files[0]!.bytes)
    expect([...released.tensors.weights!.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(released.metadata).toEqual(metadata)
    const { createHash } = await import('node:crypto')
    for (const file of result.files) expect(file.sha256).toBe(`0x${createHash('sha256').update(file.bytes).digest('hex')}`)
  })

  test('behavior: formatting chosen by the program does not leave (header re-encoded canonically)', async () => {
    const canonical = model()
    // Same tensors, but a header with extra whitespace and another key order: a covert channel if released as is.
    const headerLength = Number(new DataView(canonical.buffer).getBigUint64(0, true))
    const header = JSON.parse(new TextDecoder().decode(canonical.subarray(8, 8 + headerLength)))
    const reordered = Object.fromEntries(Object.entries(header).reverse())
    const json = new TextEncoder().encode(JSON.stringify(reordered, null, 7))
    const data = canonical.subarray(8 + headerLength)
    const odd = new Uint8Array(8 + json.length + data.length)
    new DataView(odd.buffer).setBigUint64(0, BigInt(json.length), true)
    odd.set(json, 8)
    odd.set(data, 8 + json.length)
    await outputs({ 'model.safetensors': odd, 'metrics.json': '{ "epochs": 10, "rows": 100,   "accuracy": 0.9, "loss": 0.5 }' })
    const result = await checkEgress({ outputDir: dir, declaration, maxBytes: 1 << 20 })
    expect(result.files[0]!.bytes).toEqual(canonical)
    expect(new TextDecoder().decode(result.files[1]!.bytes)).toBe(metrics)
  })

  test('error: undeclared-file (an extra file), without naming it', async () => {
    await outputs({ 'model.safetensors': model(), 'metrics.json': metrics, 'ssn-123-45-6789.txt': 'x' })
    const v = await violation()
    expect(v.id).toBe('EgressViolationError/EGRESS_VIOLATION/undeclared-file')
    expect(v.message).not.toContain('ssn')
  })

  test('error: undeclared-file (a hidden file or a directory)', async () => {
    await outputs({ 'model.safetensors': model(), 'metrics.json': metrics, '.hidden': 'x' })
    expect((await violation()).id).toMatch(/undeclared-file$/)
    await rm(join(dir, '.hidden'))
    await mkdir(join(dir, 'sub'))
    expect((await violation()).id).toMatch(/undeclared-file$/)
  })

  test('error: missing-file', async () => {
    await outputs({ 'model.safetensors': model() })
    expect((await violation()).id).toMatch(/missing-file$/)
  })

  test('error: not-regular-file (symlink, directory, hard link, FIFO)', async () => {
    const elsewhere = join(dir, '..', `${dir.split('/').pop()}-target`)
    await writeFile(elsewhere, model())
    try {
      await outputs({ 'metrics.json': metrics })
      await symlink(elsewhere, join(dir, 'model.safetensors'))
      expect((await violation()).id).toMatch(/not-regular-file$/)
      await rm(join(dir, 'model.safetensors'))
      await mkdir(join(dir, 'model.safetensors'))
      expect((await violation()).id).toMatch(/not-regular-file$/)
      await rm(join(dir, 'model.safetensors'), { recursive: true })
      await link(elsewhere, join(dir, 'model.safetensors'))
      expect((await violation()).id).toMatch(/not-regular-file$/)
      await rm(join(dir, 'model.safetensors'))
      execFileSync('mkfifo', [join(dir, 'model.safetensors')])
      expect((await violation()).id).toMatch(/not-regular-file$/)
    } finally {
      await rm(elsewhere, { force: true })
    }
  })

  test('error: too-large (total and metrics)', async () => {
    await outputs({ 'model.safetensors': model(), 'metrics.json': metrics })
    expect((await violation(100)).id).toMatch(/too-large$/)
    await outputs({ 'metrics.json': `{"loss":1${' '.repeat(70_000)}}` })
    expect((await violation()).id).toMatch(/too-large$/)
  })

  test('error: bad-safetensors', async () => {
    await outputs({ 'model.safetensors': 'not a safetensors file at all', 'metrics.json': metrics })
    expect((await violation()).id).toMatch(/bad-safetensors$/)
  })

  test('error: tensor-mismatch (shape, dtype, extra tensor)', async () => {
    await outputs({ 'model.safetensors': model({ weightsShape: [9, 1] }), 'metrics.json': metrics })
    expect((await violation()).id).toMatch(/tensor-mismatch$/)
    await outputs({ 'model.safetensors': model({ dtype: 'F64' }) })
    expect((await violation()).id).toMatch(/tensor-mismatch$/)
    await outputs({ 'model.safetensors': model({ extra: true }) })
    expect((await violation()).id).toMatch(/tensor-mismatch$/)
  })

  test('error: non-finite (NaN or Infinity in a tensor or a metric)', async () => {
    await outputs({ 'model.safetensors': model({ weights: new Float32Array([1, 2, Number.NaN, 4, 5, 6, 7, 8, 9]) }), 'metrics.json': metrics })
    expect((await violation()).id).toMatch(/non-finite$/)
    await outputs({ 'model.safetensors': model({ weights: new Float32Array([1, 2, 3, 4, Number.POSITIVE_INFINITY, 6, 7, 8, 9]) }) })
    expect((await violation()).id).toMatch(/non-finite$/)
    await outputs({ 'model.safetensors': model(), 'metrics.json': '{"loss":1e999,"accuracy":0.9,"rows":100,"epochs":10}' })
    expect((await violation()).id).toMatch(/non-finite$/)
  })

  test('error: bad-metadata (extra key, wrong value)', async () => {
    await outputs({ 'model.safetensors': model({ metadata: { ...metadata, note: 'hello' } }), 'metrics.json': metrics })
    expect((await violation()).id).toMatch(/bad-metadata$/)
    await outputs({ 'model.safetensors': model({ metadata: { ...metadata, classes: '["cat","dog","secret"]' } }) })
    expect((await violation()).id).toMatch(/bad-metadata$/)
  })

  test('error: bad-metrics (not an object, extra or missing name, not a number, not JSON)', async () => {
    await outputs({ 'model.safetensors': model() })
    for (const bad of ['[1,2]', '{"loss":1,"accuracy":1,"rows":1,"epochs":1,"extra":2}', '{"loss":1}', '{"loss":"1","accuracy":1,"rows":1,"epochs":1}', '{"loss":{"a":1},"accuracy":1,"rows":1,"epochs":1}', 'nope']) {
      await outputs({ 'metrics.json': bad })
      expect((await violation()).id, bad).toMatch(/bad-metrics$/)
    }
  })

  test('error: bad-declaration', async () => {
    await expect(
      checkEgress({ outputDir: dir, declaration: { files: [...declaration.files, declaration.files[0]!] }, maxBytes: 1 }),
    ).rejects.toMatchObject({ code: 'EGRESS_VIOLATION', reason: 'bad-declaration' })
  })
})
