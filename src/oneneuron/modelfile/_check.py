"""Validation of model-file documents (see :mod:`oneneuron.modelfile` for the schema).

Every check raises :class:`oneneuron.modelfile.ModelFileError` naming the field, so a
tampered or damaged file is refused with one clear line instead of a traceback
or, worse, a model that silently predicts something else.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .._version import __version__
from ..wording import counted, noun
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
            _fail(f"{name} lacks the {noun(len(missing), 'key')} {', '.join(missing)}")
        if extra:
            _fail(f"{name} has unknown {noun(len(extra), 'key')} {', '.join(extra)}")
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
    try:  # a fit orders them as np.unique does; coef's rows and proba's columns follow
        ordered = (
            sorted(values) == values if dtype.kind == "O" else bool(np.all(arr[:-1] < arr[1:]))
        )
    except TypeError:  # numbers and text together: no fit gives them
        ordered = False
    if not ordered:
        _fail(
            f"classes.values must be in the order a fit gives them (sorted, as np.unique), "
            f"not {values!r:.80}"
        )
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


#: The deepest nesting of arrays and objects a model file may have (its own go about
#: 8 deep: design terms' transforms, a coefficient path). The JSON parser allows
#: about 1000; an entry the checks pass through (a key of the inference) nested that
#: deep made a loaded model that pickle, deepcopy and joblib cannot handle.
MAX_DEPTH = 64


def _check_depth(doc: Any) -> None:
    """Refuse a document nested deeper than :data:`MAX_DEPTH` (iteratively: no recursion)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            _fail(f"arrays or objects nested deeper than {MAX_DEPTH} levels")
        children = node.values() if isinstance(node, dict) else node
        if {list, dict}.isdisjoint(map(type, children)):  # numbers or text: fast, in C
            continue
        stack.extend((c, depth + 1) for c in children if isinstance(c, list | dict))


