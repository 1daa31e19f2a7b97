"""Model files: a fitted :class:`NeuronClassifier` as versioned JSON (never pickle): read, write.

A model file is one JSON object. It cannot run code when loaded, and loading
validates every field (types, shapes, finiteness, consistency between them), so
a truncated, corrupted, wrong-version or hand-edited-inconsistent file gives a
:class:`ModelFileError` whose one-line message names the problem.

Schema, ``format_version`` 2 (top-level keys; version-1 files, which lack
``design`` and ``path``, are still read)::

    format            "oneneuron-model"
    format_version    2
    library_version   oneneuron version that wrote the file
    classes           {"dtype": numpy dtype string, "values": [...]}   (K >= 2 labels)
    features          {"names": [d strings], "names_in_estimator": bool}: the model's
                      columns (``feature_names_out_``, the columns of coef); with a
                      design, optionally "n_in" and "names_in" (null or n_in strings):
                      the table's input columns (``n_features_in_``,
                      ``feature_names_in_``). Older files lack them; their models
                      load with the design's input columns there.
    dtype             "float64" or "float32" (dtype of coef and intercept)
    coef              (1, d) binary or (K, d) nested list, original scale
    intercept         (1,) or (K,)
    standardization   {"mean": [d], "scale": [d]}   (the estimator's mean_, scale_)
    objective         {"alpha", "fit_intercept", "standardize", "class_weight"}, optionally
                      "l1_ratio" (default 0) and "penalty_factor" (d numbers or null)
    params            the remaining constructor parameters (solver, tol, threshold, ...;
                      ``cov_type``, ``firth`` and ``relax`` optional: older files lack them)
    fit               {"solver", "n_iter", "converged", "grad_norm", "loss", "n_samples"}
                      and optionally "offset" (true: the model needs an offset to predict),
                      "n_dropped" (rows missing="drop" left out, or null) and
                      "stop_reason" (``stop_reason_``, one line; older files lack it and
                      load without ``stop_reason_``)
    input             null, or the table encoding used by the command line
                      (columns, numeric/categorical, categories, imputation, target)
    inference         null, or the fit's inference (``InferenceResult.to_dict()``: terms,
                      coefficients, covariance, likelihoods); written whenever the
                      estimator has ``inference_``, checked against the coefficients
                      on load (so are its terms, the model's columns in order; its
                      cov_type and alpha, the model's; and the ``extra`` entries the
                      summary reads: types, ranges, Firth's only on a ``firth`` model),
                      and restored as
                      ``inference_`` (so ``summary()`` works).
                      With ``params.relax`` true it is the relaxed refit's (``relax=True``):
                      its terms must be the columns the L1 fit kept; its labelled note
                      comes back with it. A loaded model has no ``relaxed_`` estimator.
    design            null, or the design spec of a model fitted on a table (version 2)
    path              null, or (version 2) the cross-validation record of a model saved
                      from a ``NeuronClassifierCV`` (restored as ``cv_record_``, a
                      :class:`oneneuron.classifier.CVRecord`):
        scoring       "neg_log_loss", "accuracy", "roc_auc", another scikit-learn scorer
                      name, or "callable <name>" (higher is better)
        rule          "min" or "1se"
        l1_ratios     [n_l1] distinct numbers in [0, 1]
        alphas        [n_l1][n_alphas] each l1_ratio's grid, decreasing
        scores        [n_l1][n_folds][n_alphas] every fold's held-out score (the mean and
                      std of the CV curve are taken over folds; n_folds >= 2)
        n_nonzero     [n_l1][n_alphas] features non-zero in the full data's fit
        alpha, l1_ratio   the chosen pair: objective.alpha and objective.l1_ratio, and
                      what ``rule`` picks from ``scores`` (checked on load)
        coef_path     null, or the full data's path at the chosen l1_ratio:
                      {"terms": the features non-zero at some alpha (in features.names
                      order; the others are zero all along), "coef": [n_alphas][m][terms]
                      original scale, "intercept": [n_alphas][m], "alpha_max",
                      "deviance_explained", "loss", "kkt", "n_passes": [n_alphas]};
                      null when it would hold more than MAX_PATH_COEFS (2e6) numbers,
                      or n_alphas x m x d (its dense size once loaded) is above
                      MAX_PATH_CELLS (2**25); a file beyond either bound is refused

Fields that other features add go in as *optional* keys of an existing object
(``params.cov_type``, ``objective.l1_ratio``/``penalty_factor``, ``fit.offset``):
an older file lacks them and gets the defaults, so adding one needs no new version.

Reading is bounded: only a regular file (not a device, pipe or socket) of at most
:data:`MAX_MODEL_BYTES` (512 MiB) is read; a file whose first 64 KiB are not the
start of a JSON value is refused at once and named for what it looks like (a CSV
or Parquet data table, compressed or binary data); nesting deeper than the JSON
parser's recursion limit and integers of more than :data:`MAX_INT_DIGITS` digits
are refused while parsing. Whatever the file holds, :func:`load` raises
:class:`ModelFileError` and nothing else.

Floats are written with Python's shortest round-trip repr, so a loaded model
predicts bitwise identically to the saved one. Files are written atomically
(a temporary file in the same folder, then a rename) and an existing file is
never replaced unless ``overwrite=True``.

Examples
--------
>>> import os, tempfile
>>> import oneneuron
>>> from oneneuron.datasets import load_exam_scores
>>> X, y, names = load_exam_scores()
>>> clf = oneneuron.NeuronClassifier().fit(X, y)
>>> path = os.path.join(tempfile.mkdtemp(), "exam.json")
>>> clf.save(path)
>>> again = oneneuron.load(path)
>>> bool((again.predict_proba(X) == clf.predict_proba(X)).all())
True
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path
from typing import Any

import numpy as np

from .._version import __version__
from ..tables import atomic_write_text, feature_names

__all__ = ["save", "load", "read_model", "write_model"]

from ._check import check_document, from_document
from ._schema import (
    FORMAT,
    FORMAT_VERSION,
    MAX_PATH_CELLS,
    MAX_PATH_COEFS,
    MAX_STOP_REASON_CHARS,
    OPTIONAL_PARAM_KEYS,
    PARAM_KEYS,
    ModelFileError,
    SavedModel,
    other_format,
)


# ------------------------------------------------------------------ write
def _json_scalar(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        raise ModelFileError(f"cannot store the non-finite value {v!r} in a model file")
    if v is None or isinstance(v, bool | int | float | str):
        return v
    raise ModelFileError(f"cannot store a value of type {type(v).__name__} in a model file")


def _floats(a: Any) -> Any:
    arr = np.asarray(a, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ModelFileError("the model has non-finite coefficients or statistics; refit it")
    return arr.tolist()


def _penalty_factor(estimator: Any) -> Any:
    """The fitted per-feature penalty factors (a dict resolved by name), or None."""
    if estimator.penalty_factor is None:
        return None
    pf = getattr(estimator, "penalty_factor_", None)
    return None if pf is None else _floats(pf)


def _stop_reason(estimator: Any) -> dict[str, str]:
    """``{"stop_reason": ...}`` when the estimator knows why its solver stopped (one line)."""
    reason = getattr(estimator, "stop_reason_", None)
    if not isinstance(reason, str):
        return {}
    return {"stop_reason": " ".join(reason.split())[:MAX_STOP_REASON_CHARS]}


def _design(estimator: Any) -> dict[str, Any] | None:
    spec = getattr(estimator, "design_", None)
    if spec is None:
        return None
    try:
        return spec.to_dict()
    except ValueError as exc:
        raise ModelFileError(str(exc)) from None


def to_dict(
    estimator: Any,
    *,
    input: dict[str, Any] | None = None,
    inference: dict[str, Any] | None = None,
    n_samples: int | None = None,
) -> dict[str, Any]:
    """The JSON-ready dictionary of a fitted estimator (see the module docstring).

    A fitted ``NeuronClassifierCV`` is written as its ``best_estimator_`` with its
    ``cv_record_``; a ``NeuronClassifier`` loaded from such a file keeps its record.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)
    record = getattr(estimator, "cv_record_", None)
    estimator = getattr(estimator, "best_estimator_", estimator)
    classes = np.asarray(estimator.classes_)
    has_names = hasattr(estimator, "feature_names_in_")
    features: dict[str, Any] = {}
    if getattr(estimator, "design_", None) is not None:  # coded columns; the table's too
        names = [str(n) for n in estimator.design_.names]
        has_names = True  # the estimator names its model columns (feature_names_out_)
        names_in = getattr(estimator, "feature_names_in_", None)
        features["n_in"] = int(estimator.n_features_in_)
        features["names_in"] = None if names_in is None else [str(n) for n in names_in]
    elif has_names:
        names = [str(n) for n in estimator.feature_names_in_]
    elif input is not None:
        names = feature_names(input)
    else:
        names = [f"x{j}" for j in range(estimator.n_features_in_)]
    cw = estimator.class_weight
    if isinstance(cw, dict):
        cw = {"pairs": [[_json_scalar(k), float(w)] for k, w in cw.items()]}
    rs = estimator.random_state
    params = {k: getattr(estimator, k) for k in PARAM_KEYS + OPTIONAL_PARAM_KEYS}
    params["random_state"] = rs if rs is None or isinstance(rs, int) else None
    if inference is None and getattr(estimator, "inference_", None) is not None:
        inference = estimator.inference_.to_dict()
    if inference is not None and not isinstance(inference, dict):
        raise ModelFileError("inference must be a dict (a JSON object) or None")
    if n_samples is None:
        n_samples = getattr(estimator, "n_samples_fit_", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "library_version": __version__,
        "classes": {"dtype": classes.dtype.str, "values": [_json_scalar(c) for c in classes]},
        "features": {"names": names, "names_in_estimator": has_names, **features},
        "dtype": np.dtype(estimator.coef_.dtype).name,
        "coef": _floats(estimator.coef_),
        "intercept": _floats(estimator.intercept_),
        "standardization": {"mean": _floats(estimator.mean_), "scale": _floats(estimator.scale_)},
        "objective": {
            "alpha": float(estimator.alpha),
            "fit_intercept": bool(estimator.fit_intercept),
            "standardize": bool(estimator.standardize),
            "class_weight": cw,
            "l1_ratio": float(estimator.l1_ratio),
            "penalty_factor": _penalty_factor(estimator),
        },
        "params": {k: _json_scalar(v) for k, v in params.items()},
        "fit": {
            "solver": estimator.solver_,
            "n_iter": int(estimator.n_iter_),
            "converged": bool(estimator.converged_),
            "grad_norm": _json_scalar(float(estimator.grad_norm_)),
            "loss": _json_scalar(float(getattr(estimator, "loss_", float("nan")))),
            "n_samples": None if n_samples is None else int(n_samples),
            "offset": bool(getattr(estimator, "has_offset_", False)),
            "n_dropped": getattr(estimator, "design_report_", {}).get("dropped"),
            **_stop_reason(estimator),
        },
        "input": input,
        "inference": inference,
        "design": _design(estimator),
        "path": None if record is None else _cv_record(record, names),
    }


