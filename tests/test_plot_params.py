"""The learners' plots refuse parameters they cannot draw, with one message naming the
parameter, instead of a matplotlib or scikit-learn internal error or a silently empty or
wrong figure (a grid of one point, a sigmoid of NaN, a probability level of 2, a loss
history that diverged, a log-scale gap below the optimum)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

import oneneuron.plot as P
from oneneuron import NeuronClassifier

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 2))
y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
MODEL = NeuronClassifier().fit(X, y)
ONE = NeuronClassifier().fit(X[:, :1], y)

CASES = [
    ("grid", lambda: P.plot_decision_boundary(MODEL, X, y, grid=1)),
    ("grid", lambda: P.plot_decision_boundary(MODEL, X, y, grid=2.5)),
    ("grid", lambda: P.plot_decision_boundary(ONE, X[:, :1], y, grid=1)),
    ("grid", lambda: P.plot_probability_contours(MODEL, X, y, grid=1)),
    ("grid", lambda: P.plot_probability_contours(MODEL, X, y, grid=0)),
    ("levels", lambda: P.plot_probability_contours(MODEL, X, y, levels=[0.5, 2])),
    ("levels", lambda: P.plot_probability_contours(MODEL, X, y, levels=[0.6, 0.4])),
    ("levels", lambda: P.plot_probability_contours(MODEL, X, y, levels=[0.2, np.nan])),
    ("levels", lambda: P.plot_probability_contours(MODEL, X, y, levels=1)),
    ("levels", lambda: P.plot_probability_contours(MODEL, X, y, levels=-3)),
    ("n", lambda: P.plot_loss_surface(X, y, n=1)),
    ("w1_range", lambda: P.plot_loss_surface(X, y, w1_range=(5, -5))),
    ("w1_range", lambda: P.plot_loss_surface(X, y, w1_range=(1, 1))),
    ("w2_range", lambda: P.plot_loss_surface(X, y, w2_range=(np.nan, 1))),
    ("w2_range", lambda: P.plot_loss_surface(X, y, w2_range=(1, 2, 3))),
    ("b", lambda: P.plot_loss_surface(X, y, b=np.nan)),
    ("n_path", lambda: P.plot_loss_surface(X, y, path=[[0, 0], [1, 1]], n_path=-1)),
    ("path", lambda: P.plot_loss_surface(X, y, path=[[0, 0], [1, np.nan]])),
    ("bins", lambda: P.plot_class_histograms(X[:, 0], y, bins=0)),
    ("range", lambda: P.plot_class_histograms(X[:, 0], y, range=(1, -1))),
    ("w", lambda: P.plot_sigmoid(np.nan)),
    ("b", lambda: P.plot_sigmoid(1.0, np.inf)),
    ("x", lambda: P.plot_sigmoid(1.0, 0.0, x=[0.0, np.nan])),
    ("x", lambda: P.plot_sigmoid(1.0, 0.0, x=[])),
    ("n", lambda: P.plot_cross_entropy(n=1)),
    ("n", lambda: P.plot_cross_entropy(n=True)),
    ("history", lambda: P.plot_learning_curve([])),
    ("history", lambda: P.plot_learning_curve(np.ones((3, 2)))),
    ("history", lambda: P.plot_learning_curve({"cost": [1.0, 0.5]})),
    ("optimum", lambda: P.plot_learning_curve([1.0, 0.5], optimum=np.nan)),
]


@pytest.mark.parametrize(("name", "call"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_a_bad_plot_parameter_is_one_message_naming_it(name, call):
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        call()


def test_a_diverged_loss_history_names_its_first_bad_iteration():
    """A learner's gradient descent that diverged leaves inf/NaN losses: the figure would
    drop them without a word; the message names the iteration and the usual cause."""
    with pytest.raises(ValueError, match=r"iteration 2 .*learning rate"):
        P.plot_learning_curve([0.7, 0.6, np.inf, np.nan])


def test_a_log_gap_below_the_optimum_is_refused_and_gaps_of_zero_left_out():
    """On a log axis of ``loss - optimum``, a loss below the given optimum means the
    optimum is not the minimum (refused); the iterations at the optimum (gap exactly 0,
    a converged run's last loss given as the optimum) have no place on a log axis and
    are left out, as the docstring says."""
    with pytest.raises(ValueError, match=r"below the optimum"):
        P.plot_learning_curve([1.0, 0.5, 0.4], optimum=0.45, log=True)
    ax = P.plot_learning_curve([1.0, 0.5, 0.4], optimum=0.4, log=True)
    assert ax.lines[0].get_ydata().tolist() == pytest.approx([0.6, 0.1])
    # a difference from rounding below the optimum counts as reaching it
    ax = P.plot_learning_curve([1.0, 0.4 - 1e-17], optimum=0.4, log=True)
    assert ax.lines[0].get_ydata().tolist() == pytest.approx([0.6])


def test_valid_parameters_still_draw():
    P.plot_probability_contours(MODEL, X, y, levels=[0.1, 0.5, 0.9], grid=2)
    P.plot_probability_contours(MODEL, X, y, levels=2, colorbar=False)
    P.plot_decision_boundary(MODEL, X, y, grid=np.int64(2))
    P.plot_loss_surface(X, y, n=2, w1_range=(-1, 1), w2_range=(0, 1e-3), path=[[0, 0]], n_path=0)
    P.plot_class_histograms(X[:, 0], y, bins=1, range=(-1, 1))
    P.plot_cross_entropy(n=2)
    P.plot_sigmoid(np.float32(2.0), np.array([1.0]), x=[0.0])
    P.plot_learning_curve({"loss": [1.0]}, optimum=0.5)
