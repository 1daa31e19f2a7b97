"""First-order update rules as small pure pieces (``init``, ``update``), optax style.

Each rule maps a gradient ``g`` and a state to an *update* ``u`` that the caller
adds to the parameters (``theta <- theta + u``). A learning rate or ``eps`` that is
not a positive finite number, or a decay factor (``beta``, ``b1``, ``b2``,
``decay``) outside [0, 1), raises :class:`ValueError` when the rule is made. They are used by
``solver="sgd"`` and can be used with :class:`~oneneuron.Neuron` by hand.

Examples
--------
>>> import numpy as np
>>> from oneneuron.optim import adam
>>> opt = adam(learning_rate=0.1)
>>> state = opt.init(np.zeros(2))
>>> u, state = opt.update(np.array([1.0, -2.0]), state)
>>> u.round(6).tolist()
[-0.1, 0.1]

With :class:`~oneneuron.Neuron`, whose :meth:`~oneneuron.Neuron.update` *subtracts*
``learning_rate * dw``, hand it ``-u`` at rate 1 (``u`` itself would climb the loss);
the weights and the bias form one parameter vector, the bias last. Full-batch Adam
this way is ``NeuronClassifier(solver="sgd", optimizer="adam", batch_size=n)``:

>>> import warnings
>>> from oneneuron import ConvergenceWarning, Neuron, NeuronClassifier
>>> from oneneuron.datasets import load_exam_scores
>>> X, y, _ = load_exam_scores()
>>> X = (X - X.mean(0)) / X.std(0)
>>> neuron, opt = Neuron(n_features=2), adam(learning_rate=0.1)
>>> state = opt.init(np.zeros(3))
>>> for _ in range(30):
...     a = neuron.forward(X)
...     dw, db = neuron.backward(X, a, y)
...     u, state = opt.update(np.append(dw, db), state)
...     neuron.update(-u[:2], -u[2], learning_rate=1.0)
>>> clf = NeuronClassifier(solver="sgd", optimizer="adam", learning_rate=0.1,
...                        batch_size=len(y), max_iter=30, tol=0, standardize=False)
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", ConvergenceWarning)  # 30 steps: short on purpose
...     bool(np.allclose(clf.fit(X, y).coef_[0], neuron.w))
True
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

__all__ = ["GradientTransformation", "sgd", "momentum", "adam", "rmsprop", "OPTIMIZERS"]

Array = NDArray[np.float64]


def _positive(value: Any, name: str) -> float:
    """``value`` as a positive finite float, or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 < value < np.inf:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _decay(value: Any, name: str) -> float:
    """``value`` as a decay factor in [0, 1), or a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


class GradientTransformation(NamedTuple):
    """A pair of pure functions: ``init(params) -> state``, ``update(g, state) -> (u, state)``."""

    init: Callable[[Array], Any]
    update: Callable[[Array, Any], tuple[Array, Any]]


def sgd(learning_rate: float) -> GradientTransformation:
    """Plain gradient step: ``u = -learning_rate * g``.

    Examples
    --------
    >>> from oneneuron.optim import sgd
    >>> import numpy as np
    >>> opt = sgd(0.5)
    >>> opt.update(np.array([2.0]), opt.init(np.zeros(1)))[0].tolist()
    [-1.0]
    """
    learning_rate = _positive(learning_rate, "learning_rate")

    def init(params: Array) -> None:
        return None

    def update(g: Array, state: None) -> tuple[Array, None]:
        return -learning_rate * g, state

    return GradientTransformation(init, update)


def momentum(
    learning_rate: float, beta: float = 0.9, nesterov: bool = False
) -> GradientTransformation:
    """Heavy-ball momentum: ``v = beta v + g``; ``u = -learning_rate * v``.

    With ``nesterov=True``: ``u = -learning_rate * (beta v + g)``.

    Examples
    --------
    >>> from oneneuron.optim import momentum
    >>> import numpy as np
    >>> opt = momentum(1.0, beta=0.5)
    >>> s = opt.init(np.zeros(1))
    >>> u, s = opt.update(np.array([1.0]), s)
    >>> u, s = opt.update(np.array([1.0]), s)
    >>> u.tolist()
    [-1.5]
    """
    learning_rate, beta = _positive(learning_rate, "learning_rate"), _decay(beta, "beta")

    def init(params: Array) -> Array:
        return np.zeros_like(params)

    def update(g: Array, v: Array) -> tuple[Array, Array]:
        v = beta * v + g
        step = beta * v + g if nesterov else v
        return -learning_rate * step, v

    return GradientTransformation(init, update)


def adam(
    learning_rate: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8
) -> GradientTransformation:
    """Adam: ``m = b1 m + (1-b1) g``; ``v = b2 v + (1-b2) g**2``;
    ``u = -learning_rate * m_hat / (sqrt(v_hat) + eps)`` with bias corrections
    ``m_hat = m / (1 - b1**t)``, ``v_hat = v / (1 - b2**t)``.

    Examples
    --------
    >>> from oneneuron.optim import adam
    >>> import numpy as np
    >>> opt = adam(0.01)
    >>> opt.update(np.array([3.0]), opt.init(np.zeros(1)))[0].round(6).tolist()
    [-0.01]
    """
    learning_rate, eps = _positive(learning_rate, "learning_rate"), _positive(eps, "eps")
    b1, b2 = _decay(b1, "b1"), _decay(b2, "b2")

    def init(params: Array) -> tuple[int, Array, Array]:
        return 0, np.zeros_like(params), np.zeros_like(params)

    def update(g: Array, state: tuple[int, Array, Array]) -> tuple[Array, Any]:
        t, m, v = state
        t += 1
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        v_hat = v / (1 - b2**t)
        return -learning_rate * m_hat / (np.sqrt(v_hat) + eps), (t, m, v)

    return GradientTransformation(init, update)


def rmsprop(learning_rate: float, decay: float = 0.9, eps: float = 1e-8) -> GradientTransformation:
    """RMSprop: ``v = decay v + (1-decay) g**2``; ``u = -learning_rate * g / (sqrt(v) + eps)``.

    Examples
    --------
    >>> from oneneuron.optim import rmsprop
    >>> import numpy as np
    >>> opt = rmsprop(0.1, decay=0.0)
    >>> opt.update(np.array([4.0]), opt.init(np.zeros(1)))[0].round(6).tolist()
    [-0.1]
    """
    learning_rate, eps = _positive(learning_rate, "learning_rate"), _positive(eps, "eps")
    decay = _decay(decay, "decay")

    def init(params: Array) -> Array:
        return np.zeros_like(params)

    def update(g: Array, v: Array) -> tuple[Array, Array]:
        v = decay * v + (1 - decay) * g * g
        return -learning_rate * g / (np.sqrt(v) + eps), v

    return GradientTransformation(init, update)


#: Names accepted by ``NeuronClassifier(optimizer=...)``.
OPTIMIZERS: dict[str, Callable[[float], GradientTransformation]] = {
    "sgd": sgd,
    "momentum": momentum,
    "adam": adam,
    "rmsprop": rmsprop,
}
