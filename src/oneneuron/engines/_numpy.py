"""In-memory engine: NumPy arrays or SciPy CSR matrices, walked in cache-sized row blocks."""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..objective import (
    BlockStats,
    block_statistics,
    blocks_meat,
    direction_curvature,
    row_curvatures,
    weight_floor,
    weighted_design_r,
)
from ._threads import capped

#: Below this many rows the fused kernels' thread start-up is not worth it.
KERNEL_MIN_ROWS = 2048
_CONTROLLER: Any = None
_KERNELS: Any = False  # False: not looked up yet; None: numba cannot load; else the module
#: Threads of the NumPy block path's loss-and-gradient passes (one row chunk each).
N_THREADS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
_POOL: ThreadPoolExecutor | None = None


def kernels() -> Any:
    """The fused-kernel module, or None where numba cannot load (imported on first need).

    Importing numba costs about 0.5 s, so it is deferred until a fit needs the
    kernels: ``predict`` (a plain matrix product) and the command line's start-up
    never pay for it.
    """
    global _KERNELS
    if _KERNELS is False:
        from . import _kernels

        _KERNELS = _kernels if _kernels.AVAILABLE else None
    return _KERNELS


def fast_path() -> str:
    """Which path in-memory fits take for loss and gradient, in words.

    ``"fused numba kernels (numba X.Y)"`` after a plain install; ``"NumPy blocks
    (...)"`` with the reason where numba cannot load (the fallback, and the
    reference the kernels are tested against).

    Examples
    --------
    >>> from oneneuron.engines import fast_path
    >>> fast_path().split(" (")[0] in ("fused numba kernels", "NumPy blocks")
    True
    """
    k = kernels()
    if k is not None:
        return f"fused numba kernels (numba {k.NUMBA_VERSION})"
    from . import _kernels

    return f"NumPy blocks (numba cannot load: {_kernels.REASON})"


#: Whether tiny binary Newton fits run the compiled loop
#: :func:`~oneneuron.engines._kernels.tiny_newton` (all of Newton's iteration in one call):
#: ``None`` (the default) decides by amortisation, see :func:`tiny_newton_kernel`;
#: ``True`` and ``False`` force it (the tests compare the two paths).
USE_TINY_NEWTON: bool | None = None
#: Seconds that making the compiled loop usable is expected to cost (measured on this
#: project's 2-core machine, under load 5-8): loading it from numba's on-disk cache where
#: fused kernels already ran in this process (0.01-0.02 s); where numba is imported but
#: has compiled or loaded nothing yet, its compiler's start-up too (0.3-0.4 s); and
#: where no fit has needed numba yet, its import first (0.85 s in all).
TINY_LOAD_SECONDS = {"kernels loaded": 0.03, "numba imported": 0.4, "cold": 1.0}
_tiny: dict[str, Any] = {"spent": 0.0, "kernel": None}


def tiny_newton_kernel() -> Any:
    """The compiled tiny Newton loop when it is worth using, else None.

    A tiny fit (200 x 1) spends about 150 us in the NumPy Newton loop, most of it the
    Python overhead of small array operations, where the compiled loop takes about
    15 us. Making the loop usable costs once per process what :data:`TINY_LOAD_SECONDS`
    says: thousands of such savings where numba is not imported yet, a couple of
    hundred where fused kernels already ran. So the loop is loaded only once the
    process has spent as much time in the NumPy loop of tiny fits
    (:func:`note_tiny_newton`) as the load is expected to cost: the rule of renting
    until the rent paid equals the price, which never costs more than twice the
    better choice made in hindsight. A command-line run, a first fit or a few hundred
    fits never import numba for it; a process that fits thousands of small models
    does, once. Without a writable numba cache (a read-only install and home) the
    load is a compile of several seconds, paid once per process after that threshold
    too. :data:`USE_TINY_NEWTON` overrides the rule.
    """
    force = USE_TINY_NEWTON
    if force is False:
        return None
    if _tiny["kernel"] is None:
        if force is None:
            spent = _tiny["spent"]
            if spent < TINY_LOAD_SECONDS["kernels loaded"]:  # (no need to ask which state)
                return None
            if spent < TINY_LOAD_SECONDS[_numba_state()]:
                return None
        k = kernels()
        if k is None:
            return None
        _tiny["kernel"] = k.tiny_newton
    return _tiny["kernel"] if _KERNELS else None  # None: as where numba cannot load


