import { createReadStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { erc20Abi, formatUnits, parseUnits } from 'viem'
import { readContract } from 'viem/actions'
import { z } from 'zod'
import { escrowDataKey } from '../../api/actions/escrowDataKey.ts'
import { registerDataset } from '../../api/actions/registerDataset.ts'
import { uploadCiphertext } from '../../api/actions/uploadCiphertext.ts'
import { type ComputePolicy, type DatasetSchema, computePolicySchema, datasetSchemaSchema } from '../../api/schemas.ts'
import { publishDatatoken } from '../../chain/publishDatatoken.ts'
import { generateDataKey } from '../../envelope/index.ts'
import { encryptFile } from '../../node/encryptFile.ts'
import { nodeEnvelopeCrypto } from '../../node/nodeEnvelopeCrypto.ts'
import { check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { inferCsvSchema } from '../csv-schema.ts'
import { CliInterruptedError, CliUsageError } from '../errors.ts'
import { readJsonArgument, regularFileSize } from '../files.ts'
import { describeSale, readSale, saleJson } from '../market.ts'
import { formatBytes } from '../output.ts'

const help = `datavault publish — encrypt a CSV, upload it and put it up for training

Usage:
  datavault publish <file.csv> (--price AMOUNT | --free) [--name NAME] [--symbol SYM]
                    [--description TEXT] [--policy policy.json | --trainers ID,…]
                    [--schema schema.json | --category COL,…]

Encrypts the file on this machine (a fresh 256-bit data key, AES-256-GCM, streamed), uploads the
ciphertext to the vault node's IPFS, publishes a data NFT and datatoken (Ocean's
FixedRateExchange at --price, or the Dispenser with --free), registers the dataset with its
schema and compute policy, and escrows the data key sealed to the node. The plaintext and the
key never leave this machine. Prints the dataset id (the datatoken), the CID and the price.

Without --schema the schema is inferred: a column whose every cell is a number is a \`number\`,
any other a \`category\` with its values (columns no trainer could use are left out, with a
warning); --category forces columns to be categories (a 0/1 label). Min/max bounds are not
inferred (they would publish the data's extremes): give them in --schema for private training.

Options:
  --price AMOUNT         price of one training job (one datatoken) in base tokens, e.g. 5 or 0.5
  --free                 give datatokens away (Dispenser) instead
  --name NAME            dataset and datatoken name (default: the file name)
  --symbol SYM           datatoken symbol (default: DV- and letters of the name)
  --description TEXT     what the data is
  --policy FILE          compute policy JSON (trainers, maxEpochs, privacyBudget, …)
  --trainers ID,…        allowed trainers, when no --policy (default: logistic-regression)
  --schema FILE          dataset schema JSON ({ "format": "csv", "columns": [...] })
  --category COL,…       columns to infer as categories
${connectionHelp}
${walletHelp}
${commonHelp}

Examples:
  datavault publish vitals.csv --price 5 --name "Heart health 2026" --trainers logistic-regression,mlp-classifier
  datavault publish survey.csv --free --category smoker --description "Anonymous survey" --json
  datavault publish vitals.csv --price 2 --policy policy.json --schema schema.json --key alice
`

const options = {
  ...commonOptions,
  ...connectionOptions,
  ...walletOptions,
  price: { type: 'string' },
  free: { type: 'boolean' },
  name: { type: 'string' },
  symbol: { type: 'string' },
  description: { type: 'string' },
  policy: { type: 'string' },
  trainers: { type: 'string' },
  schema: { type: 'string' },
  category: { type: 'string', multiple: true },
} as const

const priceSchema = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal amount, e.g. 5 or 0.25')
const trainerListSchema = z.array(z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64})?$/, 'trainer ids are lower-case letters, digits and "-"')).min(1)
const nameSchema = z.string().trim().min(1).max(200)
const symbolSchema = z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'must be 1-16 letters, digits or "-"')

/** `DV-` and the first letters of the name, upper-cased. */
function symbolFor(name: string): string {
  const letters = name.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 8)
  return `DV-${letters || 'DATA'}`
}

