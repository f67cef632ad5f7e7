// Builds and packs the publishable packages: `node scripts/pack.ts [--out DIR]` (npm run
// build:packages) writes one npm tarball per package to DIR (default dist/packages/).
//
// In the repository every package.json points at the TypeScript sources (`./src/index.ts`) and Node
// 24 runs them as they are: no build step for the tests, the demo or `datavault`. Node does not strip
// types under node_modules, so what is installed from npm must be JavaScript. For each package this
// script, without touching the working tree:
//   1. compiles src/ (tests left out) with tsc into a staging folder's dist/, as JavaScript with
//      declarations; `rewriteRelativeImportExtensions` turns the sources' `./x.ts` imports into
//      `./x.js`. Project references give tsc the other packages' declarations.
//   2. copies src/'s other files (Python trainers, .mjs programs) beside the JavaScript, and the
//      package's `files` (README, bin/, the devkit's Solidity and artifacts);
//   3. writes the staged package.json: the repository's, with every `./src/x.ts` in `exports` and
//      `bin` replaced by `./dist/x.js` (with `types` → `./dist/x.d.ts`), and no scripts;
//   4. runs `npm pack` in the staging folder.
// Packing a package folder directly (`npm pack -w sdk`) is refused by its prepack script: that
// tarball would hold TypeScript that no installed Node can run.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

/** The repository root. */
export const repositoryRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The publishable packages, folder and name, each after the ones it depends on. */
export const publishablePackages = [
  { dir: 'datatoken-contracts', name: '@datavault/contracts' },
  { dir: 'contracts-devkit', name: '@datavault/contracts-devkit' },
  { dir: 'sdk', name: '@datavault/sdk' },
  { dir: 'compute-to-data', name: '@datavault/compute-to-data' },
  { dir: 'vault', name: '@datavault/vault' },
  { dir: 'cli', name: '@datavault/cli' },
] as const

/** A package name of {@link publishablePackages}. */
export type PublishablePackageName = (typeof publishablePackages)[number]['name']

/** One packed package. */
export type PackedPackage = { name: PublishablePackageName; version: string; tarball: string; packedBytes: number; unpackedBytes: number; files: number }

type Manifest = {
  name: string
  version: string
  exports?: Record<string, string | Record<string, string>>
  bin?: Record<string, string>
  files?: string[]
  scripts?: Record<string, string>
  devDependencies?: Record<string, string>
  [key: string]: unknown
}

/** `./src/a/b.ts` → `./dist/a/b.js` (and `.d.ts` for the types); other paths unchanged. */
function builtPath(path: string, ext: '.js' | '.d.ts'): string {
  const match = /^\.\/src\/(.+)\.ts$/.exec(path)
  return match ? `./dist/${match[1]}${ext}` : path
}

/**
 * The manifest the tarball carries: the repository's, with `exports` and `bin` pointing at the
 * build instead of the sources, and no scripts or dev dependencies (they are the repository's).
 */
export function publishedManifest(manifest: Manifest): Manifest {
  const { scripts: _scripts, devDependencies: _devDependencies, ...rest } = manifest
  const published: Manifest = { ...rest }
  if (manifest.exports) {
    published.exports = Object.fromEntries(
      Object.entries(manifest.exports).map(([key, target]) => {
        if (typeof target !== 'string' || !target.startsWith('./src/')) return [key, target]
        return [key, { types: builtPath(target, '.d.ts'), default: builtPath(target, '.js') }]
      }),
    )
  }
  if (manifest.bin) published.bin = Object.fromEntries(Object.entries(manifest.bin).map(([key, target]) => [key, builtPath(target, '.js')]))
  return published
}

