import { z } from 'zod'
import { signedKeyEscrowSchema } from '../keyshares/format.ts'

/** A 0x-prefixed 20-byte address, lower-cased on parse so it can key a table. */
export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 0x-prefixed 20-byte address')
  .transform((value) => value.toLowerCase() as `0x${string}`)

/** A 0x-prefixed 32-byte hash (a transaction hash). */
export const hashSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hash')
  .transform((value) => value.toLowerCase() as `0x${string}`)

/** A CIDv1 or CIDv0 string as IPFS prints it. */
export const cidSchema = z.string().regex(/^(Qm[1-9A-HJ-NP-Za-km-z]{44}|b[a-z2-7]{20,120})$/, 'must be an IPFS CID')

/**
 * How trainers treat a blank (or `NA`) cell of a number column: leave the row out (`skip-row`, the
 * default), or fill the cell with the column's mean (`fill-mean`; under differential privacy, the
 * midpoint of the declared bounds, which depends on no row) or with 0 (`fill-zero`).
 */
export const blankCellPolicies = ['skip-row', 'fill-mean', 'fill-zero'] as const

/** A column's name as a schema holds it. */
const columnNameSchema = z.string().min(1).max(128)

/**
 * One column of a CSV dataset. Only `category` columns publish data values (their values, which
 * the owner chose to make public so outputs can be declared up front); `date` and `text` columns
 * are private: the schema names them and nothing else, and no trainer uses them as features.
 */
export const datasetColumnSchema = z.discriminatedUnion('type', [
  z
    .object({
      name: columnNameSchema,
      type: z.literal('number'),
      /** Bounds the owner declares; differentially private training scales and clips by them instead of the data. */
      min: z.number().finite().optional(),
      max: z.number().finite().optional(),
      /** How trainers treat a blank cell of this column (absent: `skip-row`). */
      blanks: z.enum(blankCellPolicies).optional(),
    })
    .refine((column) => column.min === undefined || column.max === undefined || column.min < column.max, {
      message: 'min must be less than max',
    }),
  z.object({
    name: columnNameSchema,
    type: z.literal('category'),
    values: z.array(z.string().min(1).max(128)).min(2).max(1000),
  }),
  z.object({ name: columnNameSchema, type: z.literal('date') }),
  z.object({ name: columnNameSchema, type: z.literal('text') }),
])

/** One column of a dataset's schema. */
export type DatasetColumn = z.infer<typeof datasetColumnSchema>

/** What a dataset holds, declared by its owner; trainers derive their output shapes from it. */
export const datasetSchemaSchema = z
  .object({
    format: z.literal('csv'),
    columns: z.array(datasetColumnSchema).min(1).max(10_000),
    /** Number of data rows, when the owner declares it. */
    rows: z.number().int().nonnegative().optional(),
  })
  .refine((schema) => new Set(schema.columns.map((column) => column.name)).size === schema.columns.length, {
    message: 'column names must be unique',
  })

/** A dataset's schema. */
export type DatasetSchema = z.infer<typeof datasetSchemaSchema>

/**
 * What a compute environment runs: `node` (Node 24, one ES module), `python` (Python 3, standard
 * library) or `pytorch` (Python 3 with PyTorch; CUDA when the environment has a GPU).
 */
export const environmentRuntimes = ['node', 'python', 'pytorch'] as const

/** A program runtime that an environment of `runtime` can run: PyTorch environments run plain Python too. */
export const environmentRunsProgram = (runtime: (typeof environmentRuntimes)[number], program: 'node' | 'python' | 'pytorch'): boolean =>
  runtime === program || (runtime === 'pytorch' && program === 'python')

/** How a node executes an environment's jobs: its local bubblewrap `sandbox`, or Jobs on `kubernetes`. */
export const environmentRunners = ['sandbox', 'kubernetes'] as const

/** An environment's name: lower-case letters, digits and `-`, as in `gpu-a100` or `cpu`. */
export const environmentNameSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'environment names are lower-case letters, digits and "-"')

