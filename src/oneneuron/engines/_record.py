"""The one record every engine's input preparation returns (:class:`FitData`), and class weights."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray


@dataclass
class FitData:
    """What ``fit`` needs from the training data, whatever kind of array X is.

    The arrays ``X``, ``target`` and ``weights`` stay of X's kind (a NumPy array
    or CSR matrix in memory, a tensor on its device, a lazy dask array); every
    other field is a small host (NumPy) value.

    Attributes
    ----------
    kind : {"numpy", "array_api", "dask"}
        Which engine reads the data (see :func:`oneneuron.engines.input_kind`).
    X : array of shape (n, d)
        Validated features, float32 or float64.
    target : array of shape (n,)
        0/1 floats (binary) or class indices (K > 2).
    weights : array of shape (n,)
        Row weights ``s_i`` = sample weight times class weight.
    classes : ndarray of shape (K,)
        Sorted class labels.
    class_sums : ndarray of shape (K,)
        ``sum_i s_i`` per class.
    mean, scale : ndarray of shape (d,)
        Standardisation statistics, weighted by the sample weights (zeros and
        ones when standardisation is off).
    n_samples : int
    dtype : numpy.dtype
        float32 or float64: the dtype of the fitted coefficients.
    feature_names : ndarray of str or None
        Column names, when X was a table with string column names.
    y_idx, row_weights : ndarray or None
        Host copies of each row's class index and of ``weights`` (NumPy input only;
        the separation check and the starting point read them).
    sample_weight : ndarray or None
        Host sample weights (NumPy input only), for a change of solver coordinates.
    engine_options : dict
        Extra keyword arguments of the engine's constructor.
    """

    kind: str
    X: Any
    target: Any
    weights: Any
    classes: NDArray[Any]
    class_sums: NDArray[np.float64]
    mean: NDArray[np.float64]
    scale: NDArray[np.float64]
    n_samples: int
    dtype: np.dtype
    feature_names: NDArray[Any] | None = None
    y_idx: NDArray[np.intp] | None = None
    row_weights: NDArray[np.float64] | None = None
    sample_weight: NDArray[np.float64] | None = None
    engine_options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        """Columns of X."""
        return int(self.X.shape[1])

    @property
    def multinomial(self) -> bool:
        """More than two classes (a softmax layer)."""
        return len(self.classes) > 2

    def class_counts(self) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """``(y_idx, s)`` for the starting point and the likelihood statistics.

        The row-level arrays when they are on the host; otherwise the per-class
        sums stand in (``bincount(arange(K), weights=sums) == sums``).
        """
        if self.y_idx is not None and self.row_weights is not None:
            return self.y_idx, self.row_weights
        return np.arange(len(self.classes)), self.class_sums


def class_weight_vector(class_weight: Any, classes: NDArray, counts: NDArray) -> NDArray:
    """Per-class weights as ``compute_sample_weight`` gives them (``balanced``: n / (K n_k))."""
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, str):  # "balanced" (validated by the estimator)
        return counts.sum() / (len(classes) * counts)
    from sklearn.utils.class_weight import compute_class_weight

    return compute_class_weight(class_weight, classes=classes, y=classes)
