# datavault trainer torch-mlp@1.1.0
#
# A multilayer perceptron in PyTorch for tabular classification (softmax over a category label)
# and regression (a number label), run beside the data: it reads /job/config.json and the CSV
# inputs under /data, prints the trainer event protocol on stdout (one JSON object per line) and
# writes /out/model.safetensors and /out/metrics.json. Optional DP-SGD (Abadi et al. 2016):
# Poisson sampling, per-example gradients (functorch.vmap over functorch.grad), per-example
# clipping, Gaussian noise; the node's accountant computes epsilon from the plan, so the program
# takes exactly the steps the plan declares.
#
# Only the standard library and torch (with functorch, for torch 1.13; torch.func on 2.x). The
# plan (features, layers, scaling, DP steps, metadata) mirrors the SDK's planTorchMlp exactly: the
# node's egress guard compares what this program writes with what the SDK declared.
import array
import csv
import hashlib
import io
import json
import math
import os
import re
import struct
import sys

TRAINER_ID = 'torch-mlp'
TRAINER_VERSION = '1.1.0'
MAX_PARAMETERS = 4 * 1024 * 1024
MAX_HIDDEN_LAYERS = 4
# Share of the clipping norm C spent on releasing each row's loss (as the TypeScript trainers do).
DP_LOSS_SHARE = 0.1
INPUT_NAME = re.compile(r'^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$')
NUMBER = re.compile(r'^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$')
PARAMETER_KEYS = {'label', 'features', 'hidden', 'epochs', 'learningRate', 'optimizer', 'l2', 'batchSize', 'seed', 'dp', 'validationFraction'}


def _threads():
    # Bounded: every thread is a task of the job (the sandbox caps them). At most half the cores:
    # OpenMP threads that spin for a core another process holds make a step many times slower
    # (measured: 2 threads on a busy 2-core host, 17x slower than 1). Set before torch loads its
    # BLAS and OpenMP, which read them once; results are deterministic for a given machine.
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(4, cores // 2))


THREADS = _threads()
for _name in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_name] = str(THREADS)
# Threads that wait sleep instead of spinning: the job shares the host's cores.
os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'
# Deterministic cuBLAS (only read on CUDA).
os.environ['CUBLAS_WORKSPACE_CONFIG'] = ':4096:8'

# torch loads (seconds) only once the config, the plan and the data have been checked: a job with
# bad parameters or bad data fails at once, with its reason code.
torch = None
_grad = _vmap = None


def load_torch():
    global torch, _grad, _vmap
    if torch is None:
        import torch as loaded
        try:  # torch 2.x
            from torch.func import grad, vmap
        except ImportError:  # torch 1.13 (Debian 12): functorch
            from functorch import grad, vmap
        torch, _grad, _vmap = loaded, grad, vmap
    return torch


class TrainerError(Exception):
    """A reason code from the node's fixed list; `detail` names columns and lines, never values."""

    def __init__(self, code, detail=''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


# ---------------------------------------------------------------------------------------------
# JSON exactly as JavaScript's JSON.stringify writes it (the metadata values the node declared).


def js_number(value):
    if isinstance(value, bool):
        raise TypeError('not a number')
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return 'null'
    if value == 0:
        return '0'
    if value < 0:
        return '-' + js_number(-value)
    match = re.match(r'^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$', repr(float(value)))
    whole, fraction, exponent = match.group(1), match.group(2) or '', int(match.group(3) or 0)
    digits = (whole + fraction).lstrip('0')
    n = len(whole) + exponent - (len(whole + fraction) - len(digits))
    digits = digits.rstrip('0')
    k = len(digits)
    if k <= n <= 21:
        return digits + '0' * (n - k)
    if 0 < n <= 21:
        return digits[:n] + '.' + digits[n:]
    if -6 < n <= 0:
        return '0.' + '0' * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + '.' + digits[1:]
    return f"{mantissa}e{'+' if e > 0 else '-'}{abs(e)}"


def js_json(value):
    if isinstance(value, dict):
        return '{' + ','.join(js_json(str(k)) + ':' + js_json(v) for k, v in value.items()) + '}'
    if isinstance(value, (list, tuple)):
        return '[' + ','.join(js_json(v) for v in value) + ']'
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return 'null'
    return js_number(value)


# ---------------------------------------------------------------------------------------------
# The plan: what the SDK's planTorchMlp derives from the schema and the parameters.


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)) and math.isfinite(value)