/** A container image pinned by digest (`registry/name@sha256:<64 hex>`); a tag alone could change under the same name. */
export const pinnedImageSchema = z
  .string()
  .max(512)
  .regex(/^[a-z0-9][a-z0-9._\-/:]*@sha256:[0-9a-f]{64}$/, 'images must be pinned by digest: name@sha256:<64 hex digits>')

/** A toleration copied onto the job's pod (Kubernetes `core/v1` Toleration). */
const tolerationSchema = z
  .object({
    key: z.string().max(253).optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().max(63).optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.number().int().optional(),
  })
  .strict()

/**
 * A compute environment as the node's operator declares it and `GET /v1/environments` lists it:
 * the runtime, the CPU, memory and GPU a job gets, and the runner that executes it (for
 * Kubernetes, the image pinned by digest and where the pod may be scheduled).
 */
export const computeEnvironmentSchema = z
  .object({
    name: environmentNameSchema,
    description: z.string().max(500).default(''),
    runtime: z.enum(environmentRuntimes),
    runner: z.enum(environmentRunners),
    /** CPU cores a job gets (a Kubernetes request and limit; the sandbox shares the node's). */
    cpu: z.number().positive().max(512).default(1),
    /** Memory a job gets, MiB; a dataset's policy may lower it, never raise it. */
    memoryMb: z.number().int().min(128).max(4 * 1024 ** 2).default(2048),
    /** GPUs a job gets (the `nvidia.com/gpu` limit on Kubernetes); the sandbox has none. */
    gpu: z.number().int().min(0).max(16).default(0),
    /** The Kubernetes extended resource name of the GPUs. */
    gpuResource: z.string().regex(/^[a-z0-9.-]+\/[a-z0-9.-]+$/).default('nvidia.com/gpu'),
    /** The image a Kubernetes job's program runs in, pinned by digest. */
    image: pinnedImageSchema.optional(),
    /** Where and how a Kubernetes job's pod runs. */
    kubernetes: z
      .object({
        /** A RuntimeClass such as `gvisor` or `kata`: a kernel boundary between the trainer and the host. */
        runtimeClassName: z.string().regex(/^[a-z0-9][a-z0-9.-]{0,252}$/).optional(),
        nodeSelector: z.record(z.string().max(317), z.string().max(63)).optional(),
        tolerations: z.array(tolerationSchema).max(32).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((environment, ctx) => {
    if (environment.runner === 'kubernetes' && !environment.image)
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'a kubernetes environment needs an image pinned by digest' })
    if (environment.runner === 'sandbox' && environment.gpu > 0)
      ctx.addIssue({ code: 'custom', path: ['gpu'], message: 'the local sandbox has no GPU: use the kubernetes runner for GPU environments' })
    if (environment.runner === 'sandbox' && (environment.image || environment.kubernetes))
      ctx.addIssue({ code: 'custom', path: ['image'], message: 'image and kubernetes settings apply to the kubernetes runner only' })
  })

/** A compute environment a node offers. */
export type ComputeEnvironment = z.output<typeof computeEnvironmentSchema>

/** A compute environment as an operator writes it (defaults not yet filled in). */
export type ComputeEnvironmentDeclaration = z.input<typeof computeEnvironmentSchema>

/** What the owner allows to run on a dataset. Default deny: only listed trainers run. */
export const computePolicySchema = z.object({
  /**
   * Trainer ids allowed (`logistic-regression`), optionally pinned to a bundle hash (`logistic-regression@<sha256>`);
   * a custom program pinned with the terms it may run on (`custom@<sha256>+<terms>`: `approvalTermsHash` of its declared outputs and parameters).
   */
  trainers: z.array(z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64}(\+[0-9a-f]{64})?)?$/)).min(1).max(64),
  maxEpochs: z.number().int().positive().max(10_000).default(200),
  maxWallTimeSeconds: z.number().int().positive().max(86_400).default(600),
  maxMemoryMb: z.number().int().min(128).max(65_536).default(1024),
  /** Raw download of the data is never allowed in this version. */
  rawDownload: z.literal(false).default(false),
  /** Largest total size of a job's released outputs, bytes. */
  maxOutputBytes: z.number().int().min(1024).max(1024 ** 3).default(64 * 1024 ** 2),
  /**
   * What an egress violation costs the buyer: `retry` (default) releases the order for another
   * attempt (at most 3 of the buyer's making); `forfeit-order` spends it.
   */
  onViolation: z.enum(['retry', 'forfeit-order']).default('retry'),
  /** Fewest data rows a job may train on (counted as the data streams into the sandbox). */
  minRows: z.number().int().min(1).max(1_000_000_000).optional(),
  /** Largest hidden layer a trainer may use (e.g. the MLP's `hidden` sizes). */
  maxHiddenUnits: z.number().int().min(1).max(65_536).optional(),
  /**
   * The dataset's total privacy budget. When set, every job must train with differential privacy
   * and reserve its (ε, δ) from this budget before it starts.
   */
  privacyBudget: z.object({ epsilon: z.number().positive().max(1000), delta: z.number().positive().max(0.01) }).optional(),
  /**
   * The compute environments (by name) that may read the dataset. Absent: any environment the
   * node offers; listed: only these, whatever a buyer asks for.
   */
  environments: z.array(environmentNameSchema).min(1).max(32).optional(),
})

