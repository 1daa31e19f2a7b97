"""Goodness of fit over covariate patterns: R's grouped deviance and Pearson's chi-squared.

The rows of a binary model are pooled into covariate patterns ``j``: rows whose model
columns (and offset) are equal. Pattern ``j`` has ``m_j`` trials (its rows' frequency
weights), ``s_j`` successes (those of ``classes_[1]``) and the fitted probability
``p_j``; then, as R's ``glm(cbind(successes, failures) ~ x, family=binomial)`` and
statsmodels' ``GLM(Binomial)`` on the grouped table report them::

    deviance  D = 2 sum_j [ s_j log(s_j / (m_j p_j)) + f_j log(f_j / (m_j (1 - p_j))) ]
    Pearson   X2 = sum_j (s_j - m_j p_j)**2 / (m_j p_j (1 - p_j))

with ``f_j = m_j - s_j`` (``0 log 0 = 0``), each on ``J - k`` degrees of freedom (``J``
patterns of positive weight, ``k`` the model's free parameters, its design's rank) and
``p_value = P(chi2(J - k) > statistic)``; Stata's ``estat gof`` reports the Pearson
statistic the same way ("number of covariate patterns").

This is the deviance of grouped binomial data, which the model's ``deviance_`` (that of
the individual rows, Bernoulli) is not: the two differ by a constant of the data, so their
differences between models agree, while only the grouped one is a test of fit. The
chi-squared reference needs many trials per pattern (tables of counts, categorical
covariates); with a continuous covariate nearly every row is its own pattern
(``J`` close to the rows' number) and neither statistic has a chi-squared distribution,
as R's and Stata's manuals warn; Hosmer and Lemeshow's test, which pools rows into
``groups`` bins of fitted probability instead (:func:`hosmer_lemeshow`), is the one for
that case. The caption says so where more than a fifth of the
patterns expect fewer than 5 successes or failures (Cochran's rule). A penalised
(``alpha > 0``) or Firth fit gets the statistics without p-values (NaN), as its
``llr_pvalue_``.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special, stats

from ..functions import log_sigmoid, sigmoid
from ..wording import counted
from ._diagnostics import binary_training_rows

COLUMNS = ["statistic", "df", "p_value"]


def covariate_patterns(Xt: Any, offset: NDArray[np.float64] | None) -> NDArray[np.intp]:
    """Pattern codes ``0..J-1`` per row: equal design rows (and offsets) share a code.

    ``Xt`` is a dense design or a CSR matrix (its rows compared by their stored
    columns and values, explicit zeros left out).

    Examples
    --------
    >>> covariate_patterns(np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 2.0]]), None)
    array([1, 0, 1])
    """
    if hasattr(Xt, "tocsr"):
        Xs = Xt.tocsr()
        Xs.sum_duplicates()
        keys: dict[tuple[Any, ...], int] = {}
        codes = np.empty(Xs.shape[0], dtype=np.intp)
        for i in range(Xs.shape[0]):
            lo, hi = Xs.indptr[i], Xs.indptr[i + 1]
            vals = Xs.data[lo:hi]
            nz = vals != 0
            key = (
                Xs.indices[lo:hi][nz].tobytes(),
                (vals[nz] + 0.0).tobytes(),  # (+ 0.0: -0.0 is 0.0)
                None if offset is None else float(offset[i]) + 0.0,
            )
            codes[i] = keys.setdefault(key, len(keys))
        return codes
    A = np.asarray(Xt, dtype=np.float64)
    if offset is not None:
        A = np.column_stack([A, offset])
    if A.shape[1] == 0:
        return np.zeros(A.shape[0], dtype=np.intp)
    _, codes = np.unique(A + 0.0, axis=0, return_inverse=True)
    return np.asarray(codes, dtype=np.intp).ravel()


def weighted_quantiles(
    values: NDArray[np.float64], weights: NDArray[np.float64], probs: NDArray[np.float64]
) -> NDArray[np.float64]:
    """R's default (type 7) quantiles of ``values`` written out ``weights`` times each:
    position ``h = (N - 1) q`` among the ``N = sum(weights)`` sorted copies, interpolated
    between the copies at ``floor(h)`` and ``floor(h) + 1`` (non-integer weights: the same
    positions on the cumulative weights).

    Examples
    --------
    >>> weighted_quantiles(np.array([1.0, 2.0]), np.array([1.0, 3.0]), np.array([0, 0.5, 1]))
    array([1., 2., 2.])
    """
    order = np.argsort(values, kind="stable")
    v, cum = values[order], np.cumsum(weights[order])
    h = (cum[-1] - 1.0) * np.asarray(probs, dtype=np.float64)
    lo = np.floor(h)

    def copy(i: NDArray[np.float64]) -> NDArray[np.float64]:
        return v[np.minimum(np.searchsorted(cum, i, side="right"), len(v) - 1)]

    return copy(lo) + (h - lo) * (copy(lo + 1.0) - copy(lo))


def hosmer_lemeshow(
    proba: NDArray[np.float64], y01: NDArray[np.float64], w: NDArray[np.float64], groups: int
) -> tuple[float, int]:
    """Hosmer and Lemeshow's statistic over deciles (``groups``) of risk and its ``df``.

    As R's ``ResourceSelection::hoslem.test``: bins between the fitted probabilities'
    quantiles (:func:`weighted_quantiles`, equal ones merged), right-closed with the
    lowest included; ``sum_g (O_g - E_g)**2 / E_g + (F_g - (M_g - E_g))**2 / (M_g - E_g)``
    with ``O_g`` and ``F_g`` the bin's weighted successes and failures, ``E_g`` its summed
    probabilities, ``M_g`` its weight; ``df`` the bins less 2 (below 1 where the
    probabilities take too few values for 3 bins: no test, as :func:`goodness_of_fit`
    reports it). A bin that holds no row (between two interpolated breaks; R's statistic
    is then NaN) is no group.
    """
    breaks = np.unique(weighted_quantiles(proba, w, np.linspace(0.0, 1.0, groups + 1)))
    if len(breaks) == 1:  # one fitted probability: one bin of every row
        breaks = np.repeat(breaks, 2)
    G = len(breaks) - 1
    code = np.maximum(np.searchsorted(breaks, proba, side="left"), 1) - 1
    M = np.bincount(code, weights=w, minlength=G)
    O = np.bincount(code, weights=w * y01, minlength=G)
    E = np.bincount(code, weights=w * proba, minlength=G)
    full = M > 0  # a bin between two interpolated breaks may hold no row: not a group
    M, O, E = M[full], O[full], E[full]
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.sum((O - E) ** 2 / E + ((M - O) - (M - E)) ** 2 / (M - E))
    return float(stat), int(full.sum()) - 2


def goodness_of_fit(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    groups: int = 10,
) -> pd.DataFrame:
    """Deviance, Pearson and Hosmer-Lemeshow goodness-of-fit tests of a binary model.

    See the module documentation for the formulas: R's residual deviance of the grouped
    binomial ``glm`` and the Pearson chi-squared over covariate patterns, on ``J - k``
    degrees of freedom, and Hosmer and Lemeshow's test over ``groups`` bins of the
    fitted probabilities (R's ``ResourceSelection::hoslem.test``), on the bins less 2.

    Parameters
    ----------
    model : NeuronClassifier
        Fitted, binary.
    X : array_like, sparse matrix or table, shape (n, d)
        The training rows, as :func:`oneneuron.diagnostics` takes them (other rows are
        refused; a table's missing cells follow the fit's ``missing=``).
    y : array_like, str or None
        Labels; for a model fitted on a table, also the target column's name, or
        omitted when the formula names the target.
    sample_weight : array_like of shape (n,) or str, optional
        Frequency weights, as in the fit: a table of counts, or grouped binomial data
        given as two rows per group (successes with ``y = 1``, failures with ``y = 0``).
    offset : array_like of shape (n,) or str, optional
        Required exactly when the model was fitted with one; part of a pattern.
    groups : int, default=10
        Hosmer and Lemeshow's bins ("deciles of risk"), at least 3; equal quantiles
        merge bins (the ``df`` then counts fewer).

    Returns
    -------
    pandas.DataFrame
        Rows ``deviance``, ``pearson`` and ``hosmer-lemeshow``, columns
        ``statistic, df, p_value``;
        ``attrs["n_patterns"]`` is ``J`` and ``attrs["caption"]`` says what was tested.

    Examples
    --------
    >>> import pandas as pd
    >>> import oneneuron
    >>> groups = pd.DataFrame({"dose": [1.0, 2.0, 3.0, 4.0], "dead": [2, 5, 11, 17],
    ...                        "alive": [18, 15, 9, 3]})
    >>> rows = pd.concat([groups.assign(y=1, n=groups.dead), groups.assign(y=0, n=groups.alive)])
    >>> fit = oneneuron.logit("y ~ dose", rows, sample_weight="n")
    >>> gof = oneneuron.goodness_of_fit(fit, rows, sample_weight="n")
    >>> gof.loc[["deviance", "pearson"], "statistic"].round(4).tolist()  # R: 0.1372 on 2 df
    [0.1372, 0.1383]
    """
    if isinstance(groups, bool) or not isinstance(groups, Integral) or groups < 3:
        raise ValueError(f"groups must be a whole number of at least 3, got {groups!r}")
    rows = binary_training_rows(
        model,
        X,
        y,
        sample_weight=sample_weight,
        offset=offset,
        what="goodness-of-fit tests",
        needs="Goodness-of-fit statistics",
    )
    keep = rows.w > 0  # a row of weight 0 is absent: no pattern of its own
    Xt = rows.Xt[np.flatnonzero(keep)] if hasattr(rows.Xt, "tocsr") else rows.Xt[keep]
    off = None if rows.offset is None else rows.offset[keep]
    codes = covariate_patterns(Xt, off)
    J = int(codes.max()) + 1 if codes.size else 0
    w, y01, z = rows.w[keep], rows.y01[keep], rows.z[keep]
    m = np.bincount(codes, weights=w, minlength=J)
    s = np.bincount(codes, weights=w * y01, minlength=J)
    f = m - s
    zj = np.bincount(codes, weights=w * z, minlength=J) / m  # equal within a pattern
    dev = 2.0 * (
        special.xlogy(s, s / m)
        - s * log_sigmoid(zj)
        + special.xlogy(f, f / m)
        - f * log_sigmoid(-zj)
    )
    v = sigmoid(zj) * sigmoid(-zj)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pearson = (s - m * sigmoid(zj)) ** 2 / (m * v)
    res = rows.model.inference_
    df = float(J - res.n_params)
    ml = not (res.penalized or res.extra.get("firth"))
    hl, hl_df = hosmer_lemeshow(sigmoid(z), y01, w, int(groups))
    bins = hl_df + 2
    if hl_df < 1:  # fewer than 3 bins: no chi-squared reference (R's df would be 0 or less)
        hl, hl_df = float("nan"), 0
    stat = np.array([max(float(np.sum(dev)), 0.0), float(np.sum(pearson)), hl])
    dfs = np.array([df, df, float(hl_df)])
    with np.errstate(invalid="ignore"):
        p = np.where(dfs > 0, stats.chi2.sf(stat, np.maximum(dfs, 1.0)), np.nan)
    if not ml:
        p[:] = np.nan
    table = pd.DataFrame(
        {"statistic": stat, "df": dfs, "p_value": p},
        index=pd.Index(["deviance", "pearson", "hosmer-lemeshow"], name="test"),
        columns=COLUMNS,
    )
    table.attrs["n_patterns"] = J
    caption = (
        f"goodness of fit over {counted(J, 'covariate pattern')} (grouped binomial deviance "
        f"and Pearson chi-squared on J - k = {df:g} df) and {counted(bins, 'bin')} of fitted "
        "probability (Hosmer-Lemeshow)"
    )
    if bins < 3:
        caption = (
            f"goodness of fit over {counted(J, 'covariate pattern')} (grouped binomial "
            f"deviance and Pearson chi-squared on J - k = {df:g} df); no Hosmer-Lemeshow test: "
            f"its {counted(int(groups), 'bin')} of fitted probability merge into {bins}, too few "
            "values to test on (it needs 3 bins)"
        )
    if not ml:
        caption += "; no chi-squared p-values (not a maximum-likelihood fit)"
    else:  # Cochran's rule: expected counts of 5 or more in 80% of the cells
        small = float(np.mean(np.minimum(m * sigmoid(zj), m * sigmoid(-zj)) < 5.0))
        if small > 0.2:
            caption += (
                f"; expected counts below 5 in {100 * small:.0f}% of the patterns "
                f"({counted(float(np.sum(w)) / J, 'trial', spec='.3g')} per pattern on "
                "average): the chi-squared reference of the deviance and Pearson "
                "statistics does not hold (Hosmer-Lemeshow's does)"
            )
    table.attrs["caption"] = caption
    return table