def check_document(doc: Any) -> dict[str, Any]:
    """Validate a parsed model document; returns the decoded arrays."""
    _check_depth(doc)
    doc = _obj(doc, "the model file")
    if doc.get("format") != io.FORMAT:
        _fail(f"not a oneneuron model file (format is {doc.get('format')!r}, not {io.FORMAT!r})")
    version = doc.get("format_version")
    if type(version) is not int or version not in io.READ_VERSIONS:  # not 2.0, not True
        newer = isinstance(version, int) and version > io.FORMAT_VERSION
        hint = "; upgrade oneneuron" if newer else ""
        _fail(
            f"model format version {version!r} is not supported by oneneuron "
            f"{__version__} (it reads versions "
            f"{', '.join(map(str, io.READ_VERSIONS))}){hint}"
        )
    _obj(doc, "the model file", io.TOP_KEYS, io.OPTIONAL_TOP_KEYS if version >= 2 else ())
    if not isinstance(doc["library_version"], str):
        _fail("library_version must be a string")
    classes = _classes(doc["classes"])
    K = len(classes)
    m = 1 if K == 2 else K
    feats = _obj(doc["features"], "features", {"names", "names_in_estimator"}, ("n_in", "names_in"))
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
        _fail(f"coef must have {counted(m, 'row')} for {K} classes (got {_len(coef)})")
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
    relax = "relax" in params and _bool(params["relax"], "params.relax")
    if relax and not (obj["alpha"] > 0 and obj.get("l1_ratio", 0.0) > 0):
        _fail("params.relax is true but the objective has no L1 term (alpha, l1_ratio > 0)")
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
    if "stop_reason" in fit:
        reason = fit["stop_reason"]
        if not isinstance(reason, str) or "\n" in reason or len(reason) > io.MAX_STOP_REASON_CHARS:
            _fail(
                f"fit.stop_reason must be a string of one line and at most "
                f"{io.MAX_STOP_REASON_CHARS} characters"
            )
    if not isinstance(fit["solver"], str) or fit["solver"] not in _SOLVERS_USED:
        _fail(f"fit.solver {fit['solver']!r} is not one of {sorted(_SOLVERS_USED)}")
    _int(fit["n_iter"], "fit.n_iter")
    _bool(fit["converged"], "fit.converged")
    _num(fit["grad_norm"], "fit.grad_norm", lo=0)
    _num(fit["loss"], "fit.loss", lo=0)
    _int(fit["n_samples"], "fit.n_samples", lo=K, optional=True)
    if doc["inference"] is not None:
        _obj(doc["inference"], "inference")
        stored = doc["inference"].get("classes")
        if stored is not None and not isinstance(stored, list):
            _fail("inference.classes must be a list of the class labels")
        if stored is not None and stored != classes.tolist():
            _fail(f"inference.classes {list(stored)!r} differ from classes {classes.tolist()!r}")
        if relax and np.any(np.asarray(W) != 0):  # with no column kept, nothing was refitted
            _check_relaxed_inference(doc["inference"], W, names, bool(obj["fit_intercept"]))
            header = (0.0, "the relaxed refit's (unpenalised)")
        else:
            firth = params.get("firth", False) is True
            _check_inference(doc["inference"], W, b, bool(obj["fit_intercept"]), firth)
            terms = (["intercept"] if obj["fit_intercept"] else []) + list(names)
            # a file with the command line's older table encoding (input) may name its
            # terms as the fitted arrays' columns (x0, x1, ...): their number is checked
            if doc["input"] is None and doc["inference"]["terms"] != terms:
                _fail(
                    "inference.terms must be the model's (intercept and features.names, in "
                    f"order: {', '.join(terms)[:200]})"
                )
            header = (float(obj["alpha"]), "the model's")
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
    n_in, names_in = _input_columns(feats, design)
    record = None
    if doc.get("path") is not None:
        record = _check_cv_record(doc["path"], obj, names, classes, mean, scale)
    if doc["inference"] is not None:  # after the path, which names a changed alpha better
        _check_header(doc["inference"], params, *header)
    return {
        "classes": classes,
        "W": W,
        "b": b,
        "mean": mean,
        "scale": scale,
        "names": names,
        "design": design,
        "cv_record": record,
        "n_in": n_in,
        "names_in": names_in,
    }


def _input_columns(feats: dict[str, Any], design: Any) -> tuple[int | None, list[str] | None]:
    """``features.n_in`` and ``names_in``: the table's columns of a model with a design.

    Files written before they were stored lack them: the design's input columns
    (those its terms read) stand in. None, None for a model without a design.
    """
    if design is None:
        if "n_in" in feats or "names_in" in feats:
            _fail("features.n_in and features.names_in belong to a model with a design")
        return None, None
    if "n_in" not in feats:
        if "names_in" in feats:
            _fail("features.names_in needs features.n_in")
        used = [c["name"] for c in design.columns]
        return len(used), used
    n_in = feats["n_in"]
    if type(n_in) is not int or n_in < 1:
        _fail(f"features.n_in must be a positive integer, not {n_in!r}")
    names_in = feats.get("names_in")
    if names_in is None:
        return n_in, None
    if not isinstance(names_in, list) or not all(isinstance(n, str) for n in names_in):
        _fail("features.names_in must be null or a list of strings")
    if len(names_in) != n_in or len(set(names_in)) != n_in:
        _fail(f"features.names_in must be {n_in} distinct names (features.n_in)")
    unknown = [c["name"] for c in design.columns if c["name"] not in names_in]
    if unknown:
        _fail(
            f"features.names_in lacks the design's {noun(len(unknown), 'column')} "
            f"{', '.join(map(repr, unknown))}"
        )
    return n_in, names_in


