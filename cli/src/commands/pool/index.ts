// `datavault pool …`: DAO data pools from the command line, on the SDK's pool actions. A pool sells
// training on its members' datasets as one Ocean datatoken; its members govern it by vote.
// One file per subcommand (./create.ts … ./status.ts); what they share is ./shared.ts.
import type { Command } from '../../command.ts'
import { CliUsageError, exitCodes } from '../../errors.ts'
import { exitHelp, shared, type PoolSubcommand } from './shared.ts'
import { create } from './create.ts'
import { join } from './join.ts'
import { register } from './register.ts'
import { leave } from './leave.ts'
import { propose } from './propose.ts'
import { vote } from './vote.ts'
import { execute } from './execute.ts'
import { claim } from './claim.ts'
import { status } from './status.ts'

const help = `datavault pool — DAO data pools: many owners' datasets sold and governed as one

Usage:
  datavault pool create  --name NAME --symbol SYM --price AMOUNT [--trainer ID …] [--open] …
  datavault pool join    <pool> --dataset DATATOKEN [--rows N]
  datavault pool register <pool> [--name NAME] [--description TEXT]
  datavault pool leave   <pool> [--dataset DATATOKEN]
  datavault pool propose <pool> (--approve-trainer ID | --price AMOUNT | --allow-buyer ADDR | …) --description TEXT
  datavault pool vote    <pool> <proposal> for|against|abstain [--reason TEXT]
  datavault pool execute <pool> <proposal>
  datavault pool claim   <pool>
  datavault pool status  <pool> [--proposals]
  datavault pool <action> --help

A pool (its DataPool contract, <pool> below) holds its members' datasets and sells training on
all of them as one Ocean datatoken. Owners join with their published datasets and get shares by
the rows they declare; members propose and vote on what may run (trainers, custom algorithms), the
price, the buyers and the rules, each vote weighing the shares held before the proposal; a passed
proposal waits out the pool's timelock, then anyone executes it. Buyers order the pool's datatoken
as they would a dataset; what they pay is shared among the members by their shares, and each
member claims its part. Leaving burns the member's shares and takes its datasets out of new jobs
at once; revenue earned before stays claimable.

  create    deploy a pool (you pay the gas; governance takes over at the end)
  join      add one of your published datasets to a pool
  register  list a pool on this vault node, so buyers can train on it (\`datavault train <datatoken>\`)
  leave     leave a pool, or withdraw one dataset
  propose   propose changes for the members to vote on
  vote      vote on an open proposal
  execute   queue a passed proposal, or run it once the timelock delay is over
  claim     collect what buyers paid and claim your part
  status    members, datasets, shares, approvals, price, proposals, your claimable revenue

${exitHelp}

Examples:
  datavault pool create --name "Heart pool" --symbol DV-HP --price 10 --open --trainer logistic-regression
  datavault pool join 0x9fe4… --dataset 0x5fbd… --rows 3000
  datavault pool propose 0x9fe4… --approve-trainer mlp-classifier --description "Allow the MLP"
  datavault pool vote 0x9fe4… 4711… for
  datavault pool status 0x9fe4… --proposals --json
`

const actions: Record<string, PoolSubcommand> = { create, join, register, leave, propose, vote, execute, claim, status }

/** `datavault pool create|join|leave|propose|vote|execute|claim|status`. */
export const poolCommand: Command = {
  name: 'pool',
  summary: 'DAO data pools: create, join, register, leave, propose, vote, execute, claim revenue, status',
  help,
  async run(args, io) {
    const [action, ...rest] = args
    if (action === undefined || action === '--help' || action === '-h') {
      io.stdout.write(help)
      return action === undefined ? exitCodes.usage : exitCodes.ok
    }
    const entry = Object.hasOwn(actions, action) ? actions[action] : undefined
    if (!entry) {
      if (action.startsWith('-')) throw new CliUsageError(`datavault pool needs an action first (${Object.keys(actions).join(', ')}). See \`datavault pool --help\`.`)
      throw new CliUsageError(`Unknown pool action "${action}": use ${Object.keys(actions).join(', ')}. See \`datavault pool --help\`.`)
    }
    try {
      return await entry.run(rest, io)
    } catch (error) {
      // Point usage errors at this action's help, not the pool's.
      const code = (error as { code?: unknown }).code
      const usage = (error instanceof CliUsageError && code === 'CLI_USAGE') || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
      // Node's unknown-option message ends with a long hint about '--' that reads badly before ours.
      const message = error instanceof CliUsageError ? error.shortMessage : (error as Error).message.replace(/ To specify a positional argument .*$/s, '')
      if (usage && !message.includes('--help')) throw new CliUsageError(`${message} See \`datavault pool ${action} --help\`.`)
      throw error
    }
  },
}