/** A dataset's compute policy. */
export type ComputePolicy = z.infer<typeof computePolicySchema>

/** Body of `POST /v1/datasets`. */
export const registerDatasetBodySchema = z.object({
  cid: cidSchema,
  datatoken: addressSchema,
  name: z.string().min(1).max(200),
  description: z.string().max(4000).default(''),
  schema: datasetSchemaSchema,
  policy: computePolicySchema,
})

/** Body of `POST /v1/datasets`. */
export type RegisterDatasetBody = z.input<typeof registerDatasetBodySchema>

/**
 * Body of `PATCH /v1/datasets/:id`: what the owner changes after publishing. `policy` replaces the
 * whole policy (new jobs are checked against it); `schema` replaces the schema, only while no job
 * depends on it. At least one of the two.
 */
export const updateDatasetBodySchema = z
  .object({ policy: computePolicySchema.optional(), schema: datasetSchemaSchema.optional() })
  .strict()
  .refine((body) => body.policy !== undefined || body.schema !== undefined, { message: 'give a policy, a schema, or both' })

/** Body of `PATCH /v1/datasets/:id`. */
export type UpdateDatasetBody = z.input<typeof updateDatasetBodySchema>

/**
 * An owner's keyed fingerprint of the file a dataset was published from: HMAC-SHA256 (64
 * lower-case hex) of the file's SHA-256 under a key only the owner's wallet can make (the CLI's
 * `fileFingerprint`). Without that key it tests no guess of the file; the node keeps it beside the
 * dataset, never in a dataset's view or listing, and answers it to the dataset's owner only.
 */
export const datasetFingerprintSchema = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits')

/** Body of `PUT /v1/datasets/:id/fingerprint` (signed by the dataset's owner). */
export const setDatasetFingerprintBodySchema = z.object({ fingerprint: datasetFingerprintSchema }).strict()

/** Body of `PUT /v1/datasets/:id/fingerprint`. */
export type SetDatasetFingerprintBody = z.input<typeof setDatasetFingerprintBodySchema>

/** Answer of `GET /v1/owner/fingerprints/:fingerprint`: the signer's own datasets registered with that fingerprint, oldest first, revoked ones included. */
export const fingerprintedDatasetsSchema = z.object({
  datasets: z.array(z.looseObject({ id: addressSchema, name: z.string(), createdAt: z.string(), revokedAt: z.string().optional() })),
})

/** Answer of `GET /v1/owner/fingerprints/:fingerprint`. */
export type FingerprintedDatasets = z.output<typeof fingerprintedDatasetsSchema>

/** Body of `PUT /v1/datasets/:id/key`: the owner-signed key escrow manifest (threshold backend). */
export const escrowKeyBodySchema = signedKeyEscrowSchema

/** Body of `PUT /v1/datasets/:id/key`: the owner-signed key escrow manifest. */
export type EscrowKeyBody = z.infer<typeof escrowKeyBodySchema>