def _array(v: Any, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """A nested list of finite numbers of exactly ``shape`` (the message names the entry)."""

    def walk(x: Any, depth: int, label: str) -> None:
        n = shape[depth]
        inner = depth == len(shape) - 1
        if not isinstance(x, list) or len(x) != n:
            what = "numbers" if inner else "lists"
            _fail(f"{label} must be a list of {n} {what} (got {_len(x)})")
        if not inner:
            for k, e in enumerate(x):
                walk(e, depth + 1, f"{label}[{k}]")
        elif not (
            all(type(e) is float or type(e) is int for e in x)
            and np.all(np.isfinite(np.array(x, dtype=np.float64)))
        ):
            for k, e in enumerate(x):
                _num(e, f"{label}[{k}]")

    walk(v, 0, name)
    return np.array(v, dtype=np.float64).reshape(shape)


def _count(v: Any, name: str, lo: int, hi: int) -> int:
    """The length of the list ``v``, which must be in ``[lo, hi]``."""
    if not isinstance(v, list):
        _fail(f"{name} must be a list, not {type(v).__name__}")
    if not lo <= len(v) <= hi:
        _fail(f"{name} must have between {lo} and {hi} entries, not {len(v)}")
    return len(v)


def _known_scoring(name: Any) -> bool:
    """A scoring name a record may carry: ours, a scikit-learn scorer's, or a callable's."""
    if not isinstance(name, str) or not 0 < len(name) <= io.MAX_SCORING_CHARS:
        return False
    if name in io.CV_SCORINGS or re.fullmatch(r"callable [\w.<>]+", name):
        return True
    from sklearn.metrics import get_scorer_names

    return name in get_scorer_names()


def _check_cv_record(
    p: Any, obj: dict[str, Any], names: list[str], classes: np.ndarray, mean: Any, scale: Any
) -> Any:
    """The cross-validation record (``path``): shapes, ranges, and the choice it claims.

    Returns the decoded fields (NumPy only); :func:`_cv_record` builds the ``CVRecord``.
    """
    from ..classifier import choose_alpha

    p = _obj(p, "path", io.CV_KEYS, io.CV_OPTIONAL_KEYS)
    if not _known_scoring(p["scoring"]):
        _fail(
            f"path.scoring {p['scoring']!r} is not one of {list(io.CV_SCORINGS)}, a "
            "scikit-learn scorer name or 'callable <name>'"
        )
    if p["rule"] not in io.CV_RULES:
        _fail(f"path.rule {p['rule']!r} is not one of {list(io.CV_RULES)}")
    n_l1 = _count(p["l1_ratios"], "path.l1_ratios", 1, io.MAX_CV_L1_RATIOS)
    ratios = _array(p["l1_ratios"], "path.l1_ratios", (n_l1,))
    if np.any((ratios < 0) | (ratios > 1)) or len(set(ratios.tolist())) != n_l1:
        _fail("path.l1_ratios must be distinct numbers in [0, 1]")
    _count(p["alphas"], "path.alphas", n_l1, n_l1)
    n_alphas = _count(p["alphas"][0], "path.alphas[0]", 1, io.MAX_CV_ALPHAS)
    alphas = _array(p["alphas"], "path.alphas", (n_l1, n_alphas))
    if np.any(alphas < 0) or np.any(np.diff(alphas, axis=1) > 0):
        _fail("path.alphas must be non-negative and decreasing along each row")
    _count(p["scores"], "path.scores", n_l1, n_l1)
    n_folds = _count(p["scores"][0], "path.scores[0]", 2, io.MAX_CV_FOLDS)
    if n_l1 * n_folds * n_alphas > io.MAX_CV_SCORES:
        _fail(f"path.scores holds more than {io.MAX_CV_SCORES} numbers")
    scores = _array(p["scores"], "path.scores", (n_l1, n_folds, n_alphas))
    lo, hi = io.CV_SCORE_RANGES.get(p["scoring"], (-np.inf, np.inf))
    if not np.all(np.isfinite(scores)) or np.any(scores < lo) or np.any(scores > hi):
        _fail(f"path.scores must be finite, in [{lo}, {hi}], for scoring {p['scoring']!r}")
    nnz = _array(p["n_nonzero"], "path.n_nonzero", (n_l1, n_alphas))
    if np.any(nnz != np.round(nnz)) or np.any(nnz < 0) or np.any(nnz > len(names)):
        _fail(f"path.n_nonzero must be integers from 0 to {len(names)}")
    alpha, l1_ratio = _num(p["alpha"], "path.alpha"), _num(p["l1_ratio"], "path.l1_ratio")
    if alpha != obj["alpha"] or l1_ratio != obj.get("l1_ratio", 0.0):
        _fail("path.alpha and path.l1_ratio must be the model's (objective.alpha, l1_ratio)")
    i, j = choose_alpha(scores, p["rule"])
    i0, j0 = choose_alpha(scores, p["rule"], ddof=0)  # the narrower 1se of older files
    if (ratios[i] != l1_ratio or alphas[i, j] != alpha) and (
        ratios[i0] != l1_ratio or alphas[i0, j0] != alpha
    ):
        _fail(
            f"path.alpha {alpha!r} (l1_ratio {l1_ratio!r}) is not the choice of rule "
            f"{p['rule']!r} from path.scores (alpha {float(alphas[i, j])!r}, "
            f"l1_ratio {float(ratios[i])!r})"
        )
    path = None
    if p.get("coef_path") is not None:
        path = _check_coef_path(p["coef_path"], alphas[i], nnz[i], obj, names, classes)
        path.update(
            alphas=alphas[i],
            l1_ratio=l1_ratio,
            n_nonzero=nnz[i].astype(np.intp),
            classes=classes,
            feature_names=list(names),
            mean=np.asarray(mean),
            scale=np.asarray(scale),
        )
    return {
        "scoring": p["scoring"],
        "rule": p["rule"],
        "l1_ratios": ratios,
        "alphas": alphas,
        "scores": scores,
        "n_nonzero": nnz.astype(np.intp),
        "alpha": alpha,
        "l1_ratio": l1_ratio,
        "path": path,
    }


def _cv_record(fields: dict[str, Any]) -> Any:
    """The ``CVRecord`` (with its ``RegularizationPath``) of checked ``path`` fields."""
    from ..classifier import CVRecord, RegularizationPath

    path = fields["path"]
    return CVRecord(**dict(fields, path=None if path is None else RegularizationPath(**path)))


def _check_coef_path(
    c: Any, alphas: Any, nnz: Any, obj: dict[str, Any], names: list[str], classes: np.ndarray
) -> dict[str, Any]:
    """``path.coef_path``: the stored columns' coefficients at every alpha, and diagnostics."""
    c = _obj(c, "path.coef_path", io.COEF_PATH_KEYS)
    terms = c["terms"]
    if not isinstance(terms, list) or not all(isinstance(t, str) for t in terms):
        _fail("path.coef_path.terms must be a list of feature names")
    position = {n: k for k, n in enumerate(names)}
    cols = [position.get(t, -1) for t in terms]
    if -1 in cols or cols != sorted(set(cols)):
        _fail("path.coef_path.terms must be distinct names of features.names, in their order")
    n_alphas, m, t = len(alphas), 1 if len(classes) == 2 else len(classes), len(terms)
    if n_alphas * m * t > io.MAX_PATH_COEFS:
        _fail(f"path.coef_path.coef holds more than {io.MAX_PATH_COEFS} numbers")
    if n_alphas * m * len(names) > io.MAX_PATH_CELLS:  # before the dense array exists
        _fail(
            f"path.coef_path would be {n_alphas} x {m} x {len(names)} numbers in memory, more "
            f"than the {io.MAX_PATH_CELLS} a model file's path may hold"
        )
    stored = _array(c["coef"], "path.coef_path.coef", (n_alphas, m, t))
    coef = np.zeros((n_alphas, m, len(names)))
    coef[:, :, cols] = stored
    if np.any(np.count_nonzero(np.any(coef != 0, axis=1), axis=1) != nnz):
        _fail("path.n_nonzero does not match the non-zero columns of path.coef_path.coef")
    intercept = _array(c["intercept"], "path.coef_path.intercept", (n_alphas, m))
    if not obj["fit_intercept"] and np.any(intercept != 0):
        _fail("path.coef_path.intercept must be zero when objective.fit_intercept is false")
    out: dict[str, Any] = {"coef": coef, "intercept": intercept}
    out["alpha_max"] = _num(c["alpha_max"], "path.coef_path.alpha_max", lo=0)
    for key in ("deviance_explained", "loss", "kkt", "n_passes"):
        out[key] = _array(c[key], f"path.coef_path.{key}", (n_alphas,))
        if key != "deviance_explained" and np.any(out[key] < 0):
            _fail(f"path.coef_path.{key} must be >= 0")
    if np.any(out["deviance_explained"] > 1):
        _fail("path.coef_path.deviance_explained must be at most 1")
    return out


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


def _inference_record(data: dict[str, Any], fit_intercept: bool, firth: bool = False) -> Any:
    """The stored inference as an ``InferenceResult``, its scalars checked (and the
    ``extra`` entries the summary reads: see :func:`_check_extra`)."""
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
    for name in ("log_likelihood", "null_log_likelihood"):  # sums of log-probabilities
        if getattr(res, name) > 1e-9 * max(1.0, res.nobs):
            _fail(f"inference: {name} must be <= 0 (a sum of log-probabilities)")
    if res.cov is not None:
        cov = np.asarray(res.cov, dtype=np.float64)
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or not np.all(np.isfinite(cov)):
            _fail("inference: the covariance must be a square matrix of finite numbers")
        scale = float(np.max(np.abs(cov), initial=0.0))
        if not np.allclose(cov, cov.T, rtol=1e-9, atol=1e-12 * scale) or np.any(
            np.diagonal(cov) < 0
        ):
            _fail("inference: the covariance must be symmetric with a non-negative diagonal")
    if not np.all(np.isfinite(res.coef)):
        _fail("inference: the coefficients have non-finite entries")
    aliased = res.extra.get("aliased", 0)
    if (
        not isinstance(aliased, int)
        or isinstance(aliased, bool)
        or not 0 <= aliased < max(res.coef.shape[-1], 1)
    ):
        _fail(f"inference: extra.aliased must be a whole number of terms, not {aliased!r}")
    named = res.extra.get("aliased_terms")
    if named is not None and (
        not isinstance(named, list)
        or len(named) != aliased
        or any(isinstance(j, bool) or not isinstance(j, int) for j in named)
        or len(set(named)) != len(named)
        or not all(0 <= j < res.coef.shape[-1] for j in named)
    ):
        _fail(
            "inference: extra.aliased_terms must list extra.aliased distinct term positions, "
            f"not {named!r}"
        )
    if "data" in res.extra:
        why = _fingerprint_problem(res.extra["data"])
        if why or len(res.extra["data"]["class_sums"]) != len(res.classes):
            _fail(f"inference: extra.data {why or 'needs one class sum per class'}")
    _check_extra(res, fit_intercept, firth)
    return res


def _check_extra(res: Any, fit_intercept: bool, firth: bool) -> None:
    """The ``extra`` entries that the summary, its caption and the tests read: each of its
    type and range, and consistent with the model (``fit_intercept``; Firth's entries only
    for a ``firth=True`` model). A tampered entry was printed as it stood: p-values of 5
    and -2, a null deviance of -inf, a Firth caption on a maximum-likelihood fit."""
    extra = res.extra
    for key in ("firth", "offset", "fit_intercept"):
        if key in extra and not isinstance(extra[key], bool):
            _fail(f"inference: extra.{key} must be true or false, not {extra[key]!r:.40}")
    if extra.get("fit_intercept", fit_intercept) != fit_intercept:
        _fail("inference: extra.fit_intercept differs from objective.fit_intercept")
    if extra.get("firth", False) and not firth:
        _fail("inference: extra.firth is true but the model is not a firth=True fit")
    if firth and not extra.get("firth", False):  # e.g. set_params(firth=True) after a fit
        _fail("params.firth is true but the inference is not a Firth fit's (extra.firth)")
    for key in ("zero_log_likelihood", "penalized_log_likelihood"):
        v = extra.get(key)
        if key in extra and (
            isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
        ):
            _fail(f"inference: extra.{key} must be a finite number, not {v!r:.40}")
    if extra.get("zero_log_likelihood", 0.0) > 1e-9 * max(1.0, res.nobs):
        _fail("inference: extra.zero_log_likelihood must be <= 0 (a sum of log-probabilities)")
    for key, lo in (("n_clusters", 1), ("separated_rows", 0)):
        v = extra.get(key)
        if key in extra and (isinstance(v, bool) or not isinstance(v, int) or v < lo):
            _fail(f"inference: extra.{key} must be an integer >= {lo}, not {v!r:.40}")
    if "note" in extra and not isinstance(extra["note"], str):
        _fail("inference: extra.note must be a string")
    edf = extra.get("edf")  # a penalised fit's effective degrees of freedom (df_resid)
    if "edf" in extra and (
        isinstance(edf, bool)
        or not isinstance(edf, int | float)
        or not 0 <= edf <= res.coef.size + len(res.classes)
        or res.alpha <= 0
    ):
        _fail(
            f"inference: extra.edf must be a penalised fit's effective degrees of freedom, "
            f"between 0 and the number of coefficients, not {edf!r:.40}"
        )
    p = extra.get("lr_p_values")
    if p is not None:
        if not extra.get("firth", False):
            _fail("inference: extra.lr_p_values belong to a Firth fit (extra.firth true)")
        if (
            not isinstance(p, list)
            or len(p) != res.coef.size
            or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1 for v in p
            )
        ):
            _fail(
                f"inference: extra.lr_p_values must be {res.coef.size} p-values in [0, 1] "
                "(one per coefficient)"
            )