def check_params(params):
    """The parameters as the node parsed them (defaults filled); refuses anything else."""
    bad = TrainerError('bad-parameters', 'the parameters are not those of torch-mlp')
    if not isinstance(params, dict) or not set(params) <= PARAMETER_KEYS:
        raise bad
    p = dict(params)
    p.setdefault('hidden', [32])
    p.setdefault('epochs', 50)
    p.setdefault('learningRate', 0.01)
    p.setdefault('optimizer', 'adam')
    p.setdefault('l2', 0)
    p.setdefault('batchSize', 64)
    p.setdefault('seed', 0)
    ok = (
        isinstance(p.get('label'), str) and 1 <= len(p['label']) <= 128
        and (p.get('features') is None or (isinstance(p['features'], list) and 1 <= len(p['features']) <= 10000 and all(isinstance(f, str) and 1 <= len(f) <= 128 for f in p['features'])))
        and isinstance(p['hidden'], list) and 1 <= len(p['hidden']) <= MAX_HIDDEN_LAYERS and all(_is_int(h) and 1 <= h <= 1024 for h in p['hidden'])
        and _is_int(p['epochs']) and 1 <= p['epochs'] <= 1000
        and _is_number(p['learningRate']) and 0 < p['learningRate'] <= 10
        and p['optimizer'] in ('adam', 'sgd')
        and _is_number(p['l2']) and 0 <= p['l2'] <= 100
        and _is_int(p['batchSize']) and 1 <= p['batchSize'] <= 1_000_000
        and _is_int(p['seed']) and 0 <= p['seed'] <= 0xFFFFFFFF
        and (p.get('validationFraction') is None or (_is_number(p['validationFraction']) and 0 <= p['validationFraction'] <= 0.5))
    )
    dp = p.get('dp')
    if dp is not None:
        ok = ok and isinstance(dp, dict) and set(dp) <= {'noiseMultiplier', 'maxGradNorm', 'delta'}
        ok = ok and _is_number(dp.get('noiseMultiplier')) and 0 < dp['noiseMultiplier'] <= 1000
        ok = ok and _is_number(dp.get('maxGradNorm')) and 0 < dp['maxGradNorm'] <= 1e6
        ok = ok and (dp.get('delta') is None or (_is_number(dp['delta']) and 0 < dp['delta'] < 1))
    if not ok:
        raise bad
    return p


def column_bounds(column):
    if column is None or column.get('type') != 'number':
        return None
    lo, hi = column.get('min'), column.get('max')
    if not (_is_number(lo) and _is_number(hi)) or not lo < hi:
        return None
    return (lo, hi)


