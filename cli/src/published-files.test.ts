import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createHash } from 'node:crypto'
import { privateKeyToAccount } from 'viem/accounts'
import { fileFingerprint, publishedBefore, publishedFilesPath, recordPublished } from './published-files.ts'

const alice = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const bob = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const sha = (text: string) => createHash('sha256').update(text).digest()

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-published-'))
})
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('fileFingerprint', () => {
  test('default: the same for the same wallet and file, different for another wallet or file, and not the file\'s hash', async () => {
    const one = await fileFingerprint(alice, sha('a,b\n1,2\n'))
    expect(one).toMatch(/^[0-9a-f]{64}$/)
    expect(await fileFingerprint(alice, sha('a,b\n1,2\n'))).toBe(one)
    expect(await fileFingerprint(bob, sha('a,b\n1,2\n'))).not.toBe(one)
    expect(await fileFingerprint(alice, sha('a,b\n1,3\n'))).not.toBe(one)
    expect(one).not.toBe(sha('a,b\n1,2\n').toString('hex'))
  })
})

describe('recordPublished', () => {
  test('default: a file recorded for one wallet is found for it, not for another, and the record holds no plain hash', async () => {
    const configDir = join(dir, 'config') // created on first use
    const fingerprint = await fileFingerprint(alice, sha('x\n1\n'))
    expect(await publishedBefore(configDir, alice.address, fingerprint)).toEqual([])
    await recordPublished(configDir, alice.address, fingerprint, { dataset: '0x01', name: 'first', at: '2026-12-06T14:00:00.000Z' })
    await recordPublished(configDir, alice.address, fingerprint, { dataset: '0x02', name: 'second', at: '2026-12-06T14:01:00.000Z' })
    expect((await publishedBefore(configDir, alice.address.toLowerCase(), fingerprint)).map((entry) => entry.dataset)).toEqual(['0x01', '0x02'])
    expect(await publishedBefore(configDir, bob.address, fingerprint)).toEqual([])
    const record = await readFile(publishedFilesPath(configDir), 'utf8')
    expect(record).not.toContain(sha('x\n1\n').toString('hex'))
  })

  test('behavior: a damaged record reads as empty and is rewritten on the next publication', async () => {
    const configDir = join(dir, 'damaged')
    await recordPublished(configDir, alice.address, 'f', { dataset: '0x01', name: 'n', at: 't' })
    await writeFile(publishedFilesPath(configDir), '{"not": "a record"')
    await expect(publishedBefore(configDir, alice.address, 'f')).rejects.toThrow(SyntaxError)
    await writeFile(publishedFilesPath(configDir), '{"a": 1}')
    expect(await publishedBefore(configDir, alice.address, 'f')).toEqual([])
  })
})
