"""Fit-time inference: likelihood statistics, separation, and the one Hessian pass it needs.

The estimator keeps no reference to X, so everything inference needs is
computed at the end of ``fit`` (see :mod:`oneneuron.stats.inference` for the
statistics). The Hessian comes from the last Newton iteration when the final
point is the one Newton evaluated it at (free), otherwise from one extra
``gradient_hessian`` pass, which ``inference="auto"`` makes only when cheap.
"""

from __future__ import annotations

import functools
import math
import warnings
from typing import Any

import numpy as np
import scipy.linalg
from numpy.typing import NDArray
from scipy.linalg.lapack import dpotrf, dpotrs

from ..exceptions import SeparationWarning, user_stacklevel
from ..functions import softplus
from ..objective import ALIAS_TOL, least_squares_step, offset_intercept, unmasked
from ..wording import counted, noun
from . import _separation
from ._robust import encode_clusters, sandwich
from .inference import InferenceResult

#: ``inference="auto"`` computes the Hessian when ``n * (m * (d + 1))**2`` is at most this.
AUTO_INFERENCE_MAX_COST = 1e8
#: A term whose weighted R^2 on the earlier terms exceeds ``1 - COLLINEAR_TOL`` is collinear.
COLLINEAR_TOL = 1e-10
#: Where that ``1 - R^2`` is above ``EXACT_TOL`` (rounding of a float64 Gram matrix,
#: up to 4e-14 on exact combinations of 100 000 rows, stays well below), the term is
#: called *nearly* a combination of the others, with the measure.
EXACT_TOL = 1e-12
#: A collinear term is aliased (NA, the others the fit without it) unless that fit's
#: log-likelihood is lower than the solver's by more than this times ``max(1, |llf|)``.
NEARLY_ALIASED_LLF = 1e-9


class HessianRecorder:
    """Wraps a ``LinearLoss`` and remembers the last ``gradient_hessian`` evaluation."""

    def __init__(self, problem: Any) -> None:
        # the problem's fields, which do not change during a fit, read without the hook;
        # so are the methods every fit calls (the hook would keep them at their first use)
        self.__dict__.update(getattr(problem, "__dict__", {}))
        for name in ("to_raw", "unpack", "_penalty"):
            self.__dict__[name] = getattr(problem, name)
        self._problem = problem
        self.last: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._problem, name)
        # the problem's fields and methods do not change during a fit: kept here, so that
        # the solvers' many reads skip this hook (a microsecond each, tens per tiny fit);
        # properties (``n_passes``, which counts) are read through every time
        if not isinstance(getattr(type(self._problem), name, None), property):
            self.__dict__[name] = value
        return value

    @property
    def n_params(self) -> int:
        """The problem's number of parameters."""
        return self._problem.n_params  # type: ignore[no-any-return]

    @property
    def n_passes(self) -> float:
        """The problem's count of passes (read once per solver iteration: no hook)."""
        return self._problem.n_passes  # type: ignore[no-any-return]

    def gradient_hessian(self, theta: NDArray[np.float64]) -> Any:
        """Forward to the problem and keep ``(theta, H)``."""
        f, g, H = self._problem.gradient_hessian(theta)
        self.last = (np.array(theta, copy=True), H)
        return f, g, H


def model_columns(model: Any, d: int) -> list[str]:
    """A fitted model's column names in ``coef_`` order (its ``feature_names_out_``).

    ``feature_names_out_`` where the model has it (a table's coded terms; not
    ``feature_names_in_``, which names the table's input columns), else
    ``feature_names_in_`` (a model that does not code tables), else ``x0 ... x{d-1}``.
    """
    names = getattr(model, "feature_names_out_", None)
    if names is None:
        names = getattr(model, "feature_names_in_", None)
    return [f"x{j}" for j in range(d)] if names is None else [str(c) for c in names]


def term_names(n_features: int, feature_names: Any, fit_intercept: bool) -> list[str]:
    """``["intercept", name_0, ...]``; names default to ``x0, x1, ...``."""
    names = (
        [str(v) for v in feature_names]
        if feature_names is not None
        else [f"x{j}" for j in range(n_features)]
    )
    return (["intercept"] if fit_intercept else []) + names


def training_labels(model: Any, X: Any, y: Any) -> Any:
    """``y`` itself, or the table's target column (named by ``y`` or by the model's formula)."""
    design = getattr(model, "design_", None)
    name = y if isinstance(y, str) else None
    if y is None:
        name = getattr(design, "target", None)
        if name is None:
            raise ValueError(
                "pass y, the training labels (or, for a model fitted on a table, the target "
                "column's name)"
            )
    if name is None:
        return y
    names = getattr(X, "column_names", None)  # an Arrow table's; pandas and polars: columns
    columns = [str(c) for c in (names if names is not None else getattr(X, "columns", []))]
    if name not in columns:
        raise ValueError(f"X has no column {name!r} for the labels; its columns are {columns}")
    return np.asarray(X[name])


def named_columns(X: Any, **given: Any) -> dict[str, Any]:
    """``given`` (``sample_weight=``, ``offset=``, ``cluster=``) with each string read as
    the column of the table ``X`` it names, as ``oneneuron.logit`` and the fit take them
    (numbers, cluster labels as they are).

    Examples
    --------
    >>> from oneneuron.stats import named_columns
    >>> import pandas as pd
    >>> named_columns(pd.DataFrame({"n": [2.0, 3.0]}), sample_weight="n", offset=None)
    {'sample_weight': array([2., 3.]), 'offset': None}
    """
    names = getattr(X, "column_names", None)  # an Arrow table's; pandas and polars: columns
    columns = [str(c) for c in (names if names is not None else getattr(X, "columns", []))]
    out = dict(given)
    for what, value in given.items():
        if not isinstance(value, str):
            continue
        if value not in columns:
            where = f"its columns are {columns}" if columns else "X is not a table"
            raise ValueError(f"{what}={value!r} names no column of X ({where})")
        column = np.asarray(X[value])
        out[what] = column if what == "cluster" else column.astype(np.float64)
    return out


#: Relative tolerance of :func:`data_mismatch` (the sums are made in other orders).
FINGERPRINT_RTOL = 1e-9


def data_fingerprint(
    y_idx: NDArray[np.intp],
    s: NDArray[np.float64],
    n_classes: int,
    offset: NDArray[np.float64] | None = None,
    class_sums: NDArray[np.float64] | None = None,
) -> dict[str, Any]:
    """Cheap sums of the training data that do not depend on X (``inference_.extra["data"]``).

    ``class_rows``: each class's number of rows of positive weight;
    ``class_sums``: each class's summed weight (sample times class weights);
    ``sum_w2``: the sum of the squared weights; ``offset`` (with one only):
    ``[sum w o, sum w o**2, sum w o y]``, ``y`` 1 for ``classes[1]``. Fits on the
    same rows, labels, weights and offset have equal sums whatever their columns,
    so :func:`~oneneuron.stats.lr_test` and :func:`~oneneuron.stats.anova` can tell
    other data apart. Rows of weight 0 count for nothing, as everywhere (they are
    absent rows). Where only the classes' sums are known (data out of core), the
    fingerprint is ``class_sums`` alone. ``class_sums``: those sums where the caller
    has them (they are not counted again).

    Examples
    --------
    >>> data_fingerprint(np.array([0, 1, 1]), np.array([1.0, 2.0, 0.5]), 2)
    {'class_rows': [1, 2], 'class_sums': [1.0, 2.5], 'sum_w2': 5.25}
    """
    y_idx = np.asarray(y_idx)
    s = np.asarray(s, dtype=np.float64)
    if s.shape != y_idx.shape:
        s = np.broadcast_to(s, y_idx.shape)
    unit = s.strides[0] == 0 and s.size > 0 and s[0] == 1.0  # unit weights (one value)
    out: dict[str, Any] = {
        "class_rows": np.bincount(y_idx if unit else y_idx[s > 0], minlength=n_classes).tolist(),
        "class_sums": (
            np.bincount(y_idx, weights=s, minlength=n_classes)
            if class_sums is None
            else np.asarray(class_sums, dtype=np.float64)
        ).tolist(),
    }
    out["sum_w2"] = float(len(s)) if unit else float(s @ s)  # n ones sum to n exactly
    if offset is not None:
        o = np.asarray(offset, dtype=np.float64)
        ws = s * (y_idx == 1)
        out["offset"] = [float(s @ o), float(s @ (o * o)), float(ws @ o)]
    return out


def data_mismatch(a: Any, b: Any, names: tuple[str, str] = ("small", "big")) -> str:
    """Why two fits' :func:`data_fingerprint` say other data ("" when they agree).

    ``a`` and ``b`` are the fingerprints (None: unknown, e.g. an older model file;
    then nothing is said). Names the first difference: an offset in one fit only,
    other labels, other weights, other offsets.
    """
    if a is None or b is None:
        return ""
    na, nb = names

    def differ(key: str) -> bool:
        u, v = a.get(key), b.get(key)
        if u is None or v is None:
            return False
        u, v = np.asarray(u, dtype=np.float64), np.asarray(v, dtype=np.float64)
        scale = max(float(np.max(np.abs(u), initial=0.0)), float(np.max(np.abs(v), initial=0.0)))
        return u.shape != v.shape or not np.allclose(
            u, v, rtol=FINGERPRINT_RTOL, atol=FINGERPRINT_RTOL * max(scale, 1e-300)
        )

    if ("offset" in a) != ("offset" in b):
        has, lacks = (na, nb) if "offset" in a else (nb, na)
        return f"{has} was fitted with an offset and {lacks} without; give both the same offset"
    if differ("class_rows"):
        return (
            f"{na} and {nb} have different rows or labels (rows per class "
            f"{a['class_rows']} vs {b['class_rows']}); fit both on the same rows"
        )
    if differ("class_sums") or differ("sum_w2"):
        key = "class_sums" if differ("class_sums") else "sum_w2"
        what = "summed weight per class" if key == "class_sums" else "sum of squared weights"
        return (
            f"{na} and {nb} have different sample weights (or class weights; "
            f"{what} {a[key]} vs {b[key]}), or on different labels; fit both with the "
            "same weights"
        )
    if differ("offset"):
        return f"{na} and {nb} have different offsets; give both the same offset"
    return ""


