import { describe, expect, test } from 'vitest'
import { computeEnvironmentSchema } from '@datavault/sdk'
import { chooseEnvironment } from './chooseEnvironment.ts'

const image = `registry.example/trainer-pytorch@sha256:${'ab'.repeat(32)}`
const environments = [
  computeEnvironmentSchema.parse({ name: 'cpu', runtime: 'node', runner: 'sandbox' }),
  computeEnvironmentSchema.parse({ name: 'cpu-python', runtime: 'pytorch', runner: 'sandbox' }),
  computeEnvironmentSchema.parse({ name: 'gpu', runtime: 'pytorch', runner: 'kubernetes', gpu: 1, image }),
]
const refusal = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    return { name: (error as Error).name, code: (error as { code?: string }).code, status: (error as { status?: number }).status, message: (error as { shortMessage?: string }).shortMessage }
  }
  return undefined
}

describe('chooseEnvironment', () => {
  test('default: the first environment that runs the program', () => {
    expect(chooseEnvironment({ environments, program: 'node' }).name).toBe('cpu')
    expect(chooseEnvironment({ environments, program: 'pytorch' }).name).toBe('cpu-python')
    // A PyTorch environment runs plain Python too.
    expect(chooseEnvironment({ environments, program: 'python' }).name).toBe('cpu-python')
  })

  test('args: the requested environment; the first the policy allows', () => {
    expect(chooseEnvironment({ environments, program: 'pytorch', requested: 'gpu' }).name).toBe('gpu')
    expect(chooseEnvironment({ environments, program: 'pytorch', allowed: ['gpu'] }).name).toBe('gpu')
    expect(chooseEnvironment({ environments, program: 'pytorch', allowed: ['gpu', 'cpu-python'], requested: 'cpu-python' }).name).toBe('cpu-python')
  })

  test('error: unknown, refused by the policy, the wrong runtime, none fits', () => {
    expect(refusal(() => chooseEnvironment({ environments, program: 'node', requested: 'tpu' }))).toEqual({
      name: 'EnvironmentRefusedError',
      code: 'ENVIRONMENT_UNKNOWN',
      status: 400,
      message: 'This node has no compute environment tpu; it offers cpu (node), cpu-python (pytorch), gpu (pytorch).',
    })
    expect(refusal(() => chooseEnvironment({ environments, program: 'pytorch', allowed: ['cpu-python'], requested: 'gpu' }))).toMatchObject({
      code: 'POLICY_ENVIRONMENT_DENIED',
      status: 403,
      message: "The dataset's policy does not allow the environment gpu; it allows cpu-python.",
    })
    expect(refusal(() => chooseEnvironment({ environments, program: 'node', requested: 'gpu' }))).toMatchObject({
      code: 'ENVIRONMENT_RUNTIME_MISMATCH',
      message: 'The environment gpu runs pytorch programs, not node; use cpu.',
    })
    expect(refusal(() => chooseEnvironment({ environments, program: 'node', allowed: ['gpu'] }))).toMatchObject({
      code: 'NO_ENVIRONMENT',
      status: 409,
      message: "None of the environments the dataset's policy allows (gpu) runs node programs on this node.",
    })
    expect(refusal(() => chooseEnvironment({ environments: environments.slice(0, 1), program: 'python' }))).toMatchObject({ code: 'NO_ENVIRONMENT' })
  })
})