def _cv_record(record: Any, names: list[str]) -> dict[str, Any]:
    """The ``path`` object of a model chosen by cross-validation (see the module docstring)."""
    return {
        "scoring": record.scoring,
        "rule": record.rule,
        "l1_ratios": _floats(record.l1_ratios),
        "alphas": _floats(record.alphas),
        "scores": _floats(record.scores),
        "n_nonzero": np.asarray(record.n_nonzero, dtype=np.int64).tolist(),
        "alpha": float(record.alpha),
        "l1_ratio": float(record.l1_ratio),
        "coef_path": _coef_path(record.path, names),
    }


def _coef_path(path: Any, names: list[str]) -> dict[str, Any] | None:
    """The path's coefficients on the columns non-zero at some alpha, or None if too large."""
    if path is None:
        return None
    coef = np.asarray(path.coef, dtype=np.float64)  # (n_alphas, m, d)
    if coef.shape[2] != len(names):
        raise ModelFileError(f"the coefficient path has {coef.shape[2]} columns, not {len(names)}")
    cols = np.flatnonzero(np.any(coef != 0, axis=(0, 1)))
    if coef.shape[0] * coef.shape[1] * len(cols) > MAX_PATH_COEFS or coef.size > MAX_PATH_CELLS:
        return None
    return {
        "alpha_max": float(path.alpha_max),
        "terms": [names[j] for j in cols],
        "coef": _floats(coef[:, :, cols]),
        "intercept": _floats(path.intercept),
        "deviance_explained": _floats(path.deviance_explained),
        "loss": _floats(path.loss),
        "kkt": _floats(path.kkt),
        "n_passes": _floats(path.n_passes),
    }


