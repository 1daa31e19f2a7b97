"""The model file's fixed vocabulary: format name and version, keys, the error and the record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FORMAT = "oneneuron-model"
FORMAT_VERSION = 2
#: Versions this library reads. Version 1 files (no ``design``) still load.
READ_VERSIONS = (1, 2)
TOP_KEYS = {
    "format",
    "format_version",
    "library_version",
    "classes",
    "features",
    "dtype",
    "coef",
    "intercept",
    "standardization",
    "objective",
    "params",
    "fit",
    "input",
    "inference",
}
#: Top-level keys of version 2 that version-1 files lack: ``design`` (null or the
#: table's design spec, :class:`oneneuron.tables.DesignSpec` as JSON) and ``path``
#: (null; reserved for a regularization path, issue #13).
OPTIONAL_TOP_KEYS = ("design", "path")
PARAM_KEYS = (
    "solver",
    "tol",
    "max_iter",
    "learning_rate",
    "optimizer",
    "batch_size",
    "threshold",
    "warm_start",
    "random_state",
    "record_path",
    "inference",
)
#: Constructor parameters newer than format version 1: written always, optional on read
#: (an older file lacks them and gets the defaults).
OPTIONAL_PARAM_KEYS = ("cov_type", "firth")
#: Optional keys of ``fit``: ``offset`` (bool) says the model needs an offset to predict;
#: ``n_dropped`` (int or null) counts the rows ``missing="drop"`` left out of the fit.
OPTIONAL_FIT_KEYS = ("offset", "n_dropped")
SOLVERS = {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd", "cd"}
#: Keys of ``objective`` that older files lack (then their defaults apply).
OPTIONAL_OBJECTIVE_KEYS = ("l1_ratio", "penalty_factor")
#: Solvers a fit may report beyond SOLVERS (``solver_`` of a ``firth=True`` fit).
FIT_SOLVERS = {"firth-newton"}


class ModelFileError(ValueError):
    """A model file that cannot be read, parsed or trusted; the message says why."""


class SavedModel:
    """Everything a model file holds: the model plus the command line's extras.

    The estimator is built on first use of :attr:`estimator` (it imports
    scikit-learn); :attr:`predictor` serves predictions with NumPy only, and is
    what ``oneneuron predict`` uses. The file is fully validated when it is
    read, before either exists.

    Attributes
    ----------
    predictor : oneneuron.classifier.Predictor
        The fitted model's prediction face, bit for bit the estimator's predictions.
    input : dict or None
        The table encoding written by ``oneneuron train`` (see :mod:`oneneuron.tables`).
    inference : dict or None
        The fit's inference results (see :mod:`oneneuron.stats`), if any.
    n_samples : int or None
        Training rows, when known.
    meta : dict
        ``library_version`` and ``format_version`` of the file.
    """

    def __init__(
        self,
        build: Callable[[], Any],
        predictor: Any,
        input: dict[str, Any] | None = None,
        inference: dict[str, Any] | None = None,
        n_samples: int | None = None,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self._build, self._estimator = build, None
        self.predictor = predictor
        self.input, self.inference, self.n_samples = input, inference, n_samples
        self.meta = {} if meta is None else meta

    @property
    def estimator(self) -> Any:
        """The fitted :class:`~oneneuron.NeuronClassifier`, ready to predict (built once)."""
        if self._estimator is None:
            self._estimator = self._build()
        return self._estimator
