"""The math of one neuron: activations and losses, each with its derivative beside it.

Everything here is pure NumPy, vectorised, and numerically stable for any finite
input: no overflow warning, NaN or inf for ``|z|`` of ``1e4`` and far beyond.
The dtype of the input is kept (float32 in, float32 out).

Notation (the tutorials' names):

========================  ======================================================
``z``                     logit, ``z = X @ w + b``
``sigmoid(z)``            ``a = 1 / (1 + exp(-z))``, the neuron's activation
``log_sigmoid(z)``        ``log a``
``log_loss(y, z)``        ``-[y log a + (1 - y) log(1 - a)]`` computed from ``z``
``log_loss_grad(y, z)``   ``a - y``  (d loss / d z)
``softmax(Z)``            ``exp(Z) / sum(exp(Z))`` row-wise, K classes
``cross_entropy(Y, Z)``   ``-sum_k Y_k log softmax(Z)_k`` per row
========================  ======================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "sigmoid",
    "sigmoid_pair",
    "sigmoid_grad",
    "log_sigmoid",
    "log_sigmoid_grad",
    "softplus",
    "log_loss",
    "log_loss_grad",
    "log_loss_hess",
    "probability_log_loss",
    "softmax",
    "log_softmax",
    "cross_entropy",
    "cross_entropy_grad",
]


def _float(z: ArrayLike) -> NDArray[np.floating]:
    """Return ``z`` as a floating array, keeping float32/float64 and promoting ints."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    return z


def _pair_shape(first: NDArray, second: NDArray, names: tuple[str, str]) -> None:
    """Refuse two per-sample arrays that would broadcast to a matrix neither of them is.

    ``y`` of shape ``(n, 1)`` (a column, as courses keep labels) beside ``z`` of shape
    ``(n,)`` broadcasts to ``(n, n)``: every label against every logit, whose mean is a
    wrong cost. A scalar (or any shape that broadcasts into the other) is fine.
    """
    try:
        shape = np.broadcast_shapes(first.shape, second.shape)
    except ValueError:
        shape = None
    if shape is None or shape not in (first.shape, second.shape):
        a, b = names
        what = f"a {shape} matrix" if shape is not None else "nothing"
        raise ValueError(
            f"{a} has shape {first.shape} and {b} has shape {second.shape}: they broadcast to "
            f"{what}, not one value per sample; pass both with the same shape (e.g. "
            f"{a}.ravel() and {b}.ravel())"
        )


def _refuse_non_finite(a: NDArray, what: str, needs: str) -> None:
    """Refuse NaN or infinite values in ``a`` (1-D, or 2-D rows by columns): one
    ``ValueError`` with how many there are and where the first is, then ``needs``
    (what the caller needs and what to do), for the teaching neuron and the plots."""
    bad = ~np.isfinite(a)
    if not bad.any():
        return
    n = int(bad.sum())
    first = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
    nan = np.isnan(a[bad])
    kind = "missing" if nan.all() else "infinite" if not nan.any() else "missing or infinite"
    where = ""
    if first:
        where = f" (first in row {first[0]}" + (f", column {first[1]})" if a.ndim == 2 else ")")
    if what == "X" and a.ndim == 2 and a.shape[0] > 1:  # (x - mean) / std of a constant: 0 / 0
        gone = np.flatnonzero(np.isnan(a).all(axis=0))
        if gone.size:
            cols = ", ".join(str(int(j)) for j in gone[:5]) + (", ..." if gone.size > 5 else "")
            needs = (
                f"column{'s' if gone.size > 1 else ''} {cols} "
                f"{'are' if gone.size > 1 else 'is'} NaN in every row: standardising a "
                "constant column, (x - mean) / std, divides 0 by 0; drop it (a constant "
                "carries nothing the bias does not), or divide by std only where std > 0"
            )
    raise ValueError(f"{what} has {n} {kind} value{'s' if n > 1 else ''}{where}; {needs}")


def _unit_interval(v: NDArray, what: str, hint: str | Callable[[NDArray], str]) -> None:
    """Refuse values outside [0, 1] (NaN passes and gives NaN); ``hint`` may be a function
    of ``v``, called only then (a label check runs at every step of a training loop: the
    smallest and largest values tell, a quarter of the time of two comparisons' arrays;
    where NaN hides them, the arrays)."""
    if not v.size:
        return
    lo, hi = v.min(), v.max()
    if (lo < 0 or hi > 1) or (lo != lo and (np.any(v < 0) or np.any(v > 1))):
        bad = v[(v < 0) | (v > 1)].flat[0]
        raise ValueError(
            f"{what} in [0, 1]; got {bad:g}{hint if isinstance(hint, str) else hint(v)}"
        )


