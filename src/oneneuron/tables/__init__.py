"""Tables: the user's data files in, numeric columns out, and tables written back.

The design-matrix layer shared by the Python API and the command line:
``_read.py`` reads CSV/TSV/Parquet (whole or in chunks), checks columns, and
encodes features with an *input spec* (stored in the model file under
``"input"``); ``_write.py`` writes output tables and files atomically (a
temporary file beside the target, then a rename), never replacing a user's
file unless asked.
"""

from __future__ import annotations

from ._read import (
    COMPRESSION,
    IMPUTE,
    MAX_CATEGORIES,
    DataError,
    EncodeReport,
    check_input_spec,
    check_stray_text,
    data_format,
    encode,
    feature_names,
    fit_spec,
    iter_table,
    need_columns,
    read_columns,
    read_table,
    text_columns,
)
from ._write import OutputTable, atomic_write_text, publish

__all__ = [
    "COMPRESSION",
    "IMPUTE",
    "MAX_CATEGORIES",
    "DataError",
    "EncodeReport",
    "OutputTable",
    "atomic_write_text",
    "check_input_spec",
    "check_stray_text",
    "data_format",
    "encode",
    "feature_names",
    "fit_spec",
    "iter_table",
    "need_columns",
    "publish",
    "read_columns",
    "read_table",
    "text_columns",
]
