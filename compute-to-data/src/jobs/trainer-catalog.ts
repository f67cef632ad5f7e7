import { buildTrainerBundle, builtinTrainers, type TrainerDefinition } from '../trainers/index.ts'

/** An installed trainer: its definition and the exact bundle that runs, named by its SHA-256. */
export type TrainerCatalogEntry = {
  definition: TrainerDefinition
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
  for (const definition of trainers) {
    const built = await buildTrainerBundle(definition, { outDir: dir })
    const sha256 = (built.sha256.startsWith('0x') ? built.sha256 : `0x${built.sha256}`) as `0x${string}`
    entries.set(definition.id, { definition, bundle: { path: built.path, sha256 } })
  }
  return {
    get: (id) => entries.get(id),
    list: () => [...entries.values()],
  }
}
