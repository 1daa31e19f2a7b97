"""Marginal effects of the features on the predicted probabilities, with delta-method errors.

For a feature column ``x_j`` the marginal effect on ``P(class k)`` is the
derivative ``dP_k / dx_j``::

    binary:       p (1 - p) beta_j                       (effect on P(classes[1]))
    multinomial:  P_k (beta_kj - sum_l P_l beta_lj)      (beta_0 = 0, every class k)

``at="overall"`` averages it over the rows given (average marginal effect,
weighted by ``sample_weight`` when given, and only then: a fit's ``class_weight``
does not weight it, see ``NeuronClassifier.margeff``); ``at="mean"`` evaluates it once at
the column means (effect at the mean). Its standard error is the delta
method's ``sqrt(J V J.T)``, ``J`` the Jacobian of the effects with respect to
the coefficients (computed by complex-step differentiation, exact to
rounding) and ``V`` the fit's covariance (its ``cov_type``), as statsmodels'
``get_margeff(at=..., method="dydx")``.

Per design column (:func:`marginal_effects`, a model fitted on arrays): each
column is a variable. Indicator columns are differentiated by default;
``dummy=True`` gives every 0/1 column the discrete change
``P(x_j = 1) - P(x_j = 0)`` instead, averaged or at the means, as statsmodels'
``dummy=True``.

Per variable (:func:`variable_effects`, a model with a design spec: fitted on a
table or a formula): one row per raw variable of the table, however many model
columns it enters, as Stata's ``margins, dydx(*)``:

- a numeric variable ``v`` gets ``dP/dv`` through every column that depends on
  it (chain and product rules: ``x + I(x**2)`` gives ``p(1-p)(b1 + 2 b2 x)``,
  ``np.log(x)`` ``b/x``, ``x:z`` ``b z``), the design's derivative being exact
  (:meth:`oneneuron.tables.DesignSpec.derivative`);
- a categorical variable gets, per level other than its reference, the
  discrete change ``P(v = level) - P(v = reference)`` with every row set to
  each (row ``name[T.level]``); so does a numeric variable the formula codes
  as categories only (``C(dose)``: the formula library's levels, the reference
  a treatment contrast's base or else the first level; ``at="overall"`` only);
  a boolean the change from False to True; with ``dummy=True`` a numeric
  variable holding only 0 and 1 too.

``at="mean"`` with a design evaluates everything at one point, the (weighted)
means of the *variables*, as Stata's ``margins, dydx(*) atmeans``: a numeric
variable at its mean, a boolean at its share of True, a categorical at its
sample shares (each indicator ``g[T.level]`` at the level's share, as
statsmodels' ``get_margeff(at="mean")`` puts every dummy column at its mean).
Terms are then formed from those values: ``I(x**2)`` at ``mean(x)**2`` (not at
the mean of the squares), ``x:C(g)[T.b]`` at ``mean(x) * share(b)``. A discrete
change sets its own variable to the level and to the reference, the others
staying at their means and shares. For a design of plain numeric columns and
categorical indicators (no transforms), the numeric effects are exactly
statsmodels' ``get_margeff(at="mean")``.

A model fitted with an offset needs it here too: it enters every row's logit
(``at="mean"``: its weighted mean, one more coordinate of the point);
statsmodels' ``get_margeff`` refuses models with an offset.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ._effects import check_level, row_weights

AT = ("overall", "mean")


def _sigmoid_variance(Z: NDArray) -> tuple[NDArray, NDArray]:
    """``s(Z)`` and ``s(Z) (1 - s(Z))`` for real or complex ``Z`` (complex step), without
    overflow: the exponent is ``-|Re Z|``, so ``e = exp(Z)`` or ``exp(-Z)`` has modulus at
    most 1 and ``s (1 - s) = e / (1 + e)**2`` either way (``functions.sigmoid`` is real)."""
    negative = Z.real < 0
    e = np.exp(np.where(negative, Z, -Z))
    return np.where(negative, e / (1.0 + e), 1.0 / (1.0 + e)), e / (1.0 + e) ** 2


def _probabilities(
    beta: NDArray, X: NDArray, fit_intercept: bool, offset: NDArray | None = None
) -> NDArray:
    """``P`` (n, K_out): ``P(classes[1])`` (binary, one column) or every class's probability."""
    p = X.shape[1] + int(fit_intercept)
    B = beta.reshape(-1, p)
    slopes = B[:, 1:] if fit_intercept else B
    Z = X @ slopes.T + (B[:, 0] if fit_intercept else 0.0)
    if offset is not None:
        Z = Z + offset[:, None]
    if B.shape[0] == 1:
        return _sigmoid_variance(Z)[0]
    Zf = np.concatenate([np.zeros((Z.shape[0], 1)), Z], axis=1)
    Zf = Zf - Zf.real.max(axis=1, keepdims=True)
    P = np.exp(Zf)
    return P / P.sum(axis=1, keepdims=True)


