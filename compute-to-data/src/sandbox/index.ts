export type { KubernetesEnforcement, PrestartRequest, RunLimits, RunOptions, RunOutcome, RunPhases, RunResult, RunSpec, Runner, SandboxEnforcement, SandboxInput, SandboxLogger } from './runner.ts'
export { type TrainerEvent, trainerErrorCodes, trainerEventMaxLineBytes, trainerEventSchema } from './protocol.ts'
export { SandboxSetupError, SandboxSpecError, SandboxUnavailableError } from './errors.ts'
export { type BubblewrapRunner, type BubblewrapRunnerComponents, type BubblewrapRunnerInit, bubblewrapRunner } from './bubblewrapRunner.ts'
