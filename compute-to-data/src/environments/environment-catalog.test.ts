import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { computeEnvironmentSchema } from '@datavault/sdk'
import { bubblewrapRunner } from '../sandbox/bubblewrapRunner.ts'
import type { Runner, SandboxLogger } from '../sandbox/runner.ts'
import { environmentCatalog } from './environment-catalog.ts'
import { defaultEnvironments, sandboxHasPytorch } from './defaultEnvironments.ts'

const silent: SandboxLogger = { child: () => silent, info() {}, warn() {}, error() {}, debug() {} }
const errorOf = async (run: () => unknown) => {
  try {
    await run()
  } catch (error) {
    return { name: (error as Error).name, code: (error as { code?: string }).code, details: (error as { details?: string }).details }
  }
  return undefined
}

describe('environmentCatalog', () => {
  let dir: string
  let sandbox: Runner
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dv-environments-'))
    // Job uids must reach the sandbox's work dir below.
    await chmod(dir, 0o711)
    sandbox = bubblewrapRunner({ workDir: join(dir, 'work') })({ logger: silent })
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  test('default: the sandbox defaults are ready here, each bound to the sandbox', async () => {
    const pytorch = await sandboxHasPytorch()
    const catalog = environmentCatalog({ environments: defaultEnvironments({ memoryMb: 4096, pytorch }) })({ runners: { sandbox }, sandboxHasPytorch })
    await catalog.ready()
    expect(catalog.list().map((environment) => [environment.name, environment.runtime, environment.runner, environment.memoryMb])).toEqual([
      ['cpu', 'node', 'sandbox', 4096],
      ['cpu-python', pytorch ? 'pytorch' : 'python', 'sandbox', 4096],
    ])
    expect(catalog.runnerOf(catalog.get('cpu')!)).toBe(sandbox)
    expect(catalog.choose({ program: 'python' }).name).toBe('cpu-python')
  })

  test('error: none, a duplicate name, a runner the node was not given — at once, not at the first job', async () => {
    const cpu = computeEnvironmentSchema.parse({ name: 'cpu', runtime: 'node', runner: 'sandbox' })
    const gpu = computeEnvironmentSchema.parse({ name: 'gpu', runtime: 'pytorch', runner: 'kubernetes', gpu: 1, image: `x/y@sha256:${'0'.repeat(64)}` })
    expect(await errorOf(() => environmentCatalog({ environments: [] })({ runners: { sandbox } }))).toMatchObject({
      name: 'EnvironmentConfigError',
      code: 'ENVIRONMENTS_INVALID',
      details: 'the node offers no compute environment: declare at least one',
    })
    expect(await errorOf(() => environmentCatalog({ environments: [cpu, cpu] })({ runners: { sandbox } }))).toMatchObject({ details: 'two environments are named cpu' })
    expect(await errorOf(() => environmentCatalog({ environments: [cpu, gpu] })({ runners: { sandbox } }))).toMatchObject({
      details: expect.stringMatching(/^environment gpu uses the kubernetes runner, which this node was not configured with/),
    })
  })

  test('error: ready() refuses a PyTorch sandbox environment where torch does not import', async () => {
    const torch = computeEnvironmentSchema.parse({ name: 'torch', runtime: 'pytorch', runner: 'sandbox' })
    const catalog = environmentCatalog({ environments: [torch] })({ runners: { sandbox }, sandboxHasPytorch: () => sandboxHasPytorch({ python: join(dir, 'no-python') }) })
    expect(await errorOf(() => catalog.ready())).toMatchObject({ details: expect.stringMatching(/^environment torch needs PyTorch, which \/usr\/bin\/python3 does not have here/) })
  })
})
