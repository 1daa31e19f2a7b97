"""Helpers shared by the model subcommands: argument types, notes, file checks, reading models."""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..wording import counted
from ._errors import UserError, cli_terms, shown  # noqa: F401 (cli_terms: re-exported)
from ._parser import Parser

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


def typed(value: float) -> str:
    """A float option's value for a message, with every digit it was given (the shortest
    text that reads back as it: ``1.0000001``, not ``:g``'s ``1``, which may be the very
    bound it broke), and whole numbers without ``.0``.

    Examples
    --------
    >>> typed(1.0000001), typed(-1.0), typed(float("nan")), typed(1e-07)
    ('1.0000001', '-1', 'nan', '1e-07')
    """
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def number(text: str) -> float:
    """A float option's value; a number beyond the largest float (``1e400``, which
    ``float()`` rounds to infinity) is refused as typed, not echoed back as ``inf``."""
    value = float(text)  # ValueError: argparse's "invalid number value: 'abc'"
    if math.isinf(value) and text.strip().lstrip("+-").lower() not in ("inf", "infinity"):
        raise argparse.ArgumentTypeError(f"{text!r} is beyond the largest float (about 1.8e308)")
    return value


def note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"note: {shown(text)}", file=sys.stderr)


def check_new_file(
    path: str,
    force: bool,
    *,
    flag: str = "output",
    inputs: dict[str, str] | None = None,
    dash: bool = False,
) -> None:
    """Fail early, before any work, if the output ``path`` (given by ``flag``) cannot be made.

    Refused: an empty name, a folder, a missing folder, an existing file without
    ``--force``, and, with or without ``--force``, a path that is no regular file (a
    named pipe, a device such as ``/dev/full``, a socket: the atomic write would replace
    it by a file; ``dash``: the flag takes ``-`` for standard output), the same file as one of the
    ``inputs`` (``{"what": path}``) or a path inside one that is a folder (a Parquet
    dataset): compared by resolved path and, when both exist, by device and inode
    (hard links, symbolic links, ``./`` spellings).
    """
    if not str(path).strip():
        raise UserError(f"{flag} is empty; name the file to write")
    if str(path) == "-" and not dash:
        raise UserError(
            f"{flag} - : {flag} writes a file, not standard output (only predict's --out "
            "takes - for that); name the file to write (a file named - is ./-)"
        )
    p = Path(path)
    for what, source in (inputs or {}).items():
        if _same_file(p, Path(source)):
            raise UserError(
                f"{flag} {path} is the {what} {source} itself; writing it would destroy "
                "the input (--force or not): choose another name"
            )
        if _inside(p, Path(source)):
            raise UserError(
                f"{flag} {path} lies inside the {what} {source} (a folder read as input); "
                "writing there would change the input (--force or not): choose a path "
                "outside it"
            )
    if p.is_dir():
        raise UserError(f"{flag} {path} is a folder")
    from ..tables import special_file

    what = special_file(p)
    if what is not None:
        raise UserError(
            f"{flag} {path} is {what}, not a file: outputs are written to a temporary file "
            "and renamed into place, which would replace it (--force or not); "
            + ("write to standard output with --out -, or " if dash else "")
            + "name a regular file"
        )
    if p.exists() and not force:
        raise UserError(f"{path} already exists; pass --force to replace it")
    target = Path(os.path.realpath(p)) if p.is_symlink() else p  # written through links
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        link = f" (a symbolic link to {target})" if target != p else ""
        raise UserError(f"cannot write {path}{link}: folder {parent} does not exist")


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except (OSError, RuntimeError):  # unreadable or a symlink loop: not provably the same
        return False


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies inside ``folder`` (an existing folder), at any depth."""
    try:
        if not folder.is_dir():
            return False
        top = folder.resolve()
        return any(
            d == top or (d.exists() and os.path.samefile(d, top)) for d in path.resolve().parents
        )
    except (OSError, RuntimeError):  # unreadable or a symlink loop: not provably inside
        return False


CHUNK_ROWS = 100_000


def quiet_parent() -> argparse.ArgumentParser:
    """The ``-q/--quiet`` option every model subcommand takes."""
    quiet = Parser(add_help=False)
    quiet.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes")
    return quiet


def separator(text: str) -> str:
    """``--sep``'s value: one character that can part fields (``tab`` or ``\\t``: a tab)."""
    value = "\t" if text in ("tab", "\\t") else text
    if len(value) != 1 or value.isalnum() or value in "\"'\r\n.":
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a field separator: give one character such as ';' or '|' "
            "(tab for a tab)"
        )
    return value


