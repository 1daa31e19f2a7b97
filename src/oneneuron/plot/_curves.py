"""Curves: the sigmoid, the cross-entropy branches, histograms, learning curves, ROC."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike

from ..functions import sigmoid, sigmoid_grad
from ._base import (
    CLASS_COLORS,
    class_color,
    count,
    finite_number,
    finite_values,
    literal,
    new_axes,
    span,
)


def plot_sigmoid(
    w: float = 1.0,
    b: float = 0.0,
    x: ArrayLike | None = None,
    *,
    derivative: bool = False,
    label: str | None = None,
    ax: Axes | None = None,
    **line_kw: Any,
) -> Axes:
    """Plot ``sigmoid(w x + b)`` (or its derivative in ``x``) against ``x``.

    Parameters
    ----------
    w, b : float
        Weight and bias of the neuron; one-element arrays (a one-feature
        ``Neuron``'s ``w``, a ``NeuronClassifier``'s ``coef_`` and ``intercept_``)
        count as their number.
    x : array_like, optional
        Abscissae; default 400 points on [-6, 6].
    derivative : bool, default=False
        Plot ``d/dx sigmoid(w x + b) = w a (1 - a)`` instead (y axis ``"da / dx"``;
        ``"a, da / dx"`` where the axes shows both).
    label : str, optional
        Legend label; default names ``w`` and ``b``.
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> from oneneuron.plot import plot_sigmoid
    >>> ax = plot_sigmoid(x=[-1.0, 0.0, 1.0])
    >>> float(ax.lines[0].get_ydata()[1])
    0.5
    """
    w, b = finite_number(w, "w"), finite_number(b, "b")
    if x is None:
        x = np.linspace(-6, 6, 400)
    else:
        x = np.asarray(x, dtype=np.float64).ravel()
        if x.size == 0:
            raise ValueError("x is empty: give the abscissae to draw, or leave x out")
        finite_values(x, "x")
    ax = new_axes(ax)
    with np.errstate(over="ignore"):  # w, b near 1e308: z = +-inf, the sigmoid's limits
        z = w * x + b
        y = w * sigmoid_grad(z) if derivative else sigmoid(z)
    if label is None:
        name = "d sigmoid / dx" if derivative else "sigmoid"
        label = f"{name}, w={w:g}, b={b:g}"
    ax.plot(x, y, label=label, **line_kw)
    ax.set_xlabel("x")
    # the y axis names what is drawn on it: both, where the sigmoid and its derivative share it
    drawn = "da / dx" if derivative else "a"
    before = ax.get_ylabel()
    if {before, drawn} == {"a", "da / dx"}:
        drawn = "a, da / dx"
    elif before == "a, da / dx":
        drawn = before
    ax.set_ylabel(drawn)
    return ax


def plot_cross_entropy(ax: Axes | None = None, n: int = 400) -> Axes:
    """The two branches of the cross-entropy: ``-log(a)`` (``y = 1``), ``-log(1 - a)`` (``y = 0``).

    Examples
    --------
    >>> from oneneuron.plot import plot_cross_entropy
    >>> [line.get_label() for line in plot_cross_entropy().lines]
    ['y = 1: -log(a)', 'y = 0: -log(1 - a)']
    """
    n = count(n, "n", 2)
    ax = new_axes(ax)
    a = np.linspace(0.0, 1.0, n + 2)[1:-1]
    ax.plot(a, -np.log(a), color=CLASS_COLORS[1], label="y = 1: -log(a)")
    ax.plot(a, -np.log1p(-a), color=CLASS_COLORS[0], label="y = 0: -log(1 - a)")
    ax.set_xlabel("a = predicted probability of class 1")
    ax.set_ylabel("loss")
    ax.set_ylim(0, 5)
    ax.legend()
    return ax


def plot_class_histograms(
    x: ArrayLike,
    y: ArrayLike,
    *,
    bins: int = 50,
    range: tuple[float, float] | None = None,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Overlaid histograms of a 1-D feature, one per class (``bins`` bins on ``range``).

    Examples
    --------
    >>> from oneneuron.plot import plot_class_histograms
    >>> ax = plot_class_histograms([0.1, 0.2, 1.5], [0, 0, 1], bins=2, range=(0, 2))
    >>> [float(p.get_height()) for p in ax.patches]
    [2.0, 0.0, 0.0, 1.0]
    """
    bins = count(bins, "bins", 1)
    if range is not None:
        range = span(range, "range")
    ax = new_axes(ax)
    if np.ndim(x) > 1 and min(np.shape(x)) > 1:
        raise ValueError(f"x must be one value per sample (a 1-D array); got shape {np.shape(x)}")
    x = np.asarray(x, dtype=np.float64).ravel()
    y = np.asarray(y).ravel()
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length, got {x.size} and {y.size}")
    finite_values(x, "x")
    classes = np.unique(y)
    if range is None:
        range = (float(x.min()), float(x.max()))  # equal ends: NumPy widens them by 0.5
    for i, c in enumerate(classes):
        name = labels[i] if labels is not None else literal(f"class {c}")
        color = class_color(i)
        ax.hist(x[y == c], bins=bins, range=range, alpha=0.5, color=color, label=name)
    ax.set_xlabel("x")
    ax.set_ylabel("count per bin")
    ax.legend()
    return ax


