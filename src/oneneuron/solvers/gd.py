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
    ``max |grad| <= tol`` or after ``max_iter`` updates. A step whose parameters,
    loss or gradient overflow ends the descent at the last finite point (message
    "diverged: ... overflowed ..."); an unconverged descent whose loss rose on some
    steps says the learning rate is too large (:func:`_rose`).
    """
    theta = np.array(theta0, dtype=np.float64, copy=True)
    f, g = problem.loss_gradient(theta)
    trace.record(theta, f, g, problem.n_passes)
    n_iter = 0
    while grad_norm(g) > tol and n_iter < max_iter:
        with np.errstate(over="ignore", invalid="ignore"):
            step = theta - learning_rate * g
            moved = _finite_point(problem, step)
        if moved is None:
            return _overflowed(theta, f, g, n_iter, trace)
        theta, (f, g) = step, moved
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
    gn = grad_norm(g)
    return SolverResult(theta, f, gn, n_iter, gn <= tol, trace, _rose(trace, gn <= tol, True))


def _finite_point(problem: Problem, theta: Array) -> tuple[float, Array] | None:
    """Loss and gradient at ``theta``, or None where any of the three is not finite."""
    if not np.all(np.isfinite(theta)):
        return None
    f, g = problem.loss_gradient(theta)
    if not (np.isfinite(f) and np.all(np.isfinite(g))):
        return None
    return f, g


def _overflowed(theta: Array, f: float, g: Array, n_iter: int, trace: Trace) -> SolverResult:
    """The result of a descent whose next point overflowed: the last finite one, unconverged."""
    why = (
        f"diverged: the parameters overflowed at step {n_iter + 1}; the result is the point "
        f"after step {n_iter}; learning_rate too large"
    )
    return SolverResult(theta, f, grad_norm(g), n_iter, False, trace, why)


def _rose(trace: Trace, converged: bool, full_batch: bool = False) -> str:
    """Why an unconverged descent blames its learning rate, or "".

    "diverged: ..." when it ends above the loss it started from (the stable log-loss
    stays finite, so a too-large learning rate shows as a rising loss). With
    ``full_batch`` (plain gradient descent, whose loss falls at every step when the rate
    is below 2 / L), also when the loss rose on any step by more than round-off: the
    descent oscillates across the valley. Minibatch epochs may rise from their noise.
    """
    if converged:
        return ""
    loss = np.asarray(trace.loss, dtype=np.float64)
    start, end = float(loss[0]), float(loss[-1])
    if end > start:
        return f"diverged: the loss rose from {start:.4g} to {end:.4g}; learning_rate too large"
    if full_batch and loss.size > 1:
        rises = int(np.sum(np.diff(loss) > 1e-9 * np.maximum(1.0, np.abs(loss[:-1]))))
        if rises:
            return (
                f"oscillating: the loss rose on {rises} of {loss.size - 1} steps (last "
                f"{end:.4g}, lowest {float(loss.min()):.4g}); learning_rate too large"
            )
    return ""


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
        start_of_epoch = theta
        with np.errstate(over="ignore", invalid="ignore"):
            for start in range(0, n_samples, batch_size):
                rows = np.sort(order[start : start + batch_size])
                _, gb = problem.loss_gradient(theta, rows=rows)  # type: ignore[call-arg]
                u, state = optimizer.update(gb, state)
                theta = theta + u
                if not np.all(np.isfinite(theta)):
                    break
            moved = _finite_point(problem, theta)
        if moved is None:
            return _overflowed(start_of_epoch, f, g, n_iter, trace)
        f, g = moved
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
    gn = grad_norm(g)
    return SolverResult(theta, f, gn, n_iter, gn <= tol, trace, _rose(trace, gn <= tol))