def _effects(
    beta: NDArray,
    X: NDArray,
    w: NDArray,
    fit_intercept: bool,
    at: str,
    dummies: NDArray | None = None,
    offset: NDArray | None = None,
) -> NDArray:
    """Effects (K_out, d) for the coefficient vector ``beta`` (blocks of [intercept, coef]).

    Written with plain arithmetic so that it accepts complex ``beta`` (complex step).
    Columns flagged in ``dummies`` get the discrete change ``P(x_j = 1) - P(x_j = 0)``.
    """
    if dummies is not None and dummies.any():
        out = _effects(beta, X, w, fit_intercept, at, offset=offset)
        out = out.astype(np.result_type(out, beta))
        for j in np.flatnonzero(dummies):
            one, zero = X.copy(), X.copy()
            one[:, j], zero[:, j] = 1.0, 0.0
            diff = _probabilities(beta, one, fit_intercept, offset) - _probabilities(
                beta, zero, fit_intercept, offset
            )
            out[:, j] = w @ diff / np.sum(w)
        return out
    p = X.shape[1] + int(fit_intercept)
    B = beta.reshape(-1, p)  # (K-1, p) or (1, p)
    slopes = B[:, 1:] if fit_intercept else B
    Z = X @ slopes.T + (B[:, 0] if fit_intercept else 0.0)  # (n, K-1)
    if offset is not None:
        Z = Z + offset[:, None]
    if B.shape[0] == 1:
        E = _sigmoid_variance(Z[:, 0])[1][:, None] * slopes  # (n, d): p (1 - p) beta
        return (w @ E)[None, :] / np.sum(w)
    Zf = np.concatenate([np.zeros((Z.shape[0], 1)), Z], axis=1)
    Zf = Zf - Zf.real.max(axis=1, keepdims=True)
    P = np.exp(Zf)
    P = P / P.sum(axis=1, keepdims=True)  # (n, K)
    Sf = np.concatenate([np.zeros((1, slopes.shape[1])), slopes], axis=0)  # (K, d)
    avg = P @ Sf  # (n, d): sum_l P_l beta_l
    E = P[:, :, None] * (Sf[None, :, :] - avg[:, None, :])  # (n, K, d)
    return np.einsum("i,ikd->kd", w, E) / np.sum(w)


def _delta_covariance(
    J: NDArray[np.float64], cov: NDArray[np.float64], cov_root: NDArray[np.float64] | None
) -> NDArray[np.float64]:
    """``J cov J'``, from ``J L`` where ``cov = L L'`` is given factored (``cov_root``)."""
    if cov_root is None:
        return J @ cov @ J.T
    B = J @ cov_root
    return B @ B.T


