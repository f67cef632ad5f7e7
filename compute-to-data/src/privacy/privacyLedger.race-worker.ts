// A writer for privacyLedger.test.ts's races, on its own thread: for each race it is sent, it
// opens its own connection to the ledger's database file, waits for the other writers at a
// barrier, then reserves as fast as it can.
import { DatabaseSync } from 'node:sqlite'
import { parentPort } from 'node:worker_threads'
import { privacyLedger } from './privacyLedger.ts'

/** One race, as the test sends it to each worker. */
export type RaceTask = {
  file: string
  datasetId: string
  /** The job ids this worker tries to reserve, in order. */
  jobIds: string[]
  epsilon: number
  delta: number
  /** Int32Array over a SharedArrayBuffer: 0 until the race starts. */
  start: SharedArrayBuffer
}

/** What a worker reports: `ready` once at the barrier, then its result. */
export type RaceMessage =
  | { type: 'ready' }
  | {
      type: 'result'
      reserved: string[]
      refused: number
      /** Highest spent + reserved ε this worker saw right after one of its reservations. */
      highestSeen: number
      errors: string[]
    }

parentPort!.on('message', ({ file, datasetId, jobIds, epsilon, delta, start }: RaceTask) => {
  const db = new DatabaseSync(file, { timeout: 60_000 })
  const ledger = privacyLedger({ db })
  const result = { type: 'result' as const, reserved: [] as string[], refused: 0, highestSeen: 0, errors: [] as string[] }
  parentPort!.postMessage({ type: 'ready' } satisfies RaceMessage)
  Atomics.wait(new Int32Array(start), 0, 0)
  for (const jobId of jobIds) {
    try {
      ledger.reserve({ datasetId, jobId, epsilon, delta })
      result.reserved.push(jobId)
      const { spent, reserved } = ledger.usage(datasetId)
      result.highestSeen = Math.max(result.highestSeen, spent.epsilon + reserved.epsilon)
    } catch (error) {
      if ((error as { code?: string }).code === 'PRIVACY_BUDGET_EXCEEDED') result.refused++
      else result.errors.push(String(error))
    }
  }
  db.close()
  parentPort!.postMessage(result satisfies RaceMessage)
})
