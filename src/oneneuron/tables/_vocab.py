"""The tables layer's fixed vocabulary: constants and :class:`DataError` (no pandas).

Kept apart from the readers so that the command line can name them (argument
choices, the error it maps to one ``error:`` line) without importing pandas.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from typing import Any

IMPUTE = ("mean", "median", "most_frequent")
#: The most levels a categorical column may have (the design layer and the older input
#: specs alike): more is almost surely an identifier or free text, not a variable.
MAX_CATEGORIES = 1000
COMPRESSION = (".gz", ".bz2", ".xz", ".zip", ".zst")
#: The name ``df.to_parquet()`` gives a stored unnamed index level: row labels, not data.
PANDAS_INDEX_NAME = re.compile(r"__index_level_\d+__")


def special_file(path: Any) -> str | None:
    """What ``path`` is where it exists but is neither a regular file nor a folder
    (``"a named pipe (FIFO)"``, ``"a character device"``, ...), else None; a symbolic
    link is followed.

    Examples
    --------
    >>> from oneneuron.tables import special_file
    >>> special_file("/dev/null"), special_file("no such file")
    ('a character device', None)
    """
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, a dangling link, unreadable: the write says
        return None
    kinds = (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((what for test, what in kinds if test(mode)), None)


def row_number(first_row: Any, i: int) -> int:
    """The number a message gives the table's row at position ``i``.

    ``first_row`` is the first row's number (rows numbered on from it), or a sequence
    with each row's own number: where rows were left out before (``evaluate
    --drop-missing``), a message still names the row of the user's file.

    Examples
    --------
    >>> from oneneuron.tables import row_number
    >>> row_number(1, 4), row_number([1, 2, 5, 9], 3)
    (5, 9)
    """
    if hasattr(first_row, "__len__"):
        return int(first_row[i])
    return int(first_row) + int(i)


class DataError(ValueError):
    """A problem with a data table; the message names the file, column and rows."""


def refuse_pipe(path: Any) -> None:
    """A table to read that is standard input (``-``) or a named pipe (or a device) is
    refused with :class:`DataError`: a table is read more than once (its header, then
    its rows, and checks of its lines), which a pipe cannot give."""
    if str(path) == "-":
        what = "standard input (-),"
    else:
        kind = special_file(path)
        if kind is None:
            return
        what = f"{path}, {kind},"
    raise DataError(
        f"cannot read a table from {what} which can be read only once; a table is read "
        "more than once (its header, then its rows): save it to a file first"
    )


def repeated(names: Iterable[Any]) -> list[Any]:
    """The names that occur more than once in ``names``, each once, in order of first
    occurrence: one count of all of them (``names.count(n)`` for every name made a
    100 000-column header quadratic).

    Examples
    --------
    >>> from oneneuron.tables import repeated
    >>> repeated(["a", "b", "a", "c", "b", "a"])
    ['a', 'b']
    """
    from collections import Counter

    counts = Counter(names)
    return [n for n, k in counts.items() if k > 1]


def lookalike_names(names: Iterable[str]) -> tuple[str, str] | None:
    r"""The first two ``names`` that differ only in their Unicode form (``'café'`` as one
    character, NFC, and as ``e`` plus a combining accent, NFD), or None: they print
    alike, so their columns, coefficients and messages could not be told apart.

    Examples
    --------
    >>> from oneneuron.tables import lookalike_names
    >>> print(*map(ascii, lookalike_names(["caf\u00e9", "x", "cafe\u0301"])))
    'caf\xe9' 'cafe\u0301'
    >>> lookalike_names(["a", "b"]) is None
    True
    """
    seen: dict[str, str] = {}
    for name in names:
        first = seen.setdefault(unicodedata.normalize("NFC", name), name)
        if first != name:
            return first, name
    return None


def lookalike_message(where: str, pair: tuple[str, str]) -> str:
    """The error for two names of :func:`lookalike_names`, shown with :func:`ascii` so
    that the difference can be seen."""
    first, second = pair
    return (
        f"{where} has column names that differ only in their Unicode form: {ascii(first)} "
        f"and {ascii(second)} (an accent written as one character and as a letter plus a "
        "combining mark); rename one"
    )


#: A duration (a waiting time, a length of stay) has no start and no year: one unit.
CONVERT_DURATION = (
    "a model needs numbers: convert it to one unit (e.g. hours, "
    "column.dt.total_seconds() / 3600) or leave it out"
)
