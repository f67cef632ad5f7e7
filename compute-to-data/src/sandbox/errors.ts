import { DataVaultError } from '@datavault/sdk'

/** The sandbox cannot run on this machine (bubblewrap or prlimit missing, user namespaces refused, no free uid). */
export class SandboxUnavailableError extends DataVaultError {
  override name = 'SandboxUnavailableError'
  constructor(details: string, options: { cause?: unknown } = {}) {
    super('The sandbox is not available on this node.', { code: 'SANDBOX_UNAVAILABLE', status: 503, details, cause: options.cause })
  }
}

/** A run spec is invalid: bad limits, input names, output dir, or a program whose hash does not match. */
export class SandboxSpecError extends DataVaultError {
  override name = 'SandboxSpecError'
  constructor(details: string) {
    super('Invalid sandbox run.', { code: 'SANDBOX_SPEC_INVALID', status: 500, details })
  }
}

/** The sandbox could not be set up for a run (bubblewrap refused the mounts, the program never started). */
export class SandboxSetupError extends DataVaultError {
  override name = 'SandboxSetupError'
  constructor(details: string, options: { cause?: unknown } = {}) {
    super('The sandbox could not be set up.', { code: 'SANDBOX_SETUP_FAILED', status: 500, details, cause: options.cause })
  }
}
