// The kustomize base under deploy/kubernetes and its overlays, rendered offline by `kubectl
// kustomize` and checked object by object: each against the Kubernetes OpenAPI schemas (the
// `kubernetes-models` validators), then against what the design needs (least-privilege RBAC in
// the jobs' namespace only, Pod Security `restricted`, default deny, non-root read-only containers,
// images by digest, environments the node accepts). No cluster runs here: nothing is applied.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { StatefulSet } from 'kubernetes-models/apps/v1'
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1'
import { Role, RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1'
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1'
import { computeEnvironmentSchema } from '@datavault/sdk'

const root = new URL('../../', import.meta.url).pathname
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' })
const hasKubectl = kubectl.status === 0
const digestPinned = /^[^@\s]+@sha256:[0-9a-f]{64}$/
const jobNamespace = 'datavault-jobs'
const nodeNamespace = 'datavault'

/** A rendered object, as kubectl prints it. */
type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown }

/** Every kind the base may hold, with its OpenAPI validator. An object of another kind fails the test. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'apps/v1/StatefulSet': StatefulSet,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
}

/** Validates one object against its kind's OpenAPI schema; throws with the schema's complaint. */
function validateObject(object: K8sObject): void {
  const Model = models[`${object.apiVersion}/${object.kind}`]
  if (!Model) throw new Error(`${object.apiVersion}/${object.kind} ${object.metadata.name}: a kind this test does not know (add its model)`)
  new Model(object as never).validate()
}

/** Renders a kustomization with `kubectl kustomize`, then reads it back as JSON through kubectl (offline). */
function render(dir: string): K8sObject[] {
  const rendered = spawnSync('kubectl', ['kustomize', join(root, dir)], { encoding: 'utf8' })
  if (rendered.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${rendered.stderr}`)
  // `label --local` changes nothing here (it removes a label no object has) and prints each object as JSON.
  const json = spawnSync('kubectl', ['label', '--local', '-f', '-', '-o', 'json', 'datavault.io/render-check-'], { input: rendered.stdout, encoding: 'utf8' })
  if (json.status !== 0) throw new Error(`kubectl label --local failed:\n${json.stderr}`)
  // Pretty-printed objects one after another: a top-level `}` then `{` starts the next.
  return JSON.parse(`[${json.stdout.trim().replace(/\n}\n{/g, '\n},\n{')}]`) as K8sObject[]
}

type Container = { name: string; image: string; securityContext?: Record<string, unknown>; env?: { name: string; value?: string }[] }
type PodSpec = { containers: Container[]; initContainers?: Container[]; securityContext?: Record<string, unknown>; volumes?: Record<string, unknown>[]; hostNetwork?: boolean; hostPID?: boolean; hostIPC?: boolean }

/** What makes a pod template unfit for the `restricted` profile or for this design; empty when nothing. */
function podProblems(name: string, pod: PodSpec): string[] {
  const problems: string[] = []
  const podContext = pod.securityContext ?? {}
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${name}: shares a host namespace`)
  for (const volume of pod.volumes ?? []) if ('hostPath' in volume) problems.push(`${name}: hostPath volume ${String(volume.name)}`)
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const context = container.securityContext ?? {}
    const where = `${name}/${container.name}`
    const nonRoot = (context.runAsNonRoot ?? podContext.runAsNonRoot) === true
    const uid = (context.runAsUser ?? podContext.runAsUser) as number | undefined
    if (!nonRoot) problems.push(`${where}: runAsNonRoot is not true`)
    if (uid === 0) problems.push(`${where}: runs as uid 0`)
    if (context.readOnlyRootFilesystem !== true) problems.push(`${where}: root filesystem not read-only`)
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where}: privilege escalation allowed`)
    if (context.privileged === true) problems.push(`${where}: privileged`)
    const drop = ((context.capabilities as { drop?: string[] } | undefined)?.drop ?? []).map((capability) => capability.toUpperCase())
    if (!drop.includes('ALL')) problems.push(`${where}: capabilities not all dropped`)
    if ((context.capabilities as { add?: string[] } | undefined)?.add?.length) problems.push(`${where}: adds capabilities`)
    const seccomp = ((context.seccompProfile ?? podContext.seccompProfile) as { type?: string } | undefined)?.type
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where}: no RuntimeDefault seccomp profile`)
    if (!digestPinned.test(container.image)) problems.push(`${where}: image ${container.image} is not pinned by digest`)
  }
  return problems
}

