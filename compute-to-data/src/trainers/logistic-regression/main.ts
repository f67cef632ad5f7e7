// Entry point of the logistic-regression trainer inside the sandbox: fixed paths, protocol on stdout.
import { mainTrainerProgram } from '../common/program.ts'
import { logisticRegressionProgram } from './program.ts'

await mainTrainerProgram(logisticRegressionProgram)
