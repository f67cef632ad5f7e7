// `npm run bench`: speed, printed as ratios against references measured in the same run.
//  1. envelope encryption vs `openssl speed -evp aes-256-gcm`
//  2. encrypt + IPFS add (Helia, filesystem blockstore) vs writing the same bytes to a file
//  3. job start latency (order verified → trainer process running), median and p95 over 20 jobs,
//     against starting the same trainer bundle with plain Node outside the sandbox
//  4. the egress guard per MiB of weights vs reading and hashing the same bytes
//  5. trainer wall time in the sandbox vs the same bundle bare; DP-SGD vs plain epochs
//  6. logistic regression's held-out accuracy and fit time vs scikit-learn (if python3-sklearn is installed)
//  7. key release latency (engine asks → data key rebuilt, each holder checking the chain) for 1 of 1,
//     2 of 3 and 3 of 5 local key holders, each its own process as in production (3 of 5 also in the
//     node's process, as before), median and p95 over 100 releases, against the bare chain checks
//  8. the PyTorch trainer (torch-mlp, CPU) epoch time vs the TypeScript mlp-classifier on the same data
//  9. job start through the Kubernetes runner and the in-process API-server double (run() → started:
//     fetch step, trainer, watch, log) vs the sandbox runner on the same program: the runner's own overhead
// 10. CSV parsing and schema inference (the SDK's, as `datavault publish` runs it) on 256 MiB of number
//     columns vs a plain line split of the same bytes read the same way
// 11. homomorphic mode: CKKS multiply+relinearize+rescale, rotate, add at N = 8192 and 16384; encrypted
//     ridge on 100,000 × 10 (owner encryption, node compute vs plaintext and vs native SEAL's priced
//     operation count) and the end-to-end job (order → decrypted coefficients)
// 12. the sandbox's cost split into a fixed start-up and a per-second rate (scripts/bench/sandbox.ts)
// 13. the browser extension's own encryption in Debian's Chromium (its data worker and WebCrypto cipher workers,
//     256 MiB made in the page) vs `openssl speed -evp aes-256-gcm` in the same run (scripts/bench/extension-encryption.ts)
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createEncryptStream, generateDataKey } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { heliaStorage } from '@datavault/vault'
import { benchCsv } from './bench/csv.ts'
import { benchEgress } from './bench/egress.ts'
import { benchEncryption, encryptionLines } from './bench/encryption.ts'
import { benchIpfsAdd, ipfsAddLines } from './bench/ipfs-add.ts'
import { benchJobStart, jobStartLines } from './bench/job-start.ts'
import { benchHomomorphic } from './bench/homomorphic.ts'
import { benchKeyRelease } from './bench/key-release.ts'
import { benchKubernetesStart } from './bench/kubernetes.ts'
import { benchTorchMlp, torchAvailable } from './bench/torch-mlp.ts'
import { benchTrainers } from './bench/trainers.ts'
import { benchSandbox, sandboxLines } from './bench/sandbox.ts'
import { benchExtensionEncryption, extensionEncryptionLines } from './bench/extension-encryption.ts'

const mib = 1024 ** 2
const line = (text: string) => process.stdout.write(`${text}\n`)
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
}

function source(totalBytes: number, chunk = 4 * mib) {
  const block = new Uint8Array(chunk).map((_, i) => (i * 2654435761) >>> 24)
  return async function* () {
    for (let done = 0; done < totalBytes; done += chunk) yield block.subarray(0, Math.min(chunk, totalBytes - done))
  }
}

