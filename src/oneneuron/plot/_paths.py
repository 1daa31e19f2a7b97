"""Figures of penalised fits: the coefficient path and the cross-validation curve."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ._base import literal, new_axes


def _record(cv: Any) -> Any:
    """The :class:`~oneneuron.classifier.CVRecord` of ``cv`` (or ``cv`` itself)."""
    from ..classifier import CVRecord

    if isinstance(cv, CVRecord):
        return cv
    record = getattr(cv, "cv_record_", None)
    if record is None:
        raise TypeError(
            "needs a fitted NeuronClassifierCV, its cv_record_, or a model loaded from a "
            f"file that NeuronClassifierCV.save wrote; got {type(cv).__name__}"
        )
    return record


#: The x label of an alpha axis: it runs from the strongest penalty to the weakest.
ALPHA_LABEL = "alpha (penalty, weaker to the right)"


def _alpha_axis(ax: Axes, alphas: Any) -> None:
    """Alpha on a log scale decreasing to the right; linear near 0 where the grid holds 0.

    A log axis drops ``alpha = 0`` (an unpenalised fit in a given grid) and a chosen
    alpha of 0 with it; then the axis is ``symlog``, linear below the smallest positive
    alpha, so that 0 is drawn beside it.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    positive = alphas[alphas > 0]
    if np.any(alphas == 0):
        ax.set_xscale("symlog", linthresh=float(positive.min()) if positive.size else 1.0)
    else:
        ax.set_xscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()


def plot_coefficient_path(path: Any, *, labels: bool = True, ax: Axes | None = None) -> Axes:
    """Each coefficient against alpha (log scale, decreasing to the right), as glmnet's plot.

    A grid holding ``alpha = 0`` gets a ``symlog`` axis, linear below its smallest
    positive alpha, so that the unpenalised end is drawn.

    Parameters
    ----------
    path : RegularizationPath, NeuronClassifierCV or CVRecord
        From :func:`oneneuron.regularization_path` (or ``NeuronClassifierCV.paths_[i]``);
        or a fitted ``NeuronClassifierCV``, its ``cv_record_``, or a model loaded
        from a file it saved: their full-data path at the chosen l1_ratio, with a
        dotted line at the chosen alpha.
    labels : bool, default=True
        Name the lines with the feature names (``class: name`` for K > 2) in a legend
        when there are at most 12 of them.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import regularization_path
    >>> from oneneuron.plot import plot_coefficient_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 3))
    >>> y = (X[:, 0] + rng.normal(size=100) > 0).astype(int)
    >>> ax = plot_coefficient_path(regularization_path(X, y, n_alphas=5))
    >>> len(ax.lines), ax.get_xscale(), bool(ax.xaxis_inverted())  # 3 paths and the zero line
    (4, 'log', True)
    """
    chosen = None
    if not hasattr(path, "coef"):
        record = _record(path)
        if record.path is None:
            raise ValueError(
                "this cross-validation record holds no coefficient path (the model file "
                "leaves it out above MAX_PATH_COEFS numbers)"
            )
        path, chosen = record.path, record.alpha
    ax = new_axes(ax)
    n_alphas, m, d = path.coef.shape
    for k in range(m):
        for j in range(d):
            name = literal(path.feature_names[j])  # the data's names, "$" and all
            if m > 1:
                name = f"{literal(path.classes[k])}: {name}"
            ax.plot(path.alphas, path.coef[:, k, j], label=name)
    _alpha_axis(ax, path.alphas)
    ax.axhline(0.0, color="0.6", lw=0.8)
    marker = None
    if chosen is not None:
        marker = ax.axvline(chosen, ls=":", color="0.3", label=f"chosen alpha {chosen:.3g}")
    ax.set_xlabel(ALPHA_LABEL)
    ax.set_ylabel("coefficient (original scale)")
    ax.set_title(f"coefficient path (l1_ratio={path.l1_ratio:g})")
    if labels and m * d <= 12:
        ax.legend(fontsize="small")
    elif marker is not None:  # too many lines to name: the dotted line still says what it is
        ax.legend(handles=[marker], fontsize="small")
    return ax


def plot_cv_curve(cv: Any, *, ax: Axes | None = None) -> Axes:
    """Mean held-out score against alpha, with one-standard-error bars, for ``l1_ratio_``.

    Dashed lines mark the best alpha and the chosen one (they differ with ``rule="1se"``).
    Alpha is on a log axis, ``symlog`` where the grid holds 0 (see
    :func:`plot_coefficient_path`).

    Parameters
    ----------
    cv : NeuronClassifierCV or CVRecord
        A fitted one, its ``cv_record_``, or a model loaded from a file that
        ``NeuronClassifierCV.save`` wrote (its ``cv_record_``).

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import NeuronClassifierCV
    >>> from oneneuron.plot import plot_cv_curve
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(120, 3))
    >>> y = (X[:, 0] + rng.normal(size=120) > 0).astype(int)
    >>> ax = plot_cv_curve(NeuronClassifierCV(cv=3, n_alphas=6).fit(X, y))
    >>> len(ax.lines) >= 3, ax.get_xscale()
    (True, 'log')
    """
    record = _record(cv)
    ax = new_axes(ax)
    i = record.l1_ratios.tolist().index(record.l1_ratio)
    scores = record.scores[i]  # (n_folds, n_alphas)
    alphas = record.alphas[i]
    mean = scores.mean(axis=0)
    se = record.std_error[i]  # the 1se rule's (glmnet's)
    ax.errorbar(alphas, mean, yerr=se, fmt="o-", ms=3, capsize=2, label="mean over folds")
    best = alphas[int(np.argmax(mean))]
    ax.axvline(best, ls="--", color="C1", label=f"best alpha {best:.3g}")
    chosen = f"chosen ({record.rule}) {record.alpha:.3g}"
    ax.axvline(record.alpha, ls=":", color="C2", label=chosen)
    _alpha_axis(ax, alphas)
    ax.set_xlabel(ALPHA_LABEL)
    ax.set_ylabel(literal(record.scoring))
    ax.set_title(f"cross-validation ({scores.shape[0]} folds, l1_ratio={record.l1_ratio:g})")
    ax.legend(fontsize="small")
    return ax
