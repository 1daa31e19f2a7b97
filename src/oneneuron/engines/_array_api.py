"""Array-API engine: X stays a torch tensor or CuPy array on its own device.

The block math of :func:`oneneuron.objective.block_statistics` is written again
here with namespace operations only (``xp`` from array-api-compat), so that it
runs where the data lives; only the small results (d-sized gradients, d x d
Hessians, scalars) travel to the host as NumPy float64. float32 X stays float32
in memory; each block is computed in float64 (a float64 copy of one block at a
time), as the NumPy engine does.

This engine serves tensors on a device (GPU) and CuPy arrays. A torch tensor in CPU
memory is fitted by the NumPy engine on a zero-copy view of it
(:func:`oneneuron.engines.host_view`; validation, labels and predictions stay in
torch), a decision measured: once the float64 sums made this engine's passes as few
as NumPy's (they were 3-10x as many in float32), its per-block float64 copies and
float64 products made CPU fits 1.3-2.5x slower than before, while the NumPy engine's
fused kernels and threaded BLAS form the same float64 sums at the same passes, and
the same results, in less time: 0.10-0.70x this engine's time (100k x 50 and
20k x 20, K = 2 and 3, Newton and auto, float32 and float64; 1.1-1.6x NumPy input's;
``benchmarks/torch_cpu.py``), faster too than this engine before its float64 sums
(at most 2.5x faster than now). Summing float32
products of centred sub-blocks in float64 (cheaper) was not taken: its error
analysis depends on the data, and the standard errors must match a float64 fit's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..objective import BlockStats, blocks_meat, meat_slices, weight_floor
from ._record import all_equal, flat_columns, maybe_flat

#: Rows per block: bounds a block's float64 copy of a float32 X, and the Hessian's
#: temporary ``X * D``, to about this many bytes (a float64 X without Hessian: one block).
HESSIAN_BLOCK_BYTES = 1 << 30


def _compat() -> Any:
    """array-api-compat, or one ImportError line naming what to install."""
    try:
        import array_api_compat
    except ImportError:
        raise ImportError(
            "torch or CuPy input needs array-api-compat: pip install 'oneneuron[torch]' "
            "(or pip install array-api-compat)"
        ) from None
    return array_api_compat


def namespace(*arrays: Any) -> Any:
    """The array-API namespace of ``arrays`` (array-api-compat's wrapper)."""
    array_api_compat = _compat()

    return array_api_compat.array_namespace(*arrays)


def device(x: Any) -> Any:
    """The device ``x`` lives on."""
    array_api_compat = _compat()

    return array_api_compat.device(x)


def to_numpy(x: Any) -> NDArray[Any]:
    """Copy an array of any namespace to a host NumPy array."""
    array_api_compat = _compat()

    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(x):
        return x.get()
    return np.asarray(x)


# --- stable activations in any namespace -----------------------------------
def xp_softplus(xp: Any, z: Any) -> Any:
    """``log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|))`` (``max`` as ``(z + |z|)/2``, exact)."""
    a = xp.abs(z)
    return (z + a) / 2 + xp.log1p(xp.exp(-a))


def xp_sigmoid(xp: Any, z: Any) -> Any:
    """``1 / (1 + exp(-z))`` from ``e = exp(-|z|)``: nothing overflows."""
    e = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + e), e / (1 + e))


def xp_log_sigmoid(xp: Any, z: Any) -> Any:
    """``log sigmoid(z) = min(z, 0) - log1p(exp(-|z|))``."""
    a = xp.abs(z)
    return (z - a) / 2 - xp.log1p(xp.exp(-a))


def xp_log_softmax(xp: Any, Z: Any) -> Any:
    """Row-wise ``Z - max - log1p(rest)``, as :func:`oneneuron.functions.log_softmax`
    (``rest``: the terms but one largest, exactly; no cancellation near ``P = 1``)."""
    Zs = Z - xp.max(Z, axis=1, keepdims=True)
    E = xp.exp(Zs)
    top = Zs == 0
    rest = xp.sum(xp.where(top, xp.zeros_like(E), E), axis=1, keepdims=True)
    ties = xp.astype(xp.sum(xp.astype(top, xp.int64), axis=1, keepdims=True) - 1, E.dtype)
    return Zs - xp.log1p(rest + ties)


