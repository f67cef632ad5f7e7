import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { type ComputeEnvironment, computeEnvironmentSchema } from '@datavault/sdk'

/** What {@link defaultEnvironments} builds from. */
export type DefaultEnvironmentsParameters = {
  /** Memory a job may use, MiB (the operator's ceiling). */
  memoryMb: number
  /** Whether the sandbox's Python can import PyTorch (see {@link sandboxHasPytorch}). */
  pytorch: boolean
}

/**
 * The environments of a node whose operator declared none: the local sandbox, `cpu` for Node
 * programs and `cpu-python` for Python ones (a PyTorch environment where Debian's python3-torch is
 * installed), each with the machine's cores and the operator's memory ceiling.
 *
 * @example
 * const environments = defaultEnvironments({ memoryMb: 4096, pytorch: await sandboxHasPytorch() })
 */
export function defaultEnvironments({ memoryMb, pytorch }: DefaultEnvironmentsParameters): ComputeEnvironment[] {
  const cpu = availableParallelism()
  return [
    computeEnvironmentSchema.parse({
      name: 'cpu',
      description: 'Node 24 programs in the node\'s bubblewrap sandbox, on its CPUs.',
      runtime: 'node',
      runner: 'sandbox',
      cpu,
      memoryMb,
    }),
    computeEnvironmentSchema.parse({
      name: 'cpu-python',
      description: pytorch
        ? 'Python 3 with PyTorch (Debian\'s python3-torch, CPU) in the node\'s bubblewrap sandbox.'
        : 'Python 3 (standard library) in the node\'s bubblewrap sandbox.',
      runtime: pytorch ? 'pytorch' : 'python',
      runner: 'sandbox',
      cpu,
      memoryMb,
    }),
  ]
}

/**
 * Whether the host Python the sandbox runs (`/usr/bin/python3`, isolated mode) has `torch`
 * installed where it looks (found, not imported: importing takes seconds, and every node start
 * would pay them). Resolves `false` when Python is missing, torch is not found, or the check
 * takes longer than `timeoutMs`.
 */
export function sandboxHasPytorch({ python = '/usr/bin/python3', timeoutMs = 60_000 }: { python?: string; timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(python, ['-I', '-B', '-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") else 1)'], { stdio: 'ignore', timeout: timeoutMs, env: { PATH: '/usr/bin:/bin' } })
    child.once('error', () => resolve(false))
    child.once('exit', (code) => resolve(code === 0))
  })
}
