import { DataVaultError, type DataVaultErrorKind } from '../errors/base.ts'

/** The vault node serves another chain than the client was given. */
export class ChainMismatchError extends DataVaultError {
  override name = 'ChainMismatchError'
  constructor({ node, client }: { node: number; client: number }) {
    super(`The vault node works on chain ${node}, but the client was given chain ${client}.`, {
      code: 'CHAIN_MISMATCH',
      status: 400,
      kind: 'input',
      details: 'Pass the chain the node is on (its GET /v1/node says which).',
    })
  }
}

/** Publishing needs this chain's Ocean contract addresses, and neither the client nor the node has them. */
export class AddressesRequiredError extends DataVaultError {
  override name = 'AddressesRequiredError'
  constructor(doing: string) {
    super(`This chain's Ocean contract addresses are needed for ${doing}; pass \`addresses\` to createDataVaultClient.`, {
      code: 'OCEAN_ADDRESSES_REQUIRED',
      status: 400,
      kind: 'input',
    })
  }
}

/** A dataset cannot be ordered yet: its owner has not escrowed its key, or its policy does not allow the trainer. */
export class DatasetNotReadyError extends DataVaultError {
  override name = 'DatasetNotReadyError'
  constructor(shortMessage: string, { code }: { code: 'DATASET_KEY_NOT_ESCROWED' | 'POLICY_TRAINER_DENIED' }) {
    super(shortMessage, { code, status: 409, kind: 'refused' })
  }
}

/** Which step of `publishDataset` failed. */
export type PublishDatasetStep = 'upload' | 'datatoken' | 'register' | 'escrow' | 'price'

/** What a failed `publishDataset` had done; pass it back as `resume` to finish. */
export type PublishDatasetState = {
  /** The ciphertext's CID, once uploaded. */
  cid?: string | undefined
  /** The data NFT and datatoken, once created (not for sale: a price is set only as the last step). */
  nft?: `0x${string}` | undefined
  datatoken?: `0x${string}` | undefined
  /** Whether the node registered the dataset. */
  registered?: boolean | undefined
  /** Whether the data key was escrowed with the node. */
  keyEscrowed?: boolean | undefined
}

/**
 * `publishDataset` stopped at `step`. Nothing was put up for sale: the price is set last, so no
 * buyer can pay for a dataset that is not ready. `state` says what exists (a datatoken with no
 * exchange, a registration without a key); `cause` is the step's own error (its `code` is in
 * `details`). Call `publishDataset` again with `resume: error.state` to finish without a second
 * datatoken.
 */
export class PublishDatasetError extends DataVaultError {
  override name = 'PublishDatasetError'
  readonly step: PublishDatasetStep
  readonly state: PublishDatasetState

  constructor({ step, state, cause }: { step: PublishDatasetStep; state: PublishDatasetState; cause: unknown }) {
    const inner = cause as { code?: unknown; shortMessage?: unknown; message?: unknown } | undefined
    const what = typeof inner?.shortMessage === 'string' ? inner.shortMessage : typeof inner?.message === 'string' ? inner.message : undefined
    super(`Publishing the dataset stopped at the ${step} step; nothing was put up for sale.`, {
      code: 'PUBLISH_DATASET_INCOMPLETE',
      status: typeof (cause as { status?: unknown })?.status === 'number' ? (cause as { status: number }).status : 500,
      details: [typeof inner?.code === 'string' ? `${inner.code}: ${what ?? ''}` : what, state.datatoken ? `datatoken ${state.datatoken} exists, unpriced` : undefined]
        .filter(Boolean)
        .join('; '),
      cause,
      // A step failed: its cause says what kind of failure.
      kind: (cause as { kind?: DataVaultErrorKind } | undefined)?.kind ?? 'failure',
    })
    this.step = step
    this.state = state
  }
}

/** `publishDataset` was called with parameters it cannot use (e.g. resuming after the key escrow without the key). */
export class PublishDatasetArgumentError extends DataVaultError {
  override name = 'PublishDatasetArgumentError'
  constructor(shortMessage: string) {
    super(shortMessage, { code: 'PUBLISH_DATASET_INVALID_ARGUMENT', status: 400, kind: 'input' })
  }
}
