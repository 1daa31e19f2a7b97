"""``oneneuron train``, ``predict`` and ``evaluate``: the neuron on the user's own tables.

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
import copy
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from . import _tabular as tab
from ._cli_common import _check_new_file, _note, _positive_int, _user_errors
from ._progress import Activity
from .cli import UserError
from .io import SavedModel, read_model, write_model

CHUNK_ROWS = 100_000
LABEL_COLUMN = "prediction"


def add_parser(sub: Any) -> None:
    """Register ``train``, ``predict`` and ``evaluate`` on the subcommand parser."""
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes")
    reading = argparse.ArgumentParser(add_help=False)  # predict and evaluate read DATA alike
    reading.add_argument(
        "--chunk-rows",
        type=_positive_int,
        default=CHUNK_ROWS,
        metavar="N",
        help=f"rows read at a time; memory grows with N, not the table (default {CHUNK_ROWS})",
    )
    reading.add_argument(
        "--on-unknown",
        choices=["ignore", "error"],
        default="ignore",
        help="unseen categories: encode as zeros and warn (default), or fail",
    )

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
    p.add_argument("--tol", type=float, default=1e-8, help="stop at max|grad| <= tol")
    p.add_argument("--max-iter", type=int, default=1000)
    p.add_argument("--no-intercept", action="store_true", help="fit without a bias b")
    p.add_argument(
        "--impute",
        choices=tab.IMPUTE,
        help="fill missing cells with this training statistic (categorical columns: "
        "most frequent); default: missing cells are an error",
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

    p = sub.add_parser(
        "predict", parents=[quiet, reading], help="write class probabilities for a table"
    )
    p.add_argument("model", metavar="MODEL", help="model file from 'oneneuron train'")
    p.add_argument("data", metavar="DATA", help="table to predict (.csv, .tsv or .parquet)")
    p.add_argument("--out", required=True, metavar="PATH", help="output table (.csv/.tsv/.parquet)")
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument("--keep", nargs="+", default=[], metavar="COL", help="copy these columns")
    p.set_defaults(func=run_predict)

    p = sub.add_parser(
        "evaluate", parents=[quiet, reading], help="score a model on a labelled table"
    )
    p.add_argument("model", metavar="MODEL", help="model file from 'oneneuron train'")
    p.add_argument("data", metavar="DATA", help="labelled table (.csv, .tsv or .parquet)")
    p.add_argument("--target", metavar="COL", help="label column (default: the training target)")
    p.add_argument("--json", action="store_true", help="print the metrics as JSON")
    p.add_argument("--report", metavar="PATH", help="write an HTML report with plots")
    p.add_argument("--force", action="store_true", help="replace an existing report file")
    p.set_defaults(func=run_evaluate)


# ------------------------------------------------------------------- train
@_user_errors
def run_train(args: argparse.Namespace) -> int:
    """Fit a NeuronClassifier to DATA and write the model file."""
    from .estimator import NeuronClassifier

    _check_new_file(args.model, args.force)
    if args.engine == "dask":
        from ._cli_dask import train_dask

        return train_dask(args, write_model)
    if args.scheduler:
        raise UserError("--scheduler needs --engine dask")
    present = tab.read_columns(args.data)
    tab.need_columns(args.data, present, [args.target], "target")
    features = args.features or [c for c in present if c != args.target]
    tab.need_columns(args.data, present, features, "feature")
    if not features:
        raise UserError(f"{args.data} has no feature columns besides the target {args.target!r}")
    import pandas as pd

    cols = list(dict.fromkeys([*features, args.target]))
    with Activity(f"reading {Path(args.data).name}", enabled=not args.quiet) as act:
        parts = []
        for chunk, frac in tab.iter_table(args.data, cols, [], CHUNK_ROWS):
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
    spec = tab.fit_spec(df, args.target, features, args.impute, args.data)
    report = tab.EncodeReport()
    X = tab.encode(df, spec, report)
    report.raise_missing(args.data)
    y = df[args.target].to_numpy()
    labels = np.unique(y)
    if len(labels) < 2:
        raise UserError(
            f"target column {args.target!r} has only one class ({labels[0]!r} in all "
            f"{len(y)} rows); a classifier needs at least two"
        )
    Xdf = pd.DataFrame(X, columns=tab.feature_names(spec), copy=False)
    est = NeuronClassifier(
        alpha=args.alpha,
        solver=args.solver,
        tol=args.tol,
        max_iter=args.max_iter,
        fit_intercept=not args.no_intercept,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with Activity(f"fitting {len(y)} rows", enabled=not args.quiet, determinate=False):
            try:  # a frame, so that warnings and the coefficient table name the columns
                est.fit(Xdf, y)
            except ValueError as exc:
                raise UserError(str(exc)) from None
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    write_model(est, args.model, overwrite=args.force, input=spec, n_samples=len(y))
    if not args.quiet:
        classes = ", ".join(repr(c.item() if hasattr(c, "item") else c) for c in est.classes_)
        status = "converged" if est.converged_ else "did NOT converge"
        print(f"trained on {len(y)} rows, {X.shape[1]} features from {len(features)} columns")
        print(f"  classes: {classes}")
        print(
            f"  solver {est.solver_}: {status} in {est.n_iter_} iterations "
            f"(max|grad| = {est.grad_norm_:.2e}, tol = {est.tol:g})"
        )
        print(f"  training accuracy {float(np.mean(est.predict(Xdf) == y)):.4f}")
        print(f"wrote {args.model}")
    return 0


# ------------------------------------------------------ shared by predict/evaluate
def input_spec(saved: SavedModel, target: str | None) -> dict[str, Any]:
    """The stored input spec, or one for a Python-API model (numeric columns by name)."""
    if saved.input is not None:
        return saved.input
    names = [str(n) for n in getattr(saved.estimator, "feature_names_in_", [])] or [
        f"x{j}" for j in range(saved.estimator.n_features_in_)
    ]
    cols = [{"name": n, "kind": "numeric", "fill": None} for n in names]
    return {"target": target, "impute": None, "columns": cols}


def predict_chunks(
    saved: SavedModel,
    spec: dict[str, Any],
    args: argparse.Namespace,
    extra: list[str],
    report: tab.EncodeReport,
    act: Activity,
) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(chunk, proba, log_proba, labels)`` chunk by chunk (memory ~ one chunk)."""
    est = copy.copy(saved.estimator)
    if hasattr(est, "feature_names_in_"):
        del est.feature_names_in_  # the CLI passes arrays in the stored column order
    feats = [c["name"] for c in spec["columns"]]
    cols = list(dict.fromkeys([*feats, *extra]))
    row = 1
    for chunk, frac in tab.iter_table(args.data, cols, tab.text_columns(spec), args.chunk_rows):
        X = tab.encode(chunk, spec, report, first_row=row)
        row += len(chunk)
        act.update(frac)
        if args.on_unknown == "error" and report.unknown:
            raise tab.DataError(f"{args.data}: {report.unknown_note()} (--on-unknown error)")
        if report.missing or report.bad_numbers or len(chunk) == 0:
            continue  # counted to the end for the message; nothing more to predict
        yield chunk, est.predict_proba(X), est.predict_log_proba(X), est.predict(X)
    report.raise_missing(args.data)


