"""Fit a ``NeuronClassifier`` on a Parquet dataset through Dask, out of core.

The features are read partition by partition on the workers on every pass over the
data; nothing is persisted, so memory is bounded by a few partitions per worker thread,
whatever the size of the dataset. A partition is what ``dask.dataframe.read_parquet``
makes of the files: a file whose row groups hold less than about 256 MiB (Dask's
``blocksize``) is one partition, a larger file is split at its row groups into parts of
about that size. (Measured: a 32 MB file of 40 row groups is one partition; the fit's
peak traced memory grows with it, from 53 MB at 8 MB of features to 83 MB at 32 MB.)
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import numpy as np

from ..tables import (
    CONVERT_DURATION,
    PARQUET_SUFFIXES,  # noqa: F401 (the Dask CLI imports it from here)
    files_by_kind,
    repeated,
)
from ..tables import ParquetPart as _File
from ..tables import parquet_files as _parquet_files
from ..wording import noun
from ._estimator import NeuronClassifier
from ._sparse import resolve_penalty_factor

__all__ = ["fit_parquet", "frame_to_arrays"]


def fit_parquet(
    path: str | os.PathLike[str] | list[str],
    target: str,
    features: list[str] | None = None,
    scheduler: str | None = None,
    sample_weight: str | None = None,
    *,
    cluster: str | None = None,
    training_accuracy: bool = False,
    **params: Any,
) -> NeuronClassifier:
    """Read a Parquet file or directory with ``dask.dataframe`` and fit on it.

    Parameters
    ----------
    path : str, path-like or list of str
        A Parquet file, a directory of them (hive-partitioned ``key=value`` folders
        included), a glob, or a list of files (what ``dask.dataframe.read_parquet``
        reads).
    target : str
        Column holding the class labels.
    features : list of str, optional
        Feature columns (all numeric); by default every column but ``target`` and
        an unnamed pandas index stored with the table (``__index_level_0__``: row
        labels). A named stored index (``df.set_index("x").to_parquet()``) is a
        column like any other.
    scheduler : str, optional
        A ``dask.distributed`` scheduler address (``"tcp://host:8786"`` or
        ``"host:8786"``) to connect to, or a local scheduler name (``"threads"``,
        ``"processes"``, ``"synchronous"``; a name that is neither is a ValueError).
        By default the current Dask scheduler (an active ``distributed.Client`` if
        there is one).
    sample_weight : str, optional
        Column holding each row's weight (non-negative, zeros allowed), read from the
        same partitions as the features; never a feature (nor the target).
    cluster : str, optional
        Column holding each row's cluster label, for ``cov_type="cluster"`` (numbers or
        text; read from the same partitions as the features; never a feature, nor the
        target or the weights).
    training_accuracy : bool, default False
        Also score the fitted model on the training rows, in one more pass over the
        data (each chunk's correct and total weight come back, not its labels): the
        accuracy of :meth:`~oneneuron.NeuronClassifier.predict`, weighted by
        ``sample_weight``, is stored as ``training_accuracy_``.
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
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``target`` or a feature column is missing (the first file that lacks it is
        named), a feature is not numeric, ``features`` is empty, repeats a column or
        lists the target, or a file is not Parquet (named).
    ImportError
        Without Dask, naming the extra that installs it.
    """
    try:
        import dask
        import dask.dataframe as dd
    except ImportError:
        raise ImportError("fit_parquet needs Dask: pip install 'oneneuron[dask]'") from None

    from ..tables import PANDAS_INDEX_NAME

    if isinstance(path, (list, tuple)):
        path = [os.fspath(p) for p in path]
    else:
        path = os.fspath(path)
    if features is not None:
        _check_features(target, features)
    if sample_weight is not None and sample_weight == target:
        raise ValueError(f"sample_weight {sample_weight!r} is the target column")
    if sample_weight is not None and features is not None and sample_weight in features:
        raise ValueError(
            f"sample_weight {sample_weight!r} is one of the features; a column is one or the other"
        )
    if cluster is not None and cluster in (target, sample_weight, *(features or [])):
        what = (
            "the target"
            if cluster == target
            else ("the weights column" if cluster == sample_weight else "one of the features")
        )
        raise ValueError(f"cluster {cluster!r} is {what}; a column is one or the other")
    address = _scheduler_address(scheduler)
    files = _parquet_files(path)
    _check_files(path, files, target, features)
    for name, column in (("sample_weight", sample_weight), ("cluster", cluster)):
        absent = [f.path for f in files if column is not None and column not in f.names]
        if absent:
            raise ValueError(f"{name} column {column!r} not in {absent[0]}")
    # index=False: every stored column is a column (pandas' metadata would make a stored
    # index, e.g. a feature after set_index, the frame's index and drop it from the fit)
    df = dd.read_parquet(path, index=False)
    missing = [c for c in [target, *(features or [])] if c not in df.columns]
    if missing:
        raise ValueError(f"columns {missing} not in {path!r}; it has {list(df.columns)}")
    cols = (
        list(features)
        if features is not None
        else [
            c
            for c in df.columns
            if c not in (target, sample_weight, cluster) and not PANDAS_INDEX_NAME.fullmatch(str(c))
        ]
    )
    keys = {n for f in files for n in f.names if n not in f.schema.names}  # hive keys
    extra = [c for c in (sample_weight, cluster) if c is not None]
    used = keys & {target, *cols, *extra}
    for f in files:
        for k in sorted(used):
            if f"{k}=__HIVE_DEFAULT_PARTITION__" in Path(f.path).parts:
                raise ValueError(
                    f"the rows of {f.path} have no {k!r} (a missing partition key), which "
                    f"Dask cannot read; leave those rows out, or {k!r} (a feature)"
                )
    if not used:
        # the files' own columns (no partitioning): Dask reads each file of a hive folder
        # as a dataset of its own, and pyarrow cannot type the key of a file whose rows
        # have none (g=__HIVE_DEFAULT_PARTITION__), even where the key is not read
        paths = [str(f.path) for f in files]
        df = dd.read_parquet(paths, index=False, dataset={"partitioning": None})
    _check_label_types(files, target)
    _check_kinds(files, cols)
    _check_numeric(files, cols)
    _check_integer_range(files, cols)
    # Dask takes the dtypes from the first file: float32 only where every file holds it
    single = all(str(f.type_of(c)) == "float" for f in files for c in cols)
    dtype = np.float32 if single else np.float64
    if sample_weight is not None:  # numbers in every file (Dask types it from the first)
        import pandas as pd

        if not pd.api.types.is_numeric_dtype(df.dtypes[sample_weight]):
            raise ValueError(
                f"sample_weight column {sample_weight!r} holds {df.dtypes[sample_weight]}, "
                "not numbers"
            )
        _check_numeric(files, [sample_weight])
    read = df[[*cols, target, *extra]]
    X, y = frame_to_arrays(read, cols, target, dtype)
    w = None if sample_weight is None else _column(read, sample_weight)
    groups = None if cluster is None else _column(read, cluster, _cluster_labels, object)
    clf = NeuronClassifier(**params)
    factors = params.get("penalty_factor")
    if isinstance(factors, Mapping):  # by column name, as for a DataFrame (the arrays have none)
        clf.penalty_factor = resolve_penalty_factor(factors, len(cols), cols)
    with ExitStack() as stack:
        if address:
            from distributed import Client

            stack.enter_context(Client(scheduler, set_as_default=True))
        elif scheduler is not None:
            stack.enter_context(dask.config.set(scheduler=scheduler))
        try:
            clf.fit(X, y, sample_weight=w, **({} if groups is None else {"cluster": groups}))
        except ValueError as exc:
            raise _by_name(exc, cols) from None
        if training_accuracy:  # one more pass: the fit's passes compute no predictions
            clf.training_accuracy_ = clf.score(X, y, sample_weight=w)
    if isinstance(factors, Mapping):
        clf.penalty_factor = factors  # the parameter as given; penalty_factor_ is resolved
    clf.feature_names_in_ = np.asarray(cols, dtype=object)
    res = getattr(clf, "inference_", None)
    if res is not None:  # the arrays had no names: the statistics' terms get the columns'
        res.terms = (["intercept"] if clf.fit_intercept else []) + [str(c) for c in cols]
    return clf


#: The local schedulers Dask knows by name (``dask.config.set(scheduler=...)``).
LOCAL_SCHEDULERS = (
    "threads",
    "threading",
    "processes",
    "multiprocessing",
    "synchronous",
    "sync",
    "single-threaded",
    "distributed",
)


def _scheduler_address(scheduler: str | None) -> bool:
    """Whether ``scheduler`` is a ``dask.distributed`` scheduler's address
    (``tcp://host:8786``, or ``host:8786`` as ``distributed.Client`` takes it), not a
    local scheduler's name; anything else is refused before any reading."""
    if scheduler is None or scheduler in LOCAL_SCHEDULERS:
        return False
    if ":" in scheduler:
        return True
    raise ValueError(
        f"scheduler {scheduler!r} is neither a local scheduler "
        f"({', '.join(LOCAL_SCHEDULERS)}) nor a scheduler's address (host:port or "
        "tcp://host:port)"
    )


def _by_name(exc: ValueError, cols: list[str]) -> ValueError:
    """The fit's error with its column numbers named as a DataFrame's fit names them
    (``X has NaN in column 'b' (row 4)``, ``column 2 ('c') holds ...``)."""
    import re

    def name(j: str) -> str:
        return repr(cols[int(j)]) if int(j) < len(cols) else j

    text = re.sub(r"in column (\d+) \(row", lambda m: f"in column {name(m[1])} (row", str(exc))
    text = re.sub(r"^column (\d+) holds", lambda m: f"column {m[1]} ({name(m[1])}) holds", text)
    return type(exc)(text)


def _check_numeric(files: list[_File], cols: list[str]) -> None:
    """Dask takes the columns' types from the first file; a later file's text column
    would be parsed as numbers where it can be, or fail inside a worker without naming
    the file. Every file's feature columns must be numbers (or booleans)."""
    import pyarrow as pa

    for f in files[1:]:
        for c in cols:
            t = f.type_of(c)
            if t is None:
                continue  # a hive key: its type is the folder's
            if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                    or pa.types.is_decimal(t) or pa.types.is_null(t)):  # fmt: skip
                raise ValueError(
                    f"{f.path} holds column {c!r} as {t}, not numbers; every file of a "
                    "dataset needs numeric features"
                )


def _check_label_types(files: list[_File], target: str) -> None:
    """The target holds text in every file or numbers (booleans) in every file: Dask
    reads each file's labels as stored, and ``'1'`` and ``1`` would be two classes."""
    import pyarrow as pa

    def kind(t: Any) -> str | None:
        if t is None:
            return None  # a hive key: one type for every file
        if pa.types.is_string(t) or pa.types.is_large_string(t):
            return "text"
        numeric = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean)
        return "numbers" if any(test(t) for test in numeric) else None  # others: the fit's

    first = files_by_kind(files, target, kind)
    if len(first) > 1:
        raise ValueError(
            f"target {target!r} holds text in {first['text']} but numbers in "
            f"{first['numbers']}; make the labels one type in every file (e.g. all text)"
        )


