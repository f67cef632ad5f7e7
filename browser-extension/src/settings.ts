// The owner's settings: which vault node and chain RPC to use, and when the wallet locks itself.
// Kept in chrome.storage.local; validated on the way in and on the way out.
import * as z from 'zod/v4'
import { SettingsInvalidError } from './errors.ts'
import type { StorageArea } from './storage.ts'

const httpUrl = z
  .string()
  .trim()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value)
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.username === '' && url.password === ''
    } catch {
      return false
    }
  }, 'must be an http(s) URL without a user name or password')
  .transform((value) => value.replace(/\/+$/, ''))

/** The settings' schema, with `datavault dev`'s node and chain as defaults. */
export const settingsSchema = z.object({
  /** The vault node's API. */
  nodeUrl: httpUrl.default('http://127.0.0.1:8700'),
  /** The JSON-RPC of the chain the node works on. */
  rpcUrl: httpUrl.default('http://127.0.0.1:8545'),
  /** Minutes without use after which the wallet locks itself. */
  autoLockMinutes: z.number().int().min(1).max(240).default(15),
})

/** The owner's settings. */
export type Settings = z.output<typeof settingsSchema>

/** A change to some settings. */
export const settingsPatchSchema = z.object({
  nodeUrl: httpUrl.optional(),
  rpcUrl: httpUrl.optional(),
  autoLockMinutes: z.number().int().min(1).max(240).optional(),
})

/** Settings as a fresh install has them: the local `datavault dev` stack, auto-lock after 15 minutes. */
export const defaultSettings: Settings = settingsSchema.parse({})

const key = 'settings'

/** Reads and changes the settings. */
export type SettingsStore = {
  get(): Promise<Settings>
  /** Validates `patch` (throws `SettingsInvalidError`), stores the result and returns it. */
  set(patch: unknown): Promise<Settings>
}

/**
 * The settings, kept in `local`. A stored value that no longer parses (an older version's) falls
 * back to the defaults rather than leaving the extension unusable.
 *
 * @example
 * const settings = settingsStore({ local: chromeStorageArea(chrome.storage.local) })
 * const { nodeUrl } = await settings.get()
 */
export function settingsStore({ local }: { local: StorageArea }): SettingsStore {
  const get = async (): Promise<Settings> => {
    const parsed = settingsSchema.safeParse((await local.get(key)) ?? {})
    return parsed.success ? parsed.data : defaultSettings
  }
  return {
    get,
    async set(patch) {
      const parsed = settingsPatchSchema.safeParse(patch)
      if (!parsed.success) throw new SettingsInvalidError(z.prettifyError(parsed.error))
      const next = { ...(await get()), ...Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined)) }
      await local.set(key, next)
      return next
    },
  }
}
