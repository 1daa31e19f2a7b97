"""microchips: one neuron on degree-6 polynomial features draws a curved boundary.

The course's second logistic-regression data set: 118 microchips, two test
results, accepted or not. Not linearly separable; mapped to all 28 monomials of
degree <= 6 (27 plus the bias) and fitted with an L2 penalty lambda = 1, the
course reports about 83.1 % training accuracy.
"""

from __future__ import annotations

from typing import Any

from sklearn.pipeline import Pipeline
from sklearn.preprocessing import PolynomialFeatures

from ..classifier import NeuronClassifier
from ..datasets import load_microchips
from ..plot import new_axes, plot_decision_boundary, plot_probability_contours
from ._common import Section, Walkthrough

NAME = "microchips"
TITLE = "Microchips: a curved boundary from one neuron"
SOURCE = (
    "the machine-learning course's regularised logistic-regression exercise (ex2, second "
    "part): 118 microchips, degree-6 polynomial features, lambda = 1"
)
BLURB = "118 microchips, degree-6 polynomial features, L2 lambda = 1: ~83.1 % accuracy"

LABELS = ("rejected", "accepted")
DEGREE = 6
LAMBDAS = (0.0, 1.0, 100.0)


def model(lam: float, n_samples: int) -> Pipeline:
    """Polynomial features (without the column of ones) then the neuron.

    The course's cost is ``mean cross-entropy + (lambda / 2m) ||theta||^2`` on the
    raw features, i.e. ``NeuronClassifier(alpha=lambda / m, standardize=False)``.
    """
    return Pipeline(
        [
            ("poly", PolynomialFeatures(DEGREE, include_bias=False)),
            ("neuron", NeuronClassifier(alpha=lam / n_samples, standardize=False)),
        ]
    )


def compute() -> dict[str, Any]:
    """One fit per lambda in :data:`LAMBDAS` and its training accuracy."""
    X, y, _ = load_microchips()
    fits = {lam: model(lam, len(y)).fit(X, y) for lam in LAMBDAS}
    return {
        "X": X,
        "y": y,
        "fits": fits,
        "accuracy": {lam: float(f.score(X, y)) for lam, f in fits.items()},
        "n_terms": int(fits[1.0]["poly"].n_output_features_) + 1,
    }


def build() -> Walkthrough:
    """Fit, draw and summarise the walkthrough."""
    r = compute()
    X, y, fits, acc = r["X"], r["y"], r["fits"], r["accuracy"]
    figs = {}
    ax = new_axes(figsize=(5.6, 4.4))
    plot_probability_contours(fits[1.0], X, y, labels=LABELS, colorbar_label="P(accepted)", ax=ax)
    plot_decision_boundary(fits[1.0], ax=ax)
    ax.set_xlabel("microchip test 1")
    ax.set_ylabel("microchip test 2")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_title("lambda = 1: P(accepted) and the P = 0.5 boundary")
    figs["boundary"] = ax.figure

    from matplotlib.figure import Figure

    fig = Figure(figsize=(9.0, 3.2), layout="constrained")
    for axi, lam in zip(fig.subplots(1, len(LAMBDAS)), LAMBDAS, strict=True):
        plot_decision_boundary(fits[lam], X, y, labels=LABELS, ax=axi)
        axi.set_title(f"lambda = {lam:g}: accuracy {100 * acc[lam]:.1f} %", fontsize=9)
        axi.set_xlabel("microchip test 1", fontsize=8)  # the plane of the figure above
        axi.set_ylabel("microchip test 2", fontsize=8)
    figs["lambdas"] = fig

    sections = [
        Section(
            "The two test results are mapped to every monomial x1^i x2^j with i + j <= 6 "
            f"({r['n_terms']} terms counting the bias; sklearn's PolynomialFeatures in a "
            "Pipeline, without its column of ones since the neuron has its own bias). The "
            "neuron is still linear in those features, but its boundary in the plane is "
            "curved. The course's penalty (lambda / 2m) ||theta||^2 on the raw features is "
            "NeuronClassifier(alpha = lambda / m, standardize=False).",
            "boundary",
            {"training accuracy, lambda = 1": f"{100 * acc[1.0]:.1f} % (course: about 83.1 %)"},
        ),
        Section(
            "Without a penalty the boundary bends around single chips; with lambda = 100 it "
            "is too smooth to follow the data.",
            "lambdas",
            {f"training accuracy, lambda = {lam:g}": f"{100 * a:.1f} %" for lam, a in acc.items()},
        ),
    ]
    summary = {
        "n_terms": r["n_terms"],
        "lambda": 1.0,
        "training_accuracy": acc[1.0],
        "training_accuracy_by_lambda": {f"{lam:g}": a for lam, a in acc.items()},
    }
    return Walkthrough(NAME, TITLE, SOURCE, sections, figs, summary, baseline="boundary")
