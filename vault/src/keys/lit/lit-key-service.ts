import { createHash, timingSafeEqual } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type { LocalAccount } from 'viem'
import { z } from 'zod'
import { oneDatatoken } from '@datavault/contracts'
import type { Chain } from '../../chain/chain.ts'
import type { Logger } from '../../logger.ts'
import type { AlgorithmStore } from '../../db/algorithms.ts'
import type { Database } from '../../db/database.ts'
import { type KeyService, KeyReleaseError, policyAllowsTrainer } from '../key-service.ts'
import { type DatatokenAccessConditions, datatokenAccessConditions, litChainName } from './conditions.ts'
import {
  type CreateLitClient,
  type LitClient,
  type LitNetwork,
  classifyLitFailure,
  createLitNodeClient,
  litSessionKey,
  litUnreachable,
  safeLitCause,
  summarizeLitFailure,
  withDeadline,
} from './lit-client.ts'

/**
 * The Lit backend's table; the vault appends this list to its own migrations. One escrow per
 * dataset: Lit's ciphertext of the data key and the conditions it was encrypted under.
 */
export const litKeyEscrowMigrations: readonly string[] = [
  `CREATE TABLE lit_key_escrows (
     dataset_id TEXT PRIMARY KEY REFERENCES datasets(id),
     ciphertext TEXT NOT NULL,          -- Lit's BLS ciphertext of the data key (base64); opens only through Lit's network
     data_hash TEXT NOT NULL,           -- Lit's dataToEncryptHash: SHA-256 of the data key, hex
     conditions_json TEXT NOT NULL,     -- the unified access control conditions it was encrypted under
     chain TEXT NOT NULL,               -- Lit's name of the chain the conditions read
     created_at TEXT NOT NULL
   )`,
]

/**
 * What the owner's client sends to escrow a data key with Lit ({@link encryptDataKeyWithLit}
 * makes it): Lit's ciphertext, the hash Lit names it by, and the conditions and chain it was
 * encrypted under.
 */
export const litEscrowSchema = z.strictObject({
  ciphertext: z
    .string()
    .min(16)
    .max(8192)
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64'),
  dataToEncryptHash: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits (SHA-256)'),
  unifiedAccessControlConditions: z.array(z.unknown()).min(1).max(16),
  chain: z.string().min(1).max(64),
})

/** The escrow payload of the Lit backend. */
export type LitEscrow = z.infer<typeof litEscrowSchema>

/** How the Lit key backend is set up (from the node's configuration). */
export type LitKeyServiceInit = {
  /** The chain of the datatokens (EVM chain id); must be one Lit reads ({@link litChains}). */
  chainId: number
  /** Which Lit network holds the key shares. */
  network: LitNetwork
  /** Least datatoken balance the conditions ask of the node, wei; one datatoken by default. */
  minimumBalance?: bigint | undefined
  /** How long connecting to Lit may take before a key request fails `LIT_UNREACHABLE`; 20 s by default. */
  connectTimeoutMs?: number | undefined
  /** How long signing in and decrypting may take, once connected; 60 s by default. */
  requestTimeoutMs?: number | undefined
  /** Lifetime of the session signatures made for one key request; 5 minutes by default. */
  sessionTtlSeconds?: number | undefined
  /**
   * A Capacity Credits delegation (an AuthSig from the credits' owner naming the node's wallet),
   * which `datil` and `datil-test` ask for; `datil-dev` is free.
   */
  capacityDelegationAuthSig?: { sig: string; derivedVia: string; signedMessage: string; address: string; algo?: string } | undefined
  /** Makes the Lit client; by default loads `@lit-protocol/lit-node-client` on the first key request. */
  createClient?: CreateLitClient | undefined
}

/** What the Lit key backend uses of the node. */
export type LitKeyServiceComponents = {
  db: Database
  /** The node's wallet signs in to Lit (SIWE + ReCap); the conditions name it. */
  identity: { account: Pick<LocalAccount, 'address' | 'signMessage'> }
  chain: Pick<Chain, 'verifyOrder'>
  logger: Logger
  approvals: Pick<AlgorithmStore, 'isApproved'>
}

