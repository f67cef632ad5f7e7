import { fileURLToPath } from 'node:url'

/**
 * Where the job-io program (the `fetch` and `upload` steps of a job's pod) lies in this package; a
 * node image copies it and sets `KubernetesRunnerInit.jobIoCommand` to run it, e.g.
 * `['node', '/app/job-io.mjs']`. It needs Node 24 and nothing else.
 */
export const jobIoProgramPath: string = fileURLToPath(new URL('./job-io.mjs', import.meta.url))