def with_class_weights(
    model: Any, y_idx: NDArray[np.intp], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The rows' weights as the fit applied them: ``w`` times their class's weight.

    For the statistics that take the training rows again (``anova``, ``diagnostics``,
    profile intervals): class weights are frequency weights, as sample weights are.
    ``y_idx`` are the rows' class indices, ``w`` their sample weights. Each class's
    weight is read from the fit's record (its summed row weight, ``inference_.extra
    ["data"]``, over its summed sample weight here), so ``"balanced"`` weights are the
    fit's own. ``w`` itself when the model has no ``class_weight``.
    """
    if getattr(model, "class_weight", None) is None:
        return w
    fitted = model.inference_.extra.get("data")
    if fitted is None:
        raise ValueError(
            "statistics on the training rows of a class-weighted model need the fit's "
            "record of its class weights, which this (older) model file lacks: refit the model"
        )
    K = len(model.classes_)
    plain = np.bincount(y_idx, weights=w, minlength=K)
    sums = np.asarray(fitted["class_sums"], dtype=np.float64)
    factor = np.divide(sums, plain, out=np.zeros(K), where=plain > 0)
    return w * factor[y_idx]


def relaxed_view(model: Any, X: Any) -> tuple[Any, Any]:
    """The model whose statistics are reported, and X as it was fitted on.

    A ``relax=True`` model reports its unpenalised refit on the columns the L1 fit
    kept (``relaxed_``): that refit, and ``X`` coded as the model codes it (a
    table through its design) and restricted to those columns, named as the refit's
    (a DataFrame). Any other model comes back with ``X`` unchanged. Call it after
    :func:`training_rows`, which drops the rows the fit dropped.
    """
    relaxed = getattr(model, "relaxed_", None)
    if not getattr(model, "relax", False):
        return model, X
    if relaxed is None:
        if np.any(np.asarray(model.coef_) != 0):  # a refit exists, but not here
            raise ValueError(
                "this relax=True model was loaded from a file, which keeps its refit's "
                "table (summary()) but not the refit itself, which anova, margeff, "
                "diagnostics and profile intervals need: fit the model again"
            )
        return model, X  # nothing was kept, nothing was refitted
    import pandas as pd

    coded = model._validate_predict(X)
    d = coded.shape[1]
    names = model_columns(model, d)
    kept = model_columns(relaxed, len(relaxed.coef_[0]))
    cols = [names.index(c) for c in kept]
    coded = coded[:, cols]  # the kept columns only, then dense (a CSR design's too)
    coded = coded.toarray() if hasattr(coded, "toarray") else np.asarray(coded)
    index = X.index if isinstance(X, pd.DataFrame) else None  # a table's rows keep their labels
    return relaxed, pd.DataFrame(coded, columns=kept, index=index)


def training_rows(
    model: Any,
    X: Any,
    y: Any = None,
    *,
    labels: bool = True,
    sample_weight: Any = None,
    offset: Any = None,
) -> tuple[Any, Any, Any, Any]:
    """The training rows as the fit used them: ``(X, y, sample_weight, offset)``.

    For the statistics that take the training data again (``anova``,
    ``diagnostics``, ``margeff``, profile intervals). ``y`` as
    :func:`training_labels` reads it (None when ``labels`` is False);
    ``sample_weight`` and ``offset`` may name columns of ``X``. A model
    fitted on a table with ``missing="drop"`` dropped the rows with a missing
    cell in a column its design reads or a missing label: the same rows are
    dropped here from ``X``, ``y``, ``sample_weight`` and ``offset`` (given, as
    to the fit, for every row of the table), and so are the rows whose weight or
    offset is missing, as the fit dropped them. The filling policies (``"mean"``,
    ...) need nothing: the design fills as the fit did. Predictions still refuse
    a missing cell (they need every row).
    """
    check = getattr(model, "_check_fitted_params", None)
    if check is not None:  # parameters changed after the fit (set_params): refused
        check()
    y = _masked_as_missing(training_labels(model, X, y)) if labels else None
    named = named_columns(X, sample_weight=sample_weight, offset=offset)
    sample_weight = unmasked(named["sample_weight"], "sample_weight")  # refused, as by fit
    offset = unmasked(named["offset"], "offset")
    design = getattr(model, "design_", None)
    if design is not None:  # a fit on an array with missing=: a table of its columns
        X = design.as_table(X)
    found = None if design is None or design.missing != "drop" else design.kept_rows(X)
    if found is None:
        if y is not None and not isinstance(y, str) and np.ndim(y) == 1:
            na = _isna(np.asarray(y, dtype=object))
            if na.any():  # the fit refused them (it had no missing='drop')
                k = int(na.sum())
                raise ValueError(
                    f"y has {counted(k, 'missing label')} (None, NaN or masked), the "
                    f"first in row {int(np.argmax(na))}; pass the labels the model was fitted on"
                )
        return X, y, sample_weight, offset
    df, keep = found
    n = len(df)
    arrays = {"y": y, "sample_weight": sample_weight, "offset": offset}
    for what, a in arrays.items():
        if a is None or isinstance(a, str):
            continue
        a = np.asarray(a)
        if a.ndim != 1 or len(a) != n:
            raise ValueError(
                f"{what} has {len(a) if a.ndim == 1 else a.shape} values but X has {n} rows; "
                f"give one per row of the table, as to the fit"
            )
        keep &= ~np.asarray(_isna(a))  # a missing label, weight or offset: dropped by the fit
        arrays[what] = a
    if keep.all():
        return X, y, sample_weight, offset
    if not keep.any():
        raise ValueError("every row has a missing value (the fit's missing='drop' leaves none)")
    out = [None if a is None else a[keep] for a in arrays.values()]
    return df[keep], out[0], out[1], out[2]


def _masked_as_missing(y: Any) -> Any:
    """Labels of a NumPy masked array with its masked entries as missing (None), as the
    fit reads them; other ``y`` unchanged."""
    if not isinstance(y, np.ma.MaskedArray):
        return y
    mask = np.ma.getmaskarray(y)
    data = np.ma.getdata(y)
    if not mask.any():
        return data
    out = data.astype(object)
    out[mask] = None
    return out


def _isna(a: NDArray) -> NDArray[np.bool_]:
    """Missing entries of labels of any type (NaN, None, pandas' NA)."""
    import pandas as pd

    return np.asarray(pd.isna(a), dtype=bool)


def _theta_index(m: int, d: int, k: int, fit_intercept: bool) -> list[int]:
    """Positions of class ``k``'s terms (intercept first) in ``theta`` = [W'.ravel(), b']."""
    return ([m * d + k] if fit_intercept else []) + list(range(k * d, (k + 1) * d))


def collinear_terms(G: NDArray[np.float64], terms: list[str], fit_intercept: bool = True) -> str:
    """:func:`dependent_terms` in one line ("" when ``G`` has full rank)."""
    return "; ".join(dependent_terms(G, terms, fit_intercept))


def zero_columns(problem: Any, terms: list[str]) -> set[str]:
    """The names among ``terms`` (the intercept first, where fitted) of the feature
    columns that are zero in every row: flat (no spread) with mean 0."""
    flat, mean = getattr(problem, "flat", None), getattr(problem, "mean", None)
    if flat is None or mean is None or not problem.fit_intercept:
        return set()
    stats = getattr(problem, "step_stats", None)
    standardised = np.any(np.asarray(getattr(problem, "scale", 1.0)) != 1.0)
    if not np.any(mean) and not standardised:  # raw coordinates: the columns' own means
        if stats is None:  # are the step statistics', or unknown (nothing is said)
            return set()
        mean = stats[0]
    return {
        terms[j + 1]
        for j in np.flatnonzero(np.asarray(flat) & (np.asarray(mean) == 0.0))
        if j + 1 < len(terms)
    }


def dependent_terms(
    G: NDArray[np.float64],
    terms: list[str],
    fit_intercept: bool = True,
    dependent: list[tuple[int, Any, list[int]]] | None = None,
    zeros: Any = (),
) -> list[str]:
    """Name the terms that are linear combinations of earlier ones in the weighted Gram ``G``.

    ``zeros``: the names of terms whose column is zero in every row (an empty cell of
    an interaction, a level no row has): said so, not "constant".

    The intercept, when fitted, is term 0. Walks the terms in order, keeping the
    independent ones; term ``j`` is dependent
    when its weighted R^2 on the kept terms exceeds ``1 - COLLINEAR_TOL``.
    Returns one sentence per dependent term (none when ``G`` has full rank): their
    number is ``G``'s rank deficiency.

    While no term is dependent, the kept terms are all earlier ones, and term ``j``'s
    share of variance not explained by them, ``1 - R^2``, is ``L_jj^2 / G_jj`` for the
    Cholesky factor ``L`` of ``G``: one factorisation answers the common full-rank
    case; the walk (a solve per term) runs only when it finds a small pivot.

    Units do not count: ``G`` is scaled to unit diagonal first, so a column measured in
    tiny units is not taken for a constant one. A constant column is one whose share
    not explained by the intercept is below the tolerance (in raw coordinates), or
    whose diagonal is zero (centred on the standardised scale); without an intercept a
    zero diagonal means a column of zeros. A term whose ``1 - R^2`` is above
    :data:`EXACT_TOL` (resolved in float64, though below the tolerance) is *nearly*
    one, and its sentence gives the measure.
    """
    constant = "constant (a multiple of the intercept)" if fit_intercept else "all zeros"
    found = []  # (``dependent``: the walk's answer where the caller has it)
    resid: dict[int, float] = {}  # 1 - R^2 of the walk's dependent columns
    for j, c, kept in _dependence(G, resid)[1] if dependent is None else dependent:
        near = resid.get(j, 0.0) > EXACT_TOL
        if c is None:
            zero = terms[j] in zeros and fit_intercept
            what = "zero in every row (a level, or a combination of levels, no row has)"
            found.append(f"column {terms[j]!r} is {what if zero else constant}")
            continue
        weight = np.abs(c)  # unit-free: each kept term's share in the combination
        others = [  # the intercept (term 0) is named once, at the end
            terms[kept[i]]
            for i in np.flatnonzero(weight > 1e-6 * weight.max())
            if not (fit_intercept and kept[i] == 0)
        ]
        measure = f" (weighted R^2 on them 1 - {resid[j]:.2g})" if near else ""
        if fit_intercept and not others:
            on = f" (weighted R^2 on the intercept 1 - {resid[j]:.2g})" if near else ""
            found.append(f"column {terms[j]!r} is {'nearly ' * near}{constant}{on}")
            continue
        parts = [repr(o) for o in others] + (["the intercept"] if fit_intercept else [])
        found.append(
            f"column {terms[j]!r} is {'nearly ' * near}a linear combination of "
            + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])
            + measure
        )
    return found


def term_map(terms: Any, what: str = "terms") -> dict[Any, Any]:
    """``terms=`` of :func:`~oneneuron.wald_terms` and :func:`~oneneuron.anova` as a dict
    term -> its columns: a mapping as given, or a list of column names, each its own
    term; anything else one clear ``TypeError`` (``dict(["x0", "x2"])`` read each name
    as a pair of characters, and the error named a column ``'2'``)."""
    from collections.abc import Mapping

    if isinstance(terms, Mapping):
        return dict(terms)
    if isinstance(terms, list | tuple) and all(isinstance(c, str) for c in terms):
        return {c: [c] for c in terms}
    raise TypeError(
        f"{what} must be a dict of term name -> its columns (e.g. "
        "{'g': ['g[T.b]', 'g[T.c]']}) or a list of column names, each its own term; "
        f"got {type(terms).__name__}"
    )


def independent_columns(G: NDArray[np.float64]) -> list[int]:
    """The columns :func:`dependent_terms` keeps: each not a combination of earlier ones.

    ``G`` is a weighted Gram matrix (intercept first when fitted); their number is its
    rank. Dropping the others leaves the same column space (R's aliased coefficients).

    Examples
    --------
    >>> X = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0], [1.0, 1.0, 2.0], [1.0, 5.0, 6.0]])
    >>> independent_columns(X.T @ X)  # the third is the first plus the second
    [0, 1]
    """
    return _dependence(G)[0]


