"""no-bias-2d: a neuron without bias, the loss surface over its two weights, and 10 steps.

Follows the second part of Peter Roelants' "logistic classification with
cross-entropy": 20 red stars around (-1, 0) and 20 blue circles around (1, 0)
(legacy NumPy seed 1, red first), ``y = sigmoid(x . w)``, gradient descent on the
*summed* cross-entropy at learning rate 0.05 from ``w = (-4, -2)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..datasets import make_red_blue
from ..neuron import Neuron
from ..plot import (
    new_axes,
    plot_classes,
    plot_decision_boundary,
    plot_learning_curve,
    plot_loss_surface,
    plot_probability_contours,
)
from ._common import Section, Walkthrough, fmt

NAME = "no-bias-2d"
TITLE = "A neuron without bias: loss surface and gradient descent"
SOURCE = (
    "Peter Roelants, 'Logistic classification with cross-entropy (2/2)': red and blue "
    "classes, no bias, summed gradient, learning rate 0.05 from w = (-4, -2), 10 updates"
)
BLURB = "no-bias neuron on red stars / blue circles: loss surface, 10 GD steps, 2 + 4 errors"

W0 = (-4.0, -2.0)
LEARNING_RATE = 0.05  # on the summed gradient
N_UPDATES = 10
LABELS = ("red stars (y = 0)", "blue circles (y = 1)")


def compute() -> dict[str, Any]:
    """Data, the 10 summed-gradient updates with :class:`~oneneuron.Neuron`, and the errors.

    ``Neuron.backward`` returns the *mean* gradient; the walkthrough's summed
    gradient is ``n`` times it, so a step of 0.05 on the sum is a step of
    ``0.05 * n`` on the mean.
    """
    X, y, _ = make_red_blue()
    n = len(y)
    neuron = Neuron(n_features=2, fit_intercept=False, w=W0)
    path, losses = [neuron.w.copy()], []
    for _ in range(N_UPDATES):
        a = neuron.forward(X)
        losses.append(n * neuron.cost(a, y))  # summed cross-entropy
        dw, db = neuron.backward(X, a, y)  # mean gradient
        neuron.update(dw, db, learning_rate=LEARNING_RATE * n)  # = 0.05 * summed gradient
        path.append(neuron.w.copy())
    a = neuron.forward(X)
    losses.append(n * neuron.cost(a, y))
    pred = neuron.predict(X)
    return {
        "X": X,
        "y": y,
        "neuron": neuron,
        "path": np.array(path),
        "loss": np.array(losses),
        "pred": pred,
        "blue_as_red": int(np.sum((y == 1) & (pred == 0))),
        "red_as_blue": int(np.sum((y == 0) & (pred == 1))),
    }


def build() -> Walkthrough:
    """Fit, draw and summarise the walkthrough."""
    r = compute()
    X, y, neuron, path, loss = r["X"], r["y"], r["neuron"], r["path"], r["loss"]
    w = neuron.w
    figs = {}

    ax = plot_classes(X, y, labels=LABELS, ax=new_axes(figsize=(4.6, 4.0)))
    ax.set_xlim(-4, 4)
    ax.set_ylim(-4, 4)
    ax.legend(loc="upper left")
    ax.set_title("red vs. blue in the input space")
    figs["data"] = ax.figure

    ax = plot_loss_surface(
        X, y, path=path, n_path=3, reduction="sum", ax=new_axes(figsize=(5.4, 4.4))
    )
    ax.plot(*path[-1], "X", color="orange", ms=9, mec="k", label="after 10 updates")
    ax.legend(loc="lower left")
    ax.set_title("summed cross-entropy over (w1, w2); first 3 updates")
    figs["loss_surface"] = ax.figure

    ax = plot_learning_curve(
        loss,
        label="summed cross-entropy",
        ylabel="summed cross-entropy",
        ax=new_axes(figsize=(4.6, 3.2)),
    )
    ax.set_title("loss after each update")
    figs["loss"] = ax.figure

    ax = new_axes(figsize=(5.4, 4.4))
    plot_probability_contours((w, 0.0), X, y, labels=LABELS, ax=ax)
    plot_decision_boundary((w, 0.0), ax=ax)
    ax.plot(0, 0, "k+", ms=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("after 10 updates: boundary through the origin")
    figs["classification"] = ax.figure

    sections = [
        Section(
            "Twenty red stars are drawn around (-1, 0) and twenty blue circles around (1, 0), "
            "with NumPy's legacy generator seeded 1, red first, exactly as the tutorial does. "
            "The neuron has no bias: y = sigmoid(x1 w1 + x2 w2).",
            "data",
        ),
        Section(
            "Without a bias the loss depends on two numbers only, so it can be drawn as a "
            "surface over (w1, w2). The tutorial descends the summed cross-entropy with step "
            "0.05 from w = (-4, -2). oneneuron.Neuron.backward returns the mean gradient; "
            "the summed gradient is n = 40 times it, so the loop steps 0.05 x 40 = 2 on the "
            "mean. The arrows are the first three updates.",
            "loss_surface",
            {"w start": str(W0), "w after 1 update": str(path[1].round(3).tolist())},
        ),
        Section(
            "The summed loss falls at every update.",
            "loss",
            {
                "summed loss, start": fmt(loss[0], 3),
                "summed loss, after 10 updates": fmt(loss[-1], 3),
            },
        ),
        Section(
            "Without a bias the decision line w . x = 0 must pass through the origin. As in "
            "the tutorial, 2 blue circles end up classified red and 4 red stars blue.",
            "classification",
            {
                "w after 10 updates": str(w.round(4).tolist()),
                "blue circles classified red": str(r["blue_as_red"]),
                "red stars classified blue": str(r["red_as_blue"]),
            },
        ),
    ]
    summary = {
        "w_start": list(W0),
        "w_final": w.tolist(),
        "summed_loss": loss.tolist(),
        "misclassified": {"blue": r["blue_as_red"], "red": r["red_as_blue"]},
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="loss_surface")
