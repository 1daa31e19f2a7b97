"""The design matrix: a table (pandas, polars, Arrow) -> the model's numeric columns.

A :class:`DesignSpec` is learned from a training table (:meth:`DesignSpec.fit`)
and then applied to any table with the same columns (:meth:`DesignSpec.transform`).
It is plain data (JSON-able, stored in the model file): the raw columns with their
kind, levels and fill value, and the model's columns, each a product of *factors*
(a raw column, optionally through an allow-listed transform, an indicator of
one level, or a contrast's value per level). Applying it runs only this module's
code, never a formula string.

Coding, as R, patsy, statsmodels and formulaic do it:

- numeric columns give one column named after them; boolean columns (missing cells
  aside: a polars Boolean with nulls is still boolean) one 0/1
  column named after them;
- text and categorical columns are coded against a *reference level*
  (treatment coding): one 0/1 column ``name[T.level]`` per other level, so a
  model with an intercept is identified. The reference is the first level:
  the category order of a categorical dtype (ordered or not), the sorted values
  of a text column; ``reference={"col": "level"}`` picks another. An ordered
  categorical (R's ordered factor) is coded so too, not with R's default
  polynomial contrasts (``contr.poly``): a formula asks for those with
  ``C(x, Poly)`` (with ``reference=`` for that column refused: the order is the
  contrast's meaning; so with ``Diff``, ``Treatment('b')``, ``contr.SAS`` and
  ``levels=[...]``, which give the reference or the order in the formula). The levels are
  the values the training rows hold: a category of a dtype that no row holds is
  left out, as R's ``model.frame`` drops unused levels. With
  ``encoding="full"`` every level gets a column ``name[level]`` (one-hot; not
  identified together with an intercept unless penalised).
- Without an intercept (``fit_intercept=False``) plain columns keep reference
  coding (the reference level is then the all-zeros row, i.e. its logit is 0);
  in a formula with ``- 1``/``+ 0``, formulaic (like R) codes the first
  categorical term with all its levels instead, so that the model still spans
  an intercept.
- What a model cannot take as it is, is one error naming the column (the decision;
  convert such a column to what it means, or leave it out): dates, times, durations
  and periods, as a dtype or as Python objects; lists and records; complex numbers
  (:func:`unusable_values`); integers beyond ``2**53`` that float64 would round by
  more than 1e-8 of their spread (:func:`unresolved_integers`); and text that is
  numbers or dates as other tools format them (decimal commas, thousands
  separators, percentages, currency, spreadsheet error values, dates and times:
  :func:`numbers_as_text`). Text held as UTF-8 bytes is read as that text.
- At predict, a level not seen in training is coded as the reference level, with
  a warning. But a categorical column whose cells are all numbers while no training
  level is a number (the column's kind changed), or, from :data:`HANDFUL` rows on,
  none of whose numbers is a training level, is an error naming the column; so is
  text in a numeric column.

Formulas (``"y ~ x + C(g) + x:g + np.log(z)"``) are parsed and evaluated by
formulaic at fit time. A formula is Python code: formulaic evaluates the
expressions in it, so never fit a formula from an untrusted source. What is
kept afterwards is not the formula but the restricted spec above; the
allow-listed transforms are :data:`TRANSFORMS` (also in R's spelling, ``log(x)``,
``log10``, ``log2``, ``exp``: :data:`R_TRANSFORMS`), ``I(x ** k)`` for an integer
``k``, ``I(x / c)``, ``I(x * c)``, ``I(x + c)``, ``I(x - c)`` for a number ``c``
(R's rescaling, ``I(lwt / 10)``; under a transform too, ``log(x + 1)``), a column
compared with a number (``I(ptl > 0)``, ``>=``, ``<``, ``<=``, ``==``, ``!=``),
``center(x)`` and ``scale(x)`` with their training statistics, R's orthogonal
``poly(x, k)`` (:func:`poly_state`), ``C()`` of a text or
categorical column, also with ``levels=[...]`` and a contrast (``Treatment('b')``,
``Sum``, ``Helmert``, ``Diff``, ``Poly`` and R's ``contr.*`` names: see
``tables/_contrasts.py``), and interactions (products). A formula using anything else
(``bs``, ``poly(x, k, raw=True)``, a contrast with other arguments, a numeric column
both as ``C(x)`` and as a number, ...) still fits and predicts in memory, but cannot be
saved to a model file (the message says which term). ``C(x)`` of a numeric column the
formula uses only so (R's ``factor(x)``), also with a stored contrast or levels
(``C(x, Sum)``, ``C(x, Treatment(3))``, ``C(x, levels=[3, 1, 2])``: a number names
the level it spells), is that column as a categorical of its numbers (levels in the
numbers' order, the first the reference, as formulaic and R order them;
``reference={"x": 3}`` picks another for plain ``C(x)``, R's ``relevel``): the same
model, and it saves; at predict, a
number equal to a level is that level (``2.0`` is level ``"2"``). A term outside the list
is evaluated by formulaic at prediction time too; what it cannot evaluate on
the new rows is one ``ValueError`` naming the term and the cause. A
B-spline ``bs(x, ...)`` is defined on its training range only (formulaic refuses to
extrapolate it): values beyond it are refused with the column, the range and the first
such row; fit with ``lower_bound=``/``upper_bound=`` that cover the values to predict.

Missing values (``missing=``): ``"error"`` (default) refuses a table with
missing cells in the used columns, naming each column, its count and its first
row (rows in messages are 0-based positions, as in those about NumPy input);
``"drop"`` drops those rows (and rows with a missing target) and reports how many;
``"mean"``, ``"median"`` and ``"most_frequent"`` fill the raw columns with the
training statistic before any transform (text/categorical columns always
take their most frequent level, and so does a numeric column a formula codes
as categories only, ``C(dose)``: a mean would be a level of its own).
"""

from __future__ import annotations

import itertools
import json
import math
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..wording import counted, noun
from ._contrasts import SCHEMES, coded_column, parse_coding
from ._vocab import CONVERT_DURATION, MAX_CATEGORIES, DataError, repeated, row_number

__all__ = [
    "DesignSpec",
    "MISSING",
    "TRANSFORMS",
    "as_pandas",
    "batch_as_table",
    "is_table",
    "refuse_multiindex",
    "refuse_mixed_names",
    "positional_names",
]

MISSING = ("error", "drop", "mean", "median", "most_frequent")
ENCODINGS = ("reference", "full")
#: Transforms a saved formula may use, by the name formulaic prints (``np.log(x)``);
#: ``power`` is ``I(x ** k)``, ``center`` subtracts the training mean.
TRANSFORMS = {
    "np.log": np.log,
    "np.log1p": np.log1p,
    "np.log10": np.log10,
    "np.log2": np.log2,
    "np.sqrt": np.sqrt,
    "np.exp": np.exp,
    "np.abs": np.abs,
}
#: R's spellings that formulaic evaluates as the NumPy functions (``log(x)`` is
#: ``np.log(x)``): saved as those, the term keeping the name the formula gave it.
R_TRANSFORMS = {"log": "np.log", "log10": "np.log10", "log2": "np.log2", "exp": "np.exp"}
#: R functions a formula here spells as NumPy's (named when a formula uses R's name).
R_FUNCTIONS = {
    "sqrt": "np.sqrt(x)",
    "log1p": "np.log1p(x)",
    "expm1": "np.expm1(x)",
    "pmin": "np.minimum(x, c)",
    "pmax": "np.maximum(x, c)",
    "ifelse": "np.where(condition, a, b)",
}
_KINDS = ("numeric", "boolean", "categorical")
_MAX_LEVELS = MAX_CATEGORIES  # one limit for every face (it was 200 in the input specs)

#: The design of a table is a SciPy CSR matrix, not a dense array, when its dense form
#: would hold at least this many cells (``rows * columns``; 2**23 cells are 64 MiB of
#: float64) ...
SPARSE_MIN_CELLS = 1 << 23
#: ... and at most this share of them are non-zero (an upper bound counted from the
#: levels' rows, before the matrix is formed). A CSR matrix stores 12 bytes per
#: non-zero (value and column) against 8 per cell: at a tenth of the cells, 15% of the
#: memory. Measured (one fused loss-and-gradient pass, 200k rows x 100 columns, medians
#: of 7 on 2 shared cores): CSR took 0.25x the dense time at 10% non-zeros but 1.5x at
#: 22%, and 0.02x at 0.4% (1000 columns). Designs below either bound (all small tables,
#: and tables of numbers) stay dense. The model is the same either way: the engines
#: standardise a CSR matrix as a dense one (centred by folding the means into the
#: intercept, never by densifying), so the fit, its penalty and its statistics do not
#: depend on which form a table takes (a test compares both).
SPARSE_MAX_DENSITY = 0.1


def is_table(X: Any) -> bool:
    """True for a pandas or polars DataFrame or a pyarrow Table or RecordBatch (what
    DesignSpec takes; a RecordBatch is read as the one-batch Table it is)."""
    if isinstance(X, pd.DataFrame):
        return True
    mod = type(X).__module__
    return (mod.startswith("polars") and type(X).__name__ == "DataFrame") or (
        mod.startswith("pyarrow") and type(X).__name__ in ("Table", "RecordBatch")
    )


def refuse_multiindex(X: Any) -> None:
    """Refuse a pandas DataFrame whose columns are a MultiIndex (tuples of names).

    Decision: such columns have no one name to keep. scikit-learn's validation drops
    tuple names (``x0, x1, ...``), the design layer would print the tuples, and a formula
    cannot name them, so the same table would give a model with different names on
    different paths (fit, predict, the model file). The user chooses the flat names.
    """
    cols = getattr(X, "columns", None)
    if isinstance(X, pd.DataFrame) and isinstance(cols, pd.MultiIndex):
        raise ValueError(
            f"X has MultiIndex columns ({cols.nlevels} levels, e.g. {cols[0]!r}); flatten "
            "them to one name each, e.g. X.columns = ['_'.join(map(str, c)) for c in "
            "X.columns]"
        )


def batch_as_table(X: Any) -> Any:
    """A pyarrow RecordBatch as the one-batch pyarrow Table it is (sharing its buffers);
    anything else unchanged. Tables are recognised by :func:`is_table`; the estimators
    pass what they are given through this first, so a RecordBatch gives the same model,
    names and predictions as the Table (or pandas DataFrame) it holds. A dict (of
    columns, as ``pandas.DataFrame`` takes one) is refused with that remedy: NumPy
    would read it as one object and fail on it in its own words."""
    if isinstance(X, dict) and not type(X).__module__.startswith("scipy"):  # dok_matrix is one
        raise ValueError(
            "X is a dict; pass a table of its columns, pandas.DataFrame(X), or an array"
        )
    if type(X).__module__.startswith("pyarrow") and type(X).__name__ == "RecordBatch":
        import pyarrow as pa

        return pa.Table.from_batches([X])
    return X


def array_table(X: Any) -> pd.DataFrame | None:
    """A dense 2-D NumPy array (or nested list) as a table of numeric columns
    ``x0, x1, ...`` (scikit-learn's names for an array's columns), or None for
    anything else (sparse matrices, torch/CuPy/Dask arrays, tables).

    So that the design layer's ``missing=`` policies apply to arrays: a
    ``Pipeline``'s transformers hand the estimator arrays. Float32 columns stay
    float32, other numbers become float64; an array that is not numbers is
    refused, naming the first column that is not.
    """
    if is_table(X) or not isinstance(X, (np.ndarray, list, tuple)):
        return None
    a = np.asarray(X)
    if a.ndim != 2:
        return None
    if a.dtype != np.float32:
        try:
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            bad = next(j for j in range(a.shape[1]) if not _floats(a[:, j]))
            raise ValueError(
                f"X is an array whose column x{bad} is not numbers; an array's columns are "
                "numeric (pass a table for text or categorical columns)"
            ) from None
    return pd.DataFrame(a, columns=[f"x{j}" for j in range(a.shape[1])], copy=False)


def _floats(column: Any) -> bool:
    try:
        np.asarray(column).astype(np.float64)
    except (TypeError, ValueError):
        return False
    return True


def as_pandas(X: Any) -> pd.DataFrame:
    """A pandas view of a pandas/polars DataFrame or pyarrow Table (through narwhals)."""
    if isinstance(X, pd.DataFrame):
        return X
    X = batch_as_table(X)
    if type(X).__module__.startswith("polars"):
        return _polars_as_pandas(X)
    import narwhals as nw

    try:
        df = nw.from_native(X, eager_only=True).to_pandas()
    except TypeError:
        raise TypeError(
            f"expected a pandas or polars DataFrame or a pyarrow Table, not {type(X).__name__}"
        ) from None
    schema = getattr(X, "schema", None)
    if not hasattr(schema, "metadata"):
        return df
    df = sorted_dictionaries(schema, arrow_nullable_integers(X, df))
    return _native_times(df, ((f.name, f.type) for f in schema))


def arrow_nullable_integers(table: Any, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (``table.to_pandas()``) with the Arrow integer columns that hold nulls as
    pandas' nullable integers (``Int64``), which ``to_pandas`` gives as floats: integer
    labels with a missing cell stay integers once it is dropped, as from pandas."""
    import pyarrow as pa

    for item in table.schema:
        name = item.name
        if not pa.types.is_integer(item.type) or name not in df.columns:
            continue
        if df[name].dtype.kind != "f" or not table.column(name).null_count:
            continue
        nullable = pd.api.types.pandas_dtype(
            str(item.type).replace("uint", "UInt").replace("int", "Int")
        )
        values = table.column(name).to_pandas(types_mapper={item.type: nullable}.get)
        df[name] = pd.Series(values, index=df.index)
    return df


def sorted_dictionaries(schema: Any, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (an Arrow table's ``to_pandas()``) with its unordered dictionaries sorted.

    An Arrow dictionary column (``dictionary_encode()``, a Parquet file written from a
    polars Categorical or by Spark) declares no order: its dictionary holds the values
    in the order the rows met them, and ``to_pandas`` makes that the Categorical's
    category order. Decision: such a column's levels are sorted, as a text column's
    and a polars Categorical's, so that its reference level does not depend on the
    file format or on which row came first; an ordered dictionary, and one that the
    pandas metadata marks as a pandas Categorical (whose order is the user's), keeps
    its order, as a pandas Categorical does.
    """
    import pyarrow as pa

    declared = set()
    raw = (schema.metadata or {}).get(b"pandas")
    if raw is not None:
        try:
            cols = json.loads(raw).get("columns", [])
        except (ValueError, AttributeError):
            cols = []
        declared = {c.get("name") for c in cols if c.get("pandas_type") == "categorical"}
    for item in schema:
        name = item.name
        if (
            not pa.types.is_dictionary(item.type)
            or item.type.ordered
            or name in declared
            or name not in df.columns
            or not isinstance(df[name].dtype, pd.CategoricalDtype)
        ):
            continue
        levels = list(df[name].cat.categories)
        try:
            order = sorted(levels)
        except TypeError:
            order = sorted(levels, key=_text)
        if order != levels:
            df[name] = df[name].cat.reorder_categories(order)
    return df


def _polars_as_pandas(X: Any) -> pd.DataFrame:
    """A polars DataFrame as pandas, with two of its types read as what they hold.

    - ``Int128``/``UInt128`` (which Arrow, and so pandas, cannot take): as 64-bit
      integers where the values fit, else as Python ints, which the design layer judges
      by the rule for integers float64 cannot resolve (:func:`unresolved_integers`).
    - integers with nulls (which pandas would hold as floats): as pandas' nullable
      integers of the same name (``Int64``), as a pandas table of them has them.
    - ``Categorical`` declares no order: its categories come in the order its strings
      were met. Decision: its levels are sorted, as a text column's (so its reference
      level is the one the same column as text has); an ``Enum`` keeps its declared
      order, as a pandas Categorical does.
    """
    import narwhals as nw
    import polars as pl

    wide = tuple(getattr(pl, t) for t in ("Int128", "UInt128") if hasattr(pl, t))
    ints = ("Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64")
    casts, big, cats, nullable = [], {}, [], {}
    for name, dtype in X.schema.items():
        if dtype == pl.Categorical:
            cats.append(name)
        if str(dtype) in ints and X[name].null_count():
            nullable[name] = str(dtype)
        if not any(dtype == t for t in wide):
            continue
        lo, hi = X[name].min(), X[name].max()
        if lo is None or (lo >= -(2**63) and hi < 2**63):
            casts.append(pl.col(name).cast(pl.Int64))
        elif lo >= 0 and hi < 2**64:
            casts.append(pl.col(name).cast(pl.UInt64))
        else:
            big[name] = X[name].to_list()  # Python ints, exact
    if casts or big:
        X = X.with_columns(casts).with_columns([pl.lit(0).alias(c) for c in big])
    df = nw.from_native(X, eager_only=True).to_pandas()
    for name, values in big.items():
        df[name] = pd.Series(values, index=df.index, dtype=object)
    for name, dtype in nullable.items():  # pandas' nullable type of the same name, not
        # floats: integer labels with a null stay integers (classes_ 0 and 1, not 0.0)
        s = X[name].to_pandas(use_pyarrow_extension_array=True).astype(dtype)
        df[name] = s.set_axis(df.index)
    for name in cats:
        levels = df[name].cat.categories
        df[name] = df[name].cat.reorder_categories(sorted(levels))
    return _native_times(df, X.schema.items())


def _native_times(df: pd.DataFrame, schema: Any) -> pd.DataFrame:
    """``df`` noting, in ``attrs["native_dtypes"]``, the type its source table gave each
    column of dates, times or durations (polars' ``Date``, Arrow's ``date32[day]``),
    which messages name instead of pandas' ``datetime64[ms]`` (:func:`_dtype_name`)."""
    words = ("date", "time", "duration")
    native = {str(n): str(t) for n, t in schema if any(w in str(t).lower() for w in words)}
    if native:
        df.attrs["native_dtypes"] = native
    return df


def _dtype_name(s: pd.Series) -> str:
    """The column's type as its source table named it (see :func:`_native_times`)."""
    return str(s.attrs.get("native_dtypes", {}).get(str(s.name), s.dtype))


def refuse_mixed_names(X: Any) -> None:
    """Refuse a table whose column names mix text and other types (``["a", 1]``).

    Decision (scikit-learn's rule, on every path: fit, predict, the design layer, CV,
    paths, Dask): a table's column names count only when all of them are text; a
    table whose names are all of other types (``pandas.DataFrame(array)``'s 0, 1, ...)
    is read as an array is, its columns ``x0, x1, ...`` by position
    (:func:`positional_names`); a mix is this ``TypeError`` (scikit-learn's own), in
    words that name the remedy.
    """
    if hasattr(X, "column_names") or not hasattr(X, "columns"):  # Arrow: always text
        return
    try:
        names = list(X.columns)
    except TypeError:  # a columns attribute that is not a list of names
        return
    text = [isinstance(c, str) for c in names]
    if any(text) and not all(text):
        kinds = ", ".join(sorted({type(c).__name__ for c in names}))
        raise TypeError(
            f"the column names of X mix text and other types ({kinds}): scikit-learn "
            "reads a table's names only when all are text (the others are x0, x1, ... by "
            "position); name them all as text, X.columns = X.columns.astype(str), or none"
        )


def positional_names(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with scikit-learn's names where its column names are not text.

    A frame whose names are all text is returned as it is; one whose names are all
    of other types (``0, 1, ...``) as a new frame sharing the data, its columns named
    ``x0, x1, ...`` by position, as an array's (:func:`array_table`) and as the plain
    path names them: the design layer then reads them by position, the caller's frame
    is never renamed, and the model's terms are ``x0``, ``x1[T.b]``, ... (a formula
    names them so). Mixed names are refused (:func:`refuse_mixed_names`).

    Examples
    --------
    >>> import pandas as pd
    >>> from oneneuron.tables import positional_names
    >>> list(positional_names(pd.DataFrame([[1.0, "a"]])).columns)
    ['x0', 'x1']
    """
    if all(isinstance(c, str) for c in df.columns):
        return df
    refuse_mixed_names(df)
    return df.set_axis([f"x{j}" for j in range(df.shape[1])], axis=1)


def _bytes_as_text(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with columns of UTF-8 bytes as the text they hold (a new frame where one is).

    ``pandas.read_sas`` gives text as bytes, and so does a Parquet file whose writer
    stored strings as plain binary (Impala, older Spark, Hive): read as bytes, their
    levels were named ``b'north'`` and the same rows written as text were unseen
    categories. Bytes that are not UTF-8 stay bytes (and are refused as such where a
    column's kind is decided)."""
    decoded = {}
    for j, dtype in enumerate(df.dtypes):
        if dtype != np.dtype(object) and not (
            isinstance(dtype, pd.ArrowDtype) and _is_binary(dtype.pyarrow_dtype)
        ):
            continue
        s = df.iloc[:, j]
        head = s.iloc[:64].dropna()  # a look at the first cells before a pass over all
        if len(head) and not isinstance(head.iloc[0], bytes):
            continue
        if pd.api.types.infer_dtype(s, skipna=True) != "bytes":
            continue
        try:
            decoded[j] = s.map(
                lambda v: v.decode("utf-8") if isinstance(v, bytes) else v, na_action="ignore"
            ).astype(object)
        except UnicodeDecodeError:
            continue
    if not decoded:
        return df
    out = df.copy(deep=False)
    for j, s in decoded.items():
        out.isetitem(j, s)
    return out


def _is_binary(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_binary(t) or pa.types.is_large_binary(t))


def table_column(X: Any, name: str, what: str) -> np.ndarray:
    """Column ``name`` of a pandas/polars DataFrame or Arrow table as a NumPy array.

    ``what`` says what the column is for, in the error when ``X`` has no such column.
    """
    names = getattr(X, "column_names", None)  # an Arrow table's; pandas and polars: columns
    columns = [str(c) for c in (names if names is not None else getattr(X, "columns", []))]
    if name not in columns:
        raise ValueError(f"X has no column {name!r} for {what}; its columns are {columns}")
    return np.asarray(X[name])


def _kind(s: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(s):
        return "boolean"
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) == "boolean":
        # booleans with missing cells (a polars Boolean column with nulls, a pandas bool
        # column with None): a boolean column, as without them, not text categories
        return "boolean"
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    ):  # Python numbers held as objects (not text): numbers, as a NumPy object array is
        return "numeric"
    return "categorical"


def _is_temporal(s: pd.Series) -> bool:
    """Dates, times, durations or periods: neither numbers nor categories for a model."""
    t = pd.api.types
    if isinstance(s.dtype, pd.ArrowDtype):
        import pyarrow as pa

        return bool(pa.types.is_temporal(s.dtype.pyarrow_dtype))
    return bool(
        t.is_datetime64_any_dtype(s)
        or t.is_timedelta64_dtype(s)
        or isinstance(s.dtype, pd.PeriodDtype)
    )


def _is_duration(s: pd.Series) -> bool:
    """Durations (pandas timedelta64, an Arrow or polars duration)."""
    if isinstance(s.dtype, pd.ArrowDtype):
        import pyarrow as pa

        return bool(pa.types.is_duration(s.dtype.pyarrow_dtype))
    return bool(pd.api.types.is_timedelta64_dtype(s))


