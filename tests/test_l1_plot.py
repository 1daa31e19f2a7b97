"""Coefficient path and CV curve figures: what is drawn matches the fitted objects."""

import numpy as np

from oneneuron import NeuronClassifierCV, regularization_path
from oneneuron.plot import plot_coefficient_path, plot_cv_curve


def _data(K=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=150) > 0).astype(int)
    if K == 3:
        y[X[:, 2] > 0.8] = 2
    return X, y


def test_coefficient_path_lines_are_the_path():
    X, y = _data(K=3)
    path = regularization_path(X, y, n_alphas=7)
    ax = plot_coefficient_path(path)
    lines = [ln for ln in ax.lines if len(ln.get_xdata()) == 7]
    assert len(lines) == 3 * 4  # one per (class, feature)
    np.testing.assert_allclose(lines[5].get_ydata(), path.coef[:, 1, 1])
    assert lines[5].get_label() == "1: x1"
    assert ax.get_legend() is not None


def test_cv_curve_shows_mean_scores_and_both_alphas():
    X, y = _data()
    cv = NeuronClassifierCV(cv=3, n_alphas=6, rule="1se").fit(X, y)
    ax = plot_cv_curve(cv)
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_xdata(), cv.alphas_[0])
    np.testing.assert_allclose(curve.get_ydata(), cv.scores_[0].mean(0))
    vlines = [ln.get_xdata()[0] for ln in ax.lines[1:]]
    assert cv.alpha_ in vlines
    assert ax.figure.get_size_inches().tolist() == [5.0, 3.6]
