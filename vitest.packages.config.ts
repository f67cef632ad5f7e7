import { defineConfig } from 'vitest/config'
import base from './vitest.config.ts'

const { projects: _suiteProjects, ...suite } = base.test ?? {}

/** `npm run test:packages`: only the pack-and-install test (test/e2e/packages.test.ts), which CI runs after the suite. */
export default defineConfig({ test: { ...suite, include: ['test/e2e/packages.test.ts'], exclude: ['**/node_modules/**'] } })
