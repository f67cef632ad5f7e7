import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import type { TrainerDefinition, TrainerRuntime } from './definition.ts'

/** Options of {@link buildTrainerBundle}. */
export type BuildTrainerBundleOptions = {
  /** Directory the bundle is written to (created if missing). */
  outDir: string
}

/**
 * The bundle: its path, the SHA-256 of its bytes (the trainer's identity), what the trainer needs
 * (`runtime`) and the interpreter the runner starts for it (`program`: Python for `python` and `pytorch`).
 */
export type BuildTrainerBundleReturnType = { path: string; sha256: `0x${string}`; bytes: number; runtime: TrainerRuntime; program: 'node' | 'python' }

// Paths in the bundle's comments are relative to this directory, so the bytes (and the hash) do
// not depend on where the node was started from.
const packageRoot = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Bundles a trainer's entry and everything it imports into one ES module for Node 24, the single
 * file the sandbox runs. Deterministic: the same sources give the same bytes and hash. Not
 * minified, so what runs beside the data can be read. A Python trainer (runtime `python` or
 * `pytorch`) is one file already: its exact bytes are copied and hashed, nothing is added.
 *
 * @example
 * const { path, sha256 } = await buildTrainerBundle(logisticRegressionTrainer, { outDir: '/var/lib/datavault/trainers' })
 */
export async function buildTrainerBundle(definition: TrainerDefinition, options: BuildTrainerBundleOptions): Promise<BuildTrainerBundleReturnType> {
  const runtime = definition.runtime ?? 'node'
  if (runtime !== 'node') {
    if (!definition.entry.endsWith('.py')) throw new Error(`${definition.id}: a ${runtime} trainer's entry must be a .py file`)
    return writeBundle(definition, options, await readFile(definition.entry), { ext: 'py', runtime, program: 'python' })
  }
  const result = await build({
    entryPoints: [definition.entry],
    absWorkingDir: packageRoot,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    write: false,
    outfile: 'trainer.mjs',
    legalComments: 'none',
    charset: 'utf8',
    sourcemap: false,
    logLevel: 'silent',
    banner: { js: `// datavault trainer ${definition.id}@${definition.version}` },
  })
  const file = result.outputFiles[0]
  if (file === undefined) throw new Error(`esbuild produced no output for ${definition.id}`)
  return writeBundle(definition, options, file.contents, { ext: 'mjs', runtime, program: 'node' })
}

// Writes the bundle under a name carrying its hash, atomically (concurrent builds may race).
async function writeBundle(
  definition: TrainerDefinition,
  options: BuildTrainerBundleOptions,
  contents: Uint8Array,
  { ext, runtime, program }: { ext: string; runtime: TrainerRuntime; program: 'node' | 'python' },
): Promise<BuildTrainerBundleReturnType> {
  const sha256 = `0x${createHash('sha256').update(contents).digest('hex')}` as const
  await mkdir(options.outDir, { recursive: true })
  const path = join(options.outDir, `${definition.id}-${definition.version}-${sha256.slice(2, 14)}.${ext}`)
  const partial = `${path}.${process.pid}.partial`
  await writeFile(partial, contents, { mode: 0o444 })
  await rename(partial, path)
  return { path, sha256, bytes: contents.byteLength, runtime, program }
}
