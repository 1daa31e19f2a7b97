"""Proximal Newton for L1 and elastic-net penalties: coordinate descent on the quadratic model.

The objective is ``F(theta) = f(theta) + sum_j lam_j |theta_j|`` with ``f`` the smooth
:class:`~oneneuron.objective.LinearLoss` (data term plus the L2 part of the
penalty) and ``lam`` an :class:`~oneneuron.objective.L1Penalty`. Each outer
iteration, as in glmnet's IRLS-CD and glum,

1. takes ``f``'s gradient ``g`` and Hessian ``H`` at ``theta`` from the engine's
   blocked statistics (one pass over X gives both),
2. minimises the quadratic model ``q(w) = g.(w - theta) + 1/2 (w - theta)' H (w - theta)
   + sum_j lam_j |w_j|`` by cyclic coordinate descent with soft-thresholding
   (:func:`minimize_quadratic`: small ``p x p`` work, X is never touched; the
   sweeps cycle over the non-zero coordinates until they settle, then one sweep
   over all of them checks whether any other coordinate wants to enter),
3. steps to ``theta + t (w - theta)`` with ``t = 1`` unless the true objective
   fails the Armijo test ``F(theta + t d) <= F(theta) + 1e-4 t Delta``,
   ``Delta = g.d + |w|_lam - |theta|_lam`` (then ``t`` halves).

Soft-thresholding gives exact zeros. The stopping measure is the KKT violation
``max |v|`` of the minimum-norm subgradient ``v`` (see
:meth:`~oneneuron.objective.L1Penalty.min_norm_subgradient`), which is 0 exactly
at the optimum; with ``lam = 0`` it is ``max |grad|``, the other solvers' measure.

Tall data: with a ``subproblem`` (the same objective on a row subsample) the
Hessian passes run on the subsample only (:func:`proximal_newton`): the
subsample problem is solved first, then the full-data iterations keep the
subsample's Hessian as the metric (a proximal quasi-Newton method), corrected
after every step by a BFGS secant update from the step's two full-data
gradients, and cost one fused loss-and-gradient pass each, exactly as
:mod:`oneneuron.solvers.subsampled` does without the penalty.

Wide working sets (glmnet's "naive" updates): the ``p x p`` Hessian costs
``sum_i nnz_i**2`` products to form (``n p**2`` dense), a few ``p**2`` passes to
standardise and densify, and every coordinate step of a sweep reads a row of it
(``p`` values); coordinate descent over X's columns instead (a
:class:`~oneneuron.objective.ColumnHessian`: the rows' curvatures ``D`` from the
gradient's pass, X in CSC form) keeps the change of the linear predictor per row
and costs a coordinate its column's stored values, with the same steps, zeros
and stopping rule. A binary working set takes it when its stored values are at
most ``COLUMN_FACTOR`` (4) times the matrix's ``p**2`` entries, i.e. when its
columns hold fewer than ``4 p`` stored values on average
(:func:`column_hessian_pays`): sparse sets of a hundred columns and up on
sparse enough data; dense ones only with fewer rows than columns
(``DENSE_COLUMN_FACTOR`` = 1: BLAS forms the matrix fast, and near ``n = p``
coordinate descent needs many sweeps, each cheaper over the matrix than over
``n`` rows). Those solves take no row subsample and no secant updates: the
rows' curvatures cost one pass like a gradient's, so every Newton step is exact
(along a path, the last alpha's curvatures start the next alpha's steps where the
working set is unchanged, refreshed when a step gains less than 10x). Measured
on a sparse 20k x 2 000 path (30 stored values a row, 100 alphas down to 1e-4 of
``alpha_max``, to 1 998 non-zeros, 2 busy cores): 93 s with the matrices (half
forming them, half sweeping them), 9.9 s with the columns. Multinomial models
keep the matrix. Dense wide data below 10 000 rows (no row subsample) is bound
by forming exact matrices: a dense 2k x 2k 50-alpha path took 1.9x glum's time
(38.5 s against 20.5 s) with its working sets changing at every alpha (about four
matrices an alpha); they now grow geometrically
(:func:`~oneneuron.solvers.active.exact_matrices`), 0.69x that time.

Why not proximal gradient (FISTA) or OWL-QN: with ``p`` up to a few hundred,
the ``p x p`` Hessian costs about as much as a few gradient passes and the
quadratic model is solved exactly in microseconds, so each iteration makes
Newton progress (a handful of passes per fit, and warm-started fits along a
path need one or two); FISTA needs tens to hundreds of passes at the
precision asked here (1e-9 relative), and OWL-QN's orthant projections stall
near zeros that change sign.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..objective import ColumnHessian, L1Penalty
from ._base import (
    EPS,
    Array,
    Problem,
    SolverResult,
    Trace,
    bfgs_update,
    floor_scale,
    grad_norm,
    round_off,
)

__all__ = ["column_hessian_pays", "minimize_quadratic", "proximal_newton"]

#: The subsample stage stops when its KKT violation has shrunk by this factor: its
#: optimum is off the full data's by the subsample's noise anyway, which the full-data
#: iterations then remove (solving it further only costs subsample Hessians).
SUBSAMPLE_REL_TOL = 1e-2
#: Refresh the metric when an iteration shrinks the KKT violation by less than this.
REFRESH_RATIO = 0.1
#: The same for a cheap metric that each full-data step corrects by a BFGS secant update
#: (:func:`~oneneuron.solvers._base.bfgs_update`): refreshed only when an iteration gains
#: less than 1.25x, since the corrected metric improves from step to step on its own (on a
#: 20-alpha path at 60k x 500 this halved the time against refreshing at REFRESH_RATIO,
#: 53 passes' worth either way; 0.5 and 1.0 did no better elsewhere).
SECANT_REFRESH_RATIO = 0.8
#: A fresh cheap metric is a poor one (the exact metric takes over) when its step gains
#: less than 2x and the line search had to cut it to this fraction or less (the metric
#: underestimates the curvature 4x or more in some direction: sparse wide data with a few
#: subsample rows per feature). Fresh subsample metrics of dense data often gain < 2x with
#: the step halved, where the secant-corrected metric soon does better and a full Hessian
#: costs a hundred passes: a 20-alpha path at 60k x 500 took 0.9 s with this rule, 1.6-2.0 s
#: with any poor fresh metric going exact; a sparse 20k x 2001 path 8.3 s against 6.8 s.
POOR_METRIC_STEP = 0.25
#: Inner tolerance of the quadratic model in a cheap metric, relative to the KKT violation:
#: the step's gain is bounded by the metric's error (a contraction of 0.1-0.5), so solving
#: the model further (the exact metric's forcing sequence goes to kkt**2) only costs
#: sweeps; at a few thousand working-set columns each sweep streams the p x p metric. A
#: sparse 20k x 2001 path went from 5.8 s to 3.6 s, same passes; dense paths unchanged.
CHEAP_INNER_TOL = 0.01
#: A working set's last step is taken without its pass (the caller's full-data check
#: confirms it; ``checked`` of :func:`proximal_newton`) when the larger of the KKT
#: contractions of the last ``FINAL_RATES`` unit steps, at most ``MAX_FINAL_RATE``,
#: says it leaves at most ``tol`` (as :mod:`oneneuron.solvers.subsampled`'s last step).
FINAL_RATES, MAX_FINAL_RATE = 2, 0.25
#: A unit step is evaluated with ``speculate``'s point (see :func:`proximal_newton`) where
#: the last unit step's KKT contraction, applied to it, leaves at most this many times
#: ``tol``: a step that proves not to be the last wastes only the second point's
#: arithmetic in a read of X, where a last step without it costs the next solve a read.
SPECULATE_REACH = 10.0
#: Armijo constant of the line search.
ARMIJO = 1e-4
#: Stop when this many iterations in a row shrink the KKT violation by less than 10%
#: below its best so far, and the objective by no more than ``STALL_DROP`` times its
#: round-off: the noise floor of the data's precision (float32 X) is reached.
STALL_ITERATIONS = 5
#: An iteration that lowers the objective by more than this many times its round-off
#: counts no stall (see :func:`_falling`).
STALL_DROP = 10.0
STALL_MESSAGE = "no progress in 5 iterations: at the limit of the data's floating-point precision"


def _cd_sweeps(
    H: Any, g: Any, theta: Any, lam: Any, w: Any, u: Any, tol: float, max_sweeps: int
) -> int:
    """Cyclic coordinate descent on the quadratic model, in place on ``w``, ``u = H (w - theta)``.

    The reference implementation, plain Python; compiled by numba when available.
    Returns the number of sweeps made.
    """
    p = g.shape[0]
    active = np.zeros(p, dtype=np.bool_)
    for j in range(p):
        active[j] = w[j] != 0.0 or lam[j] == 0.0
    full = True
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        max_change = 0.0
        entered = False
        for j in range(p):
            if not (full or active[j]):
                continue
            a = H[j, j]
            if a <= 0.0:
                continue
            z = a * w[j] - g[j] - u[j]  # minus the model's gradient with w_j set to 0
            # a zero coordinate enters only on a violation the tolerance can see: one at
            # the threshold up to round-off (a tie the data cannot break, e.g. a 2-level
            # factor's full dummies beside an intercept, where any split of the weight is
            # optimal) stays exactly 0 instead of +-1e-16 that depends on X's memory order
            cut = lam[j]
            if cut > 0.0 and w[j] == 0.0:
                cut += 0.1 * tol
            if z > cut:
                x = (z - lam[j]) / a
            elif z < -cut:
                x = (z + lam[j]) / a
            else:
                x = 0.0
            delta = x - w[j]
            if delta != 0.0:
                w[j] = x
                for i in range(p):
                    u[i] += delta * H[j, i]  # H symmetric: row j is column j
                change = abs(a * delta)  # change of coordinate j's gradient
                if change > max_change:
                    max_change = change
                if not active[j]:
                    active[j] = True
                    entered = True
        if full:
            if not entered and max_change <= tol:
                break
            full = False
        elif max_change <= tol:
            full = True  # settled on the active set: check every coordinate once
    return sweeps


def _cd_sweeps_columns(
    indptr: Any,
    indices: Any,
    data: Any,
    D: Any,
    inv: Any,
    shift: Any,
    l2: Any,
    has_b: bool,
    g: Any,
    theta: Any,
    lam: Any,
    w: Any,
    tol: float,
    max_sweeps: int,
) -> int:
    """:func:`_cd_sweeps` on a :class:`~oneneuron.objective.ColumnHessian`, in place on ``w``.

    The same coordinate steps, cut and sweep order, with the model's gradient
    taken from the change of the linear predictor ``e = X' (w - theta)`` instead of
    a row of ``H``: ``e = e~ + e0`` with ``e~ = X (inv * dw)`` kept per row (only a
    changed column's stored rows move) and ``e0`` the constant part (standardising
    shifts and the intercept). A coordinate costs its column's stored values.
    """
    d = inv.shape[0]
    p = d + 1 if has_b else d
    n = D.shape[0]
    sumd = 0.0
    for i in range(n):
        sumd += D[i]
    dx = np.zeros(d)
    a_all = np.zeros(p)
    xd = np.empty(data.shape[0])  # D_i x_ij per stored value: one random read less a visit
    for j in range(d):
        s1 = 0.0
        s2 = 0.0
        for k in range(indptr[j], indptr[j + 1]):
            x = data[k]
            t = D[indices[k]] * x
            xd[k] = t
            s1 += t
            s2 += t * x
        dx[j] = s1
        # sum_i D_i x'_ij^2 = sum over stored rows of D ((inv x + shift)^2 - shift^2)
        # + shift^2 sum D; a constant column (x' = 0) is 0 up to round-off, then dropped
        c, sh = inv[j], shift[j]
        a = c * c * s2 + 2.0 * c * sh * s1 + sh * sh * sumd
        scale = c * c * s2 + sh * sh * sumd
        a_all[j] = (a if a > 1e-12 * scale else 0.0) + l2[j]
    if has_b:
        a_all[d] = sumd
    et = np.zeros(n)
    e0 = 0.0
    sde = 0.0  # sum_i D_i e~_i
    active = np.zeros(p, dtype=np.bool_)
    for j in range(p):
        active[j] = w[j] != 0.0 or lam[j] == 0.0
    full = True
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        max_change = 0.0
        entered = False
        for j in range(p):
            if not (full or active[j]):
                continue
            a = a_all[j]
            if a <= 0.0:
                continue
            if j < d:
                s1 = 0.0
                for k in range(indptr[j], indptr[j + 1]):
                    s1 += xd[k] * et[indices[k]]
                xde = inv[j] * (s1 + e0 * dx[j]) + shift[j] * (sde + e0 * sumd)
                r = g[j] + xde + l2[j] * (w[j] - theta[j])
            else:
                r = g[j] + sde + e0 * sumd
            z = a * w[j] - r  # minus the model's gradient with w_j set to 0
            cut = lam[j]
            if cut > 0.0 and w[j] == 0.0:
                cut += 0.1 * tol
            if z > cut:
                x = (z - lam[j]) / a
            elif z < -cut:
                x = (z + lam[j]) / a
            else:
                x = 0.0
            delta = x - w[j]
            if delta != 0.0:
                w[j] = x
                if j < d:
                    c = inv[j] * delta
                    for k in range(indptr[j], indptr[j + 1]):
                        et[indices[k]] += c * data[k]
                    sde += c * dx[j]
                    e0 += shift[j] * delta
                else:
                    e0 += delta
                change = abs(a * delta)
                if change > max_change:
                    max_change = change
                if not active[j]:
                    active[j] = True
                    entered = True
        if full:
            if not entered and max_change <= tol:
                break
            full = False
        elif max_change <= tol:
            full = True
    return sweeps


_FAST: dict[Any, Any] = {}  # the compiled sweeps, made on first use; False: numba cannot load


def _compiled_sweeps(kernel: Any = _cd_sweeps) -> Any:
    """``kernel`` compiled by numba, or False; numba is imported on first use only."""
    if kernel not in _FAST:
        try:
            from numba import njit
        except (ImportError, OSError):  # pragma: no cover - numba is a core dependency
            _FAST[kernel] = False
            return False
        try:  # cached on disk where numba finds a writable place, else compiled uncached
            _FAST[kernel] = njit(cache=True, nogil=True)(kernel)
        except RuntimeError as exc:  # "cannot cache function ...: no locator available"
            if "cannot cache" not in str(exc):
                raise
            _FAST[kernel] = njit(nogil=True)(kernel)
    return _FAST[kernel]


def minimize_quadratic(
    H: Array | ColumnHessian,
    g: Array,
    theta: Array,
    lam: Array,
    *,
    tol: float,
    max_sweeps: int = 10_000,
    compiled: bool | None = None,
) -> tuple[Array, int]:
    """Minimise ``g.(w - theta) + 1/2 (w - theta)' H (w - theta) + sum_j lam_j |w_j|`` over ``w``.

    Cyclic coordinate descent from ``w = theta``, each coordinate set to its
    exact minimiser ``S(a w_j - r_j, lam_j) / a`` (``a = H_jj``, ``r_j`` the
    model's gradient, ``S`` soft-thresholding), so zeros are exact. Sweeps cycle
    over the non-zero coordinates (and those with ``lam_j = 0``) until no
    coordinate's gradient moves by more than ``tol``, then sweep all
    coordinates; it stops when such a full sweep lets none in and moves none by
    more than ``tol``. Where the sweeps crawl (``POLISH_AFTER`` of them without
    settling: nearly collinear columns), the model is minimised on the non-zero
    coordinates directly (:func:`_polish`) and the sweeps resume. The unpenalised
    coordinates' diagonal gets a relative ridge of ``FREE_RIDGE`` (a flat direction
    of theirs, such as a softmax layer's intercepts, is otherwise unbounded under a
    gradient of round-off size).

    Parameters
    ----------
    H : ndarray of shape (p, p) or ColumnHessian
        Symmetric positive semi-definite; a
        :class:`~oneneuron.objective.ColumnHessian` (X's columns and the rows'
        curvatures) is swept column by column, the same steps without a
        ``p x p`` matrix (see the module).
    g, theta, lam : ndarray of shape (p,)
        Gradient at ``theta``, expansion point, L1 weights (>= 0).
    tol : float
        Stop when a full sweep moves no coordinate's gradient by more than this.
    max_sweeps : int, default=10000
    compiled : bool, optional
        Use the numba-compiled sweeps (default: when numba is installed);
        False runs the plain-Python reference.

    Returns
    -------
    w : ndarray of shape (p,)
    sweeps : int

    Examples
    --------
    >>> from oneneuron.solvers.cd import minimize_quadratic
    >>> import numpy as np
    >>> H = np.array([[2.0, 0.5], [0.5, 1.0]])
    >>> g, lam = np.array([-1.0, -0.3]), np.full(2, 0.2)
    >>> w, _ = minimize_quadratic(H, g, np.zeros(2), lam, tol=1e-12)
    >>> w.tolist()  # (1 - 0.2) / 2 for the first; the second stays exactly 0
    [0.4, 0.0]
    """
    w = np.array(theta, dtype=np.float64, copy=True)
    kernel = _cd_sweeps_columns if isinstance(H, ColumnHessian) else _cd_sweeps
    fast = _compiled_sweeps(kernel) if compiled is not False else False
    if compiled and not fast:
        raise ValueError("compiled=True needs numba, which cannot load here")
    sweep = fast or kernel
    g = np.ascontiguousarray(g, dtype=np.float64)
    lam = np.ascontiguousarray(lam, dtype=np.float64)
    th = np.ascontiguousarray(theta, dtype=np.float64)
    if isinstance(H, ColumnHessian):
        sweeps = sweep(
            H.indptr,
            H.indices,
            H.data,
            H.curvature,
            H.inv,
            H.shift,
            H.l2,
            H.fit_intercept,
            g,
            th,
            lam,
            w,
            float(tol),
            int(max_sweeps),
        )
        return w, int(sweeps)
    H = np.ascontiguousarray(H, dtype=np.float64)
    if not H.flags.writeable:  # (its diagonal is changed for the solve, then restored)
        H = H.copy()
    u = np.zeros_like(w)
    # bound the model along flat directions of the unpenalised coordinates (a softmax
    # layer's intercepts: one shift of all of them changes nothing), where a gradient
    # of round-off size would make it unbounded and the sweeps drift without end; H's
    # diagonal is restored exactly afterwards (no copy of H)
    free = np.flatnonzero(lam == 0.0)
    if free.size < 2:  # a flat direction of the free coordinates needs two of them
        free = free[:0]
    diagonal = H[free, free].copy()
    H[free, free] = diagonal * (1.0 + FREE_RIDGE)
    try:
        sweeps = _solve(H, g, th, lam, w, u, float(tol), int(max_sweeps), sweep)
    finally:
        H[free, free] = diagonal
    return w, int(sweeps)


def _solve(
    H: Array, g: Array, theta: Array, lam: Array, w: Array, u: Array, tol: float,
    max_sweeps: int, sweep: Any,
) -> int:  # fmt: skip
    """The sweeps, with :func:`_polish` where they crawl; in place on ``w``; the sweeps made."""
    first = min(int(max_sweeps), POLISH_AFTER)
    sweeps = sweep(H, g, theta, lam, w, u, float(tol), first)
    while sweeps >= first and sweeps < max_sweeps:  # crawling: an ill-conditioned model
        if not _polish(H, g, theta, lam, w):
            sweeps += sweep(H, g, theta, lam, w, u, float(tol), int(max_sweeps) - sweeps)
            break
        u[:] = H @ (w - theta)
        more = sweep(H, g, theta, lam, w, u, float(tol), min(first, int(max_sweeps) - sweeps))
        sweeps += more
        if more < first:  # the sweeps settled after the polish: converged
            break
    return sweeps


#: Relative ridge on the diagonal of the model's unpenalised coordinates (see
#: :func:`minimize_quadratic`): it bounds a flat direction's round-off drift at
#: ``gradient / (FREE_RIDGE * H_jj)`` and changes a Newton step by that fraction.
FREE_RIDGE = 1e-10
#: Sweeps after which coordinate descent is taken to crawl (an ill-conditioned model:
#: nearly collinear columns, e.g. columns far from zero mean without an intercept) and
#: :func:`_polish` solves the model on the non-zero coordinates directly.
POLISH_AFTER = 1000
#: The face's gradient along flat directions of ``H`` is followed when it is at least this
#: fraction of the whole (an L1 face's ``lam * sign`` along a softmax layer's invariance);
#: below it, it is round-off and the step is Newton's on the curved directions.
FLAT_GRADIENT = 1e-6
#: Linear solves of one polish at most (a coordinate leaves the support at each but the last).
POLISH_FACES = 8


def _polish(H: Array, g: Array, theta: Array, lam: Array, w: Array) -> bool:
    """Minimise the quadratic model over the current support with the signs of ``w`` fixed.

    On the face ``{v: v_j = 0 off the support, sign(v_j) = sign(w_j)}`` the model is
    smooth with gradient ``r_S + lam_S sign(w_S)``, ``r = g + H (w - theta)`` the model's
    gradient at ``w`` and ``S`` the support (with the coordinates where ``lam_j = 0``).
    Its minimiser is one solve with ``H_SS`` (by eigendecomposition: ``H_SS`` may be
    singular, e.g. a softmax layer's coefficients, which adding one vector to every class
    leaves unchanged, without an L2 term). Where the face's gradient has a part along a
    flat direction of ``H_SS``, the model falls linearly along it, and the step follows
    it to the first coordinate that reaches zero instead. A step that would carry a
    coordinate across zero stops there and that coordinate leaves the support; then
    again, at most ``POLISH_FACES`` times (each solve costs ``|S|**3``, less than the
    ``POLISH_AFTER`` sweeps of ``|S|**2`` each that called it). Every step decreases
    the model; the sweeps that follow let in any zero coordinate whose gradient exceeds
    its L1 weight. In place on ``w``; returns False (``w`` unchanged) where no step
    decreases the model.
    """

    def model(v: Array) -> float:
        dv, nz = v - theta, v != 0.0  # (an infinite lam_j only where v_j = 0)
        return float(g @ dv + 0.5 * dv @ (H @ dv) + lam[nz] @ np.abs(v[nz]))

    start, before = w.copy(), model(w)
    for _ in range(POLISH_FACES):
        S = np.flatnonzero((w != 0.0) | (lam == 0.0))
        if S.size == 0:
            break
        sign = np.sign(w[S])
        r = g[S] + H[S] @ (w - theta) + lam[S] * sign  # the face's gradient
        e, V = np.linalg.eigh(H[np.ix_(S, S)])
        curved = e > max(float(e[-1]), 0.0) * S.size * EPS
        proj = V.T @ r
        flat = -(V[:, ~curved] @ proj[~curved])  # where the model falls linearly
        # a flat part of round-off size (the free coordinates' gradient along their flat
        # direction: zero but for round-off) is no direction to follow
        newton = not np.linalg.norm(flat) > FLAT_GRADIENT * np.linalg.norm(r)
        step = -(V[:, curved] @ (proj[curved] / e[curved])) if newton else flat
        towards = (lam[S] > 0.0) & (step * sign < 0.0)  # coordinates heading for zero
        ratio = np.full(S.size, np.inf)
        ratio[towards] = w[S][towards] / -step[towards]
        k = int(np.argmin(ratio))
        if newton and not ratio[k] < 1.0:
            w[S] += step
            break
        if not np.isfinite(ratio[k]):  # a flat direction with no end: nothing to polish
            break
        w[S] += ratio[k] * step
        w[S[k]] = 0.0  # it reached zero: it leaves the support
    if not np.all(np.isfinite(w)) or not model(w) <= before:
        w[:] = start
        return False
    return True


def _kkt(penalty: L1Penalty, theta: Array, g: Array) -> Array:
    return penalty.min_norm_subgradient(theta, g)


def _data_eps(problem: Any) -> float:
    """Machine epsilon of the data's dtype: float32 X makes objective values that noisy."""
    engine = getattr(problem, "engine", None)
    dtype = getattr(getattr(engine, "X", None), "dtype", None) or getattr(engine, "dtype", None)
    return 1.2e-7 if "32" in str(dtype) else EPS


