import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm, stat, statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type OutputStagingOptions, prepareOutputStaging } from './output-staging.ts'

const root = process.getuid?.() === 0
const mounted = async (dir: string) => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.split(' ')[4] === dir)
const sizeOf = async (dir: string) => {
  const stats = await statfs(dir)
  return stats.blocks * stats.bsize
}

describe.skipIf(!root)('prepareOutputStaging (skipped unless root: it mounts)', () => {
  let workDir: string
  const uid = 1_900_009_990
  const options = (maxBytes: number): OutputStagingOptions => ({ uid, gid: uid, maxBytes, maxEntries: 8, allowTmpfs: true })
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dv-staging-'))
  })
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true })
  })

  test('default: a staging prepared for the likely limits is mounted ahead, empty and its uid\'s, and serves a job of those limits as it is', async () => {
    const prepared = await prepareOutputStaging(workDir, options(1024 ** 2))
    expect(await mounted(prepared.dir)).toBe(true)
    expect(await sizeOf(prepared.dir)).toBe(1024 ** 2)
    expect((await stat(prepared.dir)).uid).toBe(uid)
    const staging = await prepared.finish(options(1024 ** 2))
    expect(staging).toMatchObject({ dir: prepared.dir, mode: 'tmpfs' })
    expect(await sizeOf(staging.dir)).toBe(1024 ** 2)
    await staging.dispose()
    expect(await mounted(prepared.dir)).toBe(false)
    expect(existsSync(dirname(prepared.dir))).toBe(false)
  })

  test('behavior: a job of other limits gets its own tmpfs (the one ahead unmounted first); one prepared without likely limits is mounted at finish', async () => {
    const ahead = await prepareOutputStaging(workDir, options(1024 ** 2))
    const staging = await ahead.finish(options(3 * 1024 ** 2))
    expect(staging.mode).toBe('tmpfs')
    expect(await sizeOf(staging.dir)).toBe(3 * 1024 ** 2)
    // Only the job's tmpfs is there: the one ahead is gone, not underneath.
    expect((await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.split(' ')[4] === staging.dir)).toHaveLength(1)
    await staging.dispose()
    expect(await mounted(staging.dir)).toBe(false)

    const plain = await prepareOutputStaging(workDir)
    expect(await mounted(plain.dir)).toBe(false)
    expect((await stat(plain.dir)).uid).toBe(0)
    const late = await plain.finish(options(2 * 1024 ** 2))
    expect(await sizeOf(late.dir)).toBe(2 * 1024 ** 2)
    await late.dispose()
  })

  test('behavior: a prepared staging that serves no job is unmounted and removed by dispose()', async () => {
    const prepared = await prepareOutputStaging(workDir, options(1024 ** 2))
    await prepared.dispose()
    expect(await mounted(prepared.dir)).toBe(false)
    expect(existsSync(dirname(prepared.dir))).toBe(false)
  })
})