def _fingerprint_problem(data: Any) -> str:
    """What is wrong with a stored ``extra["data"]`` (the fit's data sums); "" if nothing."""
    if not isinstance(data, dict) or not set(data) <= {
        "class_rows",
        "class_sums",
        "sum_w2",
        "offset",
    }:
        return "must be a record of class_rows, class_sums, sum_w2 and offset"

    def numbers(v: Any, n: int | None) -> bool:
        ok = isinstance(v, list) and (n is None or len(v) == n)
        return ok and all(
            isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x) for x in v
        )

    if not numbers(data.get("class_sums"), None) or min(data["class_sums"], default=-1) < 0:
        return "class_sums must be a list of non-negative numbers"
    rows = data.get("class_rows", [])
    if "class_rows" in data and (
        not isinstance(rows, list)
        or len(rows) != len(data["class_sums"])
        or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in rows)
    ):
        return "class_rows must be one whole number per class"
    if "sum_w2" in data and not numbers([data["sum_w2"]], 1):
        return "sum_w2 must be a finite number"
    if "offset" in data and not numbers(data["offset"], 3):
        return "offset must be three finite numbers"
    return ""


def _check_covariance(res: Any) -> None:
    p = res.coef.size
    if res.cov is not None and res.cov.shape != (p, p):
        _fail(f"inference: covariance must be {p} x {p}, not {res.cov.shape}")
    if res.cov is not None and not np.all(np.isfinite(res.cov)):
        _fail("inference: the covariance has non-finite entries")
    L = res.cov_root
    if L is None:
        return
    if res.cov is None or L.shape != (p, p) or not np.all(np.isfinite(L)):
        _fail(
            f"inference: cov_root must be a {p} x {p} matrix of finite numbers beside a covariance"
        )
    scale = float(np.max(np.abs(res.cov), initial=0.0))
    if not np.allclose(L @ L.T, res.cov, rtol=1e-6, atol=1e-9 * scale):
        _fail("inference: cov_root must be a factor of the covariance (cov = L L')")


