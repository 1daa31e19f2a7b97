"""Elastic-net regularisation paths: warm starts, sequential strong rules, KKT checks.

Along a decreasing grid ``alpha_1 > alpha_2 > ...`` the problem at ``alpha_k`` is

    f(theta) + alpha_k * (l1_ratio * sum_j pf_j |W'_j| + (1 - l1_ratio)/2 * sum_j pf_j W'_j^2)

(``f`` the data term of :class:`~oneneuron.objective.LinearLoss`). Each fit starts
from the previous solution (warm start) with the previous metric (the quadratic
model's Hessian, see :func:`~oneneuron.solvers.cd.proximal_newton`), so a step
along the path usually costs one or two passes over X.

Screening (Tibshirani et al. 2012, the sequential strong rule): a coefficient that
is zero at ``alpha_{k-1}`` is held at zero at ``alpha_k`` when
``|g_j| < l1_ratio * pf_j * (2 alpha_k - alpha_{k-1})``, ``g`` the gradient at the
previous solution. The rule can be wrong, so after the screened fit the KKT
conditions of the *full* problem are checked on every coefficient (the gradient
is in hand: no extra pass); violators join and the fit continues from there.
The answer is therefore the unscreened optimum; screening only keeps coordinates
out of the coordinate-descent sweeps (which on a ``p x p`` model saves sweeps,
not passes over X).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..objective import L1Penalty, LinearLoss
from ._base import Array, Trace, grad_norm
from .cd import proximal_newton

__all__ = ["PathResult", "alpha_max", "elastic_net_path", "l1_weights", "null_fit"]

#: What stands in for ``l1_ratio`` in ``alpha_max`` when ``l1_ratio = 0`` (glmnet's choice).
RIDGE_L1_RATIO = 1e-3


@dataclass
class PathResult:
    """Solutions along a path (solver coordinates).

    Attributes
    ----------
    alphas : ndarray of shape (n_alphas,)
    thetas : ndarray of shape (n_alphas, n_params)
    loss : ndarray of shape (n_alphas,)
        Objective (data term plus both penalties) at each solution.
    data_loss : ndarray of shape (n_alphas,)
        The data term ``(1/S) sum_i s_i l_i`` alone.
    kkt : ndarray of shape (n_alphas,)
        KKT violation (``max |min-norm subgradient|``) of the full, unscreened problem.
    n_iter : ndarray of int, shape (n_alphas,)
    n_passes : ndarray of shape (n_alphas,)
        Passes over X made up to and including each alpha.
    n_screen_misses : ndarray of int, shape (n_alphas,)
        Coefficients the strong rule held at zero that the KKT check let back in.
    """

    alphas: Array
    thetas: Array
    loss: Array
    data_loss: Array
    kkt: Array
    n_iter: Array
    n_passes: Array
    n_screen_misses: Array


def l1_weights(problem: LinearLoss, penalty_factor: Array | None) -> Array:
    """``pf_j`` in ``theta``'s layout: tiled over the classes, 0 on the intercepts."""
    return L1Penalty.for_problem(problem, 1.0, penalty_factor).lam


def null_fit(
    problem: LinearLoss, theta0: Array, penalty_factor: Array | None, *, tol: float, max_iter: int
) -> Any:
    """The fit where every penalised coefficient is 0 (only intercepts and ``pf_j = 0`` free).

    Solved as an L1 problem whose weights are infinite on the penalised
    coefficients, so it is the ``alpha -> infinity`` end of every path.
    """
    pf = l1_weights(problem, penalty_factor)
    lam = np.where(pf > 0, np.inf, 0.0)
    start = np.where(pf > 0, 0.0, theta0)
    return proximal_newton(
        replace(problem, alpha=0.0),
        L1Penalty(lam),
        start,
        max_iter=max_iter,
        tol=tol,
        trace=Trace(),
    )


def alpha_max(grad: Array, pf: Array, l1_ratio: float) -> float:
    """Smallest alpha at which every penalised coefficient is 0: ``max_j |g_j| / (l1_ratio pf_j)``.

    ``grad`` is the gradient at the null fit (:func:`null_fit`), ``pf`` from
    :func:`l1_weights`. For ``l1_ratio = 0`` (ridge: no finite alpha zeroes the
    coefficients) the value for ``l1_ratio = RIDGE_L1_RATIO`` stands in, as glmnet.

    Examples
    --------
    >>> import numpy as np
    >>> alpha_max(np.array([0.3, -0.6, 0.2]), np.array([1.0, 2.0, 0.0]), 1.0)
    0.3
    """
    r = l1_ratio if l1_ratio > 0 else RIDGE_L1_RATIO
    pen = pf > 0
    if not np.any(pen):
        return 0.0
    return float(np.max(np.abs(grad[pen]) / (r * pf[pen])))


