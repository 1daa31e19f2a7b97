"""The estimator: :class:`NeuronClassifier`, its parameters, fit orchestration and predict.

``_estimator.py`` is the public face (parameters, predict, statistics methods);
``_fit.py`` runs a fit (engine preparation, solver choice, starting point,
solver, fitted attributes); ``_predictor.py`` holds the prediction arithmetic and
:class:`Predictor`, the NumPy-only face a model file serves; ``parquet.py`` fits a
Parquet dataset out of core through Dask (:func:`fit_parquet`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..lazy import lazy_attributes

if TYPE_CHECKING:
    from ._cv import MAX_COUNTED_ROWS, NeuronClassifierCV, ovr_roc_auc
    from ._cvrecord import CVRecord, choose_alpha
    from ._estimator import NeuronClassifier
    from ._fit import AUTO_NEWTON_MAX_PARAMS, SUBSAMPLE_ROWS
    from ._logit import logit
    from ._path import RegularizationPath, regularization_path
    from ._predictor import OFFSET_LIMIT, Predictor
    from .parquet import fit_parquet

#: Public names and their modules, imported on first use (scikit-learn and pandas load only
#: when a name that needs them is used; the command line's predict needs none).
_LAZY = {
    "NeuronClassifierCV": "_cv",
    "MAX_COUNTED_ROWS": "_cv",
    "ovr_roc_auc": "_cv",
    "CVRecord": "_cvrecord",
    "choose_alpha": "_cvrecord",
    "NeuronClassifier": "_estimator",
    "AUTO_NEWTON_MAX_PARAMS": "_fit",
    "SUBSAMPLE_ROWS": "_fit",
    "logit": "_logit",
    "RegularizationPath": "_path",
    "regularization_path": "_path",
    "Predictor": "_predictor",
    "OFFSET_LIMIT": "_predictor",
    "fit_parquet": "parquet",
}


#: How a fitted estimator is written to a model file. The model-file wing sits above this
#: layer, so the layer never imports it: the package (``oneneuron/__init__``, above both,
#: and always run before any of its modules) registers the writer here on import.
_MODEL_WRITER: Any = None


def set_model_writer(write: Any) -> None:
    """Register ``write(estimator, path, *, overwrite)``: what ``save()`` methods call."""
    global _MODEL_WRITER
    _MODEL_WRITER = write


def write_model_file(estimator: Any, path: Any, *, overwrite: bool = False) -> None:
    """Write ``estimator`` with the registered model-file writer (``save()`` of the estimators)."""
    if _MODEL_WRITER is None:  # pragma: no cover - the package registers it on import
        raise RuntimeError("no model-file writer is registered: import oneneuron")
    _MODEL_WRITER(estimator, path, overwrite=overwrite)


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())


__all__ = [
    "AUTO_NEWTON_MAX_PARAMS",
    "MAX_COUNTED_ROWS",
    "OFFSET_LIMIT",
    "SUBSAMPLE_ROWS",
    "CVRecord",
    "NeuronClassifier",
    "NeuronClassifierCV",
    "Predictor",
    "RegularizationPath",
    "fit_parquet",
    "choose_alpha",
    "logit",
    "ovr_roc_auc",
    "regularization_path",
]