def write_model(
    estimator: Any,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    input: dict[str, Any] | None = None,
    inference: dict[str, Any] | None = None,
    n_samples: int | None = None,
) -> None:
    """Write a model file atomically; see :func:`save` (this adds the command line's extras)."""
    suffix = other_format(path)
    if suffix is not None:  # before anything is written or replaced
        raise ValueError(
            f"{os.fspath(path)} names a {suffix[1:]} file, but a model file is JSON: name it "
            ".json (e.g. model.json)"
        )
    doc = to_dict(estimator, input=input, inference=inference, n_samples=n_samples)
    try:
        check_document(doc)  # never write a file that load() would refuse
    except ModelFileError as exc:  # the estimator's own state disagrees with itself
        raise ModelFileError(
            f"cannot save this model: {exc}. Its fitted state disagrees with itself: if a "
            "parameter was changed after the fit (set_params), or a fitted attribute by "
            "hand, they no longer describe its coefficients: refit before saving"
        ) from None
    long = _long_integer(doc)
    if long is not None:
        name, digits = long[0].rsplit(".", 1)[-1], len(str(abs(long[1])))
        raise ModelFileError(
            f"cannot save this model: its {name} is an integer of {digits} digits, and model "
            f"files hold integers of at most {MAX_INT_DIGITS} digits (MAX_INT_DIGITS); set "
            f"{name} to a smaller number"
        )
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    size = len(text.encode("utf-8"))
    if size > MAX_MODEL_BYTES:
        raise ModelFileError(
            f"the model file would be {size >> 20} MiB, above the {MAX_MODEL_BYTES >> 20} MiB "
            "limit of model files (see MAX_MODEL_BYTES); refit with inference=False"
        )
    atomic_write_text(Path(path), text, overwrite=overwrite)


