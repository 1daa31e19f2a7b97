"""Quantities derived from the coefficients and their covariance: intervals for
predicted probabilities and odds ratios (delta method).

Prediction intervals (binary): the logit ``z = x~ @ beta (+ offset)`` has standard
error ``se = sqrt(x~.T V x~)``; the interval ``z -/+ q se`` is mapped through the
sigmoid, so it stays inside (0, 1) and is asymmetric, as R's
``predict(fit, se.fit=TRUE, type="link")`` transformed and statsmodels'
``GLM.get_prediction(...).conf_int()``. ``V`` is the fit's covariance (its
``cov_type``).

Prediction intervals (K > 2 classes), per class: the class's own log-odds
``eta_k = log(P_k / (1 - P_k))`` (class k against all others), whose gradient in
the reference parameterisation's block ``l`` (classes 1..K-1 against class 0) is
``a_kl x~`` with ``a_kl = 1`` for ``l = k`` and ``-P_l / (1 - P_k)`` otherwise; so
``se_k = sqrt(sum_lm a_kl a_km x~.T V_lm x~)`` and the interval
``sigmoid(eta_k -/+ q se_k)``: inside (0, 1), ``proba`` the softmax
probability itself. The intervals are marginal, one class at a time; they need
not be jointly consistent (their bounds need not sum to 1).

Odds ratios: ``exp(beta)`` with interval ``exp(ci)``; the standard error shown
is the delta method's ``exp(beta) * se`` and ``z``, ``p_value`` are those of
``beta`` (as Stata's ``logit, or``). With K > 2 classes, in the reference
parameterisation these are relative-risk ratios (``P_k / P_0``); in the
sum-to-zero one, factors on ``P_k`` relative to the geometric mean of all the
classes' probabilities (``exp(z_k - mean_j z_j)``).
"""

from __future__ import annotations

from numbers import Real
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..functions import sigmoid
from ..objective import finite_offset, unmasked
from ..wording import counted


def check_level(level: Any) -> float:
    """``level`` as a float when it is a coverage in (0, 1); else a ValueError naming it.

    A string, None or a bool is refused rather than compared (``"0.95"`` is no number).
    """
    if isinstance(level, bool) or not isinstance(level, Real) or not 0 < level < 1:
        raise ValueError(f"level must be a number in (0, 1), such as 0.95; got {level!r}")
    return float(level)


def row_offset(offset: Any, n: int) -> NDArray[np.float64] | None:
    """``offset`` as a finite float64 vector of one value per row (None stays None):
    :func:`oneneuron.objective.finite_offset`, the fit's and the predictions' check."""
    return finite_offset(offset, n)


def row_weights(sample_weight: Any, n: int) -> NDArray[np.float64]:
    """The weights of ``n`` rows given to a statistic (ones when None), checked as ``fit``
    checks them: numbers, one per row, finite, non-negative, not all zero.

    Each failure is a ValueError that names ``sample_weight`` and the cause (the first bad
    row, counted from 0), never NaN results or a NumPy shape error further on.
    """
    if sample_weight is None:
        return np.ones(n)
    sample_weight = unmasked(sample_weight, "sample_weight")
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            "sample_weight must be numbers, one non-negative weight per row of X"
        ) from None
    if w.ndim != 1:
        raise ValueError(f"sample_weight must be one weight per row of X, got shape {w.shape}")
    if len(w) != n:
        raise ValueError(
            f"sample_weight has {counted(len(w), 'value')} but X has {counted(n, 'row')}; "
            "give one per row"
        )
    ok = np.isfinite(w) & (w >= 0)
    if not ok.all():
        i = int(np.argmin(ok))
        what = "NaN" if np.isnan(w[i]) else "infinity" if w[i] == np.inf else repr(float(w[i]))
        raise ValueError(f"sample_weight must be finite and non-negative: row {i} holds {what}")
    if not np.any(w > 0):
        raise ValueError(
            "sample_weight must be non-negative with a positive sum; all weights are zero"
        )
    return w


