"""Tables: the user's data files in, numeric columns out, and tables written back.

The design-matrix layer shared by the Python API and the command line:
``_design.py`` turns a table (pandas, polars, Arrow) into the model's columns
with a JSON-able :class:`DesignSpec` (reference coding, formulas, missing
values); ``_contrasts.py`` the contrasts of a formula's ``C(g, Sum)`` as a
model file stores them;
``_read.py`` reads CSV/TSV/Parquet (whole or in chunks), checks columns, and
encodes features with an *input spec* (stored in the model file under
``"input"``); ``_write.py`` writes output tables and files atomically (a
temporary file beside the target, then a rename), never replacing a user's
file unless asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..lazy import lazy_attributes
from ._vocab import (
    COMPRESSION,
    CONVERT_DURATION,
    IMPUTE,
    MAX_CATEGORIES,
    PANDAS_INDEX_NAME,
    DataError,
    lookalike_message,
    lookalike_names,
    refuse_pipe,
    repeated,
    row_number,
    special_file,
)

if TYPE_CHECKING:
    from ._design import (
        EXACT_INTEGERS,
        MISSING,
        TRANSFORMS,
        Design,
        DesignSpec,
        array_table,
        as_pandas,
        batch_as_table,
        empty_levels_note,
        formula_columns,
        formula_has_intercept,
        formula_target,
        is_table,
        positional_names,
        refuse_label_values,
        refuse_mixed_names,
        refuse_multiindex,
        table_column,
        unknown_note,
        unresolved_integers,
        unusable_values,
    )
    from ._parquet import PARQUET_SUFFIXES, ParquetPart, files_by_kind, parquet_files
    from ._read import (
        EncodeReport,
        TextForm,
        blank_columns,
        check_input_spec,
        check_stray_text,
        data_format,
        encode,
        feature_names,
        find_codes,
        fit_spec,
        is_compressed,
        iter_table,
        missing_words,
        need_columns,
        read_columns,
        read_labels,
        read_table,
        stored_types,
        text_columns,
        text_form,
        trailing_blank,
        unnamed_columns,
        unnamed_note,
        whole_number_columns,
    )
    from ._write import OutputTable, atomic_write_text, output_format, publish

#: Names that need pandas, imported on first use (the command line starts without them).
_LAZY = {
    **dict.fromkeys(
        [
            "EncodeReport",
            "check_input_spec",
            "check_stray_text",
            "data_format",
            "encode",
            "feature_names",
            "find_codes",
            "fit_spec",
            "is_compressed",
            "iter_table",
            "missing_words",
            "need_columns",
            "read_columns",
            "read_labels",
            "read_table",
            "stored_types",
            "text_columns",
            "unnamed_columns",
            "unnamed_note",
            "trailing_blank",
            "TextForm",
            "text_form",
            "blank_columns",
            "whole_number_columns",
        ],
        "_read",
    ),
    **dict.fromkeys(
        [
            "OutputTable",
            "atomic_write_text",
            "check_out_folder",
            "check_own_file",
            "output_format",
            "publish",
        ],
        "_write",
    ),
    **dict.fromkeys(
        ["PARQUET_SUFFIXES", "ParquetPart", "files_by_kind", "parquet_files"], "_parquet"
    ),
    **dict.fromkeys(
        [
            "MISSING",
            "TRANSFORMS",
            "Design",
            "DesignSpec",
            "array_table",
            "as_pandas",
            "batch_as_table",
            "formula_columns",
            "formula_has_intercept",
            "formula_target",
            "is_table",
            "positional_names",
            "refuse_mixed_names",
            "refuse_multiindex",
            "table_column",
            "empty_levels_note",
            "unknown_example",
            "unknown_note",
            "refuse_label_values",
            "unusable_values",
            "unresolved_integers",
            "EXACT_INTEGERS",
        ],
        "_design",
    ),
}


__getattr__ = lazy_attributes(__name__, _LAZY, globals())[0]


__all__ = [
    "PARQUET_SUFFIXES",
    "ParquetPart",
    "files_by_kind",
    "parquet_files",
    "COMPRESSION",
    "CONVERT_DURATION",
    "lookalike_message",
    "lookalike_names",
    "IMPUTE",
    "MAX_CATEGORIES",
    "PANDAS_INDEX_NAME",
    "DataError",
    "row_number",
    "refuse_pipe",
    "repeated",
    "Design",
    "DesignSpec",
    "MISSING",
    "TRANSFORMS",
    "array_table",
    "as_pandas",
    "batch_as_table",
    "refuse_multiindex",
    "refuse_mixed_names",
    "positional_names",
    "formula_columns",
    "formula_has_intercept",
    "formula_target",
    "is_table",
    "table_column",
    "empty_levels_note",
    "unknown_example",
    "unknown_note",
    "refuse_label_values",
    "unusable_values",
    "unresolved_integers",
    "EXACT_INTEGERS",
    "EncodeReport",
    "OutputTable",
    "atomic_write_text",
    "check_out_folder",
    "check_own_file",
    "special_file",
    "check_input_spec",
    "check_stray_text",
    "data_format",
    "encode",
    "feature_names",
    "find_codes",
    "fit_spec",
    "is_compressed",
    "iter_table",
    "missing_words",
    "need_columns",
    "output_format",
    "publish",
    "read_columns",
    "read_labels",
    "read_table",
    "stored_types",
    "text_columns",
    "unnamed_columns",
    "unnamed_note",
    "trailing_blank",
    "TextForm",
    "text_form",
    "blank_columns",
    "whole_number_columns",
]
