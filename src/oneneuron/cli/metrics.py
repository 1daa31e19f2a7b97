"""Evaluation metrics for ``oneneuron evaluate``: one JSON-ready dictionary.

Accuracy; log-loss from the log-probabilities (computed from logits, so never
``log 0``); ROC AUC (binary: of the second class; K > 2: macro one-vs-rest, over the classes
present in the table when some are absent, with a note; undefined, with a note, when
one class is present); precision, recall and F1 per class and macro-averaged over
the classes present (an absent class's zeros are left out, with a note); the confusion matrix
(rows: true class, columns: predicted); and calibration in ``n_bins``
equal-width probability bins per class (binary: the second class only) with
the expected calibration error ``ECE = sum_b (n_b / n) |observed_b - predicted_b|``.

With frequency weights (``evaluate --weights COL``) every metric counts a row as often as
its weight, so a table of counts scores as its rows written out one by one would:
``n_samples`` is the weights' sum, ``n_rows`` the table's rows.

``evaluate --json`` prints strict JSON (:func:`json_ready`): a value that is not a
finite number, such as an infinite log-loss when a true class got probability 0
in floating point, is written as ``null`` and explained in a ``"notes"`` list.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..wording import counted
from ._errors import one_line


def _label(c: Any) -> Any:
    return c.item() if isinstance(c, np.generic) else c


def count(v: Any) -> int | float:
    """A (weighted) count as an ``int`` where it is whole, else a ``float``.

    Examples
    --------
    >>> count(3.0), count(2.5)
    (3, 2.5)
    """
    v = float(v)
    return int(v) if v.is_integer() else v


def calibration(
    p: np.ndarray, hit: np.ndarray, n_bins: int, w: np.ndarray | None = None
) -> dict[str, Any]:
    """Binned reliability of probabilities ``p`` for the events ``hit`` (bool); rows
    weighted by ``w`` (frequency weights), if given."""
    w = np.ones(len(p)) if w is None else w
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, n_bins - 1)
    n_in = np.bincount(idx, weights=w, minlength=n_bins)
    sum_p = np.bincount(idx, weights=w * p, minlength=n_bins)
    sum_hit = np.bincount(idx, weights=w * hit, minlength=n_bins)
    bins = []
    ece = 0.0
    for b in range(n_bins):
        if n_in[b] == 0:
            continue
        mp, fo = sum_p[b] / n_in[b], sum_hit[b] / n_in[b]
        ece += n_in[b] / np.sum(w) * abs(fo - mp)
        bins.append(
            {
                "lo": b / n_bins,  # as written (linspace's 3rd tenth is 0.30000000000000004)
                "hi": (b + 1) / n_bins,
                "count": count(n_in[b]),
                "mean_predicted": float(mp),
                "fraction_observed": float(fo),
            }
        )
    return {"bins": bins, "ece": float(ece)}


def evaluate(
    classes: np.ndarray,
    y_idx: np.ndarray,
    proba: np.ndarray,
    log_proba: np.ndarray,
    pred_idx: np.ndarray,
    n_bins: int = 10,
    sample_weight: np.ndarray | None = None,
) -> dict[str, Any]:
    """All metrics for true class indices ``y_idx`` and predicted ``proba`` (n, K);
    ``sample_weight``: frequency weights (each row counts that often)."""
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    from ..classifier import ovr_roc_auc

    K = len(classes)
    w = sample_weight
    n = len(y_idx) if w is None else count(np.sum(w))
    labels = list(range(K))
    prec, rec, f1, sup = precision_recall_fscore_support(
        y_idx, pred_idx, labels=labels, zero_division=0, sample_weight=w
    )
    names = [str(_label(c)) for c in classes]
    present = np.unique(y_idx if w is None else y_idx[w > 0])  # weight 0: an absent row
    absent = [names[k] for k in range(K) if k not in present]
    notes: list[str] = []
    if len(present) < 2:
        auc = None
        notes.append(
            f"roc_auc is undefined: only class {names[int(present[0])]!r} is present in the "
            "table (an AUC ranks rows of one class against another)"
        )
    else:  # K > 2: one-vs-rest per class present, macro-averaged (as the CV's roc_auc)
        auc = ovr_roc_auc(y_idx, proba, sample_weight=w)
        if K > 2 and absent:
            notes.append(
                f"roc_auc is the macro one-vs-rest average over the {len(present)} classes "
                f"present; {_listed(absent)} {'has' if len(absent) == 1 else 'have'} no rows"
            )
    average = present if absent else np.arange(K)
    if absent and len(present) > 0:
        one = len(absent) == 1
        notes.append(
            f"{_listed(absent)} {'has' if one else 'have'} no rows (support 0): "
            f"{'its' if one else 'their'} precision, recall and F1 are 0 by convention and "
            "left out of the macro average, taken over the classes present"
        )
    per_class = {
        names[k]: {
            "precision": float(prec[k]),
            "recall": float(rec[k]),
            "f1": float(f1[k]),
            "support": count(sup[k]),
        }
        for k in range(K)
    }
    cal_classes = [1] if K == 2 else range(K)
    cm = confusion_matrix(y_idx, pred_idx, labels=labels, sample_weight=w)
    return {
        "n_samples": n,
        **({} if w is None else {"n_rows": len(y_idx)}),
        "classes": [_label(c) for c in classes],
        "accuracy": float(np.average(pred_idx == y_idx, weights=w)),
        "log_loss": float(-np.average(log_proba[np.arange(len(y_idx)), y_idx], weights=w)),
        "roc_auc": auc,
        "per_class": per_class,
        "macro_avg": {
            "precision": float(np.mean(prec[average])),
            "recall": float(np.mean(rec[average])),
            "f1": float(np.mean(f1[average])),
        },
        "confusion_matrix": [[count(v) for v in row] for row in cm],
        "calibration": {
            names[k]: calibration(proba[:, k], y_idx == k, n_bins, w) for k in cal_classes
        },
        **({"notes": notes} if notes else {}),
    }


def _listed(names: list[str]) -> str:
    """``class 'a'`` or ``classes 'a', 'b'``."""
    return ("class " if len(names) == 1 else "classes ") + ", ".join(map(repr, names))


def json_ready(m: dict[str, Any]) -> dict[str, Any]:
    """``m`` with every non-finite float replaced by ``None``, each named in ``m["notes"]``.

    The non-finite numbers of one record (a dict) share one note, which names its
    ``term`` where it has one (a coefficient row of an aliased term: R's ``NA``).

    Examples
    --------
    >>> m = json_ready({"accuracy": 0.5, "log_loss": float("inf")})
    >>> m["log_loss"], m["notes"]
    (None, ['log_loss is inf (not a JSON number): written as null'])
    >>> nan = float("nan")
    >>> json_ready({"rows": [{"term": "c", "coef": nan, "z": nan}]})["notes"]
    ["rows[0] (term 'c'): coef and z are nan (not JSON numbers): written as null"]
    """
    notes: list[str] = []

    def bad(v: Any) -> bool:
        return isinstance(v, float) and not np.isfinite(v)

    def clean(v: Any, where: str) -> Any:
        if isinstance(v, dict):
            odd = [k for k, x in v.items() if bad(x)]
            if len(odd) > 1:  # one note for the record
                term = f" (term {v['term']!r})" if isinstance(v.get("term"), str) else ""
                if term and "class" in v:  # a multinomial table's row: (class, term)
                    term = f" (class {v['class']!r}, term {v['term']!r})"
                values = sorted({str(v[k]) for k in odd})
                keys = [str(k) for k in odd]
                names = ", ".join(keys[:-1]) + f" and {keys[-1]}"
                notes.append(
                    f"{where or 'the record'}{term}: {names} are "
                    f"{' or '.join(values)} (not JSON numbers): written as null"
                )
            return {
                k: None
                if len(odd) > 1 and k in odd
                else clean(x, f"{where}.{k}" if where else str(k))
                for k, x in v.items()
            }
        if isinstance(v, list | tuple):
            return [clean(x, f"{where}[{i}]") for i, x in enumerate(v)]
        if bad(v):
            notes.append(f"{where} is {v} (not a JSON number): written as null")
            return None
        return v

    out = clean(m, "")
    if notes:
        out["notes"] = [*out.get("notes", []), *notes]
    return out


#: Most classes whose confusion matrix the terminal text prints (each column 9+ characters).
MAX_TERMINAL_CLASSES = 8


def threshold_line(m: dict[str, Any]) -> str | None:
    """The labels' rule where a binary model's ``threshold`` is not 0.5 (the metrics'
    ``"threshold"``): accuracy, recall and the confusion matrix count those labels."""
    if "threshold" not in m:
        return None
    second = repr(one_line(list(m["per_class"])[1]))
    return (
        f"labels: {second} where P({second}) > {float(m['threshold'])!r} (the model's "
        "threshold, not 0.5)"
    )


def format_text(m: dict[str, Any], source: str) -> str:
    """Human-readable summary of :func:`evaluate`'s dictionary."""
    names = [one_line(x) for x in m["per_class"]]
    w = max(20, *(len(x) for x in names))  # whole names: two may share their first 20
    auc = "n/a (see the note)" if m["roc_auc"] is None else f"{m['roc_auc']:.4f}"
    rows = counted(m["n_samples"], "row")
    if "weights" in m:
        rows += f" ({counted(m['n_rows'], 'table row')} weighted by {m['weights']})"
    lines = [
        f"evaluated on {rows} of {source}",
        f"  accuracy   {m['accuracy']:.4f}",
        f"  log-loss   {m['log_loss']:.4f}",
        f"  ROC AUC    {auc}" + (" (macro one-vs-rest)" if len(names) > 2 else ""),
        *([f"  {threshold_line(m)}"] if "threshold" in m else []),
        "",
        f"  {'class':<{w}} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}",
    ]
    for name, r in zip(names, m["per_class"].values(), strict=True):
        lines.append(
            f"  {name:<{w}} {r['precision']:>9.4f} {r['recall']:>9.4f} "
            f"{r['f1']:>9.4f} {r['support']:>8}"
        )
    a = m["macro_avg"]
    lines.append(
        f"  {'macro average':<{w}} {a['precision']:>9.4f} {a['recall']:>9.4f} {a['f1']:>9.4f}"
    )
    if len(names) <= MAX_TERMINAL_CLASSES:
        lines += ["", "  confusion matrix (rows: true, columns: predicted)"]
        width = max(8, *(len(x) for x in names))
        lines.append("  " + " " * width + "".join(f" {x[:width]:>{width}}" for x in names))
        for name, row in zip(names, m["confusion_matrix"], strict=True):
            lines.append(f"  {name[:width]:>{width}}" + "".join(f" {v:>{width}}" for v in row))
    else:  # K columns would not fit a terminal: where the matrix is, and its largest errors
        K = len(names)
        lines += [
            "",
            f"  confusion matrix: {K} x {K}, too wide for a terminal (--json and --report",
            "  have it); the most frequent confusions:",
        ]
        cm = np.asarray(m["confusion_matrix"])
        off = [(cm[i, j], i, j) for i in range(K) for j in range(K) if i != j and cm[i, j]]
        for count, i, j in sorted(off, key=lambda t: (-t[0], t[1], t[2]))[:5]:
            lines.append(
                f"    true '{names[i]}' predicted as '{names[j]}': "
                f"{counted(count, 'row', spec='.12g')}"
            )
        if not off:
            lines.append("    none: every row is predicted as its class")
    lines += ["", "  calibration (10 bins; ECE = expected calibration error)"]
    for name, cal in m["calibration"].items():
        lines.append(
            f"    P({one_line(name)}): ECE {cal['ece']:.4f} over {len(cal['bins'])} non-empty bins"
        )
    lines += [f"  note: {n}" for n in m.get("notes", [])]
    return "\n".join(lines)
