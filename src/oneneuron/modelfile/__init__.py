"""Model files: a fitted :class:`~oneneuron.NeuronClassifier` as versioned JSON, never pickle.

This wing sits above the estimator: it builds estimators from documents and
documents from estimators. ``_schema.py`` holds the fixed vocabulary (format,
version, keys, :class:`ModelFileError`, :class:`SavedModel`), ``_check.py``
validates every field of a document, ``_document.py`` reads and writes files
(the schema is described there). Use :func:`save` and :func:`load`
(``oneneuron.save``/``oneneuron.load``); ``read_model``/``write_model`` also
carry the command line's table encoding and inference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._schema import FORMAT, FORMAT_VERSION, ModelFileError, SavedModel, other_format

if TYPE_CHECKING:
    from ._document import MAX_INT_DIGITS, MAX_MODEL_BYTES, load, read_model, save, write_model

_LAZY = (
    "MAX_INT_DIGITS",
    "MAX_MODEL_BYTES",
    "load",
    "read_model",
    "save",
    "write_model",
)  # need numpy and pandas: on first use


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from . import _document

        value = getattr(_document, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "MAX_INT_DIGITS",
    "MAX_MODEL_BYTES",
    "ModelFileError",
    "SavedModel",
    "load",
    "other_format",
    "read_model",
    "save",
    "write_model",
]