def _numba_state() -> str:
    """How far this process is from running a compiled kernel: a key of
    :data:`TINY_LOAD_SECONDS`."""
    if "numba" not in sys.modules:
        return "cold"
    k = _KERNELS
    names = ("binary_dense", "multinomial_dense", "binary_csr", "multinomial_csr")
    names += ("moments_dense", "moments_dense_f", "sums_csr", "gather_dense")
    if k and any(getattr(getattr(k, n, None), "signatures", None) for n in names):
        return "kernels loaded"
    return "numba imported"


def note_tiny_newton(seconds: float) -> None:
    """Count ``seconds`` spent in the NumPy Newton loop of a tiny fit (see
    :func:`tiny_newton_kernel`)."""
    _tiny["spent"] += seconds


def blas_threads(engine: Any) -> contextlib.AbstractContextManager[Any]:
    """Hold BLAS to one thread while ``engine`` is fitted: the engines thread themselves.

    The block products are small (a block is about ``BLOCK_BYTES``), so BLAS
    threads only add synchronisation, which is ruinous on a busy machine
    (measured here: a 10-class digits fit went from 12.6 s to 0.47 s; a NumPy-path
    pass over 50k x 2000 took 10 s with BLAS's two threads and 8 MB blocks, 0.95 s
    with one, against 0.90 s for scikit-learn's loss and gradient). Large data is
    threaded by the engine instead, one contiguous row chunk per core: the fused
    kernels and the NumPy block path alike.
    """
    if not isinstance(engine, NumpyEngine):  # other engines' data is not in host BLAS
        return contextlib.nullcontext()
    n, d = engine.X.shape
    return one_blas_thread(n * d)


def kernel_layout(X: Any, multinomial: bool = False) -> bool:
    """Whether the fused kernels read a dense ``X`` in place: a C-ordered float array, or an
    F-ordered one (a pandas DataFrame's values, column-major) for a binary model."""
    if not isinstance(X, np.ndarray) or X.dtype not in (np.float32, np.float64) or X.ndim != 2:
        return False
    return bool(X.flags.c_contiguous or (X.flags.f_contiguous and not multinomial))


def one_blas_thread(entries: int | None = None) -> contextlib.AbstractContextManager[Any]:
    """Hold BLAS to one thread for blocked passes over an X of ``entries`` numbers.

    Blocked products are many small BLAS calls; with BLAS's own threads each one
    synchronises them, which on a busy machine costs 10x (see :func:`blas_threads`).
    Tiny data (under 10,000 entries) is left alone: the limit itself costs more.
    ``entries=None``: always (several fits at once on threads of this process).

    Examples
    --------
    >>> from oneneuron.engines import one_blas_thread
    >>> with one_blas_thread():
    ...     pass
    """
    if entries is not None and entries < 10_000:
        return contextlib.nullcontext()
    return _held_blas()


_CONTROLLER_MODULES = 0  # len(sys.modules) when _CONTROLLER listed the libraries
_BLAS_LOCK = threading.Lock()
_BLAS_HOLDS = 0  # holds open now, on any thread
_BLAS_SAVED: list[tuple[Any, Any]] = []  # (library, its threads) as the first hold found them


@contextlib.contextmanager
def _held_blas() -> Iterator[None]:
    """BLAS at one thread, one process-wide hold counted across threads: the first hold
    sets it, the last one out restores what the first found. (The setting is the
    process's: holds on overlapping threads that each saved and restored their own view
    left it at one thread for good; and threadpoolctl ignores the OpenBLAS calls of a
    thread that does not control it, so the library's own setter is called.)"""
    global _BLAS_HOLDS, _BLAS_SAVED
    with _BLAS_LOCK:
        if _BLAS_HOLDS == 0:
            libs = [lc for lc in _controller().lib_controllers if lc.user_api == "blas"]
            _BLAS_SAVED = [(lc, lc.num_threads) for lc in libs]
            for lc, _ in _BLAS_SAVED:
                _set_threads(lc, 1)
        _BLAS_HOLDS += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _BLAS_HOLDS -= 1
            if _BLAS_HOLDS == 0:
                for lc, n in _BLAS_SAVED:
                    _set_threads(lc, n)
                _BLAS_SAVED = []


def _set_threads(lib: Any, n: Any) -> None:
    """Set a BLAS library's threads from any thread (OpenBLAS's raw setter where
    threadpoolctl wraps it in its one-controlling-thread rule)."""
    if n is None:
        return
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


