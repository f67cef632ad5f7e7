# datavault trainer torch-custom@1.1.0
#
# A buyer's own PyTorch model, trained by the node's DP-SGD loop. The buyer supplies only Python
# source that defines `build(inputs, outputs) -> torch.nn.Module` and `loss(output, target) -> a
# scalar tensor` for one example; this program (the node's code) owns everything else: it reads
# /job/config.json and the CSV inputs under /data, initialises the parameters from the public
# seed, samples each step's batch (Poisson, from the OS's CSPRNG), gets each example's gradient,
# clips it, sums, adds Gaussian noise, updates, and writes only the parameters it kept
# (/out/model.safetensors) and public metrics (/out/metrics.json).
#
# The buyer's code never runs in this process. Each example's gradient is computed by a fresh
# process forked from a "zygote" that never saw data and never ran the buyer's code; the child
# closes every descriptor but two pipes, lowers its limits, installs a seccomp filter that allows
# only computing (no open, no socket, no fork, no signal, no sleep), and only then reads the
# parameters and ONE example and runs the buyer's source. Its answer is a fixed number of float32
# values read by this process; anything else (an exception, a crash, a timeout, NaN) counts as a
# zero gradient, which DP-SGD's sensitivity bound already covers. So no state survives from one
# example to another, and no buyer code sees two rows, the output, the noise or the parameters
# this process keeps. See README.md for what this guarantees and what it does not.
#
# Only the standard library and torch (functional_call: torch.func on 2.x, nn.utils.stateless on 1.13).
import array
import csv
import ctypes
import hashlib
import io
import json
import math
import os
import re
import resource
import select
import signal
import socket
import struct
import sys
import time

TRAINER_ID = 'torch-custom'
TRAINER_VERSION = '1.1.0'
MAX_PARAMETERS = 1024 * 1024
MAX_SOURCE_BYTES = 64 * 1024
# Share of the clipping norm C spent on each row's loss (the progress loss, as torch-mlp does).
DP_LOSS_SHARE = 0.1
# One example's gradient: wall time the node waits, CPU seconds and address space the child gets.
EXAMPLE_TIMEOUT_S = 5.0
EXAMPLE_CPU_S = 5
EXAMPLE_MEMORY_BYTES = 512 * 1024 * 1024
INPUT_NAME = re.compile(r'^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$')
TENSOR_NAME = re.compile(r'^[A-Za-z0-9_][A-Za-z0-9_.]{0,127}$')
NUMBER = re.compile(r'^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$')
PARAMETER_KEYS = {'label', 'features', 'model', 'epochs', 'learningRate', 'batchSize', 'seed', 'validationFraction', 'dp'}
RESERVED_TENSORS = {'feature_mean', 'feature_std', 'target_mean', 'target_std'}

os.environ['OMP_NUM_THREADS'] = '1'
os.environ['OPENBLAS_NUM_THREADS'] = '1'
os.environ['MKL_NUM_THREADS'] = '1'
os.environ['OMP_WAIT_POLICY'] = 'PASSIVE'

torch = None
functional_call = None


def load_torch():
    global torch, functional_call
    if torch is None:
        import torch as loaded
        import torch.nn  # noqa: F401 - loaded before the children lose open()
        import torch.nn.functional  # noqa: F401
        try:  # torch 2.x
            from torch.func import functional_call as call
        except ImportError:  # torch 1.13 (Debian 12)
            from torch.nn.utils.stateless import functional_call as call
        torch, functional_call = loaded, call
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
    return torch


class TrainerError(Exception):
    """A reason code from the node's fixed list; `detail` never carries data."""

    def __init__(self, code, detail=''):
        super().__init__(f'{code}: {detail}' if detail else code)
        self.code = code


