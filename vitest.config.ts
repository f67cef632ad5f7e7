import { defineConfig } from 'vitest/config'

/** The packages' own tests, beside their code. */
const packageTests = '{sdk,cli,vault,compute-to-data,datatoken-contracts,contracts-devkit,browser-extension}/src/**/*.test.ts'
/** The integration suites: each file starts its own stack (chain, IPFS, node, sandbox), CLI processes or Chromium. */
const integrationTests = ['test/**/*.test.ts', 'browser-extension/e2e/**/*.test.ts']

export default defineConfig({
  test: {
    // The pack-and-install test builds and installs every package (minutes): CI runs it after the
    // suite with `npm run test:packages` (vitest.packages.config.ts), so the suite stays short.
    exclude: ['**/node_modules/**', 'test/e2e/packages.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: integration files each start a chain, IPFS and a sandbox.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
    // Test files share their worker processes (isolate: false): a worker evaluates the module
    // graph (the node, the SDK, Helia, Kubernetes' client: ~4,300 modules, ~4 s of CPU) once, not
    // once per file: measured, 162 s of CPU to import the 42 integration files one process each,
    // 14 s shared. So no test may change what another file reads: process.env, globalThis, a
    // module's state, the working directory; each file stops what it starts (stacks, servers,
    // processes, Chromium) in afterAll, also when a test failed.
    isolate: false,
    projects: [
      // The integration suites run first (the default sequencer orders projects by name, then the
      // slowest files first): each starts a stack (chain, IPFS, node, sandbox), CLI processes or
      // Chromium, so the quick package tests fill the end and both workers finish together.
      { extends: true, test: { name: 'e2e', include: integrationTests } },
      { extends: true, test: { name: 'packages', include: [packageTests] } },
    ],
  },
})
