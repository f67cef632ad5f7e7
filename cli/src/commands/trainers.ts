import { parseArgs } from 'node:util'
import { commonHelp, commonOptions, positionalsExactly } from '../args.ts'
import { type Command, helpRequested, outputFor } from '../command.ts'
import { CliNotFoundError } from '../errors.ts'
import { builtInTrainers, describeTrainer, targetEpsilonLine } from '../trainer-help.ts'

const help = `datavault trainers — the built-in trainers, their parameters and outputs

Usage:
  datavault trainers [ID] [--json]

Lists each built-in trainer: what it does, the label column types it predicts, every parameter
(type, allowed range, default or required, what it does) and what it outputs (the tensors of
model.safetensors and the metrics). With ID, only that trainer. Needs no node and no wallet: the
list is this CLI's own (the SDK's specs, read from each trainer's parameter schema). Which of
them a dataset allows, and its limits: \`datavault dataset <id>\`; pass parameters to
\`datavault train\` with --param NAME=VALUE (and --label, --dp).

${targetEpsilonLine}

${commonHelp}

Examples:
  datavault trainers
  datavault trainers mlp-classifier
  datavault trainers --json | jq '.trainers[] | {id, parameters: [.parameters[].name]}'
`

/** `datavault trainers`. */
export const trainersCommand: Command = {
  name: 'trainers',
  summary: 'list the built-in trainers: parameters (type, range, default), label types, outputs',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [id] = positionals.length === 0 ? [undefined] : positionalsExactly(positionals, ['ID'], 'trainers')
    const chosen = id === undefined ? builtInTrainers : builtInTrainers.filter((spec) => spec.id === id)
    if (chosen.length === 0)
      throw new CliNotFoundError(`No built-in trainer ${id} (they are ${builtInTrainers.map((spec) => spec.id).join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    const output = outputFor(io, values)
    output.result({ trainers: chosen }, () => chosen.flatMap((spec, i) => [...(i > 0 ? [''] : []), ...describeTrainer(spec)]))
    return 0
  },
}
