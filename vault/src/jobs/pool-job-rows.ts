// A pool member's owner lists the pool jobs that read their dataset, with the rows each read: the
// signed receipt of a finished pool job says which datasets and how many rows.
import type { Job } from '@datavault/compute-to-data'
import { type SignedReceipt, signedReceiptSchema } from '@datavault/sdk'
import type { DatasetStore } from '../db/datasets.ts'

/**
 * The receipt a job holds, checked against the receipt's wire schema (the job store keeps it as
 * JSON); `undefined` for a job without one.
 *
 * @example
 * const receipt = jobReceipt(job)
 * if (receipt) anchorer.enqueue(job.id, receipt)
 */
export function jobReceipt(job: Pick<Job, 'receipt'> | undefined): SignedReceipt | undefined {
  if (job?.receipt === undefined || job.receipt === null) return undefined
  return signedReceiptSchema.parse(job.receipt) as SignedReceipt
}

/**
 * Records, for a finished job on a pool, the rows it read from each member dataset (from its
 * receipt). Any other job is left alone.
 *
 * @example
 * engine.onChange(poolJobRows({ datasets }))
 */
export function poolJobRows({ datasets }: { datasets: Pick<DatasetStore, 'get' | 'recordPoolJob'> }): (job: Job) => void {
  return (job) => {
    if (job.state !== 'finished' || !datasets.get(job.datasetId)?.pool) return
    const receipt = jobReceipt(job)
    if (!receipt) return
    const { datasetIds, datasetRows } = receipt.message
    datasets.recordPoolJob(
      job.id,
      datasetIds.map((id, index) => ({ id, rows: Number(datasetRows[index] ?? 0) })),
    )
  }
}
