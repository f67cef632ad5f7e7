import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { trainerSpecs } from '@datavault/sdk'
import { runCli } from '../main.ts'

/** Runs the CLI in this process with captured output and no terminal. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (text: string) => (out += text))
  stderr.setEncoding('utf8').on('data', (text: string) => (err += text))
  const code = await runCli(args, { stdout, stderr, stdin: new PassThrough(), env: {}, cwd: process.cwd(), signal: new AbortController().signal })
  return { code, stdout: out, stderr: err }
}

describe('datavault trainers', () => {
  test('default: every built-in trainer with its parameters and outputs, without a node', async () => {
    const run = await cli(['trainers'])
    expect(run.code, run.stderr).toBe(0)
    for (const spec of trainerSpecs) {
      expect(run.stdout).toContain(`${spec.id} ${spec.version}: ${spec.description}`)
      for (const parameter of spec.parameters) expect(run.stdout).toContain(parameter.description)
    }
    expect(run.stdout).toMatch(/^ {4}epochs\s+integer 1 to 1000; default 50$/m)
    expect(run.stdout).toMatch(/dp\.targetEpsilon/)
  })

  test('args: one trainer by id; --json is the SDK\'s specs', async () => {
    const one = await cli(['trainers', 'torch-mlp'])
    expect(one.code).toBe(0)
    expect(one.stdout.startsWith('torch-mlp ')).toBe(true)
    expect(one.stdout).not.toMatch(/^logistic-regression /m)
    const json = await cli(['trainers', '--json'])
    expect(JSON.parse(json.stdout)).toEqual({ trainers: JSON.parse(JSON.stringify(trainerSpecs)) })
  })

  test('error: an unknown trainer is exit 4 naming the built-in ones; two ids are a usage error', async () => {
    const unknown = await cli(['trainers', 'xgboost'])
    expect(unknown.code).toBe(4)
    expect(unknown.stderr).toBe('datavault: No built-in trainer xgboost (they are logistic-regression, linear-regression, mlp-classifier, torch-mlp).\n')
    expect((await cli(['trainers', 'a', 'b'])).code).toBe(2)
  })

  test('behavior: train --help lists the trainers\' parameters; an unknown option reads as one sentence', async () => {
    const help = await cli(['train', '--help'])
    expect(help.stdout).toMatch(/^ {2}mlp-classifier \(label: category or number\)$/m)
    expect(help.stdout).toMatch(/--dp epsilon=E/)
    const unknown = await cli(['trainers', '--account=buyer'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toBe('datavault: Unknown option --account.\n  (see `datavault trainers --help`)\n')
  })
})