def _model_decrease(penalty: L1Penalty, theta: Array, w: Array, g: Array) -> float:
    """``Delta = g.(w - theta) + |w|_lam - |theta|_lam``, summed term by term.

    Term by term, the penalty's change is exact where a coordinate did not move
    (differences of the two sums would leave round-off of the penalty's size).
    """
    moved = w != theta
    lam = penalty.lam[moved]
    return float(
        np.sum(
            g[moved] * (w[moved] - theta[moved]) + lam * (np.abs(w[moved]) - np.abs(theta[moved]))
        )
    )


def _falling(drop: float, F: float, problem: Any) -> bool:
    """Whether the last step lowered the objective by more than ``STALL_DROP`` times its
    round-off: then slow KKT progress is a damped Newton phase (large coefficients near
    separation, raw features of tiny spread), not the floor of the data's precision, and
    no stall is counted."""
    return bool(drop > STALL_DROP * round_off(F, _data_eps(problem), floor_scale(problem)))


def _inner_tol(kkt: float, tol: float) -> float:
    """Forcing sequence of the inexact inner solves: tighter as the outer problem converges."""
    return max(0.1 * tol, min(1e-3 * kkt, kkt * kkt))


def _newton_stage(
    problem: Problem,
    penalty: L1Penalty,
    theta: Array,
    *,
    max_iter: int,
    tol: float,
    trace: Trace | None,
    rel_tol: float = 0.0,
) -> tuple[Array, float, Array, Array, int, str]:
    """Exact proximal Newton: every iteration one gradient-and-Hessian pass.

    Stops at a KKT violation <= ``max(tol, rel_tol * initial violation)``.

    Returns ``theta, F, g, H, n_iter, message`` (``g``, ``H`` of the smooth part at ``theta``).
    """
    f, g, H = _gradient_hessian(problem, theta)
    F = f + penalty.value(theta)
    if trace is not None:
        trace.record(theta, F, _kkt(penalty, theta, g), problem.n_passes)
    n_iter, message, stalls, best, drop = 0, "", 0, np.inf, np.inf
    stop = max(tol, rel_tol * grad_norm(_kkt(penalty, theta, g)))
    while n_iter < max_iter:
        kkt = grad_norm(_kkt(penalty, theta, g))
        if kkt <= stop:
            break
        stalls = stalls + 1 if kkt > 0.9 * best else 0
        if _falling(drop, F, problem):
            stalls = 0
        best = min(best, kkt)
        before = F
        if stalls >= STALL_ITERATIONS:
            message = STALL_MESSAGE
            break
        w, _ = minimize_quadratic(H, g, theta, penalty.lam, tol=_inner_tol(kkt, tol))
        d = w - theta
        delta = _model_decrease(penalty, theta, w, g)
        if not np.any(d):
            message = "the quadratic model offers no step: at the limit of precision"
            break
        noise = round_off(F, _data_eps(problem), floor_scale(problem))
        f1, g1, H1 = _gradient_hessian(problem, w)
        F1 = f1 + penalty.value(w)
        if np.isfinite(F1) and (F1 <= F + ARMIJO * delta or abs(F1 - F) <= noise):
            theta, F, g, H = w, F1, g1, H1
        else:
            t = 0.5
            for _ in range(40):
                trial = theta + t * d
                Ft = problem.loss(trial) + penalty.value(trial)
                if np.isfinite(Ft) and Ft <= F + ARMIJO * t * delta:
                    break
                t *= 0.5
            else:
                message = "line search found no decrease: at the limit of floating-point precision"
                break
            theta = theta + t * d
            f, g, H = _gradient_hessian(problem, theta)
            F = f + penalty.value(theta)
        drop = before - F
        n_iter += 1
        if trace is not None:
            trace.record(theta, F, _kkt(penalty, theta, g), problem.n_passes)
    return theta, F, g, H, n_iter, message


