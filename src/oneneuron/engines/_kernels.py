"""Fused one-read kernels for loss and gradient (numba, a core dependency).

Each kernel walks the rows once: for row ``i`` it forms ``z_i = x_i @ W.T + b``
(reading ``x_i`` from memory), the loss and ``r_i = s_i dl/dz_i``, then adds
``r_i x_i`` to the gradient while ``x_i`` is still in cache. The binary kernels take
the rows in blocks of :data:`BLOCK`, so that the exponentials and logarithms of a
block run as vector code (their own branch-free ``exp`` and ``log1p``, to a few ulp;
numba's calls libm one row at a time, which cost more than reading a narrow X).
The multinomial kernels still go row by row. Rows are split
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

from ._threads import capped

try:  # pragma: no cover - numba is a core dependency; the fallback is for broken installs
    import numba
    from numba import njit

    AVAILABLE, REASON, NUMBA_VERSION = True, "", str(numba.__version__)
except (ImportError, OSError) as exc:  # pragma: no cover
    AVAILABLE, REASON, NUMBA_VERSION = False, str(exc), ""

__all__ = [
    "AVAILABLE",
    "NUMBA_VERSION",
    "REASON",
    "column_moments",
    "csr_column_sums",
    "fused_statistics",
    "gather_columns",
    "tiny_newton",
]


def _jit(fn: Any, **extra: Any) -> Any:
    """Compile lazily, cached on disk where numba finds a writable place; without one
    (a read-only install and no writable ``$HOME/.cache``, e.g. a container or a
    service account) numba refuses ``cache=True`` at decoration, so compile uncached."""
    if not AVAILABLE:
        return None
    opts: dict[str, Any] = {
        "nogil": True,
        "fastmath": {"reassoc", "contract"},
        "error_model": "numpy",  # no zero-division branch: the row loops vectorise
        **extra,
    }
    try:
        return njit(cache=True, **opts)(fn)
    except RuntimeError as exc:  # "cannot cache function ...: no locator available"
        if "cannot cache" not in str(exc):
            raise
        return njit(**opts)(fn)


def _inline(fn: Any) -> Any:
    """A helper the kernels inline (compiled into each caller, which is cached)."""
    return _jit(fn, inline="always")


#: Rows per block of the fused kernels: the block's logits, exponentials and residuals
#: are formed in small arrays, so that the transcendental part runs as vector code.
BLOCK = 256
#: Widest row-major X whose logits the binary dense kernel forms four rows at a time
#: (see :func:`binary_dense`). Measured on 100k rows, one thread: 0.55 against 0.93 ms
#: at 9 columns, 0.73 against 1.0-1.1 at 12, 0.92 against 1.23 at 16, no gain at 24-32
#: and twice the time at 100 (four long sums at once no longer vectorise). The gradient's
#: four-row sums pay at every width: at 100k x 100 on two threads 8.0-8.6 against
#: 9.0-9.1 ms (a read of X: 6.7-7.0 ms), at 100k x 300 32.2 against 32.6 ms (medians of
#: 200, interleaved, 2 busy cores).
NARROW_COLUMNS = 16
#: Rows per block of a column in :func:`moments_dense_f` (16 KiB of float64: in L1).
MOMENT_BLOCK = 2048
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 in two parts (Cody and Waite's reduction)
_LN2_LO = 1.90821492927058770002e-10
_EXP_FLOOR = -708.0  # exp below this is under 2**-1021: taken as 0 (an error below 1e-307)


@_inline
def _exp_reduced(x):  # noqa: ANN001, ANN201
    """``(k, q)`` with ``exp(x) = 2**k * q`` for ``_EXP_FLOOR <= x <= 0``.

    ``k = round(x / ln 2)``, ``r = x - k ln 2`` (|r| <= ln2/2, in two parts), and ``q`` is
    the degree-13 Taylor polynomial of ``exp(r)`` (truncation below 1e-17 relative).
    Branch-free, so that a loop over it compiles to vector code (libm's ``exp`` does
    not); the caller builds ``2**k`` from its exponent bits.
    """
    k = np.floor(x * _INV_LN2 + 0.5)
    r = (x - k * _LN2_HI) - k * _LN2_LO
    q = 1.6059043836821613e-10
    q = q * r + 2.08767569878681e-09
    q = q * r + 2.505210838544172e-08
    q = q * r + 2.755731922398589e-07
    q = q * r + 2.7557319223985893e-06
    q = q * r + 2.48015873015873e-05
    q = q * r + 0.0001984126984126984
    q = q * r + 0.001388888888888889
    q = q * r + 0.008333333333333333
    q = q * r + 0.041666666666666664
    q = q * r + 0.16666666666666666
    q = q * r + 0.5
    q = q * r + 1.0
    q = q * r + 1.0
    return k, q


@_inline
def _log1p_unit(e):  # noqa: ANN001, ANN201
    """``log(1 + e)`` for ``0 <= e <= 1``, branch-free (vectorisable).

    ``log(1 + e) = 2 atanh(t)`` with ``t = e / (2 + e) <= 1/3``; the odd series to
    ``t**33`` (truncation below 1e-17 relative). Within 2 ulp of libm's ``log1p``.
    """
    t = e / (2.0 + e)
    t2 = t * t
    p = 0.06060606060606061
    p = p * t2 + 0.06451612903225806
    p = p * t2 + 0.06896551724137931
    p = p * t2 + 0.07407407407407407
    p = p * t2 + 0.08
    p = p * t2 + 0.08695652173913043
    p = p * t2 + 0.09523809523809523
    p = p * t2 + 0.10526315789473684
    p = p * t2 + 0.11764705882352941
    p = p * t2 + 0.13333333333333333
    p = p * t2 + 0.15384615384615385
    p = p * t2 + 0.18181818181818182
    p = p * t2 + 0.2222222222222222
    p = p * t2 + 0.2857142857142857
    p = p * t2 + 0.4
    p = p * t2 + 0.6666666666666666
    p = p * t2 + 2.0
    return p * t


@_inline
def _logistic_block(z, y, s, m, ebuf, bits, r):  # noqa: ANN001, ANN201
    """Loss sum of a block of ``m`` rows from their logits ``z[:m]``; fills ``r[:m]``.

    ``y`` and ``s`` are the block's labels and weights (slices starting at its first
    row: loops from 0, which numba compiles without negative-index checks). Row
    ``i``: ``s_i (softplus(z_i) - y_i z_i)`` (to a few ulp, also where it is tiny)
    and ``r_i = s_i (sigmoid(z_i) - y_i)``, with ``e = exp(-|z|)`` computed once for
    both (as the scalar formulas of :func:`oneneuron.functions.softplus` and
    ``sigmoid``). Two branch-free loops: the reduced exponentials, then their scale
    ``2**k`` read from the exponent bits.
    """
    for t in range(m):
        x = max(-abs(z[t]), _EXP_FLOOR)
        k, q = _exp_reduced(x)
        bits[t] = np.int64(k + 1023.0) << 52
        ebuf[t] = q
    scale = bits.view(np.float64)
    loss = 0.0
    for t in range(m):
        zt = z[t]
        a = -abs(zt)
        e = ebuf[t] * scale[t]
        e = e if a >= _EXP_FLOOR else (0.0 if a < _EXP_FLOOR else a)  # NaN stays NaN
        # max(z, 0) - y z, written without the cancellation of z - z when y = 1, z >> 0
        yt = y[t]
        loss += s[t] * (max(zt, 0.0) * (1.0 - yt) - min(zt, 0.0) * yt + _log1p_unit(e))
        # sigmoid(z) - y without the cancellation of p - 1 when p ~ y ~ 1: q = sigmoid(-|z|)
        q = e / (1.0 + e)
        r[t] = s[t] * ((1.0 - yt) - q if zt >= 0 else q - yt)
    return loss


@_jit
def binary_dense(X, y, s, w, b, off, lo, hi, column_major):  # noqa: ANN001, ANN201
    """Binary log-loss sums over rows [lo, hi): ``(loss, grad_w (d,), grad_b)``.

    ``off`` is the per-row offset added to ``z``, or an empty array for none. Rows go
    in blocks of :data:`BLOCK`: their logits, then the vectorised loss and residuals
    (:func:`_logistic_block`), then ``r_i x_i`` added while the block is in cache.
    Each block is sliced out first, so that every loop runs from 0 (numba then
    compiles its indexing without the checks for negative indices).
    ``column_major`` (an F-ordered X, e.g. a pandas DataFrame's values): within a
    block the loops run down each column, where X is contiguous; the logits gather
    ``w_j x_j`` column by column and each gradient entry is one column's dot
    product with the residuals. One read of X either way, no copy.
    Row-major X adds four rows at a time into the gradient (each ``g_j`` is loaded and
    stored once for four rows), and a narrow one (at most :data:`NARROW_COLUMNS`
    columns, a working set's copy) forms its logits four rows at a time too: a row's
    few products are too short a loop to hide the latency of its sum.
    """
    d = X.shape[1]
    g = np.zeros(d)
    z = np.empty(BLOCK)
    r = np.empty(BLOCK)
    ebuf = np.empty(BLOCK)
    bits = np.empty(BLOCK, dtype=np.int64)
    loss = 0.0
    gb = 0.0
    has_off = off.shape[0] > 0
    narrow = d <= NARROW_COLUMNS and not column_major
    for start in range(lo, hi, BLOCK):
        stop = min(start + BLOCK, hi)
        m = stop - start
        m4 = m - m % 4
        Xb, yb, sb = X[start:stop], y[start:stop], s[start:stop]
        ob = off[start:stop] if has_off else off
        for t in range(m):
            z[t] = b + ob[t] if has_off else b
        if column_major:
            for j in range(d):
                col = X[start:stop, j]
                wj = w[j]
                for t in range(m):
                    z[t] += col[t] * wj
        elif narrow:  # four rows at a time: four independent sums share each w_j
            for t in range(0, m4, 4):
                x0, x1, x2, x3 = Xb[t], Xb[t + 1], Xb[t + 2], Xb[t + 3]
                a0, a1, a2, a3 = z[t], z[t + 1], z[t + 2], z[t + 3]
                for j in range(d):
                    wj = w[j]
                    a0 += x0[j] * wj
                    a1 += x1[j] * wj
                    a2 += x2[j] * wj
                    a3 += x3[j] * wj
                z[t], z[t + 1], z[t + 2], z[t + 3] = a0, a1, a2, a3
            for t in range(m4, m):
                acc = z[t]
                for j in range(d):
                    acc += Xb[t, j] * w[j]
                z[t] = acc
        else:
            for t in range(m):
                acc = z[t]
                for j in range(d):
                    acc += Xb[t, j] * w[j]
                z[t] = acc
        loss += _logistic_block(z, yb, sb, m, ebuf, bits, r)
        for t in range(m):
            gb += r[t]
        if column_major:
            for j in range(d):
                col = X[start:stop, j]
                acc = 0.0
                for t in range(m):
                    acc += r[t] * col[t]
                g[j] += acc
        else:  # four rows into each g_j: a quarter of its loads, stores and dependent updates
            for t in range(0, m4, 4):
                r0, r1, r2, r3 = r[t], r[t + 1], r[t + 2], r[t + 3]
                x0, x1, x2, x3 = Xb[t], Xb[t + 1], Xb[t + 2], Xb[t + 3]
                for j in range(d):
                    g[j] += (r0 * x0[j] + r1 * x1[j]) + (r2 * x2[j] + r3 * x3[j])
            for t in range(m4, m):
                rt = r[t]
                for j in range(d):
                    g[j] += rt * Xb[t, j]
    return loss, g, gb


@_jit
def binary_dense_pair(X, y, s, w, b, w2, b2, off, lo, hi):  # noqa: ANN001, ANN201
    """:func:`binary_dense` at two models ``(w, b)`` and ``(w2, b2)`` in one read of X.

    C-ordered X only. Each block's rows give both models' logits from the same loads,
    then each model's loss and residuals, then both gradients while the block is in
    cache: the memory traffic of one pass, about twice its arithmetic. Returns
    ``(loss, grad_w, grad_b, loss2, grad_w2, grad_b2)``.
    """
    d = X.shape[1]
    g = np.zeros(d)
    g2 = np.zeros(d)
    z = np.empty(BLOCK)
    z2 = np.empty(BLOCK)
    r = np.empty(BLOCK)
    r2 = np.empty(BLOCK)
    ebuf = np.empty(BLOCK)
    bits = np.empty(BLOCK, dtype=np.int64)
    loss = 0.0
    loss2 = 0.0
    gb = 0.0
    gb2 = 0.0
    has_off = off.shape[0] > 0
    for start in range(lo, hi, BLOCK):
        stop = min(start + BLOCK, hi)
        m = stop - start
        m4 = m - m % 4
        Xb, yb, sb = X[start:stop], y[start:stop], s[start:stop]
        ob = off[start:stop] if has_off else off
        for t in range(m):
            o = ob[t] if has_off else 0.0
            acc = b + o
            acc2 = b2 + o
            xt = Xb[t]
            for j in range(d):
                acc += xt[j] * w[j]
                acc2 += xt[j] * w2[j]
            z[t] = acc
            z2[t] = acc2
        loss += _logistic_block(z, yb, sb, m, ebuf, bits, r)
        loss2 += _logistic_block(z2, yb, sb, m, ebuf, bits, r2)
        for t in range(m):
            gb += r[t]
            gb2 += r2[t]
        for t in range(0, m4, 4):
            r0, r1, ra, r3 = r[t], r[t + 1], r[t + 2], r[t + 3]
            q0, q1, q2, q3 = r2[t], r2[t + 1], r2[t + 2], r2[t + 3]
            x0, x1, x2, x3 = Xb[t], Xb[t + 1], Xb[t + 2], Xb[t + 3]
            for j in range(d):
                g[j] += (r0 * x0[j] + r1 * x1[j]) + (ra * x2[j] + r3 * x3[j])
                g2[j] += (q0 * x0[j] + q1 * x1[j]) + (q2 * x2[j] + q3 * x3[j])
        for t in range(m4, m):
            rt = r[t]
            qt = r2[t]
            for j in range(d):
                g[j] += rt * Xb[t, j]
                g2[j] += qt * Xb[t, j]
    return loss, g, gb, loss2, g2, gb2


@_inline
def _softmax_row(z, K, zmax, top):  # noqa: ANN001, ANN201
    """One row's softmax, in place: ``z[k] <- exp(z_k - zmax)`` for every class but the
    largest ``top`` (whose term is 1; ``z[top]`` is left as it was), and
    ``(rest, 1 / (1 + rest))`` with ``rest`` the other classes' sum, exact: the row's
    ``log(sum) = log1p(rest)`` and ``1 - P_top = rest / (1 + rest)`` keep their
    precision where ``P_top`` is near 1 (see :func:`oneneuron.objective.softmax_terms`)."""
    rest = 0.0
    for k in range(K):
        if k != top:
            z[k] = np.exp(z[k] - zmax)
            rest += z[k]
    return rest, 1.0 / (1.0 + rest)


@_inline
def _softmax_residual(t, k, yi, top, rest, inv):  # noqa: ANN001, ANN201
    """``P_k - [k = y]`` from :func:`_softmax_row`'s terms ``t``: ``-rest / (1 + rest)``
    where ``k`` is both the label and the largest class (no ``P - 1`` cancellation);
    elsewhere ``P_k <= 1/2`` or ``k`` is not the label, and the plain form is exact."""
    if k == top:
        return -rest * inv if k == yi else inv
    return t[k] * inv - (1.0 if k == yi else 0.0)


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
        top = 0
        for k in range(K):
            acc = b[k]
            for j in range(d):
                acc += X[i, j] * W[k, j]
            z[k] = acc
            if acc > zmax:
                zmax, top = acc, k
        yi = y[i]
        si = s[i]
        zy = z[yi]
        rest, inv = _softmax_row(z, K, zmax, top)
        loss += si * (np.log1p(rest) + (zmax - zy))
        for k in range(K):
            r = si * _softmax_residual(z, k, yi, top, rest, inv)
            gb[k] += r
            for j in range(d):
                g[k, j] += r * X[i, j]
    return loss, g, gb


@_jit
def binary_csr(data, indices, indptr, d, y, s, w, b, off, lo, hi):  # noqa: ANN001, ANN201
    """Binary log-loss sums on CSR rows [lo, hi) (same return and blocks as ``binary_dense``).

    Stored positions and column indices are read as unsigned (``np.uintp``): numba then
    skips its negative-index check on every gather of ``w`` and scatter into the
    gradient, which made them 2-4x faster.
    """
    g = np.zeros(d)
    z = np.empty(BLOCK)
    r = np.empty(BLOCK)
    ebuf = np.empty(BLOCK)
    bits = np.empty(BLOCK, dtype=np.int64)
    loss = 0.0
    gb = 0.0
    has_off = off.shape[0] > 0
    for start in range(lo, hi, BLOCK):
        stop = min(start + BLOCK, hi)
        m = stop - start
        yb, sb, ptr = y[start:stop], s[start:stop], indptr[start : stop + 1]
        ob = off[start:stop] if has_off else off
        for t in range(m):
            acc = b + ob[t] if has_off else b
            for q in range(np.uintp(ptr[t]), np.uintp(ptr[t + 1])):
                acc += data[q] * w[np.uintp(indices[q])]
            z[t] = acc
        loss += _logistic_block(z, yb, sb, m, ebuf, bits, r)
        for t in range(m):
            rt = r[t]
            gb += rt
            for q in range(np.uintp(ptr[t]), np.uintp(ptr[t + 1])):
                g[np.uintp(indices[q])] += rt * data[q]
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
        top = 0
        a, e = np.uintp(indptr[i]), np.uintp(indptr[i + 1])  # unsigned: see binary_csr
        for k in range(K):
            acc = b[k]
            for q in range(a, e):
                acc += data[q] * W[k, np.uintp(indices[q])]
            z[k] = acc
            if acc > zmax:
                zmax, top = acc, k
        yi = y[i]
        si = s[i]
        zy = z[yi]
        rest, inv = _softmax_row(z, K, zmax, top)
        loss += si * (np.log1p(rest) + (zmax - zy))
        for k in range(K):
            r = si * _softmax_residual(z, k, yi, top, rest, inv)
            gb[k] += r
            for q in range(a, e):
                g[k, np.uintp(indices[q])] += r * data[q]
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


@_jit
def moments_dense_f(X, s, lo, hi):  # noqa: ANN001, ANN201
    """:func:`moments_dense` for a column-major (F-ordered) X, by blocks of each column.

    A running update down one column is a chain of dependent steps (slow where
    :func:`moments_dense` updates a row's columns side by side), so each block of
    :data:`MOMENT_BLOCK` rows of a column is summed in two vectorised loops (its
    weighted mean, then its squared deviations, while it is in cache) and merged
    into the running moments with Chan's pairwise formula. No ``E[x^2] - mu^2``
    cancellation; a NaN or infinity in a row of weight 0 still makes its column's
    mean NaN (``0 * x``).
    """
    d = X.shape[1]
    mean = np.zeros(d)
    m2 = np.zeros(d)
    probe = np.zeros(d)
    S = 0.0
    for start in range(lo, hi, MOMENT_BLOCK):
        stop = min(start + MOMENT_BLOCK, hi)
        m = stop - start
        sb = s[start:stop]
        Sb = 0.0
        for t in range(m):
            Sb += sb[t]
        for j in range(d):
            col = X[start:stop, j]
            acc = 0.0
            for t in range(m):
                acc += sb[t] * np.float64(col[t])
            if Sb == 0.0:  # no weight: only the NaN probe counts
                probe[j] += acc
                continue
            mb = acc / Sb
            q = 0.0
            for t in range(m):
                dev = np.float64(col[t]) - mb
                q += sb[t] * dev * dev
            if S == 0.0:
                mean[j] = mb
                m2[j] = q
            else:
                tot = S + Sb
                delta = mb - mean[j]
                mean[j] += delta * (Sb / tot)
                m2[j] += q + delta * delta * (S * Sb / tot)
        S += Sb
    return S, mean + probe, m2


@_jit
def sums_csr(data, indices, indptr, d, s, lo, hi):  # noqa: ANN001, ANN201
    """Weighted column sums of x and x**2 over CSR rows [lo, hi): ``(m1 (d,), m2 (d,))``."""
    m1 = np.zeros(d)
    m2 = np.zeros(d)
    for i in range(lo, hi):
        w = s[i]
        for q in range(np.uintp(indptr[i]), np.uintp(indptr[i + 1])):  # see binary_csr
            j = np.uintp(indices[q])
            x = np.float64(data[q])
            m1[j] += w * x
            m2[j] += w * x * x
    return m1, m2


@_jit
def gather_dense(X, cols, out, lo, hi):  # noqa: ANN001, ANN201
    """Copy columns ``cols`` of rows [lo, hi) of X into the same rows of ``out``."""
    k = cols.size
    for i in range(lo, hi):
        for j in range(k):
            out[i, j] = X[i, np.uintp(cols[j])]


#: Threads of the fused kernels (one row chunk each); the machine's cores by default.
N_THREADS = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)
_POOL: ThreadPoolExecutor | None = None


def _over_row_chunks(run: Any, n: int) -> list[Any]:
    """``[run(lo, hi), ...]`` over ``N_THREADS`` contiguous chunks of the ``n`` rows, run
    concurrently on the kernels' thread pool (one chunk below 4096 rows a thread, and
    where the calling thread is capped: :func:`~oneneuron.engines._threads.kernel_threads`)."""
    global _POOL
    threads = capped(N_THREADS)
    T = threads if n >= 4096 * threads else 1
    if T == 1:
        return [run(0, n)]
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=N_THREADS, thread_name_prefix="oneneuron")
    bounds = np.linspace(0, n, T + 1).astype(np.int64)
    return list(_POOL.map(run, bounds[:-1], bounds[1:]))


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

    X is a C- or F-ordered float32/float64 array (F: binary only) or a CSR matrix; rows are split in
    ``N_THREADS`` contiguous chunks run concurrently (the kernels release the GIL).
    ``offset`` (binary only) is added to every row's logit.
    """
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
    layout = (not X.flags.c_contiguous,) if fn is binary_dense else ()  # F order: by columns

    def run(lo: int, hi: int) -> Any:
        return fn(*head, y, s, w, c, *tail, lo, hi, *layout)

    parts = _over_row_chunks(run, n)
    loss = float(sum(p[0] for p in parts))
    gW = np.sum([p[1] for p in parts], axis=0).reshape(W.shape)
    gb = np.atleast_1d(np.sum([p[2] for p in parts], axis=0)).astype(np.float64)
    return loss, gW, gb


def fused_statistics_pair(
    X: NDArray,
    y: NDArray,
    s: NDArray,
    w: NDArray,
    b: float,
    w2: NDArray,
    b2: float,
    offset: NDArray | None = None,
) -> tuple[tuple[float, NDArray[np.float64], float], tuple[float, NDArray[np.float64], float]]:
    """Binary loss, ``grad_w`` (d,) and ``grad_b`` sums at two models in one read of a
    C-ordered dense X (:func:`binary_dense_pair`): ``((loss, gw, gb), (loss2, gw2, gb2))``.

    The second model is a guess evaluated alongside the first (along a path, the next
    alpha's first step beside this alpha's last one): its arithmetic rides on the same
    read of X.
    """
    off = np.zeros(0) if offset is None else offset

    def run(lo: int, hi: int) -> Any:
        return binary_dense_pair(X, y, s, w, float(b), w2, float(b2), off, lo, hi)

    parts = _over_row_chunks(run, X.shape[0])
    first = (
        float(sum(p[0] for p in parts)),
        np.sum([p[1] for p in parts], axis=0),
        float(sum(p[2] for p in parts)),
    )
    second = (
        float(sum(p[3] for p in parts)),
        np.sum([p[4] for p in parts], axis=0),
        float(sum(p[5] for p in parts)),
    )
    return first, second


def gather_columns(X: NDArray, cols: NDArray) -> NDArray:
    """``np.take(X, cols, axis=1)`` of a C-ordered array, C-ordered, by ``N_THREADS`` row chunks.

    The copy of a working set's columns: NumPy's ``take`` runs on one core and
    is slow for a few adjacent columns (6.8 ms for 10 of 100 columns of 80k rows,
    where this kernel takes 0.6 ms on 2 threads, and about one read of X for
    scattered columns, which touch every cache line of a row).
    """
    n = X.shape[0]
    cols = np.ascontiguousarray(cols, dtype=np.intp)
    out = np.empty((n, cols.size), dtype=X.dtype)
    _over_row_chunks(lambda lo, hi: gather_dense(X, cols, out, lo, hi), n)
    return out


def column_moments(X: NDArray, s: NDArray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted column means and sums of squared deviations of a dense X, one read.

    X is a C- or F-ordered float32/float64 array. Each of ``N_THREADS`` contiguous row
    chunks keeps running means and squared deviations (no ``E[x^2] - mu^2``
    cancellation); the chunks are merged with Chan's pairwise formula. A column
    too large for float64 squares gets ``inf`` or ``nan``, as in the two-pass
    NumPy reference (:func:`oneneuron.engines._numpy_prep.weighted_feature_stats`).
    """
    s = np.asarray(s, dtype=np.float64)  # may be a broadcast (unit weights): no copy
    fn = moments_dense if X.flags.c_contiguous else moments_dense_f  # F-ordered: by column
    parts = _over_row_chunks(lambda lo, hi: fn(X, s, lo, hi), X.shape[0])
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


def csr_column_sums(X: Any, s: NDArray) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Weighted column sums ``X.T @ s`` and ``(X * X).T @ s`` of a CSR matrix, one read.

    Rows are split in ``N_THREADS`` contiguous chunks, each with its own sums (the
    one-pass sums of :func:`oneneuron.engines._numpy_prep.coordinate_stats`, where the
    sparse feature statistics use ``E[x^2] - mu^2``: a sparse X is never centred).
    """
    n, d = X.shape
    s = np.asarray(s, dtype=np.float64)
    parts = _over_row_chunks(lambda lo, hi: sums_csr(X.data, X.indices, X.indptr, d, s, lo, hi), n)
    return np.sum([p[0] for p in parts], axis=0), np.sum([p[1] for p in parts], axis=0)


# ---- the whole Newton iteration of a tiny binary fit, in one call ----------------------------
#
# The evaluation compiles as the fused kernels do (reassociated sums, vectorised
# exponentials: 1.8-1.9x faster than libm's exp and log1p row by row, measured at
# 200 x 1, 200 x 3 and 1000 x 5); the Newton loop itself is not reassociated. The results
# agree with the NumPy path (:class:`oneneuron.objective.SmallDenseLoss` driven by
# :func:`oneneuron.solvers.newton`) to a few ulps of the objective.


def _tiny_evaluate(A, y, s, c, off, pen, theta, g, H, work, bits):  # noqa: ANN001, ANN201
    """Loss; gradient into ``g`` and Hessian into ``H`` of the weighted mean log-loss.

    ``A`` is the standardised design (with its column of ones), ``s`` the row weights
    (empty: every row weighs ``c``), ``off`` the offsets (empty: none), ``pen`` the
    ridge of each coefficient (0 for the intercept); ``work`` (3, n) and ``bits`` (n,)
    are workspace. The logits first, then ``e = exp(-|z|)`` and ``log1p(e)`` in
    branch-free loops that compile to vector code (as :func:`_logistic_block`; libm's
    ``exp`` and ``log1p``, one row at a time, cost more), then per row ``softplus(z) = max(z, 0) +
    log1p(e)``, ``sigmoid(z)`` = ``1 / (1 + e)`` or ``e / (1 + e)`` by the sign of ``z``,
    and ``sigmoid' = e / (1 + e)**2``, and the sums.
    """
    n, P = A.shape
    z, e, w = work[0], work[1], work[2]
    for i in range(n):
        zi = off[i] if off.size else 0.0
        for j in range(P):
            zi += A[i, j] * theta[j]
        z[i] = zi
    for i in range(n):
        k, q = _exp_reduced(max(-abs(z[i]), _EXP_FLOOR))
        bits[i] = np.int64(k + 1023.0) << 52
        e[i] = q
    scale = bits.view(np.float64)
    for i in range(n):  # per row: its loss into z, r = s (sigmoid - y) into e, s sigmoid' into w
        zi = z[i]
        a = -abs(zi)
        ei = e[i] * scale[i]
        ei = ei if a >= _EXP_FLOOR else (0.0 if a < _EXP_FLOOR else a)  # NaN stays NaN
        q = 1.0 / (1.0 + ei)
        si = s[i] if s.size else c
        yi = y[i]
        # max(z, 0) - y z, without the cancellation of z - z when y = 1, z >> 0
        z[i] = si * (max(zi, 0.0) * (1.0 - yi) - min(zi, 0.0) * yi + _log1p_unit(ei))
        # sigmoid - y without the cancellation of p - 1 when p ~ y ~ 1 (ei q = sigmoid(-|z|))
        e[i] = si * ((1.0 - yi) - ei * q if zi >= 0.0 else ei * q - yi)
        w[i] = si * ei * q * q
    f = 0.0
    for j in range(P):
        g[j] = 0.0
        for k in range(P):
            H[j, k] = 0.0
    for i in range(n):
        f += z[i]
        ri = e[i]
        wi = w[i]
        for j in range(P):
            aj = A[i, j]
            g[j] += ri * aj
            wa = wi * aj
            for k in range(j + 1):
                H[j, k] += wa * A[i, k]
    for j in range(P):
        if pen[j] != 0.0:
            f += 0.5 * pen[j] * theta[j] * theta[j]
            g[j] += pen[j] * theta[j]
            H[j, j] += pen[j]
        for k in range(j):
            H[k, j] = H[j, k]
    return f


def _tiny_direction(H, g, L, p):  # noqa: ANN001, ANN201
    """``p = -H^-1 g`` by Cholesky (``L`` the factor's workspace); False where ``H`` is not
    positive definite in float64, is ill-conditioned (a pivot below 1e-8 of its diagonal
    entry, :data:`oneneuron.solvers.newton.ILL_CONDITIONED`: the NumPy solver then takes
    the step from a QR factor) or ``p`` is not finite."""
    P = g.size
    for j in range(P):
        d = H[j, j]
        for k in range(j):
            d -= L[j, k] * L[j, k]
        if not d >= 1e-8 * H[j, j] or not d > 0.0:
            return False
        L[j, j] = np.sqrt(d)
        for i in range(j + 1, P):
            v = H[i, j]
            for k in range(j):
                v -= L[i, k] * L[j, k]
            L[i, j] = v / L[j, j]
    for i in range(P):  # L u = -g
        v = -g[i]
        for k in range(i):
            v -= L[i, k] * p[k]
        p[i] = v / L[i, i]
    for i in range(P - 1, -1, -1):  # L' p = u
        v = p[i]
        for k in range(i + 1, P):
            v -= L[k, i] * p[k]
        p[i] = v / L[i, i]
    for i in range(P):
        if not np.isfinite(p[i]):
            return False
    return True


def _tiny_measure(p, theta, mu, sigma):  # noqa: ANN001, ANN201
    """:func:`oneneuron.solvers._base.relative_step` of the step ``p`` at ``theta``, both
    mapped to standardised coordinates first where ``sigma`` is given (raw solver
    coordinates, ``standardize=False``): ``W' = W sigma``, ``b' = b + W @ mu``."""
    P = p.size
    d = sigma.size
    measure = 0.0
    if d == 0:
        for j in range(P):
            measure = max(measure, abs(p[j]) / max(1.0, abs(theta[j])))
        return measure
    for j in range(d):
        measure = max(measure, abs(p[j] * sigma[j]) / max(1.0, abs(theta[j] * sigma[j])))
    if P > d:  # the intercept
        pb, tb = 0.0, 0.0
        for j in range(d):
            pb += p[j] * mu[j]
            tb += theta[j] * mu[j]
        measure = max(measure, abs(p[d] + pb) / max(1.0, abs(theta[d] + tb)))
    return measure


def tiny_newton(A, y, s, c, off, pen, theta0, tol, max_iter, cap, mu, sigma, scale):  # noqa: ANN001, ANN201
    """Newton's method of :func:`oneneuron.solvers.newton` on a tiny binary problem, whole.

    The same iteration and stopping rule: the full step ``p = -H^-1 g`` tried with the
    next iteration's evaluation, accepted under the Armijo condition (or a change of
    the objective within its round-off), and the stop once the step just taken moved
    every coefficient by at most ``tol * max(1, |coefficient|)``; the stall count of the
    float64 floor, as there (the step measured on the standardised scale: ``mu`` and
    ``sigma`` are the columns' statistics where ``theta`` is raw, else empty; the
    round-off of the objective ``32 eps max(scale, |f|)``, ``scale`` the problem's
    :func:`~oneneuron.solvers._base.floor_scale`). The
    trace, ``losses`` and ``gnorms``, holds the objective and ``max |g|`` at each point,
    at most ``cap`` of them (which bounds the iterations).

    Returns ``(status, theta, f, g, H, n_iter, measure, losses, gnorms)``: status 1
    converged by the rule, 0 stopped at ``max_iter``, -1 where the general solver must
    run instead (a Hessian that needs a ridge, a line search, a stall at the float64
    floor, or more iterations than ``cap - 1``): those paths stay in one place, the
    NumPy one.
    """
    P = theta0.size
    losses, gnorms = np.empty(cap), np.empty(cap)
    work, bits = np.empty((3, A.shape[0])), np.empty(A.shape[0], dtype=np.int64)
    theta = theta0.copy()
    trial = np.empty(P)
    g, g1, p = np.empty(P), np.empty(P), np.empty(P)
    H, H1, L = np.empty((P, P)), np.empty((P, P)), np.zeros((P, P))
    f = _tiny_evaluate(A, y, s, c, off, pen, theta, g, H, work, bits)
    losses[0] = f
    gnorms[0] = np.max(np.abs(g)) if P else 0.0
    n_iter, stalls, last, decreased, measure = 0, 0, np.inf, True, np.nan
    eps = 2.220446049250313e-16  # float64's, as the solvers' round_off
    while True:
        if not _tiny_direction(H, g, L, p):
            return -1, theta, f, g, H, n_iter, measure, losses, gnorms
        slope = 0.0
        for j in range(P):
            slope += g[j] * p[j]
        measure = _tiny_measure(p, theta, mu, sigma)
        if not slope < 0.0:
            return -1, theta, f, g, H, n_iter, measure, losses, gnorms
        if n_iter > 0:
            stalls = 0 if (decreased or measure < 0.5 * last) else stalls + 1
        last = min(last, measure)
        if stalls >= 2:
            return -1, theta, f, g, H, n_iter, measure, losses, gnorms
        if n_iter >= max_iter:
            return 0, theta, f, g, H, n_iter, measure, losses, gnorms
        if n_iter + 1 >= losses.size:
            return -1, theta, f, g, H, n_iter, measure, losses, gnorms
        noise = 32.0 * eps * max(scale, abs(f))
        for j in range(P):
            trial[j] = theta[j] + p[j]
        f1 = _tiny_evaluate(A, y, s, c, off, pen, trial, g1, H1, work, bits)
        if not (np.isfinite(f1) and (f1 <= f + 1e-4 * slope or abs(f1 - f) <= noise)):
            return -1, theta, f, g, H, n_iter, measure, losses, gnorms
        decreased = f1 < f - noise
        theta, trial = trial, theta
        g, g1 = g1, g
        H, H1 = H1, H
        f = f1
        n_iter += 1
        losses[n_iter] = f
        gnorms[n_iter] = np.max(np.abs(g))
        if measure <= tol:
            return 1, theta, f, g, H, n_iter, measure, losses, gnorms


_tiny_evaluate = _jit(_tiny_evaluate)
_tiny_direction = _jit(_tiny_direction, fastmath=False)
_tiny_measure = _jit(_tiny_measure, fastmath=False)
tiny_newton = _jit(tiny_newton, fastmath=False)
