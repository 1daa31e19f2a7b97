"""one-neuron-1d: two 1-D Gaussian classes, the sigmoid, and one neuron beside scikit-learn.

Follows "The 1-neuron network: logistic regression" (thedatafrog): classes
centred on -1.5 and +1.5 with unit sigma, 100 examples each; the fitted
probability curve against scikit-learn's ``LogisticRegression`` and an
``MLPClassifier`` with no hidden layer.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning as SkConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from ..classifier import NeuronClassifier
from ..datasets import make_gaussians_1d
from ..plot import new_axes, plot_class_histograms, plot_classes, plot_sigmoid
from ._common import Section, Walkthrough, fmt

NAME = "one-neuron-1d"
TITLE = "One neuron in one dimension"
SOURCE = (
    "'The 1-neuron network: logistic regression' (thedatafrog.com): two Gaussian classes "
    "in 1-D, the sigmoid, sklearn's LogisticRegression and MLPClassifier(hidden_layer_sizes=())"
)
BLURB = "1-D Gaussians at -1.5 / +1.5: sigmoid, neuron vs LogisticRegression vs MLPClassifier"

LABELS = ("class 0 (mean -1.5)", "class 1 (mean +1.5)")
SIGMOIDS = ((1.0, 0.0), (1.0, 1.0), (5.0, 0.0))  # (w, b) drawn over the data
GRID = np.linspace(-5.0, 5.0, 200)[:, None]


def compute() -> dict[str, Any]:
    """The neuron (plain maximum likelihood) and three fits of sklearn's default objective.

    ``LogisticRegression()`` (C = 1) and ``MLPClassifier(hidden_layer_sizes=(),
    alpha=1, solver="lbfgs")`` both minimise ``mean log-loss + ||w||^2 / (2n)``,
    which is ``NeuronClassifier(alpha=1/n, standardize=False)``: the three must agree.
    """
    X, y, _ = make_gaussians_1d()
    n = len(y)
    neuron = NeuronClassifier().fit(X, y)
    neuron_l2 = NeuronClassifier(alpha=1.0 / n, standardize=False).fit(X, y)
    logreg = LogisticRegression(tol=1e-10, max_iter=1000).fit(X, y)
    mlp = MLPClassifier(
        hidden_layer_sizes=(),
        activation="logistic",
        solver="lbfgs",
        alpha=1.0,
        tol=1e-12,
        max_iter=5000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SkConvergenceWarning)
        mlp.fit(X, y)
    curves = {
        "neuron": neuron.predict_proba(GRID)[:, 1],
        "neuron_l2": neuron_l2.predict_proba(GRID)[:, 1],
        "logreg": logreg.predict_proba(GRID)[:, 1],
        "mlp": mlp.predict_proba(GRID)[:, 1],
    }
    x4 = np.array([[4.0]])
    return {
        "X": X,
        "y": y,
        "neuron": neuron,
        "neuron_l2": neuron_l2,
        "logreg": logreg,
        "mlp": mlp,
        "curves": curves,
        "p_x4": {
            "neuron": float(neuron.predict_proba(x4)[0, 1]),
            "logreg": float(logreg.predict_proba(x4)[0, 1]),
            "mlp": float(mlp.predict_proba(x4)[0, 1]),
        },
        "max_gap": {
            "logreg": float(np.max(np.abs(curves["neuron_l2"] - curves["logreg"]))),
            "mlp": float(np.max(np.abs(curves["neuron_l2"] - curves["mlp"]))),
        },
    }


def build() -> Walkthrough:
    """Fit, draw and summarise the walkthrough."""
    r = compute()
    X, y, c = r["X"], r["y"], r["curves"]
    figs = {}

    ax = plot_classes(X, y, labels=LABELS, ax=new_axes(figsize=(5.0, 2.8)))
    ax.set_xlim(-5, 5)
    ax.set_yticks([0, 1])
    ax.set_title("the examples, category on the y axis")
    figs["scatter"] = ax.figure

    ax = plot_class_histograms(
        X, y, bins=50, range=(-5, 5), labels=LABELS, ax=new_axes(figsize=(5.0, 3.0))
    )
    ax.set_title("50-bin histograms")
    figs["histograms"] = ax.figure

    ax = new_axes(figsize=(5.0, 3.2))
    plot_classes(X, y, labels=LABELS, ax=ax, alpha=0.4)
    x = GRID.ravel()
    for w, b in SIGMOIDS:
        plot_sigmoid(w, b, x=x, ax=ax)
    ax.set_ylabel("sigmoid(w x + b)")
    ax.legend(fontsize=7, loc="center left")
    ax.set_title("the sigmoid for a few weights and biases")
    figs["sigmoid"] = ax.figure

    ax = new_axes(figsize=(5.0, 3.4))
    plot_classes(X, y, labels=LABELS, ax=ax, alpha=0.4)
    ax.plot(x, c["neuron"], lw=2.5, color="k", label="NeuronClassifier (no penalty)")
    ax.plot(
        x, c["neuron_l2"], lw=4, color="tab:green", alpha=0.5, label="NeuronClassifier(alpha=1/n)"
    )
    ax.plot(x, c["logreg"], lw=1.5, ls="--", color="tab:orange", label="LogisticRegression()")
    ax.plot(x, c["mlp"], lw=1.5, ls=":", color="tab:purple", label="MLPClassifier(hidden=())")
    ax.set_ylabel("P(class 1 | x)")
    ax.legend(fontsize=7, loc="center left")
    ax.set_title("fitted probability")
    figs["probability"] = ax.figure

    p4 = r["p_x4"]
    sections = [
        Section(
            "Two categories of one variable x: 100 examples drawn around -1.5 and 100 around "
            "+1.5, with unit standard deviation. The tutorial set no seed; here NumPy's legacy "
            "generator is seeded 0.",
            "scatter",
        ),
        Section("The same examples as histograms with 50 bins on [-5, 5].", "histograms"),
        Section(
            "The neuron computes sigmoid(w x + b). The bias moves the point where the sigmoid "
            "crosses 0.5 to x = -b / w; the weight sets how sharp the step is.",
            "sigmoid",
        ),
        Section(
            "Fitted to the data, the neuron's probability curve (black) is the maximum-"
            "likelihood logistic regression. scikit-learn's LogisticRegression() and "
            "MLPClassifier(hidden_layer_sizes=(), activation='logistic') both add a small L2 "
            "penalty by default (C = 1, alpha = 1 with solver='lbfgs': ||w||^2 / 2n per "
            "example); NeuronClassifier(alpha=1/n, standardize=False) minimises that same "
            "objective, and the three curves coincide (green, orange, purple).",
            "probability",
            {
                "P(class 1 | x = 4), neuron": fmt(p4["neuron"], 7),
                "P(class 1 | x = 4), LogisticRegression": fmt(p4["logreg"], 7),
                "P(class 1 | x = 4), MLPClassifier": fmt(p4["mlp"], 7),
                "largest gap, neuron(alpha=1/n) vs LogisticRegression": (
                    f"{r['max_gap']['logreg']:.1e}"
                ),
                "largest gap, neuron(alpha=1/n) vs MLPClassifier": f"{r['max_gap']['mlp']:.1e}",
            },
        ),
    ]
    nr = r["neuron"]
    summary = {
        "w": float(nr.coef_[0, 0]),
        "b": float(nr.intercept_[0]),
        "p_class1_at_x4": p4["neuron"],
        "p_class1_at_x4_sklearn": {"LogisticRegression": p4["logreg"], "MLPClassifier": p4["mlp"]},
        "max_probability_gap_vs_sklearn": r["max_gap"],
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="probability")