def proximal_newton(
    problem: Problem,
    penalty: L1Penalty,
    theta0: Array,
    *,
    max_iter: int,
    tol: float,
    trace: Trace,
    subproblem: Problem | None = None,
    hessian: Array | None = None,
    refresh: Callable[[Array], Array] | None = None,
    start: tuple[float, Array] | None = None,
    checked: bool = False,
    first: tuple[Array, float, Array] | None = None,
    speculate: Callable[[Array, Array, Array], Array | None] | None = None,
) -> SolverResult:
    """Minimise ``problem(theta) + penalty(theta)``; stop when the KKT violation is <= ``tol``.

    Parameters
    ----------
    problem : Problem
        The smooth part (a :class:`~oneneuron.objective.LinearLoss`).
    penalty : L1Penalty
        The L1 part, in ``theta``'s layout (zero on intercepts).
    theta0 : ndarray
        Starting point (a warm start along a path).
    max_iter : int
        Outer iterations on the full data.
    tol : float
        KKT tolerance: ``max |min-norm subgradient| <= tol``.
    trace : Trace
        Records the full-data iterates; its ``grad_norm`` is the KKT violation.
    subproblem : Problem, optional
        The same objective on a row subsample: solved first (exact proximal
        Newton, stopping at 1/100 of its starting KKT violation), then the
        full data is solved with the subsample's Hessian as the metric, one
        fused loss-and-gradient pass per iteration. Each accepted step updates
        that cheap metric so that it maps the step to the full-data gradient
        change (BFGS, in place), its quadratic models are solved to
        ``CHEAP_INNER_TOL`` of the KKT violation, and it is refreshed
        (``refresh``) when an iteration shrinks the KKT violation by less than
        ``1 / SECANT_REFRESH_RATIO``. Where a cheap metric fails (a fresh one's
        step gains less than 2x although the line search cut it to
        ``POOR_METRIC_STEP`` or less, or it offers no step, or 5 iterations
        stall) the full Hessian takes over for the rest of the solve, refreshed
        when an iteration gains less than ``1 / REFRESH_RATIO``; 5 stalled
        iterations of its own end the solve.
    hessian : ndarray, optional
        A metric to start the full-data iterations with (e.g. the previous
        alpha's along a path), used as with ``subproblem``. Without either,
        every iteration is an exact proximal Newton step (one
        gradient-and-Hessian pass).
    refresh : callable, optional
        ``theta -> H``: a cheap refresh of the metric (e.g. the subsample's
        Hessian), a new array each call (the solve updates it in place);
        default: the full problem's Hessian, one gradient-and-Hessian pass.
    start : (float, ndarray), optional
        ``(f, g)`` of the smooth part at ``theta0`` if already known (saves a
        pass); used only where no subsample stage moves the start.
    checked : bool, default=False
        The caller evaluates the returned point itself (a working set's solve, followed
        by the full-data KKT check): with a cheap metric, the last step is then taken
        without the pass that would only confirm it, where the steady contraction of
        the KKT violation (the larger of the last ``FINAL_RATES`` unit steps' ratios in
        one metric, at most ``MAX_FINAL_RATE``) says it leaves at most ``tol``. The
        result's ``grad_norm`` is then that prediction, ``loss`` the model's, and
        ``extra["grad"]`` the model's gradient; ``extra["predicted"]`` is True.
    first : (ndarray, float, ndarray), optional
        ``(w, f, g)``: a first trial point already evaluated (``f``, ``g`` of the smooth
        part there), e.g. the step ``speculate`` proposed while the previous alpha
        of a path was solved. Taken as the first iteration's step if it passes the line
        search's test against the model decrease from ``theta0``; else ignored.
    speculate : callable, optional
        ``(w, model gradient at w, metric) -> w2 or None``: where a unit step's
        contraction says it may be the last one (the last unit step's KKT ratio times
        the violation is at most ``SPECULATE_REACH`` times ``tol``), a second point
        evaluated in the same read of
        X (:meth:`~oneneuron.objective.LinearLoss.loss_gradient_pair`); the last such
        evaluation at the returned point is ``extra["speculative"]`` = ``(w2, f2, g2)``
        (else None).

    Returns
    -------
    SolverResult
        ``grad_norm`` is the final KKT violation; ``extra`` holds ``"hessian"``
        (the last metric), ``"grad"`` (the smooth part's gradient at ``theta``),
        ``"n_sub_iter"``, ``"sub_passes"`` and ``"n_refresh"``.
    """
    theta = np.array(theta0, dtype=np.float64, copy=True)
    extra: dict[str, Any] = {"n_sub_iter": 0, "sub_passes": 0.0, "n_refresh": 0}
    if subproblem is None and hessian is None:
        theta, F, g, H, n_iter, message = _newton_stage(
            problem, penalty, theta, max_iter=max_iter, tol=tol, trace=trace
        )
        kkt = grad_norm(_kkt(penalty, theta, g))
        extra["hessian"], extra["grad"] = H, g
        return SolverResult(theta, F, kkt, n_iter, kkt <= tol, trace, message, extra)
    H = hessian
    if subproblem is not None:
        before = subproblem.n_passes
        theta, _, _, H, n_sub, _ = _newton_stage(
            subproblem, penalty, theta, max_iter=50, tol=tol, trace=None, rel_tol=SUBSAMPLE_REL_TOL
        )
        extra["n_sub_iter"] = n_sub
        extra["sub_passes"] = subproblem.n_passes - before
    assert H is not None
    f, g = start if start is not None and subproblem is None else problem.loss_gradient(theta)
    F = f + penalty.value(theta)
    trace.record(theta, F, _kkt(penalty, theta, g), problem.n_passes)
    n_iter, message, just_refreshed, stalls, best, drop = 0, "", False, 0, np.inf, np.inf
    owned = False  # whether H is this solve's own array (then updated in place): a refresh
    # or an update is; the ``hessian`` passed in is the caller's, copied by its first update
    # a cheap metric (``refresh``, e.g. a row subsample's Hessian) can be a poor one (sparse
    # wide data: a few subsample rows per feature); where it fails, the full Hessian takes
    # over for the rest of the solve, so that only precision, never the metric, stops it
    exact = refresh is None
    kkt = grad_norm(_kkt(penalty, theta, g))
    rates: list[float] = []  # KKT contractions of the unit steps since the metric was made
    extra["predicted"] = False
    spec: tuple[Array, Array, float, Array] | None = None  # (at theta, w2, f2, g2)
    while kkt > tol and n_iter < max_iter:
        stalls = stalls + 1 if kkt > 0.9 * best else 0
        if exact and _falling(drop, F, problem):
            stalls = 0
        best = min(best, kkt)
        if stalls >= STALL_ITERATIONS and not exact:
            exact, stalls = True, 0
            H, owned = _refresh(problem, None, theta), True
            extra["n_refresh"] += 1
            just_refreshed = True
        if stalls >= STALL_ITERATIONS:
            message = STALL_MESSAGE
            break
        known: tuple[float, Array] | None = None  # the trial's (f, g) if already evaluated
        if first is not None:
            w, known = first[0], (first[1], first[2])
            first = None
        else:
            inner = _inner_tol(kkt, tol) if exact else max(0.1 * tol, CHEAP_INNER_TOL * kkt)
            w, _ = minimize_quadratic(H, g, theta, penalty.lam, tol=inner)
        d = w - theta
        delta = _model_decrease(penalty, theta, w, g)
        if known is not None and not (np.any(d) and delta < 0):
            continue  # a given first step that is no descent step: the model's own instead
        if not np.any(d):
            if just_refreshed and exact:
                message = "the quadratic model offers no step: at the limit of precision"
                break
            if just_refreshed and not exact:  # a fresh cheap metric offered no step
                exact, stalls = True, 0  # the exact metric gets its own iterations
            H, owned = _refresh(problem, None if exact else refresh, theta), True
            extra["n_refresh"] += 1
            just_refreshed, rates = True, []
            continue
        rate = max(rates[-FINAL_RATES:]) if len(rates) >= FINAL_RATES else np.inf
        if known is None and checked and not exact and rate <= MAX_FINAL_RATE and rate * kkt <= tol:
            # the step leaves about rate * kkt <= tol: the caller's check confirms it
            g = g + H @ d  # the model's gradient there
            theta, F = w, F + 0.5 * delta * (1.0 - rate)  # the smaller predicted fall
            kkt, n_iter = rate * kkt, n_iter + 1
            extra["predicted"] = True
            break
        noise = round_off(F, _data_eps(problem), floor_scale(problem))
        t = 1.0
        last = bool(rates) and speculate is not None and rates[-1] * kkt <= SPECULATE_REACH * tol
        for _ in range(40):
            trial = theta + t * d
            if known is not None:
                f1, g1 = known
            else:
                f1, g1, spec = _evaluate(problem, trial, g, H, d, speculate if last else None)
            F1 = f1 + penalty.value(trial)
            if np.isfinite(F1) and (F1 <= F + ARMIJO * t * delta or abs(F1 - F) <= noise):
                break
            if known is not None:
                break  # a given first step that fails the test: the model's own instead
            t *= 0.5
            last = False
        else:
            message = "line search found no decrease: at the limit of floating-point precision"
            break
        if known is not None and not (
            np.isfinite(F1) and (F1 <= F + ARMIJO * delta or abs(F1 - F) <= noise)
        ):
            continue
        if not exact:  # the full-data gradients correct the cheap metric along the step
            updated = bfgs_update(H, trial - theta, g1 - g, overwrite=owned)
            H, owned = (H, owned) if updated is None else (updated, True)
        theta, F, g, drop = trial, F1, g1, F - F1
        new_kkt = grad_norm(_kkt(penalty, theta, g))
        n_iter += 1
        trace.record(theta, F, _kkt(penalty, theta, g), problem.n_passes)
        slow = new_kkt > (REFRESH_RATIO if exact else SECANT_REFRESH_RATIO) * kkt
        poor = new_kkt > 0.5 * kkt
        rates = [*rates, new_kkt / kkt] if t == 1.0 and kkt > 0 else []
        kkt = new_kkt
        # a poor fresh cheap metric (see POOR_METRIC_STEP): the exact metric takes over,
        # with iterations of its own before a stall is declared; else a slow step refreshes
        fresh_but_poor = just_refreshed and poor and not exact and t <= POOR_METRIC_STEP
        if kkt > tol and (fresh_but_poor or (slow and not just_refreshed)):
            if fresh_but_poor:
                exact, stalls = True, 0
            H, owned = _refresh(problem, None if exact else refresh, theta), True  # better
            extra["n_refresh"] += 1
            just_refreshed, rates = True, []
        else:
            just_refreshed = False
    extra["hessian"], extra["grad"] = H, g
    extra["speculative"] = spec[1:] if spec is not None and spec[0] is theta else None
    return SolverResult(theta, F, kkt, n_iter, kkt <= tol, trace, message, extra)


