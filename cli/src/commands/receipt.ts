import { parseArgs } from 'node:util'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, readOnlyWalletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliUsageError } from '../errors.ts'
import { readJsonArgument } from '../files.ts'
import { receiptFileSchema, sha256File, verifyReceiptFile } from '../receipt-file.ts'

const help = `datavault receipt verify — check a job receipt offline

Usage:
  datavault receipt verify <receipt.json> [--node ADDRESS] [--weights FILE]

Checks a receipt the node signed (EIP-712): that its hash matches its contents, that the
signature is valid and from the expected node, that the output files it lists hash to the signed
outputsHash, and with --weights that the weights file is the output it covers. Exit 0 when all
holds, 5 when anything does not.

The expected node is --node; without it, the node of the configured vault URL (fetched once from
its /v1/node). With --node nothing is fetched at all.

Options:
  --node ADDRESS     the node's wallet address you trust
  --weights FILE     the weights file to check against the receipt (saved by \`datavault train\`)
${connectionHelp}
${readOnlyWalletHelp}
${commonHelp}

Examples:
  datavault receipt verify model.safetensors.receipt.json --weights model.safetensors
  datavault receipt verify receipt.json --node 0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0 --json
`

/** `datavault receipt verify`. */
export const receiptCommand: Command = {
  name: 'receipt',
  summary: 'verify a job receipt offline (signature, node, outputs, weights hash)',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { ...commonOptions, ...connectionOptions, ...walletOptions, node: { type: 'string' }, weights: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    if (positionals[0] !== 'verify') throw new CliUsageError(positionals[0] === undefined ? 'datavault receipt needs an action: verify.' : `Unknown receipt action "${positionals[0]}": use verify.`)
    const [, file] = positionalsExactly(positionals, ['verify', 'receipt.json'], 'receipt')
    const pinned = values.node === undefined ? undefined : check(addressArg, values.node, '--node')
    const receipt = await readJsonArgument(file!, receiptFileSchema, 'receipt')
    const weightsSha256 = values.weights === undefined ? undefined : await sha256File(values.weights)
    const { output, session } = await openSession(io, values)
    let node = pinned
    let nodeSource = 'flag --node'
    if (node === undefined) {
      if (!session.config.vaultUrl) throw new CliUsageError('Pass --node ADDRESS (the node you trust), or configure a vault URL to fetch it from.', { code: 'CONFIG_MISSING' })
      const vault = await session.vault()
      node = (await vault.node()).address.toLowerCase() as `0x${string}`
      nodeSource = `the vault node at ${vault.url}`
    }
    const verified = await verifyReceiptFile(receipt, { node, weightsSha256 })
    const { message } = receipt
    output.result(
      {
        valid: true,
        hash: verified.hash,
        node,
        nodeSource,
        chainId: receipt.chainId,
        job: message.jobId,
        dataset: message.dataset,
        buyer: message.buyer,
        trainer: { id: message.trainerId, version: message.trainerVersion, hash: message.trainerHash },
        privacy: { epsilon: message.epsilon, delta: message.delta },
        outputsChecked: verified.outputsChecked,
        weights: verified.weights ?? null,
      },
      [
        `valid:    receipt ${verified.hash}`,
        `signed by ${node} (${nodeSource}) on chain ${receipt.chainId}`,
        `job:      ${message.jobId} on dataset ${message.dataset} for ${message.buyer}`,
        `trainer:  ${message.trainerId}@${message.trainerVersion}`,
        `privacy:  ${message.delta === '1' ? 'none (trained without differential privacy)' : `ε=${message.epsilon} δ=${message.delta}`}`,
        `outputs:  ${verified.outputsChecked ? 'listed files match the signed outputs hash' : 'not checked (the file lists none)'}`,
        ...(verified.weights ? [`weights:  match ${verified.weights.name} (${verified.weights.sha256})`] : []),
      ],
    )
    return 0
  },
}
