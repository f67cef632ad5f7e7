// Entry point of the linear-regression trainer inside the sandbox: fixed paths, protocol on stdout.
import { mainTrainerProgram } from '../common/program.ts'
import { linearRegressionProgram } from './program.ts'

await mainTrainerProgram(linearRegressionProgram)
