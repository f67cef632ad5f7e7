import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node'

/** One container's state as the pod's status reports it. */
export type ContainerReading =
  | { state: 'absent' | 'waiting' | 'running'; reason?: string | undefined }
  | { state: 'terminated'; exitCode: number; reason?: string | undefined; signal?: number | undefined }

/** What the runner needs to know of a job's pod. */
export type PodReading = {
  fetch: ContainerReading
  trainer: ContainerReading
  upload: ContainerReading
  /** A container waits on an image that cannot be pulled (`ErrImagePull`, `ImagePullBackOff`, `InvalidImageName`, …). */
  imagePullFailed: boolean
  /** The node evicted the pod (pressure, preemption) or marked it a disruption target. */
  evicted: boolean
  /** The scheduler found no node for the pod (e.g. no GPU free). */
  unschedulable: boolean
}

const imagePullReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'RegistryUnavailable'])

function container(statuses: V1ContainerStatus[] | undefined, name: string): ContainerReading {
  const status = statuses?.find((s) => s.name === name)
  const state = status?.state
  if (state?.terminated) return { state: 'terminated', exitCode: state.terminated.exitCode, reason: state.terminated.reason, signal: state.terminated.signal }
  if (state?.running) return { state: 'running' }
  if (state?.waiting) return { state: 'waiting', reason: state.waiting.reason }
  return { state: 'absent' }
}

/** Reads a job pod's status (pure). */
export function readPod(pod: V1Pod): PodReading {
  const status = pod.status ?? {}
  const init = status.initContainerStatuses
  const all = [...(init ?? []), ...(status.containerStatuses ?? [])]
  const conditions = status.conditions ?? []
  return {
    fetch: container(init, 'fetch'),
    trainer: container(init, 'trainer'),
    upload: container(status.containerStatuses, 'upload'),
    imagePullFailed: all.some((s) => s.state?.waiting?.reason !== undefined && imagePullReasons.has(s.state.waiting.reason)),
    evicted: status.reason === 'Evicted' || status.reason === 'Preempting' || conditions.some((c) => c.type === 'DisruptionTarget' && c.status === 'True'),
    unschedulable: conditions.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable'),
  }
}

/** Whether a Job finished, and why it failed when it did (e.g. `DeadlineExceeded`). */
export function readJob(job: V1Job): { complete: boolean; failed: boolean; reason?: string | undefined } {
  const conditions = job.status?.conditions ?? []
  const failed = conditions.find((c) => (c.type === 'Failed' || c.type === 'FailureTarget') && c.status === 'True')
  return { complete: conditions.some((c) => c.type === 'Complete' && c.status === 'True'), failed: failed !== undefined, reason: failed?.reason }
}
