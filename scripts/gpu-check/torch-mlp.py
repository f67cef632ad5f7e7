#!/usr/bin/env python3
"""GPU check of the torch-mlp trainer, for a machine with CUDA PyTorch (2.x) and no Node.

Runs the trainer program itself (compute-to-data/src/trainers/torch-mlp/train.py, unchanged) on a
generated CSV, once on the CPU and once on CUDA (when torch sees a GPU), the way the node runs it:
/job/config.json, /data/train.csv and /out under a root directory (DATAVAULT_TRAINER_ROOT), the
event protocol on stdout. Prints the epoch time on each device and the ratio, checks each run's
model.safetensors (header, tensor names and shapes, finite F32 data) and its metrics, and copies
the files to the output directory ($OUT, else ./gpu-check-out).

    python3 scripts/gpu-check/torch-mlp.py [--rows 100000] [--features 32] [--hidden 256,256]
        [--epochs 5] [--batch 512] [--dp]

Without CUDA it runs the CPU half only and says so.
"""
import argparse
import json
import math
import os
import random
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN_PY = os.path.normpath(os.path.join(HERE, '..', '..', 'compute-to-data', 'src', 'trainers', 'torch-mlp', 'train.py'))


def generate(rows, features, seed):
    """A nonlinear two-class problem: the label is the sign of a sum of products of features."""
    rng = random.Random(seed)
    names = [f'f{i}' for i in range(features)]
    lines = [','.join(names + ['label'])]
    for _ in range(rows):
        x = [rng.gauss(0, 1) for _ in range(features)]
        score = sum(x[i] * x[(i + 1) % features] for i in range(0, features, 2)) + 0.3 * rng.gauss(0, 1)
        lines.append(','.join(f'{v:.6g}' for v in x) + (',pos' if score > 0 else ',neg'))
    schema = {
        'format': 'csv',
        'rows': rows,
        'columns': [{'name': n, 'type': 'number', 'min': -6, 'max': 6} for n in names] + [{'name': 'label', 'type': 'category', 'values': ['neg', 'pos']}],
    }
    return '\n'.join(lines) + '\n', schema


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length].decode('utf-8'))
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        assert entry['dtype'] == 'F32', name
        count = math.prod(entry['shape'])
        assert end - begin == 4 * count, name
        values = struct.unpack(f'<{count}f', body[begin:end])
        assert all(math.isfinite(v) for v in values), f'{name} has non-finite values'
        tensors[name] = entry['shape']
    return header.get('__metadata__', {}), tensors


def run(device, root, out_dir, timeout):
    """Runs train.py on `device`; returns the times between successive epoch events, in seconds."""
    for d in ('out',):
        shutil.rmtree(os.path.join(root, d), ignore_errors=True)
        os.makedirs(os.path.join(root, d))
    env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'), 'DATAVAULT_TRAINER_ROOT': root, 'DATAVAULT_TRAINER_DEVICE': device}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, '-B', TRAIN_PY], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stamps, events = [], []
    for line in child.stdout:
        event = json.loads(line)
        events.append(event)
        if event['event'] == 'epoch':
            stamps.append(time.perf_counter())
    code = child.wait(timeout=timeout)
    total = time.perf_counter() - started
    if code != 0 or events[-1] != {'event': 'done'}:
        raise SystemExit(f'{device}: train.py exited {code}, last event {events[-1] if events else None}: {child.stderr.read()[-2000:]}')
    metadata, tensors = read_safetensors(os.path.join(root, 'out', 'model.safetensors'))
    with open(os.path.join(root, 'out', 'metrics.json')) as f:
        metrics = json.load(f)
    os.makedirs(out_dir, exist_ok=True)
    for name in ('model.safetensors', 'metrics.json'):
        shutil.copy(os.path.join(root, 'out', name), os.path.join(out_dir, f'{device}-{name}'))
    return {'intervals': [b - a for a, b in zip(stamps, stamps[1:])], 'first': stamps[0] - started if stamps else None, 'total': total,
            'metadata': metadata, 'tensors': tensors, 'metrics': metrics}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--features', type=int, default=32)
    parser.add_argument('--hidden', default='256,256')
    parser.add_argument('--epochs', type=int, default=5)
    parser.add_argument('--batch', type=int, default=512)
    parser.add_argument('--dp', action='store_true', help='train with DP-SGD (sigma 1, C 1)')
    parser.add_argument('--timeout', type=int, default=540)
    args = parser.parse_args()

    import torch  # only to report what this machine has; train.py imports its own

    cuda = torch.cuda.is_available()
    print(f'torch {torch.__version__}, CUDA {torch.version.cuda}, GPU: {torch.cuda.get_device_name(0) if cuda else "none"}; train.py: {TRAIN_PY}')
    out_dir = os.environ.get('OUT') or os.path.join(os.getcwd(), 'gpu-check-out')
    root = tempfile.mkdtemp(prefix='torch-mlp-gpu-check-')
    try:
        os.makedirs(os.path.join(root, 'job'))
        os.makedirs(os.path.join(root, 'data'))
        csv, schema = generate(args.rows, args.features, seed=12)
        with open(os.path.join(root, 'data', 'train.csv'), 'w') as f:
            f.write(csv)
        # The parameters as the node passes them (the SDK's schema with its defaults filled in).
        params = {'label': 'label', 'hidden': [int(h) for h in args.hidden.split(',')], 'epochs': args.epochs, 'learningRate': 0.001,
                  'optimizer': 'adam', 'l2': 0, 'batchSize': args.batch, 'seed': 1}
        if args.dp:
            params['dp'] = {'noiseMultiplier': 1, 'maxGradNorm': 1}
        with open(os.path.join(root, 'job', 'config.json'), 'w') as f:
            json.dump({'schema': schema, 'params': params, 'inputs': ['train.csv']}, f)
        print(f'data: {args.rows} rows x {args.features} features; hidden {params["hidden"]}, batch {args.batch}, {args.epochs} epochs{", DP-SGD" if args.dp else ""}')

        results = {}
        for device in ['cpu'] + (['cuda'] if cuda else []):
            r = run(device, root, out_dir, args.timeout)
            results[device] = r
            epoch = statistics.median(r['intervals']) if r['intervals'] else float('nan')
            print(f'{device}: epoch {epoch * 1000:.0f} ms (median of {len(r["intervals"])}), first epoch done after {r["first"]:.1f} s (start-up, reading, first epoch), '
                  f'total {r["total"]:.1f} s; metrics {json.dumps(r["metrics"])}; tensors {json.dumps(r["tensors"])}')
        if 'cuda' in results:
            cpu, gpu = (statistics.median(results[d]['intervals']) for d in ('cpu', 'cuda'))
            print(f'epoch time GPU {gpu * 1000:.0f} ms vs CPU {cpu * 1000:.0f} ms: GPU is {cpu / gpu:.1f}x faster')
            assert results['cpu']['tensors'] == results['cuda']['tensors'] and results['cpu']['metadata'] == results['cuda']['metadata']
            print('same tensor names, shapes and metadata from both devices')
        else:
            print('no CUDA device: CPU only (run this on a GPU machine for the comparison)')
        print(f'model files in {out_dir}')
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == '__main__':
    main()