/** `datavault publish`. */
export const publishCommand: Command = {
  name: 'publish',
  summary: 'encrypt a CSV locally, upload it, publish its datatoken, register it, escrow its key',
  help,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true })
    const shown = helpRequested(io, values, help)
    if (shown !== undefined) return shown
    const [file] = positionalsExactly(positionals, ['file.csv'], 'publish')
    if ((values.price === undefined) === (values.free !== true)) throw new CliUsageError('Pass either --price AMOUNT or --free.')
    if (values.policy !== undefined && values.trainers !== undefined) throw new CliUsageError('Pass either --policy or --trainers, not both.')
    if (values.schema !== undefined && values.category !== undefined) throw new CliUsageError('--category is for inferring a schema; with --schema, declare the categories there.')
    const price = values.price === undefined ? undefined : check(priceSchema, values.price, '--price')
    const name = check(nameSchema, values.name ?? basename(file!).replace(/\.[^.]+$/, ''), '--name')
    const symbol = check(symbolSchema, values.symbol ?? symbolFor(name), '--symbol')
    const description = check(z.string().max(4000), values.description ?? '', '--description')
    const size = await regularFileSize(file!)

    const policy: z.input<typeof computePolicySchema> =
      values.policy !== undefined
        ? await readJsonArgument(values.policy, computePolicySchema, '--policy')
        : { trainers: check(trainerListSchema, (values.trainers ?? 'logistic-regression').split(',').map((id) => id.trim()), '--trainers') }
    const { output, session } = await openSession(io, values)

    let schema: DatasetSchema
    if (values.schema !== undefined) {
      schema = await readJsonArgument(values.schema, datasetSchemaSchema, '--schema')
    } else {
      const categories = (values.category ?? []).flatMap((list) => list.split(',')).map((column) => column.trim()).filter(Boolean)
      const reading = output.progress('reading', { unit: 'bytes' })
      const inferred = await inferCsvSchema(file!, { categories, onProgress: (done) => reading.update(done, size) })
      reading.done()
      for (const skipped of inferred.skipped) output.warn(`column "${skipped.name}" is left out of the schema: ${skipped.reason} (give --schema to describe it).`)
      schema = inferred.schema
      output.note(
        `schema: ${inferred.rows} rows; ${schema.columns.map((column) => (column.type === 'number' ? `${column.name} (number)` : `${column.name} (${column.values.length} categories)`)).join(', ')}`,
      )
    }

    // Everything that can be refused is checked before anything is spent or sent.
    const [vault, chain, wallet] = await Promise.all([session.vault({ signed: true }), session.chain(), session.wallet()])
    const node = await vault.node()
    if (node.chainId !== chain.chainId) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${chain.chainId}.`, { code: 'CHAIN_MISMATCH' })
    const offered = new Set(node.trainers.map((trainer) => trainer.id))
    const unknown = (policy.trainers ?? []).map((id) => id.split('@')[0]!).filter((id) => !offered.has(id))
    if (unknown.length > 0)
      throw new CliUsageError(`The node offers no trainer ${unknown.join(', ')} (it offers ${[...offered].join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    let priceUnits: bigint | undefined
    let decimals = 18
    if (price !== undefined) {
      decimals = await readContract(chain.publicClient, { address: chain.addresses.Ocean, abi: erc20Abi, functionName: 'decimals' })
      priceUnits = parseUnits(price, decimals)
      if (priceUnits <= 0n) throw new CliUsageError('--price must be more than 0; use --free for a free dataset.')
    }

    const workDir = await mkdtemp(join(tmpdir(), 'datavault-publish-'))
    const key = generateDataKey()
    try {
      const cipherPath = join(workDir, 'data.dve')
      const encrypting = output.progress('encrypting', { unit: 'bytes' })
      const { bytesWritten } = await encryptFile(file!, cipherPath, key, {
        crypto: nodeEnvelopeCrypto,
        signal: io.signal,
        onProgress: ({ bytesDone, bytesTotal }) => encrypting.update(bytesDone, bytesTotal),
      }).catch((error: unknown) => {
        if (io.signal.aborted) throw new CliInterruptedError()
        throw error
      })
      encrypting.done(`${formatBytes(size)} → ${formatBytes(bytesWritten)} of ciphertext`)

      const uploading = output.progress('uploading', { unit: 'bytes' })
      let sent = 0
      const counted = (Readable.toWeb(createReadStream(cipherPath, { highWaterMark: 1024 * 1024 })) as ReadableStream<Uint8Array>).pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            sent += chunk.byteLength
            uploading.update(sent, bytesWritten)
            controller.enqueue(chunk)
          },
        }),
      )
      const { cid } = await uploadCiphertext(vault, { body: counted, signal: io.signal })
      uploading.done(`${formatBytes(bytesWritten)}: ${cid}`)

      if (io.signal.aborted) throw new CliInterruptedError('Interrupted after the upload; nothing was published.')
      const published = await publishDatatoken(
        wallet,
        priceUnits === undefined
          ? { addresses: chain.addresses, name, symbol, dispenser: true }
          : { addresses: chain.addresses, name, symbol, price: priceUnits, baseTokenDecimals: decimals },
      )
      output.note(`published datatoken ${published.datatoken} (${priceUnits === undefined ? 'free' : `${price} per job`}), tx ${published.txHash}`)
      await registerDataset(vault, { cid, datatoken: published.datatoken, name, description, schema, policy })
      await escrowDataKey(vault, { dataset: published.datatoken, key })
      output.note('registered the dataset and escrowed its key, sealed to the node')

      const sale = await readSale(chain.publicClient, chain.addresses, published.datatoken)
      output.result(
        {
          dataset: published.datatoken.toLowerCase(),
          datatoken: published.datatoken,
          nft: published.nft,
          cid,
          name,
          symbol,
          price: saleJson(sale),
          policy,
          schema,
          txHash: published.txHash,
          bytes: { plaintext: size, ciphertext: bytesWritten },
        },
        [
          `dataset: ${published.datatoken.toLowerCase()}`,
          `cid:     ${cid}`,
          `price:   ${describeSale(sale)}${priceUnits !== undefined && decimals !== 18 ? ` (${formatUnits(priceUnits, decimals)})` : ''}`,
          `name:    ${name} (${symbol})`,
        ],
      )
      return 0
    } finally {
      key.fill(0)
      await rm(workDir, { recursive: true, force: true })
    }
  },
}
