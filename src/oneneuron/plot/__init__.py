"""Figures of the walkthroughs, drawn with matplotlib.

Every function draws on ``ax`` when given, or on a new
:class:`matplotlib.figure.Figure` (no pyplot, no global state, works headless),
and returns the :class:`~matplotlib.axes.Axes` it drew on; ``ax.figure`` is the
figure. Nothing here calls ``show``.

Examples
--------
>>> from oneneuron.plot import plot_sigmoid
>>> ax = plot_sigmoid(w=2.0, b=1.0)
>>> type(ax.figure).__name__, len(ax.lines)
('Figure', 1)
"""

from __future__ import annotations

from ._base import literal, new_axes, strip_text
from ._curves import (
    plot_class_histograms,
    plot_cross_entropy,
    plot_learning_curve,
    plot_roc,
    plot_sigmoid,
)
from ._paths import plot_coefficient_path, plot_cv_curve
from ._planes import (
    loss_surface,
    plot_classes,
    plot_decision_boundary,
    plot_loss_surface,
    plot_probability_contours,
)

__all__ = [
    "literal",
    "new_axes",
    "strip_text",
    "plot_sigmoid",
    "plot_cross_entropy",
    "plot_class_histograms",
    "plot_learning_curve",
    "plot_coefficient_path",
    "plot_cv_curve",
    "plot_roc",
    "plot_classes",
    "plot_decision_boundary",
    "plot_probability_contours",
    "plot_loss_surface",
    "loss_surface",
]