_CONVERT_TIME = (
    "a model needs numbers or categories: convert it (e.g. days since a start, or the "
    "year as a category) or leave it out"
)
_CONVERT_CLOCK = (
    "a model needs numbers or categories: convert it (e.g. minutes since midnight, or the "
    "hour as a category) or leave it out"
)
#: What Python objects in a column are, by pandas' ``infer_dtype``, where a model cannot
#: take them as they are: a Parquet date32 or time column, a polars Date or Time column,
#: timestamps with several time zones (pandas holds them as objects).
_OBJECT_KINDS = {
    "date": "dates",
    "datetime": "dates and times",
    "time": "times",
    "timedelta": "durations",
    "period": "periods",
    "complex": "complex numbers",
}
_NESTED = (list, tuple, dict, set, frozenset, np.ndarray)


def unusable_values(s: pd.Series) -> str | None:
    """Why a column's values are neither numbers nor categories for a model, or None.

    The decision: dates, times, durations and periods (a dtype, or Python ``date``,
    ``time``, ``datetime`` and ``timedelta`` objects, as a Parquet ``date32`` or
    ``time`` column or a polars ``Date`` or ``Time`` column arrives), lists and records
    (nested values: a polars ``List`` or ``Struct``, an Arrow ``list`` or ``struct``)
    and complex numbers are refused, naming the column with an example of its values,
    rather than coded as one category per distinct value (a date or a list as its
    text) or cut to their real part. Convert such a column to what it means (days
    since a start, the year or the hour as a category, one column per field) or leave
    it out. A pandas Categorical column is the user's explicit choice of categories and
    is never questioned.

    Examples
    --------
    >>> from oneneuron.tables import unusable_values
    >>> import datetime as dt, pandas as pd
    >>> unusable_values(pd.Series([dt.date(2024, 3, 1), None]))[:30]
    'holds dates (e.g. 2024-03-01);'
    >>> unusable_values(pd.Series([[1, 2], [3]]))[:28]
    'holds lists (e.g. [1, 2]); a'
    >>> unusable_values(pd.Series(["a", "b"])) is None
    True
    """
    if isinstance(s.dtype, pd.CategoricalDtype):
        return None
    if _is_duration(s):
        return f"holds durations ({_dtype_name(s)}); {CONVERT_DURATION}"
    if _is_temporal(s):
        return f"holds dates or times ({_dtype_name(s)}); {_CONVERT_TIME}"
    if pd.api.types.is_complex_dtype(s):
        return (
            f"holds complex numbers (e.g. {s.iloc[0]}); a model needs real numbers: split "
            "it into its real and imaginary parts, or leave it out"
        )
    if isinstance(s.dtype, pd.ArrowDtype):
        import pyarrow as pa

        t = s.dtype.pyarrow_dtype
        if pa.types.is_nested(t):
            present = s[s.notna()]
            example = f" (e.g. {present.iloc[0]})" if len(present) else ""
            what = "records" if pa.types.is_struct(t) else "lists"
            return f"holds {what}{example}; {_UNNEST}"
        return None
    if s.dtype != object:
        return None
    present = s[s.notna()]
    if len(present) == 0:
        return None
    inferred = pd.api.types.infer_dtype(present, skipna=True)
    if inferred in _OBJECT_KINDS:
        what = _OBJECT_KINDS[inferred]
        example = present.iloc[0]
        if what == "complex numbers":
            return (
                f"holds complex numbers (e.g. {example}); a model needs real numbers: split "
                "it into its real and imaginary parts, or leave it out"
            )
        hint = {"times": _CONVERT_CLOCK, "durations": CONVERT_DURATION}.get(what, _CONVERT_TIME)
        return f"holds {what} (e.g. {example}); {hint}"
    if inferred in ("mixed", "mixed-integer", "unknown-array"):  # (pandas: ints among others)
        nested = present.map(lambda v: isinstance(v, _NESTED)).to_numpy(dtype=bool)
        if nested.any():
            example = present.iloc[int(np.argmax(nested))]
            what = "records" if isinstance(example, dict) else "lists"
            if isinstance(example, np.ndarray):
                example = example.tolist()
            return f"holds {what} (e.g. {example}); {_UNNEST}"
        cut = present.map(lambda v: isinstance(v, complex | np.complexfloating))
        cut = cut.to_numpy(dtype=bool)
        if cut.any():  # among real numbers: NumPy would cut them to their real part
            return (
                f"holds complex numbers (e.g. {present.iloc[int(np.argmax(cut))]}); a model "
                "needs real numbers: split it into its real and imaginary parts, or leave it out"
            )
    return None


def refuse_nested(s: pd.Series, name: str, source: Any, wanted: str) -> None:
    """Refuse a column whose cells are lists, records or complex numbers where
    ``wanted`` ("numbers", "categories") are read: at predict, a numeric column's ended
    in pandas' 'unhashable type', and a categorical column's records were coded as
    unseen levels (their text) with a warning. Training refuses them too
    (:func:`unusable_values`)."""
    if s.dtype != object and not isinstance(s.dtype, pd.ArrowDtype):
        if not pd.api.types.is_complex_dtype(s):  # (cast to real with a ComplexWarning)
            return
    why = unusable_values(s)
    if why is None or not why.startswith(("holds lists", "holds records", "holds complex")):
        return
    raise DataError(
        f"column {name!r} of {source} {why.split(';')[0]}, not {wanted}: a model needs "
        "one number or category per cell: unnest it (e.g. one column per field or element)"
    )


def refuse_label_values(s: pd.Series, what: str) -> None:
    """Refuse a target column whose values :func:`unusable_values` refuses for a feature
    (dates, times, lists, records, complex numbers) with a target's advice: a feature's
    ('convert it or leave it out') is none for the labels. Decided here: dates are
    not taken as labels as they are (a Parquet date column is more often a feature named
    as the target by mistake); their text is.

    Examples
    --------
    >>> from oneneuron.tables import DataError, refuse_label_values
    >>> import pandas as pd
    >>> try:
    ...     refuse_label_values(pd.Series([[0], [1]]), "target column 'y'")
    ... except DataError as exc:
    ...     print(str(exc)[:42])
    target column 'y' holds lists (e.g. [0]),
    """
    why = unusable_values(s)
    if why is not None:
        raise DataError(
            f"{what} {why.split(';')[0]}, not class labels: a classifier's labels are text, "
            "whole numbers or booleans; convert the column (e.g. to text), or name the "
            "column of labels"
        )


#: Integers up to this magnitude are float64 numbers exactly.
EXACT_INTEGERS = 2**53
#: A column of larger integers is refused when float64's rounding there exceeds this
#: share of the column's standard deviation (the default ``tol`` is 1e-8).
INTEGER_ROUNDING = 1e-8


def unresolved_integers(s: pd.Series) -> str | None:
    """Why float64 numbers cannot hold a column of integers as a model needs them, or None.

    A model computes in float64, exact for integers up to ``2**53``. Beyond, it rounds
    them (by up to 128 around ``2**60``): ids of 18 or 19 digits that differ by a few
    units all become the same number, and the column silently turns constant. The
    decision: a column of integers (NumPy, nullable or Arrow integers, Python ints) some
    of which exceed ``2**53`` is refused when the rounding there exceeds
    :data:`INTEGER_ROUNDING` of the column's standard deviation (computed exactly, from
    the differences to its smallest value); nanosecond timestamps spread over days (a
    rounding of a 1e-13 part of their spread) fit as they are. Such a column is an
    identifier (leave it out), or numbers to shift first (``x - x.min()``).

    Examples
    --------
    >>> from oneneuron.tables import unresolved_integers
    >>> import pandas as pd
    >>> unresolved_integers(pd.Series([2**60, 2**60 + 1, 2**60 + 2]))[:36]
    'holds integers as large as 115292150'
    >>> unresolved_integers(pd.Series([1, 2, 3])) is None
    True
    """
    t = pd.api.types
    held = t.infer_dtype(s, skipna=True) if s.dtype == np.dtype(object) else None
    if t.is_bool_dtype(s) or not (t.is_integer_dtype(s) or held in ("integer", "decimal")):
        return None
    present = s[s.notna()]
    if len(present) == 0:
        return None
    if held == "decimal":  # Decimal objects (a DECIMAL(p, s) column)
        if not all(v == v.to_integral_value() for v in present):
            return unresolved_decimals(present)
        present = pd.Series([int(v) for v in present], dtype=object)
    lo, hi = int(present.min()), int(present.max())
    top = max(abs(lo), abs(hi))
    if top <= EXACT_INTEGERS or lo == hi:
        return None
    if held is not None:  # Python ints, of any size: their differences, exactly
        diffs = np.array([int(v) - lo for v in present], dtype=np.float64)
    elif t.is_unsigned_integer_dtype(s):
        diffs = (present.to_numpy(dtype=np.uint64) - np.uint64(lo)).astype(np.float64)
    else:  # int64: the difference of two is exact modulo 2**64, and below it
        v = present.to_numpy(dtype=np.int64).view(np.uint64)
        diffs = (v - np.int64(lo).view(np.uint64)).astype(np.float64)
    spread = float(np.std(diffs))
    rounding = float(np.spacing(float(top))) / 2
    if rounding <= INTEGER_ROUNDING * spread:
        return None
    return (
        f"holds integers as large as {hi if abs(hi) >= abs(lo) else lo}, which float64 "
        f"numbers (exact to 2**53) round by up to {rounding:g}, against a spread (standard "
        f"deviation) of {spread:.4g}: the model would not see their differences (an "
        "identifier?); leave it out, or subtract a start (x - x.min())"
    )


def float_rounding(approx: np.ndarray) -> tuple[float, float]:
    """``(rounding, spread)`` of numbers held as the float64 values ``approx``: half the
    float64 spacing at their largest magnitude, and their standard deviation (taken from
    the differences to the smallest, so without cancellation). Where the rounding is a
    real loss the spread of the rounded values differs from the exact one by at most the
    rounding, so the test ``rounding <= INTEGER_ROUNDING * spread`` decides the same."""
    top = float(np.max(np.abs(approx)))
    return float(np.spacing(top)) / 2, float(np.std(approx - np.min(approx)))


def unresolved_decimals(present: pd.Series) -> str | None:
    """:func:`unresolved_integers`' rule for decimals with a fractional part (Python
    ``Decimal`` objects, e.g. a DECIMAL(38, 2) column): refused where float64's rounding
    at their magnitude exceeds :data:`INTEGER_ROUNDING` of their spread, e.g. amounts
    above ``2**53`` that differ by a few units, which float64 would make one number."""
    lo, hi = min(present), max(present)
    if lo == hi:
        return None
    rounding, spread = float_rounding(np.array([float(v) for v in present]))
    if rounding <= INTEGER_ROUNDING * spread:
        return None
    return (
        f"holds decimals as large as {hi if abs(hi) >= abs(lo) else lo}, which float64 "
        f"numbers round by up to {rounding:g}, against a spread (standard deviation) of "
        f"{spread:.4g}: the model would not see their differences; subtract a start "
        "(x - x.min()), or leave it out"
    )


_UNNEST = (
    "a model needs one number or category per cell: unnest it (e.g. one column per "
    "field or element) or leave it out"
)


def _temporal_message(name: str, s: pd.Series, where: str = "") -> str:
    """Why a column of dates or times is refused (at fit, and at predict where training
    had numbers: converted, they would be nanoseconds since 1970)."""
    if _is_duration(s):
        return f"column {name!r}{where} holds durations ({_dtype_name(s)}); {CONVERT_DURATION}"
    return (
        f"column {name!r}{where} holds dates or times ({_dtype_name(s)}); a model needs numbers "
        "or categories: convert it (e.g. days since a start, or the year as a "
        "category) or leave it out"
    )


#: A text column with a different value in every row is refused from this many rows on.
IDENTIFIER_ROWS = 20

#: A text column is numbers with stray text when at least this share of its cells are
#: numbers (and some are not); then its text cells are named, not made categories.
NUMERIC_SHARE = 0.9
#: Text that stands for a missing value in files written by other tools.
MISSING_MARKERS = frozenset(
    {"?", "-", "--", ".", "na", "n/a", "nan", "null", "none", "missing", "#n/a", "nd", "*"}
)


#: The values Excel, LibreOffice Calc and Google Sheets write for a formula that failed.
SPREADSHEET_ERRORS = (
    r"#(DIV/0!|VALUE!|REF!|NAME\?|NUM!|NULL!|N/A|SPILL!|CALC!|FIELD!|BLOCKED!|ERROR!"
    r"|GETTING_DATA)|Err:\d{3}"
)


#: The way out of a feature column missing in every row (the CLI says it in flags).
EMPTY_ADVICE = "; leave it out of the table (or of the formula)"


def header_again(s: pd.Series, name: str, cell: Any) -> str:
    """``"; data row 151 repeats the header line ..."`` where a cell of the column
    ``name`` (``s``, read as text) is the name itself: two exports joined into one file
    (``cat a.csv b.csv``) carry the second header line among the data. ``cell`` maps a
    position in ``s`` to the words for its row; ``""`` where no cell is the name.

    Examples
    --------
    >>> import pandas as pd
    >>> header_again(pd.Series(["1", "x", "2"]), "x", lambda i: f"data row {i + 1}")
    '; data row 2 repeats the header line (two tables joined into one file?): remove it'
    """
    hit = s.astype(object).map(lambda v: isinstance(v, str) and v.strip() == name.strip())
    hit = hit.to_numpy(dtype=bool)
    if not hit.any():
        return ""
    where = cell(int(np.argmax(hit)))
    return f"; {where} repeats the header line (two tables joined into one file?): remove it"


def numbers_as_text(s: pd.Series, cell: Any = None) -> str | None:
    """Why a text column looks like numbers (or dates) stored as text, or None.

    A column that would otherwise become a categorical variable with one indicator
    per distinct number: numbers with a few stray text cells (at least
    :data:`NUMERIC_SHARE` numbers, or one text cell among at least 5 rows), numbers
    with missing-value markers (``?``, ``n/a``, ...: at least half numbers), numbers
    written with a decimal comma (``1,5``), or ISO dates. ``cell(i)`` words the
    position ``i`` of a non-missing cell (default ``row i``). A pandas Categorical
    column is the user's explicit choice and is never questioned.

    Examples
    --------
    >>> import pandas as pd
    >>> numbers_as_text(pd.Series(["1.5", "2", "oops", "3.25", "4", "7"]))
    "holds numbers except 1 cell: 'oops' (row 2); fix it or leave it blank (a missing value)"
    >>> numbers_as_text(pd.Series(["a", "b", "1"])) is None
    True
    """
    if isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_numeric_dtype(s):
        return None
    if pd.api.types.is_bool_dtype(s):
        return None
    present = s.notna().to_numpy()
    # every test runs on the distinct values (a few in a column of categories), then
    # maps back to the cells through their codes
    codes, distinct = pd.factorize(s[present])
    try:
        # ASCII spaces only, as pandas' reader skips them: a number beside a no-break
        # space is a cell to name, not a number stored as text
        texts = pd.Series(distinct, dtype=object).astype(str).str.strip(" \t\r\n\f\v")
    except (UnicodeDecodeError, TypeError, ValueError):  # e.g. bytes that are not UTF-8

        def undecodable(v: Any) -> bool:
            try:
                v.decode("utf-8")
            except UnicodeDecodeError:
                return True
            return False

        example = next((v for v in distinct if isinstance(v, bytes) and undecodable(v)), None)
        return (
            f"holds bytes that are not UTF-8 text (e.g. {example!r}); a model needs numbers "
            "or categories: decode the column or leave it out"
        )
    n = len(codes)
    if n == 0:
        return None
    where = cell or (lambda i: f"row {i}")
    pos = np.flatnonzero(present)
    bad_text = np.isnan(pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64))
    bad = bad_text[codes]
    n_bad = int(bad.sum())
    if 0 < n_bad <= max(n * (1 - NUMERIC_SHARE), 1 if n >= 5 else 0):
        at = np.flatnonzero(bad)[:3]
        cells = ", ".join(f"{texts.iloc[codes[i]]!r} ({where(int(pos[i]))})" for i in at)
        more = " ..." if n_bad > 3 else ""
        return (
            f"holds numbers except {counted(n_bad, 'cell')}: {cells}{more}; "
            f"fix {'it' if n_bad == 1 else 'them'} or leave {'it' if n_bad == 1 else 'them'} "
            "blank (a missing value)"
        )
    errors = np.zeros(len(texts), dtype=bool)
    if 0 < n_bad < n:  # some cells are numbers: are the others failed formulas?
        errors = bad_text & texts.str.fullmatch(SPREADSHEET_ERRORS).to_numpy(dtype=bool)
    if errors.any():
        others = set(texts[bad_text & ~errors].str.lower())
        if others <= MISSING_MARKERS:
            shown = ", ".join(repr(e) for e in sorted(set(texts[errors])))
            return (
                f"holds numbers and the spreadsheet error values {shown} in "
                f"{counted(int(errors[codes].sum()), 'cell')} (formulas that failed); fix "
                "the formulas, or leave those cells blank (a missing value)"
            )
    if 0 < n_bad < n and n_bad <= n / 2 and set(texts[bad_text].str.lower()) <= MISSING_MARKERS:
        markers = sorted(set(texts[bad_text]))
        shown = ", ".join(repr(m) for m in markers)
        return (
            f"holds numbers and the missing-value {noun(len(markers), 'marker')} {shown} in "
            f"{counted(n_bad, 'cell')}; "
            "leave those cells blank (a missing value), or read the file with them as "
            "missing (pandas: na_values=[...])"
        )
    if n_bad == 0:  # all numbers: fractions stored as text are no codes ('01' may be)
        return _fractions_as_text(texts, codes, n)
    # every form starts with a digit, a sign, a bracket, a point or a currency: a column
    # of words is done after one cheap test of its distinct values' first characters
    maybe = bad_text & texts.str.match(_FORM_START).to_numpy(dtype=bool)
    if (maybe[codes] | ~bad).mean() < NUMERIC_SHARE:
        return None
    candidates = texts[maybe]
    # comma-grouped numbers (1,234 and 1,234,567): thousands separators as soon as one
    # cell cannot be a decimal comma; when every one could (one comma, three digits
    # after it), the message names both readings
    grouped = np.zeros(len(texts), dtype=bool)
    grouped[maybe] = candidates.str.fullmatch("[-+]?" + _GROUPED).to_numpy(dtype=bool)
    if grouped.any() and (grouped[codes] | ~bad).mean() >= NUMERIC_SHARE:
        single = grouped & texts.str.fullmatch(r"[-+]?\d{1,3},\d{3}").to_numpy(dtype=bool)
        sure = grouped & ~single
        form = (sure if sure.any() else single)[codes]
        example = texts.iloc[codes[int(np.argmax(form))]]
        why = _FORMATS[0][1] if sure.any() else _EITHER_COMMA
        return why.format(example=example, read_grouped=_read_grouped(example))
    for pattern, why in _FORMATS:
        form_text = np.zeros(len(texts), dtype=bool)
        form_text[maybe] = candidates.str.fullmatch(pattern).to_numpy(dtype=bool)
        if not form_text.any():
            continue
        form = form_text[codes]
        if (form | ~bad).mean() >= NUMERIC_SHARE:
            example = texts.iloc[codes[int(np.argmax(form))]]
            sign = next((c for c in example if c in "\u2212\u2013"), "\u2212")
            minus = f"{sign!r} (U+{ord(sign):04X})"
            return why.format(example=example, read_grouped=_read_grouped(example), minus=minus)
    return None


#: Distinct values a text column of numbers may hold and still be read as categories.
FEW_LEVELS = 20


def _fractions_as_text(texts: pd.Series, codes: Any, n: int) -> str | None:
    """Why a text column of numbers only (``texts``, its distinct values, stripped), more
    than :data:`FEW_LEVELS` of them, some with a fractional part ('0.503'), is numbers a
    writer stored as text, or None: so many categories, one per distinct number, are
    never meant. Whole numbers ('1', '02') may be codes, and a few levels such as doses
    ('0.5', '1.5') categories: they are not questioned."""
    if len(texts) <= FEW_LEVELS:
        return None
    values = pd.to_numeric(texts, errors="coerce").to_numpy(dtype=np.float64)
    fraction = np.isfinite(values) & (values != np.round(values))
    if not fraction.any():
        return None
    example = texts.iloc[int(np.argmax(fraction))]
    return (
        f"holds numbers stored as text (e.g. {example!r}; {len(texts)} distinct in {n} "
        "cells), which would be one category per distinct number; store them as numbers "
        "(pandas: pd.to_numeric)"
    )


def _read_grouped(example: str) -> str:
    """The advice for numbers grouped in thousands as ``example`` is: the reader's
    ``thousands=`` option with the file's own mark (',', ' ' or "'"), or, for a (narrow)
    no-break space, which that option does not take, to write them without it.

    Examples
    --------
    >>> _read_grouped("1 234")
    "write them without, or read the file with thousands=' '"
    """
    mark = next((c for c in example if c in ", '\u00a0\u202f"), ",")
    if mark in "\u00a0\u202f":
        name = "no-break space" if mark == "\u00a0" else "narrow no-break space"
        return (
            f"their mark is a {name} (U+{ord(mark):04X}), which no thousands= option "
            "reads: write them without it (e.g. replace it by nothing)"
        )
    return f"write them without, or read the file with thousands={mark!r}"


_FORM_START = r"[-+\u2212\u2013\s(.\d$€£¥₹]|USD|EUR|GBP"
_EITHER_COMMA = (
    "holds numbers written with thousands separators or a decimal comma (e.g. "
    "{example!r}: three digits after the one comma in every cell); write them as plain "
    "numbers with a decimal point, or read the file with thousands=',' or decimal=','"
)


_NUMBER = r"(\d+(\.\d*)?|\.\d+)"
_GROUPED = r"\d{1,3}(,\d{3})+(\.\d+)?"  # 1,234 or 1,234,567.5
_CLOCK = r"\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(\s?[AaPp]\.?[Mm]\.?)?"
_ZONE = r"(\s?(Z|UTC|[+-]\d{2}(:?\d{2})?))?"
_CONVERT_DATES = (
    "a model needs numbers or categories: convert it (e.g. days since a start, or the "
    "year as a category) or leave it out"
)
#: Numbers, dates and times as spreadsheets, R and other tools format them in text:
#: ``(pattern of a whole cell, message)``, tried in order on a text column whose cells
#: are (at least :data:`NUMERIC_SHARE` of them) such cells or plain numbers. Thousands
#: separators are recognised only where a cell cannot be a decimal comma (two groups,
#: or a decimal point after them: ``1,234,567``, ``1,234.5``); ``1,234`` alone reads as
#: a decimal comma, the more common export in the locales that write one.
_FORMATS = (
    (
        r"[-+]?(\d{1,3}(,\d{3}){2,}(\.\d+)?|\d{1,3}(,\d{3})+\.\d+"
        "|\\d{1,3}([ \u00a0\u202f']\\d{3})+(\\.\\d+)?)",
        "holds numbers written with thousands separators (e.g. {example!r}); {read_grouped}",
    ),
    (
        r"[\u2212\u2013]\s?(\d+([.,]\d*)?|[.,]\d+)([eE][-+\u2212]?\d+)?",
        "holds numbers written with the minus sign {minus}, as word processors and "
        "typeset reports write it (e.g. {example!r}); write them with '-'",
    ),
    (
        "[-+]?(\\d+|\\d{1,3}([. \u00a0\u202f]\\d{3})+),\\d+",
        "holds numbers written with a decimal comma (e.g. {example!r}); write them with a "
        "decimal point, or read the file with decimal=','",
    ),
    (
        r"[-+]?\s?(\d+([.,]\d*)?|[.,]\d+|" + _GROUPED + r")\s?%",
        "holds percentages written as text (e.g. {example!r}); write them as numbers "
        "(12.5 or 0.125)",
    ),
    (
        r"[-+]?\(?[-+]?([$€£¥₹]|USD|EUR|GBP)\s?[-+]?(" + _GROUPED + "|" + _NUMBER + r")\)?"
        r"|[-+]?(" + _GROUPED + "|" + _NUMBER + r"|\d+,\d+)\s?([$€£¥₹]|USD|EUR|GBP)",
        "holds amounts written with a currency sign (e.g. {example!r}); write them as "
        "plain numbers",
    ),
    (
        r"(\d{4}-\d{2}-\d{2}|\d{4}/\d{1,2}/\d{1,2}|\d{1,2}/\d{1,2}/(\d{4}|\d{2})"
        r"|\d{1,2}\.\d{1,2}\.\d{4})([T ]\s*" + _CLOCK + ")?" + _ZONE,
        "holds dates as text (e.g. {example!r}); " + _CONVERT_DATES,
    ),
    (
        _CLOCK + _ZONE,
        "holds times as text (e.g. {example!r}); " + _CONVERT_CLOCK,
    ),
)