# ---------------------------------------------------------------------------------------------
# JSON exactly as JavaScript's JSON.stringify writes it (metadata values the node declared).


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
# The plan: what plan.ts derives from the schema and the parameters.


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_params(params):
    bad = TrainerError('bad-parameters', 'the parameters are not those of torch-custom')
    if not isinstance(params, dict) or not set(params) <= PARAMETER_KEYS:
        raise bad
    p = dict(params)
    p.setdefault('epochs', 5)
    p.setdefault('learningRate', 0.1)
    p.setdefault('batchSize', 32)
    p.setdefault('seed', 0)
    p.setdefault('validationFraction', 0)
    model = p.get('model')
    ok = (
        isinstance(p.get('label'), str) and 1 <= len(p['label']) <= 128
        and (p.get('features') is None or (isinstance(p['features'], list) and 1 <= len(p['features']) <= 10000 and all(isinstance(f, str) and 1 <= len(f) <= 128 for f in p['features'])))
        and _is_int(p['epochs']) and 1 <= p['epochs'] <= 1000
        and _is_number(p['learningRate']) and 0 < p['learningRate'] <= 10
        and _is_int(p['batchSize']) and 1 <= p['batchSize'] <= 1_000_000
        and _is_int(p['seed']) and 0 <= p['seed'] <= 0xFFFFFFFF
        and _is_number(p['validationFraction']) and 0 <= p['validationFraction'] <= 0.5
        and isinstance(model, dict) and set(model) == {'source', 'parameters'}
        and isinstance(model['source'], str) and 1 <= len(model['source'].encode('utf-8')) <= MAX_SOURCE_BYTES
        and isinstance(model['parameters'], list) and 1 <= len(model['parameters']) <= 64
    )
    if ok:
        for tensor in model['parameters']:
            ok = ok and isinstance(tensor, dict) and set(tensor) == {'name', 'shape'}
            ok = ok and isinstance(tensor.get('name'), str) and TENSOR_NAME.match(tensor['name']) is not None and tensor['name'] not in RESERVED_TENSORS
            ok = ok and isinstance(tensor.get('shape'), list) and 1 <= len(tensor['shape']) <= 4 and all(_is_int(s) and 1 <= s <= MAX_PARAMETERS for s in tensor['shape'])
            if not ok:
                break
    dp = p.get('dp')
    ok = ok and isinstance(dp, dict) and set(dp) <= {'noiseMultiplier', 'maxGradNorm', 'delta'}
    ok = ok and _is_number(dp.get('noiseMultiplier')) and 0 < dp['noiseMultiplier'] <= 1000
    ok = ok and _is_number(dp.get('maxGradNorm')) and 0 < dp['maxGradNorm'] <= 1e6
    ok = ok and (dp.get('delta') is None or (_is_number(dp['delta']) and 0 < dp['delta'] < 1))
    if not ok:
        raise bad
    names = [t['name'] for t in model['parameters']]
    if len(set(names)) != len(names):
        raise TrainerError('bad-parameters', 'a model parameter is declared twice')
    if sum(math.prod(t['shape']) for t in model['parameters']) > MAX_PARAMETERS:
        raise TrainerError('model-too-large', 'the model declares too many parameters')
    return p


def column_bounds(column):
    if column is None or column.get('type') != 'number':
        return None
    lo, hi = column.get('min'), column.get('max')
    if not (_is_number(lo) and _is_number(hi)) or not lo < hi:
        return None
    return (lo, hi)


def plan_torch_custom(schema, params):
    p = check_params(params)
    columns = schema.get('columns') if isinstance(schema, dict) else None
    if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get('name'), str) for c in columns):
        raise TrainerError('bad-config', 'the dataset schema has no columns')
    by_name = {c['name']: c for c in columns}
    label = by_name.get(p['label'])
    if label is None:
        raise TrainerError('missing-column', 'the label column is not in the schema')
    if label.get('type') == 'category' and isinstance(label.get('values'), list) and len(label['values']) >= 2:
        task, classes = 'classification', list(label['values'])
    elif label.get('type') == 'number':
        task, classes = 'regression', None
    else:
        raise TrainerError('bad-label', 'the label must be a category or number column')
    if p.get('features') is None:
        features = [c['name'] for c in columns if c.get('type') == 'number' and c['name'] != p['label']]
    else:
        features = list(p['features'])
        if len(set(features)) != len(features):
            raise TrainerError('duplicate-feature', 'a feature column is listed twice')
        for name in features:
            column = by_name.get(name)
            if column is None:
                raise TrainerError('missing-column', 'a feature column is not in the schema')
            if column.get('type') != 'number' or name == p['label']:
                raise TrainerError('bad-feature', 'a feature column is not a number column')
    if not features:
        raise TrainerError('no-numeric-features', 'no number column to use as a feature')

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
    # The validation pass: one epoch's worth of the same sampled Gaussian steps, accounted as such.
    validation_steps = steps_per_epoch if p['validationFraction'] > 0 else 0
    privacy = {
        'noiseMultiplier': p['dp']['noiseMultiplier'], 'maxGradNorm': p['dp']['maxGradNorm'], 'delta': delta, 'rows': rows,
        'expectedBatchSize': p['batchSize'], 'sampleRate': sample_rate, 'stepsPerEpoch': steps_per_epoch,
        'steps': p['epochs'] * steps_per_epoch + validation_steps,
    }

    def bounds(names):
        found = [column_bounds(by_name.get(name)) for name in names]
        if any(b is None for b in found):
            raise TrainerError('dp-missing-bounds', 'DP needs declared min and max on every column the model reads')
        return {'kind': 'bounds', 'min': [b[0] for b in found], 'max': [b[1] for b in found]}

    return {
        'task': task, 'label': p['label'], 'classes': classes, 'features': features,
        'outputs': len(classes) if classes is not None else 1,
        'parameters': [{'name': t['name'], 'shape': list(t['shape'])} for t in p['model']['parameters']],
        'source': p['model']['source'],
        'scaling': bounds(features), 'labelScaling': bounds([p['label']]) if task == 'regression' else None,
        'privacy': privacy, 'params': p, 'validationSteps': validation_steps,
        'metrics': ['rows', 'epochs', 'steps', 'sampleRate', 'noiseMultiplier', 'maxGradNorm', 'delta']
        + ((['validationLoss', 'validationAccuracy'] if task == 'classification' else ['validationLoss', 'validationR2']) if validation_steps else []),
    }


