import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

/** `npm run test:packages`: only the pack-and-install test (test/e2e/packages.test.ts), which CI runs after the suite. */
export default defineConfig({ test: { ...base.test, include: ['test/e2e/packages.test.ts'], exclude: ['**/node_modules/**'] } })
