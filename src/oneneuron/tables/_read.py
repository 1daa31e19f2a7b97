"""Tables for the command line: read CSV/TSV/Parquet, encode features, stream chunks.

The *input spec* (stored in the model file under ``"input"``) records how a table
becomes the feature matrix, so that predict applies exactly what train learned::

    {"target": "diagnosis", "impute": null | "mean" | "median" | "most_frequent",
     "columns": [{"name": "radius", "kind": "numeric", "fill": null | number},
                 {"name": "colour", "kind": "categorical", "categories": ["blue", "red"],
                  "fill": null | "blue"}]}

A numeric column gives one feature with its own name; a categorical column (any
column pandas does not read as numbers or booleans) gives one 0/1 feature per
category seen in training, named ``column=category``. A category not seen in
training encodes as all zeros and is counted (see :class:`EncodeReport`). This is the
spec of older model files; a model file of this version stores the design layer's
spec (:class:`~oneneuron.tables.DesignSpec`), which codes such a category as the
reference level.
``fill`` is the training statistic used for missing cells when ``impute`` is set
(categorical columns always use their most frequent category); without it, a
missing cell is an error naming the column and the number of rows.
"""

from __future__ import annotations

import contextlib
import json
import lzma
import math
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..wording import counted, noun
from ._design import (  # noqa: F401
    EMPTY_ADVICE,
    NUMERIC_SHARE,
    check_not_identifier,
    header_again,
    numbers_as_text,
    reads_as_number,
    refuse_nested,
    unknown_note,
    unusable_values,
)
from ._source import CODEC_ERRORS, CODEC_WORDS, open_table, parquet_input, sniff
from ._vocab import (  # noqa: F401 (re-exported)
    COMPRESSION,
    IMPUTE,
    MAX_CATEGORIES,
    PANDAS_INDEX_NAME,
    DataError,
    lookalike_message,
    lookalike_names,
    refuse_pipe,
    repeated,
    row_number,
)


# ------------------------------------------------------------------ files
def data_format(path: str | Path) -> str:
    """``"csv"``, ``"tsv"`` or ``"parquet"``: what the table file ``path`` holds.

    Decisions: an existing file's content decides first (see :mod:`._source`): a
    Parquet file is Parquet whatever its name and compression, and a zip archive
    is named by its one member where its own name does not say (``data.zip``
    holding ``data.tsv`` is TSV). Otherwise the name's extension, after any
    compression's (:func:`name_format`). A folder is a Parquet dataset (see
    :func:`_parquet.parquet_files`). Raises :class:`DataError` for a zip archive
    that is not one table.
    """
    if Path(path).is_dir():
        return "parquet"
    try:
        content = sniff(path) if Path(path).is_file() else None
    except OSError:  # unreadable: the reader says so
        content = None
    if content is not None and content.parquet:
        return "parquet"
    try:
        return name_format(path)
    except DataError:
        if content is not None and content.member is not None:
            return name_format(content.member)
        if content is not None and _is_json(path):
            raise DataError(
                f"{path} is a JSON file (a oneneuron model file?), not a table: a table is "
                "a .csv, .tsv or .parquet file (predict and evaluate take MODEL, then DATA)"
            ) from None
        raise


def is_compressed(path: str | Path) -> bool:
    """Whether the existing file ``path`` is compressed (gzip, bzip2, xz, zstd, zip),
    from its first bytes, whatever its name."""
    return sniff(path).codec is not None


def _is_json(path: Any) -> bool:
    """Whether a file starts as a JSON object does (``{`` after blanks or a BOM)."""
    try:
        with open_table(path) as fh:
            head = fh.read(64)
    except (*CODEC_ERRORS, DataError):
        return False
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"{")


def name_format(path: str | Path) -> str:
    """``"csv"``, ``"tsv"`` or ``"parquet"`` from the name's extension alone, after any
    compression's (``t.csv.gz`` is CSV); how an output file is written."""
    name = Path(path).name.lower()
    for comp in COMPRESSION:
        if name.endswith(comp):
            name = name[: -len(comp)]
            break
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    return _text_format(path, name)


def _text_format(path: str | Path, name: str) -> str:
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".tsv", ".tab")):
        return "tsv"
    raise DataError(
        f"cannot tell the format of {path} from its extension; "
        "use .csv, .tsv (optionally .gz/.bz2/.xz/.zip/.zst) or .parquet"
    )


def _missing_words() -> list[str]:
    """The cells pandas' CSV reader takes for missing values by default."""
    try:
        from pandas._libs.parsers import STR_NA_VALUES  # the list read_csv documents

        return sorted(STR_NA_VALUES)
    except ImportError:  # pragma: no cover - a pandas that moved it
        return ["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a",
                "nan", "null"]  # fmt: skip


_NA_WORDS = _missing_words()


def _sep(fmt: str) -> str:
    return "\t" if fmt == "tsv" else ","


@dataclass(frozen=True)
class TextForm:
    """How a text table is written: its field separator ``sep``, its decimal mark
    ``decimal`` (``"."`` or ``","``), its thousands separator ``thousands`` (None: no
    grouping is read), and ``skip``, the lines above its header (1 for
    Excel's ``sep=;`` line). ``why`` is a note for the user where the separator is not
    the one the extension says (None otherwise). See :func:`text_form`."""

    sep: str = ","
    decimal: str = "."
    thousands: str | None = None
    skip: int = 0
    why: str | None = None
    told: bool = False  #: the separator was given with ``--sep``, not assumed

    def pandas(self) -> dict[str, Any]:
        """The options of :func:`pandas.read_csv` that read this form."""
        return {
            "sep": self.sep,
            "decimal": self.decimal,
            "thousands": self.thousands,
            "skiprows": self.skip,
        }

    def arrow(self) -> tuple[Any, Any]:
        """pyarrow's CSV ``(ReadOptions, ParseOptions)`` for this form (cells as text)."""
        import pyarrow.csv as pcsv

        return (
            pcsv.ReadOptions(use_threads=False, block_size=1 << 24, skip_rows=self.skip),
            pcsv.ParseOptions(delimiter=self.sep, newlines_in_values=True),
        )


#: The decimal marks ``--decimal`` takes.
DECIMAL_MARKS = (".", ",")


