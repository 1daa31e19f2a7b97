"""The playground: one self-contained HTML page to move a neuron's weights by hand.

:func:`build` fits the shipped data sets with oneneuron (so the page's "fit
exactly" button can show the true optimum beside where the learner got to),
embeds them as JSON in a single HTML file with its script and style inline,
and writes it. The page needs no server and loads nothing from the network.

In the page, the arithmetic of one gradient-descent step (forward, cost,
gradient, update) is a few lines of JavaScript that follow
:class:`oneneuron.Neuron` operation for operation; points added by clicking are
fitted by a small damped Newton solver in the page. The tests drive the page
in a real browser and compare both with oneneuron.

Decisions:

- Exam scores are standardised with their training mean and standard
  deviation (as the walkthrough does); the page's axes and weights are in
  standardised units, and the mean and scale are embedded to label them.
- Microchips shows the library's 28-term fit (degree-6 polynomial features,
  the walkthrough's :func:`oneneuron.demos.microchips.model`) for each λ in
  :data:`MICROCHIP_LAMBDAS`, computed when the page is built; it has too many
  weights for sliders, so its steps are not offered.
- The costs are means over the points (the tutorials' summed no-bias loss is the
  mean times n, so its learning rate 0.05 on the sum is 2 on the mean).
"""

from __future__ import annotations

import json
import warnings
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from ..classifier import NeuronClassifier
from ..demos.microchips import DEGREE, model
from ..exceptions import SeparationWarning
from ..functions import log_loss

__all__ = ["MARKER", "MICROCHIP_LAMBDAS", "build", "page_data", "render"]

#: First line of the page; an existing file without it is never overwritten.
MARKER = "<!-- written by oneneuron playground -->"
#: The λ values (the course's penalty (λ / 2m) ||θ||²) whose microchip fits the page embeds.
MICROCHIP_LAMBDAS = (0.0, 0.1, 1.0, 10.0, 100.0)
_FILE = "playground.html"


def _floats(a: Any) -> Any:
    """A numpy array or scalar as plain Python floats (``json`` writes them round-trip exactly)."""
    return np.asarray(a, dtype=np.float64).tolist()


def _optimum(X: np.ndarray, y: np.ndarray, fit_intercept: bool) -> dict[str, Any]:
    """The unpenalised maximum-likelihood neuron by oneneuron's Newton solver."""
    clf = NeuronClassifier(
        solver="newton", standardize=False, fit_intercept=fit_intercept, tol=1e-12, inference=False
    ).fit(X, y)
    w = clf.coef_.ravel()
    b = float(clf.intercept_[0]) if fit_intercept else 0.0
    cost = float(np.mean(log_loss(y, X @ w + b)))
    return {"w": _floats(w), "b": b, "cost": cost}


def _span(values: np.ndarray, pad: float = 0.1) -> list[float]:
    lo, hi = float(values.min()), float(values.max())
    d = (hi - lo) * pad or 1.0
    return [lo - d, hi + d]


def _linear(
    key: str,
    title: str,
    about: str,
    X: np.ndarray,
    y: np.ndarray,
    features: list[str],
    *,
    fit_intercept: bool = True,
    start: tuple[list[float], float] | None = None,
    learning_rate: float = 1.0,
    standardised: dict[str, list[float]] | None = None,
) -> dict[str, Any]:
    opt = _optimum(X, y, fit_intercept)
    w0, b0 = start if start is not None else ([0.0] * X.shape[1], 0.0)
    w_reach = max(4.0, 2.0 * max(abs(v) for v in [*opt["w"], *w0]))
    b_reach = max(4.0, 2.0 * max(abs(opt["b"]), abs(b0)))
    return {
        "key": key,
        "title": title,
        "about": about,
        "kind": "linear",
        "features": features,
        "X": _floats(X),
        "y": [int(v) for v in y],
        "fit_intercept": fit_intercept,
        "optimum": opt,
        "start": {"w": _floats(w0), "b": float(b0)},
        "learning_rate": learning_rate,
        "w_range": [-w_reach, w_reach],
        "b_range": [-b_reach, b_reach],
        "view": [_span(X[:, j]) for j in range(X.shape[1])],
        "standardised": standardised,
    }


def _microchips() -> dict[str, Any]:
    X, y, names = datasets.load_microchips()
    fits = []
    for lam in MICROCHIP_LAMBDAS:
        with warnings.catch_warnings():
            # lambda = 0 on 27 polynomial terms nearly separates the chips; the page
            # shows that fit on purpose (its wiggly boundary is the point).
            warnings.simplefilter("ignore", SeparationWarning)
            pipe = model(lam, len(y)).fit(X, y)
        neuron = pipe["neuron"]
        fits.append(
            {
                "lambda": lam,
                "w": _floats(neuron.coef_.ravel()),
                "b": float(neuron.intercept_[0]),
                "accuracy": float(pipe.score(X, y)),
            }
        )
    powers = model(1.0, len(y))["poly"].fit(X).powers_
    return {
        "key": "microchips",
        "title": "Microchips, 28 polynomial terms",
        "about": (
            "118 microchips, two test results, accepted (1) or not (0). Each point is mapped "
            f"to the {len(powers)} monomials x1^i x2^j with i + j <= {DEGREE} (plus the bias) "
            "and fitted by oneneuron with the L2 penalty (λ / 2m) ||w||^2. Move λ to see the "
            "boundary bend around single chips (small λ) or flatten (large λ)."
        ),
        "kind": "poly",
        "features": names,
        "X": _floats(X),
        "y": [int(v) for v in y],
        "fit_intercept": True,
        "powers": [[int(i), int(j)] for i, j in powers],
        "fits": fits,
        "view": [_span(X[:, j]) for j in range(X.shape[1])],
    }