def _evaluate(
    problem: Problem,
    trial: Array,
    g: Array,
    H: Array,
    d: Array,
    speculate: Callable[[Array, Array, Array], Array | None] | None,
) -> tuple[float, Array, tuple[Array, Array, float, Array] | None]:
    """``problem.loss_gradient(trial)``, and with ``speculate`` the point it proposes
    from ``trial`` (``theta + d``; ``g + H d`` the model's gradient there) evaluated in
    the same read of X where the problem can
    (:meth:`~oneneuron.objective.LinearLoss.loss_gradient_pair`): ``(f, g, (trial, w2,
    f2, g2) or None)``."""
    w2 = None if speculate is None else speculate(trial, g + H @ d, H)
    pair = None if w2 is None else getattr(problem, "loss_gradient_pair", None)
    both = None if pair is None else pair(trial, w2)
    if both is None:
        f1, g1 = problem.loss_gradient(trial)
        return f1, g1, None
    (f1, g1), (f2, g2) = both
    return f1, g1, (trial, w2, f2, g2)


def _refresh(problem: Problem, refresh: Callable[[Array], Array] | None, theta: Array) -> Array:
    if refresh is not None:
        return refresh(theta)
    return _gradient_hessian(problem, theta)[2]


def _gradient_hessian(problem: Problem, theta: Array) -> tuple[float, Array, Any]:
    """``problem.gradient_hessian``, or its factored form where the problem asks for it."""
    if getattr(problem, "column_hessian", False):
        return problem.gradient_column_hessian(theta)  # type: ignore[attr-defined, no-any-return]
    return problem.gradient_hessian(theta)


