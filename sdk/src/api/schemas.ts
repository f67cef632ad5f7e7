import { z } from 'zod'

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

/** One column of a CSV dataset. Category columns declare their values so outputs can be declared up front. */
export const datasetColumnSchema = z.discriminatedUnion('type', [
  z.object({ name: z.string().min(1).max(128), type: z.literal('number') }),
  z.object({
    name: z.string().min(1).max(128),
    type: z.literal('category'),
    values: z.array(z.string().min(1).max(128)).min(2).max(1000),
  }),
])

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

/** What the owner allows to run on a dataset. Default deny: only listed trainers run. */
export const computePolicySchema = z.object({
  /** Trainer ids allowed (`logistic-regression`), optionally pinned to a bundle hash (`logistic-regression@<sha256>`). */
  trainers: z.array(z.string().regex(/^[a-z0-9-]{1,64}(@[0-9a-f]{64})?$/)).min(1).max(64),
  maxEpochs: z.number().int().positive().max(10_000).default(200),
  maxWallTimeSeconds: z.number().int().positive().max(86_400).default(600),
  maxMemoryMb: z.number().int().min(128).max(65_536).default(1024),
  /** Raw download of the data is never allowed in this version. */
  rawDownload: z.literal(false).default(false),
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

/** Body of `PUT /v1/datasets/:id/key`: the data key sealed to the node's X25519 key. */
export const escrowKeyBodySchema = z.object({
  sealedKey: z.string().regex(/^0x([0-9a-fA-F]{2}){40,1024}$/, 'must be hex of a sealed key'),
})

/** Body of `PUT /v1/datasets/:id/key`. */
export type EscrowKeyBody = z.infer<typeof escrowKeyBodySchema>

/** Body of `POST /v1/jobs`. */
export const submitJobBodySchema = z.object({
  /** The dataset id (its datatoken address). */
  dataset: addressSchema,
  trainer: z.object({ id: z.string().regex(/^[a-z0-9-]{1,64}$/), version: z.string().max(32).optional() }),
  params: z.record(z.string(), z.unknown()),
  /** The `startOrder` transaction that pays for this job. */
  orderTx: hashSchema,
})

/** Body of `POST /v1/jobs`. */
export type SubmitJobBody = z.input<typeof submitJobBodySchema>

/** States of a job, in order. `finished` and `failed` are final. */
export const jobStates = ['queued', 'provisioning', 'running', 'checking', 'finished', 'failed'] as const

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
}

/** An output file of a finished job. */
export type JobResultFile = { name: string; sha256: `0x${string}`; bytes: number }

/** A job as the node reports it to its buyer. */
export type JobView = {
  id: string
  dataset: `0x${string}`
  buyer: `0x${string}`
  trainer: { id: string; version: string; hash: `0x${string}` }
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
  trainers: { id: string; version: string; hash: `0x${string}` }[]
  maxUploadBytes: number
}
