import { type ComputeEnvironment, environmentRunsProgram } from '@datavault/sdk'
import { EnvironmentRefusedError } from './errors.ts'

/** What {@link chooseEnvironment} decides from. */
export type ChooseEnvironmentParameters = {
  /** The node's environments, in the operator's order of preference. */
  environments: readonly ComputeEnvironment[]
  /** The runtime the job's program needs: `node`, `python`, or `pytorch`. */
  program: 'node' | 'python' | 'pytorch'
  /** The environments the dataset's policy allows; `undefined`: any of the node's. */
  allowed?: readonly string[] | undefined
  /** The environment the buyer asked for, if any. */
  requested?: string | undefined
}

export type ChooseEnvironmentReturnType = ComputeEnvironment
export type ChooseEnvironmentErrorType = EnvironmentRefusedError

const describe = (environment: ComputeEnvironment) => `${environment.name} (${environment.runtime})`

/**
 * The environment a job runs in: the one the buyer asked for when it exists, the dataset's policy
 * allows it and it runs the program's runtime; else the node's first environment that satisfies
 * both. Every refusal names what to ask for instead.
 *
 * @example
 * chooseEnvironment({ environments, program: 'pytorch', allowed: dataset.policy.environments, requested: 'gpu' })
 */
export function chooseEnvironment({ environments, program, allowed, requested }: ChooseEnvironmentParameters): ChooseEnvironmentReturnType {
  const permitted = (environment: ComputeEnvironment) => allowed === undefined || allowed.includes(environment.name)
  if (requested !== undefined) {
    const environment = environments.find((candidate) => candidate.name === requested)
    if (!environment)
      throw new EnvironmentRefusedError(
        `This node has no compute environment ${requested}; it offers ${environments.map(describe).join(', ') || 'none'}.`,
        { code: 'ENVIRONMENT_UNKNOWN', status: 400 },
      )
    if (!permitted(environment))
      throw new EnvironmentRefusedError(
        `The dataset's policy does not allow the environment ${requested}; it allows ${allowed?.join(', ')}.`,
        { code: 'POLICY_ENVIRONMENT_DENIED', status: 403 },
      )
    if (!environmentRunsProgram(environment.runtime, program))
      throw new EnvironmentRefusedError(
        `The environment ${requested} runs ${environment.runtime} programs, not ${program}; ${suggest(environments, program, permitted)}.`,
        { code: 'ENVIRONMENT_RUNTIME_MISMATCH', status: 400 },
      )
    return environment
  }
  const environment = environments.find((candidate) => permitted(candidate) && environmentRunsProgram(candidate.runtime, program))
  if (environment) return environment
  throw new EnvironmentRefusedError(
    allowed === undefined
      ? `This node has no compute environment that runs ${program} programs.`
      : `None of the environments the dataset's policy allows (${allowed.join(', ')}) runs ${program} programs on this node.`,
    { code: 'NO_ENVIRONMENT', status: 409 },
  )
}

function suggest(environments: readonly ComputeEnvironment[], program: ChooseEnvironmentParameters['program'], permitted: (environment: ComputeEnvironment) => boolean): string {
  const fitting = environments.filter((candidate) => permitted(candidate) && environmentRunsProgram(candidate.runtime, program))
  return fitting.length ? `use ${fitting.map((candidate) => candidate.name).join(' or ')}` : `no environment here that the dataset allows runs ${program}`
}
