import { buildTrainerBundle, builtinTrainers, type TrainerDefinition, type TrainerRuntime } from '../trainers/index.ts'

/**
 * An installed trainer: its definition, the runtime its program needs (match it to an
 * environment's runtime), and the exact bundle that runs, named by its SHA-256, with the
 * interpreter the runner starts for it.
 */
export type TrainerCatalogEntry = {
  definition: TrainerDefinition
  /**
   * What the program needs: `node`, `python` or `pytorch` (a `pytorch` environment runs `python`
   * programs too). The catalog always sets it; absent (an entry built elsewhere, e.g. a custom
   * algorithm), it is `bundle.runtime`, else `node`.
   */
  runtime?: TrainerRuntime | undefined
  bundle: { path: string; sha256: `0x${string}`; runtime?: 'node' | 'python' | undefined }
}

/** The trainers a node runs. */
export type TrainerCatalog = {
  get(id: string): TrainerCatalogEntry | undefined
  list(): TrainerCatalogEntry[]
}

/**
 * Builds each trainer's bundle into `dir` and indexes them by id. The bundle's hash is what jobs,
 * policies and receipts name, so a changed trainer is a different trainer.
 */
export async function createTrainerCatalog({
  dir,
  trainers = builtinTrainers,
}: {
  dir: string
  trainers?: readonly TrainerDefinition[]
}): Promise<TrainerCatalog> {
  const entries = new Map<string, TrainerCatalogEntry>()
  // Bundles build concurrently: esbuild does its work off the main thread.
  const built = await Promise.all(trainers.map((definition) => buildTrainerBundle(definition, { outDir: dir })))
  trainers.forEach((definition, index) => {
    const bundle = built[index]!
    const sha256 = (bundle.sha256.startsWith('0x') ? bundle.sha256 : `0x${bundle.sha256}`) as `0x${string}`
    entries.set(definition.id, { definition, runtime: bundle.runtime, bundle: { path: bundle.path, sha256, runtime: bundle.program } })
  })
  return {
    get: (id) => entries.get(id),
    list: () => [...entries.values()],
  }
}
