"""L-BFGS through SciPy's L-BFGS-B, fed the fused loss-and-gradient."""

from __future__ import annotations

import numpy as np
import scipy.optimize

from ._base import (
    FLOOR_MESSAGE,
    Array,
    Problem,
    SolverResult,
    Trace,
    at_float_floor,
    grad_norm,
    relative_step,
)

#: Correction pairs kept (SciPy's default). On raw features the estimator hands
#: L-BFGS standardised coordinates; there 10, 20 and 30 pairs took the same passes
#: (sparse 200k x 40k: 20-22; dense 50k x 2000: 25-27), so the smallest memory wins:
#: the pairs cost ``2 * MEMORY * p`` floats, a large share of X for sparse data.
MEMORY = 10


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

    def fun(theta: Array) -> tuple[float, Array]:
        f, g = problem.loss_gradient(theta)
        last["theta"], last["f"], last["g"] = theta.copy(), f, g
        return f, g

    def measure(theta: Array, g: Array) -> float:
        return relative_step(g / c, theta)

    theta0 = np.asarray(theta0, dtype=np.float64)
    f0, g0 = fun(theta0)
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
        if measure(x, g) <= tol:  # type: ignore[arg-type]
            raise StopIteration

    res = scipy.optimize.minimize(
        fun,
        theta0,
        jac=True,
        method="L-BFGS-B",
        callback=callback,
        options={"maxiter": max_iter, "gtol": 0.0, "ftol": 0.0, "maxcor": memory, "maxls": 50},
    )
    theta = np.asarray(res.x, dtype=np.float64)
    if "theta" in last and np.array_equal(last["theta"], theta):
        f, g = last["f"], last["g"]
    else:
        f, g = problem.loss_gradient(theta)
    g = np.asarray(g)
    m = measure(theta, g)
    message = ""
    converged = m <= tol
    if not converged and res.status != 1:  # not max_iter: SciPy found no further decrease
        decrease = 0.5 * float(np.sum(g * g / c))
        converged = at_float_floor(decrease, float(f))  # type: ignore[arg-type]
        message = FLOOR_MESSAGE.format(decrease)
    n_iter = len(trace.loss) - 1
    return SolverResult(theta, float(f), grad_norm(g), n_iter, converged, trace, message, {}, m)  # type: ignore[arg-type]