def text_form(
    path: str | Path,
    sep: str | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> TextForm:
    """The form of the text table ``path``: ``sep``, ``decimal`` and ``thousands`` where
    given (``train/predict/evaluate --sep, --decimal, --thousands``), else found as
    follows.

    Decisions: a first line ``sep=X`` (Excel's note of its separator) is honoured,
    skipped, and must agree with ``sep`` where that is given. A ``.csv`` file whose
    header has ``;`` and no ``,`` is ``;``-separated (Excel's export in the locales
    with a decimal comma); ``why`` says so. Nothing else is guessed: not a tab or
    ``|`` (the one-column header is refused with advice), and never the decimal
    mark: ``1,5`` read with a decimal point stays text, which the readers refuse by
    name (:func:`~oneneuron.tables._design.numbers_as_text`), never a wrong number.
    ``sep`` and ``decimal`` for a Parquet table raise :class:`DataError`:
    Parquet stores numbers as numbers. ``thousands`` must differ from ``decimal`` but
    may be the separator (``,`` in a ``,``-separated file, as spreadsheets write
    ``"1,234.5"``): pandas reads such cells where they are quoted, and an unquoted one
    gives its row more fields than the header, which the readers refuse by row.
    """
    refuse_pipe(path)  # the first line is read here: a pipe would give it only once
    fmt = data_format(path)
    if fmt == "parquet":
        given = {"--sep": sep, "--decimal": decimal, "--thousands": thousands}
        flag = next((f for f, v in given.items() if v is not None), None)
        if flag is not None:
            raise DataError(
                f"{flag} describes a text table (.csv, .tsv); {path} is Parquet, which "
                f"stores its numbers as numbers: leave out {flag}"
            )
        return TextForm()
    if decimal is not None and decimal not in DECIMAL_MARKS:
        raise DataError(f"the decimal mark must be '.' or ',', not {decimal!r}")
    own, skip, why, told = _sep(fmt), 0, None, sep is not None  # a sep= line may be wrong
    plain = Path(path).is_file() and not _content_mismatch(path, fmt) and not _wide_text(path)
    first = _first_line(path) if plain else None  # else read_columns says what the file is
    said = re.fullmatch(r"\ufeff?sep=(.)\r?\n?", first or "")
    if said:
        if sep is not None and sep != said[1]:
            raise DataError(
                f"{path} starts with 'sep={said[1]}' (Excel's note of its separator), but "
                f"--sep is {sep!r}; leave out --sep, or fix that line"
            )
        sep, skip = said[1], 1
        if sep != own:
            why = f"reading {path} as separated by {sep!r}, as its first line 'sep={sep}' says"
    elif sep is None and fmt == "csv" and first and ";" in first and "," not in first:
        sep = ";"
        why = (
            f"reading {path} as separated by ';' (its header has ';' and no ','); "
            "--sep ',' reads it otherwise"
        )
    sep = own if sep is None else sep
    decimal = "." if decimal is None else decimal
    if decimal == sep:
        raise DataError(
            f"--decimal {decimal!r} is also the separator of {path}; a file with decimal "
            "commas is separated by something else: name it with --sep (e.g. --sep ';')"
        )
    if thousands is not None and thousands == decimal:
        raise DataError(
            f"--thousands {thousands!r} is also the decimal mark of {path}; the two marks "
            "differ (e.g. --decimal ',' --thousands '.')"
        )
    return TextForm(sep, decimal, thousands, skip, why, told)


def _first_line(path: Any) -> str | None:
    """The first line of a text table (without its byte-order mark), or None where it
    cannot be read here (damaged, unreadable)."""
    try:
        with open_table(path) as fh:
            raw = fh.readline(1 << 16)
    except (*CODEC_ERRORS, DataError):
        return None
    return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")


def read_columns(
    path: str | Path, only: Collection[str] | None = None, form: TextForm | None = None
) -> list[str]:
    """Column names of a table, read from its header or schema only.

    A text table whose first line is all numbers has no header (the course's
    ``ex2data1.txt`` style): it is refused with :class:`DataError` rather than read
    with its first data row as the names and without that row. Raises it too if a
    name appears twice (a repeated column would
    be silently renamed, and a repeated target would leak the label into the
    features). With ``only`` (the columns a command reads: a saved model's at
    predict), only repeats among those are refused; the others are never read.
    ``form``: how a text table is written (default :func:`text_form`'s finding).
    """
    refuse_pipe(path)
    fmt = data_format(path)
    mismatch = _content_mismatch(path, fmt) if Path(path).is_file() else None
    if mismatch:  # a Parquet file named .csv, a workbook named .csv: say so before parsing
        raise DataError(mismatch)
    wide = _wide_text(path) if fmt != "parquet" and Path(path).is_file() else None
    if wide:
        raise DataError(wide)
    if fmt != "parquet" and form is None:
        form = text_form(path)
    try:
        if fmt == "parquet" and Path(path).is_dir():
            raw = names = _folder_columns(path)
        elif fmt == "parquet":
            import pyarrow.parquet as pq

            raw = [str(c) for c in pq.read_schema(parquet_input(path)).names]
            names = raw
        else:
            assert form is not None
            opts: dict[str, Any] = {**form.pandas(), "index_col": False}
            with open_table(path) as fh:
                names = [str(c) for c in pd.read_csv(fh, nrows=0, **opts).columns]
            with open_table(path) as fh:
                first = pd.read_csv(fh, header=None, nrows=1, dtype=str, **opts)
            raw = [str(c) for c in first.iloc[0].tolist() if isinstance(c, str)]
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty (no header line)") from None
    except FileNotFoundError:
        raise DataError(f"data file {path} does not exist") from None
    except IsADirectoryError:
        raise DataError(f"data file {path} is a folder") from None
    except Exception as exc:  # noqa: BLE001 - every reader failure is the file's problem
        raise _read_error(path, fmt, exc) from None
    if fmt != "parquet" and form is not None and not form.told:
        _check_separator(path, form, names)
    if fmt != "parquet" and raw and len(raw) == len(names) and all(map(reads_as_number, raw)):
        shown = ", ".join(repr(c) for c in raw[:4]) + (", ..." if len(raw) > 4 else "")
        raise DataError(
            f"{path} has no header line: its first line ({shown}) is all numbers, a data row, "
            "which would be read as the column names and left out of the data; add a first "
            "line naming the columns (e.g. x1,x2,y)"
        )
    dup = sorted(c for c in repeated(raw) if only is None or c in only)
    if dup:
        shown = ", ".join(repr(c) for c in dup[:5])
        raise DataError(
            f"{path} has repeated column {noun(len(dup), 'name')} {shown}; every column "
            "needs its own name"
        )
    pair = lookalike_names(c for c in raw if only is None or c in only)
    if pair:
        raise DataError(lookalike_message(str(path), pair))
    return names


def unnamed_columns(path: str | Path, form: TextForm | None = None) -> list[tuple[int, str]]:
    """``(position, name)`` of the columns a table has no name for: an empty header cell
    of a text table (pandas calls it ``Unnamed: i``; ``df.to_csv()`` writes the row
    index so unless ``index=False``), or a Parquet file's ``__index_level_i__`` (the
    unnamed index ``df.to_parquet()`` stores). Positions count from 1.

    Such a column holds row labels, not a variable: ``train`` leaves it out of its
    default features (and says so).
    """
    fmt = data_format(path)
    if fmt == "parquet":
        import pyarrow.parquet as pq

        if Path(path).is_dir():
            names = _folder_columns(path)
        else:
            names = [str(c) for c in pq.read_schema(parquet_input(path)).names]
        return [(i + 1, c) for i, c in enumerate(names) if PANDAS_INDEX_NAME.fullmatch(c)]
    opts: dict[str, Any] = {**(form or text_form(path)).pandas(), "index_col": False}
    with open_table(path) as fh:
        names = [str(c) for c in pd.read_csv(fh, nrows=0, **opts).columns]
    with open_table(path) as fh:
        # na_filter=False: a header cell 'None', 'nan', 'NA' or 'null' is a name; only
        # an empty one is none
        cells = pd.read_csv(fh, header=None, nrows=1, dtype=str, na_filter=False, **opts)
    return [(i + 1, n) for i, (n, c) in enumerate(zip(names, cells.iloc[0], strict=False))
            if c == ""]  # fmt: skip


def blank_columns(
    path: str | Path, positions: Collection[int], form: TextForm | None = None
) -> list[int]:
    """The ``positions`` (counted from 1) of a text table's columns with no value in any
    row: every cell empty or blank. A separator at the end of every line makes such a
    last column, without a name (pandas' ``Unnamed: i``). Only these columns are
    parsed, chunk by chunk; ``[]`` for Parquet, which has no separators.

    Examples
    --------
    >>> from oneneuron.tables import blank_columns
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = pathlib.Path(d) / "t.csv"
    ...     _ = path.write_text("a,b,\\n1,,\\n2,3,\\n")
    ...     blank_columns(path, [2, 3])
    [3]
    """
    fmt = data_format(path)
    wanted = sorted(set(positions))
    if fmt == "parquet" or not wanted:
        return []
    filled: set[int] = set()
    opts = {**(form or text_form(path)).pandas(), "usecols": [p - 1 for p in wanted]}
    opts.update(dtype=str, header=0)
    with open_table(path) as fh:
        for chunk in pd.read_csv(fh, chunksize=1 << 16, keep_default_na=False, **opts):
            for j, p in enumerate(wanted):
                if p not in filled and chunk.iloc[:, j].str.strip().ne("").any():
                    filled.add(p)
            if len(filled) == len(wanted):
                break
    return [p for p in wanted if p not in filled]


def trailing_blank(path: str | Path, names: list[str], form: TextForm | None = None) -> bool:
    """Whether the last of a text table's columns ``names`` is unnamed and empty in
    every row: a separator ends every line (``x,y,``). Read only when the last header
    cell is empty (one more pass over that column)."""
    if data_format(path) == "parquet" or not names:
        return False
    last = len(names)
    unnamed = [i for i, _ in unnamed_columns(path, form)]
    return last in unnamed and blank_columns(path, [last], form) == [last]


def unnamed_note(position: int, name: str, blank: bool, last: bool, sep: str) -> str:
    """The ``note:`` that ``train`` gives a column without a header name, which it
    leaves out of its default features: what such a column is, by where it stands
    and what it holds. An empty last one comes from a separator ending every line
    (``x,y,``); a first one with values is likely the row index ``df.to_csv()``
    writes unless ``index=False`` (or the row names of R's ``write.csv``), and a
    Parquet file's ``__index_level_i__`` is the index ``df.to_parquet()`` stores;
    elsewhere no cause is guessed."""
    if blank:
        what = "is empty in every row" + (
            f" (a separator at the end of every line: {sep!r})" if last else ""
        )
        return f"column {position} has no name and {what}; it is not a feature"
    why = ""
    if PANDAS_INDEX_NAME.fullmatch(name):  # Parquet: df.to_parquet() stores it last
        why = ": the row index pandas stores unless index=False"
    elif position == 1:
        why = (  # R's write.csv writes its row names so too (MASS's data sets as exported)
            ": the row names R's write.csv writes unless row.names=FALSE, or the index "
            "pandas writes unless index=False?"
        )
    return (
        f"column {position} has no name ({name!r}{why}); it is not a feature (name it in "
        "--features to use it)"
    )


def _check_separator(path: Any, form: TextForm, names: list[str]) -> None:
    """Refuse a text table whose header parts into more fields at another separator.

    A spreadsheet export in many locales is separated by ``;`` (with decimal commas):
    read with commas it is one column named ``"a;b;y"`` (or two, where a name holds a
    comma), and every later message (a missing target, say) would hide the cause.
    Only the clear case is read without a flag (see :func:`text_form`); here the
    advice names ``--sep``, or, where a first line ``sep=X`` said otherwise, that
    line. Not checked where ``--sep`` gave the separator.
    """
    header = form.sep.join(names)
    for other in (";", "\t", "|", ","):
        fields = header.count(other) + 1
        if other != form.sep and fields > len(names):
            flag = "--sep tab" if other == "\t" else f"--sep {other!r}"
            comma = "" if other == "," else " (and --decimal ',' for decimal commas)"
            read = (
                f"one column {header!r}"
                if len(names) == 1
                else f"{len(names)} columns ({', '.join(map(repr, names[:4]))}), not {fields}"
            )
            fix = f"read it with {flag}{comma}"
            if form.skip:  # Excel's 'sep=' line names the wrong separator
                fix = f"its first line 'sep={form.sep}' is wrong: delete that line"
            raise DataError(
                f"{path} reads as {read}: it seems separated by {other!r}, not by "
                f"{form.sep!r}; {fix}"
            )


#: What reading a damaged or unreadable file raises (decompressors raise their own classes).
_READ_ERRORS = (
    OSError,
    ValueError,
    EOFError,
    ImportError,
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
)


def _read_error(path: Any, fmt: str, exc: BaseException) -> DataError:
    """One line for a reader failure: parse errors name the line, missing codecs the fix."""
    if isinstance(exc, ImportError):
        return DataError(f"cannot read {path}: {_short(exc)}")
    if isinstance(exc, EOFError):
        return DataError(f"{path} ends early: the compressed file is truncated")
    if isinstance(exc, pd.errors.ParserWarning):
        return DataError(
            f"{path}: data row 1 has more fields than the header (an unquoted separator "
            "in a value?); quote such values or fix the row"
        )
    mismatch = _content_mismatch(path, fmt)
    if mismatch:
        return DataError(mismatch)
    wide = _wide_text(path) if isinstance(exc, UnicodeDecodeError) else None
    if wide:
        return DataError(wide)
    if isinstance(exc, UnicodeDecodeError):
        return DataError(
            f"{path} is not UTF-8 text{_first_undecodable(path)}; save it as UTF-8 "
            "(an export in Latin-1 or Windows-1252: e.g. iconv -f cp1252 -t utf-8)"
        )
    text = _short(exc)
    m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text)
    if m:
        want, line, saw = m.groups()
        return DataError(
            f"{path}: line {line} has {saw} fields but the header has {want} (an unquoted "
            "separator in a value?); quote such values or fix the line"
        )
    if isinstance(exc, (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError)):
        return DataError(f"cannot read {path} as {fmt.upper()}: {text}")
    return DataError(f"cannot read {path} as {fmt.upper()}: damaged data ({text})")