/** Element types a custom algorithm may declare for its weights: floating point only. */
export const customTensorDtypes = ['F32', 'F64', 'F16', 'BF16'] as const

/** The outputs a custom algorithm declares for one job: the egress guard lets out exactly these. */
export const declaredOutputsSchema = z
  .object({
    tensors: z
      .array(
        z.object({
          name: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'tensor names are letters, digits, "_", "." and "-"'),
          dtype: z.enum(customTensorDtypes),
          shape: z.array(z.number().int().min(1).max(1_000_000_000)).min(1).max(8),
        }),
      )
      .min(1)
      .max(256),
    metrics: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'metric names are lower-case identifiers')).max(32).default([]),
  })
  .refine((outputs) => new Set(outputs.tensors.map((tensor) => tensor.name)).size === outputs.tensors.length, {
    message: 'tensor names must be unique',
  })
  .refine((outputs) => new Set(outputs.metrics).size === outputs.metrics.length, { message: 'metric names must be unique' })

/** What a custom algorithm declares it will output. */
export type DeclaredOutputs = z.input<typeof declaredOutputsSchema>

/** Runtimes a custom algorithm may use: Node 24 (one ES module) or the node's Python 3 (one script). */
export const algorithmRuntimes = ['node', 'python'] as const

/** Body of `POST /v1/algorithms`: a custom algorithm's program. */
export const uploadAlgorithmBodySchema = z.object({
  runtime: z.enum(algorithmRuntimes),
  /** The program, base64. */
  code: z.base64().max(Math.ceil((4 * 1024 * 1024 * 4) / 3)),
})

/** Deepest nesting of a job's parameters (objects and arrays); the built-in trainers use two. */
export const maxJobParamsDepth = 16

/** Whether `value` nests objects and arrays at most `limit` deep, checked without recursion. */
function nestsAtMost(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]]
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!
    if (item === null || typeof item !== 'object') continue
    if (depth > limit) return false
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, depth + 1])
  }
  return true
}

/** A job's parameters: a JSON object, nested at most {@link maxJobParamsDepth} deep. */
export const jobParamsSchema = z
  .record(z.string(), z.unknown())
  .refine((params) => nestsAtMost(params, maxJobParamsDepth), { message: `nested deeper than ${maxJobParamsDepth} levels` })

/** Body of `POST /v1/jobs`: a built-in `trainer`, or a custom `algorithm` by hash with its declared outputs. */
export const submitJobBodySchema = z
  .object({
    /** The dataset id (its datatoken address). */
    dataset: addressSchema,
    trainer: z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/), version: z.string().max(32).optional() }).optional(),
    algorithm: z.object({ hash: hashSchema, outputs: declaredOutputsSchema }).optional(),
    params: jobParamsSchema,
    /** The `startOrder` transaction that pays for this job. */
    orderTx: hashSchema,
    /** The compute environment to run in; the node's first that fits the program and the policy when absent. */
    environment: environmentNameSchema.optional(),
  })
  .refine((body) => (body.trainer === undefined) !== (body.algorithm === undefined), {
    message: 'name either a trainer or an algorithm',
    path: ['trainer'],
  })

/**
 * Body of `POST /v1/jobs/quote`: a job as `POST /v1/jobs` takes it, without the order (nothing is
 * paid yet). `buyer` is only read for a pool, whose governance may admit some buyers only.
 */
export const quoteJobBodySchema = z
  .object({
    dataset: addressSchema,
    trainer: z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/), version: z.string().max(32).optional() }).optional(),
    algorithm: z.object({ hash: hashSchema, outputs: declaredOutputsSchema }).optional(),
    params: jobParamsSchema,
    environment: environmentNameSchema.optional(),
    buyer: addressSchema.optional(),
  })
  .refine((body) => (body.trainer === undefined) !== (body.algorithm === undefined), {
    message: 'name either a trainer or an algorithm',
    path: ['trainer'],
  })

/** Body of `POST /v1/jobs/quote`. */
export type QuoteJobBody = z.input<typeof quoteJobBodySchema>

/** An amount of differential privacy: ε at δ. */
const privacyAmountSchema = z.object({ epsilon: z.number().min(0), delta: z.number().min(0) })

