"""Engines: where the row blocks live. Each sums :func:`~oneneuron.objective.block_statistics`.

An engine exposes ``n_samples``, ``n_features``, ``n_passes`` (full passes over X
made so far) and ``statistics(W, b, order) -> BlockStats``. Solvers never see X.
"""

from ._numpy import NumpyEngine, blas_threads

__all__ = ["NumpyEngine", "blas_threads"]
