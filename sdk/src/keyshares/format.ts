// The threshold key escrow's signed formats (EIP-712) and commitments. FORMAT.md explains them.
import { sha256 } from '@noble/hashes/sha2.js'
import { z } from 'zod'
import { type Address, type Hex, bytesToHex, concatBytes, hexToBytes, stringToBytes } from 'viem'

/** Most key holders one dataset's key may be split across. */
export const maxKeyHolders = 16

/** How long a job ticket may stay valid, in seconds. */
export const maxJobTicketLifetimeSeconds = 300

/**
 * The EIP-712 domain of key escrow manifests and job tickets on one chain. The KeyHolderRegistry's
 * address is the verifying contract, so a signature made for one deployment is useless elsewhere.
 */
export function keyEscrowDomain({ chainId, registry }: { chainId: number; registry: Address }) {
  return { name: 'datavault-key-escrow', version: '1', chainId, verifyingContract: registry } as const
}

/** EIP-712 types of the owner-signed manifest of a dataset's key escrow. */
export const keyEscrowTypes = {
  KeyEscrow: [
    { name: 'dataset', type: 'address' },
    { name: 'cid', type: 'string' },
    { name: 'threshold', type: 'uint8' },
    { name: 'holders', type: 'address[]' },
    { name: 'shareCommitments', type: 'bytes32[]' },
    { name: 'keyCommitment', type: 'bytes32' },
    { name: 'computeNodes', type: 'address[]' },
    { name: 'trainers', type: 'string[]' },
    { name: 'issuedAt', type: 'uint64' },
  ],
} as const

/**
 * What a dataset's owner signs when escrowing its data key: which ciphertext, how many of which
 * holders are needed, a commitment to each holder's share (so a wrong share is caught, never
 * combined) and to the key itself, which compute nodes may ask for it, and which trainers may run
 * (the policy the holders check by themselves). Holder `i` holds share `i`.
 */
export type KeyEscrowManifest = {
  dataset: Address
  cid: string
  threshold: number
  holders: Address[]
  shareCommitments: Hex[]
  keyCommitment: Hex
  computeNodes: Address[]
  trainers: string[]
  /** Unix seconds; a newer manifest replaces an older one (rotation). */
  issuedAt: bigint
}

/** EIP-712 types of a compute node's request for one holder's share for one job. */
export const jobTicketTypes = {
  JobTicket: [
    { name: 'holder', type: 'address' },
    { name: 'dataset', type: 'address' },
    { name: 'pool', type: 'address' },
    { name: 'jobId', type: 'string' },
    { name: 'orderTx', type: 'bytes32' },
    { name: 'buyer', type: 'address' },
    { name: 'trainerId', type: 'string' },
    { name: 'trainerHash', type: 'bytes32' },
    { name: 'termsHash', type: 'bytes32' },
    { name: 'jobKey', type: 'bytes32' },
    { name: 'expiry', type: 'uint64' },
    { name: 'nonce', type: 'bytes16' },
  ],
} as const

/**
 * A compute node's signed request to one key holder: release your share of `dataset`'s key for
 * this job, sealed to `jobKey` (the job's X25519 public key). `termsHash` names the approval terms
 * of a custom algorithm (zero for built-in trainers).
 */
export type JobTicket = {
  holder: Address
  dataset: Address
  /**
   * The DataPool the job was ordered through (its datatoken, not `dataset`'s, carries the order),
   * or the zero address. The holder then checks the pool's membership and governance on chain
   * instead of the owner's own policy: joining the pool was the owner's consent to them.
   */
  pool: Address
  jobId: string
  orderTx: Hex
  buyer: Address
  trainerId: string
  trainerHash: Hex
  termsHash: Hex
  jobKey: Hex
  expiry: bigint
  nonce: Hex
}

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'an address').transform((value) => value.toLowerCase() as Address)
const bytes32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes as hex').transform((value) => value.toLowerCase() as Hex)
const signature = z.string().regex(/^0x[0-9a-fA-F]{130}$/, 'a 65-byte signature').transform((value) => value.toLowerCase() as Hex)
const uint64 = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]).transform((value) => BigInt(value))

