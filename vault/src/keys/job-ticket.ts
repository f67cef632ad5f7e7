import { randomBytes } from 'node:crypto'
import type { Job } from '@datavault/compute-to-data'
import type { JobTicket } from '@datavault/sdk'
import { type Address, type Hex, bytesToHex, zeroAddress } from 'viem'

/** What a ticket is made of: the holder asked, the job, the terms it binds and the key its answer is sealed to. */
export type JobTicketForParameters = {
  holder: Address
  dataset: string
  /** The DataPool the job was ordered through; absent for a dataset's own order. */
  pool?: Address | undefined
  job: Pick<Job, 'id' | 'orderTx' | 'buyer'> & { trainer: Pick<Job['trainer'], 'id' | 'hash'> }
  termsHash: Hex
  /** The public key the holder seals its answer to. */
  jobKey: Hex
  /** Unix seconds. */
  expiry: bigint
}

/**
 * A ticket asking one key holder to release its part for a job (its share of a data key, or an HE
 * result's decryption), with a fresh random nonce: one per request, so a holder's replay check
 * refuses a ticket seen before. The node signs it (EIP-712, `jobTicketTypes`).
 */
export function jobTicketFor({ holder, dataset, pool, job, termsHash, jobKey, expiry }: JobTicketForParameters): JobTicket {
  return {
    holder,
    dataset: dataset as Address,
    pool: pool ?? zeroAddress,
    jobId: job.id,
    orderTx: job.orderTx as Hex,
    buyer: job.buyer as Address,
    trainerId: job.trainer.id,
    trainerHash: `0x${job.trainer.hash.replace(/^0x/, '')}` as Hex,
    termsHash,
    jobKey,
    expiry,
    nonce: bytesToHex(randomBytes(16)),
  }
}
