"""Fused one-read kernels for loss and gradient (numba, a core dependency).

Each kernel walks the rows once: for row ``i`` it forms ``z_i = x_i @ W.T + b``
(reading ``x_i`` from memory), the loss and ``r_i = s_i dl/dz_i``, then adds
``r_i x_i`` to the gradient while ``x_i`` is still in L1 cache. Rows are split
into one contiguous chunk per thread, each with its own float64 accumulators,
summed at the end (the kernels release the GIL; :func:`fused_statistics` runs
them on a thread pool). So X is read exactly once per evaluation, at memory
bandwidth. They compute the same sums as :func:`oneneuron.objective.block_statistics`
(the reference implementation, which the tests compare them against).

If numba cannot load (not installed, or built for another NumPy),
:data:`AVAILABLE` is False, :data:`REASON` says why, and the engines use the
NumPy block path.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from numpy.typing import NDArray

try:  # pragma: no cover - numba is a core dependency; the fallback is for broken installs
    import numba
    from numba import njit

    AVAILABLE, REASON, NUMBA_VERSION = True, "", str(numba.__version__)
except (ImportError, OSError) as exc:  # pragma: no cover
    AVAILABLE, REASON, NUMBA_VERSION = False, str(exc), ""

__all__ = ["AVAILABLE", "NUMBA_VERSION", "REASON", "column_moments", "fused_statistics"]


def _jit(fn: Any) -> Any:
    """Compile lazily, cached on disk where numba finds a writable place; without one
    (a read-only install and no writable ``$HOME/.cache``, e.g. a container or a
    service account) numba refuses ``cache=True`` at decoration, so compile uncached."""
    if not AVAILABLE:
        return None
    opts: dict[str, Any] = {"nogil": True, "fastmath": {"reassoc", "contract"}}
    try:
        return njit(cache=True, **opts)(fn)
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if "cannot cache" not in str(exc):
            raise
        return njit(**opts)(fn)


@_jit
def binary_dense(X, y, s, w, b, off, lo, hi):  # noqa: ANN001, ANN201
    """Binary log-loss sums over rows [lo, hi): ``(loss, grad_w (d,), grad_b)``.

    ``off`` is the per-row offset added to ``z``, or an empty array for none.
    """
    d = X.shape[1]
    g = np.zeros(d)
    loss = 0.0
    gb = 0.0
    has_off = off.shape[0] > 0
    for i in range(lo, hi):
        z = b + off[i] if has_off else b
        for j in range(d):
            z += X[i, j] * w[j]
        e = np.exp(-abs(z))
        loss += s[i] * (max(z, 0.0) + np.log1p(e) - y[i] * z)
        p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
        r = s[i] * (p - y[i])
        gb += r
        for j in range(d):
            g[j] += r * X[i, j]
    return loss, g, gb


@_jit
def multinomial_dense(X, y, s, W, b, lo, hi):  # noqa: ANN001, ANN201
    """Softmax cross-entropy sums over rows [lo, hi): ``(loss, grad_W (K, d), grad_b (K,))``."""
    d = X.shape[1]
    K = W.shape[0]
    g = np.zeros((K, d))
    gb = np.zeros(K)
    z = np.empty(K)
    loss = 0.0
    for i in range(lo, hi):
        zmax = -np.inf
        for k in range(K):
            acc = b[k]
            for j in range(d):
                acc += X[i, j] * W[k, j]
            z[k] = acc
            zmax = max(zmax, acc)
        tot = 0.0
        for k in range(K):
            tot += np.exp(z[k] - zmax)
        lse = zmax + np.log(tot)
        loss += s[i] * (lse - z[y[i]])
        for k in range(K):
            r = s[i] * (np.exp(z[k] - lse) - (1.0 if k == y[i] else 0.0))
            gb[k] += r
            for j in range(d):
                g[k, j] += r * X[i, j]
    return loss, g, gb


@_jit
def binary_csr(data, indices, indptr, d, y, s, w, b, off, lo, hi):  # noqa: ANN001, ANN201
    """Binary log-loss sums on CSR rows [lo, hi) (same return as ``binary_dense``)."""
    g = np.zeros(d)
    loss = 0.0
    gb = 0.0
    has_off = off.shape[0] > 0
    for i in range(lo, hi):
        z = b + off[i] if has_off else b
        for q in range(indptr[i], indptr[i + 1]):
            z += data[q] * w[indices[q]]
        e = np.exp(-abs(z))
        loss += s[i] * (max(z, 0.0) + np.log1p(e) - y[i] * z)
        p = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
        r = s[i] * (p - y[i])
        gb += r
        for q in range(indptr[i], indptr[i + 1]):
            g[indices[q]] += r * data[q]
    return loss, g, gb


@_jit
def multinomial_csr(data, indices, indptr, d, y, s, W, b, lo, hi):  # noqa: ANN001, ANN201
    """Softmax cross-entropy sums on CSR rows [lo, hi) (as ``multinomial_dense``)."""
    K = W.shape[0]
    g = np.zeros((K, d))
    gb = np.zeros(K)
    z = np.empty(K)
    loss = 0.0
    for i in range(lo, hi):
        zmax = -np.inf
        for k in range(K):
            acc = b[k]
            for q in range(indptr[i], indptr[i + 1]):
                acc += data[q] * W[k, indices[q]]
            z[k] = acc
            zmax = max(zmax, acc)
        tot = 0.0
        for k in range(K):
            tot += np.exp(z[k] - zmax)
        lse = zmax + np.log(tot)
        loss += s[i] * (lse - z[y[i]])
        for k in range(K):
            r = s[i] * (np.exp(z[k] - lse) - (1.0 if k == y[i] else 0.0))
            gb[k] += r
            for q in range(indptr[i], indptr[i + 1]):
                g[k, indices[q]] += r * data[q]
    return loss, g, gb


@_jit
def moments_dense(X, s, lo, hi):  # noqa: ANN001, ANN201
    """Weighted column moments of rows [lo, hi) in one read (West's weighted Welford update).

    Returns ``(S, mean (d,), m2 (d,))``: the weight sum, the weighted means and the
    weighted sums of squared deviations from them. Rows of weight 0 add nothing, but
    a NaN or infinity in one still makes its column's mean NaN (as ``X.T @ s`` would),
    so that the caller can read X's finiteness off the result.
    """
    d = X.shape[1]
    mean = np.zeros(d)
    m2 = np.zeros(d)
    probe = np.zeros(d)  # 0 * x over the rows of weight 0: NaN where one is not finite
    S = 0.0
    for i in range(lo, hi):
        w = s[i]
        if w == 0.0:
            for j in range(d):
                probe[j] += 0.0 * X[i, j]
            continue
        S += w
        f = w / S
        for j in range(d):
            x = np.float64(X[i, j])
            delta = x - mean[j]
            mean[j] += f * delta
            m2[j] += w * delta * (x - mean[j])
    return S, mean + probe, m2


#: Threads of the fused kernels (one row chunk each); the machine's cores by default.
N_THREADS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
_POOL: ThreadPoolExecutor | None = None


def fused_statistics(
    X: Any,
    y: NDArray,
    s: NDArray,
    W: NDArray,
    b: NDArray,
    multinomial: bool,
    offset: NDArray | None = None,
) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
    """Loss, ``grad_W`` (m, d) and ``grad_b`` (m,) sums in one read of X.

    X is a C-ordered float32/float64 array or a CSR matrix; rows are split in
    ``N_THREADS`` contiguous chunks run concurrently (the kernels release the GIL).
    ``offset`` (binary only) is added to every row's logit.
    """
    global _POOL
    n, d = X.shape
    sparse = hasattr(X, "indptr")
    if multinomial:
        fn = multinomial_csr if sparse else multinomial_dense
        w, c = W, b
    else:
        fn = binary_csr if sparse else binary_dense
        w, c = W[0], float(b[0])
    head = (X.data, X.indices, X.indptr, d) if sparse else (X,)
    tail = () if multinomial else (np.zeros(0) if offset is None else offset,)

    def run(lo: int, hi: int) -> Any:
        return fn(*head, y, s, w, c, *tail, lo, hi)

    T = N_THREADS if n >= 4096 * N_THREADS else 1
    if T == 1:
        parts = [run(0, n)]
    else:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="oneneuron")
        bounds = np.linspace(0, n, T + 1).astype(np.int64)
        parts = list(_POOL.map(run, bounds[:-1], bounds[1:]))
    loss = float(sum(p[0] for p in parts))
    gW = np.sum([p[1] for p in parts], axis=0).reshape(W.shape)
    gb = np.atleast_1d(np.sum([p[2] for p in parts], axis=0)).astype(np.float64)
    return loss, gW, gb


def column_moments(X: NDArray, s: NDArray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted column means and sums of squared deviations of a dense X, one read.

    X is a C-ordered float32/float64 array. Each of ``N_THREADS`` contiguous row
    chunks keeps running means and squared deviations (no ``E[x^2] - mu^2``
    cancellation); the chunks are merged with Chan's pairwise formula. A column
    too large for float64 squares gets ``inf`` or ``nan``, as in the two-pass
    NumPy reference (:func:`oneneuron.engines._numpy_prep.weighted_feature_stats`).
    """
    global _POOL
    n = X.shape[0]
    s = np.asarray(s, dtype=np.float64)  # may be a broadcast (unit weights): no copy
    T = N_THREADS if n >= 4096 * N_THREADS else 1
    bounds = np.linspace(0, n, T + 1).astype(np.int64)
    if T == 1:
        parts = [moments_dense(X, s, 0, n)]
    else:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="oneneuron")
        parts = list(_POOL.map(lambda lo, hi: moments_dense(X, s, lo, hi), bounds[:-1], bounds[1:]))
    S, mean, m2 = parts[0]
    for Sb, mb, m2b in parts[1:]:
        if Sb == 0.0:  # no weight: only its NaN probe counts
            mean = mean + 0.0 * mb
            continue
        tot = S + Sb
        delta = mb - mean
        mean = mean + delta * (Sb / tot)
        m2 = m2 + m2b + delta * delta * (S * Sb / tot)
        S = tot
    return mean, m2
