"""L-BFGS through SciPy's L-BFGS-B, fed the fused loss-and-gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.optimize

from ._base import (
    FLOOR_MESSAGE,
    Array,
    Problem,
    SolverResult,
    Trace,
    at_float_floor,
    floor_scale,
    grad_norm,
    n_terms,
    relative_step,
    round_off,
)

#: Correction pairs kept (SciPy's default). On raw features the estimator hands
#: L-BFGS standardised coordinates; there 10, 20 and 30 pairs took the same passes
#: (sparse 200k x 40k: 20-22; dense 50k x 2000: 25-27), so the smallest memory wins:
#: the pairs cost ``2 * MEMORY * p`` floats, a large share of X for sparse data.
MEMORY = 10
#: Trial points in a row whose objective equals the accepted one to within round-off
#: after which the line search is taken to be at the float64 floor.
FLAT_EVALUATIONS = 5


def lbfgs(
    problem: Problem,
    theta0: Array,
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
    memory: int = MEMORY,
    curvature: Array | None = None,
) -> SolverResult:
    """Limited-memory BFGS (SciPy's L-BFGS-B) with the exact solvers' stopping rule.

    Every function evaluation is one fused loss-and-gradient pass over X. The
    Newton step is estimated with a diagonal Hessian, ``step_j = -g_j / curvature_j``
    (by default ones; the estimator passes the curvature of the model at its
    start), and the solver stops when ``relative_step(step, theta) <= tol``. When
    SciPy stops first because the objective no longer decreases in float64,
    ``converged`` says whether the predicted decrease ``sum g_j^2 / curvature_j / 2``
    is below the objective's resolution (:func:`~oneneuron.solvers._base.at_float_floor`).
    """
    c = np.ones(len(theta0)) if curvature is None else np.asarray(curvature, dtype=np.float64)
    last: dict[str, object] = {}
    scale = floor_scale(problem)
    theta0 = np.asarray(theta0, dtype=np.float64)
    accepted: dict[str, Any] = {"theta": theta0, "f": np.inf, "g": None, "flat": 0}

    def fun(theta: Array) -> tuple[float, Array]:
        if "f" in last and np.array_equal(last["theta"], theta):  # SciPy's repeat of x0
            return last["f"], last["g"]  # type: ignore[return-value]
        f, g = problem.loss_gradient(theta)
        last["theta"], last["f"], last["g"] = theta.copy(), f, g
        # a line search whose trial points all match the accepted objective to within
        # its round-off has reached the float64 floor: stop instead of burning passes
        noise = round_off(accepted["f"], scale=scale)
        accepted["flat"] = accepted["flat"] + 1 if abs(f - accepted["f"]) <= noise else 0
        if accepted["flat"] >= FLAT_EVALUATIONS:
            raise _AtFloor
        return f, g

    def measure(theta: Array, g: Array) -> float:
        return relative_step(g / c, theta, problem)

    f0, g0 = fun(theta0)
    accepted.update(f=f0, g=g0)
    trace.record(theta0, f0, g0, problem.n_passes)
    if measure(theta0, g0) <= tol:
        m0 = measure(theta0, g0)
        return SolverResult(theta0.copy(), f0, grad_norm(g0), 0, True, trace, "", {}, m0)

    def callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        x = intermediate_result.x
        if "theta" in last and np.array_equal(last["theta"], x):
            f, g = last["f"], last["g"]
        else:  # the accepted point was not the last evaluated one (rare)
            f, g = problem.loss_gradient(x)
        trace.record(x, f, g, problem.n_passes)  # type: ignore[arg-type]
        accepted.update(theta=np.array(x, copy=True), f=f, g=g, flat=0)
        if measure(x, g) <= tol:  # type: ignore[arg-type]
            raise StopIteration

    status = 0
    try:
        res = scipy.optimize.minimize(
            fun,
            theta0,
            jac=True,
            method="L-BFGS-B",
            callback=callback,
            options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0, "maxcor": memory, "maxls": 50},
        )
        theta, status = np.asarray(res.x, dtype=np.float64), int(res.status)
    except _AtFloor:
        theta = accepted["theta"]
    if np.array_equal(accepted["theta"], theta):
        f, g = accepted["f"], accepted["g"]
    elif "theta" in last and np.array_equal(last["theta"], theta):
        f, g = last["f"], last["g"]
    else:
        f, g = problem.loss_gradient(theta)
    g = np.asarray(g)
    m = measure(theta, g)
    message = ""
    converged = m <= tol
    if not converged and status != 1:  # not max_iter: no further decrease in float64
        decrease = 0.5 * float(np.sum(g * g / c))
        converged = at_float_floor(decrease, float(f), n_terms(problem), scale)  # type: ignore[arg-type]
        message = FLOOR_MESSAGE.format(decrease)
    n_iter = len(trace.loss) - 1
    return SolverResult(theta, float(f), grad_norm(g), n_iter, converged, trace, message, {}, m)  # type: ignore[arg-type]


class _AtFloor(Exception):
    """Raised inside the objective to end a line search stuck at the float64 floor."""