def marginal_effects(
    coef: NDArray[np.float64],
    cov: NDArray[np.float64],
    X: NDArray[np.float64],
    *,
    fit_intercept: bool,
    at: str = "overall",
    sample_weight: NDArray[np.float64] | None = None,
    level: float = 0.95,
    dummy: bool = False,
    offset: NDArray[np.float64] | None = None,
    cov_root: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Effects (K_out, d), their standard errors (K_out, d) and covariance.

    ``coef`` is the coefficient table's (B, p) array (reference parameterisation);
    ``K_out`` is 1 (binary) or K (multinomial: every class, the reference included).
    ``dummy=True``: columns holding only 0 and 1 get discrete changes.
    ``offset`` (one value per row) enters every logit; at the mean, its mean.
    ``cov_root``: a factor ``L`` of ``cov`` (``cov = L L'``) where the fit kept one
    (:attr:`~oneneuron.stats.InferenceResult.cov_root`): the delta method's
    ``J cov J'`` is then formed from ``J L``.
    """
    if at not in AT:
        raise ValueError(f"at must be one of {AT}, got {at!r}")
    level = check_level(level)
    X = np.asarray(X, dtype=np.float64)
    dummies = np.all((X == 0) | (X == 1), axis=0) if dummy else None
    w = row_weights(sample_weight, X.shape[0])
    if at == "mean":
        X = (w @ X / np.sum(w))[None, :]
        offset = None if offset is None else np.atleast_1d(w @ offset / np.sum(w))
        w = np.ones(1)
    beta = np.asarray(coef, dtype=np.float64).ravel()
    eff = _effects(beta, X, w, fit_intercept, at, dummies, offset)
    h = 1e-30
    J = np.empty((eff.size, beta.size))
    for j in range(beta.size):
        step = beta.astype(complex)
        step[j] += 1j * h
        J[:, j] = _effects(step, X, w, fit_intercept, at, dummies, offset).imag.ravel() / h
    V = _delta_covariance(J, cov, cov_root)
    se = np.sqrt(np.clip(np.diag(V), 0.0, None)).reshape(eff.shape)
    return eff, se, V


def _variable_effects(
    beta: NDArray,
    contrasts: list[tuple[str, NDArray, NDArray]],
    w: NDArray,
    fit_intercept: bool,
    offset: NDArray | None = None,
) -> NDArray:
    """Effects (K_out, len(contrasts)): ``("dydx", X, D)`` derivatives along ``D``, or
    ``("change", Xa, Xb)`` discrete changes ``P(Xa) - P(Xb)``; averaged with weights ``w``.

    Plain arithmetic, so that it accepts complex ``beta`` (complex step).
    """
    p = contrasts[0][1].shape[1] + int(fit_intercept)
    B = beta.reshape(-1, p)
    slopes = B[:, 1:] if fit_intercept else B
    cols = []
    for kind, A, D in contrasts:
        if kind == "change":
            diff = _probabilities(beta, A, fit_intercept, offset) - _probabilities(
                beta, D, fit_intercept, offset
            )
            cols.append(w @ diff.reshape(len(w), -1) / np.sum(w))
            continue
        P = _probabilities(beta, A, fit_intercept, offset)
        G = D @ slopes.T  # (n, K-1): d z_k / d v per row
        if B.shape[0] == 1:
            E = P[:, 0] * (1.0 - P[:, 0]) * G[:, 0]
            cols.append(np.atleast_1d(w @ E / np.sum(w)))
            continue
        Gf = np.concatenate([np.zeros((G.shape[0], 1)), G], axis=1)  # (n, K)
        E = P * (Gf - np.sum(P * Gf, axis=1, keepdims=True))
        cols.append(w @ E / np.sum(w))
    return np.stack(cols, axis=1)


def _complex_step_jacobian(
    beta: NDArray,
    contrasts: list[tuple[str, NDArray, NDArray]],
    w: NDArray,
    fit_intercept: bool,
    offset: NDArray | None,
    size: int,
) -> NDArray[np.float64]:
    """d effects / d beta by complex step (exact to rounding): one evaluation of every
    contrast per coefficient, so its cost grows with coefficients x contrasts x rows."""
    h = 1e-30
    J = np.empty((size, beta.size))
    for j in range(beta.size):
        step = beta.astype(complex)
        step[j] += 1j * h
        J[:, j] = _variable_effects(step, contrasts, w, fit_intercept, offset).imag.ravel() / h
    return J


def _binary_variable_jacobian(
    beta: NDArray,
    contrasts: list[tuple[str, NDArray, NDArray]],
    w: NDArray,
    fit_intercept: bool,
    offset: NDArray | None,
) -> NDArray[np.float64]:
    """d effects / d beta of a sigmoid neuron in closed form, one pass per contrast.

    A change ``mean_w[s(z_a) - s(z_b)]`` has the gradient ``mean_w[s'(z_a) x_a - s'(z_b)
    x_b]``; a derivative ``mean_w[q G]`` with ``q = s(1 - s)``, ``G = D beta`` has
    ``mean_w[q (1 - 2 s) G x + q (0, D)]`` (``x`` = ``[1, row]`` with an intercept).
    The complex step it replaces cost a pass per coefficient and contrast (a table
    with a 40-level categorical: 34 s at 50k rows).
    """
    S = float(np.sum(w))
    slopes = beta[1:] if fit_intercept else beta

    def design_row(A: NDArray, v: NDArray) -> NDArray:  # v @ [1, A] (or v @ A)
        head = [np.array([np.sum(v)])] if fit_intercept else []
        return np.concatenate([*head, v @ A])

    def sigmoid(A: NDArray) -> NDArray:  # the effects' own probabilities
        return _probabilities(beta, A, fit_intercept, offset)[:, 0]

    rows = []
    for kind, A, D in contrasts:
        if kind == "change":
            pa, pb = sigmoid(A), sigmoid(D)
            g = design_row(A, w * pa * (1 - pa)) - design_row(D, w * pb * (1 - pb))
        else:
            P = sigmoid(A)
            q = P * (1.0 - P)
            G = D @ slopes
            g = design_row(A, w * q * (1.0 - 2.0 * P) * G)
            g[int(fit_intercept) :] += (w * q) @ D
        rows.append(g / S)
    return np.asarray(rows)


def _at_means(design: Any, values: dict[str, NDArray], w: NDArray) -> dict[str, NDArray]:
    """One row: numeric and boolean variables at their weighted means, each categorical
    as its level shares (an unseen level counts as the reference, as it is coded)."""
    out: dict[str, NDArray] = {}
    for c in design.columns:
        v = values[c["name"]]
        if c["kind"] == "categorical":
            codes = np.where(v < 0, _reference(design, c["name"]), v)
            shares = np.bincount(codes, weights=w, minlength=len(c["levels"])) / np.sum(w)
            out[c["name"]] = shares[None, :]
        else:
            out[c["name"]] = np.atleast_1d(w @ v / np.sum(w))
    return out


def _reference(design: Any, name: str) -> int:
    """The code of categorical ``name``'s reference level (0 for a design without the
    notion: the first level)."""
    code = getattr(design, "reference_code", None)
    return 0 if code is None else int(code(name))


def _numeric_categories(design: Any, at: str) -> dict[str, tuple[list[Any], Any]]:
    """The numeric columns the formula codes as categories (``C(dose)``), with their
    levels and reference: each gets a discrete change per level, as a categorical
    column does. Refused where that is not one change: a column that also enters as a
    number (``dose + C(dose)``), or ``at="mean"`` (its levels are the formula
    library's to code: no share of each can stand in for the column)."""
    import re

    out = {}
    for c in design.columns:
        if c["kind"] != "numeric":
            continue
        coded = re.compile(rf"C\(\s*{re.escape(c['name'])}\s*[,)].*\[")
        if not any(coded.search(t["name"]) for t in design.terms):
            continue
        found = design.numeric_categories(c["name"])
        if found is None:
            raise ValueError(
                f"margeff: the numeric column {c['name']!r} enters the formula both as "
                f"categories (C({c['name']})) and as a number, so no one effect describes "
                "it; use by='column' for the effect of each model column"
            )
        if at == "mean":
            raise ValueError(
                f"margeff: at='mean' cannot put the column {c['name']!r}, coded as "
                f"categories (C({c['name']})), at its level shares; use at='overall', or "
                f"store it as text before fitting (table[{c['name']!r}].astype(str))"
            )
        out[c["name"]] = found
    return out


def variable_contrasts(
    design: Any, table: Any, at: str, w: NDArray[np.float64], dummy: bool
) -> tuple[list[str], list[tuple[str, NDArray, NDArray]], NDArray[np.float64]]:
    """The rows of a per-variable table, what each needs, and the weights of the
    rows they are averaged over (one row of weight 1 for ``at="mean"``).

    See the module docstring for the definitions.
    """
    coded = _numeric_categories(design, at)
    values = design.values(table)
    binary = {
        c["name"]
        for c in design.columns
        if c["kind"] == "boolean"
        or (
            dummy
            and c["kind"] == "numeric"
            and c["name"] not in coded
            and np.all(np.isin(values[c["name"]], (0.0, 1.0)))
        )
    }
    if at == "mean":
        values, w = _at_means(design, values, w), np.ones(1)
    X = design.matrix(values)
    labels: list[str] = []
    contrasts: list[tuple[str, NDArray, NDArray]] = []

    def at_value(name: str, v: float) -> NDArray:
        return design.matrix(dict(values, **{name: np.full(len(w), v)}))

    for c in design.columns:
        name, kind = c["name"], c["kind"]
        if kind == "categorical":
            ref = _reference(design, name)  # the formula's reference level
            base = at_value(name, ref)
            for code, level in enumerate(c["levels"]):
                if code != ref:
                    labels.append(f"{name}[T.{level}]")
                    contrasts.append(("change", at_value(name, code), base))
        elif name in coded:  # C(dose): the change to each level from the reference
            levels, ref = coded[name]
            base = at_value(name, ref)
            for level in levels:
                if level != ref:
                    labels.append(f"{name}[T.{level}]")
                    contrasts.append(("change", at_value(name, level), base))
        elif name in binary:
            labels.append(name)
            contrasts.append(("change", at_value(name, 1.0), at_value(name, 0.0)))
        else:
            labels.append(name)
            contrasts.append(("dydx", X, design.derivative(values, name)))
    return labels, contrasts, w


def variable_effects(
    coef: NDArray[np.float64],
    cov: NDArray[np.float64],
    design: Any,
    table: Any,
    *,
    fit_intercept: bool,
    at: str = "overall",
    sample_weight: NDArray[np.float64] | None = None,
    dummy: bool = False,
    offset: NDArray[np.float64] | None = None,
    cov_root: NDArray[np.float64] | None = None,
) -> tuple[list[str], NDArray[np.float64], NDArray[np.float64]]:
    """Per-variable effects (K_out, v), their standard errors and the row labels.

    ``design`` is the model's :class:`~oneneuron.tables.DesignSpec` and ``table``
    the rows to average over (see the module docstring); the standard errors
    are the delta method's, the Jacobian by complex step as
    :func:`marginal_effects`. ``offset`` (one value per row) enters every
    logit; at the mean, its (weighted) mean. ``cov_root`` as :func:`marginal_effects`.
    """
    if at not in AT:
        raise ValueError(f"at must be one of {AT}, got {at!r}")
    n = len(next(iter(design.values(table).values()))) if design.columns else 0
    w = row_weights(sample_weight, n)
    if offset is not None and at == "mean":
        offset = np.atleast_1d(w @ offset / np.sum(w))
    labels, contrasts, w = variable_contrasts(design, table, at, w, dummy)
    beta = np.asarray(coef, dtype=np.float64).ravel()
    eff = _variable_effects(beta, contrasts, w, fit_intercept, offset)
    if eff.shape[0] == 1:  # binary: the Jacobian in closed form, one pass per contrast
        J = _binary_variable_jacobian(beta, contrasts, w, fit_intercept, offset)
    else:
        J = _complex_step_jacobian(beta, contrasts, w, fit_intercept, offset, eff.size)
    V = _delta_covariance(J, cov, cov_root)
    se = np.sqrt(np.clip(np.diag(V), 0.0, None)).reshape(eff.shape)
    return labels, eff, se


def margeff_table(
    result: Any,
    X: Any,
    *,
    fit_intercept: bool,
    at: str = "overall",
    sample_weight: Any = None,
    level: float = 0.95,
    dummy: bool = False,
    design: Any = None,
    offset: Any = None,
) -> pd.DataFrame:
    """Marginal effects as a table: ``dy_dx, std_err, z, p_value, ci_low, ci_high``.

    Indexed by feature (binary) or ``(class, feature)`` (multinomial). With a
    ``design`` (a :class:`~oneneuron.tables.DesignSpec`), ``X`` is a table and the
    rows are its variables (:func:`variable_effects`); otherwise ``X`` is the
    model's columns, one row each (:func:`marginal_effects`). ``offset``: one
    value per row of ``X``, added to every logit (at the mean: its mean).
    """
    result.check_available()
    level = check_level(level)
    if design is not None:
        features, eff, se = variable_effects(
            result.coef,
            result.cov,
            design,
            X,
            fit_intercept=fit_intercept,
            at=at,
            sample_weight=sample_weight,
            dummy=dummy,
            offset=offset,
            cov_root=result.cov_root,
        )
    else:
        eff, se, _ = marginal_effects(
            result.coef,
            result.cov,
            X,
            fit_intercept=fit_intercept,
            at=at,
            sample_weight=sample_weight,
            level=level,
            dummy=dummy,
            offset=offset,
            cov_root=result.cov_root,
        )
        features = list(result.terms[1:] if fit_intercept else result.terms)
    aliased = [result.terms[j] for j in (result.extra or {}).get("aliased_terms", [])]
    if aliased:  # R's NA: an aliased column has no effect of its own to estimate
        na = np.isin(np.asarray(features, dtype=object), aliased)
        eff, se = np.array(eff, dtype=np.float64), np.array(se, dtype=np.float64)
        eff[:, na], se[:, na] = np.nan, np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        z = eff / se
    q = float(stats.norm.ppf(0.5 + level / 2.0))
    data = {
        "dy_dx": eff.ravel(),
        "std_err": se.ravel(),
        "z": z.ravel(),
        "p_value": 2.0 * stats.norm.sf(np.abs(z.ravel())),
        "ci_low": (eff - q * se).ravel(),
        "ci_high": (eff + q * se).ravel(),
    }
    if eff.shape[0] > 1:
        index = pd.MultiIndex.from_product(
            [list(result.classes), features], names=["class", "feature"]
        )
    else:
        index = pd.Index(features, name="feature")
    table = pd.DataFrame(data, index=index)
    what = "average marginal effects" if at == "overall" else "marginal effects at the mean"
    if design is not None:
        what += " per variable (discrete changes for categorical and boolean variables)"
        if at == "mean":
            what = what.replace(
                "at the mean", "at the means of the variables (shares for categoricals)"
            )
    table.attrs["caption"] = f"{what} on P(class), delta-method standard errors"
    if getattr(result, "penalized", False):  # as summary() labels the coefficients
        table.attrs["caption"] += (
            f"; PENALIZED fit (alpha={result.alpha:g}): from the Laplace-approximate "
            "covariance around shrunken coefficients, not frequentist"
        )
    return table
