import { clipFactor, lossCoordinate } from '../common/dp-sgd.ts'
import { type MatrixPrecision, matrixColumnBlock, matrixKernel, matrixRowBlock } from '../common/matrix-kernel.ts'

/** One layer's place in the flat parameter vector: weight [outputs, inputs] row-major, then bias [outputs]. */
export type MlpLayerOffsets = { weight: number; bias: number; inputs: number; outputs: number }

/** How {@link mlpNetwork} computes. */
export type MlpNetworkOptions = {
  /** Element type of the matrix products: float32 (as PyTorch trains, the default) or float64. */
  precision?: MatrixPrecision | undefined
  /** Rows one pass holds (larger batches run in passes of this many); 256 by default. */
  passRows?: number | undefined
}

/**
 * The network over a flat parameter vector (hidden layers ReLU, the last softmax), computed a
 * batch of rows at a time: each layer's forward pass, its backpropagated error and its weight
 * gradient are matrix–matrix products (WebAssembly SIMD, {@link matrixKernel}). The bias and the
 * loss, softmax and ReLU stay in float64 JavaScript; the products are in `precision`.
 */
export type MlpNetwork = {
  offsets: MlpLayerOffsets[]
  /** Number of parameters. */
  size: number
  /**
   * Adds the cross-entropy gradient sum of rows `rows[start]` … `rows[end − 1]` of `x` (row-major,
   * `inputs` wide) with class indices `labels` into `into`; returns their loss sum.
   */
  addGradient(params: Float64Array, x: Float64Array, labels: ArrayLike<number>, rows: ArrayLike<number>, start: number, end: number, into: Float64Array): number
  /**
   * DP-SGD's per-row clipping, for a batch at once: adds Σ over `rows` of each row's own gradient
   * scaled by `clipFactor` of its squared norm over all parameters into `into`; returns the sum of
   * the rows' `lossCoordinate`s. A row's gradient of a dense layer is δ·aᵀ (and δ for the bias), so
   * its squared norm is |δ|²·(|a|² + 1) per layer: the per-row norms come without per-row gradients,
   * and the clipped sum is again one product per layer with each row's δ scaled.
   */
  addClippedGradients(params: Float64Array, x: Float64Array, labels: ArrayLike<number>, rows: readonly number[], maxGradNorm: number, lossBound: number, into: Float64Array): number
  /** Runs rows 0 … `count − 1` of `x`; calls `onRow(row, probabilities)` for each (the array is reused). */
  predict(params: Float64Array, x: Float64Array, count: number, onRow: (row: number, probabilities: Float64Array) => void): void
}

// Float32 rounding of a row's δ (scaled or not) can grow its gradient's norm by about 2⁻²⁴ relative
// (the products' own rounding likewise): under float32 a row is clipped to a hair under the bound,
// and a row already within a hair of it is clipped too, so every row stays within the bound.
const float32ClipMargin = 1 - 2 ** -20

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple

/**
 * Builds the network of `layers` (hidden layers ReLU, the last softmax). Inside, every width is
 * padded to a multiple of 8 and every pass to a multiple of 4 rows with zeros, which the products
 * need and which change no result.
 *
 * @example
 * const network = mlpNetwork([{ inputs: 7, outputs: 32 }, { inputs: 32, outputs: 2 }])
 * const loss = network.addGradient(params, x, labels, [0, 1, 2], 0, 3, gradient)
 */
