"""The objective, stated once, and its derivatives evaluated block by block.

For ``n`` rows ``x_i`` with labels ``y_i`` and weights ``s_i`` (``S = sum s_i``)::

    loss(W', b') = (1/S) * sum_i s_i * l(y_i, z_i)  +  (alpha/2) * ||W'||^2
                   [ + sum_j lam_j |W'_j|   (L1Penalty, handled by the proximal solver) ]
    z_i = ((x_i - mu) / sigma) @ W'.T + b'

``l`` is :func:`~oneneuron.functions.log_loss` (binary, one sigmoid neuron,
``W'`` of shape (1, d)) or :func:`~oneneuron.functions.cross_entropy`
(K > 2 classes, a softmax layer, ``W'`` of shape (K, d)). The intercept ``b'`` is
never penalised. ``mu`` and ``sigma`` are the standardisation statistics (zeros
and ones when there is none). They are *folded into the coefficients*, never
applied to a copy of X::

    W = W' / sigma,   b = b' - W @ mu,   z = X @ W.T + b

The solver's parameter vector ``theta`` lives on the standardised scale and is
laid out as ``[W'.ravel(), b']`` (``b'`` omitted when there is no intercept).

Layers: :func:`block_statistics` is the per-block math (one read of the block
gives loss, gradient and, when asked, the Hessian). Engines (``oneneuron.engines``)
own the data and sum block statistics; :class:`LinearLoss` turns those raw-scale
sums into the loss, gradient and Hessian in ``theta`` that solvers consume.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .functions import sigmoid
from .wording import counted

__all__ = [
    "BlockStats",
    "ColumnHessian",
    "block_statistics",
    "row_curvatures",
    "block_meat",
    "block_meat_root",
    "blocks_meat",
    "meat_slices",
    "LinearLoss",
    "L1Penalty",
    "SmallDenseLoss",
    "separated_rows",
    "direction_curvature",
    "offset_intercept",
    "binary_residual",
    "binary_loss",
    "softmax_terms",
    "weight_floor",
    "weighted_design_r",
    "least_squares_step",
    "ALIAS_TOL",
]


@dataclass
class BlockStats:
    """Sums over rows of the raw-scale statistics (weights already normalised by S).

    Attributes
    ----------
    loss : float
        ``sum_i s_i l_i``.
    grad_W : ndarray, shape (m, d)
        ``R.T @ X`` with ``R = s * dl/dz`` of shape (n, m); ``m = 1`` binary, K multinomial.
    grad_b : ndarray, shape (m,)
        ``R.sum(0)``.
    hess_W : ndarray, shape (m, m, d, d) or None
        ``X.T @ diag(D_kl) @ X`` for every class pair, ``D_kl = s * d2l/dz_k dz_l``.
    hess_Wb : ndarray, shape (m, m, d) or None
        ``X.T @ D_kl``.
    hess_b : ndarray, shape (m, m) or None
        ``D_kl.sum()``.
    """

    loss: float
    grad_W: NDArray[np.float64]
    grad_b: NDArray[np.float64]
    hess_W: NDArray[np.float64] | None = None
    hess_Wb: NDArray[np.float64] | None = None
    hess_b: NDArray[np.float64] | None = None

    def __iadd__(self, other: BlockStats) -> BlockStats:
        self.loss += other.loss
        self.grad_W += other.grad_W
        self.grad_b += other.grad_b
        if other.hess_W is not None:
            self.hess_W += other.hess_W
            self.hess_Wb += other.hess_Wb
            self.hess_b += other.hess_b
        return self


def block_statistics(
    X: Any,
    y: NDArray[Any],
    s: NDArray[np.floating] | float,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    multinomial: bool,
    order: int = 1,
    offset: NDArray[np.floating] | None = None,
    float64_sums: bool = True,
) -> BlockStats:
    """Loss, gradient and (``order=2``) Hessian sums of one row block, in one read.

    Parameters
    ----------
    X : ndarray or scipy.sparse CSR matrix, shape (n, d)
        The block. With ``float64_sums`` (the default) a float32 block is read into a
        float64 copy of the block (the data stay float32; :func:`float64_block`), so
        its sums are the float64 sums the fused kernels form; without, the products
        run in float32 (a subsample's Hessian, used only as a solver's metric).
    y : ndarray, shape (n,)
        0/1 floats (binary) or class indices (multinomial).
    s : ndarray of shape (n,) or float
        Per-row weights already divided by the total weight ``S``.
    W : ndarray, shape (m, d);  b : ndarray, shape (m,)
        Raw-scale coefficients and intercepts.
    multinomial : bool
        Softmax over ``m = K`` columns instead of one sigmoid.
    order : {0, 1, 2}
        0: loss only; 1: loss and gradient; 2: also the Hessian.
    offset : ndarray of shape (n,), optional
        A known term added to every logit (binary): ``z = X @ W.T + b + offset``.
    float64_sums : bool
        See ``X``.

    Returns
    -------
    BlockStats
        float64 sums.
    """
    X = float64_block(X) if float64_sums else X
    dt = X.dtype
    Z = _logits(X, W, b, offset)
    n, m = Z.shape
    sw = np.broadcast_to(np.asarray(s, dtype=np.float64), (n,))
    if multinomial:
        rows, P, Q, R = softmax_terms(Z, y)
        loss = float(sw @ rows)
        R *= sw[:, None]
    else:
        rows, r, v = _binary_terms(Z[:, 0], y)
        loss = float(sw @ rows)
        R = (sw * r)[:, None]
    if order == 0:
        return BlockStats(loss, np.zeros((m, X.shape[1])), np.zeros(m))
    grad_W = np.asarray(X.T @ R.astype(dt, copy=False), dtype=np.float64).T
    stats = BlockStats(loss, np.ascontiguousarray(grad_W), R.sum(axis=0))
    if order >= 2:
        d = X.shape[1]
        hW = np.zeros((m, m, d, d))
        hWb = np.zeros((m, m, d))
        hb = np.zeros((m, m))
        if multinomial:
            for k in range(m):
                for j in range(k, m):
                    D = sw * P[:, k] * (Q[:, k] if k == j else -P[:, j])
                    _gram(X, D, hW, hWb, hb, k, j)
        else:
            _gram(X, sw * v, hW, hWb, hb, 0, 0, nonnegative=True)
        stats.hess_W, stats.hess_Wb, stats.hess_b = hW, hWb, hb
    return stats


def weighted_design_r(
    X: Any,
    y: NDArray[Any],
    s: NDArray[np.floating] | float,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    R: NDArray[np.float64] | None = None,
    *,
    multinomial: bool,
    offset: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """The triangular factor ``R`` of ``sqrt(D) [X, 1]``, the Hessian's square root, for one block.

    ``R.T @ R`` is the block's raw-scale Hessian of :func:`block_statistics` in the
    layout ``[W.ravel(), b]`` (``m (d + 1)`` square, ``m = 1`` binary, K multinomial),
    but ``R`` is formed by a QR factorisation of the weighted rows, never as the
    product ``X' D X``: that product squares the design's condition number (columns
    equal to 1e-8 relative: 1e16, all of float64's digits), ``R`` keeps it (1e8).
    Binary rows are scaled by ``sqrt(s p (1 - p))``; a softmax row by the factor
    ``M = (I - p 1') diag(sqrt(p))`` of its curvature ``diag(p) - p p' = M M'``, one
    row of the stacked design per class. ``R`` (the factor of earlier blocks) is
    stacked on top, so a walk over the blocks is a tall-skinny QR (bounded memory).
    """
    X = float64_block(X)
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    n, d = X.shape
    Z = _logits(X, W, b, offset)
    m = Z.shape[1]
    sw = np.broadcast_to(np.asarray(s, dtype=np.float64), (n,))
    ones = np.ones((n, 1))
    if multinomial:
        _, P, Q, _ = softmax_terms(Z, y)
        # C[i, j, k] = sqrt(s_i p_ij) (delta_kj - p_ik): row (i, j), class block k
        C = -P[:, None, :] * np.sqrt(sw[:, None] * P)[:, :, None]
        at = np.arange(m)
        C[:, at, at] = np.sqrt(sw[:, None] * P) * Q
        rows = np.empty((n, m, m * (d + 1)))
        rows[:, :, : m * d] = (C[:, :, :, None] * X[:, None, None, :]).reshape(n, m, m * d)
        rows[:, :, m * d :] = C
        B = rows.reshape(n * m, m * (d + 1))
    else:
        _, _, v = _binary_terms(Z[:, 0], y)
        B = np.hstack([X, ones]) * np.sqrt(sw * v)[:, None]
    if R is not None:
        B = np.vstack([R, B])
    if B.shape[0] < B.shape[1]:  # fewer rows than columns so far: pad with zero rows
        B = np.vstack([B, np.zeros((B.shape[1] - B.shape[0], B.shape[1]))])
    return np.linalg.qr(B, mode="r")


#: :func:`least_squares_step` leaves out the directions whose singular value, relative to
#: the largest, of the weighted design with unit-norm columns is at most this: such
#: columns count as aliased (an exact linear dependence seen through round-off). Along
#: a direction of relative singular value ``sigma`` the gradient itself is known to
#: about ``eps / sigma`` relative (the difference of sums of size 1), and the fit to
#: about that: ``x`` and ``x + delta * noise`` have ``sigma`` about ``0.7 delta``;
#: measured against statsmodels on the reparameterised columns, ``delta = 1e-10``
#: fitted the probabilities to 2e-8, ``delta = 1e-11`` no longer converged. So
#: between this value and 1 every direction is solved, below it the columns are
#: aliased (and the fit warns, as where they are exactly dependent).
ALIAS_TOL = 1e-11


def least_squares_step(
    F: NDArray[np.float64],
    g: NDArray[np.float64],
    ridge: NDArray[np.float64] | None = None,
    gauge: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], int]:
    """The Newton step ``p = -H^+ g`` for ``H = F'F + diag(ridge) + gauge``, without forming ``H``.

    ``F`` is a square root of the data's Hessian (the ``R`` of
    :func:`weighted_design_r`, or any matrix with ``F'F`` that Hessian); the ridge
    (the L2 term's diagonal) and the PSD ``gauge`` are appended to it as further
    rows. The stacked matrix, its columns scaled to unit norm (so that units do not
    count), is factored by an SVD: a direction of relative singular value ``sigma``
    is solved to about ``eps / sigma`` (``eps / sigma**2`` through ``H``), those at
    most :data:`ALIAS_TOL` are left out (the step has no component along them).
    Returns the step and the number of directions left out.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import least_squares_step
    >>> F = np.array([[1.0, 1.0], [0.0, 1e-9]])  # columns equal to 1e-9 relative
    >>> p, aliased = least_squares_step(F, np.array([1.0, 1.0]))
    >>> aliased, np.allclose(F.T @ (F @ p), [-1.0, -1.0], rtol=1e-6)
    (0, True)
    """
    parts = [np.asarray(F, dtype=np.float64)]
    if ridge is not None and np.any(ridge > 0):
        k = np.flatnonzero(ridge > 0)
        rows = np.zeros((k.size, F.shape[1]))
        rows[np.arange(k.size), k] = np.sqrt(ridge[k])
        parts.append(rows)
    if gauge is not None:
        lam, V = np.linalg.eigh(gauge)
        keep = lam > 1e-12 * max(float(lam.max()), 0.0)
        parts.append(np.sqrt(lam[keep])[:, None] * V[:, keep].T)
    A = np.vstack(parts)
    c = np.sqrt(np.einsum("ij,ij->j", A, A))
    c[~(c > 0)] = 1.0
    _, S, Vt = np.linalg.svd(A / c, full_matrices=False)
    keep = S > ALIAS_TOL * (S[0] if S.size else 0.0)
    h = Vt[keep] @ (g / c)
    p = -(Vt[keep].T @ (h / S[keep] ** 2)) / c
    return p, int(S.size - keep.sum()) + max(0, F.shape[1] - S.size)


def weight_floor(n_positive: int, smallest: float) -> float:
    """The scale of the objective below which the solvers stop resolving it: ``n+ min s``.

    ``n+`` is the number of rows of positive weight and ``smallest`` the least of
    their normalised weights ``s_i`` (which sum to 1): 1 when every row weighs the
    same, smaller by the lightest row's share relative to an equal share.

    Decision: the solvers treat changes of the objective below
    ``32 eps max(weight_floor, |f|)`` as round-off (see
    :func:`oneneuron.solvers._base.round_off`). An unweighted fit resolves every
    row's loss to about ``32 eps`` of the mean loss, and so keeps stopping where it
    did (a separated fit at its float64 floor); a weighted fit resolves its lightest
    rows' losses as finely. With one row weighing 1e20 the optimum's mean loss is
    about 1e-16, below an absolute floor of ``32 eps``: every step there looked
    like round-off and Newton stopped at a wrong point, reported converged.

    Examples
    --------
    >>> from oneneuron.objective import weight_floor
    >>> weight_floor(4, 0.25)
    1.0
    >>> weight_floor(3, 1e-20 / (1e20 + 2e-20)) < 1e-38
    True
    """
    return min(1.0, float(n_positive) * float(smallest)) if n_positive else 1.0


def softmax_terms(
    Z: NDArray[np.float64], y: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Each row's cross-entropy, the probabilities ``P``, ``1 - P`` and ``P - Y``, from logits.

    ``Z`` of shape (n, K) and class indices ``y``. Each to full relative precision: the
    row's largest class ``m`` has ``exp(z_m - z_max) = 1``, the others sum to
    ``rest`` exactly, so ``log(sum) = log1p(rest)`` and ``1 - P_m = rest / (1 + rest)``;
    the plain ``P_y - 1`` and ``lse - z_y`` cancel where ``P_y`` is near 1 (as the
    binary :func:`binary_residual` explains). For the other classes ``P_k <= 1/2``,
    so ``1 - P_k`` needs no care.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import softmax_terms
    >>> loss, P, Q, R = softmax_terms(np.array([[40.0, 0.0, 0.0]]), np.array([0]))
    >>> bool(R[0, 0] == -2 * np.exp(-40.0) / (1 + 2 * np.exp(-40.0)) and loss[0] > 0)
    True
    """
    n = Z.shape[0]
    at = np.arange(n)
    top = np.argmax(Z, axis=1)
    shifted = Z - Z[at, top][:, None]
    E = np.exp(shifted)
    E[at, top] = 0.0
    rest = E.sum(axis=1)
    E[at, top] = 1.0
    total = 1.0 + rest
    rows = np.log1p(rest) - shifted[at, y]
    P = E / total[:, None]
    Q = 1.0 - P
    Q[at, top] = rest / total
    R = P.copy()
    R[at, y] = -Q[at, y]
    return rows, P, Q, R


def binary_loss(z: NDArray[np.float64], y: NDArray[Any]) -> NDArray[np.float64]:
    """Each row's log-loss ``softplus(z) - y z``, to full relative precision.

    Written ``max(z, 0) (1 - y) - min(z, 0) y + log1p(exp(-|z|))``: the plain form
    cancels ``z - z`` where ``y = 1`` and ``z >> 0`` (a loss of ``exp(-z)``, 1e-12 at
    ``z = 27``, then carries an absolute error of ``z`` ulps), as the compiled kernels
    already avoid.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import binary_loss
    >>> z, y = np.array([30.0]), np.array([1.0])
    >>> bool(binary_loss(z, y)[0] == np.log1p(np.exp(-30.0)))  # the plain form: off by 1%
    True
    """
    return np.maximum(z, 0.0) * (1.0 - y) - np.minimum(z, 0.0) * y + np.log1p(np.exp(-np.abs(z)))


def binary_residual(
    z: NDArray[np.float64], y: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``sigmoid(z) - y`` and ``sigmoid'(z) = p (1 - p)``, each to full relative precision.

    Both from ``q = sigmoid(-|z|) <= 1/2``: where ``z >= 0``, ``p = 1 - q`` and the
    residual is ``(1 - y) - q``, else ``q - y``; the curvature is ``q (1 - q)``. The
    plain ``sigmoid(z) - y`` loses its relative precision where ``p`` and ``y`` are
    both near 1 (``1 - 1e-9`` carries an absolute error of 1e-16), and ``p (1 - p)``
    rounds to 0 beyond ``z`` of about 37: a row of class 1 predicted near 1 then
    counted differently from its mirror image of class 0 predicted near 0 (with
    ``class_weight={0: 1e-12, 1: 1}`` the coefficients moved by 1e-5).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import binary_residual
    >>> r, v = binary_residual(np.array([40.0, -40.0]), np.array([1.0, 0.0]))
    >>> bool(r[0] == -r[1] and v[0] == v[1] > 0)
    True
    """
    q = sigmoid(-np.abs(z))
    return np.where(z >= 0, (1.0 - y) - q, q - y), q * (1.0 - q)


def _binary_terms(
    z: NDArray[np.float64], y: NDArray[Any]
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """:func:`binary_loss`, and :func:`binary_residual`'s two arrays, from one
    ``e = exp(-|z|)`` (one exponential and one log1p per row)."""
    e = np.exp(-np.abs(z))
    rows = np.maximum(z, 0.0) * (1.0 - y) - np.minimum(z, 0.0) * y + np.log1p(e)
    q = e / (1.0 + e)  # sigmoid(-|z|)
    return rows, np.where(z >= 0, (1.0 - y) - q, q - y), q * (1.0 - q)


def _logits(
    X: Any, W: NDArray[np.floating], b: NDArray[np.floating], offset: NDArray[np.floating] | None
) -> NDArray[np.float64]:
    """``X @ W.T + b (+ offset)`` as a float64 (n, m) array, the products in X's dtype."""
    dt = X.dtype
    Z = np.asarray(X @ W.T.astype(dt, copy=False) + b.astype(dt, copy=False), dtype=np.float64)
    if offset is not None:
        Z = Z + np.asarray(offset, dtype=np.float64)[:, None]
    return Z


def float64_block(X: Any) -> Any:
    """A float32 row block as float64 (dense or CSR); other blocks as they are.

    float32 sums of logits, gradients and Gram matrices lose digits that the
    statistics cannot spare: the Hessian's change to standardised coordinates
    subtracts ``mean^2`` terms from ``E[x^2]`` terms, which for a column far from zero
    relative to its spread (mean 3, sd 0.1) cancels ~900x, and float32 standard
    errors were off by 0.1%-2%. The copy is one block (bounded memory); X stays
    float32, so its reads still cost half of float64's.

    Examples
    --------
    >>> float64_block(np.ones((2, 2), dtype=np.float32)).dtype
    dtype('float64')
    """
    if X.dtype != np.float32:
        return X
    return X.astype(np.float64)


def direction_curvature(
    X: Any,
    s: NDArray[np.floating] | float,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    V: NDArray[np.floating],
    c: NDArray[np.floating],
    *,
    offset: NDArray[np.floating] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """The Hessian's curvature along directions, formed row by row, and the same unweighted.

    For the model ``(W, b)`` (raw scale, ``m`` outputs) each row has a curvature matrix
    ``A_i``: ``p_i (1 - p_i)`` for one sigmoid neuron (``m = 1``), ``diag(p_i) - p_i p_i'``
    for a softmax layer. A direction ``j`` is raw-scale coefficients ``V[j]`` of shape
    (m, d) and intercepts ``c[j]`` of shape (m,), whose linear predictor on a row is
    ``u_ij = x_i @ V[j].T + c[j]``. Returned, as sums over the block:

    - ``curvature[j] = sum_i s_i u_ij' A_i u_ij``, the Hessian's quadratic form along the
      direction, each row's term non-negative (a softmax row's is the variance of
      ``u_ij`` under ``p_i``). Formed from the rows, not from ``X' D X``: along nearly
      collinear columns that product holds only its rounding;
    - ``spread[j] = sum_i s_i ||u_ij||^2``, the same without the weights ``A_i``;
    - ``A = sum_i s_i A_i`` (m, m), the rows' curvature summed.

    Their ratio tells what made a direction flat: the design (every ``u_ij`` small, as
    along the difference of nearly equal columns) keeps ``curvature / spread`` near the
    rows' typical curvature; separation (the rows that move along it fitted with
    probabilities 0 or 1) drives it to 0.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import direction_curvature
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> W, b = np.zeros((1, 1)), np.zeros(1)  # p = 1/2: every curvature is 1/4
    >>> curv, spread, A = direction_curvature(X, 1.0, W, b, np.ones((1, 1, 1)), np.zeros((1, 1)))
    >>> curv.tolist(), spread.tolist(), A.tolist()
    ([1.25], [5.0], [[0.75]])
    """
    X = float64_block(X)
    Z = _logits(X, W, b, offset)
    n, m = Z.shape
    q = V.shape[0]
    V = np.asarray(V, dtype=np.float64).reshape(q * m, -1)
    U = _logits(X, V, np.asarray(c, dtype=np.float64).reshape(q * m), None).reshape(n, q, m)
    sw = np.broadcast_to(np.asarray(s, dtype=np.float64), (n,))
    spread = sw @ (U * U).sum(axis=2)
    if m == 1:
        e = sigmoid(-np.abs(Z[:, 0]))
        v = sw * (e * (1.0 - e))
        return v @ (U[:, :, 0] ** 2), spread, np.array([[v.sum()]])
    _, P, Q, _ = softmax_terms(Z, np.zeros(n, dtype=np.intp))
    # the variance of u under p, about the likeliest class's u (no cancellation where
    # that class's p is near 1)
    top = np.argmax(Z, axis=1)
    D = U - U[np.arange(n), :, top][:, :, None]
    mean = np.einsum("ik,ijk->ij", P, D)
    curvature = sw @ np.einsum("ik,ijk->ij", P, (D - mean[:, :, None]) ** 2)
    Ps = P * sw[:, None]
    A = -(Ps.T @ P)
    A[np.diag_indices(m)] = (Ps * Q).sum(axis=0)
    return curvature, spread, A


def separated_rows(
    Z: NDArray[np.float64], y: NDArray[Any], s: NDArray[np.float64]
) -> tuple[int, int]:
    """Rows of positive weight that the logits ``Z`` (n, m) classify strictly right, and
    the rows of positive weight: equal counts prove complete separation.

    Binary ``m = 1``: ``sign(z_i) = 2 y_i - 1``; multinomial: the true class's logit
    beats every other. Engines count their blocks with it (one pass).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import separated_rows
    >>> separated_rows(np.array([[-1.0], [2.0], [0.5]]), np.array([0, 1, 0]), np.ones(3))
    (2, 3)
    """
    keep = np.broadcast_to(np.asarray(s), (len(Z),)) > 0
    Z, y = Z[keep], np.asarray(y)[keep].astype(np.intp)
    if Z.shape[1] == 1:
        right = (2.0 * y - 1.0) * Z[:, 0] > 0
    else:
        rows = np.arange(len(y))
        other = Z.copy()
        other[rows, y] = -np.inf
        right = Z[rows, y] > other.max(axis=1, initial=-np.inf)
    return int(np.count_nonzero(right)), int(len(y))


#: An offset of this magnitude or more is refused: float64 holds no differences of 1
#: between such values, so the logits would have no precision left.
OFFSET_LIMIT = 2.0**53


def unmasked(values: Any, what: str) -> Any:
    """``values`` itself, or a NumPy masked array's data where nothing is masked; a masked
    entry (no number to weigh by or add) is one ``ValueError`` naming ``what`` and its
    first masked row, in the words of the fit's check of row arguments.

    Examples
    --------
    >>> unmasked(np.ma.masked_array([1.0, 2.0], mask=[False, False]), "offset").tolist()
    [1.0, 2.0]
    """
    if not isinstance(values, np.ma.MaskedArray):
        return values
    mask = np.ma.getmaskarray(values)
    if mask.any():
        k = int(mask.sum())
        raise ValueError(
            f"{what} has {counted(k, 'masked value')} (row {int(np.argmax(mask))}); "
            f"fill them ({what}.filled(value)) or leave those rows out"
        )
    return np.ma.getdata(values)


def finite_offset(offset: Any, n_samples: int) -> NDArray[np.float64] | None:
    """``offset`` as a finite float64 vector of one value per row (None stays None):
    numbers, one per row, finite and below :data:`OFFSET_LIMIT` in magnitude; each
    failure one ``ValueError`` naming ``offset`` (the fit's, the predictions' and the
    statistics' check).

    Examples
    --------
    >>> finite_offset([0.5, -1.0], 2).tolist()
    [0.5, -1.0]
    """
    if offset is None:
        return None
    offset = unmasked(offset, "offset")
    try:
        off = np.asarray(offset, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("offset must be numbers, one value per row of X") from None
    if off.ndim != 1 or off.shape[0] != n_samples:
        raise ValueError(f"offset must be one value per row ({n_samples} rows), got {off.shape}")
    if not np.all(np.isfinite(off)):
        raise ValueError("offset must be finite (no NaN or infinity)")
    big = np.flatnonzero(np.abs(off) >= OFFSET_LIMIT)
    if big.size:
        raise ValueError(
            f"offset has values beyond 2**53 in magnitude ({off[big[0]]:.3g} in row "
            f"{big[0]}), where float64 holds no differences of 1 between values: the "
            "logits would have no precision left; subtract the offset's typical value (its "
            "median) and let the intercept absorb it"
        )
    return off


def offset_intercept(
    y: NDArray[Any], s: NDArray[np.floating] | None, offset: NDArray[np.floating]
) -> float:
    """The intercept ``b`` of the binary model ``z_i = b + offset_i``, by maximum likelihood.

    The root of the score ``sum_i s_i (y_i - sigmoid(b + offset_i))``, which falls
    monotonically in ``b``. Without an offset it is the log-odds of the weighted
    mean ``ybar`` of ``y``; with one, ``b`` lies between ``logit(ybar) - max(offset)``
    and ``logit(ybar) - min(offset)`` (at those ends every row's probability is at
    most, resp. at least, ``ybar``), a bracket that SciPy's ``brentq`` closes to
    rounding. This is the fitted intercept-only model (the null model of the
    likelihood-ratio test) and the solvers' start: the log-odds of ``ybar`` with the
    offset ignored is ``max(abs(offset))`` away from it, where large offsets (of 50
    and more in magnitude) make every probability 0 or 1 and the Hessian underflow.

    ``y`` holds 0/1 labels, ``s`` row weights (None: all 1); ``ybar`` is clipped
    to ``[1e-12, 1 - 1e-12]`` (a class without weight has no finite estimate).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron.objective import offset_intercept
    >>> y = np.array([0.0, 1.0, 1.0, 0.0])
    >>> round(offset_intercept(y, None, np.zeros(4)), 12)
    0.0
    >>> round(offset_intercept(y, None, np.full(4, 100.0)), 9)
    -100.0
    """
    import scipy.optimize

    y = np.asarray(y, dtype=np.float64)
    off = np.asarray(offset, dtype=np.float64)
    sw = np.ones_like(y) if s is None else np.asarray(s, dtype=np.float64)
    total = float(np.sum(sw))
    ybar = min(max(float(sw @ y) / total, 1e-12), 1.0 - 1e-12)
    a = float(np.log(ybar) - np.log1p(-ybar))
    if off.size == 0 or float(np.ptp(off)) == 0.0:
        return a - (float(off[0]) if off.size else 0.0)
    target = float(sw @ y)

    def score(b: float) -> float:
        return target - float(sw @ sigmoid(b + off))

    lo, hi = a - float(np.max(off)) - 1.0, a - float(np.min(off)) + 1.0
    return float(scipy.optimize.brentq(score, lo, hi, xtol=1e-14, rtol=4 * np.finfo(float).eps))


def row_curvatures(
    X: Any,
    y: NDArray[Any],
    s: NDArray[np.floating] | float,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    offset: NDArray[np.floating] | None = None,
) -> tuple[BlockStats, NDArray[np.float64]]:
    """Loss and gradient sums of a binary model, and each row's curvature ``s_i p_i (1 - p_i)``.

    The curvatures are the diagonal ``D`` of the data term's Hessian
    ``X~.T D X~`` (``X~ = [X, 1]``): with X's columns, they are the Hessian in
    factored form (:class:`ColumnHessian`), no ``d x d`` matrix formed.

    Examples
    --------
    >>> from oneneuron.objective import row_curvatures
    >>> import numpy as np
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]])
    >>> st, D = row_curvatures(X, np.array([1.0, 0.0]), 0.5, np.zeros((1, 2)), np.zeros(1))
    >>> D.tolist(), st.grad_b.tolist()
    ([0.125, 0.125], [0.0])
    """
    # float64 products of float32 data, as block_statistics' (the column path's X is its
    # own float64 CSC copy anyway)
    X = float64_block(X)
    z = _logits(X, W[:1], b[:1], offset)[:, 0]
    n = z.shape[0]
    sw = np.broadcast_to(np.asarray(s, dtype=np.float64), (n,))
    rows, r, v = _binary_terms(z, y)
    loss = float(sw @ rows)
    r = sw * r
    grad_W = np.asarray(X.T @ r, dtype=np.float64).reshape(1, -1)
    return BlockStats(loss, grad_W, np.array([r.sum()])), sw * v


@dataclass
class ColumnHessian:
    """The Hessian of a binary :class:`LinearLoss` in factored form, over X's columns.

    ``H = T.T (X~.T diag(D) X~) T + diag(l2)`` with ``X~ = [X, 1]`` (``[X]``
    without intercept), ``T`` the standardisation's change of coordinates
    (``x'_ij = inv_j x_ij + shift_j``) and ``l2`` the L2 term's diagonal. X is
    held column by column (CSC arrays), so coordinate descent on the quadratic
    model (:func:`oneneuron.solvers.cd.minimize_quadratic`) costs the stored
    values of the columns it visits, and no ``p x p`` matrix is formed: glmnet's
    "naive" updates.

    Attributes
    ----------
    indptr, indices, data : ndarray
        X (raw scale) in CSC form, ``data`` float64.
    curvature : ndarray of shape (n,)
        ``D``: each row's ``s_i p_i (1 - p_i)`` (weights normalised by their sum).
    inv, shift : ndarray of shape (d,)
        ``1 / sigma`` and ``-mu / sigma``.
    l2 : ndarray of shape (d,)
        The L2 term's diagonal on the coefficients.
    fit_intercept : bool
        Whether the last coordinate is the intercept ``b'``.
    """

    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float64]
    curvature: NDArray[np.float64]
    inv: NDArray[np.float64]
    shift: NDArray[np.float64]
    l2: NDArray[np.float64]
    fit_intercept: bool

    @property
    def shape(self) -> tuple[int, int]:
        p = len(self.inv) + int(self.fit_intercept)
        return p, p

    def toarray(self) -> NDArray[np.float64]:
        """The dense ``p x p`` matrix (for tests and small checks)."""
        import scipy.sparse

        n, d = len(self.curvature), len(self.inv)
        Xc = scipy.sparse.csc_matrix((self.data, self.indices, self.indptr), shape=(n, d))
        Xs = Xc.toarray() * self.inv + self.shift
        if self.fit_intercept:
            Xs = np.hstack([Xs, np.ones((n, 1))])
        H = Xs.T @ (Xs * self.curvature[:, None])
        k = np.arange(d)
        H[k, k] += self.l2
        return H


def _gram(
    X: Any,
    D: NDArray[np.float64],
    hW: Any,
    hWb: Any,
    hb: Any,
    k: int,
    j: int,
    nonnegative: bool = False,
) -> None:
    """Fill the (k, j) and (j, k) Hessian blocks with ``X.T diag(D) X``, ``X.T D``, ``sum D``.

    With ``D >= 0`` the Gram matrix is formed as ``A.T @ A`` with ``A = sqrt(D) X``,
    which BLAS computes as a symmetric rank-k update (half the flops of a GEMM).
    """
    dt = X.dtype
    Dc = D.astype(dt, copy=False)
    if hasattr(X, "multiply"):  # scipy.sparse
        XD = X.multiply(Dc[:, None]).tocsr()
        G = np.asarray((X.T @ XD).todense(), dtype=np.float64)
    elif nonnegative:
        A = X * np.sqrt(Dc)[:, None]
        G = np.asarray(A.T @ A, dtype=np.float64)
    else:
        G = np.asarray((X * Dc[:, None]).T @ X, dtype=np.float64)
    v = np.asarray(X.T @ Dc, dtype=np.float64).ravel()
    hW[k, j] = G
    hWb[k, j] = v
    hb[k, j] = D.sum()
    if k != j:
        hW[j, k] = G.T
        hWb[j, k] = v
        hb[j, k] = hb[k, j]


def _residuals(
    X: Any,
    y: NDArray[Any],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    multinomial: bool,
    offset: NDArray[np.floating] | None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Score residuals ``R`` (n, B) in the reference parameterisation, and ``p (1 - p)``."""
    Z = _logits(float64_block(X), W, b, offset)
    n = Z.shape[0]
    if multinomial:
        R = -softmax_terms(Z, y)[3][:, 1:]  # y - P of classes 1..K-1
        return R, np.zeros(n)
    r, v = binary_residual(Z[:, 0], y)
    return -r[:, None], v


def _quadratic_form(X: Any, A: NDArray[np.float64], fit_intercept: bool) -> NDArray[np.float64]:
    """``x~_i.T A x~_i`` per row, ``x~ = [1, x]`` (or ``x``), without forming ``x~``."""
    Axx = A[1:, 1:] if fit_intercept else A
    Q = np.asarray(X @ Axx, dtype=np.float64)  # (n, d), dense even for sparse X
    quad = np.asarray(X.multiply(Q).sum(axis=1)).ravel() if hasattr(X, "multiply") else None
    if quad is None:
        quad = np.einsum("ij,ij->i", np.asarray(X, dtype=np.float64), Q)
    if fit_intercept:
        quad = quad + A[0, 0] + 2.0 * np.asarray(X @ A[1:, 0], dtype=np.float64).ravel()
    return quad


def block_meat(
    X: Any,
    y: NDArray[Any],
    w: NDArray[np.float64],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    multinomial: bool,
    fit_intercept: bool,
    bread: NDArray[np.float64] | None = None,
    power: float = 0.0,
    groups: NDArray[np.intp] | None = None,
    n_groups: int = 0,
    offset: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """One block's share of the sandwich's meat, from per-row log-likelihood scores.

    The score of row ``i`` is ``g_i = r_i (x) x~_i`` (Kronecker product) with
    ``x~_i = [1, x_i]`` (``[x_i]`` without intercept) and residuals
    ``r_i = y_i - p_i`` (binary, one block) or ``r_ik = 1{y_i = k} - P_ik``,
    ``k = 1..K-1`` (multinomial, classes relative to class 0): the layout of
    the coefficient table (blocks in order, terms within). ``w`` are frequency
    weights (a row of weight 3 stands for three identical rows). The intercept
    is handled analytically and X is never densified or copied with a ones column.

    - ``groups is None``: ``sum_i w_i g_i g_i.T / (1 - h_i)**power``, shape (q, q),
      ``q = B * p``. ``power`` is 0 (HC0/HC1), 1 (HC2) or 2 (HC3); binary only
      for ``power > 0``, with ``h_i = p_i (1 - p_i) x~_i.T @ bread @ x~_i`` the
      leverage of *one* copy of row ``i`` in the IRLS-weighted design, ``bread``
      the (p, p) inverse of the summed Hessian (so a row of weight ``w_i`` has
      total leverage ``w_i h_i``, what R's ``hatvalues`` reports for it).
    - ``groups`` (cluster codes ``0..n_groups-1``): the per-cluster score sums
      ``sum_{i in g} w_i g_i``, shape (n_groups, q); their outer products are
      formed once all blocks are summed.
    """
    import scipy.sparse

    X = float64_block(X)
    R, V = _residuals(X, y, W, b, multinomial, offset)
    n, B = R.shape
    d = X.shape[1]
    p = d + int(fit_intercept)
    c = np.asarray(w, dtype=np.float64)
    if groups is not None:
        U = np.zeros((n_groups, B * p))
        for k in range(B):
            wr = c * R[:, k]
            S = scipy.sparse.csr_matrix((wr, (groups, np.arange(n))), shape=(n_groups, n))
            part = np.asarray((S @ X).todense() if hasattr(X, "multiply") else S @ X)
            cols = slice(k * p + int(fit_intercept), (k + 1) * p)
            U[:, cols] = part
            if fit_intercept:
                U[:, k * p] = np.bincount(groups, weights=wr, minlength=n_groups)
        return U
    if power:
        if bread is None or multinomial:
            raise ValueError("leverage-adjusted meat (power > 0) needs a binary model and a bread")
        h = V * _quadratic_form(X, bread, fit_intercept)
        c = c / (1.0 - h) ** power
    hW, hWb, hb = np.zeros((B, B, d, d)), np.zeros((B, B, d)), np.zeros((B, B))
    for k in range(B):
        for j in range(k, B):
            _gram(X, c * R[:, k] * R[:, j], hW, hWb, hb, k, j, nonnegative=k == j)
    M = np.zeros((B * p, B * p))
    off = int(fit_intercept)
    for k in range(B):
        for j in range(B):
            rk, rj = k * p, j * p
            M[rk + off : rk + p, rj + off : rj + p] = hW[k, j]
            if fit_intercept:
                M[rk, rj] = hb[k, j]
                M[rk + 1 : rk + p, rj] = hWb[k, j]
                M[rk, rj + 1 : rj + p] = hWb[j, k]
    return M


def block_meat_root(
    X: Any,
    y: NDArray[Any],
    w: NDArray[np.float64],
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    root: NDArray[np.float64],
    R: NDArray[np.float64] | None = None,
    *,
    multinomial: bool,
    fit_intercept: bool,
    power: float = 0.0,
    groups: NDArray[np.intp] | None = None,
    n_groups: int = 0,
    offset: NDArray[np.floating] | None = None,
) -> NDArray[np.float64]:
    """One block's share of the sandwich's meat as a square root, in the bread factor's frame.

    :func:`block_meat`'s meat ``M = sum_i c_i g_i g_i.T`` is never formed: with the
    bread given as its factor ``root = L`` (``A = L L.T``, shape (q, q), the layout of
    the coefficient table), each score row is mapped first, ``t_i = g_i.T L``, so that
    ``A M A = L (T.T T) L.T`` with ``T`` the rows ``sqrt(c_i) t_i``. Forming ``M``
    squares the design's condition number (the scores of columns equal to 1e-8
    relative differ by 1e-8 of themselves, their outer products by 1e-16: no digit
    left); ``t_i`` keeps it, as the bread's factor from the weighted design's QR does.
    ``c_i = w_i / (1 - h_i)**power`` with the leverage
    ``h_i = p_i (1 - p_i) ||x~_i.T L||^2`` (binary only for ``power > 0``).

    - ``groups is None``: the triangular factor of ``T`` (``R2.T R2 = T.T T``), with the
      factor ``R`` of earlier blocks stacked on top (a tall-skinny QR over the blocks),
      shape (q, q).
    - ``groups`` (cluster codes ``0..n_groups-1``): the clusters' sums
      ``sum_{i in g} w_i t_i``, shape (n_groups, q).
    """
    import scipy.sparse

    X = float64_block(X)
    Res, V = _residuals(X, y, W, b, multinomial, offset)
    n, B = Res.shape
    fi = int(fit_intercept)
    p = X.shape[1] + fi
    q = B * p
    T = np.zeros((n, q))
    lev = np.zeros(n)
    for k in range(B):
        Lk = root[k * p : (k + 1) * p]
        Y = np.asarray(X @ Lk[fi:], dtype=np.float64)  # x~_i.T L over class k's terms
        if fit_intercept:
            Y = Y + Lk[0]
        T += Res[:, k : k + 1] * Y
        if B == 1:
            lev = V * np.einsum("ij,ij->i", Y, Y)
    c = np.asarray(w, dtype=np.float64)
    if power:
        if multinomial:
            raise ValueError("leverage-adjusted meat (power > 0) needs a binary model")
        c = c / (1.0 - lev) ** power
    if groups is not None:
        S = scipy.sparse.csr_matrix((c, (groups, np.arange(n))), shape=(n_groups, n))
        return np.asarray(S @ T)
    T *= np.sqrt(c)[:, None]
    if R is not None:
        T = np.vstack([R, T])
    if T.shape[0] < q:  # fewer rows than columns so far: pad with zero rows
        T = np.vstack([T, np.zeros((q - T.shape[0], q))])
    return np.linalg.qr(T, mode="r")


#: Rows :func:`meat_slices` hands :func:`blocks_meat` at a time, for an engine without
#: row blocks of its own there (a Dask chunk's rows; a device's, copied to the host).
MEAT_BLOCK_ROWS = 65536


def meat_slices(
    X: Any,
    y: NDArray[Any],
    w: NDArray[np.float64],
    groups: NDArray[np.intp] | None,
    read: Any = np.asarray,
) -> Any:
    """:func:`blocks_meat`'s blocks over the rows of ``X`` (``read`` makes each slice of
    X a NumPy block), :data:`MEAT_BLOCK_ROWS` at a time; at least one (empty) block."""
    for i in range(0, max(1, X.shape[0]), MEAT_BLOCK_ROWS):
        sl = slice(i, i + MEAT_BLOCK_ROWS)
        yield read(X[sl]), y[sl], w[sl], None if groups is None else groups[sl], None


def blocks_meat(
    blocks: Any,
    W: NDArray[np.floating],
    b: NDArray[np.floating],
    *,
    multinomial: bool,
    fit_intercept: bool,
    bread: NDArray[np.float64] | None = None,
    power: float = 0.0,
    n_groups: int = 0,
    root: NDArray[np.float64] | None = None,
    total: NDArray[np.float64] | None = None,
) -> NDArray[np.float64] | None:
    """The meat over row ``blocks``, each ``(X, y, w, groups, offset)`` (``groups``,
    ``offset`` None or the block's), added to ``total`` (None to start).

    :func:`block_meat`'s shares summed; with ``root`` :func:`block_meat_root`'s, the
    triangular factor running on from block to block (a tall-skinny QR), or with
    clusters their mapped score sums added. What every engine's ``meat`` does over
    its rows (the NumPy engine's blocks, a Dask chunk's slices, a device's blocks
    copied to the host). None for no blocks.
    """
    opts = {"multinomial": multinomial, "fit_intercept": fit_intercept, "power": power}
    for X, y, w, groups, offset in blocks:
        kw = dict(opts, groups=groups, n_groups=n_groups, offset=offset)
        if root is not None:
            running = total if groups is None else None  # a factor runs on; sums add
            part = block_meat_root(X, y, w, W, b, root, running, **kw)
            total = part if total is None or groups is None else total + part
        else:
            part = block_meat(X, y, w, W, b, bread=bread, **kw)
            total = part if total is None else total + part
    return total


@dataclass
class LinearLoss:
    """Penalised loss of a linear model in the solver's standardised coordinates.

    Parameters
    ----------
    engine : object
        Has ``n_features``, ``statistics(W, b, order) -> BlockStats`` (sums over
        all rows with weights normalised by S) and counts ``n_passes``.
    n_outputs : int
        ``m``: 1 for one sigmoid neuron, K for a softmax layer.
    alpha : float
        L2 strength on ``W'`` (standardised scale).
    mean, scale : ndarray, shape (d,)
        Standardisation statistics ``mu`` and ``sigma``.
    fit_intercept : bool
        Whether ``b'`` is a free parameter (otherwise fixed at 0).
    raw_penalty : bool, default=False
        Penalise the original-scale ``W = W' / sigma`` instead of ``W'``:
        ``(alpha/2) ||W||^2``. With it, ``mu`` and ``sigma`` are only a change of
        coordinates for the solver (the objective is that of the raw features),
        which conditions first-order solvers as standardised data would.
    penalty_factor : ndarray of shape (d,), optional
        Per-feature multipliers of the L2 term, ``(alpha/2) sum_j pf_j W'_j^2``
        (glmnet's ``penalty.factor``, glum's ``P2``; 0 leaves a feature unpenalised).
        Default: all ones.
    column_hessian : bool, default=False
        The L1 solver takes this problem's Hessian in factored form
        (:meth:`gradient_column_hessian`, binary models on the NumPy engine)
        instead of the ``p x p`` matrix: see :mod:`oneneuron.solvers.cd` for when.
    step_stats : tuple of two ndarrays, optional
        The columns' ``(mean, std)`` when ``theta`` is in raw coordinates
        (``standardize=False``): the exact solvers measure their steps on the
        standardised scale through :attr:`to_standard`, so that the stopping
        rule does not depend on the columns' units.
    flat : ndarray of bool of shape (d,), optional
        Columns without spread (constant over the rows of positive weight,
        ``FitData.flat`` of the engines). With an intercept such a column is
        a multiple of the intercept's column of ones, so its coefficient is not
        identified; it is held at exactly 0: its raw coefficient is 0 whatever
        ``theta`` holds, its gradient is 0 and its Hessian row and column are those of
        the identity, so every solver fits the other terms as without it. Without an
        intercept a constant column is an ordinary feature and this is ignored.
    """

    engine: Any
    n_outputs: int
    alpha: float
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    fit_intercept: bool = True
    raw_penalty: bool = False
    penalty_factor: NDArray[np.float64] | None = None
    column_hessian: bool = False
    step_stats: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    flat: NDArray[np.bool_] | None = None
    multinomial: bool = field(init=False)

    def __post_init__(self) -> None:
        self.multinomial = self.n_outputs > 1
        self.n_features = int(self.engine.n_features)
        # per-coefficient penalty weights: 1 on W', or 1/sigma^2 to penalise W itself
        self._pw = 1.0 / self.scale**2 if self.raw_penalty else np.ones(self.n_features)
        if self.penalty_factor is not None:
            self._pw = self._pw * np.asarray(self.penalty_factor, dtype=np.float64)
        # the flat columns held at 0 (with an intercept only), and their places in theta
        held = None if self.flat is None or not self.fit_intercept else np.flatnonzero(self.flat)
        self._held = held if held is not None and held.size else None
        self._held_theta = (
            None
            if self._held is None
            else (np.arange(self.n_outputs)[:, None] * self.n_features + self._held).ravel()
        )

    @functools.cached_property
    def _identity(self) -> bool:
        """Whether the coordinates are the raw ones (``mean`` 0, ``scale`` 1): asked by the
        blocked Hessian only, so made on its first use."""
        return not np.any(self.mean) and bool(np.all(self.scale == 1.0)) and self._held is None

    @property
    def n_params(self) -> int:
        """Length of ``theta``: ``m * d`` plus ``m`` intercepts when fitted."""
        m, d = self.n_outputs, self.n_features
        return m * d + (m if self.fit_intercept else 0)

    @property
    def n_passes(self) -> float:
        """Full passes over X made so far by the engine (minibatches count fractionally)."""
        return float(self.engine.n_passes)

    # --- coordinates -------------------------------------------------------
    @property
    def to_standard(self) -> Callable[[NDArray[np.float64]], NDArray[np.float64]] | None:
        """Map a vector of ``theta``'s layout to standardised coordinates, if it is raw.

        ``W' = W sigma`` and ``b' = b + W @ mu`` with the ``step_stats``
        (``mu = 0`` without intercept); linear, so it maps steps too. None where
        ``theta`` is standardised already (no ``step_stats``).
        """
        if self.step_stats is None:
            return None
        mu, sigma = (np.asarray(a, dtype=np.float64) for a in self.step_stats)
        m, d = self.n_outputs, self.n_features
        fit_intercept = self.fit_intercept

        def standard(v: NDArray[np.float64]) -> NDArray[np.float64]:
            W = v[: m * d].reshape(m, d)
            out = np.empty(len(v))
            out[: m * d] = (W * sigma).ravel()
            if fit_intercept:
                out[m * d :] = v[m * d :] + W @ mu
            return out

        return standard

    def unpack(self, theta: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        """Split ``theta`` into ``W'`` of shape (m, d) and ``b'`` of shape (m,)."""
        m, d = self.n_outputs, self.n_features
        Wp = theta[: m * d].reshape(m, d)
        bp = theta[m * d :] if self.fit_intercept else np.zeros(m)
        return Wp, bp

    def to_raw(self, theta: NDArray[np.float64]) -> tuple[NDArray, NDArray]:
        """Raw-scale ``(W, b)`` with ``W = W' / sigma`` and ``b = b' - W @ mu``."""
        Wp, bp = self.unpack(theta)
        W = Wp / self.scale
        if self._held is not None:
            W[:, self._held] = 0.0
        return W, bp - W @ self.mean

    def from_raw(self, W: NDArray, b: NDArray) -> NDArray[np.float64]:
        """Inverse of :meth:`to_raw`: ``W' = W sigma``, ``b' = b + W @ mu``."""
        W = np.asarray(W, dtype=np.float64).reshape(self.n_outputs, self.n_features)
        parts = [(W * self.scale).ravel()]
        if self.fit_intercept:
            parts.append(np.asarray(b, dtype=np.float64).ravel() + W @ self.mean)
        return np.concatenate(parts)

    # --- evaluations -------------------------------------------------------
    def _penalty(self, theta: NDArray[np.float64]) -> float:
        if not self.alpha:
            return 0.0
        Wp, _ = self.unpack(theta)
        return 0.5 * self.alpha * float(np.sum(Wp * Wp * self._pw))

    def loss(self, theta: NDArray[np.float64]) -> float:
        """Objective value (one pass over X, no gradient)."""
        W, b = self.to_raw(theta)
        st = self.engine.statistics(W, b, order=0)
        return st.loss + self._penalty(theta)

    def _grad(self, theta: NDArray, st: BlockStats) -> NDArray[np.float64]:
        Wp, _ = self.unpack(theta)
        gW = (st.grad_W - np.outer(st.grad_b, self.mean)) / self.scale + self.alpha * Wp * self._pw
        if self._held is not None:
            gW[:, self._held] = 0.0
        parts = [gW.ravel()]
        if self.fit_intercept:
            parts.append(st.grad_b)
        return np.concatenate(parts)

    def loss_gradient(
        self, theta: NDArray[np.float64], rows: NDArray[np.intp] | None = None
    ) -> tuple[float, NDArray[np.float64]]:
        """Objective and its gradient in ``theta``, fused in one pass over X.

        ``rows`` restricts the data term to a minibatch (an unbiased estimate).
        """
        W, b = self.to_raw(theta)
        st = self.engine.statistics(W, b, order=1, rows=rows)
        return st.loss + self._penalty(theta), self._grad(theta, st)

    def loss_gradient_pair(
        self, theta: NDArray[np.float64], theta2: NDArray[np.float64]
    ) -> tuple[tuple[float, NDArray[np.float64]], tuple[float, NDArray[np.float64]]] | None:
        """:meth:`loss_gradient` at ``theta`` and ``theta2`` from one read of X, or None
        where the engine cannot (then evaluate each with :meth:`loss_gradient`)."""
        pair = getattr(self.engine, "fused_pair", None)
        if pair is None:
            return None
        W, b = self.to_raw(theta)
        W2, b2 = self.to_raw(theta2)
        stats = pair(W, b, W2, b2)
        if stats is None:
            return None
        st, st2 = stats
        return (
            (st.loss + self._penalty(theta), self._grad(theta, st)),
            (st2.loss + self._penalty(theta2), self._grad(theta2, st2)),
        )

    def gradient_hessian(
        self, theta: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """Objective, gradient and full Hessian in ``theta`` (one pass over X).

        The raw-scale Hessian ``H`` over ``[W.ravel(), b]`` is mapped with the
        linear change of variables ``theta_raw = T theta``: ``H' = T.T H T``.
        """
        W, b = self.to_raw(theta)
        st = self.engine.statistics(W, b, order=2)
        m, d = self.n_outputs, self.n_features
        # raw Hessian, layout [W.ravel() (m*d), b (m)]
        H = np.zeros((m * (d + 1), m * (d + 1)))
        H[: m * d, : m * d] = st.hess_W.transpose(0, 2, 1, 3).reshape(m * d, m * d)
        Wb = st.hess_Wb.transpose(0, 2, 1).reshape(m * d, m)
        H[: m * d, m * d :] = Wb
        H[m * d :, : m * d] = Wb.T
        H[m * d :, m * d :] = st.hess_b
        if self._identity and self.fit_intercept:
            Hp = H  # no standardisation: theta is the raw layout already
        else:
            Hp = self._sandwich(H)
        if self.alpha:  # the L2 term's diagonal, added in place (no p x p diagonal matrix)
            k = np.arange(m * d)
            Hp[k, k] += self.alpha * np.tile(self._pw, m)
        return st.loss + self._penalty(theta), self._grad(theta, st), self._hold(Hp)

    @property
    def has_least_squares(self) -> bool:
        """Whether :meth:`least_squares_direction` can answer (the engine has the QR factor:
        the NumPy and Dask engines, and the array-API engine where its namespace has
        ``linalg.qr``)."""
        return getattr(self.engine, "weighted_design_r", None) is not None

    def least_squares_direction(
        self,
        theta: NDArray[np.float64],
        g: NDArray[np.float64],
        gauge: NDArray[np.float64] | None = None,
    ) -> tuple[NDArray[np.float64], int] | None:
        """The Newton step at ``theta`` from a QR factor of the weighted design (one pass).

        The step of :meth:`gradient_hessian`'s Hessian for the gradient ``g``, but
        from the engine's ``weighted_design_r`` (the triangular ``R`` of
        ``sqrt(D) [X, 1]``, see :func:`weighted_design_r`) mapped to ``theta``'s
        coordinates, with the L2 term, the held columns and ``gauge`` as further
        rows: :func:`least_squares_step` solves it with the design's condition
        number, not its square. Newton asks for it where the Cholesky factor of
        the Hessian finds a small pivot. Returns ``(step, aliased)``, or None
        where the engine has no such factor (``weighted_design_r`` absent or None: an
        array-API namespace without ``linalg.qr``).
        """
        F = self.hessian_root(theta)
        if F is None:
            return None
        return least_squares_step(F, g, self._ridge(), gauge)

    def hessian_root(
        self, theta: NDArray[np.float64], raw: bool = False
    ) -> NDArray[np.float64] | None:
        """A square root ``F`` of the data's Hessian at ``theta`` (one pass): ``F.T @ F`` is
        :meth:`gradient_hessian`'s Hessian without the L2 term and the held columns' diagonal.

        The engine's ``weighted_design_r`` (the triangular ``R`` of ``sqrt(D) [X, 1]``,
        by QR: :func:`weighted_design_r`) mapped to ``theta``'s coordinates, so that
        whatever solves or inverts with it works with the design's condition number, not
        its square; with ``raw=True`` that ``R`` itself, in the raw layout
        ``[W.ravel(), b]`` (``m (d + 1)`` columns, the intercepts' too without one).
        None where the engine has no such factor.
        """
        r_of = getattr(self.engine, "weighted_design_r", None)
        if r_of is None:
            return None
        W, b = self.to_raw(theta)
        F = r_of(W, b)
        if F is None or raw:
            return F
        if not (self._identity and self.fit_intercept):
            F = F @ self._jacobian()
        return F

    def _ridge(self) -> NDArray[np.float64]:
        """The diagonal that :meth:`gradient_hessian` adds to the data's Hessian: the L2
        term's, and :meth:`_hold`'s at the held coefficients."""
        m, d = self.n_outputs, self.n_features
        pen = np.zeros(self.n_params)
        pen[: m * d] = self.alpha * np.tile(self._pw, m)
        if self._held_theta is not None:
            pen[self._held_theta] = self._held_diagonal()
        return pen

    def _held_diagonal(self) -> NDArray[np.float64]:
        """The curvature a held (flat) coefficient gets, in :attr:`_held_theta`'s order:
        its L2 term's, or 1 where that is 0 (any positive value leaves it where it is)."""
        pen = np.tile(self.alpha * self._pw, self.n_outputs)[self._held_theta]
        return np.where(pen > 0, pen, 1.0)

    def _hold(self, H: NDArray[np.float64]) -> NDArray[np.float64]:
        """``H`` with the rows and columns of the held (flat) coefficients decoupled, in
        place: their diagonal is the L2 term's, or 1 where that is 0, so that ``H`` stays
        invertible and a Newton step leaves them where they are (their gradient is 0)."""
        k = self._held_theta
        if k is not None:
            H[k, :] = 0.0
            H[:, k] = 0.0
            H[k, k] = self._held_diagonal()
        return H

    def unheld(self, H: NDArray[np.float64]) -> NDArray[np.float64]:
        """The objective's true Hessian from one of :meth:`gradient_hessian`'s: the held
        (flat) coefficients' diagonal is the L2 term's alone (0 where unpenalised: the data
        do not move them), for the statistics to name such columns as constant. ``H``
        itself where nothing is held, else a copy."""
        k = self._held_theta
        if k is None:
            return H
        H = H.copy()
        H[k, k] = np.tile(self.alpha * self._pw, self.n_outputs)[k]
        return H

    def gradient_column_hessian(
        self, theta: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64], ColumnHessian]:
        """Objective, gradient and the Hessian as a :class:`ColumnHessian` (one pass).

        Binary models on an engine with ``row_curvatures`` and ``csc`` (the NumPy
        engine); the Hessian is that of :meth:`gradient_hessian`, in factored form.
        """
        if self.multinomial:
            raise ValueError("the factored Hessian is for binary models")
        W, b = self.to_raw(theta)
        st, D = self.engine.row_curvatures(W, b)
        indptr, indices, data = self.engine.csc()
        inv, shift, pen = 1.0 / self.scale, -self.mean / self.scale, self.alpha * self._pw
        if self._held is not None:  # held columns: no data term, invertible curvature
            inv[self._held], shift[self._held] = 0.0, 0.0
            pen = pen.copy()
            pen[self._held] = self._held_diagonal()  # binary: theta's places are the columns
        H = ColumnHessian(indptr, indices, data, D, inv, shift, pen, self.fit_intercept)
        return st.loss + self._penalty(theta), self._grad(theta, st), H

    def _sandwich(self, H: NDArray[np.float64]) -> NDArray[np.float64]:
        """``T.T @ H @ T`` for the Jacobian ``T`` of :meth:`_jacobian`, in O(p^2).

        ``T`` scales each coefficient by ``1 / scale`` and adds ``-mean / scale`` of it to
        its class's intercept, so a product with it is a column scaling plus one added
        column per class; the dense products cost O(p^3), which at a few thousand
        working-set columns (sparse L1 fits) took seconds per Hessian. ``H`` (the
        caller's temporary) is overwritten: the result is it, or a view of it.
        """
        m, d = self.n_outputs, self.n_features
        inv = 1.0 / self.scale
        u = -self.mean / self.scale
        scaled, shifted = bool(np.any(inv != 1.0)), bool(np.any(u))
        md = m * d
        # in place on the caller's temporary, columns then rows: a column scaling and one
        # rank-1 update per class (a gather of the intercept column into a p x p copy,
        # and concatenated copies, took 63 ms a side at p = 2000)
        for axis in (1, 0):
            A = H if axis == 1 else H.T  # A @ T on the columns, then (T.T @ .) on the rows
            if scaled:
                A[:, :md] *= np.tile(inv, m)
            if shifted:
                for k in range(m):
                    A[:, k * d : (k + 1) * d] += np.outer(A[:, md + k], u)
        return H if self.fit_intercept else H[:md, :md]

    def _jacobian(self) -> NDArray[np.float64]:
        """``T = d theta_raw / d theta`` (raw layout [W, b], columns of ``theta``)."""
        m, d = self.n_outputs, self.n_features
        P = self.n_params
        T = np.zeros((m * (d + 1), P))
        inv, shift = 1.0 / self.scale, -self.mean / self.scale
        if self._held is not None:  # held columns: no raw coefficient
            inv[self._held], shift[self._held] = 0.0, 0.0
        flat = T.reshape(-1)  # (a view) the diagonal of a block by one strided slice
        for k in range(m):
            start = k * d * (P + 1)
            flat[start : start + d * (P + 1) : P + 1] = inv  # the rest of the block is zero
            T[m * d + k, k * d : (k + 1) * d] = shift
            if self.fit_intercept:
                T[m * d + k, m * d + k] = 1.0
        return T


@dataclass
class L1Penalty:
    """The non-smooth part of the objective: ``sum_j lam_j |theta_j|``.

    ``lam`` has the layout of ``theta`` (see :class:`LinearLoss`) and is zero at
    the intercepts and at unpenalised features. Solvers minimise
    ``LinearLoss(theta) + L1Penalty(theta)`` (see :mod:`oneneuron.solvers.cd`).

    Parameters
    ----------
    lam : ndarray of shape (n_params,)
        Non-negative weights.

    Examples
    --------
    >>> from oneneuron.objective import L1Penalty
    >>> import numpy as np
    >>> pen = L1Penalty(np.array([0.5, 0.5, 0.0]))
    >>> float(pen.value(np.array([1.0, -2.0, 3.0])))
    1.5
    >>> pen.min_norm_subgradient(np.array([0.0, -2.0, 3.0]), np.array([0.2, 0.1, 0.3])).tolist()
    [0.0, -0.4, 0.3]
    """

    lam: NDArray[np.float64]

    @classmethod
    def for_problem(
        cls,
        problem: LinearLoss,
        strength: float,
        penalty_factor: NDArray[np.float64] | None = None,
    ) -> L1Penalty:
        """``lam = strength * pf_j`` on every class's coefficient ``j``, 0 on intercepts."""
        m, d = problem.n_outputs, problem.n_features
        pf = np.ones(d) if penalty_factor is None else np.asarray(penalty_factor, np.float64)
        lam = np.zeros(problem.n_params)
        lam[: m * d] = np.tile(float(strength) * pf, m)
        return cls(lam)

    def value(self, theta: NDArray[np.float64]) -> float:
        """``sum_j lam_j |theta_j|`` (an infinite ``lam_j`` at ``theta_j = 0`` adds 0)."""
        nz = theta != 0.0
        return float(self.lam[nz] @ np.abs(theta[nz]))

    def min_norm_subgradient(
        self, theta: NDArray[np.float64], grad: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """The smallest element of ``grad + lam * d|theta|``, zero exactly at a stationary point.

        ``grad + lam * sign(theta)`` where ``theta_j != 0``; where ``theta_j = 0``,
        ``sign(grad_j) * max(|grad_j| - lam_j, 0)``. Its ``max |.|`` is the KKT
        violation the proximal solvers stop on.
        """
        v = np.sign(grad) * np.maximum(np.abs(grad) - self.lam, 0.0)
        nz = theta != 0.0
        v[nz] = grad[nz] + self.lam[nz] * np.sign(theta[nz])
        return v


#: :class:`SmallDenseLoss` is used up to this many entries of the design ``n * (d + 1)``.
SMALL_DENSE_ENTRIES = 100_000


class SmallDenseLoss(LinearLoss):
    """:class:`LinearLoss` of one sigmoid neuron on small in-memory data, with less overhead.

    Same objective, coordinates and methods; the evaluations run directly on a
    standardised float64 copy ``A = [(X - mu) / sigma, 1]`` of the design (at most
    ``SMALL_DENSE_ENTRIES`` numbers, made once), so that an evaluation is a few
    vector operations: ``z = A @ theta``, the gradient ``A.T @ r`` and the Hessian
    ``A.T diag(D) A`` come out in ``theta``'s coordinates with no block loop and no
    change of variables. On tiny problems (200 x 1) the per-iteration Python
    overhead of the blocked engine is most of a fit's time; this path removes it.
    Each evaluation counts one pass on the engine, as the blocked path does.

    Examples
    --------
    >>> from oneneuron.objective import LinearLoss, SmallDenseLoss
    >>> import numpy as np
    >>> from oneneuron.engines import NumpyEngine
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]]); y = np.array([0.0, 1.0, 0.0, 1.0])
    >>> eng = NumpyEngine(X, y, np.ones(4), multinomial=False)
    >>> args = (eng, 1, 0.1, np.array([1.5]), np.array([1.2]))
    >>> theta = np.array([0.3, -0.2])
    >>> f, g, H = SmallDenseLoss(*args).gradient_hessian(theta)
    >>> f0, g0, H0 = LinearLoss(*args).gradient_hessian(theta)
    >>> bool(np.isclose(f, f0) and np.allclose(g, g0) and np.allclose(H, H0))
    True
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.multinomial:
            raise ValueError("SmallDenseLoss is for one sigmoid neuron (n_outputs=1)")
        eng = self.engine
        X = np.asarray(eng.X, dtype=np.float64)
        n, d = X.shape
        A = np.empty((n, d + 1) if self.fit_intercept else (n, d))  # C-ordered
        np.divide(X - self.mean, self.scale, out=A[:, :d])
        if self._held is not None:  # held (flat) columns: no data term
            A[:, self._held] = 0.0
        if self.fit_intercept:
            A[:, d] = 1.0
        self._A = A
        self._y = np.asarray(eng.y, dtype=np.float64)
        # the engine's weights sum to 1; equal ones (1/n without sample weights) are one
        # number c, which scales the sums instead of multiplying every row
        s = np.asarray(eng.s, dtype=np.float64)
        equal = s.strides[0] == 0 or bool((s == s[0]).all())  # stride 0: one broadcast value
        self._s = None if equal else s
        self._c = float(s[0]) if equal else 1.0
        off = getattr(eng, "offset", None)  # a known term of each logit, as the engine adds
        self._off = None if off is None else np.asarray(off, dtype=np.float64)
        pen = self.alpha * self._pw
        self._pen = np.concatenate([pen, [0.0]]) if self.fit_intercept else pen
        self._penalised = bool(self._pen.any())  # else the penalty's terms are left out

    @functools.cached_property
    def _Ah(self) -> NDArray[np.float64]:
        """``A`` with each row scaled by the square root of its weight: ``H = B.T @ B`` for
        ``B = _Ah * sqrt(sigmoid')``. Made on the first Hessian (the compiled tiny Newton
        loop of the estimator needs none)."""
        return self._A * (np.sqrt(self._c) if self._s is None else np.sqrt(self._s)[:, None])

    def _terms(self, theta: NDArray[np.float64]) -> tuple[float, NDArray, NDArray]:
        """Penalised loss, the logits ``z`` and ``softplus(z) = log(1 + exp(z))``.

        ``np.logaddexp(0, z)`` is softplus in one stable ufunc; the probabilities then
        follow without cancellation: ``sigmoid(z) = exp(z - softplus(z))`` and
        ``1 - sigmoid(z) = exp(-softplus(z))`` (fewer array operations than the
        ``exp(-|z|)`` forms, which matters at a few hundred rows). Equal weights and a
        zero penalty skip their row-sized operations: each costs about a microsecond here.
        """
        self.engine.n_passes += 1
        z = self._A @ theta
        if self._off is not None:
            z += self._off
        sp = np.logaddexp(0.0, z)
        rows = _loss_rows(z, sp, self._y)
        f = self._c * float(rows.sum()) if self._s is None else float(self._s @ rows)
        if self._penalised:
            f += 0.5 * float(theta @ (self._pen * theta))
        return f, z, sp

    def loss(self, theta: NDArray[np.float64]) -> float:
        """Objective value."""
        return self._terms(theta)[0]

    def loss_gradient(
        self, theta: NDArray[np.float64], rows: NDArray[np.intp] | None = None
    ) -> tuple[float, NDArray[np.float64]]:
        """Objective and gradient (``rows``: a minibatch, as :class:`LinearLoss`)."""
        if rows is not None:
            return super().loss_gradient(theta, rows)
        f, g, _, _ = self._first_order(theta)
        return f, g

    def _first_order(self, theta: NDArray[np.float64]) -> tuple[float, NDArray, NDArray, NDArray]:
        """Loss, gradient, the probabilities ``sigmoid(z)`` and ``softplus(z)``."""
        f, z, sp = self._terms(theta)
        p = np.exp(z - sp)
        r = _residual(z, sp, p, self._y)
        g = self._c * (self._A.T @ r) if self._s is None else self._A.T @ (self._s * r)
        if self._penalised:
            g += self._pen * theta
        if self._held is not None:
            g[self._held] = 0.0
        return f, g, p, sp

    def gradient_hessian(
        self, theta: NDArray[np.float64]
    ) -> tuple[float, NDArray[np.float64], NDArray[np.float64]]:
        """Objective, gradient and Hessian in ``theta``.

        :meth:`_first_order` written out (the Newton solver's hot call: on a tiny
        problem the Python calls cost as much as the vector operations).
        """
        self.engine.n_passes += 1
        A, y = self._A, self._y
        z = A @ theta
        if self._off is not None:
            z += self._off
        sp = np.logaddexp(0.0, z)
        rows = _loss_rows(z, sp, y)
        f = self._c * float(rows.sum()) if self._s is None else float(self._s @ rows)
        p = np.exp(z - sp)
        r = _residual(z, sp, p, y)
        g = self._c * (A.T @ r) if self._s is None else A.T @ (self._s * r)
        if self._penalised:
            f += 0.5 * float(theta @ (self._pen * theta))
            g += self._pen * theta
        B = self._Ah * np.sqrt(p * np.exp(-sp))[:, None]
        H = B.T @ B  # a symmetric rank-k update: exactly symmetric
        if self._penalised:
            H.flat[:: len(H) + 1] += self._pen
        if self._held is not None:
            g[self._held] = 0.0
        return f, g, self._hold(H)

    def least_squares_direction(
        self,
        theta: NDArray[np.float64],
        g: NDArray[np.float64],
        gauge: NDArray[np.float64] | None = None,
    ) -> tuple[NDArray[np.float64], int] | None:
        """:meth:`LinearLoss.least_squares_direction` on the standardised copy ``A``: the
        QR factor of ``B = A sqrt(s p (1 - p))``, whose ``B.T @ B`` is the Hessian."""
        self.engine.n_passes += 1
        z = self._A @ theta
        if self._off is not None:
            z += self._off
        sp = np.logaddexp(0.0, z)
        B = self._Ah * np.exp(0.5 * z - sp)[:, None]  # sqrt(p (1 - p)) = exp(z/2 - sp)
        R = np.linalg.qr(B, mode="r") if B.shape[0] >= B.shape[1] else B
        return least_squares_step(R, g, self._ridge(), gauge)


def _residual(
    z: NDArray[np.float64], sp: NDArray[np.float64], p: NDArray[np.float64], y: NDArray[Any]
) -> NDArray[np.float64]:
    """``p - y`` from ``sp = softplus(z)`` and ``p = sigmoid(z)``, without the cancellation
    of ``p - 1`` near 1 (see :func:`binary_residual`): ``(1 - y) - exp(-sp)`` where
    ``z >= 0`` (``exp(-sp)`` is ``1 - p`` to full precision)."""
    return np.where(z >= 0, (1.0 - y) - np.exp(-sp), p - y)


def _loss_rows(
    z: NDArray[np.float64], sp: NDArray[np.float64], y: NDArray[Any]
) -> NDArray[np.float64]:
    """``sp - y z`` (``sp = softplus(z)``) without its cancellation where ``y = 1`` and
    ``z >> 0`` (see :func:`binary_loss`): where ``z >= 0`` it is written
    ``(1 - y) z + softplus(-z)``, with ``softplus(-z) = log1p(exp(-z))`` exact."""
    return np.where(z >= 0, (1.0 - y) * z + np.log1p(np.exp(-np.abs(z))), sp - y * z)