def _label_hint(y: NDArray) -> str:
    """What to do with labels outside [0, 1], from what they look like: ``{-1, 1}`` are
    recoded by ``(y + 1) / 2``; K > 2 whole numbers are K classes, which one sigmoid cannot
    tell apart (the softmax estimator can); anything else gets no guess."""
    v = np.unique(y[np.isfinite(y)]) if y.dtype.kind == "f" else np.unique(y)
    if v.size and np.all(v == np.round(v)):
        if set(v.tolist()) <= {-1.0, 1.0}:
            return " (labels in {-1, 1}: pass (y + 1) / 2)"
        if v.size > 2:
            return (
                f" ({v.size} classes? one neuron's sigmoid tells two apart; "
                f"NeuronClassifier fits K classes with a softmax layer)"
            )
    return ""


def _text_labels(what: str, y: NDArray) -> str:
    """The error for labels given as text: code them as 0 and 1, naming one of them."""
    shown = sorted({str(v) for v in y.ravel()})
    pick = shown[-1] if shown else "yes"
    return (
        f"{what} holds text labels ({', '.join(repr(v) for v in shown[:4])}"
        f"{', ...' if len(shown) > 4 else ''}); the cross-entropy needs the numbers 0 and "
        f"1: code them, e.g. ({what} == {pick!r}).astype(float)"
    )


def _labels(y: ArrayLike, dtype: Any) -> NDArray[np.floating]:
    """``y`` as 0/1 labels or probabilities of class 1, of ``dtype``; an error otherwise."""
    given = np.asarray(y)
    if given.dtype.kind in "USO" and any(isinstance(e, (str, bytes)) for e in given.ravel()):
        raise ValueError(_text_labels("y", given))
    y = np.asarray(given, dtype=dtype)
    _unit_interval(y, "y must be 0/1 labels or probabilities", _label_hint)
    return y


def sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """Logistic function ``a = 1 / (1 + exp(-z))``, stable for any finite ``z``.

    Uses ``e = exp(-|z|)`` so that nothing overflows: ``a = 1 / (1 + e)`` for
    ``z >= 0`` and ``a = e / (1 + e)`` for ``z < 0``.

    Parameters
    ----------
    z : array_like
        Logits, any shape.

    Returns
    -------
    ndarray
        Same shape and floating dtype as ``z`` (a NumPy scalar for a number, as
        NumPy's own functions give; so do all functions here); exactly ``0.5`` at ``0``, exactly
        ``1`` from about ``z = 37`` in float64 (``1 - 2**-53`` rounds to 1) and ``0``
        only below about ``z = -745`` (tiny values stay representable near 0).

    Examples
    --------
    >>> from oneneuron import sigmoid
    >>> sigmoid([-1e4, 0.0, 2.0, 1e4]).tolist()
    [0.0, 0.5, 0.8807970779778823, 1.0]
    """
    z = _float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(z.dtype, copy=False)[()]


def sigmoid_pair(z: ArrayLike) -> NDArray[np.floating]:
    """Both class probabilities of a binary neuron, ``[sigmoid(-z), sigmoid(z)]``, last axis.

    Each equals :func:`sigmoid` of its argument bit for bit (the small one is never
    ``1 - `` the large one, so tiny probabilities keep their precision), from one
    ``exp(-|z|)`` for both: half the exponentials of two calls.

    Parameters
    ----------
    z : array_like
        The neuron's logits ``z = x w + b`` (log-odds of the second class).

    Returns
    -------
    ndarray
        Shape ``z.shape + (2,)``, the floating dtype of ``z``.

    Examples
    --------
    >>> from oneneuron.functions import sigmoid_pair
    >>> sigmoid_pair([0.0, 2.0]).round(4).tolist()
    [[0.5, 0.5], [0.1192, 0.8808]]
    """
    z = _float(z)
    e = np.exp(-np.abs(z))
    big, small = 1.0 / (1.0 + e), e / (1.0 + e)
    up = z >= 0
    out = np.empty(z.shape + (2,), dtype=z.dtype)
    out[..., 0] = np.where(up, small, big)
    out[..., 1] = np.where(up, big, small)
    return out


