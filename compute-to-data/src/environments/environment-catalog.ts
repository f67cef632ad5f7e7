import type { ComputeEnvironment } from '@datavault/sdk'
import type { Runner } from '../sandbox/runner.ts'
import { type ChooseEnvironmentParameters, chooseEnvironment } from './chooseEnvironment.ts'
import { EnvironmentConfigError } from './errors.ts'

/** The environments a node offers, each bound to the runner that executes its jobs. */
export type EnvironmentCatalog = {
  /** Every environment, in the operator's order of preference. */
  list(): ComputeEnvironment[]
  get(name: string): ComputeEnvironment | undefined
  /** The runner of an environment of this catalog. */
  runnerOf(environment: ComputeEnvironment): Runner
  /** The environment a job runs in; see {@link chooseEnvironment}. */
  choose(parameters: Omit<ChooseEnvironmentParameters, 'environments'>): ComputeEnvironment
  /**
   * Resolves once every environment can run here: its runner is ready and can confine its
   * runtime. Rejects with an `EnvironmentConfigError` naming the first that cannot.
   */
  ready(): Promise<void>
}

/** Settings of {@link environmentCatalog}. */
export type EnvironmentCatalogInit = {
  /** As the operator declared them (already parsed with `computeEnvironmentSchema`). */
  environments: readonly ComputeEnvironment[]
}

/** What the catalog uses: one runner per runner name, and a check that PyTorch runs in the sandbox. */
export type EnvironmentCatalogComponents = {
  runners: Partial<Record<ComputeEnvironment['runner'], Runner>>
  /** Whether the sandbox's Python imports `torch` (for `pytorch` environments on the sandbox). */
  sandboxHasPytorch?: (() => Promise<boolean>) | undefined
}

/**
 * Binds each declared environment to its runner. Fails at once (never later, never silently) on an
 * empty list, a duplicate name, or a runner the node was not given.
 *
 * @example
 * const environments = environmentCatalog({ environments: config.environments })({ runners: { sandbox } })
 * await environments.ready()
 */
export function environmentCatalog(init: EnvironmentCatalogInit) {
  return (components: EnvironmentCatalogComponents): EnvironmentCatalog => {
    const environments = [...init.environments]
    if (environments.length === 0) throw new EnvironmentConfigError('the node offers no compute environment: declare at least one')
    const seen = new Set<string>()
    for (const environment of environments) {
      if (seen.has(environment.name)) throw new EnvironmentConfigError(`two environments are named ${environment.name}`)
      seen.add(environment.name)
      if (!components.runners[environment.runner])
        throw new EnvironmentConfigError(
          `environment ${environment.name} uses the ${environment.runner} runner, which this node was not configured with${
            environment.runner === 'kubernetes' ? ' (set DATAVAULT_KUBERNETES_GATEWAY_URL and DATAVAULT_KUBERNETES_JOB_IO_IMAGE)' : ''
          }`,
        )
    }
    const runnerOf = (environment: ComputeEnvironment): Runner => {
      const runner = components.runners[environment.runner]
      if (!runner || !seen.has(environment.name)) throw new EnvironmentConfigError(`environment ${environment.name} is not one of this node's`)
      return runner
    }
    return {
      list: () => [...environments],
      get: (name) => environments.find((environment) => environment.name === name),
      runnerOf,
      choose: (parameters) => chooseEnvironment({ environments, ...parameters }),
      async ready() {
        const checked = new Map<Runner, Promise<('node' | 'python')[]>>()
        for (const environment of environments) {
          const runner = runnerOf(environment)
          if (!checked.has(runner)) checked.set(runner, runner.ready().then(() => runner.runtimes()))
          const runtimes = await checked.get(runner)!
          const needs = environment.runtime === 'pytorch' ? 'python' : environment.runtime
          if (!runtimes.includes(needs))
            throw new EnvironmentConfigError(`environment ${environment.name} needs ${needs}, which the ${environment.runner} runner cannot run here`)
          if (environment.runtime === 'pytorch' && environment.runner === 'sandbox' && !(await (components.sandboxHasPytorch?.() ?? Promise.resolve(false))))
            throw new EnvironmentConfigError(
              `environment ${environment.name} needs PyTorch, which /usr/bin/python3 does not have here (Debian: apt-get install python3-torch)`,
            )
        }
      },
    }
  }
}