def metadata_of(plan):
    """The model file's `__metadata__`: exactly plan.ts's torchCustomMetadata(plan)."""
    metadata = {
        'trainer': TRAINER_ID,
        'version': TRAINER_VERSION,
        'task': plan['task'],
        'label': plan['label'],
        'features': js_json(plan['features']),
    }
    if plan['task'] == 'classification':
        metadata['classes'] = js_json(plan['classes'])
    metadata['model'] = '0x' + hashlib.sha256(plan['source'].encode('utf-8')).hexdigest()
    metadata['scaling'] = 'bounds'
    privacy = plan['privacy']
    metadata['privacy'] = js_json({k: privacy[k] for k in ('noiseMultiplier', 'maxGradNorm', 'sampleRate', 'steps', 'delta')})
    return metadata


# ---------------------------------------------------------------------------------------------
# Reading the data (as torch-mlp does).


def _number(cell):
    if not NUMBER.match(cell):
        return None
    value = float(cell)
    return value if math.isfinite(value) else None


def load_table(plan, texts):
    features, label = plan['features'], plan['label']
    class_index = None if plan['classes'] is None else {name: i for i, name in enumerate(plan['classes'])}
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
                    for name in (label, *features):
                        if name not in position:
                            raise TrainerError('missing-column', f'input {number} has no column {json.dumps(name)}')
                    feature_columns = [position[name] for name in features]
                    label_column = position[label]
                    continue
                if len(fields) != len(header):
                    raise TrainerError('ragged-row', f'input {number} line {line}')
                for j, column in enumerate(feature_columns):
                    value = _number(fields[column])
                    if value is None:
                        raise TrainerError('non-numeric-cell', f'input {number} line {line} column {json.dumps(features[j])}')
                    xs.append(value)
                cell = fields[label_column]
                target = _number(cell) if class_index is None else class_index.get(cell)
                if target is None:
                    raise TrainerError('non-numeric-cell' if class_index is None else 'unknown-label-value', f'input {number} line {line} column {json.dumps(label)}')
                ys.append(target)
        except csv.Error:
            raise TrainerError('bad-csv', f'input {number} is not valid CSV near line {reader.line_num}') from None
        if header is None:
            raise TrainerError('no-rows', f'input {number} is empty')
    if not ys:
        raise TrainerError('no-rows', 'the inputs have a header but no rows')
    return xs, ys


def scale(bounds, values):
    lo = torch.tensor(bounds['min'], dtype=torch.float64)
    hi = torch.tensor(bounds['max'], dtype=torch.float64)
    center, half = (lo + hi) / 2, (hi - lo) / 2
    return ((values - center) / half).clamp(-1, 1), center, half


# ---------------------------------------------------------------------------------------------
# The child's confinement: a seccomp filter that allows computing and nothing else (x86-64).

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
# What Python and torch's CPU kernels call while computing on memory they have: reading and writing
# the two pipes, memory management, futexes, signal masks, clocks and identity queries. No open,
# no socket, no clone/fork/exec, no kill, no sleep, no prlimit on other processes.
CHILD_SYSCALLS_X64 = {
    'read': 0, 'write': 1, 'close': 3, 'fstat': 5, 'lseek': 8, 'mmap': 9, 'mprotect': 10, 'munmap': 11, 'brk': 12,
    'rt_sigaction': 13, 'rt_sigprocmask': 14, 'rt_sigreturn': 15, 'ioctl': 16, 'pread64': 17, 'readv': 19, 'writev': 20,
    'sched_yield': 24, 'mremap': 25, 'madvise': 28, 'getpid': 39, 'exit': 60, 'uname': 63, 'fcntl': 72, 'getcwd': 79,
    'gettimeofday': 96, 'getrlimit': 97, 'getrusage': 98, 'sysinfo': 99, 'times': 100, 'getuid': 102, 'getgid': 104,
    'geteuid': 107, 'getegid': 108, 'sigaltstack': 131, 'arch_prctl': 158, 'gettid': 186, 'futex': 202,
    'sched_getaffinity': 204, 'clock_gettime': 228, 'clock_getres': 229, 'exit_group': 231, 'newfstatat': 262,
    'set_robust_list': 273, 'getrandom': 318, 'statx': 332, 'rseq': 334,
}