/** A Lit key service; `disconnect` stops the Lit client's background work (at node stop). */
export type LitKeyService = KeyService & { disconnect(): Promise<void> }

type EscrowRow = { ciphertext: string; data_hash: string; conditions_json: string; chain: string }

const decryptionAbility = 'access-control-condition-decryption'

/** Lit's helpers for session signatures and condition hashing, loaded with the backend, not before. */
const loadLitHelpers = async () => {
  const [{ createSiweMessageWithRecaps, LitAccessControlConditionResource, RecapSessionCapabilityObject }, { hashUnifiedAccessControlConditions }] =
    await Promise.all([import('@lit-protocol/auth-helpers'), import('@lit-protocol/access-control-conditions')])
  return { createSiweMessageWithRecaps, LitAccessControlConditionResource, RecapSessionCapabilityObject, hashUnifiedAccessControlConditions }
}

/**
 * The Lit resource a decryption of this escrow needs: `<sha256 of the canonical conditions>/<data hash>`,
 * hashed as Lit's client and nodes hash unified conditions.
 */
export async function litResourceId(conditions: DatatokenAccessConditions, dataToEncryptHash: string): Promise<string> {
  const { hashUnifiedAccessControlConditions } = await loadLitHelpers()
  const hash = Buffer.from(await hashUnifiedAccessControlConditions(conditions)).toString('hex')
  return `${hash}/${dataToEncryptHash}`
}

/**
 * The Lit Protocol key backend. A dataset's data key is encrypted by its owner to Lit's network
 * under conditions only this node meets while it holds the dataset's datatoken
 * ({@link datatokenAccessConditions}); the node keeps Lit's ciphertext and, for a job whose order
 * it has verified on chain itself, asks Lit's nodes to decrypt it with session signatures from its
 * own wallet. Needs a reachable Lit network (none can be reached from these machines); conditions
 * are fixed when the key is encrypted, so rotating means encrypting again. See
 * `docs/key-backends.md#lit-protocol`.
 *
 * @example
 * const keys = litKeyService({ chainId: 137, network: 'datil' })({ db, identity, chain, logger, approvals })
 */
