"""Newton's method with the exact Hessian, a Cholesky solve, and a backtracking line search.

Where the Hessian is too ill-conditioned for Cholesky (:data:`ILL_CONDITIONED`), the step
comes from the problem's QR factor of the weighted design, when it has one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.linalg
from scipy.linalg.lapack import dposv

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

#: A Cholesky pivot ``L_jj**2`` below this fraction of its diagonal entry ``H_jj`` marks
#: the Hessian as too ill-conditioned to solve with: ``L_jj**2 / H_jj`` is ``1 - R**2`` of
#: coefficient ``j`` on the earlier ones (in the Hessian's metric), and ``H = X' D X``
#: carries it to about ``eps / (1 - R**2)`` relative, so below 1e-8 more than half of
#: float64's digits of the step along that direction are lost. Newton then takes the
#: step from the problem's QR factor instead (``least_squares_direction``), where it
#: has one. Collinearity that strong is rare: a well-conditioned fit never pays for it.
ILL_CONDITIONED = 1e-8

#: Ridge steps Newton takes after the QR factor found aliased columns before it asks the
#: factor again at every step (one pass each), for the step on the kept columns
#: (``H^+ g``): an exact copy alone converges within a few, but beside nearly collinear
#: columns the ridge's damped steps crawl along them (80 iterations binary, three
#: classes 1000 without converging).
ALIASED_PATIENCE = 8


def newton_direction(H: Array, g: Array) -> tuple[Array, float]:
    """Solve ``H p = -g`` by Cholesky; on failure add ``tau I`` (growing x10) until PD.

    Returns the direction and the ridge ``tau`` that was needed (0.0 if none).
    A singular ``H`` arises on (quasi-)separable data or collinear columns with
    ``alpha = 0``; the ridge turns the step into a damped Newton step there.
    """
    p, tau, _ = cholesky_direction(H, g)
    return p, tau


def cholesky_direction(H: Array, g: Array) -> tuple[Array, float, bool]:
    """:func:`newton_direction`, and whether ``H`` is ill-conditioned: a ridge was needed
    or a pivot is below :data:`ILL_CONDITIONED` of its diagonal entry (O(p) to tell)."""
    tau = 0.0
    for _ in range(30):
        try:
            if len(g) <= 64:  # small: LAPACK's dposv directly (Cholesky and solve, ~1 us)
                Ht = H + tau * np.eye(len(g)) if tau else H
                c, p, info = dposv(Ht, -g)
                if info != 0:  # info > 0: not positive definite
                    raise np.linalg.LinAlgError("not positive definite")
                finite = all(map(math.isfinite, p.tolist()))  # cheaper than NumPy's here
            else:
                c, lower = scipy.linalg.cho_factor(H + tau * np.eye(len(g)), check_finite=False)
                p = scipy.linalg.cho_solve((c, lower), -g, check_finite=False)
                finite = bool(np.isfinite(p).all())
            if finite:
                if tau:
                    return p, tau, True
                return p, tau, small_pivot(c.diagonal(), H.diagonal())
        except np.linalg.LinAlgError:
            pass
        if tau == 0.0:  # the ridge starts at 1e-12 of the largest diagonal entry
            tau = max(float(np.max(np.abs(np.diag(H)))) if H.size else 1.0, 1e-300) * 1e-12
        else:
            tau *= 10.0
    return -g, np.inf, True


def small_pivot(pivots: Array, diagonal: Array) -> bool:
    """Whether some ``pivots[j]**2 < ILL_CONDITIONED * diagonal[j]`` (a NaN counts as one);
    in plain Python at small sizes, where NumPy's calls cost more than the loop."""
    if pivots.size <= 64:
        for a, b in zip(pivots.tolist(), diagonal.tolist(), strict=True):
            if not a * a >= ILL_CONDITIONED * b:
                return True
        return False
    return not bool((pivots * pivots >= ILL_CONDITIONED * diagonal).all())


#: When the full Newton step fails the line search, the first shorter trial moves the
#: coefficients by at most this much (:func:`~oneneuron.solvers._base.relative_step`,
#: standardised units): see :func:`shorter_step`.
RESCUE_STEP = 10.0


#: A Newton step longer than this (relative to the coefficients, standardised) is not
#: tried: its Hessian underflowed, and :func:`shorter_step` takes its direction.
ABSURD_STEP = 1e20


