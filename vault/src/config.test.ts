import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { parseVaultConfig, readVaultConfigFromEnv } from './config.ts'

const base = { dataDir: '/tmp/dv', rpcUrl: 'http://127.0.0.1:8545', chainId: 8996, addressesFile: '/tmp/dv/addresses.json' }
const errorOf = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return { name: (error as Error).name, details: (error as { details?: string }).details }
  }
  return undefined
}

describe('vault config: key escrow', () => {
  test('default: the threshold backend, the node alone, 1 of 1', () => {
    expect(parseVaultConfig(base)).toMatchObject({ keyBackend: 'threshold', keyHolders: [], keyThreshold: 1, litNetwork: 'datil' })
  })

  test('args: holders from a comma-separated variable, lower-cased; the Lit settings from JSON', () => {
    const config = readVaultConfigFromEnv({
      DATAVAULT_DATA_DIR: '/tmp/dv',
      DATAVAULT_RPC_URL: base.rpcUrl,
      DATAVAULT_CHAIN_ID: '8996',
      DATAVAULT_KEY_HOLDERS: '0x1111111111111111111111111111111111111111, 0x2222222222222222222222222222222222222222,0xAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      DATAVAULT_KEY_THRESHOLD: '2',
      DATAVAULT_KEY_BACKEND: 'lit',
      DATAVAULT_LIT_NETWORK: 'datil-dev',
      DATAVAULT_LIT_CAPACITY_DELEGATION_AUTH_SIG: JSON.stringify({ sig: '0x1', derivedVia: 'web3.eth.personal.sign', signedMessage: 'm', address: '0x1' }),
    })
    expect(config.keyHolders).toEqual([
      '0x1111111111111111111111111111111111111111',
      '0x2222222222222222222222222222222222222222',
      '0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
    ])
    expect(config).toMatchObject({ keyThreshold: 2, keyBackend: 'lit', litNetwork: 'datil-dev', litCapacityDelegationAuthSig: { sig: '0x1' } })
  })

  test('error: a threshold above the holders, a bad holder address, an unknown backend, bad Lit JSON', () => {
    expect(errorOf(() => parseVaultConfig({ ...base, keyThreshold: 2 }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyThreshold: 2 is more than the 1 key holder/) })
    expect(errorOf(() => parseVaultConfig({ ...base, keyHolders: '0x12,0x34' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyHolders/) })
    expect(errorOf(() => parseVaultConfig({ ...base, keyBackend: 'vault-in-the-sky' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/keyBackend/) })
    expect(errorOf(() => parseVaultConfig({ ...base, litCapacityDelegationAuthSig: '{not json' }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/litCapacityDelegationAuthSig: must be JSON/) })
  })
})

describe('vault config: compute environments', () => {
  const image = `registry.example/datavault/trainer-pytorch@sha256:${'ab'.repeat(32)}`
  const gpu = { name: 'gpu', runtime: 'pytorch', runner: 'kubernetes', gpu: 1, image, kubernetes: { runtimeClassName: 'gvisor' } }

  test('default: no environments declared (the node offers the sandbox defaults), the Kubernetes defaults', () => {
    const config = parseVaultConfig(base)
    expect(config.environments).toBeUndefined()
    expect(config).toMatchObject({ kubernetesNamespace: 'datavault-jobs', kubernetesGatewayHost: '0.0.0.0', kubernetesGatewayPort: 8701 })
  })

  test('args: environments from a file, with their defaults filled; the Kubernetes settings from the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dv-config-'))
    const file = join(dir, 'environments.json')
    writeFileSync(file, JSON.stringify({ environments: [{ name: 'cpu', runtime: 'node', runner: 'sandbox' }, gpu] }))
    const config = readVaultConfigFromEnv({
      DATAVAULT_DATA_DIR: dir,
      DATAVAULT_RPC_URL: base.rpcUrl,
      DATAVAULT_CHAIN_ID: '8996',
      DATAVAULT_ENVIRONMENTS_FILE: file,
      DATAVAULT_KUBERNETES_GATEWAY_URL: 'http://10.96.0.20:8701',
      DATAVAULT_KUBERNETES_JOB_IO_IMAGE: `registry.example/datavault/node@sha256:${'cd'.repeat(32)}`,
      DATAVAULT_KUBERNETES_NAMESPACE: 'jobs',
      DATAVAULT_KUBERNETES_GATEWAY_PODS: 'namespace=datavault, app.kubernetes.io/name=datavault-node',
    })
    expect(config.environments).toEqual([
      { name: 'cpu', description: '', runtime: 'node', runner: 'sandbox', cpu: 1, memoryMb: 2048, gpu: 0, gpuResource: 'nvidia.com/gpu' },
      { ...gpu, description: '', cpu: 1, memoryMb: 2048, gpuResource: 'nvidia.com/gpu' },
    ])
    expect(config).toMatchObject({
      kubernetesNamespace: 'jobs',
      kubernetesGatewayUrl: 'http://10.96.0.20:8701',
      kubernetesGatewayPods: { namespace: 'datavault', podLabels: { 'app.kubernetes.io/name': 'datavault-node' } },
    })
  })

  test('error: an image by tag, GPUs in the sandbox, Kubernetes without its gateway or job-io image, a gateway by host name, a bad file', () => {
    expect(errorOf(() => parseVaultConfig({ ...base, environments: [{ ...gpu, image: 'pytorch/pytorch:latest' }] }))).toMatchObject({
      name: 'ConfigError',
      details: expect.stringMatching(/environments\.0\.image: images must be pinned by digest/),
    })
    expect(errorOf(() => parseVaultConfig({ ...base, environments: [{ name: 'cpu', runtime: 'node', runner: 'sandbox', gpu: 1 }] }))).toMatchObject({
      details: expect.stringMatching(/environments\.0\.gpu: the local sandbox has no GPU/),
    })
    expect(errorOf(() => parseVaultConfig({ ...base, environments: [{ name: 'cpu', runtime: 'node', runner: 'docker' }] }))).toMatchObject({
      details: expect.stringMatching(/environments\.0\.runner/),
    })
    expect(errorOf(() => parseVaultConfig({ ...base, environments: [gpu] }))).toMatchObject({
      details: 'environment gpu runs on Kubernetes, which needs kubernetesGatewayUrl (DATAVAULT_KUBERNETES_GATEWAY_URL) and kubernetesJobIoImage (DATAVAULT_KUBERNETES_JOB_IO_IMAGE)',
    })
    expect(errorOf(() => parseVaultConfig({ ...base, kubernetesGatewayUrl: 'http://datavault.svc:8701' }))).toMatchObject({
      details: expect.stringMatching(/kubernetesGatewayUrl: must name the gateway by IP address/),
    })
    expect(errorOf(() => parseVaultConfig({ ...base, environments: [{ name: 'big', runtime: 'node', runner: 'sandbox', memoryMb: 8192 }] }))).toMatchObject({
      details: 'environment big offers 8192 MiB, more than maxJobMemoryMb (DATAVAULT_MAX_JOB_MEMORY_MB, 4096): raise that ceiling or lower the environment\'s memoryMb',
    })
    expect(errorOf(() => parseVaultConfig({ ...base, kubernetesGatewayPods: 'app=datavault' }))).toMatchObject({
      details: expect.stringMatching(/kubernetesGatewayPods: must be namespace=<ns> and at least one <label>=<value>/),
    })
    const env = { DATAVAULT_DATA_DIR: '/tmp/dv', DATAVAULT_RPC_URL: base.rpcUrl, DATAVAULT_CHAIN_ID: '8996' }
    expect(errorOf(() => readVaultConfigFromEnv({ ...env, DATAVAULT_ENVIRONMENTS_FILE: '/nonexistent/environments.json' }))).toMatchObject({
      details: 'DATAVAULT_ENVIRONMENTS_FILE: cannot read /nonexistent/environments.json (ENOENT)',
    })
  })
})

describe('vault config: pre-started sandboxes', () => {
  test('default: two per environment and built-in trainer; DATAVAULT_SANDBOX_PRESTART sets it, 0 disables; a negative or fractional count is refused', () => {
    expect(parseVaultConfig(base).sandboxPrestart).toBe(2)
    const env = { DATAVAULT_DATA_DIR: '/tmp/dv', DATAVAULT_RPC_URL: base.rpcUrl, DATAVAULT_CHAIN_ID: '8996' }
    expect(readVaultConfigFromEnv({ ...env, DATAVAULT_SANDBOX_PRESTART: '0' }).sandboxPrestart).toBe(0)
    expect(readVaultConfigFromEnv({ ...env, DATAVAULT_SANDBOX_PRESTART: '1' }).sandboxPrestart).toBe(1)
    expect(errorOf(() => parseVaultConfig({ ...base, sandboxPrestart: -1 }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/sandboxPrestart/) })
    expect(errorOf(() => parseVaultConfig({ ...base, sandboxPrestart: 1.5 }))).toMatchObject({ name: 'ConfigError', details: expect.stringMatching(/sandboxPrestart/) })
  })
})
