#!/usr/bin/env node
// Launcher of the `datavault` CLI. In the repository the CLI is TypeScript run by Node 24 (type
// stripping, ../src/main.ts); in the installed package (`@datavault/cli`, which ships no src/) it is
// the build, ../dist/main.js. When this file is started by an older system Node, it re-runs itself
// with the Node 24 that the repository installs from the npm registry.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import module, { createRequire } from 'node:module'
import v8 from 'node:v8'

const major = Number(process.versions.node.split('.')[0])
if (major >= 24) {
  // V8 doubles its young generation whenever enough objects survive it, and loading the CLI's
  // modules (the SDK, viem, zod: long-lived objects by the megabyte) took it to its 2 × 32 MiB
  // maximum before any work began: ~25 MiB more resident memory for every command, and ~55 MiB
  // for a publish's profile pass, with no gain: the CLI's work allocates short-lived pieces
  // (64 KiB of text, 1 MiB buffers) that die in any young generation. Kept at its starting size
  // (growth factor 1; V8 reads it whenever it would grow, so setting it here takes effect); the
  // long-running servers (dev, node, keyholder) get the default back once their command is known.
  v8.setFlagsFromString('--semi-space-growth-factor=1')
  // Node caches the compiled CLI on disk (its default cache dir under the temp dir): a quicker start.
  module.enableCompileCache?.()
  const sources = new URL('../src/main.ts', import.meta.url)
  const { startCli } = await import(existsSync(sources) ? sources.href : new URL('../dist/main.js', import.meta.url).href)
  startCli()
} else {
  const require = createRequire(import.meta.url)
  let node
  try {
    node = require.resolve('node/bin/node')
  } catch {
    console.error(`datavault needs Node.js 24 or newer (this is ${process.version}); run \`npm install\` in the repository first.`)
    process.exit(1)
  }
  const result = spawnSync(node, [new URL(import.meta.url).pathname, ...process.argv.slice(2)], { stdio: 'inherit' })
  process.exit(result.status ?? 1)
}
