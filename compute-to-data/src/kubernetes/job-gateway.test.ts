import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { SandboxLogger } from '../sandbox/runner.ts'
import { type JobGateway, type JobGrant, startJobGateway } from './job-gateway.ts'

const silent: SandboxLogger = { child: () => silent, info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
let dir: string
let gateway: JobGateway
let base: string
let count = 0

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'job-gateway-'))
  await writeFile(join(dir, 'program.mjs'), 'console.log("hi")\n')
  await writeFile(join(dir, 'launch.mjs'), '// the launcher\n')
  gateway = await startJobGateway({ host: '127.0.0.1', port: 0 })({ logger: silent })
  base = `http://127.0.0.1:${gateway.address.port}/v1/job-io`
})
afterAll(async () => {
  await gateway?.close()
  await rm(dir, { recursive: true, force: true })
})

async function register(outputBytes = 1024): Promise<{ name: string; grant: JobGrant; outputDir: string }> {
  const name = `datavault-job-${++count}`
  const outputDir = join(dir, `out-${count}`)
  await import('node:fs/promises').then((fs) => fs.mkdir(outputDir))
  const grant = gateway.register(name, {
    program: { path: join(dir, 'program.mjs'), file: 'program.mjs' },
    launcher: { path: join(dir, 'launch.mjs'), file: 'launch.mjs' },
    config: { epochs: 3 },
    inputs: [{ name: 'train.csv', source: [new TextEncoder().encode('SECRET-ROWS\n')] }],
    outputDir,
    outputBytes,
  })
  return { name, grant, outputDir }
}
const get = (url: string, token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
const put = (url: string, token: string, body: string) => fetch(url, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body })

describe('job gateway', () => {
  test('default: the input token reads each file once, then is spent', async () => {
    const { name, grant } = await register()
    const listing = await get(`${base}/${name}/files`, grant.tokens.input)
    expect(await listing.json()).toEqual({ files: ['job/program.mjs', 'job/launch.mjs', 'job/config.json', 'data/train.csv'] })
    expect(await (await get(`${base}/${name}/files/job/config.json`, grant.tokens.input)).text()).toBe('{"epochs":3}')
    expect(await (await get(`${base}/${name}/files/job/program.mjs`, grant.tokens.input)).text()).toBe('console.log("hi")\n')
    expect(await (await get(`${base}/${name}/files/job/launch.mjs`, grant.tokens.input)).text()).toBe('// the launcher\n')
    expect((await get(`${base}/${name}/files/job/config.json`, grant.tokens.input)).status).toBe(409)
    expect(grant.inputsServed).toBe(false)
    expect(await (await get(`${base}/${name}/files/data/train.csv`, grant.tokens.input)).text()).toBe('SECRET-ROWS\n')
    expect(grant.inputsServed).toBe(true)
    expect((await get(`${base}/${name}/files`, grant.tokens.input)).status).toBe(401)
  })

  test('error: no token, a wrong token, another job\'s token, the output token for inputs: all 401 alike', async () => {
    const a = await register()
    const b = await register()
    for (const token of [undefined, 'x'.repeat(43), b.grant.tokens.input, a.grant.tokens.output]) {
      const response = await get(`${base}/${a.name}/files/data/train.csv`, token)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ error: 'unauthorized' })
    }
    expect((await get(`${base}/datavault-unknown/files`, a.grant.tokens.input)).status).toBe(401)
    expect((await get(`${base}/../../etc/passwd`, a.grant.tokens.input)).status).toBe(401)
  })

  test('behavior: the output token works only after the trainer terminated and until the upload is done', async () => {
    const { name, grant, outputDir } = await register()
    expect((await put(`${base}/${name}/outputs/model.safetensors`, grant.tokens.output, 'weights')).status).toBe(425)
    expect((await put(`${base}/${name}/outputs/model.safetensors`, grant.tokens.input, 'weights')).status).toBe(401)
    expect((await put(`${base}/${name}/outputs/model.safetensors`, 'y'.repeat(43), 'weights')).status).toBe(401)
    expect(await readdir(outputDir)).toEqual([])
    grant.trainerTerminated()
    expect((await put(`${base}/${name}/outputs/model.safetensors`, grant.tokens.output, 'weights')).status).toBe(204)
    expect((await put(`${base}/${name}/outputs/model.safetensors`, grant.tokens.output, 'again')).status).toBe(422)
    expect((await fetch(`${base}/${name}/outputs-done`, { method: 'POST', headers: { authorization: `Bearer ${grant.tokens.output}` } })).status).toBe(204)
    await grant.uploaded
    expect((await put(`${base}/${name}/outputs/metrics.json`, grant.tokens.output, '{}')).status).toBe(401)
    expect(await readdir(outputDir)).toEqual(['model.safetensors'])
    expect(await readFile(join(outputDir, 'model.safetensors'), 'utf8')).toBe('weights')
  })

  test('error: outputs past the size limit or with a path in their name are refused', async () => {
    const { name, grant, outputDir } = await register(10)
    grant.trainerTerminated()
    expect((await put(`${base}/${name}/outputs/big.bin`, grant.tokens.output, 'x'.repeat(11))).status).toBe(413)
    expect(grant.outputRefusal).toBe('output-limit')
    expect((await put(`${base}/${name}/outputs/..%2Fescape`, grant.tokens.output, 'x')).status).toBe(422)
    expect(await readdir(dir)).not.toContain('escape')
    // The refused upload left nothing half-written.
    expect(await readdir(outputDir)).toEqual([])
  })

  test('behavior: a revoked job\'s tokens stop working at once', async () => {
    const { name, grant } = await register()
    grant.revoke()
    expect((await get(`${base}/${name}/files`, grant.tokens.input)).status).toBe(401)
  })
})