def plan_torch_mlp(schema, params):
    p = check_params(params)
    columns = schema.get('columns') if isinstance(schema, dict) else None
    if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get('name'), str) for c in columns):
        raise TrainerError('bad-config', 'the dataset schema has no columns')
    by_name = {c['name']: c for c in columns}
    label = by_name.get(p['label'])
    if label is None:
        raise TrainerError('missing-column', 'the label column is not in the schema')
    if label.get('type') == 'category':
        values = label.get('values')
        if not isinstance(values, list) or len(values) < 2 or not all(isinstance(v, str) for v in values):
            raise TrainerError('bad-label', 'a category label needs at least two values')
        numbers = [_number(v) for v in values]
        if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
            # Values that are all numbers are classes as numbers, in increasing order (the SDK's labelClasses).
            task, classes = 'classification', sorted(numbers)
        else:
            task, classes = 'classification', list(values)
    elif label.get('type') == 'number':
        task, classes = 'regression', None
    else:
        raise TrainerError('bad-label', 'the label must be a category or number column')

    # Number columns, and category columns one-hot encoded over their published values (the SDK's resolveFeatureColumns).
    def readable(name):
        column = by_name.get(name)
        return column is not None and name != p['label'] and column.get('type') in ('number', 'category')

    if p.get('features') is None:
        names = [c['name'] for c in columns if readable(c['name'])]
    else:
        names = list(p['features'])
        if len(set(names)) != len(names):
            raise TrainerError('duplicate-feature', 'a feature column is listed twice')
        for name in names:
            if name not in by_name:
                raise TrainerError('missing-column', 'a feature column is not in the schema')
            if not readable(name):
                raise TrainerError('bad-feature', 'a feature column is not a number column or a category column with published values')
    if not names:
        raise TrainerError('no-numeric-features', 'no number or category column to use as a feature')
    feature_columns = []
    for name in names:
        column = by_name[name]
        if column.get('type') == 'category':
            values = column.get('values')
            if not isinstance(values, list) or len(values) < 2 or not all(isinstance(v, str) for v in values):
                raise TrainerError('bad-config', 'a category column has no values')
            feature_columns.append({'column': name, 'values': list(values)})
        else:
            feature_columns.append({'column': name})
    features = []
    for f in feature_columns:
        features.extend([f['column']] if 'values' not in f else [f"{f['column']}={v}" for v in f['values']])
    if len(set(features)) != len(features):
        raise TrainerError('duplicate-feature', 'two features would have the same name')

    # The SDK's resolveValidationFraction: 0.2 by default when the declared rows leave at least 50 to train on.
    validation_note = None
    if p.get('validationFraction') is None:
        rows = schema.get('rows')
        if not _is_int(rows):
            p['validationFraction'] = 0
        elif rows - math.floor(0.2 * rows + 0.5) >= 50:
            p['validationFraction'] = 0.2
        else:
            p['validationFraction'] = 0
            validation_note = (f'no validation split: the schema declares {rows} rows, and holding out 0.2 of them would leave fewer than 50 to train on; '
                               'set validationFraction to hold out rows anyway')

    outputs = len(classes) if task == 'classification' else 1
    widths = [len(features), *p['hidden'], outputs]
    layers = [{'name': f'layer{i}', 'inputs': widths[i], 'outputs': widths[i + 1]} for i in range(len(widths) - 1)]
    if sum(layer['outputs'] * (layer['inputs'] + 1) for layer in layers) > MAX_PARAMETERS:
        raise TrainerError('model-too-large', 'the network has too many parameters')

    privacy = None
    if p.get('dp') is not None:
        rows = schema.get('rows')
        if not _is_int(rows) or rows < 0 or rows > 2**53 - 1:
            raise TrainerError('dp-missing-rows')
        if p['batchSize'] > rows:
            raise TrainerError('dp-batch-too-large')
        delta = p['dp'].get('delta')
        if delta is None:
            delta = min(1e-5, 1 / (10 * rows))
        if delta >= 1 / rows:
            raise TrainerError('dp-delta-too-large')
        sample_rate = p['batchSize'] / rows
        steps_per_epoch = math.floor(1 / sample_rate + 0.5)  # JavaScript's Math.round
        privacy = {
            'noiseMultiplier': p['dp']['noiseMultiplier'],
            'maxGradNorm': p['dp']['maxGradNorm'],
            'delta': delta,
            'rows': rows,
            'expectedBatchSize': p['batchSize'],
            'sampleRate': sample_rate,
            'stepsPerEpoch': steps_per_epoch,
            'steps': p['epochs'] * steps_per_epoch,
        }

    def bounds(names):
        found = [column_bounds(by_name.get(name)) for name in names]
        if any(b is None for b in found):
            raise TrainerError('dp-missing-bounds', 'DP needs declared min and max on every column the model reads')
        return {'kind': 'bounds', 'min': [b[0] for b in found], 'max': [b[1] for b in found]}

    def feature_bounds():
        # A one-hot feature is bounded by [0, 1] by construction; number columns by their declared bounds.
        numbers = bounds([f['column'] for f in feature_columns if 'values' not in f])
        lo, hi, k = [], [], 0
        for f in feature_columns:
            if 'values' in f:
                lo += [0] * len(f['values'])
                hi += [1] * len(f['values'])
            else:
                lo.append(numbers['min'][k])
                hi.append(numbers['max'][k])
                k += 1
        return {'kind': 'bounds', 'min': lo, 'max': hi}

    scaling = {'kind': 'standardize'} if privacy is None else feature_bounds()
    label_scaling = None
    if task == 'regression':
        label_scaling = {'kind': 'standardize'} if privacy is None else bounds([p['label']])
    if privacy is not None:
        metrics = ['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta']
    elif task == 'classification':
        metrics = ['loss', 'accuracy', 'rows', 'epochs']
    else:
        metrics = ['loss', 'r2', 'rows', 'epochs']
    if p['validationFraction'] > 0:
        # Under DP released with noise (private_validation_metrics); the job's ε is unchanged.
        metrics = [*metrics, 'validationRows', 'validationLoss', 'validationAccuracy' if task == 'classification' else 'validationR2']
    blanks = [by_name[f['column']].get('blanks') or 'skip-row' for f in feature_columns for _ in f.get('values', [None])]
    midpoints = None if privacy is None else [(lo + hi) / 2 for lo, hi in zip(scaling['min'], scaling['max'])]
    return {
        'blanks': blanks, 'midpoints': midpoints,
        'task': task, 'label': p['label'], 'classes': classes, 'features': features, 'featureColumns': feature_columns, 'layers': layers,
        'scaling': scaling, 'labelScaling': label_scaling, 'privacy': privacy, 'metrics': metrics, 'params': p, 'validationNote': validation_note,
    }


def metadata_of(plan):
    """The model file's `__metadata__`: exactly the SDK's torchMlpMetadata(plan)."""
    metadata = {
        'trainer': TRAINER_ID,
        'version': TRAINER_VERSION,
        'task': plan['task'],
        'label': plan['label'],
        'features': js_json(plan['features']),
    }
    categories = {f['column']: f['values'] for f in plan['featureColumns'] if 'values' in f}
    if categories:
        metadata['categories'] = js_json(categories)
    if plan['task'] == 'classification':
        metadata['classes'] = js_json(plan['classes'])
    metadata['hidden'] = js_json(plan['params']['hidden'])
    metadata['activation'] = 'relu'
    privacy = plan['privacy']
    if privacy is not None:
        metadata['scaling'] = 'bounds'
        metadata['privacy'] = js_json({k: privacy[k] for k in ('noiseMultiplier', 'maxGradNorm', 'sampleRate', 'steps', 'delta')})
    if plan['validationNote'] is not None:
        metadata['validation'] = plan['validationNote']
    return metadata


# ---------------------------------------------------------------------------------------------
# Reading the data, as the TypeScript trainers' loadTable does.


