// A key-value area the background keeps its state in: `chrome.storage.local` (on disk, survives
// restarts) or `chrome.storage.session` (in memory only, gone when the browser closes). Parts take
// a `StorageArea`, not `chrome.storage`, so their logic runs in unit tests under Node too.

/** A place to keep JSON values by key. */
export type StorageArea = {
  get<value = unknown>(key: string): Promise<value | undefined>
  set(key: string, value: unknown): Promise<void>
  remove(key: string): Promise<void>
}

/**
 * A `StorageArea` over a `chrome.storage` area.
 *
 * @example
 * const local = chromeStorageArea(chrome.storage.local)
 */
export function chromeStorageArea(area: ChromeStorageArea): StorageArea {
  return {
    async get<value>(key: string) {
      return (await area.get(key))[key] as value | undefined
    },
    set: (key, value) => area.set({ [key]: value }),
    remove: (key) => area.remove(key),
  }
}

/**
 * A `StorageArea` in this process's memory, with the JSON round trip `chrome.storage` makes (a
 * value that does not survive it fails here as it would there). For code that runs outside the
 * browser: the unit tests of the background logic.
 *
 * @example
 * const session = memoryStorageArea()
 */
export function memoryStorageArea(): StorageArea & { keys(): string[] } {
  const values = new Map<string, string>()
  return {
    async get<value>(key: string) {
      const text = values.get(key)
      return text === undefined ? undefined : (JSON.parse(text) as value)
    },
    async set(key, value) {
      values.set(key, JSON.stringify(value))
    },
    async remove(key) {
      values.delete(key)
    },
    keys: () => [...values.keys()],
  }
}
