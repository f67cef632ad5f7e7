import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { type DatasetSchema, planTorchMlp, torchMlpMetadata, torchMlpTensors } from '@datavault/sdk'
import { describe, expect, test } from 'vitest'
import { blankHandling, splitTable } from '../common/program.ts'
import { splitTableByRow } from '../common/private-validation.ts'
import { loadTable } from '../common/table.ts'
import { xor } from '../testing/datasets.ts'
import { torchMlpTrainer } from './definition.ts'

// train.py's own functions, called from Python outside the sandbox (real torch, no mocks).
const trainPy = fileURLToPath(new URL('./train.py', import.meta.url))

function python(script: string, input: unknown): unknown {
  const prelude = `import importlib.util, json, sys\nspec = importlib.util.spec_from_file_location('train', ${JSON.stringify(trainPy)})\ntrain = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(train)\ntrain.load_torch()\ninput = json.loads(sys.stdin.read())\n`
  const run = spawnSync('/usr/bin/python3', ['-c', prelude + script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (run.status !== 0) throw new Error(`python failed: ${run.stderr}`)
  // The answer is the script's last line.
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!)
}

const schema = (bound: number | undefined, rows?: number, label: 'category' | 'number' = 'category') =>
  ({
    format: 'csv',
    ...(rows === undefined ? {} : { rows }),
    columns: [
      ...['f1', 'f2', 'odd "name" é'].map((name) => ({ name, type: 'number', ...(bound === undefined ? {} : { min: -bound, max: bound }) })),
      { name: 'note', type: 'string' },
      label === 'category' ? { name: 'label', type: 'category', values: ['a', 'b', 'c\u2028'] } : { name: 'label', type: 'number', ...(bound === undefined ? {} : { min: -bound, max: bound }) },
    ],
  }) as DatasetSchema

const oneHotSchema = {
  format: 'csv',
  rows: 6,
  columns: [
    { name: 'f1', type: 'number', min: 0, max: 10, blanks: 'fill-mean' },
    { name: 'color', type: 'category', values: ['red', 'green', 'blue é'] },
    { name: 'grade', type: 'category', values: ['1', '2'] },
    { name: 'y', type: 'number', min: 0, max: 1 },
    { name: 'label', type: 'category', values: ['a', 'b'] },
  ],
} as DatasetSchema

describe('torch-mlp train.py (real torch)', () => {
  test('default: the Python plan writes exactly the metadata and tensors the SDK declares', () => {
    const cases: [DatasetSchema, Record<string, unknown>][] = [
      [schema(undefined), { label: 'label' }],
      [schema(undefined, undefined, 'number'), { label: 'label', hidden: [8, 4, 2], features: ['f2', 'f1'] }],
      [schema(1, 7), { label: 'label', batchSize: 3, epochs: 2, dp: { noiseMultiplier: 1.3, maxGradNorm: 0.5 } }],
      [schema(2.5, 1_000_000, 'number'), { label: 'label', batchSize: 333, dp: { noiseMultiplier: 0.7, maxGradNorm: 1e-7, delta: 1e-9 } }],
      [schema(1, 3_000_000), { label: 'label', batchSize: 1, dp: { noiseMultiplier: 1000, maxGradNorm: 123456.789 } }],
      [schema(undefined, undefined, 'number'), { label: 'label', validationFraction: 0.3 }],
      [schema(undefined), { label: 'label', validationFraction: 0.1 }],
      // Category values that are all numbers: classes as numbers, in increasing order.
      [{ format: 'csv', columns: [{ name: 'f1', type: 'number' }, { name: 'label', type: 'category', values: ['10', '2', '-1.5'] }] } as DatasetSchema, { label: 'label' }],
      // Category features, one-hot: by default, named in features, and under DP (bounded by [0, 1]).
      [oneHotSchema, { label: 'label' }],
      [oneHotSchema, { label: 'y', features: ['color', 'f1'] }],
      [oneHotSchema, { label: 'y', batchSize: 4, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }],
    ]
    const parsed = cases.map(([s, params]) => ({ schema: s, params: torchMlpTrainer.parameters.parse(params) }))
    // One Python process for all cases: importing torch takes seconds.
    const fromPython = python(
      `out = []\nfor case in input:\n    plan = train.plan_torch_mlp(case['schema'], case['params'])\n    out.append({'metadata': train.metadata_of(plan), 'layers': plan['layers'], 'metrics': plan['metrics'], 'steps': plan['privacy'] and plan['privacy']['steps']})\nprint(json.dumps(out))`,
      parsed,
    ) as { metadata: Record<string, string>; layers: unknown; metrics: string[]; steps: number | null }[]
    parsed.forEach(({ schema: s, params }, i) => {
      const plan = planTorchMlp(s, params)
      expect(fromPython[i]!.metadata).toEqual(torchMlpMetadata(plan))
      expect(Object.keys(fromPython[i]!.metadata)).toEqual(Object.keys(torchMlpMetadata(plan)))
      expect(fromPython[i]!.layers).toEqual(plan.layers)
      expect(fromPython[i]!.metrics).toEqual(plan.metrics)
      expect(fromPython[i]!.steps).toEqual(plan.privacy?.steps ?? null)
      expect(torchMlpTensors(plan).length).toBe(2 * plan.layers.length + (plan.task === 'regression' ? 4 : 2))
    })
  })

  test('behavior: blanks and number classes read as the TypeScript trainers read them', () => {
    const s = {
      format: 'csv',
      rows: 6,
      columns: [
        { name: 'a', type: 'number', min: 0, max: 10, blanks: 'fill-mean' },
        { name: 'b', type: 'number', min: -4, max: 0, blanks: 'fill-zero' },
        { name: 'c', type: 'number', min: 0, max: 1 },
        { name: 'label', type: 'category', values: ['1', '0'] },
      ],
    } as DatasetSchema
    const csv = 'a,b,c,label\n1,-1,0,0\nNA,-2,1,1\n3, ,0,1.0\n5,-3,?,0\n7,-1,1,\n9,N/A,0,1\n'
    for (const params of [{ label: 'label' }, { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 }, batchSize: 2 }]) {
      const plan = planTorchMlp(s, torchMlpTrainer.parameters.parse(params))
      const table = loadTable(plan, [csv], blankHandling(s, plan))
      const fromPython = python(
        `plan = train.plan_torch_mlp(input['schema'], input['params'])\nxs, ys, file_rows = train.load_table(plan, [input['csv']])\nprint(json.dumps({'x': list(xs), 'y': list(ys), 'fileRows': file_rows, 'classes': plan['classes']}))`,
        { schema: s, params: torchMlpTrainer.parameters.parse(params), csv },
      )
      expect(fromPython).toEqual({ x: [...table.x], y: [...table.y], fileRows: table.fileRows, classes: [0, 1] })
      expect(table.fileRows).toBe(6)
      expect(table.rows).toBe(4)
    }
  })

  test('behavior: category features are one-hot encoded as the TypeScript trainers encode them; an unpublished value is refused', () => {
    const csv = 'label,grade,color,f1,y\na,2,blue é,1,0\nb,1.0,red,NA,1\nb,NA,,3,0\na,1,green,5,1\nb,2,red,7,0\na,1,red,9,1\n'
    const params = torchMlpTrainer.parameters.parse({ label: 'label', features: ['f1', 'color', 'grade'] })
    const plan = planTorchMlp(oneHotSchema, params)
    const table = loadTable(plan, [csv], blankHandling(oneHotSchema, plan))
    const fromPython = python(
      `plan = train.plan_torch_mlp(input['schema'], input['params'])\nxs, ys, file_rows = train.load_table(plan, [input['csv']])\ntry:\n    train.load_table(plan, [input['bad']])\n    bad = None\nexcept train.TrainerError as error:\n    bad = error.code\nprint(json.dumps({'x': list(xs), 'y': list(ys), 'bad': bad}))`,
      { schema: oneHotSchema, params, csv, bad: 'label,grade,color,f1,y\na,2,purple,1,0\n' },
    )
    expect(fromPython).toEqual({ x: [...table.x], y: [...table.y], bad: 'unknown-category-value' })
    expect(table.x.slice(0, 6)).toEqual(Float64Array.of(1, 0, 0, 1, 0, 1))
  })

  test('behavior: a validation split holds out the rows the TypeScript trainers hold out, and run() releases their scores', () => {
    const cases = [
      [10, 0.2, 0],
      [569, 0.2, 7],
      [3, 0.5, 0xffffffff],
    ] as const
    const fromPython = python(`print(json.dumps([train.validation_rows(n, f, s) for n, f, s in input]))`, cases) as boolean[][]
    cases.forEach(([n, fraction, seed], i) => {
      const table = { x: Float64Array.from({ length: n }, (_, r) => r), y: new Float64Array(n), rows: n, features: 1, fileRows: n, skippedRows: 0 }
      const { validation } = splitTable(table, fraction, seed)
      expect(fromPython[i]!.flatMap((held, r) => (held ? [r] : []))).toEqual([...validation.x])
    })
    const data = xor(200, 5)
    const csv = data.csv
    const s = { format: 'csv', columns: [{ name: 'f1', type: 'number' }, { name: 'f2', type: 'number' }, { name: 'label', type: 'category', values: ['same', 'diff'] }] } as DatasetSchema
    const metrics = python(
      `import os, tempfile\nroot = tempfile.mkdtemp()\nfor d in ('job', 'data', 'out'):\n    os.mkdir(os.path.join(root, d))\nwith open(os.path.join(root, 'job', 'config.json'), 'w') as f:\n    json.dump({'schema': input['schema'], 'params': input['params'], 'inputs': ['d.csv']}, f)\nwith open(os.path.join(root, 'data', 'd.csv'), 'w') as f:\n    f.write(input['csv'])\ncode = train.run(os.path.join(root, 'job'), os.path.join(root, 'data'), os.path.join(root, 'out'), lambda e: None)\nprint(open(os.path.join(root, 'out', 'metrics.json')).read() if code == 0 else json.dumps({'code': code}))`,
      { schema: s, params: torchMlpTrainer.parameters.parse({ label: 'label', hidden: [16], epochs: 60, validationFraction: 0.25 }), csv },
    ) as Record<string, number>
    expect(Object.keys(metrics)).toEqual(planTorchMlp(s, { label: 'label', validationFraction: 0.25 }).metrics)
    expect([metrics.rows, metrics.validationRows]).toEqual([150, 50])
    expect(metrics.validationAccuracy).toBeGreaterThan(0.8)
    expect(metrics.validationLoss).toBeGreaterThan(0)
  })

  test('behavior: under dp the split is row by row as in TypeScript, and run() releases the validation metrics', () => {
    const rows = [[0.5, -1, 3], [1e-300, 2.5, 7], [0, 0, 0], [-0.25, 1e9, 42], ...Array.from({ length: 60 }, (_, i) => [i / 7, 1 - i, i % 3])] // no -0: JSON would carry it as 0
    const labels = rows.map((_, i) => i % 3)
    const cases = [[0x9e3779b9, 0.2], [0, 0.5], [7, 0.05]] as const
    const fromPython = python(`print(json.dumps([[train.is_private_validation_row(s, y, x, f) for x, y in zip(input['rows'], input['labels'])] for s, f in input['cases']]))`, { rows, labels, cases }) as boolean[][]
    cases.forEach(([seed, fraction], c) => {
      const table = { x: Float64Array.from(rows.flat()), y: Float64Array.from(labels), rows: rows.length, features: 3, fileRows: rows.length, skippedRows: 0 }
      const { validation } = splitTableByRow(table, fraction, seed)
      const held = rows.flatMap((row, i) => (fromPython[c]![i] ? [row] : []))
      expect(held.flat()).toEqual([...validation.x])
    })
    const data = xor(400, 9)
    const s = { format: 'csv', rows: 400, columns: [{ name: 'f1', type: 'number', min: -1, max: 1 }, { name: 'f2', type: 'number', min: -1, max: 1 }, { name: 'label', type: 'category', values: ['same', 'diff'] }] } as DatasetSchema
    const params = torchMlpTrainer.parameters.parse({ label: 'label', hidden: [8], epochs: 2, batchSize: 40, validationFraction: 0.25, dp: { noiseMultiplier: 1, maxGradNorm: 1 } })
    const metrics = python(
        `import os, tempfile\nroot = tempfile.mkdtemp()\nfor d in ('job', 'data', 'out'):\n    os.mkdir(os.path.join(root, d))\nwith open(os.path.join(root, 'job', 'config.json'), 'w') as f:\n    json.dump({'schema': input['schema'], 'params': input['params'], 'inputs': ['d.csv']}, f)\nwith open(os.path.join(root, 'data', 'd.csv'), 'w') as f:\n    f.write(input['csv'])\ncode = train.run(os.path.join(root, 'job'), os.path.join(root, 'data'), os.path.join(root, 'out'), lambda e: None)\nprint(open(os.path.join(root, 'out', 'metrics.json')).read() if code == 0 else json.dumps({'code': code}))`,
        { schema: s, params, csv: data.csv },
      ) as Record<string, number>
    // Noised (two runs differ: tested on the TypeScript trainers, which share the mechanism).
    expect(Object.keys(metrics)).toEqual(planTorchMlp(s, params).metrics)
    expect(metrics.validationRows).toBeGreaterThan(40)
    expect(metrics.validationRows).toBeLessThan(160)
    expect(Number.isFinite(metrics.validationAccuracy)).toBe(true)
  })

  test('args: parameters that do not fit the schema give the SDK reason code in Python too', () => {
    const wide = { format: 'csv', columns: [...Array.from({ length: 1100 }, (_, i) => ({ name: `x${i}`, type: 'number' })), { name: 'label', type: 'number' }] } as DatasetSchema
    const cases: [DatasetSchema, Record<string, unknown>, string][] = [
      [schema(undefined), { label: 'nope' }, 'missing-column'],
      [schema(undefined), { label: 'note' }, 'bad-label'],
      [schema(undefined), { label: 'label', features: ['note'] }, 'bad-feature'],
      [schema(undefined), { label: 'label', features: ['f1', 'f1'] }, 'duplicate-feature'],
      [wide, { label: 'label', hidden: [1024, 1024, 1024, 1024] }, 'model-too-large'],
      [schema(1), { label: 'label', dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, 'dp-missing-rows'],
      [schema(1, 10), { label: 'label', batchSize: 64, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, 'dp-batch-too-large'],
      [schema(1, 10), { label: 'label', batchSize: 5, dp: { noiseMultiplier: 1, maxGradNorm: 1, delta: 0.2 } }, 'dp-delta-too-large'],
      [schema(undefined, 100), { label: 'label', batchSize: 5, dp: { noiseMultiplier: 1, maxGradNorm: 1 } }, 'dp-missing-bounds'],
    ]
    const parsed = cases.map(([s, params]) => ({ schema: s, params: torchMlpTrainer.parameters.parse(params) }))
    const codes = python(
      `out = []\nfor case in input:\n    try:\n        train.plan_torch_mlp(case['schema'], case['params'])\n        out.append(None)\n    except train.TrainerError as e:\n        out.append(e.code)\nprint(json.dumps(out))`,
      parsed,
    )
    expect(codes).toEqual(cases.map(([, , reason]) => reason))
    parsed.forEach(({ schema: s, params }, i) => expect(() => planTorchMlp(s, params)).toThrow(expect.objectContaining({ reason: cases[i]![2] })))
    expect(python(`try:\n    train.check_params(input)\n    print('null')\nexcept train.TrainerError as e:\n    print(json.dumps(e.code))`, { label: 'label', extra: 1 })).toBe('bad-parameters')
  })

  test('behavior: DP-SGD takes exactly the declared steps, and each clipped sum is bounded by |batch|·C / L (σ tiny, C tiny, SGD)', () => {
    const data = xor(400, 3)
    const s = schema(1, 400)
    const c = 1e-3
    const params = torchMlpTrainer.parameters.parse({ label: 'label', features: ['f1', 'f2'], hidden: [8], epochs: 3, batchSize: 40, optimizer: 'sgd', learningRate: 1, dp: { noiseMultiplier: 1e-9, maxGradNorm: c } })
    const result = python(
      `import torch
plan = train.plan_torch_mlp(input['schema'], input['params'])
x = torch.tensor(input['x'], dtype=torch.float64)
y = torch.tensor([plan['classes'].index(v) for v in input['y']])
records = []
original = train.private_gradient
def recording(task, params, xb, yb, privacy, loss_bound, generator):
    grads, loss = original(task, params, xb, yb, privacy, loss_bound, generator)
    records.append({'batch': int(xb.shape[0]), 'norm': float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads)))})
    return grads, loss
train.private_gradient = recording
before = [p.clone() for p in train.init_params(plan, torch.Generator().manual_seed(plan['params']['seed']), 'cpu')]
tensors, metrics, steps = train.train(plan, x, y, 'cpu', private_seed=1)
after = [tensors[f"{l['name']}.{k}"] for l in plan['layers'] for k in ('weight', 'bias')]
moved = float(torch.sqrt(sum(((a - b).double() ** 2).sum() for a, b in zip(after, before))))
print(json.dumps({'steps': steps, 'records': records, 'moved': moved, 'expected': plan['privacy']['expectedBatchSize']}))`,
      { schema: { ...s, columns: s.columns.filter((col) => col.name !== 'odd "name" é') }, params, x: data.features, y: data.labels.map((l) => (l === 'same' ? 'a' : 'b')) },
    ) as { steps: number; records: { batch: number; norm: number }[]; moved: number; expected: number }
    expect(result.steps).toBe(torchMlpTrainer.privacy!(s, params)!.steps)
    expect(result.steps).toBe(30)
    expect(result.records).toHaveLength(30)
    // The gradient part of each row's contribution is clipped to C·√(1 − 0.1²); noise σC = 1e-12.
    const budget = c * Math.sqrt(1 - 0.01)
    for (const { batch, norm } of result.records) expect(norm).toBeLessThanOrEqual((batch * budget) / result.expected + 1e-9)
    // Clipping is what bounds it: unclipped, the rows' gradients (norms ~0.1 to 1) would sum to
    // hundreds of times the bound; clipped, the sums come within a small factor of it (rows' clipped
    // gradients partly cancel).
    expect(Math.max(...result.records.map(({ batch, norm }) => (norm * result.expected) / (batch * budget)))).toBeGreaterThan(0.2)
    // SGD with learning rate 1: the weights moved at most the sum of the steps.
    expect(result.moved).toBeLessThanOrEqual(result.records.reduce((sum, { batch }) => sum + (batch * budget) / result.expected, 0) + 1e-6)
  })

  test('behavior: JavaScript number formatting (the privacy metadata the node declares)', () => {
    const numbers = [1, 0.032, 1e-5, 1e-7, 1.5e-7, 123456.789, 1e21, 2.5e21, 0.1, 1 / 3, 4 / 7, 100, 1e-6, 123e-20]
    expect(python(`print(json.dumps([train.js_number(v) for v in input]))`, numbers)).toEqual(numbers.map((n) => String(n)))
  })
})
