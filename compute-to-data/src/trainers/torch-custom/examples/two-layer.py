# An example model for torch-custom: one hidden tanh layer, cross-entropy on one example.
# The node calls build(inputs, outputs) and loss(output, target); it owns every parameter.
import torch


class TwoLayer(torch.nn.Module):
    def __init__(self, inputs, outputs):
        super().__init__()
        self.hidden = torch.nn.Linear(inputs, 8)
        self.out = torch.nn.Linear(8, outputs)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def build(inputs, outputs):
    return TwoLayer(inputs, outputs)


def loss(output, target):
    return torch.nn.functional.cross_entropy(output.unsqueeze(0), target.unsqueeze(0))
