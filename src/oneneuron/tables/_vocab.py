"""The tables layer's fixed vocabulary: constants and :class:`DataError` (no pandas).

Kept apart from the readers so that the command line can name them (argument
choices, the error it maps to one ``error:`` line) without importing pandas.
"""

from __future__ import annotations

import re

IMPUTE = ("mean", "median", "most_frequent")
#: The most levels a categorical column may have (the design layer and the older input
#: specs alike): more is almost surely an identifier or free text, not a variable.
MAX_CATEGORIES = 1000
COMPRESSION = (".gz", ".bz2", ".xz", ".zip", ".zst")
#: The name ``df.to_parquet()`` gives a stored unnamed index level: row labels, not data.
PANDAS_INDEX_NAME = re.compile(r"__index_level_\d+__")


class DataError(ValueError):
    """A problem with a data table; the message names the file, column and rows."""
