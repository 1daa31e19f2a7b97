"""Firth's bias-reduced logistic regression (Jeffreys-prior penalised likelihood), binary.

The estimate maximises the penalised log-likelihood (Firth 1993; Heinze and
Schemper 2002; R's ``logistf``)::

    l*(beta) = sum_i w_i [y_i log p_i + (1 - y_i) log(1 - p_i)] + 1/2 log det I(beta)
    I(beta)  = sum_i w_i p_i (1 - p_i) x~_i x~_i.T

whose score is the modified score ``U* = sum_i w_i (y_i - p_i + h_i (1/2 - p_i)) x~_i``
with ``h_i = p_i (1 - p_i) x~_i.T I^-1 x~_i`` (the leverage of one copy of row
``i``: weights are frequency weights). It exists even under complete or
quasi-complete separation, and reduces the small-sample bias of rare events.
Solved by Newton-type steps with the Fisher information of the augmented data
(weights ``w_i + h_i``) as the Hessian approximation, as ``firthmodels`` does
(it converges faster than ``logistf``'s plain ``I``; the fixed point is the
same), steps capped at ``MAX_STEP`` in the weighted root mean square of the logits they
move (so that the fit does not depend on the columns' units) and halved until ``l*``
increases. Every information matrix is formed on a well-conditioned basis of the
design's columns (its QR factor, :class:`FirthBasis`), so nearly collinear columns are
fitted, as ``logistf`` fits them; only exact combinations are refused.
Constrained fits (some coefficients held fixed) keep the full ``I`` in the
penalty and step on the free coefficients only, which gives
the penalised likelihood-ratio tests and profile intervals.

The covariance reported is ``I(beta_hat)^-1``; p-values are penalised
likelihood-ratio tests of ``beta_j = 0`` (``2 (l*_full - l*_{beta_j=0})``,
chi-squared with 1 df), as ``logistf``'s default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import linalg, stats

from ..functions import log_sigmoid, sigmoid
from ..objective import binary_residual, offset_intercept
from ..wording import noun
from ._fit import (
    data_fingerprint,
    dependent_terms,
    null_log_likelihood_with_offset,
    weighted_gram,
    zero_log_likelihood,
)
from .inference import InferenceResult

#: Largest weighted root mean square of the change of the logits in one Newton step.
MAX_STEP = 5.0


@dataclass
class FirthBasis:
    """A well-conditioned basis of the design's columns, computed once per design.

    ``sqrt(w) Xt diag(1/c) = Q R`` (thin QR; ``c`` the columns' weighted root mean
    squares) and ``B = Xt diag(1/c) R^-1``, so that ``Xt = B T`` with ``T = R diag(c)``
    and ``B.T W B = 1``. Every information matrix is formed on ``B`` (condition number
    that of the rows' curvatures ``p (1 - p)``, not the columns' collinearity) and mapped
    by ``T``: ``I = T.T (B.T W V B) T`` and ``log det I = log det(B.T W V B) + logdet_T``.
    Nearly collinear columns (``1 - R^2`` of 1e-11: ``I``'s condition number past 1e13)
    keep their digits, where ``I`` itself lost them. ``singular``: ``R`` is singular to
    rounding (an exact combination), so ``l*`` is ``-inf`` everywhere.
    """

    c: NDArray[np.float64]
    B: NDArray[np.float64]
    R: NDArray[np.float64]
    logdet_T: float
    singular: bool


def firth_basis(Xt: NDArray[np.float64], w: NDArray[np.float64]) -> FirthBasis:
    """The :class:`FirthBasis` of the design ``Xt`` under the row weights ``w``."""
    w = np.asarray(w, dtype=np.float64)
    c = np.sqrt(w @ (Xt * Xt) / float(np.sum(w)))
    c = np.where(c > 0, c, 1.0)
    Xs = Xt / c
    R = np.linalg.qr(Xs * np.sqrt(w)[:, None], mode="r")
    d = np.abs(np.diag(R))
    singular = not (d.size and d.min() > 64 * d.size * np.finfo(np.float64).eps * d.max())
    if singular or R.shape[0] < R.shape[1]:  # (fewer rows than columns: singular too)
        return FirthBasis(c, Xs, np.eye(len(c)), -np.inf, True)
    B = linalg.solve_triangular(R, Xs.T, trans="T").T
    logdet_T = 2.0 * float(np.sum(np.log(d)) + np.sum(np.log(c)))
    return FirthBasis(c, B, R, logdet_T, False)


@dataclass
class FirthFit:
    """Result of :func:`firth_newton`: coefficients (term order), penalised and plain
    log-likelihood, ``I^-1``, iterations, convergence, the final max |U*_free| and the
    design's :class:`FirthBasis`."""

    beta: NDArray[np.float64]
    penalized_llf: float
    llf: float
    cov: NDArray[np.float64]
    n_iter: int
    converged: bool
    grad_norm: float
    basis: FirthBasis | None = None


def _evaluate(
    Xt: NDArray, basis: FirthBasis, y01: NDArray, w: NDArray, off: NDArray, beta: NDArray
) -> tuple[float, float, NDArray, NDArray, NDArray]:
    """``l*``, ``l``, the modified score, the hat values and ``(B.T W V B)^-1`` at ``beta``.

    The information is taken as singular (``l* = -inf``, the plain score returned to
    climb ``l``) where ``B.T W V B`` is singular in float64 (every ``p (1 - p)``
    underflowed: a start far from the data) or the design is.
    """
    z = Xt @ beta + off
    p = sigmoid(z)
    r, v = binary_residual(z, y01)  # p - y and p (1 - p) without cancelling near p = 1
    llf = float(np.sum(w * (y01 * log_sigmoid(z) + (1.0 - y01) * log_sigmoid(-z))))
    B = basis.B
    G = B.T @ ((w * v)[:, None] * B)
    with np.errstate(divide="ignore", invalid="ignore"):  # an information of zeros: -inf
        sign, logdet = np.linalg.slogdet(G)
    if sign <= 0 or basis.singular:  # the plain score, to climb l until l* is finite
        return -np.inf, llf, -(Xt.T @ (w * r)), np.zeros_like(z), np.full_like(G, np.nan)
    inv = np.linalg.inv(G)
    h = v * np.einsum("ij,jk,ik->i", B, inv, B)  # unchanged by the basis: x~ I^-1 x~
    score = Xt.T @ (w * (h * (0.5 - p) - r))
    return llf + 0.5 * (logdet + basis.logdet_T), llf, score, h, inv


def _newton_step(
    Xt: NDArray, basis: FirthBasis, y01: NDArray, w: NDArray, off: NDArray,
    beta: NDArray, h: NDArray, free: list[int],
) -> NDArray[np.float64]:  # fmt: skip
    """The step on ``beta[free]`` with the augmented information ``sum w (1 + h) v x x.T``
    (weights ``w_i + h_i``) as the Hessian.

    With ``M = B.T W (1 + H) V B = L L.T`` and ``T_f = T[:, free]`` that system is
    ``(L.T T_f).T (L.T T_f) s = (L.T T_f).T L^-1 B.T u`` (``u`` the rows' modified
    residuals): the least-squares problem of the small ``L.T T_f``, solved from it
    rather than from its normal equations, so that collinear columns cost no digits.
    """
    z = Xt @ beta + off
    p = sigmoid(z)
    r, v = binary_residual(z, y01)
    B, c = basis.B, basis.c
    M = B.T @ ((w * (1.0 + h) * v)[:, None] * B)
    Bu = B.T @ (w * (h * (0.5 - p) - r))
    Rf = basis.R[:, free]
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:  # curvature lost in float64: the normal equations
        return np.linalg.lstsq(Rf.T @ M @ Rf, Rf.T @ Bu, rcond=None)[0] / c[free]
    rhs = linalg.solve_triangular(L, Bu, lower=True)
    return np.linalg.lstsq(L.T @ Rf, rhs, rcond=None)[0] / c[free]


def _inverse_information(basis: FirthBasis, inv: NDArray) -> NDArray[np.float64]:
    """``I^-1 = T^-1 (B.T W V B)^-1 T^-T`` from the basis' ``inv`` (NaN where singular)."""
    if basis.singular or not np.all(np.isfinite(inv)):
        return np.full_like(inv, np.nan)
    Rinv = linalg.solve_triangular(basis.R, np.eye(len(basis.c)))
    out = Rinv @ inv @ Rinv.T / np.outer(basis.c, basis.c)
    return 0.5 * (out + out.T)


def moved_start(
    Xt: NDArray, w: NDArray, off: NDArray, free: list[int], j: int, origin: NDArray, b: float,
    basis: FirthBasis | None = None,
) -> NDArray:  # fmt: skip
    """``origin`` with ``beta_j = b``, its other coefficients moved to keep its logits.

    Setting ``beta_j`` alone shifts every logit by ``x_j (b - origin_j)``: for a column
    far from zero (a year) and the intercept, a standard error's move puts every row's
    probability at 0 or 1, where Newton's refit cannot recover (the curvature vanishes);
    for one of two nearly collinear columns (coefficients of 1e4 and -1e4) setting it to
    0 moves the logits by thousands.
    The free coefficients take the weighted least-squares change that undoes the shift
    (weights: the rows' curvature at ``origin``), which is where the refit ends up anyway
    when the two columns are nearly collinear, and costs one small solve (on the
    ``basis``, where one is given: the small system of :func:`_newton_step`).
    """
    start = origin.copy()
    start[j] = b
    if not free or b == origin[j]:
        return start
    p = sigmoid(Xt @ origin + off)
    r2 = w * p * (1.0 - p) + 1e-300
    if basis is not None and not basis.singular:
        T = basis.R * basis.c
        try:
            L = np.linalg.cholesky(basis.B.T @ (r2[:, None] * basis.B))
            delta = np.linalg.lstsq(L.T @ T[:, free], -(L.T @ T[:, j]) * (b - origin[j]))[0]
        except np.linalg.LinAlgError:
            pass
        else:
            start[free] += delta
            return start
    r = np.sqrt(r2)
    shift = Xt[:, j] * (b - origin[j])
    delta = np.linalg.lstsq(Xt[:, free] * r[:, None], -shift * r, rcond=None)[0]
    start[free] += delta
    return start


def _flat_but_closer(
    pen: float,
    new_pen: float,
    g: NDArray[np.float64],
    new_g: NDArray[np.float64],
    c: NDArray[np.float64],
) -> bool:
    """Whether a trial point whose ``l*`` differs from the current one only by rounding
    (within 64 ulps) lowers the score (``new_g``, already in units of ``c``): near the
    maximum ``l*`` is flat to float64, and a line search on its value alone halves a
    good Newton step down to nothing, stopping with the score still 10x above ``tol``
    (the two label codings of one data set then disagreed at 3e-8 relative)."""
    if not (np.isfinite(pen) and np.isfinite(new_pen)):
        return False
    if abs(new_pen - pen) > 64 * np.finfo(np.float64).eps * max(1.0, abs(pen)):
        return False
    return bool(np.max(np.abs(new_g)) < np.max(np.abs(g / c)))


def firth_newton(
    Xt: NDArray[np.float64],
    y01: NDArray[np.float64],
    w: NDArray[np.float64],
    off: NDArray[np.float64] | None = None,
    *,
    beta0: NDArray[np.float64] | None = None,
    free: list[int] | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
    basis: FirthBasis | None = None,
) -> FirthFit:
    """Maximise ``l*`` over ``beta[free]`` (all by default) from ``beta0`` (zeros).

    ``tol`` bounds ``max_j |U*_j| / (c_j sum(w))`` at convergence (the gradient of
    the mean penalised log-likelihood in units of each column's root mean square
    ``c_j``), and a step is capped at ``MAX_STEP`` in the logits it moves (a change of
    at most 5 in their weighted root mean square). Both measures are unit-free, as the
    estimate is (rescaling a column rescales its coefficient): in raw units (logistf's
    rule) a column in tiny units ran out of iterations at 99.99% of its coefficient. A cap
    per coefficient (5 times its column's root mean square, as before) let two nearly
    collinear columns, whose coefficients of 5e4 and -5e4 move the logits by little, take
    10 000 steps to get there. ``basis``: the design's :class:`FirthBasis`, where the
    caller refits one design many times (computed here otherwise).
    """
    n, p = Xt.shape
    off = np.zeros(n) if off is None else off
    beta = np.zeros(p) if beta0 is None else np.array(beta0, dtype=np.float64)
    free = list(range(p)) if free is None else list(free)
    S = float(np.sum(w))
    basis = firth_basis(Xt, w) if basis is None else basis
    c = basis.c
    pen, llf, score, h, inv = _evaluate(Xt, basis, y01, w, off, beta)
    n_iter, converged = 0, False
    for n_iter in range(1, max_iter + 1):
        g = score[free]
        # where the information is singular in float64 (logits so large that every
        # p (1 - p) underflowed: a start far from the data) l* is -inf: no optimum there
        if not free or (np.isfinite(pen) and np.max(np.abs(g / c[free])) / S <= tol):
            converged, n_iter = True, n_iter - 1
            break
        if np.isfinite(pen):
            step = _newton_step(Xt, basis, y01, w, off, beta, h, free)
        else:  # up the plain log-likelihood's score (what _evaluate gives there)
            step = g / c[free] ** 2
        big = float(np.sqrt(w @ (Xt[:, free] @ step) ** 2 / S))
        if big > MAX_STEP or (big > 0 and not np.isfinite(pen)):
            step *= MAX_STEP / big
        for _ in range(60):
            trial = beta.copy()
            trial[free] += step
            new = _evaluate(Xt, basis, y01, w, off, trial)
            if new[0] >= pen if np.isfinite(pen) else new[0] > pen or new[1] >= llf:
                break  # (where l* is -inf, a step that raises l will do)
            if _flat_but_closer(pen, new[0], g, new[2][free] / c[free], c[free]):
                break
            step *= 0.5
        else:
            break  # no ascent possible: at the maximum to rounding
        beta, (pen, llf, score, h, inv) = trial, new
        if np.max(np.abs(step * c[free])) <= 1e-14 * (1.0 + np.max(np.abs(beta * c))):
            converged = True  # steps at rounding level: the maximum, to rounding
            break
    grad = float(np.max(np.abs(score[free] / c[free]), initial=0.0)) / S
    converged = bool(np.isfinite(pen)) and (converged or grad <= tol)
    cov = _inverse_information(basis, inv)
    return FirthFit(beta, float(pen), float(llf), cov, n_iter, converged, grad, basis)


def penalized_lr_pvalues(
    Xt: NDArray, y01: NDArray, w: NDArray, off: NDArray | None, fit: FirthFit, tol: float
) -> NDArray[np.float64]:
    """Penalised likelihood-ratio p-value of ``beta_j = 0`` for every coefficient.

    Each refit starts from the estimate with ``beta_j = 0`` and the other coefficients
    moved to keep its logits (:func:`moved_start`).
    """
    p = Xt.shape[1]
    out = np.empty(p)
    zero = np.zeros(Xt.shape[0]) if off is None else off
    for j in range(p):
        free = [k for k in range(p) if k != j]
        start = moved_start(Xt, w, zero, free, j, fit.beta, 0.0, fit.basis)
        sub = firth_newton(Xt, y01, w, off, beta0=start, free=free, tol=tol, basis=fit.basis)
        stat = max(2.0 * (fit.penalized_llf - sub.penalized_llf), 0.0)
        out[j] = stats.chi2.sf(stat, 1)
    return out


def firth_inference(
    Xt: NDArray[np.float64],
    y01: NDArray[np.float64],
    w: NDArray[np.float64],
    off: NDArray[np.float64] | None,
    *,
    terms: list[str],
    classes: list[Any],
    tol: float,
    max_iter: int,
    inference: Any,
    fit_intercept: bool = True,
) -> tuple[FirthFit, InferenceResult]:
    """The Firth fit on the dense design ``Xt`` and its :class:`InferenceResult`.

    The result's ``log_likelihood`` is the plain one at the Firth estimate (so
    AIC and pseudo-R2 keep their meaning); ``extra`` holds ``firth=True``, the
    ``penalized_log_likelihood`` and the penalised-LR ``lr_p_values`` that the
    coefficient table reports (not computed with ``inference=False``).
    ``fit_intercept``: whether ``Xt``'s first column is the intercept.

    Raises
    ------
    ValueError
        A column that is a linear combination of others (or constant), named: the
        penalty ``log det I`` is then -inf everywhere, so there is no Firth fit.
        Columns only nearly so (their weighted ``1 - R^2`` on the others above
        rounding, ``EXACT_TOL``) are fitted, as R's ``logistf`` fits them: the
        iteration works from the weighted design's QR factor, not from ``I``.
    """
    fi = int(fit_intercept)
    found = dependent_terms(weighted_gram(Xt[:, fi:], w, fit_intercept), terms, fit_intercept)
    exact = [f for f in found if " nearly " not in f]
    if exact:
        raise ValueError(
            "firth=True needs linearly independent columns (its penalty is the log "
            f"determinant of the information, singular here): {'; '.join(exact)}; "
            f"drop the redundant {noun(len(exact), 'column')}"
        )
    beta0 = np.zeros(Xt.shape[1])
    if off is not None and fit_intercept:  # the intercept that fits y with the offset
        beta0[0] = offset_intercept(y01, w, off)
    fit = firth_newton(Xt, y01, w, off, beta0=beta0, tol=tol, max_iter=max_iter)
    S = float(np.sum(w))
    if off is None:
        pos = np.array([S - float(w @ y01), float(w @ y01)])
        pos = pos[pos > 0]
        llnull = float(np.sum(pos * np.log(pos / S)))
    else:
        llnull = null_log_likelihood_with_offset(y01, w, off)
    res = InferenceResult(
        terms=terms,
        classes=classes,
        coef=fit.beta[None, :].copy(),
        cov=None,
        log_likelihood=fit.llf,
        null_log_likelihood=llnull,
        nobs=S,
        separation="not checked",
    )
    res.extra["data"] = data_fingerprint(y01.astype(np.intp), w, 2, off)
    res.extra["firth"] = True
    res.extra["fit_intercept"] = bool(fit_intercept)
    res.extra["offset"] = off is not None
    if not fit_intercept:
        res.extra["zero_log_likelihood"] = zero_log_likelihood(y01.astype(np.intp), w, 2, off)
    res.extra["penalized_log_likelihood"] = fit.penalized_llf
    if inference is False:
        res.reason = "inference=False was set; refit with inference=True"
    elif not np.all(np.isfinite(fit.cov)):
        res.reason = "the Fisher information is singular: drop collinear or constant columns"
    else:
        res.cov = 0.5 * (fit.cov + fit.cov.T)
        res.extra["lr_p_values"] = penalized_lr_pvalues(Xt, y01, w, off, fit, tol).tolist()
    return fit, res
