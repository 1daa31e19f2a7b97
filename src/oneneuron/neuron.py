"""The tutorials' neuron, one step at a time: initialize, forward, cost, backward, update.

This is the teaching face of the library. It uses the same functions as the
fast solvers (:func:`~oneneuron.sigmoid`, :func:`~oneneuron.functions.log_loss`),
and its loop from zero initialisation reproduces ``NeuronClassifier(solver="gd",
standardize=False)`` step for step.
"""

from __future__ import annotations

from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .functions import (
    _label_hint,
    _refuse_non_finite,
    _text_labels,
    _unit_interval,
    log_loss,
    probability_log_loss,
    sigmoid,
)
from .wording import counted

__all__ = ["Neuron"]


def _number(v: ArrayLike, what: str) -> float:
    """``v`` as a finite float: a number or a one-element array (``(1,)``, ``(1, 1)``)."""
    a = np.asarray(v)
    if a.size != 1 or not (np.issubdtype(a.dtype, np.number) or a.dtype == bool):
        got = f"an array of shape {a.shape}" if a.ndim else repr(v)
        raise ValueError(f"{what} must be one number (a one-element array is fine); got {got}")
    x = float(a.reshape(()))
    if not np.isfinite(x):
        raise ValueError(f"{what} must be a finite number; got {x}{_NON_FINITE_HINT}")
    return x


#: Where a NaN or infinity met by the neuron usually comes from.
_NON_FINITE_HINT = (
    " (a missing value in the data, or a run that diverged: a rising cost means too "
    "large a learning rate)"
)


def _finite(a: NDArray[np.float64], what: str) -> NDArray[np.float64]:
    """``a`` itself, or one ``ValueError`` counting its NaN or infinite values and naming
    the first: one of them in X, a gradient or a weight makes every later ``w``, ``b``
    and cost NaN without a word."""
    _refuse_non_finite(a, what, f"the neuron needs finite numbers{_NON_FINITE_HINT}")
    return a