def seccomp_program():
    """Classic BPF: wrong architecture or x32 → kill; an allowed call → allow; anything else → EPERM."""
    allowed = sorted(set(CHILD_SYSCALLS_X64.values()))
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    kill, errno_eperm, allow = 0x80000000, 0x00050001, 0x7FFF0000
    program = [(ld, 0, 0, 4), (jeq, 1, 0, AUDIT_ARCH_X86_64), (ret, 0, 0, kill), (ld, 0, 0, 0)]
    deny_at = 5 + len(allowed)  # index of the EPERM return; the allow return follows it
    # x32 calls (numbers with bit 30 set) jump to the kill at the very end.
    program.append((jge, len(allowed) + 2, 0, X32_SYSCALL_BIT))
    for i, nr in enumerate(allowed):
        index = 5 + i
        program.append((jeq, (deny_at + 1) - index - 1, 0, nr))
    program.append((ret, 0, 0, errno_eperm))
    program.append((ret, 0, 0, allow))
    program.append((ret, 0, 0, kill))
    return b''.join(struct.pack('<HBBI', *instruction) for instruction in program)


class _SockFprog(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]


def confine_child(input_fd, result_fd, null_fd):
    """In the freshly forked child, before any buyer code and before any data: fds, limits, seccomp."""
    os.dup2(input_fd, 0)
    os.dup2(result_fd, 3)
    os.dup2(null_fd, 1)
    os.dup2(null_fd, 2)
    os.closerange(4, 65536)
    status = open('/proc/self/status').read()
    vm_size = int(re.search(r'VmSize:\s+(\d+) kB', status).group(1)) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (vm_size + EXAMPLE_MEMORY_BYTES, vm_size + EXAMPLE_MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_CPU, (EXAMPLE_CPU_S, EXAMPLE_CPU_S + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prog = seccomp_program()
    buffer = ctypes.create_string_buffer(prog, len(prog))
    fprog = _SockFprog(len(prog) // 8, ctypes.addressof(buffer))
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        os._exit(90)
    if libc.prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        os._exit(91)


def read_exactly(fd, n):
    chunks, got = [], 0
    while got < n:
        chunk = os.read(fd, min(n - got, 1 << 20))
        if not chunk:
            raise EOFError()
        chunks.append(chunk)
        got += len(chunk)
    return b''.join(chunks)


def child_main(plan, source_code, mode):
    """Runs in the confined child: reads the parameters and one example, writes the gradient and loss."""
    try:
        shapes = [t['shape'] for t in plan['parameters']]
        sizes = [math.prod(s) for s in shapes]
        total = sum(sizes)
        dims = len(plan['features'])
        payload = read_exactly(0, 4 * (total + dims + 1))
        floats = torch.frombuffer(bytearray(payload), dtype=torch.float32)
        params, offset = [], 0
        for shape, size in zip(shapes, sizes):
            params.append(floats[offset:offset + size].reshape(shape).clone())
            offset += size
        x = floats[offset:offset + dims].clone()
        y = floats[offset + dims].clone()
        target = y.to(torch.int64) if plan['task'] == 'classification' else y
        namespace = {'__name__': 'model', '__builtins__': __builtins__}
        exec(source_code, namespace)  # noqa: S102 - the buyer's code, confined (see confine_child)
        module = namespace['build'](len(plan['features']), plan['outputs'])
        loss_fn = namespace['loss']
        if mode == 'probe':
            names = [[n, list(q.shape)] for n, q in module.named_parameters()]
            buffers = len(list(module.buffers()))
            answer = json.dumps({'parameters': names, 'buffers': buffers}).encode('utf-8')[:65536]
            os.write(3, struct.pack('<I', len(answer)) + answer)
            os._exit(0)
        # The parameters are this child's copies of the node's, passed in for the call: the module's
        # own are never used, and nothing it writes anywhere outlives this process.
        names = [n for n, _ in module.named_parameters()]
        if len(names) != len(params):
            os._exit(3)
        leaves = [q.requires_grad_(True) for q in params]

        if mode == 'eval':
            # A held-out example: the module's output and loss, for the node's own validation sums.
            with torch.no_grad():
                output = functional_call(module, dict(zip(names, params)), (x.unsqueeze(0),))
                value = loss_fn(output[0], target)
            flat = torch.cat([output[0].reshape(-1), value.detach().reshape(1)]).to(torch.float32).contiguous()
            if flat.numel() != plan['outputs'] + 1:
                os._exit(3)
            body = flat.numpy().tobytes()
            view = memoryview(body)
            while view:
                view = view[os.write(3, view):]
            os._exit(0)

        def example_loss():
            output = functional_call(module, dict(zip(names, leaves)), (x.unsqueeze(0),))
            return loss_fn(output[0], target)

        value = example_loss()
        grads = torch.autograd.grad(value, leaves, allow_unused=True)
        grads = [torch.zeros_like(q) if g is None else g for g, q in zip(grads, leaves)]
        value = value.detach()
        flat = torch.cat([g.reshape(-1) for g in grads] + [value.reshape(1)]).to(torch.float32).contiguous()
        if flat.numel() != total + 1:
            os._exit(3)
        body = flat.numpy().tobytes() if hasattr(flat, 'numpy') else bytes(flat.untyped_storage())
        view = memoryview(body)
        while view:
            view = view[os.write(3, view):]
        os._exit(0)
    except BaseException:  # noqa: BLE001 - nothing of an error leaves the child, not even its name
        os._exit(2)


def warm_up():
    """Runs the node's own tiny model once so that what torch initialises lazily on a first call is
    done here, once, instead of in every child (and imports nothing a child would need to open)."""
    module = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Tanh(), torch.nn.Linear(2, 2))
    leaves = {n: q.detach().clone().requires_grad_(True) for n, q in module.named_parameters()}
    output = functional_call(module, leaves, (torch.zeros(1, 2),))
    value = torch.nn.functional.cross_entropy(output, torch.tensor([0]))
    torch.autograd.grad(value, list(leaves.values()), allow_unused=True)
    torch.cat([torch.zeros(1), torch.zeros(1)]).numpy().tobytes()


def zygote_main(plan, channel, null_fd):
    """The zygote: forked before any data was read, never runs buyer code; forks one child per request."""
    source_code = compile(plan['source'], 'model.py', 'exec')
    warm_up()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    while True:
        try:
            message, fds, _, _ = socket.recv_fds(channel, 16, 2)
        except OSError:
            os._exit(0)
        if not message or len(fds) != 2:
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            channel.close()
            confine_child(fds[0], fds[1], null_fd)
            child_main(plan, source_code, {b'probe': 'probe', b'eval': 'eval'}.get(message, 'grad'))
            os._exit(2)
        for fd in fds:
            os.close(fd)
        channel.sendall(struct.pack('<i', pid))


class Examples:
    """The trainer's side: asks the zygote for a child per example and reads its fixed-size answer."""

    def __init__(self, plan):
        self.plan = plan
        self.total = sum(math.prod(t['shape']) for t in plan['parameters'])
        self.failures = 0
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        null_fd = os.open('/dev/null', os.O_RDWR)
        pid = os.fork()
        if pid == 0:
            parent.close()
            try:
                zygote_main(plan, child, null_fd)
            finally:
                os._exit(0)
        child.close()
        os.close(null_fd)
        self.zygote = pid
        self.channel = parent

    def _spawn(self, kind):
        in_read, in_write = os.pipe()
        out_read, out_write = os.pipe()
        socket.send_fds(self.channel, [kind], [in_read, out_write])
        os.close(in_read)
        os.close(out_write)
        pid = struct.unpack('<i', read_exactly(self.channel.fileno(), 4))[0]
        return pid, in_write, out_read

    def _exchange(self, kind, payload, answer_bytes, fixed):
        """Sends `payload`, reads the answer (exactly `answer_bytes`, or a length-prefixed one), kills the child."""
        pid, w, r = self._spawn(kind)
        deadline = time.monotonic() + EXAMPLE_TIMEOUT_S
        os.set_blocking(w, False)
        view, received, wanted = memoryview(payload), bytearray(), answer_bytes
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                readable, writable, _ = select.select([r], [w] if view else [], [], remaining)
                if writable:
                    try:
                        view = view[os.write(w, view):]
                    except BlockingIOError:
                        pass
                    except BrokenPipeError:
                        return None
                    if not view:
                        os.close(w)
                        w = -1
                if readable:
                    chunk = os.read(r, 1 << 20)
                    if not chunk:
                        return None
                    received += chunk
                    if not fixed and wanted is None and len(received) >= 4:
                        wanted = 4 + min(struct.unpack('<I', bytes(received[:4]))[0], 65536)
                    if wanted is not None and len(received) >= wanted:
                        return bytes(received[:wanted])
        finally:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if w != -1:
                os.close(w)
            os.close(r)

    def probe(self):
        """The model's parameters and buffers, from a child that saw no data (zeros as the example)."""
        dims = len(self.plan['features'])
        answer = self._exchange(b'probe', bytes(4 * (self.total + dims + 1)), None, False)
        if answer is None:
            return None
        try:
            return json.loads(answer[4:].decode('utf-8'))
        except ValueError:
            return None

    def gradient(self, params_blob, x, y):
        """One example's gradient (a flat float32 tensor) and loss, or None when the child gave nothing usable."""
        payload = params_blob + struct.pack(f'<{len(x)}f', *x) + struct.pack('<f', y)
        answer = self._exchange(b'grad', payload, 4 * (self.total + 1), True)
        if answer is None:
            self.failures += 1
            return None
        flat = torch.frombuffer(bytearray(answer), dtype=torch.float32)
        return flat[:-1], float(flat[-1])

    def evaluate(self, params_blob, x, y):
        """One held-out example's model output (a list of floats) and loss, or None when the child gave nothing usable."""
        payload = params_blob + struct.pack(f'<{len(x)}f', *x) + struct.pack('<f', y)
        answer = self._exchange(b'eval', payload, 4 * (self.plan['outputs'] + 1), True)
        if answer is None:
            return None
        values = list(struct.unpack(f'<{self.plan["outputs"] + 1}f', answer))
        return values[:-1], values[-1]

    def close(self):
        try:
            self.channel.close()
            os.kill(self.zygote, signal.SIGKILL)
            os.waitpid(self.zygote, 0)
        except OSError:
            pass


# ---------------------------------------------------------------------------------------------
# DP-SGD, owned by this process.


def init_params(plan, seed):
    """From the public seed only: weights uniform in ±1/√fan_in (as torch.nn.Linear), vectors zero."""
    generator = torch.Generator().manual_seed(seed)
    params = []
    for tensor in plan['parameters']:
        shape = tensor['shape']
        if len(shape) >= 2:
            bound = 1 / math.sqrt(math.prod(shape[1:]))
            params.append((torch.rand(shape, generator=generator, dtype=torch.float32) * 2 - 1) * bound)
        else:
            params.append(torch.zeros(shape, dtype=torch.float32))
    return params


def _secure_seed():
    return int.from_bytes(os.urandom(8), 'little') & 0x7FFF_FFFF_FFFF_FFFF


def train(plan, x, y, examples, on_epoch=lambda epoch, loss: None, private_seed=None):
    p, privacy = plan['params'], plan['privacy']
    params = init_params(plan, p['seed'])
    total = sum(q.numel() for q in params)
    c, sigma = privacy['maxGradNorm'], privacy['noiseMultiplier']
    gradient_budget = c * math.sqrt(1 - DP_LOSS_SHARE ** 2)
    loss_bound = max(1.0, 2 * math.log(len(plan['classes']))) if plan['task'] == 'classification' else 2.0
    private = torch.Generator().manual_seed(_secure_seed() if private_seed is None else private_seed)
    n = x.shape[0]
    rows = [x[i].tolist() for i in range(n)]
    targets = y.tolist()
    # Each row is held out for validation on its own coin (CSPRNG), independently of the others, so
    # that a row's presence changes nothing but its own contributions: it joins a step's batch with
    # probability q at most, in training or in validation, and the accountant's (q, σ, steps) holds.
    held = (torch.rand(n, generator=private) < p['validationFraction']).tolist() if plan['validationSteps'] else [False] * n
    steps = 0
    for epoch in range(1, p['epochs'] + 1):
        epoch_loss = 0.0
        for _ in range(privacy['stepsPerEpoch']):
            batch = torch.nonzero(torch.rand(n, generator=private) < privacy['sampleRate']).flatten().tolist() if privacy['sampleRate'] < 1 else list(range(n))
            batch = [i for i in batch if not held[i]]
            blob = torch.cat([q.reshape(-1) for q in params]).contiguous().numpy().tobytes()
            sums = torch.zeros(total, dtype=torch.float64)
            loss_coordinate = 0.0
            for i in batch:
                answer = examples.gradient(blob, rows[i], targets[i])
                if answer is None:
                    continue
                g, loss = answer
                g = g.to(torch.float64)
                if not bool(torch.isfinite(g).all()):
                    continue
                norm = float(g.norm())
                sums += g * min(1.0, gradient_budget / (norm + 1e-12))
                loss = min(max(loss, 0.0), loss_bound) if math.isfinite(loss) else 0.0
                loss_coordinate += DP_LOSS_SHARE * c * loss / loss_bound
            sums += sigma * c * torch.randn(total, generator=private, dtype=torch.float64)
            loss_coordinate += sigma * c * float(torch.randn((), generator=private, dtype=torch.float64))
            divisor = privacy['expectedBatchSize']
            update = sums / divisor
            offset = 0
            for q in params:
                q -= (p['learningRate'] * update[offset:offset + q.numel()]).reshape(q.shape).to(torch.float32)
                offset += q.numel()
            epoch_loss += loss_coordinate * loss_bound / (DP_LOSS_SHARE * c) / divisor
            steps += 1
        on_epoch(epoch, epoch_loss / privacy['stepsPerEpoch'])
    validation = validate(plan, params, rows, targets, held, examples, private) if plan['validationSteps'] else {}
    return params, steps + plan['validationSteps'], validation


def validate(plan, params, rows, targets, held, examples, private):
    """Validation loss and accuracy (or R²) of the final parameters on the held-out rows, computed by
    the node (never reported by the buyer's code) and released under the same sampled Gaussian
    mechanism as a training step, for `validationSteps` steps that the accountant counts.

    Each sampled held-out row contributes one vector of values in [0, 1] (or [-1, 1]): classification
    (1, correct, loss / B), regression (1, y, y², min((ŷ - y)², 4) / 4, loss / B), scaled to norm ≤ C;
    each step's sum gets N(0, σ²C²) per coordinate. The metrics are post-processing of the noisy sums.
    A child that fails counts as a wrong answer with the largest loss."""
    privacy = plan['privacy']
    c, sigma = privacy['maxGradNorm'], privacy['noiseMultiplier']
    classification = plan['task'] == 'classification'
    loss_bound = max(1.0, 2 * math.log(len(plan['classes']))) if classification else 2.0
    width = 3 if classification else 5
    unit = c / math.sqrt(width)
    blob = torch.cat([q.reshape(-1) for q in params]).contiguous().numpy().tobytes()
    n = len(rows)
    sums = torch.zeros(width, dtype=torch.float64)
    for _ in range(plan['validationSteps']):
        sampled = torch.nonzero(torch.rand(n, generator=private) < privacy['sampleRate']).flatten().tolist() if privacy['sampleRate'] < 1 else list(range(n))
        for i in sampled:
            if not held[i]:
                continue
            target = targets[i]
            answer = examples.evaluate(blob, rows[i], target)
            outputs, loss = answer if answer is not None else ([], math.nan)
            loss_share = min(max(loss, 0.0), loss_bound) / loss_bound if math.isfinite(loss) else 1.0
            finite = len(outputs) == plan['outputs'] and all(math.isfinite(v) for v in outputs)
            if classification:
                correct = 1.0 if finite and max(range(len(outputs)), key=lambda k: outputs[k]) == int(target) else 0.0
                vector = [1.0, correct, loss_share]
            else:
                error = min((outputs[0] - target) ** 2, 4.0) / 4 if finite else 1.0
                vector = [1.0, target, target * target, error, loss_share]
            sums += unit * torch.tensor(vector, dtype=torch.float64)
        sums += sigma * c * torch.randn(width, generator=private, dtype=torch.float64)
    values = (sums / unit).tolist()
    count = max(values[0], 1.0)
    metrics = {'validationLoss': min(max(values[-1] / count * loss_bound, 0.0), loss_bound)}
    if classification:
        metrics['validationAccuracy'] = min(max(values[1] / count, 0.0), 1.0)
    else:
        total = values[2] - values[1] ** 2 / count
        metrics['validationR2'] = min(max(1 - 4 * values[3] / total, -1.0), 1.0) if total > 1e-9 else 0.0
    return metrics


def encode_safetensors(tensors, metadata):
    header = {'__metadata__': metadata}
    blobs, offset = [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().flatten().tolist()
        blob = struct.pack(f'<{len(data)}f', *data)
        header[name] = {'dtype': 'F32', 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, ensure_ascii=False, separators=(',', ':')).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    return struct.pack('<Q', len(text)) + text + b''.join(blobs)


def run(job_dir, data_dir, out_dir, emit, diagnostic=lambda line: None, private_seed=None):
    """Runs the whole job; returns the exit code (0, 2 after an error event, 1 internal)."""
    examples = None
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
        plan = plan_torch_custom(config['schema'], config['params'])
        if os.uname().machine != 'x86_64':
            raise TrainerError('isolation-unavailable', 'the per-example confinement is built for x86-64 only')
        try:
            compile(plan['source'], 'model.py', 'exec')
        except (SyntaxError, ValueError):
            raise TrainerError('model-invalid', 'the model source does not compile') from None
        load_torch()
        # The zygote is forked now: before this process has read a byte of data.
        examples = Examples(plan)
        probe = examples.probe()
        if probe is None:
            raise TrainerError('model-invalid', 'the model could not be built, or build/loss failed on a zero example')
        declared = [[t['name'], t['shape']] for t in plan['parameters']]
        if probe.get('parameters') != declared:
            raise TrainerError('model-mismatch', 'the module\'s named parameters are not those declared, in order')
        if probe.get('buffers') != 0:
            raise TrainerError('model-has-buffers', 'buffers (e.g. batch-norm statistics) are module state the node does not own')
        # The example path must work too, on zeros (data-independent), or every gradient would be zero.
        zero = examples.gradient(bytes(4 * examples.total), [0.0] * len(plan['features']), 0.0)
        if zero is None:
            raise TrainerError('model-invalid', 'the gradient of the loss failed on a zero example')
        examples.failures = 0

        texts = []
        for name in inputs:
            with open(os.path.join(data_dir, name), 'rb') as f:
                raw = f.read()
            try:
                texts.append(raw.decode('utf-8'))
            except UnicodeDecodeError:
                raise TrainerError('bad-encoding', f'input {json.dumps(name)} is not UTF-8') from None
            del raw
        xs, ys = load_table(plan, texts)
        del texts
        if len(ys) != plan['privacy']['rows']:
            raise TrainerError('rows-mismatch', 'the data does not have the number of rows the schema declares')
        x = torch.frombuffer(xs, dtype=torch.float64).reshape(len(ys), len(plan['features'])).clone()
        y = torch.frombuffer(ys, dtype=torch.float64).clone()
        del xs, ys
        x, center, half = scale(plan['scaling'], x)
        tensors_extra = {'feature_mean': center, 'feature_std': half}
        if plan['task'] == 'regression':
            scaled, t_center, t_half = scale(plan['labelScaling'], y.unsqueeze(1))
            y = scaled[:, 0]
            tensors_extra['target_mean'] = t_center
            tensors_extra['target_std'] = t_half
        params, steps, validation = train(plan, x.to(torch.float32), y.to(torch.float32), examples,
                              lambda epoch, loss: emit({'event': 'epoch', 'epoch': epoch, 'loss': loss if math.isfinite(loss) else 1e6}), private_seed)
        examples.close()
        examples = None
        tensors = {t['name']: q for t, q in zip(plan['parameters'], params)}
        tensors.update(tensors_extra)
        privacy = plan['privacy']
        metrics = {'rows': privacy['rows'], 'epochs': plan['params']['epochs'], 'steps': steps, 'sampleRate': privacy['sampleRate'],
                   'noiseMultiplier': privacy['noiseMultiplier'], 'maxGradNorm': privacy['maxGradNorm'], 'delta': privacy['delta'], **validation}
        body = encode_safetensors(tensors, metadata_of(plan))
        # Whatever a child might have left in /out (it cannot open files; this is belt and braces).
        for entry in os.listdir(out_dir):
            path = os.path.join(out_dir, entry)
            if os.path.isdir(path) and not os.path.islink(path):
                raise TrainerError('output-failed', 'unexpected directory in the output')
            os.unlink(path)
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
    except Exception as error:  # noqa: BLE001 - by name only
        emit({'event': 'error', 'code': 'internal-error'})
        diagnostic(f'{error.__class__.__name__}')
        return 1
    finally:
        if examples is not None:
            examples.close()


def _emit(event):
    sys.stdout.write(js_json(event) + '\n')
    sys.stdout.flush()


def main():
    _emit({'event': 'started'})
    root = os.environ.get('DATAVAULT_TRAINER_ROOT', '')
    code = run(f'{root}/job', f'{root}/data', f'{root}/out', _emit, lambda line: sys.stderr.write(line + '\n'))
    sys.stdout.flush()
    sys.exit(code)


if __name__ == '__main__':
    main()
