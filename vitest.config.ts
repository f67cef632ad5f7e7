import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{sdk,cli,vault,compute-to-data,datatoken-contracts,contracts-devkit,browser-extension,test}/**/*.test.ts'],
    // The pack-and-install test builds and installs every package (minutes): CI runs it after the
    // suite with `npm run test:packages` (vitest.packages.config.ts), so the suite stays short.
    exclude: ['**/node_modules/**', 'test/e2e/packages.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: integration files each start a chain, IPFS and a sandbox.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
})
