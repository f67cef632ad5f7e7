import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { erc20Abi, parseUnits } from 'viem'
import { z } from 'zod'
import {
  type ColumnChoice,
  type CsvProfile,
  type DatasetSchema,
  PublishDatasetError,
  buildDatasetSchema,
  computePolicySchema,
  createCsvParser,
  customProgramPin,
  datasetSchemaSchema,
  declaredOutputsSchema,
  dropCsvColumns,
  generateDataKey,
  getDatatokenPrice,
  hashSchema,
  isDataVaultError,
  parseCsvNumber,
  profileCsv,
  publishDataset,
  registerOwnerLogKey,
  setDatasetFingerprint,
} from '@datavault/sdk'
import { readFileChunks } from '@datavault/sdk/node'
import { check, commonHelp, commonOptions, connectionHelp, connectionOptions, positionalsExactly, walletHelp, walletOptions } from '../args.ts'
import { type Command, helpRequested, openSession, outputFor } from '../command.ts'
import { encryptAndUpload } from '../encrypt-upload.ts'
import { CliInterruptedError, CliUsageError } from '../errors.ts'
import { readJsonArgument, regularFileSize } from '../files.ts'
import { readFilePieces } from '../read-file-pieces.ts'
import { formatBytes } from '../output.ts'
import { describePrice, priceJson } from '../price.ts'
import { type Asker, askValues, canAsk, columnChoices, createAsker, previewLines, valuesUnconfirmedError } from '../publish-schema.ts'
import { fileFingerprint, livePublications, recordPublished } from '../published-files.ts'

