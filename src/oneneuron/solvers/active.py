"""Active-set cycling for L1 fits: proximal Newton on the working columns, KKT on all of them.

With an L1 penalty most coefficients are exactly zero at the optimum, so the
quadratic model is only needed on the few columns that are (or may become)
non-zero. :func:`active_set_newton` (glmnet's strategy) therefore

1. picks a working set of features: those non-zero at the start, the
   unpenalised ones, and a guess of those about to enter (the strong rule
   along a path; the KKT violators at the start otherwise), with a little
   headroom; a set whose passes read X in place (dense tall data, wide sets),
   or whose solves form exact ``p x p`` Hessians (:func:`exact_matrices`), grows
   to at least twice the last one instead (``GROWTH``);
2. solves the problem restricted to those columns with
   :func:`~oneneuron.solvers.cd.proximal_newton` (its Hessian is
   ``|A| x |A|``; its passes read only those columns);
3. makes ONE full fused loss-and-gradient pass and checks the KKT conditions
   of the full problem on every coefficient; violators join the working set
   and the cycle repeats, otherwise the full problem is solved.

The answer is the optimum of the full problem (the final check is on all
coefficients); the working set only decides where the Newton work is done.
This is also what makes wide data (``p`` in the hundred-thousands) feasible:
no ``p x p`` matrix is ever formed, only the working set's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..objective import L1Penalty
from ._base import Array, Problem, SolverResult, Trace, grad_norm
from .cd import CHEAP_INNER_TOL, minimize_quadratic, proximal_newton

__all__ = ["active_set_newton", "coefficient_index"]

#: ``restrict(columns) -> (problem on those columns, its row subsample or None)``.
Restrict = Callable[[Array], tuple[Problem, Problem | None]]


def coefficient_index(columns: Array, n_outputs: int, n_features: int, n_intercepts: int) -> Array:
    """Positions in ``theta`` of the coefficients of ``columns`` (every class) and the intercepts.

    ``theta`` is laid out as ``[W'.ravel(), b']`` with ``W'`` of shape (m, d).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.solvers.active import coefficient_index
    >>> coefficient_index(np.array([1, 3]), 2, 4, 2).tolist()
    [1, 3, 5, 7, 8, 9]
    """
    cols = np.asarray(columns, dtype=np.intp)
    parts = [k * n_features + cols for k in range(n_outputs)]
    parts.append(n_outputs * n_features + np.arange(n_intercepts))
    return np.concatenate(parts)


#: Headroom of a new working set: this share of its size (at least ``HEADROOM_MIN``)
#: of the features closest to entering, if they are within half their threshold.
HEADROOM_SHARE, HEADROOM_MIN = 0.25, 4

#: Growth of a working set whose restricted passes read X in place (see
#: :func:`active_set_newton`): when it changes, to at least this multiple of the last
#: set's size (the previous round's, or the previous alpha's along a path). Measured on
#: 20-alpha paths at tol 1e-5 (medians, alternated in one process, 2 cores), time
#: against no growth: 0.88x at 100k x 100 (down to 83 non-zeros), 0.64x at 60k x 500
#: (440), 0.74x at 50k x 1000 (520), 1.02x at 50k x 1000 down to 165 non-zeros (only
#: the last alphas read in place: the wider metric is not repaid). A factor 1.5:
#: 1.02x, 0.74x, 1.17x, 0.94x; every column at once: 0.85x, 0.58x, 0.75x, 1.18x.
GROWTH = 2.0


def _headroom(g: Array, lam: Array, work: Array, m: int, d: int, count: int | None = None) -> Array:
    """Features outside ``work`` with the largest ``|g_j| / lam_j``, a few of them.

    By default ``HEADROOM_SHARE`` of the set's size (at least ``HEADROOM_MIN``), only
    those within half their threshold (``|g_j| / lam_j >= 0.5``); with ``count``, that
    many of the closest ones whatever their distance (geometric growth).
    """
    lam_W = lam[: m * d].reshape(m, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(g[: m * d].reshape(m, d)) / lam_W
    score = np.nan_to_num(np.max(ratio, axis=0), nan=0.0, posinf=0.0)
    score[work] = -1.0
    k = max(HEADROOM_MIN, int(HEADROOM_SHARE * np.sum(work))) if count is None else count
    order = np.argsort(-score)[:k]
    extra = np.zeros(d, dtype=bool)
    extra[order[score[order] >= (0.5 if count is None else 0.0)]] = True
    return extra


def reads_in_place(problem: Any) -> bool:
    """Whether a restricted problem's passes read all of X (its engine reads the
    working set's columns in place) rather than a copy of its columns."""
    return getattr(problem.engine, "columns", None) is not None