def _controller() -> Any:
    """threadpoolctl's controller of the loaded thread pools (2 ms to list them), listed
    again after further imports, which may have loaded another BLAS (scipy's, torch's):
    one listed before them would leave it unlimited."""
    global _CONTROLLER, _CONTROLLER_MODULES
    if _CONTROLLER is None or _CONTROLLER_MODULES != len(sys.modules):
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
        _CONTROLLER_MODULES = len(sys.modules)
    return _CONTROLLER


#: Target bytes of one row block: small enough to stay in cache between the
#: forward product ``X_b @ w`` and the backward product ``X_b.T @ r``.
BLOCK_BYTES = 1 << 20
#: Hessian passes are compute-bound matrix products: large blocks keep BLAS
#: efficient (small GEMMs are dominated by threading overhead). One block's
#: weighted copy is the only temporary, so this bounds the extra memory.
HESSIAN_BLOCK_BYTES = 32 << 20


class NumpyEngine:
    """Sum block statistics over row blocks of an in-memory X.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix, shape (n, d)
        float32 or float64; never copied (CSR slices are views of its buffers).
    y : ndarray, shape (n,)
        0/1 floats (binary) or class indices (multinomial).
    sample_weight : ndarray, shape (n,)
        Row weights; they are divided by their sum ``S`` once here.
    multinomial : bool
        Softmax layer instead of one sigmoid.
    block_rows : int, optional
        Rows per block; by default about ``BLOCK_BYTES`` of X.
    use_kernels : bool, optional
        Use the fused one-read kernels of :mod:`oneneuron.engines._kernels` for
        loss and gradient when numba is installed and X is a C-ordered array (or,
        for a binary model, an F-ordered one such as a pandas DataFrame's values)
        or a CSR matrix with at least ``KERNEL_MIN_ROWS`` rows (default); False
        forces the NumPy block path (the reference); True requires the kernels.
    offset : ndarray, shape (n,), optional
        Binary only: a known term added to every row's logit (``z = X w + b + offset``),
        in the fused kernels and the block path alike.
    columns : ndarray of int, optional
        The engine's features are these columns of X (a working set), with no
        copy of them: the fused kernels read every column of X in place, the
        model zero outside ``columns`` (worth it when ``columns`` are most of
        X's, where a copy costs more than the extra work). Without the kernels
        (or for an X they do not take) the columns are gathered once here.
    float64_sums : bool
        The block path's sums of float32 data in float64 (default; see
        :func:`~oneneuron.objective.block_statistics`); False for an engine whose
        results only steer a solver (a subsample's).
    """

    def __init__(
        self,
        X: Any,
        y: NDArray[Any],
        sample_weight: NDArray[np.float64],
        *,
        multinomial: bool,
        block_rows: int | None = None,
        use_kernels: bool | None = None,
        offset: NDArray[np.floating] | None = None,
        columns: NDArray[np.intp] | None = None,
        float64_sums: bool = True,
    ) -> None:
        self.float64_sums = float64_sums
        self.columns: NDArray[np.intp] | None = None
        if columns is not None:
            columns = np.asarray(columns, dtype=np.intp)
            in_place = (
                isinstance(X, np.ndarray)
                and X.flags.c_contiguous
                and use_kernels is not False
                and X.shape[0] >= KERNEL_MIN_ROWS
                and kernels() is not None
            )
            if in_place:
                self.columns = columns
            else:
                X = X[:, columns].tocsr() if hasattr(X, "tocsr") else np.take(X, columns, axis=1)
        self.X = X
        self.offset = None if offset is None else np.asarray(offset, dtype=np.float64)
        if self.offset is not None and (multinomial or self.offset.shape != (X.shape[0],)):
            raise ValueError("offset must be one value per row, for a binary model")
        self.y = y
        total = float(  # (the method: np.sum's dispatch costs more than 200 rows' sum)
            sample_weight.sum() if type(sample_weight) is np.ndarray else np.sum(sample_weight)
        )
        self.s = np.asarray(sample_weight, dtype=np.float64) / total
        self.total_weight = total
        self.multinomial = multinomial
        self.n_samples, self.n_features = X.shape
        if self.columns is not None:
            self.n_features = len(self.columns)
        if block_rows is None:
            row_bytes = max(1, self.n_features) * X.dtype.itemsize
            if hasattr(X, "nnz"):
                row_bytes = max(1, X.nnz // max(1, X.shape[0])) * (X.dtype.itemsize + 4)
            block_rows = max(256, BLOCK_BYTES // row_bytes)
        self.block_rows = int(block_rows)
        self.n_passes: float = 0
        #: The last fused read: the model (on every column of X) and its statistics.
        #: A repeated call at the same model returns them without reading X again;
        #: a working-set engine reading X in place shares its parent's (see
        #: :meth:`share_reads`), so the full-data KKT check after a restricted solve
        #: costs no pass.
        self.last_read: dict[str, Any] = {}
        sparse = hasattr(X, "indptr") and getattr(X, "format", "") == "csr"
        fits = sparse or kernel_layout(X, multinomial)
        if use_kernels and not (fits and kernels() is not None):
            raise ValueError(
                "use_kernels=True needs numba and a C-ordered array (or F-ordered, binary) "
                "or a CSR matrix"
            )
        if use_kernels is None:
            use_kernels = fits and self.n_samples >= KERNEL_MIN_ROWS and kernels() is not None
        self.use_kernels = bool(use_kernels)
        self._sparse = sparse
        self._csc: Any = None

    @property
    def floor_scale(self) -> float:
        """:func:`~oneneuron.objective.weight_floor` of the row weights (made once)."""
        scale = self.__dict__.get("_floor_scale")
        if scale is None:
            positive = self.s[self.s > 0]
            scale = weight_floor(positive.size, float(positive.min()) if positive.size else 0.0)
            self.__dict__["_floor_scale"] = scale
        return scale

    def statistics(
        self, W: NDArray, b: NDArray, order: int = 1, rows: NDArray[np.intp] | None = None
    ) -> BlockStats:
        """Sums of :func:`block_statistics` over all rows (one pass over X).

        With ``rows`` (a minibatch), the sums run over those rows only, with the
        weights scaled by ``n / len(rows)`` so that they estimate the full sums
        without bias; this counts as ``len(rows) / n`` of a pass.
        """
        if rows is not None:
            self.n_passes += len(rows) / self.n_samples
            return block_statistics(
                self._rows(rows),
                self.y[rows],
                self.s[rows] * (self.n_samples / len(rows)),
                W,
                b,
                multinomial=self.multinomial,
                order=order,
                offset=None if self.offset is None else self.offset[rows],
                float64_sums=self.float64_sums,
            )
        if self.use_kernels and order <= 1:
            return self._fused(W, b)  # counts its pass, unless it repeats the last read
        self.n_passes += 1
        step = self.block_rows
        if order >= 2:  # large blocks, but never more than 1/16 of X: bounded extra memory
            x_bytes = self.n_samples * max(1, self.n_features) * self.X.dtype.itemsize
            target = min(HESSIAN_BLOCK_BYTES, max(BLOCK_BYTES, x_bytes // 16))
            step = max(step, self.block_rows * (target // BLOCK_BYTES))
        # one contiguous row chunk per core, each walked in blocks (Hessians too: their
        # Gram products run with BLAS held to one thread during a fit)
        per_thread = 4 if order <= 1 else 2  # blocks each thread walks at least
        threads = capped(N_THREADS)  # fewer where this thread is capped
        T = threads if self.n_samples >= per_thread * step * threads else 1
        if T > 1:
            global _POOL
            if _POOL is None:
                _POOL = ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="oneneuron")
            bounds = np.linspace(0, self.n_samples, T + 1).astype(np.int64)
            parts = list(
                _POOL.map(
                    self._blocks, bounds[:-1], bounds[1:], [W] * T, [b] * T, [order] * T, [step] * T
                )
            )
            total = parts[0]
            for part in parts[1:]:
                total += part
            return total
        return self._blocks(0, self.n_samples, W, b, order, step)

    def _blocks(
        self, lo: int, hi: int, W: NDArray, b: NDArray, order: int = 1, step: int | None = None
    ) -> BlockStats:
        """Sum of :func:`block_statistics` over rows ``[lo, hi)`` in blocks of ``step`` rows."""
        step = step or self.block_rows
        total: BlockStats | None = None
        for start in range(lo, hi, step):
            sl = slice(start, min(start + step, hi))
            st = block_statistics(
                self._rows(sl),
                self.y[sl],
                self.s[sl],
                W,
                b,
                multinomial=self.multinomial,
                order=order,
                offset=None if self.offset is None else self.offset[sl],
                float64_sums=self.float64_sums,
            )
            if total is None:
                total = st
            else:
                total += st
        assert total is not None
        return total

    def meat(
        self,
        W: NDArray,
        b: NDArray,
        *,
        fit_intercept: bool,
        bread: NDArray[np.float64] | None = None,
        power: float = 0.0,
        groups: NDArray[np.intp] | None = None,
        n_groups: int = 0,
        root: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """Sum of :func:`~oneneuron.objective.block_meat` over the row blocks (one pass).

        The rows' weights enter as frequency weights (the original, un-normalised ones).
        Returns the (q, q) meat, or with ``groups`` the (n_groups, q) cluster score sums.
        With ``root``, a factor ``L`` of the bread (``bread = L L.T``), the same in that
        factor's coordinates and factored (:func:`~oneneuron.objective.block_meat_root`):
        the (q, q) triangular ``R`` with ``L R.T R L.T`` the sandwich, or the clusters'
        sums of the mapped scores.
        """
        self.n_passes += 1
        w_all = self.s * self.total_weight

        def blocks() -> Any:
            for start in range(0, self.n_samples, self.block_rows):
                sl = slice(start, min(start + self.block_rows, self.n_samples))
                g = None if groups is None else groups[sl]
                off = None if self.offset is None else self.offset[sl]
                yield self._rows(sl), self.y[sl], w_all[sl], g, off

        total = blocks_meat(
            blocks(),
            W,
            b,
            multinomial=self.multinomial,
            fit_intercept=fit_intercept,
            bread=bread,
            power=power,
            n_groups=n_groups,
            root=root,
        )
        assert total is not None
        return total

    def weighted_design_r(self, W: NDArray, b: NDArray) -> NDArray[np.float64]:
        """The triangular ``R`` with ``R.T @ R`` the raw-scale Hessian, by QR (one pass over X).

        See :func:`~oneneuron.objective.weighted_design_r`: a tall-skinny QR over the
        row blocks (each block's rows stacked under the factor so far), so the extra
        memory is one block of the weighted design. The Newton solver asks for it only
        where the Hessian ``X' D X`` is too ill-conditioned to solve with (a small
        Cholesky pivot); a well-conditioned fit never makes this pass.
        """
        self.n_passes += 1
        m = len(b)
        step = max(64, self.block_rows // (m * m))  # a softmax row is m rows of m (d + 1)
        R = None
        for start in range(0, self.n_samples, step):
            sl = slice(start, min(start + step, self.n_samples))
            R = weighted_design_r(
                self._rows(sl),
                self.y[sl],
                self.s[sl],
                W,
                b,
                R,
                multinomial=self.multinomial,
                offset=None if self.offset is None else self.offset[sl],
            )
        assert R is not None
        return R

    def direction_curvature(
        self, W: NDArray, b: NDArray, V: NDArray, c: NDArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The Hessian's curvature along the directions ``(V, c)`` at ``(W, b)``, row by
        row, and the same unweighted (:func:`~oneneuron.objective.direction_curvature`,
        summed over the row blocks; one pass over X)."""
        self.n_passes += 1
        m, q = len(b), len(V)
        step = max(64, self.block_rows // (1 + q * m))  # the block's q m logits per row
        total = None
        for start in range(0, self.n_samples, step):
            sl = slice(start, min(start + step, self.n_samples))
            part = direction_curvature(
                self._rows(sl),
                self.s[sl],
                W,
                b,
                V,
                c,
                offset=None if self.offset is None else self.offset[sl],
            )
            if total is not None:
                part = tuple(a + p for a, p in zip(total, part, strict=True))
            total = part
        assert total is not None
        return total  # type: ignore[return-value]

    def row_curvatures(self, W: NDArray, b: NDArray) -> tuple[BlockStats, NDArray[np.float64]]:
        """Loss, gradient and each row's curvature of a binary model (one pass over X).

        See :func:`~oneneuron.objective.row_curvatures`; the rows' curvatures with
        :meth:`csc` are the Hessian in factored form (``LinearLoss.gradient_column_hessian``).
        """
        if self.multinomial or self.columns is not None:
            raise ValueError("row curvatures need a binary model on X's own columns")
        self.n_passes += 1
        return row_curvatures(self.X, self.y, self.s, W, b, offset=self.offset)

    def csc(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """X column by column: CSC ``indptr, indices, data`` (float64), made once and kept."""
        if self._csc is None:
            import scipy.sparse

            if self.columns is not None:
                raise ValueError("a working-set engine reading X in place has no own columns")
            Xc = scipy.sparse.csc_matrix(self.X, dtype=np.float64)
            Xc.sort_indices()
            self._csc = (
                Xc.indptr.astype(np.int64),
                Xc.indices.astype(np.int64),
                np.asarray(Xc.data, dtype=np.float64),
            )
        return self._csc

    def _rows(self, rows: Any) -> Any:
        """Rows ``rows`` (a slice or indices) of the engine's features."""
        if self.columns is None:
            return self.X[rows]
        if isinstance(rows, slice):
            return self.X[rows, self.columns]
        return self.X[np.ix_(rows, self.columns)]

    def _on_every_column(self, W: NDArray, b: NDArray) -> tuple[NDArray, NDArray]:
        """The model ``(W, b)`` as the kernels read it: float64, C-ordered, on every column
        of X (zero outside the engine's ``columns``)."""
        W = np.ascontiguousarray(W, dtype=np.float64)
        if self.columns is not None:
            full = np.zeros((W.shape[0], self.X.shape[1]))
            full[:, self.columns] = W
            W = full
        return W, np.ascontiguousarray(b, dtype=np.float64)

    def _engine_stats(self, loss: float, gW: NDArray, gb: Any) -> BlockStats:
        """A kernel's sums as the engine's :class:`BlockStats` (its own columns; copies)."""
        cols = self.columns
        gW = np.ascontiguousarray(gW[:, cols]) if cols is not None else gW.copy()
        return BlockStats(loss, gW, np.array(gb, copy=True))

    def _fused(self, W: NDArray, b: NDArray) -> BlockStats:
        """Loss and gradient in one read of X by the compiled kernels."""
        W, b = self._on_every_column(W, b)
        memo = self.last_read
        if memo and np.array_equal(memo["W"], W) and np.array_equal(memo["b"], b):
            loss, gW, gb = memo["stats"]
        elif "W2" in memo and np.array_equal(memo["W2"], W) and np.array_equal(memo["b2"], b):
            loss, gW, gb = memo["stats2"]  # the second model of the last paired read
        else:
            self.n_passes += 1
            loss, gW, gb = kernels().fused_statistics(
                self.X, self.y, self.s, W, b, self.multinomial, self.offset
            )
            memo.update(W=W.copy(), b=b.copy(), stats=(loss, gW, gb))
        return self._engine_stats(loss, gW, gb)

    def fused_pair(
        self, W: NDArray, b: NDArray, W2: NDArray, b2: NDArray
    ) -> tuple[BlockStats, BlockStats] | None:
        """Loss and gradient at two models in one read of X, or None where no kernel does
        it (only a binary model on C-ordered dense X with the kernels).

        Counts one pass; both models' reads are remembered (``last_read``), so that a
        check at the first, or an evaluation of the second (on any working set of
        columns that holds its non-zeros), costs no further pass.
        """
        X = self.X
        if not (
            self.use_kernels
            and not self.multinomial
            and isinstance(X, np.ndarray)
            and X.flags.c_contiguous
        ):
            return None
        (V1, c1), (V2, c2) = self._on_every_column(W, b), self._on_every_column(W2, b2)
        self.n_passes += 1
        first, second = kernels().fused_statistics_pair(
            X, self.y, self.s, V1[0], c1[0], V2[0], c2[0], self.offset
        )
        self.last_read.update(
            W=V1.copy(),
            b=c1.copy(),
            stats=(first[0], first[1][None, :], np.array([first[2]])),
            W2=V2.copy(),
            b2=c2.copy(),
            stats2=(second[0], second[1][None, :], np.array([second[2]])),
        )
        one, two = (self._engine_stats(f, g[None, :], [gb]) for f, g, gb in (first, second))
        return one, two

    def share_reads(self, parent: Any) -> None:
        """Share ``parent``'s last fused read (see ``last_read``) when both read the same data.

        For a working-set engine that reads ``parent``'s X in place: its reads are
        the parent's at the model zero outside the working set. Does nothing
        unless X, labels, weights, offset and model kind are the very same objects.
        """
        same = (
            isinstance(parent, NumpyEngine)
            and parent.X is self.X
            and (parent.y is self.y or np.array_equal(parent.y, self.y))
            and np.array_equal(parent.s, self.s)
            and parent.multinomial == self.multinomial
            and (parent.offset is None) == (self.offset is None)
            and (self.offset is None or np.array_equal(parent.offset, self.offset))
        )
        if same:
            self.last_read = parent.last_read
