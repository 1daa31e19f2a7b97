"""``oneneuron predict``: class probabilities and labels for a table, written chunk by chunk.

Columns of DATA that the model does not use are ignored and named on one
``note:`` line; categories not seen in training are coded as the reference level (the
first level where the coding has none) with a ``warning:`` line, or fail with
``--on-unknown error``. The output is written to
a temporary file and renamed at the end (never replacing a file without
``--force``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..wording import counted, noun
from ._common import (
    check_new_file,
    cli_terms,
    input_spec,
    note,
    number,
    predict_chunks,
    quiet_parent,
    reading_parent,
    text_form_of,
    typed,
    unknown_warning,
)
from ._errors import UserError, one_line, user_errors

LABEL_COLUMN = "prediction"
#: Columns ``predict --interval`` adds (see ``NeuronClassifier.predict_interval``).
INTERVAL_COLUMNS = ["se_logit", "ci_low", "ci_high"]


def add_parser(sub: Any) -> None:
    """Register ``predict`` on the subcommand parser."""
    quiet, reading = quiet_parent(), reading_parent()
    p = sub.add_parser(
        "predict", parents=[quiet, reading], help="write class probabilities for a table"
    )
    p.add_argument("model", metavar="MODEL", help="model file from 'oneneuron train'")
    p.add_argument(
        "data",
        metavar="DATA",
        help="table to predict (.csv, .tsv, .parquet, or a folder of Parquet files: its files "
        "in path order, hive key=value folders as columns)",
    )
    p.add_argument(
        "--out",
        required=True,
        metavar="PATH",
        help="output table (.csv/.tsv/.parquet), or - for CSV on standard output",
    )
    p.add_argument("--force", action="store_true", help="replace an existing output file")
    p.add_argument(
        "--keep",
        nargs="+",
        default=[],
        metavar="COL",
        help="copy these columns (as written in a text file: ids keep their leading zeros)",
    )
    p.add_argument(
        "--interval",
        type=number,
        metavar="LEVEL",
        help="add se_logit, ci_low, ci_high: the confidence interval of the probability "
        "of the second class at this level, e.g. 0.95 (K > 2 classes: one triple per class, "
        "se_logit_<class> ...: each class's probability, one class at a time)",
    )
    p.set_defaults(func=run_predict)


@user_errors
def run_predict(args: argparse.Namespace) -> int:
    """Write one probability column per class and the predicted label."""
    import pandas as pd

    from ..modelfile import read_model
    from ..tables import (
        DataError,
        EncodeReport,
        OutputTable,
        data_format,
        need_columns,
        output_format,
        read_columns,
        repeated,
        stored_types,
        trailing_blank,
    )
    from ._progress import Activity

    inputs = {"model": args.model, "data table": args.data}
    twice = sorted(repeated(args.keep))
    if twice:
        raise UserError(f"--keep names {', '.join(map(repr, twice))} more than once")
    to_stdout = args.out == "-"
    if not to_stdout:
        check_new_file(args.out, args.force, flag="--out", inputs=inputs, dash=True)
        output_format(args.out)  # before any reading: the name must say a format
    saved = read_model(args.model)
    spec = input_spec(saved, None)
    feats = [c["name"] for c in spec["columns"]]
    form = text_form_of(args)
    present = read_columns(args.data, only={*feats, *args.keep}, form=form)  # others unread
    need_columns(args.data, present, feats, "feature")
    need_columns(args.data, present, args.keep, "--keep")
    ignored = [c for c in present if c not in {*feats, *args.keep, spec["target"]}]
    last = bool(ignored) and ignored[-1] == present[-1] and not args.quiet  # notes only
    if last and trailing_blank(args.data, present, form):
        ignored.pop()  # no column of the user's: said as what it is
        sep = form.sep
        end = f"a separator at the end of every line ({sep!r})"
        note(args, f"{end}: the empty last column it makes is no data")
    if ignored:
        shown = ", ".join(repr(c) for c in ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        note(args, f"ignoring {counted(len(ignored), 'column')} the model does not use: {shown}")
    classes = saved.predictor.classes_
    names = [f"proba_{c.item() if hasattr(c, 'item') else c}" for c in classes]
    K = len(classes)
    threshold = float(saved.predictor.threshold)
    if K == 2 and threshold != 0.5:  # the prediction column's rule, which 0.5 would not give
        second = repr(one_line(str(classes[1])))
        note(
            args,
            f"{LABEL_COLUMN}: {second} where P({second}) > {threshold!r} (the model's threshold)",
        )
    ci_names = {} if args.interval is None else interval_columns(names, K)
    if args.interval is not None:
        if not 0 < args.interval < 1:
            raise UserError(
                f"--interval must be between 0 and 1 (e.g. 0.95), not {typed(args.interval)}"
            )
        model = saved.predictor
        if model.l1_fit:
            raise UserError(
                "--interval: an L1 model's predictions (--l1-ratio > 0 with --alpha > 0) have "
                "no standard errors: its columns were selected on the same data, and the "
                "table of a model trained with --relax is the unpenalised refit's, not these "
                "predictions'; train with --l1-ratio 0 (ridge) or --alpha 0 for intervals"
            )
        res = model.inference_
        if res is None or res.cov is None:
            why = cli_terms(res.reason) if res is not None else "the model file has no inference"
            raise UserError(f"--interval needs the model's standard errors: {why}")
        per_block = model.n_features_in_ + model.fit_intercept
        if res.cov.shape[0] != per_block * (K - 1 if K > 2 else 1):  # a block per class > 0
            raise UserError(  # a guard: load() checks the file's covariance shapes
                "--interval: the model's covariance does not cover its coefficients"
            )
        if res.penalized:  # as summary, wald_test and margeff label it
            note(args, res.interval_caption(args.interval))
    clash = set(args.keep) & {*names, *ci_names, LABEL_COLUMN}
    if clash:
        raise UserError(
            f"--keep {noun(len(clash), 'column')} {sorted(clash)} "
            f"{'clashes' if len(clash) == 1 else 'clash'} with the output columns"
        )
    report = EncodeReport()
    n = 0
    # a kept column is written as the input stores it, whatever type pandas gives a chunk
    types = stored_types(args.data, args.keep)
    with (
        _StdoutTable() if to_stdout else OutputTable(args.out, force=args.force, types=types) as out
    ):
        with Activity(f"predicting {Path(args.data).name}", enabled=not args.quiet) as act:
            copied = tuple(  # a text file's kept columns as written (Parquet keeps its types)
                c for c in args.keep if c not in feats and data_format(args.data) != "parquet"
            )
            for chunk, proba, _, labels, ci in predict_chunks(
                saved, spec, args, args.keep, report, act, interval=args.interval, verbatim=copied
            ):
                frame = _as_stored(chunk[args.keep].reset_index(drop=True), types)
                for k, name in enumerate(names):
                    frame[name] = proba[:, k]
                for name, (col, k) in ci_names.items():  # K > 2: rows (row, class) of ci
                    v = ci[col].to_numpy()
                    frame[name] = v if k is None else v.reshape(len(frame), K)[:, k]
                frame[LABEL_COLUMN] = pd.Series(labels, dtype=labels.dtype)
                out.write(frame)
                n += len(frame)
        if n == 0:
            raise DataError(f"{args.data} has a header but no data rows")
        out.commit()
    unknown_warning(report)
    note(args, f"wrote {counted(n, 'row')} to {'standard output' if to_stdout else args.out}")
    return 0


def _as_stored(frame: Any, types: dict[str, Any]) -> Any:
    """Kept columns stored as integers (Arrow's) that reach pandas as floats (a chunk with
    a missing value) as pandas' nullable ``Int64``: written ``26``, not ``26.0``."""
    import pyarrow as pa

    for c, t in types.items():
        if c in frame.columns and pa.types.is_integer(t) and frame[c].dtype.kind == "f":
            frame[c] = frame[c].astype("Int64")
    return frame


def interval_columns(names: list[str], n_classes: int) -> dict[str, tuple[str, int | None]]:
    """Output column -> (``predict_interval``'s column, class index or None).

    Binary: ``se_logit, ci_low, ci_high`` (of the second class's probability). K > 2:
    ``se_logit_<class>, ci_low_<class>, ci_high_<class>`` per class (the suffix of its
    ``proba_<class>`` column), each class's own interval, one class at a time.
    """
    if n_classes == 2:
        return {c: (c, None) for c in INTERVAL_COLUMNS}
    suffixes = [n.removeprefix("proba_") for n in names]
    return {f"{c}_{s}": (c, k) for k, s in enumerate(suffixes) for c in INTERVAL_COLUMNS}


class _StdoutTable:
    """CSV on standard output, written chunk by chunk (floats round-trip: shortest repr)."""

    def __enter__(self) -> _StdoutTable:
        self._header = True
        return self

    def __exit__(self, *exc: Any) -> None:
        sys.stdout.flush()

    def write(self, frame: Any) -> None:
        frame.to_csv(sys.stdout, header=self._header, index=False, lineterminator="\n")
        self._header = False

    def commit(self) -> None:
        pass