def load_table(plan, texts):
    features, label = plan['features'], plan['label']
    classes = plan['classes']
    class_index = None if classes is None else {name: i for i, name in enumerate(classes)}
    numeric_classes = classes is not None and all(not isinstance(c, str) for c in classes)
    blanks = plan['blanks']
    d = len(features)
    sources = plan['featureColumns']
    one_hot = [None if 'values' not in f else category_index(f['values']) for f in sources]
    sums, counts = [0.0] * d, [0] * d
    filled = False
    file_rows = 0
    # Flat arrays of doubles (8 bytes a value, as the TypeScript trainers' Float64Array), not lists of floats.
    xs, ys = array.array('d'), array.array('d')
    for number, text in enumerate(texts):
        if text.startswith('\ufeff'):
            text = text[1:]
        header = None
        reader = csv.reader(io.StringIO(text, newline=''), strict=True)
        try:
            for fields in reader:
                line = reader.line_num
                if header is None:
                    header = fields
                    if len(set(fields)) != len(fields):
                        raise TrainerError('duplicate-header', f'input {number} repeats a column name')
                    position = {name: i for i, name in enumerate(fields)}
                    for name in (label, *(f['column'] for f in sources)):
                        if name not in position:
                            raise TrainerError('missing-column', f'input {number} has no column {json.dumps(name)}')
                    feature_columns = [position[f['column']] for f in sources]
                    label_column = position[label]
                    continue
                if len(fields) != len(header):
                    raise TrainerError('ragged-row', f'input {number} line {line} has {len(fields)} fields; the header has {len(header)}')
                file_rows += 1
                cell = fields[label_column]
                if is_blank(cell):
                    continue
                if class_index is None:
                    target = _number(cell)
                    if target is None:
                        raise TrainerError('non-numeric-cell', f'input {number} line {line} column {json.dumps(label)}')
                else:
                    target = class_index.get(_number(cell) if numeric_classes else cell)
                    if target is None:
                        raise TrainerError('unknown-label-value', f'input {number} line {line} column {json.dumps(label)}')
                row, observed = [], []
                skip = False
                for k, column in enumerate(feature_columns):
                    index = one_hot[k]
                    if index is not None:
                        # One-hot: 1 at the value's feature, 0 elsewhere; a blank cell is all zeros.
                        cell = fields[column]
                        hot = [0.0] * len(sources[k]['values'])
                        if not is_blank(cell):
                            at = index.get(cell)
                            if at is None:
                                at = index.get(_number(cell)) if _number(cell) is not None else None
                            if at is None:
                                raise TrainerError('unknown-category-value', f"input {number} line {line} column {json.dumps(sources[k]['column'])}")
                            hot[at] = 1.0
                        row.extend(hot)
                        continue
                    j = len(row)
                    value = _number(fields[column])
                    if value is None:
                        if not is_blank(fields[column]):
                            raise TrainerError('non-numeric-cell', f'input {number} line {line} column {json.dumps(features[j])}')
                        if blanks[j] == 'skip-row':
                            skip = True
                            break
                        value = 0.0 if blanks[j] == 'fill-zero' else math.nan
                        filled = filled or blanks[j] == 'fill-mean'
                    else:
                        observed.append(j)
                    row.append(value)
                if skip:
                    continue
                for j in observed:
                    sums[j] += row[j]
                    counts[j] += 1
                xs.extend(row)
                ys.append(target)
        except csv.Error:
            raise TrainerError('bad-csv', f'input {number} is not valid CSV near line {reader.line_num}') from None
        if header is None:
            raise TrainerError('no-rows', f'input {number} is empty')
    if not ys:
        raise TrainerError('no-rows', 'the inputs have a header but no rows' if file_rows == 0 else 'every row has a blank cell that leaves it out')
    if filled:
        # fill-mean: the mean of the column's non-blank cells, or under DP the midpoint of its bounds.
        midpoints = plan['midpoints']
        fill = [midpoints[j] if midpoints is not None else (sums[j] / counts[j] if counts[j] else 0.0) for j in range(d)]
        for i in range(len(xs)):
            if math.isnan(xs[i]):
                xs[i] = fill[i % d]
    return xs, ys, file_rows


def category_index(values):
    """A category value's position: by its text and, when every value reads as a number, by that number too (table.ts)."""
    index = {value: i for i, value in enumerate(values)}
    numbers = [_number(value) for value in values]
    if all(n is not None for n in numbers) and len(set(numbers)) == len(numbers):
        for i, n in enumerate(numbers):
            index.setdefault(n, i)
    return index


BLANK_TOKENS = frozenset(('', 'na', 'n/a', 'nan', 'null', '?'))


def is_blank(cell):
    """A blank cell, as the SDK's CSV profile reads it: empty, spaces, or NA, N/A, NaN, null, ? in any case."""
    return len(cell) <= 64 and cell.strip(' \t').lower() in BLANK_TOKENS


def _number(cell):
    if not NUMBER.match(cell):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None


def fit_scaler(scaling, values):
    """Center and divisor per column: the data's mean and population std, or the declared bounds."""
    if scaling['kind'] == 'bounds':
        lo = torch.tensor(scaling['min'], dtype=torch.float64)
        hi = torch.tensor(scaling['max'], dtype=torch.float64)
        return (lo + hi) / 2, (hi - lo) / 2, True
    center = values.mean(dim=0)
    std = ((values - center) ** 2).mean(dim=0).sqrt()
    return center, torch.where(std > 1e-12, std, torch.ones_like(std)), False


def apply_scaler(scaler, values):
    center, scale, clip = scaler
    scaled = (values - center) / scale
    return scaled.clamp(-1, 1) if clip else scaled


# ---------------------------------------------------------------------------------------------
# The network, written functionally so that per-example gradients are one vmap away.


