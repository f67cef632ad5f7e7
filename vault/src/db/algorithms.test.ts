import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { algorithmStore } from './algorithms.ts'
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
