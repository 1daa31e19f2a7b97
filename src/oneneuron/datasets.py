"""Data sets of the walkthroughs: the shipped course files and seeded generators.

Every function returns ``(X, y, feature_names)``: ``X`` float64 of shape
(n, d), ``y`` int64 of shape (n,), and a list of ``d`` names.

The generators draw their numbers exactly as the walkthrough they belong to
(same legacy NumPy calls in the same order), so a seed gives the walkthrough's
own data. Passing a ``numpy.random.RandomState`` instead of a seed draws from
it and leaves it advanced, so a caller can go on drawing from the same stream
(the perceptron walkthrough initialises its weights that way).
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "load_exam_scores",
    "load_microchips",
    "make_gaussians_1d",
    "aack_beep_sentences",
    "make_aack_beep",
    "make_perceptron_blobs",
    "make_red_blue",
]

Dataset = tuple[NDArray[np.float64], NDArray[np.int64], list[str]]
Seed = int | np.random.RandomState


def _legacy_rng(random_state: Seed) -> np.random.RandomState:
    """A legacy ``RandomState``: the walkthroughs used ``np.random.seed``."""
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return np.random.RandomState(int(random_state))
    raise TypeError(
        "random_state must be an int or a numpy.random.RandomState, "
        f"got {type(random_state).__name__}"
    )


def _check_count(name: str, n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _load_csv(name: str) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    text = files("oneneuron").joinpath("data", name).read_text()
    data = np.loadtxt(text.splitlines(), delimiter=",")
    return data[:, :-1], data[:, -1].astype(np.int64)


def load_exam_scores() -> Dataset:
    """The 100 applicants of the course's exercise 2: two exam scores, admitted or not.

    Returns
    -------
    X : ndarray of shape (100, 2)
        Exam 1 and exam 2 scores (about 30 to 100).
    y : ndarray of shape (100,)
        1 admitted (60), 0 not admitted (40).
    feature_names : list of str
        ``["score1", "score2"]``.

    Examples
    --------
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> X.shape, int(y.sum()), names
    ((100, 2), 60, ['score1', 'score2'])
    """
    X, y = _load_csv("exam_scores.csv")
    return X, y, ["score1", "score2"]


def load_microchips() -> Dataset:
    """The 118 microchips of the course's exercise 2: two QA test results, accepted or not.

    Not linearly separable in the raw features; the course expands them to all
    28 polynomial terms of degree <= 6.

    Examples
    --------
    >>> from oneneuron.datasets import load_microchips
    >>> X, y, names = load_microchips()
    >>> X.shape, int(y.sum()), names
    ((118, 2), 58, ['test1', 'test2'])
    """
    X, y = _load_csv("microchips.csv")
    return X, y, ["test1", "test2"]


def make_gaussians_1d(
    n_per_class: int = 100,
    means: tuple[float, float] = (-1.5, 1.5),
    sigma: float = 1.0,
    random_state: Seed = 0,
) -> Dataset:
    """Two 1-D Gaussian classes: the one-neuron 1-D walkthrough's data.

    Draws ``normal(means[0], sigma, n)`` (class 0) then ``normal(means[1], sigma, n)``
    (class 1) from a legacy ``RandomState``. The walkthrough itself set no seed,
    so ``random_state=0`` is this library's choice.

    Returns
    -------
    X : ndarray of shape (2 * n_per_class, 1)
        Class 0 first.
    y : ndarray of shape (2 * n_per_class,)
    feature_names : ``["x"]``

    Examples
    --------
    >>> from oneneuron.datasets import make_gaussians_1d
    >>> X, y, names = make_gaussians_1d()
    >>> X.shape, int(y.sum()), names
    ((200, 1), 100, ['x'])
    """
    n = _check_count("n_per_class", n_per_class)
    if not 0 < sigma < np.inf:
        raise ValueError(f"sigma must be a positive finite number, got {sigma!r}")
    mu = np.asarray(means, dtype=np.float64)
    if mu.shape != (2,) or not np.isfinite(mu).all():
        raise ValueError(f"means must be two finite numbers (class 0's, class 1's), got {means!r}")
    rng = _legacy_rng(random_state)
    x0 = rng.normal(means[0], sigma, n)
    x1 = rng.normal(means[1], sigma, n)
    X = np.concatenate([x0, x1])[:, None]
    y = np.repeat(np.array([0, 1], dtype=np.int64), n)
    return X, y, ["x"]


def aack_beep_sentences() -> Dataset:
    """The four sentences "!?", "Beep!", "Aack?", "Beep aack..." as word counts.

    ``x1`` counts *aack*, ``x2`` counts *beep*; a sentence is angry (1) when it
    has more *beep* than *aack*, which among these four is only "Beep!".

    Examples
    --------
    >>> from oneneuron.datasets import aack_beep_sentences
    >>> X, y, names = aack_beep_sentences()
    >>> X.tolist(), y.tolist(), names
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 0, 0], ['aack', 'beep'])
    """
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 0, 0], dtype=np.int64)
    return X, y, ["aack", "beep"]


def make_aack_beep(n_samples: int = 30, random_state: Seed = 3) -> Dataset:
    """Random binary word counts labelled 1 where ``x1 = 0`` and ``x2 = 1``.

    Draws ``randint(0, 2, (2, n_samples))`` from a legacy ``RandomState``, as
    the perceptron walkthrough does after ``np.random.seed(3)`` (its points are
    the columns; here they are the rows).

    Examples
    --------
    >>> from oneneuron.datasets import make_aack_beep
    >>> X, y, names = make_aack_beep()
    >>> X.shape, y[:6].tolist()
    ((30, 2), [0, 1, 0, 0, 1, 0])
    """
    n = _check_count("n_samples", n_samples)
    rng = _legacy_rng(random_state)
    cols = rng.randint(0, 2, (2, n))
    y = np.logical_and(cols[0] == 0, cols[1] == 1).astype(np.int64)
    return cols.T.astype(np.float64), y, ["aack", "beep"]


def make_perceptron_blobs(n_samples: int = 1000, random_state: int = 0) -> Dataset:
    """Two Gaussian blobs centred at (2.5, 3) and (6.7, 7.9), standard deviation 1.4.

    scikit-learn's ``make_blobs`` with the perceptron walkthrough's settings.

    Examples
    --------
    >>> from oneneuron.datasets import make_perceptron_blobs
    >>> X, y, names = make_perceptron_blobs()
    >>> X.shape, int(y.sum())
    ((1000, 2), 500)
    """
    from sklearn.datasets import make_blobs

    n = _check_count("n_samples", n_samples)
    X, y = make_blobs(
        n_samples=n,
        centers=([2.5, 3.0], [6.7, 7.9]),
        cluster_std=1.4,
        random_state=random_state,
    )
    return X.astype(np.float64), y.astype(np.int64), ["x1", "x2"]


def make_red_blue(n_per_class: int = 20, std: float = 1.0, random_state: Seed = 1) -> Dataset:
    """Red stars around (-1, 0) (class 0) and blue circles around (1, 0) (class 1).

    Draws ``randn(n, 2) * std + (-1, 0)`` for red, then the same for blue around
    ``(1, 0)``, from a legacy ``RandomState`` seeded 1: the no-bias 2-D
    walkthrough's data (an older version of it scaled by ``std = 1.2``).

    Examples
    --------
    >>> from oneneuron.datasets import make_red_blue
    >>> X, y, names = make_red_blue()
    >>> X.shape, y[:2].tolist(), y[-2:].tolist(), X[0].round(4).tolist()
    ((40, 2), [0, 0], [1, 1], [0.6243, -0.6118])
    """
    n = _check_count("n_per_class", n_per_class)
    if not 0 < std < np.inf:
        raise ValueError(f"std must be a positive finite number, got {std!r}")
    rng = _legacy_rng(random_state)
    red = rng.randn(n, 2) * std + (-1.0, 0.0)
    blue = rng.randn(n, 2) * std + (1.0, 0.0)
    X = np.vstack([red, blue])
    y = np.repeat(np.array([0, 1], dtype=np.int64), n)
    return X, y, ["x1", "x2"]
