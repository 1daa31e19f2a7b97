"""A self-contained HTML evaluation report (plots embedded as PNG, no external files).

Plots: the ROC curve (binary; one-vs-rest per class for K > 2), the calibration
(reliability) diagram, a histogram of predicted probabilities per class split
by the true class, and the coefficients drawn as bars whose length is their
size on the standardised scale (``coef * scale``: log-odds per standard
deviation of the feature; a model fitted with ``standardize=False`` has ``scale_`` 1, and
its bars are per unit of the feature, as their axis says), next to a table of the raw
values. With more than
:data:`MAX_PLOTTED_CLASSES` classes the per-class plots draw that many, those with
the most rows in the table, and their captions name them (the tables keep every class).
A model chosen by cross-validation (``train --cv K``, ``NeuronClassifierCV.save``) adds its
coefficient path and its CV curve (:func:`oneneuron.plot.plot_coefficient_path`,
:func:`oneneuron.plot.plot_cv_curve`, drawn from the file's ``cv_record_``).
"""

from __future__ import annotations

import base64
import html
import io as _bytes
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..modelfile import SavedModel
from ..tables import atomic_write_text, feature_names
from ..wording import counted
from ._common import fit_status, missing_note
from ._errors import cli_caption, escaped
from .metrics import threshold_line

__all__ = ["write_report", "render_report"]


def _beside(ax: Any) -> None:
    """The axes' legend to its right, outside the layout: the figure's layout sizes the
    axes and their labels only (a legend of 70-character class names squeezed the axes to
    an inch, or failed 'Tight layout not applied'), and :func:`_png` widens the picture
    to take the legend in."""
    old = ax.get_legend()  # a plot's own legend keeps its entries (and only those)
    handles = None if old is None else old.legend_handles
    legend = ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0
    )
    legend.set_in_layout(False)


def _png(fig: Any) -> str:
    buf = _bytes.BytesIO()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight", bbox_extra_artists=legends)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


#: Most classes drawn in the per-class plots (ROC, calibration, histograms, coefficients).
MAX_PLOTTED_CLASSES = 10


def plotted_classes(y_idx: Any, K: int, w: Any = None) -> list[int]:
    """The classes the per-class plots draw: all K up to :data:`MAX_PLOTTED_CLASSES`, else
    that many with the most rows in the table (frequency weights ``w`` counted; ties: the
    first in ``classes_`` order), most rows first. Forty curves in one legend, or forty
    stacked histograms, read as none."""
    if K <= MAX_PLOTTED_CLASSES:
        return list(range(K))
    counts = np.bincount(np.asarray(y_idx, dtype=np.intp), weights=w, minlength=K)
    return [int(k) for k in np.argsort(-counts, kind="stable")[:MAX_PLOTTED_CLASSES]]


