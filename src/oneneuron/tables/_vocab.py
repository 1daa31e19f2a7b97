"""The tables layer's fixed vocabulary: constants and :class:`DataError` (no pandas).

Kept apart from the readers so that the command line can name them (argument
choices, the error it maps to one ``error:`` line) without importing pandas.
"""

from __future__ import annotations

import re
from typing import Any

IMPUTE = ("mean", "median", "most_frequent")
#: The most levels a categorical column may have (the design layer and the older input
#: specs alike): more is almost surely an identifier or free text, not a variable.
MAX_CATEGORIES = 1000
COMPRESSION = (".gz", ".bz2", ".xz", ".zip", ".zst")
#: The name ``df.to_parquet()`` gives a stored unnamed index level: row labels, not data.
PANDAS_INDEX_NAME = re.compile(r"__index_level_\d+__")


def row_number(first_row: Any, i: int) -> int:
    """The number a message gives the table's row at position ``i``.

    ``first_row`` is the first row's number (rows numbered on from it), or a sequence
    with each row's own number: where rows were left out before (``evaluate
    --drop-missing``), a message still names the row of the user's file.

    Examples
    --------
    >>> row_number(1, 4), row_number([1, 2, 5, 9], 3)
    (5, 9)
    """
    if hasattr(first_row, "__len__"):
        return int(first_row[i])
    return int(first_row) + int(i)


class DataError(ValueError):
    """A problem with a data table; the message names the file, column and rows."""
