"""oneneuron: the single-neuron classifier of the tutorials, built as real software.

``z = X @ w + b``, ``a = sigmoid(z)``, mean cross-entropy, gradient ``(a - y) x``;
with K > 2 classes the neuron becomes a softmax layer.
"""

from __future__ import annotations

from ._version import __version__
from .estimator import NeuronClassifier
from .exceptions import ConvergenceWarning, SeparationWarning
from .functions import (
    cross_entropy,
    cross_entropy_grad,
    log_loss,
    log_loss_grad,
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_grad,
    softmax,
)
from .io import load
from .neuron import Neuron

__all__ = [
    "__version__",
    "Neuron",
    "load",
    "NeuronClassifier",
    "ConvergenceWarning",
    "SeparationWarning",
    "sigmoid",
    "sigmoid_grad",
    "log_sigmoid",
    "log_loss",
    "log_loss_grad",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
]
