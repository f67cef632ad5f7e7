import { openAsBlob } from 'node:fs'
import { parseArgs } from 'node:util'
import { rotateDatasetKey } from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { addressArg, check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliInterruptedError, CliNotFoundError } from '../errors.ts'
import { regularFileSize } from '../files.ts'
import { formatBytes } from '../output.ts'
import { requireDataset } from './datasets.ts'

const help = `datavault rotate — re-encrypt your dataset under a fresh data key

Usage:
  datavault rotate <dataset> <file>

Encrypts <file> (your copy of the dataset's data) on this machine under a fresh 256-bit data key
as it streams it to the vault node's IPFS, escrows the new key with the key holders, and switches
the node to the new ciphertext and escrow in one request. The old ciphertext is unpinned and kept
in the dataset's history; receipts of past jobs keep naming the CID they used; a job already
running finishes on the old ciphertext. Use it when a key may have leaked, or to move the
dataset to new key holders. Nothing is spent on chain. Signed by your wallet, which must own the
dataset (exit 4 otherwise, for an unknown or a revoked dataset).

The file must hold the same data as before (same columns): the schema and the policy stay.

${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault rotate 0x5fbdb2315678afecb367f032d93f642f64180aa3 vitals.csv
  datavault rotate 0x5fbdb2315678afecb367f032d93f642f64180aa3 vitals.csv --key alice --json | jq -r .cid
`

/** `datavault rotate <dataset> <file>`. */
export const rotateCommand: Command = {
  name: 'rotate',
  summary: "(owner) re-encrypt your dataset under a fresh key; the node switches to the new ciphertext",
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { ...commonOptions, ...connectionOptions, ...walletOptions }, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [idArg, file] = positionalsExactly(positionals, ['dataset', 'file'], 'rotate')
    const id = check(addressArg, idArg, 'dataset id')
    const size = await regularFileSize(file!)
    const { output, session } = await openSession(io, values)
    const client = await session.client({ signed: true })
    const current = await requireDataset(client.vault, id)
    if (current.revokedAt) throw new CliNotFoundError(`Dataset ${id} was revoked at ${current.revokedAt}; publish it again instead of rotating its key.`, { code: 'DATASET_REVOKED' })
    const owner = client.account!.address.toLowerCase()
    if (current.owner.toLowerCase() !== owner)
      throw new CliNotFoundError(`Dataset ${id} belongs to ${current.owner}, not to your wallet ${owner}.`, { code: 'NOT_DATASET_OWNER' })

    const uploading = output.progress('encrypting + uploading', { unit: 'bytes' })
    const rotated = await rotateDatasetKey(client, {
      dataset: id,
      data: await openAsBlob(file!),
      crypto: nodeEnvelopeCrypto,
      signal: io.signal,
      onProgress: ({ bytes, totalBytes }) => uploading.update(bytes, totalBytes ?? size),
    }).catch((error: unknown) => {
      uploading.done()
      if (io.signal.aborted) throw new CliInterruptedError('Interrupted; the dataset still uses its old ciphertext and key.')
      if ((error as { code?: string }).code === 'ROTATION_REFUSED') throw new CliNotFoundError((error as { shortMessage: string }).shortMessage, { code: 'ROTATION_REFUSED' })
      throw error
    })
    uploading.done(`${formatBytes(size)} encrypted and uploaded`)
    output.note('escrowed the new data key with the key holders; the node switched to the new ciphertext')
    output.result({ dataset: rotated.dataset.id, cid: rotated.cid, retiredCid: rotated.retiredCid, keyEscrowed: rotated.dataset.keyEscrowed, retiredCids: rotated.dataset.retiredCids }, [
      `dataset: ${rotated.dataset.id}`,
      `cid:     ${rotated.cid} (new key)`,
      `retired: ${rotated.retiredCid} (unpinned; past receipts keep naming it)`,
    ])
    return 0
  },
}
