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
#: (null, or the cross-validation record of a model saved from ``NeuronClassifierCV``).
OPTIONAL_TOP_KEYS = ("design", "path")
#: Keys of ``path`` and of its ``coef_path`` (see :mod:`oneneuron.modelfile._document`).
CV_KEYS = {"scoring", "rule", "l1_ratios", "alphas", "scores", "n_nonzero", "alpha", "l1_ratio"}
CV_OPTIONAL_KEYS = ("coef_path",)
COEF_PATH_KEYS = {
    "alpha_max",
    "terms",
    "coef",
    "intercept",
    "deviance_explained",
    "loss",
    "kkt",
    "n_passes",
}
CV_SCORINGS = ("neg_log_loss", "accuracy", "roc_auc")
#: The range of a scoring's scores a record must respect (others: any finite number).
CV_SCORE_RANGES = {
    "neg_log_loss": (-float("inf"), 0.0),
    "accuracy": (0.0, 1.0),
    "roc_auc": (0.0, 1.0),
}
CV_RULES = ("min", "1se")
#: Bounds on a stored cross-validation record (a file beyond them is refused).
MAX_CV_L1_RATIOS = 1_000
MAX_SCORING_CHARS = 200
MAX_CV_ALPHAS = 10_000
MAX_CV_FOLDS = 100_000
MAX_CV_SCORES = 10_000_000
#: The most numbers a stored coefficient path holds (n_alphas x classes x stored
#: columns, about 40 MB of JSON); a larger path is not written (``coef_path`` null).
MAX_PATH_COEFS = 2_000_000
#: The most cells of a loaded coefficient path (n_alphas x classes x features): it is
#: dense in memory (256 MiB of float64 at this bound) while the file stores only the
#: columns non-zero somewhere on it, so a small file could otherwise ask for any amount
#: of memory. A larger path is not written and a file holding one is refused.
MAX_PATH_CELLS = 1 << 25
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
#: (an older file lacks them and gets the defaults). With ``relax`` true the file's
#: ``inference`` is the relaxed refit's (its terms: the columns the L1 fit kept).
OPTIONAL_PARAM_KEYS = ("cov_type", "firth", "relax")
#: Optional keys of ``fit``: ``offset`` (bool) says the model needs an offset to predict;
#: ``n_dropped`` (int or null) counts the rows ``missing="drop"`` left out of the fit;
#: ``stop_reason`` (string) is the estimator's ``stop_reason_``.
OPTIONAL_FIT_KEYS = ("offset", "n_dropped", "stop_reason")
#: The longest ``fit.stop_reason`` read (it is one line).
MAX_STOP_REASON_CHARS = 1000
SOLVERS = {"auto", "newton", "subsampled-newton", "lbfgs", "gd", "sgd", "cd"}
#: Keys of ``objective`` that older files lack (then their defaults apply).
OPTIONAL_OBJECTIVE_KEYS = ("l1_ratio", "penalty_factor")
#: Solvers a fit may report beyond SOLVERS (``solver_`` of a ``firth=True`` fit, and of
#: an ``"auto"`` fit whose L-BFGS ran out of iterations and Newton finished).
FIT_SOLVERS = {"firth-newton", "lbfgs+newton"}


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


#: Names a model file must not have: tables, reports and figures (the file is JSON).
OTHER_FORMATS = (".csv", ".tsv", ".tab", ".parquet", ".pq", ".html", ".htm", ".png", ".pdf",
                 ".svg", ".xlsx", ".xls")  # fmt: skip
#: Compression suffixes a table's name may end with (``data.csv.gz``).
_COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst")


def other_format(path: Any) -> str | None:
    """The suffix (``.csv``) where ``path`` names a table's, report's or figure's format
    (``m.csv``, ``m.csv.gz``, ``m.html``), which a JSON model file must not be named
    (the next tool reads it as what it names; a slip may name the user's table); None
    for any other name, ``.json`` or none.

    Examples
    --------
    >>> from oneneuron.modelfile import other_format
    >>> other_format("data.csv.gz"), other_format("model.json"), other_format("model")
    ('.csv', None, None)
    """
    import os

    name = os.path.basename(os.fspath(path)).lower()
    for comp in _COMPRESSED:
        name = name.removesuffix(comp)
    suffix = os.path.splitext(name)[1]
    return suffix if suffix in OTHER_FORMATS else None
