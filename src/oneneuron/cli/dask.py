"""``oneneuron train --engine dask``: fit a Parquet file or folder through Dask.

The table is never loaded whole: each pass of the solver is one task per
partition on the Dask scheduler (local threads by default, or a cluster given by
``--scheduler ADDRESS``), so a dataset larger than memory can be fitted. The
features must be numeric (encode categories first), missing cells are an error
(``--impute`` needs the in-memory engine), and the model file is the same as
from the in-memory engine, so ``predict`` and ``evaluate`` work unchanged.
The penalty options (``--alpha``, default 0, ``--l1-ratio``), the solver's
(``--solver``, ``--tol``, ``--max-iter``, ``--no-intercept``), ``--inference`` and
``--weights`` (a column of frequency weights, read from the same partitions, never a
feature) are passed on; an option only the in-memory engine honours is refused, never ignored.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

from ..tables import read_columns, unnamed_columns, unnamed_note
from ..wording import counted
from ._common import cli_terms, fit_status, note, refuse_ambiguous_labels
from ._errors import UserError, show_warnings, shown


def _dask_terms(text: str, args: argparse.Namespace) -> str:
    """The engines' missing-label and non-finite-feature errors in this engine's terms: the
    column by its name, the file's data row (counted from 1), and no --drop-missing or
    --impute, which --engine dask refuses."""
    import re

    cell = re.match(
        r"X has (NaN|infinity|-infinity) in column (.+) \(row (\d+)\); drop or fill", text
    )
    if cell is not None:  # a feature's cell, its row counted from X's start
        what, column, row = cell[1], cell[2], int(cell[3]) + 1
        if what != "NaN":
            return (
                f"column {column} holds {what} in data row {row}; a feature must be a finite "
                "number: fix or remove the row in the data"
            )
        return (
            f"column {column} has a missing value (NaN) in data row {row}; --engine dask "
            "drops or fills no rows: remove or fill them in the data, or train with --engine "
            "memory --drop-missing or --impute mean|median|most_frequent"
        )
    m = re.match(r"cluster has missing labels \(.+\), the first in row (\d+);", text)
    if m is not None:  # (a row of X: the Parquet engine's cluster column is cut as X)
        return (
            f"cluster column {args.cluster!r} has a missing label in data row {int(m[1]) + 1}; "
            "--engine dask drops no rows: remove or fill them in the data, or train with "
            "--engine memory --drop-missing"
        )
    m = re.match(r"sample_weight must be finite and non-negative: row (\d+) holds (.+)$", text)
    if m is not None:
        row, what = int(m[1]) + 1, m[2]
        if what == "NaN":
            return (
                f"weights column {args.weights!r} has a missing value (NaN) in data row {row}; "
                "--engine dask drops no rows: remove or fill them in the data, or train "
                "with --engine memory --drop-missing"
            )
        return (
            f"weights column {args.weights!r} holds {what} in data row {row}; a weight must "
            "be a finite number >= 0: fix the row in the data"
        )
    m = re.match(r"y has (\d+) missing labels? \(None or NaN\), the first in row (\d+);", text)
    if m is None:
        return text
    return (
        f"target column {args.target!r} has {counted(int(m[1]), 'missing label')}, "
        f"the first in data row {int(m[2]) + 1}; --engine dask drops no rows: remove them "
        "from the data, or train with --engine memory --drop-missing"
    )


def train_dask(args: argparse.Namespace, write_model: Any) -> int:
    """Fit ``args.data`` (Parquet) with the Dask engine and write ``args.model``."""
    first = _first_parquet_file(args.data)
    if args.impute is not None:
        raise UserError("--impute needs the in-memory engine; drop --engine dask or fill the data")
    if first is not None:
        read_columns(first)  # refuses repeated column names (Dask's error would not say)
        if not args.features:  # as the in-memory engine: row labels are not features
            for i, c in unnamed_columns(first):
                note(args, unnamed_note(i, c, False, False, ""))
    if args.solver == "sgd":
        raise UserError("--solver sgd is not available with --engine dask")
    if args.weights is not None and args.weights == args.target:
        raise UserError(
            f"--weights {args.weights} is the target column: the labels would count their "
            "own rows; name the column of counts"
        )
    if args.weights is not None and args.weights in (args.features or []):
        raise UserError(
            f"--weights {args.weights} is one of --features; a column is one or the other"
        )
    try:
        import dask.dataframe  # noqa: F401 - fit_parquet imports it lazily; fail here, once
    except ImportError:
        raise UserError("--engine dask needs Dask: pip install 'oneneuron[dask]'") from None
    from ..classifier.parquet import fit_parquet

    params = {  # every option train_dask accepts reaches the fit (others are refused)
        "alpha": 0.0 if args.alpha is None else args.alpha,  # as in memory
        "l1_ratio": args.l1_ratio,
        "solver": args.solver,
        "tol": args.tol,
        "max_iter": args.max_iter,
        "fit_intercept": not args.no_intercept,
        "inference": {"auto": "auto", "always": True, "never": False}[args.inference],
        "cov_type": args.cov_type,
    }
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            est = fit_parquet(
                args.data,
                args.target,
                args.features,
                args.scheduler,
                sample_weight=args.weights,
                cluster=args.cluster,
                training_accuracy=True,  # one more pass over the data, as train's summary
                **params,
            )
        except (ValueError, OSError) as exc:
            raise UserError(_dask_terms(cli_terms(str(exc).splitlines()[0]), args)) from None
    # the in-memory engine's checks of the labels ('yes' and 'Yes', '1' and '1.0' would be
    # separate classes); the Dask engine learns them in its fit's first pass
    import pandas as pd

    from ..tables import refuse_label_values

    # dates or lists as labels: said as the in-memory engine says it, not as a model file
    # that cannot store them ('cannot store a value of type date')
    refuse_label_values(pd.Series(list(est.classes_)), f"target column {args.target!r}")
    refuse_ambiguous_labels(args.target, est.classes_.tolist())
    show_warnings(caught)
    status = "converged" if est.converged_ else "did NOT converge"
    lines = [
        f"trained on {counted(est.n_samples_fit_, 'row')}, "
        f"{counted(est.n_features_in_, 'feature')} (Dask)",
        f"  solver {est.solver_}: {status} in {counted(est.n_iter_, 'iteration')}, "
        f"{est.n_passes_:.1f} passes over the data ({cli_terms(est.stop_reason_)})",  # own measure
    ]
    if args.weights is not None:  # as the in-memory engine says them
        nobs = getattr(getattr(est, "inference_", None), "nobs", None)  # the weights' sum
        total = f": {counted(nobs, 'row', spec='.10g')} counted" if nobs is not None else ""
        lines.insert(
            1, f"  frequency weights {args.weights}{total} (each row as often as its weight)"
        )
    classes = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in est.classes_)
    lines.insert(-1, f"  classes: {classes}")
    lines.extend(f"  {line}" for line in fit_status(est))  # as the in-memory engine's
    lines.append(f"  training accuracy {est.training_accuracy_:.4f}")
    # the table's columns and target as the in-memory engine's file holds them: a design
    # of one term per column (the Dask engine fits numeric and boolean columns only, never
    # filled), a Parquet boolean column of kind boolean (true/false, or 0/1, at predict)
    est.design_ = _parquet_design(first, [str(c) for c in est.feature_names_in_], args.target)
    # last: a failure above leaves no model file
    write_model(est, args.model, overwrite=args.force, n_samples=est.n_samples_fit_)
    if not args.quiet:
        print(shown("\n".join(lines)))
        print(shown(f"wrote {args.model}"))
    return 0


def _parquet_design(first: Path | None, features: list[str], target: str) -> Any:
    """The design the in-memory engine fits on these columns of a Parquet file: one term
    per column, ``boolean`` where the file's type is, else ``numeric``."""
    import pyarrow.parquet as pq

    from ..tables import DesignSpec

    schema = pq.read_schema(first) if first is not None else None
    types = {} if schema is None else {f.name: f.type for f in schema}

    def kind(c: str) -> str:
        t = types.get(c)
        return "boolean" if t is not None and str(t) == "bool" else "numeric"

    return DesignSpec.from_dict(
        {
            "columns": [
                {"name": c, "kind": kind(c), "levels": None, "fill": None} for c in features
            ],
            "terms": [{"name": c, "factors": [{"column": c}]} for c in features],
            "target": target,
            "missing": "error",
            "encoding": "reference",
            "reference": {},
            "formula": None,
        }
    )


def _first_parquet_file(path: str) -> Path | None:
    """The first file Dask reads of ``path``: a Parquet file, whatever its name (its
    content says: ``data.pq``, ``data``), or a folder's first Parquet file (searched
    recursively: a hive-partitioned folder holds g=0/part.parquet, in the order
    ``tables.parquet_files`` gives). None where ``path`` does not exist (the fit says
    so); anything else, and a compressed Parquet file, is one error."""
    from ..tables import DataError, data_format, is_compressed, parquet_files

    p = Path(path)
    if p.is_dir():
        try:
            return Path(parquet_files(p)[0].path)
        except ValueError:
            raise UserError(
                f"--engine dask reads Parquet (a file, or a folder of them), not {path}: it "
                "holds no Parquet files"
            ) from None
    if not p.exists():
        return None
    try:
        parquet = data_format(p) == "parquet"
    except DataError:
        parquet = False
    if not parquet:
        raise UserError(f"--engine dask reads Parquet (a file, or a folder of them), not {path}")
    if is_compressed(p):
        raise UserError(
            f"{path} is compressed Parquet, which --engine dask cannot read (Parquet needs "
            "random access): decompress it, or train with --engine memory"
        )
    return p
