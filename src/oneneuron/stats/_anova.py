"""Sequential analysis of deviance, as R's ``anova(fit, test="Chisq")`` for a ``glm``.

Terms are added one at a time in order; each row reports the drop in deviance
``-2 (llf_before - llf_after)`` from adding the term, its degrees of freedom
(the parameters it adds: the rise in the design's rank, times ``K - 1`` for a
multinomial model) and the likelihood-ratio p-value, ``P(chi2_df > drop)``.
``Resid. Df`` is ``nobs - (parameters so far)`` and ``Resid. Dev`` the deviance
``-2 llf`` (the saturated model of individual labels has log-likelihood 0). The
first row is the null model (intercept, and offset, only).

A term whose columns are linear combinations of earlier ones (and the
intercept) adds no parameter: its row has ``Df`` 0, a deviance of 0 and no
p-value (NaN), as R's ``anova.glm``; the rank is that of the weighted design
(rows of positive weight), judged as the fit judges collinearity: where the Gram
matrix's walk (:func:`~oneneuron.stats._fit.dependent_terms`) finds a dependent
column, by the relative singular values of the weighted design's QR factor
(:data:`~oneneuron.objective.ALIAS_TOL`), so that nearly collinear columns the fit
resolves each add a parameter. Beyond ``MAX_RANK_COLUMNS``
columns (a wide sparse design, whose Gram matrix would not fit in memory) the
columns are counted instead, as the model itself counts them when it formed no
Hessian.

The estimator keeps no X, so the training data are passed in and the nested
models are refitted (same estimator parameters, maximum likelihood). A term is
a design column unless ``terms`` groups columns (a categorical's indicator
columns, ``x`` and ``x**2``) under one name.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ..functions import log_sigmoid, log_softmax
from ..objective import ALIAS_TOL
from ._diagnostics import LEVERAGE_BLOCK_CELLS
from ._effects import row_offset, row_weights
from ._fit import (
    data_fingerprint,
    data_mismatch,
    independent_columns,
    model_columns,
    null_log_likelihood_with_offset,
    relaxed_view,
    term_map,
    training_rows,
    weighted_gram,
    with_class_weights,
)

COLUMNS = ["Df", "Deviance", "Resid. Df", "Resid. Dev", "Pr(>Chi)"]
#: Ranks are found from the design's Gram matrix up to this many columns (32 MB).
MAX_RANK_COLUMNS = 2000


def _term_columns(names: list[str], terms: Any) -> list[tuple[str, list[int]]]:
    """``[(term, column indices)]`` in order; every column exactly once."""
    if terms is None:
        return [(n, [j]) for j, n in enumerate(names)]
    out, seen = [], []
    for term, cols in term_map(terms).items():
        cols = [cols] if isinstance(cols, str | int) else list(cols)
        idx = []
        for c in cols:
            if isinstance(c, str) and c not in names:
                raise ValueError(f"terms[{term!r}] names column {c!r}, which the model lacks")
            idx.append(names.index(c) if isinstance(c, str) else int(c))
        out.append((str(term), idx))
        seen += idx
    if sorted(seen) != list(range(len(names))):
        raise ValueError(
            f"terms must name every column of the model exactly once; the columns are {names}"
        )
    return out


def _nested_ranks(
    Xv: Any, w: NDArray[np.float64], groups: list[tuple[str, list[int]]], fit_intercept: bool
) -> list[int]:
    """The rank of the design (intercept included) after each term enters, in order
    (beyond ``MAX_RANK_COLUMNS`` columns, their number).

    The Gram matrix's walk proves full rank; where it finds a dependent column, the
    weighted design's QR factor decides, as the fit decides (its condition number is
    the design's, the Gram's its square: ``x`` and ``x + 1e-8 * noise`` are two
    columns to the fit and to R's glm, one to the Gram)."""
    fi = int(fit_intercept)
    if Xv.shape[1] > MAX_RANK_COLUMNS:
        return list(fi + np.cumsum([len(idx) for _, idx in groups]))
    G = weighted_gram(Xv, w, fit_intercept)
    out, cols = [], []
    R = None
    for _, idx in groups:
        cols = sorted(cols + idx)
        at = ([0] if fit_intercept else []) + [j + fi for j in cols]
        rank = len(independent_columns(G[np.ix_(at, at)]))
        if rank < len(at):
            if R is None:  # columns in the order they enter: each prefix's factor
                R = _weighted_factor(Xv, w, [j for _, i in groups for j in i], fit_intercept)
            rank = _factor_rank(R[: len(at), : len(at)])
        out.append(rank)
    return out


