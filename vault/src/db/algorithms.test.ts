import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { algorithmStore, customAlgorithmDefinition, customOutputBound, declaredOutputBytes } from './algorithms.ts'
import { openDatabase } from './database.ts'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

describe('algorithmStore', () => {
  test('default: a program is stored by its hash and read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-algorithms-'))
    dirs.push(dir)
    const store = await algorithmStore({ db: openDatabase(':memory:'), dir: join(dir, 'algorithms') })
    const code = new TextEncoder().encode('console.log(1)')
    const hash = await store.save({ code, uploader: '0x00000000000000000000000000000000000000aa', runtime: 'node' })
    expect(hash).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await store.code(hash)).toEqual(code)
    expect(store.runtime(hash)).toBe('node')
  })

  test('behavior: a temp file that a crash left mid-save is removed at start-up; stored programs stay', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dv-algorithms-'))
    dirs.push(dir)
    const db = openDatabase(':memory:')
    const first = await algorithmStore({ db, dir: join(dir, 'algorithms') })
    const hash = await first.save({ code: new TextEncoder().encode('print(1)'), uploader: '0x00000000000000000000000000000000000000aa', runtime: 'python' })
    await writeFile(join(dir, 'algorithms', `${'ab'.repeat(32)}.4242.1700000000000.tmp`), 'half a program')
    await algorithmStore({ db, dir: join(dir, 'algorithms') })
    expect(await readdir(join(dir, 'algorithms'))).toEqual([hash.slice(2)])
  })
})

describe('customAlgorithmDefinition', () => {
  const outputs = { tensors: [{ name: 'w', dtype: 'F32' as const, shape: [4, 3] }, { name: 'b', dtype: 'F64' as const, shape: [3] }], metrics: ['rows'] }

  test('default: /out gets room for the declared tensors, a header and the metrics file, not the 64 MiB default', () => {
    expect(declaredOutputBytes(outputs)).toBe(4 * 3 * 4 + 3 * 8)
    expect(customOutputBound(outputs)).toBe(3 * 4096)
    const definition = customAlgorithmDefinition(outputs, 'python')
    expect(definition.maxOutputBytes?.({ format: 'csv', columns: [] } as never, {})).toBe(customOutputBound(outputs))
  })

  test('behavior: the program\'s metrics are checked (declared) but not released', () => {
    const definition = customAlgorithmDefinition(outputs)
    expect(definition.releasesMetrics).toBe(false)
    expect(definition.outputs({ format: 'csv', columns: [] } as never, {}).files.map((file) => file.name)).toEqual(['model.safetensors', 'metrics.json'])
  })

  test('behavior: the largest declaration the schema admits stays bounded by its own size', () => {
    const big = { tensors: [{ name: 'x', dtype: 'F32' as const, shape: [1024, 1024] }], metrics: [] }
    expect(customOutputBound(big)).toBe(4 * 1024 ** 2 + 3 * 4096)
  })
})
