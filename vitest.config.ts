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
    projects: [
      // Integration files run first (the default sequencer orders projects by name, then the
      // slowest files first), each in a process of its own: a file may stop, kill or restart what
      // it started, and nothing it leaves behind reaches the next one.
      { extends: true, test: { name: 'e2e', include: integrationTests } },
      // The packages' tests share their worker processes (a module graph is evaluated once per
      // worker, not once per file: about 0.8 s of CPU per file): none of them changes a global
      // (process.env, globalThis, a module's state) that another file reads, and each stops what
      // it starts. A test that cannot live with that belongs under test/.
      { extends: true, test: { name: 'packages', include: [packageTests], isolate: false } },
    ],
  },
})
