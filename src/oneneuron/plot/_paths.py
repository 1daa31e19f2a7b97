"""Figures of penalised fits: the coefficient path and the cross-validation curve."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes

from ._base import new_axes


def plot_coefficient_path(path: Any, *, labels: bool = True, ax: Axes | None = None) -> Axes:
    """Each coefficient against alpha (log scale, decreasing to the right), as glmnet's plot.

    Parameters
    ----------
    path : RegularizationPath
        From :func:`oneneuron.regularization_path` (or ``NeuronClassifierCV.paths_[i]``).
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
    ax = new_axes(ax)
    n_alphas, m, d = path.coef.shape
    for k in range(m):
        for j in range(d):
            name = path.feature_names[j]
            if m > 1:
                name = f"{path.classes[k]}: {name}"
            ax.plot(path.alphas, path.coef[:, k, j], label=name)
    ax.set_xscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.set_xlabel("alpha")
    ax.set_ylabel("coefficient (original scale)")
    ax.set_title(f"coefficient path (l1_ratio={path.l1_ratio:g})")
    if labels and m * d <= 12:
        ax.legend(fontsize="small")
    return ax


def plot_cv_curve(cv: Any, *, ax: Axes | None = None) -> Axes:
    """Mean held-out score against alpha, with one-standard-error bars, for ``l1_ratio_``.

    Dashed lines mark the best alpha and the chosen one (they differ with ``rule="1se"``).

    Parameters
    ----------
    cv : NeuronClassifierCV
        A fitted one.

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
    ax = new_axes(ax)
    ratios = [p.l1_ratio for p in cv.paths_]
    i = ratios.index(cv.l1_ratio_)
    scores = cv.scores_[i]  # (n_folds, n_alphas)
    alphas = cv.alphas_[i]
    mean = scores.mean(axis=0)
    se = scores.std(axis=0) / np.sqrt(scores.shape[0])
    ax.errorbar(alphas, mean, yerr=se, fmt="o-", ms=3, capsize=2, label="mean over folds")
    best = alphas[int(np.argmax(mean))]
    ax.axvline(best, ls="--", color="C1", label=f"best alpha {best:.3g}")
    ax.axvline(cv.alpha_, ls=":", color="C2", label=f"chosen ({cv.rule}) {cv.alpha_:.3g}")
    ax.set_xscale("log")
    if not ax.xaxis_inverted():
        ax.invert_xaxis()
    ax.set_xlabel("alpha")
    ax.set_ylabel(cv.scoring)
    ax.set_title(f"cross-validation ({scores.shape[0]} folds, l1_ratio={cv.l1_ratio_:g})")
    ax.legend(fontsize="small")
    return ax
