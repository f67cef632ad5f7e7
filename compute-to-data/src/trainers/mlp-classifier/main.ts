// Entry point of the mlp-classifier trainer inside the sandbox: fixed paths, protocol on stdout.
import { mainTrainerProgram } from '../common/program.ts'
import { mlpClassifierProgram } from './program.ts'

await mainTrainerProgram(mlpClassifierProgram)