def check_not_identifier(name: str, n: int, n_distinct: int, source: str = "") -> None:
    """Refuse a categorical column whose every (non-missing) row holds its own value.

    ``n`` is the column's non-missing rows, ``n_distinct`` their distinct values (as
    text). One category per row is one parameter per row: the fit separates the
    classes perfectly and says nothing about the cause. Such a column is an
    identifier, or dates or numbers written as text; from ``IDENTIFIER_ROWS`` rows on
    it is an error.
    """
    if n >= IDENTIFIER_ROWS and n_distinct == n:
        raise DataError(
            f"column {name!r}{source} has a different value in each of its {n} rows (an "
            "identifier, or dates or numbers written as text?): one category per row "
            "cannot be estimated; leave it out, or convert it to a number"
        )


def _text(v: Any) -> str:
    return v if isinstance(v, str) else str(v)


def _levels(s: pd.Series, name: str) -> list[str]:
    """The levels of a categorical column that its (training) rows hold, sorted as text,
    or in a Categorical's category order. A category no row holds is not a level (as R's
    ``model.frame`` drops unused levels): as the reference its absence made the other
    levels' columns sum to the intercept, otherwise it made an all-zero column, and
    either way the model had no standard errors; at predict it is an unseen category."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        held = np.bincount(codes[codes >= 0], minlength=len(s.cat.categories)) > 0
        levels = [_text(c) for c, h in zip(s.cat.categories, held, strict=True) if h]
    else:
        present = s[s.notna()]
        levels = sorted({_text(v) for v in present})
    if len(set(levels)) != len(levels):
        raise DataError(f"column {name!r} has levels that read the same as text")
    if len(levels) > _MAX_LEVELS:
        raise DataError(f"column {name!r} has {len(levels)} levels (more than {_MAX_LEVELS})")
    return levels


@dataclass
class DesignSpec:
    """How a table becomes the model's columns: learned by ``fit``, applied by ``transform``.

    Attributes
    ----------
    columns : list of dict
        The raw columns used, in table order: ``{"name", "kind", "levels", "fill"}``;
        ``kind`` is ``"numeric"``, ``"boolean"`` or ``"categorical"``, ``levels``
        (categorical only) lists the levels, the reference first (a formula's
        ``C(g, Treatment('b'))`` or ``levels=`` keeps them so and names another: the
        reference is the level no term uses, :meth:`reference_code`).
    terms : list of dict
        The model's columns in order: ``{"name": "student[T.Yes]", "factors": [...]}``,
        each factor ``{"column": c}`` (its value), ``{"column": c, "level": v}``
        (1 where the column equals ``v``), ``{"column": c, "contrast": [...]}`` (a
        contrast's value per level, in the order of ``levels``: ``C(g, Sum)[S.a]``),
        or ``{"column": c, "transform": t}``
        with ``t`` one of :data:`TRANSFORMS`, ``{"power": k}``,
        ``{"center": mean}``, ``{"scale": [mean, sd]}`` (sd with ddof=1, as formulaic) or
        ``{"affine": [a, b]}`` (``a * x + b``: ``I(x / c)``, ``I(x - c)``, ...), that
        under one of :data:`TRANSFORMS`, ``{"affine": [a, b], "then": t}``
        (``log(x + 1)``), ``{"compare": [op, c]}`` (``I(x > c)``), or
        ``{"poly": [j, alpha, norms2]}`` (column ``j`` of ``poly(x, k)``: :func:`poly_column`).
        A term's value is the product of its factors.
    target : str or None
        The target column of a formula's left-hand side (or of the CLI).
    missing, encoding : str
        The policies used at fit (see the module docstring).
    reference : dict
        The reference level asked for each column (empty: first levels).
    formula : str or None
        The formula as typed, kept for display only; never evaluated again.
    unsaved : str or None
        Why this spec cannot be saved (a formula term outside the allow-list);
        None when it can.

    Examples
    --------
    >>> from oneneuron.tables import DesignSpec
    >>> import pandas as pd
    >>> df = pd.DataFrame({"balance": [1.0, 2.0, 3.0], "student": ["No", "Yes", "No"]})
    >>> spec = DesignSpec.fit(df)
    >>> spec.names
    ['balance', 'student[T.Yes]']
    >>> spec.transform(df).tolist()
    [[1.0, 0.0], [2.0, 1.0], [3.0, 0.0]]
    >>> DesignSpec.fit(df, reference={"student": "Yes"}).names
    ['balance', 'student[T.No]']
    """

    columns: list[dict[str, Any]]
    terms: list[dict[str, Any]]
    target: str | None = None
    missing: str = "error"
    encoding: str = "reference"
    reference: dict[str, str] = field(default_factory=dict)
    formula: str | None = None
    unsaved: str | None = None
    _formulaic: Any = field(default=None, repr=False, compare=False)
    _references: Any = field(default=None, repr=False, compare=False)

    # ----------------------------------------------------------------- fit
    @classmethod
    def fit(
        cls,
        table: Any,
        *,
        formula: str | None = None,
        target: str | None = None,
        columns: list[str] | None = None,
        reference: dict[str, str] | None = None,
        encoding: str = "reference",
        missing: str = "error",
        intercept: bool = True,
        sample_weight: Any = None,
    ) -> DesignSpec:
        """Learn the spec from a training table (see the class and module docstrings).

        ``columns`` picks the raw columns of a formula-less design (default: all
        but ``target``). ``intercept`` says whether the model has one (only
        formulas change their coding with it). ``sample_weight`` (one per row,
        frequency weights) weighs the fill values of ``missing="mean"``,
        ``"median"`` and ``"most_frequent"``: a weight of 2 counts as two rows.
        Raises :class:`DataError` or ``ValueError`` naming the column, level or
        keyword at fault.
        """
        spec, _ = cls.fit_transform(
            table,
            formula=formula,
            target=target,
            columns=columns,
            reference=reference,
            encoding=encoding,
            missing=missing,
            intercept=intercept,
            sample_weight=sample_weight,
        )
        return spec

    @classmethod
    def fit_transform(
        cls,
        table: Any,
        *,
        formula: str | None = None,
        target: str | None = None,
        columns: list[str] | None = None,
        reference: dict[str, str] | None = None,
        encoding: str = "reference",
        missing: str = "error",
        intercept: bool = True,
        sample_weight: Any = None,
        sparse: bool | None = None,
        _number_columns: tuple[str, ...] = (),
    ) -> tuple[DesignSpec, Design]:
        """:meth:`fit` and the :class:`Design` of the training table in one go.

        ``sparse`` picks the form of ``Design.X`` as in :meth:`transform` (None: dense,
        or CSR for a large design that is mostly zeros). ``_number_columns`` (private):
        the numeric columns the formula codes only as categories, passed as
        Categoricals of their numbers, whose levels formulaic is shown as numbers
        (``C(dose, levels=[3, 1, 2])``).
        """
        if missing not in MISSING:
            raise ValueError(
                f"missing must be one of {', '.join(map(repr, MISSING))}, not {missing!r}"
            )
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be 'reference' or 'full', not {encoding!r}")
        reference = dict(reference or {})
        df = _bytes_as_text(positional_names(as_pandas(table)))
        renamed = isinstance(table, pd.DataFrame) and list(table.columns) != list(df.columns)
        given = df  # before any row is dropped (a numeric C(col) is refitted from it)
        lhs, rhs = None, None
        if formula is not None:
            lhs, rhs, used = _parse_formula(formula, list(df.columns))
            if intercept and not formula_has_intercept(rhs):
                raise ValueError(
                    f"the formula {formula!r} removes the intercept ('- 1' or '0 +') but the "
                    "model fits one (fit_intercept=True): pass fit_intercept=False as well "
                    "(oneneuron.logit and the command line's --formula follow the formula)"
                )
            if lhs is not None:
                if target is not None and target != lhs:
                    raise ValueError(f"the formula's target {lhs!r} differs from target={target!r}")
                target = lhs
            names = [c for c in df.columns if c in used and c != target]
        else:
            names = list(columns) if columns is not None else [c for c in df.columns if c != target]
        missing_cols = [c for c in names + ([target] if target else []) if c not in df.columns]
        if missing_cols:
            columns = noun(len(missing_cols), "column")
            raise DataError(f"the table lacks {columns} {', '.join(map(repr, missing_cols))}")
        if target is not None and target in names:
            raise DataError(f"the target column {target!r} cannot also be a feature")
        unknown = sorted(set(reference) - set(names))
        if unknown:
            raise ValueError(
                f"reference names {noun(len(unknown), 'column')} not in the model: "
                f"{', '.join(map(repr, unknown))}"
            )
        if len(df) == 0:
            raise DataError("the table has no rows")
        # ------------------------------------------------------ missing values
        keep = np.ones(len(df), dtype=bool)
        report: dict[str, Any] = {}
        w = None
        if sample_weight is not None and missing in ("mean", "median", "most_frequent"):
            w = np.asarray(sample_weight, dtype=np.float64).ravel()
            if len(w) != len(df):
                raise ValueError(
                    f"sample_weight has {counted(len(w), 'value')} but the table has "
                    f"{counted(len(df), 'row')}"
                )
        used_cols = names + ([target] if target else [])
        if target is not None:
            refuse_label_values(df[target], f"target column {target!r}")
        na = {c: df[c].isna().to_numpy() for c in used_cols}
        for name in names:  # before any row is dropped: dropping could only empty the table
            if na[name].all():
                raise DataError(f"column {name!r} is empty (every cell is missing){EMPTY_ADVICE}")
        if missing == "drop":
            for c in used_cols:
                keep &= ~na[c]
            report["dropped"] = int((~keep).sum())
            if not keep.any():
                raise DataError("every row has a missing value (missing='drop' left none)")
            df = df.loc[keep]
            na = {c: v[keep] for c, v in na.items()}
        elif target is not None and na[target].any():
            m = na[target]
            blank = m & df.isna().all(axis=1).to_numpy()
            also = (
                f"; {int(blank.sum())} of them {'is' if blank.sum() == 1 else 'are'} empty in "
                "every column (rows a spreadsheet leaves blank, e.g. at its end?): delete them"
                if blank.any()
                else ""
            )
            raise DataError(
                f"missing values in target column {target!r} ({counted(int(m.sum()), 'row')}, "
                f"first at row {int(np.argmax(m))}){also}; {TARGET_NOT_FILLED}"
            )
        if missing in ("mean", "median", "most_frequent"):  # the cells the fill will fill
            report["filled"] = int(sum(int(na[c].sum()) for c in names))
        cols: list[dict[str, Any]] = []
        for name in names:
            s = df[name]
            if na[name].all():
                raise DataError(f"column {name!r} is empty (every cell is missing){EMPTY_ADVICE}")
            unusable = unusable_values(s)
            if unusable is not None:
                raise DataError(f"column {name!r} {unusable}")
            kind = _kind(s)
            lost = unresolved_integers(s) if kind == "numeric" else None
            if lost is not None:
                raise DataError(f"column {name!r} {lost}")
            where = lambda i, rows=df.index: f"row {rows[i]}"  # noqa: E731
            why = numbers_as_text(s, where)
            if kind == "categorical" and why is not None:  # a Categorical dtype keeps it
                again = header_again(s, name, where)
                raise DataError(
                    f"column {name!r} {why}{again}"
                    + (
                        ""
                        if again
                        else f" (if its values are categories, say so: "
                        f"df[{name!r}].astype('category'))"
                    )
                )
            col: dict[str, Any] = {"name": name, "kind": kind, "levels": None, "fill": None}
            if kind == "categorical":
                present = s[~na[name]]
                check_not_identifier(name, len(present), present.astype(str).nunique())
                levels = _levels(s, name)
                _warn_look_alike_levels(name, levels)
                if name in reference:
                    ref = str(reference[name])
                    if (
                        ref not in levels
                        and isinstance(s.dtype, pd.CategoricalDtype)
                        and (ref in {_text(c) for c in s.cat.categories})
                    ):
                        raise ValueError(
                            f"reference level {ref!r} of column {name!r} has no rows in the "
                            f"training data (a category of its dtype only); pick one of "
                            f"{', '.join(map(repr, levels[:10]))}"
                        )
                    if ref not in levels:
                        raise ValueError(
                            f"reference level {ref!r} of column {name!r} is not one of its "
                            f"levels ({', '.join(map(repr, levels[:10]))})"
                        )
                    levels = [ref] + [v for v in levels if v != ref]
                col["levels"] = levels
                if len(levels) == 1 and encoding == "reference":
                    _warn_single_level(name, levels[0])
            elif name in reference and not (formula is not None and kind == "numeric"):
                raise ValueError(
                    f"reference names column {name!r}, which is {kind}, not categorical"
                )
            if missing in ("mean", "median", "most_frequent"):
                col["fill"] = _fill_value(
                    s[~na[name]], kind, missing, None if w is None else w[~na[name]]
                )
            cols.append(col)
        if missing == "error":
            bad = {c: na[c] for c in names if na[c].any()}
            if bad:
                raise DataError(_missing_message(bad, ""))
        spec = cls(cols, [], target, missing, encoding, reference, formula)
        spec._number_columns = frozenset(_number_columns)
        spec._filled = frozenset(c for c in names if na[c].any())  # cells a fill replaced
        raw = spec._clean(df, report)
        _count_empty_levels(spec, raw, report, sample_weight, keep)
        if formula is None:
            spec.terms = spec._plain_terms()
            X = spec._evaluate(raw, sparse=sparse)
        else:
            try:
                X = spec._fit_formula(raw, rhs, intercept, sparse, df.index)
            except DataError:
                raise
            except ValueError as exc:  # a name the formula read as the table's number
                if not renamed:
                    raise
                raise ValueError(
                    f"{exc}; X's column names are not text, so its columns are "
                    f"{', '.join(df.columns)} by position (scikit-learn's names): the "
                    "formula names them so"
                ) from None
            # C(dose) of a numeric column, C(flag) of a boolean one: filled as a
            # categorical is, by its most frequent level (a mean would be a level of
            # its own); known once fitted
            refill = [
                c
                for c in cols
                if missing in ("mean", "median")
                and na[c["name"]].any()
                and (
                    (c["kind"] == "numeric" and spec.numeric_categories(c["name"]) is not None)
                    or (c["kind"] == "boolean" and _coded_as_categories(spec, c["name"]))
                )
            ]
            for c in refill:
                seen = ~na[c["name"]]
                c["fill"] = _fill_value(
                    df[c["name"]][seen], c["kind"], "most_frequent", None if w is None else w[seen]
                )
            if refill:
                spec.unsaved, spec._references = None, None
                raw = spec._clean(df, report)
                X = spec._fit_formula(raw, rhs, intercept, sparse, df.index)
            coded = _coded_only_as_categories(spec) if spec.unsaved is not None else []
            alone = _coded_only_as_categories(spec, plain=True) if coded else []
            for c in cols:  # C(k) of a numeric column of one number: no model column
                found = None if c["name"] in coded else spec.numeric_categories(c["name"])
                if found is not None and len(found[0]) == 1:
                    _warn_single_level(c["name"], _text(found[0][0]))
            for c in cols:  # R's relevel(factor(k)): only where the formula has C(k) alone
                name = c["name"]
                if c["kind"] == "numeric" and name in reference and name not in alone:
                    level = reference[name]
                    number = _canonical_number(_text(level))
                    if number is not None:  # Treatment(3) for the number 3, not '3'
                        level = int(number) if number.is_integer() else number
                    raise ValueError(
                        f"reference names column {name!r}, a numeric column the formula "
                        f"does not use as C({name}) alone (as a number too, or with a "
                        "contrast), where a reference level is picked: give the level in "
                        f"the formula instead, C({name}, Treatment({level!r}))"
                    )
            _refuse_reference_beside_coding(spec, reference)
            if coded:  # C(dose) of a numeric column only: the Categorical of its numbers
                # (C(dose, Sum), levels=[3, 1, 2]: formulaic sees them as numbers still)
                return cls.fit_transform(
                    _as_categories(given, coded),
                    _number_columns=tuple(coded),
                    formula=formula,
                    target=target,
                    columns=columns,
                    reference=reference,
                    encoding=encoding,
                    missing=missing,
                    intercept=intercept,
                    sample_weight=sample_weight,
                    sparse=sparse,
                )
        y = None if target is None else df[target].to_numpy()
        report["rows"] = len(df)
        return spec, Design(X, spec.names, y, keep, report)

    def coding_note(self) -> str | None:
        """One line naming the categorical coding (the parameterisation), or None.

        Examples
        --------
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> DesignSpec.fit(pd.DataFrame({"g": ["b", "a"], "x": [1.0, 2.0]})).coding_note()
        'categorical columns: treatment coding against reference levels g=a'
        """
        cats = [c for c in self.columns if c["kind"] == "categorical"]
        if not cats:
            return None
        if self.encoding == "full":
            return "categorical columns: one column per level (full one-hot) for " + ", ".join(
                c["name"] for c in cats
            )
        refs = {c["name"]: self._reference_level(c) for c in cats}
        named = ", ".join(f"{c}={v}" for c, v in refs.items() if v is not None)
        note = "categorical columns: " + (
            f"treatment coding against reference levels {named}" if named else ""
        )
        others = [c for c, v in refs.items() if v is None]
        if others:
            note += "; " if named else ""
            note += (
                "coded without a reference level (one column per level, or contrasts: "
                "see the term names): " + ", ".join(others)
            )
        return note

    def _reference_level(self, col: dict[str, Any]) -> str | None:
        """The level column ``col`` is coded against, or None where no level is coded as
        all zeros (``0 + C(g)``, sum or Helmert coding)."""
        levels = col["levels"]
        if self._formulaic is not None and self.unsaved is not None:
            code = None if self._references is None else self._formula_reference(col["name"])
            return None if code is None else levels[code]
        code = self._stored_reference(col["name"])
        return None if code is None else levels[code]

    # ------------------------------------------------------------ transform
    def array_columns(self) -> bool:
        """Whether this spec codes an array's columns as they are: no formula, every
        column numeric and named ``x0, x1, ...`` in order, each its own term (what a fit
        on a NumPy array with ``missing=`` makes). Such a model codes a NumPy array of
        those columns (:func:`array_table`) as it did in training, missing cells filled."""
        names = [f"x{j}" for j in range(len(self.columns))]
        return (
            self.formula is None
            and all(c["kind"] == "numeric" for c in self.columns)
            and [c["name"] for c in self.columns] == names
            and self.names == names
        )

    def as_table(self, X: Any) -> Any:
        """``X`` as a table of this spec's columns where the spec codes an array's
        columns (:meth:`array_columns`) and X is a dense array of them
        (:func:`array_table`); otherwise X unchanged."""
        if is_table(X) or not self.array_columns():
            return X
        table = array_table(X)
        return X if table is None or table.shape[1] != len(self.columns) else table

    @property
    def names(self) -> list[str]:
        """The model's column (term) names, in matrix order."""
        return [t["name"] for t in self.terms]

    def transform(
        self,
        table: Any,
        report: dict[str, Any] | None = None,
        first_row: int = 0,
        source: str = "the table",
        sparse: bool | None = None,
    ) -> Any:
        """The float64 matrix (n_rows, len(names)) of ``table`` under this spec.

        A NumPy array, or a SciPy CSR matrix where the categorical columns make the
        design large and mostly zeros: at least :data:`SPARSE_MIN_CELLS` cells, at
        most :data:`SPARSE_MAX_DENSITY` of them non-zero (``sparse=None``, the
        default); ``sparse=True`` or ``False`` asks for one form. The values are the
        same either way, and so is every fit and prediction made from them.

        Missing cells follow the fit's policy (``"drop"`` is an error here:
        predictions need every row, so the message names the cells). A level
        not seen in training is coded as the reference level (reference coding:
        every indicator zero; a coding without one, ``0 + C(g)`` or ``C(g):x``,
        and sum or Helmert coding: the first level) and counted in
        ``report["unknown"]`` (``{column: [rows, example]}``).
        ``first_row`` numbers the table's first row in messages (default 0: rows
        are 0-based positions, as in the messages about NumPy input; the command
        line gives chunks their 1-based data rows), or lists each row's number (rows
        left out before: see :func:`~oneneuron.tables.row_number`); ``source`` names
        the table.

        Examples
        --------
        >>> import pandas as pd
        >>> from oneneuron.tables import DesignSpec
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
        >>> spec = DesignSpec.fit(df)
        >>> type(spec.transform(df)).__name__  # small: dense
        'ndarray'
        >>> X = spec.transform(df, sparse=True)
        >>> X.format, X.nnz, X.toarray().tolist()
        ('csr', 5, [[1.0, 0.0, 0.0], [2.0, 1.0, 0.0], [3.0, 0.0, 1.0]])
        """
        raw = self._raw(table, report, first_row, source)
        if self._formulaic is not None and self.unsaved is not None:
            n = len(next(iter(raw.values()))) if raw else 0
            X = _formulaic_matrix(self, raw, self._formulaic_sparse(raw, n) or bool(sparse))
            if not hasattr(X, "toarray"):
                return X
            dense = sparse is False or (
                sparse is None and X.nnz > SPARSE_MAX_DENSITY * n * len(self.terms)
            )
            return X.toarray() if dense else X
        return self._evaluate(raw, first_row, sparse)

    def values(self, table: Any, report: dict[str, Any] | None = None) -> dict[str, np.ndarray]:
        """The raw columns of ``table`` as the spec reads them, before any term is formed.

        Numeric and boolean columns as float64 (booleans 0/1), categorical ones as
        level codes (positions in ``levels``; an unseen level is coded as the
        reference level, :meth:`reference_code`, and counted in ``report`` as
        :meth:`transform` counts it); missing cells follow the fit's policy as in
        :meth:`transform`. :meth:`matrix` turns (possibly
        edited) values into the model's columns, :meth:`derivative` differentiates
        them; marginal effects per variable are made this way.

        Examples
        --------
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0], "g": ["a", "b"]})
        >>> spec = DesignSpec.fit(df, formula="~ x + I(x ** 2) + C(g)")
        >>> v = spec.values(df)
        >>> v["x"].tolist(), v["g"].tolist()
        ([1.0, 2.0], [0, 1])
        >>> spec.matrix(dict(v, x=v["x"] + 1)).tolist()
        [[2.0, 4.0, 0.0], [3.0, 9.0, 1.0]]
        >>> spec.derivative(v, "x").tolist()
        [[1.0, 2.0, 0.0], [1.0, 4.0, 0.0]]
        """
        return self._raw(table, report)

    def kept_rows(self, table: Any) -> tuple[pd.DataFrame, np.ndarray] | None:
        """``(table as pandas, rows the fit's missing policy keeps)``; None if not a table.

        With ``missing="drop"`` the rows with a missing cell in a column this spec
        reads or in its target are dropped, as the fit dropped them; every row is
        kept under the other policies. The statistics that take the training
        table again (``anova``, ``margeff``, ...) read the fit's rows this way.

        Examples
        --------
        >>> import pandas as pd
        >>> from oneneuron.tables import DesignSpec
        >>> df = pd.DataFrame({"x": [1.0, None, 3.0], "y": [0, 1, None]})
        >>> DesignSpec.fit(df, target="y", missing="drop").kept_rows(df)[1].tolist()
        [True, False, False]
        """
        if not is_table(table):
            return None
        df = positional_names(as_pandas(table))
        keep = np.ones(len(df), dtype=bool)
        if self.missing == "drop":
            names = {str(c): c for c in df.columns}
            used = [c["name"] for c in self.columns] + [self.target] * (self.target is not None)
            for name in used:
                if name in names:
                    keep &= ~df[names[name]].isna().to_numpy()
        return df, keep

    def numeric_categories(self, name: str) -> tuple[list[Any], Any] | None:
        """Levels and reference of a numeric column the formula codes as categories only.

        ``C(dose, Helmert(scale=True))`` of a numeric column (a coding a model file
        cannot store): its levels as the formula library found them in the training
        table, in its order, and the reference (a treatment contrast's base; otherwise
        the first level). None where the column is not coded so, or also enters as a
        number (``dose + C(dose)``: no one discrete change describes it), and for
        ``C(dose)`` alone or with a coding a model file stores (``C(dose, Sum)``,
        ``C(dose, Treatment(2))``), which the spec holds as a categorical column.

        Examples
        --------
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [0.1, 0.4, 0.2, 0.9], "dose": [1, 2, 3, 1]})
        >>> DesignSpec.fit(df, formula="~ x + C(dose, Helmert(scale=True))").numeric_categories(
        ...     "dose"
        ... )
        ([1, 2, 3], 1)
        >>> DesignSpec.fit(df, formula="~ x + C(dose, Treatment(2))").numeric_categories("dose")
        >>> DesignSpec.fit(df, formula="~ x + C(dose)").numeric_categories("dose") is None
        True
        >>> DesignSpec.fit(df, formula="~ x + dose + C(dose)").numeric_categories("dose") is None
        True
        """
        spec = getattr(self, "_formulaic", None)
        col = self._by_name().get(name)
        if spec is None or col is None or col["kind"] != "numeric":
            return None
        names = [c["name"] for c in self.columns]
        if not _only_categories(spec, name, names):
            return None  # it also enters as a number (or through another transform)
        states = [
            state
            for expr, (_, state) in spec.encoder_state.items()
            if name in _names_in(str(expr), names)
        ]
        levels = list(states[0]["categories"])
        base = getattr(getattr(states[0].get("contrasts"), "contrasts", None), "base", None)
        return levels, base if any(base == v for v in levels) else levels[0]

    def _raw(
        self,
        table: Any,
        report: dict[str, Any] | None = None,
        first_row: int = 0,
        source: str = "the table",
    ) -> dict[str, np.ndarray]:
        """:meth:`values` with the options of :meth:`transform`."""
        df = _bytes_as_text(positional_names(as_pandas(table)))
        lacking = [c["name"] for c in self.columns if c["name"] not in df.columns]
        if lacking:
            columns = noun(len(lacking), "column")
            raise DataError(f"the table lacks {columns} {', '.join(map(repr, lacking))}")
        if self.missing in ("error", "drop"):
            bad = {c["name"]: df[c["name"]].isna().to_numpy() for c in self.columns}
            bad = {c: v for c, v in bad.items() if v.any()}
            if bad:
                raise DataError(_missing_message(bad, "", first_row, predicting=True))
        return self._clean(df, report if report is not None else {}, first_row, source)

    def matrix(self, values: dict[str, np.ndarray]) -> np.ndarray:
        """The model's columns (n, len(names)) from raw :meth:`values` (edited or not).

        A categorical may also be given as level *weights*, shape (n, len(levels))
        (e.g. the sample proportions): every indicator ``name[T.level]`` then takes
        the level's weight in place of 0/1, and a term that multiplies it (``x:C(g)``)
        the product. This is the design at "the means" of a categorical as Stata's
        ``margins, atmeans`` forms it; exact, since every column is linear in each
        categorical's indicators (for a formula outside the saved list, the weighted
        sum of the matrices at every combination of levels).

        Examples
        --------
        >>> import numpy as np
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "b"]})
        >>> spec = DesignSpec.fit(df, formula="~ x + C(g) + x:C(g)")
        >>> spec.names
        ['x', 'C(g)[T.b]', 'x:C(g)[T.b]']
        >>> spec.matrix({"x": np.array([2.0]), "g": np.array([[0.25, 0.75]])}).tolist()
        [[2.0, 0.75, 1.5]]
        """
        raw = {c["name"]: values[c["name"]] for c in self.columns}
        if self._formulaic is not None and self.unsaved is not None:
            weights = {}  # column -> (n, levels): categorical weights, fractional booleans
            for c in self.columns:
                v = np.asarray(raw[c["name"]])
                if v.ndim == 2:
                    weights[c["name"]] = v
                elif c["kind"] == "boolean" and not np.all((v == 0) | (v == 1)):
                    weights[c["name"]] = np.column_stack([1.0 - v, v])
            if not weights:
                return _formulaic_matrix(self, raw)
            sizes = [w.shape[1] for w in weights.values()]
            if math.prod(sizes) > 4096:
                raise ValueError(
                    f"level weights for {len(weights)} columns need {math.prod(sizes)} "
                    "combinations of levels in this formula (at most 4096)"
                )
            total = 0.0
            for combo in itertools.product(*(range(k) for k in sizes)):
                pairs = list(zip(weights, combo, strict=True))
                weight = np.prod([weights[k][:, c] for k, c in pairs], axis=0)
                codes = {k: np.full(len(weight), c) for k, c in pairs}
                total = total + weight[:, None] * _formulaic_matrix(self, dict(raw, **codes))
            return np.asarray(total, dtype=np.float64)
        return self._evaluate(raw)

    def derivative(self, values: dict[str, np.ndarray], column: str) -> np.ndarray:
        """``d(model columns) / d(column)`` per row, shape (n, len(names)).

        Exact (the product rule through each term's factors and the derivative of
        its transform) for every term a model file can store; for a formula term
        outside that list (``bs``) a one-sided difference of second order
        with step ``h = 1e-5 * max(1, |x|)``, ``(-3 f(x) + 4 f(x + h) - f(x + 2h)) / 2h``,
        taken towards the median of the rows (relative error ~1e-10 for smooth terms):
        a transform defined on the training range only (``bs``) is then never asked
        for a value beyond the rows' own range, as a central difference at the row
        holding the maximum was.
        """
        col = self._by_name().get(column)
        if col is None or col["kind"] == "categorical":
            raise ValueError(f"{column!r} is not a numeric column of this design")
        x = np.asarray(values[column], dtype=np.float64)
        if self._formulaic is not None and self.unsaved is not None:
            h = 1e-5 * np.maximum(1.0, np.abs(x))
            h = np.where(x >= np.median(x), -h, h)  # towards the middle of the rows
            at = self.matrix(values)
            one = self.matrix(dict(values, **{column: x + h}))
            two = self.matrix(dict(values, **{column: x + 2.0 * h}))
            return (4.0 * one - 3.0 * at - two) / (2.0 * h)[:, None]
        n = len(x)
        D = np.zeros((n, len(self.terms)))
        raw = {c["name"]: values[c["name"]] for c in self.columns}
        for j, term in enumerate(self.terms):
            factors = term["factors"]
            for i, f in enumerate(
                factors
            ):  # product rule: d/dx of factor i, the others as they are
                if f["column"] != column or "level" in f:
                    continue
                part = _factor_derivative(f, x)
                for k, g in enumerate(factors):
                    if k != i:
                        part = part * self._factor(g, raw)
                D[:, j] += part
        return D

    def _factor(self, f: dict[str, Any], raw: dict[str, Any]) -> np.ndarray:
        """One factor's value per row (as :meth:`_evaluate` forms it)."""
        x = raw[f["column"]]
        if "level" in f:
            col = self._by_name()[f["column"]]
            index = col["levels"].index(f["level"])
            return x[:, index] if np.ndim(x) == 2 else x == index
        if "contrast" in f:  # C(g, Sum): the level's value (level weights: their mean)
            values = np.asarray(f["contrast"], dtype=np.float64)
            if np.ndim(x) == 2:
                return np.asarray(x, dtype=np.float64) @ values
            codes = np.asarray(x)
            return np.where(codes >= 0, values[np.maximum(codes, 0)], 0.0)
        t = f.get("transform")
        if t is None:
            return x
        if isinstance(t, str):
            with np.errstate(all="ignore"):
                return TRANSFORMS[t](x)
        if "power" in t:
            return x ** t["power"]
        if "scale" in t:
            return (x - t["scale"][0]) / t["scale"][1]
        if "affine" in t:
            v = t["affine"][0] * x + t["affine"][1]
            if "then" in t:
                with np.errstate(all="ignore"):
                    return TRANSFORMS[t["then"]](v)
            return v
        if "compare" in t:
            op, c = t["compare"]
            return COMPARISONS[op](x, c).astype(np.float64)
        if "poly" in t:
            return poly_column(x, *t["poly"])
        return x - t["center"]

    def _clean(
        self,
        df: pd.DataFrame,
        report: dict[str, Any],
        first_row: int = 0,
        source: str = "the table",
    ) -> dict[str, Any]:
        """Raw column values after filling: float arrays, or level codes for categoricals."""
        out: dict[str, Any] = {}
        for col in self.columns:
            name, kind, fill = col["name"], col["kind"], col["fill"]
            s = df[name]
            refuse_nested(s, name, source, "categories" if kind == "categorical" else "numbers")
            na = s.isna().to_numpy()
            if kind == "categorical":
                codes, strs = _level_codes(s, na, col["levels"], fill)
                unknown = (codes < 0) & ~na if fill is None else codes < 0
                if unknown.any():
                    matched = bool((codes[~na] >= 0).any())  # some cells are levels
                    _check_still_categories(s, na, name, col["levels"], source, matched)
                    n, ex = int(unknown.sum()), _unknown_example(strs, unknown, col["levels"])
                    prev = report.setdefault("unknown", {}).get(name)
                    report["unknown"][name] = [
                        n + (prev[0] if prev else 0),
                        prev[1] if prev else ex,
                    ]
                    # an unseen level is the reference level, whatever the coding
                    codes = np.where(unknown, self.reference_code(name), codes)
                out[name] = codes
                continue
            if kind != "categorical" and _is_temporal(s):  # to_numeric reads nanoseconds
                raise DataError(_temporal_message(name, s, f" of {source}"))
            if kind == "numeric" and _kind(s) == "boolean":
                # training keeps a column of true/false as kind "boolean": this one held
                # numbers, and reading True/False as 1/0 would guess what they stand for
                ex = bool(s[~na].iloc[0]) if (~na).any() else None
                raise DataError(
                    f"column {name!r} of {source} held numbers in training but holds "
                    f"true/false values here (e.g. {ex!r}): write the numbers the training "
                    "table held (e.g. 0/1), or train on a table that holds true/false"
                )
            if kind == "numeric" and not pd.api.types.is_numeric_dtype(s):
                num = pd.to_numeric(s, errors="coerce")
                bad = num.isna().to_numpy() & ~na
                if bad.any():
                    why = numbers_as_text(s, lambda i: f"row {row_number(first_row, i)}")
                    shown = (
                        f"it {why}"
                        if why and why.startswith("holds ")
                        else (
                            f"has {counted(int(bad.sum()), 'non-numeric value')}, "
                            f"e.g. {s[bad].iloc[0]!r}"
                        )
                    )
                    where = lambda i: f"row {row_number(first_row, i)}"  # noqa: E731
                    raise DataError(
                        f"column {name!r} of {source} must be numeric (as in training) but {shown}"
                        + header_again(s, name, where)
                    )
                s = num
            if kind == "boolean":
                vals = _boolean_values(s, na, name, source)
            else:
                vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if fill is not None and na.any():
                vals = np.where(na, float(fill), vals)
            inf = np.isinf(vals)
            if inf.any():
                raise DataError(
                    f"column {name!r} of {source} has infinite values (first at row "
                    f"{row_number(first_row, int(np.argmax(inf)))}); a model needs finite numbers"
                )
            coded = self.numeric_categories(name) if kind == "numeric" else None
            if coded is not None:  # C(dose): a value not seen in training is the reference
                unknown = ~np.isin(vals, np.asarray(coded[0], dtype=np.float64)) & ~np.isnan(vals)
                if unknown.any():
                    ex = f"{vals[np.flatnonzero(unknown)[0]]:g}"
                    prev = report.setdefault("unknown", {}).get(name)
                    report["unknown"][name] = [
                        int(unknown.sum()) + (prev[0] if prev else 0),
                        prev[1] if prev else ex,
                    ]
                    vals = np.where(unknown, float(coded[1]), vals)
            out[name] = vals
        return out

    def reference_code(self, name: str) -> int:
        """The position in ``levels`` of categorical ``name``'s reference level.

        The level an unseen level is coded as, and the one the per-variable
        marginal effects are changes from: the first of ``levels`` (the reference
        of reference coding, and the level an intercept would drop where the
        coding has none: ``0 + C(g)``, ``C(g):x``), or, for a formula formulaic
        evaluates (``C(g, Treatment("b"))``, ``C(g, levels=[...])``), the one
        level whose columns are all zero (the first level where none is: sum or
        Helmert coding).

        Examples
        --------
        >>> import pandas as pd
        >>> from oneneuron.tables import DesignSpec
        >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "g": ["a", "b", "c", "b"]})
        >>> DesignSpec.fit(df, formula="~ x + C(g)").reference_code("g")
        0
        >>> DesignSpec.fit(df, formula="~ x + C(g, Treatment('c'))").reference_code("g")
        2
        """
        code = self._stored_reference(name) if self._references is None else None
        if self._references is not None:
            code = self._formula_reference(name)
        return 0 if code is None else code

    def _stored_reference(self, name: str) -> int | None:
        """The code of the level of categorical ``name`` that every term codes as 0
        (the reference of treatment coding, whichever level it is), None where no
        level is (sum, Helmert or polynomial contrasts, one column per level)."""
        col = self._by_name()[name]
        k = len(col["levels"])
        coded = []
        for t in self.terms:
            for f in t["factors"]:
                if f["column"] == name and "level" in f:
                    coded.append(np.arange(k) == col["levels"].index(f["level"]))
                elif f["column"] == name and "contrast" in f:
                    coded.append(np.asarray(f["contrast"]) != 0)
        if not coded:
            return 0
        zero = np.flatnonzero(~np.any(coded, axis=0))
        return int(zero[0]) if len(zero) == 1 else None

    def _reference_row(self, raw: dict[str, Any]) -> dict[str, Any] | None:
        """The first complete training row (one value per column), from which
        :meth:`_formula_reference` finds the reference levels when first asked."""
        kinds = {c["name"]: c["kind"] for c in self.columns}
        complete = np.logical_and.reduce(
            [
                np.asarray(v) >= 0 if kinds[c] == "categorical" else np.isfinite(v)
                for c, v in raw.items()
            ]
        )
        if not np.any(complete):
            return None
        first = int(np.argmax(complete))
        return {c: np.asarray(v)[first : first + 1].copy() for c, v in raw.items()}

    def _formula_reference(self, name: str) -> int | None:
        """The code of the level of categorical ``name`` coded as all zeros in a
        formulaic-evaluated design (None where no level is: sum or Helmert coding):
        each level in turn, the other columns at the first complete training row.
        Found on first use and kept (a fit with a wide design pays nothing for it)."""
        known = self._references.setdefault("found", {})
        if name in known:
            return known[name]
        col = self._by_name()[name]
        row, k, found = self._references.get("row"), len(col["levels"] or ()), None
        if row is not None and k >= 2:
            rows = {c: np.repeat(v, k) for c, v in row.items()}
            rows[name] = np.arange(k)
            try:  # sparse: k rows of a wide design (g:h of two large factors) stay small
                M = _formulaic_matrix(self, rows, sparse=True)
            except ValueError:
                M = None
            if M is not None:
                varying = np.flatnonzero(
                    np.asarray(M.max(axis=0).todense()).ravel()
                    != np.asarray(M.min(axis=0).todense()).ravel()
                )
                part = M[:, varying]
                part.eliminate_zeros()
                zero = np.flatnonzero(np.diff(part.indptr) == 0)
                found = int(zero[0]) if len(varying) and len(zero) == 1 else None
        known[name] = found
        return found

    def _plain_terms(self) -> list[dict[str, Any]]:
        terms: list[dict[str, Any]] = []
        for col in self.columns:
            name = col["name"]
            if col["kind"] != "categorical":
                terms.append({"name": name, "factors": [{"column": name}]})
                continue
            levels = col["levels"] if self.encoding == "full" else col["levels"][1:]
            fmt = "{}[{}]" if self.encoding == "full" else "{}[T.{}]"
            terms.extend(
                {"name": fmt.format(name, lv), "factors": [{"column": name, "level": lv}]}
                for lv in levels
            )
        _check_unique([t["name"] for t in terms])
        return terms

    def _evaluate(
        self, raw: dict[str, Any], first_row: int = 0, sparse: bool | None = False
    ) -> Any:
        """The model's columns from raw values: dense, or CSR where ``sparse`` says so
        (None: by :meth:`_sparse_pays`; level weights always give a dense matrix)."""
        n = len(next(iter(raw.values()))) if raw else 0
        kinds = {c["name"]: c for c in self.columns}
        for term in self.terms:
            for f in term["factors"]:
                col = kinds[f["column"]]
                if col["kind"] == "categorical" and "level" not in f and "contrast" not in f:
                    raise ValueError(
                        f"term {term['name']!r} uses categorical {col['name']!r} as a number"
                    )
        weighted = any(
            np.ndim(raw[c["name"]]) == 2 for c in self.columns if c["kind"] == "categorical"
        )
        if sparse is None:
            sparse = not weighted and self._sparse_pays(raw, n)
        if sparse and not weighted:
            return self._evaluate_sparse(raw, n, first_row)
        X = np.empty((n, len(self.terms)), dtype=np.float64)
        for j, term in enumerate(self.terms):
            v = np.ones(n)
            for f in term["factors"]:
                v = v * self._factor(f, raw)
            X[:, j] = v
        if not np.all(np.isfinite(X)):
            j = int(np.flatnonzero(~np.isfinite(X).all(axis=0))[0])
            i = int(np.flatnonzero(~np.isfinite(X[:, j]))[0])
            raise self._not_finite(j, row_number(first_row, i))
        return X

    def _not_finite(self, j: int, row: int) -> DataError:
        return DataError(
            f"term {self.terms[j]['name']!r} is not finite at row {row} "
            "(e.g. the log of a value <= 0)"
        )

    def _sparse_pays(self, raw: dict[str, Any], n: int) -> bool:
        """Whether the design of these raw values is large and sparse enough for CSR
        (:data:`SPARSE_MIN_CELLS`, :data:`SPARSE_MAX_DENSITY`): the non-zeros are
        bounded from each level's rows, before any column is formed."""
        cells = n * len(self.terms)
        if cells < SPARSE_MIN_CELLS or not any(
            "level" in f for t in self.terms for f in t["factors"]
        ):
            return False
        counts = {}
        for c in self.columns:
            if c["kind"] == "categorical":
                codes = np.asarray(raw[c["name"]])
                counts[c["name"]] = np.bincount(codes[codes >= 0], minlength=len(c["levels"]))
        index = self._level_index()
        nnz = 0
        for t in self.terms:
            rows = [
                int(counts[f["column"]][index[f["column"]][f["level"]]])
                for f in t["factors"]
                if "level" in f
            ]
            nnz += min(rows) if rows else n
        return nnz <= SPARSE_MAX_DENSITY * cells

    def _level_index(self) -> dict[str, dict[str, int]]:
        """``{column: {level: code}}`` of the categorical columns."""
        return {
            c["name"]: {v: k for k, v in enumerate(c["levels"])}
            for c in self.columns
            if c["kind"] == "categorical"
        }

    def _evaluate_sparse(self, raw: dict[str, Any], n: int, first_row: int = 0) -> Any:
        """The model's columns as a CSR matrix, every value as :meth:`_evaluate` forms it.

        A term without a level factor is a stored column of every row; the terms
        that share their categorical columns and their other factors (``g[T.b]``,
        ``g[T.c]``; or ``x:g[T.b]``, ``x:g[T.c]``) are formed together from the
        rows' combined level codes, each row's value stored in the one column its
        levels pick (none for the reference or an unseen level).
        """
        import scipy.sparse as sp

        p = len(self.terms)
        index = self._level_index()
        rows_, cols_, vals_ = [], [], []
        groups: dict[tuple[Any, ...], tuple[list[Any], list[tuple[int, tuple[int, ...]]]]] = {}
        for j, term in enumerate(self.terms):
            levels = [f for f in term["factors"] if "level" in f]
            others = [f for f in term["factors"] if "level" not in f]
            if not levels:
                v = np.ones(n)
                for f in others:
                    v = v * self._factor(f, raw)
                rows_.append(np.arange(n))
                cols_.append(np.full(n, j))
                vals_.append(np.asarray(v, dtype=np.float64))
                continue
            key = (tuple(f["column"] for f in levels), repr(others))
            groups.setdefault(key, (others, []))[1].append(
                (j, tuple(index[f["column"]][f["level"]] for f in levels))
            )
        for (cats, _), (others, members) in groups.items():
            sizes = [len(index[k]) for k in cats]
            codes = [np.asarray(raw[k]) for k in cats]
            combos = {idx for _, idx in members}
            if len(set(cats)) == len(cats) and len(combos) == len(members):
                if len(codes) == 1:  # one categorical: its codes are the combinations
                    flat, known = codes[0], codes[0] >= 0
                else:
                    known = np.logical_and.reduce([c >= 0 for c in codes])
                    flat = np.ravel_multi_index([np.where(known, c, 0) for c in codes], sizes)
                keys = np.array([np.ravel_multi_index(i, sizes) for _, i in members])
                terms = np.array([j for j, _ in members])
                if math.prod(sizes) <= 1 << 22:  # a table of every combination's column
                    lookup = np.full(math.prod(sizes), -1, dtype=np.int64)
                    lookup[keys] = terms
                    col = np.where(known, lookup[np.where(known, flat, 0)], -1)
                    hit = np.flatnonzero(col >= 0)
                    picked = [(hit, col[hit])]
                else:  # too many combinations for a table: the used ones, sorted
                    order = np.argsort(keys)
                    keys, terms = keys[order], terms[order]
                    pos = np.minimum(np.searchsorted(keys, flat), len(keys) - 1)
                    hit = np.flatnonzero(known & (keys[pos] == flat))
                    picked = [(hit, terms[pos[hit]])]
            else:  # a column twice in a term, or repeated terms: one mask per term
                picked = []
                for j, idx in members:
                    mask = np.all([c == i for c, i in zip(codes, idx, strict=True)], axis=0)
                    hit = np.flatnonzero(mask)
                    picked.append((hit, np.full(len(hit), j)))
            for hit, col in picked:
                sub = {k: raw[k][hit] for k in {f["column"] for f in others}}
                v = np.ones(len(hit))
                for f in others:
                    v = v * self._factor(f, sub)
                rows_.append(hit)
                cols_.append(col)
                vals_.append(np.asarray(v, dtype=np.float64))
        rows = np.concatenate(rows_) if rows_ else np.zeros(0, dtype=np.intp)
        cols = np.concatenate(cols_) if cols_ else np.zeros(0, dtype=np.intp)
        vals = np.concatenate(vals_) if vals_ else np.zeros(0)
        bad = ~np.isfinite(vals)
        if bad.any():
            j = int(cols[bad].min())
            raise self._not_finite(j, row_number(first_row, int(rows[bad & (cols == j)].min())))
        index = np.int32 if max(len(vals), n, p) < 2**31 - 1 else np.int64
        X = sp.coo_matrix((vals, (rows.astype(index), cols.astype(index))), shape=(n, p)).tocsr()
        X.sort_indices()  # (tocsr sorts them already: no work)
        return X

    # ------------------------------------------------------------ formulas
    def _fit_formula(
        self,
        raw: dict[str, Any],
        rhs: str,
        intercept: bool,
        sparse: bool | None = None,
        rows: Any = None,
    ) -> Any:
        """The model matrix of the formula's right side ``rhs``; ``rows`` labels the
        rows in messages (the table's index, rows dropped for missing values left out),
        default their positions."""
        from formulaic import model_matrix

        frame = self._frame(raw)
        n = len(frame)
        if not intercept:
            rhs = rhs + " - 1"
        # formulaic's own sparse output where the indicators could make a large matrix
        big = sparse if sparse is not None else self._formulaic_sparse(raw, n)
        _refuse_r_treatment_base(rhs, frame)
        try:
            # formulaic's warnings are held until the levels are checked: where they
            # name training values outside C(g, levels=...), the one error below says
            # so (a library warning before it told the user of a fit that never came)
            with warnings.catch_warnings(record=True) as held:
                warnings.simplefilter("always")
                mm = model_matrix(
                    rhs, frame, na_action="raise", output="sparse" if big else "pandas"
                )
        except Exception as exc:  # noqa: BLE001 - formulaic's errors are the formula's
            msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            unknown = re.search(r"name '(\w+)' is not defined", msg)
            if unknown and unknown.group(1) in R_FUNCTIONS:
                name = unknown.group(1)
                msg += f"; R's {name}() is {R_FUNCTIONS[name]} here"
            elif unknown:  # R's names with a dot (MPG.city): Python's attribute access
                dotted = [
                    c for c in map(str, frame.columns) if c.startswith(unknown.group(1) + ".")
                ]
                factor = re.search(r"evaluate factor `([^`]*)`", msg)
                term = factor.group(1) if factor else ""

                def bare(c: str) -> str:  # the name unquoted in the term
                    return rf"(?<![\w.`]){re.escape(c)}(?![\w.`])"

                used = [c for c in dotted if re.search(bare(c), term)]
                if dotted:
                    name = max(used or dotted, key=len)
                    example = re.sub(bare(name), f"`{name}`", term)
                    msg += (
                        f"; the column {name!r} has a dot in its name, which Python reads "
                        f"inside a call as an attribute: quote it with backticks, `{name}`"
                        + (f" ({example})" if "`" in example else "")
                    )
            base = re.search(r"Value `([^`]*)` for `TreatmentContrasts.base` is not among", msg)
            if base:
                msg = msg.rstrip(".") + _treatment_base_hint(rhs, frame, base.group(1))
            nulls = re.search(r"`([^`]+)` contains null values after evaluation", msg)
            row = _first_not_finite(rhs, frame, nulls.group(1)) if nulls else None
            if row is not None and rows is not None:
                row = rows[row]
            if row is not None:  # a term undefined on the data: as transform names it
                raise DataError(
                    f"term {nulls.group(1)!r} of the formula {self.formula!r} is not finite "
                    f"at row {row} (e.g. the log of a value <= 0)"
                ) from None
            raise ValueError(f"cannot evaluate the formula {self.formula!r}: {msg}") from None
        refilled = self._check_nominated_levels(mm.model_spec, frame)
        for w in held if not refilled else []:  # the refit gives its own (fit_transform
            # replaces the mean fill by a level): these would tell of the mean's rows
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
        names = [str(c) for c in mm.model_spec.column_names]
        if big:
            import scipy.sparse as sp

            X = sp.csc_matrix(mm, dtype=np.float64)
        else:
            X = mm.to_numpy(dtype=np.float64)
        if "Intercept" in names:
            k = names.index("Intercept")
            X = X[:, [j for j in range(len(names)) if j != k]] if big else np.delete(X, k, axis=1)
            del names[k]
        if not names:
            raise ValueError(
                f"the formula {self.formula!r} has no term besides the intercept; the "
                "intercept-only model is every fit's null model (null_log_likelihood_; "
                "lr_test compares nested fits)"
            )
        _check_unique(names)
        self._formulaic = mm.model_spec
        try:
            self.terms = [self._parse_term(name, raw) for name in names]
            mine = self._evaluate(raw, sparse=big)
            if mine.shape != X.shape or not _close(mine, X):
                raise ValueError("the formula's columns could not be rebuilt exactly")
        except (ValueError, KeyError) as exc:
            self.terms = [{"name": name, "factors": []} for name in names]
            self.unsaved = str(exc)
            self._references = {"row": self._reference_row(raw)}
        self._record_formula_terms(mm.model_spec)
        if not big:
            return X
        X = X.tocsr()
        X.sort_indices()
        if sparse is None and not self._sparse_pays(raw, n):  # large, but not mostly zeros
            return X.toarray()
        return X

    def _record_formula_terms(self, model_spec: Any) -> None:
        """Note, on each coded column whose formula term is not its name without the level
        suffixes (:func:`default_term`), that term (key ``term``): formulaic codes ``g:h``
        without main effects as ``h[T.*]`` columns beside ``g[T.*]:h[*]`` ones, all of
        the one term ``g:h``. Stored in the model file, so anova groups as R does."""
        names = [str(c) for c in model_spec.column_names]
        by_name = {t["name"]: t for t in self.terms}
        for term, index in model_spec.term_indices.items():
            for i in index:
                if names[i] in by_name and default_term(names[i]) != str(term):
                    by_name[names[i]]["term"] = str(term)

    def term_columns(self) -> list[list[str]]:
        """The table's columns each model column involves, in ``names`` order.

        Examples
        --------
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> t = pd.DataFrame({"x": [1.0, 2, 3, 4], "z": [2.0, 1, 3, 1], "g": list("abab")})
        >>> DesignSpec.fit(t, formula="~ x:z + C(g) + np.log(z)").term_columns()
        [['g'], ['z'], ['x', 'z']]
        """
        columns = [c["name"] for c in self.columns]
        out = []
        for t in self.terms:
            if t["factors"]:
                out.append(list(dict.fromkeys(f["column"] for f in t["factors"])))
            else:  # a term formulaic evaluates (poly, bs): the columns its name spells
                parts = _split_factors(t["name"], columns)
                found = set().union(*(_names_in(part, columns) for part in parts))
                out.append([c for c in columns if c in found])
        return out

    def term_groups(self, names: list[str]) -> dict[str, list[str]]:
        """R's terms of the coded columns ``names``: term -> its columns, in order of first
        appearance (what :func:`~oneneuron.stats.anova` adds one at a time). A column's
        term is the formula's where it is not the name without level suffixes (see
        :func:`default_term`), else that name: ``g[T.b]`` and ``g[T.c]`` are ``g``,
        ``x:C(g)[T.b]`` is ``x:C(g)``, a numeric column its own term.

        Examples
        --------
        >>> from oneneuron.tables import DesignSpec
        >>> import pandas as pd
        >>> t = pd.DataFrame({"g": list("abab"), "h": list("uuvv"), "y": [0, 1, 1, 0]})
        >>> spec, _ = DesignSpec.fit_transform(t, formula="y ~ g:h")
        >>> spec.names
        ['h[T.v]', 'g[T.b]:h[u]', 'g[T.b]:h[v]']
        >>> spec.term_groups(spec.names)
        {'g:h': ['h[T.v]', 'g[T.b]:h[u]', 'g[T.b]:h[v]']}
        """
        known = {t["name"]: t["term"] for t in self.terms if "term" in t}
        out: dict[str, list[str]] = {}
        for name in names:
            out.setdefault(known.get(name) or default_term(name), []).append(name)
        return out

    def _check_nominated_levels(self, model_spec: Any, frame: pd.DataFrame) -> bool:
        """Refuse training values outside the levels a formula names, ``C(g, levels=[...])``.

        Formulaic casts such a value to missing and codes its rows as the reference
        level (with a warning of its own), a model of other data than the table's;
        patsy refuses, and so does this, naming the column, values and rows. Returns
        whether the only such values are a numeric column's mean or median fill,
        which :meth:`fit_transform` replaces by the most frequent level and refits
        (the warning formulaic gave of them is then not the user's).
        """
        refilled = False
        names = {c["name"] for c in self.columns}
        by_name = self._by_name()
        for expr, (kind, state) in model_spec.encoder_state.items():
            if getattr(kind, "value", kind) != "categorical" or "categories" not in state:
                continue
            first = re.match(r"\s*C\(\s*(`[^`]+`|[^,()]+)", str(expr))
            name = _unquote(first.group(1)) if first else None
            if name not in names:
                continue
            values = frame[name].dropna()
            values = values.astype(object) if hasattr(values, "cat") else values
            col = by_name[name]
            if (  # a numeric column coded only as categories, its missing cells filled
                col["kind"] == "numeric"  # by a mean or median: fit_transform fills them
                and self.missing in ("mean", "median")  # again by the most frequent
                and name in getattr(self, "_filled", ())  # level (a mean is no level)
                and _only_categories(model_spec, name, list(names))
            ):
                filled = (values == col["fill"]) & ~values.isin(list(state["categories"]))
                refilled = refilled or bool(filled.any())
                values = values[~filled]
            outside = ~values.isin(list(state["categories"]))
            if outside.any():
                shown = ", ".join(repr(v) for v in pd.unique(values[outside])[:5])
                n = int(outside.sum())
                # number codes read as categories (--categorical g) are text: the levels
                # written as numbers, levels=[4, 3], miss every row ('4', '3')
                given = [str(c) for c in state["categories"]]
                spelled = set(values[outside].astype(str)) <= set(given)
                text = f"; quote them, levels={given!r}: the levels of {name!r} are text"
                raise DataError(
                    f"column {name!r} has {counted(n, 'row')} with values "
                    f"({shown}) outside the levels= of {str(expr)!r}: add them to levels= "
                    "or drop those rows (they would be coded as the reference level)"
                    + (text if spelled else "")
                )
        return refilled

    def _formulaic_sparse(self, raw: dict[str, Any], n: int) -> bool:
        """Whether formulaic should make a sparse matrix of these rows: its indicators
        alone would fill at least :data:`SPARSE_MIN_CELLS` cells (the terms are not
        known before formulaic has run; :meth:`_sparse_pays` decides afterwards)."""
        levels = sum(len(c["levels"]) for c in self.columns if c["kind"] == "categorical")
        if not levels or any(
            np.ndim(raw[c["name"]]) == 2 for c in self.columns if c["kind"] == "categorical"
        ):
            return False
        if self.terms and self.unsaved is not None:
            return n * len(self.terms) >= SPARSE_MIN_CELLS
        return n * levels >= SPARSE_MIN_CELLS

    def _frame(self, raw: dict[str, Any]) -> pd.DataFrame:
        data = {}
        for col in self.columns:
            x = raw[col["name"]]
            if col["kind"] == "categorical":
                levels = col["levels"]
                if col["name"] in getattr(self, "_number_columns", ()):  # numbers coded as
                    levels = [_number_of(v) for v in levels]  # categories: as numbers
                data[col["name"]] = pd.Categorical.from_codes(
                    np.where(x < 0, 0, x), categories=levels
                )
            elif col["kind"] == "boolean" and np.all((x == 0) | (x == 1)):
                data[col["name"]] = x.astype(bool)
            elif col["kind"] == "boolean":  # missing='mean' filled the share of True:
                data[col["name"]] = x  # that number, as the plain path and the file have
            elif np.all(x == np.round(x)) and np.all(np.abs(x) < 2**53):
                data[col["name"]] = x.astype(np.int64)  # C(k) levels read 1, not 1.0
            else:
                data[col["name"]] = x
        return pd.DataFrame(data)

    def _by_name(self) -> dict[str, dict[str, Any]]:
        """The columns by name, built once per ``columns`` list: looking each column up
        by scanning them all made a design of many columns quadratic (a 3 000-column
        table took 48 s to train, 100 000 columns over 10 minutes)."""
        cache = self.__dict__.get("_by_name_cache")
        if cache is None or cache[0] is not self.columns or cache[1] != len(self.columns):
            cache = (self.columns, len(self.columns), {c["name"]: c for c in self.columns})
            self.__dict__["_by_name_cache"] = cache
        return cache[2]

    def _parse_term(self, name: str, raw: dict[str, Any] | None) -> dict[str, Any]:
        factors = []
        for part in _split_factors(name, self._by_name()):
            factors.append(self._parse_factor(part, raw))
        return {"name": name, "factors": factors}

    def _parse_factor(self, part: str, raw: dict[str, Any] | None) -> dict[str, Any]:
        cols = self._by_name()
        # a level is the [..] after a column's name, which may hold brackets itself
        # (C(`x[1]`)[T.a]), as may the level: the first split whose left side names a column
        split = next(
            (
                i
                for i, ch in enumerate(part)
                if ch == "["
                and part.endswith("]")
                and _named(part[:i], cols) in cols
                and part not in cols
                and _unquote(part.strip()) not in cols  # the whole is a column's name
            ),
            None,
        )
        if split is not None:
            inner = part[split + 1 : -1]
            level = inner[2:] if inner.startswith("T.") else inner
            col = cols[_named(part[:split], cols)]
            if col["kind"] == "boolean" and part.strip().startswith("C("):  # R's factor(b)
                return _boolean_factor(col["name"], {"column": col["name"], "level": level})
            if col["kind"] != "categorical":
                name = col["name"]
                raise ValueError(  # plain C(col) alone is refitted as the categorical
                    f"the formula term {part!r} codes the numeric column {name!r} as "
                    "categories while the formula also uses it as a number, which a model "
                    f"file cannot store: copy the column under another name for one of the "
                    "two uses"
                )
            if level not in col["levels"]:
                raise ValueError(f"term {part!r} is not a level of a categorical column")
            return {"column": col["name"], "level": level}
        if part in cols and cols[part]["kind"] != "categorical":  # ' b': spaces and all
            return {"column": part}
        coded = _coded_factor(part, cols)
        if coded is not None:
            return coded
        expr = part.strip()
        if _unquote(expr) in cols or _strip_c(expr) in cols and expr.startswith("C("):
            name = _strip_c(expr)
            if cols[name]["kind"] == "categorical":
                raise ValueError(f"term {part!r} is not supported in a model file")
            if expr.startswith("C("):
                raise ValueError(f"C() of the numeric column {name!r} cannot be saved")
            return {"column": name}
        m = re.fullmatch(r"((?:np\.)?\w+)\((.+)\)", expr)
        how = m and R_TRANSFORMS.get(m.group(1), m.group(1))
        if m and how in TRANSFORMS and _unquote(m.group(2)) in cols:
            return {"column": _unquote(m.group(2)), "transform": how}
        inner = _affine(f"I({m.group(2)})", cols) if m and how in TRANSFORMS else None
        if inner is not None and cols[inner[0]]["kind"] != "categorical":  # log(x + 1)
            return {"column": inner[0], "transform": {"affine": inner[1], "then": how}}
        m = re.fullmatch(r"I\((.+?)\s*\*\*\s*(\d+)\)", expr)
        if m and _unquote(m.group(1)) in cols:
            return {"column": _unquote(m.group(1)), "transform": {"power": int(m.group(2))}}
        affine = _affine(expr, cols)
        if affine is not None and cols[affine[0]]["kind"] != "categorical":
            return {"column": affine[0], "transform": {"affine": affine[1]}}
        compared = _comparison(expr, cols)
        if compared is not None and cols[compared[0]]["kind"] != "categorical":
            return {"column": compared[0], "transform": {"compare": compared[1]}}
        m = re.fullmatch(r"center\((.+)\)", expr)
        if m and _unquote(m.group(1)) in cols:
            name = _unquote(m.group(1))
            if raw is None:  # the form only (checking a stored term): no training data
                return {"column": name, "transform": {"center": None}}
            return {"column": name, "transform": {"center": float(np.mean(raw[name]))}}
        m = re.fullmatch(r"scale\((.+)\)", expr)
        if m and _unquote(m.group(1)) in cols:
            name = _unquote(m.group(1))
            if raw is None:
                return {"column": name, "transform": {"scale": None}}
            sd = float(np.std(raw[name], ddof=1))
            if sd > 0:
                mean = float(np.mean(raw[name]))
                return {"column": name, "transform": {"scale": [mean, sd]}}
        m = re.fullmatch(r"poly\((.+?),\s*(?:degree\s*=\s*)?(\d+)\s*\)\[(\d+)\]", expr)
        if m and _unquote(m.group(1)) in cols and 1 <= int(m.group(3)) <= int(m.group(2)):
            name, degree, j = _unquote(m.group(1)), int(m.group(2)), int(m.group(3))
            if raw is None:  # the form only: the degree and the column of the basis
                return {"column": name, "transform": {"poly": [j, degree]}}
            alpha, norms2 = poly_state(raw[name], degree)
            return {"column": name, "transform": {"poly": [j, alpha, norms2]}}
        if _has_infinite_literal(expr):  # I(x > 1e400): Python reads the number as inf
            raise ValueError(
                f"the formula term {part!r} holds a number beyond float64's range (read as "
                "infinity; formulaic writes it 1e309); write a finite number"
            )
        raise ValueError(
            f"the formula term {part!r} uses a transform a model file cannot store "
            f"(allowed: plain columns, C() of text or categorical columns, also with "
            f"levels= and the contrasts {', '.join(SCHEMES)}, interactions, "
            f"{', '.join(TRANSFORMS)} (also as log, log10, log2, exp; of x or of x + c, "
            f"x - c, c * x, x / c), I(x ** k), I(x / c), "
            f"I(x * c), I(x + c), I(x - c), I(x > c) and the other comparisons, center(x), "
            f"scale(x), poly(x, k))"
        )

    # --------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The spec as JSON-able data (what the model file stores under ``design``)."""
        if self.unsaved is not None:
            raise ValueError(
                f"this model's formula cannot be saved to a model file: {self.unsaved}"
            )
        return {
            "columns": [dict(c) for c in self.columns],
            "terms": [
                {"name": t["name"], "factors": [dict(f) for f in t["factors"]]}
                | ({"term": t["term"]} if "term" in t else {})
                for t in self.terms
            ],
            "target": self.target,
            "missing": self.missing,
            "encoding": self.encoding,
            "reference": {k: _text(v) for k, v in self.reference.items()},
            "formula": self.formula,
        }

    @classmethod
    def from_dict(cls, data: Any) -> DesignSpec:
        """Validate stored data and rebuild the spec; raises ``ValueError`` naming the field.

        Each term's factors must be those its name spells (its column, level and
        transform): the name is what the summary and ``feature_names_out_`` show, and
        a file whose ``C(g)[T.y]`` read the rows of another level is refused.
        """
        keys = {"columns", "terms", "target", "missing", "encoding", "reference", "formula"}
        if not isinstance(data, dict) or set(data) != keys:
            raise ValueError(f"must be an object with keys {', '.join(sorted(keys))}")
        if data["missing"] not in MISSING or data["encoding"] not in ENCODINGS:
            raise ValueError("missing or encoding is not a known policy")
        for k in ("target", "formula"):
            if data[k] is not None and not isinstance(data[k], str):
                raise ValueError(f"{k} must be a string or null")
        ref = data["reference"]
        if not isinstance(ref, dict) or not all(isinstance(v, str) for v in ref.values()):
            raise ValueError("reference must map column names to levels")
        cols = data["columns"]
        if not isinstance(cols, list):
            raise ValueError("columns must be a list")
        by_name: dict[str, dict[str, Any]] = {}
        for c in cols:
            if not isinstance(c, dict) or set(c) != {"name", "kind", "levels", "fill"}:
                raise ValueError("each column must have keys name, kind, levels, fill")
            name, kind, levels, fill = c["name"], c["kind"], c["levels"], c["fill"]
            if not isinstance(name, str) or name in by_name or name == data["target"]:
                raise ValueError(f"column name {name!r} is not a string, repeated or the target")
            if kind not in _KINDS:
                raise ValueError(f"column {name!r} has an unknown kind {kind!r}")
            if kind == "categorical":
                if (
                    not isinstance(levels, list)
                    or not levels
                    or not all(isinstance(v, str) for v in levels)
                    or len(set(levels)) != len(levels)
                ):
                    raise ValueError(f"column {name!r} needs a list of distinct text levels")
                if fill is not None and fill not in levels:
                    raise ValueError(f"column {name!r} has a fill value that is not a level")
            else:
                if levels is not None:
                    raise ValueError(f"column {name!r} is {kind} and cannot have levels")
                if fill is not None and (
                    isinstance(fill, bool)
                    or not isinstance(fill, int | float)
                    or not math.isfinite(fill)
                ):
                    raise ValueError(
                        f"column {name!r} has a fill value that is not a finite number"
                    )
            if (fill is not None) != (data["missing"] in ("mean", "median", "most_frequent")):
                raise ValueError(f"column {name!r} has a fill value inconsistent with missing")
            by_name[name] = c
        terms = data["terms"]
        if not isinstance(terms, list) or not terms:
            raise ValueError("terms must be a non-empty list")
        for t in terms:
            if (
                not isinstance(t, dict)
                or set(t) - {"term"} != {"name", "factors"}
                or not isinstance(t["name"], str)
                or not isinstance(t.get("term", ""), str)
            ):
                raise ValueError("each term must have keys name, factors (and optionally term)")
            fs = t["factors"]
            if not isinstance(fs, list) or not fs:
                raise ValueError(f"term {t['name']!r} needs a non-empty list of factors")
            for f in fs:
                _check_factor(f, by_name, t["name"])
        _check_unique([t["name"] for t in terms])
        _check_levels_used(by_name, terms)
        spec = cls(
            [dict(c) for c in cols],
            terms,
            data["target"],
            data["missing"],
            data["encoding"],
            dict(ref),
            data["formula"],
        )
        for t in terms:  # a term's name (features.names, the summary's) is what it computes
            try:
                parsed = spec._parse_term(t["name"], None)["factors"]
            except ValueError:
                parsed = None
            if parsed is None or not _same_factors(t["factors"], parsed):
                raise ValueError(f"term {t['name']!r} is not what its name computes")
        return spec


def _coded_factor(part: str, cols: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The factor of a coded column ``C(g, Sum)[S.a]``, ``C(g, Treatment('b'))[T.a]``,
    ``C(g, levels=[...])[T.a]`` (see ``tables/_contrasts.py``), or None where ``part``
    is no such name. Raises ``ValueError`` for a coding a model file cannot store."""
    part = part.strip()
    if not part.endswith("]"):
        return None
    for i, ch in enumerate(part):
        name = coded_column(part[:i]) if ch == "[" else None
        if name is None:
            continue
        col = cols.get(name)
        if col is None:
            return None
        if col["kind"] == "boolean":  # levels False, True as formulaic orders them
            coding = parse_coding(part[:i])
            if coding is not None:
                return _boolean_factor(name, coding.factor(part[i + 1 : -1], _BOOLEAN_LEVELS))
        if col["kind"] != "categorical":  # coded only so, it was refitted as categories
            try:
                parse_coding(part[:i])
            except ValueError as exc:  # this coding, whatever else codes the column
                raise ValueError(
                    f"the formula term {part!r} codes the numeric column {name!r} in a way "
                    f"a model file cannot store: {exc}"
                ) from None
            raise ValueError(
                f"the formula term {part!r} codes the numeric column {name!r} as "
                f"categories, {part[:i]}, while the formula also uses it in another way "
                "(as a number, transformed, or in a coding a model file cannot store), "
                "which a model file cannot store: copy the column under another name for "
                "one of the two uses"
            )
        coding = parse_coding(part[:i])
        if coding is not None:
            return coding.factor(part[i + 1 : -1], col["levels"])
    return None


_BOOLEAN_LEVELS = ["False", "True"]


_R_TREATMENT = re.compile(
    r"C\(\s*(`[^`]+`|[\w.]+)\s*,\s*contr\.treatment\(\s*(?:base\s*=\s*)?(\d+)\s*\)"
    r"\s*(?:,\s*levels\s*=\s*(\[[^\]]*\]|\([^)]*\)))?\s*\)"
)


def _ordinal(k: int) -> str:
    """1st, 2nd, 3rd, 4th, ..., 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


def _formula_levels(x: pd.Series) -> list[Any]:
    """The levels of column ``x`` in the order a formula's ``C(x)`` codes them: a
    categorical's categories, else the sorted distinct values."""
    if hasattr(x, "cat"):
        return list(x.cat.categories)
    return sorted(pd.unique(x.dropna()).tolist())


def _refuse_r_treatment_base(rhs: str, frame: pd.DataFrame) -> None:
    """Refuse ``C(g, contr.treatment(base=k))`` (or ``contr.treatment(k)``) where R's
    reading and formulaic's differ. R's ``base`` counts levels (``base=2``: the 2nd
    level is the reference); formulaic's names a level (the level 2). Codes 0, 1, 2
    would silently take another reference than R; codes 4, 6, 8 stop with formulaic's
    "not among the provided levels". The error names both readings and their spellings.
    """
    import ast

    for m in _R_TREATMENT.finditer(rhs):
        name, k = m.group(1).strip("`"), int(m.group(2))
        if name not in frame.columns:
            continue
        x = frame[name]
        if m.group(3) is not None:
            try:
                levels = list(ast.literal_eval(m.group(3)))
            except (ValueError, SyntaxError):
                continue
        else:
            levels = _formula_levels(x)
        numbers = [v for v in levels if isinstance(v, int | float | np.number)]
        text = len(numbers) < len(levels)

        def spelled(v: Any, text: bool = text) -> str:
            if text:
                return repr(str(v))
            return str(int(v)) if float(v) == int(v) else str(v)

        as_level = None if text else next((v for v in levels if v == k), None)
        as_r = levels[k - 1] if 1 <= k <= len(levels) else None
        if as_r is not None and as_level is not None and as_r == as_level:
            continue  # codes 1..k: the k-th level is the level k, both ways
        said = f"contr.treatment(base={k})"
        if as_r is None:
            r_side = f"R's {said} would be the {_ordinal(k)} level, and {name!r} has {len(levels)}"
        else:
            r_side = (
                f"R's {said} is the {_ordinal(k)} level, {spelled(as_r)}: for it write "
                f"Treatment({spelled(as_r)})"
            )
        quoted = text and str(k) in [str(v) for v in levels]  # codes read as text
        ours = (
            f"; for the level {k} write Treatment({k})"
            if as_level is not None
            else f" (the text level '{k}' too)"
            if quoted and as_r is not None and str(as_r) == str(k)
            else f"; for the level '{k}' (text) write Treatment('{k}')"
            if quoted
            else f"; {k} is no level of {name!r} (its levels: "
            + ", ".join(spelled(v) for v in levels[:10])
            + (", ...)" if len(levels) > 10 else ")")
        )
        call = m.group(0)
        raise ValueError(
            f"the formula's {call} reads differently here and in R: here a number in "
            f"contr.treatment() names a level (formulaic's reading), while {r_side}{ours}"
        )


def _treatment_base_hint(rhs: str, frame: pd.DataFrame, base: str) -> str:
    """Where ``C(g, Treatment(b))`` names no level of ``g``: the levels of the columns a
    treatment contrast codes, and, where ``b`` is a number that a text level spells (number
    codes read as categories: ``--categorical g``), the quoted spelling ``Treatment('4')``.
    """
    hints = []
    for m in re.finditer(r"C\(\s*(`[^`]+`|[\w.]+)\s*,\s*(?:contr\.t|T)reatment", rhs):
        name = m.group(1).strip("`")
        if name not in frame.columns:
            continue
        x = frame[name]
        levels = [str(v) for v in _formula_levels(x)]  # in the coding's order
        text = hasattr(x, "cat") or x.dtype == object or pd.api.types.is_string_dtype(x)
        spelled = repr if text else str  # a numeric column's levels are numbers
        shown = ", ".join(spelled(v) for v in levels[:10]) + (", ..." if len(levels) > 10 else "")
        hint = f"; the levels of {name!r} are {shown}"
        if text and base in levels:
            hint += f" (text: quote the reference, Treatment({base!r}))"
        unquoted = base[1:-1] if len(base) > 1 and base[0] == base[-1] in "'\"" else None
        if not text and unquoted is not None and unquoted in levels:
            hint += f" (numbers: write the reference unquoted, Treatment({unquoted}))"
        hints.append(hint)
    return "".join(hints)


def _boolean_factor(name: str, coded: dict[str, Any]) -> dict[str, Any]:
    """A boolean column's coded factor (``C(b)[T.True]``, ``C(b, Sum)[S.False]``) as
    the line in its 0/1 value it is: ``v_False + (v_True - v_False) * b``."""
    if "level" in coded:
        if coded["level"] not in _BOOLEAN_LEVELS:
            raise ValueError(f"{coded['level']!r} is not a level of the boolean column {name!r}")
        values = [float(lv == coded["level"]) for lv in _BOOLEAN_LEVELS]
    else:
        values = [float(v) for v in coded["contrast"]]
    slope, at_false = values[1] - values[0], values[0]
    if slope == 0:
        raise ValueError(f"a coding of the boolean column {name!r} is constant")
    if (slope, at_false) == (1.0, 0.0):
        return {"column": name}
    return {"column": name, "transform": {"affine": [slope, at_false]}}


def _same_factors(stored: list[dict[str, Any]], parsed: list[dict[str, Any]]) -> bool:
    """Whether a stored term's factors are those its name spells (:meth:`DesignSpec._parse_term`
    without data): the same columns, levels and transforms; of ``center`` and ``scale``
    the kind only (their numbers are training statistics the name does not hold)."""
    if len(stored) != len(parsed):
        return False
    for f, p in zip(stored, parsed, strict=True):
        if set(f) != set(p) or f["column"] != p["column"] or f.get("level") != p.get("level"):
            return False
        if "contrast" in p and not np.allclose(f["contrast"], p["contrast"], rtol=0, atol=1e-12):
            return False
        t, u = f.get("transform"), p.get("transform")
        if isinstance(u, dict) and set(u) == {"poly"}:  # the column and degree the name says
            if not isinstance(t, dict) or set(t) != {"poly"}:
                return False
            if t["poly"][0] != u["poly"][0] or len(t["poly"][1]) != u["poly"][1]:
                return False
        elif isinstance(u, dict) and set(u) <= {"center", "scale"}:
            if not isinstance(t, dict) or set(t) != set(u):
                return False
        elif t != u:
            return False
    return True


def _check_levels_used(columns: dict[str, Any], terms: list[dict[str, Any]]) -> None:
    """Every level of a categorical column but one (the reference) is some term's: a level
    that no term uses would be coded as the reference without the warning an unseen one
    gets (a stored design with an added level). A contrast (``C(g, Sum)``) uses every
    level. The unused one, whichever it is (``C(g, Treatment('b'))``), is the level an
    unseen one is coded as (:meth:`DesignSpec.reference_code`)."""
    used: dict[str, set[str]] = {}
    for t in terms:
        for f in t["factors"]:
            if isinstance(f, dict) and "level" in f:
                used.setdefault(f["column"], set()).add(f["level"])
            elif isinstance(f, dict) and "contrast" in f:
                used.setdefault(f["column"], set()).update(columns[f["column"]]["levels"])
    for name, c in columns.items():
        if c["kind"] != "categorical" or name not in used:
            continue
        idle = [v for v in c["levels"] if v not in used[name]]
        if len(idle) > 1:
            raise ValueError(
                f"column {name!r} has levels that no term uses, {idle}: only the reference "
                "level may be unused"
            )


@dataclass
class Design:
    """A table after :meth:`DesignSpec.fit_transform`: ``X`` (a NumPy array, or a SciPy
    CSR matrix for a large, mostly-zero design: see :meth:`DesignSpec.transform`),
    ``names``, the target ``y``, the ``rows`` kept (boolean mask over the input rows) and
    a ``report`` (``rows``; ``dropped`` with ``missing="drop"``)."""

    X: Any
    names: list[str]
    y: Any
    rows: np.ndarray
    report: dict[str, Any]


def _check_factor(f: Any, cols: dict[str, dict[str, Any]], term: str) -> None:
    if not isinstance(f, dict) or not isinstance(f.get("column"), str) or f["column"] not in cols:
        raise ValueError(f"term {term!r} names a column that is not in columns")
    col = cols[f["column"]]
    extra = set(f) - {"column"}
    if not extra:
        if col["kind"] == "categorical":
            raise ValueError(f"term {term!r} uses categorical column {col['name']!r} as a number")
        return
    if extra == {"level"}:
        if col["kind"] != "categorical" or f["level"] not in col["levels"]:
            raise ValueError(f"term {term!r} names a level that its column lacks")
        return
    if extra == {"contrast"}:
        v = f["contrast"]
        if (
            col["kind"] != "categorical"
            or not isinstance(v, list)
            or len(v) != len(col["levels"])
            or not all(isinstance(a, int | float) and not isinstance(a, bool) for a in v)
            or not all(math.isfinite(a) for a in v)
        ):
            raise ValueError(f"term {term!r} needs one finite number per level of its column")
        return
    if extra != {"transform"} or col["kind"] == "categorical":
        raise ValueError(f"term {term!r} has a factor with unknown keys")
    t = f["transform"]
    if isinstance(t, str) and t in TRANSFORMS:
        return
    if isinstance(t, dict) and set(t) == {"power"}:
        k = t["power"]
        if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 10:
            return
    if isinstance(t, dict) and set(t) == {"scale"}:
        ms = t["scale"]
        if (
            isinstance(ms, list)
            and len(ms) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in ms)
            and all(math.isfinite(v) for v in ms)
            and ms[1] > 0
        ):
            return
    if isinstance(t, dict) and set(t) == {"center"}:
        c = t["center"]
        if isinstance(c, int | float) and not isinstance(c, bool) and math.isfinite(c):
            return
    if isinstance(t, dict) and (
        set(t) == {"affine"} or set(t) == {"affine", "then"} and t["then"] in TRANSFORMS
    ):
        ab = t["affine"]
        if (
            isinstance(ab, list)
            and len(ab) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in ab)
            and all(math.isfinite(v) for v in ab)
            and ab[0] != 0
        ):
            return
    if isinstance(t, dict) and set(t) == {"poly"}:
        jan = t["poly"]
        numbers = [v for part in jan[1:] for v in part] if isinstance(jan, list) else []
        if (
            isinstance(jan, list)
            and len(jan) == 3
            and isinstance(jan[0], int)
            and not isinstance(jan[0], bool)
            and all(isinstance(part, list) for part in jan[1:])
            and 1 <= jan[0] <= len(jan[1]) <= 10
            and len(jan[2]) == len(jan[1]) + 1
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers)
            and all(math.isfinite(v) for v in numbers)
            and all(v > 0 for v in jan[2])
        ):
            return
    if isinstance(t, dict) and set(t) == {"compare"}:
        oc = t["compare"]
        if (
            isinstance(oc, list)
            and len(oc) == 2
            and oc[0] in COMPARISONS
            and isinstance(oc[1], int | float)
            and not isinstance(oc[1], bool)
            and math.isfinite(oc[1])
        ):
            return
    raise ValueError(f"term {term!r} has a transform outside the allow-list: {t!r:.60}")


