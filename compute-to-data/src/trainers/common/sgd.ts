import { poissonSample, privateGradientSum } from './dp-sgd.ts'
import { matrixKernel } from './matrix-kernel.ts'
import type { Objective } from './objective.ts'
import type { RandomSource } from './random.ts'

/** Options every built-in trainer's `train…` function takes. */
export type TrainerRunOptions = {
  onEpoch?: ((epoch: number, loss: number) => void) | undefined
  /** Randomness of DP-SGD's sampling and noise; the OS CSPRNG unless a test fixes it. */
  privateRandom?: RandomSource | undefined
}

/** DP-SGD settings of a run, from the SDK's `DifferentialPrivacyPlan`. */
export type SgdPrivacy = { noiseMultiplier: number; maxGradNorm: number; sampleRate: number; expectedBatchSize: number; stepsPerEpoch: number }

/** How {@link trainSgd} trains. */
export type SgdOptions = {
  rows: number
  epochs: number
  /** Rows per mini-batch (without DP). */
  batchSize: number
  learningRate: number
  /** L2 penalty on the parameters the objective marks as decaying. */
  l2: number
  /** Plain SGD, or Adam (β₁ 0.9, β₂ 0.999, ε 1e-8) with L2 added to the gradient. */
  optimizer: 'sgd' | 'adam'
  /** Seeded uniform [0, 1) for the shuffling order of a run without DP. */
  shuffle: () => number
  /** Train with DP-SGD: Poisson batches, per-row clipping, Gaussian noise, all drawn from `privateRandom`. */
  privacy?: SgdPrivacy | undefined
  /** Required with `privacy`: the CSPRNG in production, a seeded source in tests. */
  privateRandom?: RandomSource | undefined
  /**
   * Called after each epoch with its loss: without DP the mean over batches of the batch's mean
   * loss plus the L2 term; with DP the mean over steps of the noisy clipped-loss estimate plus
   * the L2 term (it may be negative: it is noise around the truth, not a loss on the data).
   */
  onEpoch?: ((epoch: number, loss: number) => void) | undefined
}

/**
 * Trains `params` in place by mini-batch gradient descent on `objective`. Without DP, each epoch
 * shuffles the rows (seeded) and steps once per batch, averaging over the batch's rows. With DP,
 * each epoch takes `stepsPerEpoch` steps, each on a Poisson sample of the rows, with the clipped,
 * noised gradient sum divided by the expected batch size. Returns the number of steps taken.
 */
export function trainSgd(objective: Objective, params: Float64Array, options: SgdOptions): { steps: number } {
  const { optimizer } = options
  if (optimizer !== 'adam') return descend(objective, params, new Float64Array(objective.size), undefined, options)
  // Adam steps in WebAssembly, two parameters at a time (the same float64 arithmetic as the loop
  // it replaces): parameters, gradient sum and moments live in the kernel's memory while training.
  const size = objective.size
  const padded = size + (size % 2)
  const kernel = matrixKernel('f64')
  kernel.reserve(5 * padded)
  const view = (slot: number) => (kernel.elements as Float64Array).subarray(slot * padded, slot * padded + size)
  const [working, sum, decayL2] = [view(0), view(1), view(4)]
  working.set(params)
  for (let i = 0; i < size; i++) decayL2[i] = objective.decay[i] ? options.l2 : 0
  const adam: AdamKernel = { t: 0, step: (inverse, stepSize) => kernel.adamStep(0, padded, 2 * padded, 3 * padded, 4 * padded, padded, inverse, stepSize) }
  const result = descend(objective, working, sum, adam, options)
  params.set(working)
  return result
}

// Adam's step count and its step over the kernel memory's parameters, gradient sum and moments.
type AdamKernel = { t: number; step(inverse: number, stepSize: number): void }

function descend(objective: Objective, params: Float64Array, sum: Float64Array, adam: AdamKernel | undefined, options: SgdOptions): { steps: number } {
  const { rows: n, epochs, batchSize, learningRate, l2, privacy, onEpoch } = options
  const size = objective.size
  const decay = objective.decay
  let steps = 0

  const penalty = () => {
    if (l2 === 0) return 0
    let total = 0
    for (let i = 0; i < size; i++) if (decay[i]) total += params[i]! * params[i]!
    return (l2 / 2) * total
  }
  // One update with gradient sum[i] / divisor (+ L2 where it applies).
  const update = (divisor: number) => {
    steps++
    if (adam === undefined) {
      for (let i = 0; i < size; i++) {
        if (decay[i]) params[i]! -= learningRate * (sum[i]! / divisor + l2 * params[i]!)
        else params[i]! -= learningRate * (sum[i]! / divisor)
      }
      return
    }
    adam.t++
    const stepSize = (learningRate * Math.sqrt(1 - 0.999 ** adam.t)) / (1 - 0.9 ** adam.t)
    // g = sum / divisor as sum · (1 / divisor): one division per parameter, not two.
    adam.step(1 / divisor, stepSize)
  }

  if (privacy !== undefined) {
    const random = options.privateRandom
    if (random === undefined) throw new Error('DP-SGD needs a private random source')
    const scratch = new Float64Array(size)
    const batch: number[] = []
    for (let epoch = 1; epoch <= epochs; epoch++) {
      let epochLoss = 0
      for (let step = 0; step < privacy.stepsPerEpoch; step++) {
        poissonSample(n, privacy.sampleRate, random, batch)
        const noisyLoss = privateGradientSum(objective, params, batch, privacy, random, sum, scratch)
        epochLoss += noisyLoss / privacy.expectedBatchSize + penalty()
        update(privacy.expectedBatchSize)
      }
      onEpoch?.(epoch, epochLoss / privacy.stepsPerEpoch)
    }
    return { steps }
  }

  const order = Uint32Array.from({ length: n }, (_, i) => i)
  for (let epoch = 1; epoch <= epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(options.shuffle() * (i + 1))
      const t = order[i]!
      order[i] = order[j]!
      order[j] = t
    }
    let epochLoss = 0
    let batches = 0
    for (let start = 0; start < n; start += batchSize) {
      const end = Math.min(start + batchSize, n)
      sum.fill(0)
      let batchLoss = 0
      if (objective.addBatchGradient !== undefined) batchLoss = objective.addBatchGradient(params, order, start, end, sum)
      else for (let b = start; b < end; b++) batchLoss += objective.addGradient(params, order[b]!, sum)
      const count = end - start
      epochLoss += batchLoss / count + penalty()
      batches++
      update(count)
    }
    onEpoch?.(epoch, epochLoss / batches)
  }
  return { steps }
}