def init_params(plan, generator, device):
    """He-normal weights (seeded), zero biases; float32."""
    params = []
    for layer in plan['layers']:
        std = math.sqrt(2 / layer['inputs'])
        weight = torch.randn(layer['outputs'], layer['inputs'], generator=generator, dtype=torch.float32) * std
        params.append(weight.to(device))
        params.append(torch.zeros(layer['outputs'], dtype=torch.float32, device=device))
    return params


def forward(params, x):
    last = len(params) // 2 - 1
    for layer in range(last + 1):
        x = x @ params[2 * layer].T + params[2 * layer + 1]
        if layer < last:
            x = torch.relu(x)
    return x


def row_losses(task, params, x, y):
    out = forward(params, x)
    if task == 'classification':
        return torch.nn.functional.cross_entropy(out, y, reduction='none')
    return 0.5 * (out[:, 0] - y) ** 2


def _example_loss(task):
    def loss(params, x, y):
        return row_losses(task, params, x.unsqueeze(0), y.unsqueeze(0))[0]
    return loss


def make_optimizer(params, kind, learning_rate, l2):
    """Adam or plain SGD; the L2 penalty (added to the gradient) applies to the weights, not the biases."""
    groups = [{'params': params[0::2], 'weight_decay': l2}, {'params': params[1::2], 'weight_decay': 0}]
    if kind == 'sgd':
        return torch.optim.SGD(groups, lr=learning_rate, foreach=True)
    return torch.optim.Adam(groups, lr=learning_rate, betas=(0.9, 0.999), eps=1e-8, foreach=True)


def optimizer_step(optimizer, params, grads):
    for q, g in zip(params, grads):
        q.grad = g
    optimizer.step()


def penalty(params, l2):
    if not l2:
        return 0.0
    return l2 / 2 * sum(float((params[i] ** 2).sum()) for i in range(0, len(params), 2))


def poisson_sample(rows, sample_rate, generator, device):
    if sample_rate >= 1:
        return torch.arange(rows, device=device)
    return torch.nonzero(torch.rand(rows, generator=generator, device=device) < sample_rate).flatten()


def private_gradient(task, params, x, y, privacy, loss_bound, generator):
    """One DP-SGD gradient: each row's own gradient and loss, clipped jointly to C, summed, noised, / L."""
    c, sigma = privacy['maxGradNorm'], privacy['noiseMultiplier']
    gradient_budget = c * math.sqrt(1 - DP_LOSS_SHARE ** 2)
    device = params[0].device
    sums = [torch.zeros_like(p) for p in params]
    loss_coordinate = torch.zeros((), dtype=torch.float32, device=device)
    if x.shape[0] > 0:
        frozen = [q.detach() for q in params]
        per_row = _vmap(_grad(_example_loss(task)), in_dims=(None, 0, 0))(frozen, x, y)
        norms = torch.sqrt(sum((g.reshape(g.shape[0], -1) ** 2).sum(dim=1) for g in per_row))
        finite = torch.isfinite(norms)
        factor = torch.where(finite, torch.clamp(gradient_budget / (norms + 1e-12), max=1.0), torch.zeros_like(norms))
        for i, g in enumerate(per_row):
            g = torch.where(torch.isfinite(g), g, torch.zeros_like(g))
            sums[i] += torch.einsum('b,b...->...', factor, g)
        with torch.no_grad():
            losses = row_losses(task, frozen, x, y)
        losses = torch.where(torch.isfinite(losses), losses, torch.zeros_like(losses)).clamp(0, loss_bound)
        loss_coordinate = loss_coordinate + (DP_LOSS_SHARE * c * losses / loss_bound).sum()
    std = sigma * c
    for s in sums:
        s += std * torch.randn(s.shape, generator=generator, device=device, dtype=s.dtype)
    loss_coordinate = loss_coordinate + std * torch.randn((), generator=generator, device=device)
    divisor = privacy['expectedBatchSize']
    noisy_loss = float(loss_coordinate) * loss_bound / (DP_LOSS_SHARE * c) / divisor
    return [s / divisor for s in sums], noisy_loss


def threads_for(plan):
    """One thread for small steps (OpenMP's hand-offs cost more than they save there, badly so on a
    busy host), up to THREADS when a step multiplies enough numbers to be worth sharing."""
    work = plan['params']['batchSize'] * sum(layer['inputs'] * layer['outputs'] for layer in plan['layers'])
    return THREADS if work >= 1 << 22 else 1


def mulberry32(seed):
    """The TypeScript trainers' mulberry32: the same uniforms in [0, 1) for the same seed."""
    state = seed & 0xFFFFFFFF

    def imul(a, b):
        return (a * b) & 0xFFFFFFFF

    def next_uniform():
        nonlocal state
        state = (state + 0x6D2B79F5) & 0xFFFFFFFF
        t = state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & 0xFFFFFFFF
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296
    return next_uniform


