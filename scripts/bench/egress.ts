// The egress guard's cost per MiB of weights, against reading and hashing the same bytes
// (SHA-256 of the file: the least any check of the outputs has to do).
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkEgress } from '@datavault/compute-to-data'
import { encodeSafetensors } from '@datavault/sdk'

/** Measures `checkEgress` on a safetensors file of `mib` MiB of F32 weights. */
export async function benchEgress({ mib = 64, rounds = 5 } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'dv-bench-egress-'))
  try {
    const count = (mib * 1024 * 1024) / 4
    const data = new Float32Array(count).map((_, i) => Math.sin(i) * 0.01)
    const rows = 1024
    const bytes = encodeSafetensors({ weights: { dtype: 'F32', shape: [rows, count / rows], data } })
    await writeFile(join(dir, 'model.safetensors'), bytes)
    await writeFile(join(dir, 'metrics.json'), JSON.stringify({ loss: 0.1 }))
    const declaration = {
      files: [
        { name: 'model.safetensors', kind: 'safetensors' as const, tensors: [{ name: 'weights', dtype: 'F32' as const, shape: [rows, count / rows] }], metadataKeys: [] },
        { name: 'metrics.json', kind: 'metrics' as const, names: ['loss'] },
      ],
    }
    const guard: number[] = []
    const reference: number[] = []
    for (let round = 0; round < rounds; round++) {
      let started = performance.now()
      await checkEgress({ outputDir: dir, declaration, maxBytes: bytes.byteLength + 1024 * 1024 })
      guard.push(performance.now() - started)
      started = performance.now()
      createHash('sha256').update(await readFile(join(dir, 'model.safetensors'))).digest()
      reference.push(performance.now() - started)
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
    return { mib, guardMsPerMiB: median(guard) / mib, referenceMsPerMiB: median(reference) / mib, ratio: median(guard) / median(reference) }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const result = await benchEgress()
  console.log(`egress guard ${result.guardMsPerMiB.toFixed(2)} ms/MiB; read+sha256 ${result.referenceMsPerMiB.toFixed(2)} ms/MiB: ratio ${result.ratio.toFixed(2)}×`)
}