const help = `datavault publish — encrypt a CSV, upload it and put it up for training

Usage:
  datavault publish <file.csv> (--price AMOUNT | --free) [--name NAME] [--symbol SYM]
                    [--description TEXT] [--policy policy.json | --trainers ID,…]
                    [--exclude COL,…] [--type COL=TYPE,…] [--blanks COL=POLICY,…]
                    [--public-values COL,…] [--bounds propose | COL=MIN:MAX,…]
                    [--schema schema.json] [--yes] [--republish] [--he [--he-params SET]]
                    [--pin pin.json]…

Encrypts the file on this machine as it streams it to the vault node's IPFS (a fresh 256-bit data
key, AES-256-GCM chunks; no plaintext and no key leave this machine), creates a data NFT and
datatoken, registers the dataset with its schema and compute policy, escrows the data key sealed
to the node, and only then puts the datatoken up for sale (Ocean's FixedRateExchange at --price,
or the Dispenser with --free): a failure half-way leaves nothing a buyer could pay for. Prints the
dataset id (the datatoken), the CID and the price.

The schema is public (anyone can read it from the node). It is proposed from the file, read here,
and shown before anything is sent: each column's name and type, the row count, and data values
only where you choose. A column is a \`number\` (blank cells: empty, NA, N/A, NaN, null, ? — rows
with one are skipped unless --blanks says to fill them), a \`category\` (0/1, yes/no, a few small
integers, a few repeated words: its values are published only with --public-values), a \`date\` or
\`text\` (free text, names, ids: the name only, never values, never a feature). Off a terminal, a
category column not in --public-values is refused, naming it; on a terminal you are asked, then
asked to confirm the whole (--yes skips that). Bounds for differentially private training are
published only with --bounds: \`propose\` rounds each number column's extremes outward (computed
here) and shows them. Excluded columns are cut from the file before encryption: they never leave
this machine. Publishing a file this wallet already published, from any machine, is refused
(--republish to do it anyway): this machine and the node keep a fingerprint of it that only the
wallet can make, never a plain hash, and the node shows it to no one else.

Options:
  --price AMOUNT         price of one training job (one datatoken) in base tokens, e.g. 5 or 0.5
  --free                 give datatokens away (Dispenser) instead
  --name NAME            dataset and datatoken name (default: the file name)
  --symbol SYM           datatoken symbol (default: DV- and letters of the name)
  --description TEXT     what the data is
  --policy FILE          compute policy JSON (trainers, maxEpochs, privacyBudget, …)
  --trainers ID,…        allowed trainers, when no --policy (default: logistic-regression)
  --exclude COL,…        leave columns out: not in the schema, not in the uploaded file
  --type COL=TYPE,…      a column's type: number, category, date or text
  --blanks COL=POLICY,…  a number column's blank cells: skip-row (default), fill-mean, fill-zero
  --public-values COL,…  publish these category columns' values (you saw them in the preview)
  --bounds propose       publish proposed bounds for every number column; or COL=MIN:MAX,
                         COL=propose for some
  --yes                  confirm without the question on a terminal
  --republish            publish a file this wallet already published, as a new dataset
  --schema FILE          the schema JSON, written by hand ({ "format": "csv", "columns": [...] });
                         columns of the file it does not name are cut before encryption
  --category COL,…       same as --type COL=category --public-values COL
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
  datavault publish vitals.csv --price 5 --public-values risk --type smoker=number --bounds propose
  datavault publish survey.csv --free --exclude notes,email --blanks income=fill-mean --public-values smoker --json
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
  exclude: { type: 'string', multiple: true },
  type: { type: 'string', multiple: true },
  blanks: { type: 'string', multiple: true },
  'public-values': { type: 'string', multiple: true },
  bounds: { type: 'string', multiple: true },
  yes: { type: 'boolean' },
  republish: { type: 'boolean' },
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
    if (values.schema !== undefined) {
      const given = (['category', 'exclude', 'type', 'blanks', 'public-values', 'bounds'] as const).filter((flag) => values[flag] !== undefined)
      if (given.length > 0) throw new CliUsageError(`${given.map((flag) => `--${flag}`).join(', ')} ${given.length === 1 ? 'is' : 'are'} for choosing the schema from the file; with --schema, declare the columns there.`)
    }
    if (values.he) {
      // A homomorphic dataset's schema is its number columns, by name: nothing else would be published.
      const given = (['category', 'blanks', 'public-values', 'bounds'] as const).filter((flag) => values[flag] !== undefined)
      if (given.length > 0) throw new CliUsageError(`${given.map((flag) => `--${flag}`).join(', ')} cannot be used with --he: a homomorphic dataset publishes its number columns' names only.`)
    }
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
    const output = outputFor(io, values)

    // One pass over the file here: the column profile (real data, for the owner's eyes only) and
    // the file's SHA-256 (for the duplicate check; kept only as a keyed fingerprint). Read in
    // 1 MiB pieces (a Blob's 64 KiB web-stream pieces cost more CPU than the parsing) into two
    // buffers in turn: both readers are done with a piece before asking for the next.
    const digest = createHash('sha256')
    const reading = output.progress('reading', { unit: 'bytes' })
    const profile = await profileCsv(hashed(readFilePieces(file!, { signal: io.signal }), digest), { onProgress: (done) => reading.update(done, size) })
    reading.done()
    const sha256 = digest.digest()

    // The questions (on a terminal) of choosing the schema and confirming it; the wallet's
    // password prompt comes after, with this reader of stdin closed.
    const asker = canAsk(io) ? createAsker(io) : undefined
    let built: Built
    try {
      built = values.schema !== undefined ? await declaredSchema(values.schema, profile) : await chosenSchema(values, profile, asker, output)
      const { schema, excluded } = built
      // Shown whenever a person is asked, --json or not: what they confirm is what they saw.
      const show = (line: string) => (asker !== undefined ? io.stderr.write(`${line}\n`) : output.note(line))
      for (const line of previewLines({ schema, profile, excluded })) show(line)
      if (!('privacyBudget' in policy) || policy.privacyBudget === undefined)
        show(
          'Note: this policy lets jobs train without differential privacy. Their weights carry each number column\'s mean and standard deviation (how the trainers scale it), and buyers keep the weights. A privacyBudget in --policy makes every job private (docs/policy.md).',
        )
      if (asker !== undefined && values.yes !== true && !(await asker.ask('Publish this? [y/N] '))) throw new CliInterruptedError('Nothing was published.')
    } finally {
      asker?.close()
    }
    const { schema, keep, excluded } = built
    const { session } = await openSession(io, values)
    const config = session.config

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

    // The same file published again by this wallet, from this machine or another (the node keeps
    // the wallet's keyed fingerprints): refused unless asked for (a second dataset of the same rows
    // doubles what buyers can learn from them, and splits their privacy budget).
    const account = await session.account()
    const fingerprint = await fileFingerprint(account, sha256)
    const configDir = config.configDir.value
    const [earlier] = await livePublications(client.vault, { configDir, fingerprint })
    if (earlier !== undefined) {
      const again = `${account.address} already published this file as dataset ${earlier.dataset} ("${earlier.name}", ${earlier.at}).`
      if (values.republish === true) output.warn(`${again} Publishing it again, as asked (--republish).`)
      else if (!canAsk(io) || !(await askOnce(io, `${again} Publish it again as a new dataset? [y/N] `)))
        throw new CliUsageError(`${again} Nothing was sent. Pass --republish to publish it again as a new dataset.`, { code: 'DATASET_ALREADY_PUBLISHED' })
    }
    const remember = async (dataset: string) => {
      await recordPublished(configDir, account.address, fingerprint, { dataset: dataset.toLowerCase(), name, at: new Date().toISOString() })
      // The dataset is published whatever happens here; only the other machines' check would miss it.
      await setDatasetFingerprint(client.vault, { dataset: dataset as `0x${string}`, fingerprint }).catch((error: unknown) =>
        output.warn(`The node did not record this file's fingerprint (${isDataVaultError(error) ? error.shortMessage : 'no answer'}): publishing it again from another machine will not be noticed.`),
      )
    }

    if (values.he) {
      const parameterSet = check(z.enum(['ckks-8192', 'ckks-16384']), values['he-params'] ?? 'ckks-8192', '--he-params')
      const numeric = schema.columns.filter((column) => column.type === 'number').map((column) => column.name)
      if (numeric.length === 0) throw new CliUsageError('--he encrypts number columns, and this CSV has none.')
      const columns = await readNumberColumns(file!, numeric)
      if (schema.columns.some((column) => column.type === 'category'))
        output.warn('--he publishes number columns only: category columns are left out of the homomorphic dataset.')
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
      await remember(published.datatoken)
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

    // Encrypted here as it streams to the node (a fresh data key, the envelope format, Node's
    // AES-GCM), so no ciphertext copy lands on disk; the file is read into two buffers in turn
    // (the encrypt stream is done with a piece when its write resolves). Then the SDK creates the
    // datatoken, registers, escrows the key and sets the price last, as for an upload it made
    // itself: a failure leaves nothing a buyer could pay for.
    const uploading = output.progress('encrypting + uploading', { unit: 'bytes' })
    const key = generateDataKey()
    let published: Awaited<ReturnType<typeof publishDataset>>
    try {
      const { cid } = await encryptAndUpload(client.vault, {
        key,
        // Excluded columns are cut out here, as the file streams to encryption: they never leave.
        pieces: excluded.length === 0 ? readFilePieces(file!, { signal: io.signal }) : dropCsvColumns(readFileChunks(file!, { signal: io.signal }), { keep }),
        signal: io.signal,
        onBytes: (bytes) => uploading.update(bytes, size),
      }).catch((error: unknown) => {
        // As the SDK reports a failed upload of its own (an interruption is reported below).
        throw io.signal.aborted ? error : new PublishDatasetError({ step: 'upload', state: {}, cause: error })
      })
      uploading.done(`${formatBytes(size)} encrypted and uploaded`)
      published = await publishDataset(client, {
        resume: { cid },
        key,
        name,
        description,
        symbol,
        schema,
        policy,
        ...(priceUnits === undefined ? { free: true } : { price: priceUnits }),
        signal: io.signal,
        onProgress: (event) => {
          if (event.status === 'done' && event.step !== 'upload') output.note(stepDone[event.step])
        },
      })
    } catch (error) {
      uploading.done()
      if (io.signal.aborted) throw new CliInterruptedError('Interrupted; nothing was put up for sale.')
      throw error
    } finally {
      key.fill(0)
    }
    await remember(published.datatoken)
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

/** The source's bytes, passed on as they are read, fed to `digest` too. */
async function* hashed(chunks: AsyncIterable<Uint8Array>, digest: ReturnType<typeof createHash>): AsyncGenerator<Uint8Array> {
  for await (const bytes of chunks) {
    digest.update(bytes)
    yield bytes
  }
}

/** The per-column flags as parsed. */
type SchemaValues = { he?: boolean | undefined; exclude?: string[] | undefined; type?: string[] | undefined; blanks?: string[] | undefined; 'public-values'?: string[] | undefined; bounds?: string[] | undefined; category?: string[] | undefined }

type Built = { schema: DatasetSchema; keep: string[]; excluded: string[] }

/** A schema the owner wrote (--schema): its columns must be in the file; the file's other columns are dropped. */
async function declaredSchema(path: string, profile: CsvProfile): Promise<Built> {
  const schema = await readJsonArgument(path, datasetSchemaSchema, '--schema')
  const names = new Set(profile.columns.map((column) => column.name))
  const missing = schema.columns.filter((column) => !names.has(column.name)).map((column) => column.name)
  if (missing.length > 0) throw new CliUsageError(`--schema names columns the file does not have: ${missing.join(', ')}.`, { code: 'SCHEMA_COLUMN_UNKNOWN' })
  const declared = new Set(schema.columns.map((column) => column.name))
  const keep = profile.columns.map((column) => column.name).filter((name) => declared.has(name))
  return { schema, keep, excluded: profile.columns.map((column) => column.name).filter((name) => !declared.has(name)) }
}

/**
 * The schema from the profile and the per-column flags. Category values are published only for
 * the columns the owner named (--public-values, --category) or, on a terminal, said yes to;
 * off a terminal, any other category column is a refusal naming it and the flags.
 */
async function chosenSchema(values: SchemaValues, profile: CsvProfile, asker: Asker | undefined, output: ReturnType<typeof outputFor>): Promise<Built> {
  const choices = columnChoices(values, profile)
  if (values.he === true)
    // Homomorphic datasets hold number columns only: the others stay on this machine.
    for (const column of profile.columns) {
      const choice: ColumnChoice = (choices[column.name] ??= {})
      if (choice.exclude === true) continue
      if (column.min !== undefined && (choice.type ?? 'number') === 'number') choice.type = 'number'
      else choice.exclude = true
    }
  const unconfirmed = (error: unknown) =>
    isDataVaultError(error) && error.code === 'CSV_VALUES_UNCONFIRMED' ? profile.columns.filter((column) => (error as unknown as { columns: string[] }).columns.includes(column.name)) : undefined
  try {
    return buildDatasetSchema(profile, { columns: choices })
  } catch (error) {
    const columns = unconfirmed(error)
    if (columns === undefined) throw error
    if (asker === undefined) throw valuesUnconfirmedError(columns)
    output.note('Category columns publish their values in the schema. Only the ones you say yes to are published:')
    await askValues(asker, columns, choices)
    return buildDatasetSchema(profile, { columns: choices })
  }
}

/** One question on the terminal, with its own reader of stdin. */
async function askOnce(io: Parameters<Command['run']>[1], question: string): Promise<boolean> {
  const asker = createAsker(io)
  try {
    return await asker.ask(question)
  } finally {
    asker.close()
  }
}
