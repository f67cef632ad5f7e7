import type { ComputeEnvironment } from '@datavault/sdk'
import { Job } from 'kubernetes-models/batch/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { Secret } from 'kubernetes-models/v1'
import { describe, expect, test } from 'vitest'
import { type JobManifestsParameters, gatewayAddress, jobManifests, jobObjectName } from './manifests.ts'

const image = `registry.example/datavault/torch@sha256:${'c'.repeat(64)}`
const environment: ComputeEnvironment & { image: string } = {
  name: 'gpu-a100',
  description: '',
  runtime: 'pytorch',
  runner: 'kubernetes',
  cpu: 4,
  memoryMb: 16384,
  gpu: 1,
  gpuResource: 'nvidia.com/gpu',
  image,
  kubernetes: { runtimeClassName: 'gvisor', nodeSelector: { 'nvidia.com/gpu.product': 'A100' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] },
}
const parameters: JobManifestsParameters = {
  namespace: 'datavault-jobs',
  nodeId: 'node-1',
  jobId: 'job-123',
  environment,
  limits: { wallTimeMs: 3_600_000, cpuSeconds: 3600, memoryBytes: 16384 * 1024 ** 2, outputBytes: 64 * 1024 ** 2, processes: 64 },
  program: { runtime: 'python', sha256: `0x${'d'.repeat(64)}`, bytes: 20_000 },
  launcher: { sha256: `0x${'f'.repeat(64)}`, bytes: 8_000 },
  jobIoImage: `registry.example/datavault/node@sha256:${'e'.repeat(64)}`,
  jobIoCommand: ['node', '/app/job-io.mjs'],
  gatewayUrl: 'http://10.1.2.3:8701',
  ttlSecondsAfterFinished: 600,
  tokens: { input: 'input-token-0123456789abcdef', output: 'output-token-0123456789abcdef' },
  runId: 'run-1',
}

