"""Quantities derived from the coefficients and their covariance: intervals for
predicted probabilities and odds ratios (delta method).

Prediction intervals (binary): the logit ``z = x~ @ beta (+ offset)`` has standard
error ``se = sqrt(x~.T V x~)``; the interval ``z -/+ q se`` is mapped through the
sigmoid, so it stays inside (0, 1) and is asymmetric, as R's
``predict(fit, se.fit=TRUE, type="link")`` transformed and statsmodels'
``GLM.get_prediction(...).conf_int()``. ``V`` is the fit's covariance (its
``cov_type``).

Odds ratios: ``exp(beta)`` with interval ``exp(ci)``; the standard error shown
is the delta method's ``exp(beta) * se`` and ``z``, ``p_value`` are those of
``beta`` (as Stata's ``logit, or``).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..functions import sigmoid


def logit_interval(
    Xt: NDArray[np.float64], z: NDArray[np.float64], cov: NDArray[np.float64], level: float
) -> pd.DataFrame:
    """``proba, se_logit, ci_low, ci_high`` per row from the design ``Xt`` and logits ``z``.

    ``Xt`` is (n, p) in the coefficient table's term order (``[1, x]`` with an
    intercept), ``cov`` (p, p) the covariance of the binary coefficients.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
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


def odds_ratio_table(table: pd.DataFrame) -> pd.DataFrame:
    """A coefficient table (``coef, std_err, z, p_value, ci_low, ci_high``) on the odds scale.

    ``coef`` becomes ``odds_ratio = exp(coef)``, ``std_err`` the delta method's
    ``exp(coef) * std_err``, the interval ``exp`` of its bounds; ``z`` and
    ``p_value`` are unchanged (they test ``coef = 0``, i.e. odds ratio 1).
    """
    out = table.copy()
    odds = np.exp(table["coef"].to_numpy())
    out["coef"] = odds
    out["std_err"] = odds * table["std_err"].to_numpy()
    for c in ("ci_low", "ci_high"):
        out[c] = np.exp(table[c].to_numpy())
    out = out.rename(columns={"coef": "odds_ratio"})
    out.attrs = dict(table.attrs)
    return out
