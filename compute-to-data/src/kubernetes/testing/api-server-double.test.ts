import { ApiException, BatchV1Api, CoreV1Api, Watch } from '@kubernetes/client-node'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type ApiServerDouble, startApiServerDouble } from './api-server-double.ts'

let double: ApiServerDouble
beforeAll(async () => {
  double = await startApiServerDouble({ images: {} })
})
afterAll(async () => {
  await double?.close()
})

const secret = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, labels: { app: 'x' } }, data: { token: 'dG9rZW4=' } })

describe('the API-server double, through @kubernetes/client-node', () => {
  test('default: create, get, list with a label selector, delete', async () => {
    const core = double.kubeConfig().makeApiClient(CoreV1Api)
    await core.createNamespacedSecret({ namespace: 'ns', body: secret('a') })
    await core.createNamespacedSecret({ namespace: 'ns', body: { ...secret('b'), metadata: { name: 'b', labels: { app: 'y' } } } })
    expect((await core.readNamespacedSecret({ name: 'a', namespace: 'ns' })).data).toEqual({ token: 'dG9rZW4=' })
    const list = await core.listNamespacedSecret({ namespace: 'ns', labelSelector: 'app=x' })
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['a'])
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThan(0)
    await core.deleteNamespacedSecret({ name: 'a', namespace: 'ns' })
    await core.deleteNamespacedSecret({ name: 'b', namespace: 'ns' })
    expect(double.objects('secrets')).toEqual([])
  })

  test('error: a second create is 409, a missing object 404', async () => {
    const core = double.kubeConfig().makeApiClient(CoreV1Api)
    await core.createNamespacedSecret({ namespace: 'ns', body: secret('dup') })
    await expect(core.createNamespacedSecret({ namespace: 'ns', body: secret('dup') })).rejects.toMatchObject({ code: 409 })
    await expect(core.readNamespacedSecret({ name: 'missing', namespace: 'ns' })).rejects.toBeInstanceOf(ApiException)
    await expect(core.readNamespacedSecret({ name: 'missing', namespace: 'ns' })).rejects.toMatchObject({ code: 404 })
    await core.deleteNamespacedSecret({ name: 'dup', namespace: 'ns' })
  })

  test('behavior: a watch replays from its resourceVersion; after the history expired it gets 410 Gone', async () => {
    const kc = double.kubeConfig()
    const core = kc.makeApiClient(CoreV1Api)
    const from = (await core.listNamespacedSecret({ namespace: 'w' })).metadata!.resourceVersion!
    await core.createNamespacedSecret({ namespace: 'w', body: secret('one') })
    const watchOnce = (resourceVersion: string) =>
      new Promise<{ type: string; object: { code?: number; metadata?: { name?: string } } }>((resolve, reject) => {
        void new Watch(kc)
          .watch('/api/v1/namespaces/w/secrets', { resourceVersion }, (type, object) => resolve({ type, object }), (error) => error && reject(error))
          .then((controller) => setTimeout(() => controller.abort(), 2000))
      })
    expect(await watchOnce(from)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'one' } } })
    double.expireWatches()
    expect(await watchOnce(from)).toMatchObject({ type: 'ERROR', object: { code: 410 } })
    await core.deleteNamespacedSecret({ name: 'one', namespace: 'w' })
  })

  test('behavior: a Job creates its Pod, owned by it; an unmapped image waits in ErrImagePull; deleting the Job deletes the Pod', async () => {
    const kc = double.kubeConfig()
    const batch = kc.makeApiClient(BatchV1Api)
    const created = await batch.createNamespacedJob({
      namespace: 'ns',
      body: {
        metadata: { name: 'j' },
        spec: { backoffLimit: 0, template: { metadata: { labels: { app: 'j' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'unknown@sha256:0' }] } } },
      },
    })
    for (let i = 0; i < 100 && double.objects('pods')[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason !== 'ErrImagePull'; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    const [stored] = double.objects('pods')
    expect(stored?.metadata.labels).toMatchObject({ app: 'j', 'job-name': 'j' })
    expect(stored?.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'Job', uid: created.metadata!.uid })])
    expect(stored?.status.containerStatuses[0].state.waiting.reason).toBe('ErrImagePull')
    await batch.deleteNamespacedJob({ name: 'j', namespace: 'ns', propagationPolicy: 'Background' })
    expect(double.objects('pods')).toEqual([])
  })
})
