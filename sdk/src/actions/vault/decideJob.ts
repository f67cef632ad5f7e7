import type { JobView } from '../../api/schemas.ts'
import type { VaultClient } from '../../api/transport.ts'
import { approvalTermsHash } from '../../api/receipt.ts'
import { getJob } from './getJob.ts'
import { sendHolderApprovals } from './holderApprovals.ts'
import type { LocalAccount } from 'viem'
import { jobViewSchema, type OwnerLogView, ownerLogViewSchema } from '../../api/schemas.ts'
import { OwnerLogKeyMismatchError } from '../../ownerlog/errors.ts'
import { deriveOwnerLogKey } from '../../ownerlog/deriveOwnerLogKey.ts'
import { openOwnerLog } from '../../ownerlog/openOwnerLog.ts'
import { registerOwnerLogKey } from './registerOwnerLogKey.ts'
import { readResponse } from '../../api/response.ts'

export type ApproveJobParameters = { id: string }
export type DenyJobParameters = { id: string; reason: string }
export type DecideJobReturnType = JobView
export type DecideJobErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The dataset's owner approves the custom algorithm of a job waiting for approval: that exact
 * program, with the same declared outputs and parameters, may then run on this dataset (this job
 * and later ones), and the job is queued. Where the dataset's key is split across key holders, the
 * approval goes to each of them first (signed by the owner), since each checks it by itself.
 *
 * @example
 * await approveJob(owner, { id: job.id })
 */
export async function approveJob(client: VaultClient, { id }: ApproveJobParameters): Promise<DecideJobReturnType> {
  const job = await getJob(client, { id })
  // The program's log will be sealed to the owner's log key as the job ends: make sure the node has it.
  if (job.trainer.id === 'custom') await registerOwnerLogKey(client)
  if (job.state === 'awaiting-approval' && job.trainer.id === 'custom')
    await sendHolderApprovals(client, {
      dataset: job.dataset,
      hash: job.trainer.hash,
      terms: approvalTermsHash({ outputs: job.trainer.outputs, params: job.params }),
      approved: true,
    })
  const response = await client.request({ method: 'POST', path: `/v1/jobs/${encodeURIComponent(id)}/approve`, doing: 'approving a job', signed: true })
  return await readResponse(response, jobViewSchema, 'approving a job')
}

/**
 * The dataset's owner denies a job's custom algorithm, with a reason the buyer sees; the job
 * fails as `denied` and the buyer's order is released for another job.
 *
 * @example
 * await denyJob(owner, { id: job.id, reason: 'writes more outputs than it needs' })
 */
export async function denyJob(client: VaultClient, { id, reason }: DenyJobParameters): Promise<DecideJobReturnType> {
  const response = await client.request({
    method: 'POST',
    path: `/v1/jobs/${encodeURIComponent(id)}/deny`,
    doing: 'denying a job',
    json: { reason },
    signed: true,
  })
  return await readResponse(response, jobViewSchema, 'denying a job')
}

export type GetJobLogsParameters = { id: string }
export type GetJobLogsReturnType = {
  /** The program's stderr tail, opened on this machine; empty when none was kept. */
  log: string
  /**
   * `sealed`: the node kept the log sealed to this wallet's owner log key, and it was opened here;
   * `none`: the program wrote nothing; `discarded`: the job ended before the owner registered a
   * log key, so the node kept nothing (it never stores a log open).
   */
  kept: OwnerLogView['kept']
}
export type GetJobLogsErrorType = import('../../api/response.ts').VaultRequestErrorType | OwnerLogKeyMismatchError

/**
 * The dataset's owner reads a job's program log (its stderr tail). The node holds it only sealed
 * to the owner's log key; it is opened here with the key derived from the wallet's signature.
 * Buyers never can read it: a program's log may echo the data.
 *
 * @example
 * const { log } = await getJobLogs(owner, { id: job.id })
 */
export async function getJobLogs(client: VaultClient, { id }: GetJobLogsParameters): Promise<GetJobLogsReturnType> {
  const response = await client.request({ method: 'GET', path: `/v1/jobs/${encodeURIComponent(id)}/logs`, doing: 'reading a job log', signed: true })
  const view = await readResponse(response, ownerLogViewSchema, 'reading a job log')
  if (view.kept !== 'sealed') return { log: '', kept: view.kept }
  const { privateKey } = await deriveOwnerLogKey(client.account as LocalAccount)
  try {
    return { log: openOwnerLog(privateKey, base64ToBytes(view.sealed), { jobId: id }), kept: 'sealed' }
  } catch {
    throw new OwnerLogKeyMismatchError()
  } finally {
    privateKey.fill(0)
  }
}

/** Bytes of standard base64 (browser-safe). */
function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export type ApproveAlgorithmParameters = {
  /** A job waiting in `awaiting-approval` on one of your datasets. */
  job: string
}
export type ApproveAlgorithmReturnType = {
  /** The job, now queued. */
  job: JobView
  /**
   * What was approved, on this dataset, for this job and later ones: this exact program, with
   * these declared outputs and these parameters (another output or parameter waits again).
   */
  algorithm: { hash: `0x${string}`; dataset: `0x${string}`; outputs: import('../../api/schemas.ts').DeclaredOutputs | undefined; params: Record<string, unknown> }
}
export type ApproveAlgorithmErrorType = import('../../api/response.ts').VaultRequestErrorType

/**
 * The dataset's owner approves the custom algorithm a job is waiting on. Same request as
 * {@link approveJob} (the node records an approval of the program's exact hash, declared outputs
 * and parameters for the dataset, so later jobs with the same terms run without waiting; read the
 * program first with `getAlgorithm`); this form says what was approved.
 *
 * @example
 * const { algorithm } = await approveAlgorithm(owner, { job: job.id })
 * console.log(`approved ${algorithm.hash} on ${algorithm.dataset}`)
 */
export async function approveAlgorithm(client: VaultClient, { job }: ApproveAlgorithmParameters): Promise<ApproveAlgorithmReturnType> {
  const approved = await approveJob(client, { id: job })
  return { job: approved, algorithm: { hash: approved.trainer.hash, dataset: approved.dataset, outputs: approved.trainer.outputs, params: approved.params } }
}
