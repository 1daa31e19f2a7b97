"""logistic-function: the logistic function, its derivative, the cross-entropy, the log-odds.

Follows the first part of Peter Roelants' "logistic classification with
cross-entropy": ``sigmoid(z) = 1 / (1 + e^-z)``, ``d sigmoid / dz = a (1 - a)``,
the two branches ``-log(a)`` (``y = 1``) and ``-log(1 - a)`` (``y = 0``) of the
cross-entropy, whose derivative in ``z`` is simply ``a - y``; and the log-odds
``log(a / (1 - a)) = z``, which makes the neuron linear in the log-odds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..functions import log_loss, log_loss_grad, sigmoid, sigmoid_grad
from ..plot import new_axes, plot_cross_entropy
from ._common import Section, Walkthrough

NAME = "logistic-function"
TITLE = "The logistic function and the cross-entropy"
SOURCE = (
    "Peter Roelants, 'Logistic classification with cross-entropy (1/2)': the logistic "
    "function, its derivative, the cross-entropy loss; plus the log-odds view"
)
BLURB = "sigmoid and its derivative, the two cross-entropy branches, log-odds = z"

Z = np.linspace(-6.0, 6.0, 241)


def compute() -> dict[str, Any]:
    """The curves, and checks of each derivative against central differences."""
    a = sigmoid(Z)
    da = sigmoid_grad(Z)
    h = 1e-5
    fd_sigmoid = (sigmoid(Z + h) - sigmoid(Z - h)) / (2 * h)
    fd_loss = {yv: (log_loss(yv, Z + h) - log_loss(yv, Z - h)) / (2 * h) for yv in (0.0, 1.0)}
    log_odds = np.log(a) - np.log1p(-a)
    return {
        "z": Z,
        "a": a,
        "da": da,
        "log_odds": log_odds,
        "sigmoid_at_0": float(sigmoid(0.0)),
        "max_derivative": float(da.max()),
        "argmax_derivative": float(Z[np.argmax(da)]),
        "derivative_error": float(np.max(np.abs(da - fd_sigmoid))),
        "loss_grad_error": float(
            max(np.max(np.abs(log_loss_grad(yv, Z) - fd_loss[yv])) for yv in (0.0, 1.0))
        ),
        "log_odds_error": float(np.max(np.abs(log_odds - Z))),
    }


def build() -> Walkthrough:
    """Draw and summarise the walkthrough."""
    r = compute()
    figs = {}
    fig = Figure(figsize=(8.0, 3.0), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(r["z"], r["a"], color="tab:blue")
    ax1.set_xlabel("z")
    ax1.set_ylabel("sigmoid(z)")
    ax1.set_title("logistic function")
    ax2.plot(r["z"], r["da"], color="tab:orange")
    ax2.set_xlabel("z")
    ax2.set_ylabel("a (1 - a)")
    ax2.set_title("its derivative")
    for ax in (ax1, ax2):
        ax.axvline(0, color="0.7", lw=0.8)
        ax.grid(alpha=0.3)
    figs["logistic"] = fig

    ax = plot_cross_entropy(ax=new_axes(figsize=(5.0, 3.2)))
    ax.set_title("cross-entropy: one branch per class")
    ax.grid(alpha=0.3)
    figs["cross_entropy"] = ax.figure

    ax = new_axes(figsize=(5.0, 3.2))
    ax.plot(r["a"], r["log_odds"], color="tab:purple")
    ax.set_xlabel("a = sigmoid(z)")
    ax.set_ylabel("log(a / (1 - a))")
    ax.axhline(0, color="0.7", lw=0.8)
    ax.axvline(0.5, color="0.7", lw=0.8)
    ax.grid(alpha=0.3)
    ax.set_title("log-odds of the output: exactly z")
    figs["log_odds"] = ax.figure

    sections = [
        Section(
            "The neuron's output a = sigmoid(z) squashes any logit z into (0, 1); it is 0.5 "
            "at z = 0. Its derivative a (1 - a) peaks there at 1/4 and vanishes in the tails.",
            "logistic",
            {
                "sigmoid(0)": f"{r['sigmoid_at_0']:g}",
                "largest derivative": f"{r['max_derivative']:g} at z = {r['argmax_derivative']:g}",
                "derivative vs central differences, max error": f"{r['derivative_error']:.1e}",
            },
        ),
        Section(
            "The cross-entropy of one example is -log(a) when y = 1 and -log(1 - a) when y = 0: "
            "zero for a confident right answer, unbounded for a confident wrong one. Through "
            "the sigmoid its derivative in z is simply a - y.",
            "cross_entropy",
            {
                "d loss / dz = a - y vs central differences, max error": (
                    f"{r['loss_grad_error']:.1e}"
                )
            },
        ),
        Section(
            "Read backwards, the sigmoid says the log-odds of class 1 is the logit: "
            "log(a / (1 - a)) = z = x . w + b. The neuron is a linear model of the log-odds.",
            "log_odds",
            {"max |log-odds - z| on [-6, 6]": f"{r['log_odds_error']:.1e}"},
        ),
    ]
    summary = {
        "sigmoid_at_0": r["sigmoid_at_0"],
        "max_derivative": r["max_derivative"],
        "derivative_max_error": r["derivative_error"],
        "loss_grad_max_error": r["loss_grad_error"],
        "log_odds_max_error": r["log_odds_error"],
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="logistic")
