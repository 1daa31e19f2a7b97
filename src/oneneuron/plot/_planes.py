"""Planes: classes, decision boundaries, probability contours, the loss surface."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from numpy.typing import ArrayLike, NDArray

from ..functions import log_loss
from ..wording import counted
from ._base import class_color, count, finite_number, finite_values, literal, new_axes, span

_MARKERS = ("*", "o")
#: Markers of classes beyond the first two.
_MORE_MARKERS = ("s", "^", "D", "v", "P", "X")


def plot_classes(
    X: ArrayLike,
    y: ArrayLike,
    *,
    labels: Sequence[str] | None = None,
    markers: Sequence[str] = _MARKERS,
    ax: Axes | None = None,
    **scatter_kw: Any,
) -> Axes:
    """Scatter the samples by class: 2-D on the plane, 1-D with the class on the y axis.

    Class 0 is drawn red, class 1 blue (``markers`` per class).

    Examples
    --------
    >>> from oneneuron.plot import plot_classes
    >>> ax = plot_classes([[0, 0], [1, 1]], [0, 1], labels=["red", "blue"])
    >>> [c.get_label() for c in ax.collections]
    ['red', 'blue']
    """
    ax = new_axes(ax)
    columns = getattr(X, "columns", None)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).ravel()
    X = X[:, None] if X.ndim == 1 else X
    if X.shape[0] != y.size or X.shape[1] not in (1, 2):
        raise ValueError(f"X must have shape (n, 1) or (n, 2) with n = len(y); got {X.shape}")
    finite_values(X, "X")
    kw = {"s": 30, "edgecolors": "k", "linewidths": 0.4} | scatter_kw
    for i, c in enumerate(np.unique(y)):
        rows = X[y == c]
        name = labels[i] if labels is not None else literal(f"class {c}")
        color = class_color(i)
        marker = markers[i] if i < len(markers) else _MORE_MARKERS[(i - len(markers)) % 6]
        size = kw["s"] * (2.5 if marker == "*" else 1.0)  # a star looks smaller than a disc
        if X.shape[1] == 1:
            ys = np.full(len(rows), float(i))
            ax.scatter(rows[:, 0], ys, color=color, marker=marker, label=name, **(kw | {"s": size}))
        else:
            ax.scatter(
                rows[:, 0], rows[:, 1], color=color, marker=marker, label=name, **(kw | {"s": size})
            )
    ax.set_xlabel("x" if X.shape[1] == 1 else "$x_1$")
    ax.set_ylabel("class" if X.shape[1] == 1 else "$x_2$")
    if columns is not None and len(columns) == X.shape[1]:
        _name_axes(ax, [str(c) for c in columns])
    return ax


def _name_axes(ax: Axes, names: list[str] | None) -> None:
    """Label the axes with the table's column names (X's order: the plane's axes), where
    they still carry the generic ``x_1``, ``x_2`` (or ``x``) of :func:`plot_classes`:
    labels the caller set are kept, and nothing is named where no samples were drawn."""
    if not names:
        return
    generic = {"$x_1$": 0, "$x_2$": 1, "x": 0}
    for get, put in ((ax.get_xlabel, ax.set_xlabel), (ax.get_ylabel, ax.set_ylabel)):
        i = generic.get(get())
        if i is not None and i < len(names) and (len(names) == 2 or get() == "x"):
            put(literal(names[i]))


class _AtOffset:
    """A model fitted with an offset, seen at one offset for the whole plane: its
    intercept moved by it (the linear boundary), its probabilities predicted with it."""

    def __init__(self, model: Any, offset: float) -> None:
        self.model, self.offset = model, offset
        self.design_ = getattr(model, "design_", None)
        for name in ("n_features_in_", "classes_"):
            if hasattr(model, name):
                setattr(self, name, getattr(model, name))
        self.coef_ = model.coef_
        self.intercept_ = np.asarray(model.intercept_, dtype=np.float64) + offset

    def predict_proba(self, P: Any) -> Any:
        return self.model.predict_proba(P, offset=np.full(len(P), self.offset))


def _at_offset(model: Any, offset: float | None) -> Any:
    """``model`` as the plots see it: a model fitted with an offset needs one (never
    guessed as 0), and an offset is refused for a model fitted without."""
    fitted = bool(getattr(model, "has_offset_", False))
    if offset is None:
        if fitted:
            raise ValueError(
                "this model was fitted with an offset: pass offset= (one value for the "
                "whole plane, e.g. a typical row's)"
            )
        return model
    if not fitted:
        raise ValueError("offset= is for a model fitted with an offset; this one was not")
    return _AtOffset(model, float(offset))


def _linear_params(model: Any) -> tuple[NDArray[np.float64], float] | None:
    """``(w, b)`` of a linear binary neuron (any number of inputs), or None for anything
    else (a model fitted on a table through a design: its coefficients are its terms',
    not the plotted columns')."""
    if getattr(model, "design_", None) is not None:
        return None
    if isinstance(model, tuple) and len(model) == 2:
        w, b = model
        return np.asarray(w, dtype=np.float64).ravel(), float(np.ravel(b)[0])
    if hasattr(model, "coef_") and np.ndim(model.coef_) <= 2 and np.shape(model.coef_)[0] == 1:
        return np.asarray(model.coef_, dtype=np.float64).ravel(), float(
            np.ravel(model.intercept_)[0]
        )
    if hasattr(model, "w") and hasattr(model, "b"):
        return np.asarray(model.w, dtype=np.float64).ravel(), float(model.b)
    return None


def _n_inputs(model: Any) -> tuple[int, str] | None:
    """How many input columns ``model`` takes, and how to say it; None where unknown (a
    model on a table, or a callable without such attributes)."""
    if getattr(model, "design_", None) is not None:
        return None
    if isinstance(model, tuple) and len(model) == 2:
        d = int(np.size(model[0]))
        return d, f"has {counted(d, 'weight')}"
    d = getattr(model, "n_features_in_", None)
    if d is None and hasattr(model, "w") and hasattr(model, "b"):
        d = np.size(model.w)
    return None if d is None else (int(d), f"takes {int(d)}")


def _proba1(
    model: Any, P: NDArray[np.float64], columns: list[str] | None = None
) -> NDArray[np.float64]:
    """Probability of the second class for the rows of ``P`` (a table with ``columns``
    as names where given: the plane of a table's two columns)."""
    if isinstance(model, tuple):
        from ..functions import sigmoid

        w, b = _linear_params(model)  # type: ignore[misc]
        return sigmoid(P @ w + b)
    p = _proba(model, P, columns)
    return p[:, 1] if p.ndim == 2 else p


def _n_classes(model: Any) -> int:
    """How many classes ``model`` predicts (2 for a ``(w, b)`` pair or a ``Neuron``)."""
    classes = getattr(model, "classes_", None)
    return 2 if classes is None else len(classes)


def _points(model: Any, P: NDArray[np.float64], columns: list[str] | None) -> Any:
    """The points ``P`` as the model reads them: a table with ``columns`` where given, in
    the order of the model's ``feature_names_in_`` (scikit-learn refuses another)."""
    if columns is None:
        return P
    import pandas as pd

    table = pd.DataFrame(P, columns=columns)
    fitted = getattr(model, "feature_names_in_", None)
    if fitted is not None and getattr(model, "design_", None) is None:
        table = table[[str(c) for c in fitted]]
    return table


def _proba(model: Any, P: NDArray[np.float64], columns: list[str] | None) -> NDArray:
    """``model.predict_proba`` of the points ``P`` (a table with ``columns`` where given)."""
    return np.asarray(model.predict_proba(_points(model, P, columns)), dtype=np.float64)


def _lead(logp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per point and class ``k``: ``log P_k - max_{j != k} log P_j``, positive exactly where
    ``k`` is the most probable class; its zero level is the boundary of ``k``'s region."""
    K = logp.shape[1]
    out = np.empty_like(logp)
    for k in range(K):
        out[:, k] = logp[:, k] - np.delete(logp, k, axis=1).max(axis=1)
    return out


def _log_proba(model: Any, P: NDArray[np.float64], columns: list[str] | None) -> NDArray:
    """Log-probabilities of the points: the model's own where it has them (exact far from
    the boundaries too), else the log of ``predict_proba`` (clipped at the tiniest float)."""
    if hasattr(model, "predict_log_proba"):
        return np.asarray(model.predict_log_proba(_points(model, P, columns)), dtype=np.float64)
    return np.log(np.clip(_proba(model, P, columns), np.finfo(np.float64).tiny, None))


def _plane(
    model: Any, X: Any, many: bool = False
) -> tuple[NDArray[np.float64] | None, list[str] | None]:
    """The samples as an (n, 2) float array and, for a model fitted on a table (a design),
    the names of the two table columns the plane spans (from X's columns, else the
    design's raw columns); an error where there are not two, or where the model is not
    binary (the plots draw P(class 1)) unless ``many`` (the decision regions)."""
    K = _n_classes(model)
    if K > 2 and not many:
        raise ValueError(
            f"the plot draws P(class 1) of a binary model; this one has {K} classes "
            "(plot_decision_boundary draws the regions of K classes; or plot one class "
            "against the rest with a binary model)"
        )
    design = getattr(model, "design_", None)
    inputs = _n_inputs(model)
    if inputs is not None and inputs[0] != 2:
        raise ValueError(f"the plane is drawn over two input columns; the model {inputs[1]}")
    names = None
    if design is not None:
        given = getattr(X, "columns", None)
        names = (
            [str(c) for c in given] if given is not None else [c["name"] for c in design.columns]
        )
        if len(names) != 2:
            raise ValueError(
                f"the plane is drawn over two input columns; the model's table has {len(names)} "
                f"({', '.join(map(repr, names))}): pass X with the two columns to plot"
            )
    else:
        names = _fitted_names(model, X, 2)
    Xa = None if X is None else np.asarray(X, dtype=np.float64)
    if Xa is not None and (Xa.ndim != 2 or Xa.shape[1] != 2):
        shape = Xa.shape
        raise ValueError(f"the plane is drawn over two input columns; X has shape {shape}")
    if Xa is not None:
        finite_values(Xa, "X")
    return Xa, names


def _fitted_names(model: Any, X: Any, d: int) -> list[str] | None:
    """The names the plane's points are predicted with, for a model fitted on ``d`` named
    columns (``feature_names_in_``): X's columns, in X's order (the axes), else the
    model's; None for a model fitted on an array. X naming other columns is an error
    (its columns would be read as the model's in their order, a wrong plane)."""
    fitted = getattr(model, "feature_names_in_", None)
    if fitted is None or len(fitted) != d:
        return None
    fitted = [str(c) for c in fitted]
    given = getattr(X, "columns", None)
    if given is None:
        return fitted
    names = [str(c) for c in given]
    if sorted(names) != sorted(fitted):
        raise ValueError(
            f"X's columns ({', '.join(map(repr, names))}) are not the ones the model was "
            f"fitted on ({', '.join(map(repr, fitted))})"
        )
    return names


def _in_axes_order(model: Any, w: NDArray[np.float64], names: list[str] | None) -> NDArray:
    """A linear model's weights in the order of the plane's axes (``names``, X's columns)."""
    fitted = getattr(model, "feature_names_in_", None)
    if names is None or fitted is None or getattr(model, "design_", None) is not None:
        return w
    order = [str(c) for c in fitted]
    return w[[order.index(n) for n in names]]


def _limits(
    X: NDArray | None, ax: Axes, margin: float = 0.1, keep_sign: bool = False
) -> tuple[tuple[float, float], ...]:
    """The plane's extent: X's range padded. ``keep_sign``: a positive column stays
    positive (a table model's transforms, e.g. ``np.log``, may need it)."""
    if X is None:
        return tuple(ax.get_xlim()), tuple(ax.get_ylim())
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 0.5)
    start = lo - pad
    if keep_sign:
        start = np.where(lo > 0, np.maximum(start, lo / 2), start)
    return (start[0], hi[0] + pad[0]), (start[1], hi[1] + pad[1])


def _grid(xlim: tuple[float, float], ylim: tuple[float, float], n: int) -> tuple[NDArray, ...]:
    g1, g2 = np.meshgrid(np.linspace(*xlim, n), np.linspace(*ylim, n))
    return g1, g2, np.column_stack([g1.ravel(), g2.ravel()])


def plot_decision_boundary(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    threshold: float = 0.5,
    grid: int = 300,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
    offset: float | None = None,
    legend: bool = True,
    **line_kw: Any,
) -> Axes:
    """Draw where ``P(class 1) = threshold``, with the samples when given; with
    K > 2 classes, the regions where each class is the most probable.

    ``legend`` (default True): a legend of the axes' labelled artists, the classes
    and the boundary (``P = 0.5``); ``legend=False`` leaves it to the caller.

    A model fitted with an ``offset`` needs one here: its value at every point of the
    plane (the boundary moves with it); it is never taken as 0 unasked.

    A linear neuron on two features (``NeuronClassifier``, ``Neuron``, or a
    ``(w, b)`` pair) gives the straight line ``w . x + b = logit(threshold)``;
    anything else with ``predict_proba`` (e.g. a polynomial ``Pipeline``) gives
    the contour of its probability on a ``grid`` x ``grid`` mesh.

    With one feature (a model that takes one column, a one-column or 1-D ``X``)
    the boundary is a point: a vertical line at ``x = (logit(threshold) - b) / w``
    for a linear neuron, at each crossing of ``P = threshold`` on a ``grid`` of
    ``x`` for anything else; the samples are drawn with their class on the y axis.

    A model of K > 2 classes (``classes_``) has no single threshold: the plot shades
    the region where each class is the most probable, in its class colour, and
    draws the boundaries between regions, where the most probable class changes
    (for a softmax layer on two features, the exact pieces of the lines
    ``(w_k - w_j) . x + b_k - b_j = 0``; for another model, the zero level of
    ``log P_k - max_{j != k} log P_j`` on the ``grid``). With one
    feature, vertical lines at each change of the most probable class. ``threshold``
    must stay 0.5 (binary only, as in ``NeuronClassifier``).

    Examples
    --------
    >>> from oneneuron.plot import plot_decision_boundary
    >>> ax = plot_decision_boundary(([1.0, -1.0], 0.5), [[0, 0], [0, 1]], [0, 1])
    >>> x1, x2 = ax.lines[0].get_data()
    >>> bool(abs(x1[0] - x2[0] + 0.5) < 1e-12)
    True
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be in (0, 1), got {threshold}")
    grid = count(grid, "grid", 2)
    K = _n_classes(model)
    if K > 2 and threshold != 0.5:
        raise ValueError(
            f"threshold={threshold} applies to binary models only; this one has {K} classes "
            "(its regions are where each class is the most probable)"
        )
    model = _at_offset(model, offset)
    inputs = _n_inputs(model)
    cols = None if X is None else (1 if np.ndim(X) == 1 else np.shape(X)[-1])
    if inputs is not None and inputs[0] not in (1, 2):
        raise ValueError(
            f"the boundary is drawn over one or two input columns; the model {inputs[1]}"
        )
    cut = float(np.log(threshold) - np.log1p(-threshold))
    label = f"P = {threshold:g}" if K == 2 else "most probable class changes"
    kw = {"color": "k", "lw": 1.5, "label": label} | line_kw
    table = getattr(model, "design_", None) is not None  # its plane is refused below
    if (inputs is not None and inputs[0] == 1) or (inputs is None and cols == 1 and not table):
        ax = _boundary_on_a_line(model, X, y, cut, threshold, grid, labels, ax, kw)
        return _with_legend(ax, legend)
    Xa, names = _plane(model, X, many=True)
    ax = new_axes(ax)
    if Xa is not None and y is not None:
        plot_classes(Xa, y, labels=labels, ax=ax)
    xlim, ylim = _limits(Xa, ax, keep_sign=names is not None)
    lin = _linear_params(model)
    if K > 2:
        g1, g2, P = _grid(xlim, ylim, grid)
        lead = _lead(_log_proba(model, P, names))
        best = np.argmax(lead, axis=1).reshape(g1.shape)
        colors = [class_color(k) for k in range(K)]
        ax.contourf(g1, g2, best, levels=np.arange(K + 1) - 0.5, colors=colors, alpha=0.15)
        layer = _linear_layer(model)
        if layer is not None:  # a softmax layer: its boundaries are exact line segments
            line = {"color": kw["color"], "lw": kw["lw"]}
            for (a1, a2), (b1, b2) in _region_edges(*layer, xlim, ylim):
                ax.plot([a1, b1], [a2, b2], **line)
        else:
            for k in range(K):
                level = lead[:, k].reshape(g1.shape)
                if level.min() < 0.0 < level.max():  # class k wins somewhere, not everywhere
                    ax.contour(g1, g2, level, levels=[0.0], colors=kw["color"], linewidths=kw["lw"])
        ax.plot([], [], color=kw["color"], lw=kw["lw"], label=kw["label"])  # the legend's
    elif lin is not None:
        (w1, w2), b = _in_axes_order(model, lin[0], names), lin[1]
        if abs(w2) >= abs(w1) and w2 != 0:
            x1 = np.linspace(*xlim, 200)
            ax.plot(x1, (cut - b - w1 * x1) / w2, **kw)
        elif w1 != 0:
            x2 = np.linspace(*ylim, 200)
            ax.plot((cut - b - w2 * x2) / w1, x2, **kw)
    else:
        g1, g2, P = _grid(xlim, ylim, grid)
        prob = _proba1(model, P, names).reshape(g1.shape)
        ax.contour(g1, g2, prob, levels=[threshold], colors=kw["color"], linewidths=kw["lw"])
        ax.plot([], [], color=kw["color"], lw=kw["lw"], label=kw["label"])  # the legend's
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    if Xa is not None and y is not None:
        _name_axes(ax, names)
    return _with_legend(ax, legend)


#: A legend of more entries than this (classes of a many-class table) is left out.
MAX_LEGEND_ENTRIES = 12


def _with_legend(ax: Axes, legend: bool) -> Axes:
    """``ax`` with a legend of its labelled artists, where asked and there are some
    (at most :data:`MAX_LEGEND_ENTRIES`)."""
    handles, _ = ax.get_legend_handles_labels()
    if legend and 0 < len(handles) <= MAX_LEGEND_ENTRIES:
        ax.legend(fontsize="small")
    return ax


def _linear_layer(model: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """``(W, b)`` of a linear softmax layer on two features (``coef_`` of shape (K, 2)),
    or None (a model on a table, or anything else)."""
    if getattr(model, "design_", None) is not None or not hasattr(model, "coef_"):
        return None
    W = np.asarray(model.coef_, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] < 3 or W.shape[1] != 2:
        return None
    return W, np.asarray(model.intercept_, dtype=np.float64).reshape(-1)


def _region_edges(
    W: NDArray[np.float64],
    b: NDArray[np.float64],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
) -> list[tuple[NDArray[np.float64], NDArray[np.float64]]]:
    """The edges of the regions of a softmax layer ``z = W x + b`` inside the box: for each
    pair ``k < j``, the piece of the line ``z_k = z_j`` where both beat every other class
    (each constraint is linear along the line, so the piece is one segment or none)."""
    K = len(b)
    lo, hi = np.array([xlim[0], ylim[0]]), np.array([xlim[1], ylim[1]])
    edges = []
    for k in range(K):
        for j in range(k + 1, K):
            n, c = W[k] - W[j], b[k] - b[j]  # the line n . x + c = 0
            if not np.any(n):
                continue
            p0 = -c * n / (n @ n)  # its point nearest the origin, and its direction
            d = np.array([-n[1], n[0]])
            t_lo, t_hi = -np.inf, np.inf
            cons = [(d[i], p0[i] - lo[i]) for i in range(2)]  # x_i >= lo_i, x_i <= hi_i
            cons += [(-d[i], hi[i] - p0[i]) for i in range(2)]
            for m in range(K):  # z_k >= z_m along the line (z_k = z_j there)
                if m not in (k, j):
                    cons.append(((W[k] - W[m]) @ d, (W[k] - W[m]) @ p0 + b[k] - b[m]))
            for slope, at0 in cons:  # slope * t + at0 >= 0
                if slope > 0:
                    t_lo = max(t_lo, -at0 / slope)
                elif slope < 0:
                    t_hi = min(t_hi, -at0 / slope)
                elif at0 < 0:
                    t_lo, t_hi = np.inf, -np.inf
            if t_lo < t_hi:
                edges.append((p0 + t_lo * d, p0 + t_hi * d))
    return edges


def _boundary_on_a_line(
    model: Any,
    X: ArrayLike | None,
    y: ArrayLike | None,
    cut: float,
    threshold: float,
    grid: int,
    labels: Sequence[str] | None,
    ax: Axes | None,
    kw: dict[str, Any],
) -> Axes:
    """One feature: vertical lines where ``P(class 1) = threshold``, the classes below."""
    Xa = None
    if X is not None:
        Xa = np.asarray(X, dtype=np.float64)
        if Xa.ndim > 2 or (Xa.ndim == 2 and Xa.shape[1] != 1):
            raise ValueError(f"the model takes one input column; X has shape {Xa.shape}")
        Xa = Xa.reshape(-1, 1)
        finite_values(Xa, "X")
    names = _fitted_names(model, X, 1)
    ax = new_axes(ax)
    if Xa is not None and y is not None:
        plot_classes(Xa, y, labels=labels, ax=ax)
    if Xa is not None:
        lo, hi = float(Xa.min()), float(Xa.max())
        pad = max((hi - lo) * 0.1, 0.5)
        lo, hi = lo - pad, hi + pad
    else:
        lo, hi = ax.get_xlim()
    lin = _linear_params(model)
    if _n_classes(model) > 2:  # where the most probable class changes along x
        g = np.linspace(lo, hi, grid)
        lead = _lead(_log_proba(model, g[:, None], names))
        best = np.argmax(lead, axis=1)
        crossings = []
        for i in np.nonzero(best[:-1] != best[1:])[0]:
            d0, d1 = lead[i, best[i]], lead[i + 1, best[i]]  # the leader's lead: + to -
            crossings.append(g[i] + d0 * (g[i + 1] - g[i]) / (d0 - d1))
    elif lin is not None:
        w, b = lin
        crossings = [(cut - b) / w[0]] if w[0] != 0 else []
    else:
        g = np.linspace(lo, hi, grid)
        d = _proba1(model, g[:, None], names) - threshold
        at = np.nonzero((d[:-1] < 0) != (d[1:] < 0))[0]
        crossings = [g[i] - d[i] * (g[i + 1] - g[i]) / (d[i + 1] - d[i]) for i in at]
    label = kw.pop("label")
    for i, x0 in enumerate(crossings):
        ax.axvline(float(x0), label=label if i == 0 else None, **kw)
    if Xa is not None:
        ax.set_xlim(lo, hi)
    if Xa is not None and y is not None:
        _name_axes(ax, names)
    return ax


def _probability_levels(levels: Any) -> NDArray[np.float64]:
    """The filled contours' boundaries: ``levels`` evenly spaced from 0 to 1 (a count of
    at least 2), or the given increasing probabilities in [0, 1]."""
    if isinstance(levels, int | np.integer) and not isinstance(levels, bool | np.bool_):
        return np.linspace(0.0, 1.0, count(levels, "levels", 2))
    lv = np.asarray(levels, dtype=np.float64)
    if lv.ndim != 1 or lv.size < 2:
        raise ValueError(
            f"levels must be a count (at least 2) or at least two probabilities; got {levels!r}"
        )
    if not (np.all(np.isfinite(lv)) and lv.min() >= 0.0 and lv.max() <= 1.0):
        raise ValueError(f"levels are probabilities: each in [0, 1]; got {lv.tolist()}")
    if np.any(np.diff(lv) <= 0):
        raise ValueError(f"levels must increase; got {lv.tolist()}")
    return lv


def plot_probability_contours(
    model: Any,
    X: ArrayLike,
    y: ArrayLike | None = None,
    *,
    levels: int | Sequence[float] = 11,
    cmap: str = "RdYlBu",
    grid: int = 200,
    labels: Sequence[str] | None = None,
    colorbar: bool = True,
    colorbar_label: str | None = None,
    ax: Axes | None = None,
    offset: float | None = None,
    legend: bool = True,
) -> Axes:
    """Filled contours of ``P(class 1)`` from 0 to 1, with the samples on top.

    ``legend`` (default True): a legend of the classes where ``y`` is given
    (``legend=False`` leaves it to the caller).

    ``cmap="RdYlBu"`` runs red (class 0, probability 0) to blue (class 1). A model
    fitted with an ``offset`` needs one here: its value at every point of the plane.
    "Class 1" is the model's second class, ``classes_[1]``: the colour bar's default
    label names it (``"P(yes)"`` for labels ``'no'``, ``'yes'``), and says
    ``"P(class 1)"`` for 0/1 labels or a ``(w, b)`` pair.

    Examples
    --------
    >>> from oneneuron.plot import plot_probability_contours
    >>> ax = plot_probability_contours(([1.0, 1.0], 0.0), [[-1, -1], [1, 1]], [0, 1])
    >>> ax.collections[0].get_clim()
    (0.0, 1.0)
    """
    grid = count(grid, "grid", 2)
    lv = _probability_levels(levels)
    model = _at_offset(model, offset)
    Xa, names = _plane(model, X)
    ax = new_axes(ax)
    xlim, ylim = _limits(Xa, ax, keep_sign=names is not None)
    g1, g2, P = _grid(xlim, ylim, grid)
    prob = _proba1(model, P, names).reshape(g1.shape)
    cs = ax.contourf(g1, g2, prob, levels=lv, cmap=cmap, vmin=0.0, vmax=1.0, alpha=0.85)
    if colorbar_label is None:
        classes = getattr(model, "classes_", None)
        second = None if classes is None or len(classes) != 2 else classes[1]
        plain = second is None or (isinstance(second, (int, float, np.number)) and second == 1)
        colorbar_label = "P(class 1)" if plain else f"P({literal(second)})"
    if colorbar:
        ax.figure.colorbar(cs, ax=ax, label=colorbar_label)
    if y is not None:
        plot_classes(Xa, y, labels=labels, ax=ax)
        _name_axes(ax, names)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    return _with_legend(ax, legend)


def loss_surface(
    X: ArrayLike,
    y: ArrayLike,
    w1: NDArray[np.float64],
    w2: NDArray[np.float64],
    *,
    b: float = 0.0,
    reduction: str = "sum",
) -> NDArray[np.float64]:
    """Cross-entropy at every ``(w1[j], w2[i])``; shape (len(w2), len(w1)).

    With two features the grid is over the weights ``(w1, w2)``, the bias fixed at
    ``b``. With one feature (``X`` of one column, or 1-D) the neuron's two parameters
    are its weight and its bias: the grid is over ``(w, b) = (w1[j], w2[i])`` and
    ``b`` must stay 0. ``w1`` and ``w2`` are the grid's 1-D axes, which the surface
    meshes (a grid already made with ``np.meshgrid`` is refused). ``reduction="sum"``
    adds the per-example losses, ``"mean"`` averages them.

    Examples
    --------
    >>> from oneneuron.plot import loss_surface
    >>> loss_surface([[-1.0], [1.0]], [0, 1], [0.0, 2.0], [0.0], reduction="mean").round(4)
    array([[0.6931, 0.1269]])
    """
    if reduction not in ("sum", "mean"):
        raise ValueError(f"reduction must be 'sum' or 'mean', got {reduction!r}")
    b = finite_number(b, "b")  # as plot_loss_surface: a fitted intercept_ is one number
    axes = []
    for name, grid in (("w1", w1), ("w2", w2)):
        g = np.asarray(grid, dtype=np.float64)
        if g.ndim > 1:  # the meshgrid itself: its flattened copies would be meshed again
            raise ValueError(
                f"{name} must be the 1-D axis of the grid (or one number); got shape "
                f"{g.shape}, a grid already made with np.meshgrid? pass the axes w1 and "
                "w2 themselves: the surface meshes them"
            )
        axes.append(g)
    w1, w2 = axes
    X = np.asarray(X, dtype=np.float64)
    X = X[:, None] if X.ndim == 1 else X
    if X.ndim != 2 or X.shape[1] not in (1, 2):
        raise ValueError(
            f"X must have 1 column (the surface is over w, b) or 2 (over w1, w2); got {X.shape}"
        )
    finite_values(X, "X")
    given = np.asarray(y)
    if given.dtype.kind not in "biuf":  # the cross-entropy's labels are the numbers 0, 1
        shown = ", ".join(repr(literal(v)) for v in np.unique(given.astype(str))[:4])
        raise ValueError(
            f"y must hold the labels 0 and 1; got {shown}: code them as 0 and 1 (e.g. y == 'yes')"
        )
    if X.shape[1] == 1 and b != 0.0:
        raise ValueError(
            "with one feature the surface is over (w, b): b is the second axis (w2), "
            f"not fixed; got b={b!r}"
        )
    yv = np.asarray(y, dtype=np.float64)
    if yv.ndim == 2 and 1 in yv.shape:  # a column (n, 1) or row (1, n), as courses keep y
        yv = yv.ravel()
    if yv.shape != (X.shape[0],):
        raise ValueError(
            f"y must have one label per row of X ({X.shape[0]}); got {yv.size} (shape {yv.shape})"
        )
    G1, G2 = np.meshgrid(w1, w2)
    if X.shape[1] == 1:  # z = x w + b
        Z = X @ G1.ravel()[None, :] + G2.ravel()[None, :]
    else:
        Z = X @ np.column_stack([G1.ravel(), G2.ravel()]).T + b
    L = log_loss(yv[:, None], Z)
    out = L.sum(axis=0) if reduction == "sum" else L.mean(axis=0)
    return out.reshape(G1.shape)


def plot_loss_surface(
    X: ArrayLike,
    y: ArrayLike,
    *,
    path: ArrayLike | None = None,
    n_path: int | None = None,
    w1_range: tuple[float, float] = (-5.0, 5.0),
    w2_range: tuple[float, float] = (-5.0, 5.0),
    b: float = 0.0,
    reduction: str = "sum",
    n: int = 100,
    cmap: str = "viridis_r",
    ax: Axes | None = None,
) -> Axes:
    """Cross-entropy over the weights ``(w1, w2)`` of a two-input neuron, with a descent path.

    With one feature the surface is over the neuron's weight and bias ``(w, b)``
    (``w1_range`` is w's, ``w2_range`` b's; see :func:`loss_surface`).

    Parameters
    ----------
    X, y : two-feature (or one-feature) samples and 0/1 labels.
    path : array_like of shape (T, 2), optional
        Successive weights, e.g. ``history_["coef"][:, 0, :]`` of a
        ``NeuronClassifier(fit_intercept=False, record_path=True)`` (one feature:
        ``np.c_[coef[:, 0, 0], intercept[:, 0]]``, with the intercept); drawn as
        arrows. With two features the surface holds the bias at ``b``: the path of a
        fit whose intercept moved is not on it (its losses are not the surface's).
    n_path : int, optional
        Draw only the first ``n_path`` steps of ``path``.
    b : float
        Fixed bias (0 for the neuron without bias).
    reduction : {"sum", "mean"}
        Summed (as in the no-bias walkthrough) or mean cross-entropy.

    Examples
    --------
    >>> from oneneuron.plot import plot_loss_surface
    >>> ax = plot_loss_surface([[-1, 0], [1, 0]], [0, 1], path=[[-4, -2], [-3, -2]], n=20)
    >>> len(ax.texts)  # one arrow per step
    1
    """
    n = count(n, "n", 2)
    w1_range, w2_range = span(w1_range, "w1_range"), span(w2_range, "w2_range")
    b = finite_number(b, "b")
    if n_path is not None:
        n_path = count(n_path, "n_path", 0)
    ax = new_axes(ax)
    w1 = np.linspace(*w1_range, n)
    w2 = np.linspace(*w2_range, n)
    L = loss_surface(X, y, w1, w2, b=b, reduction=reduction)
    cs = ax.contourf(w1, w2, L, levels=20, cmap=cmap)
    ax.figure.colorbar(cs, ax=ax, label=f"{'summed' if reduction == 'sum' else 'mean'} loss")
    if path is not None:
        P = np.asarray(path, dtype=np.float64)
        if P.ndim != 2 or P.shape[1] != 2:
            raise ValueError(f"path must have shape (T, 2), got {P.shape}")
        finite_values(P, "path")
        if n_path is not None:
            P = P[: n_path + 1]
        ax.plot(P[:, 0], P[:, 1], "o", color="w", ms=4, mec="k")
        for (a1, a2), (c1, c2) in zip(P[:-1], P[1:], strict=True):
            ax.annotate(
                "",
                xy=(c1, c2),
                xytext=(a1, a2),
                arrowprops={"arrowstyle": "-|>", "color": "w", "lw": 1.5},
            )
    one = np.ndim(X) == 1 or np.shape(X)[-1] == 1
    ax.set_xlabel("$w$" if one else "$w_1$")
    ax.set_ylabel("$b$" if one else "$w_2$")
    ax.set_xlim(*w1_range)
    ax.set_ylim(*w2_range)
    return ax
