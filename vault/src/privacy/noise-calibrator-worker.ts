// The noise calibrator's thread: solves for σ (noiseMultiplierFor, up to seconds of CPU) so that
// the node's event loop keeps answering while it does. It sees only public numbers (ε, δ, the
// sampling rate and the steps), never a dataset, a key or a request.
import { parentPort } from 'node:worker_threads'
import { noiseMultiplierFor } from '@datavault/compute-to-data'
import type { CalibratorRequest, CalibratorResponse } from './noise-calibrator.ts'

const port = parentPort!
port.on('message', ({ id, args }: CalibratorRequest) => {
  let answer: CalibratorResponse
  try {
    answer = { id, ok: true, noiseMultiplier: noiseMultiplierFor(args) }
  } catch (error) {
    const details = (error as { details?: unknown }).details
    answer = {
      id,
      ok: false,
      name: error instanceof Error ? error.name : 'Error',
      details: typeof details === 'string' ? details : error instanceof Error ? error.message : 'the solve failed',
    }
  }
  port.postMessage(answer)
})
// Ready: the accountant is loaded.
port.postMessage({ id: 0, ok: true, noiseMultiplier: 0 } satisfies CalibratorResponse)