def _long_integer(doc: Any, key: str = "") -> tuple[str, int] | None:
    """The first integer of ``doc`` (its dotted key, its value) with more digits than
    a model file holds (:data:`MAX_INT_DIGITS`, which :func:`read_model` refuses), or
    None: a parameter such as ``max_iter=10**30`` would make a file no one can load."""
    if isinstance(doc, dict):
        items: Any = doc.items()
    elif isinstance(doc, list):
        items = enumerate(doc)
    else:
        ok = not isinstance(doc, int) or len(str(abs(doc))) <= MAX_INT_DIGITS
        return None if ok else (key, doc)
    for k, v in items:
        found = _long_integer(v, f"{key}.{k}" if key else str(k))
        if found is not None:
            return found
    return None


def save(estimator: Any, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
    """Save a fitted :class:`NeuronClassifier` to a JSON model file.

    Parameters
    ----------
    estimator : NeuronClassifier
        A fitted estimator.
    path : str or path-like
        Destination; written atomically.
    overwrite : bool, default=False
        Replace an existing file. Otherwise an existing file raises
        :class:`FileExistsError` and is left untouched.

    Raises
    ------
    ValueError
        If ``path`` names a table's, report's or figure's format (``.csv``,
        ``.parquet``, ``.html``, also compressed: ``.csv.gz``): a model file is JSON,
        and such a name may be the user's table. Nothing is written.
    """
    write_model(estimator, path, overwrite=overwrite)


# ------------------------------------------------------------------- read
def _no_constants(name: str) -> Any:
    raise ModelFileError(f"the file contains {name}, which is not valid JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise ModelFileError(f"key {k!r} appears twice")
        out[k] = v
    return out


#: The largest model file read or written: 512 MiB. A model file is dominated by
#: its covariance, p^2 numbers of at most 26 bytes each (shortest repr, indent,
#: separators) for p parameters, so this holds the inference of any model up to
#: p of about 4,600; a larger model is saved without inference (``inference=False``).
#: Reading never takes more than this (plus the parse), whatever the path names.
MAX_MODEL_BYTES = 512 * 2**20

#: Integers in a model file are counts, versions and labels: more digits than an
#: int64 has cannot be one of them (and huge ones would be slow to parse).
MAX_INT_DIGITS = 20

_HEAD_BYTES = 1 << 16


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ModelFileError(f"it holds an integer of {len(text.lstrip('-'))} digits")
    return int(text)


def _read_bytes(p: Path) -> bytes:
    """The file's bytes: a regular file only, at most :data:`MAX_MODEL_BYTES`, and
    refused after its first 64 KiB when they are not the start of a JSON object."""
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO must not block
    except FileNotFoundError:
        if str(p) == "-":
            raise ModelFileError(
                "cannot read a model from standard input (-): name the model file (a file "
                "named - is ./-)"
            ) from None
        raise ModelFileError(f"model file {p} does not exist") from None
    except IsADirectoryError:
        raise ModelFileError(f"model file {p} is a folder") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {p}: {exc.strerror}") from None
    try:  # checked before fdopen, which refuses a folder naming the descriptor, not p
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ModelFileError(f"model file {p} is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise ModelFileError(f"model file {p} is not a regular file (a device, pipe or socket)")
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as fh:
        try:
            head = fh.read(_HEAD_BYTES)
            _sniff(p, head)
            # in blocks: read(n) asks for n bytes at once, and n is the 512 MiB limit
            blocks, total = [head], len(head)
            while total <= MAX_MODEL_BYTES:
                block = fh.read(min(1 << 22, MAX_MODEL_BYTES + 1 - total))
                if not block:
                    break
                blocks.append(block)
                total += len(block)
        except OSError as exc:
            raise ModelFileError(f"cannot read model file {p}: {exc.strerror}") from None
    data = b"".join(blocks)
    if len(data) > MAX_MODEL_BYTES:
        raise ModelFileError(
            f"{p} is larger than {MAX_MODEL_BYTES >> 20} MiB, the limit of model files"
        )
    return data


def _sniff(p: Path, head: bytes) -> None:
    """Refuse at once a file that cannot be a model file, naming what it looks like."""
    start = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    if start.startswith((b"{", b"[", b'"')) or not start:
        return  # JSON: the parser and the checks say what is wrong with it
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        what = "UTF-16 text; save it as UTF-8"
    elif head.startswith(b"PAR1"):
        what = "a Parquet data table"
    elif head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"PK\x03\x04", b"\x28\xb5\x2f\xfd")):
        what = "a compressed file"
    else:
        first = start[:4096].split(b"\n", 1)[0]
        try:
            first.decode("utf-8")
            binary = b"\0" in first
        except UnicodeDecodeError:
            binary = len(first) < 4000  # not a multi-byte character cut at the end
        if binary:
            what = "binary data (not UTF-8 text)"
        elif b"," in first or b"\t" in first:
            what = "a data table (CSV/TSV)"
        else:
            return
    raise ModelFileError(
        f"{p} is not a oneneuron model file: it looks like {what} (model files are the "
        "JSON written by 'oneneuron train' or save())"
    )


def read_model(path: str | os.PathLike[str]) -> SavedModel:
    """Read and validate a model file; returns a :class:`SavedModel`.

    Only a regular file of at most :data:`MAX_MODEL_BYTES` is read; a file whose
    start is not a JSON object is refused after its first 64 KiB.

    Raises
    ------
    ModelFileError
        If the file cannot be read, is not a oneneuron model file, has an
        unsupported format version, or any field is missing, malformed or
        inconsistent with the others. The message names the file and the field.
    """
    p = Path(path)
    data = _read_bytes(p)
    try:
        text = data.decode("utf-8-sig")  # an editor's byte-order mark is not content
    except UnicodeDecodeError:
        raise ModelFileError(f"{p} is not a oneneuron model file (not UTF-8 text)") from None
    try:
        doc = json.loads(
            text,
            parse_constant=_no_constants,
            parse_int=_parse_int,
            object_pairs_hook=_no_duplicates,
        )
    except json.JSONDecodeError as exc:
        raise ModelFileError(
            f"{p} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            "the file is truncated or corrupted"
        ) from None
    except RecursionError:
        raise ModelFileError(f"{p}: arrays or objects nested too deeply for a model file") from None
    except ModelFileError as exc:
        raise ModelFileError(f"{p}: {exc}") from None
    try:
        return from_document(doc)
    except ModelFileError as exc:
        raise ModelFileError(f"{p}: {exc}") from None
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError, RecursionError) as exc:
        # every field is checked first; this keeps anything those checks miss a ModelFileError
        raise ModelFileError(
            f"{p}: not a valid model file ({type(exc).__name__}: {exc!s:.80})"
        ) from None


def load(path: str | os.PathLike[str]) -> Any:
    """Load a :class:`NeuronClassifier` saved with :meth:`NeuronClassifier.save`.

    The loaded estimator predicts bitwise identically to the saved one. Files
    written by ``oneneuron train`` load too; their features are the encoded
    columns named in the file (one-hot columns are named ``column=category``).

    Raises
    ------
    ModelFileError
        If the file is missing, truncated, corrupted, of another format
        version, or inconsistent (the message says which field).
    """
    return read_model(path).estimator


# -------------------------------------------------------------- validation