/** `from './x.ts'` and `import('../y.ts')` → `.js`, as tsc does for the JavaScript (relative specifiers only). */
export function rewriteDeclarationImports(declarations: string): string {
  return declarations.replace(/((?:from\s+|import\s*\(\s*)['"])(\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1$2.js$3')
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} (in ${cwd}) failed with ${result.status ?? result.signal}:\n${result.stdout}${result.stderr}`)
  return result.stdout
}

/** Files under `dir` (recursive), relative to it. */
function walk(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((path) => statSync(join(dir, path)).isFile())
}

/** Options of {@link packPackages}. */
export type PackPackagesOptions = {
  /** Where the tarballs go (created). */
  outDir: string
  /** Where the packages are staged; a fresh temporary folder by default, removed afterwards. */
  stageDir?: string
  /** The npm command (default `npm` on PATH). */
  npm?: string
}

/**
 * Builds every publishable package and packs it; the working tree is not changed.
 *
 * @example
 * const packed = await packPackages({ outDir: 'dist/packages' })
 * console.log(packed.map((p) => p.tarball))
 */
export function packPackages({ outDir, stageDir, npm = 'npm' }: PackPackagesOptions): PackedPackage[] {
  const stage = stageDir ?? mkdtempSync(join(tmpdir(), 'dv-pack-'))
  const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc')
  mkdirSync(outDir, { recursive: true })
  try {
    // The declarations the packages' references point at (node_modules/.cache/tsc), up to date.
    run(process.execPath, [tsc, '-b', ...publishablePackages.map(({ dir }) => dir)], repositoryRoot)
    return publishablePackages.map(({ dir, name }) => {
      const source = join(repositoryRoot, dir)
      const target = join(stage, dir)
      rmSync(target, { recursive: true, force: true })
      mkdirSync(target, { recursive: true })
      const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as Manifest
      if (manifest.name !== name) throw new Error(`${dir}/package.json is ${manifest.name}, expected ${name}`)

      // 1. JavaScript and declarations.
      const project = JSON.parse(readFileSync(join(source, 'tsconfig.json'), 'utf8')) as { references?: { path: string }[] }
      const buildConfig = join(target, 'tsconfig.build.json')
      writeFileSync(
        buildConfig,
        JSON.stringify({
          extends: join(source, 'tsconfig.json'),
          compilerOptions: {
            composite: false,
            incremental: true,
            tsBuildInfoFile: join(target, 'tsconfig.build.tsbuildinfo'),
            declaration: true,
            emitDeclarationOnly: false,
            noEmit: false,
            rewriteRelativeImportExtensions: true,
            // `npm run typecheck` checks the sources; the build only emits.
            noCheck: true,
            // The config sits in the staging folder: @types resolve from the repository's node_modules.
            typeRoots: [join(repositoryRoot, 'node_modules', '@types')],
            rootDir: join(source, 'src'),
            outDir: join(target, 'dist'),
          },
          include: [join(source, 'src')],
          exclude: [join(source, 'src', '**', '*.test.ts')],
          references: (project.references ?? []).map((reference) => ({ path: resolve(source, reference.path) })),
        }),
      )
      run(process.execPath, [tsc, '-p', buildConfig], repositoryRoot)
      rmSync(buildConfig)
      rmSync(join(target, 'tsconfig.build.tsbuildinfo'), { force: true })

      // tsc rewrites `./x.ts` in the JavaScript only; declarations get the same.
      for (const path of walk(join(target, 'dist')).filter((path) => path.endsWith('.d.ts'))) {
        const file = join(target, 'dist', path)
        writeFileSync(file, rewriteDeclarationImports(readFileSync(file, 'utf8')))
      }

      // 2. Assets beside the JavaScript, and the package's other files.
      for (const path of walk(join(source, 'src'))) {
        if (path.endsWith('.ts') || path.endsWith('.md') || path.split('/').includes('__snapshots__')) continue
        cpSync(join(source, 'src', path), join(target, 'dist', path))
      }
      for (const entry of manifest.files ?? []) {
        if (entry === 'dist') continue
        if (!existsSync(join(source, entry))) throw new Error(`${dir}: "files" names ${entry}, which does not exist`)
        cpSync(join(source, entry), join(target, entry), { recursive: true })
      }

      // 3. The published manifest.
      const published = publishedManifest(manifest)
      writeFileSync(join(target, 'package.json'), `${JSON.stringify(published, null, 2)}\n`)
      for (const path of [...Object.values(published.exports ?? {}).flatMap((target) => (typeof target === 'string' ? [target] : Object.values(target))), ...Object.values(published.bin ?? {})]) {
        if (!existsSync(join(target, path))) throw new Error(`${dir}: the published manifest names ${path}, which the build did not produce`)
      }

      // 4. The tarball.
      const [packed] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', resolve(outDir)], target)) as { filename: string; size: number; unpackedSize: number; entryCount: number }[]
      if (!packed) throw new Error(`npm pack wrote nothing for ${name}`)
      return { name, version: manifest.version, tarball: join(resolve(outDir), packed.filename), packedBytes: packed.size, unpackedBytes: packed.unpackedSize, files: packed.entryCount }
    })
  } finally {
    if (!stageDir) rmSync(stage, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: join(repositoryRoot, 'dist', 'packages') } } })
  const packed = packPackages({ outDir: values.out })
  for (const pkg of packed) console.log(`${pkg.name}@${pkg.version}: ${relative(process.cwd(), pkg.tarball)} (${(pkg.packedBytes / 1024).toFixed(0)} KiB packed, ${(pkg.unpackedBytes / 1024).toFixed(0)} KiB unpacked, ${pkg.files} files)`)
}
