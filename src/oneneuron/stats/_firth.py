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
same), steps capped at ``MAX_STEP`` per coefficient (in units of its column's root mean
square, so that the fit does not depend on the columns' units) and halved until
``l*`` increases.
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
from scipy import stats

from ..functions import log_sigmoid, sigmoid
from ..objective import binary_residual, offset_intercept
from ._fit import (
    data_fingerprint,
    dependent_terms,
    null_log_likelihood_with_offset,
    weighted_gram,
    zero_log_likelihood,
)
from .inference import InferenceResult

#: Largest change of one coefficient in one Newton step, times its column's root mean square.
MAX_STEP = 5.0


@dataclass
class FirthFit:
    """Result of :func:`firth_newton`: coefficients (term order), penalised and plain
    log-likelihood, ``I^-1``, iterations, convergence and the final max |U*_free|."""

    beta: NDArray[np.float64]
    penalized_llf: float
    llf: float
    cov: NDArray[np.float64]
    n_iter: int
    converged: bool
    grad_norm: float


def _evaluate(
    Xt: NDArray, y01: NDArray, w: NDArray, off: NDArray, beta: NDArray
) -> tuple[float, float, NDArray, NDArray, NDArray]:
    """``l*``, ``l``, the modified score, the augmented information and ``I^-1`` at ``beta``."""
    z = Xt @ beta + off
    p = sigmoid(z)
    r, v = binary_residual(z, y01)  # p - y and p (1 - p) without cancelling near p = 1
    info = Xt.T @ ((w * v)[:, None] * Xt)
    with np.errstate(divide="ignore", invalid="ignore"):  # an information of zeros: -inf
        sign, logdet = np.linalg.slogdet(info)
    llf = float(np.sum(w * (y01 * log_sigmoid(z) + (1.0 - y01) * log_sigmoid(-z))))
    if sign <= 0:  # singular in float64: the plain score, to climb l until l* is finite
        plain = -(Xt.T @ (w * r))
        return -np.inf, llf, plain, info, np.full_like(info, np.nan)
    inv = np.linalg.inv(info)
    h = v * np.einsum("ij,jk,ik->i", Xt, inv, Xt)
    score = Xt.T @ (w * (h * (0.5 - p) - r))
    aug = Xt.T @ ((w * (1.0 + h) * v)[:, None] * Xt)
    return llf + 0.5 * logdet, llf, score, aug, inv


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
) -> FirthFit:
    """Maximise ``l*`` over ``beta[free]`` (all by default) from ``beta0`` (zeros).

    ``tol`` bounds ``max_j |U*_j| / (c_j sum(w))`` at convergence (the gradient of
    the mean penalised log-likelihood in units of each column's root mean square
    ``c_j``), and a step is capped at ``MAX_STEP`` in the same units (a change of at
    most 5 in any one term's root-mean-square contribution to the logits). Both
    measures are unit-free, as the estimate is (rescaling a column rescales its
    coefficient): in raw units (logistf's rule) a column in tiny units ran out of
    iterations at 99.99% of its coefficient.
    """
    n, p = Xt.shape
    off = np.zeros(n) if off is None else off
    beta = np.zeros(p) if beta0 is None else np.array(beta0, dtype=np.float64)
    free = list(range(p)) if free is None else list(free)
    S = float(np.sum(w))
    c = np.sqrt(np.asarray(w, dtype=np.float64) @ (Xt * Xt) / S)
    c = np.where(c > 0, c, 1.0)
    pen, llf, score, info, inv = _evaluate(Xt, y01, w, off, beta)
    n_iter, converged = 0, False
    for n_iter in range(1, max_iter + 1):
        g = score[free]
        # where the information is singular in float64 (logits so large that every
        # p (1 - p) underflowed: a start far from the data) l* is -inf: no optimum there
        if not free or (np.isfinite(pen) and np.max(np.abs(g / c[free])) / S <= tol):
            converged, n_iter = True, n_iter - 1
            break
        if np.isfinite(pen):
            step = np.linalg.solve(info[np.ix_(free, free)], g)
        else:  # up the plain log-likelihood's score (what _evaluate gives there)
            step = g / c[free] ** 2
        big = np.max(np.abs(step * c[free]))
        if big > MAX_STEP or not np.isfinite(pen):
            step *= MAX_STEP / big
        for _ in range(60):
            trial = beta.copy()
            trial[free] += step
            new = _evaluate(Xt, y01, w, off, trial)
            if new[0] >= pen if np.isfinite(pen) else new[0] > pen or new[1] >= llf:
                break  # (where l* is -inf, a step that raises l will do)
            if _flat_but_closer(pen, new[0], g, new[2][free] / c[free], c[free]):
                break
            step *= 0.5
        else:
            break  # no ascent possible: at the maximum to rounding
        beta, (pen, llf, score, info, inv) = trial, new
        if np.max(np.abs(step * c[free])) <= 1e-14 * (1.0 + np.max(np.abs(beta * c))):
            converged = True  # steps at rounding level: the maximum, to rounding
            break
    grad = float(np.max(np.abs(score[free] / c[free]), initial=0.0)) / S
    converged = bool(np.isfinite(pen)) and (converged or grad <= tol)
    return FirthFit(beta, float(pen), float(llf), inv, n_iter, converged, grad)


def penalized_lr_pvalues(
    Xt: NDArray, y01: NDArray, w: NDArray, off: NDArray | None, fit: FirthFit, tol: float
) -> NDArray[np.float64]:
    """Penalised likelihood-ratio p-value of ``beta_j = 0`` for every coefficient."""
    p = Xt.shape[1]
    out = np.empty(p)
    for j in range(p):
        start = fit.beta.copy()
        start[j] = 0.0
        free = [k for k in range(p) if k != j]
        sub = firth_newton(Xt, y01, w, off, beta0=start, free=free, tol=tol)
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
        penalty ``log det I`` is then -inf everywhere, so there is no Firth fit; or
        nearly one (its weighted ``R^2`` on the others above ``1 - 1e-10``), named
        with that measure.
    """
    fi = int(fit_intercept)
    found = dependent_terms(weighted_gram(Xt[:, fi:], w, fit_intercept), terms, fit_intercept)
    if found:
        near = all(" nearly " in f for f in found)
        raise ValueError(
            "firth=True needs linearly independent columns (its penalty is the log "
            "determinant of the information, "
            + ("too close to singular to resolve here" if near else "singular here")
            + f"): {'; '.join(found)}; drop the redundant column(s)"
            + " or re-express them" * near
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
