import type { V1Pod } from '@kubernetes/client-node'
import { describe, expect, test } from 'vitest'
import { readJob, readPod } from './pod-state.ts'

const pod = (status: V1Pod['status']): V1Pod => ({ metadata: { name: 'p' }, status })

describe('readPod', () => {
  test('default: a pending pod has nothing to report', () => {
    expect(readPod(pod({ phase: 'Pending' }))).toEqual({
      fetch: { state: 'absent' },
      trainer: { state: 'absent' },
      upload: { state: 'absent' },
      imagePullFailed: false,
      evicted: false,
      unschedulable: false,
    })
  })

  test('behavior: container states, exit codes and reasons', () => {
    const reading = readPod(
      pod({
        initContainerStatuses: [
          { name: 'fetch', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'trainer', image: 'i', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } },
        ],
        containerStatuses: [{ name: 'upload', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      }),
    )
    expect(reading.trainer).toEqual({ state: 'terminated', exitCode: 137, reason: 'OOMKilled', signal: undefined })
    expect(reading.upload).toEqual({ state: 'waiting', reason: 'PodInitializing' })
    expect(reading.imagePullFailed).toBe(false)
  })

  test('behavior: image pull failures, evictions and unschedulable pods', () => {
    const waiting = (reason: string) => pod({ initContainerStatuses: [{ name: 'trainer', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason } } }] })
    expect(readPod(waiting('ImagePullBackOff')).imagePullFailed).toBe(true)
    expect(readPod(waiting('InvalidImageName')).imagePullFailed).toBe(true)
    expect(readPod(waiting('ContainerCreating')).imagePullFailed).toBe(false)
    expect(readPod(pod({ phase: 'Failed', reason: 'Evicted' })).evicted).toBe(true)
    expect(readPod(pod({ conditions: [{ type: 'DisruptionTarget', status: 'True' }] })).evicted).toBe(true)
    expect(readPod(pod({ conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] })).unschedulable).toBe(true)
    expect(readPod(pod({ conditions: [{ type: 'PodScheduled', status: 'True' }] })).unschedulable).toBe(false)
  })
})

describe('readJob', () => {
  test('behavior: complete, failed with its reason, or still running', () => {
    expect(readJob({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })).toEqual({ complete: true, failed: false, reason: undefined })
    expect(readJob({ status: { conditions: [{ type: 'Failed', status: 'True', reason: 'DeadlineExceeded' }] } })).toEqual({ complete: false, failed: true, reason: 'DeadlineExceeded' })
    expect(readJob({ status: { active: 1 } })).toEqual({ complete: false, failed: false, reason: undefined })
  })
})