def validation_rows(n, fraction, seed):
    """Which rows a validation split holds out: exactly the TypeScript trainers' splitTable."""
    if n < 2:
        raise TrainerError('no-rows', 'a validation split needs at least two rows')
    count = min(n - 1, max(1, math.floor(fraction * n + 0.5)))
    random = mulberry32((seed ^ 0x5EED5A17) & 0xFFFFFFFF)
    order = list(range(n))
    for i in range(n - 1, 0, -1):
        j = math.floor(random() * (i + 1))
        order[i], order[j] = order[j], order[i]
    held = [False] * n
    for i in order[:count]:
        held[i] = True
    return held


def released_model_outputs(plan, tensors, x_raw, clamp):
    """The released (float32) model's outputs on raw feature rows, scaled as the model file says
    (clamped to [-1, 1] under DP, as the trainer scales by the declared bounds)."""
    x = (x_raw.to(torch.float32) - tensors['feature_mean'].cpu().to(torch.float32)) / tensors['feature_std'].cpu().to(torch.float32)
    if clamp:
        x = x.clamp(-1, 1)
    params = []
    for layer in plan['layers']:
        params += [tensors[f"{layer['name']}.weight"].cpu().to(torch.float32), tensors[f"{layer['name']}.bias"].cpu().to(torch.float32)]
    return forward(params, x).to(torch.float64)


def validation_metrics(plan, tensors, x_raw, y_raw):
    """Scores the released (float32) model on the held-out rows, as the TypeScript trainers do."""
    with torch.no_grad():
        out = released_model_outputs(plan, tensors, x_raw, clamp=False)
        n = x_raw.shape[0]
        if plan['task'] == 'classification':
            loss = float(torch.nn.functional.cross_entropy(out, y_raw))
            return {'validationRows': n, 'validationLoss': loss, 'validationAccuracy': float((out.argmax(dim=1) == y_raw).to(torch.float64).mean())}
        predicted = out[:, 0] * float(tensors['target_std'][0]) + float(tensors['target_mean'][0])
        mse = float(((predicted - y_raw) ** 2).mean())
        variance = float(((y_raw - y_raw.mean()) ** 2).mean())
        return {'validationRows': n, 'validationLoss': mse, 'validationR2': 1 - mse / variance if variance > 0 else 0.0}


def is_private_validation_row(seed, y, x, fraction):
    """A validation row under DP: SHA-256(seed, label, features) below the fraction (private-validation.ts)."""
    digest = hashlib.sha256(struct.pack('<I', seed & 0xFFFFFFFF) + struct.pack(f'<{1 + len(x)}d', y, *x)).digest()
    return int.from_bytes(digest[:4], 'big') / 4294967296 < fraction


def private_validation_metrics(plan, tensors, x_raw, y_raw, generator):
    """The TypeScript trainers' privateValidationMetrics: per-row vectors of norm ≤ 1, one epoch of the
    job's sampled Gaussian mechanism (rate q, N(0, σ²)), then ratios of the noisy sums."""
    privacy = plan['privacy']
    with torch.no_grad():
        out = released_model_outputs(plan, tensors, x_raw, clamp=True)
        n = x_raw.shape[0]
        if plan['task'] == 'classification':
            bound = max(1.0, 2 * math.log(len(plan['classes'])))
            losses = torch.nn.functional.cross_entropy(out, y_raw, reduction='none') if n else torch.zeros(0, dtype=torch.float64)
            correct = (out.argmax(dim=1) == y_raw).to(torch.float64) if n else torch.zeros(0, dtype=torch.float64)
            vectors = torch.stack([losses.nan_to_num(0.0).clamp(0, bound) / bound, correct, torch.ones(n, dtype=torch.float64)], dim=1) / math.sqrt(3)
        else:
            lo, hi = plan['labelScaling']['min'][0], plan['labelScaling']['max'][0]
            center, half = (lo + hi) / 2, (hi - lo) / 2
            predicted = out[:, 0] * float(tensors['target_std'][0]) + float(tensors['target_mean'][0])
            p = ((predicted - center) / half).nan_to_num(0.0).clamp(-1, 1)
            y = ((y_raw - center) / half).clamp(-1, 1)
            vectors = torch.stack([(p - y) ** 2 / 8, y / 2, y * y / 2, torch.full((n,), 0.5, dtype=torch.float64)], dim=1)
        width = vectors.shape[1]
        total = torch.zeros(width, dtype=torch.float64)
        q = privacy['sampleRate']
        for _ in range(privacy['stepsPerEpoch']):
            chosen = torch.rand(n, generator=generator, dtype=torch.float64) < q
            total += vectors[chosen].sum(dim=0) + privacy['noiseMultiplier'] * torch.randn(width, generator=generator, dtype=torch.float64)
        sums = (total / (privacy['stepsPerEpoch'] * min(1.0, q))).tolist()
    if plan['task'] == 'classification':
        count = sums[2] * math.sqrt(3)
        m = max(1.0, count)
        return {'validationRows': max(0, js_round(count)), 'validationLoss': max(0.0, bound * sums[0] * math.sqrt(3) / m), 'validationAccuracy': min(1.0, max(0.0, sums[1] * math.sqrt(3) / m))}
    count = sums[3] * 2
    m = max(1.0, count)
    mse = max(0.0, 8 * sums[0] / m)
    mean = 2 * sums[1] / m
    variance = 2 * sums[2] / m - mean * mean
    # Clamped to their ranges like the TypeScript trainers' (post-processing: no privacy spent).
    return {'validationRows': max(0, js_round(count)), 'validationLoss': mse * half * half, 'validationR2': max(-1.0, 1 - mse / variance) if variance > 0 else 0.0}


