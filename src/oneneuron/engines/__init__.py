"""Engines: where the row blocks live, and how the user's arrays get there.

Each engine owns its input preparation: :func:`prepare` validates X, y and the
weights where they live, encodes the labels, weighs the rows and computes the
feature statistics, and returns one :class:`FitData` record, whatever X is.
Each engine sums :func:`~oneneuron.objective.block_statistics` over row blocks.

An engine exposes ``n_samples``, ``n_features``, ``n_passes`` (full passes over X
made so far) and ``statistics(W, b, order) -> BlockStats``. Solvers never see X.
Engines that keep no X in memory (torch, Dask) also count, in one pass, the rows the
fitted logits separate (``separated_rows(W, b)``), for the separation check. Each also
factors the weighted design in one pass (``weighted_design_r(W, b)``, the triangular
``R`` with ``R' R`` the Hessian), which Newton asks for where ``X' D X`` is too
ill-conditioned to solve with (nearly equal columns).

======================  ==============================================================
``NumpyEngine``         NumPy arrays / SciPy CSR in memory, cache-sized row blocks
``ArrayAPIEngine``      torch tensors, CuPy arrays: block math on their own device
``DaskEngine``          dask arrays: one task per chunk, tree-reduced on the cluster
======================  ==============================================================

A torch tensor in CPU memory is fitted by the ``NumpyEngine`` on a zero-copy NumPy
view of it (:func:`host_view`): its fused kernels and threaded BLAS summed float32
data in float64 1.5-4x faster than the array-API block math on CPU torch, at the
same passes and results. Validation, labels, statistics and the outputs (predictions
as tensors) stay in torch; only the passes over X change engine. Tensors on another
device (GPU) and CuPy arrays are fitted by the ``ArrayAPIEngine``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import _numpy
from ._numpy import (
    KERNEL_MIN_ROWS,
    NumpyEngine,
    blas_threads,
    fast_path,
    kernels,
    note_tiny_newton,
    one_blas_thread,
    tiny_newton_kernel,
)
from ._numpy_prep import (
    check_missing_labels,
    coordinate_stats,
    detached,
    first_non_finite,
    plain_arrays,
    prepare_numpy,
    refuse_dtype,
    refuse_row_values,
    refuse_shapeless,
    refuse_times,
    unmask_labels,
    unmask_x,
)
from ._record import (
    FitData,
    check_row_weight_size,
    check_weight_size,
    check_weights,
    refuse_complex_labels,
    warn_weightless_classes,
)
from ._threads import capped, kernel_threads

__all__ = [
    "FitData",
    "warn_weightless_classes",
    "NumpyEngine",
    "ArrayAPIEngine",
    "DaskEngine",
    "blas_threads",
    "column_subset",
    "one_thread",
    "one_blas_thread",
    "kernel_threads",
    "engine_threads",
    "check_missing_labels",
    "check_row_weight_size",
    "check_weight_size",
    "check_weights",
    "coordinate_stats",
    "detached",
    "fast_path",
    "first_non_finite",
    "host_product",
    "host_view",
    "input_kind",
    "make_engine",
    "plain_arrays",
    "predict",
    "dask_accuracy",
    "prepare",
    "refuse_complex_labels",
    "refuse_dtype",
    "refuse_shapeless",
    "refuse_row_values",
    "unmask_labels",
    "unmask_x",
    "refuse_times",
    "subsample_engine",
    "take_rows",
    "to_host",
    "note_tiny_newton",
    "tiny_newton_kernel",
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
    >>> from oneneuron.engines import input_kind
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


def host_view(X: Any) -> np.ndarray | None:
    """A zero-copy NumPy view of a torch tensor in CPU memory, else None.

    The engines fit such a tensor with the ``NumpyEngine`` on this view (see the
    module's notes); a tensor on a GPU, a CuPy array and NumPy input give None.

    Examples
    --------
    >>> from oneneuron.engines import host_view
    >>> import numpy as np
    >>> host_view(np.zeros(2)) is None
    True
    """
    if type(X).__module__.split(".")[0] != "torch":
        return None
    if X.device.type != "cpu" or str(X.layout) != "torch.strided":
        return None
    return X.detach().resolve_conj().resolve_neg().numpy()  # X's memory and strides


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
        view = host_view(X)
        if view is not None:  # CPU torch: the NumPy engine on a view of the same memory
            y, weights = host_view(y), host_view(weights)
            return NumpyEngine(view, y, weights, multinomial=multinomial, **options)
        from ._array_api import ArrayAPIEngine

        return ArrayAPIEngine(X, y, weights, multinomial=multinomial, **options)
    return NumpyEngine(X, y, weights, multinomial=multinomial, **options)


def to_host(a: Any) -> np.ndarray:
    """A NumPy copy of an array of any engine's kind (computes a lazy dask array)."""
    kind = input_kind(a)
    if kind == "dask":
        return np.asarray(a.compute())
    if kind == "array_api":
        from ._array_api import to_numpy

        return np.asarray(to_numpy(a))
    return np.asarray(a)


def take_rows(a: Any, rows: Any) -> Any:
    """The rows ``rows`` (NumPy indices) of ``a``, of a's kind and where it lives.

    NumPy arrays and CSR matrices are indexed in memory, torch/CuPy arrays gathered on
    their device, dask arrays indexed lazily (nothing is computed).

    Examples
    --------
    >>> from oneneuron.engines import take_rows
    >>> import numpy as np
    >>> take_rows(np.arange(6.0).reshape(3, 2), np.array([2, 0])).tolist()
    [[4.0, 5.0], [0.0, 1.0]]
    """
    rows = np.asarray(rows, dtype=np.intp)
    if input_kind(a) == "array_api":
        from ._array_api import device, namespace

        xp = namespace(a)
        return xp.take(a, xp.asarray(rows.astype(np.int64), device=device(a)), axis=0)
    return a[rows]


def host_product(X: Any, M: NDArray[Any]) -> NDArray[np.float64]:
    """``X @ M`` in float64, computed where X lives, as a NumPy array on the host.

    ``M`` (d, k) is a small host matrix: the product reads X once on its engine (a
    torch/CuPy device, the Dask chunks) and only the (n, k) result comes to the host,
    never X itself.

    Examples
    --------
    >>> from oneneuron.engines import host_product
    >>> import numpy as np
    >>> host_product(np.eye(2, dtype=np.float32), np.array([[1.0], [2.0]])).tolist()
    [[1.0], [2.0]]
    """
    M = np.asarray(M, dtype=np.float64)
    kind = input_kind(X)
    if kind == "dask":
        return np.asarray((X.astype(np.float64) @ M).compute())
    if kind == "array_api":
        from ._array_api import device, namespace, to_numpy

        xp = namespace(X)
        Md = xp.asarray(M, device=device(X))
        return np.asarray(to_numpy(xp.astype(X, xp.float64) @ Md))
    return np.asarray(X @ M, dtype=np.float64)


def subsample_engine(
    X: Any,
    y: Any,
    weights: Any,
    rows: Any,
    multinomial: bool,
    offset: Any = None,
    reweight: Any = None,
) -> Any:
    """An engine over the rows ``rows`` (sorted NumPy indices) of X, for a subsample solve.

    ``offset`` (NumPy input only) is subsampled with the rows; ``reweight`` (NumPy,
    one factor per selected row) multiplies their weights, e.g. for a subsample
    stratified by class.

    NumPy input is indexed in memory and torch/CuPy on its device; a Dask subsample
    is gathered to the client in one pass (it is small by design) and becomes a
    NumPy engine, so the subsample solve costs no further passes over the cluster.
    """
    kind = input_kind(X)
    if kind == "dask":
        import dask

        Xs, ys, ss = dask.compute(X[rows], y[rows], weights[rows])
        ss = ss if reweight is None else ss * reweight
        return NumpyEngine(np.ascontiguousarray(Xs), ys, ss, multinomial=multinomial)
    if kind == "array_api" and host_view(X) is not None:  # CPU torch: as NumPy input
        X, y, weights = host_view(X), host_view(y), host_view(weights)
        kind = "numpy"
    if kind == "array_api":
        from ._array_api import ArrayAPIEngine, device, namespace

        xp = namespace(X)
        idx = xp.asarray(np.asarray(rows, dtype=np.int64), device=device(X))
        Xs, ys, ss = (xp.take(a, idx, axis=0) for a in (X, y, weights))
        if reweight is not None:
            ss = ss * xp.asarray(reweight, dtype=ss.dtype, device=device(X))
        return ArrayAPIEngine(Xs, ys, ss, multinomial=multinomial)
    off = None if offset is None else offset[rows]
    ss = weights[rows] if reweight is None else weights[rows] * reweight
    return NumpyEngine(  # its Hessians are a metric only: float32 sums do (float64_sums)
        X[rows], y[rows], ss, multinomial=multinomial, offset=off, float64_sums=False
    )


def engine_threads() -> int:
    """Threads a pass started in the calling thread uses: one per core, or fewer where
    :func:`kernel_threads` caps this thread.

    Examples
    --------
    >>> from oneneuron.engines import engine_threads, kernel_threads
    >>> with kernel_threads(1):
    ...     engine_threads()
    1
    """
    return capped(_numpy.N_THREADS)


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Hold the engines' passes started in this thread (:func:`kernel_threads`) and BLAS
    (process-wide) to one thread each: inside a parallel worker process.

    Several workers on a machine's cores must not each start a thread per core:
    ``n_jobs`` workers times that many threads oversubscribes the cores.

    Examples
    --------
    >>> from oneneuron.engines import one_thread
    >>> with one_thread():
    ...     pass
    """
    from threadpoolctl import threadpool_limits

    # BLAS through the fits' counted hold (one_blas_thread: safe where workers are threads,
    # e.g. joblib's threading backend); OpenMP's limits are per thread already
    with kernel_threads(1), one_blas_thread(), threadpool_limits(limits=1, user_api="openmp"):
        yield


def column_subset(X: Any, columns: Any) -> Any:
    """The columns ``columns`` (sorted NumPy indices) of X, of X's kind, for a working-set solve.

    NumPy arrays are gathered C-ordered (at most about one read of X; by the fused
    kernels' gather from ``KERNEL_MIN_ROWS`` rows), CSR matrices sliced,
    torch/CuPy gathered on their device, dask arrays sliced lazily.

    Examples
    --------
    >>> from oneneuron.engines import column_subset
    >>> import numpy as np
    >>> column_subset(np.arange(6.0).reshape(2, 3), np.array([0, 2])).tolist()
    [[0.0, 2.0], [3.0, 5.0]]
    """
    cols = np.asarray(columns, dtype=np.intp)
    kind = input_kind(X)
    if kind == "array_api":
        from ._array_api import device, namespace

        xp = namespace(X)
        return xp.take(X, xp.asarray(cols.astype(np.int64), device=device(X)), axis=1)
    if kind == "dask":
        return X[:, cols]
    if hasattr(X, "tocsr"):
        return X[:, cols].tocsr()
    # the kernel from the rows where fits take the kernels (smaller data never imports
    # numba); threaded from 8192 rows. np.take is never faster, even on one core (at
    # 6 250 rows: 0.56 against 0.60 ms for 20 of 100 columns, 4.9 against 31 ms for 300
    # of 1 000, the row subsample of a wide working set)
    native = X.dtype in (np.float32, np.float64) and X.flags.c_contiguous
    fused = kernels() if native and X.shape[0] >= KERNEL_MIN_ROWS else None
    if fused is not None and len(cols):
        return fused.gather_columns(X, cols)
    return np.take(X, cols, axis=1)  # C-ordered (X[:, cols] is not, and copies twice)


def prepare(
    X: Any,
    y: Any,
    sample_weight: Any = None,
    *,
    class_weight: Any = None,
    standardize: bool = True,
    center: bool = True,
) -> FitData:
    """Validate the training data and compute what a fit needs, where the data lives.

    One entry point for every kind of X (see :func:`input_kind`): each engine
    checks its own input (shapes, dtypes, NaN/inf, labels, weights), encodes the
    labels, weighs the rows (sample weight times class weight) and computes the
    standardisation statistics, and returns one :class:`FitData`.

    Parameters
    ----------
    X : array_like, sparse CSR matrix, tensor or dask collection of shape (n, d)
    y : array_like of shape (n,)
        Class labels; at least two classes.
    sample_weight : array_like of shape (n,), optional
        Non-negative row weights with a positive sum.
    class_weight : dict, "balanced" or None
        Multiplies each row's weight by its class's weight.
    standardize : bool, default=True
        Compute the weighted mean and standard deviation of each column
        (otherwise zeros and ones).
    center : bool, default=True
        With ``standardize``: centre as well as scale (a model without intercept
        is only scaled).

    Returns
    -------
    FitData

    Examples
    --------
    >>> from oneneuron.engines import prepare
    >>> import numpy as np
    >>> data = prepare(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array(["a", "b", "a", "b"]))
    >>> data.kind, data.classes.tolist(), data.mean.tolist(), data.class_sums.tolist()
    ('numpy', ['a', 'b'], [1.5], [2.0, 2.0])
    """
    kind = input_kind(X)
    opts = {"class_weight": class_weight, "standardize": standardize, "center": center}
    if kind == "dask":
        from ._dask_prep import prepare_dask

        return prepare_dask(X, y, sample_weight, **opts)
    if kind == "array_api":
        from ._array_api_prep import prepare_array_api

        return prepare_array_api(X, y, sample_weight, **opts)
    return prepare_numpy(X, y, sample_weight, **opts)


def dask_accuracy(model: Any, X: Any, y: Any, sample_weight: Any = None) -> float:
    """Weighted mean accuracy of ``model.predict`` on Dask ``X`` (``y`` and
    ``sample_weight`` Dask or, where X's row chunks are known, NumPy), reduced on the
    cluster: the labels never come to the host."""
    from ._dask_prep import dask_accuracy as accuracy

    return accuracy(model, X, y, sample_weight)


def predict(model: Any, X: Any, method: str) -> Any:
    """``method`` of a fitted linear model on torch/CuPy (same device) or Dask (lazy) input.

    ``model`` is any fitted object with ``coef_``, ``intercept_``, ``classes_``,
    ``threshold`` (and optionally ``feature_names_in_``, or a ``design_`` whose
    ``names`` are the coded columns such input holds);
    ``method`` is ``"decision_function"``, ``"predict_proba"``,
    ``"predict_log_proba"`` or ``"predict"``. NumPy input is the caller's own
    fast path and is not handled here.
    """
    if input_kind(X) == "dask":
        from ._dask_prep import dask_predict

        return dask_predict(model, X, method)
    from ._array_api_prep import xp_predict

    return xp_predict(model, X, method)