/**
 * The node's answer to `POST /v1/jobs/quote`: what submitting this job now would do, decided by the
 * same checks as `POST /v1/jobs` (policy, parameters, schema, privacy budget) except the order.
 * `refusal` is what submission would refuse with; `privacy` the (ε, δ) the job would spend and what
 * would be left of the budget (`remaining: null` without one; `privacy: null` for a job without DP).
 */
export const jobQuoteSchema = z.looseObject({
  dataset: addressSchema,
  accepted: z.boolean(),
  refusal: z.looseObject({ code: z.string(), message: z.string(), details: z.string().optional() }).optional(),
  trainer: z.looseObject({ id: z.string(), version: z.string() }).optional(),
  /** The parameters the job would run with: defaults filled in, a target ε turned into `dp.noiseMultiplier`. */
  params: z.record(z.string(), z.unknown()).optional(),
  environment: z.string().optional(),
  /** A custom algorithm would wait for the owner's approval first. */
  awaitingApproval: z.boolean().optional(),
  privacy: z
    .looseObject({
      epsilon: z.number().min(0),
      delta: z.number().min(0),
      targetEpsilon: z.number().optional(),
      noiseMultiplier: z.number().optional(),
      budget: privacyAmountSchema.nullable(),
      remaining: privacyAmountSchema.nullable(),
    })
    .nullable()
    .optional(),
})

/** The node's answer to `POST /v1/jobs/quote`. */
export type JobQuote = z.output<typeof jobQuoteSchema>

/** Body of `PUT /v1/owner/log-key`: the signer's owner log key, to which its jobs' program logs are sealed. */
export const registerOwnerLogKeyBodySchema = z.object({
  /** X25519 public key (0x + 64 lower-case hex), from `deriveOwnerLogKey`. */
  publicKey: z.string().regex(/^0x[0-9a-f]{64}$/),
})

/** Body of `PUT /v1/owner/log-key`. */
export type RegisterOwnerLogKeyBody = z.input<typeof registerOwnerLogKeyBodySchema>

/**
 * Answer of `GET /v1/jobs/:id/logs`: the program's log sealed to the owner's log key (base64 of
 * `sealOwnerLog`), `none` when the program wrote nothing, `discarded` when the owner had registered
 * no key when the job ended (the node keeps no plaintext log).
 */
export const ownerLogViewSchema = z.discriminatedUnion('kept', [
  z.object({ kept: z.literal('sealed'), sealed: z.base64() }),
  z.object({ kept: z.enum(['none', 'discarded']) }),
])

/** Answer of `GET /v1/jobs/:id/logs`. */
export type OwnerLogView = z.infer<typeof ownerLogViewSchema>

/** Body of `POST /v1/jobs/:id/deny`. */
export const denyJobBodySchema = z.object({ reason: z.string().min(1).max(500) })

/** Body of `POST /v1/jobs`. */
export type SubmitJobBody = z.input<typeof submitJobBodySchema>

/** States of a job, in order. `finished` and `failed` are final; `awaiting-approval` is where a custom algorithm waits for the owner. */
export const jobStates = ['awaiting-approval', 'queued', 'provisioning', 'running', 'checking', 'finished', 'failed'] as const

/** A job's state. */
export type JobState = (typeof jobStates)[number]

/** A dataset as the node lists it. */
export type DatasetView = {
  id: `0x${string}`
  cid: string
  datatoken: `0x${string}`
  owner: `0x${string}`
  name: string
  description: string
  schema: DatasetSchema
  policy: ComputePolicy
  keyEscrowed: boolean
  size: number
  createdAt: string
  /** When the owner revoked it: no new job runs on it and its key is gone from this node. */
  revokedAt?: string | undefined
  /** Set for a DAO pool: its DataPool contract. A job on it trains on every current member's dataset. */
  pool?: `0x${string}` | undefined
  /**
   * The key holders other than this node that hold shares of its key, with their registered URLs:
   * where the owner's custom-algorithm approvals must reach too.
   */
  keyHolders?: { address: `0x${string}`; url: string }[] | undefined
}

