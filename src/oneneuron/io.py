"""Deprecated alias of :mod:`oneneuron.modelfile` (the model-file wing); kept for old imports.

``oneneuron.io.save``/``load``/``read_model``/``write_model``/``ModelFileError``
still work and warn once with :class:`DeprecationWarning`; use
``oneneuron.save``/``oneneuron.load`` or :mod:`oneneuron.modelfile`.
"""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = ["ModelFileError", "SavedModel", "load", "read_model", "save", "write_model"]


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from . import modelfile

        warnings.warn(
            f"oneneuron.io.{name} moved to oneneuron.modelfile.{name}; "
            "the oneneuron.io alias will be removed in a future release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(modelfile, name)
    raise AttributeError(f"module 'oneneuron.io' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_MOVED)
