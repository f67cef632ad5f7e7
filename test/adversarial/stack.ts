// The real local stack for the adversarial suite: the shared test stack, with the node's logger
// writing into memory (every line is searched for the data) and several jobs at once.
import type { TrainerDefinition } from '@datavault/compute-to-data'
import { createLogger } from '@datavault/vault'
import { startTestStack } from '../fixtures/stack.ts'

/** Starts a stack whose node logs every line (debug and up) into `logs`. */
export async function startAdversarialStack({ trainers, concurrency }: { trainers: TrainerDefinition[]; concurrency: number }) {
  const logs: string[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void logs.push(line) } })
  // One buyer submits every hostile program: the per-wallet job limits (16 waiting, 120 an hour) would refuse it long before the suite ends.
  const t = await startTestStack({ trainers, nodeConfig: { concurrency, maxWaitingJobsPerWallet: 1000, maxJobsPerWalletPerHour: 10_000 }, logger })
  type Party = ReturnType<typeof t.party>
  type Publish = Parameters<typeof t.publish>[0]
  return {
    ...t,
    logs,
    /** Publishes as `owner` (several owners take part). */
    publish: (owner: Party, params: Omit<Publish, 'as'>) => t.publish({ ...params, as: owner }),
    buyOrders: (buyer: Party, dataset: Parameters<typeof t.buyOrders>[0], count: number) => t.buyOrders(dataset, count, buyer),
  }
}

/** A started adversarial stack. */
export type AdversarialStack = Awaited<ReturnType<typeof startAdversarialStack>>