def _unknown_warning(report: tab.EncodeReport) -> None:
    note = report.unknown_note()
    if note:
        print(f"warning: {note}", file=sys.stderr)


# ----------------------------------------------------------------- predict
@_user_errors
def run_predict(args: argparse.Namespace) -> int:
    """Write one probability column per class and the predicted label."""
    import pandas as pd

    from ._output import OutputTable

    saved = read_model(args.model)
    spec = input_spec(saved, None)
    present = tab.read_columns(args.data)
    feats = [c["name"] for c in spec["columns"]]
    tab.need_columns(args.data, present, feats, "feature")
    tab.need_columns(args.data, present, args.keep, "--keep")
    ignored = [c for c in present if c not in {*feats, *args.keep, spec["target"]}]
    if ignored:
        shown = ", ".join(repr(c) for c in ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        _note(args, f"ignoring {len(ignored)} column(s) the model does not use: {shown}")
    classes = saved.estimator.classes_
    names = [f"proba_{c.item() if hasattr(c, 'item') else c}" for c in classes]
    clash = set(args.keep) & {*names, LABEL_COLUMN}
    if clash:
        raise UserError(f"--keep column(s) {sorted(clash)} clash with the output columns")
    report = tab.EncodeReport()
    n = 0
    with OutputTable(args.out, force=args.force) as out:
        with Activity(f"predicting {Path(args.data).name}", enabled=not args.quiet) as act:
            for chunk, proba, _, labels in predict_chunks(
                saved, spec, args, args.keep, report, act
            ):
                frame = chunk[args.keep].reset_index(drop=True)
                for k, name in enumerate(names):
                    frame[name] = proba[:, k]
                frame[LABEL_COLUMN] = pd.Series(labels, dtype=labels.dtype)
                out.write(frame)
                n += len(frame)
        if n == 0:
            raise tab.DataError(f"{args.data} has a header but no data rows")
        out.commit()
    _unknown_warning(report)
    _note(args, f"wrote {n} rows to {args.out}")
    return 0


# ---------------------------------------------------------------- evaluate
@_user_errors
def run_evaluate(args: argparse.Namespace) -> int:
    """Score the model on a labelled table: text, JSON and an HTML report."""
    import json

    from ._evaluate import evaluate, format_text

    saved = read_model(args.model)
    target = args.target or (saved.input or {}).get("target")
    if target is None:
        raise UserError("this model file does not name its target column; pass --target COL")
    if args.report:
        _check_new_file(args.report, args.force)
    spec = input_spec(saved, target)
    present = tab.read_columns(args.data)
    tab.need_columns(args.data, present, [target], "target")
    tab.need_columns(args.data, present, [c["name"] for c in spec["columns"]], "feature")
    est = saved.estimator
    classes = est.classes_
    text_target = classes.dtype.kind in "OU"
    report = tab.EncodeReport()
    parts: dict[str, list[np.ndarray]] = {"y": [], "p": [], "lp": [], "pred": []}
    with Activity(f"evaluating {Path(args.data).name}", enabled=not args.quiet) as act:
        for chunk, proba, log_proba, labels in predict_chunks(
            saved, spec, args, [target], report, act
        ):
            first = 1 + sum(len(y) for y in parts["y"])
            parts["y"].append(_target_indices(chunk[target], classes, target, text_target, first))
            parts["p"].append(proba)
            parts["lp"].append(log_proba)
            parts["pred"].append(np.searchsorted(classes, labels))
    if not parts["y"]:
        raise tab.DataError(f"{args.data} has a header but no data rows")
    y_idx, pred_idx = np.concatenate(parts["y"]), np.concatenate(parts["pred"])
    metrics = evaluate(
        classes, y_idx, np.concatenate(parts["p"]), np.concatenate(parts["lp"]), pred_idx
    )
    metrics["target"] = target
    metrics["unknown_categories"] = {c: n for c, (n, _) in report.unknown.items()}
    if saved.inference is not None:
        metrics["inference"] = saved.inference
    if args.report:
        from .report import write_report

        write_report(
            args.report,
            saved,
            metrics,
            y_idx,
            np.concatenate(parts["p"]),
            source=str(args.data),
            overwrite=args.force,
        )
    _unknown_warning(report)
    print(json.dumps(metrics, indent=1) if args.json else format_text(metrics, str(args.data)))
    res = getattr(est, "inference_", None)
    if not args.json and res is not None and res.cov is not None:
        from .inference import format_summary

        print("\ncoefficients (from the training fit):")
        print(format_summary(res))
    if args.report:
        _note(args, f"wrote {args.report}")
    return 0


def _target_indices(
    s: Any, classes: np.ndarray, target: str, text: bool, first_row: int
) -> np.ndarray:
    """Class index of each label; unknown or missing labels are errors naming examples."""
    missing = s.isna().to_numpy()
    if missing.any():
        raise tab.DataError(
            f"target column {target!r} has missing values "
            f"(first at data row {first_row + int(np.argmax(missing))})"
        )
    values = s.astype(str).to_numpy(dtype=object) if text else s.to_numpy()
    lookup = {c: k for k, c in enumerate(classes.tolist())}
    try:
        idx = np.array([lookup.get(v, -1) for v in values.tolist()], dtype=np.intp)
    except TypeError:
        idx = np.full(len(values), -1, dtype=np.intp)
    bad = idx < 0
    if bad.any():
        examples = ", ".join(repr(v) for v in list(dict.fromkeys(values[bad].tolist()))[:3])
        raise tab.DataError(
            f"target column {target!r} has {int(bad.sum())} labels the model does not know "
            f"(e.g. {examples[:80]}); its classes are {classes.tolist()}"
        )
    return idx
