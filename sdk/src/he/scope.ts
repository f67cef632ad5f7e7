/** Anything that holds WASM memory: every node-seal object. */
export type SealObject = { delete(): void; isDeleted(): boolean }

/** Tracks SEAL objects and deletes them all at once. */
export type SealScope = {
  /** Registers `object` for deletion when the scope ends; returns it. */
  track<T extends SealObject>(object: T): T
  /** Deletes one tracked object now (e.g. an intermediate in a long loop). */
  free(object: SealObject): void
  /** Takes `object` out of the scope: the caller now owns it (and must delete it). */
  keep<T extends SealObject>(object: T): T
}

/**
 * Runs `work` with a scope whose tracked SEAL objects are all deleted when it ends, however it
 * ends. JavaScript's GC never frees WASM memory, so every object made in an operation belongs to
 * a scope (or is explicitly kept).
 *
 * @example
 * const sum = await withSealScope(async (scope) => {
 *   const ct = scope.track(new seal.Ciphertext())
 *   ...
 * })
 */
export function withSealScope<T>(work: (scope: SealScope) => T): T {
  const tracked = new Set<SealObject>()
  const release = () => {
    for (const object of tracked) if (!object.isDeleted()) object.delete()
    tracked.clear()
  }
  const scope: SealScope = {
    track(object) {
      tracked.add(object)
      return object
    },
    free(object) {
      tracked.delete(object)
      if (!object.isDeleted()) object.delete()
    },
    keep(object) {
      tracked.delete(object)
      return object
    },
  }
  let result: T
  try {
    result = work(scope)
  } catch (error) {
    release()
    throw error
  }
  if (result instanceof Promise) return result.finally(release) as T
  release()
  return result
}
