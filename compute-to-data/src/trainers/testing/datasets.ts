// Deterministic synthetic datasets for the trainers' tests (test support, not shipped in a bundle).

/** A seeded uniform (0, 1) and standard normal source (LCG; fine for test data, never for DP). */
export function testRandom(seed: number) {
  let state = seed >>> 0
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) + 0.5) / 2 ** 32
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())
  return { uniform, normal }
}

/** A generated classification dataset: the CSV (header + rows) and the same rows as arrays. */
export type ClassificationData = { csv: string; features: number[][]; labels: string[] }
/** A generated regression dataset. */
export type RegressionData = { csv: string; features: number[][]; targets: number[] }

function toCsv(names: string[], features: number[][], labels: (string | number)[]): string {
  let csv = `${names.join(',')},label\n`
  features.forEach((x, i) => (csv += `${x.join(',')},${labels[i]}\n`))
  return csv
}

/** `classes` Gaussian blobs (unit variance) on a circle of radius 3 in `f1`, `f2`, plus `f3 = k`, `f4 = -k` noise-shifted. Linearly separable-ish. */
export function blobs(rows: number, classes: string[], seed: number): ClassificationData {
  const { uniform, normal } = testRandom(seed)
  const centers = classes.map((_, k) => [Math.cos((2 * Math.PI * k) / classes.length) * 3, Math.sin((2 * Math.PI * k) / classes.length) * 3, k, -k])
  const features: number[][] = []
  const labels: string[] = []
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(uniform() * classes.length)
    features.push(centers[k]!.map((c) => c + normal()))
    labels.push(classes[k]!)
  }
  return { csv: toCsv(['f1', 'f2', 'f3', 'f4'], features, labels), features, labels }
}

/** XOR: `f1`, `f2` uniform in [-1, 1]; label `same` when their signs agree, else `diff`. No linear model beats ~50%. */
export function xor(rows: number, seed: number): ClassificationData {
  const { uniform } = testRandom(seed)
  const features: number[][] = []
  const labels: string[] = []
  for (let i = 0; i < rows; i++) {
    const x = [uniform() * 2 - 1, uniform() * 2 - 1]
    features.push(x)
    labels.push(x[0]! * x[1]! > 0 ? 'same' : 'diff')
  }
  return { csv: toCsv(['f1', 'f2'], features, labels), features, labels }
}

/** Two concentric rings in `f1`, `f2`: `inner` at radius ~1, `outer` at radius ~2.5 (noise 0.25). */
export function rings(rows: number, seed: number): ClassificationData {
  const { uniform, normal } = testRandom(seed)
  const features: number[][] = []
  const labels: string[] = []
  for (let i = 0; i < rows; i++) {
    const outer = uniform() < 0.5
    const radius = (outer ? 2.5 : 1) + 0.25 * normal()
    const angle = 2 * Math.PI * uniform()
    features.push([radius * Math.cos(angle), radius * Math.sin(angle)])
    labels.push(outer ? 'outer' : 'inner')
  }
  return { csv: toCsv(['f1', 'f2'], features, labels), features, labels }
}

/** y = 3·f1 − 2·f2 + 0.5·f3 + 10 + N(0, noise²), features N(0, 1) (f2 scaled by 5, f3 offset by 100). */
export function linear(rows: number, seed: number, noise = 0.5): RegressionData {
  const { normal } = testRandom(seed)
  const features: number[][] = []
  const targets: number[] = []
  for (let i = 0; i < rows; i++) {
    const x = [normal(), 5 * normal(), 100 + normal()]
    features.push(x)
    targets.push(3 * x[0]! - 2 * x[1]! + 0.5 * (x[2]! - 100) + 10 + noise * normal())
  }
  return { csv: toCsv(['f1', 'f2', 'f3'], features, targets), features, targets }
}
