import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { torchMlpTrainer } from '../trainers/torch-mlp/definition.ts'
import { type TrainerCatalog, createTrainerCatalog } from './trainer-catalog.ts'

let dir: string
let catalog: TrainerCatalog

describe('createTrainerCatalog', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trainer-catalog-'))
    catalog = await createTrainerCatalog({ dir })
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('default: every built-in trainer, with the runtime its program needs and the interpreter the runner starts', () => {
    expect(catalog.list().map((entry) => [entry.definition.id, entry.runtime, entry.bundle.runtime])).toEqual([
      ['logistic-regression', 'node', 'node'],
      ['linear-regression', 'node', 'node'],
      ['mlp-classifier', 'node', 'node'],
      ['torch-mlp', 'pytorch', 'python'],
      ['torch-custom', 'pytorch', 'python'],
    ])
  })

  test('behavior: a Python trainer is its file byte for byte, named by its SHA-256, and the same on a rebuild', async () => {
    const entry = catalog.get('torch-mlp')!
    const source = await readFile(torchMlpTrainer.entry)
    expect(Buffer.compare(await readFile(entry.bundle.path), source)).toBe(0)
    expect(entry.bundle.sha256).toBe(`0x${createHash('sha256').update(source).digest('hex')}`)
    expect(entry.bundle.path.endsWith(`/torch-mlp-${torchMlpTrainer.version}-${entry.bundle.sha256.slice(2, 14)}.py`)).toBe(true)
    const again = await createTrainerCatalog({ dir: join(dir, 'again'), trainers: [torchMlpTrainer] })
    expect(again.get('torch-mlp')!.bundle.sha256).toBe(entry.bundle.sha256)
  })

  test('error: a Python runtime with an entry that is not a .py file is refused', async () => {
    await expect(createTrainerCatalog({ dir: join(dir, 'bad'), trainers: [{ ...torchMlpTrainer, entry: torchMlpTrainer.entry.replace(/\.py$/, '.ts') }] })).rejects.toThrow(/must be a \.py file/)
  })
})
