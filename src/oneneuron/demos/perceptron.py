"""perceptron: the "aack/beep" sentences, a single sigmoid perceptron, then 1000 blob points.

Follows the calculus course lab "Classification with Perceptron": sentences of
the words *aack* and *beep*, counted as ``(x1, x2)``; 30 random binary points
labelled 1 where ``x1 = 0`` and ``x2 = 1`` (legacy NumPy seed 3), 50 gradient
steps at learning rate 1.2 from weights ``randn * 0.01``; then ``make_blobs``
(centres (2.5, 3) and (6.7, 7.9), std 1.4, random_state 0), 100 steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from ..datasets import aack_beep_sentences, make_aack_beep, make_perceptron_blobs
from ..neuron import Neuron
from ..plot import new_axes, plot_decision_boundary, plot_learning_curve
from ._common import Section, Walkthrough

NAME = "perceptron"
TITLE = "A single perceptron: aack, beep, and blobs"
SOURCE = (
    "the calculus-for-ML course lab 'Classification with Perceptron': aack/beep sentences, "
    "30 random points (seed 3), learning rate 1.2, 50 iterations; 1000 blob points, 100 iterations"
)
BLURB = "aack/beep sentences and 1000 blobs: 50 / 100 GD steps at lr 1.2, a 0.9 threshold"

LABELS = ("happy (0)", "angry (1)")
LEARNING_RATE = 1.2
X_PRED = np.array([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.0, 1.0]])
BLOB_NEW = np.array([[2.0, 3.0], [4.6, 5.4], [5.0, 5.5], [5.6, 5.6], [7.0, 8.0]])
THRESHOLD = 0.9


def train(neuron: Neuron, X: np.ndarray, y: np.ndarray, n_iter: int) -> list[float]:
    """The lab's loop: forward, cost, backward, update; returns the cost before each update."""
    costs = []
    for _ in range(n_iter):
        a = neuron.forward(X)
        costs.append(neuron.cost(a, y))
        dw, db = neuron.backward(X, a, y)
        neuron.update(dw, db, learning_rate=LEARNING_RATE)
    return costs


def compute() -> dict[str, Any]:
    """Both runs, drawing data and initial weights from one seeded stream as the lab does."""
    rng = np.random.RandomState(3)
    X, y, _ = make_aack_beep(30, random_state=rng)
    rng.randn(1, 2)  # the lab draws one demonstration initialisation first and discards it
    small = Neuron(n_features=2, w=rng.randn(2) * 0.01)
    costs = train(small, X, y, 50)
    Xb, yb, _ = make_perceptron_blobs()
    blobs = Neuron(n_features=2, w=rng.randn(2) * 0.01)
    costs_b = train(blobs, Xb, yb, 100)
    p_new = blobs.predict_proba(BLOB_NEW)
    return {
        "X": X,
        "y": y,
        "small": small,
        "costs": np.array(costs),
        "pred": small.predict(X_PRED),
        "Xb": Xb,
        "yb": yb,
        "blobs": blobs,
        "costs_blobs": np.array(costs_b),
        "accuracy_blobs": float(np.mean(blobs.predict(Xb) == yb)),
        "p_new": p_new,
        "pred_new_05": blobs.predict(BLOB_NEW),
        "pred_new_09": blobs.predict(BLOB_NEW, threshold=THRESHOLD),
        "n_class1_05": int(blobs.predict(Xb).sum()),
        "n_class1_09": int(blobs.predict(Xb, threshold=THRESHOLD).sum()),
    }


