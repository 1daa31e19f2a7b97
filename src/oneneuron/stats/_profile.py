"""Profile-likelihood confidence intervals (as R's ``confint`` for a ``glm``).

For coefficient ``beta_j`` the interval is the set of values ``b`` with::

    2 (llf(beta_hat) - llf_j(b)) <= chi2_1^-1(level),   llf_j(b) = max over the others, beta_j = b

``llf_j(b)`` is a refit of the other coefficients with ``beta_j`` held at
``b``, by Newton's method with step halving on a dense copy of the design
(profile intervals are for data of a size where they matter: small samples),
warm-started from the previous point of the profile with the other coefficients
moved to keep its logits (:func:`~oneneuron.stats._firth.moved_start`). Each bound is a root of
the deviance difference found by Brent's method after a bracket is grown
outwards from the Wald interval; a side that never crosses is infinite.
Unlike Wald intervals they are not symmetric and do not depend on the
parameterisation, which matters in small samples and near separation. For a
Firth fit (``firth=True``) the penalised likelihood is profiled, with the
penalty's full information matrix, as R's ``logistf``.

The estimator keeps no X, so the data (the training rows) are passed in;
binary, unpenalised fits.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from ..functions import log_sigmoid, sigmoid
from ._effects import check_level, row_offset, row_weights
from ._firth import firth_basis, firth_newton, moved_start
from ._fit import relaxed_view, training_rows, with_class_weights

#: Doublings of the bracket before a bound is declared infinite.
MAX_EXPANSIONS = 40


def _loglik(z: NDArray, y01: NDArray, w: NDArray) -> float:
    return float(np.sum(w * (y01 * log_sigmoid(z) + (1.0 - y01) * log_sigmoid(-z))))


def _constrained_fit(
    Xt: NDArray, y01: NDArray, w: NDArray, off: NDArray, free: list[int], beta: NDArray
) -> tuple[float, NDArray]:
    """Maximise the log-likelihood over ``beta[free]`` (the rest held), from ``beta``."""
    beta = beta.copy()
    llf = _loglik(Xt @ beta + off, y01, w)
    if not free:
        return llf, beta
    Xf = Xt[:, free]
    for _ in range(100):
        z = Xt @ beta + off
        p = sigmoid(z)
        g = Xf.T @ (w * (y01 - p))
        H = Xf.T @ ((w * p * (1.0 - p))[:, None] * Xf)
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while True:
            trial = beta.copy()
            trial[free] += t * step
            new = _loglik(Xt @ trial + off, y01, w)
            if new >= llf - 1e-12 * abs(llf):
                break
            t *= 0.5
            if t < 1e-10:  # no ascent along Newton's direction: beta is as good as it gets
                return llf, beta
        beta, llf = trial, max(new, llf)
        if np.max(np.abs(t * step)) <= 1e-12 * (1.0 + np.max(np.abs(beta[free]))):
            break
    return llf, beta


def profile_intervals(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    level: float = 0.95,
) -> NDArray[np.float64]:
    """``(p, 2)`` array of profile-likelihood bounds, terms in the coefficient table's order.

    ``model`` is a fitted binary, unpenalised ``NeuronClassifier`` with a
    covariance; ``X, y`` (and ``sample_weight``, ``offset``) its training data,
    ``y`` also the target column's name or None when the formula names it, a
    table's missing cells as the fit's ``missing=`` had them
    (:func:`~oneneuron.stats._fit.training_rows`).
    """
    X, y, sample_weight, offset = training_rows(
        model, X, y, sample_weight=sample_weight, offset=offset
    )
    model, X = relaxed_view(model, X)  # relax=True: the refit on the kept columns
    res = model.inference_
    if len(model.classes_) != 2:
        raise ValueError("profile intervals are implemented for binary models only")
    if res.alpha > 0:
        raise ValueError(
            f"profile intervals need an unpenalised fit (alpha=0); this one has alpha={res.alpha:g}"
        )
    level = check_level(level)
    res.check_available()
    Xv = model._validate_predict(X)
    Xd = np.asarray(Xv.todense() if hasattr(Xv, "todense") else Xv, dtype=np.float64)
    n = Xd.shape[0]
    y01 = (np.asarray(y) == model.classes_[1]).astype(np.float64)
    w = row_weights(sample_weight, n)
    off = np.zeros(n) if offset is None else row_offset(offset, n)
    if y01.shape != (n,):
        raise ValueError(f"y must have one label per row of X ({n})")
    w = with_class_weights(model, y01.astype(np.intp), w)  # as the fit weighed the rows
    Xt = np.column_stack([np.ones(n), Xd]) if model.fit_intercept else Xd
    beta_hat = np.asarray(res.coef[0], dtype=np.float64)
    firth = bool(res.extra.get("firth", False))
    llf_hat = _loglik(Xt @ beta_hat + off, y01, w)
    if not np.isclose(llf_hat, res.log_likelihood, rtol=1e-6, atol=1e-8):
        raise ValueError(
            "the data given are not the ones the model was fitted on (log-likelihood "
            f"{llf_hat:.6g} vs {res.log_likelihood:.6g}); pass the training rows "
            "(and their sample_weight and offset)"
        )
    basis = firth_basis(Xt, w) if firth else None  # one QR of the design for all refits
    if firth:  # the penalised likelihood is profiled (as logistf)
        llf_hat = float(res.extra["penalized_log_likelihood"])
    crit = float(stats.chi2.ppf(level, 1))
    se = np.sqrt(np.diag(res.cov))
    out = np.empty((len(beta_hat), 2))
    aliased = {int(k) for k in res.extra.get("aliased_terms", [])}  # held at 0: NA (R)
    for j in range(len(beta_hat)):
        if j in aliased:
            out[j] = np.nan
            continue
        free = [k for k in range(len(beta_hat)) if k != j and k not in aliased]
        for k, side in enumerate((-1.0, 1.0)):
            warm = [beta_hat]

            def excess(b: float, j: int = j, free: list[int] = free, warm: list = warm) -> float:
                # the convex ML profile warm-starts from the previous point; Firth's penalised
                # likelihood can have several local maxima along a profile (a separated fit:
                # Brent's bracket then failed), so it starts from the estimate and from the
                # previous point and keeps the higher maximum (the profile is the maximum)
                if firth:
                    best = None
                    for origin in (beta_hat, warm[0]):
                        start = moved_start(Xt, w, off, free, j, origin, b, basis)
                        sub = firth_newton(
                            Xt, y01, w, off, beta0=start, free=free, tol=1e-11, basis=basis
                        )
                        if best is None or sub.penalized_llf > best.penalized_llf:
                            best = sub
                    llf, beta = best.penalized_llf, best.beta
                else:
                    start = moved_start(Xt, w, off, free, j, warm[0], b)
                    llf, beta = _constrained_fit(Xt, y01, w, off, free, start)
                warm[0] = beta
                return 2.0 * (llf_hat - llf) - crit

            step = float(se[j]) if np.isfinite(se[j]) and se[j] > 0 else 1.0
            inner, outer = beta_hat[j], beta_hat[j] + side * step
            found = False
            for _ in range(MAX_EXPANSIONS):
                if excess(outer) > 0:
                    found = True
                    break
                inner, step = outer, 2.0 * step
                outer = beta_hat[j] + side * step
            if not found:
                out[j, k] = side * np.inf
                continue
            lo, hi = sorted((inner, outer))
            f_lo, f_hi = excess(lo), excess(hi)
            if not f_lo * f_hi <= 0:
                # the refits along the profile disagree with each other (seen with a class
                # of weight 1e-9 per row: a refit warm-started far out could not climb back,
                # so the profile read above its threshold at the estimate itself): no bound
                # can be trusted. (Brent's method raised SciPy's "f(a) and f(b) must have
                # different signs" here.)
                raise ValueError(
                    f"the profile likelihood of {res.terms[j]!r} could not be traced: its "
                    f"constrained refits disagree (the likelihood is too flat along it, "
                    f"standard error {se[j]:.3g}); use the Wald intervals (ci='wald'), or "
                    "alpha > 0 or firth=True for a better-determined fit"
                )
            out[j, k] = optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12)
    return out