def _content_mismatch(path: Any, fmt: str) -> str | None:
    """Why a file that failed to read is not what it seems (a file named .parquet that
    holds text, a workbook, an archive of several files), or None: from its content."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        content = sniff(path)
    except DataError as exc:
        return str(exc)
    except OSError:
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return f"{path} is an Excel .xls workbook, not a {fmt.upper()} table: export it as CSV"
    # a file named .parquet that starts with its mark is one, if damaged: the reader says so
    if fmt == "parquet" and not content.parquet and not head.startswith(b"PAR1"):
        what = f"it is {CODEC_WORDS[content.codec]}" if content.codec else f"it starts {head!r}"
        return f"{path} is not a Parquet file ({what}); a text table is named .csv or .tsv"
    return None


def _wide_text(path: Any) -> str | None:
    """Why a text table is UTF-16 or UTF-32 rather than UTF-8 (Excel's "Unicode Text"
    export), from its byte-order mark or, without one, from a NUL byte beside each
    character; or None. Such a file fails as UTF-8 or, without a mark, reads as column
    names full of NUL characters."""
    try:
        with open_table(path) as fh:
            head = fh.read(4096)
    except (*CODEC_ERRORS, DataError):
        return None
    marks = (
        (b"\xff\xfe\x00\x00", "UTF-32"),
        (b"\x00\x00\xfe\xff", "UTF-32"),
        (b"\xff\xfe", "UTF-16"),
        (b"\xfe\xff", "UTF-16"),
    )
    named = next((enc for mark, enc in marks if head.startswith(mark)), None)
    pairs = head[: len(head) // 2 * 2]
    if named is None and len(pairs) >= 4 and b"\x00" in pairs:
        if pairs[1::2].count(0) == len(pairs) // 2:  # 'x\x001\x00': the low byte first
            named = "UTF-16LE"
        elif pairs[0::2].count(0) == len(pairs) // 2:
            named = "UTF-16BE"
    if named is None:
        return None
    return (
        f"{path} is {named} text (Excel's 'Unicode Text' export?), not UTF-8; save it as "
        f"UTF-8 (e.g. iconv -f {named} -t UTF-8)"
    )


def _first_undecodable(path: Any) -> str:
    """``": line N holds the byte 0xe9"`` for the first byte that is not UTF-8 in a text
    table (plain, .gz, .bz2 or .xz), or ``""`` where it cannot be read or found."""
    import codecs

    try:
        decoder = codecs.getincrementaldecoder("utf-8")()
        line = 1
        with open_table(path) as fh:
            while block := fh.read(1 << 20):
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    line += block.count(b"\n", 0, max(exc.start, 0))
                    return f": line {line} holds the byte 0x{block[exc.start]:02x}"
                line += block.count(b"\n")
    except (*CODEC_ERRORS, DataError, IndexError):
        return ""
    return ""


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def read_table(
    path: str | Path, columns: list[str], text: list[str], form: TextForm | None = None
) -> pd.DataFrame:
    """Read ``columns`` of a whole table (``text`` columns read as strings)."""
    chunks = iter_table(path, columns, text, None, form=form)
    return pd.concat(list(chunk for chunk, _ in chunks))


def iter_table(
    path: str | Path,
    columns: list[str],
    text: list[str],
    chunk_rows: int | None,
    verbatim: Collection[str] = (),
    form: TextForm | None = None,
) -> Iterator[tuple[pd.DataFrame, float | None]]:
    """Yield ``(chunk, fraction_done)``; one chunk of everything when ``chunk_rows`` is None.

    Only ``columns`` are parsed (memory stays proportional to the chunk), and
    ``text`` columns are kept as strings so that ``"01"`` stays ``"01"``.
    ``verbatim`` columns of a text file (``predict --keep``, copied to the output)
    are read as written: only an empty cell is missing, and ``"NA"``, ``"nan"`` or
    ``"NULL"`` stay text (for every other column they are missing values, as pandas
    reads them). ``form``: how a text table is written (default :func:`text_form`'s
    finding).
    """
    refuse_pipe(path)
    fmt = data_format(path)
    try:
        if fmt == "parquet":
            yield from _iter_parquet(path, columns, text, chunk_rows)
        else:
            form = form or text_form(path)
            yield from _iter_text(path, form, columns, text, chunk_rows, verbatim)
    except DataError:
        raise
    except pd.errors.EmptyDataError:
        raise DataError(f"{path} is empty (no header line)") from None
    except FileNotFoundError:
        raise DataError(f"data file {path} does not exist") from None
    except (*_READ_ERRORS, pd.errors.ParserWarning) as exc:
        raise _read_error(path, fmt, exc) from None


def _iter_text(
    path: Any,
    form: TextForm,
    columns: list[str],
    text: list[str],
    rows: int | None,
    verbatim: Collection[str] = (),
) -> Any:
    """Every field is parsed and then the wanted columns are kept: pandas' ``usecols``
    would switch off its check that each line has as many fields as the header (a
    line with an extra field would be silently cut). ``index_col=False`` keeps an
    extra field on the first data row from becoming a row index; pandas only warns
    about that row, so the warning is made an error."""
    compressed = sniff(path).codec is not None
    size = Path(path).stat().st_size
    opts: dict[str, Any] = {
        **form.pandas(),
        "index_col": False,
        "dtype": {c: str for c in [*text, *verbatim]},
    }
    if verbatim:  # pandas' missing-value words for every column but these
        with open_table(path) as fh:
            header = pd.read_csv(fh, **form.pandas(), nrows=0, index_col=False).columns
        opts["keep_default_na"] = False
        opts["na_values"] = {c: [""] if c in verbatim else _NA_WORDS for c in header}
    with open_table(path) as fh:
        if rows is None:
            with _strict_fields():
                df = pd.read_csv(fh, **opts)
            _no_short_rows(df, path, form)
            yield df[columns], 1.0
            return
        with pd.read_csv(fh, chunksize=rows, **opts) as reader:
            checked = False  # the whole file is checked at most once
            while True:
                with _strict_fields():
                    chunk = next(reader, None)
                if chunk is None:
                    return
                checked = checked or _no_short_rows(chunk, path, form)
                yield chunk[columns], None if compressed else min(fh.tell() / max(size, 1), 1.0)


def _no_short_rows(chunk: pd.DataFrame, path: Any, form: TextForm) -> bool:
    """A row with fewer fields than the header is damage, not missing cells: refuse it.

    pandas fills such a row's last columns with NaN, which the missing-value
    policies would then drop or fill. A short row always leaves the header's last
    column empty, so only a chunk with an empty last column is checked: pyarrow's
    CSV reader (quoting and compression as pandas) then reads the whole file once
    and names the first short row. Returns whether the file was checked.

    The row comes from pyarrow's own message (``Row #N: Expected 4 columns, got 3``),
    not from an ``invalid_row_handler``: a Python callable inside the reader is freed
    by whichever Arrow thread drops the reader last, which takes the GIL, and at
    interpreter exit that killed the process (``terminate called without an active
    exception``, exit code 134, now and then).
    """
    if chunk.shape[1] == 0 or not chunk.iloc[:, -1].isna().any():
        return False
    import pyarrow as pa

    first = str(chunk.columns[0])
    damage = None
    try:
        with _text_batches(path, form, [first]) as reader:
            for _ in reader:
                pass
    except pa.ArrowInvalid as exc:
        damage = re.search(r"(?:Row #(\d+): )?Expected (\d+) columns, got (\d+)", str(exc))
    except (*CODEC_ERRORS, ValueError):
        pass  # a damage pandas reports in its own words
    if damage:
        number, want, got = damage.groups()
        where = f"data row {int(number) - 1 - form.skip}" if number is not None else "a row"
        raise DataError(
            f"{path}: {where} has {got} fields but the header has {want} (a cut or "
            "damaged line?); fix the row, or write its missing cells as empty fields"
        )
    return True


#: A cell that is an integer written with a leading zero: a code, not a number.
LEADING_ZERO = r"^[+-]?0[0-9]+$"


def whole_number_columns(parts: list[pd.DataFrame], columns: Collection[str]) -> list[str]:
    """The ``columns`` that pandas read as numbers, all of them whole, in every chunk.

    Only these can be codes written with leading zeros (see :func:`find_codes`);
    a column with a fraction (``"0.5"``) or with text is not one.

    Examples
    --------
    >>> from oneneuron.tables import whole_number_columns
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1, 7], "b": [0.5, 2.0], "c": ["x", "y"], "d": [3.0, None]})
    >>> whole_number_columns([df], ["a", "b", "c", "d"])
    ['a', 'd']
    """
    out = []
    for c in columns:
        ok = True
        for p in parts:
            s = p[c]
            if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                ok = False
            elif not pd.api.types.is_integer_dtype(s):
                v = s.to_numpy(dtype=np.float64, na_value=np.nan)
                v = v[~np.isnan(v)]
                ok = bool(np.all(v == np.round(v)))
            if not ok:
                break
        if ok:
            out.append(c)
    return out


def _zero_led_field(path: str | Path, sep: str) -> bool:
    """Whether some field of an uncompressed text file may start ``0``, a digit
    (after an optional sign or quote): a byte scan, about half the cost of parsing
    the columns, that lets :func:`find_codes` skip the parse in most files."""
    marks = np.array([ord(sep), ord("\n"), ord("\r"), ord('"')], dtype=np.uint8)
    with open(path, "rb") as fh:
        tail = b"\n"
        while block := fh.read(1 << 24):
            a = np.frombuffer(tail + block + b"\n\n", dtype=np.uint8)
            nxt = a[2:-1]
            i = np.flatnonzero((a[1:-2] == ord("0")) & (nxt >= ord("0")) & (nxt <= ord("9"))) + 1
            if i.size:
                before = a[i - 1]
                signed = (before == ord("+")) | (before == ord("-"))
                before = np.where(signed, a[np.maximum(i - 2, 0)], before)
                if np.isin(before, marks).any():
                    return True
            tail = block[-3:]
    return False


def find_codes(
    path: str | Path, columns: list[str], form: TextForm | None = None
) -> dict[str, tuple[str, int]]:
    """The ``columns`` of a text table with a cell written as an integer with a
    leading zero (``"02139"``, ``"007"``, ``"-01"``; not ``"0"``, ``"0.5"``, ``"0e3"``).

    Returns ``{column: (first such cell, its data row, 1-based)}``. The decision
    (see the command line's ``train``): a column of whole numbers with such a cell
    is a column of codes (ZIP and FIPS codes, product codes), which pandas would
    read as the numbers 2139 and 7, so it is read as text. pyarrow's CSV reader
    reads only these columns, as text and a block at a time (quoting and
    compression as pandas); where it cannot read the file, pandas reads them.
    """
    if not columns:
        return {}
    import pyarrow as pa
    import pyarrow.compute as pc

    found: dict[str, tuple[str, int]] = {}
    form = form or text_form(path)
    if sniff(path).codec is None and not _zero_led_field(path, form.sep):
        return found  # no field of the file starts with a leading zero: nothing to parse

    def scan(name: str, cells: Any, start: int) -> None:
        # the regex only on cells that start with 0, + or - (a few, or none, in most columns)
        maybe = pc.or_(pc.starts_with(cells, "0"), pc.starts_with(cells, "+"))
        maybe = pc.fill_null(pc.or_(maybe, pc.starts_with(cells, "-")), False)
        if not pc.any(maybe).as_py():
            return
        rows = pc.indices_nonzero(maybe)
        hit = pc.match_substring_regex(pc.take(cells, rows), LEADING_ZERO)
        if pc.any(hit).as_py():
            i = int(rows[pc.index(hit, True).as_py()].as_py())
            found[name] = (str(cells[i].as_py()), start + i + 1)

    try:
        with _text_batches(path, form, columns) as reader:
            start = 0
            for batch in reader:
                for name in columns:
                    if name not in found:
                        scan(name, batch.column(name), start)
                start += batch.num_rows
        return found
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, *CODEC_ERRORS, ValueError, KeyError):
        found.clear()  # a line pyarrow reads otherwise than pandas: pandas
    start = 0
    opts = {**form.pandas(), "usecols": columns, "dtype": str, "keep_default_na": False}
    with open_table(path) as fh:
        for chunk in pd.read_csv(fh, chunksize=1 << 16, **opts):
            for name in columns:
                if name not in found:
                    cells = pa.array(chunk[name].to_numpy(dtype=object), pa.string())
                    scan(name, cells, start)
            start += len(chunk)
    return found


@contextlib.contextmanager
def _text_batches(path: Any, form: Any, columns: list[str]) -> Iterator[Any]:
    """A pyarrow CSV reader of ``columns`` of ``path`` in the text form ``form``, every
    cell read as text (the table opened by :func:`open_table`: compression by content).
    Errors of the reader and of the file reach the caller."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    read, parse = form.arrow()
    with open_table(path) as fh:
        yield pcsv.open_csv(
            fh,
            read_options=read,
            parse_options=parse,
            convert_options=pcsv.ConvertOptions(
                include_columns=list(columns), column_types=dict.fromkeys(columns, pa.string())
            ),
        )


@contextlib.contextmanager
def _strict_fields() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "Length of header", pd.errors.ParserWarning)
        yield


