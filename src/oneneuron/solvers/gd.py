"""Gradient descent, as in the tutorials, and its minibatch variant with optimizers."""

from __future__ import annotations

import numpy as np

from ..optim import GradientTransformation
from ._base import Array, Problem, SolverResult, Trace, grad_norm


def gradient_descent(
    problem: Problem,
    theta0: Array,
    *,
    learning_rate: float,
    max_iter: int,
    tol: float,
    trace: Trace,
) -> SolverResult:
    """Batch gradient descent: ``theta <- theta - learning_rate * grad(theta)``.

    Each iteration is one fused pass over X (loss and gradient). Stops when
    ``max |grad| <= tol`` or after ``max_iter`` updates.
    """
    theta = np.array(theta0, dtype=np.float64, copy=True)
    f, g = problem.loss_gradient(theta)
    trace.record(theta, f, g, problem.n_passes)
    n_iter = 0
    while grad_norm(g) > tol and n_iter < max_iter:
        theta = theta - learning_rate * g
        f, g = problem.loss_gradient(theta)
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
        if not np.isfinite(f):
            return SolverResult(
                theta, f, grad_norm(g), n_iter, False, trace, "diverged: learning_rate too large"
            )
    gn = grad_norm(g)
    return SolverResult(theta, f, gn, n_iter, gn <= tol, trace, _rose(trace, gn <= tol))


def _rose(trace: Trace, converged: bool) -> str:
    """ "diverged: ..." when an unconverged descent ends above the loss it started from (the
    stable log-loss stays finite, so a too-large learning rate shows as a rising loss)."""
    start, end = float(trace.loss[0]), float(trace.loss[-1])
    if converged or not end > start:
        return ""
    return f"diverged: the loss rose from {start:.4g} to {end:.4g}; learning_rate too large"


def minibatch_descent(
    problem: Problem,
    theta0: Array,
    *,
    optimizer: GradientTransformation,
    n_samples: int,
    batch_size: int,
    max_iter: int,
    tol: float,
    rng: np.random.Generator,
    trace: Trace,
) -> SolverResult:
    """Minibatch descent: one epoch = a shuffled sweep in batches of ``batch_size``.

    Each batch gradient is turned into an update by ``optimizer`` (see
    :mod:`oneneuron.optim`). After each epoch the full objective and gradient are
    evaluated (one pass) for the trace and the ``max |grad| <= tol`` test.
    ``max_iter`` counts epochs.
    """
    theta = np.array(theta0, dtype=np.float64, copy=True)
    state = optimizer.init(theta)
    f, g = problem.loss_gradient(theta)
    trace.record(theta, f, g, problem.n_passes)
    n_iter = 0
    while grad_norm(g) > tol and n_iter < max_iter:
        order = rng.permutation(n_samples)
        for start in range(0, n_samples, batch_size):
            rows = np.sort(order[start : start + batch_size])
            _, gb = problem.loss_gradient(theta, rows=rows)  # type: ignore[call-arg]
            u, state = optimizer.update(gb, state)
            theta = theta + u
        f, g = problem.loss_gradient(theta)
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
        if not np.isfinite(f):
            return SolverResult(
                theta, f, grad_norm(g), n_iter, False, trace, "diverged: learning_rate too large"
            )
    gn = grad_norm(g)
    return SolverResult(theta, f, gn, n_iter, gn <= tol, trace, _rose(trace, gn <= tol))
