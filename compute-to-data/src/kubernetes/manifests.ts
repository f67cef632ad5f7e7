import { createHash } from 'node:crypto'
import type { ComputeEnvironment } from '@datavault/sdk'
import type { V1Job, V1NetworkPolicy, V1Secret } from '@kubernetes/client-node'
import type { RunLimits } from '../sandbox/runner.ts'
import { trainerLaunchers } from './launchers/trainerLaunchers.ts'

/** Labels and annotations every object of a job carries, so the node finds (and sweeps) its own. */
export const kubernetesLabels = {
  managedBy: 'app.kubernetes.io/managed-by',
  node: 'datavault.io/node',
  job: 'datavault.io/job',
  jobId: 'datavault.io/job-id',
  run: 'datavault.io/run',
} as const

/** The fixed uid and gid every container of a job's pod runs as (the distroless `nonroot` user). */
export const jobPodUid = 65532

/** Where the job-io steps find their per-job credential (a Secret mounted into that step alone). */
export const jobIoCredentialsDir = '/var/run/datavault/credentials'

/** Parameters of `jobManifests`. */
export type JobManifestsParameters = {
  namespace: string
  /** This node's name in labels: letters, digits, `-`, `_`, `.`; up to 63. */
  nodeId: string
  jobId: string
  environment: ComputeEnvironment & { image: string }
  limits: RunLimits
  program: { runtime: 'node' | 'python'; sha256: `0x${string}`; bytes: number }
  /** The node's trusted launcher of that runtime (`trainerLaunchers`): its SHA-256 and size. */
  launcher: { sha256: `0x${string}`; bytes: number }
  /** The node image that runs the `fetch` and `upload` steps, pinned by digest. */
  jobIoImage: string
  /** The job-io program in that image, e.g. `['node', '/app/job-io.mjs']`; the step name is appended. */
  jobIoCommand: readonly string[]
  /** The node's job gateway as pods reach it: an IP literal URL (pods have no DNS), e.g. `http://10.0.0.5:8701`. */
  gatewayUrl: string
  /**
   * The node's pods as a NetworkPolicy peer (their namespace and labels), for a node inside the
   * cluster: egress is then allowed to those pods only, on the gateway's port, so a pod that later
   * gets the node's old IP is never reachable. Absent: egress to the gateway URL's IP (/32).
   */
  gatewayPeer?: { namespace: string; podLabels: Record<string, string> } | undefined
  ttlSecondsAfterFinished: number
  /**
   * Time the cluster may take to schedule the pod, pull its images and fetch the inputs, on top of
   * the run's wall time, in the Job's `activeDeadlineSeconds` (the runner times the trainer itself
   * from its start): a slow cluster is not the buyer's timeout. Default 600.
   */
  startupAllowanceSeconds?: number | undefined
  /** The per-job bearer tokens: the input one (fetch step), the output one (upload step). */
  tokens: { input: string; output: string }
  /** A random id of this run, annotated on the Job, so a run never mistakes an earlier run's objects for its own. */
  runId: string
}

/** What `jobManifests` builds: one Job, one Secret per networked step, one NetworkPolicy. */
export type JobManifests = {
  /** The name every object of the job shares (also the `datavault.io/job` label value). */
  name: string
  job: V1Job
  inputSecret: V1Secret
  outputSecret: V1Secret
  networkPolicy: V1NetworkPolicy
}

const mib = 1024 ** 2
const tmpBytes = 64 * mib

/** The Kubernetes name of a job's objects: a hash of the node and job id (ids need not be DNS labels). */
export function jobObjectName(nodeId: string, jobId: string): string {
  return `datavault-${createHash('sha256').update(`${nodeId}\n${jobId}`).digest('hex').slice(0, 20)}`
}

/** The gateway's IP and port from its URL, which must name an IP literal (pods get no DNS). */
export function gatewayAddress(gatewayUrl: string): { ip: string; port: number; cidr: string } {
  const url = new URL(gatewayUrl)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(host)
  const v6 = host.includes(':')
  if (!v4 && !v6) throw new TypeError('The job gateway URL must name an IP address: job pods have no DNS.')
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('The job gateway URL must be http or https.')
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
  return { ip: host, port, cidr: v4 ? `${host}/32` : `${host}/128` }
}

