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

from ..tables import IMPUTE
from ._common import CHUNK_ROWS, check_new_file, offset_values, quiet_parent
from ._errors import UserError, show_warnings, user_errors


def add_parser(sub: Any) -> None:
    """Register ``train`` on the subcommand parser."""
    quiet = quiet_parent()
    p = sub.add_parser("train", parents=[quiet], help="fit a model to a table and save it")
    p.add_argument("data", metavar="DATA", help="training table (.csv, .tsv or .parquet)")
    p.add_argument("--target", required=True, metavar="COL", help="column with the class labels")
    p.add_argument("--model", required=True, metavar="PATH", help="model file to write (JSON)")
    p.add_argument(
        "--features", nargs="+", metavar="COL", help="feature columns (default: all but target)"
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
    import numpy as np

    from ..classifier import NeuronClassifier
    from ..modelfile import write_model
    from ..tables import (
        EncodeReport,
        check_stray_text,
        encode,
        feature_names,
        fit_spec,
        iter_table,
        need_columns,
        read_columns,
    )
    from ._progress import Activity

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
    present = read_columns(args.data)
    need_columns(args.data, present, [args.target], "target")
    special = [c for c in (args.cluster, args.offset) if c is not None]
    need_columns(args.data, present, special, "--cluster/--offset")
    features = args.features or [c for c in present if c not in {args.target, *special}]
    need_columns(args.data, present, features, "feature")
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
    y_missing = df[args.target].isna().to_numpy()
    if y_missing.any():
        raise UserError(
            f"target column {args.target!r} has {int(y_missing.sum())} missing values "
            f"(first at data row {int(np.argmax(y_missing)) + 1})"
        )
    check_stray_text(df, cols, args.data)
    spec = fit_spec(df, args.target, features, args.impute, args.data)
    report = EncodeReport()
    X = encode(df, spec, report)
    report.raise_missing(args.data)
    y = df[args.target].to_numpy()
    labels = np.unique(y)
    if len(labels) < 2:
        raise UserError(
            f"target column {args.target!r} has only one class ({labels[0]!r} in all "
            f"{len(y)} rows); a classifier needs at least two"
        )
    Xdf = pd.DataFrame(X, columns=feature_names(spec), copy=False)
    est = NeuronClassifier(
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
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Activity(f"fitting {len(y)} rows", enabled=not args.quiet, determinate=False):
            try:  # a frame, so that warnings and the coefficient table name the columns
                est.fit(Xdf, y, **fit_kw)
            except ValueError as exc:
                raise UserError(str(exc)) from None
    show_warnings(caught)
    write_model(est, args.model, overwrite=args.force, input=spec, n_samples=len(y))
    if not args.quiet:
        classes = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in est.classes_)
        print(f"trained on {len(y)} rows, {X.shape[1]} features from {len(features)} columns")
        print(f"  classes: {classes}")
        print(f"  solver {est.solver_}, {est.n_iter_} iterations: {est.stop_reason_}")
        print(f"  training accuracy {float(np.mean(est.predict(Xdf) == y)):.4f}")
        print(f"wrote {args.model}")
    return 0
