"""Deprecated alias of :mod:`oneneuron.stats` (inference results, tables): old imports."""

from __future__ import annotations

import warnings
from typing import Any

_MOVED = [
    "COLUMNS",
    "InferenceResult",
    "InferenceUnavailableError",
    "format_summary",
    "summary_table",
]


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from . import stats

        warnings.warn(
            f"oneneuron.inference.{name} moved to oneneuron.stats.{name}; "
            "the oneneuron.inference alias will be removed in a future release",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(stats, name)
    raise AttributeError(f"module 'oneneuron.inference' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(_MOVED)
