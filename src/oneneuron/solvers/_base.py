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


#: ``np.maximum.reduce``, which ``ndarray.max`` calls through a Python wrapper: the
#: solvers take maxima of tiny vectors every iteration, where the wrapper costs as much
_max = np.maximum.reduce


def grad_norm(g: Array) -> float:
    """``max |g_j|``: the stopping measure of the first-order solvers (gd, sgd)."""
    return float(_max(np.abs(g), axis=None)) if g.size else 0.0


#: Machine epsilon of float64, the precision the solvers evaluate the objective in.
EPS = float(np.finfo(np.float64).eps)


def round_off(f: float, eps: float = EPS, scale: float = 1.0) -> float:
    """``32 eps max(scale, |f|)``: changes of the objective ``f`` below this are round-off.

    A line search accepts a step whose change is within it (near the optimum no
    decrease can show), and a stall counts iterations that change ``f`` by no more.
    ``eps`` is the data's precision (float32 X makes objective values that noisy).
    ``scale`` is the objective's :func:`floor_scale`: 1 for equal weights (an
    absolute floor, which a separated fit, whose objective falls to 0, reaches),
    smaller where light rows carry losses that the fit must still resolve.
    """
    return 32 * eps * max(scale, abs(f))


def floor_scale(problem: Any) -> float:
    """The scale below which the objective's changes are round-off for ``problem``.

    Its engine's ``floor_scale`` (:func:`oneneuron.objective.weight_floor` of the row
    weights), or 1 where the engine has none.
    """
    return float(getattr(getattr(problem, "engine", None), "floor_scale", 1.0))


#: The objective's round-off, in ulps of its value per square root of its number of
#: rows: it is a sum over rows, each rounded (the float64 floor of :func:`at_float_floor`).
FLOOR_ULPS = 16.0


def relative_step(step: Array, theta: Array, problem: Any = None) -> float:
    """``max_j |step_j| / max(1, |theta_j|)``: the stopping measure of the exact solvers.

    ``step`` is the Newton step ``-H^-1 g`` (or its estimate), i.e. the estimated
    distance of each coefficient from the optimum; the measure is that error
    relative to the coefficient (absolute for coefficients below 1 in magnitude).

    Both are measured on the standardised scale: where ``problem`` has a
    ``to_standard`` map (a solver working in raw coordinates,
    ``standardize=False``), ``step`` and ``theta`` go through it first. In raw
    units the floor 1 of ``max(1, |theta_j|)`` would depend on the column's
    units: a column in tiny units (values ~1e8) has coefficients and steps ~1e-8
    of the others' and would never hold the stop back.
    """
    if not step.size:
        return 0.0
    to_standard = getattr(problem, "to_standard", None) if problem is not None else None
    if to_standard is not None:
        step, theta = to_standard(step), to_standard(theta)
    return float(_max(np.abs(step) / np.maximum(1.0, np.abs(theta)), axis=None))


def bfgs_update(B: Array, s: Array, y: Array, *, overwrite: bool = False) -> Array | None:
    """BFGS update of a Hessian model ``B`` with a step ``s`` and its gradient change ``y``.

    The updated model satisfies the secant condition ``B_new s = y``: a full-data pass
    reveals how the full Hessian differs from a cheap model (a row subsample's Hessian)
    along the step just taken, and the update removes that error along the directions
    the iteration moves in, so that the preconditioned steps' linear rate
    ``||I - B^-1 H||`` turns superlinear. ``B_new`` stays symmetric positive definite.
    Returns ``None`` (keep ``B``) when the curvature ``y.s`` is not safely positive.
    ``overwrite=True`` updates a C-ordered float64 ``B`` in place by two BLAS rank-1
    updates (at p = 2000, 9 ms against 31 ms for the two outer products of a copy).
    """
    ys = float(y @ s)
    Bs = B @ s
    sBs = float(s @ Bs)
    if not (ys > 1e-12 * np.sqrt(float(y @ y) * float(s @ s)) and sBs > 0):
        return None
    if overwrite and B.dtype == np.float64 and B.flags.c_contiguous and B.flags.writeable:
        from scipy.linalg.blas import dger

        # B.T is the same memory in Fortran order (B is symmetric): BLAS updates it in place
        M = dger(-1.0 / sBs, Bs, Bs, a=B.T, overwrite_a=True)
        M = dger(1.0 / ys, np.ascontiguousarray(y, dtype=np.float64), y, a=M, overwrite_a=True)
        return M.T
    return B - np.outer(Bs, Bs) / sBs + np.outer(y, y) / ys


def n_terms(problem: Any) -> int:
    """Rows summed by the problem's objective (1 when it does not say)."""
    return int(getattr(getattr(problem, "engine", None), "n_samples", 1) or 1)


def at_float_floor(decrease: float, f: float, rows: int = 1, scale: float = 1.0) -> bool:
    """Whether a predicted decrease of the objective is below what float64 resolves in ``f``.

    ``decrease`` is the model's predicted gain ``g' H^-1 g / 2`` of the remaining step.
    An objective summed over ``rows`` rows carries a rounding error of about
    ``sqrt(rows)`` ulps of its value; below ``FLOOR_ULPS * sqrt(rows)`` ulps no step
    can show a decrease any more, so the point is as accurate as the objective's
    floating-point evaluation allows. The ulps are those of ``max(scale, |f|)``
    (``scale``: the problem's :func:`floor_scale`, see :func:`round_off`).
    """
    ulps = FLOOR_ULPS * np.sqrt(max(1, rows))
    return bool(decrease <= ulps * EPS * max(scale, abs(f)))


FLOOR_MESSAGE = (
    "the objective no longer decreases in float64 (the remaining step predicts a "
    "decrease of {:.2g})"
)


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
        The stopping rule (``measure <= tol``) is met, or the objective can no
        longer decrease in float64 and the step that remains is below its
        resolution (:func:`at_float_floor`).
    trace : Trace
        The per-iteration record.
    message : str
        Why the solver stopped, when not by the stopping rule (one line).
    measure : float
        The stopping measure at ``theta``: :func:`relative_step` for the exact
        solvers (Newton, subsampled Newton, L-BFGS), ``max |grad|`` for gd/sgd.
    """

    theta: Array
    loss: float
    grad_norm: float
    n_iter: int
    converged: bool
    trace: Trace
    message: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    measure: float = float("nan")

    def __post_init__(self) -> None:
        if np.isnan(self.measure):  # first-order solvers: the gradient is the measure
            self.measure = self.grad_norm