const dir = await mkdtemp(join(tmpdir(), 'dv-bench-'))
try {
  line('# 1. envelope encryption')
  const encryption = await benchEncryption()
  for (const text of encryptionLines(encryption)) line(text)

  line('\n# 2. encrypt + IPFS add')
  const total = 256 * mib
  const storage = await heliaStorage({ dir: join(dir, 'ipfs') })
  const key = generateDataKey()
  let started = performance.now()
  const encrypted = (Readable.toWeb(Readable.from(source(total)())) as ReadableStream<Uint8Array>).pipeThrough(createEncryptStream(key, { crypto: nodeEnvelopeCrypto }))
  await storage.add(encrypted as unknown as AsyncIterable<Uint8Array>)
  const addSeconds = (performance.now() - started) / 1000
  await storage.stop()
  started = performance.now()
  await pipeline(Readable.from(source(total)()), createWriteStream(join(dir, 'plain.bin')))
  const writeSeconds = (performance.now() - started) / 1000
  const addMBps = total / 1e6 / addSeconds
  const writeMBps = total / 1e6 / writeSeconds
  line(`encrypt+add ${addMBps.toFixed(0)} MB/s; plain file write ${writeMBps.toFixed(0)} MB/s: ratio ${(addMBps / writeMBps).toFixed(2)}×; vs openssl AES-GCM ${(addMBps / encryption.opensslMBps).toFixed(2)}×`)
  const ipfsAdd = await benchIpfsAdd({ mebibytes: 256, rounds: 2 })
  line(`side by side with Helia's own add, ${ipfsAdd.bytes / mib} MiB, medians of ${ipfsAdd.ours.length} interleaved rounds [each round]:`)
  for (const text of ipfsAddLines(ipfsAdd)) line(`  ${text}`)

  line('\n# 3. job start latency (order verified → trainer running), 20 jobs')
  for (const text of jobStartLines(await benchJobStart({ jobs: 20 }))) line(text)

  line('\n# 4. egress guard')
  const egress = await benchEgress()
  line(`egress guard ${egress.guardMsPerMiB.toFixed(2)} ms/MiB of weights; read+sha256 ${egress.referenceMsPerMiB.toFixed(2)} ms/MiB: ratio ${egress.ratio.toFixed(2)}×`)

  line('\n# 5. trainers (logistic regression, 20,000 rows × 7 features; full-batch fit, DP-SGD and SGD 100 epochs)')
  const trainers = await benchTrainers()
  line(`in sandbox ${trainers.insideMs.toFixed(0)} ms, bare ${trainers.outsideMs.toFixed(0)} ms: ratio ${trainers.sandboxRatio.toFixed(3)}×, ${(trainers.insideMs - trainers.outsideMs).toFixed(0)} ms more (the sandbox's targets, fixed ≤ 30 ms and rate ≤ 1.02×, are judged in section 12)`)
  line(`DP-SGD ${trainers.dpEpochMs.toFixed(1)} ms/epoch, plain SGD ${trainers.plainEpochMs.toFixed(1)} ms/epoch: ratio ${trainers.dpRatio.toFixed(2)}×`)

  line('\n# 6. logistic regression vs scikit-learn (same data, same split)')
  if (trainers.sklearn) {
    const show = (values: number[]) => `[${values.map((v) => v.toFixed(0)).join(', ')}]`
    const med = (values: number[]) => quantile(values, 0.5)
    line(`held-out accuracy ours ${trainers.accuracy.toFixed(4)}, scikit-learn ${trainers.sklearn.accuracy.toFixed(4)}: ${((trainers.accuracy - trainers.sklearn.accuracy) * 100).toFixed(2)} points (target within 0.5)`)
    line(`fit vs fit (in process, scaler included): ours ${med(trainers.oursFitMs).toFixed(1)} ms ${show(trainers.oursFitMs)}, scikit-learn ${med(trainers.sklearn.fitMs).toFixed(1)} ms ${show(trainers.sklearn.fitMs)}: ratio ${(med(trainers.oursFitMs) / med(trainers.sklearn.fitMs)).toFixed(2)}× (target ≤ 2×)`)
    line(`whole process vs whole process: ours ${med(trainers.oursProcessMs).toFixed(0)} ms ${show(trainers.oursProcessMs)}, python + scikit-learn ${med(trainers.sklearn.processMs).toFixed(0)} ms ${show(trainers.sklearn.processMs)}: ratio ${(med(trainers.oursProcessMs) / med(trainers.sklearn.processMs)).toFixed(2)}×`)
  }
  else line(`held-out accuracy ours ${trainers.accuracy.toFixed(4)}; scikit-learn not installed (apt-get install python3-sklearn) — skipped`)

  line('\n# 7. key release (tickets signed → shares checked on chain, released, combined), 100 releases each')
  const release = await benchKeyRelease()
  for (const config of release.configs)
    line(`${config.label}: median ${config.medianMs.toFixed(1)} ms, p95 ${config.p95Ms.toFixed(1)} ms; bare chain checks (one holder's) ${config.referenceMs.toFixed(1)} ms: ratio ${config.ratio.toFixed(1)}×`)
  line(`3 of 5, holders in their own processes: median ${release.target?.medianMs.toFixed(1) ?? '?'} ms, p95 ${release.target?.p95Ms.toFixed(1) ?? '?'} ms (target median ≤ 25 ms, p95 ≤ 50 ms): ${release.targetMet ? 'met' : 'not met'}`)

  line('\n# 8. torch-mlp (PyTorch, CPU) vs mlp-classifier (TypeScript): epoch time, same data and network, Adam, batch 64, both bare')
  if (torchAvailable()) {
    const small = await benchTorchMlp({ rows: 20_000, hidden: [32] })
    line(`20,000 rows × 7 features, hidden [32]: epoch torch-mlp ${small.torchEpochMs.toFixed(0)} ms, mlp-classifier ${small.mlpEpochMs.toFixed(0)} ms: ratio ${small.ratio.toFixed(2)}× (torch ${small.threads})`)
    line(`  mlp-classifier epoch against PyTorch's on the CPU, same network and batch: ${(small.mlpEpochMs / small.torchEpochMs).toFixed(2)}× (target ≤ 2×)`)
    line(`  DP-SGD epoch torch-mlp ${small.torchDpEpochMs!.toFixed(0)} ms, mlp-classifier ${small.mlpDpEpochMs!.toFixed(0)} ms: ratio ${small.dpRatio!.toFixed(2)}×`)
    line(`  start-up and reading the CSV (to the first epoch, less one) torch-mlp ${small.torchFixedMs.toFixed(0)} ms, mlp-classifier ${small.mlpFixedMs.toFixed(0)} ms`)
    const wide = await benchTorchMlp({ rows: 5_000, hidden: [256, 256], epochs: 4, rounds: 2, dp: false })
    line(`5,000 rows × 7 features, hidden [256, 256]: epoch torch-mlp ${wide.torchEpochMs.toFixed(0)} ms, mlp-classifier ${wide.mlpEpochMs.toFixed(0)} ms: ratio ${wide.ratio.toFixed(2)}×`)
    line(`  mlp-classifier epoch against PyTorch's: ${(wide.mlpEpochMs / wide.torchEpochMs).toFixed(2)}× (target ≤ 2×)`)
  } else line('python3-torch not installed (apt-get install python3-torch) — skipped')

  line('\n# 9. job start, Kubernetes runner + API-server double (no cluster here) vs the sandbox runner, 10 runs each')
  const k8s = await benchKubernetesStart()
  line(
    `run() → started: sandbox median ${k8s.sandbox.medianMs.toFixed(0)} ms (p95 ${k8s.sandbox.p95Ms.toFixed(0)}), ` +
      `Kubernetes runner + double median ${k8s.kubernetes.medianMs.toFixed(0)} ms (p95 ${k8s.kubernetes.p95Ms.toFixed(0)}): ratio ${k8s.ratio.toFixed(2)}×`,
  )

  line('\n# 10. CSV parsing and schema inference (256 MiB, six number columns), 3 rounds each, medians')
  const csv = await benchCsv()
  line(
    `inferCsvSchema ${csv.inferMBps.toFixed(0)} MB/s (target ≥ 200 MB/s on one core); plain line split ${csv.splitMBps.toFixed(0)} MB/s: ratio ${csv.ratio.toFixed(2)}× ` +
      `(runs: ${csv.inferRuns.map((value) => value.toFixed(0)).join(', ')} / ${csv.splitRuns.map((value) => value.toFixed(0)).join(', ')} MB/s)`,
  )
  line(`profileCsv (what publish reads with) ${csv.profileMBps.toFixed(0)} MB/s: ratio ${csv.profileRatio.toFixed(2)}× (runs: ${csv.profileRuns.map((value) => value.toFixed(0)).join(', ')} MB/s); target ${csv.met ? 'met' : 'not met'}`)
  line(`per CPU second (one core, whatever else runs): inferCsvSchema ${csv.inferCpuMBps.toFixed(0)} MB/s, profileCsv ${csv.profileCpuMBps.toFixed(0)} MB/s, line split ${csv.splitCpuMBps.toFixed(0)} MB/s: ratio ${csv.cpuRatio.toFixed(2)}×`)
  line('\n# 11. homomorphic mode (CKKS, node-seal): operations, encrypted ridge on 100,000 × 10, end to end')
  await benchHomomorphic(line)
  line('\n# 12. the sandbox\'s cost: fixed start-up and per-second rate (the same CPU-bound program, ~0.25 s and ~2 s, bare and in the sandbox)')
  for (const text of sandboxLines(await benchSandbox())) line(text)
  line('\n# 13. the browser extension\'s encryption in Chromium (data worker → WebCrypto cipher workers → the page), 256 MiB, 3 interleaved rounds')
  for (const text of extensionEncryptionLines(await benchExtensionEncryption()).lines) line(text)
} finally {
  await rm(dir, { recursive: true, force: true })
}
