"""Dask input: validation, labels and scaling in one pass; lazy predict.

One summary pass over the chunks (a single ``dask.compute``) checks X and the
weights for NaN/inf, collects the labels with their counts and weights, and
computes the weighted column moments, merged across chunks with the exact
pairwise update of Chan et al. (no ``E[x^2] - mu^2`` cancellation). The fit
then only reads X through :class:`~oneneuron.engines.DaskEngine`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..functions import log_sigmoid, log_softmax, sigmoid_pair, softmax
from ..wording import noun
from ._dask import row_blocks, tree_sum
from ._numpy_prep import numeric_block, plain_labels, refuse_dtype, unmask_x
from ._record import (
    ZERO_WEIGHTS,
    FitData,
    bad_weight_error,
    check_class_totals,
    check_magnitudes,
    check_resolved_integers,
    check_weight_size,
    class_row_weights,
    class_weight_vector,
    continuous_labels_error,
    describe_bad_cell,
    first_bad_cell,
    flat_columns,
    maybe_flat,
    missing_labels_error,
    one_class_error,
)


def is_dask_dataframe(X: Any) -> bool:
    return type(X).__name__ == "DataFrame" and hasattr(X, "npartitions")


def as_dask_array(X: Any, what: str = "X") -> tuple[Any, NDArray[Any] | None]:
    """A row-chunked dask array from a dask array/DataFrame/Series, and the column names."""
    import dask.array as da
    import pandas as pd

    if is_dask_dataframe(X):
        bad = [str(c) for c, t in X.dtypes.items() if not pd.api.types.is_numeric_dtype(t)]
        cplx = [str(c) for c, t in X.dtypes.items() if pd.api.types.is_complex_dtype(t)]
        if cplx and what == "X":  # numeric to pandas, but a cast drops the imaginary part
            raise ValueError(
                f"Complex data not supported: X's {noun(len(cplx), 'column')} {cplx} "
                f"{'holds' if len(cplx) == 1 else 'hold'} complex numbers; "
                "the model needs real ones (e.g. the real part, or abs)"
            )
        if bad:
            raise ValueError(
                f"{what} has non-numeric columns {bad}; encode them (e.g. one-hot) before "
                "fitting: the Dask engine takes numeric features only"
            )
        # names only where all are text (scikit-learn's rule; a mix is refused above)
        text = all(isinstance(c, str) for c in X.columns)
        names = np.asarray(list(X.columns), dtype=object) if text else None
        dtypes = set(X.dtypes)
        if dtypes == {np.dtype(np.float32)}:  # each partition is checked to be float32 too
            return X.to_dask_array().map_blocks(_float32_block, dtype=np.float32), names
        # a frame-level cast: pd.NA of nullable and Arrow columns becomes NaN, which the
        # checks name (an object array's astype was a TypeError on pd.NA)
        return X.astype(np.float64).to_dask_array(), names
    if hasattr(X, "to_dask_array"):  # Series
        return X.to_dask_array(), None
    Xa = da.asarray(X)
    if what != "X":
        return Xa, None
    refuse_dtype(Xa)  # the NumPy engine's checks, on the metadata's dtype
    Xa = dense_chunks(Xa)
    if Xa.dtype == object:  # a cell that is no number: the NumPy engine's words
        Xa = Xa.map_blocks(numeric_block, dtype=np.float64)
    return Xa, None


def dense_chunks(Xa: Any) -> Any:
    """A dask array whose chunks are scipy.sparse matrices (``da.from_array(csr,
    asarray=False)``, ``map_blocks(csr_matrix)``), read as dense chunks; one of masked
    chunks (``da.ma``) with NaN in the masked cells; other arrays as they are.

    Decision: each sparse chunk is made dense when the task that reads it runs (one
    chunk at a time per worker, never the whole X), so the fit and the predictions are
    those of the dense array. The block math, the checks and the moments are NumPy's;
    a chunk whose dense form does not fit in memory needs narrower row chunks.
    """
    import scipy.sparse as sp

    meta = getattr(Xa, "_meta", None)
    if isinstance(meta, np.ma.MaskedArray):  # masked cells are missing values (NaN)
        dtype = Xa.dtype if Xa.dtype in (np.float32, np.float64) else np.dtype(np.float64)
        empty = np.empty((0,) * Xa.ndim, dtype=dtype)
        return Xa.map_blocks(_unmasked_block, dtype=dtype, meta=empty)
    if not sp.issparse(meta):
        return Xa
    empty = np.empty((0,) * Xa.ndim, dtype=Xa.dtype)
    return Xa.map_blocks(_dense_block, dtype=Xa.dtype, meta=empty)


def _dense_block(block: Any) -> NDArray:
    return block.toarray() if hasattr(block, "toarray") else np.asarray(block)


def _unmasked_block(block: Any) -> NDArray:
    """A chunk of a masked dask array (``da.ma``) with its masked cells as NaN, which the
    checks then name as missing (the NumPy engine's rule for masked arrays)."""
    return unmask_x(block, missing=True, fix="") if np.ma.isMaskedArray(block) else block


def _float32_block(block: NDArray) -> NDArray:
    """A partition's values where the frame's metadata says float32: a partition that
    holds wider numbers is refused, not rounded to float32 (Dask takes a Parquet
    dataset's types from its first file; a later file may hold float64)."""
    if block.dtype != np.float32:
        raise ValueError(
            f"X's Dask metadata says float32 but a partition holds {block.dtype} values: "
            "Dask took the types from the first file of the dataset, whose columns are "
            "float32 while a later file's are float64; fitting in float32 would round "
            "them. Cast first (X.astype('float64')) or store every file with one type"
        )
    return block


def _part_values(part: Any, cols: list[str], dtype: Any, whats: dict[str, str]) -> NDArray:
    _check_aligned(part, whats)
    if dtype == np.float32:
        return _float32_block(part[cols].to_numpy())
    return part[cols].to_numpy(dtype=dtype)


def _part_column(part: Any, key: str, dtype: Any, whats: dict[str, str]) -> NDArray:
    _check_aligned(part, whats)
    return part[key].to_numpy(dtype=dtype)


_X_HAS = "__oneneuron_X_has__"


def _check_aligned(part: Any, whats: dict[str, str]) -> None:
    """Refuse a partition of the aligned frame where X and the Series do not hold the
    same rows: marker columns (ones on each one's index) are NaN where the alignment by
    index found no value. ``whats`` maps each Series' marker column to its name. Every
    task of the partition checks the same, so the first that runs names the same row."""
    for key, what in {_X_HAS: "X", **whats}.items():
        gone = part[key].isna().to_numpy()
        if not gone.any():
            continue
        i = int(np.argmax(gone))
        label = part.index[i]
        label = label.item() if hasattr(label, "item") else label
        if what == "X":  # a row of a Series that X lacks
            what = next(w for k, w in whats.items() if part[k].notna().to_numpy()[i])
            where = f"{what} (a Dask Series) has a row that X lacks (index {label!r})"
        else:
            where = f"{what} (a Dask Series) has no value for X's row {label!r} (by index)"
        raise ValueError(
            f"{where}: X and {what} hold different rows (Dask matches them by index, as "
            "pandas does); take both from one frame, e.g. fit(df[features], df['y'], "
            "sample_weight=df['w'])"
        )


def _present(part: Any) -> Any:
    """A marker column of ones on a Series' index (NaN where X's rows have no value)."""
    import pandas as pd

    return pd.Series(1.0, index=part.index)


def aligned_frame(
    X: Any, **series: Any
) -> tuple[Any, NDArray[Any], dict[str, Any], dict[str, Any]]:
    """A Dask DataFrame's columns and Dask Series (its label and weight columns) as dask
    arrays cut from the SAME partitions of one frame (``X.assign``, which aligns them by
    index as pandas does), and each Series' lazy length.

    Arrays taken from ``X`` and ``X['y']`` separately need not line up: Dask fuses the
    partitions of a narrow column read (30 files became 15 blocks of X and 8 of y).
    Series that are None are left out of the result. A row of X that a Series has no
    value for is a ValueError when the arrays are computed; a Series with rows that X
    lacks has more rows than X: compare its length (the fourth result, computed with
    the arrays) with X's rows (:func:`check_series_lengths`).
    """
    import dask
    import dask.array as da

    Xa0, names = as_dask_array(X)  # the numeric check and the dtype rule
    dtype = Xa0.dtype
    given = {k: v for k, v in series.items() if v is not None}
    keys = {k: f"__oneneuron_{k}__" for k in given}
    whats = {f"{keys[k]}has__": k for k in given}  # marker columns, Series' names
    marks = {m: given[k].map_partitions(_present, meta=(None, "f8")) for m, k in whats.items()}
    marks[_X_HAS] = X.map_partitions(_present, meta=(None, "f8"))
    frame = X.assign(**{keys[k]: v for k, v in given.items()}, **marks)
    parts = frame.to_delayed()
    cols = list(X.columns)
    values = dask.delayed(_part_values, pure=True)
    column = dask.delayed(_part_column, pure=True)
    Xa = da.concatenate(
        [
            da.from_delayed(values(p, cols, dtype, whats), (np.nan, len(cols)), dtype=dtype)
            for p in parts
        ]
    )
    out = {}
    for k, v in given.items():
        t = v.dtype if isinstance(v.dtype, np.dtype) else np.dtype(object)
        t = np.dtype(np.float64) if k == "sample_weight" else t
        out[k] = da.concatenate(
            [da.from_delayed(column(p, keys[k], t, whats), (np.nan,), dtype=t) for p in parts]
        )
    return Xa, names, out, {k: v.shape[0] for k, v in given.items()}


def compute_with_lengths(total: Any, lengths: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """``dask.compute(total, lengths)``: one pass over X's blocks (``total``, delayed)
    that also counts the aligned Series' partitions (``lengths``, a Dask DataFrame's
    expressions). Dask warns that computing the two kinds together materialises the
    expressions; they are one small graph each, and the warning would reach a user who
    mixed nothing (``fit(df[features], df['y'])``), so it is silenced here alone."""
    import dask

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Computing mixed collections", UserWarning)
        return dask.compute(total, lengths)


def check_series_lengths(n_rows: int, lengths: dict[str, int]) -> None:
    """Refuse a Dask Series (label or weight column) with more rows than X's ``n_rows``:
    the alignment by index dropped those that X lacks."""
    off = [f"{what} has {int(m)}" for what, m in lengths.items() if int(m) != n_rows]
    if off:
        raise ValueError(
            f"X has {n_rows} rows but {' and '.join(off)} (Dask Series matched to X's rows "
            "by index); take them from one frame, e.g. fit(df[features], df['y'])"
        )


def _series(v: Any) -> bool:
    return type(v).__name__ == "Series" and hasattr(v, "npartitions")  # a Dask Series


@np.errstate(over="ignore", invalid="ignore")  # huge weights: refused after
def _chunk_summary(Xb: Any, yb: Any, swb: Any) -> dict[str, Any]:
    """Labels, counts, summed sample weights and weighted column moments PER LABEL.

    Per-label moments let the class weights (known only once every chunk's labels
    are counted) weigh the standardisation statistics exactly, without a second pass.
    """
    Xb, yb = np.asarray(Xb), np.asarray(yb)
    sw = np.asarray(swb, dtype=np.float64)
    if len(yb) != len(Xb) or len(sw) != len(Xb):
        raise ValueError(
            f"X, y and sample_weight chunks differ in length ({len(Xb)}, {len(yb)}, {len(sw)})"
        )
    n = len(yb)
    finite = bool(np.isfinite(Xb).all())
    bad = None if finite else first_bad_cell(Xb.astype(np.float64, copy=False))
    w_ok = np.isfinite(sw) & (sw >= 0)
    bad_w = None if w_ok.all() else (int(np.argmin(w_ok)), float(sw[np.argmin(w_ok)]))
    if bad_w is not None:  # summarised without them (the fit is refused anyway)
        sw = np.where(w_ok, sw, 0.0)
    na = _missing(yb)
    missing = (int(na.sum()), int(np.argmax(na))) if na is not None and na.any() else None
    if missing is None:
        plain_labels(yb)  # labels of two types (1 and '1') are one clear error
    if missing is not None:  # summarised without them (the fit is refused anyway)
        Xb, yb, sw = Xb[~na], yb[~na], sw[~na]
    labels, inv = np.unique(yb, return_inverse=True)
    L, d = len(labels), Xb.shape[1]
    X64 = Xb.astype(np.float64, copy=False)
    swsum = np.bincount(inv, weights=sw, minlength=L)
    # each label's largest weight and sum of squared weights relative to it (without
    # overflow): the checks of the weights' size, as the in-memory engine's
    wmax = np.zeros(L)
    np.maximum.at(wmax, inv, sw)
    scale = np.where(wmax > 0, wmax, 1.0)[inv]
    wssq = np.bincount(inv, weights=np.square(sw / scale), minlength=L)
    mu, M2 = np.zeros((L, d)), np.zeros((L, d))
    # each column's least and largest value over the rows of positive weight, per label:
    # a constant column is told from its moments' round-off by lo == hi (maybe_flat)
    lo, hi = np.full((L, d), np.inf), np.full((L, d), -np.inf)
    if finite:
        for k in range(L):
            rows = inv == k
            if swsum[k] > 0:
                mu[k], M2[k] = _moments(X64[rows], sw[rows], swsum[k])
                held = X64[rows & (sw > 0)]
                lo[k], hi[k] = held.min(axis=0), held.max(axis=0)
    return {
        "n": n,
        "lens": [n],
        "labels": labels,
        "counts": np.bincount(inv, minlength=L).astype(np.float64),
        "swsum": swsum,
        "wmax": wmax,
        "wssq": wssq,
        "x_finite": finite,
        # the first of each, rows counted from the chunk's start (then from X's)
        "bad": bad,
        "bad_w": bad_w,
        "missing": missing,
        "S": float(sw.sum()),
        "mu": mu,
        "M2": M2,
        "lo": lo,
        "hi": hi,
    }


def _missing(y: NDArray) -> NDArray[np.bool_] | None:
    """Which labels are missing (None, NaN): only object and float labels can be."""
    if y.dtype.kind not in "Of":
        return None
    import pandas as pd

    return np.asarray(pd.isna(y), dtype=bool)


def _moments(X: NDArray, w: NDArray, S: float) -> tuple[NDArray, NDArray]:
    """Weighted mean and sum of squared deviations of X's columns, scale-safe.

    Columns are divided by their largest magnitude first, so values near the float64
    limit neither overflow the sums nor their squares.
    """
    c = np.max(np.abs(X), axis=0) if len(X) else np.ones(X.shape[1])
    c[~(c > 0)] = 1.0
    Xs = X / c
    mu_s = (w @ Xs) / S
    dev = Xs - mu_s
    with np.errstate(over="ignore"):  # inf only where the true sum overflows
        return mu_s * c, (w @ (dev * dev)) * c * c


def _merge_moments(
    S1: NDArray, mu1: NDArray, M1: NDArray, S2: NDArray, mu2: NDArray, M2: NDArray
) -> tuple[NDArray, NDArray, NDArray]:
    """Chan et al.'s exact pairwise update of weighted moments (rows broadcast)."""
    S = S1 + S2
    share = np.divide(S2, S, out=np.zeros_like(S), where=S > 0)[..., None]
    delta = mu2 - mu1
    with np.errstate(over="ignore", invalid="ignore"):
        M = M1 + M2 + delta * delta * (S1 * share[..., 0])[..., None]
    return S, mu1 + delta * share, np.where(np.isnan(M), np.inf, M)


@np.errstate(over="ignore", invalid="ignore")  # huge weights: refused after
def _merge_summaries(parts: list[dict[str, Any]]) -> dict[str, Any]:
    out = dict(parts[0])
    for p in parts[1:]:
        try:
            labels = np.union1d(out["labels"], p["labels"])
        except TypeError:  # each chunk's labels are one type, but not the same one
            a, b = out["labels"][0], p["labels"][0]
            raise ValueError(
                f"y mixes label types across row chunks (e.g. {a!r} and {b!r}); make the "
                "labels one type (all text: y.astype(str))"
            ) from None
        merged: dict[str, Any] = {}
        for key in ("counts", "swsum", "wmax", "wssq"):
            merged[key] = np.zeros(len(labels))
        mu = np.zeros((len(labels), out["mu"].shape[1]))
        M2 = np.zeros_like(mu)
        lo, hi = np.full_like(mu, np.inf), np.full_like(mu, -np.inf)
        for part in (out, p):
            at = np.searchsorted(labels, part["labels"])
            lo[at] = np.minimum(lo[at], part["lo"])
            hi[at] = np.maximum(hi[at], part["hi"])
            merged["counts"][at] += part["counts"]
            top = np.maximum(merged["wmax"][at], part["wmax"])
            held = np.where(top > 0, top, 1.0)
            merged["wssq"][at] = merged["wssq"][at] * np.square(merged["wmax"][at] / held) + part[
                "wssq"
            ] * np.square(part["wmax"] / held)
            merged["wmax"][at] = top
            S_old = merged["swsum"][at]
            S_new, mu[at], M2[at] = _merge_moments(
                S_old, mu[at], M2[at], part["swsum"], part["mu"], part["M2"]
            )
            merged["swsum"][at] = S_new
        out.update(merged, labels=labels, mu=mu, M2=M2, lo=lo, hi=hi)
        out["S"] += p["S"]
        for key in ("bad", "bad_w"):  # the first one, rows from X's start
            if out[key] is None and p[key] is not None:
                out[key] = (out["n"] + p[key][0],) + tuple(p[key][1:])
        if p["missing"] is not None:  # a count, and the first row from X's start
            k, first = out["missing"] or (0, out["n"] + p["missing"][1])
            out["missing"] = (k + p["missing"][0], first)
        out["n"] += p["n"]
        out["lens"] = out["lens"] + p["lens"]
        out["x_finite"] &= p["x_finite"]
    return out


def _pooled_stats(summ: dict[str, Any], cw: NDArray) -> tuple[NDArray, NDArray]:
    """Column mean and spread of the classes pooled with row weights ``sw * cw[class]``."""
    S, mu, M2 = 0.0, np.zeros(summ["mu"].shape[1]), np.zeros(summ["mu"].shape[1])
    for k in range(len(cw)):
        Wk = cw[k] * summ["swsum"][k]
        if Wk > 0:
            S, mu, M2 = _merge_moments(
                np.asarray(S), mu, M2, np.asarray(Wk), summ["mu"][k], cw[k] * summ["M2"][k]
            )
    with np.errstate(over="ignore"):
        return mu, np.sqrt(M2 / float(S))


def _encode(yb: Any, classes: NDArray, binary: bool) -> NDArray:
    idx = np.searchsorted(classes, np.asarray(yb))
    return idx.astype(np.float64) if binary else idx.astype(np.intp)


def _weigh(yb: Any, swb: Any, classes: NDArray, cw: NDArray) -> NDArray[np.float64]:
    return np.asarray(swb, dtype=np.float64) * cw[np.searchsorted(classes, np.asarray(yb))]


UNKNOWN_LENGTHS = (
    "{what} must be a Dask array or Series when X's partitions have unknown lengths (a Dask "
    "DataFrame): pass {what} as a Dask Series of the same frame, e.g. "
    "fit(df[features], df['label']), or X as a dask array (df.to_dask_array(lengths=True))"
)


def prepare_dask(
    X: Any, y: Any, sample_weight: Any, *, class_weight: Any, standardize: bool, center: bool
) -> FitData:
    """Validate Dask input in one pass and build the lazy targets and weights."""
    import dask
    import dask.array as da

    lengths: dict[str, Any] = {}  # of Dask Series aligned to X's frame by index
    if is_dask_dataframe(X) and (_series(y) or _series(sample_weight)):
        Xa, names, cut, lengths = aligned_frame(
            X,
            y=y if _series(y) else None,
            sample_weight=sample_weight if _series(sample_weight) else None,
        )
        y, sample_weight = cut.get("y", y), cut.get("sample_weight", sample_weight)
    else:
        Xa, names = as_dask_array(X)
    decimal = None
    if is_dask_dataframe(X):  # which columns hold integers (cast to float64 per block)
        integer = np.array([getattr(t, "kind", "") in "iu" for t in X.dtypes], dtype=bool)
        decimal = np.array([_is_decimal(t) for t in X.dtypes], dtype=bool)
    else:
        integer = np.full(Xa.shape[1] if Xa.ndim == 2 else 0, Xa.dtype.kind in "iu")
    if Xa.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {Xa.shape}")
    if not np.issubdtype(Xa.dtype, np.floating) or Xa.dtype == np.float16:
        Xa = Xa.astype(np.float64)
    known = not np.isnan(Xa.shape[0])
    ya = as_dask_array(y, "y")[0] if hasattr(y, "dask") else None
    if ya is None:
        y = np.asarray(y)
        if not known:
            raise ValueError(UNKNOWN_LENGTHS.format(what="y"))
        if y.ndim != 1 or len(y) != Xa.shape[0]:
            raise ValueError(f"X has {Xa.shape[0]} rows but y has shape {y.shape}")
        ya = da.from_array(y, chunks=(Xa.chunks[0],))
    if ya.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {ya.shape}")
    if sample_weight is None:
        swa = (
            da.ones_like(ya, dtype=np.float64)
            if known
            else ya.map_blocks(lambda b: np.ones(len(b)), dtype=np.float64)
        )
    elif hasattr(sample_weight, "dask"):
        swa = as_dask_array(sample_weight, "sample_weight")[0].astype(np.float64)
        if swa.ndim != 1:
            raise ValueError(f"X has {Xa.shape[0]} rows but sample_weight has shape {swa.shape}")
    else:
        if not known:
            raise ValueError(UNKNOWN_LENGTHS.format(what="sample_weight"))
        sw_np = np.asarray(sample_weight, dtype=np.float64)
        if sw_np.shape != (Xa.shape[0],):
            raise ValueError(f"X has {Xa.shape[0]} rows but sample_weight has shape {sw_np.shape}")
        swa = da.from_array(sw_np, chunks=(Xa.chunks[0],))
    if known:  # a Dask Series' partitions have unknown lengths: count them (reads y or w only)
        ya = ya.compute_chunk_sizes() if np.isnan(ya.shape[0]) else ya
        swa = swa.compute_chunk_sizes() if np.isnan(swa.shape[0]) else swa
    if known:  # name only what differs (sample_weight only when given)
        given = [("y", ya)] + ([("sample_weight", swa)] if sample_weight is not None else [])
        off = [f"{what} has {a.shape[0]}" for what, a in given if a.shape[0] != Xa.shape[0]]
        if off:
            raise ValueError(f"X has {Xa.shape[0]} rows but {' and '.join(off)}")
    if known:
        ya, swa = ya.rechunk((Xa.chunks[0],)), swa.rechunk((Xa.chunks[0],))
    xs, ys, ss = row_blocks(Xa, ya, swa)
    task = dask.delayed(_chunk_summary, pure=True)
    parts = [task(xb, yb, sb) for xb, yb, sb in zip(xs, ys, ss, strict=True)]
    summ, lengths = compute_with_lengths(tree_sum(parts, _merge_summaries), lengths)
    check_series_lengths(summ["n"], lengths)
    if summ["n"] == 0:  # the checks and words of the NumPy engine, in its order
        raise ValueError(
            f"Found array with 0 sample(s) (shape=(0, {Xa.shape[1]})) while a minimum of 1 "
            "is required"
        )
    if summ["missing"] is not None:
        raise missing_labels_error(*summ["missing"])
    if not summ["x_finite"]:
        raise ValueError(f"{describe_bad_cell(summ['bad'], names)}; drop or fill it")
    if summ["bad_w"] is not None:
        raise bad_weight_error(*summ["bad_w"])
    if not summ["S"] > 0:
        raise ValueError(ZERO_WEIGHTS)
    classes = summ["labels"]
    if np.issubdtype(classes.dtype, np.floating) and np.any(classes != np.round(classes)):
        raise continuous_labels_error(classes[np.flatnonzero(classes != np.round(classes))[0]])
    if len(classes) < 2:
        raise one_class_error(classes[0], summ["n"])
    if not known:  # the summary counted every chunk: give X, y, w known chunks (no pass)
        Xa, ya, swa = with_row_chunks(tuple(summ["lens"]), Xa.rechunk({1: -1}), ya, swa)
    cw = class_weight_vector(class_weight, classes, summ["swsum"])
    row_max = class_row_weights(summ["wmax"], cw)  # each class's largest row weight s
    top = float(np.max(row_max))
    rss = top * float(np.sqrt(np.sum(summ["wssq"] * np.square(row_max / top)))) if top else 0.0
    check_weight_size(top, rss)
    wsum = cw * summ["swsum"]
    check_class_totals(classes, wsum)
    binary = len(classes) == 2
    target = ya.map_blocks(_encode, classes, binary, dtype=np.float64 if binary else np.intp)
    weights = da.map_blocks(_weigh, ya, swa, classes, cw, dtype=np.float64)
    mu, sigma = _pooled_stats(summ, cw)  # weighted by s: class weights are sample weights
    check_magnitudes(mu, sigma, Xa.dtype, names)
    check_resolved_integers(mu, sigma, integer, names, decimal)
    flat = flat_columns(sigma, mu)
    candidates = maybe_flat(sigma, mu, flat)
    if candidates.size:  # over the classes of positive weight (class weights may be 0)
        counted = wsum > 0
        lo, hi = summ["lo"][counted].min(axis=0), summ["hi"][counted].max(axis=0)
        flat[candidates] = lo[candidates] == hi[candidates]
    sigma[flat] = 1.0  # (unit_scale_for_flat_columns)
    stats = (mu, sigma)
    if standardize:
        mean = mu if center else np.zeros_like(mu)
    else:
        mean, sigma = np.zeros(Xa.shape[1]), np.ones(Xa.shape[1])
    return FitData(
        kind="dask",
        X=Xa,
        target=target,
        weights=weights,
        classes=classes,
        class_sums=wsum,
        mean=mean,
        scale=sigma,
        n_samples=int(summ["n"]),
        dtype=np.dtype(Xa.dtype),
        feature_names=names,
        engine_options={"total_weight": float(wsum.sum()), "n_samples": int(summ["n"])},
        feature_stats=stats,
        flat=flat,
    )


def _is_decimal(dtype: Any) -> bool:
    """A pandas column type holding decimals (an Arrow DECIMAL, as Parquet gives them)."""
    arrow = getattr(dtype, "pyarrow_dtype", None)
    return arrow is not None and "decimal" in str(arrow)


def with_row_chunks(lens: tuple[int, ...], *arrays: Any) -> list[Any]:
    """The same lazy arrays with their (previously unknown) row chunk sizes filled in."""
    import dask.array as da

    out = []
    for a in arrays:
        chunks = (lens,) + tuple((n,) for n in a.shape[1:])
        out.append(da.Array(a.dask, a.name, chunks, dtype=a.dtype, meta=a._meta))
    return out


# --- lazy inference ----------------------------------------------------------
def _logits(Xb: NDArray, W: NDArray, b: NDArray) -> NDArray:
    Z = Xb @ W.T.astype(Xb.dtype) + b.astype(Xb.dtype)
    return Z[:, 0] if Z.shape[1] == 1 else Z


def _proba(Xb: NDArray, W: NDArray, b: NDArray) -> NDArray:
    Z = _logits(Xb, W, b)
    return sigmoid_pair(Z) if Z.ndim == 1 else softmax(Z)


def _log_proba(Xb: NDArray, W: NDArray, b: NDArray) -> NDArray:
    Z = _logits(Xb, W, b)
    return np.column_stack([log_sigmoid(-Z), log_sigmoid(Z)]) if Z.ndim == 1 else log_softmax(Z)


def _labels(Xb: NDArray, W: NDArray, b: NDArray, classes: NDArray, cut: float) -> NDArray:
    Z = _logits(Xb, W, b)
    return classes[(Z > cut).astype(np.intp) if Z.ndim == 1 else np.argmax(Z, axis=1)]


def _checked(fn: Any, names: Any) -> Any:
    """``fn`` on a block after a finiteness check that names the first bad cell (rows from
    X's start; within the block where its chunk sizes are unknown). The check runs when the
    lazy result is computed, as the prediction does: a NaN never becomes a prediction."""

    def run(Xb: NDArray, *args: Any, block_info: Any = None) -> Any:
        if not np.isfinite(Xb).all():  # one read of the block, as a NumPy prediction's check
            i, j, v = first_bad_cell(Xb)  # type: ignore[misc]
            start = (block_info or {}).get(0, {}).get("array-location", [(np.nan,)])[0][0]
            row = i + int(start) if np.isfinite(start) else i
            where = describe_bad_cell((row, j, v), names)
            if not np.isfinite(start):
                k = block_info[0]["chunk-location"][0] if block_info else "?"
                where = where.replace(f"(row {i})", f"(row {i} of row chunk {k})")
            raise ValueError(f"{where}; a prediction needs every value: fill it")
        return fn(Xb, *args)

    return run


def dask_predict(clf: Any, X: Any, method: str) -> Any:
    """Lazy ``decision_function``/``predict_proba``/``predict_log_proba``/``predict`` on Dask."""
    design = getattr(clf, "design_", None)  # a table's model: Dask holds its coded columns
    fitted = design.names if design is not None else getattr(clf, "feature_names_in_", None)
    if is_dask_dataframe(X) and fitted is not None:  # columns read by name, as a table's
        have = [str(c) for c in X.columns]
        if have != list(fitted) and set(fitted) <= set(have):
            X = X[[X.columns[have.index(str(n))] for n in fitted]]
    Xa, names = as_dask_array(X)
    if names is not None and fitted is not None and list(names) != list(fitted):
        raise ValueError(f"X has columns {list(names)} but the model was fitted on {list(fitted)}")
    d = np.shape(clf.coef_)[1]
    if Xa.ndim != 2 or Xa.shape[1] != d:
        raise ValueError(
            f"X has {Xa.shape[1] if Xa.ndim == 2 else Xa.shape} features, "
            f"but NeuronClassifier is expecting {d} features as input"
        )
    if not np.issubdtype(Xa.dtype, np.floating) or Xa.dtype == np.float16:  # as the fit
        Xa = Xa.astype(np.float64)
    Xa = Xa.rechunk({1: -1})
    W, b = np.asarray(clf.coef_), np.asarray(clf.intercept_)
    m = W.shape[0]
    K = len(clf.classes_)
    names = names if names is not None else fitted
    if method == "predict":
        cut = float(np.log(clf.threshold) - np.log1p(-clf.threshold))
        return Xa.map_blocks(
            _checked(_labels, names), W, b, clf.classes_, cut, drop_axis=1,
            dtype=clf.classes_.dtype,
        )  # fmt: skip
    fn = {"decision_function": _logits, "predict_proba": _proba, "predict_log_proba": _log_proba}
    run = _checked(fn[method], names)
    if method == "decision_function" and m == 1:
        return Xa.map_blocks(run, W, b, drop_axis=1, dtype=Xa.dtype)
    cols = m if method == "decision_function" else K
    return Xa.map_blocks(run, W, b, chunks=(Xa.chunks[0], (cols,)), dtype=Xa.dtype)


def _block_accuracy(pred: Any, yb: Any, wb: Any) -> NDArray[np.float64]:
    pred, yb, wb = np.asarray(pred), np.asarray(yb), np.asarray(wb, dtype=np.float64)
    if not len(pred) == len(yb) == len(wb):
        raise ValueError(
            f"X, y and sample_weight chunks differ in length ({len(pred)}, {len(yb)}, "
            f"{len(wb)}); take them from one Dask DataFrame"
        )
    ok = np.isfinite(wb) & (wb >= 0)  # the weights fit refuses are counted, not summed
    wb = np.where(ok, wb, 0.0)
    # sums relative to the chunk's largest weight (no overflow), combined by _combine_accuracy
    top = float(np.max(wb)) if len(wb) else 0.0
    rel = wb / top if top > 0 else wb
    return np.array([rel @ (pred == yb), rel.sum(), len(wb), np.count_nonzero(~ok), top, rel @ rel])


def _combine_accuracy(parts: list[Any]) -> NDArray[np.float64]:
    """Sum :func:`_block_accuracy`'s summaries: each rescaled to the largest weight of all
    (weights of 1e307 sum without overflow; their squares' size is checked as fit's)."""
    a = np.array(parts, dtype=np.float64)
    top = float(np.max(a[:, 4]))
    f = a[:, 4] / top if top > 0 else np.ones(len(a))
    return np.array(
        [f @ a[:, 0], f @ a[:, 1], a[:, 2].sum(), a[:, 3].sum(), top, (f * f) @ a[:, 5]]
    )


def dask_accuracy(model: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
    """Weighted mean accuracy of ``model.predict`` on Dask input, one task per chunk
    (the labels are compared where they are; only two numbers per chunk come back)."""
    import dask
    import dask.array as da

    pred = dask_predict(model, X, "predict")  # checks X's columns
    lengths: dict[str, Any] = {}
    if is_dask_dataframe(X) and (_series(y) or _series(sample_weight)):
        Xa, _, cut, lengths = aligned_frame(
            X,
            y=y if _series(y) else None,
            sample_weight=sample_weight if _series(sample_weight) else None,
        )
        y, sample_weight = cut.get("y", y), cut.get("sample_weight", sample_weight)
        pred = dask_predict(model, Xa, "predict")  # on the same partitions as y and w
    known = not np.isnan(pred.shape[0])

    def rows(v: Any, what: str) -> Any:
        if hasattr(v, "dask"):
            a = as_dask_array(v, what)[0]
            if known and np.isnan(a.shape[0]):
                a = a.compute_chunk_sizes()
        elif not known:
            raise ValueError(UNKNOWN_LENGTHS.format(what=what))
        else:
            a = np.asarray(v)
        if a.ndim != 1 or (known and a.shape[0] != pred.shape[0]):
            raise ValueError(f"X has {pred.shape[0]} rows but {what} has shape {a.shape}")
        if isinstance(a, np.ndarray):
            a = da.from_array(a, chunks=(pred.chunks[0],))
        return a.rechunk((pred.chunks[0],)) if known else a

    ya = rows(y, "y")
    if sample_weight is None:
        wa = pred.map_blocks(lambda b: np.ones(len(b)), dtype=np.float64)
    else:
        wa = rows(sample_weight, "sample_weight")
    ps, ys, ws = row_blocks(pred, ya, wa)
    task = dask.delayed(_block_accuracy, pure=True)
    parts = [task(p, yb, wb) for p, yb, wb in zip(ps, ys, ws, strict=True)]
    summary = tree_sum(parts, _combine_accuracy)
    (hits, total, n, bad, top, ssq), lengths = compute_with_lengths(summary, lengths)
    check_series_lengths(int(n), lengths)
    if bad:  # as fit and the in-memory score refuse them
        raise ValueError(
            f"sample_weight must be finite and non-negative: {int(bad)} of its {int(n)} rows "
            "hold a negative, NaN or infinite weight"
        )
    if not total > 0:
        raise ValueError(ZERO_WEIGHTS)
    check_weight_size(top, top * float(np.sqrt(ssq)))  # as fit and the in-memory score
    return float(hits / total)
