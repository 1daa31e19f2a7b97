"""``logit(formula, data)``: fit a :class:`NeuronClassifier` from a formula, statsmodels-style."""

from __future__ import annotations

from typing import Any

from ..tables import formula_has_intercept, formula_target, is_table, table_column
from ._estimator import NeuronClassifier
from ._fit import not_written, without_columns

__all__ = ["logit"]

#: R's ``glm`` and statsmodels' arguments that ``logit`` spells otherwise.
FOREIGN_ARGUMENTS = {
    "weights": "pass sample_weight= (frequency weights: a row of weight 3 counts as three "
    "rows; a column name works, sample_weight='n')",
    "freq_weights": "pass sample_weight= (oneneuron's sample weights are frequency weights)",
    "var_weights": "pass sample_weight=, which are frequency weights; for a binary logit, "
    "statsmodels' var_weights give the same coefficients and model-based standard errors, "
    "while nobs, the residual degrees of freedom and BIC count the weights' sum here, and "
    "robust ones (cov_type='HC0'...) weigh each row's score by w, as w copies of the row "
    "(statsmodels' var_weights sandwich by w**2)",
    "na_action": "pass missing='drop' (R's na.omit; the rows dropped are counted in "
    "design_report_ and the summary), or missing='mean'|'median'|'most_frequent'",
    "subset": "pass the rows to fit, data[mask]",
    "family": "logit() is the binomial family with the logit link (softmax for more than "
    "two classes); leave family= out",
}


def logit(
    formula: str,
    data: Any,
    *,
    sample_weight: Any = None,
    cluster: Any = None,
    offset: Any = None,
    **params: Any,
) -> NeuronClassifier:
    """Fit ``NeuronClassifier(formula=formula, **params)`` on a table; returns it fitted.

    The formula's left-hand side names the target column; the right-hand side
    follows formulaic's (and statsmodels') syntax. ``params`` are the
    estimator's parameters (``alpha``, ``reference``, ``missing``, ...). Like
    ``statsmodels.formula.api.logit(...).fit()``, unpenalised by default, and with
    an intercept exactly when the formula keeps one (``- 1`` or ``0 +`` drop it;
    ``fit_intercept`` is then False unless given).
    A formula is Python code: never fit one from an untrusted source.

    Parameters
    ----------
    formula : str
        e.g. ``"default ~ balance + income + C(student)"``.
    data : pandas or polars DataFrame, or pyarrow Table
    sample_weight, cluster, offset : array_like or str, optional
        Passed to ``fit`` (one value per row of ``data``); a string names a column
        of ``data`` (e.g. ``sample_weight="n"`` for frequency weights). A column so
        named is a feature only where the formula writes it out: ``y ~ .`` stands for
        the other columns (as the command line's default features).
    **params
        Passed to :class:`NeuronClassifier`. R's and statsmodels' argument names
        (``weights=``, ``freq_weights=``, ``var_weights=``, ``na_action=``,
        ``subset=``, ``family=``) are a ``TypeError`` that names the spelling here.

    Returns
    -------
    NeuronClassifier
        Fitted; ``feature_names_out_`` are the terms, ``summary()`` the table.

    Examples
    --------
    >>> import pandas as pd
    >>> import oneneuron
    >>> df = pd.DataFrame({"y": [0, 1, 0, 1, 1, 0, 1, 0], "x": [1.0, 2, 3, 4, 5, 6, 7, 2],
    ...                    "g": ["a", "b", "a", "b", "a", "a", "b", "b"]})
    >>> clf = oneneuron.logit("y ~ x + C(g)", df)
    >>> clf.feature_names_out_.tolist()
    ['x', 'C(g)[T.b]']
    """
    if "formula" in params:
        raise TypeError("logit() takes the formula as its first argument, not formula=")
    for name, hint in FOREIGN_ARGUMENTS.items():
        if name in params:
            raise TypeError(f"logit() takes no {name}= (R's or statsmodels' name): {hint}")
    if "contrasts" in params:  # R's glm(..., contrasts = list(f = "contr.sum"))
        given = params["contrasts"]
        pairs = given.items() if isinstance(given, dict) else []
        spelled = ", ".join(
            f"C({k}, {v})" for k, v in pairs if isinstance(k, str) and isinstance(v, str)
        )
        raise TypeError(
            "logit() takes no contrasts= (R's glm argument): a formula here gives a column's "
            f"coding itself, {spelled or 'C(f, contr.sum)'} (Sum, Helmert, Diff, Poly and "
            "R's contr.* names; Treatment('b') for another reference level)"
        )
    fit_args = {"sample_weight": sample_weight, "cluster": cluster, "offset": offset}
    target = formula_target(formula)
    for key, value in fit_args.items():
        if isinstance(value, str) and value == target and key != "cluster":
            raise ValueError(
                f"{key}={value!r} names the formula's target column: the labels would enter "
                "the fit as its own input; name another column"
            )
    names = [v for v in fit_args.values() if isinstance(v, str)]
    for key, value in fit_args.items():
        if isinstance(value, str):
            fit_args[key] = table_column(data, value, key)
    if names and is_table(data):  # the formula's '.' stands for the other columns
        data = without_columns(data, not_written(formula, data, names))
    if "fit_intercept" not in params:  # the formula's own choice: '- 1' or '0 +' drops it
        params["fit_intercept"] = formula_has_intercept(formula)
    return NeuronClassifier(formula=formula, **params).fit(data, None, **fit_args)
