"""Marginal effects per variable (a model fitted on a table or a formula).

Oracle: statsmodels' formula fit on the same data, its predicted probabilities
differentiated numerically in the test (in the variable, and in the parameters
for the delta method with statsmodels' covariance); nothing of oneneuron's
derivative code is used on that side.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron

smf = pytest.importorskip("statsmodels.formula.api")
patsy = pytest.importorskip("patsy")


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(5)
    n = 400
    df = pd.DataFrame(
        {
            "x": rng.standard_normal(n),
            "z": rng.uniform(1.0, 3.0, n),
            "g": rng.choice(["a", "b", "c"], n),
            "m": rng.random(n) < 0.4,
        }
    )
    eta = (
        0.3
        + 0.8 * df.x
        - 0.4 * df.x**2
        + 0.5 * np.log(df.z)
        + 0.6 * (df.g == "b")
        - 0.3 * (df.g == "c")
        + 0.4 * df.m
        + 0.3 * df.x * df.z
    )
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    u = rng.random(n)
    p1 = 1 / (1 + np.exp(-(0.2 + 0.7 * df.x - 0.3 * df.x**2)))
    df["y3"] = np.where(u < 0.3, 0, np.where(u < 0.3 + 0.7 * p1, 1, 2))
    return df


def _sm_effect(res, df, column, at, level=None, multinomial=False):
    """Effect and delta-method standard error from statsmodels' own predictions."""
    info = res.model.data.model_spec  # patsy DesignInfo (statsmodels 0.15)
    base = df.copy()
    if at == "mean":
        for c in ("x", "z"):
            base[c] = df[c].mean()
    params = np.asarray(res.params, dtype=np.float64)
    shape = params.shape

    def prob(theta, frame):
        X = np.asarray(patsy.build_design_matrices([info], frame)[0])
        P = res.model.predict(theta.reshape(shape), X)
        return P if multinomial else np.column_stack([1 - P, P])[:, 1:]

    def effect(theta):
        if level is not None:  # discrete change against the reference
            hi, lo = base.copy(), base.copy()
            hi[column], lo[column] = level[0], level[1]
            return (prob(theta, hi) - prob(theta, lo)).mean(axis=0)
        h = 1e-4 * np.maximum(1.0, np.abs(base[column].to_numpy()))
        up, down = base.copy(), base.copy()
        up[column] = base[column] + h
        down[column] = base[column] - h
        return ((prob(theta, up) - prob(theta, down)) / (2 * h)[:, None]).mean(axis=0)

    flat = params.ravel(order="F") if multinomial else params
    eff = effect(flat.reshape(shape, order="F") if multinomial else flat)
    J = np.empty((eff.size, flat.size))
    for j in range(flat.size):
        step = 1e-4 * max(1.0, abs(flat[j]))
        a, b = flat.copy(), flat.copy()
        a[j] += step
        b[j] -= step
        if multinomial:
            a, b = a.reshape(shape, order="F"), b.reshape(shape, order="F")
        J[:, j] = (effect(a.ravel()) - effect(b.ravel())) / (2 * step)
    cov = np.asarray(res.cov_params(), dtype=np.float64)
    return eff, np.sqrt(np.diag(J @ cov @ J.T))


FORMULA = "y ~ x + I(x**2) + np.log(z) + C(g) + m + x:z"
ROWS = [
    ("x", "x", None),
    ("z", "z", None),
    ("g[T.b]", "g", ("b", "a")),
    ("g[T.c]", "g", ("c", "a")),
    ("m", "m", (True, False)),
]


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_binary_effects_per_variable_match_statsmodels(table, at):
    ref = smf.logit(FORMULA, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    clf = oneneuron.logit(FORMULA, table, tol=1e-12)
    got = clf.margeff(table, at=at)
    assert got.index.tolist() == [r[0] for r in ROWS]  # one row per variable / level
    for label, column, level in ROWS:
        eff, se = _sm_effect(ref, table, column, at, level)
        np.testing.assert_allclose(got.loc[label, "dy_dx"], eff[0], rtol=1e-6)
        np.testing.assert_allclose(got.loc[label, "std_err"], se[0], rtol=1e-6)


def test_multinomial_effects_per_variable_match_statsmodels(table):
    formula = "y3 ~ x + I(x**2) + C(g)"
    ref = smf.mnlogit(formula, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    clf = oneneuron.logit(formula, table, tol=1e-12)
    got = clf.margeff(table)
    for label, column, level in [("x", "x", None), ("g[T.c]", "g", ("c", "a"))]:
        eff, se = _sm_effect(ref, table, column, "overall", level, multinomial=True)
        np.testing.assert_allclose(got.xs(label, level="feature")["dy_dx"], eff, rtol=1e-6)
        np.testing.assert_allclose(got.xs(label, level="feature")["std_err"], se, rtol=1e-6)


def test_by_column_and_arrays_keep_the_per_column_effects(table):
    clf = oneneuron.logit("y ~ x + I(x**2) + C(g)", table)
    cols = clf.margeff(table, by="column")
    assert cols.index.tolist() == ["x", "I(x ** 2)", "C(g)[T.b]", "C(g)[T.c]"]
    X = clf.design_.transform(table)
    plain = oneneuron.NeuronClassifier().fit(X, table["y"])
    np.testing.assert_allclose(cols["dy_dx"], plain.margeff(X)["dy_dx"], rtol=1e-6)
    with pytest.raises(ValueError, match="per variable need the table"):
        clf.margeff(X)
    with pytest.raises(ValueError, match="by must be"):
        clf.margeff(table, by="term")
