// What installing each datavault package brings: the package and every package it depends on,
// transitively, as npm laid them out in a node_modules tree (bytes on disk and a count).
//
//   node scripts/package-sizes.ts DIR     each @datavault/* package installed in DIR (a project)
//   node scripts/package-sizes.ts --before [REV]
//       the SDK as it was at REV (default: the commit before the contracts split), measured in the
//       repository's node_modules: its dependencies then included all of @datavault/contracts'
//       (Hardhat, solc, EDR, Ocean's and OpenZeppelin's artifacts)
// The pack-and-install test (test/e2e/packages.test.ts) prints the same table for its install.
import { spawnSync } from 'node:child_process'
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** What a package brings when installed. */
export type InstallFootprint = {
  /** The package itself and everything it depends on, transitively (each package once). */
  packages: number
  /** Dependencies only: `packages - 1`. */
  dependencies: number
  /** Bytes on disk of all of them (files, each package's own folder without its nested node_modules). */
  bytes: number
  /** Their names, sorted. */
  names: string[]
}

type Manifest = {
  name?: string
  dependencies?: Record<string, string>
  optionalDependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
}

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest
}

/** Node's lookup: `name` in `from`/node_modules, then in each parent's, up to `root`. */
function locate(name: string, from: string, root: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate)
    if (dir === root || dir === dirname(dir)) return undefined
  }
}

/** Bytes of the files under `dir`, not descending into node_modules. */
function folderBytes(dir: string): number {
  let bytes = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) bytes += folderBytes(path)
    else if (entry.isFile()) bytes += lstatSync(path).size
  }
  return bytes
}

/**
 * The install footprint of `names` resolved from `from` in the tree under `root`: every package
 * they need at run time, followed through `dependencies`, installed `optionalDependencies` and
 * required peers, counted once.
 *
 * @example
 * installFootprint('/tmp/project', ['@datavault/sdk']) // { packages: 25, dependencies: 24, bytes: … }
 */
export function installFootprint(root: string, names: readonly string[], from: string = root): InstallFootprint {
  const seen = new Set<string>()
  const found = new Set<string>()
  const queue: { name: string; from: string; optional: boolean }[] = names.map((name) => ({ name, from, optional: false }))
  let bytes = 0
  while (queue.length) {
    const next = queue.shift()!
    const dir = locate(next.name, next.from, root)
    if (dir === undefined) {
      if (next.optional) continue
      throw new Error(`${next.name} (needed from ${next.from}) is not installed under ${root}`)
    }
    if (seen.has(dir)) continue
    seen.add(dir)
    bytes += folderBytes(dir)
    const manifest = readManifest(dir)
    found.add(manifest.name ?? next.name)
    for (const name of Object.keys(manifest.dependencies ?? {})) queue.push({ name, from: dir, optional: false })
    for (const name of Object.keys(manifest.optionalDependencies ?? {})) queue.push({ name, from: dir, optional: true })
    // An optional peer is the user's choice (the devkit beside the CLI): not part of what the
    // package brings. A required one is, when npm installed it (it leaves some out, e.g. a build tool
    // a library names).
    for (const name of Object.keys(manifest.peerDependencies ?? {})) {
      if (manifest.peerDependenciesMeta?.[name]?.optional !== true) queue.push({ name, from: dir, optional: true })
    }
  }
  return { packages: seen.size, dependencies: seen.size - 1, bytes, names: [...found].sort() }
}

/** Each `@datavault/*` package installed in `project`, with its footprint. */
export function datavaultFootprints(project: string): Record<string, InstallFootprint> {
  const scope = join(project, 'node_modules', '@datavault')
  if (!existsSync(scope)) return {}
  return Object.fromEntries(
    readdirSync(scope)
      .sort()
      .map((name) => [`@datavault/${name}`, installFootprint(project, [`@datavault/${name}`])]),
  )
}

/** One table line per package. */
export function formatFootprints(footprints: Record<string, InstallFootprint>): string {
  return Object.entries(footprints)
    .map(([name, { dependencies, bytes }]) => `${name.padEnd(30)} ${(bytes / 1024 / 1024).toFixed(1).padStart(7)} MB  ${String(dependencies).padStart(4)} dependencies`)
    .join('\n')
}

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The SDK's footprint as it was at `rev` (its dependencies, with `@datavault/contracts` replaced by
 * that package's own dependencies of then), measured in the repository's node_modules.
 */
export function sdkFootprintAt(rev: string): InstallFootprint {
  const show = (path: string) => {
    const result = spawnSync('git', ['show', `${rev}:${path}`], { cwd: repositoryRoot, encoding: 'utf8' })
    if (result.status !== 0) throw new Error(`git show ${rev}:${path} failed: ${result.stderr}`)
    return JSON.parse(result.stdout) as Manifest
  }
  const sdk = show('sdk/package.json')
  const contracts = show('datatoken-contracts/package.json')
  const names = [...Object.keys(sdk.dependencies ?? {}).filter((name) => !name.startsWith('@datavault/')), ...Object.keys(contracts.dependencies ?? {})]
  // The SDK and the contracts package themselves were TypeScript sources; their own bytes are left out.
  const deps = installFootprint(repositoryRoot, [...new Set(names)])
  return { packages: deps.packages + 2, dependencies: deps.packages + 1, bytes: deps.bytes, names: ['@datavault/contracts', '@datavault/sdk', ...deps.names].sort() }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({ options: { before: { type: 'boolean' } }, allowPositionals: true })
  if (values.before) {
    const rev = positionals[0] ?? 'e467eba'
    const before = sdkFootprintAt(rev)
    console.log(`@datavault/sdk at ${rev} (with @datavault/contracts' dependencies of then): ${(before.bytes / 1024 / 1024).toFixed(1)} MB, ${before.dependencies} dependencies`)
  } else {
    const project = resolve(positionals[0] ?? '.')
    console.log(formatFootprints(datavaultFootprints(project)))
  }
}