def logit_interval(
    Xt: NDArray[np.float64],
    z: NDArray[np.float64],
    cov: NDArray[np.float64],
    level: float,
    cov_root: NDArray[np.float64] | None = None,
) -> pd.DataFrame:
    """``proba, se_logit, ci_low, ci_high`` per row from the design ``Xt`` and logits ``z``.

    ``Xt`` is (n, p) in the coefficient table's term order (``[1, x]`` with an
    intercept), ``cov`` (p, p) the covariance of the binary coefficients. With
    ``z`` of shape (n, K) (softmax logits) and ``cov`` that of the K - 1
    reference blocks, one row per row and class, row by row (n * K rows), for
    each class's own log-odds (see the module docstring). ``cov_root``: a factor
    ``L`` of ``cov`` (``cov = L L'``) where the fit kept one
    (:attr:`~oneneuron.stats.InferenceResult.cov_root`): ``x' cov x`` is then
    ``|L' x|^2``.
    """
    level = check_level(level)
    if z.ndim == 2:
        z, se = _class_log_odds(Xt, z, cov, cov_root)
    elif cov_root is not None:
        se = np.sqrt(np.einsum("ij,ij->i", *(2 * (Xt @ cov_root,))))
    else:
        se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", Xt, cov, Xt), 0.0, None))
    # the standard library's normal quantile (Wichura's AS241, ~1e-16): no SciPy import
    q = NormalDist().inv_cdf(0.5 + level / 2.0)
    return pd.DataFrame(
        {
            "proba": sigmoid(z),
            "se_logit": se,
            "ci_low": sigmoid(z - q * se),
            "ci_high": sigmoid(z + q * se),
        }
    )


def _class_log_odds(
    Xt: NDArray[np.float64],
    Z: NDArray[np.float64],
    cov: NDArray[np.float64],
    cov_root: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each class's log-odds ``eta`` and its standard error, flattened row by row (n*K,).

    ``Z`` (n, K) are the softmax logits (any parameterisation: only differences
    matter), ``cov`` the ((K-1) p, (K-1) p) covariance of the reference blocks.
    """
    n, K = Z.shape
    p = Xt.shape[1]
    if cov_root is None:
        V = cov.reshape(K - 1, p, K - 1, p)
        Q = np.einsum("ij,ljmk,ik->ilm", Xt, V, Xt)  # (n, K-1, K-1): x~.T V_lm x~
    else:  # cov = L L': x~.T V_lm x~ = (L_l' x~) . (L_m' x~), L_l the rows of block l
        A = np.einsum("ij,ljr->ilr", Xt, cov_root.reshape(K - 1, p, -1))
        Q = np.einsum("ilr,imr->ilm", A, A)
    eta = np.empty((n, K))
    se = np.empty((n, K))
    for k in range(K):
        others = np.delete(Z, k, axis=1)
        top = others.max(axis=1, keepdims=True)
        log_rest = top[:, 0] + np.log(np.exp(others - top).sum(axis=1))  # log sum_{j!=k} e^Zj
        eta[:, k] = Z[:, k] - log_rest
        d = Z[:, 1:] - log_rest[:, None]  # log(P_l / (1 - P_k)), l = 1..K-1
        if k > 0:
            d[:, k - 1] = 0.0  # class k's own entry is 1, not exp of its log-odds (may overflow)
        a = -np.exp(d)  # -P_l / (1 - P_k) for l != k: at most 1 in size
        if k > 0:
            a[:, k - 1] = 1.0
        se[:, k] = np.sqrt(np.clip(np.einsum("il,ilm,im->i", a, Q, a), 0.0, None))
    return eta.ravel(), se.ravel()


def odds_ratio_table(table: pd.DataFrame) -> pd.DataFrame:
    """A coefficient table (``coef, std_err, z, p_value, ci_low, ci_high``) on the odds scale.

    ``coef`` becomes ``exp(coef)``, named for what it is: ``odds_ratio`` (binary),
    ``relative_risk_ratio`` (K > 2 classes against the reference class,
    ``P_k / P_0``: Stata's ``mlogit, rrr``) or ``exp_coef`` (the sum-to-zero
    parameterisation: a factor against the geometric mean of the classes'
    probabilities, neither ratio); ``std_err`` the delta method's
    ``exp(coef) * std_err``, the interval ``exp`` of its bounds; ``z`` and
    ``p_value`` are unchanged (they test ``coef = 0``, i.e. a ratio of 1).
    """
    out = table.copy()
    with np.errstate(over="ignore"):  # exp beyond 709 is inf: the exact limit, not a fault
        odds = np.exp(table["coef"].to_numpy())
        out["coef"] = odds
        out["std_err"] = odds * table["std_err"].to_numpy()
        for c in ("ci_low", "ci_high"):
            out[c] = np.exp(table[c].to_numpy())
    multinomial = table.index.nlevels > 1  # a multinomial table is indexed by (class, term)
    centred = multinomial and table.attrs.get("parameterization") == "sum-to-zero"
    name = "exp_coef" if centred else "relative_risk_ratio" if multinomial else "odds_ratio"
    out = out.rename(columns={"coef": name})
    out.attrs = dict(table.attrs)
    if "caption" in out.attrs:
        what = "relative-risk ratios" if multinomial else "odds ratios"
        if centred:
            what = (  # exp(z_k - mean_j z_j) = P_k / geometric mean of the P_j
                "factors on each class's probability relative to the geometric mean of "
                "all classes' probabilities (sum-to-zero; not against a reference class)"
            )
        out.attrs["caption"] += f"\n{what}: exp(coef), std_err by the delta method"
    return out