def _dependence(
    G: NDArray[np.float64], resid_of: dict[int, float] | None = None
) -> tuple[list[int], list[tuple[int, NDArray[np.float64] | None, list[int]]]]:
    """The walk of :func:`dependent_terms`: ``(kept, dependent)``, ``dependent`` holding
    ``(j, c, kept then)`` per dependent column ``j``, ``c`` its combination of the columns
    kept then (unit-diagonal scale), None for a column of zero diagonal. ``resid_of`` (a
    dict) receives each dependent column's ``1 - R^2`` on the columns kept then."""
    diag = G.diagonal().copy()
    live = np.isfinite(diag) & (diag > 0)
    r = np.where(live, 1.0 / np.sqrt(np.where(live, diag, 1.0)), 0.0)
    C = G * r[:, None] * r  # unit diagonal where live, zero rows and columns elsewhere
    if live.all():
        L, info = dpotrf(C, lower=1, clean=0)
        if info == 0 and (L.diagonal() ** 2 >= COLLINEAR_TOL).all():
            return list(range(len(diag))), []
    keep: list[int] = []
    dependent: list[tuple[int, NDArray[np.float64] | None, list[int]]] = []
    for j in range(len(diag)):
        if not live[j]:
            dependent.append((j, None, []))
            continue
        if keep:
            Ck = C[np.ix_(keep, keep)]
            c = scipy.linalg.solve(Ck, C[keep, j], assume_a="pos", check_finite=False)
            resid = 1.0 - C[j, keep] @ c
        else:
            c, resid = np.zeros(0), 1.0
        if resid < COLLINEAR_TOL:
            dependent.append((j, c, list(keep)))
            if resid_of is not None:
                resid_of[j] = float(resid)
        else:
            keep.append(j)
    return keep, dependent


def _root_dependence(
    problem: Any, F: NDArray[np.float64] | None
) -> tuple[list[int], list[tuple[int, NDArray[np.float64] | None, list[int]]]] | None:
    """:func:`_dependence`'s walk on a square root ``F`` of the Hessian in ``theta``'s
    coordinates (:meth:`~oneneuron.objective.LinearLoss.hessian_root`) instead of the Gram.

    Each reference block's columns are stacked (their ``F_k' F_k`` add up to the Gram
    of :func:`_reference_hessian`) and scaled to unit norm. Term ``j`` is dependent
    when its residual on the kept terms (least squares on those columns) is at most
    :data:`~oneneuron.objective.ALIAS_TOL`, the fit's own rule (R's glm's QR tolerance
    is 1e-11 too): ``x`` and ``x + 1e-8 * noise`` are both kept, where the Gram's walk
    (``1 - R^2``, the residual squared, against ``COLLINEAR_TOL``) drops the later one.
    ``c`` as there: the combination on the unit-diagonal scale. None without ``F``.
    """
    if F is None or not np.isfinite(F).all():
        return None
    blocks = _reference_index(problem)
    Fs = np.vstack([F[:, b] for b in blocks])
    norms = np.sqrt(np.einsum("ij,ij->j", Fs, Fs))
    live = norms > 0
    U = Fs / np.where(live, norms, 1.0)
    keep: list[int] = []
    dependent: list[tuple[int, NDArray[np.float64] | None, list[int]]] = []
    for j in range(U.shape[1]):
        if not live[j]:
            dependent.append((j, None, []))
            continue
        c = np.linalg.lstsq(U[:, keep], U[:, j], rcond=None)[0] if keep else np.zeros(0)
        resid = float(np.linalg.norm(U[:, j] - U[:, keep] @ c)) if keep else 1.0
        if resid <= ALIAS_TOL:
            dependent.append((j, c, list(keep)))
        else:
            keep.append(j)
    return keep, dependent


def weighted_gram(X: Any, w: NDArray[np.float64], fit_intercept: bool) -> NDArray[np.float64]:
    """``G`` of the design ``[1, X]`` (or ``X``) weighted by ``w``, for the rank checks.

    Rows of weight 0 are left out. With an intercept, a dense ``X`` is centred (on its
    weighted means) so that the intercept is orthogonal to the columns and a column of
    large mean and small spread is not taken for a constant one; a sparse ``X`` keeps its
    raw coordinates, with the intercept as a column of ones (centring would fill it in).
    """
    import scipy.sparse

    live = w > 0
    ws = np.asarray(w, dtype=np.float64)[live]
    S = float(ws.sum())
    if scipy.sparse.issparse(X):
        A = scipy.sparse.csr_matrix(X)[np.flatnonzero(live)]
        G = np.asarray((A.T @ A.multiply(ws[:, None])).todense(), dtype=np.float64)
        if not fit_intercept:
            return G
        col = np.asarray(A.T @ ws, dtype=np.float64).ravel()
        return np.block([[np.array([[S]]), col[None, :]], [col[:, None], G]])
    D = np.asarray(X, dtype=np.float64)[live]
    if fit_intercept:
        # a constant column (told by min == max, as the fit tells it) centres to exact
        # zeros: its weighted mean rounds to other than the value under unequal weights,
        # and that round-off would pass for a column of its own
        flat = (D.min(axis=0) == D.max(axis=0)) if len(D) else np.zeros(D.shape[1], bool)
        D = D - ws @ D / S
        D[:, flat] = 0.0
    G = D.T @ (ws[:, None] * D)
    if not fit_intercept:
        return G
    zero = np.zeros((1, G.shape[0]))
    return np.block([[np.array([[S]]), zero], [zero.T, G]])


def _diagnose(
    problem: Any,
    theta: NDArray,
    y_idx: NDArray,
    s: NDArray,
    K: int,
    fit_intercept: bool,
    run_lp: bool = True,
) -> _separation.Separation | None:
    """Fitted logits first (a certificate of complete separation), then the LPs if asked.

    The certificate is the fitted linear predictor ``X W.T + b`` without any offset:
    separation is a property of the columns and labels (a direction along which every
    row's logit moves to its label's side), and an offset that alone puts every row on
    its side leaves a finite estimate. Returns None when the check could not be made (an
    LP too large, or on streamed data (torch, Dask), whose engines count the fitted
    logits' separated rows but keep no X for the LPs; they take no offset).
    """
    X = getattr(problem.engine, "X", None)  # engines that stream their data have none
    if X is None:  # they count the rows the fitted logits separate; the LPs need X
        count = getattr(problem.engine, "separated_rows", None)
        if count is None:
            return None
        right, n_rows = count(*problem.to_raw(theta))
        if right < n_rows:  # no LP: "none" where NumPy data would not run one either
            return None if run_lp else _separation.Separation("none", 0, n_rows, None)
        Wp, bp = problem.unpack(theta)
        D = _separation.direction_from_fit(Wp, bp, fit_intercept)
        return _separation.Separation("complete", n_rows, n_rows, D)
    n = X.shape[0]
    W, b = problem.to_raw(theta)
    Z = np.asarray(X @ W.T.astype(X.dtype) + b.astype(X.dtype), dtype=np.float64)
    if _separation.fitted_certificate(Z, y_idx, s):
        Wp, bp = problem.unpack(theta)
        D = _separation.direction_from_fit(Wp, bp, fit_intercept)
        n_rows = int(np.sum(s > 0))
        return _separation.Separation("complete", n_rows, n_rows, D)
    if not run_lp:
        return _separation.Separation("none", 0, n, None)
    if n * max(K - 1, 1) * (problem.n_features + 1) > _separation.MAX_LP_SIZE:
        return None
    Xt = _separation.design(X, problem.mean, problem.scale, fit_intercept)
    return _separation.detect(Xt, y_idx, K, s)


def _reference_index(problem: Any) -> list[NDArray[np.intp]]:
    """Each reference-parameterised block's positions in ``theta`` (its intercept first).

    One block for a sigmoid neuron; ``m - 1`` for a softmax layer (class 0 is the
    reference, so its block is left out).
    """
    return _reference_blocks(problem.n_outputs, problem.n_features, bool(problem.fit_intercept))


@functools.lru_cache(maxsize=8)
def _reference_blocks(m: int, d: int, fit_intercept: bool) -> list[NDArray[np.intp]]:
    """:func:`_reference_index` for a shape, made once (read-only arrays; every fit with
    inference asks for them twice)."""
    blocks = range(1, m) if m > 1 else range(1)
    out = [np.array(_theta_index(m, d, k, fit_intercept), dtype=np.intp) for k in blocks]
    for a in out:
        a.flags.writeable = False
    return out


def _reference_hessian(
    problem: Any, Hp: NDArray[np.float64]
) -> tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """``(idx, H, G)``: the reference-parameterised Hessian ``H = Hp[idx, idx]`` and ``G``.

    ``G`` is the sum of ``H``'s diagonal blocks, one per non-reference class: the
    weighted Gram matrix of the terms (``H`` itself for a sigmoid neuron).
    """
    blocks = _reference_index(problem)
    idx = blocks[0] if len(blocks) == 1 else np.concatenate(blocks)
    H = Hp[idx[:, None], idx]  # one fancy index: np.ix_ costs more than the copy at tiny p
    if len(blocks) == 1:
        return idx, H, H
    p = len(blocks[0])
    with np.errstate(over="ignore"):  # a huge alpha: the covariance says so (_not_finite)
        G = sum(H[k * p : (k + 1) * p, k * p : (k + 1) * p] for k in range(len(blocks)))
    return idx, H, np.asarray(G)


def _unit_scaled(G: NDArray[np.float64]) -> NDArray[np.float64] | None:
    """``G`` scaled to unit diagonal (units do not count); None unless finite with ``diag > 0``."""
    diag = G.diagonal()
    # (NaN fails the first test; the ufuncs' reductions, without the methods' wrappers)
    if not np.minimum.reduce(diag, initial=np.inf) > 0:
        return None
    if not np.logical_and.reduce(np.isfinite(G), axis=None):
        return None
    r = 1.0 / np.sqrt(diag)
    return G * r[:, None] * r


#: Below this mean ``p (1 - p)`` (the intercept's curvature) every fitted probability
#: is 0 or 1 to within about 1e-12: the Hessian's weights have vanished.
SATURATED_CURVATURE = 1e-12


def _saturated(problem: Any, Hp: NDArray[np.float64]) -> str | None:
    """The reason for no standard errors where the fitted probabilities are all 0 or 1.

    With an intercept, its diagonal entry of the (per unit weight) Hessian ``Hp`` is the
    weighted mean of ``p (1 - p)`` over the rows (per class, softmax). Below
    :data:`SATURATED_CURVATURE` the weights of ``X'DX`` are a few rows' rounding
    residue, and the collinearity walk would call every column "a multiple of the
    intercept": true of those weights, false of the data. Decision: say what happened
    instead (a diverged run, or one stopped far out on a flat likelihood), and count no
    term as aliased (no column is). None without an intercept or where ``p (1 - p)``
    has not vanished.
    """
    if not problem.fit_intercept:
        return None
    m = int(problem.n_outputs)
    # (plain floats: the reduction's wrappers cost more than m entries)
    values = [abs(v) for v in np.diagonal(Hp)[-m:].tolist()]
    curvature = math.nan if any(v != v for v in values) else max(values, default=0.0)
    if not curvature < SATURATED_CURVATURE:
        return None
    return (
        f"every fitted probability is 0 or 1 to working precision (mean p (1 - p) = "
        f"{curvature:.1e}), so the Hessian vanishes and the columns cannot be told apart: "
        "the fit diverged (a loss that rose: lower learning_rate, or use "
        "solver='lbfgs') or stopped far out on a flat likelihood"
    )