def js_round(value):
    """JavaScript's Math.round: halves go up."""
    return math.floor(value + 0.5)


def _secure_seed():
    return int.from_bytes(os.urandom(8), 'little') & 0x7FFF_FFFF_FFFF_FFFF


def train(plan, x_raw, y_raw, device, on_epoch=lambda epoch, loss: None, private_seed=None):
    """Trains on the table; returns the float32 tensors to write, the metrics and the steps taken."""
    p, task, privacy = plan['params'], plan['task'], plan['privacy']
    torch.manual_seed(p['seed'])
    scaler = fit_scaler(plan['scaling'], x_raw)
    x = apply_scaler(scaler, x_raw).to(torch.float32).to(device)
    label_scaler = None
    if task == 'regression':
        label_scaler = fit_scaler(plan['labelScaling'], y_raw.unsqueeze(1))
        y = apply_scaler(label_scaler, y_raw.unsqueeze(1))[:, 0].to(torch.float32).to(device)
    else:
        y = y_raw.to(device)
    n = x.shape[0]

    init = torch.Generator().manual_seed(p['seed'])
    params = [q.requires_grad_(True) for q in init_params(plan, init, device)]
    optimizer = make_optimizer(params, p['optimizer'], p['learningRate'], p['l2'])
    steps = 0
    if privacy is not None:
        # Batches and noise come from a generator seeded by the OS's CSPRNG, never from `seed`.
        private = torch.Generator(device=device).manual_seed(_secure_seed() if private_seed is None else private_seed)
        loss_bound = max(1.0, 2 * math.log(len(plan['classes']))) if task == 'classification' else 2.0
        for epoch in range(1, p['epochs'] + 1):
            epoch_loss = 0.0
            for _ in range(privacy['stepsPerEpoch']):
                batch = poisson_sample(n, privacy['sampleRate'], private, device)
                grads, noisy_loss = private_gradient(task, params, x[batch], y[batch], privacy, loss_bound, private)
                epoch_loss += noisy_loss + penalty(params, p['l2'])
                optimizer_step(optimizer, params, grads)
                steps += 1
            on_epoch(epoch, epoch_loss / privacy['stepsPerEpoch'])
    else:
        # Its own stream: the same seed must not make the order echo the initial weights.
        shuffle = torch.Generator().manual_seed((p['seed'] ^ 0x5BD1E995) & 0xFFFFFFFF)
        for epoch in range(1, p['epochs'] + 1):
            order = torch.randperm(n, generator=shuffle).to(device)
            epoch_loss, batches = 0.0, 0
            for start in range(0, n, p['batchSize']):
                index = order[start:start + p['batchSize']]
                loss = row_losses(task, params, x[index], y[index]).mean()
                grads = torch.autograd.grad(loss, params)
                epoch_loss += float(loss) + penalty(params, p['l2'])
                batches += 1
                optimizer_step(optimizer, params, grads)
                steps += 1
            on_epoch(epoch, epoch_loss / batches)

    tensors = {}
    for i, layer in enumerate(plan['layers']):
        tensors[f"{layer['name']}.weight"] = params[2 * i].detach()
        tensors[f"{layer['name']}.bias"] = params[2 * i + 1].detach()
    tensors['feature_mean'] = scaler[0]
    tensors['feature_std'] = scaler[1]
    if task == 'regression':
        tensors['target_mean'] = label_scaler[0]
        tensors['target_std'] = label_scaler[1]

    if privacy is not None:
        # Under DP, a loss or accuracy computed on the data would be released without privacy.
        metrics = {'rows': privacy['rows'], 'epochs': p['epochs'], 'steps': privacy['steps'], 'sampleRate': privacy['sampleRate'],
                   'noiseMultiplier': privacy['noiseMultiplier'], 'maxGradNorm': privacy['maxGradNorm'], 'delta': privacy['delta']}
    else:
        with torch.no_grad():
            out = forward(params, x)
            if task == 'classification':
                loss = float(torch.nn.functional.cross_entropy(out, y)) + penalty(params, p['l2'])
                metrics = {'loss': loss, 'accuracy': float((out.argmax(dim=1) == y).to(torch.float64).mean()), 'rows': n, 'epochs': p['epochs']}
            else:
                predicted = out[:, 0].to(torch.float64).cpu() * label_scaler[1][0] + label_scaler[0][0]
                mse = float(((predicted - y_raw) ** 2).mean())
                variance = float(((y_raw - y_raw.mean()) ** 2).mean())
                metrics = {'loss': mse, 'r2': 1 - mse / variance if variance > 0 else 0.0, 'rows': n, 'epochs': p['epochs']}
    return tensors, metrics, steps


# ---------------------------------------------------------------------------------------------
# Output: safetensors written by hand (8-byte little-endian header length, JSON header, F32 data).


def encode_safetensors(tensors, metadata):
    header = {'__metadata__': metadata}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to('cpu', torch.float32).contiguous().flatten().tolist()
        blob = struct.pack(f'<{len(data)}f', *data)
        header[name] = {'dtype': 'F32', 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)  # pad the header so the data starts 8-byte aligned
    return struct.pack('<Q', len(text)) + text + b''.join(blobs)


