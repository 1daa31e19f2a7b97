"""Marginal effects of the features on the predicted probabilities, with delta-method errors.

For a feature column ``x_j`` the marginal effect on ``P(class k)`` is the
derivative ``dP_k / dx_j``::

    binary:       p (1 - p) beta_j                       (effect on P(classes[1]))
    multinomial:  P_k (beta_kj - sum_l P_l beta_lj)      (beta_0 = 0, every class k)

``at="overall"`` averages it over the rows given (average marginal effect,
weighted by ``sample_weight`` when given); ``at="mean"`` evaluates it once at
the column means (effect at the mean). Its standard error is the delta
method's ``sqrt(J V J.T)``, ``J`` the Jacobian of the effects with respect to
the coefficients (computed by complex-step differentiation, exact to
rounding) and ``V`` the fit's covariance (its ``cov_type``), as statsmodels'
``get_margeff(at=..., method="dydx")``.

Effects are per design column (the estimator's features): a feature entered
twice (``x`` and ``x**2``) or a categorical's indicator columns get one effect
per column, not per variable (that needs the formula's term -> variable
map). Indicator columns are differentiated by default; ``dummy=True`` gives
every 0/1 column the discrete change ``P(x_j = 1) - P(x_j = 0)`` instead,
averaged or at the means, as statsmodels' ``dummy=True`` (each indicator on
its own, others held: for one-hot levels against a reference level this is
the change from the reference to that level for rows at the reference).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

AT = ("overall", "mean")


def _probabilities(beta: NDArray, X: NDArray, fit_intercept: bool) -> NDArray:
    """``P`` (n, K_out): ``P(classes[1])`` (binary, one column) or every class's probability."""
    p = X.shape[1] + int(fit_intercept)
    B = beta.reshape(-1, p)
    slopes = B[:, 1:] if fit_intercept else B
    Z = X @ slopes.T + (B[:, 0] if fit_intercept else 0.0)
    if B.shape[0] == 1:
        return 1.0 / (1.0 + np.exp(-Z))
    Zf = np.concatenate([np.zeros((Z.shape[0], 1)), Z], axis=1)
    Zf = Zf - Zf.real.max(axis=1, keepdims=True)
    P = np.exp(Zf)
    return P / P.sum(axis=1, keepdims=True)


def _effects(
    beta: NDArray,
    X: NDArray,
    w: NDArray,
    fit_intercept: bool,
    at: str,
    dummies: NDArray | None = None,
) -> NDArray:
    """Effects (K_out, d) for the coefficient vector ``beta`` (blocks of [intercept, coef]).

    Written with plain arithmetic so that it accepts complex ``beta`` (complex step).
    Columns flagged in ``dummies`` get the discrete change ``P(x_j = 1) - P(x_j = 0)``.
    """
    if dummies is not None and dummies.any():
        out = _effects(beta, X, w, fit_intercept, at)
        out = out.astype(np.result_type(out, beta))
        for j in np.flatnonzero(dummies):
            one, zero = X.copy(), X.copy()
            one[:, j], zero[:, j] = 1.0, 0.0
            diff = _probabilities(beta, one, fit_intercept) - _probabilities(
                beta, zero, fit_intercept
            )
            out[:, j] = w @ diff / np.sum(w)
        return out
    p = X.shape[1] + int(fit_intercept)
    B = beta.reshape(-1, p)  # (K-1, p) or (1, p)
    slopes = B[:, 1:] if fit_intercept else B
    Z = X @ slopes.T + (B[:, 0] if fit_intercept else 0.0)  # (n, K-1)
    if B.shape[0] == 1:
        prob = 1.0 / (1.0 + np.exp(-Z[:, 0]))
        E = (prob * (1.0 - prob))[:, None] * slopes  # (n, d)
        return (w @ E)[None, :] / np.sum(w)
    Zf = np.concatenate([np.zeros((Z.shape[0], 1)), Z], axis=1)
    Zf = Zf - Zf.real.max(axis=1, keepdims=True)
    P = np.exp(Zf)
    P = P / P.sum(axis=1, keepdims=True)  # (n, K)
    Sf = np.concatenate([np.zeros((1, slopes.shape[1])), slopes], axis=0)  # (K, d)
    avg = P @ Sf  # (n, d): sum_l P_l beta_l
    E = P[:, :, None] * (Sf[None, :, :] - avg[:, None, :])  # (n, K, d)
    return np.einsum("i,ikd->kd", w, E) / np.sum(w)


def marginal_effects(
    coef: NDArray[np.float64],
    cov: NDArray[np.float64],
    X: NDArray[np.float64],
    *,
    fit_intercept: bool,
    at: str = "overall",
    sample_weight: NDArray[np.float64] | None = None,
    level: float = 0.95,
    dummy: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Effects (K_out, d), their standard errors (K_out, d) and covariance.

    ``coef`` is the coefficient table's (B, p) array (reference parameterisation);
    ``K_out`` is 1 (binary) or K (multinomial: every class, the reference included).
    ``dummy=True``: columns holding only 0 and 1 get discrete changes.
    """
    if at not in AT:
        raise ValueError(f"at must be one of {AT}, got {at!r}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    X = np.asarray(X, dtype=np.float64)
    dummies = np.all((X == 0) | (X == 1), axis=0) if dummy else None
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    if at == "mean":
        X = (w @ X / np.sum(w))[None, :]
        w = np.ones(1)
    beta = np.asarray(coef, dtype=np.float64).ravel()
    eff = _effects(beta, X, w, fit_intercept, at, dummies)
    h = 1e-30
    J = np.empty((eff.size, beta.size))
    for j in range(beta.size):
        step = beta.astype(complex)
        step[j] += 1j * h
        J[:, j] = _effects(step, X, w, fit_intercept, at, dummies).imag.ravel() / h
    V = J @ cov @ J.T
    se = np.sqrt(np.clip(np.diag(V), 0.0, None)).reshape(eff.shape)
    return eff, se, V


def margeff_table(
    result: Any,
    X: Any,
    *,
    fit_intercept: bool,
    at: str = "overall",
    sample_weight: Any = None,
    level: float = 0.95,
    dummy: bool = False,
) -> pd.DataFrame:
    """Marginal effects as a table: ``dy_dx, std_err, z, p_value, ci_low, ci_high``.

    Indexed by feature (binary) or ``(class, feature)`` (multinomial).
    """
    result.check_available()
    eff, se, _ = marginal_effects(
        result.coef,
        result.cov,
        X,
        fit_intercept=fit_intercept,
        at=at,
        sample_weight=sample_weight,
        level=level,
        dummy=dummy,
    )
    features = list(result.terms[1:] if fit_intercept else result.terms)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = eff / se
    q = float(stats.norm.ppf(0.5 + level / 2.0))
    data = {
        "dy_dx": eff.ravel(),
        "std_err": se.ravel(),
        "z": z.ravel(),
        "p_value": 2.0 * stats.norm.sf(np.abs(z.ravel())),
        "ci_low": (eff - q * se).ravel(),
        "ci_high": (eff + q * se).ravel(),
    }
    if eff.shape[0] > 1:
        index = pd.MultiIndex.from_product(
            [list(result.classes), features], names=["class", "feature"]
        )
    else:
        index = pd.Index(features, name="feature")
    table = pd.DataFrame(data, index=index)
    what = "average marginal effects" if at == "overall" else "marginal effects at the mean"
    table.attrs["caption"] = f"{what} on P(class), delta-method standard errors"
    return table