def exact_matrices(problem: Any, subsample: Any) -> bool:
    """Whether a working set's solves form exact ``p x p`` Hessians (no row subsample
    gives a cheap metric, no column sweeps replace the matrix): each new set then costs
    a Hessian over all the data, so it grows as a set read in place does (``GROWTH``).
    Measured (50-alpha paths, alternated in one process, 2 busy cores): 0.69x the
    time of the sets changing at every alpha on dense 2k x 2k (to 581 non-zeros, tol
    1e-5), 0.61x on dense 2k x 500 and 0.70x on 5k x 100 (medians of 5 and 3); a sparse
    20k x 2 000 path is unchanged (its wide sets sweep columns, its narrow ones have a
    row subsample)."""
    return subsample is None and not getattr(problem, "column_hessian", False)


def _next_step(
    lam: Array, tol: float, l2_shift: Array | None = None
) -> Callable[[Array, Array, Array], Array | None]:
    """``(w, g, H) -> w2``: the proximal step from ``w`` of the quadratic model with
    gradient ``g`` and metric ``H`` under the L1 weights ``lam`` (the next alpha's), solved
    as a cheap metric's steps are; None where it does not move. ``l2_shift``: the next
    alpha's L2 weights less this one's (the smooth part's gradient then gains
    ``l2_shift * w`` and its Hessian ``diag(l2_shift)``)."""
    pen = L1Penalty(lam)

    def step(w: Array, g: Array, H: Array) -> Array | None:
        if l2_shift is not None and np.any(l2_shift):
            g = g + l2_shift * w
            H = H + np.diag(l2_shift)
        inner = max(0.1 * tol, CHEAP_INNER_TOL * grad_norm(pen.min_norm_subgradient(w, g)))
        w2, _ = minimize_quadratic(H, g, w, lam, tol=inner)
        return w2 if np.any(w2 != w) else None

    return step


