/**
 * A synthetic but realistic health dataset for the demo and tests: adults' vitals and habits,
 * with a cardiovascular-risk label drawn from a logistic model plus noise. No real person's
 * data; deterministic for a given seed.
 */

/** Columns of the generated CSV, in order; `risk` is the label. */
export const healthColumns = ['age', 'bmi', 'systolic_bp', 'cholesterol', 'glucose', 'smoker', 'exercise_hours', 'risk'] as const

/** Label values: binary (`low`/`high`) or three classes (`low`/`medium`/`high`). */
export type HealthLabels = 'binary' | 'three-class'

/** A small, fast, seedable PRNG (mulberry32). */
function prng(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Plausible bounds of each number column, declared by the owner (differentially private training scales by them). */
export const healthBounds: Record<string, { min: number; max: number }> = {
  age: { min: 18, max: 90 },
  bmi: { min: 12, max: 60 },
  systolic_bp: { min: 70, max: 230 },
  cholesterol: { min: 80, max: 380 },
  glucose: { min: 40, max: 260 },
  smoker: { min: 0, max: 1 },
  exercise_hours: { min: 0, max: 20 },
}

/** The dataset schema an owner publishes for this CSV; with `rows`, also the bounds and the row count DP needs. */
export function healthSchema(labels: HealthLabels = 'binary', { rows }: { rows?: number } = {}) {
  return {
    format: 'csv' as const,
    ...(rows === undefined ? {} : { rows }),
    columns: [
      ...healthColumns.slice(0, -1).map((name) => ({ name, type: 'number' as const, ...(rows === undefined ? {} : healthBounds[name]) })),
      { name: 'risk', type: 'category' as const, values: labels === 'binary' ? ['low', 'high'] : ['low', 'medium', 'high'] },
    ],
  }
}

/** Rows as CSV text with a header line. */
export function healthCsv({ rows, seed = 7, labels = 'binary' }: { rows: number; seed?: number; labels?: HealthLabels }): string {
  const random = prng(seed)
  const normal = () => {
    const u = Math.max(random(), 1e-12)
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random())
  }
  const lines = [healthColumns.join(',')]
  for (let i = 0; i < rows; i++) {
    const age = Math.round(Math.min(90, Math.max(18, 48 + 15 * normal())))
    const smoker = random() < 0.22 ? 1 : 0
    const exercise = Math.max(0, Number((3 + 2.2 * normal()).toFixed(1)))
    const bmi = Number(Math.max(16, 26.5 + 4.5 * normal() - 0.3 * exercise).toFixed(1))
    const systolic = Math.round(118 + 0.45 * (age - 48) + 0.9 * (bmi - 26.5) + 12 * normal())
    const cholesterol = Math.round(195 + 0.6 * (age - 48) + 30 * normal())
    const glucose = Math.round(95 + 0.8 * (bmi - 26.5) + 14 * normal())
    const score =
      0.07 * (age - 48) + 0.09 * (bmi - 26.5) + 0.045 * (systolic - 125) + 0.012 * (cholesterol - 200) +
      0.02 * (glucose - 98) + 1.1 * smoker - 0.25 * (exercise - 3) + 0.6 * normal()
    const risk =
      labels === 'binary' ? (score > 0.3 ? 'high' : 'low') : score > 1.4 ? 'high' : score > -0.6 ? 'medium' : 'low'
    lines.push([age, bmi, systolic, cholesterol, glucose, smoker, exercise, risk].join(','))
  }
  return `${lines.join('\n')}\n`
}

/** Parses the generated CSV back into feature rows and labels (for evaluation on the buyer's side). */
export function parseHealthCsv(csv: string): { rows: Record<string, number>[]; labels: string[] } {
  const [header, ...lines] = csv.trim().split('\n')
  const names = (header ?? '').split(',')
  const rows: Record<string, number>[] = []
  const labels: string[] = []
  for (const line of lines) {
    const cells = line.split(',')
    const row: Record<string, number> = {}
    names.forEach((name, index) => {
      if (name !== 'risk') row[name] = Number(cells[index])
    })
    rows.push(row)
    labels.push(cells[names.indexOf('risk')] ?? '')
  }
  return { rows, labels }
}