def run(job_dir, data_dir, out_dir, emit, diagnostic=lambda line: None, device=None):
    """Runs the whole job; returns the exit code (0, 2 after an error event, 1 internal)."""
    try:
        try:
            with open(os.path.join(job_dir, 'config.json'), 'rb') as f:
                config = json.loads(f.read().decode('utf-8'))
        except (OSError, ValueError):
            raise TrainerError('bad-config', 'config.json is not readable JSON') from None
        if not isinstance(config, dict) or set(config) != {'schema', 'params', 'inputs'}:
            raise TrainerError('bad-config', 'config.json must hold exactly schema, params and inputs')
        inputs = config['inputs']
        if not isinstance(inputs, list) or not 1 <= len(inputs) <= 1024 or not all(isinstance(i, str) and INPUT_NAME.match(i) for i in inputs):
            raise TrainerError('bad-config', 'config.json inputs must be a list of file names')
        plan = plan_torch_mlp(config['schema'], config['params'])

        texts = []
        for name in inputs:
            with open(os.path.join(data_dir, name), 'rb') as f:
                raw = f.read()
            try:
                texts.append(raw.decode('utf-8'))
            except UnicodeDecodeError:
                raise TrainerError('bad-encoding', f'input {json.dumps(name)} is not UTF-8') from None
            del raw
        xs, ys, file_rows = load_table(plan, texts)
        del texts
        # DP's sample rate was computed from the declared rows; a different count would void the accounting.
        if plan['privacy'] is not None and file_rows != plan['privacy']['rows']:
            raise TrainerError('rows-mismatch', 'the data does not have the number of rows the schema declares')
        load_torch()
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        fraction, seed = plan['params']['validationFraction'], plan['params']['seed']
        held_rows = None
        if fraction > 0 and plan['privacy'] is not None:
            # Under DP, row by row (a fixed function of each row), so training and scoring compose in parallel.
            d = len(plan['features'])
            held_rows = [is_private_validation_row(seed, ys[i], xs[i * d:(i + 1) * d], fraction) for i in range(len(ys))]
        x = torch.frombuffer(xs, dtype=torch.float64).reshape(len(ys), len(plan['features'])).clone()
        y = torch.frombuffer(ys, dtype=torch.float64).clone()
        if plan['task'] == 'classification':
            y = y.to(torch.int64)
        del xs, ys

        if device is None:
            device = 'cuda' if torch.cuda.is_available() else 'cpu'
        if device == 'cpu':
            torch.use_deterministic_algorithms(True)
        torch.set_num_threads(threads_for(plan))
        held = None
        if fraction > 0:
            held = torch.tensor(held_rows if held_rows is not None else validation_rows(len(y), fraction, seed), dtype=torch.bool)
            x, y, x_held, y_held = x[~held], y[~held], x[held], y[held]
        tensors, metrics, _ = train(plan, x, y, device, lambda epoch, loss: emit({'event': 'epoch', 'epoch': epoch, 'loss': loss if math.isfinite(loss) else 1e6}))
        if held is not None and plan['privacy'] is None:
            metrics.update(validation_metrics(plan, tensors, x_held, y_held))
        elif held is not None:
            metrics.update(private_validation_metrics(plan, tensors, x_held, y_held, torch.Generator().manual_seed(_secure_seed())))
        if set(metrics) != set(plan['metrics']) or not all(math.isfinite(metrics[k]) for k in plan['metrics']):
            raise RuntimeError('the metrics do not match the plan')
        body = encode_safetensors(tensors, metadata_of(plan))
        try:
            with open(os.path.join(out_dir, 'model.safetensors'), 'wb') as f:
                f.write(body)
            with open(os.path.join(out_dir, 'metrics.json'), 'w', encoding='utf-8') as f:
                f.write(js_json({k: metrics[k] for k in plan['metrics']}))
        except OSError as error:
            raise TrainerError('output-failed', error.__class__.__name__) from None
        emit({'event': 'done'})
        return 0
    except TrainerError as error:
        emit({'event': 'error', 'code': error.code})
        diagnostic(f'TrainerError: {error}')
        return 2
    except Exception as error:  # noqa: BLE001 - every other failure is an internal error, by name only
        emit({'event': 'error', 'code': 'internal-error'})
        diagnostic(f'{error.__class__.__name__}')
        return 1


def _emit(event):
    sys.stdout.write(js_json(event) + '\n')
    sys.stdout.flush()


def main():
    _emit({'event': 'started'})
    # Outside the sandbox (benchmarks, the GPU check) the paths can sit under a root directory;
    # inside, the sandbox clears the environment, so its fixed paths always apply.
    root = os.environ.get('DATAVAULT_TRAINER_ROOT', '')
    device = os.environ.get('DATAVAULT_TRAINER_DEVICE') or None
    code = run(f'{root}/job', f'{root}/data', f'{root}/out', _emit, lambda line: sys.stderr.write(line + '\n'), device)
    sys.stdout.flush()
    sys.exit(code)


if __name__ == '__main__':
    main()
