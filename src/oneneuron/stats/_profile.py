"""Profile-likelihood confidence intervals (as R's ``confint`` for a ``glm``).

For coefficient ``beta_j`` the interval is the set of values ``b`` with::

    2 (llf(beta_hat) - llf_j(b)) <= chi2_1^-1(level),   llf_j(b) = max over the others, beta_j = b

``llf_j(b)`` is a refit of the same model with ``beta_j`` held at ``b``: the
column ``x_j`` leaves the design and enters the offset as ``b * x_j`` (the
intercept: ``fit_intercept=False`` and ``b`` in the offset). Each bound is a
root of the signed deviance difference found by Brent's method after a
bracket is grown outwards from the Wald interval; a side that never crosses
(separation) is infinite. Unlike Wald intervals they are not symmetric and
do not depend on the parameterisation, which matters in small samples and
near separation.

The estimator keeps no X, so the data (the training rows) are passed in;
binary, unpenalised fits.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, stats

from ..functions import log_sigmoid

#: Doublings of the bracket before a bound is declared infinite.
MAX_EXPANSIONS = 40


def _loglik(z: NDArray, y01: NDArray, w: NDArray) -> float:
    return float(np.sum(w * (y01 * log_sigmoid(z) + (1.0 - y01) * log_sigmoid(-z))))


def profile_intervals(
    model: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    level: float = 0.95,
) -> NDArray[np.float64]:
    """``(p, 2)`` array of profile-likelihood bounds, terms in the coefficient table's order."""
    from sklearn.base import clone

    res = model.inference_
    if len(model.classes_) != 2:
        raise ValueError("profile intervals are implemented for binary models only")
    if res.alpha > 0:
        raise ValueError(
            f"profile intervals need an unpenalised fit (alpha=0); this one has alpha={res.alpha:g}"
        )
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    res.check_available()
    Xv = model._validate_predict(X)
    Xd = np.asarray(Xv.todense() if hasattr(Xv, "todense") else Xv, dtype=np.float64)
    n = Xd.shape[0]
    labels = np.asarray(y)
    y01 = (labels == model.classes_[1]).astype(np.float64)
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    off0 = np.zeros(n) if offset is None else np.asarray(offset, dtype=np.float64)
    beta = res.coef[0]
    z_hat = Xd @ beta[int(model.fit_intercept) :] + (beta[0] if model.fit_intercept else 0.0)
    llf_hat = _loglik(z_hat + off0, y01, w)
    if not np.isclose(llf_hat, res.log_likelihood, rtol=1e-6, atol=1e-8):
        raise ValueError(
            "the data given are not the ones the model was fitted on (log-likelihood "
            f"{llf_hat:.6g} vs {res.log_likelihood:.6g}); pass the training rows "
            "(and their sample_weight and offset)"
        )
    crit = float(stats.chi2.ppf(level, 1))
    se = np.sqrt(np.diag(res.cov))
    refit = clone(model).set_params(
        inference=False, cov_type="nonrobust", tol=1e-10, warm_start=False
    )

    def profile_llf(j: int, b: float) -> float:
        if model.fit_intercept and j == 0:
            Xr, off, fi = Xd, off0 + b, False
        else:
            col = j - int(model.fit_intercept)
            Xr, off, fi = np.delete(Xd, col, axis=1), off0 + b * Xd[:, col], model.fit_intercept
        if Xr.shape[1] == 0:  # nothing left to fit but (maybe) nothing at all
            if not fi:
                return _loglik(off, y01, w)
            Xr = np.zeros((n, 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = refit.set_params(fit_intercept=fi).fit(Xr, labels, w, offset=off)
        return float(fitted.log_likelihood_)

    out = np.empty((len(beta), 2))
    for j in range(len(beta)):

        def excess(b: float, j: int = j) -> float:
            return 2.0 * (llf_hat - profile_llf(j, b)) - crit

        for k, side in enumerate((-1.0, 1.0)):
            step = float(se[j]) if np.isfinite(se[j]) and se[j] > 0 else 1.0
            inner, outer = beta[j], beta[j] + side * step
            found = False
            for _ in range(MAX_EXPANSIONS):
                if excess(outer) > 0:
                    found = True
                    break
                inner, step = outer, 2.0 * step
                outer = beta[j] + side * step
            if not found:
                out[j, k] = side * np.inf
                continue
            lo, hi = sorted((inner, outer))
            out[j, k] = optimize.brentq(excess, lo, hi, xtol=1e-12, rtol=1e-12)
    return out
