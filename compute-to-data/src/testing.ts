// Test support, not for production: `@datavault/compute-to-data/testing`.
export {
  type ApiServerDouble,
  type ApiServerDoubleFaults,
  type ApiServerDoubleInit,
  type DoubleImageRuntime,
  startApiServerDouble,
} from './kubernetes/testing/api-server-double.ts'
