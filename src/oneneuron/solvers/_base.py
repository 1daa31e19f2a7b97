"""What every solver shares: the per-iteration trace and the result record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


class Problem(Protocol):
    """What a solver may call: see :class:`oneneuron.objective.LinearLoss`."""

    n_params: int

    @property
    def n_passes(self) -> float: ...

    def loss(self, theta: Array) -> float: ...

    def loss_gradient(self, theta: Array) -> tuple[float, Array]: ...

    def gradient_hessian(self, theta: Array) -> tuple[float, Array, Array]: ...


def grad_norm(g: Array) -> float:
    """The stopping measure: ``max |g_j|`` (as scipy's L-BFGS-B ``gtol`` and sklearn)."""
    return float(np.abs(g).max()) if g.size else 0.0  # the method: less call overhead


@dataclass
class Trace:
    """Per-iteration record: objective, ``max |grad|``, passes over X, and optionally theta.

    Entry 0 is the starting point, entry ``t`` the point after iteration ``t``.
    """

    record_path: bool = False
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    n_passes: list[float] = field(default_factory=list)
    path: list[Array] = field(default_factory=list)

    def record(self, theta: Array, f: float, g: Array, passes: float) -> None:
        """Append one point of the path."""
        self.loss.append(float(f))
        self.grad_norm.append(grad_norm(g))
        self.n_passes.append(float(passes))
        if self.record_path:
            self.path.append(np.array(theta, dtype=np.float64, copy=True))


@dataclass
class SolverResult:
    """What a solver returns.

    Attributes
    ----------
    theta : ndarray
        Final parameters (standardised scale, solver layout).
    loss : float
        Objective at ``theta``.
    grad_norm : float
        ``max |grad|`` at ``theta``.
    n_iter : int
        Iterations made.
    converged : bool
        ``grad_norm <= tol``.
    trace : Trace
        The per-iteration record.
    message : str
        Why the solver stopped.
    """

    theta: Array
    loss: float
    grad_norm: float
    n_iter: int
    converged: bool
    trace: Trace
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