def shorter_step(
    evaluate: Callable[[Array], tuple[Any, ...]],
    theta: Array,
    p: Array,
    f: float,
    slope: float,
    measure: float,
    noise: float = 0.0,
) -> tuple[float, tuple[Any, ...]] | None:
    """A step length ``t < 1`` along ``p`` after the full step failed the line search.

    ``evaluate(point)`` returns a tuple whose first entry is the objective there;
    the step length and that tuple come back, or None when 40 halvings find no
    ``f(theta + t p) <= f + 1e-4 t slope`` (nor a change within ``noise``).
    ``measure`` is ``relative_step`` of ``p``. The first trial is ``t = 1/2``,
    or shorter where that would move the coefficients by more than
    :data:`RESCUE_STEP`: where every probability is 0 or 1 (a start far from the
    data: an offset of large values, a warm start from a separated fit) the
    Hessian underflows to about ``exp(-|z|)``, the Newton step is ``1e20`` and
    more, and halvings alone (40 of them, a factor ``1e12``) never came back into
    the region where the objective falls. When that shortened first trial holds,
    the step doubles while the objective keeps falling (loss-only passes; the
    objective there is about linear, so the next Newton iteration would need many
    such steps), but never past ``t = 1/2``. A full step that holds is never
    shortened: a far optimum is reached at Newton's pace.
    """

    def holds(value: float, t: float) -> bool:
        return bool(np.isfinite(value)) and (
            value <= f + 1e-4 * t * slope or abs(value - f) <= noise
        )

    t = min(0.5, RESCUE_STEP / measure) if measure > 0 else 0.5
    rescued = t < 0.5
    for _ in range(40):
        out = evaluate(theta + t * p)
        if holds(out[0], t):
            break
        t *= 0.5
        rescued = False
    else:
        return None
    while rescued and 2.0 * t <= 0.5:  # the shortened trial held: a longer one may too
        longer = evaluate(theta + 2.0 * t * p)
        if not (holds(longer[0], 2.0 * t) and longer[0] <= out[0]):
            break
        t, out = 2.0 * t, longer
    return t, out


