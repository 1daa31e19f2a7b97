"""Data sets of the walkthroughs: the shipped course files and seeded generators.

Every function returns ``(X, y, feature_names)``: ``X`` float64 of shape
(n, d), ``y`` of shape (n,), and a list of ``d`` names.
"""

from __future__ import annotations

from importlib.resources import files

import numpy as np
from numpy.typing import NDArray

__all__ = ["load_exam_scores", "load_microchips"]

Dataset = tuple[NDArray[np.float64], NDArray[np.int64], list[str]]


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