#: Comparisons a saved formula may use, ``I(x > c)``: the operator as formulaic prints it.
COMPARISONS = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}
_AST_COMPARISONS = {"Gt": ">", "GtE": ">=", "Lt": "<", "LtE": "<=", "Eq": "==", "NotEq": "!="}
_MIRRORED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}


def _number(node: Any) -> float | None:
    """A number literal of a parsed expression (``-3`` included), else None."""
    import ast

    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        v = _number(node.operand)
        return None if v is None else -v
    ok = isinstance(node, ast.Constant) and isinstance(node.value, int | float)
    ok = ok and not isinstance(node.value, bool) and math.isfinite(node.value)  # 1e400: inf
    return float(node.value) if ok else None


def _has_infinite_literal(expr: str) -> bool:
    """Whether ``expr`` holds a number literal that Python reads as infinity (``1e400``)."""
    import ast

    try:
        tree = ast.parse(expr.strip(), mode="eval")
    except SyntaxError:  # a backticked name: formulaic's syntax
        return False
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, float) and math.isinf(n.value)
        for n in ast.walk(tree)
    )


def _comparison(expr: str, cols: Any) -> tuple[str, list[Any]] | None:
    """``I(x > c)`` (``>=``, ``<``, ``<=``, ``==``, ``!=``; or ``I(c < x)``), ``c`` a
    number and ``x`` a column: ``(x, [op, c])`` with ``op`` as seen from ``x``; else None.

    Examples
    --------
    >>> _comparison("I(ptl > 0)", {"ptl": {}}), _comparison("I(1 <= age)", {"age": {}})
    (('ptl', ['>', 0.0]), ('age', ['>=', 1.0]))
    >>> _comparison("I(`MPG.city` > 20)", {"MPG.city": {}})  # R's names, backticked
    ('MPG.city', ['>', 20.0])
    """
    import ast

    m = re.fullmatch(r"I\((.+)\)", expr.strip())
    text, quoted = _backticked_as_names(m.group(1).strip()) if m else ("", {})
    try:
        node = None if m is None else ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(node, ast.Compare) or len(node.ops) != 1:
        return None
    op = _AST_COMPARISONS.get(type(node.ops[0]).__name__)
    left, right = node.left, node.comparators[0]
    if op is None:
        return None
    name = lambda n: quoted.get(n.id, n.id) if isinstance(n, ast.Name) else None  # noqa: E731
    if name(left) in cols and _number(right) is not None:
        return name(left), [op, _number(right)]
    if name(right) in cols and _number(left) is not None:
        return name(right), [_MIRRORED[op], _number(left)]
    return None