def _check_kinds(files: list[_File], cols: list[str]) -> None:
    """Name a feature that holds dates or times (in any file), or no value in any file,
    by what it holds; Dask reads both as objects, which the numeric check would call
    only 'non-numeric'."""
    import pyarrow as pa

    for c in cols:
        types = [t for f in files if (t := f.type_of(c)) is not None]
        temporal = next((t for t in types if pa.types.is_temporal(t)), None)
        if temporal is not None and pa.types.is_duration(temporal):
            raise ValueError(f"column {c!r} holds durations ({temporal}); {CONVERT_DURATION}")
        if temporal is not None:
            raise ValueError(
                f"column {c!r} holds dates or times ({temporal}); a model needs numbers: "
                "convert it (e.g. days since a start) or leave it out"
            )
        if types and all(pa.types.is_null(t) for t in types):
            raise ValueError(f"column {c!r} is empty (every cell is missing); leave it out")


def _check_integer_range(files: list[_File], cols: list[str]) -> None:
    """Refuse an integer feature beyond ``2**53`` whose range float64 cannot resolve,
    from the files' row-group statistics (their footers: no data is read).

    The arrays the fit reads are float64, which rounds such integers (by up to 1024
    around ``2**63``): ids that differ by a few units become one number, a constant
    column. The rule of the design layer (``oneneuron.tables.unresolved_integers``),
    on the exact range ``max - min`` in place of the spread: refused when the
    rounding exceeds 1e-8 of it. Decimal columns (DECIMAL(p, s)) are judged so too, at
    any magnitude (``unresolved_decimals``). Columns without statistics are left to the
    fit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def exact(t: Any) -> bool:
        return t is not None and (pa.types.is_integer(t) or pa.types.is_decimal(t))

    bounds: dict[str, list[Any]] = {}
    decimals: set[str] = set()
    for f in files:
        ints = [c for c in cols if exact(f.type_of(c))]
        decimals.update(c for c in ints if pa.types.is_decimal(f.type_of(c)))
        if not ints:
            continue
        meta = pq.ParquetFile(f.path).metadata
        where = {meta.schema.column(k).path: k for k in range(meta.num_columns)}
        for c in ints:
            if c not in where:
                continue
            for g in range(meta.num_row_groups):
                st = meta.row_group(g).column(where[c]).statistics
                if st is None or not st.has_min_max:
                    continue
                lo, hi = st.min, st.max  # ints, or Decimals: exact either way
                if c in bounds:
                    bounds[c] = [min(bounds[c][0], lo), max(bounds[c][1], hi)]
                else:
                    bounds[c] = [lo, hi]
    for c, (lo, hi) in bounds.items():
        top = max(abs(lo), abs(hi))
        if (top <= 2**53 and c not in decimals) or lo == hi:
            continue
        rounding = float(np.spacing(float(top))) / 2
        if rounding > 1e-8 * float(hi - lo):
            dec = c in decimals
            what, exact_to = ("decimals", "") if dec else ("integers", " (exact to 2**53)")
            raise ValueError(
                f"column {c!r} holds {what} as large as {hi if abs(hi) >= abs(lo) else lo}, "
                f"which float64 numbers{exact_to} round by up to {rounding:g}, against "
                f"a range of {hi - lo}: the model would not see their differences"
                f"{'' if dec else ' (an identifier?)'}; leave it out, or subtract a start "
                "(x - x.min())"
            )


def _check_features(target: str, features: list[str]) -> None:
    if len(features) == 0:
        raise ValueError("features is empty; name at least one column (or pass None for all)")
    if target in features:
        raise ValueError(f"features list the target {target!r}; it cannot be a feature too")
    twice = repeated(features)
    if twice:
        raise ValueError(f"features list {twice[0]!r} twice")


def _check_files(path: str, files: list[_File], target: str, features: list[str] | None) -> None:
    """No file repeats a column name. Every Parquet file of a folder or glob has the
    columns (Dask reads the first file's schema and would fail deep in the fit on a file
    that lacks one): the first file that lacks any is named. Without ``features`` every
    file needs every column some file has (a column only in later files would otherwise
    be dropped or fail the fit), pandas' stored row labels (``__index_level_0__``, never
    a feature) apart."""
    for f in files:  # Dask's error said only "Can't unify schema with duplicate field names"
        twice = repeated(f.schema.names)
        if twice:
            raise ValueError(
                f"{f.path} has repeated column {noun(len(twice), 'name')} "
                f"{', '.join(map(repr, twice))}; every column needs its own name"
            )
    if len(files) < 2:
        return
    from ..tables import PANDAS_INDEX_NAME

    # pandas' stored row labels (``__index_level_0__``: a filtered frame's index; a range
    # index is stored as metadata) are no data: some files of a dataset hold them, others not
    every = [
        n
        for n in dict.fromkeys(n for f in files for n in f.names)
        if features is not None or not PANDAS_INDEX_NAME.fullmatch(str(n))
    ]
    wanted = every if features is None else [target, *features]
    absent = [c for c in wanted if c not in every]
    if absent:
        raise ValueError(f"columns {absent} not in {path!r}; it has {every}")
    for f in files:
        lacking = [c for c in wanted if c not in f.names]
        if lacking:
            raise ValueError(
                f"the Parquet file {f.path} lacks {noun(len(lacking), 'column')} {lacking} that "
                f"the other files of {path} have; every file of a dataset needs the same columns"
            )


def _features(part: Any, cols: list[str], dtype: Any) -> Any:
    return part[cols].to_numpy(dtype=dtype)


def _labels(part: Any, target: str) -> Any:
    return part[target].to_numpy()


def _weights(part: Any, column: str) -> Any:
    return part[column].to_numpy(dtype=np.float64, na_value=np.nan)


def _cluster_labels(part: Any, column: str) -> Any:
    """A partition's cluster labels as objects, a missing cell as None (which the
    clusters' coding refuses by name; pandas' NA cannot even be sorted)."""
    col = part[column]
    return col.astype(object).where(col.notna(), None).to_numpy()


def _column(df: Any, column: str, read: Any = _weights, dtype: Any = np.float64) -> Any:
    """A column of ``df`` as a dask array cut from the partitions that
    :func:`frame_to_arrays` reads (the same tasks: each partition is read once); float64
    numbers by default, else what ``read(partition, column)`` gives, of ``dtype``."""
    import dask
    import dask.array as da

    task = dask.delayed(read, pure=True)
    return da.concatenate(
        [da.from_delayed(task(p, column), (np.nan,), dtype=dtype) for p in df.to_delayed()]
    )


def frame_to_arrays(df: Any, cols: list[str], target: str, dtype: Any = None) -> tuple[Any, Any]:
    """Features and labels as dask arrays built from the *same* partitions of ``df``.

    Each pass then reads each partition once (features and label together), and X
    and y have the same row chunks by construction. The features are float32 if
    every column of ``df``'s dtypes is, else float64, unless ``dtype`` says which.
    """
    import dask
    import dask.array as da
    import pandas as pd

    bad = [c for c in cols if not pd.api.types.is_numeric_dtype(df.dtypes[c])]
    for c in bad:  # what the column holds, where its type says it: dates, or nothing
        t = df.dtypes[c]
        if pd.api.types.is_timedelta64_dtype(t):
            raise ValueError(f"column {c!r} holds durations ({t}); {CONVERT_DURATION}")
        if pd.api.types.is_datetime64_any_dtype(t):
            raise ValueError(
                f"column {c!r} holds dates or times ({t}); a model needs numbers: convert it "
                "(e.g. days since a start) or leave it out"
            )
        if str(t) in ("null[pyarrow]", "null"):
            raise ValueError(f"column {c!r} is empty (every cell is missing); leave it out")
    if bad:
        raise ValueError(
            f"non-numeric feature columns {bad}; encode them (e.g. one-hot) before fitting"
        )
    if dtype is None:
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