/** Kubernetes quantity of bytes, rounded up to a MiB. */
const bytesQuantity = (bytes: number) => `${Math.max(1, Math.ceil(bytes / mib))}Mi`

/**
 * Builds a job's Kubernetes objects from its run (pure; no I/O). The pod runs three steps:
 *
 * 1. init container `fetch` (the node's job-io image): the only container with the input Secret;
 *    downloads the program, its config and the plaintext inputs from the node's job gateway into
 *    memory-backed volumes, checking the program's SHA-256 and the launcher's;
 * 2. init container `trainer` (the environment's image): no Secret, no service-account token; the
 *    program and data read-only, writes `/out`; it runs the node's launcher (`trainerLaunchers`),
 *    which runs the program and writes to the container log only the valid protocol events of
 *    the program's stdout (its stderr goes nowhere);
 * 3. container `upload` (job-io image): the only one with the output Secret; sends `/out` to the gateway.
 *
 * Every container runs as uid 65532, non-root, read-only root filesystem, no privilege escalation,
 * all capabilities dropped, seccomp `RuntimeDefault`; the pod has no host namespaces or paths, no
 * service links, no DNS (`dnsPolicy: None`, loopback nameserver), and a NetworkPolicy denying all
 * ingress and every egress but the gateway's IP and port. The trainer's resources are
 * requests = limits (CPU, memory, GPUs); memory-backed volumes have size limits.
 */