def _backticked_as_names(text: str) -> tuple[str, dict[str, str]]:
    """``text`` with each backticked name (formulaic's quoting of a column such as R's
    ``MPG.city``) replaced by a Python name, and those names' columns, so that
    :mod:`ast` parses it.

    Examples
    --------
    >>> _backticked_as_names("`MPG.city` > 20")
    ('_backticked_0_ > 20', {'_backticked_0_': 'MPG.city'})
    """
    quoted: dict[str, str] = {}

    def name(m: re.Match[str]) -> str:
        key = f"_backticked_{len(quoted)}_"
        quoted[key] = m.group(1)
        return key

    return re.sub(r"`([^`]+)`", name, text), quoted


def _affine(expr: str, cols: Any) -> tuple[str, list[float]] | None:
    """``I(x / c)``, ``I(x * c)``, ``I(c * x)``, ``I(x + c)``, ``I(x - c)`` (``c`` a
    number, ``x`` a column): ``(x, [a, b])`` with the term ``a * x + b``; else None.

    Examples
    --------
    >>> _affine("I(lwt / 10)", {"lwt": {}}), _affine("I(age - 20)", {"age": {}})
    (('lwt', [0.1, 0.0]), ('age', [1.0, -20.0]))
    >>> _affine("I(lwt / age)", {"lwt": {}, "age": {}}) is None
    True
    >>> _affine("I(`Min.Price` / 10)", {"Min.Price": {}})  # R's names, backticked
    ('Min.Price', [0.1, 0.0])
    """
    import ast

    m = re.fullmatch(r"I\((.+)\)", expr.strip())
    if m is None:
        return None
    text, quoted = _backticked_as_names(m.group(1).strip())
    try:
        node = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None

    def number(n: Any) -> float | None:
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            v = number(n.operand)
            return None if v is None else -v
        ok = isinstance(n, ast.Constant) and isinstance(n.value, int | float)
        ok = ok and not isinstance(n.value, bool) and math.isfinite(n.value)  # 1e400: inf
        return float(n.value) if ok else None

    if not isinstance(node, ast.BinOp):
        return None
    left, right, op = node.left, node.right, node.op
    for side in (left, right):
        if isinstance(side, ast.Name):
            side.id = quoted.get(side.id, side.id)
    if isinstance(left, ast.Name) and left.id in cols and number(right) is not None:
        c = number(right)
        found = {
            ast.Div: [1.0 / c, 0.0] if c else None,
            ast.Mult: [c, 0.0],
            ast.Add: [1.0, c],
            ast.Sub: [1.0, -c],
        }.get(type(op))
        return None if found is None or found[0] == 0 else (left.id, found)
    if isinstance(right, ast.Name) and right.id in cols and number(left) is not None:
        c = number(left)
        found = {ast.Mult: [c, 0.0], ast.Add: [1.0, c]}.get(type(op))
        return None if found is None or found[0] == 0 else (right.id, found)
    return None


