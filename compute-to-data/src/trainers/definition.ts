import type { DatasetSchema, SafetensorsDtype } from '@datavault/sdk'

/** A tensor a trainer declares it will write. */
export type TrainerOutputTensor = { name: string; dtype: SafetensorsDtype; shape: number[] }

/** A file a trainer declares it will write into `/out`. */
export type TrainerOutputFile =
  | {
      name: string
      kind: 'safetensors'
      /** Exactly these tensors, with these dtypes and shapes. */
      tensors: TrainerOutputTensor[]
      /** The only `__metadata__` keys allowed. */
      metadataKeys: string[]
      /** Exact values of metadata keys, where the node can know them before the run. */
      metadataValues?: Record<string, string>
    }
  | {
      name: string
      kind: 'metrics'
      /** The only metric names allowed (a flat JSON object of finite numbers). */
      names: string[]
    }

/** Everything a trainer may write; the egress guard lets out exactly this, nothing else. */
export type TrainerOutputDeclaration = { files: TrainerOutputFile[] }

/** The slice of a zod schema the engine uses to validate a trainer's parameters. */
export type TrainerParametersSchema = {
  parse(value: unknown): unknown
  safeParse(value: unknown): { success: boolean }
}

/**
 * The DP-SGD a run will do, known before it starts so the node can reserve privacy budget: ε
 * follows from these by the accountant (sampled Gaussian mechanism, `steps` compositions).
 */
export type TrainerPrivacy = {
  /** q: each row joins each step's batch independently with this probability (Poisson sampling). */
  sampleRate: number
  /** σ: Gaussian noise standard deviation over the clipping norm. */
  noiseMultiplier: number
  /** Number of noisy steps the run takes. */
  steps: number
  /** δ of the (ε, δ) guarantee. */
  delta: number
}

/**
 * What a trainer's program runs on: `node` (a TypeScript entry bundled into one ES module),
 * `python` (one Python file, standard library only) or `pytorch` (one Python file that imports
 * torch). An environment of runtime `pytorch` runs `python` programs too.
 */
export type TrainerRuntime = 'node' | 'python' | 'pytorch'

/**
 * A trusted trainer: its identity, its parameters, what it will output for a dataset, and its
 * program: a TypeScript entry point that `buildTrainerBundle` bundles into the one file the
 * sandbox runs, or (runtime `python` / `pytorch`) one Python file that runs as it is.
 */
export type TrainerDefinition = {
  id: string
  version: string
  description: string
  /** Zod schema of the parameters; `parse` fills defaults. */
  parameters: TrainerParametersSchema
  /**
   * The outputs a run will produce on a dataset with `schema`, from the schema and parameters
   * alone (never from the data). Throws `TrainerParametersError` when they do not fit.
   */
  outputs(schema: DatasetSchema, params: unknown): TrainerOutputDeclaration
  /**
   * The DP-SGD the run will do on a dataset with `schema`, or `undefined` when the job does not ask
   * for differential privacy. Throws `TrainerParametersError` when the parameters do not fit (e.g.
   * DP on a schema without declared `rows` or bounds). Trainers without DP support omit it.
   */
  privacy?(schema: DatasetSchema, params: unknown): TrainerPrivacy | undefined
  /**
   * Absolute path of the entry: a TypeScript module bundled for Node, or for a Python runtime the
   * `.py` file itself, whose exact bytes are the bundle.
   */
  entry: string
  /** What the program needs to run; default `node`. */
  runtime?: TrainerRuntime | undefined
  /**
   * The most bytes the run's outputs can need, from the schema and parameters alone: the engine
   * gives the run that much room in /out (and the egress guard that much), below the policy's and
   * the node's limits. Custom programs set it from their declared tensors; absent, the limits apply.
   */
  maxOutputBytes?(schema: DatasetSchema, params: unknown): number
  /**
   * `false`: the run's metrics are checked like any output but not released to the buyer (a
   * custom program's metrics are numbers of its own choosing). Default `true`.
   */
  releasesMetrics?: boolean | undefined
  /**
   * Set on homomorphic trainers (`he-stats`, `he-ridge`): the engine computes encrypted sums and
   * products of `columns` on an HE dataset's ciphertexts (worker threads, no sandbox: no plaintext
   * or secret key is there), has the key holders release them noised, and `finish` turns the
   * released aggregates into the declared outputs. `entry` is then the bundle of `finish`'s code.
   */
  homomorphic?: HomomorphicTrainer | undefined
}

/** Aggregates released for a homomorphic job: n, each column's sum, Σ x_i x_j over the upper triangle. */
export type HomomorphicAggregates = { rows: number; sums: Float64Array; products: Float64Array }

/** What a homomorphic trainer needs computed, and how it turns the released aggregates into outputs. */
export type HomomorphicTrainer = {
  /** The encrypted columns whose sums and pairwise products the job needs, in order. */
  columns(schema: DatasetSchema, params: unknown): string[]
  /** The outputs, exactly as `outputs` declares them: F32 tensors, metadata and metrics. */
  finish(
    aggregates: HomomorphicAggregates,
    params: unknown,
    schema: DatasetSchema,
  ): { tensors: Record<string, { shape: number[]; data: Float32Array }>; metadata: Record<string, string>; metrics: Record<string, number> }
}