def _folder_files(path: Any) -> list[Any]:
    """The Parquet files of a folder, as the Dask engine reads them (one error line)."""
    from ._parquet import parquet_files

    try:
        return parquet_files(path)
    except ValueError as exc:
        raise DataError(str(exc)) from None


def _folder_columns(path: Any) -> list[str]:
    """The columns every Parquet file of a folder has (hive keys last), in the first
    file's order: a column some file lacks cannot be read from the folder."""
    files = _folder_files(path)
    return [str(c) for c in files[0].names if all(c in f.names for f in files[1:])]


def _iter_folder(path: Any, columns: list[str], text: list[str], rows: int | None) -> Any:
    """A folder's Parquet files one after another, sorted by path (the order
    :func:`_parquet.parquet_files` gives, as the Dask engine reads them); a hive
    folder's ``key=value`` is a column of its file's rows (a number where every value
    of the key is one, as pyarrow infers it). Chunks do not span files."""
    files = _folder_files(path)
    _check_folder_types(files, columns)
    typed = _hive_keys(files, path)
    if rows is None:  # one chunk of everything, as for a file
        whole = [c for c, _ in _iter_folder_chunks(files, path, columns, text, typed, None)]
        yield pd.concat(whole, ignore_index=True), 1.0
        return
    yield from _iter_folder_chunks(files, path, columns, text, typed, rows)