def _unquote(expr: str) -> str:
    """A column name as written in a formula: ``income $`` from ```income $``` or
    from patsy's ``Q('income $')``.

    Formulaic keeps the backticks of a quoted name inside a call (``np.log(`income $`)``)
    and drops them for a plain term; either way the column is the name between them.
    ``Q()`` it keeps as a call, in the term's name too.
    """
    expr = expr.strip()
    m = re.fullmatch(r"Q\(\s*(['\"])(.*)\1\s*\)", expr)
    if m is not None:
        return m.group(2)
    return expr[1:-1] if len(expr) >= 2 and expr[0] == expr[-1] == "`" else expr


def _named(expr: str, columns: Any) -> str:
    """The column a term's part names: ``expr`` itself where it is one of ``columns``
    (a table's name may begin or end with spaces, ``' b'``, which a term's name keeps),
    else as a formula writes it (:func:`_strip_c`)."""
    return expr if expr in columns else _strip_c(expr)


def _strip_c(expr: str) -> str:
    m = re.fullmatch(r"C\((.+)\)", expr.strip())
    return _unquote(m.group(1) if m else expr)


def _split_factors(name: str, columns: Any = ()) -> list[str]:
    """Split ``a[T.x]:b`` at the colons outside brackets, parentheses and backticks.

    The formula library writes a column named with a colon without its backticks
    (```a:b``` is ``a:b``, its interaction with ``x`` ``a:b:x``): parts that join
    back, colon and all, into one of ``columns`` (with a level ``[T.x]`` or not)
    are one factor.

    Examples
    --------
    >>> _split_factors("a:b:x[T.u]", ["a:b", "x"])
    ['a:b', 'x[T.u]']
    >>> _split_factors("np.log(`a:b`):x")
    ['np.log(`a:b`)', 'x']
    """
    parts = _split_outside(name)
    known = columns if isinstance(columns, set | frozenset | dict) else set(columns)
    out, i = [], 0
    while i < len(parts):
        j = next(
            (
                j
                for j in range(len(parts), i + 1, -1)
                if re.sub(r"\[[^\]]*\]$", "", ":".join(parts[i:j])) in known
            ),
            i + 1,
        )
        out.append(":".join(parts[i:j]))
        i = j
    return out


def _split_outside(name: str) -> list[str]:
    """``name`` split at the colons outside brackets, parentheses and backticks."""
    parts, depth, cur, quoted = [], 0, "", False
    for ch in name:
        if ch == "`":
            quoted = not quoted
        elif quoted:
            pass
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == ":" and depth == 0 and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return parts


def default_term(name: str) -> str:
    """R's term of a coded column named as the design layer names them: each factor's
    level suffix dropped (``x:g[T.b]`` -> ``x:g``; a numeric column is its own term).

    Examples
    --------
    >>> default_term("x:C(g)[T.b]"), default_term("x")
    ('x:C(g)', 'x')
    """
    return ":".join(re.sub(r"\[[^\[\]]*\]$", "", part) for part in name.split(":"))


def _warn_look_alike_levels(name: str, levels: list[str]) -> None:
    """One :class:`~oneneuron.LevelWarning` where levels of column ``name`` differ only
    in letter case, spaces or Unicode form (kept apart, as R and statsmodels keep them).
    Levels that differ in Unicode form print alike: they are shown as :func:`ascii`
    writes them."""
    groups: dict[str, list[str]] = {}
    for v in levels:
        groups.setdefault(_near(v), []).append(v)
    alike = [sorted(g) for g in groups.values() if len(g) > 1]
    if not alike:
        return
    from ..exceptions import LevelWarning, user_stacklevel

    shown = "; ".join(", ".join(_shown_alike(g)) for g in alike[:5])
    forms = any(_differ_in_form(g) for g in alike)
    how = "letter case, spaces or Unicode form" if forms else "letter case or spaces"
    merge = f"df[{name!r}].str.strip(), .str.lower()" + (", .str.normalize('NFC')" if forms else "")
    warnings.warn(
        f"column {name!r} has levels that differ only in {how} ({shown}); they are "
        f"fitted as different levels: if they are one, merge them first ({merge})",
        LevelWarning,
        stacklevel=user_stacklevel(),
    )


def _warn_single_level(name: str, level: str) -> None:
    """One :class:`~oneneuron.LevelWarning` for a categorical column with one level:
    reference coding gives it no model column (it has no level besides the reference),
    so it leaves the fit without a word otherwise. A constant numeric column stays a
    model column, aliased with the intercept and named so in the summary."""
    from ..exceptions import LevelWarning, user_stacklevel

    warnings.warn(
        f"column {name!r} holds one level ({level!r}) in every row: it is constant, so "
        "it adds no model column (reference coding gives a column to each level but the "
        "reference); leave it out, or fit on rows that hold its other levels",
        LevelWarning,
        stacklevel=user_stacklevel(),
    )


def _differ_in_form(texts: Any) -> bool:
    """Whether two of ``texts`` are one text in two Unicode forms (NFC and NFD)."""
    texts = set(texts)
    return len({unicodedata.normalize("NFC", t) for t in texts}) < len(texts)


def _shown_alike(texts: list[str]) -> list[str]:
    """``texts`` as a message shows look-alikes: :func:`ascii` where two of them differ
    in Unicode form (``repr`` would print them alike), else ``repr``."""
    return [(ascii if _differ_in_form(texts) else repr)(t) for t in texts]