describe('jobManifests', () => {
  test('default: the Job, both Secrets and the NetworkPolicy validate against the Kubernetes OpenAPI schemas', () => {
    const manifests = jobManifests(parameters)
    expect(() => new Job(manifests.job as never).validate()).not.toThrow()
    expect(() => new Secret(manifests.inputSecret as never).validate()).not.toThrow()
    expect(() => new Secret(manifests.outputSecret as never).validate()).not.toThrow()
    expect(() => new NetworkPolicy(manifests.networkPolicy as never).validate()).not.toThrow()
    // The validation can fail: a wrong type in the same Job is refused.
    expect(() => new Job({ ...manifests.job, spec: { ...manifests.job.spec, backoffLimit: 'none' } } as never).validate()).toThrow()
    expect(manifests.name).toBe(jobObjectName('node-1', 'job-123'))
    expect(manifests.name).toMatch(/^[a-z0-9-]{1,52}$/)
  })

  test('behavior: the Job runs once, within its wall time and the cluster\'s start-up allowance, and is collected', () => {
    const { job } = jobManifests(parameters)
    expect(job.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 3600 + 600, ttlSecondsAfterFinished: 600, completions: 1, parallelism: 1 })
    expect(jobManifests({ ...parameters, startupAllowanceSeconds: 30 }).job.spec?.activeDeadlineSeconds).toBe(3630)
    expect(job.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'datavault', 'datavault.io/node': 'node-1' })
    expect(job.metadata?.annotations).toEqual({ 'datavault.io/job-id': 'job-123', 'datavault.io/run': 'run-1' })
  })

  test('behavior: the pod has no token, no host namespaces, no DNS, and every container is confined', () => {
    const pod = jobManifests(parameters).job.spec!.template.spec!
    expect(pod).toMatchObject({ automountServiceAccountToken: false, enableServiceLinks: false, restartPolicy: 'Never', hostNetwork: false, hostPID: false, hostIPC: false, shareProcessNamespace: false, dnsPolicy: 'None' })
    expect(pod.dnsConfig?.nameservers).toEqual(['127.0.0.1'])
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } })
    expect(pod.volumes!.some((v) => v.hostPath)).toBe(false)
    for (const v of pod.volumes!.filter((v) => v.emptyDir)) expect(v.emptyDir).toMatchObject({ medium: 'Memory', sizeLimit: expect.stringMatching(/^\d+Mi$/) })
    const containers = [...pod.initContainers!, ...pod.containers]
    expect(containers.map((c) => c.name)).toEqual(['fetch', 'trainer', 'upload'])
    for (const c of containers)
      expect(c.securityContext).toEqual({
        runAsNonRoot: true,
        runAsUser: 65532,
        runAsGroup: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      })
  })

  test('behavior: each credential is mounted into its own step alone; the trainer gets none and reads its data read-only', () => {
    const pod = jobManifests(parameters).job.spec!.template.spec!
    const [fetch, trainer] = pod.initContainers!
    const upload = pod.containers[0]!
    const secretVolumes = new Map(pod.volumes!.filter((v) => v.secret).map((v) => [v.name, v.secret!.secretName]))
    const secretsOf = (c: typeof fetch) => c!.volumeMounts!.filter((m) => secretVolumes.has(m.name)).map((m) => secretVolumes.get(m.name))
    expect(secretsOf(fetch)).toEqual([`${jobObjectName('node-1', 'job-123')}-input`])
    expect(secretsOf(upload)).toEqual([`${jobObjectName('node-1', 'job-123')}-output`])
    expect(secretsOf(trainer)).toEqual([])
    expect(trainer!.env!.map((e) => e.name).sort()).toEqual(['HOME', 'LANG', 'TMPDIR'])
    expect(trainer!.envFrom).toBeUndefined()
    expect(trainer!.volumeMounts).toEqual([
      { name: 'job', mountPath: '/job', readOnly: true },
      { name: 'data', mountPath: '/data', readOnly: true },
      { name: 'out', mountPath: '/out' },
      { name: 'tmp', mountPath: '/tmp' },
    ])
  })

  test('behavior: the trainer runs the node\'s launcher on the program; the fetch step checks both files\' SHA-256', () => {
    const pod = jobManifests(parameters).job.spec!.template.spec!
    const [fetch, trainer] = pod.initContainers!
    expect(trainer!.command).toEqual(['python3', '-I', '-B', '/job/launch.py', '/job/program.py'])
    expect(fetch!.env).toEqual(
      expect.arrayContaining([
        { name: 'DATAVAULT_PROGRAM_FILE', value: 'program.py' },
        { name: 'DATAVAULT_PROGRAM_SHA256', value: `0x${'d'.repeat(64)}` },
        { name: 'DATAVAULT_LAUNCHER_FILE', value: 'launch.py' },
        { name: 'DATAVAULT_LAUNCHER_SHA256', value: `0x${'f'.repeat(64)}` },
      ]),
    )
    const node = jobManifests({ ...parameters, program: { ...parameters.program, runtime: 'node' } }).job.spec!.template.spec!
    expect(node.initContainers![1]!.command).toEqual(['node', '/job/launch.mjs', '/job/program.mjs'])
    expect(node.initContainers![0]!.env).toEqual(expect.arrayContaining([{ name: 'DATAVAULT_LAUNCHER_FILE', value: 'launch.mjs' }]))
    // The /job volume holds the program, the launcher and the config.
    expect(pod.volumes!.find((volume) => volume.name === 'job')?.emptyDir?.sizeLimit).toBe('2Mi')
  })

  test('args: the environment sets image, requests = limits with GPUs, the RuntimeClass, node selector and tolerations', () => {
    const pod = jobManifests(parameters).job.spec!.template.spec!
    const trainer = pod.initContainers![1]!
    expect(trainer.image).toBe(image)
    expect(trainer.resources).toEqual({ requests: { cpu: '4', memory: '16384Mi', 'nvidia.com/gpu': '1' }, limits: { cpu: '4', memory: '16384Mi', 'nvidia.com/gpu': '1' } })
    expect(pod.runtimeClassName).toBe('gvisor')
    expect(pod.nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'A100' })
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }])
    const cpu = jobManifests({ ...parameters, environment: { ...environment, gpu: 0, kubernetes: undefined } }).job.spec!.template.spec!
    expect(Object.keys(cpu.initContainers![1]!.resources!.limits!)).toEqual(['cpu', 'memory'])
    expect(cpu.runtimeClassName).toBeUndefined()
  })

  test('behavior: the fetch step may hold the whole plaintext it writes into memory (the job\'s memory and some)', () => {
    const pod = jobManifests(parameters).job.spec!.template.spec!
    const fetch = pod.initContainers!.find((container) => container.name === 'fetch')!
    expect(fetch.resources?.limits?.memory).toBe(`${16384 + 64}Mi`)
    expect(pod.volumes!.find((volume) => volume.name === 'data')?.emptyDir?.sizeLimit).toBe('16384Mi')
  })

  test('args: with the node\'s pods as the peer, egress goes to those pods on the gateway\'s port, not to an IP', () => {
    const { networkPolicy } = jobManifests({ ...parameters, gatewayPeer: { namespace: 'datavault', podLabels: { 'app.kubernetes.io/name': 'datavault-node' } } })
    expect(networkPolicy.spec?.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'datavault' } }, podSelector: { matchLabels: { 'app.kubernetes.io/name': 'datavault-node' } } }],
        ports: [{ protocol: 'TCP', port: 8701 }],
      },
    ])
    expect(() => new NetworkPolicy(networkPolicy as never).validate()).not.toThrow()
  })

  test('behavior: the NetworkPolicy selects the pod, denies ingress and allows egress to the gateway only', () => {
    const { networkPolicy, job, name } = jobManifests(parameters)
    expect(networkPolicy.spec).toEqual({
      podSelector: { matchLabels: { 'datavault.io/job': name } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      egress: [{ to: [{ ipBlock: { cidr: '10.1.2.3/32' } }], ports: [{ protocol: 'TCP', port: 8701 }] }],
    })
    expect(job.spec!.template.metadata!.labels!['datavault.io/job']).toBe(name)
  })

  test('behavior: the Secrets hold one token each and are immutable', () => {
    const { inputSecret, outputSecret } = jobManifests(parameters)
    expect(Buffer.from(inputSecret.data!.token!, 'base64').toString()).toBe('input-token-0123456789abcdef')
    expect(Buffer.from(outputSecret.data!.token!, 'base64').toString()).toBe('output-token-0123456789abcdef')
    expect(inputSecret.immutable).toBe(true)
  })

  test('error: a gateway URL with a host name is refused (pods have no DNS)', () => {
    expect(() => jobManifests({ ...parameters, gatewayUrl: 'http://node.datavault.svc:8701' })).toThrow(/IP address/)
    expect(gatewayAddress('http://[fd00::1]:9000')).toEqual({ ip: 'fd00::1', port: 9000, cidr: 'fd00::1/128' })
  })
})