/** A manifest as JSON (bigints as decimal strings), checked for internal consistency. */
export const keyEscrowManifestSchema = z
  .object({
    dataset: address,
    cid: z.string().min(1).max(200),
    threshold: z.number().int().min(1).max(maxKeyHolders),
    holders: z.array(address).min(1).max(maxKeyHolders),
    shareCommitments: z.array(bytes32).min(1).max(maxKeyHolders),
    keyCommitment: bytes32,
    computeNodes: z.array(address).min(1).max(16),
    trainers: z.array(z.string().min(1).max(200)).min(1).max(64),
    issuedAt: uint64,
  })
  .superRefine((manifest, ctx) => {
    if (manifest.threshold > manifest.holders.length) ctx.addIssue({ code: 'custom', message: 'the threshold exceeds the number of holders', path: ['threshold'] })
    if (manifest.shareCommitments.length !== manifest.holders.length)
      ctx.addIssue({ code: 'custom', message: 'one share commitment per holder is needed', path: ['shareCommitments'] })
    if (new Set(manifest.holders).size !== manifest.holders.length) ctx.addIssue({ code: 'custom', message: 'a holder is listed twice', path: ['holders'] })
  })

/** A signed manifest as sent to holders and the node. */
export const signedKeyEscrowSchema = z.object({ manifest: keyEscrowManifestSchema, signature })

/** A job ticket as JSON. */
export const jobTicketSchema = z.object({
  holder: address,
  dataset: address,
  pool: address,
  jobId: z.string().min(1).max(100),
  orderTx: bytes32,
  buyer: address,
  trainerId: z.string().min(1).max(100),
  trainerHash: bytes32,
  termsHash: bytes32,
  jobKey: bytes32,
  expiry: uint64,
  nonce: z.string().regex(/^0x[0-9a-fA-F]{32}$/, '16 bytes as hex').transform((value) => value.toLowerCase() as Hex),
})

/** A signed job ticket as sent to a holder. */
export const signedJobTicketSchema = z.object({ ticket: jobTicketSchema, signature })

/** JSON form of a manifest (bigints as strings). */
export function manifestToJson(manifest: KeyEscrowManifest) {
  return { ...manifest, issuedAt: manifest.issuedAt.toString() }
}

/** JSON form of a ticket (bigints as strings). */
export function ticketToJson(ticket: JobTicket) {
  return { ...ticket, expiry: ticket.expiry.toString() }
}

const shareCommitmentTag = stringToBytes('datavault/key-share-commitment/v1')
const keyCommitmentTag = stringToBytes('datavault/data-key-commitment/v1')

/** SHA-256 commitment to holder `index`'s share of `dataset`'s key (shares are high-entropy, so it hides them). */
export function shareCommitment({ dataset, index, share }: { dataset: Address; index: number; share: Uint8Array }): Hex {
  return bytesToHex(sha256(concatBytes([shareCommitmentTag, hexToBytes(dataset.toLowerCase() as Hex), Uint8Array.of(index), share])))
}

/** SHA-256 commitment to `dataset`'s 32-byte data key. */
export function keyCommitment({ dataset, key }: { dataset: Address; key: Uint8Array }): Hex {
  return bytesToHex(sha256(concatBytes([keyCommitmentTag, hexToBytes(dataset.toLowerCase() as Hex), key])))
}

/** Sealing context of a share escrowed with `holder` (so a box for one holder or dataset opens nowhere else). */
export function keyShareContext({ chainId, dataset, holder }: { chainId: number; dataset: Address; holder: Address }): string {
  return `datavault/key-share/v1:${chainId}:${dataset.toLowerCase()}:${holder.toLowerCase()}`
}

/** Sealing context of a share a holder releases to one job key. */
export function releasedShareContext({ chainId, dataset, holder, jobId }: { chainId: number; dataset: Address; holder: Address; jobId: string }): string {
  return `datavault/released-share/v1:${chainId}:${dataset.toLowerCase()}:${holder.toLowerCase()}:${jobId}`
}
