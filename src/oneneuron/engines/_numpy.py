"""In-memory engine: NumPy arrays or SciPy CSR matrices, walked in cache-sized row blocks."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..objective import BlockStats, block_statistics

#: Target bytes of one row block: small enough to stay in cache between the
#: forward product ``X_b @ w`` and the backward product ``X_b.T @ r``.
BLOCK_BYTES = 1 << 20


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
    """

    def __init__(
        self,
        X: Any,
        y: NDArray[Any],
        sample_weight: NDArray[np.float64],
        *,
        multinomial: bool,
        block_rows: int | None = None,
    ) -> None:
        self.X = X
        self.y = y
        total = float(np.sum(sample_weight))
        self.s = np.asarray(sample_weight, dtype=np.float64) / total
        self.multinomial = multinomial
        self.n_samples, self.n_features = X.shape
        if block_rows is None:
            row_bytes = max(1, X.shape[1]) * X.dtype.itemsize
            if hasattr(X, "nnz"):
                row_bytes = max(1, X.nnz // max(1, X.shape[0])) * (X.dtype.itemsize + 4)
            block_rows = max(256, BLOCK_BYTES // row_bytes)
        self.block_rows = int(block_rows)
        self.n_passes: float = 0

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
                self.X[rows],
                self.y[rows],
                self.s[rows] * (self.n_samples / len(rows)),
                W,
                b,
                multinomial=self.multinomial,
                order=order,
            )
        self.n_passes += 1
        total: BlockStats | None = None
        for start in range(0, self.n_samples, self.block_rows):
            sl = slice(start, min(start + self.block_rows, self.n_samples))
            st = block_statistics(
                self.X[sl],
                self.y[sl],
                self.s[sl],
                W,
                b,
                multinomial=self.multinomial,
                order=order,
            )
            if total is None:
                total = st
            else:
                total += st
        assert total is not None
        return total
