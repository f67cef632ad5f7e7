// Hardhat 3 config for the local development chain (`startLocalChain` runs its `node` task, see
// local-chain-node.ts; by hand: `node node_modules/hardhat/dist/src/cli.js --config
// contracts-devkit/src/hardhat.config.ts node --hostname 127.0.0.1`). It lives in src/ (not at the
// package root, Hardhat's habit) so that it is built with the rest: Node does not strip types
// under node_modules, where the installed package runs.
//
// - `networks.node` is the network Hardhat's `node` task serves. chainId 8996 is Ocean's
//   "development" chain. Accounts stay at Hardhat's defaults (the "test … junk" mnemonic, 20
//   accounts, 10 000 ETH each): Hardhat ships those keys precomputed, and any other account config
//   makes it derive them in JavaScript, which costs ~300–400 ms of start-up. The mempool is
//   first in, first out, so a replayed block (chain-journal.ts) keeps its transactions' order.
// - `solidity.path` points at the solc-js build from npm, so a stray `hardhat build` compiles
//   offline instead of trying to download a compiler. Our own contracts are compiled by
//   `src/compile.ts`, not by Hardhat.
// - `paths` keep Hardhat's cache and the build-info directory the `node` task watches out of the
//   source tree.
import { createRequire } from 'node:module'
import { defineConfig } from 'hardhat/config'

const require = createRequire(import.meta.url)

export default defineConfig({
  solidity: { version: '0.8.30', path: require.resolve('solc/soljson.js') },
  paths: { cache: '.hardhat/cache', artifacts: '.hardhat/artifacts' },
  networks: {
    // First in, first out: a chain replayed from its journal (chain-journal.ts) puts a block's
    // transactions in the recorded order.
    node: { type: 'edr-simulated', chainId: 8996, mining: { mempool: { order: 'fifo' } } },
  },
})
