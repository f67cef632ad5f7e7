# Hostile model: keeps running statistics in a buffer (module state the node does not own).
import torch


def build(inputs, outputs):
    return torch.nn.Sequential(torch.nn.Linear(inputs, outputs), torch.nn.BatchNorm1d(outputs))


def loss(output, target):
    return torch.nn.functional.cross_entropy(output.unsqueeze(0), target.unsqueeze(0))