/** An output file of a finished job. */
export type JobResultFile = { name: string; sha256: `0x${string}`; bytes: number }

/** A job as the node reports it to its buyer. */
export type JobView = {
  id: string
  dataset: `0x${string}`
  buyer: `0x${string}`
  /** The program: a built-in trainer, or `custom` with the outputs the buyer declared for this job. */
  trainer: { id: string; version: string; hash: `0x${string}`; outputs?: DeclaredOutputs | undefined }
  /** The job's parameters (what the owner approves for a custom algorithm). */
  params: Record<string, unknown>
  /** The compute environment the job runs (or ran) in; absent for jobs from before environments. */
  environment?: string | undefined
  state: JobState
  /** Why a job failed: a stable code and a safe message. */
  failure?: { code: string; message: string } | undefined
  progress?: { epoch?: number; epochs?: number; loss?: number } | undefined
  metrics?: Record<string, number> | undefined
  result?: { files: JobResultFile[] } | undefined
  createdAt: string
  updatedAt: string
}

/** What `GET /v1/node` says about a node. */
export type NodeInfo = {
  version: string
  chainId: number
  /** The node's wallet: signs receipts and provider fees, and is the EIP-712 domain of requests. */
  address: `0x${string}`
  /** X25519 public key (hex) that data keys are sealed to. */
  encryptionPublicKey: `0x${string}`
  /** The built-in trainers, each with the runtime its program needs from an environment (`node` when absent). */
  trainers: { id: string; version: string; hash: `0x${string}`; runtime?: 'node' | 'python' | 'pytorch' | undefined }[]
  maxUploadBytes: number
  /** The contract addresses of the node's chain (Ocean's factory, exchange, dispenser, base token, ReceiptRegistry, KeyHolderRegistry). */
  addresses?: Record<string, unknown> | undefined
  /**
   * How this node wants data keys escrowed: the backend, and for `threshold` how many of which key
   * holders (their keys and URLs are read from the KeyHolderRegistry on chain, not from the node).
   */
  keyEscrow?: { backend: string; threshold: number; holders: `0x${string}`[] } | undefined
}

// Responses. What the node answers, checked by the SDK with these before it hands them on (and
// typed by the views above, so the two cannot drift apart). Objects are loose: a field a newer
// node adds passes through; a field this SDK relies on must be there and well formed.

/** A 0x-prefixed hex string, kept as the node wrote it (no case change). */
const hexSchema = z.custom<`0x${string}`>((value) => typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value), 'must be 0x-prefixed hex')

