// Builds the unpacked extension (dist/extension/) and its zip (dist/datavault-extension-<version>.zip)
// with Vite: the service worker, the owner's app page and its data worker, and manifest.json.
// `npm run build -w browser-extension` runs it; the end-to-end test builds with it too.
import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { zipSync } from 'fflate'
import { build, createLogger } from 'vite'
import { iconPng, iconSizes } from './src/icons.ts'
import { extensionManifest } from './src/manifest.ts'

const here = dirname(fileURLToPath(import.meta.url))

/**
 * The zod the SDK uses (zod 4). The extension's own schemas import `zod/v4`; bundling them with
 * the SDK's copy keeps one zod in the extension instead of two.
 */
function sdkZod(): string {
  const sdk = createRequire(fileURLToPath(import.meta.resolve('@datavault/sdk/package.json')))
  return join(dirname(sdk.resolve('zod/package.json')), 'v4/index.js')
}

// The SDK reaches `DataVaultError` through @datavault/contracts' index, whose Node-only modules
// (the local chain, artifact files) are tree-shaken away; Vite still warns that it stubbed their
// `node:` imports. Those warnings only, for those files only, are left out.
const stubbedNodeImport = /Module "node:[a-z_/]+" has been externalized for browser compatibility, imported by ".*datatoken-contracts\/src\//

/** Where the build goes and whether to zip it. */
export type BuildExtensionParameters = {
  /** The unpacked extension folder; `dist/extension` by default. */
  outDir?: string | undefined
  /** Where to write the zip; `dist/datavault-extension-<version>.zip` by default, `false` for none. */
  zipFile?: string | false | undefined
}

export type BuildExtensionReturnType = { outDir: string; zipFile: string | undefined; files: { path: string; bytes: number }[] }

/**
 * Builds the extension: a folder Chromium loads unpacked (`--load-extension`, or "Load unpacked"
 * in chrome://extensions) and a zip of the same files for the Chrome Web Store.
 *
 * @example
 * const { outDir } = await buildExtension({ outDir: '/tmp/dv-extension', zipFile: false })
 */
export async function buildExtension({ outDir = join(here, 'dist/extension'), zipFile }: BuildExtensionParameters = {}): Promise<BuildExtensionReturnType> {
  const { version } = JSON.parse(await readFile(join(here, 'package.json'), 'utf8')) as { version: string }
  await rm(outDir, { recursive: true, force: true })
  await build({
    configFile: false,
    logLevel: 'warn',
    root: join(here, 'src/app'),
    base: '/',
    publicDir: false,
    resolve: { alias: [{ find: /^zod\/v4$/, replacement: sdkZod() }] },
    worker: { format: 'es' },
    customLogger: quietLogger(),
    build: {
      outDir,
      emptyOutDir: true,
      target: 'chrome120',
      modulePreload: { polyfill: false },
      reportCompressedSize: false,
      // Extension pages load their scripts from the package: no source maps of key-handling code shipped.
      sourcemap: false,
      rolldownOptions: {
        input: { app: join(here, 'src/app/app.html'), background: join(here, 'src/background/main.ts') },
        output: { entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', assetFileNames: 'assets/[name]-[hash][extname]' },
      },
    },
    plugins: [
      {
        name: 'datavault-manifest',
        generateBundle() {
          this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify(extensionManifest({ version }), null, 2)}\n` })
          // The icons are drawn here, not kept as binary files.
          for (const size of iconSizes) this.emitFile({ type: 'asset', fileName: `icons/icon-${size}.png`, source: iconPng(size) })
        },
      },
    ],
  })
  const files = await listFiles(outDir)
  let zipped: string | undefined
  if (zipFile !== false) {
    zipped = zipFile ?? join(here, 'dist', `datavault-extension-${version}.zip`)
    const entries: Record<string, Uint8Array> = {}
    for (const file of files) entries[file.path] = new Uint8Array(await readFile(join(outDir, file.path)))
    await writeFile(zipped, zipSync(entries, { level: 9, mtime: new Date('2026-01-01T00:00:00Z') }))
  }
  return { outDir, zipFile: zipped, files }
}

function quietLogger() {
  const logger = createLogger('warn')
  const warn = logger.warn.bind(logger)
  logger.warn = (message, options) => {
    if (!stubbedNodeImport.test(message)) warn(message, options)
  }
  return logger
}

async function listFiles(root: string): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  const files: { path: string; bytes: number }[] = []
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const full = join(entry.parentPath, entry.name)
    files.push({ path: relative(root, full).split('\\').join('/'), bytes: (await readFile(full)).byteLength })
  }
  return files.sort((a, b) => a.path.localeCompare(b.path))
}

if (import.meta.main) {
  const { outDir, zipFile, files } = await buildExtension()
  const total = files.reduce((sum, file) => sum + file.bytes, 0)
  for (const file of files) console.log(`${String(file.bytes).padStart(9)}  ${file.path}`)
  console.log(`${String(total).padStart(9)}  total in ${relative(process.cwd(), outDir) || '.'}`)
  if (zipFile) console.log(`zip: ${relative(process.cwd(), zipFile)}`)
}
