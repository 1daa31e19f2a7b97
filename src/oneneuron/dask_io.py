"""Out-of-core fits through Dask: :func:`fit_parquet` (it lives in :mod:`oneneuron.classifier`).

Kept as the documented import path ``oneneuron.dask_io.fit_parquet``; dask is
imported only when the function is first called.
"""

from __future__ import annotations

from .classifier.parquet import fit_parquet, frame_to_arrays

__all__ = ["fit_parquet", "frame_to_arrays"]
