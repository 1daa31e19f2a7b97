"""The per-term Wald tests and goodness of fit that ``train`` and ``evaluate`` show.

Both are the Python API's own numbers (:func:`oneneuron.wald_terms`,
:func:`oneneuron.goodness_of_fit`), formatted for the terminal, JSON and the report.

Decisions:

- The term table (R's ``car::Anova(fit, type=3, test.statistic="Wald")``) is shown where a
  term has more than one coefficient, or is a categorical column: a model with
  categorical terms, or one of K > 2 classes (each term's K - 1 coefficients tested
  together). Elsewhere each of its rows is the square of the coefficient table's ``z``.
- Goodness of fit of a binary model: on the rows the model was fitted on (recognised by
  the fit's record of labels, weights and score, as the API does), the grouped deviance,
  Pearson and Hosmer-Lemeshow tests, each on ``J - k`` or bins - 2 degrees of freedom;
  a penalised or Firth fit gets the statistics without p-values. On other rows the model
  is a fixed prediction, and only Hosmer and Lemeshow's statistic is shown, as a test of
  calibration: on as many degrees of freedom as bins (nothing was estimated from these
  rows; Hosmer, Lemeshow and Sturdivant, *Applied Logistic Regression*, 3rd ed., 2013,
  section 5.3, external validation), with a p-value for any fit, penalised or not.
  A model of K > 2 classes has no goodness-of-fit test here (the API's are binary).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import cli_terms, one_line

#: Hosmer and Lemeshow's bins ("deciles of risk"), as the API's default.
HL_GROUPS = 10


def wants_term_tests(est: Any) -> bool:
    """Whether the model has a term that the coefficient table's ``z`` does not test
    alone: a categorical or several-column term, or K > 2 classes."""
    res = getattr(est, "inference_", None)
    if res is None or res.cov is None:
        return False
    if len(est.classes_) > 2:
        return True
    design = getattr(est, "design_", None)
    if design is None:
        return False
    names = list(res.terms[1:] if res.has_intercept else res.terms)
    categorical = {c["name"] for c in design.columns if c.get("kind") == "categorical"}
    groups = design.term_groups(names)
    return any(cols != [term] or term in categorical for term, cols in groups.items())


def term_tests(est: Any) -> tuple[Any, str]:
    """``(table, caption)``: :func:`oneneuron.wald_terms` of the model, or ``(None, why)``
    where it has none (a term of aliased columns only)."""
    from ..stats import wald_terms

    try:
        table = wald_terms(est)
    except ValueError as exc:
        return None, f"no term tests: {cli_terms(str(exc))}"
    caption = (
        "terms: joint Wald chi-squared of each term's coefficients, each given all the "
        "others (type III Wald tests, as R's car::Anova gives them)"
    )
    if table.attrs.get("note"):
        caption += f"; {cli_terms(table.attrs['note'])}"
    return table, caption


def format_table(table: Any) -> str:
    """A statistics table for the terminal: 4 significant digits, one-line names, R's NA."""
    shown = table.copy()
    shown.index = [one_line(str(t)) for t in shown.index]
    shown.index.name = table.index.name
    return shown.to_string(float_format=lambda v: f"{v:.4g}", na_rep="NA")


def table_json(table: Any) -> dict[str, dict[str, float | int]]:
    """``{row: {column: value}}`` with plain floats, whole degrees of freedom as integers
    (NaN stays NaN: ``json_ready`` writes it as null)."""

    def plain(c: str, v: Any) -> float | int:
        v = float(v)
        return int(v) if c == "df" and v.is_integer() else v

    return {
        str(t): {c: plain(c, v) for c, v in row.items()}
        for t, row in table.to_dict("index").items()
    }


def goodness_of_fit_on(
    est: Any, X: Any, y: Any, weights: Any, offset: Any, proba1: Any, y01: Any
) -> tuple[Any, str, str] | None:
    """Goodness of fit of a binary model on the rows given: ``(table, caption, rows)``
    with ``rows`` ``"training"`` (:func:`oneneuron.goodness_of_fit`) or ``"new"``
    (Hosmer and Lemeshow's calibration test of ``proba1``, the probabilities of the
    second class, against ``y01``); None for a model of K > 2 classes. ``X`` None: the
    rows are known not to be the training rows (more of them), so only the latter."""
    import pandas as pd

    if len(est.classes_) != 2:
        return None
    w = np.ones(len(y01)) if weights is None else np.asarray(weights, dtype=np.float64)
    if X is not None and getattr(est, "inference_", None) is not None:
        from ..stats import goodness_of_fit

        try:
            table = goodness_of_fit(est, X, y, sample_weight=weights, offset=offset)
        except ValueError as exc:
            if "not the rows the model was fitted on" not in str(exc):
                why = cli_terms(str(exc))
                if getattr(est, "relax", False):  # the file keeps the refit's table only
                    why = (
                        "a model trained with --relax keeps its refit's coefficient table "
                        "in the model file, not the refit these tests take the rows to"
                    )
                return None, f"no goodness-of-fit tests: {why}", "training"
        else:
            caption = (
                f"on the model's training rows, {table.attrs['caption']} (on other rows "
                "evaluate shows Hosmer-Lemeshow alone, as a test of calibration)"
            )
            return table, cli_terms(caption), "training"
    from scipy import stats

    from ..stats import hosmer_lemeshow

    keep = w > 0
    stat, df = hosmer_lemeshow(
        np.asarray(proba1, np.float64)[keep], np.asarray(y01, np.float64)[keep], w[keep], HL_GROUPS
    )
    bins = df + 2
    p = float(stats.chi2.sf(stat, bins)) if bins > 0 and np.isfinite(stat) else float("nan")
    table = pd.DataFrame(
        {"statistic": [stat], "df": [float(bins)], "p_value": [p]},
        index=pd.Index(["hosmer-lemeshow"], name="test"),
    )
    caption = (
        f"calibration on rows other than the model's training rows: Hosmer-Lemeshow over "
        f"{bins} bins of predicted probability on {bins} df (nothing was estimated from these "
        "rows); the deviance and Pearson goodness-of-fit tests need exactly the training rows"
    )
    return table, caption, "new"