/** The RBAC the runner needs, resource by resource (see deploy/kubernetes/base/rbac.yaml). */
const expectedRules = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['secrets'], verbs: ['create', 'list', 'delete'] },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['create', 'list', 'delete'] },
]

/** The (resource, verb) pairs the Kubernetes runner's own source calls, where it is in this tree. */
function runnerCalls(): { resource: string; verb: string }[] | undefined {
  const dir = join(root, 'compute-to-data/src/kubernetes')
  if (!existsSync(dir)) return undefined
  const resources: Record<string, string> = { Job: 'jobs', Pod: 'pods', PodLog: 'pods/log', Secret: 'secrets', NetworkPolicy: 'networkpolicies', Service: 'services', ConfigMap: 'configmaps' }
  const verbs: Record<string, string> = { create: 'create', read: 'get', list: 'list', delete: 'delete', patch: 'patch', replace: 'update', deleteCollection: 'deletecollection' }
  const calls: { resource: string; verb: string }[] = []
  for (const file of readdirSync(dir).filter((name) => /\.(ts|mjs)$/.test(name) && !name.endsWith('.test.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8')
    for (const [, verb, kind] of source.matchAll(/\b(create|read|list|deleteCollection|delete|patch|replace)Namespaced([A-Z][A-Za-z]*)\b/g))
      calls.push({ resource: resources[kind as string] ?? `unknown:${kind}`, verb: verbs[verb as string] as string })
    // Watches go by path (`/apis/batch/v1/namespaces/…/jobs`, `/api/v1/namespaces/…/pods`).
    if (/\.watch\(/.test(source))
      for (const [, resource] of source.matchAll(/\/namespaces\/\$\{[^}]+\}\/(jobs|pods|secrets|networkpolicies)[`'"]/g)) calls.push({ resource: resource as string, verb: 'watch' })
    for (const _ of source.matchAll(/\/pods\/\$\{[^}]+\}\/log/g)) calls.push({ resource: 'pods/log', verb: 'get' })
  }
  return calls
}

/** Whether `path` is a directory (false for a file or nothing). */
function readdirSafe(path: string): boolean {
  try {
    readdirSync(path)
    return true
  } catch {
    return false
  }
}

const kustomizations = ['deploy/kubernetes', 'deploy/kubernetes/overlays/gpu']

describe.skipIf(!hasKubectl)(`deploy/kubernetes${hasKubectl ? '' : ' (SKIPPED: kubectl is not installed; scripts/setup.sh installs Debian\'s kubernetes-client)'}`, () => {
  for (const dir of kustomizations) {
    describe(dir, () => {
      const objects = hasKubectl ? render(dir) : []
      const find = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name.startsWith(name))

      test('default: every rendered object is valid against the Kubernetes OpenAPI schemas', () => {
        expect(objects.map((object) => object.kind).sort()).toEqual(
          ['ConfigMap', 'ConfigMap', 'Namespace', 'Namespace', 'NetworkPolicy', 'NetworkPolicy', 'Role', 'RoleBinding', 'Service', 'Service', 'ServiceAccount', 'StatefulSet'].sort(),
        )
        for (const object of objects) expect(() => validateObject(object), `${object.kind} ${object.metadata.name}`).not.toThrow()
        // Every namespaced object names its namespace (there is no default one in this base).
        for (const object of objects.filter((candidate) => candidate.kind !== 'Namespace'))
          expect([nodeNamespace, jobNamespace], `${object.kind} ${object.metadata.name}`).toContain(object.metadata.namespace)
      })

      test('behavior: both namespaces enforce, audit and warn at Pod Security `restricted`', () => {
        for (const name of [nodeNamespace, jobNamespace]) {
          const labels = find('Namespace', name)?.metadata.labels ?? {}
          for (const mode of ['enforce', 'audit', 'warn']) expect(labels[`pod-security.kubernetes.io/${mode}`], `${name} ${mode}`).toBe('restricted')
        }
      })

      test('behavior: RBAC is one Role in the jobs namespace, bound to the node only, with exactly the resources and verbs the runner uses', () => {
        expect(objects.filter((object) => /^Cluster/.test(object.kind))).toEqual([])
        const roles = objects.filter((object) => object.kind === 'Role')
        expect(roles.map((role) => role.metadata.namespace)).toEqual([jobNamespace])
        expect((roles[0] as K8sObject & { rules: unknown }).rules).toEqual(expectedRules)
        const bindings = objects.filter((object) => object.kind === 'RoleBinding') as (K8sObject & { roleRef: unknown; subjects: unknown })[]
        expect(bindings).toHaveLength(1)
        expect(bindings[0]?.metadata.namespace).toBe(jobNamespace)
        expect(bindings[0]?.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roles[0]?.metadata.name })
        expect(bindings[0]?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'datavault-node', namespace: nodeNamespace }])
        const statefulSet = find('StatefulSet', 'datavault-node') as K8sObject & { spec: { template: { spec: { serviceAccountName: string } } } }
        expect(statefulSet.spec.template.spec.serviceAccountName).toBe('datavault-node')
        // Everything the runner calls (where its source is in this tree) is granted.
        const granted = new Set(expectedRules.flatMap((rule) => rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${resource} ${verb}`))))
        for (const call of runnerCalls() ?? []) expect(granted, `the runner calls ${call.verb} on ${call.resource}`).toContain(`${call.resource} ${call.verb}`)
      })

      test('behavior: the jobs namespace denies all ingress and egress by default; the node accepts job pods on the gateway port only', () => {
        const deny = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.namespace === jobNamespace) as (K8sObject & { spec: Record<string, unknown> }) | undefined
        expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] })
        const ingress = objects.find((object) => object.kind === 'NetworkPolicy' && object.metadata.namespace === nodeNamespace) as K8sObject & {
          spec: { policyTypes: string[]; ingress: { from: { namespaceSelector: Record<string, unknown> }[]; ports: { port: number; protocol: string }[] }[] }
        }
        expect(ingress.spec.policyTypes).toEqual(['Ingress'])
        const fromJobs = ingress.spec.ingress.filter((rule) => rule.from.some((peer) => JSON.stringify(peer.namespaceSelector).includes(`"matchLabels":{"kubernetes.io/metadata.name":"${jobNamespace}"}`)))
        expect(fromJobs.flatMap((rule) => rule.ports)).toEqual([{ port: 8701, protocol: 'TCP' }])
        // The API port's rule leaves the jobs namespace out.
        const api = ingress.spec.ingress.find((rule) => rule.ports.some((port) => port.port === 8700))
        expect(api?.from).toEqual([{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [jobNamespace] }] } }])
      })

      test('behavior: the node is a StatefulSet with its own volume, non-root, read-only, no privilege escalation, its image by digest', () => {
        const statefulSet = find('StatefulSet', 'datavault-node') as K8sObject & {
          spec: { serviceName: string; replicas: number; volumeClaimTemplates: { metadata: { name: string } }[]; template: { spec: PodSpec & { automountServiceAccountToken?: boolean } } }
        }
        expect(podProblems('datavault-node', statefulSet.spec.template.spec)).toEqual([])
        expect(statefulSet.spec.replicas).toBe(1)
        expect(statefulSet.spec.volumeClaimTemplates.map((claim) => claim.metadata.name)).toEqual(['data'])
        const node = statefulSet.spec.template.spec.containers[0] as Container & { volumeMounts: { name: string; mountPath: string }[] }
        expect(node.volumeMounts).toContainEqual({ name: 'data', mountPath: '/var/lib/datavault' })
        // The governing Service is headless; the node's Service carries the API and the gateway.
        expect((find('Service', statefulSet.spec.serviceName) as K8sObject & { spec: { clusterIP: string } }).spec.clusterIP).toBe('None')
        const service = objects.find((object) => object.kind === 'Service' && object.metadata.name === 'datavault-node') as K8sObject & { spec: { ports: { name: string; port: number }[] } }
        expect(service.spec.ports.map(({ name, port }) => [name, port])).toEqual([['api', 8700], ['gateway', 8701]])
        // Job pods get no DNS: the gateway URL is the pod's IP.
        expect(node.env).toContainEqual({ name: 'DATAVAULT_KUBERNETES_GATEWAY_URL', value: 'http://$(POD_IP):8701' })
      })

      test('behavior: the node settings are documented, the job-io image is the node image, and every environment parses as the node reads it, image by digest, behind a kernel boundary', () => {
        const settings = find('ConfigMap', 'datavault-node-env') as K8sObject & { data: Record<string, string> }
        const docs = readFileSync(join(root, 'docs/node-operators.md'), 'utf8')
        for (const variable of Object.keys(settings.data)) expect(docs, `${variable} in docs/node-operators.md`).toContain(`\`${variable}\``)
        const statefulSet = find('StatefulSet', 'datavault-node') as K8sObject & { spec: { template: { spec: PodSpec } } }
        expect(settings.data.DATAVAULT_KUBERNETES_JOB_IO_IMAGE).toBe(statefulSet.spec.template.spec.containers[0]?.image)
        expect(settings.data.DATAVAULT_KUBERNETES_NAMESPACE).toBe(jobNamespace)
        expect(settings.data.DATAVAULT_ENVIRONMENTS_FILE).toBe('/etc/datavault/environments/environments.json')
        const environmentsMap = find('ConfigMap', 'datavault-environments') as K8sObject & { data: Record<string, string> }
        const environments = (JSON.parse(environmentsMap.data['environments.json'] as string) as unknown[]).map((entry) => computeEnvironmentSchema.parse(entry))
        expect(environments.length).toBeGreaterThan(0)
        for (const environment of environments) {
          expect(environment.runner, environment.name).toBe('kubernetes')
          expect(environment.image, environment.name).toMatch(digestPinned)
          expect(environment.kubernetes?.runtimeClassName, environment.name).toMatch(/^(gvisor|kata)/)
        }
        if (dir.endsWith('/gpu')) {
          const gpu = environments.filter((environment) => environment.gpu > 0)
          expect(gpu.map((environment) => environment.name)).toEqual(['pytorch-gpu'])
          expect(gpu[0]?.kubernetes?.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' })
          expect(Object.keys(gpu[0]?.kubernetes?.nodeSelector ?? {})).not.toHaveLength(0)
        }
      })
    })
  }

  test('behavior: the kustomizations use only what Debian 12\'s kubectl (1.20, kustomize v2) reads, so setup.sh\'s kubectl renders them too', () => {
    const files = ['deploy/kubernetes/kustomization.yaml', 'deploy/kubernetes/base/kustomization.yaml', 'deploy/kubernetes/overlays/gpu/kustomization.yaml']
    const v2Fields = new Set(['apiVersion', 'kind', 'resources', 'bases', 'configMapGenerator', 'secretGenerator', 'generatorOptions', 'patchesStrategicMerge', 'patchesJson6902', 'images', 'namespace', 'namePrefix', 'nameSuffix', 'commonAnnotations', 'vars', 'configurations', 'crds'])
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8')
      const fields = [...text.matchAll(/^([A-Za-z]+):/gm)].map((match) => match[1] as string)
      expect(fields.filter((field) => !v2Fields.has(field)), file).toEqual([])
      // kustomize v2 reads files only under `resources:` (directories go under `bases:`).
      const resources = /^resources:\n((?:\s+- .*\n)+)/m.exec(text)?.[1] ?? ''
      for (const [, entry] of resources.matchAll(/- (\S+)/g)) expect(existsSync(join(root, file, '..', entry as string)) && !readdirSafe(join(root, file, '..', entry as string)), `${file}: ${entry}`).toBe(true)
      // Generators' env files are `env:` (v2), not `envs:`.
      expect(text, file).not.toMatch(/^\s+envs:/m)
    }
  })

  test('error: the checks find a schema violation, a privileged root container, an unpinned image and a host path', () => {
    const [statefulSet] = render('deploy/kubernetes').filter((object) => object.kind === 'StatefulSet') as (K8sObject & { spec: Record<string, unknown> & { template: { spec: PodSpec } } })[]
    expect(() => validateObject({ ...statefulSet!, spec: { ...statefulSet!.spec, replicas: 'one' } })).toThrow(/replicas must be integer/)
    expect(() => validateObject({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } })).toThrow(/does not know/)
    const pod = statefulSet!.spec.template.spec
    const bad: PodSpec = {
      ...pod,
      securityContext: {},
      volumes: [...(pod.volumes ?? []), { name: 'host', hostPath: { path: '/' } }],
      containers: [{ name: 'x', image: 'node:24', securityContext: { privileged: true, runAsUser: 0 } }],
    }
    expect(podProblems('bad', bad)).toEqual([
      'bad: hostPath volume host',
      'bad/x: runAsNonRoot is not true',
      'bad/x: runs as uid 0',
      'bad/x: root filesystem not read-only',
      'bad/x: privilege escalation allowed',
      'bad/x: privileged',
      'bad/x: capabilities not all dropped',
      'bad/x: no RuntimeDefault seccomp profile',
      'bad/x: image node:24 is not pinned by digest',
    ])
  })
})
