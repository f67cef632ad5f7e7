import { fileURLToPath } from 'node:url'

/**
 * The trusted launchers a Kubernetes job's trainer container runs instead of the program, by the
 * program's runtime: `file` is their name in the pod's `/job`, `path` where they lie in this package.
 * The job gateway serves the run's launcher beside the program (the `fetch` step checks its
 * SHA-256), and the trainer runs e.g. `python3 -I -B /job/launch.py /job/program.py`: the launcher
 * runs the program with its stdout on a pipe and its stderr on /dev/null, and writes to the
 * container log only the valid protocol events it read, re-serialized.
 */
export const trainerLaunchers: { readonly [runtime in 'node' | 'python']: { readonly file: string; readonly path: string } } = {
  python: { file: 'launch.py', path: fileURLToPath(new URL('./launch.py', import.meta.url)) },
  node: { file: 'launch.mjs', path: fileURLToPath(new URL('./launch.mjs', import.meta.url)) },
}
