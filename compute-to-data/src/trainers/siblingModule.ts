import { fileURLToPath } from 'node:url'

/**
 * The path of the module `name` beside `moduleUrl`, with `moduleUrl`'s own extension: `.ts` where
 * Node runs the sources (the repository), `.js` in the built package (`@datavault/compute-to-data`
 * from npm ships `dist/*.js` only). A trainer's definition names its entry with it.
 *
 * @example
 * siblingModule(import.meta.url, 'main') // …/trainers/linear-regression/main.ts in the repository
 */
export function siblingModule(moduleUrl: string, name: string): string {
  return fileURLToPath(new URL(`./${name}${moduleUrl.endsWith('.ts') ? '.ts' : '.js'}`, moduleUrl))
}