def _hive_keys(files: list[Any], path: Any) -> dict[str, dict[Any, Any]]:
    """Each hive key's dtype and value per file (``{key: (dtype, {file: value})}``):
    numbers where every value of the key is one, typed together (``1`` and ``1.5`` are
    both floats, so that every chunk's column has one dtype), else text. The folder
    ``key=__HIVE_DEFAULT_PARTITION__`` holds the rows whose key is missing (as pyarrow,
    Spark and Hive write them, and pyarrow reads them): a missing value, not a level
    (integers with one are pandas' ``Int64``). A value is its folder name URI-decoded
    (pyarrow writes ``New York`` as ``city=New%20York``, and reads it back decoded)."""
    from urllib.parse import unquote

    keys: dict[str, dict[Any, str]] = {}
    for f in files:
        for part in Path(f.path).relative_to(path).parts[:-1]:
            if "=" in part:
                k, v = part.split("=", 1)
                keys.setdefault(k, {})[f.path] = v
    typed: dict[str, Any] = {}
    for k, values in keys.items():
        given = pd.Series(
            [None if v == HIVE_MISSING else unquote(v) for v in values.values()], dtype=object
        )
        try:
            column = pd.to_numeric(given, dtype_backend="numpy_nullable")
        except (ValueError, TypeError):
            column = given.astype("str")
        if not column.isna().any() and column.dtype != "str":
            column = column.astype(column.dtype.numpy_dtype)  # int64 or float64
        typed[k] = (column.dtype, dict(zip(values, column, strict=True)))
    return typed


