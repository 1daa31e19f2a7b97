"""Helpers shared by the model subcommands: argument types, notes, file checks, reading models."""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import UserError

if TYPE_CHECKING:  # the parsers are built without NumPy or pandas: imports where used
    import numpy as np

    from ..modelfile import SavedModel
    from ..tables import EncodeReport
    from ._progress import Activity


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"note: {text}", file=sys.stderr)


def check_new_file(path: str, force: bool) -> None:
    """Fail early, before any work, if ``path`` exists (without --force) or cannot be made."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{path} is a folder")
    if p.exists() and not force:
        raise UserError(f"{path} already exists; pass --force to replace it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")


CHUNK_ROWS = 100_000


def quiet_parent() -> argparse.ArgumentParser:
    """The ``-q/--quiet`` option every model subcommand takes."""
    quiet = argparse.ArgumentParser(add_help=False)
    quiet.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes")
    return quiet


def reading_parent() -> argparse.ArgumentParser:
    """Options of the commands that read DATA in chunks with a model (predict, evaluate)."""
    reading = argparse.ArgumentParser(add_help=False)  # predict and evaluate read DATA alike
    reading.add_argument(
        "--chunk-rows",
        type=positive_int,
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

    return reading


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
    report: EncodeReport,
    act: Activity,
) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray]]:
    """Yield ``(chunk, proba, log_proba, labels)`` chunk by chunk (memory ~ one chunk)."""
    from ..tables import DataError, encode, iter_table, text_columns

    est = copy.copy(saved.estimator)
    if hasattr(est, "feature_names_in_"):
        del est.feature_names_in_  # the CLI passes arrays in the stored column order
    feats = [c["name"] for c in spec["columns"]]
    cols = list(dict.fromkeys([*feats, *extra]))
    row = 1
    for chunk, frac in iter_table(args.data, cols, text_columns(spec), args.chunk_rows):
        X = encode(chunk, spec, report, first_row=row)
        row += len(chunk)
        act.update(frac)
        if args.on_unknown == "error" and report.unknown:
            raise DataError(f"{args.data}: {report.unknown_note()} (--on-unknown error)")
        if report.missing or report.bad_numbers or len(chunk) == 0:
            continue  # counted to the end for the message; nothing more to predict
        yield chunk, est.predict_proba(X), est.predict_log_proba(X), est.predict(X)
    report.raise_missing(args.data)


def unknown_warning(report: EncodeReport) -> None:
    note = report.unknown_note()
    if note:
        print(f"warning: {note}", file=sys.stderr)
