// `datavault pool register`: list a pool on this vault node for buyers.
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { registerPool } from '@datavault/sdk'
import { check, positionalsExactly } from '../../args.ts'
import { helpRequested } from '../../command.ts'
import { exitHelp, shared, openPool, nodeOf, type PoolSubcommand, baseOptions } from './shared.ts'

const registerHelp = `datavault pool register — list a pool on this vault node for buyers

Usage:
  datavault pool register <pool> [--name NAME] [--description TEXT]

Lists the pool on the vault node under its datatoken, like a dataset: buyers find it with
\`datavault datasets\` and train one model over every current member's dataset with \`datavault
train <pool datatoken> …\`. The node keeps nothing else: members, approved trainers and
algorithms, buyers and limits are read on chain for every job. Every member's dataset must be
published on this node, with the same columns (exit 4 otherwise). Any wallet may sign it.

Options:
  --name NAME           the name buyers see (default: Pool 0x…)
  --description TEXT    what the pooled data is
${shared}

${exitHelp}

Examples:
  datavault pool register 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --name "Heart pool"
  datavault pool register 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --json | jq -r .dataset
`

/** `datavault pool register`: list a pool on this vault node for buyers. */
export const register: PoolSubcommand = {
  help: registerHelp,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...baseOptions, name: { type: 'string' }, description: { type: 'string' } }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, registerHelp)
    if (shown !== undefined) return shown
    const [poolArg] = positionalsExactly(positionals, ['pool'], 'pool register')
    const name = values.name === undefined ? undefined : check(z.string().trim().min(1).max(200), values.name, '--name')
    const description = values.description === undefined ? undefined : check(z.string().max(2000), values.description, '--description')
    const { output, client, pool } = await openPool(io, values, poolArg, { signed: true })
    await nodeOf(client)
    const listed = await registerPool(client.vault, { pool, name, description })
    output.result({ pool, dataset: listed.id, name: listed.name, keyEscrowed: listed.keyEscrowed, schema: listed.schema, policy: listed.policy }, [
      `listed: ${listed.name} as ${listed.id} on ${client.vault.url}`,
      `ready:  ${listed.keyEscrowed ? 'yes, every member\'s key is escrowed here' : 'not yet: a member\'s key is not escrowed here'}`,
      `train:  datavault train ${listed.id} --trainer <an approved trainer> …`,
    ])
    return 0
  },
}