export function litKeyService({
  chainId,
  network,
  minimumBalance = oneDatatoken,
  connectTimeoutMs = 20_000,
  requestTimeoutMs = 60_000,
  sessionTtlSeconds = 300,
  capacityDelegationAuthSig,
  createClient = createLitNodeClient,
}: LitKeyServiceInit) {
  // An unsupported chain fails when the node starts, not at the first escrow.
  const chainName = litChainName(chainId)
  return ({ db, identity, chain, logger, approvals }: LitKeyServiceComponents): LitKeyService => {
    const log = logger.child({ component: 'vault:keys:lit' })
    const node = identity.account.address
    const expectedConditions = (datatoken: string) => datatokenAccessConditions({ datatoken, chainId, node, minimum: minimumBalance })

    let connecting: Promise<LitClient> | undefined
    const connected = (signal?: AbortSignal) => {
      connecting ??= (async () => {
        let client: LitClient
        try {
          client = await createClient({ network, connectTimeoutMs })
        } catch (error) {
          connecting = undefined
          log.error({ failure: summarizeLitFailure(error) }, 'could not load the Lit client')
          throw new KeyReleaseError('The Lit client could not be loaded on this node.', { code: 'LIT_CLIENT_UNAVAILABLE', status: 500, cause: safeLitCause(error) })
        }
        try {
          await withDeadline(client.connect(), { ms: connectTimeoutMs, onTimeout: () => litUnreachable(network) })
          log.info({ network }, 'connected to Lit')
          return client
        } catch (error) {
          connecting = undefined
          // The connection failed already (reported below); disconnecting is best effort.
          void client.disconnect().catch(() => {})
          const failure = error instanceof KeyReleaseError ? error : litUnreachable(network, error)
          log.warn({ network, failure: summarizeLitFailure(error) }, 'could not connect to Lit')
          throw failure
        }
      })()
      // Loading the client is not timed (it is local); connecting is, inside.
      return withDeadline(connecting, { signal })
    }

    const litFailure = (error: unknown, doing: string) => {
      if (error instanceof KeyReleaseError) return error
      const cause = safeLitCause(error)
      switch (classifyLitFailure(error)) {
        case 'condition-not-met':
          return new KeyReleaseError('Lit\'s nodes refused the data key: this node does not meet the dataset\'s conditions (it must hold the datatoken).', {
            code: 'LIT_CONDITION_NOT_MET',
            status: 403,
            cause,
          })
        case 'unreachable':
          return litUnreachable(network, error)
        default:
          return new KeyReleaseError(`Lit's network failed while ${doing}.`, { code: 'LIT_REQUEST_FAILED', status: 502, cause })
      }
    }

    const decrypt = async (row: EscrowRow, conditions: DatatokenAccessConditions, signal?: AbortSignal) => {
      const client = await connected(signal)
      const helpers = await loadLitHelpers()
      const resource = new helpers.LitAccessControlConditionResource(await litResourceId(conditions, row.data_hash))
      const resourceAbilityRequests = [{ resource, ability: decryptionAbility } as const]
      let sessionSigs: Awaited<ReturnType<LitClient['getSessionSigs']>>
      try {
        sessionSigs = await withDeadline(
          client.getSessionSigs({
            chain: row.chain,
            expiration: new Date(Date.now() + sessionTtlSeconds * 1000).toISOString(),
            resourceAbilityRequests,
            sessionKey: litSessionKey(),
            ...(capacityDelegationAuthSig ? { capabilityAuthSigs: [capacityDelegationAuthSig] } : {}),
            // The node's wallet signs a SIWE message whose ReCap grants this session key the
            // decryption of this one resource, until `expiration`: our resources, whatever the
            // client passes, and only for a Lit session key.
            authNeededCallback: async ({ uri, expiration, nonce }) => {
              if (!uri?.startsWith('lit:session:') || !expiration) throw new Error('Lit asked for a wallet signature without a session key URI or an expiration.')
              const toSign = await helpers.createSiweMessageWithRecaps({
                uri,
                expiration,
                nonce,
                resources: resourceAbilityRequests,
                walletAddress: node,
                statement: 'datavault compute node: decrypt a dataset key for a paid job.',
                // Lit's capability object, without its wildcards (as its client builds it).
                litNodeClient: { generateSessionCapabilityObjectWithWildcards: async () => new helpers.RecapSessionCapabilityObject({}, []) },
              })
              return { sig: await identity.account.signMessage({ message: toSign }), derivedVia: 'web3.eth.personal.sign', signedMessage: toSign, address: node }
            },
          }),
          { ms: requestTimeoutMs, signal, onTimeout: () => litUnreachable(network) },
        )
      } catch (error) {
        throw litFailure(error, 'signing in')
      }
      let decrypted: Uint8Array
      try {
        ;({ decryptedData: decrypted } = await withDeadline(
          client.decrypt({ unifiedAccessControlConditions: conditions, ciphertext: row.ciphertext, dataToEncryptHash: row.data_hash, chain: row.chain, sessionSigs }),
          { ms: requestTimeoutMs, signal, onTimeout: () => litUnreachable(network) },
        ))
      } catch (error) {
        throw litFailure(error, 'decrypting the data key')
      }
      const key = new Uint8Array(decrypted)
      decrypted.fill(0)
      const digest = createHash('sha256').update(key).digest()
      if (key.byteLength !== 32 || !timingSafeEqual(digest, Buffer.from(row.data_hash, 'hex'))) {
        key.fill(0)
        throw new KeyReleaseError('Lit returned something other than the escrowed data key.', { code: 'LIT_REQUEST_FAILED', status: 502 })
      }
      return key
    }

    return {
      backend: 'lit',

      async escrow({ dataset, escrow }) {
        if (dataset.revokedAt) throw new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
        const parsed = litEscrowSchema.safeParse(escrow)
        if (!parsed.success)
          throw new KeyReleaseError(`The Lit escrow is malformed: ${z.prettifyError(parsed.error).replace(/\n+/g, '; ')}`, { code: 'LIT_ESCROW_INVALID', status: 400 })
        const { ciphertext, dataToEncryptHash, unifiedAccessControlConditions, chain: litChain } = parsed.data
        const conditions = expectedConditions(dataset.datatoken)
        if (litChain !== chainName)
          throw new KeyReleaseError(`The Lit escrow names chain "${litChain.slice(0, 64)}"; this node's datatokens are on ${chainName}.`, {
            code: 'LIT_ESCROW_INVALID',
            status: 400,
          })
        // Lit decrypts for whoever meets the conditions the key was encrypted under, so only the
        // exact conditions this node would build for this datatoken are taken.
        if (!isDeepStrictEqual(unifiedAccessControlConditions, conditions))
          throw new KeyReleaseError(
            `The Lit escrow's conditions are not this dataset's: they must require ${minimumBalance} wei of datatoken ${conditions[0].contractAddress} held by this node (${node}) on ${chainName}.`,
            { code: 'LIT_ESCROW_INVALID', status: 400 },
          )
        db.prepare(
          `INSERT INTO lit_key_escrows (dataset_id, ciphertext, data_hash, conditions_json, chain, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(dataset_id) DO UPDATE SET ciphertext = excluded.ciphertext, data_hash = excluded.data_hash,
             conditions_json = excluded.conditions_json, chain = excluded.chain, created_at = excluded.created_at`,
        ).run(dataset.id, ciphertext, dataToEncryptHash, JSON.stringify(conditions), chainName, new Date().toISOString())
        log.info({ dataset: dataset.id }, 'data key escrowed with Lit')
      },

      async revoke({ dataset }) {
        db.prepare('DELETE FROM lit_key_escrows WHERE dataset_id = ?').run(dataset.id)
        log.info({ dataset: dataset.id }, 'Lit ciphertext deleted (dataset revoked)')
      },

      hasKey(datasetId) {
        return db.prepare('SELECT 1 FROM lit_key_escrows WHERE dataset_id = ?').get(datasetId.toLowerCase()) !== undefined
      },

      async requestKey({ job, dataset, pool, signal }) {
        // Lit's conditions are fixed per dataset at encryption; a pool's governance cannot reach them.
        if (pool) throw new KeyReleaseError('The Lit key backend cannot release keys for pool jobs; use the threshold backend.', { code: 'LIT_POOL_UNSUPPORTED', status: 409 })
        if (job.datasetId.toLowerCase() !== dataset.id) throw new KeyReleaseError('The job is for another dataset.', { code: 'KEY_DATASET_MISMATCH' })
        if (dataset.revokedAt) throw new KeyReleaseError('The dataset was revoked by its owner.', { code: 'DATASET_REVOKED', status: 410 })
        if (!policyAllowsTrainer(dataset, job.trainer, approvals, job.params))
          throw new KeyReleaseError('The dataset\'s policy does not allow this trainer.', { code: 'KEY_POLICY_DENIED' })
        const row = db.prepare('SELECT ciphertext, data_hash, conditions_json, chain FROM lit_key_escrows WHERE dataset_id = ?').get(dataset.id) as
          | EscrowRow
          | undefined
        if (!row) throw new KeyReleaseError('The dataset\'s owner has not escrowed its data key.', { code: 'KEY_NOT_ESCROWED', status: 409 })
        // Lit's conditions name this node, not the buyer: the buyer's right is the order, checked
        // here on chain exactly as the embedded backend does.
        await chain.verifyOrder({ txHash: job.orderTx, datatoken: dataset.datatoken, consumer: job.buyer })
        signal?.throwIfAborted()
        const conditions = JSON.parse(row.conditions_json) as DatatokenAccessConditions
        try {
          const key = await decrypt(row, conditions, signal)
          log.info({ dataset: dataset.id, jobId: job.id }, 'data key released to job (Lit)')
          return key
        } catch (error) {
          // The engine gave up on the job: its reason, not a Lit failure.
          if (signal?.aborted && error === signal.reason) throw error
          const failure = error instanceof KeyReleaseError ? error : litFailure(error, 'releasing the data key')
          log.warn({ dataset: dataset.id, jobId: job.id, code: failure.code }, 'Lit did not release the data key')
          throw failure
        }
      },

      async disconnect() {
        const pending = connecting
        connecting = undefined
        // A connection that failed has nothing to disconnect (its failure went to whoever asked for it).
        const client = await pending?.catch(() => undefined)
        await client?.disconnect().catch(() => {})
      },
    }
  }
}