export function jobManifests(parameters: JobManifestsParameters): JobManifests {
  const { namespace, nodeId, jobId, environment, limits, program, launcher, jobIoImage, jobIoCommand, gatewayUrl, ttlSecondsAfterFinished, tokens, runId } = parameters
  const name = jobObjectName(nodeId, jobId)
  const gateway = gatewayAddress(gatewayUrl)
  const labels = { [kubernetesLabels.managedBy]: 'datavault', [kubernetesLabels.node]: nodeId, [kubernetesLabels.job]: name }
  const metadata = (suffix: string) => ({ name: `${name}${suffix}`, namespace, labels, annotations: { [kubernetesLabels.jobId]: jobId } })

  const containerSecurity = {
    runAsNonRoot: true,
    runAsUser: jobPodUid,
    runAsGroup: jobPodUid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  }
  const ioResources = { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '250m', memory: '128Mi' } }
  const programFile = program.runtime === 'python' ? 'program.py' : 'program.mjs'
  const launcherFile = trainerLaunchers[program.runtime].file
  const ioEnv = [
    { name: 'DATAVAULT_GATEWAY_URL', value: gatewayUrl },
    { name: 'DATAVAULT_JOB', value: name },
    { name: 'DATAVAULT_CREDENTIALS', value: `${jobIoCredentialsDir}/token` },
    { name: 'DATAVAULT_PROGRAM_FILE', value: programFile },
    { name: 'DATAVAULT_PROGRAM_SHA256', value: program.sha256 },
    { name: 'DATAVAULT_LAUNCHER_FILE', value: launcherFile },
    { name: 'DATAVAULT_LAUNCHER_SHA256', value: launcher.sha256 },
  ]
  const memory = bytesQuantity(limits.memoryBytes)
  const cpu = String(environment.cpu)
  const gpu = environment.gpu > 0 ? { [environment.gpuResource]: String(environment.gpu) } : {}
  // The trainer runs the node's launcher, which runs the program with its stdout on a pipe and its
  // stderr on /dev/null: the container log (on the cluster node's disk) holds only valid events.
  const trainerCommand =
    program.runtime === 'python' ? ['python3', '-I', '-B', `/job/${launcherFile}`, `/job/${programFile}`] : ['node', `/job/${launcherFile}`, `/job/${programFile}`]
  const kubernetes = environment.kubernetes ?? {}

  const job: V1Job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { ...metadata(''), annotations: { [kubernetesLabels.jobId]: jobId, [kubernetesLabels.run]: runId } },
    spec: {
      backoffLimit: 0,
      completions: 1,
      parallelism: 1,
      activeDeadlineSeconds: Math.max(1, Math.ceil(limits.wallTimeMs / 1000)) + (parameters.startupAllowanceSeconds ?? 600),
      ttlSecondsAfterFinished,
      template: {
        metadata: { labels, annotations: { [kubernetesLabels.jobId]: jobId } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          hostNetwork: false,
          hostPID: false,
          hostIPC: false,
          shareProcessNamespace: false,
          // No resolver: the only address the pod may reach is the gateway's IP literal.
          dnsPolicy: 'None',
          dnsConfig: { nameservers: ['127.0.0.1'], searches: [], options: [{ name: 'ndots', value: '0' }] },
          terminationGracePeriodSeconds: 5,
          ...(kubernetes.runtimeClassName ? { runtimeClassName: kubernetes.runtimeClassName } : {}),
          ...(kubernetes.nodeSelector ? { nodeSelector: { ...kubernetes.nodeSelector } } : {}),
          ...(kubernetes.tolerations ? { tolerations: kubernetes.tolerations.map((t) => ({ ...t })) } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: jobPodUid,
            runAsGroup: jobPodUid,
            fsGroup: jobPodUid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          volumes: [
            { name: 'job', emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(program.bytes + launcher.bytes + mib) } },
            // The plaintext: in memory, counted in the pod's memory limit, so bounded by the job's memory.
            { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: memory } },
            { name: 'out', emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(limits.outputBytes) } },
            { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: bytesQuantity(tmpBytes) } },
            { name: 'input-credentials', secret: { secretName: `${name}-input`, defaultMode: 0o440 } },
            { name: 'output-credentials', secret: { secretName: `${name}-output`, defaultMode: 0o440 } },
          ],
          initContainers: [
            {
              name: 'fetch',
              image: jobIoImage,
              imagePullPolicy: 'IfNotPresent',
              command: [...jobIoCommand, 'fetch'],
              env: ioEnv,
              // The plaintext it writes into the memory-backed `data` volume is charged to this
              // container's memory: its limit must hold the largest dataset the job may read.
              resources: { requests: ioResources.requests, limits: { cpu: ioResources.limits.cpu, memory: bytesQuantity(limits.memoryBytes + 64 * mib) } },
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'job', mountPath: '/job' },
                { name: 'data', mountPath: '/data' },
                { name: 'input-credentials', mountPath: jobIoCredentialsDir, readOnly: true },
              ],
            },
            {
              name: 'trainer',
              image: environment.image,
              imagePullPolicy: 'IfNotPresent',
              command: trainerCommand,
              workingDir: '/tmp',
              env: [
                { name: 'HOME', value: '/tmp' },
                { name: 'TMPDIR', value: '/tmp' },
                { name: 'LANG', value: 'C.UTF-8' },
              ],
              resources: { requests: { cpu, memory, ...gpu }, limits: { cpu, memory, ...gpu } },
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'job', mountPath: '/job', readOnly: true },
                { name: 'data', mountPath: '/data', readOnly: true },
                { name: 'out', mountPath: '/out' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          containers: [
            {
              name: 'upload',
              image: jobIoImage,
              imagePullPolicy: 'IfNotPresent',
              command: [...jobIoCommand, 'upload'],
              env: ioEnv,
              resources: ioResources,
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'out', mountPath: '/out', readOnly: true },
                { name: 'output-credentials', mountPath: jobIoCredentialsDir, readOnly: true },
              ],
            },
          ],
        },
      },
    },
  }

  const secret = (suffix: string, token: string): V1Secret => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: metadata(suffix),
    type: 'Opaque',
    immutable: true,
    data: { token: Buffer.from(token, 'utf8').toString('base64') },
  })

  const networkPolicy: V1NetworkPolicy = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: metadata(''),
    spec: {
      podSelector: { matchLabels: { [kubernetesLabels.job]: name } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [],
      // Only the gateway, by the node's pods (or its IP) and port: no DNS, no other pod, no other host.
      egress: [
        {
          to: [
            parameters.gatewayPeer
              ? {
                  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': parameters.gatewayPeer.namespace } },
                  podSelector: { matchLabels: { ...parameters.gatewayPeer.podLabels } },
                }
              : { ipBlock: { cidr: gateway.cidr } },
          ],
          ports: [{ protocol: 'TCP', port: gateway.port }],
        },
      ],
    },
  }

  return { name, job, inputSecret: secret('-input', tokens.input), outputSecret: secret('-output', tokens.output), networkPolicy }
}