def _floats(v: ArrayLike, what: str) -> NDArray[np.float64]:
    """``v`` as a float64 array, or one error where it holds no numbers to compute with.

    Decision (the estimator's rules): complex numbers (a cast drops the imaginary
    part), dates and times (a cast counts their unit), text (``'1'`` is a label, not a
    number: convert it explicitly) and the masked cells of a NumPy masked array (the
    value under a mask is not data) are refused; a torch tensor is read as its values
    (``requires_grad`` or not, any float dtype).
    """
    if type(v).__module__.split(".")[0] == "torch":
        t = v.detach().cpu()  # type: ignore[union-attr]
        if t.is_complex():
            raise ValueError(f"{what} holds complex numbers; the neuron needs real ones")
        v = t.double().numpy()
    if isinstance(v, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(v)
        if mask.any():
            first = np.unravel_index(int(np.argmax(mask.ravel())), mask.shape)
            where = f"row {int(first[0])}"
            if len(first) == 2:
                where = f"column {int(first[1])}, {where}"
            k = int(mask.sum())
            raise ValueError(
                f"{what} is a masked array with {counted(k, 'masked cell')} (the "
                f"first in {where}); the neuron needs every value: fill them "
                f"({what}.filled(value))"
            )
        v = np.ma.getdata(v)
    a = np.asarray(v)
    kind = a.dtype.kind
    if kind == "O" and any(isinstance(e, (str, bytes)) for e in a.ravel()):
        kind = "U"
    if kind == "c":
        raise ValueError(f"{what} holds complex numbers; the neuron needs real ones")
    if kind in "mM":
        raise ValueError(
            f"{what} holds dates or times ({a.dtype}); the neuron needs numbers: convert "
            "them, e.g. days since a start"
        )
    if kind in "USV" and what == "y":
        raise ValueError(_text_labels(what, a))
    if kind in "USV":
        raise ValueError(
            f"{what} holds text ({a.dtype}); the neuron needs numbers: convert it "
            f"explicitly, e.g. {what}.astype(float)"
        )
    try:
        return np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be numeric: {exc}") from None


class Neuron:
    """One sigmoid neuron: ``z = X @ w + b``, ``a = sigmoid(z)``.

    Parameters
    ----------
    n_features : int
        Length of ``w``.
    fit_intercept : bool, default=True
        Whether the neuron has a bias ``b``. Without one, ``b`` stays 0 and
        :meth:`update` leaves it alone (the no-bias neuron of one tutorial).
    w : array_like of shape (n_features,), optional
        Starting weights; zeros by default. A column ``(n_features, 1)`` or row
        ``(1, n_features)``, as courses keep ``w``, is flattened.
    b : float, default=0.0
        Starting bias; a one-element array (shape ``(1,)`` or ``(1, 1)``) counts as
        its number.

    Attributes
    ----------
    w : ndarray of shape (n_features,)
    b : float
    z : ndarray or None
        Logits of the last :meth:`forward` call.

    Notes
    -----
    Decision: the neuron computes in float64 whatever the dtype of ``X`` (float32 ``X``
    gives float64 ``a``, ``w`` and gradients), so that its loop reproduces the tutorials'
    printed numbers and ``NeuronClassifier(solver="gd", standardize=False)`` to the last
    bits; the functions of ``oneneuron.functions`` and the estimator keep float32.

    Examples
    --------
    The tutorial's training loop (the constructor initializes; :meth:`initialize`
    starts over):

    >>> import numpy as np
    >>> from oneneuron import Neuron
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    >>> y = np.array([1.0, 0.0, 1.0, 0.0])
    >>> neuron = Neuron(n_features=2)
    >>> for _ in range(100):
    ...     a = neuron.forward(X)
    ...     cost = neuron.cost(a, y)
    ...     dw, db = neuron.backward(X, a, y)
    ...     neuron.update(dw, db, learning_rate=1.0)
    >>> neuron.predict(X).tolist()
    [1, 0, 1, 0]
    >>> round(cost, 4)
    0.0538
    """

    def __init__(
        self,
        n_features: int,
        fit_intercept: bool = True,
        w: ArrayLike | None = None,
        b: float = 0.0,
    ) -> None:
        if not isinstance(n_features, Real) or isinstance(n_features, bool):
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        if n_features != int(n_features) or int(n_features) < 1:
            raise ValueError(f"n_features must be a positive integer, got {n_features!r}")
        self.n_features = int(n_features)
        self.fit_intercept = bool(fit_intercept)
        self.initialize(w, b)

    def initialize(self, w: ArrayLike | None = None, b: float = 0.0) -> None:
        """Set the parameters to start (or restart) the loop: ``w`` zeros and ``b = 0``
        unless given (the courses' ``initialize_with_zeros``); forgets the last forward pass.

        The constructor calls it; call it again to train the same neuron from the
        start. ``w`` may be a column or row vector, ``b`` a one-element array; a wrong
        shape raises :class:`ValueError` and leaves the neuron unchanged.

        Examples
        --------
        >>> from oneneuron import Neuron
        >>> neuron = Neuron(n_features=2, w=[0.5, -1.0], b=2.0)
        >>> neuron.initialize()
        >>> neuron.w.tolist(), neuron.b
        ([0.0, 0.0], 0.0)
        """
        w = np.zeros(self.n_features) if w is None else np.array(w, dtype=np.float64)
        if w.ndim == 2 and 1 in w.shape:  # a column (n_features, 1), as courses
            w = w.ravel()
        if w.shape != (self.n_features,):
            hint = ""
            if w.shape == (self.n_features + 1,) and self.fit_intercept:
                hint = (
                    "; a course's theta = (b, w1, ..., wd), the bias first? the neuron keeps "
                    "b apart: pass w=theta[1:], b=theta[0]"
                )
            raise ValueError(f"w must have shape ({self.n_features},), got {w.shape}{hint}")
        _finite(w, "w")
        b = _number(b, "b")
        if not self.fit_intercept and b != 0.0:
            raise ValueError("b must be 0 for a neuron without intercept (fit_intercept=False)")
        self.w, self.b = w, b
        self.z: NDArray[np.floating] | None = None
        self._a: NDArray[np.floating] | None = None

    def __repr__(self) -> str:
        bias = " + b" if self.fit_intercept else ""
        return f"Neuron(a = sigmoid(X @ w{bias}), n_features={self.n_features})"

    def _check_X(self, X: ArrayLike) -> NDArray[np.float64]:
        X = _floats(X, "X")
        if X.ndim != 2 or X.shape[1] != self.n_features:
            hint = ""
            if X.ndim == 1 and self.n_features == 1:
                hint = "; one feature: pass a column, X.reshape(-1, 1)"
            elif X.ndim == 1 and X.shape[0] == self.n_features:
                hint = "; one sample: pass a row, X.reshape(1, -1)"
            elif X.ndim == 2 and X.shape[0] == self.n_features:
                hint = "; one column per sample, as some courses keep X? pass X.T"
            elif (
                self.fit_intercept
                and X.ndim == 2
                and X.shape[1] == self.n_features + 1
                and np.all(X[:, 0] == 1)
            ):
                hint = (
                    "; its first column is all ones, the course's bias column: the neuron "
                    "has its own bias b, so leave the ones out (X[:, 1:]), or keep them as "
                    f"a weight with Neuron(n_features={self.n_features + 1}, "
                    "fit_intercept=False)"
                )
            raise ValueError(
                f"X must have shape (n_samples, {self.n_features}), one row per sample; "
                f"got {np.shape(X)}{hint}"
            )
        return _finite(X, "X")

    @staticmethod
    def _per_sample(v: ArrayLike, n: int | None, what: str) -> NDArray[np.float64]:
        """``v`` as a vector of one value per sample: shape ``(n,)``, or a column ``(n, 1)``
        or row ``(1, n)`` vector as courses keep labels (flattened); anything else (which
        would broadcast to an ``n x n`` matrix) is an error."""
        a = _floats(v, what)
        if a.ndim == 2 and 1 in a.shape:
            a = a.ravel()
        if a.ndim != 1 or (n is not None and len(a) != n):
            m = "n" if n is None else n
            raise ValueError(
                f"{what} must have one value per sample ({m}): shape ({m},), ({m}, 1) or "
                f"(1, {m}); got {np.shape(v)}"
            )
        if what == "y":
            _unit_interval(a, "y must be 0/1 labels or probabilities", _label_hint)
        elif what == "a":
            _unit_interval(
                a,
                "a must be probabilities",
                " (a is what forward() returns, sigmoid(z); the logits z are not a)",
            )
        return a

    def forward(self, X: ArrayLike) -> NDArray[np.float64]:
        """Forward pass: ``z = X @ w + b`` and ``a = sigmoid(z)``, shape (n_samples,)."""
        X = self._check_X(X)
        self.z = X @ self.w + self.b
        self._a = sigmoid(self.z)
        return self._a

    def cost(self, a: ArrayLike, y: ArrayLike) -> float:
        """Mean cross-entropy ``-mean(y log a + (1 - y) log(1 - a))``.

        When ``a`` is the array returned by the last :meth:`forward`, the cost is
        computed from the stored logits (:func:`~oneneuron.functions.log_loss`), so
        it stays finite and exact even where ``a`` rounded to 0 or 1.
        """
        stored = a is self._a and self.z is not None
        a = self._per_sample(a, None, "a")
        y = self._per_sample(y, len(a), "y")
        if stored:
            return float(np.mean(log_loss(y, self.z)))
        return float(np.mean(probability_log_loss(a, y)))

    def backward(
        self, X: ArrayLike, a: ArrayLike, y: ArrayLike
    ) -> tuple[NDArray[np.float64], float]:
        """Mean gradient of the cost: ``dz = a - y``; ``dw = X.T @ dz / n``; ``db = mean(dz)``."""
        X = self._check_X(X)
        n = X.shape[0]
        dz = self._per_sample(a, n, "a") - self._per_sample(y, n, "y")
        dw = X.T @ dz / X.shape[0]
        db = float(np.mean(dz)) if self.fit_intercept else 0.0
        return dw, db

    def update(self, dw: ArrayLike, db: float, learning_rate: float) -> None:
        """Gradient-descent step: ``w -= learning_rate * dw``; ``b -= learning_rate * db``.

        ``dw`` may be a column or row vector and ``db`` a one-element array, as courses
        keep them. ``learning_rate`` must be a positive finite number (zero would leave
        the neuron where it is, a negative rate climbs the loss): anything else raises
        :class:`ValueError` and leaves ``w`` and ``b`` unchanged, as does a NaN or
        infinity in ``dw`` or ``db``.
        """
        if (
            isinstance(learning_rate, bool)
            or not isinstance(learning_rate, Real)
            or not 0 < learning_rate < np.inf
        ):
            raise ValueError(
                f"learning_rate must be a positive number, got {learning_rate!r} "
                "(too large a rate shows as a rising cost: lower it)"
            )
        db = _number(db, "db")
        step = np.asarray(dw, dtype=np.float64)
        if step.ndim == 2 and 1 in step.shape:  # a column (n_features, 1), as some courses
            step = step.ravel()
        if step.shape != self.w.shape:
            hint = ""
            if step.shape == (self.n_features + 1,) and self.fit_intercept:
                hint = (
                    "; a course's gradient of theta = (b, w1, ..., wd), the bias first? "
                    "pass dw=grad[1:], db=grad[0]"
                )
            raise ValueError(f"dw must have shape ({self.n_features},), got {np.shape(dw)}{hint}")
        _finite(step, "dw")
        self.w = self.w - learning_rate * step
        if self.fit_intercept:
            self.b = self.b - learning_rate * db

    def predict_proba(self, X: ArrayLike) -> NDArray[np.float64]:
        """``sigmoid(X @ w + b)`` without touching the stored forward state."""
        return sigmoid(self._check_X(X) @ self.w + self.b)

    def predict(self, X: ArrayLike, threshold: float = 0.5) -> NDArray[np.int64]:
        """1 where ``sigmoid(X @ w + b) > threshold``, else 0.

        ``threshold`` is a probability in (0, 1); anything else raises :class:`ValueError`.
        """
        if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0 < threshold < 1:
            raise ValueError(f"threshold must be a probability in (0, 1), got {threshold!r}")
        return (self.predict_proba(X) > threshold).astype(np.int64)