def feature_stats(X: Any, s: Any, *, center: bool = True, flat: bool = False) -> Any:
    """Weighted column mean and standard deviation (ddof 0) computed on X's device.

    Two passes (mean, then squared deviations), float64 accumulation, the same
    rule as ``engines._numpy_prep.weighted_feature_stats`` for constant columns (with
    ``flat=True`` a third value flags them).
    """
    xp = namespace(X)
    s64 = xp.astype(s, xp.float64)
    S = xp.sum(s64)
    mu = _wsum(xp, X, s64) / S
    rows = max(1, HESSIAN_BLOCK_BYTES // (8 * max(1, X.shape[1])))
    var = xp.zeros_like(mu)
    for start in range(0, X.shape[0], rows):
        dev = xp.astype(X[start : start + rows, :], xp.float64, copy=False) - mu
        var = var + s64[start : start + rows] @ (dev * dev)
    mu_np, var_np = to_numpy(mu), to_numpy(var) / float(S)
    sigma = np.sqrt(var_np)
    no_spread = flat_columns(sigma, mu_np)
    if flat:
        candidates = maybe_flat(sigma, mu_np, no_spread)
        positive = to_numpy(s) > 0 if candidates.size else None
        for j in candidates:
            no_spread[j] = all_equal(to_numpy(X[:, int(j)]), positive)
    sigma[no_spread] = 1.0  # (unit_scale_for_flat_columns)
    mu_np = mu_np if center else np.zeros_like(mu_np)
    return (mu_np, sigma, no_spread) if flat else (mu_np, sigma)


def _wsum(xp: Any, X: Any, s64: Any) -> Any:
    """``s @ X`` in float64 for a float32 X, block by block (no full float64 copy)."""
    rows = max(1, HESSIAN_BLOCK_BYTES // (8 * max(1, X.shape[1])))
    total = xp.zeros(X.shape[1], dtype=xp.float64, device=device(X))
    for start in range(0, X.shape[0], rows):
        Xb = xp.astype(X[start : start + rows, :], xp.float64, copy=False)
        total = total + s64[start : start + rows] @ Xb
    return total


class ArrayAPIEngine:
    """Block statistics of an X that lives in any array-API namespace (torch, CuPy).

    Parameters
    ----------
    X : array, shape (n, d)
        float32 or float64 tensor/array; never copied or moved.
    y : array, shape (n,)
        0/1 floats (binary) or integer class indices (multinomial), same namespace.
    sample_weight : array, shape (n,)
        Row weights (same namespace); divided by their sum ``S`` once here.
    multinomial : bool
        Softmax layer instead of one sigmoid.

    Notes
    -----
    One evaluation reads X once, in row blocks of at most ``HESSIAN_BLOCK_BYTES``
    (a float32 block is copied to float64): ``Z = X @ W.T``, ``X.T @ [R | D_kj]``
    and, with ``order=2``, ``X.T diag(D_kj) X`` per class pair, all in float64.
    """

    def __init__(self, X: Any, y: Any, sample_weight: Any, *, multinomial: bool) -> None:
        xp = namespace(X)
        self.xp = xp
        X = X.detach() if hasattr(X, "detach") else X  # no autograd graph (torch)
        self._X = X  # not `X`: fit-time helpers that read `engine.X` expect NumPy
        self.device = device(X)
        self.dtype = X.dtype
        self.n_samples, self.n_features = int(X.shape[0]), int(X.shape[1])
        s64 = xp.astype(sample_weight, xp.float64)
        self.total_weight = float(xp.sum(s64))
        self.s = s64 / self.total_weight
        self.multinomial = multinomial
        if multinomial:
            self.y = xp.astype(y, xp.int64)
        else:
            self.y = xp.astype(y, X.dtype)
        self.n_passes: float = 0
        self._qr = getattr(getattr(xp, "linalg", None), "qr", None)
        if self._qr is None:  # the array API's linalg extension is optional: no QR step
            self.weighted_design_r = None  # type: ignore[assignment]

    @property
    def floor_scale(self) -> float:
        """:func:`~oneneuron.objective.weight_floor` of the row weights (made once)."""
        scale = self.__dict__.get("_floor_scale")
        if scale is None:
            xp, s = self.xp, self.s
            positive = s > 0
            count = int(xp.sum(xp.astype(positive, xp.int64)))
            smallest = float(xp.min(xp.where(positive, s, xp.ones_like(s)))) if count else 0.0
            scale = weight_floor(count, smallest)
            self.__dict__["_floor_scale"] = scale
        return scale

    def _to_device(self, a: NDArray, dtype: Any = None) -> Any:
        dtype = self.dtype if dtype is None else dtype
        return self.xp.asarray(np.ascontiguousarray(a), dtype=dtype, device=self.device)

    def statistics(
        self, W: NDArray, b: NDArray, order: int = 1, rows: NDArray[np.intp] | None = None
    ) -> BlockStats:
        """Sums of the block statistics over all rows (or the minibatch ``rows``).

        A minibatch's weights are scaled by ``n / len(rows)`` (unbiased), and it
        counts as ``len(rows) / n`` of a pass. Everything is computed in float64,
        block by block (a float32 X is copied to float64 one block at a time, as
        :func:`~oneneuron.objective.float64_block` does for NumPy): logits of
        float32 products and float32 coefficients were noisy at ~1e-7, above what
        the solvers' line searches and stopping rules resolve, so Newton on float32
        torch took 3-4x the passes of NumPy float32 (line-search passes, and
        stops at the float64 floor instead of by the rule).
        """
        xp = self.xp
        X, y, s = self._X, self.y, self.s
        if rows is not None:
            idx = xp.asarray(np.asarray(rows, dtype=np.int64), device=self.device)
            X, y = xp.take(X, idx, axis=0), xp.take(y, idx, axis=0)
            s = xp.take(s, idx, axis=0) * (self.n_samples / len(rows))
            self.n_passes += len(rows) / self.n_samples
        else:
            self.n_passes += 1
        f64 = xp.float64
        Wd, bd = self._to_device(W, f64), self._to_device(b, f64)
        m, d = Wd.shape[0], self.n_features
        pairs = [(k, j) for k in range(m) for j in range(k, m)] if order >= 2 else []
        # a block's float64 copy and its Hessian temporary within HESSIAN_BLOCK_BYTES
        n = int(X.shape[0])
        block = n if (X.dtype == f64 and not pairs) else HESSIAN_BLOCK_BYTES // (8 * max(1, d))
        block = max(1, block)
        loss = xp.zeros((), dtype=f64, device=self.device)
        XtM = None
        grad_b = xp.zeros(m, dtype=f64, device=self.device)
        G = [xp.zeros((d, d), dtype=f64, device=self.device) for _ in pairs]
        hb = [xp.zeros((), dtype=f64, device=self.device) for _ in pairs]
        for start in range(0, n, block):
            Xb = xp.astype(X[start : start + block, :], f64, copy=False)
            yb, sb = y[start : start + block], s[start : start + block]
            Z = Xb @ Wd.T + bd  # (rows, m), float64
            if self.multinomial:
                Y = yb[:, None] == xp.arange(m, device=self.device)[None, :]
                rows, P, Q, R = self._softmax_terms(Z, Y)
                loss = loss + xp.sum(sb * rows)
                R = R * sb[:, None]
            else:
                z, yf = Z[:, 0], xp.astype(yb, f64)
                # softplus(z) - y z without the cancellation of z - z (y = 1, z >> 0)
                a = xp.abs(z)
                rows = (z + a) / 2 * (1 - yf) - (z - a) / 2 * yf + xp.log1p(xp.exp(-a))
                loss = loss + xp.sum(sb * rows)
                # p - y and p (1 - p) from q = sigmoid(-|z|): no cancellation near 1
                q = xp_sigmoid(xp, -xp.abs(z))
                P = q * (1 - q)  # the curvature, read by _curvature below
                R = (xp.where(z >= 0, (1 - yf) - q, q - yf) * sb)[:, None]
            if order == 0:
                continue
            Ds = [self._curvature(sb, P, k, j, Q if self.multinomial else None) for k, j in pairs]
            # one read of the block for the gradient and every X.T @ D_kj
            M = xp.concat([R, *(D[:, None] for D in Ds)], axis=1)
            part = M.T @ Xb
            XtM = part if XtM is None else XtM + part
            grad_b = grad_b + xp.sum(R, axis=0)
            for i, D in enumerate(Ds):  # float64 too: float32 Gram matrices left
                G[i] = G[i] + (Xb * D[:, None]).T @ Xb  # standard errors 1-2% off
                hb[i] = hb[i] + xp.sum(D)
        if order == 0:
            return BlockStats(float(loss), np.zeros((m, d)), np.zeros(m))
        XtM_np = to_numpy(XtM).astype(np.float64)
        stats = BlockStats(float(loss), np.ascontiguousarray(XtM_np[:m]), to_numpy(grad_b))
        if order >= 2:
            hW = np.zeros((m, m, d, d))
            hWb = np.zeros((m, m, d))
            hbn = np.zeros((m, m))
            for (k, j), Gi, v, h in zip(pairs, G, XtM_np[m:], hb, strict=True):
                Gn = to_numpy(Gi)
                hW[k, j], hWb[k, j], hbn[k, j] = Gn, v, float(h)
                if k != j:
                    hW[j, k], hWb[j, k], hbn[j, k] = Gn.T, v, hbn[k, j]
            stats.hess_W, stats.hess_Wb, stats.hess_b = hW, hWb, hbn
        return stats

    def weighted_design_r(self, W: NDArray, b: NDArray) -> NDArray[np.float64]:
        """The triangular ``R`` with ``R.T @ R`` the raw-scale Hessian, by QR on X's device.

        :func:`~oneneuron.objective.weighted_design_r` in the namespace's operations: each
        block of the weighted design ``sqrt(D) [X, 1]`` (float64; a softmax row is ``m``
        rows through the factor of its curvature) is stacked under the factor so far and
        factored by the namespace's ``linalg.qr`` (``torch.linalg.qr`` on the tensor's
        device), a tall-skinny QR in one pass; only the ``m (d + 1)`` square ``R`` comes
        to the host. Newton asks for it where the Cholesky factor of ``X' D X`` finds a
        small pivot; a well-conditioned fit never makes this pass. An engine whose
        namespace has no ``linalg.qr`` (the array API's linalg extension is optional)
        has this attribute set to None, and Newton keeps the Cholesky step there.
        """
        xp, qr = self.xp, self._qr
        self.n_passes += 1
        f64 = xp.float64
        Wd, bd = self._to_device(W, f64), self._to_device(b, f64)
        m, d = Wd.shape[0], self.n_features
        q = m * (d + 1)
        # a block's weighted design (rows * m, q) within HESSIAN_BLOCK_BYTES
        block = max(q, HESSIAN_BLOCK_BYTES // (8 * m * q))
        R = None
        for start in range(0, self.n_samples, block):
            Xb = xp.astype(self._X[start : start + block, :], f64, copy=False)
            yb, sb = self.y[start : start + block], self.s[start : start + block]
            n = Xb.shape[0]
            Z = Xb @ Wd.T + bd
            if self.multinomial:
                Y = yb[:, None] == xp.arange(m, device=self.device)[None, :]
                _, P, Q, _ = self._softmax_terms(Z, Y)
                root = xp.sqrt(sb[:, None] * P)  # (n, m): sqrt(s_i p_ij)
                eye = xp.eye(m, dtype=f64, device=self.device)
                # C[i, j, k] = sqrt(s_i p_ij) (delta_kj - p_ik), Q on the diagonal (exact)
                C = root[:, :, None] * xp.where(eye[None, :, :] > 0, Q[:, None, :], -P[:, None, :])
                XW = xp.reshape(C[:, :, :, None] * Xb[:, None, None, :], (n, m, m * d))
                B = xp.reshape(xp.concat([XW, C], axis=2), (n * m, q))
            else:
                z = Z[:, 0]
                v = xp_sigmoid(xp, -xp.abs(z))
                ones = xp.ones((n, 1), dtype=f64, device=self.device)
                B = xp.concat([Xb, ones], axis=1) * xp.sqrt(sb * v * (1 - v))[:, None]
            if R is not None:
                B = xp.concat([R, B], axis=0)
            R = qr(B)[1]  # the reduced factor: (min(rows, q), q)
        R = np.asarray(to_numpy(R), dtype=np.float64)
        if R.shape[0] < q:  # fewer rows than columns: pad with zero rows
            R = np.vstack([R, np.zeros((q - R.shape[0], q))])
        return R

    @property
    def row_weights(self) -> NDArray[np.float64]:
        """The rows' weights as given, on the host (frequency weights)."""
        return np.asarray(to_numpy(self.s), dtype=np.float64) * self.total_weight

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
        """The sandwich's meat, as :meth:`oneneuron.engines.NumpyEngine.meat` (one pass).

        Made once per fit, for a robust ``cov_type``: each row block
        (:func:`~oneneuron.objective.meat_slices`) comes to the host and NumPy forms its share
        (:func:`~oneneuron.objective.block_meat`, or with ``root``
        :func:`~oneneuron.objective.block_meat_root`), the same arithmetic as the
        in-memory engine's; the pass costs one copy of X off the device, block by block.
        """
        self.n_passes += 1
        blocks = meat_slices(self._X, to_numpy(self.y), self.row_weights, groups, to_numpy)
        total = blocks_meat(
            blocks,
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

    def separated_rows(self, W: NDArray, b: NDArray) -> tuple[int, int]:
        """Rows of positive weight the logits at ``(W, b)`` classify strictly right, and
        those rows (as :func:`~oneneuron.objective.separated_rows`; one pass, on X's device)."""
        xp = self.xp
        self.n_passes += 1
        Z = self._X @ self._to_device(W).T + self._to_device(b)
        keep = self.s > 0
        if Z.shape[1] == 1:
            right = (2 * xp.astype(self.y, Z.dtype) - 1) * Z[:, 0] > 0
        else:
            Y = self.y[:, None] == xp.arange(Z.shape[1], device=self.device)[None, :]
            true = xp.sum(xp.where(Y, Z, xp.zeros_like(Z)), axis=1)
            other = xp.max(xp.where(Y, xp.full_like(Z, -float("inf")), Z), axis=1)
            right = true > other
        count = xp.sum(xp.astype(right & keep, xp.int64))
        return int(count), int(xp.sum(xp.astype(keep, xp.int64)))

    def direction_curvature(
        self, W: NDArray, b: NDArray, V: NDArray, c: NDArray
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """The Hessian's curvature along the directions ``(V, c)`` at ``(W, b)``, row by
        row, and the same unweighted, as :func:`~oneneuron.objective.direction_curvature`
        (one pass, on X's device, in float64; only the sums come to the host)."""
        xp = self.xp
        self.n_passes += 1
        f64 = xp.float64
        Wd, bd = self._to_device(W, f64), self._to_device(b, f64)
        m, d, q = Wd.shape[0], self.n_features, V.shape[0]
        Vd = self._to_device(np.reshape(V, (q * m, d)), f64)
        cd = self._to_device(np.reshape(c, (q * m,)), f64)
        block = max(1, HESSIAN_BLOCK_BYTES // (8 * (d + 4 * q * m)))
        curvature = xp.zeros(q, dtype=f64, device=self.device)
        spread = xp.zeros(q, dtype=f64, device=self.device)
        A = xp.zeros((m, m), dtype=f64, device=self.device)
        classes = xp.arange(m, device=self.device)
        for start in range(0, self.n_samples, block):
            Xb = xp.astype(self._X[start : start + block, :], f64, copy=False)
            sb = self.s[start : start + block]
            n = Xb.shape[0]
            Z = Xb @ Wd.T + bd
            U = xp.reshape(Xb @ Vd.T + cd, (n, q, m))
            spread = spread + xp.sum(sb[:, None] * xp.sum(U * U, axis=2), axis=0)
            if m == 1:
                e = xp_sigmoid(xp, -xp.abs(Z[:, 0]))
                v = sb * e * (1 - e)
                curvature = curvature + xp.sum(v[:, None] * U[:, :, 0] ** 2, axis=0)
                A = A + xp.sum(v)
                continue
            Y = xp.zeros((n, m), dtype=xp.bool, device=self.device)
            _, P, Q, _ = self._softmax_terms(Z, Y)
            # the variance of u under p, about the likeliest class's u (no cancellation)
            top = classes[None, :] == xp.argmax(Z, axis=1)[:, None]
            Ut = xp.sum(xp.where(top[:, None, :], U, xp.zeros_like(U)), axis=2)
            D = U - Ut[:, :, None]
            mean = xp.sum(P[:, None, :] * D, axis=2)
            rows = xp.sum(P[:, None, :] * (D - mean[:, :, None]) ** 2, axis=2)
            curvature = curvature + xp.sum(sb[:, None] * rows, axis=0)
            Ps = P * sb[:, None]
            eye = xp.eye(m, dtype=f64, device=self.device)
            A = A + xp.where(eye > 0, xp.sum(Ps * Q, axis=0)[None, :], -(Ps.T @ P))
        out = (to_numpy(curvature), to_numpy(spread), to_numpy(A))
        return tuple(np.asarray(a, dtype=np.float64) for a in out)  # type: ignore[return-value]

    def _softmax_terms(self, Z: Any, Y: Any) -> tuple[Any, Any, Any, Any]:
        """Rows' cross-entropy, ``P``, ``1 - P`` and ``P - Y`` of a softmax layer (``Y`` the
        one-hot labels, boolean), as :func:`oneneuron.objective.softmax_terms`: the row's
        largest class's ``1 - P`` and ``log(sum)`` from the other classes' exact sum."""
        xp = self.xp
        m = Z.shape[1]
        top = xp.argmax(Z, axis=1)
        shifted = Z - xp.max(Z, axis=1, keepdims=True)
        E = xp.exp(shifted)
        mask = xp.arange(m, device=self.device)[None, :] == top[:, None]
        rest = xp.sum(xp.where(mask, xp.zeros_like(E), E), axis=1)
        total = (1.0 + rest)[:, None]
        P = E / total
        Q = xp.where(mask, xp.broadcast_to(rest[:, None] / total, P.shape), 1.0 - P)
        rows = xp.log1p(rest) - xp.sum(xp.where(Y, shifted, xp.zeros_like(shifted)), axis=1)
        return rows, P, Q, xp.where(Y, -Q, P)

    def _curvature(self, s: Any, P: Any, k: int, j: int, Q: Any = None) -> Any:
        """``D_kj = s * d2l / dz_k dz_j`` per row, float64 (``P``: the probabilities of a
        softmax layer and ``Q`` their ``1 - P``; for one neuron already its curvature
        ``p (1 - p)``)."""
        xp = self.xp
        if self.multinomial:
            return s * xp.astype(P[:, k] * (Q[:, k] if k == j else -P[:, j]), xp.float64)
        return s * xp.astype(P, xp.float64)  # binary: P holds p (1 - p) already
