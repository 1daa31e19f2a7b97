"""``CVRecord``: what cross-validation chose, and the evidence, as a model file keeps it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..wording import counted

if TYPE_CHECKING:  # numpy only at import: the model-file check uses choose_alpha
    from ._path import RegularizationPath

__all__ = ["CVRecord", "choose_alpha", "fold_standard_error"]


def choose_alpha(scores: NDArray[np.float64], rule: str, *, ddof: int = 1) -> tuple[int, int]:
    """The chosen ``(l1_ratio index, alpha index)`` from fold scores (n_l1, n_folds, n_alphas).

    ``rule="min"``: the best mean score over all pairs (the first on ties);
    ``rule="1se"`` (glmnet's ``lambda.1se``): at the best pair's l1_ratio, the
    largest alpha (alphas decrease, so the first index) whose mean score is
    within one standard error of the best: glmnet's ``cvsd``, the sample standard
    deviation of the folds' scores over ``sqrt(n_folds)``
    (``sqrt(sum((s_k - mean)^2) / (n_folds (n_folds - 1)))``). ``ddof=0`` gives the
    narrower interval of earlier versions (the population standard deviation),
    by which a model file they wrote was chosen (its check accepts either).

    Examples
    --------
    >>> from oneneuron.classifier import choose_alpha
    >>> import numpy as np
    >>> scores = np.array([[[-0.9, -0.5, -0.3, -0.6], [-0.9, -0.6, -0.6, -0.5]]])
    >>> choose_alpha(scores, "min"), choose_alpha(scores, "1se")
    ((0, 2), (0, 1))
    """
    mean = scores.mean(axis=1)  # (n_l1, n_alphas)
    i, j = np.unravel_index(np.argmax(mean), mean.shape)
    if rule == "1se":
        se = fold_standard_error(scores, ddof=ddof)[i, j]
        j = np.flatnonzero(mean[i] >= mean[i, j] - se)[0]
    return int(i), int(j)


def fold_standard_error(scores: NDArray[np.float64], *, ddof: int = 1) -> NDArray[np.float64]:
    """Standard error of the mean held-out score, from fold scores (n_l1, n_folds, n_alphas).

    glmnet's ``cvsd``: the folds' sample standard deviation over ``sqrt(n_folds)``, the
    interval of the 1se rule (:func:`choose_alpha`), of ``train --cv``'s "+/-", of
    :meth:`CVRecord.describe` and of the bars of :func:`oneneuron.plot.plot_cv_curve`.
    (``cv_results_["std_test_score"]`` is scikit-learn's, the population standard
    deviation, as ``GridSearchCV`` reports it.)

    Examples
    --------
    >>> import numpy as np
    >>> fold_standard_error(np.array([[[0.1], [0.3]]])).round(6).tolist()
    [[0.1]]
    """
    return np.asarray(scores.std(axis=1, ddof=ddof) / np.sqrt(scores.shape[1]))


@dataclass(frozen=True)
class CVRecord:
    """The record of a cross-validated choice of alpha (and l1_ratio).

    ``NeuronClassifierCV.cv_record_`` makes it; a model file saved from a
    ``NeuronClassifierCV`` stores it, and the loaded ``NeuronClassifier`` has it
    as ``cv_record_`` (``oneneuron evaluate --report`` draws it). The plots
    :func:`oneneuron.plot.plot_cv_curve` and
    :func:`oneneuron.plot.plot_coefficient_path` take it.

    Attributes
    ----------
    scoring : str
        ``"neg_log_loss"``, ``"accuracy"``, ``"roc_auc"``, another scikit-learn scorer
        name, or ``"callable <name>"`` (higher is better).
    rule : str
        ``"min"`` or ``"1se"`` (see :func:`choose_alpha`).
    l1_ratios : ndarray of shape (n_l1_ratios,)
    alphas : ndarray of shape (n_l1_ratios, n_alphas)
        Each l1_ratio's grid, decreasing.
    scores : ndarray of shape (n_l1_ratios, n_folds, n_alphas)
        The held-out score of every fold at every alpha.
    n_nonzero : ndarray of int, shape (n_l1_ratios, n_alphas)
        Features with a non-zero coefficient in the full data's fit.
    alpha, l1_ratio : float
        The chosen pair (the saved model's ``alpha`` and ``l1_ratio``).
    path : RegularizationPath or None
        The full data's path at the chosen ``l1_ratio`` (coefficients on the
        original scale). From a model file: ``None`` when the file kept no
        coefficient path (it was too large); there ``mean`` and ``scale`` are the
        model's standardisation statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from oneneuron import NeuronClassifierCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(150, 4))
    >>> y = (X[:, 0] + rng.normal(size=150) > 0).astype(int)
    >>> record = NeuronClassifierCV(cv=3, n_alphas=8).fit(X, y).cv_record_
    >>> record.scores.shape, record.n_folds, record.rule
    ((1, 3, 8), 3, 'min')
    >>> bool(record.alpha == record.alphas[0, record.chosen[1]])
    True
    """

    scoring: str
    rule: str
    l1_ratios: NDArray[np.float64]
    alphas: NDArray[np.float64]
    scores: NDArray[np.float64]
    n_nonzero: NDArray[np.intp]
    alpha: float
    l1_ratio: float
    path: RegularizationPath | None = None

    @property
    def n_folds(self) -> int:
        """Number of folds."""
        return int(self.scores.shape[1])

    @property
    def mean_score(self) -> NDArray[np.float64]:
        """Mean held-out score over folds, shape (n_l1_ratios, n_alphas)."""
        return np.asarray(self.scores.mean(axis=1))

    @property
    def std_score(self) -> NDArray[np.float64]:
        """Standard deviation of the held-out score over folds, shape (n_l1_ratios, n_alphas)."""
        return np.asarray(self.scores.std(axis=1))

    @property
    def std_error(self) -> NDArray[np.float64]:
        """Standard error of ``mean_score`` (see :func:`fold_standard_error`), same shape."""
        return fold_standard_error(self.scores)

    @property
    def chosen(self) -> tuple[int, int]:
        """``(l1_ratio index, alpha index)`` of the chosen pair (``alpha``, ``l1_ratio``) in
        the grid: the one ``rule`` picks from ``scores`` (a file an earlier version wrote
        chose ``"1se"`` with a narrower standard error; see :func:`choose_alpha`)."""
        at = (self.alphas == self.alpha) & (np.asarray(self.l1_ratios)[:, None] == self.l1_ratio)
        hit = np.argwhere(at)
        if len(hit):
            return int(hit[0][0]), int(hit[0][1])
        return choose_alpha(self.scores, self.rule)

    def describe(self) -> str:
        """One line: folds, rule, the chosen alpha and its mean score, the best one.

        Examples
        --------
        >>> import numpy as np
        >>> from oneneuron.classifier import CVRecord
        >>> r = CVRecord("neg_log_loss", "min", np.array([1.0]), np.array([[1.0, 0.1]]),
        ...              np.array([[[-0.7, -0.5], [-0.7, -0.6]]]), np.array([[0, 2]]), 0.1, 1.0)
        >>> for part in r.describe().split(": "):
        ...     print(part)
        alpha 0.1 (l1_ratio 1) chosen by 2-fold cross-validation, rule min
        mean neg_log_loss -0.55 +/- 0.05 (std error), 2 non-zero features
        """
        i, j = self.chosen
        se = self.std_error[i, j]  # the 1se rule's
        return (
            f"alpha {self.alpha:.4g} (l1_ratio {self.l1_ratio:g}) chosen by {self.n_folds}-fold "
            f"cross-validation, rule {self.rule}: mean {self.scoring} "
            f"{self.mean_score[i, j]:.4g} +/- {se:.2g} (std error), "
            f"{counted(int(self.n_nonzero[i, j]), 'non-zero feature')}"
        )


def cv_record(cv: Any) -> CVRecord:
    """The :class:`CVRecord` of a fitted ``NeuronClassifierCV``."""
    ratios = [p.l1_ratio for p in cv.paths_]
    return CVRecord(
        scoring=scoring_name(cv.scoring),
        rule=str(cv.rule),
        l1_ratios=np.array(ratios, dtype=np.float64),
        alphas=np.asarray(cv.alphas_, dtype=np.float64),
        scores=np.asarray(cv.scores_, dtype=np.float64),
        n_nonzero=np.array([p.n_nonzero for p in cv.paths_], dtype=np.intp),
        alpha=float(cv.alpha_),
        l1_ratio=float(cv.l1_ratio_),
        path=cv.paths_[ratios.index(cv.l1_ratio_)],
    )


def scoring_name(scoring: Any) -> str:
    """How the record names ``scoring``: its name, or ``"callable <name>"`` for a function."""
    if isinstance(scoring, str):
        return scoring
    return f"callable {getattr(scoring, '__name__', type(scoring).__name__)}"
