// Job start latency through the Kubernetes runner and the in-process API-server double, against the
// bubblewrap sandbox runner on the same program: run() called → the program's `started` event, median
// and p95 over `rounds` jobs. The difference is the runner's own overhead here (manifests, API calls,
// the watch, the fetch step's download from the job gateway, the log stream), not a real cluster's
// (no scheduling, image pulls or kubelet here).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type RunSpec, type Runner, bubblewrapRunner, kubernetesRunner } from '@datavault/compute-to-data'
import { startApiServerDouble } from '@datavault/compute-to-data/testing'

const silent = { child: () => silent, info() {}, warn() {}, error() {}, debug() {} }
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!

export async function benchKubernetesStart({ rounds = 10 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-k8s-'))
  await chmod(dir, 0o711)
  const trainerImage = `bench.example/trainer@sha256:${'a'.repeat(64)}`
  const jobIoImage = `bench.example/node@sha256:${'b'.repeat(64)}`
  const double = await startApiServerDouble({ images: { [trainerImage]: 'trainer', [jobIoImage]: 'job-io' } })
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  const kubernetes = kubernetesRunner({ namespace: 'bench', kubeConfig: double.kubeConfig(), gateway: { host: '127.0.0.1', port, url: `http://127.0.0.1:${port}` }, jobIoImage })({ logger: silent })
  const sandbox = bubblewrapRunner({ workDir: join(dir, 'work') })({ logger: silent })
  try {
    const program = join(dir, 'program.mjs')
    await writeFile(program, `console.log(JSON.stringify({ event: 'started' }))\nconsole.log(JSON.stringify({ event: 'done' }))\n`)
    let count = 0
    const startOnce = async (runner: Runner, kube: boolean) => {
      const begun = performance.now()
      let startedAt: number | undefined
      const spec: RunSpec = {
        jobId: `bench-${++count}`,
        program: { path: program },
        config: {},
        inputs: [{ name: 'train.csv', source: [new TextEncoder().encode('a,b\n1,2\n')] }],
        outputDir: join(dir, `out-${count}`),
        limits: { wallTimeMs: 60_000, cpuSeconds: 60, memoryBytes: 256 * 1024 ** 2, outputBytes: 1024 ** 2, processes: 64 },
        ...(kube ? { environment: { name: 'bench', description: '', runtime: 'node', runner: 'kubernetes', cpu: 1, memoryMb: 256, gpu: 0, gpuResource: 'nvidia.com/gpu', image: trainerImage } } : {}),
        onStarted: () => (startedAt ??= performance.now()),
      }
      const result = await runner.run(spec)
      if (result.outcome !== 'exited' || result.exitCode !== 0 || startedAt === undefined) throw new Error(`bench job failed: ${result.outcome} ${result.exitCode}`)
      return startedAt - begun
    }
    await startOnce(sandbox, false)
    await startOnce(kubernetes, true)
    const sandboxMs: number[] = []
    const kubernetesMs: number[] = []
    for (let i = 0; i < rounds; i++) {
      sandboxMs.push(await startOnce(sandbox, false))
      kubernetesMs.push(await startOnce(kubernetes, true))
    }
    return {
      sandbox: { medianMs: quantile(sandboxMs, 0.5), p95Ms: quantile(sandboxMs, 0.95) },
      kubernetes: { medianMs: quantile(kubernetesMs, 0.5), p95Ms: quantile(kubernetesMs, 0.95) },
      ratio: quantile(kubernetesMs, 0.5) / quantile(sandboxMs, 0.5),
    }
  } finally {
    await kubernetes.stop()
    await double.close()
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchKubernetesStart()
  process.stdout.write(
    `job start (run() → started): sandbox median ${result.sandbox.medianMs.toFixed(0)} ms (p95 ${result.sandbox.p95Ms.toFixed(0)}), ` +
      `kubernetes runner + API-server double median ${result.kubernetes.medianMs.toFixed(0)} ms (p95 ${result.kubernetes.p95Ms.toFixed(0)}): ratio ${result.ratio.toFixed(2)}×\n`,
  )
}
