"""Validation of model-file documents (see :mod:`oneneuron.modelfile` for the schema).

Every check raises :class:`oneneuron.modelfile.ModelFileError` naming the field, so a
tampered or damaged file is refused with one clear line instead of a traceback
or, worse, a model that silently predicts something else.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._version import __version__
from . import _schema as io

_SOLVERS_USED = (io.SOLVERS - {"auto"}) | io.FIT_SOLVERS


def _fail(msg: str) -> None:
    raise io.ModelFileError(msg)


def _obj(
    d: Any, name: str, keys: set[str] | None = None, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    if not isinstance(d, dict):
        _fail(f"{name} must be a JSON object, not {type(d).__name__}")
    if keys is not None:
        missing = sorted(keys - d.keys())
        extra = sorted(d.keys() - keys - set(optional))
        if missing:
            _fail(f"{name} lacks the key(s) {', '.join(missing)}")
        if extra:
            _fail(f"{name} has unknown key(s) {', '.join(extra)}")
    return d


def _num(v: Any, name: str, *, lo: float | None = None, positive: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        _fail(f"{name} must be a finite number, not {v!r}")
    if lo is not None and v < lo:
        _fail(f"{name} must be >= {lo}, not {v!r}")
    if positive and v <= 0:
        _fail(f"{name} must be > 0, not {v!r}")
    return float(v)


def _int(v: Any, name: str, *, lo: int = 0, optional: bool = False) -> int | None:
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        _fail(f"{name} must be an integer >= {lo}, not {v!r}")
    return int(v)


def _bool(v: Any, name: str) -> bool:
    if not isinstance(v, bool):
        _fail(f"{name} must be true or false, not {v!r}")
    return v


def _vector(v: Any, name: str, n: int) -> np.ndarray:
    if not isinstance(v, list) or len(v) != n:
        got = len(v) if isinstance(v, list) else type(v).__name__
        _fail(f"{name} must be a list of {n} numbers (got {got})")
    for j, x in enumerate(v):
        _num(x, f"{name}[{j}]")
    return np.array(v, dtype=np.float64)


def _classes(c: Any) -> np.ndarray:
    c = _obj(c, "classes", {"dtype", "values"})
    values = c["values"]
    if not isinstance(values, list) or len(values) < 2:
        _fail("classes.values must list at least two class labels")
    for v in values:
        if not isinstance(v, str | int | float | bool) or (
            isinstance(v, float) and not math.isfinite(v)
        ):
            _fail(f"class label {v!r} is not a string, integer, finite number or boolean")
    try:
        dtype = np.dtype(c["dtype"])
    except (TypeError, ValueError):
        _fail(f"classes.dtype {c['dtype']!r} is not a numpy dtype")
    if dtype.kind not in "biufUO":
        _fail(f"classes.dtype {c['dtype']!r} is not a label type")
    try:
        arr = np.array(values, dtype=dtype)
    except (TypeError, ValueError, OverflowError):
        _fail(f"classes.values do not fit classes.dtype {c['dtype']!r}")
    if dtype.kind != "O" and arr.tolist() != values:
        _fail(f"classes.values change when stored as {c['dtype']!r}")
    if len({(type(v).__name__, v) for v in values}) != len(values) or len(
        set(map(repr, arr.tolist()))
    ) != len(values):
        _fail("classes.values has a repeated label")
    return arr


def _label_of(v: Any, classes: np.ndarray, name: str) -> None:
    """``v`` must be a label of the classes' type (it becomes a class_weight key)."""
    if not isinstance(v, str | int | float | bool) or (
        isinstance(v, float) and not math.isfinite(v)
    ):
        _fail(f"{name} {v!r} is not a string, integer, finite number or boolean")
    try:
        same = np.array([v], dtype=classes.dtype).tolist() == [v]
    except (TypeError, ValueError, OverflowError):
        same = False
    if not same and classes.dtype.kind != "O":
        _fail(f"{name} {v!r} is not a label of type {classes.dtype.str!r} like the classes")


def _as_label(v: Any, dtype: np.dtype) -> Any:
    """A stored label as the Python value of the classes' type (strings stay ``str``)."""
    x = np.array([v], dtype=dtype)[0]
    return x.item() if isinstance(x, np.generic) else x


