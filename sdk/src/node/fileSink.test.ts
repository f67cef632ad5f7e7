import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { fileSink } from './fileSink.ts'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dv-sink-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('fileSink', () => {
  test('default: the file appears, whole, only on close', async () => {
    const path = join(dir, 'model.safetensors')
    const sink = fileSink(path)
    expect(sink.path).toBe(path)
    const writer = sink.getWriter()
    await writer.write(new Uint8Array([1, 2, 3]))
    expect(await readdir(dir)).not.toContain('model.safetensors')
    await writer.write(new Uint8Array([4]))
    await writer.close()
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3, 4])
    expect(await readdir(dir)).toEqual(['model.safetensors'])
  })

  test('behavior: an abort leaves no partial file and keeps the old one', async () => {
    const path = join(dir, 'kept.bin')
    await writeFile(path, 'old')
    const writer = fileSink(path).getWriter()
    await writer.write(new Uint8Array([9, 9]))
    await writer.abort(new Error('digest mismatch'))
    expect(await readFile(path, 'utf8')).toBe('old')
    expect((await readdir(dir)).filter((name) => name.endsWith('.partial'))).toEqual([])
  })

  test('error: a folder that does not exist', async () => {
    const writer = fileSink(join(dir, 'missing', 'x.bin')).getWriter()
    await expect(writer.write(new Uint8Array([1]))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('fileSink with downloadResult', () => {
  test('error: a destination that cannot be written is a ResultWriteError', async () => {
    const { downloadResult } = await import('../actions/vault/downloadResult.ts')
    const { createVaultClient } = await import('../api/transport.ts')
    const { privateKeyToAccount } = await import('viem/accounts')
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d')
    // A node double answering only what this test needs: its info, and one output.
    const fetch = (async (input: RequestInfo | URL) =>
      String(input).endsWith('/v1/node')
        ? Response.json({ version: '0.1.0', chainId: 8996, address: account.address, encryptionPublicKey: `0x${'ab'.repeat(32)}`, trainers: [], maxUploadBytes: 1024 })
        : new Response(new Uint8Array([1, 2, 3]), { headers: { 'x-datavault-sha256': '0x039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81' } })) as typeof globalThis.fetch
    const client = createVaultClient({ url: 'http://node.invalid', account, fetch })
    await expect(downloadResult(client, { id: 'j', to: fileSink(join(dir, 'missing', 'model.safetensors')) })).rejects.toMatchObject({ name: 'ResultWriteError', code: 'RESULT_WRITE_FAILED', details: 'ENOENT' })
    const done = await downloadResult(client, { id: 'j', name: 'x.bin', to: fileSink(join(dir, 'x.bin')) })
    expect(done).toEqual({ name: 'x.bin', sha256: '0x039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81', size: 3 })
  })

  test('error: bytes that do not match the announced digest leave no file', async () => {
    const { downloadResult } = await import('../actions/vault/downloadResult.ts')
    const { createVaultClient } = await import('../api/transport.ts')
    const { privateKeyToAccount } = await import('viem/accounts')
    const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9c86dae88c7a8412f4603b6b78690d')
    const fetch = (async (input: RequestInfo | URL) =>
      String(input).endsWith('/v1/node')
        ? Response.json({ version: '0.1.0', chainId: 8996, address: account.address, encryptionPublicKey: `0x${'ab'.repeat(32)}`, trainers: [], maxUploadBytes: 1024 })
        : new Response(new Uint8Array([1, 2, 4]), { headers: { 'x-datavault-sha256': '0x039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81' } })) as typeof globalThis.fetch
    const client = createVaultClient({ url: 'http://node.invalid', account, fetch })
    await expect(downloadResult(client, { id: 'j', to: fileSink(join(dir, 'tampered.bin')) })).rejects.toMatchObject({ name: 'OutputDigestMismatchError', code: 'OUTPUT_DIGEST_MISMATCH' })
    expect((await readdir(dir)).filter((name) => name.includes('tampered'))).toEqual([])
  })
})