#: What a fit's separation check found (``InferenceResult.separation``).
_SEPARATIONS = ("none", "quasi-complete", "complete", "not checked")


def _check_header(data: dict[str, Any], params: dict[str, Any], alpha: float, whose: str) -> None:
    """The inference's description of its fit, which the summary prints, must be the
    model's: its covariance type, its penalty, a known separation outcome and a reason
    that is text (a tampered one was printed as it stood)."""
    cov = params.get("cov_type", "nonrobust")  # (older records may lack these two keys)
    if "cov_type" in data and data["cov_type"] != cov:
        _fail(f"inference.cov_type {data.get('cov_type')!r:.40} is not params.cov_type {cov!r}")
    if "alpha" in data and data["alpha"] != alpha:
        _fail(f"inference.alpha {data.get('alpha')!r:.40} is not {whose} {alpha!r}")
    sep = data.get("separation", "not checked")
    if sep not in _SEPARATIONS:
        _fail(f"inference.separation {sep!r:.40} is not one of {list(_SEPARATIONS)}")
    if not isinstance(data.get("reason", ""), str):
        _fail("inference.reason must be a string")


def _check_relaxed_inference(data: dict[str, Any], W: Any, names: list[str], icpt: bool) -> None:
    """``relax=True``: the inference is the unpenalised refit on the columns ``W`` keeps."""
    res = _inference_record(data, icpt)
    kept = np.flatnonzero(np.any(np.asarray(W) != 0, axis=0))
    terms = (["intercept"] if icpt else []) + [names[j] for j in kept]
    if list(res.terms) != terms:
        _fail(
            "inference: the relaxed refit's terms must be the columns the L1 fit kept "
            f"({', '.join(terms) or 'none'}), not {', '.join(map(str, res.terms))}"
        )
    rows = 1 if len(W) == 1 else len(W) - 1  # reference parameterisation
    if res.coef.shape != (rows, len(terms)):
        _fail(f"inference: the relaxed refit's coefficients must be {rows} x {len(terms)}")
    _check_covariance(res)


