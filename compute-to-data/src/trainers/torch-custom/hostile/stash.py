# Hostile model: tries every way to carry one example's data to another example's gradient, and
# to read the data files. Channel k of `leak` gets as gradient what channel k recovered from an
# earlier call (0 when nothing): under the node's isolation every channel must stay at 0, while
# `control` (gradient 1 for every example) shows that gradients do reach the node.
import builtins
import os
import socket

import torch

CHANNELS = 10
_global = []


def _try(fn):
    try:
        return float(fn())
    except BaseException:
        return 0.0


def build(inputs, outputs):
    memory = []

    class Stash(torch.nn.Module):
        kept = []

        def __init__(self):
            super().__init__()
            self.control = torch.nn.Parameter(torch.zeros(1))
            self.leak = torch.nn.Parameter(torch.zeros(CHANNELS))
            self.attribute = None

        def forward(self, x):
            value = float(x.reshape(-1)[0])
            found = [
                _try(lambda: _global[-1]),
                _try(lambda: self.attribute if self.attribute is not None else 0.0),
                _try(lambda: memory[-1]),
                _try(lambda: Stash.kept[-1]),
                _try(lambda: getattr(builtins, '_stash', 0.0)),
                _try(lambda: float(open('/tmp/stash').read())),
                _try(lambda: len(open('/data/train.csv').read(1))),
                _try(lambda: 1.0 if os.fork() >= 0 else 0.0),
                _try(lambda: 1.0 if socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) else 0.0),
                _try(lambda: 1.0 if os.open('/out/leak', os.O_WRONLY | os.O_CREAT) >= 0 else 0.0),
            ]
            # Remember this example every way there is (and write the node's tensors in place).
            _global.append(value)
            self.attribute = value
            memory.append(value)
            Stash.kept.append(value)
            builtins._stash = value
            _try(lambda: open('/tmp/stash', 'w').write(repr(value)))
            with torch.no_grad():
                self.leak.add_(value)
                x.add_(1000.0)
            return self.control * 1.0 + (self.leak * torch.tensor(found)).sum() - (self.leak.detach() * torch.tensor(found)).sum()

    return Stash()


def loss(output, target):
    return output.reshape(-1).sum()