export function mlpNetwork(layers: readonly { inputs: number; outputs: number }[], options: MlpNetworkOptions = {}): MlpNetwork {
  const precision = options.precision ?? 'f32'
  const passRows = roundUp(options.passRows ?? 256, matrixRowBlock)
  let size = 0
  const offsets = layers.map(({ inputs, outputs }) => {
    const weight = size
    const bias = weight + inputs * outputs
    size = bias + outputs
    return { weight, bias, inputs, outputs }
  })
  const last = offsets.length - 1
  const classes = offsets[last]!.outputs

  // The kernel memory: per layer W [outP, inP], Wᵀ [inP, outP], the weight gradient G [outP, inP],
  // its output A (pre-activation, then ReLU) [passRows, outP] and its error D [passRows, outP];
  // and the input rows X [passRows, inP₀]. Padding of W, Wᵀ and X is never written (zero); that
  // of A and D is rewritten with zeros before each pass.
  let next = 0
  const place = (count: number) => {
    const at = next
    next += count
    return at
  }
  const inputWidth = roundUp(offsets[0]!.inputs, matrixColumnBlock)
  const input = place(passRows * inputWidth)
  const padded = offsets.map(({ inputs, outputs }) => {
    const inP = roundUp(inputs, matrixColumnBlock)
    const outP = roundUp(outputs, matrixColumnBlock)
    // Also the bias as a row [1, outP] and its gradient [outP, 8] (8 equal columns: D_lᵀ · ones).
    return { inP, outP, w: place(outP * inP), wt: place(inP * outP), g: place(outP * inP), a: place(passRows * outP), d: place(passRows * outP), bias: place(outP), biasG: place(outP * 8) }
  })
  // Ones [passRows, 8]: a product with it sums rows (the bias gradient) or repeats a row (the bias).
  const ones = place(passRows * 8)
  const kernel = matrixKernel(precision)
  kernel.reserve(next)
  const memory = kernel.elements
  memory.fill(1, ones, ones + passRows * 8)
  const probabilities = new Float64Array(classes)
  const rowScale = new Float64Array(passRows)
  // Where layer l reads its input: X for the first, the previous layer's output after.
  const below = (l: number) => (l === 0 ? { at: input, width: inputWidth } : { at: padded[l - 1]!.a, width: padded[l - 1]!.outP })

  const loadParams = (params: Float64Array) => {
    offsets.forEach(({ weight, bias, inputs, outputs }, l) => {
      const { inP, outP, w, wt, g } = padded[l]!
      for (let o = 0; o < outputs; o++) for (let j = 0; j < inputs; j++) memory[w + o * inP + j] = params[weight + o * inputs + j]!
      // Wᵀ a band of 8 rows of W at a time: each write then fills a run of 8 in one cache line.
      for (let band = 0; band < outputs; band += 8) {
        const bandEnd = Math.min(band + 8, outputs)
        for (let j = 0; j < inputs; j++) for (let o = band; o < bandEnd; o++) memory[wt + j * outP + o] = memory[w + o * inP + j]!
      }
      memory.fill(0, g, g + outP * inP)
      memory.set(params.subarray(bias, bias + outputs), padded[l]!.bias)
      memory.fill(0, padded[l]!.biasG, padded[l]!.biasG + outP * 8)
    })
  }

  // Forward pass of `count` rows (`rowAt(b)` is row b's index in x); the pass is `rows` (count
  // rounded up to 4) rows, the extra ones zero. Leaves the logits in the last layer's A.
  const forward = (x: Float64Array, rowAt: (b: number) => number, count: number, rows: number) => {
    const d = offsets[0]!.inputs
    for (let b = 0; b < count; b++) {
      const from = rowAt(b) * d
      for (let j = 0; j < d; j++) memory[input + b * inputWidth + j] = x[from + j]!
    }
    memory.fill(0, input + count * inputWidth, input + rows * inputWidth)
    offsets.forEach(({ inputs }, l) => {
      const { outP, wt, a, bias } = padded[l]!
      const from = below(l)
      // A = ones · bias + A_{l−1} · Wᵀ. Every column, padding included, is rewritten: a non-finite
      // row leaves NaN there (∞ · 0), which must not outlive its pass.
      memory.fill(0, a, a + rows * outP)
      kernel.product(a, outP, ones, 8, 1, bias, outP, rows, outP, 1)
      kernel.product(a, outP, from.at, from.width, 1, wt, outP, rows, outP, inputs)
      if (l < last) kernel.relu(a, rows * outP)
    })
  }

  // Softmax of pass row b's logits into `probabilities`.
  const softmax = (b: number) => {
    const logits = padded[last]!.a + b * padded[last]!.outP
    let max = -Infinity
    for (let c = 0; c < classes; c++) if (memory[logits + c]! > max) max = memory[logits + c]!
    let sum = 0
    for (let c = 0; c < classes; c++) {
      probabilities[c] = Math.exp(memory[logits + c]! - max)
      sum += probabilities[c]!
    }
    for (let c = 0; c < classes; c++) probabilities[c]! /= sum
  }

  // The output error of each row (p − onehot) and its loss; then the errors of every layer below.
  const backward = (labels: ArrayLike<number>, rowAt: (b: number) => number, count: number, rows: number, losses: Float64Array) => {
    const top = padded[last]!
    for (let b = 0; b < count; b++) {
      softmax(b)
      const label = labels[rowAt(b)]!
      losses[b] = -Math.log(Math.max(probabilities[label]!, 1e-15))
      for (let c = 0; c < classes; c++) memory[top.d + b * top.outP + c] = probabilities[c]! - (c === label ? 1 : 0)
    }
    memory.fill(0, top.d + count * top.outP, top.d + rows * top.outP)
    for (let l = last; l > 0; l--) {
      const { inP, outP, w, d } = padded[l]!
      const { a: activation, d: error } = padded[l - 1]!
      // D_{l−1} = D_l · W_l, then through the ReLU of layer l − 1.
      memory.fill(0, error, error + rows * inP)
      kernel.product(error, inP, d, outP, 1, w, inP, rows, inP, offsets[l]!.outputs)
      kernel.reluMask(error, activation, rows * inP)
    }
  }

  // G_l += D_lᵀ · A_{l−1} over the pass; the bias gradient, D_l's column sums, is D_lᵀ · ones.
  const accumulate = (rows: number) => {
    offsets.forEach((_, l) => {
      const { inP, outP, g, d, biasG } = padded[l]!
      const from = below(l)
      kernel.product(g, inP, d, 1, outP, from.at, from.width, outP, inP, rows)
      kernel.product(biasG, 8, d, 1, outP, ones, 8, outP, 8, rows)
    })
  }

  const addInto = (into: Float64Array) => {
    offsets.forEach(({ weight, bias, inputs, outputs }, l) => {
      const { inP, g, biasG } = padded[l]!
      for (let o = 0; o < outputs; o++) for (let j = 0; j < inputs; j++) into[weight + o * inputs + j]! += memory[g + o * inP + j]!
      for (let o = 0; o < outputs; o++) into[bias + o]! += memory[biasG + o * 8]!
    })
  }

  const losses = new Float64Array(passRows)

  return {
    offsets,
    size,
    addGradient(params, x, labels, order, start, end, into) {
      loadParams(params)
      let total = 0
      for (let from = start; from < end; from += passRows) {
        const count = Math.min(passRows, end - from)
        const rows = roundUp(count, matrixRowBlock)
        const rowAt = (b: number) => order[from + b]!
        forward(x, rowAt, count, rows)
        backward(labels, rowAt, count, rows, losses)
        for (let b = 0; b < count; b++) total += losses[b]!
        accumulate(rows)
      }
      addInto(into)
      return total
    },
    addClippedGradients(params, x, labels, batch, maxGradNorm, lossBound, into) {
      loadParams(params)
      let total = 0
      for (let from = 0; from < batch.length; from += passRows) {
        const count = Math.min(passRows, batch.length - from)
        const rows = roundUp(count, matrixRowBlock)
        const rowAt = (b: number) => batch[from + b]!
        forward(x, rowAt, count, rows)
        backward(labels, rowAt, count, rows, losses)
        // Each row's squared gradient norm over all layers: Σ_l |δ_l|² (|a_{l−1}|² + 1).
        rowScale.fill(0)
        offsets.forEach(({ outputs }, l) => {
          const { outP, d } = padded[l]!
          const from = below(l)
          for (let b = 0; b < count; b++) {
            let errors = 0
            for (let o = 0; o < outputs; o++) errors += memory[d + b * outP + o]! ** 2
            let activations = 1
            for (let j = 0; j < from.width; j++) activations += memory[from.at + b * from.width + j]! ** 2
            rowScale[b]! += errors * activations
          }
        })
        for (let b = 0; b < count; b++) {
          // Under float32 the norm is measured as if 2⁻²⁰ larger: a row is scaled to at most the margin's share of the bound.
          const factor = clipFactor(precision === 'f32' ? rowScale[b]! / float32ClipMargin ** 2 : rowScale[b]!, maxGradNorm)
          const scale = factor
          total += lossCoordinate(losses[b]!, maxGradNorm, lossBound)
          offsets.forEach((_, l) => {
            const { outP, d } = padded[l]!
            const from = below(l)
            if (factor === 0) {
              // A row that contributes nothing: zero, not scaled (0 · ∞ is NaN), in its errors and its inputs.
              memory.fill(0, d + b * outP, d + (b + 1) * outP)
              memory.fill(0, from.at + b * from.width, from.at + (b + 1) * from.width)
            } else if (scale !== 1) for (let o = d + b * outP; o < d + (b + 1) * outP; o++) memory[o]! *= scale
          })
        }
        accumulate(rows)
      }
      addInto(into)
      return total
    },
    predict(params, x, count, onRow) {
      loadParams(params)
      for (let from = 0; from < count; from += passRows) {
        const passCount = Math.min(passRows, count - from)
        forward(x, (b) => from + b, passCount, roundUp(passCount, matrixRowBlock))
        for (let b = 0; b < passCount; b++) {
          softmax(b)
          onRow(from + b, probabilities)
        }
      }
    },
  }
}
