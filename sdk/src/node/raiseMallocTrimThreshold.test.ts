import { spawnSync } from 'node:child_process'
import { describe, expect, test } from 'vitest'

// A child process each (glibc's thresholds are process state): a worker thread encrypts 1 MiB
// chunks and transfers them out, this thread holds 48 and drops them at a GC, six times, as a pool
// and its caller do. Prints the minor page faults per MiB of the last five rounds.
const script = (raise: boolean) => `
import { Worker } from 'node:worker_threads'
import { raiseMallocTrimThreshold } from ${JSON.stringify(new URL('./raiseMallocTrimThreshold.ts', import.meta.url).href)}
if (${raise}) raiseMallocTrimThreshold()
const worker = new Worker(\`
const { parentPort } = process.getBuiltinModule('node:worker_threads')
const cipher = process.getBuiltinModule('node:crypto').createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16))
const input = Buffer.alloc(1 << 20)
parentPort.on('message', (n) => { for (let i = 0; i < n; i++) { const out = cipher.update(input); parentPort.postMessage(out.buffer, [out.buffer]) } })
\`, { eval: true })
let faults = 0
for (let round = 0; round < 6; round++) {
  const before = process.resourceUsage().minorPageFault
  let held = []
  await new Promise((resolve) => {
    const take = (chunk) => { held.push(chunk); if (held.length === 48) { worker.off('message', take); resolve() } }
    worker.on('message', take)
    worker.postMessage(48)
  })
  held = undefined
  await new Promise((resolve) => setTimeout(resolve, 20))
  globalThis.gc()
  if (round > 0) faults += process.resourceUsage().minorPageFault - before
}
await worker.terminate()
console.log(faults / 5 / 48)
`

function faultsPerMiB(raise: boolean): number {
  const child = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script(raise)], { encoding: 'utf8' })
  if (child.status !== 0) throw new Error(child.stderr)
  return Number(child.stdout.trim())
}

describe('raiseMallocTrimThreshold', () => {
  // glibc only: elsewhere the thresholds do not exist.
  const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
  test.skipIf(!glibc)('behavior: chunks made on a worker and freed in bulk by this thread are not page-faulted back in (glibc only: the thresholds raised are glibc malloc’s; skipped on other C libraries)', () => {
    const before = faultsPerMiB(false)
    const after = faultsPerMiB(true)
    expect(before).toBeGreaterThan(50) // 256 would be every page of every chunk
    expect(after).toBeLessThan(before / 10)
  })
})
