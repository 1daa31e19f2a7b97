"""Engines: where the row blocks live. Each sums :func:`~oneneuron.objective.block_statistics`.

An engine exposes ``n_samples``, ``n_features``, ``n_passes`` (full passes over X
made so far) and ``statistics(W, b, order) -> BlockStats``. Solvers never see X.

======================  ==============================================================
``NumpyEngine``         NumPy arrays / SciPy CSR in memory, cache-sized row blocks
``ArrayAPIEngine``      torch tensors, CuPy arrays: block math on their own device
``DaskEngine``          dask arrays: one task per chunk, tree-reduced on the cluster
======================  ==============================================================
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._numpy import NumpyEngine, blas_threads

__all__ = [
    "NumpyEngine",
    "ArrayAPIEngine",
    "DaskEngine",
    "blas_threads",
    "input_kind",
    "make_engine",
    "subsample_engine",
]


def __getattr__(name: str) -> Any:  # optional engines import their libraries lazily
    if name == "ArrayAPIEngine":
        from ._array_api import ArrayAPIEngine

        return ArrayAPIEngine
    if name == "DaskEngine":
        from ._dask import DaskEngine

        return DaskEngine
    raise AttributeError(name)


def input_kind(X: Any) -> str:
    """``"dask"`` (dask array or DataFrame), ``"array_api"`` (torch, CuPy, ...) or ``"numpy"``.

    Decided from the type's module, so neither dask nor torch is imported for NumPy input.

    Examples
    --------
    >>> import numpy as np
    >>> input_kind(np.zeros((2, 2))), input_kind([[1.0]])
    ('numpy', 'numpy')
    """
    root = type(X).__module__.split(".")[0]
    if root in ("dask", "dask_expr"):
        return "dask"
    if root in ("numpy", "pandas", "scipy", "builtins"):
        return "numpy"
    if root in ("torch", "cupy", "jax", "array_api_strict") or hasattr(X, "__array_namespace__"):
        return "array_api"
    return "numpy"


def make_engine(X: Any, y: Any, weights: Any, multinomial: bool, **options: Any) -> Any:
    """The engine for X's kind (see :func:`input_kind`); ``options`` go to its constructor.

    ``y`` holds 0/1 floats (binary) or class indices, ``weights`` the row weights,
    both of X's kind (a NumPy array, a tensor on X's device, a dask array).
    """
    kind = input_kind(X)
    if kind == "dask":
        from ._dask import DaskEngine

        return DaskEngine(X, y, weights, multinomial=multinomial, **options)
    if kind == "array_api":
        from ._array_api import ArrayAPIEngine

        return ArrayAPIEngine(X, y, weights, multinomial=multinomial, **options)
    return NumpyEngine(X, y, weights, multinomial=multinomial, **options)


def subsample_engine(X: Any, y: Any, weights: Any, rows: Any, multinomial: bool) -> Any:
    """An engine over the rows ``rows`` (sorted NumPy indices) of X, for a subsample solve.

    NumPy input is indexed in memory and torch/CuPy on its device; a Dask subsample
    is gathered to the client in one pass (it is small by design) and becomes a
    NumPy engine, so the subsample solve costs no further passes over the cluster.
    """
    kind = input_kind(X)
    if kind == "dask":
        import dask

        Xs, ys, ss = dask.compute(X[rows], y[rows], weights[rows])
        return NumpyEngine(np.ascontiguousarray(Xs), ys, ss, multinomial=multinomial)
    if kind == "array_api":
        from ._array_api import ArrayAPIEngine, device, namespace

        xp = namespace(X)
        idx = xp.asarray(np.asarray(rows, dtype=np.int64), device=device(X))
        take = [xp.take(a, idx, axis=0) for a in (X, y, weights)]
        return ArrayAPIEngine(*take, multinomial=multinomial)
    return NumpyEngine(X[rows], y[rows], weights[rows], multinomial=multinomial)