def add_text_form(parser: argparse.ArgumentParser) -> None:
    """``--sep``, ``--decimal`` and ``--thousands``: how a text DATA is written (see
    ``tables.text_form``).

    They describe DATA only: ``predict``'s output is always written with ',' (or a tab
    for .tsv) and decimal points, the form every tool reads.
    """
    parser.add_argument(
        "--sep",
        type=separator,
        metavar="CHAR",
        help="field separator of a text DATA, e.g. ';' for Excel's export in locales with a "
        "decimal comma (default: ',' for .csv, a tab for .tsv ('tab'); a first line 'sep=;' "
        "and a .csv header with ';' and no ',' are read as ';')",
    )
    parser.add_argument(
        "--decimal",
        choices=[".", ","],
        metavar="MARK",
        help="decimal mark of the numbers in a text DATA (default '.'; never guessed): ',' "
        "reads 1,5 as 1.5 (with --sep ';' or a tab)",
    )
    parser.add_argument(
        "--thousands",
        choices=[".", ",", " ", "'"],
        metavar="MARK",
        help="thousands separator of the numbers in a text DATA (default: none; never "
        "guessed): '.' with --decimal ',' reads 1.234,5 as 1234.5",
    )


def text_form_of(args: argparse.Namespace) -> Any:
    """``args.data``'s :class:`~oneneuron.tables.TextForm` from ``--sep``/``--decimal``
    (stored as ``args.form`` for the readers), with a ``note:`` where the separator was
    found otherwise than by the extension."""
    from ..tables import text_form

    args.form = text_form(args.data, args.sep, args.decimal, args.thousands)
    if args.form.why:
        note(args, args.form.why)
    return args.form


def reading_parent() -> argparse.ArgumentParser:
    """Options of the commands that read DATA in chunks with a model (predict, evaluate)."""
    reading = Parser(add_help=False)  # predict and evaluate read DATA alike
    reading.add_argument(
        "--chunk-rows",
        type=positive_int,
        default=CHUNK_ROWS,
        metavar="N",
        help=f"rows read at a time (default {CHUNK_ROWS}); predict's memory grows with N, "
        "not the table; evaluate keeps each row's probabilities (for the ROC AUC) and labels, "
        "and for a binary model its columns up to the training rows' count (goodness of fit)",
    )
    reading.add_argument(
        "--offset",
        metavar="COL",
        help="numeric column added to each logit, for a model trained with --offset",
    )
    reading.add_argument(
        "--on-unknown",
        choices=["ignore", "error"],
        default="ignore",
        help="categories not seen in training: code them as the reference level (with "
        "--encoding full, the first level) and warn (default), or fail",
    )
    add_text_form(reading)
    return reading


def input_spec(saved: SavedModel, target: str | None) -> dict[str, Any]:
    """The stored input spec, or one for a Python-API model (numeric columns by name).

    A model with a design spec (``design_``, format version 2) gets a listing of
    its raw columns (``kind`` numeric or categorical, for reading); its rows are
    then coded by the design spec itself (:func:`predict_chunks`).
    """
    design = saved.predictor.design_
    if design is not None:
        cols = [
            {"name": c["name"], "kind": "categorical" if c["kind"] == "categorical" else "numeric"}
            for c in design.columns
        ]
        return {"target": target or design.target, "impute": None, "columns": cols, "design": True}
    if saved.input is not None:
        return saved.input
    names = saved.predictor.feature_names or [
        f"x{j}" for j in range(saved.predictor.n_features_in_)
    ]
    cols = [{"name": n, "kind": "numeric", "fill": None} for n in names]
    return {"target": target, "impute": None, "columns": cols}


