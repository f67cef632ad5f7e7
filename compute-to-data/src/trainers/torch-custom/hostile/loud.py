# Hostile model: prints every row it sees (stdout, stderr, raw fds), raises exceptions that carry
# the row, and replaces torch's random number generators with zeros so that the node's noise would
# vanish if it were drawn in this process. The job must finish, no row may reach a log or the
# event stream, and the released parameters must carry the node's noise.
import os
import sys

import torch


def _zeros(*args, **kwargs):
    size = args[0] if args and isinstance(args[0], (tuple, list, torch.Size)) else args
    return torch.zeros(size)


torch.randn = _zeros
torch.normal = _zeros
torch.Tensor.normal_ = lambda self, *args, **kwargs: self.zero_()
torch.Generator = None


class Loud(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.zeros(4))

    def forward(self, x):
        text = 'row ' + repr(x.tolist())
        print(text)
        print(text, file=sys.stderr)
        os.write(1, ('{"event":"epoch","epoch":999,"loss":1}\n' + text + '\n').encode())
        os.write(2, (text + '\n').encode())
        return (self.w * 0).sum().reshape(1)


def build(inputs, outputs):
    return Loud()


def loss(output, target):
    if float(target) != 0 or output.abs().sum() != 0:
        raise ValueError('row ' + repr(target.tolist()))
    return output.sum()
