"""Fit a ``NeuronClassifier`` on a Parquet dataset through Dask, out of core.

The features are read chunk by chunk on the workers on every pass over the data;
nothing is persisted, so memory is bounded by a few row groups per worker thread,
whatever the size of the dataset.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import ExitStack
from typing import Any

import numpy as np

from ._estimator import NeuronClassifier
from ._sparse import resolve_penalty_factor

__all__ = ["fit_parquet", "frame_to_arrays"]


def fit_parquet(
    path: str,
    target: str,
    features: list[str] | None = None,
    scheduler: str | None = None,
    **params: Any,
) -> NeuronClassifier:
    """Read a Parquet file or directory with ``dask.dataframe`` and fit on it.

    Parameters
    ----------
    path : str
        A Parquet file, a directory of them, or a glob (anything
        ``dask.dataframe.read_parquet`` reads).
    target : str
        Column holding the class labels.
    features : list of str, optional
        Feature columns (all numeric); by default every column but ``target`` and
        an unnamed pandas index stored with the table (``__index_level_0__``: row
        labels). A named stored index (``df.set_index("x").to_parquet()``) is a
        column like any other.
    scheduler : str, optional
        A ``dask.distributed`` scheduler address (``"tcp://host:8786"``) to
        connect to, or a local scheduler name (``"threads"``, ``"processes"``,
        ``"synchronous"``). By default the current Dask scheduler (an active
        ``distributed.Client`` if there is one).
    **params
        Parameters of :class:`~oneneuron.NeuronClassifier` (``solver="sgd"`` is
        refused on Dask input). A ``penalty_factor`` dict names feature columns,
        and errors name columns, as for a DataFrame.

    Returns
    -------
    NeuronClassifier
        Fitted; ``feature_names_in_`` are the feature columns.

    Raises
    ------
    ValueError
        If ``target`` or a feature column is missing, or a feature is not numeric.
    """
    import dask
    import dask.dataframe as dd

    from ..tables import PANDAS_INDEX_NAME

    # index=False: every stored column is a column (pandas' metadata would make a stored
    # index, e.g. a feature after set_index, the frame's index and drop it from the fit)
    df = dd.read_parquet(path, index=False)
    missing = [c for c in [target, *(features or [])] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} not in {path!r}; it has {list(df.columns)}")
    cols = (
        list(features)
        if features is not None
        else [c for c in df.columns if c != target and not PANDAS_INDEX_NAME.fullmatch(str(c))]
    )
    _check_files(path, [*cols, target])
    X, y = frame_to_arrays(df[[*cols, target]], cols, target)
    clf = NeuronClassifier(**params)
    factors = params.get("penalty_factor")
    if isinstance(factors, Mapping):  # by column name, as for a DataFrame (the arrays have none)
        clf.penalty_factor = resolve_penalty_factor(factors, len(cols), cols)
    with ExitStack() as stack:
        if scheduler is not None and "://" in scheduler:
            from distributed import Client

            stack.enter_context(Client(scheduler, set_as_default=True))
        elif scheduler is not None:
            stack.enter_context(dask.config.set(scheduler=scheduler))
        try:
            clf.fit(X, y)
        except ValueError as exc:
            raise _by_name(exc, cols) from None
    if isinstance(factors, Mapping):
        clf.penalty_factor = factors  # the parameter as given; penalty_factor_ is resolved
    clf.feature_names_in_ = np.asarray(cols, dtype=object)
    res = getattr(clf, "inference_", None)
    if res is not None:  # the arrays had no names: the statistics' terms get the columns'
        res.terms = (["intercept"] if clf.fit_intercept else []) + [str(c) for c in cols]
    return clf


def _by_name(exc: ValueError, cols: list[str]) -> ValueError:
    """The fit's error with its column numbers named as a DataFrame's fit names them
    (``X has NaN in column 'b' (row 4)``, ``column 2 ('c') holds ...``)."""
    import re

    def name(j: str) -> str:
        return repr(cols[int(j)]) if int(j) < len(cols) else j

    text = re.sub(r"in column (\d+) \(row", lambda m: f"in column {name(m[1])} (row", str(exc))
    text = re.sub(r"^column (\d+) holds", lambda m: f"column {m[1]} ({name(m[1])}) holds", text)
    return type(exc)(text)


def _check_files(path: str, columns: list[str]) -> None:
    """Every Parquet file of a folder has the columns (Dask reads the first file's schema
    and would fail deep in the fit on a file that lacks one): the first that lacks any is
    named. Only the files' footers are read."""
    from pathlib import Path

    import pyarrow.parquet as pq

    folder = Path(path)
    if not folder.is_dir():
        return
    for f in sorted(folder.rglob("*.parquet")):
        have = set(pq.read_schema(f).names)
        lacking = [c for c in columns if c not in have]
        if lacking:
            raise ValueError(
                f"the Parquet file {f} lacks column(s) {lacking} that the other files of "
                f"{path} have; every file of a dataset needs the same columns"
            )


def _features(part: Any, cols: list[str], dtype: Any) -> Any:
    return part[cols].to_numpy(dtype=dtype)


def _labels(part: Any, target: str) -> Any:
    return part[target].to_numpy()


def frame_to_arrays(df: Any, cols: list[str], target: str) -> tuple[Any, Any]:
    """Features and labels as dask arrays built from the *same* partitions of ``df``.

    Each pass then reads each partition once (features and label together), and X
    and y have the same row chunks by construction.
    """
    import dask
    import dask.array as da
    import pandas as pd

    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(df.dtypes[c])]
    if bad:
        raise ValueError(
            f"non-numeric feature columns {bad}; encode them (e.g. one-hot) before fitting"
        )
    dtype = np.float32 if all(df.dtypes[c] == np.float32 for c in cols) else np.float64
    ydtype = df.dtypes[target]
    ydtype = ydtype if isinstance(ydtype, np.dtype) else np.dtype(object)
    parts = df.to_delayed()
    feat, lab = dask.delayed(_features, pure=True), dask.delayed(_labels, pure=True)
    X = da.concatenate(
        [da.from_delayed(feat(p, cols, dtype), (np.nan, len(cols)), dtype=dtype) for p in parts]
    )
    y = da.concatenate([da.from_delayed(lab(p, target), (np.nan,), dtype=ydtype) for p in parts])
    return X, y
