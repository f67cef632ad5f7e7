import { mkdir, mkdtemp, readFile, rm, stat, statfs } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type OutputMounts, outputMountHelper, outputTmpfsData } from './output-mounts.ts'

const root = process.getuid?.() === 0
/** A fallback that fails the test if the helper ever hands over to it. */
const noFallback: OutputMounts = {
  mountTmpfs: () => Promise.reject(new Error('fell back to mount(8)')),
  unmount: () => Promise.reject(new Error('fell back to umount(8)')),
}
const mountOf = async (dir: string) => (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((line) => line.split(' ')[4] === dir)

test('args: the tmpfs options name size, inodes, mode 0700 and the owner', () => {
  expect(outputTmpfsData({ size: 8192, inodes: 65, uid: 1_900_000_001, gid: 1_900_000_001 })).toBe('size=8192,nr_inodes=65,mode=0700,uid=1900000001,gid=1900000001')
})

describe.skipIf(!root)('the mount helper (skipped unless root: it mounts)', () => {
  let workDir: string
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'dv-mounts-'))
  })
  afterAll(async () => {
    await rm(workDir, { recursive: true, force: true })
  })

  test('default: mounts the job\'s tmpfs by system call (size, inodes, owner, mode, nosuid/nodev/noexec), then unmounts it', async () => {
    const mounts = outputMountHelper({ workDir, fallback: noFallback, idleMs: 5_000 })
    const dir = join(workDir, 'job', 'out')
    await mkdir(dir, { recursive: true })
    await mounts.mountTmpfs(dir, { size: 8192, inodes: 9, uid: 1_900_000_001, gid: 1_900_000_002 })
    try {
      const line = await mountOf(dir)
      expect(line?.split(' - ')[1]?.split(' ')[0]).toBe('tmpfs')
      expect(line?.split(' ')[5]?.split(',')).toEqual(expect.arrayContaining(['nosuid', 'nodev', 'noexec']))
      const fs = await statfs(dir)
      expect(fs.blocks * fs.bsize).toBe(8192)
      expect(fs.files).toBe(9)
      const owner = await stat(dir)
      expect([owner.uid, owner.gid, owner.mode & 0o777]).toEqual([1_900_000_001, 1_900_000_002, 0o700])
    } finally {
      await mounts.unmount(dir)
    }
    expect(await mountOf(dir)).toBeUndefined()
  })

  test('error: a path outside the work dir, or one that climbs out of it, is refused', async () => {
    const mounts = outputMountHelper({ workDir, fallback: noFallback, idleMs: 5_000 })
    const outside = await mkdtemp(join(tmpdir(), 'dv-mounts-outside-'))
    try {
      await expect(mounts.mountTmpfs(outside, { size: 8192, inodes: 9, uid: 0, gid: 0 })).rejects.toMatchObject({ code: 'ESYSCALL', errno: 22 })
      await expect(mounts.mountTmpfs(`${workDir}/../${outside.split('/').at(-1)}`, { size: 8192, inodes: 9, uid: 0, gid: 0 })).rejects.toMatchObject({ code: 'ESYSCALL' })
      expect(await mountOf(outside)).toBeUndefined()
      // Not mounted: the kernel's own answer comes back.
      await expect(mounts.unmount(join(workDir, 'none'))).rejects.toMatchObject({ code: 'ESYSCALL' })
    } finally {
      await rm(outside, { recursive: true, force: true })
    }
  })

  test('behavior: without its helper (no perl here) it falls back to mount(8)', async () => {
    const used: string[] = []
    const mounts = outputMountHelper({
      workDir,
      perlPath: join(workDir, 'no-perl'),
      fallback: { mountTmpfs: async (dir) => void used.push(`mount ${dir}`), unmount: async (dir) => void used.push(`umount ${dir}`) },
    })
    await mounts.mountTmpfs(join(workDir, 'a'), { size: 8192, inodes: 9, uid: 0, gid: 0 })
    await mounts.unmount(join(workDir, 'a'))
    expect(used).toEqual([`mount ${join(workDir, 'a')}`, `umount ${join(workDir, 'a')}`])
  })
})
