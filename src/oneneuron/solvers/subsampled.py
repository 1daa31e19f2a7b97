"""Newton on a row subsample, finished on the full data with the subsample's Hessian.

The objective is a mean over rows, so a few thousand random rows already give
a Hessian within a few percent of the full one (relative error about
``sqrt(p / n_sub)``). The solver therefore

1. runs exact Newton on the subsample (cheap: the subsample is cache-resident),
2. keeps the Cholesky factor ``L`` of the subsample Hessian ``H_s`` at that
   optimum, and
3. iterates on the full data ``theta <- theta - t H_s^-1 g(theta)`` where each
   iteration costs ONE fused loss-and-gradient pass over X (the step ``t = 1``
   is almost always accepted; otherwise it backtracks).

Step 3 converges linearly with rate about ``||I - H_s^-1 H|| ~ sqrt(p / n_sub)``
in the gradient, i.e. the objective gap shrinks by its square per pass. If the
rate degrades (far from the subsample optimum, or a badly unrepresentative
subsample), the Hessian is refreshed on the full data (one Hessian pass).
That steady rate also says when the next step will leave an error below ``tol``:
the last step is then taken without a pass. The optimum is the full-data
optimum; only the path is shorter.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs

from ._base import (
    FLOOR_MESSAGE,
    Array,
    Problem,
    SolverResult,
    Trace,
    at_float_floor,
    bfgs_update,
    floor_scale,
    grad_norm,
    n_terms,
    relative_step,
    round_off,
)
from .newton import newton, newton_direction, shorter_step, small_pivot

#: Default tolerance of the subsample solve (Newton's step rule; its error is then about
#: ``SUB_TOL**2 = 1e-4``, below the subsample's statistical distance to the full optimum, at
#: least ``1 / sqrt(20 000)``, about 7e-3, which the full-data steps remove anyway). Measured
#: at 100k x 20 and 1M x 100: 1e-2 saves one of four subsample iterations and leaves the
#: full-data steps unchanged (1e-4 before).
SUB_TOL = 1e-2
#: The last step is taken without a pass when the linear contraction of the error measured
#: over the previous ``FINAL_RATES`` unit steps (the largest of them), at most
#: ``MAX_FINAL_RATE``, predicts that it leaves an error below ``tol``; see
#: :func:`subsampled_newton`.
FINAL_RATES, MAX_FINAL_RATE = 2, 0.25


def subsampled_newton(
    problem: Problem,
    subproblem: Problem,
    theta0: Array,
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
    gauge: Array | None = None,
    sub_tol: float | None = None,
) -> SolverResult:
    """Solve ``problem`` starting from the exact optimum of ``subproblem``.

    Parameters
    ----------
    problem, subproblem : Problem
        The full objective and the same objective on a row subsample.
    theta0 : ndarray
        Start of the subsample solve.
    max_iter : int
        Full-data iterations allowed (the subsample solve has its own cap of 50).
    tol : float
        Stop when the full-data step ``-H_s^-1 g`` is small:
        ``relative_step(step, theta) <= tol`` (see :func:`~oneneuron.solvers.newton`,
        which also describes the stop at the float64 floor), without taking it. Or
        take it without a pass and stop: the error contracts by a steady rate per
        unit step (the largest of the last ``FINAL_RATES`` measured, at most
        ``MAX_FINAL_RATE``), so a step leaves ``rate * relative_step`` of it, and when
        that is at most ``tol`` the pass at the new point would only confirm it
        (measured at 100k x 20 and 1M x 100: the same coefficients, one pass fewer).
        The loss there is the model's, ``f + (1 - rate) g.p / 2`` (the smaller
        predicted fall, within round-off of the true loss at ``tol = 1e-8``), the
        gradient ``rate * g`` (for ``max |grad|``), and the measure ``rate * relative_step``.
    gauge : ndarray, optional
        As in :func:`~oneneuron.solvers.newton`.
    sub_tol : float, optional
        Subsample tolerance; by default ``max(tol, SUB_TOL)``: the subsample's optimum
        differs from the full one by far more than that, so a tighter solve buys nothing.

    Where the subsample Hessian is ill-conditioned (not positive definite, or a
    Cholesky pivot below :data:`~oneneuron.solvers.newton.ILL_CONDITIONED` of its
    diagonal: nearly equal columns) and ``problem.has_least_squares``, it is no
    metric for the full-data steps; :func:`~oneneuron.solvers.newton` (with its QR
    step) finishes from the subsample's optimum instead (``extra["full_newton"]``).
    """
    sub_trace = Trace()
    sub = newton(
        subproblem,
        theta0,
        max_iter=50,
        tol=max(tol, SUB_TOL) if sub_tol is None else sub_tol,
        trace=sub_trace,
        gauge=gauge,
    )
    H = sub.extra["hessian"]  # the subsample Hessian at its optimum, from Newton's last pass
    B = H if gauge is None else H + gauge
    solve, ill = _factor(B)
    if ill and getattr(problem, "has_least_squares", False):
        # an ill-conditioned Hessian (nearly equal columns) is no metric: along the
        # direction it lost to rounding the steps below would not converge (1000 of them
        # stopped 2e-3 off); exact Newton, with its QR step, finishes from here instead
        result = newton(problem, sub.theta, max_iter=max_iter, tol=tol, trace=trace, gauge=gauge)
        result.extra.update(n_sub_iter=sub.n_iter, sub_passes=subproblem.n_passes)
        result.extra.update(refreshed=False, full_newton=True)
        return result

    theta = sub.theta
    scale = floor_scale(problem)
    f, g = problem.loss_gradient(theta)
    trace.record(theta, f, g, problem.n_passes)
    n_iter, refreshed, message, converged = 0, False, "", False
    stalls, last_measure, decreased = 0, np.inf, True
    previous, rates, t = None, [], 1.0  # the last measure; contractions of unit steps
    while True:
        p = solve(g)
        slope = float(g @ p)
        modelled = slope < 0  # the model's step (not the gradient's, its fallback)
        if not modelled:
            p, slope = -g, -float(g @ g)
        measure = relative_step(p, theta, problem)  # the preconditioned step estimates the error
        if n_iter > 0:  # progress: a real decrease, or a step at most half the smallest yet
            stalls = 0 if decreased or measure < 0.5 * last_measure else stalls + 1
        last_measure = min(last_measure, measure)
        if previous is not None and t == 1.0:  # a unit step: its contraction
            rates.append(measure / previous)
        else:  # a shorter one, or the first step or one after a refresh: none to measure
            rates = []
        previous = measure
        if measure <= tol:  # the next step would be small: theta is within about tol
            converged = True  # (its error; no pass spent on taking the step to check)
            break
        rate = max(rates[-FINAL_RATES:]) if len(rates) >= FINAL_RATES else np.inf
        final = rate <= MAX_FINAL_RATE and rate * measure <= tol and modelled
        if final and n_iter < max_iter and not stalls:
            # the step leaves an error of about rate * measure <= tol: take it without the
            # pass that would only confirm it. There the gradient is about rate * g, and the
            # loss falls by -slope / 2 to within rate of it (the gradient's share at the
            # step's end): the smaller fall, so that the loss is not put below the optimum
            theta, f, g = theta + p, f + 0.5 * slope * (1.0 - rate), rate * g
            n_iter += 1
            trace.record(theta, f, g, problem.n_passes)
            measure *= rate
            converged = True
            break
        if stalls >= 2:
            converged = at_float_floor(-0.5 * slope, f, n_terms(problem), scale)
            message = FLOOR_MESSAGE.format(-0.5 * slope)
            break
        if n_iter >= max_iter:
            break
        t = 1.0
        noise = round_off(f, scale=scale)
        f_new, g_new = problem.loss_gradient(theta + p)
        if not (np.isfinite(f_new) and (f_new <= f + 1e-4 * slope or abs(f_new - f) <= noise)):
            found = shorter_step(problem.loss_gradient, theta, p, f, slope, measure, noise)
            if found is None:
                converged = at_float_floor(-0.5 * slope, f, n_terms(problem), scale)
                message = "line search found no decrease: " + FLOOR_MESSAGE.format(-0.5 * slope)
                break
            t, (f_new, g_new) = found
        slow = grad_norm(g_new) > 0.5 * grad_norm(g)
        decreased = f_new < f - noise
        step, change = t * p, g_new - g
        theta, f, g = theta + step, f_new, g_new
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
        if t * measure <= tol:  # the step just taken was small
            measure *= t
            converged = True
            break
        if slow and not refreshed:
            _, g, H = problem.gradient_hessian(theta)  # one full Hessian pass
            B = H if gauge is None else H + gauge
            solve = _factor(B)[0]
            refreshed, previous = True, None  # measures before it used the old model
        else:
            B, solve = _secant_update(B, step, change, solve)
    gn = grad_norm(g)
    extra = {"n_sub_iter": sub.n_iter, "sub_passes": subproblem.n_passes, "refreshed": refreshed}
    return SolverResult(theta, f, gn, n_iter, converged, trace, message, extra, measure)


def _secant_update(
    B: Array, s: Array, y: Array, solve: Callable[[Array], Array]
) -> tuple[Array, Callable[[Array], Array]]:
    """:func:`~oneneuron.solvers._base.bfgs_update` of ``B``, refactored (kept when skipped)."""
    updated = bfgs_update(B, s, y)
    return (B, solve) if updated is None else (updated, _factor(updated)[0])


def _factor(H: Array) -> tuple[Callable[[Array], Array], bool]:
    """Return ``g -> -H^-1 g`` using one Cholesky factorisation (ridge fallback), and
    whether ``H`` is ill-conditioned (not positive definite, or a pivot below
    :data:`~oneneuron.solvers.newton.ILL_CONDITIONED` of its diagonal entry).

    LAPACK's ``potrf``/``potrs`` directly: ``scipy.linalg.cho_factor`` and ``cho_solve``
    wrap the same calls in checks that cost more than the factorisation at small p.
    """
    c, info = dpotrf(H, lower=0, clean=0)
    if info != 0:  # not positive definite (or not finite)
        return (lambda g: newton_direction(H, g)[0]), True
    return (lambda g: -dpotrs(c, g, lower=0)[0]), small_pivot(c.diagonal(), H.diagonal())
