"""The trusted launcher of a Python trainer in a Kubernetes job's pod (stdlib only, Python 3.11).

The trainer container runs `python3 -I -B /job/launch.py /job/program.py` instead of the program,
so that the container log (which the kubelet writes to the cluster node's disk, and log shippers
send off-cluster) can only ever hold valid trainer protocol events, never what a hostile program
prints:

- the program runs in a child process whose stdout is a pipe to this process, whose stderr is
  /dev/null and which inherits no other file descriptor;
- this process makes itself non-dumpable first (`prctl(PR_SET_DUMPABLE, 0)`), so the child (same
  uid, no capabilities) cannot open `/proc/<this pid>/fd/1` (the container log), its memory or
  ptrace it; the child's own exec makes the child dumpable again, which gives it nothing;
- each line of the pipe (at most 4096 bytes; longer lines are dropped whole) is parsed as a strict
  event of `compute-to-data/src/sandbox/protocol.ts`, narrowed as the runner's `event-lines.ts`
  narrows it (epochs count up from 1 by one, loss and accuracy quantized, error codes from the
  fixed list, at most 10000 events) and written re-serialized; everything else is dropped;
- it exits with the child's exit code (128 + the signal if a signal ended it).

Nothing of the program's stderr is kept. Usage: `launch.py [program]`, default `/job/program.py`.
"""

import ctypes
import json
import math
import os
import signal
import sys
import threading

MAX_LINE_BYTES = 4096
MAX_EVENTS = 10_000
PR_SET_DUMPABLE = 4
# After the program ended, how long to read what is left of the pipe (a process the program
# left behind may hold its write end open forever).
DRAIN_SECONDS = 2.0
# compute-to-data/src/sandbox/protocol.ts: trainerErrorCodes
ERROR_CODES = frozenset(
    [
        "internal-error",
        "bad-config",
        "bad-encoding",
        "bad-csv",
        "duplicate-header",
        "missing-column",
        "ragged-row",
        "non-numeric-cell",
        "unknown-label-value",
        "unknown-category-value",
        "no-rows",
        "rows-mismatch",
        "output-failed",
        "bad-parameters",
        "bad-label",
        "bad-feature",
        "duplicate-feature",
        "no-numeric-features",
        "model-too-large",
        "dp-missing-rows",
        "dp-missing-bounds",
        "dp-batch-too-large",
        "dp-delta-too-large",
        "model-invalid",
        "model-mismatch",
        "model-has-buffers",
        "isolation-unavailable",
    ]
)


def _refuse_constant(name):
    raise ValueError(name)


def _number(value):
    """A finite JSON number (not a boolean), as float; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _quantize_loss(loss):
    clamped = max(-1e6, min(1e6, loss))
    if abs(clamped) < 1e-4:
        return 0.0
    quantized = float(f"{clamped:.3g}")
    return 0.0 if quantized == 0 else quantized


def _format_number(number):
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


class EventFilter:
    """Parses lines as protocol events; keeps the runner's rules; serializes the valid ones."""

    def __init__(self):
        self.epoch = 0
        self.events = 0
        self.dropped = 0

    def line(self, raw):
        """The canonical line of a valid event (bytes, with newline), or None (and counted)."""
        event = self._parse(raw)
        if event is None or self.events >= MAX_EVENTS:
            self.dropped += 1
            return None
        self.events += 1
        return event.encode("ascii") + b"\n"

    def _parse(self, raw):
        try:
            value = json.loads(raw.decode("utf-8", "strict"), parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            return None
        if not isinstance(value, dict):
            return None
        kind = value.get("event")
        keys = set(value.keys())
        if kind in ("started", "done"):
            return f'{{"event":"{kind}"}}' if keys == {"event"} else None
        if kind == "error":
            code = value.get("code")
            if keys != {"event", "code"} or not isinstance(code, str) or code not in ERROR_CODES:
                return None
            return json.dumps({"event": "error", "code": code}, separators=(",", ":"))
        if kind == "epoch":
            if not keys <= {"event", "epoch", "loss", "accuracy"} or not {"epoch", "loss"} <= keys:
                return None
            epoch = _number(value["epoch"])
            loss = _number(value["loss"])
            if epoch is None or loss is None or not epoch.is_integer() or int(epoch) != self.epoch + 1:
                return None
            accuracy = None
            if "accuracy" in keys:
                accuracy = _number(value["accuracy"])
                if accuracy is None or accuracy < 0 or accuracy > 1:
                    return None
            self.epoch = int(epoch)
            text = f'{{"event":"epoch","epoch":{self.epoch},"loss":{_format_number(_quantize_loss(loss))}'
            if accuracy is not None:
                text += f',"accuracy":{_format_number(round(accuracy * 1000) / 1000)}'
            return text + "}"
        return None


def _pump(read_fd, out, events):
    """Reads the pipe to its end, line by line, writing the valid events to `out`."""
    buffer = bytearray()
    overlong = False
    while True:
        try:
            chunk = os.read(read_fd, 65536)
        except InterruptedError:
            continue
        except OSError:
            break
        if not chunk:
            break
        start = 0
        while start < len(chunk):
            newline = chunk.find(b"\n", start)
            end = len(chunk) if newline == -1 else newline
            if not overlong:
                if len(buffer) + end - start > MAX_LINE_BYTES:
                    overlong = True
                    buffer.clear()
                else:
                    buffer += chunk[start:end]
            if newline == -1:
                break
            if overlong:
                events.dropped += 1
            elif buffer:
                _emit(out, events.line(bytes(buffer)))
            overlong = False
            buffer.clear()
            start = newline + 1
    if overlong:
        events.dropped += 1
    elif buffer:
        _emit(out, events.line(bytes(buffer)))


def _emit(out, line):
    if line is None:
        return
    try:
        out.write(line)
    except OSError:
        # Nobody reads the log any more: keep draining the pipe so the program does not block.
        pass


def _child(program, write_fd, read_fd):
    """In the forked child: stdout to the pipe, stdin and stderr to /dev/null, no other fd; exec."""
    try:
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(write_fd, 1)
        os.dup2(null, 2)
        os.closerange(3, max(os.sysconf("SC_OPEN_MAX"), 65536))
        os.execv(sys.executable, [sys.executable, "-I", "-B", program])
    finally:
        os._exit(127)


def main(argv):
    program = argv[1] if len(argv) > 1 else "/job/program.py"
    libc = ctypes.CDLL(None, use_errno=True)
    # Before the fork: the child never runs while this process is dumpable.
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        os.write(2, b"launch.py: prctl(PR_SET_DUMPABLE) failed\n")
        return 70
    read_fd, write_fd = os.pipe()
    out = os.fdopen(os.dup(1), "wb", buffering=0)
    pid = os.fork()
    if pid == 0:
        _child(program, write_fd, read_fd)
    os.close(write_fd)

    # Stop requests (the kubelet's SIGTERM to PID 1) go to the program.
    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, forward)

    events = EventFilter()
    reader = threading.Thread(target=_pump, args=(read_fd, out, events), daemon=True)
    reader.start()
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    reader.join(DRAIN_SECONDS)
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    # os._exit: the reader thread may still block on a pipe a leftover process holds open.
    os._exit(main(sys.argv))