def elastic_net_path(
    problem: LinearLoss,
    alphas: Array,
    theta0: Array,
    *,
    l1_ratio: float,
    penalty_factor: Array | None = None,
    tol: float,
    max_iter: int,
    hessian: Array | None = None,
    metric: LinearLoss | None = None,
    screen: bool = True,
) -> PathResult:
    """Solve the elastic-net problem at each of ``alphas`` (decreasing), warm-started.

    Parameters
    ----------
    problem : LinearLoss
        The data term (its own ``alpha`` is replaced at every step).
    alphas : ndarray
        Decreasing penalty strengths.
    theta0 : ndarray
        Starting point for the first alpha (the null fit at ``alpha_max``).
    l1_ratio : float
        In [0, 1].
    penalty_factor : ndarray of shape (d,), optional
        Per-feature multipliers of both penalty parts.
    tol : float
        KKT tolerance at every alpha.
    max_iter : int
        Outer iterations per alpha.
    hessian : ndarray, optional
        Metric for the first alpha (default: the Hessian at ``theta0``, one pass).
    metric : LinearLoss, optional
        The same data term on a row subsample (tall data): its Hessian at the
        warm start is each alpha's metric (a subsample pass, not a full
        Hessian pass). Without it the metric is carried over from the previous
        alpha and refreshed by a full Hessian pass when progress is slow.
    screen : bool, default=True
        Apply the sequential strong rule (the answer is the same; see the module).
    """
    pf = l1_weights(problem, penalty_factor)
    alphas = np.asarray(alphas, dtype=np.float64)
    theta = np.array(theta0, dtype=np.float64, copy=True)
    H = hessian if hessian is not None else problem.gradient_hessian(theta)[2]
    g: Array | None = None
    rows: dict[str, list[Any]] = {k: [] for k in ("theta", "F", "D", "kkt", "it", "np", "miss")}
    prev_alpha = None
    for a in alphas:
        prob = replace(problem, alpha=float(a) * (1.0 - l1_ratio))
        pen = L1Penalty(float(a) * l1_ratio * pf)
        keep = np.ones(len(theta), dtype=bool)
        if screen and g is not None and prev_alpha is not None and l1_ratio > 0:
            cut = l1_ratio * pf * (2.0 * a - prev_alpha)
            keep = (theta != 0.0) | (pf == 0.0) | (np.abs(g) >= cut)
        misses, n_iter = 0, 0
        refresh = None
        if metric is not None:
            sub = replace(metric, alpha=prob.alpha)

            def refresh(t: Array, sub: LinearLoss = sub) -> Array:
                return sub.gradient_hessian(t)[2]

            if g is not None:
                H = refresh(theta)
        while True:
            lam = np.where(keep, pen.lam, np.inf)
            res = proximal_newton(
                prob,
                L1Penalty(lam),
                theta,
                max_iter=max_iter,
                tol=tol,
                trace=Trace(),
                hessian=H,
                refresh=refresh,
            )
            theta, H, g = res.theta, res.extra["hessian"], res.extra["grad"]
            n_iter += res.n_iter
            violation = np.abs(pen.min_norm_subgradient(theta, g)) > tol
            new = violation & ~keep
            if not np.any(new):
                break
            misses += int(np.sum(new))
            keep |= new
        v = pen.min_norm_subgradient(theta, g)
        F = res.loss  # screened-out coefficients are 0, so this is the full objective
        rows["theta"].append(theta.copy())
        rows["F"].append(F)
        rows["D"].append(F - prob._penalty(theta) - pen.value(theta))
        rows["kkt"].append(grad_norm(v))
        rows["it"].append(n_iter)
        rows["np"].append(problem.n_passes)
        rows["miss"].append(misses)
        prev_alpha = float(a)
    return PathResult(
        alphas=alphas,
        thetas=np.array(rows["theta"]),
        loss=np.array(rows["F"]),
        data_loss=np.array(rows["D"]),
        kkt=np.array(rows["kkt"]),
        n_iter=np.array(rows["it"], dtype=int),
        n_passes=np.array(rows["np"], dtype=float),
        n_screen_misses=np.array(rows["miss"], dtype=int),
    )
