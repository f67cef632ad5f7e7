// Entry point of the logistic-regression trainer inside the sandbox: fixed paths, protocol on stdout.
import { runLogisticRegressionProgram } from './program.ts'

process.stdout.write(`${JSON.stringify({ event: 'started' })}\n`)
process.exitCode = await runLogisticRegressionProgram(
  { jobDir: '/job', dataDir: '/data', outDir: '/out' },
  (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
  (line) => process.stderr.write(`${line}\n`),
)