def newton(
    problem: Problem,
    theta0: Array,
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
    gauge: Array | None = None,
) -> SolverResult:
    """Newton-Raphson: ``theta <- theta + t p`` with ``H p = -g``.

    Stops after a small step: when the step just taken moved every coefficient
    (on the standardised scale, see :func:`~oneneuron.solvers._base.relative_step`)
    by at most ``tol * max(1, |coefficient|)``, i.e.
    ``relative_step(t p, theta) <= tol`` (statsmodels' rule). Newton converges
    quadratically, so the coefficients are then accurate to about ``tol**2``
    relative. It also stops when the objective can no longer decrease in float64
    (two steps in a row without a decrease beyond round-off and without a step
    half the smallest yet); ``converged`` then says whether the predicted decrease
    ``-g.p / 2`` is below the objective's resolution
    (:func:`~oneneuron.solvers._base.at_float_floor`).

    ``t = 1`` is tried with the gradient-and-Hessian pass the next iteration needs
    (so an accepted full step costs one pass); if the Armijo condition
    ``f(theta + t p) <= f(theta) + 1e-4 t g.p`` fails, ``t`` halves with
    loss-only passes until it holds (from a first trial no longer than
    :data:`RESCUE_STEP`, see :func:`shorter_step`). Near the optimum, where the change of ``f``
    is below its round-off, the full step is taken.

    ``gauge`` is a PSD matrix added to ``H`` (never to the objective) that fixes
    directions along which the objective is flat by construction, e.g. adding
    the same vector to every class of a softmax layer; the gradient has no
    component along them, so the step is unchanged elsewhere.

    Where the Cholesky factor of ``H`` finds a pivot below :data:`ILL_CONDITIONED`
    of its diagonal (or needs a ridge), and the problem has a
    ``least_squares_direction(theta, g, gauge)`` (on the NumPy, array-API and Dask
    engines), the step comes from a QR factor of the weighted design instead, which
    resolves nearly equal columns that ``H = X' D X`` has lost to rounding (one more
    pass per such iteration; ``extra["qr_steps"]`` counts them, ``extra["qr_last"]``
    says whether the last step was one). Where it finds aliased columns (an exact dependence,
    see :data:`~oneneuron.objective.ALIAS_TOL`; ``extra["qr_aliased"]``) the ridge's
    damped step is kept, and the fit does not ask again for :data:`ALIASED_PATIENCE`
    iterations: aliasing is a property of the columns (the row weights ``D > 0`` do not
    raise their rank), and each question is a pass. A fit still running then (the kept
    columns nearly collinear too, where the ridge's steps crawl) takes the factor's step
    on the kept columns (``H^+ g``) at every ill-conditioned iteration.
    """
    theta = np.array(theta0, dtype=np.float64, copy=True)
    # the map to standardised coordinates of the stopping measure, looked up once (a
    # property that builds it; None where theta is standardised already)
    to_standard = getattr(problem, "to_standard", None)
    scale = floor_scale(problem)
    f, g, H = problem.gradient_hessian(theta)
    trace.record(theta, f, g, problem.n_passes)
    n_iter = 0
    message = ""
    max_ridge = 0.0
    converged = False
    stalls, last_measure, decreased = 0, np.inf, True
    exact = getattr(problem, "least_squares_direction", None)
    n_exact, exact_last, qr_aliased = 0, False, False
    aliased_at, resumed = -1, False
    while True:
        if qr_aliased and not resumed and n_iter - aliased_at >= ALIASED_PATIENCE:
            # the ridge's steps crawl: the kept columns are nearly collinear too (x,
            # x + 1e-8 noise beside an exact copy): their steps from the QR factor again
            exact, resumed = getattr(problem, "least_squares_direction", None), True
        p, tau, ill = cholesky_direction(H if gauge is None else H + gauge, g)
        exact_last = False
        if ill and exact is not None:  # the step from a QR factor: the design's condition
            found = exact(theta, g, gauge)  # number, not its square (one more pass)
            if found is not None and found[1] == 0:  # (aliased columns: the ridge's step)
                p, tau, exact_last = found[0], 0.0, True
                n_exact += 1
            elif found is not None and resumed:  # the step on the kept columns, H^+ g
                p, tau, exact_last = found[0], 0.0, True
                n_exact += 1
            elif found is not None:  # aliased: the columns' rank, which the row weights
                exact = None  # do not raise; asking again costs a pass for the same answer
                qr_aliased, aliased_at = True, n_iter
        max_ridge = max(max_ridge, tau)
        measure = (
            relative_step(p, theta)
            if to_standard is None
            else relative_step(to_standard(p), to_standard(theta))
        )
        # a step beyond ABSURD_STEP comes from a Hessian that underflowed (every
        # probability 0 or 1; a ridge of 1e-300 then makes it 1e300 and g.p overflows):
        # only its direction means anything, and the line search starts short
        absurd = measure > ABSURD_STEP
        if absurd:
            p, measure = p * (ABSURD_STEP / measure), ABSURD_STEP
        slope = float(g @ p)
        if slope >= 0:  # not a descent direction (numerical breakdown): use -g
            p, slope = -g, -float(g @ g)
            absurd = False
            measure = (
                relative_step(p, theta)
                if to_standard is None
                else relative_step(to_standard(p), to_standard(theta))
            )
        if n_iter > 0:  # progress: a real decrease, or a step at most half the smallest yet
            stalls = 0 if decreased or measure < 0.5 * last_measure else stalls + 1
        last_measure = min(last_measure, measure)
        if stalls >= 2:
            converged = at_float_floor(-0.5 * slope, f, n_terms(problem), scale)
            message = FLOOR_MESSAGE.format(-0.5 * slope)
            break
        if n_iter >= max_iter:
            break
        noise = round_off(f, scale=scale)
        # the full step is tried with the fused gradient-and-Hessian pass that the
        # next iteration needs anyway: one pass per iteration when it is accepted
        f_old = f
        f1, g1, H1 = (np.inf, g, H) if absurd else problem.gradient_hessian(theta + p)
        t = 1.0
        if math.isfinite(f1) and (f1 <= f + 1e-4 * slope or abs(f1 - f) <= noise):
            theta, f, g, H = theta + p, f1, g1, H1
        else:
            found = shorter_step(lambda v: (problem.loss(v),), theta, p, f, slope, measure)
            if found is None:
                converged = at_float_floor(-0.5 * slope, f, n_terms(problem), scale)
                message = "line search found no decrease: " + FLOOR_MESSAGE.format(-0.5 * slope)
                break
            t = found[0]
            theta = theta + t * p
            f, g, H = problem.gradient_hessian(theta)
        n_iter += 1
        trace.record(theta, f, g, problem.n_passes)
        decreased = f < f_old - noise
        if t * measure <= tol:  # the step just taken was small: Newton's error is now ~ its square
            measure *= t
            converged = True
            break
    gn = grad_norm(g)
    extra = {"max_ridge": max_ridge, "hessian": H}  # H at theta (gauge not added)
    if n_exact:  # how many steps came from the QR factor, and whether the last one did
        extra["qr_steps"], extra["qr_last"] = n_exact, exact_last
    if qr_aliased:  # the QR factor found aliased columns (inference resolves the rest by it)
        extra["qr_aliased"] = True
    return SolverResult(theta, f, gn, n_iter, converged, trace, message, extra, measure)