#: A binary working set's Hessian is taken in factored form (:class:`ColumnHessian`)
#: when its columns' stored values are at most this multiple of the ``p x p`` matrix's
#: entries: sparse columns (the matrix formed by sparse products), dense ones (formed by
#: BLAS, many times faster a product). Measured (2 busy cores, medians): a sparse 20k x
#: 2 000 path, 50 alphas to 1 998 non-zeros, 7.0 / 5.3 / 4.9 / 5.2 s at 0.25 / 1 / 4 /
#: 16; a 500k x 100k fit with 98 non-zeros (about 150 stored values a column) 0.84 s
#: with the matrix, 0.75 s at 1, 0.63 s with the columns always.
COLUMN_FACTOR, DENSE_COLUMN_FACTOR = 4.0, 1.0


def column_hessian_pays(stored: int, p: int, n_outputs: int = 1, *, dense: bool = False) -> bool:
    """Whether coordinate descent over X's columns beats the ``p x p`` Hessian (see the module).

    ``stored``: the working set's stored values (``n p`` for ``dense`` columns), ``p``
    its width. Binary models only (``n_outputs = 1``).

    Examples
    --------
    >>> from oneneuron.solvers.cd import column_hessian_pays
    >>> column_hessian_pays(600_000, 2_000), column_hessian_pays(10_000_000, 100, dense=True)
    (True, False)
    """
    factor = DENSE_COLUMN_FACTOR if dense else COLUMN_FACTOR
    return n_outputs == 1 and stored <= factor * float(p) ** 2