def stored_types(path: str | Path, columns: Collection[str]) -> dict[str, Any]:
    """The Arrow type each of ``columns`` is stored as in a Parquet file or folder (the
    widest of its files' types: ``int64`` and ``double`` are ``double``), from the
    footers; a column without one (a hive key, a decimal that the reader turns into
    numbers, types the files do not share) is left out.

    Reading a file in chunks, pandas types a column chunk by chunk: an integer column
    with a missing value is ``float64`` in that chunk only. An output written chunk by
    chunk casts every chunk to these types (:class:`~oneneuron.tables.OutputTable`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if data_format(path) != "parquet":
        return {}
    if Path(path).is_dir():
        schemas = [f.schema for f in _folder_files(path)]
    else:
        schemas = [pq.read_schema(parquet_input(path))]
    out: dict[str, Any] = {}
    for c in columns:
        kinds = [s.field(c).type for s in schemas if c in s.names]
        if not kinds or any(pa.types.is_decimal(k) or pa.types.is_dictionary(k) for k in kinds):
            continue  # a category: pandas' own round trip keeps it
        try:
            schema = pa.unify_schemas(
                [pa.schema([(c, k)]) for k in kinds], promote_options="permissive"
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        out[c] = schema.field(c).type
    return out


#: The folder name of a hive partition whose key is missing (pyarrow's, Spark's, Hive's).
HIVE_MISSING = "__HIVE_DEFAULT_PARTITION__"


def _type_family(t: Any) -> str | None:
    """The kind of values an Arrow type holds, as the design layer reads them: numbers
    (integers, floats and decimals alike), text, booleans, dates and times, or the
    type itself; None for a column of nulls only (any kind) or a hive key."""
    import pyarrow as pa

    if t is None or pa.types.is_null(t):
        return None
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numbers"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "text"
    if pa.types.is_boolean(t):
        return "booleans"
    if pa.types.is_temporal(t):
        return "dates or times"
    return str(t)


def _check_folder_types(files: list[Any], columns: list[str]) -> None:
    """Refuse a folder whose files store one of ``columns`` as different kinds of values
    (numbers in one file, text in another): stacked, such a column became text and was
    fitted as categories, or read as numbers chunk by chunk; the Dask engine refuses
    such a folder too. int64 in one file and double in another are numbers alike."""
    from ._parquet import files_by_kind

    for c in columns:
        seen = files_by_kind(files, c, _type_family)
        if len(seen) > 1:
            (one, first), (other, second) = list(seen.items())[:2]
            raise DataError(
                f"column {c!r} holds {one} in {first} but {other} in {second}; every file "
                "of a folder needs the same kind of values in a column: write them alike"
            )


def _iter_folder_chunks(
    files: list[Any], path: Any, columns: list[str], text: list[str], typed: Any, rows: Any
) -> Any:
    total = max(sum(_num_rows(f.path) for f in files), 1)
    done = 0
    for f in files:
        stored = [c for c in columns if c in f.schema.names]
        for chunk, _ in _iter_parquet(f.path, stored, [c for c in text if c in stored], rows):
            for c in columns:
                if c not in stored:
                    dtype, values = typed[c]
                    chunk[c] = pd.Series(values[f.path], index=chunk.index, dtype=dtype)
            chunk = _text_cols(chunk, [c for c in text if c not in stored], f.path)
            done += len(chunk)
            yield chunk[columns], done / total


def _num_rows(path: Any) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(parquet_input(path)).metadata.num_rows)


def _iter_parquet(path: Any, columns: list[str], text: list[str], rows: int | None) -> Any:
    import pyarrow.parquet as pq

    if Path(path).is_dir():
        yield from _iter_folder(path, columns, text, rows)
        return

    # pre_buffer=True (pyarrow's default) keeps every batch's buffers alive until the
    # file is closed: memory would grow with the file instead of staying one chunk.
    pf = pq.ParquetFile(parquet_input(path), pre_buffer=rows is None)
    total = max(pf.metadata.num_rows, 1)
    if rows is None:
        yield _text_cols(_frame(pf.read(columns=columns)), text, path), 1.0
        return
    done = 0
    for batch in pf.iter_batches(batch_size=rows, columns=columns):
        done += batch.num_rows
        yield _text_cols(_frame(batch), text, path), done / total


def _frame(table: Any) -> pd.DataFrame:
    """An Arrow table or batch as a frame; decimal columns become numbers (pandas would
    hold them as Python ``Decimal`` objects, read as text): whole ones (scale 0, as a
    database exports ids and counts) int64 where their values fit, so that they stay
    exact (the design layer refuses integers float64 cannot resolve), others float64
    where float64 resolves them; a column it does not (amounts above ``2**53`` a few
    units apart) stays ``Decimal`` objects, which the design layer refuses by name."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ._design import INTEGER_ROUNDING, float_rounding, sorted_dictionaries

    def number(col: Any, kind: Any) -> Any:
        if kind.scale == 0:
            try:
                return col.cast(pa.int64())  # a safe cast: refused if a value does not fit
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                pass
        floats = col.cast(pa.float64())
        approx = floats.drop_null().to_numpy(zero_copy_only=False)
        if len(approx) < 2:
            return floats
        rounding, spread = float_rounding(approx)
        bounds = pc.min_max(col)
        if rounding <= INTEGER_ROUNDING * spread or bounds["min"] == bounds["max"]:
            return floats
        return col  # Decimal objects: refused by the design layer, by name

    fields = table.schema
    if any(pa.types.is_decimal(f.type) for f in fields):
        arrays = [
            number(col, f.type) if pa.types.is_decimal(f.type) else col
            for f, col in zip(fields, table.columns, strict=True)
        ]
        table = type(table).from_arrays(arrays, names=fields.names, metadata=fields.metadata)
    return sorted_dictionaries(table.schema, _without_pandas_index(table).to_pandas())


def _without_pandas_index(table: Any) -> Any:
    """``table`` whose pandas metadata names no index: every stored column stays a column.

    ``df.to_parquet()`` stores a non-default index as columns and names them in the
    metadata, from which ``to_pandas`` would rebuild the index: a named index (``id``,
    or a feature after ``set_index``) then vanished from the columns a command reads.
    The other metadata (extension dtypes) is kept.
    """
    meta = table.schema.metadata or {}
    raw = meta.get(b"pandas")
    if raw is None:
        return table
    doc = json.loads(raw)
    if not doc.get("index_columns"):
        return table
    doc["index_columns"] = []
    return table.replace_schema_metadata({**meta, b"pandas": json.dumps(doc).encode()})


def _text_cols(df: pd.DataFrame, text: list[str], source: Any = "the table") -> pd.DataFrame:
    """``text`` columns of a Parquet chunk as the strings a text file would hold; a
    missing cell stays missing. The cells go to objects first: a nullable column
    (pandas' ``Int64``, ``boolean``, ``Float64``, as ``to_parquet`` writes them) refuses
    text in its own dtype. Lists and records are refused (:func:`refuse_nested`), not
    written as their text."""
    for c in text:
        refuse_nested(df[c], c, source, "categories")
        s = df[c].astype(object)
        df[c] = s.where(s.isna(), df[c].astype(str).astype(object))
    return df


def check_stray_text(
    df: pd.DataFrame, columns: list[str], source: Any, categories: str | None = None
) -> None:
    """Raise naming the cells if a column holds numbers except for a few text cells.

    One stray ``"n/a?"`` in a column of numbers makes pandas read the whole column
    as text, which would turn it into one indicator feature per distinct number (or,
    for a label column, a class per stray value). A column counts as such when at
    least :data:`NUMERIC_SHARE` of its non-missing cells are numbers (and at least
    one is not), and so do numbers with missing-value markers, numbers with decimal
    commas and ISO dates (:func:`~oneneuron.tables._design.numbers_as_text`, which
    the Python design layer applies too); ``df``'s index gives the data-row numbers
    (0-based). ``categories``, a format of ``{name}`` (the command line's
    ``"--categorical {name}"``), is offered as the other way out of numbers with a few
    text cells: the column may hold categories, some of them written as numbers
    (MASS's Cars93: ``Cylinders`` 3, 4, 5, 6, 8 and ``rotary``), as the Python design
    layer offers ``astype('category')``.

    Examples
    --------
    >>> from oneneuron.tables import DataError, check_stray_text
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": ["1", "2", "3"] * 4 + ["oops"], "c": ["a", "b"] * 6 + ["c"]})
    >>> check_stray_text(df, ["c"], "d.csv")
    >>> try:
    ...     check_stray_text(df, ["x", "c"], "d.csv")
    ... except DataError as exc:
    ...     print(exc)
    column 'x' of d.csv holds numbers except 1 cell: 'oops' (data row 13);
    fix it or leave it blank (a missing value)
    """
    for name in columns:
        s = df[name]
        unusable = unusable_values(s)
        if unusable is not None:  # dates, times, lists, records: one line, before parsing
            raise DataError(f"column {name!r} of {source} {unusable}")
        if _is_numeric(s):
            continue
        nul = s.map(lambda v: isinstance(v, str) and "\x00" in v).to_numpy(dtype=bool)
        if nul.any():  # NumPy's text arrays drop trailing NULs: labels and levels would change
            row = int(df.index[int(np.argmax(nul))]) + 1
            raise DataError(
                f"column {name!r} of {source} holds NUL characters (data row {row}): binary "
                "data in a text table?; remove them"
            )
        where = lambda i, rows=df.index: f"data row {int(rows[i]) + 1}"  # noqa: E731
        why = numbers_as_text(s, where)
        if why is not None:
            again = header_again(s, name, where)
            if not again and categories is not None and why.startswith("holds numbers except"):
                again = f" (if its values are categories, say so: {categories.format(name=name)})"
            raise DataError(f"column {name!r} of {source} {why}{again}")


