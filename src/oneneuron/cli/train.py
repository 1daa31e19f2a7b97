"""``oneneuron train``: fit the neuron to the user's own table and write a model file.

Conventions (see the README's "Command line" section):

- DATA is CSV, TSV or Parquet, chosen by the file extension.
- Nothing the user owns is replaced: an existing model, prediction or report
  file is an error unless ``--force``; every output is written to a temporary
  file beside it and renamed at the end, so a failure leaves no partial file.
- Columns of DATA that the model does not use are ignored; ``predict`` names
  them on one ``note:`` line (``--quiet`` hides notes and progress bars).
  Categories not seen in training are encoded as all-zero indicators and
  reported on a ``warning:`` line (always shown), or rejected with
  ``--on-unknown error``.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..modelfile import write_model
from ..tables import (
    IMPUTE,
    DataError,
    check_stray_text,
    formula_columns,
    iter_table,
    need_columns,
    read_columns,
)
from ._common import CHUNK_ROWS, check_new_file, offset_values, quiet_parent
from ._errors import UserError, show_warnings, user_errors
from ._progress import Activity


def add_parser(sub: Any) -> None:
    """Register ``train`` on the subcommand parser."""
    quiet = quiet_parent()
    p = sub.add_parser("train", parents=[quiet], help="fit a model to a table and save it")
    p.add_argument("data", metavar="DATA", help="training table (.csv, .tsv or .parquet)")
    p.add_argument(
        "--target", metavar="COL", help="column with the class labels (or the formula's left side)"
    )
    p.add_argument("--model", required=True, metavar="PATH", help="model file to write (JSON)")
    p.add_argument(
        "--features", nargs="+", metavar="COL", help="feature columns (default: all but target)"
    )
    p.add_argument(
        "--formula",
        metavar="TEXT",
        help="model formula, e.g. 'default ~ balance + C(student) + balance:student' "
        "(formulaic/statsmodels syntax; it is Python code: only your own formulas)",
    )
    p.add_argument(
        "--reference",
        action="append",
        default=[],
        metavar="COL=LEVEL",
        help="reference level of a categorical column (default: first in sorted order)",
    )
    p.add_argument(
        "--encoding",
        choices=["reference", "full"],
        default="reference",
        help="categorical columns: treatment coding against the reference level "
        "(default), or one column per level (needs --alpha > 0 with an intercept)",
    )
    p.add_argument(
        "--drop-missing",
        action="store_true",
        help="drop rows with a missing value in a used column or the target (and say how many)",
    )
    p.add_argument("--alpha", type=float, default=0.0, help="L2 strength (default 0)")
    p.add_argument(
        "--solver",
        default="auto",
        choices=["auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd"],
    )
    p.add_argument(
        "--tol",
        type=float,
        default=1e-8,
        help="stopping tolerance: the relative size of the last Newton step (see NeuronClassifier)",
    )
    p.add_argument("--max-iter", type=int, default=1000)
    p.add_argument("--no-intercept", action="store_true", help="fit without a bias b")
    p.add_argument(
        "--impute",
        choices=IMPUTE,
        help="fill missing cells with this training statistic (categorical columns: "
        "most frequent); default: missing cells are an error",
    )
    p.add_argument(
        "--cov-type",
        choices=["nonrobust", "HC0", "HC1", "HC2", "HC3", "cluster"],
        default="nonrobust",
        help="covariance of the coefficients: inverse Hessian (default), robust "
        "sandwich HC0-HC3, or cluster-robust (with --cluster)",
    )
    p.add_argument("--cluster", metavar="COL", help="cluster labels, for --cov-type cluster")
    p.add_argument(
        "--firth",
        action="store_true",
        help="Firth's bias-reduced logistic regression (binary; finite under separation)",
    )
    p.add_argument(
        "--offset",
        metavar="COL",
        help="numeric column added to each logit (binary); predict then needs --offset",
    )
    p.add_argument("--force", action="store_true", help="replace an existing model file")
    p.add_argument(
        "--engine",
        choices=["memory", "dask"],
        default="memory",
        help="dask: fit a Parquet file or folder partition by partition (larger than memory)",
    )
    p.add_argument("--scheduler", metavar="ADDRESS", help="Dask scheduler (with --engine dask)")
    p.set_defaults(func=run_train)


@user_errors
def run_train(args: argparse.Namespace) -> int:
    """Fit a NeuronClassifier to DATA and write the model file."""
    from ..classifier import NeuronClassifier

    check_new_file(args.model, args.force, flag="--model", inputs={"data table": args.data})
    if args.engine == "dask" and (
        args.cov_type != "nonrobust" or args.cluster or args.offset or args.firth
    ):
        raise UserError("--cov-type, --cluster, --offset and --firth need --engine memory")
    if args.engine == "dask":
        from .dask import train_dask

        return train_dask(args, write_model)
    if args.scheduler:
        raise UserError("--scheduler needs --engine dask")
    if (args.cov_type == "cluster") != (args.cluster is not None):
        raise UserError("--cov-type cluster and --cluster COL go together")
    if args.drop_missing and args.impute:
        raise UserError("--drop-missing and --impute exclude each other; choose one")
    reference = {}
    for item in args.reference:
        col, sep, level = item.partition("=")
        if not sep or not col:
            raise UserError(f"--reference takes COL=LEVEL (e.g. student=No), not {item!r}")
        reference[col] = level
    present = read_columns(args.data)
    if args.formula is not None:
        if args.features:
            raise UserError("--formula names the features itself; leave out --features")
        try:
            lhs, features = formula_columns(args.formula, present)
        except ValueError as exc:
            raise UserError(f"--formula: {exc}") from None
        if lhs is not None and args.target is not None and lhs != args.target:
            raise UserError(f"--formula's target {lhs!r} differs from --target {args.target!r}")
        args.target = args.target or lhs
    if args.target is None:
        raise UserError("name the target column with --target COL (or 'COL ~ ...' in --formula)")
    need_columns(args.data, present, [args.target], "target")
    special = [c for c in (args.cluster, args.offset) if c is not None]
    need_columns(args.data, present, special, "--cluster/--offset")
    if args.formula is None:
        features = args.features or [c for c in present if c not in {args.target, *special}]
    need_columns(args.data, present, features, "feature")
    unknown = sorted(set(reference) - set(features))
    if unknown:
        raise UserError(f"--reference names column(s) that are not features: {unknown}")
    if not features:
        raise UserError(f"{args.data} has no feature columns besides the target {args.target!r}")
    import pandas as pd

    cols = list(dict.fromkeys([*features, args.target, *special]))
    with Activity(f"reading {Path(args.data).name}", enabled=not args.quiet) as act:
        parts = []
        text = [args.cluster] if args.cluster else []
        for chunk, frac in iter_table(args.data, cols, text, CHUNK_ROWS):
            parts.append(chunk)
            act.update(frac)
    if not parts:
        raise UserError(f"{args.data} has a header but no data rows")
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    check_stray_text(df, cols, args.data)
    y_all = df[args.target]
    labels = pd.unique(y_all[y_all.notna()])
    if len(labels) < 2:
        shown = f"{labels[0]!r} in all {int(y_all.notna().sum())} rows" if len(labels) else "none"
        raise UserError(
            f"target column {args.target!r} has only one class ({shown}); "
            "a classifier needs at least two"
        )
    missing = "drop" if args.drop_missing else (args.impute or "error")
    est = NeuronClassifier(
        formula=args.formula,
        reference=reference or None,
        encoding=args.encoding,
        missing=missing,
        alpha=args.alpha,
        solver=args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        fit_intercept=not args.no_intercept,
        cov_type=args.cov_type,
        firth=args.firth,
    )
    fit_kw: dict[str, Any] = {}
    if args.cluster is not None:
        groups = df[args.cluster]
        if groups.isna().any():
            raise UserError(
                f"cluster column {args.cluster!r} has {int(groups.isna().sum())} missing values"
            )
        fit_kw["cluster"] = groups.astype(str).to_numpy()
    if args.offset is not None:
        fit_kw["offset"] = offset_values(df, args.offset, args.data, 1)
    table = df[list(dict.fromkeys([*features, args.target]))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Activity(f"fitting {len(df)} rows", enabled=not args.quiet, determinate=False):
            try:  # the table and the target's name: the design layer codes the columns
                est.fit(table, args.target, **fit_kw)
            except DataError:
                raise
            except ValueError as exc:
                raise UserError(_cli_terms(str(exc))) from None
    show_warnings(caught)
    write_model(est, args.model, overwrite=args.force)
    if not args.quiet:
        n = est.n_samples_fit_
        classes = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in est.classes_)
        d = est.n_features_in_
        print(f"trained on {n} rows, {d} model columns from {len(features)} table columns")
        dropped = est.design_report_.get("dropped")
        if dropped:
            print(f"  dropped {dropped} rows with missing values (--drop-missing)")
        if args.impute:
            print(f"  missing cells filled with the training {args.impute} (--impute)")
        print(f"  classes: {classes}")
        print(f"  solver {est.solver_}, {est.n_iter_} iterations: {est.stop_reason_}")
        kept = table.loc[est.design_report_.get("kept", slice(None))]
        acc = float(np.mean(est.predict(kept) == kept[args.target].to_numpy()))
        print(f"  training accuracy {acc:.4f}")
        print(f"wrote {args.model}")
    return 0


def _cli_terms(text: str) -> str:
    """Python keywords of the estimator's messages, in the command line's flags."""
    for py, flag in (
        ("missing='drop'", "--drop-missing"),
        ("missing='mean'|'median'|'most_frequent'", "--impute mean|median|most_frequent"),
        ("reference=", "--reference "),
        ("alpha > 0", "--alpha > 0"),
    ):
        text = text.replace(py, flag)
    return text
