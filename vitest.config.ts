import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{sdk,cli,vault,compute-to-data,datatoken-contracts,contracts-devkit,browser-extension,test}/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Two cores: integration files each start a chain, IPFS and a sandbox.
    fileParallelism: true,
    maxWorkers: 2,
    pool: 'forks',
  },
})