def missing_words(
    path: str | Path, column: str, most: int = 3, form: TextForm | None = None
) -> list[str]:
    """The words (``NA``, ``None``, ``null``, ...) that made cells of a text table's
    ``column`` missing values, as written (at most ``most``; empty cells are not
    listed), so that an error on missing values can say why a cell that reads as a
    level (the region ``NA``, the answer ``None``) counted as missing. Read on the
    error path only, chunk by chunk; ``[]`` for Parquet or where it cannot be read."""
    fmt = data_format(path)
    if fmt == "parquet":
        return []
    found: list[str] = []
    opts = {**(form or text_form(path)).pandas(), "usecols": [column], "dtype": str}
    opts["keep_default_na"] = False
    try:
        with open_table(path) as fh:
            for chunk in pd.read_csv(fh, chunksize=100_000, **opts):
                cells = chunk[column].str.strip()
                for word in cells[cells.isin(_NA_WORDS) & (cells != "")].unique():
                    if word not in found:
                        found.append(word)
                if len(found) >= most:
                    break
    except Exception:  # noqa: BLE001 - only a hint for a message: never a second error
        return found
    return found[:most]


def need_columns(path: str | Path, present: list[str], wanted: list[str], what: str) -> None:
    """Raise naming the ``wanted`` columns that ``present`` lacks."""
    missing = [c for c in wanted if c not in present]
    if missing:
        shown = ", ".join(repr(c) for c in missing[:5]) + (" ..." if len(missing) > 5 else "")
        have = ", ".join(repr(c) for c in present[:8]) + (" ..." if len(present) > 8 else "")

        def same(name: str) -> str:  # spaces around a header name, or its case, differ
            return " ".join(name.split()).casefold()

        def form(name: str) -> str:  # 'café' as one character or as 'e' + an accent
            return unicodedata.normalize("NFC", name)

        near = [f"{p!r} for {c!r}" for c in missing for p in present if same(p) == same(c)]
        hint = f"; it has {', '.join(near[:5])}, which differ in spaces or case" if near else ""
        forms = [
            f"{ascii(p)} for {ascii(c)}"
            for c in missing
            for p in present
            if p != c and form(p) == form(c)
        ]
        if forms:
            hint = (
                f"; it has {', '.join(forms[:5])}, which differ in their Unicode form (an "
                "accent written as one character or as a letter plus a combining mark)"
            )
        where = _lacking_file(path, missing)
        if where is not None:  # a folder whose other files hold the column
            lack, has = where
            raise DataError(
                f"the Parquet file {lack} of {path} lacks {what} "
                f"{noun(len(missing), 'column')} {shown} that "
                f"{has} has; every file of a dataset needs the same columns"
            )
        columns = noun(len(missing), "column")
        raise DataError(f"{path} lacks {what} {columns} {shown} (it has {have}){hint}")


def _lacking_file(path: Any, missing: list[str]) -> tuple[Any, Any] | None:
    """For a folder of Parquet files some of which hold a ``missing`` column: the first
    file that lacks one and a file that has it (None otherwise)."""
    if not Path(path).is_dir():
        return None
    files = _folder_files(path)
    for c in missing:
        has = next((f.path for f in files if c in f.names), None)
        lack = next((f.path for f in files if c not in f.names), None)
        if has is not None and lack is not None:
            return lack, has
    return None


# --------------------------------------------------------------- encoding
def feature_names(spec: dict[str, Any]) -> list[str]:
    """The encoded feature names of an input spec, in matrix column order."""
    out: list[str] = []
    for col in spec["columns"]:
        if col["kind"] == "numeric":
            out.append(col["name"])
        else:
            out.extend(f"{col['name']}={c}" for c in col["categories"])
    return out


def text_columns(spec: dict[str, Any]) -> list[str]:
    """Names of the categorical columns (read as strings)."""
    return [c["name"] for c in spec["columns"] if c["kind"] == "categorical"]


def read_labels(values: pd.Series) -> pd.Series:
    """Class labels read from a text column, as numbers only where that rewrites nothing.

    Every distinct label written as an integer (``"0"``, ``"-3"``) makes the column
    integers; every one written as Python writes a float (``"1.0"``, ``"0.5"``),
    floats; ``"True"``/``"False"`` only, booleans. Otherwise the labels keep their
    text (``"01"``, ``"+2"``, ``"1e0"``, or integers mixed with floats), so that a
    label is never silently rewritten (``"01"`` and ``"1"`` are different codes).
    Missing cells stay missing: integer labels with a missing cell are pandas'
    nullable ``Int64`` (not floats, as pandas reads them), so that the classes are
    the integers the file writes. Spaces around a number are no part of it (``" 1"``
    is 1, as pandas reads a number column of a file written with ``", "`` between its
    fields); text labels keep theirs.

    Examples
    --------
    >>> from oneneuron.tables import read_labels
    >>> import pandas as pd
    >>> read_labels(pd.Series(["0", "1", "1"])).tolist()
    [0, 1, 1]
    >>> read_labels(pd.Series(["01", "02"])).tolist()
    ['01', '02']
    >>> read_labels(pd.Series([" 0", " 1"])).tolist()
    [0, 1]
    >>> read_labels(pd.Series(["0", None, "1"])).tolist()
    [0, <NA>, 1]
    """
    texts = [str(t).strip() for t in pd.unique(values.dropna())]
    if texts and set(texts) <= {"True", "False"}:
        return values.map(lambda t: str(t).strip() == "True", na_action="ignore")

    def written_as(kind: type) -> bool:
        try:
            return all(t == repr(kind(t)) for t in texts)
        except ValueError:
            return False

    if texts and (written_as(int) or written_as(float)):
        numbers = pd.to_numeric(values.map(lambda t: str(t).strip(), na_action="ignore"))
        if written_as(int) and numbers.isna().any():  # integers but for missing cells
            return numbers.astype("Int64")
        return numbers
    return values


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def fit_spec(
    df: pd.DataFrame, target: str, features: list[str], impute: str | None, source: Any
) -> dict[str, Any]:
    """Learn the input spec (kinds, categories, fill values) from a training table."""
    if impute is not None and impute not in IMPUTE:
        raise DataError(f"impute must be one of {', '.join(IMPUTE)}, not {impute!r}")
    if target in features:
        raise DataError(f"the target column {target!r} cannot also be a feature")
    if len(df) == 0:
        raise DataError(f"{source} has a header but no data rows")
    columns: list[dict[str, Any]] = []
    for name in features:
        s = df[name]
        mask = s.isna().to_numpy()
        if mask.all():
            raise DataError(
                f"column {name!r} of {source} is empty (every cell is missing){EMPTY_ADVICE}"
            )
        col: dict[str, Any] = {"name": name, "fill": None}
        if _is_numeric(s):
            col["kind"] = "numeric"
            vals = s.to_numpy(dtype=np.float64, na_value=np.nan)[~mask]
            if not np.all(np.isfinite(vals)):
                raise DataError(f"column {name!r} of {source} has infinite values")
            if impute is not None:
                col["fill"] = _fill(vals, impute)
        else:
            col["kind"] = "categorical"
            vals = s[~mask].astype(str)
            counts = vals.value_counts()
            if len(counts) > MAX_CATEGORIES:
                raise DataError(
                    f"column {name!r} of {source} is text with {len(counts)} distinct values "
                    f"(more than {MAX_CATEGORIES}); leave it out with --features"
                )
            check_not_identifier(name, len(vals), len(counts), f" of {source}")
            col["categories"] = sorted(counts.index)
            if impute is not None:  # categorical columns: most frequent, ties to the first
                top = counts[counts == counts.max()].index
                col["fill"] = sorted(top)[0]
        columns.append(col)
    spec = {"target": target, "impute": impute, "columns": columns}
    names = feature_names(spec)
    if len(set(names)) != len(names):
        dup = sorted(repeated(names))
        raise DataError(f"encoded feature names collide: {', '.join(map(repr, dup))}")
    return spec


