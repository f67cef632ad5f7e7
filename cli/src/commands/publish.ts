import { createReadStream, openAsBlob } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { erc20Abi, parseUnits } from 'viem'
import { z } from 'zod'
import {
  type DatasetSchema,
  computePolicySchema,
  createCsvParser,
  customProgramPin,
  datasetSchemaSchema,
  declaredOutputsSchema,
  getDatatokenPrice,
  hashSchema,
  inferCsvSchema,
  parseCsvNumber,
  publishDataset,
  registerOwnerLogKey,
} from '@datavault/sdk'
import { nodeEnvelopeCrypto } from '@datavault/sdk/node'
import { check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession } from '../command.ts'
import { CliInterruptedError, CliUsageError } from '../errors.ts'
import { readJsonArgument, regularFileSize } from '../files.ts'
import { formatBytes } from '../output.ts'
import { describePrice, priceJson } from '../price.ts'

const help = `datavault publish — encrypt a CSV, upload it and put it up for training

Usage:
  datavault publish <file.csv> (--price AMOUNT | --free) [--name NAME] [--symbol SYM]
                    [--description TEXT] [--policy policy.json | --trainers ID,…]
                    [--schema schema.json | --category COL,…] [--he [--he-params SET]]
                    [--pin pin.json]…

Encrypts the file on this machine as it streams it to the vault node's IPFS (a fresh 256-bit data
key, AES-256-GCM chunks; no plaintext and no key leave this machine), creates a data NFT and
datatoken, registers the dataset with its schema and compute policy, escrows the data key sealed
to the node, and only then puts the datatoken up for sale (Ocean's FixedRateExchange at --price,
or the Dispenser with --free): a failure half-way leaves nothing a buyer could pay for. Prints the
dataset id (the datatoken), the CID and the price.

Without --schema the schema is inferred: a column whose every cell is a number is a \`number\`,
any other a \`category\` with its values (columns no trainer could use are left out, with a
warning); --category forces columns to be categories (a 0/1 label). Min/max bounds are not
inferred (they would publish the data's extremes): give them in --schema for private training.
The schema is public (anyone can read it from the node): category values and the row count are
in it. Leave out, or describe with --schema, a column whose values are themselves private.

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
  --he                   homomorphic: encrypt the number columns to CKKS ciphertexts here, so jobs
                         (he-stats, he-ridge; the default trainers) compute on ciphertexts and only
                         noised aggregates are ever decrypted, by the key holders (docs/homomorphic.md)
  --he-params SET        ckks-8192 (default) or ckks-16384
  --pin FILE             let one custom program run without waiting for your approval, on exactly
                         the terms in FILE: { "hash": "0x…", "outputs": { "tensors": [...] },
                         "params": { … } }; adds custom@<hash>+<terms> to the policy (repeatable)
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
  he: { type: 'boolean' },
  'he-params': { type: 'string' },
  pin: { type: 'string', multiple: true },
} as const

/** A `--pin` file: a custom program and the exact terms it may run on. */
const pinFileSchema = z.strictObject({ hash: hashSchema, outputs: declaredOutputsSchema, params: z.record(z.string(), z.unknown()).default({}) })

const priceSchema = z.string().regex(/^\d+(\.\d+)?$/, 'must be a positive decimal amount, e.g. 5 or 0.25')
const trainerListSchema = z.array(z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64})?$/, 'trainer ids are lower-case letters, digits and "-"')).min(1)
const nameSchema = z.string().trim().min(1).max(200)
const symbolSchema = z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'must be 1-16 letters, digits or "-"')

/** What each step of publishing did, in words. */
const stepDone = {
  datatoken: 'created the data NFT and its datatoken',
  register: 'registered the dataset with its schema and policy',
  escrow: 'escrowed the data key, sealed to the node',
  price: 'put the datatoken up for sale',
} as const

/** A datatoken symbol from a dataset name: `Heart health 2026` → `DV-HH2026` (as the SDK makes them). */
function symbolFor(name: string): string {
  const words = name.toUpperCase().match(/[A-Z0-9]+/g) ?? []
  const letters = words.length > 1 ? words.map((word) => (/^\d+$/.test(word) ? word : word[0])).join('') : (words[0] ?? 'DATA')
  return `DV-${letters.slice(0, 8)}`
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

    const policy: z.output<typeof computePolicySchema> | { trainers: string[] } =
      values.policy !== undefined
        ? await readJsonArgument(values.policy, computePolicySchema, '--policy')
        : { trainers: check(trainerListSchema, (values.trainers ?? (values.he ? 'he-stats,he-ridge' : 'logistic-regression')).split(',').map((id) => id.trim()), '--trainers') }
    // Each --pin adds custom@<hash>+<terms>: that program, with exactly those outputs and parameters.
    for (const pinFile of values.pin ?? []) {
      const pin = await readJsonArgument(pinFile, pinFileSchema, '--pin')
      policy.trainers = [...policy.trainers, customProgramPin({ hash: pin.hash as `0x${string}`, outputs: pin.outputs, params: pin.params })]
    }
    const { output, session } = await openSession(io, values)

    let schema: DatasetSchema
    if (values.schema !== undefined) {
      schema = await readJsonArgument(values.schema, datasetSchemaSchema, '--schema')
    } else {
      const categories = (values.category ?? []).flatMap((list) => list.split(',')).map((column) => column.trim()).filter(Boolean)
      const reading = output.progress('reading', { unit: 'bytes' })
      const inferred = await inferCsvSchema(await openAsBlob(file!), { categories, onProgress: (done) => reading.update(done, size) })
      reading.done()
      for (const skipped of inferred.skipped) output.warn(`column "${skipped.name}" is left out of the schema: ${skipped.reason} (give --schema to describe it).`)
      schema = inferred.schema
      output.note(
        `schema: ${inferred.rows} rows; ${schema.columns.map((column) => (column.type === 'category' ? `${column.name} (${column.values.length} categories)` : `${column.name} (${column.type})`)).join(', ')}`,
      )
    }

    // Everything that can be refused is checked before anything is spent or sent.
    const client = await session.client({ signed: true })
    const [node, chain] = await Promise.all([client.vault.node(), session.chain()])
    if (node.chainId !== chain.chainId) throw new CliUsageError(`The vault node is on chain ${node.chainId}, the RPC on chain ${chain.chainId}.`, { code: 'CHAIN_MISMATCH' })
    const addresses = await client.addresses().catch(() => {
      throw new CliUsageError('No Ocean contract addresses: pass --addresses-file, set DATAVAULT_ADDRESSES_FILE, put "addressesFile" in config.json, or run `datavault dev` here.', {
        code: 'CONFIG_MISSING',
      })
    })
    const offered = new Set(node.trainers.map((trainer) => trainer.id))
    const unknown = policy.trainers.map((id) => id.split('@')[0]!).filter((id) => !offered.has(id) && id !== 'custom')
    if (unknown.length > 0)
      throw new CliUsageError(`The node offers no trainer ${unknown.join(', ')} (it offers ${[...offered].join(', ')}).`, { code: 'TRAINER_UNKNOWN' })
    let priceUnits: bigint | undefined
    if (price !== undefined) {
      const decimals = await client.public.readContract({ address: addresses.Ocean, abi: erc20Abi, functionName: 'decimals' })
      priceUnits = parseUnits(price, decimals)
      if (priceUnits <= 0n) throw new CliUsageError('--price must be more than 0; use --free for a free dataset.')
    }

    if (values.he) {
      const parameterSet = check(z.enum(['ckks-8192', 'ckks-16384']), values['he-params'] ?? 'ckks-8192', '--he-params')
      const numeric = schema.columns.filter((column) => column.type === 'number').map((column) => column.name)
      if (numeric.length === 0) throw new CliUsageError('--he encrypts number columns, and this CSV has none.')
      const columns = await readNumberColumns(file!, numeric)
      const encrypting = output.progress('encrypting to CKKS (ciphertexts)', { unit: 'epochs' }) // 'epochs' shows plain counts
      // Loaded only for --he: node-seal's WebAssembly is not needed by any other command.
      const { publishHeDataset } = await import('@datavault/sdk/he')
      const published = await publishHeDataset(client, {
        columns,
        name,
        description,
        symbol,
        policy,
        parameterSet,
        plaintextBytes: size,
        ...(priceUnits === undefined ? { free: true } : { price: priceUnits }),
        signal: io.signal,
        onProgress: (event) => {
          if ('done' in event) encrypting.update(event.done, event.total)
          else if (event.status === 'done' && event.step in stepDone) output.note(stepDone[event.step as keyof typeof stepDone])
        },
      })
      encrypting.done(`${published.sizes.ciphertextCount} ciphertexts in ${(published.encryptMs / 1000).toFixed(1)} s`)
      const sale = await getDatatokenPrice(client.public, { datatoken: published.datatoken })
      output.result(
        { dataset: published.datatoken, cid: published.cid, name, symbol, price: priceJson(sale), he: { parameterSet, sizes: published.sizes }, schema: published.dataset.schema, policy: published.dataset.policy },
        [
          `dataset: ${published.datatoken}`,
          `cid:     ${published.cid}`,
          `price:   ${describePrice(sale)}`,
          `he:      ${parameterSet}, ${formatBytes(published.sizes.ciphertexts)} of ciphertexts (${published.sizes.expansion.toFixed(1)}× the CSV), keys ${formatBytes(published.sizes.publicKey + published.sizes.relinKeys + published.sizes.galoisKeys)}`,
        ],
      )
      return 0
    }

    // The SDK encrypts as it uploads (a fresh data key, the envelope format, Node's AES-GCM), so
    // no ciphertext copy lands on disk, and it sets the price last: a failure leaves nothing a
    // buyer could pay for.
    const uploading = output.progress('encrypting + uploading', { unit: 'bytes' })
    const published = await publishDataset(client, {
      data: await openAsBlob(file!),
      name,
      description,
      symbol,
      schema,
      policy,
      ...(priceUnits === undefined ? { free: true } : { price: priceUnits }),
      crypto: nodeEnvelopeCrypto,
      signal: io.signal,
      onProgress: (event) => {
        if (event.status === 'progress') uploading.update(event.bytes, event.totalBytes ?? size)
        else if (event.step === 'upload' && event.status === 'done') uploading.done(`${formatBytes(size)} encrypted and uploaded`)
        else if (event.status === 'done' && event.step !== 'upload') output.note(stepDone[event.step])
      },
    }).catch((error: unknown) => {
      uploading.done()
      if (io.signal.aborted) throw new CliInterruptedError('Interrupted; nothing was put up for sale.')
      throw error
    })
    // A pinned program runs without the approval step that otherwise registers the owner log key its logs are sealed to.
    if ((values.pin ?? []).length > 0) await registerOwnerLogKey(client.vault)
    const sale = await getDatatokenPrice(client.public, { datatoken: published.datatoken })
    const dataset = published.dataset
    output.result(
      {
        dataset: dataset.id,
        datatoken: published.datatoken,
        nft: published.nft ?? null,
        cid: published.cid,
        name,
        symbol,
        price: priceJson(sale),
        size: { plaintext: size, ciphertext: dataset.size },
        schema: dataset.schema,
        policy: dataset.policy,
        txHashes: published.txHashes,
      },
      [`dataset: ${dataset.id}`, `cid:     ${published.cid}`, `price:   ${describePrice(sale)}`, `name:    ${name} (${symbol})`],
    )
    return 0
  },
}

/** The named number columns of a CSV, streamed through the CLI's one CSV parser. */
async function readNumberColumns(file: string, names: string[]): Promise<{ name: string; values: number[] }[]> {
  const columns = names.map((name) => ({ name, values: [] as number[] }))
  let indices: number[] | undefined
  const parser = createCsvParser((fields, line) => {
    if (indices === undefined) {
      indices = names.map((name) => fields.indexOf(name))
      return
    }
    indices.forEach((index, c) => {
      const value = parseCsvNumber(fields[index] ?? '')
      // A blank or non-number cell would be encrypted as 0: refuse it, naming where.
      if (value === undefined)
        throw new CliUsageError(`Line ${line} has no number in column ${columns[c]!.name}; homomorphic datasets need every cell of their number columns.`, {
          code: 'HE_VALUE_MISSING',
        })
      columns[c]!.values.push(value)
    })
  })
  for await (const text of createReadStream(file, { encoding: 'utf8' })) parser.push(text as string)
  parser.end()
  return columns
}