def _figures(
    saved: SavedModel, metrics: dict[str, Any], y_idx: Any, proba: Any, w: Any = None
) -> list[tuple]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    from ..plot import literal

    names = [literal(c) for c in metrics["classes"]]  # drawn as written ("$" too), bounded
    K = len(names)
    shown = plotted_classes(y_idx, K, w)
    few = (
        ""
        if len(shown) == K
        else f" ({len(shown)} of {K} classes, the most rows in the table; shown: "
        + ", ".join(names[k] for k in shown)
        + ")"
    )
    figs = []
    fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
    for k in [1] if K == 2 else shown:
        hit = y_idx == k
        if hit.all() or not hit.any():
            continue
        fpr, tpr, _ = roc_curve(hit, proba[:, k], sample_weight=w)
        ax.plot(fpr, tpr, label=f"{names[k]}" + ("" if K == 2 else " vs rest"))
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve")
    roc = "ROC"
    if ax.get_legend_handles_labels()[0]:
        _beside(ax)
    else:  # one class in the table: nothing to rank it against
        roc = "ROC: no ROC curve, the table has rows of one class only"
        ax.text(0.5, 0.55, "no ROC curve:\none class present", ha="center", va="center")
    figs.append((roc + few, _png(fig)))

    fig, ax = plt.subplots(figsize=(5, 4.5), layout="constrained")
    drawn = {str(metrics["classes"][k]) for k in shown}  # as --json names them, not as drawn
    for name, cal in metrics["calibration"].items():
        if K > 2 and name not in drawn:
            continue
        b = cal["bins"]
        ax.plot(
            [x["mean_predicted"] for x in b],
            [x["fraction_observed"] for x in b],
            "o-",
            label=f"P({literal(name)}), ECE {cal['ece']:.4f}",  # as the terminal
        )
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set(
        xlabel="mean predicted probability",
        ylabel="observed frequency",
        title="calibration (10 bins)",
    )
    _beside(ax)
    figs.append(("calibration" + few, _png(fig)))

    fig, axes = plt.subplots(
        len(shown), 1, figsize=(6, 2.2 * len(shown)), squeeze=False, layout="constrained"
    )
    bins = np.linspace(0, 1, 26)
    for k, ax in zip(shown, axes[:, 0], strict=True):
        rest = f"true {names[1 - k]}" if K == 2 else "other classes"
        for rows, label in ((y_idx == k, f"true {names[k]}"), (y_idx != k, rest)):
            weights = None if w is None else w[rows]
            ax.hist(proba[rows, k], bins=bins, weights=weights, alpha=0.6, label=label)
        ax.set(ylabel="rows", title=f"predicted P({names[k]})")
        _beside(ax)
    figs.append(("probabilities" + few, _png(fig)))

    est = saved.estimator
    feats = [literal(f) for f in _feature_names(saved)]
    W = np.asarray(est.coef_, dtype=np.float64) * np.asarray(est.scale_)
    rows = [0] if W.shape[0] == 1 else shown
    # at most 120 bars (40 features of one class, 12 of ten), each at least 0.056 inch high
    most = min(40, max(10, 120 // len(rows)))
    order = np.argsort(-np.abs(W[rows]).max(axis=0))[:most]
    per_feature = max(0.25, 0.07 * len(rows))  # inches
    aliased = _aliased(est)  # held at 0, NA in the table: not an estimate of 0
    ticks = [feats[j] + (" (aliased: NA)" if j in aliased else "") for j in order]
    wide = max(6.0, 3.8 + 0.08 * max(map(len, ticks)))  # the names beside 3.5 inches of bars
    fig, ax = plt.subplots(figsize=(wide, per_feature * len(order) + 1.2), layout="constrained")
    height = 0.8 / len(rows)
    for i, k in enumerate(rows):
        label = names[1] if W.shape[0] == 1 else names[k]
        ax.barh(
            np.arange(len(order)) + i * height, W[k, order], height=height, label=f"toward {label}"
        )
    ax.set_yticks(np.arange(len(order)) + 0.4 - height / 2, ticks)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    title = "coefficients (largest first)"
    if len(order) < W.shape[1]:
        title = f"coefficients (the {len(order)} largest of {W.shape[1]}, largest first)"
    if getattr(est, "relax", False) and getattr(est, "l1_ratio", 0) > 0:  # glmnet's relax
        title += "\nof the L1 fit, which predicts; the table's are its unpenalised refit's"
    per = "log-odds per standard deviation"
    if not getattr(est, "standardize", True):  # scale_ is 1: the raw coefficients
        per = "log-odds per unit of the feature (the model is not standardised)"
    ax.set(xlabel=per, title=title)
    _beside(ax)
    figs.append(("coefficients" + few, _png(fig)))
    record = getattr(est, "cv_record_", None)
    if record is not None:
        from ..plot import plot_coefficient_path, plot_cv_curve

        if record.path is not None:
            fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
            plot_coefficient_path(record, ax=ax)
            if ax.get_legend() is not None:
                _beside(ax)
            figs.append(("coefficient path", _png(fig)))
        fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
        plot_cv_curve(record, ax=ax)
        _beside(ax)
        figs.append(("cross-validation curve", _png(fig)))
    return figs


def _aliased(est: Any) -> set[int]:
    """Columns of ``coef_`` that are aliased (linear combinations of earlier terms: held at 0,
    NA in the coefficient table, as R's ``glm`` prints them)."""
    res = getattr(est, "inference_", None)
    if res is None:
        return set()
    names = [str(t) for t in res.terms]
    aliased = {names[i] for i in res.extra.get("aliased_terms", [])}
    columns = [str(n) for n in est.feature_names_out_]
    return {j for j, name in enumerate(columns) if name in aliased}


def _feature_names(saved: SavedModel) -> list[str]:
    est = saved.estimator
    if saved.input is not None:
        return feature_names(saved.input)
    return [str(n) for n in est.feature_names_out_]  # the columns of coef_


#: The demo pages' typography (``oneneuron demo``), for a report that reads the same.
_CSS = """
body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;
line-height:1.45;color:#222}
h1{margin-bottom:.2em} h2{margin-top:2.2em;border-bottom:1px solid #ccc}
img{max-width:100%;display:block;margin:.6em auto}
figure{margin:.6em 0} figcaption{color:#666;font-size:.9em;text-align:center}
div.table{overflow-x:auto;margin:.4em 0 1.2em}
table{border-collapse:collapse}
td,th{padding:.15em .8em;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}
th,td:first-child{white-space:normal}
td:first-child,th:first-child{text-align:left}
pre.caption{white-space:pre-wrap;font-family:inherit;color:#444}
p.why{color:#a00}
"""


def _coefficient_section(saved: SavedModel, reference_class: Any = None) -> str:
    """The terminal's coefficient table (estimate, SE, z, p, CI) with its caption and notes."""
    e = html.escape
    est = saved.estimator
    res = getattr(est, "inference_", None)
    notes = []
    design = getattr(est, "design_", None)
    if design is not None:
        coding = design.coding_note()
        if coding:
            notes.append(coding)
    filled = missing_note(saved, captioned=res is not None and res.cov is not None)
    if filled:
        notes.append(filled)
    note_html = "".join(f"<p>{e(n)}</p>" for n in notes)
    if res is None:
        return f"<h2>Coefficients</h2>{note_html}<p>the model file holds no inference</p>"
    if res.cov is None:
        feats = _feature_names(saved)
        W = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
        b = np.asarray(est.intercept_, dtype=np.float64)
        heads = [str(c) for c in est.classes_][1:] if W.shape[0] == 1 else list(est.classes_)
        terms = (["intercept"] if est.fit_intercept else []) + feats
        cols = [np.r_[b[i], W[i]] if est.fit_intercept else W[i] for i in range(W.shape[0])]
        head = "".join(f"<th>{e(str(h))}</th>" for h in heads)
        rows = "".join(
            f"<tr><td>{e(t)}</td>" + "".join(f"<td>{c[j]:.6g}</td>" for c in cols) + "</tr>"
            for j, t in enumerate(terms)
        )
        why = "; ".join(fit_status(est)) or "no standard errors"
        return (
            f'<h2>Coefficients</h2>{note_html}<p class="why">{e(why)}</p>'
            f"<table><tr><th>term</th>{head}</tr>{rows}</table>"
        )
    from ..stats import summary_table
    from ..stats.inference import ratio_text

    ref = {"reference_class": reference_class}
    fmt = {"float_format": lambda v: f"{v:.4g}", "border": 0, "na_rep": "NA"}  # R's NA
    table = res.table(**ref).to_html(**fmt)
    odds = summary_table(res, exp=True, **ref)
    near_one = {c: ratio_text for c in (odds.columns[0], "ci_low", "ci_high")}  # 1.000003
    odds = odds.to_html(formatters=near_one, **fmt)
    ratios = "Relative-risk ratios" if res.multinomial else "Odds ratios"  # exp(coef)
    return (
        f"<h2>Coefficients (the table of the terminal)</h2>{note_html}"
        f'<pre class="caption">{e(cli_caption(res.caption(**ref)))}</pre>{table}'
        f"<p>pseudo-R2 Cox-Snell={res.pseudo_r2_cox_snell:.4g}  "
        f"Nagelkerke={res.pseudo_r2_nagelkerke:.4g}</p>"
        f"<h3>{ratios}</h3>{odds}"
    )


def _tests_section(metrics: dict[str, Any]) -> str:
    """The per-term Wald tests and the goodness of fit of the terminal (when ``evaluate``
    computed them: see :mod:`oneneuron.cli._statistics`), as tables."""
    e = html.escape
    out = []
    for key, title in (("wald_terms", "Term tests"), ("goodness_of_fit", "Goodness of fit")):
        found = metrics.get(key)
        if found is None:
            continue
        if found.get("rows") == "new":
            title = "Calibration test"
        heads = ["chi2", "df", "p_value"] if key == "wald_terms" else ["statistic", "df", "p_value"]
        first = "term" if key == "wald_terms" else "test"
        body = "".join(
            f"<tr><td>{e(name)}</td>"
            + "".join(f"<td>{'NA' if v != v else f'{v:.4g}'}</td>" for v in row.values())
            + "</tr>"
            for name, row in found["tests"].items()
        )
        table = ""
        if body:
            head = "".join(f"<th>{h}</th>" for h in [first, *heads])
            table = f"<table><tr>{head}</tr>{body}</table>"
        out.append(f'<h2>{title}</h2><pre class="caption">{e(found["caption"])}</pre>{table}')
    return "".join(out)


def _rows(metrics: dict[str, Any]) -> str:
    """``"200 rows"``, or with frequency weights ``"478 rows: 24 table rows, weights n"``."""
    if "weights" not in metrics:
        return counted(metrics["n_samples"], "row")
    return (
        f"{counted(metrics['n_samples'], 'row')}: {counted(metrics['n_rows'], 'table row')}, "
        f"weights {metrics['weights']}"
    )


def render_report(
    saved: SavedModel,
    metrics: dict[str, Any],
    y_idx: Any,
    proba: Any,
    source: str,
    weights: Any = None,
    reference_class: Any = None,
) -> str:
    """The report as one HTML string; ``weights``: frequency weights of the rows; its
    coefficient table against ``reference_class`` (by default the model's first class).

    Names and labels are shown as the terminal shows them: a control character or a
    bidirectional override (``\\x1b``, ``\\u202e``) is written as its escape, so that
    it can neither reorder a table cell on the page nor act on a terminal that prints
    the file (:func:`~oneneuron.cli._errors.escaped`, over the whole page)."""
    e = html.escape
    names = [str(c) for c in metrics["classes"]]
    est = saved.estimator
    auc = "n/a" if metrics["roc_auc"] is None else f"{metrics['roc_auc']:.4f}"
    rows = "".join(
        f"<tr><td>{e(n)}</td><td>{r['precision']:.4f}</td><td>{r['recall']:.4f}</td>"
        f"<td>{r['f1']:.4f}</td><td>{r['support']}</td></tr>"
        for n, r in metrics["per_class"].items()
    )
    cm_head = "".join(f"<th>{e(n)}</th>" for n in names)
    cm = "".join(
        f"<tr><th>{e(n)}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
        for n, row in zip(names, metrics["confusion_matrix"], strict=True)
    )
    feats = _feature_names(saved)
    coefficients = _coefficient_section(saved, reference_class)
    record = getattr(est, "cv_record_", None)
    cv_line = "" if record is None else f"<p>{e(record.describe())}.</p>"
    if record is not None and record.path is None:
        cv_line += "<p>the model file holds no coefficient path (too large to store)</p>"
    status = "; ".join(fit_status(est))
    state = (
        "SEPARATED"
        if "SEPARATED" in status
        else ("converged" if est.converged_ else "not converged")
    )
    reason = getattr(est, "stop_reason_", None)  # with the solver's own measure (cd: KKT)
    if reason is None:  # an older model file
        stopped = f"{state} (max|grad| {est.grad_norm_:.2e})"
    else:
        stopped = f"SEPARATED ({reason})" if state == "SEPARATED" else reason
    plots = "".join(
        f'<figure><img alt="{e(t)}" src="{src}"><figcaption>{e(t)}</figcaption></figure>'
        for t, src in _figures(saved, metrics, y_idx, proba, weights)
    )
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>oneneuron evaluation</title>
<style>{_CSS}</style></head><body>
<h1>oneneuron evaluation</h1>
<p>Data: {e(source)} ({_rows(metrics)}), target {e(str(metrics["target"]))}.
Model: {len(feats)} features, solver {e(est.solver_)},
{e(stopped)}.</p>
{f'<p class="why">{e(status)}</p>' if status else ""}
{cv_line}
<table><tr><th>accuracy</th><td>{metrics["accuracy"]:.4f}</td></tr>
<tr><th>log-loss</th><td>{metrics["log_loss"]:.4f}</td></tr>
<tr><th>ROC AUC{" (macro one-vs-rest)" if len(names) > 2 else ""}</th><td>{auc}</td></tr></table>
{f"<p>{e(threshold_line(metrics))}</p>" if "threshold" in metrics else ""}
{"".join(f"<p>note: {e(n)}</p>" for n in metrics.get("notes", []))}
<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{rows}</table>
<h2>Confusion matrix</h2><p>rows: true class; columns: predicted</p>
<table><tr><th></th>{cm_head}</tr>{cm}</table>
<h2>Plots</h2>{plots}
{coefficients}
{_tests_section(metrics)}
</body></html>
"""
    # a number never breaks over lines, a name only between words: a table wider than
    # the page scrolls in its own box (pandas' tables too)
    page = page.replace("<table", '<div class="table"><table').replace("</table>", "</table></div>")
    return escaped(page)


def write_report(
    path: str | os.PathLike[str],
    saved: SavedModel,
    metrics: dict[str, Any],
    y_idx: Any,
    proba: Any,
    *,
    source: str,
    overwrite: bool = False,
    weights: Any = None,
    reference_class: Any = None,
) -> None:
    """Render the report and write it atomically (never replacing a file unless asked);
    ``weights``: frequency weights of the rows (``evaluate --weights``)."""
    text = render_report(
        saved, metrics, np.asarray(y_idx), np.asarray(proba), source, weights, reference_class
    )
    atomic_write_text(Path(path), text, overwrite=overwrite)
