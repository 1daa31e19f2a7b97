"""A self-contained HTML evaluation report (plots embedded as PNG, no external files).

Plots: the ROC curve (binary; one-vs-rest per class for K > 2), the calibration
(reliability) diagram, a histogram of predicted probabilities per class split
by the true class, and the coefficients drawn as bars whose length is their
size on the standardised scale (``coef * scale``: log-odds per standard
deviation of the feature), next to a table of the raw values.
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

__all__ = ["write_report", "render_report"]


def _png(fig: Any) -> str:
    buf = _bytes.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figures(saved: SavedModel, metrics: dict[str, Any], y_idx: Any, proba: Any) -> list[tuple]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from sklearn.metrics import roc_curve

    names = [str(c) for c in metrics["classes"]]
    K = len(names)
    figs = []
    fig, ax = plt.subplots(figsize=(5, 4.5))
    for k in [1] if K == 2 else range(K):
        hit = y_idx == k
        if hit.all() or not hit.any():
            continue
        fpr, tpr, _ = roc_curve(hit, proba[:, k])
        ax.plot(fpr, tpr, label=f"{names[k]}" + ("" if K == 2 else " vs rest"))
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC curve")
    ax.legend(loc="lower right")
    figs.append(("ROC", _png(fig)))

    fig, ax = plt.subplots(figsize=(5, 4.5))
    for name, cal in metrics["calibration"].items():
        b = cal["bins"]
        ax.plot(
            [x["mean_predicted"] for x in b],
            [x["fraction_observed"] for x in b],
            "o-",
            label=f"P({name}), ECE {cal['ece']:.3f}",
        )
    ax.plot([0, 1], [0, 1], ls=":", color="grey")
    ax.set(
        xlabel="mean predicted probability",
        ylabel="observed frequency",
        title="calibration (10 bins)",
    )
    ax.legend(loc="upper left")
    figs.append(("calibration", _png(fig)))

    fig, axes = plt.subplots(K, 1, figsize=(6, 2.2 * K), squeeze=False)
    bins = np.linspace(0, 1, 26)
    for k, ax in enumerate(axes[:, 0]):
        ax.hist(proba[y_idx == k, k], bins=bins, alpha=0.6, label=f"true {names[k]}")
        ax.hist(proba[y_idx != k, k], bins=bins, alpha=0.6, label="other classes")
        ax.set(ylabel="rows", title=f"predicted P({names[k]})")
        ax.legend(loc="upper center")
    fig.tight_layout()
    figs.append(("probabilities", _png(fig)))

    est = saved.estimator
    feats = _feature_names(saved)
    W = np.asarray(est.coef_, dtype=np.float64) * np.asarray(est.scale_)
    order = np.argsort(-np.abs(W).max(axis=0))[:40]
    fig, ax = plt.subplots(figsize=(6, 0.25 * len(order) + 1.2))
    height = 0.8 / W.shape[0]
    for i, row in enumerate(W):
        label = names[1] if W.shape[0] == 1 else names[i]
        ax.barh(
            np.arange(len(order)) + i * height, row[order], height=height, label=f"toward {label}"
        )
    ax.set_yticks(np.arange(len(order)) + 0.4 - height / 2, [feats[j] for j in order])
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=0.8)
    ax.set(xlabel="log-odds per standard deviation", title="coefficients (largest first)")
    ax.legend(loc="lower right")
    figs.append(("coefficients", _png(fig)))
    return figs


def _feature_names(saved: SavedModel) -> list[str]:
    est = saved.estimator
    if saved.input is not None:
        return feature_names(saved.input)
    if hasattr(est, "feature_names_in_"):
        return [str(n) for n in est.feature_names_in_]
    return [f"x{j}" for j in range(est.n_features_in_)]


def render_report(
    saved: SavedModel, metrics: dict[str, Any], y_idx: Any, proba: Any, source: str
) -> str:
    """The report as one HTML string."""
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
    coef_rows = "".join(
        f"<tr><td>{e(f)}</td>" + "".join(f"<td>{w:.6g}</td>" for w in est.coef_[:, j]) + "</tr>"
        for j, f in enumerate(feats)
    )
    coef_head = "".join(f"<th>{e(n)}</th>" for n in ([names[1]] if len(names) == 2 else names))
    res = getattr(est, "inference_", None)
    inference = ""
    if res is not None and res.cov is not None:
        from ..stats import summary_table

        odds = summary_table(res, exp=True).to_html(float_format=lambda v: f"{v:.4g}")
        inference = (
            f"<h2>Inference (training fit)</h2>{res._repr_html_()}<h3>Odds ratios</h3>{odds}"
        )
    plots = "".join(
        f'<figure><img alt="{e(t)}" src="{src}"><figcaption>{e(t)}</figcaption></figure>'
        for t, src in _figures(saved, metrics, y_idx, proba)
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>oneneuron evaluation</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:2px 8px}}
figure{{display:inline-block;margin:0.5em}}</style></head><body>
<h1>oneneuron evaluation</h1>
<p>Data: {e(source)} ({metrics["n_samples"]} rows), target {e(str(metrics["target"]))}.
Model: {len(feats)} features, solver {e(est.solver_)},
{"converged" if est.converged_ else "not converged"} (max|grad| {est.grad_norm_:.2e}).</p>
<table><tr><th>accuracy</th><td>{metrics["accuracy"]:.4f}</td></tr>
<tr><th>log-loss</th><td>{metrics["log_loss"]:.4f}</td></tr>
<tr><th>ROC AUC</th><td>{auc}</td></tr></table>
<table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{rows}</table>
<h2>Confusion matrix</h2><p>rows: true class; columns: predicted</p>
<table><tr><th></th>{cm_head}</tr>{cm}</table>
<h2>Plots</h2>{plots}
<h2>Coefficients (original scale)</h2>
<table><tr><th>feature</th>{coef_head}</tr>{coef_rows}
<tr><td><i>intercept</i></td>{"".join(f"<td>{b:.6g}</td>" for b in est.intercept_)}</tr></table>
{inference}
</body></html>
"""


def write_report(
    path: str | os.PathLike[str],
    saved: SavedModel,
    metrics: dict[str, Any],
    y_idx: Any,
    proba: Any,
    *,
    source: str,
    overwrite: bool = False,
) -> None:
    """Render the report and write it atomically (never replacing a file unless asked)."""
    text = render_report(saved, metrics, np.asarray(y_idx), np.asarray(proba), source)
    atomic_write_text(Path(path), text, overwrite=overwrite)