def active_set_newton(
    problem: Problem,
    penalty: L1Penalty,
    theta0: Array,
    restrict: Restrict,
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
    working: Array | None = None,
    start: tuple[float, Array] | None = None,
    max_rounds: int = 100,
    warm: bool = False,
    metric: tuple[Array, Array] | None = None,
    first: Array | None = None,
    next_penalty: L1Penalty | None = None,
    next_l2_shift: Array | None = None,
) -> SolverResult:
    """Minimise ``problem + penalty`` by proximal Newton on a growing working set of columns.

    Parameters
    ----------
    problem : LinearLoss
        The full smooth part (``n_outputs``, ``n_features``, ``fit_intercept``).
    penalty : L1Penalty
        The L1 part in ``theta``'s layout.
    theta0 : ndarray
        Start; coefficients outside the first working set must be 0.
    restrict : callable
        ``columns -> (problem, subsample problem or None)`` on those feature
        columns, with the same penalty restricted to them.
    max_iter : int
        Proximal Newton iterations per restricted solve.
    tol : float
        KKT tolerance of the full problem.
    trace : Trace
        One entry per full pass (start and each KKT check).
    working : ndarray of bool, shape (d,), optional
        The first working set's guess (e.g. the strong rule's); default: the
        features that violate the KKT conditions at ``theta0``.
    start : (float, ndarray), optional
        ``(f, g)`` of the smooth part at ``theta0`` if already known (saves a pass).
    max_rounds : int, default=100
        Cap on restricted solve / KKT check cycles.
    warm : bool, default=False
        ``theta0`` is a warm start (the previous alpha's solution along a path).
        Where the restricted problems have a row subsample, a cold start's first
        round solves the subsample first (big steps at a fraction of a pass
        each) and then the full data; a warm start, and every later round,
        iterates on the full data from the start, whose gradient is already
        known, with the subsample's Hessian at the start as the metric
        (refreshed as :func:`~oneneuron.solvers.cd.proximal_newton` says):
        along a 20-alpha path on 100k x 100 this took about half the full-data
        evaluations of solving the subsample first at every alpha. Without a
        subsample, a warm start on an unchanged working set steps in the
        ``metric`` it is given (refreshed by an exact Hessian pass when a step
        gains less than 10x) instead of forming an exact Hessian every step.
    metric : (ndarray, ndarray), optional
        ``(columns, H)``: the last metric of the previous alpha (``extra["metric"]``
        of its result), reused where the working set's columns are the same.
    first : ndarray, optional
        A first step (``theta``'s layout) already read with the previous alpha's last
        step (``extra["next"]`` of its result): tried first where the first working set
        reads X in place and holds its non-zeros (its statistics are then remembered).
    next_penalty : L1Penalty, optional
        The next alpha's L1 part: where a working set reads X in place, the last step
        of its solve is evaluated together with the next alpha's first step from it
        (one read of X for both, see :func:`~oneneuron.solvers.cd.proximal_newton`'s
        ``speculate``); that step is ``extra["next"]``, for ``first`` of the next call.
    next_l2_shift : ndarray, optional
        The next alpha's L2 weights less this one's, in ``theta``'s layout (its smooth
        part's gradient is this one's plus ``next_l2_shift * theta``); default 0.

    Returns
    -------
    SolverResult
        ``n_iter`` counts proximal Newton iterations over all rounds; ``extra``
        holds ``"grad"`` (the smooth part's full gradient at ``theta``),
        ``"working"`` (the final working set, a boolean mask over features),
        ``"n_rounds"``, ``"n_misses"`` (checks that found violators outside
        the working set), ``"n_working"`` (final working-set size),
        ``"restricted_passes"`` (the restricted problems' passes in passes over
        X: one reads ``|A| / d`` of it, or all of it for an engine reading X in
        place), ``"subsample_passes"`` (passes of the restricted row
        subsamples, in their own units) and ``"metric"`` (the last working
        set's columns and metric, for the next alpha) and ``"next"`` (see
        ``next_penalty``; None where there is none).
    """
    m, d = problem.n_outputs, problem.n_features  # type: ignore[attr-defined]
    n_b = problem.n_params - m * d
    theta = np.array(theta0, dtype=np.float64, copy=True)
    f, g = start if start is not None else problem.loss_gradient(theta)
    F = f + penalty.value(theta)
    trace.record(theta, F, penalty.min_norm_subgradient(theta, g), problem.n_passes)
    lam_W = penalty.lam[: m * d].reshape(m, d)
    nonzero = np.any(theta[: m * d].reshape(m, d) != 0.0, axis=0)
    free = np.all(lam_W == 0.0, axis=0)

    def violators(v: Array) -> Array:
        return np.any(np.abs(v[: m * d].reshape(m, d)) > tol, axis=0)

    v = penalty.min_norm_subgradient(theta, g)
    work = nonzero | free | (violators(v) if working is None else working)
    n_iter, rounds, misses, sub_passes, subsample_passes, message = 0, 0, 0, 0.0, 0.0, ""
    inner_tol = 0.5 * tol
    predict = True  # a copied set's last step may go without its pass (see below)
    cols_prev: Array | None = None
    sub: Any = None
    subsub: Any = None
    ahead: Array | None = None  # the next alpha's first step, read with the last one
    while grad_norm(v) > tol and rounds < max_rounds:
        cols = np.flatnonzero(work)
        if cols_prev is None or not np.array_equal(cols, cols_prev):
            # a new column copy: take some headroom (the features closest to entering),
            # so that the next few entries (or the next alphas) find their columns there
            work |= _headroom(g, penalty.lam, work, m, d)
            cols = np.flatnonzero(work)
            sub, subsub = restrict(cols)
            # a set read in place costs a full read a pass whatever its width, and a new
            # metric each time it changes: it grows to at least GROWTH times the last
            # set, so that along a path the metric is formed O(log d) times, not at
            # every alpha that adds a feature or two
            # the last set: the metric's columns (the previous alpha's, then each round's)
            short = 0 if metric is None else int(GROWTH * len(metric[0])) - len(cols)
            if short > 0 and (reads_in_place(sub) or exact_matrices(sub, subsub)):
                work |= _headroom(g, penalty.lam, work, m, d, count=short)
                cols = np.flatnonzero(work)
                sub, subsub = restrict(cols)
            cols_prev = cols
        ix = coefficient_index(cols, m, d, n_b)
        before = sub.n_passes
        before_sub = 0.0 if subsub is None else subsub.n_passes
        pen_ix = L1Penalty(penalty.lam[ix])
        known = metric[1] if metric is not None and np.array_equal(metric[0], cols) else None
        if subsub is None:
            steps: dict[str, Any] = {}
            if warm and known is not None:  # full-data steps in the known metric
                steps = dict(hessian=known, start=(f, g[ix]))
            res = proximal_newton(
                sub, pen_ix, theta[ix], max_iter=max_iter, tol=inner_tol, trace=Trace(), **steps
            )
        else:
            # the metric of the full-data steps: the subsample's Hessian (refreshed there)
            def sub_metric(t: Array, subsub: Any = subsub) -> Array:
                return subsub.gradient_hessian(t)[2]

            near = warm or rounds > 0  # else the subsample is solved first
            pipe = near and next_penalty is not None and reads_in_place(sub)
            given = None
            if (
                warm
                and rounds == 0
                and first is not None
                and reads_in_place(sub)
                and not np.any(np.delete(first, ix))
            ):
                # the previous alpha's guess, read with its last step: on columns that
                # hold its non-zeros its statistics are remembered (no pass)
                w1 = first[ix]
                given = (w1, *sub.loss_gradient(w1))
            res = proximal_newton(
                sub,
                pen_ix,
                theta[ix],
                max_iter=max_iter,
                tol=inner_tol,
                trace=Trace(),
                subproblem=None if near else subsub,
                hessian=(sub_metric(theta[ix]) if known is None else known) if near else None,
                refresh=sub_metric,
                start=(f, g[ix]),  # the restricted gradient is the full one's on its columns
                # a copy's passes are its own: the full-data check below also reads the
                # last point, so the pass that would only confirm it is left out
                checked=predict and not reads_in_place(sub),
                first=given,
                speculate=_next_step(
                    next_penalty.lam[ix],  # type: ignore[union-attr]
                    tol,
                    None if next_l2_shift is None else next_l2_shift[ix],
                )
                if pipe
                else None,
            )
        metric = (cols, res.extra["hessian"])
        step = res.extra.get("speculative")
        ahead = None
        if step is not None:
            ahead = np.zeros_like(theta)
            ahead[ix] = step[0]
        n_iter += res.n_iter
        # a restricted pass reads |A|/d of X, or all of it where it reads X in place
        width = 1.0 if reads_in_place(sub) else len(cols) / max(d, 1)
        sub_passes += (sub.n_passes - before) * width
        subsample_passes += 0.0 if subsub is None else subsub.n_passes - before_sub
        theta = np.zeros_like(theta)
        theta[ix] = res.theta
        f, g = problem.loss_gradient(theta)
        F = f + penalty.value(theta)
        v = penalty.min_norm_subgradient(theta, g)
        trace.record(theta, F, v, problem.n_passes)
        rounds += 1
        if res.message:  # the restricted solve hit the precision floor: so does this one
            message = res.message
            break
        missed = bool(res.extra.get("predicted")) and grad_norm(v[ix]) > inner_tol
        predict = predict and not missed  # a contraction that misled: passes confirm from here
        new = violators(v) & ~work
        if not np.any(new):
            if grad_norm(v) > tol and not missed:  # not tight enough in full precision
                if inner_tol < 1e-3 * tol or not res.converged:
                    message = res.message or "restricted solve stalled"
                    break
                inner_tol *= 0.1
            continue
        work |= new
        misses += 1
    kkt = grad_norm(v)
    extra = {
        "grad": g,
        "working": work,
        "n_rounds": rounds,
        "n_misses": misses,
        "n_working": int(work.sum()),
        "restricted_passes": sub_passes,
        "subsample_passes": subsample_passes,
        "metric": metric,
        "next": ahead,
    }
    return SolverResult(theta, F, kkt, n_iter, kkt <= tol, trace, message, extra)
