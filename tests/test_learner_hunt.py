"""A learner's round: the tutorials' teaching API, plots and playground as a student uses them."""

from __future__ import annotations

import numpy as np

from oneneuron import NeuronClassifier
from oneneuron.functions import log_loss
from oneneuron.plot import plot_learning_curve


def _small() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    return X, y


def test_learning_curve_y_axis_says_what_is_drawn():
    """A penalised fit's history_['loss'] is the objective (cross-entropy + penalty), not
    the mean cross-entropy the y axis claimed; on a log axis with an optimum the curve is
    loss - optimum. The y label now says so, and can be given."""
    X, y = _small()
    clf = NeuronClassifier(alpha=1.0, solver="lbfgs").fit(X, y)
    z = X @ clf.coef_[0] + clf.intercept_[0]
    ce = float(np.mean(log_loss(y, z)))
    assert clf.history_["loss"][-1] > ce + 0.01  # the drawn values are not the cross-entropy
    ax = plot_learning_curve(clf.history_)
    assert "cross-entropy" not in ax.get_ylabel()
    assert ax.get_ylabel() == "loss"
    ax = plot_learning_curve(clf.history_, optimum=clf.loss_, log=True)
    assert ax.get_ylabel() == "loss - optimum"
    assert ax.get_yscale() == "log"
    ax = plot_learning_curve([0.7, 0.5], ylabel="mean cross-entropy")
    assert ax.get_ylabel() == "mean cross-entropy"