def _vanishing_curvature(Hp: NDArray[np.float64], ratio: float = 1e-10) -> bool:
    """Whether some diagonal entry of the Hessian (the solver's coordinates) is below
    ``ratio`` times the largest: along that coefficient the fitted probabilities are 0 or 1
    on every row that moves it."""
    diag = np.abs(np.diagonal(Hp))
    top = float(diag.max(initial=0.0))
    return top > 0 and bool((diag < ratio * top).any())


#: A flat direction of the Hessian is the design's (nearly collinear columns), not
#: separation's, where the curvature of the rows that move along it, per unit of their
#: spread, is at least this fraction of the rows' typical curvature
#: (:func:`_flat_is_the_designs`).
DESIGN_FLAT_CURVATURE = 1e-3


def _flat_is_the_designs(
    problem: Any, theta: NDArray[np.float64], ref: Any
) -> tuple[bool, float] | None:
    """Whether every flat direction of the scaled Hessian is the design's, not separation's.

    The Hessian is ``sum_i s_i A_i x~_i x~_i'`` with ``A_i`` the row's curvature
    (``p_i (1 - p_i)``). Along a direction ``v`` it is flat either because the rows'
    linear predictor ``u_i = x~_i . v`` is itself tiny (nearly collinear columns: the
    design's flatness, whatever the weights) or because the rows that move along ``v``
    have curvatures near 0 (separation: fitted probabilities of 0 or 1 on them). The
    ratio ``sum_i s_i A_i u_i^2 / sum_i s_i u_i^2`` tells them apart: it is a weighted
    mean of the rows' curvatures, near their typical value ``a`` (the smallest
    eigenvalue of ``sum_i s_i A_i`` over the non-reference classes: the intercepts'
    curvature) for the design, near 0 for separation. Every direction of the scaled
    reference Hessian with an eigenvalue below ``1 / FLAT_HESSIAN_COND`` of the largest
    is measured, in one pass over the rows (the engine's ``direction_curvature``: the
    rows need not be in memory, which the separation LPs need); the design's where its
    ratio is at least :data:`DESIGN_FLAT_CURVATURE` times ``a``.

    Returns ``(answer, smallest ratio / a)``; None where it cannot be told (no such
    pass on the engine, a coefficient without curvature, or every probability 0 or 1).
    """
    measure = getattr(problem.engine, "direction_curvature", None)
    idx, H, _ = ref
    diag = H.diagonal()
    if measure is None or not (diag > 0).all() or not np.isfinite(H).all():
        return None
    r = 1.0 / np.sqrt(diag)
    vals, vecs = np.linalg.eigh(H * r[:, None] * r)
    flat = vals <= vals[-1] / _separation.FLAT_HESSIAN_COND
    if not flat.any():
        return None
    m, d = problem.n_outputs, problem.n_features
    q = int(flat.sum())
    V, c = np.empty((q, m, d)), np.empty((q, m))
    for j, u in enumerate((vecs[:, flat] * r[:, None]).T):
        t = np.zeros(problem.n_params)
        t[idx] = u  # the reference class's block (softmax) stays 0
        V[j], c[j] = problem.to_raw(t)  # linear in t: the direction on the raw scale
    W, b = problem.to_raw(theta)
    curvature, spread, A = measure(W, b, V, c)
    typical = float(A[0, 0] if m == 1 else np.linalg.eigvalsh(A[1:, 1:])[0])
    if not typical > SATURATED_CURVATURE:
        return None
    # a direction along which no row moves (spread 0) is the design's too
    ratio = np.divide(curvature, spread, out=np.full(q, np.inf), where=spread > 0) / typical
    worst = float(ratio.min())
    return worst >= DESIGN_FLAT_CURVATURE, worst


def _the_designs(
    problem: Any,
    theta: NDArray[np.float64],
    ref: Any,
    cond: float | None,
    Hp: NDArray[np.float64] | None,
    n_rows: int,
) -> bool | None:
    """Whether a flat Hessian whose separation check could not run (rows not in memory,
    or an LP too large) is the design's flatness (True: no sign of separation) or
    separation's (False: rows fitted with probabilities 0 or 1 along a flat direction),
    by :func:`_flat_is_the_designs`. None where that cannot be told: the scaled Hessian
    is not itself flat (some coefficient's curvature has vanished, which a constant
    column's also does), there are no more rows than parameters (some direction then
    separates almost surely), or the pass cannot be made."""
    if Hp is None or ref is None or not _separation.hessian_is_flat(cond):
        return None
    if _vanishing_curvature(Hp) or n_rows <= problem.n_params:
        return None
    told = _flat_is_the_designs(problem, theta, ref)
    return None if told is None else told[0]


def scaled_condition(
    problem: Any, Hp: NDArray[np.float64], at_most: float = 0.0, ref: Any = None
) -> float:
    """Condition number of the reference-parameterised Hessian scaled to unit diagonal.

    Units do not count; the softmax's flat directions are left out (class 0 is the
    reference). ``inf`` for a singular Hessian. With ``at_most > 0`` a bound no
    larger than ``at_most`` may come back instead of the number itself (from
    Gershgorin's discs, without the eigenvalues): enough for a caller that only
    compares it with ``at_most`` or more. ``ref``: :func:`_reference_hessian`'s answer
    where the caller has it.
    """
    C = _unit_scaled((ref or _reference_hessian(problem, Hp))[1])
    if C is None:
        return np.inf
    if at_most > 0:  # eigenvalues of a unit-diagonal C lie within 1 -+ its largest off-row sum
        r = float(np.maximum.reduce(np.add.reduce(np.abs(C), axis=1))) - 1.0  # (max of row sums)
        if r < 1.0 and (1.0 + r) / (1.0 - r) <= at_most:
            return (1.0 + r) / (1.0 - r)
    vals = np.linalg.eigvalsh(C)
    return float(vals[-1] / vals[0]) if vals[0] > 0 else np.inf


def separation_fixes(est: Any, K: int) -> tuple[str, str | None]:
    """The remedies for separation as they must be written for ``est``: ``alpha > 0``, and
    (binary) ``firth=True``, each with the settings of ``est`` it cannot go with (a robust
    ``cov_type`` is for unpenalised fits and Firth reports the inverse information; Firth
    runs its own Newton iteration, without ``record_path`` or ``warm_start``).

    Examples
    --------
    >>> from oneneuron.stats import separation_fixes
    >>> from types import SimpleNamespace
    >>> est = SimpleNamespace(cov_type="HC1", solver="auto", record_path=False, warm_start=False)
    >>> separation_fixes(est, 2)
    ("alpha > 0 with cov_type='nonrobust'", "firth=True with cov_type='nonrobust'")
    """
    robust = (
        ["cov_type='nonrobust'"] if getattr(est, "cov_type", "nonrobust") != "nonrobust" else []
    )
    alpha = "alpha > 0" + (f" with {robust[0]}" if robust else "")
    if K != 2:
        return alpha, None
    needs = list(robust)
    if getattr(est, "solver", "auto") != "auto":
        needs.append("solver='auto'")
    needs += [f"{k}=False" for k in ("record_path", "warm_start") if getattr(est, k, False)]
    return alpha, "firth=True" + (f" with {', '.join(needs)}" if needs else "")


def _separation_fix_text(est: Any, K: int) -> str:
    """``separation_fixes`` joined: "alpha > 0 or firth=True" for a plain fit."""
    alpha, firth = separation_fixes(est, K)
    return alpha if firth is None else f"{alpha} or {firth}"