def page_data() -> dict[str, Any]:
    """Everything the page embeds: the data sets, their start points and optima.

    Returns
    -------
    dict
        ``{"version": str, "datasets": [dict, ...]}``; each data set has ``key``,
        ``title``, ``kind`` (``"linear"`` or ``"poly"``), ``X`` (list of rows),
        ``y`` (0/1), ``fit_intercept`` and, for ``"linear"``, ``optimum``
        (``w``, ``b``, mean ``cost`` of oneneuron's exact fit), ``start``,
        ``learning_rate`` and slider ranges ``w_range``, ``b_range``; for
        ``"poly"``, ``powers`` and one fit per λ.

    Examples
    --------
    >>> from oneneuron.playground import page_data
    >>> data = page_data()
    >>> [d["key"] for d in data["datasets"]]
    ['gaussians-1d', 'exam-scores', 'blobs', 'red-blue', 'microchips', 'your-points']
    >>> exam = data["datasets"][1]
    >>> [round(v, 3) for v in exam["optimum"]["w"]], round(exam["optimum"]["cost"], 4)
    ([3.993, 3.725], 0.2035)
    """
    from .._version import __version__

    sets = []
    X, y, _ = datasets.make_gaussians_1d()
    sets.append(
        _linear(
            "gaussians-1d",
            "1-D Gaussians",
            "Two classes of one variable x, 100 points around -1.5 (class 0) and 100 around "
            "+1.5 (class 1). The neuron is sigmoid(w x + b): b moves the 0.5 crossing to "
            "x = -b / w, w sets how sharp the step is.",
            X,
            y,
            ["x"],
            start=([1.0], 0.0),
        )
    )
    X, y, _ = datasets.load_exam_scores()
    mean, scale = X.mean(axis=0), X.std(axis=0)
    sets.append(
        _linear(
            "exam-scores",
            "Exam scores",
            "100 applicants, two exam scores, admitted (1) or not (0). The scores are "
            "standardised with the training mean and standard deviation, as in the "
            "walkthrough; axes and weights are in standard deviations.",
            (X - mean) / scale,
            y,
            ["exam 1 (standardised)", "exam 2 (standardised)"],
            standardised={"mean": _floats(mean), "scale": _floats(scale)},
        )
    )
    X, y, _ = datasets.make_perceptron_blobs()
    sets.append(
        _linear(
            "blobs",
            "Two blobs",
            "1000 points from two Gaussian blobs around (2.5, 3) and (6.7, 7.9), raw features "
            "(the perceptron walkthrough's data). They overlap a little, so the optimum is "
            "finite. Raw features make gradient descent slow: try learning rates near 0.1.",
            X,
            y,
            ["x1", "x2"],
            learning_rate=0.1,
        )
    )
    X, y, _ = datasets.make_red_blue()
    sets.append(
        _linear(
            "red-blue",
            "Red and blue, no bias",
            "20 red points around (-1, 0) (class 0) and 20 blue around (1, 0) (class 1); the "
            "neuron has no bias, so its boundary passes through the origin and the loss is a "
            "surface over (w1, w2). The walkthrough starts at w = (-4, -2) with step 0.05 on "
            "the summed loss, which is step 2 on the mean.",
            X,
            y,
            ["x1", "x2"],
            fit_intercept=False,
            start=([-4.0, -2.0], 0.0),
            learning_rate=2.0,
        )
    )
    sets.append(_microchips())
    sets.append(
        {
            "key": "your-points",
            "title": "Your points",
            "about": (
                "Click in the plot to add points of the class chosen below (or type them in). "
                "'Fit exactly' runs a small Newton solver in this page."
            ),
            "kind": "linear",
            "features": ["x1", "x2"],
            "X": [],
            "y": [],
            "fit_intercept": True,
            "optimum": None,
            "start": {"w": [0.0, 0.0], "b": 0.0},
            "learning_rate": 1.0,
            "w_range": [-10.0, 10.0],
            "b_range": [-10.0, 10.0],
            "view": [[-5.0, 5.0], [-5.0, 5.0]],
            "standardised": None,
        }
    )
    return {"version": __version__, "datasets": sets}


def render(data: dict[str, Any]) -> str:
    """The page's HTML for ``data`` (see :func:`page_data`), script and style inline.

    Examples
    --------
    >>> from oneneuron.playground import MARKER, render
    >>> html = render({"version": "0", "datasets": []})
    >>> html.startswith(MARKER), "<script src" in html
    (True, False)
    """
    here = files(__name__)
    page = here.joinpath("_page.html").read_text(encoding="utf-8")
    script = here.joinpath("playground.js").read_text(encoding="utf-8")
    # "</" inside a <script> element would end it early; JSON allows "<\/".
    payload = json.dumps(data, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")
    return (
        page.replace("/*@DATA@*/", payload)
        .replace("/*@SCRIPT@*/", script)
        .replace("@VERSION@", str(data["version"]))
    )


def build(out_dir: str | Path) -> Path:
    """Fit the shipped data sets and write ``out_dir/playground.html``; return its path.

    The folder is created if needed. A ``playground.html`` already there is
    replaced only if this function wrote it (its first line is :data:`MARKER`);
    otherwise :class:`FileExistsError` is raised and the file is left alone.

    Examples
    --------
    >>> import tempfile
    >>> from oneneuron.playground import build
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = build(tmp)
    ...     print(path.name, path.read_text().count("<script"))
    playground.html 2
    """
    from ..tables import atomic_write_text, check_out_folder, check_own_file

    out = Path(out_dir)
    check_out_folder(out)
    path = out / _FILE
    check_own_file(path, MARKER, "oneneuron playground")
    html = render(page_data())
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, html, overwrite=True)  # an interrupt leaves no half page
    return path