def sigmoid_grad(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of :func:`sigmoid`: ``a (1 - a)`` = ``exp(-|z|) / (1 + exp(-|z|))**2``.

    Examples
    --------
    >>> from oneneuron import sigmoid_grad
    >>> sigmoid_grad([0.0, 1e4]).tolist()
    [0.25, 0.0]
    """
    z = _float(z)
    e = np.exp(-np.abs(z))
    return (e / (1.0 + e) ** 2).astype(z.dtype, copy=False)


def softplus(z: ArrayLike) -> NDArray[np.floating]:
    """``log(1 + exp(z))`` computed as ``max(z, 0) + log1p(exp(-|z|))``.

    Examples
    --------
    >>> from oneneuron.functions import softplus
    >>> softplus([-1e4, 0.0, 1e4]).tolist()
    [0.0, 0.6931471805599453, 10000.0]
    """
    z = _float(z)
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """``log(sigmoid(z)) = -softplus(-z) = min(z, 0) - log1p(exp(-|z|))``.

    Examples
    --------
    >>> from oneneuron import log_sigmoid
    >>> log_sigmoid([-1e4, 0.0, 1e4]).tolist()
    [-10000.0, -0.6931471805599453, 0.0]
    """
    z = _float(z)
    return np.minimum(z, 0) - np.log1p(np.exp(-np.abs(z)))


def log_sigmoid_grad(z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of :func:`log_sigmoid`: ``1 - sigmoid(z) = sigmoid(-z)``.

    Examples
    --------
    >>> from oneneuron.functions import log_sigmoid_grad
    >>> log_sigmoid_grad([0.0]).tolist()
    [0.5]
    """
    return sigmoid(-_float(z))


def log_loss(y: ArrayLike, z: ArrayLike) -> NDArray[np.floating]:
    """Per-sample binary cross-entropy from logits: ``y softplus(-z) + (1 - y) softplus(z)``.

    Equal to ``-[y log a + (1 - y) log(1 - a)]`` with ``a = sigmoid(z)``, but
    never forms ``log 0``; the same as ``softplus(z) - y z``, without its
    cancellation for a confident correct ``y = 1`` (relative accuracy kept at
    ``z = 30`` and beyond). Always ``>= 0`` for ``y`` in [0, 1]; infinite logits
    give their limits (0 or inf).

    Parameters
    ----------
    y : array_like
        Targets in [0, 1] (usually 0/1; ``bool`` works). Anything outside [0, 1], such
        as labels in {-1, 1}, raises :class:`ValueError`.
    z : array_like
        Logits. ``y`` and ``z`` have the same shape, or one broadcasts into the other
        (one label for all logits, or all labels at one logit); shapes that would
        broadcast to a larger array, such as ``(n, 1)`` beside ``(n,)`` (an ``n x n``
        matrix), raise :class:`ValueError`. The same holds for :func:`log_loss_grad`
        and :func:`probability_log_loss`.

    Examples
    --------
    >>> from oneneuron import log_loss
    >>> log_loss([1.0, 0.0, 1.0], [0.0, -1e4, -1e4]).tolist()
    [0.6931471805599453, 0.0, 10000.0]
    """
    z = _float(z)
    y = _labels(y, z.dtype)
    _pair_shape(y, z, ("y", "z"))
    pos, neg = softplus(-z), softplus(z)  # -log a and -log(1 - a)
    with np.errstate(invalid="ignore"):  # 0 * inf where a label is 0 or 1: that term is 0
        mixed = y * pos + (1 - y) * neg  # exact for labels 0 and 1 where both are finite
    if np.isfinite(z).all():  # softplus of a finite logit is finite: no 0 * inf
        return mixed[()]  # a number for numbers
    return np.where(y == 1, pos, np.where(y == 0, neg, mixed))[()]


def log_loss_grad(y: ArrayLike, z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of :func:`log_loss` with respect to ``z``: ``a - y``.

    Examples
    --------
    >>> from oneneuron import log_loss_grad
    >>> log_loss_grad([1.0, 0.0], [0.0, 0.0]).tolist()
    [-0.5, 0.5]
    """
    z = _float(z)
    y = _labels(y, z.dtype)
    _pair_shape(y, z, ("y", "z"))
    return sigmoid(z) - y


def log_loss_hess(z: ArrayLike) -> NDArray[np.floating]:
    """Second derivative of :func:`log_loss` with respect to ``z``: ``a (1 - a)``.

    Examples
    --------
    >>> from oneneuron.functions import log_loss_hess
    >>> log_loss_hess([0.0]).tolist()
    [0.25]
    """
    return sigmoid_grad(z)


def probability_log_loss(a: ArrayLike, y: ArrayLike) -> NDArray[np.floating]:
    """Per-sample cross-entropy from probabilities ``a`` (the tutorials' formula).

    ``-[y log a + (1 - y) log(1 - a)]`` with ``0 log 0 = 0``. Prefer
    :func:`log_loss` on logits: a probability that rounded to exactly 0 or 1
    gives ``inf`` here when the label disagrees, which is the true value of the
    formula, not a numerical accident.

    Examples
    --------
    >>> from oneneuron.functions import probability_log_loss
    >>> probability_log_loss([0.5, 1.0], [1.0, 1.0]).tolist()
    [0.6931471805599453, 0.0]
    """
    a = _float(a)
    _unit_interval(
        a,
        "a must be probabilities",
        " (logits z = X w + b? pass them to log_loss(y, z), or a = sigmoid(z) here)",
    )
    y = _labels(y, a.dtype)
    _pair_shape(a, y, ("a", "y"))
    with np.errstate(divide="ignore"):
        pos = np.where(y > 0, y * np.log(np.where(y > 0, a, 1)), 0)
        neg = np.where(y < 1, (1 - y) * np.log1p(-np.where(y < 1, a, 0)), 0)
    return 0.0 - (pos + neg)  # +0.0, not -0.0, for a perfect probability


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """Softmax along ``axis``: ``exp(z - max z) / sum(exp(z - max z))``.

    Infinite logits give the limits: a row with ``+inf`` shares its probability
    among its ``+inf`` entries, ``-inf`` entries get 0.

    Examples
    --------
    >>> from oneneuron import softmax
    >>> softmax([[0.0, 0.0], [1e4, -1e4]]).tolist()
    [[0.5, 0.5], [1.0, 0.0]]
    """
    e = np.exp(_shifted(_float(z), axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def _shifted(z: NDArray[np.floating], axis: int) -> NDArray[np.floating]:
    """``z - max z`` along ``axis``; where the max is ``+inf``, 0 at the infinite logits
    and ``-inf`` elsewhere (the limit: the probability is shared among the infinite ones)."""
    m = np.max(z, axis=axis, keepdims=True)
    top = np.isposinf(m)
    if not np.any(top):
        return z - m
    with np.errstate(invalid="ignore"):
        shifted = z - np.where(top, 0, m)
    return np.where(top, np.where(np.isposinf(z), 0, -np.inf), shifted).astype(z.dtype)


def log_softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """``log(softmax(z))`` computed as ``z - max z - log1p(rest)``.

    ``rest`` is the sum of ``exp(z_k - max z)`` over all classes but one largest (whose
    term is exactly 1), so the largest class's ``log softmax``, near 0 where its
    probability is near 1, keeps its relative precision: the plain
    ``log(sum(exp(z - max z)))`` rounds ``1 + 1e-20`` to 1 and gives 0.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import log_softmax
    >>> log_softmax([[1e4, -1e4]]).tolist()
    [[0.0, -20000.0]]
    >>> bool(log_softmax([[50.0, 0.0]])[0, 0] == -np.log1p(np.exp(-50.0)))
    True
    """
    shifted = _shifted(_float(z), axis)
    e = np.exp(shifted)
    top = shifted == 0  # the largest terms, exactly 1 each: all but one join the rest
    rest = np.sum(np.where(top, 0, e), axis=axis, keepdims=True)
    rest = rest + (np.sum(top, axis=axis, keepdims=True) - 1).astype(e.dtype)
    return shifted - np.log1p(rest)


def _one_hot(Y: ArrayLike, Z: NDArray[np.floating]) -> NDArray[np.floating]:
    """``Y`` as one-hot (or probability) rows of ``Z``'s shape; an error for class labels."""
    Y = np.asarray(Y, dtype=Z.dtype)
    if Y.shape != Z.shape:
        k = Z.shape[-1] if Z.ndim else 1
        raise ValueError(
            f"Y must be one-hot (or probability) rows of the same shape as Z {Z.shape}; got "
            f"{Y.shape} (class labels? np.eye({k})[labels] makes the one-hot rows)"
        )
    _unit_interval(Y, "Y must be one-hot rows or probabilities", "")
    return Y


def cross_entropy(Y: ArrayLike, Z: ArrayLike) -> NDArray[np.floating]:
    """Per-row multi-class cross-entropy from logits: ``-sum_k Y_k log softmax(Z)_k``.

    Parameters
    ----------
    Y : array_like, shape (n, K)
        One-hot (or probability) targets, the shape of ``Z``; class labels of shape
        ``(n,)`` raise :class:`ValueError` (``np.eye(K)[labels]`` makes the rows).
    Z : array_like, shape (n, K)
        Logits.

    Returns
    -------
    ndarray, shape (n,)

    Examples
    --------
    >>> from oneneuron import cross_entropy
    >>> cross_entropy([[0, 1, 0]], [[0.0, 0.0, 0.0]]).round(6).tolist()
    [1.098612]
    """
    Z = _float(Z)
    Y = _one_hot(Y, Z)
    with np.errstate(invalid="ignore"):  # 0 * -inf where a class has no weight: that term is 0
        terms = np.where(Y == 0, 0, Y * log_softmax(Z))
    return -np.sum(terms, axis=-1)


def cross_entropy_grad(Y: ArrayLike, Z: ArrayLike) -> NDArray[np.floating]:
    """Derivative of :func:`cross_entropy` with respect to ``Z``: ``softmax(Z) - Y``.

    Examples
    --------
    >>> from oneneuron import cross_entropy_grad
    >>> cross_entropy_grad([[1, 0]], [[0.0, 0.0]]).tolist()
    [[-0.5, 0.5]]
    """
    Z = _float(Z)
    return softmax(Z) - _one_hot(Y, Z)