def _weighted_factor(
    Xv: Any, w: NDArray[np.float64], order: list[int], fit_intercept: bool
) -> NDArray[np.float64]:
    """The triangular ``R`` of ``sqrt(w) [1, X[:, order]]`` (rows of positive weight;
    dense columns centred on their weighted means, constant ones to zeros, as
    :func:`weighted_gram`), by row blocks so that a sparse ``X`` is made dense one
    block at a time."""
    live = np.flatnonzero(w > 0)
    ws = np.asarray(w, dtype=np.float64)[live]
    sparse = hasattr(Xv, "tocsr")
    A = Xv.tocsr()[live][:, order] if sparse else np.asarray(Xv, np.float64)[live][:, order]
    p = len(order) + int(fit_intercept)
    shift = np.zeros(len(order))
    flat = np.zeros(len(order), bool)
    if fit_intercept and not sparse:
        shift = ws @ A / ws.sum()
        flat = (A.min(axis=0) == A.max(axis=0)) if len(A) else flat
    rows = max(p, LEVERAGE_BLOCK_CELLS // max(1, p))
    R = None
    for start in range(0, len(live), rows):
        part = A[start : start + rows]
        B = np.asarray(part.todense() if sparse else part, np.float64) - shift
        B[:, flat] = 0.0
        if fit_intercept:
            B = np.column_stack([np.ones(len(B)), B])
        B = np.sqrt(ws[start : start + rows])[:, None] * B
        B = B if R is None else np.vstack([R, B])
        R = np.linalg.qr(B, mode="r") if B.shape[0] >= p else B
    assert R is not None
    if R.shape[0] < p:
        R = np.vstack([R, np.zeros((p - R.shape[0], p))])
    return R


def _factor_rank(R: NDArray[np.float64]) -> int:
    """The rank of ``F = Q R`` as the fit judges it (:data:`ALIAS_TOL`): singular values
    of ``R`` with unit-norm columns above that tolerance times the largest; a zero
    column adds nothing."""
    norms = np.sqrt(np.einsum("ij,ij->j", R, R))
    live = norms > 0
    if not live.any():
        return 0
    sv = np.linalg.svd(R[:, live] / norms[live], compute_uv=False)
    return int(np.count_nonzero(sv > ALIAS_TOL * sv[0]))


#: What the table's rows test, as R heads it ("Terms added sequentially (first to last)").
CAPTION = (
    "Analysis of deviance: terms added sequentially (first to last); each row is the "
    "likelihood-ratio test of its term given the terms above it (type I tests: they "
    "depend on the terms' order). Each term given all the others: wald_terms (type III)."
)


def anova(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    sample_weight: Any = None,
    offset: Any = None,
    terms: Any = None,
) -> pd.DataFrame:
    """Sequential analysis-of-deviance table of a fitted, unpenalised model on its data.

    Parameters
    ----------
    model : NeuronClassifier
        Fitted with ``alpha=0`` (binary or multinomial; not ``firth=True``).
    X, y : array_like
        The training data (NumPy/SciPy/pandas); for a model fitted on a table or
        a formula, that table (the model's design codes it, its missing cells as
        the fit's ``missing=`` did: ``"drop"`` drops those rows here too), with
        ``y`` as in the fit: the labels, the target column's name, or omitted
        when the formula names the target (``"y ~ ..."``).
    sample_weight, offset : array_like, optional
        As in the fit (one value per row of the table).
    terms : dict of {str: list of str} or list of str, optional
        Term name -> its columns, in the order the terms enter (a list of column
        names: each its own term). Default: for a model fitted on a table or a
        formula, the design's terms (a categorical's level columns together, as R;
        see ``DesignSpec.term_groups``); otherwise each column is a term.

    Returns
    -------
    pandas.DataFrame
        Indexed ``["NULL", term, ...]`` with columns ``Df, Deviance, Resid. Df,
        Resid. Dev, Pr(>Chi)`` (R's names); ``attrs["caption"]`` says the tests are
        sequential (type I: each term given those above it, R's heading), unlike
        :func:`~oneneuron.wald_terms`' (type III: each term given all the others).

    Examples
    --------
    >>> from oneneuron import NeuronClassifier, anova
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> anova(NeuronClassifier().fit(X, y), X, y)["Deviance"].round(3).tolist()
    [nan, 37.6, 56.303]
    """
    from sklearn.base import clone

    X, y, sample_weight, offset = training_rows(
        model, X, y, sample_weight=sample_weight, offset=offset
    )
    model, X = relaxed_view(model, X)  # relax=True: the refit on the kept columns
    res = model.inference_
    if res.alpha > 0 or res.extra.get("firth"):
        raise ValueError(
            "anova compares maximum-likelihood fits; this model is penalised "
            "(alpha > 0 or firth=True)"
        )
    Xv = model._validate_predict(X)
    n, d = Xv.shape
    names = model_columns(model, d)
    designed = getattr(model, "design_", None) is not None
    if terms is None and designed:
        terms = model.design_.term_groups(names)
    groups = _term_columns(names, terms)
    classes = model.classes_
    labels = np.asarray(y)
    K = len(classes)
    y_idx = np.searchsorted(classes, labels)
    if labels.shape != (n,) or np.any(classes[np.clip(y_idx, 0, K - 1)] != labels):
        raise ValueError(f"y must hold one label per row of X, among {classes.tolist()}")
    w = row_weights(sample_weight, n)
    off = row_offset(offset, n)
    if model.class_weight is not None:  # class weights are sample weights, NULL row too
        w = with_class_weights(model, y_idx, w)
    S = float(np.sum(w))
    if getattr(model, "has_offset_", False) and off is None:
        raise ValueError("the model was fitted with an offset: pass it (offset=...) as in the fit")
    if off is not None and not getattr(model, "has_offset_", False):
        raise ValueError("the model was fitted without an offset: leave offset= out")
    if not np.isclose(S, res.nobs, rtol=1e-9):
        given = "without weights" if sample_weight is None else "with weights"
        raise ValueError(
            f"the model was fitted on rows with sample weights summing to {res.nobs:.6g}; the "
            f"{n} rows given {given} sum to {S:.6g}: pass sample_weight as in the fit"
        )
    fitted = res.extra.get("data")
    if fitted is not None and w.shape == (n,):
        given = data_fingerprint(y_idx, w, K, off)
        why = data_mismatch(fitted, given, ("the fit", "the rows given"))
        if why:
            raise ValueError(
                f"the data given are not the ones the model was fitted on: {why} (pass the "
                "training rows, and their sample_weight and offset)"
            )
    # the null model: intercept (and offset) only
    if model.fit_intercept:
        if off is None:
            counts = np.bincount(y_idx, weights=w, minlength=K)
            pos = counts[counts > 0]
            llf0 = float(np.sum(pos * np.log(pos / S)))
        else:
            llf0 = null_log_likelihood_with_offset((y_idx == 1).astype(float), w, off)
    elif K == 2:
        z = np.zeros(n) if off is None else off
        llf0 = float(np.sum(w * np.where(y_idx == 1, log_sigmoid(z), log_sigmoid(-z))))
    else:
        llf0 = float(np.sum(w * log_softmax(np.zeros((n, K)))[np.arange(n), y_idx]))
    per_column = res.n_blocks  # K - 1 (1 binary), classes of no weight left out
    rank = _nested_ranks(Xv, w, groups, model.fit_intercept)
    # w holds the class weights already; with alpha = 0 penalty_factor changes nothing,
    # and it names or counts the model's columns, not a nested model's
    refit = clone(model).set_params(
        inference=False,
        cov_type="nonrobust",
        warm_start=False,
        class_weight=None,
        penalty_factor=None,
    )
    if designed:  # the nested models are fitted on the coded design's columns
        refit.set_params(formula=None, reference=None, encoding="reference", missing="error")
    rows = [("NULL", np.nan, np.nan, S - per_column * int(model.fit_intercept), -2 * llf0, np.nan)]
    cols: list[int] = []
    llf_prev, n_prev = llf0, int(model.fit_intercept)
    for (term, idx), k in zip(groups, rank, strict=True):
        cols = cols + idx
        Xk = Xv[:, sorted(cols)]
        fit_kw = {} if off is None else {"offset": off}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            llf = float(refit.fit(Xk, labels, w, **fit_kw).log_likelihood_)
        df = per_column * (k - n_prev)
        drop = max(2.0 * (llf - llf_prev), 0.0) if df > 0 else 0.0  # aliased: R's 0, not
        # the two refits' rounding
        p_value = stats.chi2.sf(drop, df) if df > 0 else np.nan  # R: NA for an aliased term
        rows.append((term, df, drop, S - per_column * k, -2 * llf, p_value))
        n_prev = k
        llf_prev = llf
    if not np.isclose(llf_prev, res.log_likelihood, rtol=1e-6, atol=1e-8):
        raise ValueError(
            "the data given are not the ones the model was fitted on (log-likelihood "
            f"{llf_prev:.6g} vs {res.log_likelihood:.6g}); pass the training rows "
            "(and their sample_weight and offset)"
        )
    table = pd.DataFrame([r[1:] for r in rows], index=[r[0] for r in rows], columns=COLUMNS)
    table.index.name = "term"
    table.attrs["caption"] = CAPTION
    return table