def plot_learning_curve(
    history: Mapping[str, ArrayLike] | ArrayLike,
    *,
    optimum: float | None = None,
    label: str = "loss",
    log: bool = False,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Loss per iteration, of a fitted ``NeuronClassifier``, its ``history_`` or a sequence.

    Parameters
    ----------
    history : NeuronClassifier, dict with ``"loss"`` or array_like
        A fitted ``NeuronClassifier`` (its ``history_``), its ``history_``, or the losses.
        ``NeuronClassifier.history_["loss"]`` is the objective the fit minimised: the
        mean cross-entropy, plus the penalty where ``alpha > 0``.
    optimum : float, optional
        Draws the optimum as a dashed horizontal line.
    log : bool, default=False
        Logarithmic y axis (of ``loss - optimum`` when ``optimum`` is given: the
        iterations whose loss equals the optimum, such as a converged run's last, are
        left out, having no place on a log axis; a loss below the optimum by more than
        rounding is refused, that optimum not being the minimum).
    ylabel : str, optional
        The y axis's label. Default ``"loss"`` (``"loss - optimum"`` on a log axis with
        an ``optimum``): the plot cannot tell a mean cross-entropy from a summed one or
        from a penalised objective, so it names none of them unless told.

    A loss that is not finite (a run that diverged) is refused, with the iteration
    where it first happened.

    Examples
    --------
    >>> from oneneuron.plot import plot_learning_curve
    >>> ax = plot_learning_curve({"loss": [0.69, 0.5, 0.4]}, optimum=0.3)
    >>> ax.lines[0].get_ydata().tolist()
    [0.69, 0.5, 0.4]
    """
    if hasattr(history, "fit") and hasattr(history, "get_params"):  # an estimator
        fitted = getattr(history, "history_", None)
        if fitted is None:
            raise TypeError(
                f"this {type(history).__name__} has no history_ (fit it first, or pass "
                "NeuronClassifier.history_ or a sequence of losses)"
            )
        history = fitted
    if isinstance(history, Mapping):
        if "loss" not in history:
            raise ValueError(
                f"history has no 'loss' entry (it has {sorted(map(str, history))}): pass "
                "NeuronClassifier.history_ or a sequence of losses"
            )
        history = history["loss"]
    try:
        loss = np.asarray(history, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            "history must be a fitted NeuronClassifier, its history_, or a sequence of "
            f"losses; got {type(history).__name__} ({exc})"
        ) from None
    if loss.ndim != 1 or loss.size == 0:
        raise ValueError(
            f"history must be a non-empty sequence of losses, one per iteration; got shape "
            f"{loss.shape}"
        )
    bad = np.flatnonzero(~np.isfinite(loss))
    if bad.size:
        raise ValueError(
            f"the loss is {loss[bad[0]]} at iteration {bad[0]} (of {loss.size}): the run "
            "diverged; a smaller learning rate (or standardised features) keeps it finite"
        )
    it = np.arange(loss.size)
    ax = new_axes(ax)
    if optimum is not None:
        optimum = finite_number(optimum, "optimum")
    if log and optimum is not None:
        gap = loss - optimum
        # a loss below the optimum by more than rounding means it is not the minimum
        below = np.flatnonzero(gap < -64 * np.finfo(np.float64).eps * max(1.0, abs(optimum)))
        if below.size:
            raise ValueError(
                f"the loss at iteration {below[0]} ({loss[below[0]]!r}) is below the optimum "
                f"({optimum!r}): give the minimum of the loss as optimum"
            )
        keep = gap > 0  # iterations at the optimum have no place on a log axis
        ax.semilogy(it[keep], gap[keep], label=f"{label} - optimum")
    else:
        ax.plot(it, loss, label=label)
        if optimum is not None:
            ax.axhline(optimum, color="k", ls="--", lw=1, label="optimum")
        if log:
            ax.set_yscale("log")
    if ylabel is None:
        ylabel = "loss - optimum" if log and optimum is not None else "loss"
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def plot_roc(
    y_true: ArrayLike, score: ArrayLike, *, label: str | None = None, ax: Axes | None = None
) -> Axes:
    """ROC curve of ``score`` (probabilities or logits) against labels ``y_true``.

    The legend gives the area under the curve. ``score`` of shape (n, K), as
    ``predict_proba`` returns it, with its columns in the order of the sorted
    labels (``classes_``): binary, the curve of the second column; K > 2 classes,
    one curve per class, its column against the rest (one-vs-rest, as
    ``oneneuron evaluate --report``), labelled ``"<class> vs rest (AUC = ...)"``.
    Binary labels of any type: the positive class is the second in sorted order, and
    the legend names it where the labels are not 0/1 (``"spam (AUC = ...)"``).

    Examples
    --------
    >>> from oneneuron.plot import plot_roc
    >>> ax = plot_roc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> ax.lines[0].get_label()
    'AUC = 0.750'
    """
    from sklearn.metrics import roc_auc_score, roc_curve

    ax = new_axes(ax)
    y = np.asarray(y_true).ravel()
    S = np.asarray(score, dtype=np.float64)
    finite_values(S, "score")
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(
            f"y_true holds only one class ({literal(classes[0]) if len(classes) else 'none'}); "
            "a ROC curve needs rows of both classes"
        )
    if S.ndim == 2 and S.shape[1] == 1:
        S = S.ravel()
    if len(classes) > 2 or (S.ndim == 2 and S.shape[1] > 2):
        if S.ndim != 2 or S.shape[1] != len(classes):
            raise ValueError(
                f"y_true has {len(classes)} classes: pass the (n, K) probabilities "
                f"(predict_proba, one column per class in sorted order) for one-vs-rest "
                f"curves; got score of shape {S.shape}"
            )
        for k, c in enumerate(classes):
            hit = y == c
            fpr, tpr, _ = roc_curve(hit, S[:, k])
            drawn = literal(c)  # the data's label as written, "$" and all
            name = f"{drawn} vs rest" if label is None else f"{label}: {drawn} vs rest"
            ax.plot(fpr, tpr, label=f"{name} (AUC = {roc_auc_score(hit, S[:, k]):.3f})")
    else:
        s1 = S[:, 1] if S.ndim == 2 else S
        hit = y == classes[-1]  # the second label in sorted order, as classes_[1]
        fpr, tpr, _ = roc_curve(hit, s1)
        auc = roc_auc_score(hit, s1)
        positive = classes[-1]
        plain = isinstance(positive, (int, float, np.number, np.bool_)) and positive == 1  # 0/1
        if label is None and not plain:  # say which class the curve ranks
            label = literal(positive)
        text = f"AUC = {auc:.3f}" if label is None else f"{label} (AUC = {auc:.3f})"
        ax.plot(fpr, tpr, label=text)
    ax.plot([0, 1], [0, 1], color="0.6", ls=":", lw=1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_aspect("equal")
    ax.legend(loc="lower right")
    return ax