def check_document(doc: Any) -> dict[str, Any]:
    """Validate a parsed model document; returns the decoded arrays."""
    doc = _obj(doc, "the model file")
    if doc.get("format") != io.FORMAT:
        _fail(f"not a oneneuron model file (format is {doc.get('format')!r}, not {io.FORMAT!r})")
    version = doc.get("format_version")
    if isinstance(version, bool) or version not in io.READ_VERSIONS:
        newer = isinstance(version, int) and version > io.FORMAT_VERSION
        hint = "; upgrade oneneuron" if newer else ""
        _fail(
            f"model format version {version!r} is not supported by oneneuron "
            f"{__version__} (it reads versions "
            f"{', '.join(map(str, io.READ_VERSIONS))}){hint}"
        )
    _obj(doc, "the model file", io.TOP_KEYS, io.OPTIONAL_TOP_KEYS if version >= 2 else ())
    if doc.get("path") is not None:
        _fail("path must be null (this version of oneneuron stores no regularization path)")
    if not isinstance(doc["library_version"], str):
        _fail("library_version must be a string")
    classes = _classes(doc["classes"])
    K = len(classes)
    m = 1 if K == 2 else K
    feats = _obj(doc["features"], "features", {"names", "names_in_estimator"})
    names = feats["names"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        _fail("features.names must be a non-empty list of strings")
    if len(set(names)) != len(names):
        _fail("features.names has a repeated name")
    _bool(feats["names_in_estimator"], "features.names_in_estimator")
    d = len(names)
    if doc["dtype"] not in ("float64", "float32"):
        _fail(f"dtype must be 'float64' or 'float32', not {doc['dtype']!r}")
    coef = doc["coef"]
    if not isinstance(coef, list) or len(coef) != m:
        _fail(f"coef must have {m} row(s) for {K} classes (got {_len(coef)})")
    W = np.stack([_vector(row, f"coef[{i}]", d) for i, row in enumerate(coef)])
    b = _vector(doc["intercept"], "intercept", m)
    st = _obj(doc["standardization"], "standardization", {"mean", "scale"})
    mean = _vector(st["mean"], "standardization.mean", d)
    scale = _vector(st["scale"], "standardization.scale", d)
    if np.any(scale <= 0):
        _fail("standardization.scale must be positive")
    obj = _obj(
        doc["objective"],
        "objective",
        {"alpha", "fit_intercept", "standardize", "class_weight"},
        io.OPTIONAL_OBJECTIVE_KEYS,
    )
    _num(obj["alpha"], "objective.alpha", lo=0)
    if "l1_ratio" in obj and not 0 <= _num(obj["l1_ratio"], "objective.l1_ratio") <= 1:
        _fail(f"objective.l1_ratio must be in [0, 1], not {obj['l1_ratio']!r}")
    if obj.get("penalty_factor") is not None:
        pf = _vector(obj["penalty_factor"], "objective.penalty_factor", d)
        if np.any(pf < 0):
            _fail("objective.penalty_factor must be >= 0")
    fit_intercept = _bool(obj["fit_intercept"], "objective.fit_intercept")
    standardize = _bool(obj["standardize"], "objective.standardize")
    if not fit_intercept and np.any(b != 0):
        _fail("intercept must be zero when objective.fit_intercept is false")
    if not standardize and (np.any(mean != 0) or np.any(scale != 1)):
        _fail("standardization must be zeros and ones when objective.standardize is false")
    cw = obj["class_weight"]
    if cw is not None and cw != "balanced":
        pairs = _obj(cw, "objective.class_weight", {"pairs"})["pairs"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            _fail("objective.class_weight.pairs must be a list of [label, weight] pairs")
        for label, w in pairs:
            _label_of(label, classes, "objective.class_weight label")
            _num(w, "objective.class_weight weight", lo=0)
    params = _obj(doc["params"], "params", set(io.PARAM_KEYS), io.OPTIONAL_PARAM_KEYS)
    if not isinstance(params["solver"], str) or params["solver"] not in io.SOLVERS:
        _fail(f"params.solver {params['solver']!r} is not one of {sorted(io.SOLVERS)}")
    _num(params["tol"], "params.tol", lo=0)
    _int(params["max_iter"], "params.max_iter")
    thr = _num(params["threshold"], "params.threshold")
    if not 0 < thr < 1:
        _fail(f"params.threshold must be in (0, 1), not {thr}")
    _check_params(params)
    fit = _obj(
        doc["fit"],
        "fit",
        {"solver", "n_iter", "converged", "grad_norm", "loss", "n_samples"},
        io.OPTIONAL_FIT_KEYS,
    )
    if "offset" in fit:
        _bool(fit["offset"], "fit.offset")
    if "n_dropped" in fit:
        _int(fit["n_dropped"], "fit.n_dropped", optional=True)
    if not isinstance(fit["solver"], str) or fit["solver"] not in _SOLVERS_USED:
        _fail(f"fit.solver {fit['solver']!r} is not one of {sorted(_SOLVERS_USED)}")
    _int(fit["n_iter"], "fit.n_iter")
    _bool(fit["converged"], "fit.converged")
    _num(fit["grad_norm"], "fit.grad_norm", lo=0)
    _num(fit["loss"], "fit.loss", lo=0)
    _int(fit["n_samples"], "fit.n_samples", lo=K, optional=True)
    if doc["inference"] is not None:
        _obj(doc["inference"], "inference")
        _check_inference(doc["inference"], W, b, bool(obj["fit_intercept"]))
    if doc["input"] is not None:
        from ..tables import check_input_spec

        try:
            check_input_spec(doc["input"], names, classes)
        except ValueError as exc:
            _fail(f"input: {exc}")
    design = None
    if doc.get("design") is not None:
        from ..tables import DesignSpec

        try:
            design = DesignSpec.from_dict(doc["design"])
        except ValueError as exc:
            _fail(f"design: {exc}")
        if design.names != names:
            _fail("design: its terms do not match features.names")
    return {
        "classes": classes,
        "W": W,
        "b": b,
        "mean": mean,
        "scale": scale,
        "names": names,
        "design": design,
    }


def _check_params(params: dict[str, Any]) -> None:
    """The constructor parameters prediction does not use, checked without scikit-learn.

    The estimator checks them again when it is built (``SavedModel.estimator``);
    checking here keeps a tampered file refused when it is read, whichever face
    (estimator or predictor) is then used.
    """
    from ..optim import OPTIMIZERS
    from ..stats import COV_TYPES

    if params["learning_rate"] is not None:
        _num(params["learning_rate"], "params.learning_rate", positive=True)
    opt = params["optimizer"]
    if opt is not None and (not isinstance(opt, str) or opt not in OPTIMIZERS):
        _fail(f"params.optimizer {opt!r} is not one of {sorted(OPTIMIZERS)} or null")
    _int(params["batch_size"], "params.batch_size", lo=1, optional=True)
    _int(params["random_state"], "params.random_state", optional=True)
    if params["random_state"] is not None and params["random_state"] >= 2**32:
        _fail(f"params.random_state must be below 2**32, not {params['random_state']}")
    for key in ("warm_start", "record_path", *(k for k in ("firth",) if k in params)):
        _bool(params[key], f"params.{key}")
    if params["inference"] != "auto":
        _bool(params["inference"], "params.inference")
    cov = params.get("cov_type", "nonrobust")
    if not isinstance(cov, str) or cov not in COV_TYPES:
        _fail(f"params.cov_type {cov!r} is not one of {list(COV_TYPES)}")


def _check_inference(data: dict[str, Any], W: Any, b: Any, fit_intercept: bool) -> None:
    """The stored inference must describe these coefficients (no hand-edited mismatch)."""
    from ..stats import InferenceResult

    try:
        res = InferenceResult.from_dict(data)
    except (KeyError, TypeError, ValueError) as exc:
        _fail(f"inference: not a valid inference record ({exc!s:.80})")
    if not (math.isfinite(res.nobs) and res.nobs > 0):
        _fail(f"inference: nobs must be a positive number, not {res.nobs!r}")
    for name in ("log_likelihood", "null_log_likelihood", "alpha"):
        if not math.isfinite(getattr(res, name)):
            _fail(f"inference: {name} must be a finite number")
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    full = np.column_stack([b, W]) if fit_intercept else W
    expected = full if len(full) == 1 else full[1:] - full[0]  # reference parameterisation
    if res.coef.shape != expected.shape or not np.allclose(
        res.coef, expected, rtol=1e-6, atol=1e-9
    ):
        _fail("inference: its coefficients do not match the model's coef/intercept")
    p = res.coef.size
    if res.cov is not None and res.cov.shape != (p, p):
        _fail(f"inference: covariance must be {p} x {p}, not {res.cov.shape}")
    if res.cov is not None and not np.all(np.isfinite(res.cov)):
        _fail("inference: the covariance has non-finite entries")


def _len(v: Any) -> str:
    return str(len(v)) if isinstance(v, list) else type(v).__name__


def from_document(doc: Any) -> io.SavedModel:
    """Validate a parsed document; the model's predictor now, its estimator on first use."""
    from ..classifier import Predictor

    arrs = check_document(doc)
    obj, params, fit = doc["objective"], doc["params"], doc["fit"]
    dtype = np.dtype(doc["dtype"])
    predictor = Predictor(
        arrs["classes"],
        arrs["W"].astype(dtype),
        arrs["b"].astype(dtype),
        threshold=params["threshold"],
        fit_intercept=obj["fit_intercept"],
        has_offset=bool(fit.get("offset", False)),
        design=arrs["design"],
        feature_names=arrs["names"] if doc["features"]["names_in_estimator"] else None,
        inference=doc["inference"],
    )
    meta = {"library_version": doc["library_version"], "format_version": doc["format_version"]}
    return io.SavedModel(
        lambda: _estimator(doc, arrs),
        predictor,
        doc["input"],
        doc["inference"],
        fit["n_samples"],
        meta,
    )


def _estimator(doc: dict[str, Any], arrs: dict[str, Any]) -> Any:
    """The fitted estimator of a checked document (imports scikit-learn)."""
    from ..classifier import NeuronClassifier

    obj, params, fit = doc["objective"], doc["params"], doc["fit"]
    classes = arrs["classes"]
    cw = obj["class_weight"]
    if isinstance(cw, dict):
        cw = {_as_label(k, classes.dtype): w for k, w in cw["pairs"]}
    pf = obj.get("penalty_factor")
    est = NeuronClassifier(
        alpha=obj["alpha"],
        l1_ratio=obj.get("l1_ratio", 0.0),
        penalty_factor=None if pf is None else np.asarray(pf, dtype=np.float64),
        fit_intercept=obj["fit_intercept"],
        standardize=obj["standardize"],
        class_weight=cw,
        **params,
    )
    try:
        est._validate_params()
    except ValueError as exc:
        _fail(f"params: {str(exc).splitlines()[0]}")
    dtype = np.dtype(doc["dtype"])
    est.classes_ = classes
    est.coef_ = arrs["W"].astype(dtype)
    est.intercept_ = arrs["b"].astype(dtype)
    est.mean_, est.scale_ = arrs["mean"], arrs["scale"]
    est.n_features_in_ = len(arrs["names"])
    if doc["features"]["names_in_estimator"]:
        est.feature_names_in_ = np.array(arrs["names"], dtype=object)
    est.n_iter_ = fit["n_iter"]
    est.converged_ = fit["converged"]
    est.grad_norm_ = float(fit["grad_norm"])
    est.loss_ = float(fit["loss"])
    est.solver_ = fit["solver"]
    est.history_ = {}
    if fit["n_samples"] is not None:
        est.n_samples_fit_ = fit["n_samples"]
    est.has_offset_ = bool(fit.get("offset", False))
    if arrs["design"] is not None:
        est.design_ = arrs["design"]
        dropped = fit.get("n_dropped")
        est.design_report_ = {} if dropped is None else {"dropped": dropped}
        est.missing, est.encoding = est.design_.missing, est.design_.encoding
        est.reference = dict(est.design_.reference) or None
    if doc["inference"] is not None:
        from ..stats import InferenceResult

        est._set_inference(InferenceResult.from_dict(doc["inference"]))
    return est
