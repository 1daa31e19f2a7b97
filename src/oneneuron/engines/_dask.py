"""Dask engine: one task per row chunk, the NumPy block math, tree-reduced sums.

Each evaluation builds a small graph: one :func:`~oneneuron.objective.block_statistics`
task per chunk of X (the chunk is read, e.g. from Parquet, used and dropped), then
sums of ``split_every`` partial results at a time up to the root. Only the d-sized
results reach the client. Nothing is persisted: a fit that the data does not fit in
memory for re-reads the source on every pass, which bounds memory by a few chunks
per worker.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..objective import (
    BlockStats,
    block_statistics,
    blocks_meat,
    direction_curvature,
    meat_slices,
    separated_rows,
    weight_floor,
    weighted_design_r,
)

#: Partial results summed per task of the reduction tree.
SPLIT_EVERY = 8


def _chunk_stats(
    Xb: Any, yb: Any, sb: Any, inv_total: float, W: Any, b: Any, multinomial: bool, order: int
) -> BlockStats:
    Xb = np.asarray(Xb)
    s = np.asarray(sb, dtype=np.float64) * inv_total
    return block_statistics(Xb, np.asarray(yb), s, W, b, multinomial=multinomial, order=order)


def _chunk_separated(Xb: Any, yb: Any, sb: Any, W: Any, b: Any) -> tuple[int, int]:
    Z = np.asarray(Xb) @ W.T + b
    return separated_rows(Z, np.asarray(yb), np.asarray(sb, dtype=np.float64))


def _chunk_curvature(
    Xb: Any, yb: Any, sb: Any, inv_total: float, W: Any, b: Any, multinomial: bool, V: Any, c: Any
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The chunk's sums of :func:`~oneneuron.objective.direction_curvature`, over row
    slices whose ``q m`` direction logits take about 32 MB at a time."""
    Xb, s = np.asarray(Xb), np.asarray(sb, dtype=np.float64) * inv_total
    step = max(64, (1 << 22) // (1 + V.shape[0] * V.shape[1]))
    total: tuple[Any, ...] = ()
    for start in range(0, max(1, Xb.shape[0]), step):
        sl = slice(start, start + step)
        part = direction_curvature(Xb[sl], s[sl], W, b, V, c)
        total = part if not total else tuple(a + p for a, p in zip(total, part, strict=True))
    return total  # type: ignore[return-value]


def _sum_tuples(parts: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return tuple(sum(p[i] for p in parts) for i in range(len(parts[0])))


#: Rows of the weighted design (a softmax row counts ``m`` of them) factored at a time
#: within a chunk: bounds the task's temporary to about 64 MB at 1000 columns.
R_BLOCK_ROWS = 8192


def _chunk_r(
    Xb: Any, yb: Any, sb: Any, inv_total: float, W: Any, b: Any, multinomial: bool
) -> NDArray[np.float64]:
    """The chunk's factor ``R`` of ``sqrt(D) [X, 1]`` (a tall-skinny QR over its rows)."""
    Xb, yb = np.asarray(Xb), np.asarray(yb)
    s = np.asarray(sb, dtype=np.float64) * inv_total
    m = len(b)
    step = max(64, R_BLOCK_ROWS // m)
    R = None
    for start in range(0, max(1, Xb.shape[0]), step):
        sl = slice(start, start + step)
        R = weighted_design_r(Xb[sl], yb[sl], s[sl], W, b, R, multinomial=multinomial)
    assert R is not None
    return R


def _stack_r(parts: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """One factor of the stacked factors: ``R' R`` is the sum of the parts' ``R_i' R_i``."""
    return np.linalg.qr(np.vstack(parts), mode="r")


def _chunk_meat(
    Xb: Any,
    yb: Any,
    sb: Any,
    gb: Any,
    W: Any,
    b: Any,
    options: dict[str, Any],
) -> NDArray[np.float64]:
    """The chunk's share of the sandwich's meat (:func:`~oneneuron.objective.block_meat`,
    or with ``options["root"]`` :func:`~oneneuron.objective.block_meat_root`'s factor),
    over row slices (:func:`~oneneuron.objective.meat_slices`); ``gb`` the rows'
    cluster codes or None."""
    w = np.asarray(sb, dtype=np.float64)  # frequency weights, as given
    groups = None if gb is None else np.asarray(gb, dtype=np.intp)
    blocks = meat_slices(np.asarray(Xb), np.asarray(yb), w, groups)
    total = blocks_meat(blocks, W, b, **options)
    assert total is not None
    return total


def _sum_arrays(parts: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    return sum(parts[1:], parts[0].copy())


def _sum_pairs(parts: list[tuple[int, int]]) -> tuple[int, int]:
    return sum(p[0] for p in parts), sum(p[1] for p in parts)


def _sum_stats(parts: list[BlockStats]) -> BlockStats:
    total = BlockStats(
        parts[0].loss,
        parts[0].grad_W.copy(),
        parts[0].grad_b.copy(),
        *(
            None if h is None else h.copy()
            for h in (parts[0].hess_W, parts[0].hess_Wb, parts[0].hess_b)
        ),
    )
    for p in parts[1:]:
        total += p
    return total


def tree_sum(parts: list[Any], combine: Any, split_every: int = SPLIT_EVERY) -> Any:
    """Reduce a list of delayed values with ``combine(list)``, ``split_every`` at a time."""
    import dask

    combine_d = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        parts = [combine_d(parts[i : i + split_every]) for i in range(0, len(parts), split_every)]
    return parts[0]


def row_blocks(*arrays: Any) -> list[list[Any]]:
    """Delayed row blocks of aligned dask arrays (X with all columns in one chunk)."""
    out = []
    for a in arrays:
        if a.ndim == 2:
            a = a.rechunk({1: -1})
        out.append(list(a.to_delayed().ravel()))
    if len({len(o) for o in out}) != 1:
        raise ValueError(
            "X, y and sample_weight must have the same row chunks; got "
            f"{[len(o) for o in out]} blocks (Dask may fuse the partitions of a narrow column "
            "read: take X and y from one frame with oneneuron.dask_io.frame_to_arrays)"
        )
    return out


class DaskEngine:
    """Sum block statistics over the row chunks of a dask array, on the cluster.

    Parameters
    ----------
    X : dask.array.Array, shape (n, d)
        float32 or float64; chunked along rows (columns are joined into one chunk).
    y : dask.array.Array, shape (n,)
        0/1 floats (binary) or integer class indices, chunked as X's rows.
    sample_weight : dask.array.Array, shape (n,)
        Row weights, chunked as X's rows; divided by their sum ``S`` in each task.
    multinomial : bool
        Softmax layer instead of one sigmoid.
    total_weight : float, optional
        ``S`` when already known (else one pass over ``sample_weight`` computes it).
    n_samples : int, optional
        Rows of X when its chunk sizes are unknown (e.g. from a DataFrame).
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        sample_weight: Any,
        *,
        multinomial: bool,
        total_weight: float | None = None,
        n_samples: int | None = None,
    ) -> None:
        import dask.array as da

        if X.ndim != 2:
            raise ValueError(f"X must be 2-D, got shape {X.shape}")
        if not np.isnan(X.shape[0]) and not np.isnan(y.shape[0]):
            y = y.rechunk((X.chunks[0],))
            sample_weight = da.asarray(sample_weight).rechunk((X.chunks[0],))
        self.blocks = row_blocks(X, y, sample_weight)
        self._weights = sample_weight  # for floor_scale
        self._X = X  # not `X`: fit-time helpers that read `engine.X` expect NumPy
        self.n_features = int(X.shape[1])
        self.n_samples = int(n_samples) if n_samples is not None else int(X.shape[0])
        if total_weight is None:
            total_weight = float(sample_weight.sum().compute())
        self.total_weight = float(total_weight)
        self.multinomial = multinomial
        self.n_passes: float = 0

    @property
    def floor_scale(self) -> float:
        """:func:`~oneneuron.objective.weight_floor` of the row weights (one pass over the
        weights, on the first call)."""
        scale = self.__dict__.get("_floor_scale")
        if scale is None:
            import dask
            import dask.array as da

            w = da.asarray(self._weights)
            positive = w > 0
            count, smallest = dask.compute(positive.sum(), da.where(positive, w, np.inf).min())
            scale = weight_floor(int(count), float(smallest) / self.total_weight)
            self.__dict__["_floor_scale"] = scale
        return scale

    def statistics(
        self, W: NDArray, b: NDArray, order: int = 1, rows: NDArray[np.intp] | None = None
    ) -> BlockStats:
        """Tree-reduced sums of the per-chunk statistics (one pass over X)."""
        if rows is not None:
            raise ValueError(
                "minibatches (solver='sgd') are not supported on Dask input: a random "
                "row sample costs a full pass there; use solver 'newton', 'lbfgs' or 'gd'"
            )
        return self._one_pass(_chunk_stats, _sum_stats, W, b, order)

    def weighted_design_r(self, W: NDArray, b: NDArray) -> NDArray[np.float64]:
        """The triangular ``R`` with ``R.T @ R`` the raw-scale Hessian, by QR (one pass).

        Each chunk's task factors its rows of the weighted design ``sqrt(D) [X, 1]``
        (:func:`~oneneuron.objective.weighted_design_r`, a tall-skinny QR over the
        chunk); the reduction tree stacks ``split_every`` square factors at a time and
        factors them again, so only ``m (d + 1)`` square matrices travel and the
        client receives one. Newton asks for it where the Cholesky factor of
        ``X' D X`` finds a small pivot; a well-conditioned fit never makes this pass.
        """
        return np.asarray(self._one_pass(_chunk_r, _stack_r, W, b), dtype=np.float64)

    @property
    def row_weights(self) -> Any:
        """The rows' weights as given (a dask array chunked as X's rows)."""
        return self._weights

    def meat(
        self,
        W: NDArray,
        b: NDArray,
        *,
        fit_intercept: bool,
        bread: NDArray[np.float64] | None = None,
        power: float = 0.0,
        groups: Any = None,
        n_groups: int = 0,
        root: NDArray[np.float64] | None = None,
    ) -> NDArray[np.float64]:
        """The sandwich's meat, as :meth:`oneneuron.engines.NumpyEngine.meat` (one pass).

        Each chunk's task forms its rows' share (:func:`~oneneuron.objective.block_meat`,
        or with ``root`` :func:`~oneneuron.objective.block_meat_root`); the reduction
        tree adds them, or stacks and factors them again (``root`` without clusters),
        so only ``q x q`` matrices, or the clusters' ``n_groups x q`` sums, travel.
        ``groups``: the rows' cluster codes, a dask array (rechunked to X's rows).
        """
        import dask

        self.n_passes += 1
        options = {
            "multinomial": self.multinomial,
            "fit_intercept": fit_intercept,
            "power": power,
            "n_groups": n_groups,
            "root": root,
            "bread": bread,
        }
        codes: list[Any] = [None] * len(self.blocks[0])
        if groups is not None:  # (unknown chunk lengths: cut from the same partitions)
            rows = self._X.chunks[0]
            same = np.isnan(sum(rows)) or groups.chunks[0] == rows
            codes = list((groups if same else groups.rechunk((rows,))).to_delayed().ravel())
        task = dask.delayed(_chunk_meat, pure=True)
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        parts = [
            task(xb, yb, sb, gb, W, b, options)
            for (xb, yb, sb), gb in zip(zip(*self.blocks, strict=True), codes, strict=True)
        ]
        combine = _stack_r if root is not None and groups is None else _sum_arrays
        (total,) = dask.compute(tree_sum(parts, combine))
        return np.asarray(total, dtype=np.float64)

    def direction_curvature(
        self, W: NDArray, b: NDArray, V: NDArray, c: NDArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The Hessian's curvature along the directions ``(V, c)`` at ``(W, b)``, row by
        row, and the same unweighted (:func:`~oneneuron.objective.direction_curvature`
        per chunk, tree-summed; one pass over X)."""
        V = np.asarray(V, dtype=np.float64)
        c = np.asarray(c, dtype=np.float64)
        return self._one_pass(_chunk_curvature, _sum_tuples, W, b, V, c)  # type: ignore[no-any-return]

    def _one_pass(self, chunk: Any, combine: Any, W: NDArray, b: NDArray, *extra: Any) -> Any:
        """``chunk(x, y, s, 1 / S, W, b, multinomial, *extra)`` on every row block, the
        results tree-reduced by ``combine`` (one pass over X, counted)."""
        import dask

        self.n_passes += 1
        task = dask.delayed(chunk, pure=True)
        W = np.asarray(W, dtype=np.float64)
        b = np.asarray(b, dtype=np.float64)
        inv = 1.0 / self.total_weight
        parts = [
            task(xb, yb, sb, inv, W, b, self.multinomial, *extra)
            for xb, yb, sb in zip(*self.blocks, strict=True)
        ]
        (total,) = dask.compute(tree_sum(parts, combine))
        return total

    def separated_rows(self, W: NDArray, b: NDArray) -> tuple[int, int]:
        """Rows of positive weight the logits at ``(W, b)`` classify strictly right, and
        those rows (:func:`~oneneuron.objective.separated_rows`; one pass)."""
        import dask

        self.n_passes += 1
        task = dask.delayed(_chunk_separated, pure=True)
        W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
        parts = [task(xb, yb, sb, W, b) for xb, yb, sb in zip(*self.blocks, strict=True)]
        (total,) = dask.compute(tree_sum(parts, _sum_pairs))
        return int(total[0]), int(total[1])