def build() -> Walkthrough:
    """Fit, draw and summarise the walkthrough."""
    r = compute()
    figs = {}
    X4, y4, _ = aack_beep_sentences()
    ax = plot_decision_boundary(
        ([1.0, -1.0], 0.5),
        X4,
        y4,
        labels=LABELS,
        label="x2 = x1 + 0.5",
        ax=new_axes(figsize=(4.2, 3.6)),
    )
    for (x1, x2), text in zip(X4, ['"!?"', '"Beep!"', '"Aack?"', '"Beep aack..."'], strict=True):
        ax.annotate(text, (x1, x2), textcoords="offset points", xytext=(6, 6), fontsize=8)
    ax.set_xlabel("x1 = number of 'aack'")
    ax.set_ylabel("x2 = number of 'beep'")
    ax.legend(loc="lower right", fontsize=7)
    ax.set_title("four sentences and a line drawn by hand")
    figs["sentences"] = ax.figure

    fig = Figure(figsize=(8.0, 3.0), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    plot_learning_curve(r["costs"], label="30 points", ylabel="mean cross-entropy", ax=ax1)
    ax1.set_title("30 points: cost before each update")
    plot_learning_curve(
        r["costs_blobs"], label="1000 blob points", log=True, ylabel="mean cross-entropy", ax=ax2
    )
    ax2.set_title("1000 blob points (log scale)")
    figs["cost"] = fig

    s = r["small"]
    ax = plot_decision_boundary(s, r["X"], r["y"], labels=LABELS, ax=new_axes(figsize=(4.2, 3.6)))
    corners, counts = np.unique(r["X"], axis=0, return_counts=True)
    for (x1, x2), k in zip(corners, counts, strict=True):
        ax.annotate(
            f"{k} sentences", (x1, x2), textcoords="offset points", xytext=(6, 6), fontsize=8
        )
    ax.legend(loc="lower right", fontsize=7)
    ax.set_xlabel("x1 (aack)")
    ax.set_ylabel("x2 (beep)")
    ax.set_title("learned boundary, 30 points")
    figs["boundary"] = ax.figure

    bl = r["blobs"]
    ax = plot_decision_boundary(
        bl,
        r["Xb"],
        r["yb"],
        labels=("blob around (2.5, 3)", "blob around (6.7, 7.9)"),
        ax=new_axes(figsize=(5.0, 4.2)),
    )
    plot_decision_boundary(bl, threshold=THRESHOLD, ax=ax, color="tab:green", ls="--")
    ax.scatter(
        BLOB_NEW[:, 0],
        BLOB_NEW[:, 1],
        marker="D",
        color="gold",
        edgecolors="k",
        s=50,
        label="new points",
        zorder=3,
    )
    ax.legend(loc="upper left", fontsize=7)
    ax.set_title("1000 blob points after 100 iterations")
    figs["blobs"] = ax.figure

    c = r["costs"]
    sections = [
        Section(
            "Sentences made of two words, aack and beep, are counted as (x1, x2); a sentence "
            "with more beep than aack is angry. Of the four sentences only 'Beep!' is, and the "
            "line x2 = x1 + 0.5 drawn by hand separates it.",
            "sentences",
        ),
        Section(
            "Thirty random sentences with counts 0 or 1 (NumPy's legacy generator seeded 3, as "
            "in the lab), labelled angry where x1 = 0 and x2 = 1. oneneuron.Neuron starts from "
            "weights randn x 0.01 drawn from the same stream (after the lab's one demonstration "
            "draw) and takes 50 forward / cost / backward / update steps at learning rate 1.2. "
            "The cost falls at every step, exactly as the lab prints it (left). On the blobs "
            "(right; raw features, same learning rate) the first steps overshoot and the cost "
            "jumps up and down for about 70 iterations before it settles and falls steadily.",
            "cost",
            {
                "cost at iteration 0 (lab: 0.693480)": f"{c[0]:.6f}",
                "cost at iteration 49 (lab: 0.132574)": f"{c[-1]:.6f}",
                "cost at iterations 0, 10, 20, 30, 40": str(np.round(c[::10], 6).tolist()),
                "w, b after 50 (lab: [-3.5718, 3.2426], -1.5841)": (
                    f"{s.w.round(4).tolist()}, {s.b:.4f}"
                ),
            },
        ),
        Section(
            "The learned line separates the one angry corner (0, 1) from the other three.",
            "boundary",
            {
                "predictions for (1,0), (1,1), (0,0), (0,1)": str(r["pred"].tolist()),
            },
        ),
        Section(
            "The same neuron on 1000 points from two Gaussian blobs, 100 steps at learning "
            "rate 1.2 (the lab's log of a rounded probability overflows here; the library "
            "computes the cost from the logits and stays finite). The black line is P = 0.5; "
            f"the dashed green line is a stricter threshold P = {THRESHOLD}: fewer points "
            "are called class 1.",
            "blobs",
            {
                "w, b after 100 (lab: [1.0164, 1.1365], -10.6535)": (
                    f"{bl.w.round(4).tolist()}, {bl.b:.4f}"
                ),
                "training accuracy": f"{100 * r['accuracy_blobs']:.1f} %",
                "class 1 at threshold 0.5 / 0.9": (
                    f"{r['n_class1_05']} / {r['n_class1_09']} of 1000"
                ),
                "new points": str(BLOB_NEW.tolist()),
                "their P(class 1)": str(np.round(r["p_new"], 3).tolist()),
                "predicted at 0.5": str(r["pred_new_05"].tolist()),
                f"predicted at {THRESHOLD}": str(r["pred_new_09"].tolist()),
            },
        ),
    ]
    summary = {
        "costs": c.tolist(),
        "w": s.w.tolist(),
        "b": s.b,
        "predictions": r["pred"].tolist(),
        "blobs": {
            "w": bl.w.tolist(),
            "b": bl.b,
            "final_cost": float(r["costs_blobs"][-1]),
            "training_accuracy": r["accuracy_blobs"],
            "threshold": THRESHOLD,
            "n_class1_at_0.5": r["n_class1_05"],
            f"n_class1_at_{THRESHOLD}": r["n_class1_09"],
        },
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="blobs")
