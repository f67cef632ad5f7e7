import { DataVaultError } from '@datavault/sdk'

/** The operator's environments cannot start: a duplicate name, a runner the node has no backend for, a runtime it cannot run. */
export class EnvironmentConfigError extends DataVaultError {
  override name = 'EnvironmentConfigError'
  constructor(details: string) {
    super('Invalid compute environments.', { code: 'ENVIRONMENTS_INVALID', status: 500, details })
  }
}

/** A job cannot run in the environment it names (unknown, refused by the dataset's policy, wrong runtime), or in none. */
export class EnvironmentRefusedError extends DataVaultError {
  override name = 'EnvironmentRefusedError'
  constructor(shortMessage: string, { code, status }: { code: 'ENVIRONMENT_UNKNOWN' | 'POLICY_ENVIRONMENT_DENIED' | 'ENVIRONMENT_RUNTIME_MISMATCH' | 'NO_ENVIRONMENT'; status: number }) {
    super(shortMessage, { code, status })
  }
}