def _check_unique(names: list[str]) -> None:
    dup = sorted(repeated(names))
    if dup:
        raise DataError(f"model column names collide: {', '.join(map(repr, dup))}")


#: Text a boolean column may hold (case aside), as the CSV reader reads booleans, and 0/1.
_BOOLEAN_TEXT = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0}


def _boolean_value(v: Any) -> float:
    """0.0 or 1.0 for a cell of a boolean column, NaN for anything else."""
    if isinstance(v, bool | np.bool_):
        return float(v)
    if isinstance(v, str):
        return _BOOLEAN_TEXT.get(v.strip().lower(), np.nan)
    if isinstance(v, int | float | np.number) and v in (0, 1):
        return float(v)
    return np.nan


def _boolean_values(s: pd.Series, na: np.ndarray, name: str, source: str) -> np.ndarray:
    """A boolean column's cells as 0.0/1.0 (NaN where missing).

    Accepted: booleans, the numbers 0 and 1, and the text ``true``/``false`` (any
    case, as the CSV reader reads booleans) or ``0``/``1`` (e.g. a Parquet column
    of text). Any other value is an error naming the column and an example: a
    number such as 5 is not a truth value, and coding it as one would give a
    silently wrong prediction.
    """
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=np.float64, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(s):
        vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
        vals = np.where((vals == 0) | (vals == 1), vals, np.nan)
    else:
        vals = np.array([np.nan if m else _boolean_value(v) for v, m in zip(s, na, strict=True)])
    bad = np.isnan(vals) & ~na
    if bad.any():
        ex = s[bad].iloc[0]
        shown = f"{ex:g}" if isinstance(ex, int | float | np.number) else repr(ex)
        raise DataError(
            f"column {name!r} of {source} is boolean (as in training): it holds true/false "
            f"or 0/1 only, but has {counted(int(bad.sum()), 'other value')}, e.g. {shown}"
        )
    return vals


#: From this many rows (non-missing) on, a categorical column none of whose numbers is a
#: training level is an error rather than a warning (see ``_check_still_categories``).
HANDFUL = 5


def _check_still_categories(
    s: pd.Series,
    na: np.ndarray,
    name: str,
    levels: list[str],
    source: str,
    matched: bool = False,
) -> None:
    """Refuse numbers at predict in a column that was text (categories) in training.

    Called when some cells of categorical column ``name`` are not training levels.
    The rule: when its cells at predict are all numbers (a numeric column, or text
    that reads as numbers, as the CLI reads a categorical column), it is an error
    if none of the training levels is a number written as text (the column's kind
    changed, e.g. a different export writing city codes instead of names), or, from
    :data:`HANDFUL` rows on, if none of its values is a training level (e.g. codes
    ``"01"`` in training, ``1`` now). Coding every row as the reference level would
    give useless predictions with only a warning. Otherwise (new text levels, or
    numbers some of which are levels) unseen levels stay a warning and are coded as
    the reference level.
    """
    if isinstance(s.dtype, pd.CategoricalDtype) or na.all():
        return
    present = s[~na]
    if _kind(s) != "numeric":
        try:
            numbers = pd.to_numeric(present.astype(str).str.strip(), errors="coerce")
        except (TypeError, ValueError, UnicodeDecodeError):
            return
        if numbers.isna().any():
            return
    numeric_levels = any(reads_as_number(lv) for lv in levels)
    if numeric_levels and (
        len(present) < HANDFUL
        or matched  # some cells are levels (as text, or the same numbers: 2.0 is "2")
        or pd.Index(levels).isin([_text(v) for v in present.unique()]).any()
    ):
        return
    example = _text(present.iloc[0])
    shown = ", ".join(repr(lv) for lv in levels[:3]) + (", ..." if len(levels) > 3 else "")
    why = (
        f"none of its {len(present)} values is a training level"
        if numeric_levels
        else "no training level is a number"
    )
    raise DataError(
        f"column {name!r} of {source} holds numbers (e.g. {example!r}) but was text "
        f"(categorical) in training, with levels {shown}; {why}: the column's kind or "
        "coding changed (a different export?); pass the column as in training"
    )


def reads_as_number(text: str) -> bool:
    """Whether a text reads as a number (a header field that is a data value, a level
    that is a number).

    Examples
    --------
    >>> reads_as_number("1e-3"), reads_as_number("x1")
    (True, False)
    """
    try:
        float(text)
    except ValueError:
        return False
    return True


def _level_codes(s: pd.Series, na: np.ndarray, levels: list[str], fill: Any) -> tuple[Any, Any]:
    """Each cell's level code (-1: missing unfilled, or a level not among ``levels``) and
    a sequence of the cells as text (for the unseen-level example; ``fill`` where missing).

    A pandas Categorical column is coded from its categories, each turned into text
    once, not cell by cell (the same codes: a cell's text is its category's).
    """
    index = pd.Index(levels, dtype=object)
    if isinstance(s.dtype, pd.CategoricalDtype):
        cats = np.array([_text(c) for c in s.cat.categories] + [fill], dtype=object)
        cat_codes = s.cat.codes.to_numpy()
        cat_codes = np.where(cat_codes < 0, len(cats) - 1, cat_codes)  # missing: the fill
        codes = _as_numeric_levels(index.get_indexer(cats), cats, levels)[cat_codes]
        return codes, cats[cat_codes]
    strs = np.array(
        [None if m else _text(v) for v, m in zip(s.tolist(), na, strict=True)],
        dtype=object,
    )
    if fill is not None:
        strs[na] = fill
    return _as_numeric_levels(index.get_indexer(strs), strs, levels), strs


def _only_categories(model_spec: Any, name: str, names: list[str]) -> bool:
    """Whether formulaic's ``model_spec`` uses column ``name`` (of the table's ``names``)
    somewhere, and only as categories, ``C(name, ...)``: never as a number or through
    another transform."""
    used = False
    for expr, (kind, _) in model_spec.encoder_state.items():
        if name not in _names_in(str(expr), names):
            continue
        if getattr(kind, "value", kind) != "categorical" or not str(expr).startswith("C("):
            return False
        used = True
    return used


def _coded_as_categories(spec: DesignSpec, name: str) -> bool:
    """Whether the fitted formula codes column ``name`` as categories anywhere
    (``C(flag)``, ``C(flag):g``), whatever else it does with it."""
    model_spec = getattr(spec, "_formulaic", None)
    if model_spec is None:
        return False
    names = [c["name"] for c in spec.columns]
    return any(
        getattr(kind, "value", kind) == "categorical" and name in _names_in(str(expr), names)
        for expr, (kind, _) in model_spec.encoder_state.items()
    )


def _coded_only_as_categories(spec: DesignSpec, plain: bool = False) -> list[str]:
    """The numeric columns a fitted formula uses only as categories, never as a number:
    plain ``C(col)``, R's ``factor(col)``, or with a contrast or levels a model file
    stores (``C(col, Sum)``, ``C(col, levels=[3, 1, 2])``, ``C(col, Treatment(2))``:
    :func:`~oneneuron.tables._contrasts.parse_coding`), whose model is that of the
    column as a categorical of its numbers (levels in the numbers' order, the first the
    reference, as formulaic orders them; a number in the call names the level it
    spells). Such a model can be saved. ``plain``: the plain ``C(col)`` ones only."""
    model_spec = getattr(spec, "_formulaic", None)
    if model_spec is None:
        return []
    names = [c["name"] for c in spec.columns]
    out = []
    for col in spec.columns:
        name = col["name"]
        if col["kind"] != "numeric" or spec.numeric_categories(name) is None:
            continue
        exprs = [str(e) for e in model_spec.encoder_state if name in _names_in(str(e), names)]
        if exprs and all(_stored_coding_of(e, name, plain) for e in exprs):
            out.append(name)
    return out


def _refuse_reference_beside_coding(spec: DesignSpec, reference: dict[str, Any]) -> None:
    """Refuse ``reference={col: level}`` for a text or categorical column the formula codes
    with its own reference or order: ``C(g, Treatment('c'))``, ``contr.SAS`` (the last
    level), ``levels=[...]`` (its first), or an ordinal coding, ``Poly`` or ``Diff``, whose
    meaning is the levels' order (moving the reference first scrambled it: R's ``relevel``
    refuses an ordered factor, and ``contr.poly`` has no reference). Taken silently, one of
    the two references was dropped or the trend scored another order. ``Sum`` and
    ``Helmert`` keep taking it as R's ``relevel`` then ``contr.sum``/``contr.helmert``."""
    model_spec = getattr(spec, "_formulaic", None)
    if model_spec is None or not reference:
        return
    names = [c["name"] for c in spec.columns]
    for col in spec.columns:
        name = col["name"]
        if name not in reference or col["kind"] == "numeric":  # numbers: refused above
            continue
        for expr in (str(e) for e in model_spec.encoder_state):
            if coded_column(expr) != name or name not in _names_in(expr, names):
                continue
            try:
                coding = parse_coding(expr)
            except ValueError:
                continue
            if coding is None:
                continue
            pinned = coding.base is not None or coding.levels is not None
            if pinned or coding.scheme in ("poly", "diff", "sas"):
                level = reference[name]
                raise ValueError(
                    f"reference names column {name!r}, which the formula codes as {expr}: "
                    f"{'its reference and order are' if pinned else 'the order of its levels is'}"
                    " given in the formula; say the one you mean in the formula, "
                    f"C({name}, Treatment({level!r})), or the levels' order with "
                    f"C({name}, ..., levels=[...]), and leave out reference="
                )


def _stored_coding_of(expr: str, name: str, plain: bool = False) -> bool:
    """Whether ``expr`` codes column ``name`` as categories in a way a model file
    stores: ``C(name)`` or (unless ``plain``) ``C(name, <contrast>, levels=[...])``
    that :func:`~oneneuron.tables._contrasts.parse_coding` reads."""
    if expr in (f"C({name})", f"C(`{name}`)"):
        return True
    if plain or coded_column(expr) != name:
        return False
    try:
        return parse_coding(expr) is not None
    except ValueError:  # a coding a model file cannot store: the save says which
        return False