def _fill(vals: np.ndarray, how: str) -> float:
    if how == "mean":
        return float(np.mean(vals))
    if how == "median":
        return float(np.median(vals))
    uniq, counts = np.unique(vals, return_counts=True)
    return float(uniq[np.argmax(counts)])


@dataclass
class EncodeReport:
    """Counts gathered while encoding (summed over chunks).

    ``missing`` and ``unknown`` map a column to ``[rows, first data row or example]``.
    """

    missing: dict[str, list[Any]] = field(default_factory=dict)
    unknown: dict[str, list[Any]] = field(default_factory=dict)
    bad_numbers: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, table: dict[str, list[Any]], col: str, n: int, first: Any) -> None:
        if col in table:
            table[col][0] += n
        else:
            table[col] = [n, first]

    def raise_missing(self, source: Any, hint: str | None = None) -> None:
        """Raise a :class:`DataError` for non-numeric cells or missing values, if any.

        ``hint`` ends the missing-values message (another way out the caller offers).
        """
        if self.bad_numbers:
            (col, (n, ex)), *_ = self.bad_numbers.items()
            raise DataError(
                f"column {col!r} of {source} must be numeric (as in training) but has "
                f"{counted(n, 'non-numeric value')}, e.g. {ex!r}"
            )
        if self.missing:
            parts = [
                f"{c!r} ({counted(n, 'row')}, first at data row {r})"
                for c, (n, r) in self.missing.items()
            ]
            raise DataError(
                f"{source} has missing values in column {', '.join(parts)}; fill or drop "
                "them, or train with --impute mean|median|most_frequent"
                + (f", {hint}" if hint else "")
            )

    def unknown_note(self) -> str | None:
        """One line describing categories not seen in training, or None."""
        return unknown_note(self.unknown)


def encode(
    df: pd.DataFrame, spec: dict[str, Any], report: EncodeReport, first_row: int = 1
) -> np.ndarray:
    """The float64 feature matrix of ``df`` under ``spec``; counts go to ``report``.

    ``first_row`` is the 1-based data-row number of ``df``'s first row, or each row's
    number (for messages; see :func:`~oneneuron.tables.row_number`).
    Rows with problems are still encoded (as zeros); the caller decides to raise.
    """
    n = len(df)
    X = np.zeros((n, len(feature_names(spec))), dtype=np.float64)
    j = 0
    for col in spec["columns"]:
        name = col["name"]
        s = df[name]
        mask = s.isna().to_numpy()
        if col["kind"] == "numeric":
            if not _is_numeric(s):
                num = pd.to_numeric(s, errors="coerce")
                bad = num.isna().to_numpy() & ~mask
                if bad.any():
                    report.add(report.bad_numbers, name, int(bad.sum()), s[bad].iloc[0])
                s, mask = num, mask | bad
            vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
            if mask.any():
                if col["fill"] is None:
                    report.add(
                        report.missing, name, int(mask.sum()), row_number(first_row, _first(mask))
                    )
                else:
                    vals = np.where(mask, col["fill"], vals)
            X[:, j] = vals
            j += 1
            continue
        cats = col["categories"]
        strs = s.astype(object).where(~mask, None)
        if mask.any():
            if col["fill"] is None:
                report.add(
                    report.missing, name, int(mask.sum()), row_number(first_row, _first(mask))
                )
            else:
                strs = strs.where(~mask, col["fill"])
        codes = pd.Index(cats, dtype=object).get_indexer(strs.map(_to_str))
        unknown = (codes < 0) & ~(mask & (col["fill"] is None))
        if unknown.any():
            report.add(report.unknown, name, int(unknown.sum()), str(strs[unknown].iloc[0]))
        rows = np.flatnonzero(codes >= 0)
        X[rows, j + codes[rows]] = 1.0
        j += len(cats)
    return X


def _to_str(v: Any) -> Any:
    return v if v is None or isinstance(v, str) else str(v)


def _first(mask: np.ndarray) -> int:
    return int(np.argmax(mask))


def check_input_spec(spec: Any, names: list[str], classes: Any) -> None:
    """Validate a stored input spec against the model's feature names (raises ValueError)."""
    if not isinstance(spec, dict) or set(spec) != {"target", "impute", "columns"}:
        raise ValueError("must be an object with keys target, impute, columns")
    if not isinstance(spec["target"], str):
        raise ValueError("target must be a column name")
    if spec["impute"] is not None and spec["impute"] not in IMPUTE:
        raise ValueError(f"impute must be null or one of {', '.join(IMPUTE)}")
    cols = spec["columns"]
    if not isinstance(cols, list) or not cols:
        raise ValueError("columns must be a non-empty list")
    seen = set()
    for c in cols:
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise ValueError("each column must be an object with a name")
        if c["name"] in seen or c["name"] == spec["target"]:
            raise ValueError(f"column {c['name']!r} is repeated or is the target")
        seen.add(c["name"])
        fill = c.get("fill")
        if c.get("kind") == "numeric" and set(c) == {"name", "kind", "fill"}:
            ok = fill is None or (
                isinstance(fill, int | float) and not isinstance(fill, bool) and math.isfinite(fill)
            )
        elif c.get("kind") == "categorical" and set(c) == {"name", "kind", "fill", "categories"}:
            cats = c["categories"]
            if not isinstance(cats, list) or not cats or not all(isinstance(x, str) for x in cats):
                raise ValueError(f"column {c['name']!r} needs a non-empty list of categories")
            if len(set(cats)) != len(cats):
                raise ValueError(f"column {c['name']!r} has a repeated category")
            ok = fill is None or fill in cats
        else:
            raise ValueError(f"column {c['name']!r} has an unknown kind or keys")
        if not ok or ((fill is None) != (spec["impute"] is None)):
            raise ValueError(f"column {c['name']!r} has a fill value inconsistent with impute")
    if feature_names(spec) != names:
        raise ValueError("the encoded columns do not match features.names")