def compute_inference(
    est: Any,
    problem: Any,
    result: Any,
    s: NDArray[np.float64],
    y_idx: NDArray[np.intp],
    mode: Any,
    offset: NDArray[np.float64] | None = None,
    cluster: Any = None,
    class_sums: NDArray[np.float64] | None = None,
    raw: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> InferenceResult:
    """Likelihood statistics always; separation diagnosis; covariance when ``mode`` allows.

    ``class_sums``, the classes' summed weights ``bincount(y_idx, weights=s)``, saves
    that count where the caller has it (:class:`~oneneuron.engines.FitData` does);
    ``raw``, ``problem.to_raw(result.theta)``, saves that map likewise.

    The separation check is made for unpenalised fits whose d-sized facts look
    suspicious (:func:`~oneneuron.stats._separation.looks_suspicious`, or a nearly
    singular scaled Hessian: a rare level all of one class keeps a small standardised
    coefficient): first the fitted logits (one pass; a proof of complete separation),
    then, only when the Hessian is unknown or nearly singular, the LPs. An ordinary
    fit pays the scaled Hessian's eigenvalues (p x p; binary fits share them with
    the conditioning note).

    A robust ``est.cov_type`` forces the Hessian pass (whatever ``mode`` says,
    except False, which the estimator refuses with it) and replaces the
    covariance by its sandwich (:func:`~oneneuron.stats._robust.sandwich`, one
    more pass). With an ``offset`` the null model is intercept plus offset.
    """
    cov_type = getattr(est, "cov_type", "nonrobust")
    if cov_type != "nonrobust":
        mode = True
    m, d, K = problem.n_outputs, problem.n_features, len(est.classes_)
    S = float(s.sum())  # the methods: less overhead than np.sum at a few hundred rows
    theta = result.theta
    data_loss = result.loss - problem._penalty(theta)
    llf = -S * data_loss
    counts = np.bincount(y_idx, weights=s, minlength=K) if class_sums is None else class_sums
    weighted = bool(counts.min() > 0)  # every class has weight (NaN fails): no masks
    pos = counts if weighted else counts[counts > 0]
    llnull = math.fsum(c * math.log(c / S) for c in pos.tolist())  # K numbers: no arrays
    if offset is not None:
        y01 = (np.asarray(y_idx) == 1).astype(np.float64)
        llnull = null_log_likelihood_with_offset(y01, s, offset)
    terms = term_names(d, model_columns(est, d), est.fit_intercept)
    W, b = problem.to_raw(theta) if raw is None else raw  # float64 even when coef_ is float32
    full = np.concatenate([b[:, None], W], axis=1) if est.fit_intercept else W
    coef = full if m == 1 else full[1:] - full[0]
    out = InferenceResult(
        terms=terms,
        classes=np.asarray(est.classes_).tolist(),
        coef=coef,
        cov=None,
        log_likelihood=float(llf),
        null_log_likelihood=llnull,
        nobs=S,
        alpha=float(est.alpha),
        cov_type=cov_type,
    )
    out.extra["fit_intercept"] = bool(est.fit_intercept)
    out.extra["offset"] = offset is not None
    if not result.converged:  # the caption says so (a converged fit's record is unchanged)
        out.extra["converged"] = False
    if not est.fit_intercept:
        out.extra["zero_log_likelihood"] = zero_log_likelihood(y_idx, s, K, offset)
    # rows out of core: y_idx and s are the classes and their sums (FitData.class_counts)
    rows = len(s) == problem.engine.n_samples and s is not class_sums
    fingerprint = data_fingerprint(y_idx, s, K, offset, class_sums=counts) if rows else None
    out.extra["data"] = fingerprint or {"class_sums": counts.tolist()}
    empty = [] if weighted else [c for c, n in zip(out.classes, counts, strict=True) if not n > 0]
    if empty:  # K > 2 (fewer than two classes of weight is refused before the fit)
        out.separation = "not checked"
        out.reason = (
            f"class {empty[0]!r} has no rows of positive weight (sample_weight times "
            "class_weight), so its coefficients have no maximum-likelihood estimate (its "
            "logits run to -inf): fit on the rows of the other classes, without its label"
        )
        return out
    # ---- the Hessian, when free (Newton's last pass) or wanted for the covariance
    cost = problem.engine.n_samples * (m * (d + 1)) ** 2
    last = problem.last if isinstance(problem, HessianRecorder) else None
    want = mode is True or (mode == "auto" and cost <= AUTO_INFERENCE_MAX_COST)
    Hp = None
    if last is not None and (  # the solution itself, or a copy of it
        last[0] is theta or (last[0].shape == theta.shape and bool((last[0] == theta).all()))
    ):
        Hp = last[1]
    elif want:
        Hp = problem.gradient_hessian(theta)[2]
    if Hp is not None and hasattr(problem, "unheld"):  # flat columns held at 0: their
        Hp = problem.unheld(Hp)  # true (zero) curvature, which names them constant below
    ref = None if Hp is None else _reference_hessian(problem, Hp)  # made once, read twice
    # ---- separation, only for unpenalised fits that look suspicious
    out.separation = "none" if est.alpha == 0 else "not checked"
    Wp, _ = problem.unpack(theta)
    # rows of positive weight; unit weights come as one broadcast value (stride 0): all rows
    positive = len(s) if s.strides[0] == 0 and s[0] > 0 else int(np.count_nonzero(s > 0))
    if not rows:  # s holds the classes' sums (rows out of core): count the rows, not them
        positive = int(problem.engine.n_samples)
    suspicious = _separation.looks_suspicious(
        Wp,
        result.converged,
        loss=data_loss,
        n_rows=positive,
        n_params=problem.n_params,
    )
    looks = suspicious  # from the coefficients and the fit (not only a flat Hessian)
    cond = None
    if est.alpha == 0 and not suspicious and Hp is not None:
        # a rare level all of one class keeps a small standardised coefficient (the
        # indicator's spread is small) but flattens the Hessian along its column: the
        # curvature is the second trigger (exactly collinear columns pass it too; the LP
        # then finds no separation and the covariance step names them)
        cond = scaled_condition(problem, Hp, at_most=_separation.FLAT_HESSIAN_COND, ref=ref)
        suspicious = _separation.hessian_is_flat(cond)  # a bound below the threshold: not flat
    if est.alpha == 0 and suspicious:
        if cond is None and Hp is not None:
            cond = scaled_condition(problem, Hp, ref=ref)
        # the LP also runs when the fit did not converge, or when some coefficient's
        # curvature has all but vanished: unit-diagonal scaling (the condition number's)
        # hides a uniformly flat block, e.g. a softmax class of one separable row
        run_lp = (
            _separation.hessian_is_flat(cond)
            or not result.converged
            or (Hp is not None and _vanishing_curvature(Hp))
        )
        sep = _diagnose(problem, theta, y_idx, s, K, est.fit_intercept, run_lp)
        # huge coefficients (or no convergence) on a flat likelihood: separated, most likely
        # (a flat Hessian alone may be collinear columns: the covariance step names them)
        flat = Hp is not None and (_separation.hessian_is_flat(cond) or _vanishing_curvature(Hp))
        if sep is None:
            out.separation = "not checked"
        told = _the_designs(problem, theta, ref, cond, Hp, positive) if sep is None else None
        if told and result.converged:  # every flat direction is the design's (collinear
            # columns): separation, which flattens the Hessian along its own direction
            # as the fit runs off along it, is not there; "none", as the LP finds where
            # it can run (a fit stopped short may not have flattened it yet)
            out.separation = "none"
        if looks and told:  # nearly collinear columns, not separation: the covariance
            flat = False  # step forms their standard errors (from the design's QR factor)
        elif told is False:  # separation's flat direction, though no coefficient is big
            looks = True  # (a rare level all of one class keeps a small one)
        if sep is None and looks and flat:  # the LP that would decide cannot run
            streamed = getattr(problem.engine, "X", None) is None
            why = (
                "it needs the rows in memory (NumPy/SciPy input), not torch/Dask arrays"
                if streamed
                else f"its linear program would be too large (rows * (classes - 1) * "
                f"terms above {_separation.MAX_LP_SIZE:.0e})"
            )
            fix = _separation_fix_text(est, K)
            largest = float(np.max(np.abs(Wp), initial=0.0))
            msg = (
                "the fit looks separated but the check could not run: "
                f"{why}. The largest standardised coefficient is {largest:.3g} and the "
                "likelihood is nearly flat along some direction: standard errors would be "
                f"meaningless; use {fix} for finite, unique estimates"
            )
            warnings.warn(msg, SeparationWarning, stacklevel=user_stacklevel())
            out.reason = f"the fit looks separated (not checked: {why}); use {fix}"
            return out
        if sep is not None:
            out.separation = sep.kind
            if sep.kind != "none":
                msg = _separation.describe(sep, terms, out.classes)
                alpha_fix, firth_fix = separation_fixes(est, K)
                msg = msg.replace("Use alpha > 0 for", f"Use {alpha_fix} for")
                if firth_fix is not None:
                    msg = msg.replace("or firth=True for", f"or {firth_fix} for")
                warnings.warn(msg, SeparationWarning, stacklevel=user_stacklevel())
                fix = _separation_fix_text(est, K)
                out.reason = f"{msg.split(':')[0]}; use {fix}"
                out.extra["separated_rows"] = sep.n_separated
                return out
    if est.alpha > 0 and mode is not False and Hp is not None and _separation.big_coefficients(Wp):
        # a penalised fit with huge standardised coefficients and standard errors to
        # report: where the classes are separated, the penalty alone keeps the estimates
        # finite, and as alpha falls they and their standard errors grow with it (Wald
        # p-values of a separating column near 1): the estimates are the penalty's, not
        # the data's. The LP decides. (A fit without standard errors, e.g. a ridge on
        # more columns than rows with inference=False, is not checked: there a finite
        # estimate is all that alpha is asked for.)
        sep = _diagnose(problem, theta, y_idx, s, K, est.fit_intercept, True)
        if sep is not None:
            out.separation = sep.kind
        if sep is not None and sep.kind != "none":
            firth = ", or firth=True (with alpha=0) for Firth's estimates with p-values"
            msg = _separation.describe(sep, terms, out.classes, alpha=float(est.alpha))
            warnings.warn(
                msg + f"; use a larger alpha{firth * (K == 2)}",
                SeparationWarning,
                stacklevel=user_stacklevel(),
            )
            out.extra["separated_rows"] = sep.n_separated
    # df_resid: nobs less the effective degrees of freedom, whose trace needs the
    # diagonal of Hp's inverse: a binary fit's covariance below is that inverse, so the
    # trace waits for it (at p = 2000 the inversion was a fifth of the fit's time)
    share: dict[str, Any] | None = (
        {} if mode is not False and Hp is not None and problem.n_outputs == 1 else None
    )
    if est.alpha > 0 and share is None:
        edf = effective_df(problem, Hp, theta)
        elastic = float(getattr(est, "l1_ratio", 0.0) or 0.0) > 0
        if edf is None and Hp is None and problem.alpha > 0 and elastic:  # an elastic
            # net (L1 fits form no covariance): its trace over the kept columns needs
            # the Hessian, one pass where inference allows it; else the rank of the kept
            # terms, which the L2 term's shrinkage only lowers (an upper bound, R's
            # glmnet's df). A ridge fit without its Hessian keeps no edf: k counts every
            # term (its K-block softmax count, 619 for digits' 585 terms, was above it)
            allowed = est.inference is True or (
                est.inference == "auto" and cost <= AUTO_INFERENCE_MAX_COST
            )
            if allowed:
                edf = effective_df(problem, problem.gradient_hessian(theta)[2], theta)
            if edf is None:
                edf = effective_df(problem, None, theta, active_set=True)
        if edf is not None:
            out.extra["edf"] = edf
    # ---- covariance
    if mode is False:
        out.reason = "inference=False was set; refit with inference=True"
        return out
    if Hp is None:
        out.reason = (
            f"inference='auto' skipped the Hessian pass (n * p^2 = {cost:.3g} > "
            f"{AUTO_INFERENCE_MAX_COST:.0e}); refit with inference=True"
        )
        return out
    message = str(getattr(result, "message", "") or "")
    if message.startswith("diverged"):  # a descent that ran away: its point is no optimum,
        # and the curvature weights there vanish on most rows, so the collinearity walk
        # would call columns aliased and move coef_ onto a refit without them
        what = message.split(";")[0].removeprefix("diverged: ").removeprefix("diverged")
        out.reason = _saturated(problem, Hp) or (
            f"the fit diverged ({what}): its coefficients are where the descent stopped, "
            "not the maximum likelihood ones, so standard errors are refused; lower "
            "learning_rate, or use solver='lbfgs'"
        )
        return out
    known = cond if problem.n_outputs == 1 else None  # binary: the same scaled matrix
    kept, near, found = None, "", None
    # every probability 0 or 1 (a diverged fit): no column is aliased, whatever the
    # vanished weights say; _covariance gives the reason
    saturated = _saturated(problem, Hp) is not None
    # columns nearly collinear beside aliased ones: which are aliased, the reduced fit and
    # its covariance from the weighted design's QR factor, not from X'DX, which squares
    # the design's condition number (the Gram's walk calls x + 1e-8 * noise a
    # combination of x, and Newton on X'DX cannot resolve their difference)
    qr = bool(result.extra.get("qr_steps") or result.extra.get("qr_aliased"))
    qr = qr and hasattr(problem, "hessian_root")
    if est.alpha == 0 and not saturated:  # aliased terms (R's NA): the fit without them
        found = _aliased(problem, Hp, S, terms, known, ref, qr=qr, theta=theta)
        if found is not None:
            kept, dependent, named = found
            reduced = drop_aliased(problem, theta, Hp, kept, dependent, qr=qr)
            drop = S * (reduced[2] - data_loss)  # log-likelihood lost by the reduced fit
        if found is not None and drop > NEARLY_ALIASED_LLF * max(1.0, abs(llf)):
            # the combination is exact only to the Gram's precision: the column carries
            # what the Hessian cannot resolve, so none is called aliased (the refusal below)
            near = (
                f" (nearly: the fit without {'them' if len(dependent) > 1 else 'it'} is "
                f"{drop:.3g} lower in log-likelihood, so it is not dropped as aliased)"
            )
            kept = None
        elif found is not None:
            theta, Hp, loss = reduced
            result.theta, result.loss = theta, loss  # the caller stores them (coef_)
            out.log_likelihood = -S * loss
            W, b = problem.to_raw(theta)
            full = np.concatenate([b[:, None], W], axis=1) if est.fit_intercept else W
            out.coef = full if m == 1 else full[1:] - full[0]
            ref = _reference_hessian(problem, Hp)
            out.extra["aliased_terms"] = [j for j, _, _ in dependent]
            out.extra["aliased_note"] = "; ".join(named)
    Hc = Hp
    held_theta = getattr(problem, "_held_theta", None)
    if est.alpha > 0 and held_theta is not None:  # held (constant) columns: decoupled in
        # Hp, and of curvature 0 where unpenalised (penalty_factor 0); no raw coefficient
        # reads them, so any positive curvature gives the others' covariance
        Hc = Hp.copy()
        Hc[held_theta, held_theta] = np.where(
            Hc[held_theta, held_theta] > 0, Hc[held_theta, held_theta], 1.0
        )
        ref = _reference_hessian(problem, Hc)
    # nearly collinear columns that Newton solved from the weighted design's QR factor
    # (its last step): the covariance from that factor too, not from inverting X'DX,
    # which squares its condition number (one more pass)
    root, kept_factor = None, {}
    if est.alpha == 0 and kept is None and not saturated and result.extra.get("qr_last"):
        root = problem.hessian_root(theta, raw=True) if hasattr(problem, "hessian_root") else None
    if kept is not None and qr:  # the reduced fit's factor (its kept columns' covariance)
        root = problem.hessian_root(theta, raw=True)
    out.cov, out.reason, note, aliased = _covariance(
        problem,
        Hc,
        S,
        terms,
        est.alpha,
        known,
        ref=ref,
        share=share,
        kept=kept,
        full_rank=est.alpha == 0 and found is None and not saturated,  # the walk found none
        root=root,
        factor=kept_factor,
    )
    out.cov_root = kept_factor.get("cov_root")
    if near and out.cov is None and "singular" in out.reason:
        out.reason = out.reason.replace("; drop the redundant", f"{near}; drop the redundant", 1)
    if est.alpha > 0 and share is not None:
        edf = effective_df(problem, Hp, theta, inv_diag=share.get("inv_diag"))
        if edf is not None:
            out.extra["edf"] = edf
    if out.cov is None:  # "set alpha > 0", with what it cannot go with (a robust cov_type)
        out.reason = out.reason.replace("set alpha > 0", f"set {separation_fixes(est, K)[0]}")
    if note:
        out.extra["note"] = note
    held = getattr(problem, "_held", None)
    if est.alpha > 0 and held is not None and out.cov is not None:
        # constant columns beside the intercept, held at exactly 0 by every fit: aliased
        # at any alpha (NA; the map to the raw scale gives them no variance)
        at = [int(j) + 1 for j in held]
        aliased = len(at)
        out.extra["aliased_terms"] = at
        zeros = zero_columns(problem, terms)
        out.extra["aliased_note"] = "; ".join(
            f"column {terms[j]!r} is "
            + (
                "zero in every row (a level, or a combination of levels, no row has)"
                if terms[j] in zeros
                else "constant (a multiple of the intercept)"
            )
            for j in at
        )
    if aliased:  # k of AIC and BIC: the rank, as statsmodels and R count it
        out.extra["aliased"] = aliased
    k = 0 if out.cov is None else out.cov.shape[0] - out.n_blocks * aliased  # the rank
    if k and cov_type in ("HC1", "cluster") and S <= k:  # N / (N - k): no value
        factor = "N / (N - k)" if cov_type == "HC1" else "(N - 1) / (N - k)"
        out.cov, out.cov_root = None, None
        out.reason = (
            f"cov_type={cov_type!r} scales by {factor}, which needs "
            f"more observations than parameters, but the sample weights (frequency weights) "
            f"sum to N = {S:.6g} and the model has k = {k} parameters; use cov_type='HC0' "
            "(no such factor), or weights that count rows"
        )
    if out.cov is not None and cov_type != "nonrobust":
        groups, n_groups = (None, 0)
        if cluster is not None:
            # the rows' weights as the engine holds them (out of core, or on a device)
            weights = getattr(problem.engine, "row_weights", s)
            groups, n_groups = encode_clusters(cluster, problem.engine.n_samples, weights)
            out.extra["n_clusters"] = n_groups
        # nearly collinear columns (the bread from the weighted design's QR factor): the
        # sandwich as factors too, from the bread's (its meat, formed as the scores'
        # outer products, would square the design's condition number: no digit left
        # along the columns' difference)
        out.cov, out.cov_root = sandwich(
            problem.engine,
            W,
            b,
            out.cov,
            cov_type=cov_type,
            fit_intercept=est.fit_intercept,
            nobs=S,
            groups=groups,
            n_groups=n_groups,
            root=out.cov_root,
        )
    return out


def _aliased(
    problem: Any,
    Hp: NDArray[np.float64],
    S: float,
    terms: list[str],
    cond: float | None,
    ref: Any,
    qr: bool = False,
    theta: NDArray[np.float64] | None = None,
) -> tuple[list[int], list[tuple[int, Any, list[int]]], list[str]] | None:
    """``(kept, dependent, named)`` of an unpenalised fit's terms, None at full rank.

    Which terms are aliased is decided as R's ``glm`` decides it (its pivoted QR):
    the terms are walked in order (intercept first), and a term that is a linear
    combination of the earlier kept ones (weighted ``R^2 > 1 - COLLINEAR_TOL``) is
    aliased, so of a dependent set the LATER column is the one reported as NA
    (:func:`_dependence`). ``named``: :func:`dependent_terms`' sentences.
    """
    if cond is not None and cond <= 0.01 / COLLINEAR_TOL:  # proven full rank (_covariance)
        return None
    G = S * (ref or _reference_hessian(problem, Hp))[2]
    kept, dependent = _dependence(G)
    if not dependent:
        return None
    if qr and theta is not None:  # the solver met an ill-conditioned Hessian: the factor
        # decides (the Gram's walk also calls nearly collinear columns combinations)
        found = _root_dependence(problem, problem.hessian_root(theta))
        if found is not None:
            kept, dependent = found
            if not dependent:
                return None
    zeros = zero_columns(problem, terms)
    return kept, dependent, dependent_terms(G, terms, problem.fit_intercept, dependent, zeros)


def drop_aliased(
    problem: Any,
    theta: NDArray[np.float64],
    Hp: NDArray[np.float64],
    kept: list[int],
    dependent: list[tuple[int, Any, list[int]]],
    max_iter: int = 20,
    qr: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """The maximum-likelihood fit of the model without the aliased terms, from ``theta``:
    ``(theta, Hp, loss)`` there (``Hp`` the true Hessian, ``loss`` the mean data loss).

    Each aliased term ``j`` is a combination ``x_j = sum_i c_i x_i`` of kept terms (on
    the standardised scale, intercept as a column of ones; :func:`_dependence`), so
    moving its coefficient onto theirs (``theta_i += c_i theta_j``, then
    ``theta_j = 0``, in every class's block) leaves the linear predictor where it was:
    the solver's point, written in the reduced model. Newton steps on the kept terms
    (the reference blocks; class 0's block is held, as the contrasts need) then finish
    the reduced fit where the combination was exact only to ``COLLINEAR_TOL``. An aliased
    term's raw coefficient is then exactly 0, as R's ``predict`` takes its NA. ``qr``:
    the steps from the weighted design's QR factor (:func:`least_squares_step` on the
    kept terms' columns of :meth:`~oneneuron.objective.LinearLoss.hessian_root`, one more
    pass each), for kept columns too nearly collinear for ``X' D X``.
    """
    m, d, fi = problem.n_outputs, problem.n_features, bool(problem.fit_intercept)
    G = _reference_hessian(problem, Hp)[2]
    diag = G.diagonal()
    r = np.where(diag > 0, 1.0 / np.sqrt(np.where(diag > 0, diag, 1.0)), 0.0)
    theta = np.array(theta, dtype=np.float64, copy=True)
    for k in range(m):
        pos = np.asarray(_theta_index(m, d, k, fi), dtype=np.intp)
        for j, c, then in dependent:
            if c is not None and then:  # (a zero or held column has nothing to move)
                theta[pos[then]] += theta[pos[j]] * (c * r[then] / r[j])
            theta[pos[j]] = 0.0
    blocks = _reference_index(problem)
    free = np.concatenate([b[kept] for b in blocks])
    unheld = getattr(problem, "unheld", None)
    f, g, H = problem.gradient_hessian(theta)
    for _ in range(max_iter):
        # the step on the unit-diagonal scale (the same step): raw coordinates
        # (standardize=False) put diagonals 1e8 apart, and scipy warned of the rcond
        Hf = H[np.ix_(free, free)]
        hd = Hf.diagonal()
        u = np.where(hd > 0, 1.0 / np.sqrt(np.where(hd > 0, hd, 1.0)), 1.0)
        try:
            if qr:  # (the step of least_squares_step is -H^-1 g; this loop subtracts it)
                step = -least_squares_step(problem.hessian_root(theta)[:, free], g[free])[0]
            else:
                step = u * scipy.linalg.solve(Hf * u[:, None] * u, u * g[free], assume_a="pos")
        except (np.linalg.LinAlgError, ValueError):
            break
        if not np.all(np.isfinite(step)):
            break
        if np.max(np.abs(step)) <= 1e-12 * max(1.0, float(np.max(np.abs(theta[free])))):
            break
        t = 1.0
        for _ in range(10):  # halving until the loss does not rise (rounding allowed)
            trial = theta.copy()
            trial[free] -= t * step
            ft, gt, Ht = problem.gradient_hessian(trial)
            if ft <= f + 1e-14 * abs(f):
                break
            t *= 0.5
        else:
            break
        theta, f, g, H = trial, ft, gt, Ht
        if t == 1.0 and np.max(np.abs(step)) <= 1e-9 * max(1.0, float(np.max(np.abs(theta)))):
            break  # quadratic convergence: the next step is below rounding
    H = unheld(H) if unheld is not None else H
    return theta, H, float(f)


def _covariance(
    problem: Any,
    Hp: NDArray[np.float64],
    S: float,
    terms: list[str],
    alpha: float,
    cond: float | None = None,
    ref: Any = None,
    share: dict[str, Any] | None = None,
    kept: list[int] | None = None,
    full_rank: bool = False,
    root: NDArray[np.float64] | None = None,
    factor: dict[str, Any] | None = None,
) -> tuple[NDArray[np.float64] | None, str, str, int]:
    """Reference-parameterised raw-scale covariance from the standardised Hessian ``Hp``.

    Returns ``(cov, reason, note, aliased)``: ``cov`` None with the ``reason`` when the
    Hessian is singular or not finite; for an unpenalised fit ``note`` is
    :func:`conditioning_note`'s warning about nearly collinear terms ("" if none) and
    ``aliased`` the number of terms that are linear combinations of others (the
    design's rank deficiency, which AIC and BIC leave out of the parameter count).
    ``ref``: :func:`_reference_hessian`'s answer where the caller has it. ``share``: a
    dict that receives ``inv_diag``, the diagonal of ``Hp^-1`` in ``theta``'s order,
    where the inverse formed here is that of ``Hp`` (binary fits), for
    :func:`effective_df`. ``kept``: the terms that are not aliased (:func:`_aliased`),
    whose covariance alone is formed; ``full_rank``: the caller's walk found no
    dependent term, so it is not walked again. ``root``: a square root ``F`` of the raw
    Hessian (``F' F``, the QR factor of the weighted design in the raw layout:
    :meth:`~oneneuron.objective.LinearLoss.hessian_root`) for an unpenalised fit whose
    columns are nearly collinear: the covariance then comes from ``F``
    (:func:`_root_inverse`) on the raw scale, as R's glm forms it (the map from the
    standardised scale adds terms of the size of the collinear columns' variances to
    the intercept's, and the intercept's variance lost 1e-4 of itself to their
    cancellation), unless ``F`` is itself singular; ``factor`` (a dict) then receives
    ``cov_root``, the covariance's factor ``L`` (``cov = L L'``, see
    :attr:`~oneneuron.stats.InferenceResult.cov_root`).
    """
    idx, H, G = ref or _reference_hessian(problem, Hp)
    with np.errstate(over="ignore"):  # a huge alpha: told below (_not_finite)
        H = S * H
    if kept is not None:  # aliased terms (:func:`drop_aliased`): the kept terms' inverse,
        # zero rows and columns for the others (the table shows them as NA)
        return _reduced_covariance(problem, idx, H, G, terms, kept, root, factor, S)
    Rinv, ratio = None, float("nan")
    if root is not None and alpha == 0:
        Rinv, ratio = _root_inverse(root[:, idx])
    if Rinv is not None:  # nearly collinear columns, resolved by the design's factor
        # (raw layout: the positions idx of theta's terms are those of the raw terms)
        L = Rinv / np.sqrt(S)
        if factor is not None:
            factor["cov_root"] = L
        return L @ L.T, "", conditioning_note(G, terms), 0
    # a known condition number of G scaled to unit diagonal (``cond``, binary fits) of
    # at most 1 / (100 COLLINEAR_TOL) proves full rank without the walk: that matrix's
    # largest eigenvalue is at least 1 (its mean), so its smallest is at least 1 / cond,
    # and every Cholesky pivot of the walk, L_jj^2, is at least the smallest eigenvalue
    # (a factor here is singular on the raw scale: the caller's walk, on the solver's
    # factor, proves nothing about these columns)
    full_rank = (full_rank and root is None) or (cond is not None and cond <= 0.01 / COLLINEAR_TOL)
    if alpha == 0 and not full_rank:
        found = dependent_terms(
            S * G, terms, problem.fit_intercept, zeros=zero_columns(problem, terms)
        )
        saturated = _saturated(problem, Hp) if found else None
        if saturated is not None:
            return None, saturated, "", 0
        if found and root is not None:  # the solver's factor was of full rank
            return None, _raw_factor_singular(ratio, found, problem.fit_intercept), "", 0
        if found:
            return (
                None,
                f"the Hessian is singular: {'; '.join(found)}; drop the redundant "
                f"{noun(len(found), 'column')} or set alpha > 0",
                "",
                len(found),
            )
    if not np.isfinite(H).all():
        return None, _not_finite(alpha, S, getattr(problem, "penalty_factor", None)), "", 0
    # terms the penalty does not reach that are dependent among themselves are not
    # identified, though rounding may leave the Hessian's Cholesky factor a tiny pivot
    # (standard errors of 1e6 and more, not a refusal)
    why = _unpenalised_dependence(problem, G, terms, alpha)
    if why:
        return None, why, "", 0
    c, info = dpotrf(H, lower=0, clean=0)  # LAPACK directly: scipy's wrappers cost more
    if info != 0:  # at tiny p than the factorisation and the solves themselves
        return (
            None,
            _unpenalised_dependence(problem, G, terms, alpha)
            or f"the Hessian is not positive definite (its {info}-th leading minor is not); "
            "set alpha > 0",
            "",
            0,
        )
    cov_std, _ = dpotrs(c, _identity(len(idx)), lower=0)  # H^-1, symmetrised below
    if share is not None and problem.n_outputs == 1 and len(idx) == Hp.shape[0]:
        inv_diag = np.empty(len(idx))
        inv_diag[idx] = S * np.diagonal(cov_std)  # H = S Hp[idx, idx]
        share["inv_diag"] = inv_diag
    if alpha > 0 and problem.n_outputs > 1:  # penalised softmax: all K blocks, not K - 1
        cov_std = _penalised_contrast_covariance(problem, S * Hp)
        if cov_std is None:
            why = _unpenalised_dependence(problem, G, terms, alpha)
            return None, why or "the Hessian is not positive definite; set a larger alpha", "", 0
    T = _reference_jacobian(problem, idx)
    cov = T @ cov_std @ T.T
    note = conditioning_note(G, terms, cond=cond) if alpha == 0 else ""
    return 0.5 * (cov + cov.T), "", note, 0


def _root_inverse(F: NDArray[np.float64]) -> tuple[NDArray[np.float64] | None, float]:
    """``(R^-1, ratio)`` for the triangular ``R`` of a QR factor of ``F``, so that
    ``(F' F)^-1 = R^-1 R^-T`` without forming ``F' F``; ``R^-1`` None where ``F`` is
    singular to working precision. ``ratio``: the smallest singular value of ``F`` with
    unit-norm columns over its largest (NaN where ``F`` is not finite or has a zero
    column), what the refusal reports.

    ``F' F = R' R``, so the inverse is ``R^-1 R^-T``: its error goes with ``F``'s
    condition number (the design's: 1e8 for columns equal to 1e-8 relative), where
    inverting ``F' F`` goes with its square
    (1e16: every digit of float64). Singular means, as for the fit's step
    (:data:`~oneneuron.objective.ALIAS_TOL`), a relative singular value of ``F`` with
    unit-norm columns at most that tolerance: such columns are aliased, not merely
    ill-conditioned.
    """
    if not np.isfinite(F).all():
        return None, float("nan")
    R = np.linalg.qr(F, mode="r")
    c = np.sqrt(np.einsum("ij,ij->j", R, R))  # F's column norms (R keeps them)
    if not (c > 0).all():
        return None, float("nan")
    sv = np.linalg.svd(R / c, compute_uv=False)
    ratio = float(sv[-1] / sv[0])
    if not ratio > ALIAS_TOL:
        return None, ratio
    return scipy.linalg.solve_triangular(R, np.eye(R.shape[0])), ratio


def _raw_factor_singular(ratio: float, found: list[str], fit_intercept: bool) -> str:
    """The refusal where Newton solved the fit from a QR factor of the weighted design at
    full rank (its coordinates: standardised, centred where there is an intercept) but
    that factor on the columns' own scale, the covariance's (:func:`_root_inverse`), is
    singular to working precision: ``found`` (:func:`dependent_terms`) names the
    columns, ``ratio`` the factor's smallest relative singular value."""
    measured = f"{ratio:.2g}, at most {ALIAS_TOL:g}" if np.isfinite(ratio) else "not finite"
    centre = ", centre the columns (subtract their means) before the fit" * fit_intercept
    return (
        "the weighted design is singular to working precision on the columns' own "
        "scale, where the standard errors are formed (as R's glm forms them: its QR "
        f"factor's smallest relative singular value is {measured}), though the fit "
        "solved it at full rank in its standardised coordinates; there the columns are "
        f"collinear to working precision: {'; '.join(found)}; drop the redundant "
        f"{noun(len(found), 'column')} or re-express them{centre}, or set alpha > 0"
    )


def _unpenalised_dependence(
    problem: Any, G: NDArray[np.float64], terms: list[str], alpha: float
) -> str:
    """Why a penalised fit's Hessian is singular where it is so among the terms that
    ``alpha`` does not reach (the intercept and the columns of ``penalty_factor`` 0): a
    flat prior leaves a linear combination of them unidentified. "" otherwise."""
    pw = getattr(problem, "_pw", None)
    if not alpha > 0 or pw is None or not np.any(pw == 0):
        return ""
    fi = bool(problem.fit_intercept)
    free = ([0] if fi else []) + [j + fi for j in np.flatnonzero(pw == 0)]
    found = dependent_terms(G[np.ix_(free, free)], [terms[j] for j in free], fi)
    if not found:
        return ""
    return (
        f"the Hessian is singular: {'; '.join(found)}, among the terms alpha does not "
        "penalise (penalty_factor 0), which a flat prior leaves unidentified; give one "
        f"of them a penalty_factor > 0, or drop the redundant {noun(len(found), 'column')}"
    )


def _not_finite(alpha: float, S: float, penalty_factor: Any = None) -> str:
    """Why a Hessian that is not finite gives no standard errors, and the next step: a
    penalty so strong that ``alpha`` (times the largest ``penalty_factor``) times the
    weight total ``S`` overflows float64 (``alpha=1e308``), or, unpenalised, curvature
    beyond float64's range."""
    top = 1.0 if penalty_factor is None else float(np.max(penalty_factor, initial=0.0))
    if alpha > 0 and top > 1.0:
        return (
            f"the Hessian overflows float64: the penalty (alpha {alpha:.3g} times a "
            f"penalty_factor of {top:.3g}) times the rows' total weight ({S:.3g}) is "
            "beyond its range; choose a smaller penalty_factor"
        )
    if alpha > 0:
        return (
            f"the Hessian overflows float64: the penalty ({alpha:.3g}) times the rows' "
            f"total weight ({S:.3g}) is beyond its range; choose a smaller alpha"
        )
    return "the Hessian is not finite; set alpha > 0"


def _reduced_covariance(
    problem: Any,
    idx: NDArray[np.intp],
    H: NDArray[np.float64],
    G: NDArray[np.float64],
    terms: list[str],
    kept: list[int],
    root: NDArray[np.float64] | None = None,
    factor: dict[str, Any] | None = None,
    S: float = 1.0,
) -> tuple[NDArray[np.float64] | None, str, str, int]:
    """:func:`_covariance` of a fit with aliased terms: the inverse of the kept terms'
    block of ``H`` (every class block's kept terms), mapped to the raw scale, in a
    matrix of the full layout whose aliased rows and columns are 0 (an aliased
    coefficient is held at 0: it adds nothing to a prediction's variance; the tables
    show NA for it, from ``extra["aliased_terms"]``). ``root``, ``factor`` and ``S`` as
    for :func:`_covariance`: the kept terms' covariance from the weighted design's QR
    factor, its factor (zero rows for the aliased terms) into ``factor["cov_root"]``."""
    p = len(G)
    B = len(idx) // p
    sub = np.concatenate([k * p + np.asarray(kept, dtype=np.intp) for k in range(B)])
    if not np.isfinite(H).all():
        return None, _not_finite(0.0, S), "", p - len(kept)
    Rinv = None if root is None else _root_inverse(root[:, idx[sub]])[0]
    if Rinv is not None:  # (raw layout: idx are the raw terms' positions too)
        L = np.zeros((len(idx), len(idx)))
        L[sub, : len(sub)] = Rinv / np.sqrt(S)
        if factor is not None:
            factor["cov_root"] = L
        note = conditioning_note(G[np.ix_(kept, kept)], [terms[j] for j in kept])
        return L @ L.T, "", note, p - len(kept)
    c, info = dpotrf(H[np.ix_(sub, sub)], lower=0, clean=0)
    if info != 0:
        return (
            None,
            "the Hessian of the terms that are not aliased is not positive definite; set alpha > 0",
            "",
            p - len(kept),
        )
    cov_std, _ = dpotrs(c, np.eye(len(sub)), lower=0)
    T = _reference_jacobian(problem, idx)[np.ix_(sub, sub)]
    part = T @ cov_std @ T.T
    cov = np.zeros((len(idx), len(idx)))
    cov[np.ix_(sub, sub)] = 0.5 * (part + part.T)
    note = conditioning_note(G[np.ix_(kept, kept)], [terms[j] for j in kept])
    return cov, "", note, p - len(kept)


def effective_df(
    problem: Any,
    Hp: NDArray[np.float64] | None,
    theta: NDArray[np.float64],
    inv_diag: NDArray[np.float64] | None = None,
    active_set: bool = False,
) -> float | None:
    """Effective degrees of freedom of a penalised fit: ``tr(H_ll (H_ll + P)^+)``,
    mgcv's ``edf`` (Hastie and Tibshirani's trace of the smoother), over the
    coefficients the fit kept (an L1 term's exact zeros are not free: for an elastic
    net this is Zou, Hastie and Tibshirani's active-set count shrunk by the L2 term).

    ``Hp = H_ll + P`` is the objective's Hessian in ``theta`` (``P`` the L2 term's
    diagonal). A softmax layer's flat directions (all intercepts, or all classes'
    coefficients of an unpenalised feature, moved together: ``H_ll v = P v = 0``)
    are not parameters: with ``V`` their orthonormal basis,
    ``edf = n - dim V - tr(P (Hp + c V V')^-1)``, the same trace as the
    pseudo-inverse's without deciding numerically which directions are flat. None
    when that matrix is not positive definite, or unknown (``Hp`` None) with an L2
    term; a pure L1 fit needs no Hessian (``P = 0``: the kept coefficients).
    ``inv_diag``: the diagonal of ``Hp^-1`` where the caller has it (a binary fit's
    covariance), used when every coefficient is kept and no direction is flat.
    ``active_set``: the kept parameters' count whatever the L2 term (no trace), less
    the softmax's flat directions among them: the intercepts', and one for each
    feature kept in every class (the rank of ``H_AA``, which bounds the trace; a pure
    L1 fit's count too).
    """
    m, d = problem.n_outputs, problem.n_features
    n = problem.n_params
    pen = np.zeros(n)
    pen[: m * d] = np.tile(problem.alpha * problem._pw, m)
    Wp, _ = problem.unpack(theta)
    keep = np.ones(n, dtype=bool)
    keep[: m * d] = Wp.ravel() != 0  # an L1 fit's zeros
    flat = []
    if m > 1:  # the softmax layer's shifts shared by every class
        if problem.fit_intercept:
            flat.append(np.arange(m * d, n))
        unpenalised = np.broadcast_to(problem._pw, (d,)) == 0  # penalty_factor 0
        flat += [np.arange(j, m * d, d) for j in np.flatnonzero(unpenalised)]
    index = np.flatnonzero(keep)
    where = {int(i): k for k, i in enumerate(index)}
    flat = [b for b in flat if all(int(i) in where for i in b)]
    if not problem.alpha or active_set:
        # the rank of the kept terms' H_AA (the lasso's df, Tibshirani and Taylor): a
        # penalised feature kept in every class also moves the K logits together, a
        # direction the likelihood does not see (41 counted for wine's 28 terms)
        if m > 1:
            pw = np.broadcast_to(problem._pw, (d,))
            flat += [
                np.arange(j, m * d, d) for j in range(d) if pw[j] != 0 and keep[j : m * d : d].all()
            ]
        return float(len(index) - len(flat))
    if inv_diag is not None and not flat and len(index) == n:
        return float(n - np.dot(pen, inv_diag))
    if Hp is None:
        return None
    H = Hp[np.ix_(index, index)].copy()
    diag = np.diagonal(H).copy()
    for block in flat:
        at = [where[int(i)] for i in block]
        # c on the block's own scale: one mean over all of H's diagonal (alpha = 1e14
        # on the features) swamped the intercepts' curvature (a failed factor)
        c = float(np.sum(diag[at] / len(at))) or 1.0  # (their mean, without overflow)
        v = np.zeros(len(index))
        v[at] = 1.0 / np.sqrt(len(block))
        H += c * np.outer(v, v)
    chol, info = dpotrf(H, lower=False)
    if info != 0:
        return None
    inv_diag = np.diagonal(scipy.linalg.cho_solve((chol, False), np.eye(len(index))))
    return float(len(index) - len(flat) - np.dot(pen[index], inv_diag))


def _reference_jacobian(problem: Any, idx: NDArray[np.intp]) -> NDArray[np.float64]:
    """``problem._jacobian()[idx[:, None], idx]``: the map from the standardised to the
    raw coefficients in the order of the reference blocks (``idx``, their positions in
    ``theta``: :func:`_reference_index`).

    For one sigmoid neuron written out, the same numbers in place (``idx`` is the
    intercept, then the coefficients): ``[[1, -mu / sigma], [0, diag(1 / sigma)]]``, or
    ``diag(1 / sigma)`` without intercept; the general map and its gather cost a tenth
    of a tiny fit's statistics.
    """
    if problem.n_outputs > 1:
        return problem._jacobian()[idx[:, None], idx]
    P = len(idx)
    T = np.zeros((P, P))
    inv, shift = 1.0 / problem.scale, -problem.mean / problem.scale
    held = getattr(problem, "_held", None)
    if held is not None:  # held (flat) columns: no raw coefficient, as problem._jacobian
        inv, shift = inv.copy(), shift.copy()
        inv[held], shift[held] = 0.0, 0.0
    if problem.fit_intercept:
        T[0, 0] = 1.0
        T[0, 1:] = shift
        T.reshape(-1)[P + 1 :: P + 1] = inv  # the coefficients' diagonal
    else:
        T.reshape(-1)[:: P + 1] = inv
    return T


@functools.lru_cache(maxsize=8)
def _identity(p: int) -> NDArray[np.float64]:
    """``np.eye(p)``, read-only and made once per size (LAPACK's solve copies it)."""
    eye = np.eye(p)
    eye.flags.writeable = False
    return eye


def _penalised_contrast_covariance(
    problem: Any, H: NDArray[np.float64]
) -> NDArray[np.float64] | None:
    """Laplace covariance of the contrasts ``theta_k - theta_0`` (k >= 1, standardised
    scale, the reference blocks' layout) of a penalised softmax layer, from its Hessian
    ``H`` over all ``K`` blocks.

    Holding class 0's coefficients at their estimate (the unpenalised fit's exact
    reparameterisation) would give a conditional covariance, smaller than the
    posterior's for ``alpha > 0``, where class 0's coefficients are uncertain too. The
    Hessian splits into the flat directions (one vector added to every class, on which
    the likelihood is constant) and their complement, which the contrasts span; so the
    contrasts' covariance is ``C (H + s U)^-1 C.T`` for the projector ``U`` onto the
    flat directions and any ``s > 0``, one per term (``U`` makes the unpenalised intercepts' flat
    direction, and those of features with ``penalty_factor`` 0, invertible).
    None when not positive definite.
    """
    m, d = problem.n_outputs, problem.n_features
    fit_intercept = bool(problem.fit_intercept)
    p = d + fit_intercept
    order = np.concatenate([_theta_index(m, d, k, fit_intercept) for k in range(m)])
    Hb = H[order[:, None], order]  # class blocks, terms within: intercept first
    # s per term, on the scale of its own curvature: one mean over every term (alpha =
    # 1e14 on the features) swamped the intercepts' (their standard errors 0.3% off,
    # and at 1e200 a factor that failed); each flat direction is an eigenvector of H
    # (the penalty is the same in every class), so C's rows still do not see s
    s = (np.diag(Hb) / m).reshape(m, p).sum(axis=0)  # (the mean, without overflow)
    s = np.where(s > 0, s, 1.0)
    Hb = Hb + np.kron(np.full((m, m), 1.0 / m), np.diag(s))
    c, info = dpotrf(Hb, lower=0, clean=0)
    if info != 0:
        return None
    inv, _ = dpotrs(c, np.eye(m * p), lower=0)
    C = np.kron(np.c_[-np.ones(m - 1), np.eye(m - 1)], np.eye(p))
    return np.asarray(C @ inv @ C.T)


def conditioning_note(
    G: NDArray[np.float64], terms: list[str], limit: float = 1e6, cond: float | None = None
) -> str:
    """Name the terms of the weakest direction when ``G``'s scaled condition number > limit.

    ``G`` is the terms' weighted Gram matrix (:func:`_reference_hessian`), scaled to
    unit diagonal (so units do not count); "" when well conditioned. The
    eigenvalues alone answer the common, well-conditioned case; ``cond``, that
    condition number (or a bound on it) where the caller has it, answers it without them.
    """
    if cond is not None and cond <= limit:
        return ""
    C = _unit_scaled(G)
    if C is None:
        return ""
    vals = np.linalg.eigvalsh(C)
    cond = vals[-1] / max(vals[0], 1e-300)
    if cond <= limit:
        return ""
    vals, vecs = np.linalg.eigh(C)
    cond = vals[-1] / max(vals[0], 1e-300)
    v = np.abs(vecs[:, 0])
    names = [terms[j] for j in np.argsort(-v)[: len(terms)] if v[j] > 0.1 * v.max()]
    return (
        f"ill-conditioned Hessian (condition number {cond:.2g}): "
        f"{', '.join(repr(n) for n in names)} are nearly collinear; "
        "standard errors are large and unstable"
    )


def zero_log_likelihood(
    y_idx: NDArray[np.intp], s: NDArray[np.float64], K: int, offset: NDArray[np.float64] | None
) -> float:
    """Log-likelihood of the model whose linear predictor is 0 (plus ``offset``, binary):
    the null of a model without intercept's likelihood-ratio test (R's ``glm``).

    Without offset each class has probability ``1/K``; ``y_idx`` and ``s`` may be
    the classes and their summed weights (streamed fits), as the sum is linear.
    """
    if offset is None:
        return -float(np.sum(s)) * float(np.log(K))
    y01 = (np.asarray(y_idx) == 1).astype(np.float64)
    off = np.asarray(offset, dtype=np.float64)
    return -float(np.sum(s * (softplus(off) - y01 * off)))


def null_log_likelihood_with_offset(
    y01: NDArray[np.float64], s: NDArray[np.float64], offset: NDArray[np.float64]
) -> float:
    """Log-likelihood of the intercept-plus-offset model (binary).

    The intercept is :func:`~oneneuron.objective.offset_intercept`, the root of its
    monotone score, bracketed (a Newton iteration from the mean offset divided by a
    curvature that underflows to 0 where the offsets are large).
    """
    b = offset_intercept(y01, s, offset)
    z = b + offset
    return -float(np.sum(s * (softplus(z) - y01 * z)))