def _as_categories(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """A copy of ``df`` with each column of ``names`` (numbers) a pandas Categorical of
    its values, whole numbers as integers (levels ``"2"``, not ``"2.0"``, as formulaic
    names them); missing cells stay missing."""
    out = df.copy()
    for name in names:
        x = pd.to_numeric(out[name], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        seen = x[~np.isnan(x)]
        values = pd.Series(x, index=out.index)
        if np.all(seen == np.round(seen)) and np.all(np.abs(seen) < 2**53):
            values = values.astype("Int64")
        out[name] = pd.Categorical(values)
    return out


def _number_of(level: str) -> int | float:
    """The number a level of a numeric column coded as categories spells (``"2"`` is 2,
    ``"2.5"`` 2.5: :func:`_as_categories` wrote them)."""
    v = float(level)
    return int(v) if v.is_integer() else v


def _canonical_number(text: str) -> float | None:
    """The number a level is written as, where it is its canonical form (``"2"``,
    ``"2.0"``, ``"0.5"``), else None (``"02"``, ``"1e3"``, words: codes, not numbers)."""
    try:
        v = float(text)
    except (TypeError, ValueError):
        return None
    forms = {repr(v), str(v)} | ({str(int(v))} if v.is_integer() else set())
    return v if text in forms else None


def _as_numeric_levels(codes: Any, texts: Any, levels: list[str]) -> Any:
    """``codes`` with each unmatched cell that is a number equal to exactly one level
    written as a number given that level: ``2.0`` (pandas makes whole numbers floats once
    a cell is missing) or ``"2.0"`` is level ``"2"``. Codes written with leading zeros
    (``"01"``) are not numbers here (see :func:`_canonical_number`): ``1`` is not ``"01"``."""
    miss = codes < 0
    if not miss.any():
        return codes
    numbers: dict[float, list[int]] = {}
    for k, lv in enumerate(levels):
        v = _canonical_number(lv)
        if v is not None:
            numbers.setdefault(v, []).append(k)
    if not numbers:
        return codes
    unmatched = np.flatnonzero(miss & np.array([t is not None for t in texts], dtype=bool))
    if not unmatched.size:
        return codes
    distinct, where = np.unique(
        np.asarray(texts, dtype=object)[unmatched].astype(str), return_inverse=True
    )
    found = np.full(len(distinct), -1, dtype=codes.dtype)
    for j, t in enumerate(distinct):
        try:
            ks = numbers.get(float(t), [])
        except ValueError:
            continue
        if len(ks) == 1:
            found[j] = ks[0]
    out = codes.copy()
    out[unmatched] = found[where]
    return out


def _fill_value(s: pd.Series, kind: str, how: str, w: np.ndarray | None = None) -> Any:
    """The fill of a column's missing cells from its observed ones, weighted by the rows'
    frequency weights ``w`` (equal to that many copies of each row; unweighted when the
    observed rows weigh nothing)."""
    if w is not None and not w.sum() > 0:
        w = None
    if kind == "categorical" or how == "most_frequent":
        vals = s.map(_text) if kind == "categorical" else s.astype(np.float64)
        counts = (
            vals.value_counts()
            if w is None
            else pd.Series(w, index=vals.to_numpy()).groupby(level=0).sum()
        )
        top = sorted(counts[counts == counts.max()].index)[0]
        return top if kind == "categorical" else float(top)
    x = s.to_numpy(dtype=np.float64)
    if w is None:
        return float(np.mean(x) if how == "mean" else np.median(x))
    if how == "mean":
        return float(np.average(x, weights=w))
    order = np.argsort(x, kind="stable")  # the median of the rows repeated w times
    x, cum = x[order], np.cumsum(w[order])
    half = cum[-1] / 2.0
    i = int(np.searchsorted(cum, half, side="left"))
    if np.isclose(cum[i], half, rtol=1e-12, atol=0.0) and i + 1 < len(x):
        return float((x[i] + x[i + 1]) / 2.0)  # an even count: between the middle two
    return float(x[i])


#: How a missing class label is dealt with (the missing-value options fill features only).
TARGET_NOT_FILLED = (
    "a class label cannot be filled: drop those rows (missing='drop', or beforehand)"
)


def _first_not_finite(rhs: str, frame: Any, term: str) -> int | None:
    """The first row (0-based) where the formula's ``term`` is not finite, or None: the
    formula evaluated again with missing values kept, its term's columns read."""
    from formulaic import model_matrix

    try:
        mm = model_matrix(rhs, frame, na_action="ignore", output="pandas")
    except Exception:  # noqa: BLE001 - only a better message is at stake
        return None
    cols = [c for c in mm.columns if str(c) == term or str(c).startswith(f"{term}[")]
    if not cols:
        return None
    values = mm[cols].to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.flatnonzero(~np.isfinite(values).all(axis=1))
    return int(bad[0]) if bad.size else None


def _missing_message(
    bad: dict[str, np.ndarray], what: str, first_row: int = 0, predicting: bool = False
) -> str:
    parts = [
        f"{c!r} ({counted(int(m.sum()), 'row')}, "
        f"first at row {row_number(first_row, int(np.argmax(m)))})"
        for c, m in bad.items()
    ]
    if predicting:  # missing='drop' drops training rows only: a prediction needs every row
        return (
            f"missing values in {what}column {', '.join(parts)}; a prediction needs every "
            "cell: drop those rows from the table, or fit with missing='mean'|'median'|"
            "'most_frequent' (CLI --impute) to fill them"
        )
    return (
        f"missing values in {what}column {', '.join(parts)}; drop those rows "
        "(missing='drop', CLI --drop-missing) or fill them (missing='mean'|'median'|"
        "'most_frequent', CLI --impute)"
    )


def _count_empty_levels(
    spec: DesignSpec, raw: dict[str, Any], report: dict[str, Any], weights: Any, keep: Any
) -> None:
    """``report["empty_levels"]``: ``{column: [levels]}`` of the categorical levels with
    no training row (of positive weight): an unused category of a pandas Categorical,
    or rows all of weight 0. Their columns make the Hessian singular, and the fit's
    message names them (:func:`empty_levels_note`)."""
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).ravel()
        w = w[keep] if len(w) == len(keep) else None
    empty = {}
    for c in spec.columns:
        if c["kind"] != "categorical":
            continue
        codes = np.asarray(raw[c["name"]])
        if w is not None and len(w) != len(codes):
            return
        known = codes >= 0
        mass = np.bincount(
            codes[known], weights=None if w is None else w[known] > 0, minlength=len(c["levels"])
        )
        if (mass == 0).any():
            empty[c["name"]] = [v for v, m in zip(c["levels"], mass, strict=True) if m == 0]
    if empty:
        report["empty_levels"] = empty


def empty_levels_note(empty: dict[str, list[str]] | None) -> str | None:
    """One line naming the levels without training rows, or None.

    Examples
    --------
    >>> from oneneuron.tables import empty_levels_note
    >>> empty_levels_note({"g": ["d"]}).split(":")[0]
    "level 'd' of column 'g' has no training rows (of positive weight)"
    """
    if not empty:
        return None
    parts = [
        f"level{'s' if len(v) > 1 else ''} {', '.join(map(repr, v[:5]))} of column {c!r}"
        for c, v in empty.items()
    ]
    verb = "have" if len(parts) > 1 or any(len(v) > 1 for v in empty.values()) else "has"
    return (
        f"{'; '.join(parts)} {verb} no training rows (of positive weight): drop "
        f"{'them' if verb == 'have' else 'it'} (an unused pandas category: "
        ".cat.remove_unused_categories())"
    )


def _near(text: str) -> str:
    """``text`` without case, repeated or surrounding spaces, or Unicode form."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def _unknown_example(strs: Any, unknown: np.ndarray, levels: list[str]) -> Any:
    """The example of an unseen level a report keeps: its text, or ``(text, level)`` for
    one that differs from a training level only in case or spaces (``'NORTH'``,
    ``'north   '`` from a padded CHAR column): such a one is preferred, as the likely
    cause (another tool's export), and the note names the level it meant; so is one in
    another Unicode form (``'cafe\\u0301'`` for ``'caf\\xe9'``)."""
    near = {_near(v): v for v in levels}
    seen: set[Any] = set()
    for i in np.flatnonzero(unknown)[:10_000]:
        text = strs[i]
        if text in seen or not isinstance(text, str):
            continue
        seen.add(text)
        if _near(text) in near:
            return (text, near[_near(text)])
        if len(seen) >= 20:
            break
    return str(strs[np.flatnonzero(unknown)[0]])


def unknown_example(ex: Any) -> str:
    """An unseen level's example as the notes write it (see :func:`unknown_note`).

    Examples
    --------
    >>> from oneneuron.tables import unknown_example
    >>> unknown_example("zzz"), unknown_example(("NORTH", "north"))[:24]
    ("'zzz'", "'NORTH', which differs f")
    """
    if isinstance(ex, (tuple, list)) and len(ex) == 2:
        if _differ_in_form(ex):  # they print alike: shown as ascii() writes them
            return (
                f"{ascii(ex[0])}, which differs from the training level {ascii(ex[1])} "
                "only in case, spaces or Unicode form (an accent as one character or as a "
                "letter plus a combining mark)"
            )
        return f"{ex[0]!r}, which differs from the training level {ex[1]!r} only in case or spaces"
    return repr(ex)


def unknown_note(unknown: dict[str, list[Any]] | None) -> str | None:
    """One line on categories not seen in training (``{column: [rows, example]}``, as a
    transform's report counts them), or None when there were none.

    Examples
    --------
    >>> from oneneuron.tables import unknown_note
    >>> unknown_note({"g": [2, "zzz"]}).split(" in ")[-1]
    "'g': 2 rows (e.g. 'zzz')"
    """
    if not unknown:
        return None
    parts = [
        f"{c!r}: {counted(n, 'row')} (e.g. {unknown_example(ex)})" for c, (n, ex) in unknown.items()
    ]
    return (
        "categories not seen in training were coded as the reference level (the first "
        "level where the coding has none) in " + "; ".join(parts)
    )


def formula_columns(
    formula: str, columns: list[str], source: str = "the table", not_dot: Any = ()
) -> tuple[str | None, list[str]]:
    """The target a formula names (or None) and the table columns its right-hand side uses.

    Parameters
    ----------
    formula : str
        ``"y ~ x + C(g)"`` or a right-hand side alone.
    columns : list of str
        The table's columns.
    source : str, default="the table"
        The table's name in messages (a file name on the command line).
    not_dot : collection of str, optional
        Columns R's ``.`` does not stand for (the weights, offset and cluster columns):
        they are used only where the formula writes them out.

    Returns
    -------
    tuple
        The left-hand side's column (or None) and the columns used, in table order.

    Raises
    ------
    ValueError
        If the formula does not parse, or names a variable that is not a column.

    Examples
    --------
    >>> from oneneuron.tables import formula_columns
    >>> formula_columns("y ~ np.log(x) + C(g):x", ["g", "x", "y", "z"])
    ('y', ['g', 'x'])
    >>> formula_columns("y ~ x + nope", ["x", "y"])
    Traceback (most recent call last):
    ...
    ValueError: the formula names 'nope', which is not a column of the table (its columns: 'x', 'y')
    """
    lhs, rhs, used = _parse_formula(formula, columns, not_dot)
    from formulaic import Formula

    # formulaic reads a backticked `x.1` as the attribute 1 of x and lists 'x': a name is
    # not unknown where it is the head of a dotted column the formula uses
    unknown = sorted(
        v
        for v in {str(v) for v in Formula(rhs).required_variables} - set(columns)
        if not any(c.startswith(f"{v}.") for c in used)
    )
    if unknown:
        names = ", ".join(map(repr, unknown))
        shown = ", ".join(map(repr, columns[:20])) + (" ..." if len(columns) > 20 else "")
        raise ValueError(
            f"the formula names {names}, which {'is' if len(unknown) == 1 else 'are'} not "
            f"{'a column' if len(unknown) == 1 else 'columns'} of {source} (its columns: {shown})"
        )
    return lhs, [c for c in columns if c in used and c != lhs]


def _parse_formula(
    formula: str, columns: list[str], not_dot: Any = ()
) -> tuple[str | None, str, set[str]]:
    """Left-hand side (a column name or None), right-hand side, and the columns used;
    ``.`` stands for the columns but the target and ``not_dot``."""
    if not isinstance(formula, str) or not formula.strip():
        raise ValueError("formula must be a non-empty string such as 'y ~ x + C(g)'")
    lhs, rhs = split_formula(formula)  # at the first '~' outside quotes: `y~` ~ x
    lhs = lhs.strip()
    if re.match(r"cbind\s*\(", lhs) and lhs not in columns:
        raise ValueError(
            f"the formula's left-hand side {lhs!r} is R's grouped binomial form: give two "
            "rows per group instead, y=1 with sample_weight the successes and y=0 with "
            "sample_weight the failures (the same likelihood)"
        )
    if re.search(r"(?<![\w.`])offset\s*\(", _quoted_masked(rhs)) and "offset" not in columns:
        raise ValueError(
            f"the formula {formula!r} has an offset() term, which formulas here do not "
            "take: pass the offset as offset= (its values, or the name of a column of the "
            "table: oneneuron.logit(formula, data, offset='log_exposure'); CLI --offset COL)"
        )
    if lhs not in columns:  # Q('paid off') or `paid off`: the column named inside
        quoted = re.fullmatch(r"Q\(\s*(['\"])(.*)\1\s*\)", lhs)
        lhs = quoted.group(2) if quoted else _unquoted(lhs)
    if lhs and lhs not in columns:
        named = [c for c in columns if re.search(rf"(?<![\w.]){re.escape(c)}(?![\w.])", lhs)]
        if named:  # R's I(y == 'yes') ~ x, factor(y) ~ x: an expression of a column
            col = named[0]
            raise ValueError(
                f"the formula's left-hand side {lhs!r} is an expression; the target here is "
                f"a column as it is: write {col!r} itself ('{col} ~ ...': a text or "
                "categorical column's classes are its values, the second in sorted order "
                "the event, as R's factor levels), or add the 0/1 column you mean to the "
                f"table first (data['event'] = ...) and write 'event ~ ...'"
            )
        raise ValueError(f"the formula's left-hand side {lhs!r} must be a column name of the table")
    rhs = _expand_dot(rhs, [c for c in columns if c != lhs and c not in not_dot])
    for name in re.findall(r"`([^`]*)`", rhs):  # `.` written out, and the user's own
        if name in columns:
            _check_nameable(name)
    _refuse_r_spellings(formula, rhs, columns)
    from formulaic import Formula

    try:
        parsed = Formula(rhs)
    except Exception as exc:  # noqa: BLE001 - a formula syntax error
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"cannot parse the formula {formula!r}: {msg}") from None
    used: set[str] = set()
    for term in parsed:
        for factor in term.factors:
            used |= _names_in(str(factor.expr), columns)
            if str(getattr(factor, "eval_method", "")).endswith("PYTHON"):
                _refuse_xor(formula, str(factor.expr))
                _refuse_second_argument(formula, str(factor.expr))
    # formulaic's own list, less the part before a dot of a name it split (`y.1`: 'y')
    used |= {
        str(v)
        for v in parsed.required_variables
        if str(v) in columns and not any(u.startswith(f"{v}.") for u in used)
    }
    if lhs and lhs in used:
        raise ValueError(
            f"the formula's target {lhs!r} is also on its right-hand side; a column cannot be "
            "both the target and a feature"
        )
    return lhs or None, rhs, used


def _refuse_xor(formula: str, expr: str) -> None:
    """A ``^`` inside a term that Python evaluates (``I(x^2)``, ``np.log(x^2)``) is
    refused: R reads it as a power, Python as bitwise XOR, which an integer column
    accepts silently (``110 ^ 2 == 108``): a different model under R's name. Outside
    Python (``(a + b)^2``) it is the formula language's interaction power and is kept.

    Examples
    --------
    >>> try:
    ...     _refuse_xor("y ~ I(x^2)", "I(x ^ 2)")
    ... except ValueError as exc:
    ...     print(str(exc).split("; ")[-1])
    write ** (I(x ** 2))
    >>> _refuse_xor("y ~ (a + b)^2", "a")  # not Python: the interaction power
    """
    import ast

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:  # backticked names: formulaic's own syntax, not Python's
        return
    if any(isinstance(node, ast.BitXor) for node in ast.walk(tree)):
        fixed = re.sub(r"\s*\^\s*", " ** ", expr)
        raise ValueError(
            f"the formula {formula!r} has '^' in {expr}: inside a Python expression ^ is "
            f"bitwise XOR (110 ^ 2 is 108), not R's power; write ** ({fixed})"
        )


def _refuse_second_argument(formula: str, expr: str) -> None:
    """A transform of :data:`TRANSFORMS` or :data:`R_TRANSFORMS` called with more than
    the column is refused: formulaic evaluates ``log(x, 10)`` as NumPy's ``np.log``,
    whose second argument is the output array, so R's ``log(x, base)`` failed as "'int'
    object does not support item assignment". The error names R's bases as spelled here.

    Examples
    --------
    >>> try:
    ...     _refuse_second_argument("y ~ log(x, 10)", "log(x, 10)")
    ... except ValueError as exc:
    ...     print(str(exc).split(": ", 1)[1][:60])
    R's log(x, base) is written log10(x), log2(x) or log(x) (the
    """
    import ast

    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:  # backticked names: formulaic's own syntax, not Python's
        return
    names = set(R_TRANSFORMS) | set(TRANSFORMS)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or len(node.args) + len(node.keywords) < 2:
            continue
        name = ast.unparse(node.func)
        if name not in names:
            continue
        call, x = ast.unparse(node), ast.unparse(node.args[0]) if node.args else "x"
        if name in ("log", "np.log"):
            raise ValueError(
                f"the formula {formula!r} gives {call} a second argument: R's log(x, base) "
                f"is written log10({x}), log2({x}) or log({x}) (the natural log) here; "
                "another base only rescales the coefficient (by log(base))"
            )
        raise ValueError(
            f"the formula {formula!r} has {call}: {name}() takes one argument here (it is "
            f"NumPy's, whose second argument is an output array); write {name}({x})"
        )


def _quoted_masked(rhs: str) -> str:
    """``rhs`` with the text inside quotes and backticks (``'a %in% b'``, `` `x y` ``)
    replaced by ``_``, the quotes kept: the same length, so that a match in it reads
    its groups from ``rhs`` at the same places, and nothing a user quoted looks like an
    operator or a call. Quotes open and close as Python's (and formulaic's) do: a
    quote inside the other kind, or after a backslash, is text."""
    out = list(rhs)
    quote, i = None, 0
    while i < len(rhs):
        ch = rhs[i]
        if quote is None:
            if ch in "'\"`":
                quote = ch
        elif ch == "\\" and quote != "`" and i + 1 < len(rhs):
            out[i] = out[i + 1] = "_"
            i += 1
        elif ch == quote:
            quote = None
        else:
            out[i] = "_"
        i += 1
    return "".join(out)


def _nesting_operands(rhs: str) -> tuple[str, str] | None:
    """The operands of the first ``%in%`` formulaic reads as its nesting operator (its
    tokenizer: a ``%in%`` inside a quoted level or a backticked name is none), as
    written, or None."""
    from formulaic.parser.algos import tokenize

    try:
        tokens = list(tokenize(rhs))
    except Exception:  # noqa: BLE001 - formulaic reports a formula it cannot read
        return None

    def operand(i: int, step: int) -> str:
        depth, j = 0, i
        while 0 <= j < len(tokens):  # a parenthesised group is one operand
            t = tokens[j]
            if t.kind.value == "context":
                depth += 1 if (t.token == "(") == (step > 0) else -1
            if depth <= 0:
                break
            j += step
        j = min(max(j, 0), len(tokens) - 1)
        a, b = sorted((tokens[i], tokens[j]), key=lambda t: t.source_start)
        if a is b and a.kind.value == "name" and not re.fullmatch(r"[\w.]+", a.token):
            return f"`{a.token}`"
        if a is b:
            return a.token
        return rhs[a.source_start : b.source_end + 1]

    for i, t in enumerate(tokens):
        if t.kind.value == "operator" and t.token == "in" and 0 < i < len(tokens) - 1:
            return operand(i - 1, -1), operand(i + 1, 1)
    return None


def _refuse_r_spellings(formula: str, rhs: str, columns: list[str]) -> None:
    """R spellings with no meaning in a formulaic formula name the one that works here:
    ``factor(g)``/``as.factor(g)`` is ``C(g)``, ``relevel(g, ref='b')`` is ``C(g)`` with
    ``reference={'g': 'b'}``, ``TRUE``/``FALSE`` are ``True``/``False`` (they failed as
    "name 'factor' is not defined" or "invalid syntax": ``as`` is a Python keyword);
    patsy's bare ``C(g, Treatment)`` is ``C(g)`` (formulaic: "tuple index out of range").
    A column of that name keeps its meaning, and so does text in quotes or backticks
    (a level ``'a %in% b'``, a column `` `x %in% y` ``): the searches run on the formula
    with it masked (:func:`_quoted_masked`), ``%in%`` on formulaic's tokens."""
    masked = _quoted_masked(rhs)
    bare = re.search(r"C\(\s*(`[^`]+`|[^,()`]+?)\s*,\s*Treatment\s*[,)]", masked)
    if bare and "Treatment" not in columns:  # patsy takes it; formulaic's IndexError
        name = rhs[bare.start(1) : bare.end(1)]
        raise ValueError(
            f"the formula {formula!r} names the coding Treatment without calling it, which "
            f"formulas here cannot evaluate (patsy can): write C({name}) (the same treatment "
            f"coding, against the first level), C({name}, Treatment()), or "
            f"C({name}, Treatment('level')) for another reference level"
        )
    relevel = re.search(
        r"(?<![\w.`])relevel\s*\(\s*(?:(?:as\.)?factor\s*\(\s*([^()]+?)\s*\)|([^(),]+?))\s*,"
        r"\s*(?:ref\s*=\s*)?(['\"]?)([^'\")]*)\3\s*\)",
        masked,
    )
    if relevel and "relevel" not in columns:

        def group(k: int) -> str:  # as written: the match ran on the masked text
            return rhs[relevel.start(k) : relevel.end(k)] if relevel.start(k) >= 0 else ""

        name, level = (group(1) or group(2)).strip(), group(4)
        raise ValueError(
            f"the formula {formula!r} uses R's relevel(), which formulas here do not know: "
            f"write C({name}) and pass reference={{{name!r}: {level!r}}} (CLI --reference "
            f"{name}={level})"
        )
    coded = re.search(r"(?<![\w.`])((?:as\.)?factor)\s*\(\s*([^()]+?)\s*\)", masked)
    if coded and coded.group(1) not in columns:
        arg = rhs[coded.start(2) : coded.end(2)]
        raise ValueError(
            f"the formula {formula!r} uses R's {coded.group(1)}({arg}): here a "
            f"column is coded as categories with C({arg}) (a text or categorical "
            "column is coded so without it)"
        )
    nested = _nesting_operands(rhs) if "%in%" in masked else None
    if nested:  # formulaic's b %in% a is a/b; R's is a:b (statsmodels has none)
        inner, outer = nested
        raise ValueError(
            f"the formula {formula!r} has %in%, which R and formulaic read differently: "
            f"R's {inner} %in% {outer} is {inner}:{outer} (one term), formulaic's is "
            f"{outer}/{inner} ({outer} + {outer}:{inner}); write the one you mean, "
            f"{inner}:{outer} or {outer}/{inner}"
        )
    logical = re.search(r"(?<![\w.`'\"])(TRUE|FALSE)(?![\w`'\"])", masked)
    if logical and logical.group(1) not in columns:
        word = logical.group(1)
        raise ValueError(
            f"the formula {formula!r} uses R's {word}: formulas here are Python, write "
            f"{word.capitalize()}"
        )


def split_formula(formula: str) -> tuple[str, str]:
    """``(left, right)`` of a formula at its ``~``: the first one outside backticks, quotes
    and brackets (a column named ``y~`` is written `` `y~` ``); ``("", formula)``
    without one.

    Examples
    --------
    >>> split_formula("`y~` ~ x + `a~b`")
    ('`y~` ', ' x + `a~b`')
    >>> split_formula("x + C(g)")
    ('', 'x + C(g)')
    """
    quote, depth = None, 0
    for i, ch in enumerate(formula):
        if quote is not None:
            quote = None if ch == quote else quote
        elif ch in "`'\"":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "~" and depth == 0:
            return formula[:i], formula[i + 1 :]
    return "", formula


def formula_target(formula: str) -> str | None:
    """The column a formula's left-hand side names (unquoted), or None.

    Examples
    --------
    >>> from oneneuron.tables import formula_target
    >>> formula_target("`y~` ~ x"), formula_target("Q('a b') ~ x"), formula_target("~ x")
    ('y~', 'a b', None)
    """
    return _unquoted(split_formula(str(formula))[0].strip()) or None


def _unquoted(name: str) -> str:
    """A left-hand side's column name without its quoting: `` `a b` `` (formulaic) or
    ``Q('a b')`` (patsy) name the column ``a b``."""
    m = re.fullmatch(r"`([^`]+)`", name) or re.fullmatch(r"Q\(\s*(['\"])(.+)\1\s*\)", name)
    return name if m is None else m.groups()[-1]


def formula_has_intercept(formula: str) -> bool:
    """Whether a formula keeps its intercept: False after ``- 1``, ``+ 0`` or ``0 +``, as in
    R, statsmodels and formulaic. A formula that does not parse counts as keeping it (the
    fit then names the syntax error).

    Examples
    --------
    >>> from oneneuron.tables import formula_has_intercept
    >>> formula_has_intercept("y ~ x + C(g)"), formula_has_intercept("y ~ x + C(g) - 1")
    (True, False)
    >>> formula_has_intercept("0 + x")
    False
    """
    from formulaic import Formula

    rhs = _expand_dot(split_formula(str(formula))[1], ["x"])  # y ~ . keeps it
    try:
        return any(str(term) == "1" for term in Formula(rhs))
    except Exception:  # noqa: BLE001 - a syntax error is reported where the formula is fitted
        return True


def _expand_dot(rhs: str, columns: list[str]) -> str:
    """``rhs`` with R's ``.`` (every column but the target) written out as ``(`a` + `b`)``.

    A dot is one that stands alone: not in a name or number (``np.log``, ``.5``) and
    not inside quotes (``Treatment('.')``).

    Examples
    --------
    >>> _expand_dot(". - z + I(x * .5)", ["x", "z"])
    '(`x` + `z`) - z + I(x * .5)'
    """
    out: list[str] = []
    quote = None
    calls: list[str | None] = []  # per open bracket: the function it calls, if any
    for i, ch in enumerate(rhs):
        if quote is not None:
            quote = None if ch == quote else quote
        elif ch in "'\"`":
            quote = ch
        elif ch in "([{":
            name = re.search(r"([\w.]+)\s*$", rhs[:i]) if ch == "(" else None
            calls.append(name.group(1) if name else None)
        elif ch in ")]}" and calls:
            calls.pop()
        elif ch == "." and not any(
            0 <= k < len(rhs) and (rhs[k].isalnum() or rhs[k] in "_.") for k in (i - 1, i + 1)
        ):
            call = next((c for c in reversed(calls) if c is not None), None)
            if call is not None:  # R's . stands for terms, never for a value
                raise ValueError(
                    f"the formula has '.' inside {call}(), where it would be the sum of "
                    f"the columns, not each one: R's . stands for terms only; write "
                    f"each column, {call}({columns[0] if columns else 'x'}) + ..."
                )
            for c in columns:
                _check_nameable(c, dot=True)
            out.append("(" + " + ".join(f"`{c}`" for c in columns) + ")")
            continue
        out.append(ch)
    return "".join(out)


_NUMBER_LITERAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def _check_nameable(name: str, dot: bool = False) -> None:
    """Refuse a column a formula cannot name: formulaic reads `` `1` `` as the number 1
    (a column named ``1`` became the intercept and left the model without a word),
    `` `.` `` as R's dot, and has no quoting for an empty name or one holding a
    backtick. ``dot``: the column is one that ``.`` stands for."""
    why = None
    if name == "":
        why = "its name is empty"
    elif "`" in name:
        why = "its name holds a backtick, which formulas use for quoting"
    elif _NUMBER_LITERAL.fullmatch(name):
        why = f"formulaic reads `{name}` as the number {name}"
    elif name == ".":
        why = "formulaic reads `.` as every column"
    if why is None:
        return
    also = " ('.' stands for it: name the other columns instead)" if dot else ""
    raise ValueError(
        f"column {name!r} cannot be named in a formula: {why}; rename the column (e.g. "
        f"'x{name.strip('`')}'), or leave it out of the formula{also}"
    )


def _names_in(expr: str, columns: list[str]) -> set[str]:
    """The table's columns an expression names (formulaic does not list those inside
    stateful transforms such as ``poly(x, 2)``). An expression that is a column's name
    (formulaic writes `` `x y` `` as ``x y``) names that column only; a name in
    backticks names that column; otherwise a name that is no Python identifier
    (``a.b`` parses as an attribute of ``a``) counts where it stands whole in the text.
    A column whose name holds another as a word (``x y`` beside the target ``y``) is
    not the other."""
    import ast

    if expr in columns:
        return {expr}
    quoted = {c for c in re.findall(r"`([^`]*)`", expr) if c in columns}
    rest = re.sub(r"`[^`]*`", " 0 ", expr)  # a number stands wherever a name can

    def spelled(c: str) -> bool:
        return re.search(rf"(?<![\w.]){re.escape(c)}(?![\w])", rest) is not None

    try:
        tree = ast.parse(rest.strip(), mode="eval")
    except SyntaxError:
        return quoted | {c for c in columns if spelled(c)}
    found = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in columns}
    return quoted | found | {c for c in columns if not c.isidentifier() and spelled(c)}


#: Derivatives of the allow-listed transforms.
_DERIVATIVES = {
    "np.log": lambda x: 1.0 / x,
    "np.log1p": lambda x: 1.0 / (1.0 + x),
    "np.log10": lambda x: 1.0 / (x * np.log(10.0)),
    "np.log2": lambda x: 1.0 / (x * np.log(2.0)),
    "np.sqrt": lambda x: 0.5 / np.sqrt(x),
    "np.exp": np.exp,
    "np.abs": np.sign,
}


def _factor_derivative(f: dict[str, Any], x: np.ndarray) -> np.ndarray:
    """``d factor / dx`` for a factor of column x (a plain value or an allow-listed transform)."""
    t = f.get("transform")
    if t is None:
        return np.ones_like(x)
    with np.errstate(all="ignore"):
        if isinstance(t, str):
            return _DERIVATIVES[t](x)
        if "power" in t:
            k = t["power"]
            return k * x ** (k - 1) if k != 0 else np.zeros_like(x)
        if "scale" in t:
            return np.full_like(x, 1.0 / t["scale"][1])
        if "affine" in t:
            a, b = t["affine"]
            inner = _DERIVATIVES[t["then"]](a * x + b) if "then" in t else 1.0
            return a * inner * np.ones_like(x)
        if "compare" in t:  # a step: flat on each side
            return np.zeros_like(x)
        if "poly" in t:
            return poly_column(x, *t["poly"], derivative=True)
    return np.ones_like(x)


def poly_state(x: np.ndarray, degree: int) -> tuple[list[float], list[float]]:
    """The training numbers of R's ``poly(x, degree)``: the monic orthogonal polynomials
    ``P_0 = 1``, ``P_{i+1} = (x - alpha_i) P_i - (norms2_i / norms2_{i-1}) P_{i-1}``
    over the training rows, ``alpha_i = sum(x P_i^2) / norms2_i``,
    ``norms2_i = sum(P_i^2)`` (``i = 0 .. degree``; ``alpha`` up to ``degree - 1``).
    Raises ``ValueError`` where x has too few distinct values for the degree."""
    x = np.asarray(x, dtype=np.float64)
    P_prev, P = np.zeros_like(x), np.ones_like(x)
    alpha: list[float] = []
    norms2 = [float(np.sum(P**2))]
    for i in range(degree):
        alpha.append(float(np.sum(x * P**2) / norms2[i]))
        beta = norms2[i] / norms2[i - 1] if i >= 1 else 0.0
        P_prev, P = P, (x - alpha[i]) * P - beta * P_prev
        norms2.append(float(np.sum(P**2)))
    if not all(math.isfinite(v) and v > 1e-12 * norms2[0] for v in norms2[1:]):
        raise ValueError(f"poly(x, {degree}) needs more distinct values of x than its degree")
    return alpha, norms2


def poly_column(
    x: np.ndarray, j: int, alpha: list[float], norms2: list[float], derivative: bool = False
) -> np.ndarray:
    """Column ``j`` of ``poly(x, len(alpha))`` from :func:`poly_state`'s numbers,
    ``P_j(x) / sqrt(norms2_j)``, or its derivative in x (the recurrence differentiated:
    ``P'_{i+1} = P_i + (x - alpha_i) P'_i - beta_i P'_{i-1}``)."""
    x = np.asarray(x, dtype=np.float64)
    P_prev, P = np.zeros_like(x), np.ones_like(x)
    D_prev, D = np.zeros_like(x), np.zeros_like(x)
    for i in range(j):
        beta = norms2[i] / norms2[i - 1] if i >= 1 else 0.0
        D_prev, D = D, P + (x - alpha[i]) * D - beta * D_prev
        P_prev, P = P, (x - alpha[i]) * P - beta * P_prev
    return (D if derivative else P) / math.sqrt(norms2[j])


def _formulaic_matrix(spec: DesignSpec, raw: dict[str, Any], sparse: bool = False) -> Any:
    """A formula's columns by formulaic (a term outside the saved list): dense, or CSR."""
    frame = spec._frame(raw)
    output = "sparse" if sparse else "pandas"
    try:
        mm = spec._formulaic.get_model_matrix(frame, na_action="raise", output=output)
    except Exception as exc:  # noqa: BLE001 - formulaic's errors are the formula's
        raise ValueError(_evaluation_message(spec, raw, exc)) from None
    names = [str(c) for c in mm.model_spec.column_names]
    keep = [j for j, c in enumerate(names) if c != "Intercept"]
    if not sparse:
        return mm.iloc[:, keep].to_numpy(dtype=np.float64)
    import scipy.sparse as sp

    X = sp.csc_matrix(mm, dtype=np.float64)[:, keep].tocsr()
    X.sort_indices()
    return X


def _evaluation_message(spec: DesignSpec, raw: dict[str, Any], exc: Exception) -> str:
    """One message, in the table's terms, for a formula term formulaic cannot evaluate on
    new rows. A transform fitted on the training range only (``bs``: formulaic keeps its
    ``lower_bound`` and ``upper_bound``) names the column, that range and the first row
    beyond it (0-based position among the rows given)."""
    text = str(exc).strip()
    found = re.search(r"factor `(.+?)`", text)
    factor = found.group(1) if found else None
    state = (getattr(spec._formulaic, "transform_state", None) or {}).get(factor) or {}
    lo, hi = state.get("lower_bound"), state.get("upper_bound")
    if factor is not None and lo is not None and hi is not None:
        names = [c["name"] for c in spec.columns if c["kind"] != "categorical"]
        for name in sorted(_names_in(factor, names)):
            x = np.asarray(raw[name], dtype=np.float64)
            out = np.flatnonzero((x < lo) | (x > hi))
            if len(out):
                row = int(out[0])
                return (
                    f"cannot evaluate the formula term {factor!r}: column {name!r} has "
                    f"{counted(len(out), 'value')} outside its training range [{lo:.6g}, {hi:.6g}] "
                    f"(row {row}: {x[row]:.6g}); this spline is defined on the training range "
                    "only: predict inside it, or refit with bounds that cover the new values "
                    f"(e.g. bs({name}, df=..., lower_bound=..., upper_bound=...))"
                )
    cause = re.sub(
        r"^Unable to evaluate factor `.+?`\.\s*", "", text.splitlines()[0] if text else ""
    )
    what = f"the formula term {factor!r}" if factor else f"the formula {spec.formula!r}"
    return f"cannot evaluate {what} on these rows: {cause.strip('[] ') or type(exc).__name__}"


def _close(a: Any, b: Any) -> bool:
    """``np.allclose(a, b, rtol=1e-12, atol=1e-12)`` for dense or sparse matrices."""
    if not hasattr(a, "tocoo") and not hasattr(b, "tocoo"):
        return bool(np.allclose(a, b, rtol=1e-12, atol=1e-12))
    import scipy.sparse as sp

    A, B = sp.csr_matrix(a), sp.csr_matrix(b)
    excess = abs(A - B) - 1e-12 * abs(B)  # |a - b| - rtol |b|, where either is stored
    return bool(np.all(excess.data <= 1e-12))