def _check_inference(
    data: dict[str, Any], W: Any, b: Any, fit_intercept: bool, firth: bool = False
) -> None:
    """The stored inference must describe these coefficients (no hand-edited mismatch)."""
    res = _inference_record(data, fit_intercept, firth)
    W = np.asarray(W, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    full = np.column_stack([b, W]) if fit_intercept else W
    expected = full if len(full) == 1 else full[1:] - full[0]  # reference parameterisation
    if res.coef.shape != expected.shape or not np.allclose(
        res.coef, expected, rtol=1e-6, atol=1e-9
    ):
        _fail("inference: its coefficients do not match the model's coef/intercept")
    _check_covariance(res)


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
        l1_fit=obj["alpha"] > 0 and obj.get("l1_ratio", 0.0) > 0,
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
    # as a fit sets it (ones without factors): a second save keeps the factors
    est.penalty_factor_ = np.ones(len(arrs["names"])) if pf is None else np.asarray(pf, float)
    if arrs["design"] is not None:  # the table's columns; the coded ones are the design's
        est.n_features_in_ = arrs["n_in"]
        if arrs["names_in"] is not None:
            est.feature_names_in_ = np.array(arrs["names_in"], dtype=object)
    elif doc["features"]["names_in_estimator"]:
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
    if "stop_reason" in fit:
        est.stop_reason_ = fit["stop_reason"]
    if arrs["cv_record"] is not None:
        est.cv_record_ = _cv_record(arrs["cv_record"])
    if arrs["design"] is not None:
        est.design_ = arrs["design"]
        dropped = fit.get("n_dropped")
        est.design_report_ = {} if dropped is None else {"dropped": dropped}
        est.missing, est.encoding = est.design_.missing, est.design_.encoding
        est.reference = dict(est.design_.reference) or None
    if doc["inference"] is not None:
        from ..stats import InferenceResult

        est._set_inference(InferenceResult.from_dict(doc["inference"]))
    est._remember_fitted_params()  # the file's parameters describe its model
    return est
