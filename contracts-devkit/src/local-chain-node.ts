// The child process `startLocalChain` spawns: Hardhat 3's `node` task (EDR, JSON-RPC over HTTP
// and WebSocket) with src/hardhat.config.ts, run through Hardhat's public
// programmatic API rather than its CLI. Same task, same config, ~250 ms faster to first answer:
// the CLI registers tsx's loader hooks for every module it imports.
//
// By hand, the CLI does the same:
//   node node_modules/hardhat/dist/src/cli.js --config contracts-devkit/src/hardhat.config.ts node
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

// Die with the parent, however it went (crash, SIGKILL): the parent holds the write end of our
// stdin, and when it dies the kernel closes it and we read EOF. The ppid check covers the case
// where stdin was handed to someone else.
const parentPid = process.ppid
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
setInterval(() => {
  if (process.ppid !== parentPid) process.exit(0)
}, 500).unref()

const { values } = parseArgs({
  options: { hostname: { type: 'string', default: '127.0.0.1' }, port: { type: 'string', default: '0' }, 'initial-date': { type: 'string' } },
})
// Built (dist/*.js, the installed package) or run from the sources (the repository).
const configPath = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './hardhat.config.ts' : './hardhat.config.js', import.meta.url))
const projectRoot = fileURLToPath(new URL('..', import.meta.url))

const { createHardhatRuntimeEnvironment } = await import('hardhat/hre')
const { default: baseConfig } = await import('./hardhat.config.ts')
// A replayed chain (see chain-journal.ts) starts at its original genesis time, so that its blocks'
// recorded timestamps come after the genesis block's again.
const initialDate = values['initial-date']
const config = initialDate === undefined ? baseConfig : { ...baseConfig, networks: { ...baseConfig.networks, node: { ...baseConfig.networks!.node!, initialDate } } }
const hre = await createHardhatRuntimeEnvironment(config, { config: configPath }, projectRoot)
await hre.tasks.getTask('node').run({ hostname: values.hostname, port: Number(values.port) })
