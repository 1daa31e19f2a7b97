"""The estimator: :class:`NeuronClassifier`, its parameters, fit orchestration and predict.

``_estimator.py`` is the public face (parameters, predict, statistics methods);
``_fit.py`` runs a fit (engine preparation, solver choice, starting point,
solver, fitted attributes); ``parquet.py`` fits a Parquet dataset out of core
through Dask (:func:`fit_parquet`).
"""

from __future__ import annotations

from ._cv import NeuronClassifierCV
from ._cvrecord import CVRecord, choose_alpha
from ._estimator import NeuronClassifier
from ._fit import AUTO_NEWTON_MAX_PARAMS, SUBSAMPLE_ROWS
from ._logit import logit
from ._path import RegularizationPath, regularization_path
from .parquet import fit_parquet

__all__ = [
    "AUTO_NEWTON_MAX_PARAMS",
    "SUBSAMPLE_ROWS",
    "CVRecord",
    "NeuronClassifier",
    "NeuronClassifierCV",
    "choose_alpha",
    "RegularizationPath",
    "fit_parquet",
    "logit",
    "regularization_path",
]