def _finite_column(
    df: Any, column: str, source: str, first_row: Any, what: str, hint: str = ""
) -> np.ndarray:
    """Column ``column`` as floats; a missing or non-numeric cell is an error naming the
    ``what`` column and its first such data row (``first_row``: see :func:`row_number`).
    ``hint`` (the command's way to leave rows out: ``train --drop-missing``; predict has
    none) ends the message where a bad cell is a missing one."""
    import numpy as np
    import pandas as pd

    from ..tables import DataError, row_number

    values = pd.to_numeric(df[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values)
    if bad.any():
        i, n = int(np.argmax(bad)), int(bad.sum())
        cell = df[column].iloc[i]
        written = "missing" if pd.isna(cell) else repr(str(cell))  # '', 'NA', ...
        where = f"data row {row_number(first_row, i)}"
        which = (
            f"1 cell that is missing, infinite or not a number ({where}: {written})"
            if n == 1
            else f"{counted(n, 'cell')} that are missing, infinite or not numbers "
            f"(first at {where}: {written})"
        )
        raise DataError(
            f"{source}: {what} column {column!r} has {which}"
            + ("; a weight counts a row" if what == "weights" else "")
            + (f"; {hint}" if hint and df[column].isna().to_numpy().any() else "")
        )
    return values


def offset_values(
    chunk: Any, column: str, source: str, first_row: Any, hint: str = ""
) -> np.ndarray:
    """The offset column of a chunk as floats; missing or non-numeric cells are errors
    (``hint``: see :func:`_finite_column`), and so are values beyond ``2**53`` in
    magnitude (the estimator's ``OFFSET_LIMIT``)."""
    import numpy as np

    from ..classifier import OFFSET_LIMIT
    from ..tables import DataError, row_number

    values = _finite_column(chunk, column, source, first_row, "offset", hint)
    big = np.abs(values) >= OFFSET_LIMIT
    if big.any():
        i = int(np.argmax(big))
        raise DataError(
            f"{source}: offset column {column!r} has a value beyond 2**53 in magnitude "
            f"({values[i]:.3g} in data row {row_number(first_row, i)}), where float64 "
            "holds no differences of 1 between values; subtract the column's typical value (its "
            "median) and let the intercept absorb it"
        )
    return values


def weight_values(
    df: Any, column: str, source: str, first_row: Any = 1, hint: str = ""
) -> np.ndarray:
    """The ``--weights`` column as floats: frequency weights, so each finite and >= 0;
    a missing, non-numeric or negative cell is an error naming the first data row
    (``hint``: see :func:`_finite_column`)."""
    import numpy as np

    from ..tables import DataError, row_number

    values = _finite_column(df, column, source, first_row, "weights", hint)
    if (values < 0).any():
        i = int(np.argmax(values < 0))
        raise DataError(
            f"{source}: weights column {column!r} has a negative value ({values[i]:g} in "
            f"data row {row_number(first_row, i)}); a weight counts a row, 0 leaves it out"
        )
    return values


def check_offset_flag(saved: SavedModel, offset: str | None) -> None:
    """``--offset`` exactly when the model was trained with one."""
    has = saved.predictor.has_offset_
    if has and offset is None:
        raise UserError("this model was trained with an offset; pass --offset COL")
    if offset is not None and not has:
        raise UserError("--offset applies only to models trained with --offset")


def predict_chunks(
    saved: SavedModel,
    spec: dict[str, Any],
    args: argparse.Namespace,
    extra: list[str],
    report: EncodeReport,
    act: Activity,
    interval: float | None = None,
    text: tuple[str, ...] = (),
    verbatim: tuple[str, ...] = (),
    dropped: list[int] | None = None,
    missing_hint: str | None = None,
    row_hint: str = "",
) -> Iterator[tuple[Any, np.ndarray, np.ndarray, np.ndarray, Any]]:
    """Yield ``(chunk, proba, log_proba, labels, intervals)`` chunk by chunk.

    Memory grows with one chunk. ``intervals`` is the
    :meth:`~oneneuron.NeuronClassifier.predict_interval` frame at level
    ``interval`` (None when not asked for). ``args.offset`` names the offset column;
    ``text`` names extra columns read as text (a target with text labels),
    ``verbatim`` columns copied as written (``--keep``; see :func:`iter_table`).
    ``dropped`` (``evaluate --drop-missing``): rows with a missing value in an
    ``extra`` column (the target, weights), the offset or a column the model does not
    fill are left out, and their number is added to ``dropped[0]``; the yielded chunks
    hold the complete rows only. Each yielded chunk's index is its rows' data-row numbers
    (1-based, below the header), so that messages name the rows of the user's file
    whether or not rows were left out before. ``missing_hint`` ends the message on
    missing values, ``row_hint`` that on a missing offset (the command's way to leave
    such rows out; predict has none).
    """
    import pandas as pd

    from ..tables import IMPUTE, DataError, encode, iter_table, text_columns, unknown_example

    est = saved.predictor  # NumPy only: arrays in the stored column order
    design = est.design_  # coded below, chunk by chunk
    offset = getattr(args, "offset", None)
    check_offset_flag(saved, offset)
    feats = [c["name"] for c in spec["columns"]]
    cols = list(dict.fromkeys([*feats, *extra, *([offset] if offset else [])]))
    row = 1
    fills = spec.get("impute") is not None or (design is not None and design.missing in IMPUTE)
    # (--drop-missing: a row without its offset goes too, as one without a weight)
    checked = list(
        dict.fromkeys([*extra, *([offset] if offset else []), *([] if fills else feats)])
    )
    text_cols = [*text_columns(spec), *text]
    form = getattr(args, "form", None)
    for chunk, frac in iter_table(args.data, cols, text_cols, args.chunk_rows, verbatim, form):
        n_read = len(chunk)
        chunk.index = pd.RangeIndex(row, row + n_read)  # data rows: messages name them
        if dropped is not None:
            holes = chunk[checked].isna().any(axis=1).to_numpy()
            if holes.any():
                dropped[0] += int(holes.sum())
                chunk = chunk[~holes]
                if not len(chunk):
                    row += n_read
                    act.update(frac)
                    continue
        if design is None:
            X = encode(chunk, spec, report, first_row=chunk.index)
        else:
            holes = False
            for c in spec["columns"]:
                mask = chunk[c["name"]].isna().to_numpy()
                if mask.any() and design.missing in ("error", "drop"):
                    report.add(
                        report.missing, c["name"], int(mask.sum()), int(chunk.index[_first(mask)])
                    )
                    holes = True
            if holes:
                row += n_read
                continue  # counted to the end for the message
            found: dict[str, Any] = {}
            try:
                X = design.transform(chunk, found, first_row=chunk.index, source=str(args.data))
            except DataError as exc:
                text = str(exc).replace("first at row", "first at data row")
                text = text.replace("(row ", "(data row ")  # a cell named by numbers_as_text
                text = text.replace("; row ", "; data row ")  # and by header_again
                raise DataError(text.replace("finite at row", "finite at data row")) from None
            for col, (n, ex) in found.get("unknown", {}).items():
                report.add(report.unknown, col, n, ex)
        off = (
            None
            if offset is None
            else offset_values(chunk, offset, args.data, chunk.index, row_hint)
        )
        row += n_read
        act.update(frac)
        if args.on_unknown == "error" and report.unknown:
            parts = [
                f"{c!r}: {counted(n, 'row')} (e.g. {unknown_example(ex)})"
                for c, (n, ex) in report.unknown.items()
            ]
            raise DataError(
                f"{args.data}: categories not seen in training in {'; '.join(parts)}; refused "
                "(--on-unknown error; without it they are coded as the reference level, "
                "with a warning)"
            )
        if report.missing or report.bad_numbers or len(chunk) == 0:
            continue  # counted to the end for the message; nothing more to predict
        if design is None:
            _check_finite(X, spec, args.data, chunk.index)
        kw = {"offset": off}
        ci = None if interval is None else est.predict_interval(X, interval, **kw)
        yield (
            chunk,
            est.predict_proba(X, **kw),
            est.predict_log_proba(X, **kw),
            est.predict(X, **kw),
            ci,
        )
    report.raise_missing(args.data, missing_hint)


def _first(mask: np.ndarray) -> int:
    import numpy as np

    return int(np.argmax(mask))


def _check_finite(X: np.ndarray, spec: dict[str, Any], source: Any, first_row: Any) -> None:
    """Infinite cells have no prediction: an error naming the column and the first row."""
    import numpy as np

    from ..tables import DataError, feature_names, row_number

    bad = ~np.isfinite(X)
    if bad.any():
        j = int(np.flatnonzero(bad.any(axis=0))[0])
        i = int(np.argmax(bad[:, j]))
        raise DataError(
            f"column {feature_names(spec)[j]!r} of {source} has infinite values "
            f"(first at data row {row_number(first_row, i)}); a prediction needs finite numbers"
        )


def unknown_warning(report: EncodeReport) -> None:
    note = report.unknown_note()
    if note:
        print(f"warning: {shown(note)}", file=sys.stderr)


def statistic(impute: str) -> str:
    """``--impute``'s value in words: ``"mean"``, ``"median"``, ``"most frequent value"``."""
    return "most frequent value" if impute == "most_frequent" else impute


def missing_note(saved: SavedModel, captioned: bool = False) -> str | None:
    """One line on the training fit's missing values (rows dropped, cells filled), or None.

    None where the fit dropped no row, and where ``captioned``: the coefficient table's
    caption that follows says the rows dropped itself (as R's ``summary.glm``)."""
    design = getattr(saved.estimator, "design_", None)
    if design is not None:
        if design.missing == "drop":
            n = getattr(saved.estimator, "design_report_", {}).get("dropped")
            res = getattr(saved.estimator, "inference_", None)
            if not n or (captioned and res is not None and res.extra.get("dropped") == n):
                return None
            return (
                f"{counted(n, 'row')} with missing values {'was' if n == 1 else 'were'} left "
                "out of the fit (--drop-missing)"
            )
        if design.missing in ("mean", "median", "most_frequent"):
            how = statistic(design.missing)
            return f"missing cells were filled with the training rows' {how} (--impute)"
        return None
    if saved.input is not None and saved.input.get("impute"):
        how = statistic(saved.input["impute"])
        return f"missing cells were filled with the training rows' {how} (--impute)"
    return None


def fit_status(est: Any) -> list[str]:
    """Lines saying why a fit has no standard errors, and whether it is separated.

    Empty for a fit with its standard errors and no separation. Flags are named
    as on the command line (``--alpha``), and a collinearity names the linear
    combination, intercept included.
    """
    from ..stats import separation_fixes

    res = getattr(est, "inference_", None)
    if res is None:
        return []
    lines = []
    if res.separation in ("complete", "quasi-complete") and getattr(est, "relax", False):
        lines.append(  # the unpenalised refit is separated; the L1 fit itself is finite
            f"SEPARATED ({res.separation} separation) in the relaxed refit (--relax, "
            "unpenalised): its coefficients do not exist; the L1 fit's are finite"
        )
    elif res.separation in ("complete", "quasi-complete"):
        fixes = [f for f in separation_fixes(est, len(est.classes_)) if f]  # Firth: binary
        lines.append(
            f"SEPARATED ({res.separation} separation): the fit stopped, it did not converge to "
            f"an estimate; maximum-likelihood coefficients do not exist (use "
            f"{cli_terms(' or '.join(fixes))})"
        )
    if res.cov is None and res.reason:
        why = cli_terms(res.reason)
        if getattr(est, "cv_record_", None) is not None:  # --relax refuses --cv: its values
            chosen = f"--l1-ratio {est.l1_ratio:g} --alpha {est.alpha:.6g} --relax"
            why = why.replace("--relax", f"{chosen} (the values --cv chose)")
        lines.append(f"no standard errors: {why}")
    if res.cov is not None and res.extra.get("aliased_terms"):  # R's NA rows
        lines.append(
            f"aliased (NA in the table, 0 in predictions): "
            f"{cli_terms(str(res.extra.get('aliased_note', '')))}; leave a column out "
            "(--features or --formula) or set "
            f"{cli_terms(separation_fixes(est, len(est.classes_))[0])}"
        )
    return lines


def refuse_ambiguous_labels(target: str, labels: list[Any]) -> None:
    """Refuse labels that would split one class in two: text differing only in spaces or
    case, or one number written two ways (train, both engines)."""
    _refuse_labels_differing_in_spaces_or_case(target, labels)
    _refuse_one_number_written_two_ways(target, labels)


def _refuse_labels_differing_in_spaces_or_case(target: str, labels: list[Any]) -> None:
    """Text labels that differ only in surrounding or repeated spaces, in case ('yes'
    and 'yes ', 'No' and 'no': a spreadsheet's stray edits) or in Unicode form ('café'
    as one character and as 'e' plus a combining accent) would be separate classes: a
    binary target became a four-class model. One error names the pairs."""
    import unicodedata

    groups: dict[str, list[str]] = {}
    for v in labels:
        if isinstance(v, str):
            key = " ".join(unicodedata.normalize("NFC", v).split()).casefold()
            groups.setdefault(key, []).append(v)
    clashes = [sorted(g) for g in groups.values() if len(g) > 1]
    if clashes:
        forms = [len({unicodedata.normalize("NFC", v) for v in g}) < len(g) for g in clashes]
        pairs = "; ".join(  # one text in two Unicode forms prints alike: as ascii() shows it
            " and ".join((ascii if f else repr)(v) for v in g)
            for g, f in zip(clashes[:3], forms, strict=False)
        )
        how = "spaces, case or Unicode form" if any(forms) else "spaces or case"
        raise UserError(
            f"target column {target!r} has labels that differ only in {how} ({pairs}); "
            "each would be its own class: write each class one way"
        )


#: A label written as a decimal number: ``1``, ``-2``, ``1.0``, ``01``, ``+1``, ``1e0``.
_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"


def _refuse_one_number_written_two_ways(target: str, labels: list[Any]) -> None:
    """Text labels that are one number written two ways ('1' and '1.0', '1' and '01':
    a spreadsheet's export wrote some cells of a 0/1 column as floats) would be separate
    classes: a binary target became a three-class model, where ``evaluate`` reads the
    same cells as the number 1. One error names the pairs. The numbers are compared
    exactly (as decimals: 9007199254740993 is not 9007199254740992, which float64
    merges). Decided here: '01' and '1' count as one number too; codes that differ only
    in leading zeros are refused rather than fitted as two classes."""
    import re
    from decimal import Decimal

    groups: dict[Decimal, list[str]] = {}
    for v in labels:
        if isinstance(v, str) and re.fullmatch(_NUMBER, v.strip()):
            groups.setdefault(Decimal(v.strip()), []).append(v)
    clashes = [sorted(g, key=lambda t: (len(t), t)) for g in groups.values() if len(g) > 1]
    if clashes:
        pairs = "; ".join(" and ".join(repr(v) for v in g) for g in clashes[:3])
        raise UserError(
            f"target column {target!r} has labels that are the same number written two ways "
            f"({pairs}); each would be its own class: write each class one way"
        )