/** A dataset as the node lists it ({@link DatasetView}). */
export const datasetViewSchema: z.ZodType<DatasetView> = z.looseObject({
  id: hexSchema,
  cid: z.string(),
  datatoken: hexSchema,
  owner: hexSchema,
  name: z.string(),
  description: z.string(),
  schema: datasetSchemaSchema,
  // A pool lists no trainers of its own (its governance approves them on chain).
  policy: computePolicySchema.extend({ trainers: z.array(z.string()) }),
  keyEscrowed: z.boolean(),
  size: z.number(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
  pool: hexSchema.optional(),
  keyHolders: z.array(z.looseObject({ address: hexSchema, url: z.string() })).optional(),
})

/** A job as the node reports it ({@link JobView}). */
export const jobViewSchema: z.ZodType<JobView> = z.looseObject({
  id: z.string(),
  dataset: hexSchema,
  buyer: hexSchema,
  trainer: z.looseObject({ id: z.string(), version: z.string(), hash: hexSchema, outputs: declaredOutputsSchema.optional() }),
  params: z.record(z.string(), z.unknown()),
  environment: z.string().optional(),
  state: z.enum(jobStates),
  failure: z.looseObject({ code: z.string(), message: z.string() }).optional(),
  progress: z.looseObject({ epoch: z.number().optional(), epochs: z.number().optional(), loss: z.number().optional() }).optional(),
  metrics: z.record(z.string(), z.number()).optional(),
  result: z.looseObject({ files: z.array(z.looseObject({ name: z.string(), sha256: hexSchema, bytes: z.number() })) }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

/** What `GET /v1/node` answers ({@link NodeInfo}). */
export const nodeInfoSchema: z.ZodType<NodeInfo> = z.looseObject({
  version: z.string(),
  chainId: z.number().int(),
  address: hexSchema,
  encryptionPublicKey: hexSchema,
  trainers: z.array(z.looseObject({ id: z.string(), version: z.string(), hash: hexSchema, runtime: z.enum(environmentRuntimes).optional() })),
  maxUploadBytes: z.number(),
  addresses: z.record(z.string(), z.unknown()).optional(),
  keyEscrow: z.looseObject({ backend: z.string(), threshold: z.number().int(), holders: z.array(hexSchema) }).optional(),
})

/** A decimal string (a uint64 in JSON). */
const decimalSchema = z.string().regex(/^\d+$/, 'must be a decimal integer')

/** A signed job receipt as the node serves it (`SignedReceipt`; times and row counts as decimal strings). */
export const signedReceiptSchema = z.looseObject({
  chainId: z.number().int(),
  node: hexSchema,
  message: z.looseObject({
    jobId: z.string(),
    dataset: hexSchema,
    datasetCids: z.array(z.string()),
    datasetIds: z.array(hexSchema),
    datasetRows: z.array(decimalSchema),
    buyer: hexSchema,
    orderTx: hexSchema,
    trainerId: z.string(),
    trainerVersion: z.string(),
    trainerHash: hexSchema,
    paramsHash: hexSchema,
    outputsHash: hexSchema,
    epsilon: z.string(),
    delta: z.string(),
    acceptedAt: decimalSchema,
    startedAt: decimalSchema,
    finishedAt: decimalSchema,
  }),
  hash: hexSchema,
  signature: hexSchema,
})

/** Smallest chunk of an upload session, bytes (the last chunk may be shorter). */
export const minUploadChunkBytes = 64 * 1024
/** Largest chunk of an upload session, bytes: the node holds at most one chunk in memory per request. */
export const maxUploadChunkBytes = 16 * 1024 * 1024

/** Body of `POST /v1/upload-sessions`: the ciphertext's exact length and the chunk size it is sent in. */
export const createUploadSessionBodySchema = z
  .object({
    /** Total ciphertext bytes; the node refuses a session past its upload limit. */
    size: z.number().int().positive(),
    /** Bytes of every chunk but the last. */
    chunkBytes: z.number().int().min(minUploadChunkBytes).max(maxUploadChunkBytes),
    /**
     * A random reference the client picks (32 lower-case hex digits) so that opening is safe to
     * repeat: the same wallet opening again with the same reference gets the session it already has
     * (when the first answer was lost), not a second one.
     */
    clientRef: z.string().regex(/^[0-9a-f]{32}$/, '32 lower-case hex digits').optional(),
  })
  .strict()

/** Body of `POST /v1/upload-sessions/:id/complete`: the commitment the owner declares. */
export const completeUploadSessionBodySchema = z
  .object({
    /** SHA-256 (hex) of the chunks' SHA-256 digests concatenated in order: see `uploadCommitment`. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits'),
  })
  .strict()

/** An upload session as the node reports it. */
export type UploadSessionView = {
  id: string
  state: 'open' | 'completing' | 'complete'
  size: number
  chunkBytes: number
  /** Number of chunks: `ceil(size / chunkBytes)`. */
  chunks: number
  /** Indices of the chunks the node holds, verified. */
  received: number[]
  /** When the session expires unless a chunk arrives (ISO 8601). */
  expiresAt: string
  /** The stored ciphertext, once complete. */
  cid?: string | undefined
}

/** Answer of the upload-session routes. */
export const uploadSessionViewSchema: z.ZodType<UploadSessionView> = z.looseObject({
  id: z.string().regex(/^[0-9a-f]{32}$/),
  state: z.enum(['open', 'completing', 'complete']),
  size: z.number().int().positive(),
  chunkBytes: z.number().int().positive(),
  chunks: z.number().int().positive(),
  received: z.array(z.number().int().nonnegative()),
  expiresAt: z.string(),
  cid: cidSchema.optional(),
})
