"""exam-scores: the course's 100 applicants, gradient descent then the exact optimum.

Standardise with the training statistics, 100 epochs of batch gradient descent
at learning rate 1, then Newton's exact maximum-likelihood fit; the course
reports theta = (-25.161, 0.206, 0.201), P(admit | 45, 85) = 0.776 and 89 %
training accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..classifier import NeuronClassifier
from ..datasets import load_exam_scores
from ..functions import sigmoid
from ..plot import (
    new_axes,
    plot_classes,
    plot_decision_boundary,
    plot_learning_curve,
    plot_probability_contours,
    plot_roc,
)
from ._common import Section, Walkthrough, fmt, planned_stop

NAME = "exam-scores"
TITLE = "Exam scores: admitted or not"
SOURCE = (
    "the machine-learning course's logistic-regression exercise (ex2, first part): "
    "100 applicants, two exam scores"
)
BLURB = "100 applicants: GD 100 epochs at lr 1, then Newton; P(admit | 45, 85) = 0.776"

LABELS = ("not admitted", "admitted")
NEW_APPLICANT = (45.0, 85.0)
#: A few new applicants, to show why they are not standardised with their own statistics.
NEW_BATCH = np.array([[45.0, 85.0], [60.0, 60.0], [80.0, 90.0]])


def compute() -> dict[str, Any]:
    """Both fits and the numbers the course reports."""
    X, y, names = load_exam_scores()
    with planned_stop():  # 100 epochs, as in the walkthrough, then stop
        gd = NeuronClassifier(
            solver="gd", learning_rate=1.0, max_iter=100, tol=0, record_path=True
        ).fit(X, y)
    exact = NeuronClassifier(solver="newton").fit(X, y)
    new = np.array([NEW_APPLICANT])
    # The walkthrough's mistake, computed only to show it: standardising new
    # applicants with their own mean and spread instead of the training ones.
    w_std = exact.coef_.ravel() * exact.scale_
    b_std = exact.intercept_[0] + exact.coef_.ravel() @ exact.mean_
    own = (NEW_BATCH - NEW_BATCH.mean(0)) / NEW_BATCH.std(0)
    return {
        "X": X,
        "y": y,
        "names": names,
        "gd": gd,
        "exact": exact,
        "theta": [float(exact.intercept_[0]), *map(float, exact.coef_.ravel())],
        "theta_gd": [float(gd.intercept_[0]), *map(float, gd.coef_.ravel())],
        "p_new": float(exact.predict_proba(new)[0, 1]),
        "p_new_gd": float(gd.predict_proba(new)[0, 1]),
        "accuracy": float(exact.score(X, y)),
        "accuracy_gd": float(gd.score(X, y)),
        "p_batch": exact.predict_proba(NEW_BATCH)[:, 1],
        "p_batch_own_stats": sigmoid(own @ w_std + b_std),
    }


def build() -> Walkthrough:
    """Fit, draw and summarise the walkthrough."""
    r = compute()
    X, y, gd, exact = r["X"], r["y"], r["gd"], r["exact"]
    figs = {}

    ax = plot_classes(X, y, labels=LABELS, ax=new_axes(figsize=(4.8, 4.0)))
    ax.set_xlabel("exam 1 score")
    ax.set_ylabel("exam 2 score")
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title("the applicants")
    figs["applicants"] = ax.figure

    ax = plot_learning_curve(
        gd.history_,
        optimum=exact.loss_,
        label="gradient descent, lr 1",
        ylabel="mean cross-entropy",
        ax=new_axes(figsize=(4.8, 3.2)),
    )
    ax.set_title("cost per epoch (standardised features)")
    figs["learning_curve"] = ax.figure

    ax = new_axes(figsize=(5.6, 4.4))
    plot_probability_contours(exact, X, y, labels=LABELS, colorbar_label="P(admitted)", ax=ax)
    plot_decision_boundary(exact, ax=ax)
    ax.plot(*NEW_APPLICANT, "D", color="gold", mec="k", ms=8, label="new: (45, 85)")
    ax.set_xlabel("exam 1 score")
    ax.set_ylabel("exam 2 score")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title("P(admitted), exact fit")
    figs["probability"] = ax.figure

    ax = plot_roc(y, exact.predict_proba(X)[:, 1], ax=new_axes(figsize=(3.8, 3.6)))
    ax.set_title("ROC on the training data")
    figs["roc"] = ax.figure

    th, thg = r["theta"], r["theta_gd"]
    sections = [
        Section(
            "One hundred applicants with their two exam scores; 60 were admitted.", "applicants"
        ),
        Section(
            "As in the walkthrough, the scores are standardised with the mean and standard "
            "deviation of the training data, and batch gradient descent runs 100 epochs at "
            "learning rate 1 (NeuronClassifier(solver='gd', learning_rate=1, max_iter=100)). "
            "The dashed line is the exact optimum that Newton's method reaches in a few steps.",
            "learning_curve",
            {
                "cost after 100 epochs": fmt(gd.history_["loss"][-1]),
                "cost at the optimum": fmt(exact.loss_),
                "theta after 100 epochs (b, w1, w2)": str(np.round(thg, 3).tolist()),
            },
        ),
        Section(
            "The exact fit gives the course's numbers. The colours are P(admitted) from 0 "
            "(red) to 1 (blue); the black line is P = 0.5. A new applicant is scored with the "
            "statistics learned at fit time (they are folded into coef_), never re-standardised "
            "with statistics of the new data.",
            "probability",
            {
                "theta (b, w1, w2)": str(np.round(th, 3).tolist()),
                "P(admit | 45, 85)": fmt(r["p_new"], 3),
                "training accuracy": f"{100 * r['accuracy']:.0f} %",
                "P for (45,85), (60,60), (80,90), fit-time statistics": str(
                    np.round(r["p_batch"], 3).tolist()
                ),
                "same, wrongly re-standardised with their own statistics": str(
                    np.round(r["p_batch_own_stats"], 3).tolist()
                ),
            },
        ),
        Section("The ROC curve of the fitted probabilities on the training data.", "roc"),
    ]
    summary = {
        "theta": th,
        "theta_gd_100_epochs": thg,
        "cost_gd_100_epochs": float(gd.history_["loss"][-1]),
        "cost_optimum": float(exact.loss_),
        "p_admit_45_85": r["p_new"],
        "training_accuracy": r["accuracy"],
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="probability")
