"""Marginal effects per variable (a model fitted on a table or a formula).

Oracle: statsmodels' formula fit on the same data, its predicted probabilities
differentiated numerically in the test (in the variable, and in the parameters
for the delta method with statsmodels' covariance); nothing of oneneuron's
derivative code is used on that side.
"""

from __future__ import annotations

import re

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


def _points(df, at, fixed=None):
    """The rows the effect is averaged over, with their weights (a frame, an array).

    ``at="mean"``: one point, x and z at their means, g and m at their sample
    shares (a mixture of the rows with every combination, weighted by products
    of shares); ``fixed`` sets one variable to one value in every row.
    """
    if at == "overall":
        frame = df.copy()
        if fixed:
            frame[fixed[0]] = fixed[1]
        return frame, np.full(len(df), 1.0 / len(df))
    shares = {c: df[c].value_counts(normalize=True).to_dict() for c in ("g", "m")}
    if fixed and fixed[0] in shares:
        shares[fixed[0]] = {fixed[1]: 1.0}
    rows, weights = [], []
    for g, wg in shares["g"].items():
        for m, wm in shares["m"].items():
            rows.append({"x": df.x.mean(), "z": df.z.mean(), "g": g, "m": m})
            weights.append(wg * wm)
    frame = pd.DataFrame(rows)
    frame["g"] = pd.Categorical(frame["g"], categories=sorted(df.g.unique()))
    if fixed and fixed[0] not in shares:
        frame[fixed[0]] = fixed[1]
    return frame, np.array(weights)


def _sm_effect(res, df, column, at, level=None, multinomial=False):
    """Effect and delta-method standard error from statsmodels' own predictions."""
    info = res.model.data.model_spec  # patsy DesignInfo (statsmodels 0.15)
    params = np.asarray(res.params, dtype=np.float64)
    shape = params.shape

    def design(frame, w):  # at="mean": one row, the weighted sum of the mixture's rows
        X = np.asarray(patsy.build_design_matrices([info], frame)[0])
        return X if at == "overall" else (w @ X)[None, :]

    if level is not None:  # discrete change against the reference
        hi, lo = (design(*_points(df, at, (column, v))) for v in level)
        scale = 1.0
    else:
        base, w = _points(df, at)
        h = 1e-4 * np.maximum(1.0, np.abs(base[column].to_numpy()))
        up, down = base.copy(), base.copy()
        up[column] = base[column] + h
        down[column] = base[column] - h
        hi, lo = design(up, w), design(down, w)
        scale = 1.0 / (2 * h[: len(hi), None])

    def effect(theta):
        def prob(X):
            P = res.model.predict(theta.reshape(shape), X)
            return P if multinomial else np.column_stack([1 - P, P])[:, 1:]

        return np.mean((prob(hi) - prob(lo)) * scale, axis=0)

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


def _compare(got, ref, table, at, rows, multinomial=False):
    for label, column, level in rows:
        eff, se = _sm_effect(ref, table, column, at, level, multinomial)
        row = got.xs(label, level="feature") if multinomial else got.loc[[label]]
        np.testing.assert_allclose(row["dy_dx"], eff, rtol=1e-6)
        np.testing.assert_allclose(row["std_err"], se, rtol=1e-6)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_binary_effects_per_variable_match_statsmodels(table, at):
    ref = smf.logit(FORMULA, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    got = oneneuron.logit(FORMULA, table, tol=1e-12).margeff(table, at=at)
    assert got.index.tolist() == [r[0] for r in ROWS]  # one row per variable / level
    _compare(got, ref, table, at, ROWS)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_interaction_with_a_categorical_matches_statsmodels(table, at):
    formula = "y ~ x + C(g) + x:C(g) + z"
    ref = smf.logit(formula, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    got = oneneuron.logit(formula, table, tol=1e-12).margeff(table, at=at)
    _compare(got, ref, table, at, [r for r in ROWS if r[0] in ("x", "z", "g[T.b]")])


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_multinomial_effects_per_variable_match_statsmodels(table, at):
    formula = "y3 ~ x + I(x**2) + C(g) + m"
    ref = smf.mnlogit(formula, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    got = oneneuron.logit(formula, table, tol=1e-12).margeff(table, at=at)
    assert got.index.get_level_values("class").unique().tolist() == [0, 1, 2]
    _compare(got, ref, table, at, [r for r in ROWS if r[0] != "z"], multinomial=True)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_plain_numeric_variables_equal_statsmodels_get_margeff(table, at):
    # no transforms: every design column at its mean is the variables at their means
    # and shares, so statsmodels' own get_margeff is the oracle for x and z
    formula = "y ~ x + z + C(g)"
    ref = smf.logit(formula, table).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    frame = ref.get_margeff(at=at).summary_frame()
    got = oneneuron.logit(formula, table, tol=1e-12).margeff(table, at=at)
    for name in ("x", "z"):
        np.testing.assert_allclose(
            got.loc[name, ["dy_dx", "std_err"]],
            frame.loc[name, ["dy/dx", "Std. Err."]].astype(float),
            rtol=1e-6,
        )


def test_at_mean_is_one_point_at_the_variables_means(table):
    # the effect of x at the mean of x + I(x**2) is p(1-p)(b1 + 2 b2 mean(x)) at that point
    clf = oneneuron.logit("y ~ x + I(x**2) + C(g)", table, tol=1e-12)
    b = clf.coef_.ravel()
    shares = table.g.value_counts(normalize=True).sort_index().to_numpy()
    xbar = table.x.mean()
    eta = clf.intercept_[0] + b[0] * xbar + b[1] * xbar**2 + b[2:] @ shares[1:]
    p = 1 / (1 + np.exp(-eta))
    got = clf.margeff(table, at="mean").loc["x", "dy_dx"]
    np.testing.assert_allclose(got, p * (1 - p) * (b[0] + 2 * b[1] * xbar), rtol=1e-10)


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


@pytest.mark.parametrize("at", ["overall", "mean"])
@pytest.mark.parametrize(
    "unsaved, same",
    [
        # poly(x, 2, raw=True) spans what x + I(x**2) spans: the same model, so the
        # same effects (here the design is differentiated numerically and the
        # categorical and boolean shares at the mean are mixed over every combination
        # of levels; poly(x, 2) itself is saved and differentiated exactly)
        ("y ~ poly(x, 2, raw=True) + C(g) + m", "y ~ x + I(x**2) + C(g) + m"),
        # bs(x) refuses values beyond the training range, and the central difference at
        # the row holding max(x) stepped past it: margeff on the training table raised
        # formulaic's FactorEvaluationError. A cubic B-spline without interior knots
        # spans the cubic polynomials, so the effects are those of x + I(x**2) + I(x**3)
        ("y ~ bs(x, df=3) + C(g)", "y ~ x + I(x**2) + I(x**3) + C(g)"),
    ],
    ids=["poly", "spline inside its bounds"],
)
def test_a_formula_outside_the_saved_list_gives_the_same_effects(table, at, unsaved, same):
    a = oneneuron.logit(unsaved, table, tol=1e-12)
    assert a.design_.unsaved is not None
    b = oneneuron.logit(same, table, tol=1e-12)
    cols = ["dy_dx", "std_err"]
    np.testing.assert_allclose(
        a.margeff(table, at=at)[cols], b.margeff(table, at=at)[cols], rtol=1e-6
    )


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_weights_equal_repeated_rows_per_variable(table, at):
    # frequency weights: the means, shares and averages of the repeated table
    small = table.iloc[:60].reset_index(drop=True)
    w = np.arange(60) % 3 + 1
    clf = oneneuron.logit("y ~ x + I(x**2) + C(g) + m", table)
    a = clf.margeff(small, at=at, sample_weight=w)
    b = clf.margeff(small.loc[small.index.repeat(w)], at=at)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-10)
    assert not np.allclose(a["dy_dx"], clf.margeff(small, at=at)["dy_dx"])


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_an_offset_enters_the_effects(table, at):
    # statsmodels' get_margeff refuses offsets, so the oracle is its predictions
    # with the offset (at the mean: x at its mean, the offset at its mean),
    # differentiated in x (per variable: both columns move; per column: x alone)
    # and, for the delta method, in the parameters
    off = np.log(table.z.to_numpy())
    ref = smf.logit("y ~ x + I(x**2)", table, offset=off).fit(
        disp=0, method="newton", tol=1e-12, maxiter=100
    )
    clf = oneneuron.NeuronClassifier(formula="y ~ x + I(x**2)", tol=1e-12)
    clf.fit(table, offset=off)
    X = clf.design_.transform(table)
    plain = oneneuron.NeuronClassifier(tol=1e-12).fit(X, table.y, offset=off)
    x, o = table.x.to_numpy(), off
    if at == "mean":
        x, o = np.array([x.mean()]), np.array([o.mean()])
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    x2 = np.mean(X[:, 1]) if at == "mean" else X[:, 1]

    def effect(theta, square):
        def prob(v):
            sq = v**2 if square is None else square
            return ref.model.predict(theta, np.column_stack([np.ones_like(v), v, sq]), offset=o)

        return np.mean((prob(x + h) - prob(x - h)) / (2 * h))

    theta = np.asarray(ref.params)
    for square, got in (
        (None, clf.margeff(table, at=at, offset=off)),
        (None, clf.margeff(table[["x"]], at=at, offset=off)),
        (x2 + 0 * x, plain.margeff(X, at=at, offset=off)),
    ):
        steps = 1e-5 * np.eye(theta.size)
        J = np.array([effect(theta + e, square) - effect(theta - e, square) for e in steps]) / 2e-5
        se = np.sqrt(J @ np.asarray(ref.cov_params()) @ J)
        np.testing.assert_allclose(
            got.iloc[0][["dy_dx", "std_err"]], [effect(theta, square), se], rtol=1e-6
        )
    assert not np.isclose(
        clf.margeff(table, at=at, offset=0 * off).loc["x", "dy_dx"], effect(theta, None)
    )
    with pytest.raises(ValueError, match="pass offset="):
        clf.margeff(table, at=at)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_dummy_gives_a_numeric_zero_one_variable_the_boolean_change(table, at):
    # m as 0/1 numbers with dummy=True is the boolean m (checked against statsmodels above)
    numeric = table.assign(m=table.m.astype(float))
    a = oneneuron.logit("y ~ x + I(x**2) + C(g) + m", table, tol=1e-12).margeff(table, at=at)
    fit = oneneuron.logit("y ~ x + I(x**2) + C(g) + m", numeric, tol=1e-12)
    b = fit.margeff(numeric, at=at, dummy=True)
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=1e-6)
    c = fit.margeff(numeric, at=at)  # without dummy=True: the derivative in m
    assert not np.isclose(c.loc["m", "dy_dx"], a.loc["m", "dy_dx"], rtol=1e-3)


@pytest.mark.parametrize("K", [2, 3])
def test_a_numeric_column_coded_as_categories_gets_a_change_per_level(K):
    """``C(dose)`` of a numeric column is a categorical variable: per level, the discrete
    change from the reference, exactly as the same levels stored as text give them
    (it was refused, with astype(str) as the way out). A treatment reference moves the
    contrasts: each equals the difference of the default ones. at="mean" takes the level
    shares, also for ``C(dose, Treatment(3))`` (the categorical of its numbers, as plain
    ``C(dose)`` is; it was refused). Refused, with the reason: a column that also enters
    as a number; by="column" keeps the per-column effects."""
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"dose": rng.integers(1, 4, n), "x": rng.normal(size=n)})
    z = -0.5 + 0.8 * (df.dose == 2) + 1.5 * (df.dose == 3) + df.x
    noisy = z + rng.logistic(size=n)
    df["y"] = np.digitize(noisy, [0.0, 1.5]) if K == 3 else (noisy > 0).astype(int)
    m = oneneuron.logit("y ~ C(dose) + x", df, tol=1e-12)
    text = df.assign(dose=df.dose.astype(str))
    oracle = oneneuron.logit("y ~ C(dose) + x", text, tol=1e-12).margeff(text)
    got = m.margeff(df)
    assert list(got.index) == list(oracle.index)
    assert {"dose[T.2]", "dose[T.3]"} <= {str(v) for v in np.ravel(got.index.to_list())}
    np.testing.assert_allclose(got.to_numpy(), oracle.to_numpy(), rtol=1e-9, atol=1e-12)
    if K == 2:
        ref3 = oneneuron.logit("y ~ C(dose, Treatment(reference=3)) + x", df, tol=1e-12)
        moved = ref3.margeff(df)["dy_dx"]
        base = got["dy_dx"]
        assert moved["dose[T.1]"] == pytest.approx(-base["dose[T.3]"], abs=1e-9)
        assert moved["dose[T.2]"] == pytest.approx(base["dose[T.2]"] - base["dose[T.3]"], abs=1e-9)
    # plain C(dose) is the categorical of dose's numbers: at="mean" takes its level
    # shares, as for the same levels stored as text
    at_mean = oneneuron.logit("y ~ C(dose) + x", text, tol=1e-12).margeff(text, at="mean")
    np.testing.assert_allclose(m.margeff(df, at="mean").to_numpy(), at_mean.to_numpy(), rtol=1e-9)
    if K == 2:  # a numeric column coded by a contrast is the categorical of its numbers
        # too (it was refused: no level shares stood in for it), as the text column is
        text3 = oneneuron.logit("y ~ C(dose, Treatment(reference='3')) + x", text, tol=1e-12)
        np.testing.assert_allclose(
            ref3.margeff(df, at="mean").to_numpy(),
            text3.margeff(text, at="mean").to_numpy(),
            rtol=1e-9,
        )
    both = oneneuron.logit("y ~ C(dose) + dose:x + x", df)
    with pytest.raises(ValueError, match=r"'dose'.*both as categories.*and as a number"):
        both.margeff(df)
    cols = m.margeff(df, by="column")
    assert np.all(np.isfinite(cols["dy_dx"])) and len(cols) == 3 * (K if K > 2 else 1)


def test_margeff_of_a_relaxed_l1_model_is_the_refits():
    """relax=True keeps the refit's statistics (the kept columns only): margeff crashed
    with a reshape error, then was refused; now it is the refit's effects on the kept
    columns (checked against a direct fit), as its summary() is the refit's."""
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(3)
    n = 500
    df = pd.DataFrame({"x": rng.normal(size=n), "w": rng.normal(size=n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + df.x)))).astype(int)
    m = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(df[["x", "w"]], df["y"])
    assert np.sum(m.coef_ != 0) == 1  # w dropped
    direct = NeuronClassifier().fit(df[["x"]], df["y"]).margeff(df[["x"]])
    for by in ("variable", "column"):
        pd.testing.assert_frame_equal(m.margeff(df[["x", "w"]], by=by), direct, rtol=1e-6)
    pd.testing.assert_frame_equal(m.relaxed_.margeff(df[["x"]]), direct, rtol=1e-6)


def test_the_binary_closed_form_jacobian_equals_the_complex_step():
    """margeff per variable took a pass per coefficient and contrast (a 40-level categorical:
    34 s at 50k rows); the binary Jacobian is now in closed form. Oracle: the complex step."""
    import oneneuron
    from oneneuron.stats import _margins

    rng = np.random.default_rng(2)
    n = 400
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                       "a": rng.choice(list("pqrst"), n), "f": rng.random(n) < 0.4})  # fmt: skip
    y = (rng.random(n) < 1 / (1 + np.exp(-(df.x - 0.5 * df.z + (df.a == "q"))))).astype(int)
    m = oneneuron.logit("y ~ x + z + x:z + I(x**2) + C(a) + f", df.assign(y=y))
    coef = np.r_[m.intercept_, m.coef_[0]]
    for at in ("overall", "mean"):
        for dummy in (False, True):
            w = np.ones(n)
            _, contrasts, w = _margins.variable_contrasts(m.design_, df, at, w, dummy)
            for offset in (None, rng.normal(size=len(w)) * 0.1):
                closed = _margins._binary_variable_jacobian(coef, contrasts, w, True, offset)
                size = len(contrasts)
                step = _margins._complex_step_jacobian(coef, contrasts, w, True, offset, size)
                np.testing.assert_allclose(closed, step, rtol=1e-10, atol=1e-13)


def test_class_weights_do_not_weight_the_average_unless_given_as_sample_weight():
    """The decision: class_weight reweights the fit's loss, not the population the
    effects average over; margeff(X) is the plain average over the rows given, and
    sample_weight=class_weight[y] gives the reweighted one (closed form p (1 - p) beta)."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 2))
    y = (rng.uniform(size=120) < 1 / (1 + np.exp(1.5 - X[:, 0]))).astype(int)
    clf = oneneuron.NeuronClassifier(class_weight={0: 1.0, 1: 4.0}, tol=1e-10).fit(X, y)
    p = clf.predict_proba(X)[:, 1]
    slope = p * (1 - p)
    plain = clf.margeff(X)["dy_dx"].to_numpy()
    np.testing.assert_allclose(plain, slope.mean() * clf.coef_[0], rtol=1e-8)
    w = np.where(y == 1, 4.0, 1.0)
    weighted = clf.margeff(X, sample_weight=w)["dy_dx"].to_numpy()
    np.testing.assert_allclose(weighted, np.average(slope, weights=w) * clf.coef_[0], rtol=1e-8)


@pytest.mark.parametrize(
    ("term", "reference", "others"),
    [
        ("C(g, Treatment('c'))", "c", ("a", "b")),
        ("C(g, Treatment(reference='b')):x + C(g, Treatment(reference='b'))", "b", ("a", "c")),
        ("C(g, levels=['b', 'c', 'a'])", "b", ("a", "c")),  # the table's level order
    ],
)
@pytest.mark.parametrize("at", ["overall", "mean"])
def test_a_categoricals_changes_are_against_the_formulas_reference(
    table, term, reference, others, at
):
    """``C(g, Treatment('c'))``: the per-variable rows were changes against the first
    level 'a' (labelled g[T.b], g[T.c]: the reference itself among them), not against
    the reference the formula names. Oracle: statsmodels' predictions."""
    formula = f"y ~ x + {term}"
    got = oneneuron.logit(formula, table).margeff(table, at=at)
    ref = smf.logit(formula, table).fit(disp=0)
    assert [i for i in got.index if i.startswith("g[")] == [f"g[T.{v}]" for v in others]
    rows = [(f"g[T.{v}]", "g", (v, reference)) for v in others]
    _compare(got, ref, table, at, [("x", "x", None), *rows])


def test_margeff_on_a_table_with_an_unseen_level_warns_as_predict_does(table):
    """Per-variable effects on rows holding a level not seen in training coded them as
    the reference level silently; predict_proba on the same rows warns. Oracle: the
    effects equal those on the table with the reference level written in."""
    import warnings

    from oneneuron import UnknownCategoryWarning

    clf = oneneuron.logit("y ~ x + C(g)", table)
    new = table.assign(g=np.where(np.arange(len(table)) % 5 == 0, "zz", table["g"]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = clf.margeff(new)
    assert [w.category for w in caught] == [UnknownCategoryWarning]
    same = clf.margeff(new.assign(g=new["g"].replace("zz", "a")))
    np.testing.assert_allclose(got["dy_dx"], same["dy_dx"], rtol=1e-12)


@pytest.mark.parametrize(
    "case", ["short", "two columns", "negative", "NaN", "infinite", "all zero", "text"]
)
def test_bad_sample_weight_is_one_error_in_every_statistic_that_takes_the_rows(case):
    """margeff averaged with weights of the wrong length (a NumPy matmul error), or NaN,
    infinite, negative or all-zero weights (silently NaN effects, or an average with a
    negative weight); diagnostics gave NaN leverages; anova and profile intervals said
    the data were not the training data. Each now names sample_weight and the cause."""
    import statsmodels.api as sm

    from oneneuron import anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    w = np.arange(len(y)) % 3 + 1.0
    clf = oneneuron.NeuronClassifier().fit(X, y, sample_weight=w)
    bad = {
        "short": (w[:-1], f"has {len(y) - 1} values but X has {len(y)} rows"),
        "two columns": (np.c_[w, w], "one weight per row"),
        "negative": (np.r_[-1.0, w[1:]], "row 0 holds -1.0"),
        "NaN": (np.r_[w[:4], np.nan, w[5:]], "row 4 holds NaN"),
        "infinite": (np.r_[np.inf, w[1:]], "row 0 holds infinity"),
        "all zero": (0 * w, "all weights are zero"),
        "text": (np.array(["a"] * len(y)), "numbers"),
    }[case]
    calls = [
        lambda sw: clf.margeff(X, sample_weight=sw),
        lambda sw: clf.margeff(X, at="mean", sample_weight=sw),
        lambda sw: diagnostics(clf, X, y, sample_weight=sw),
        lambda sw: anova(clf, X, y, sample_weight=sw),
        lambda sw: clf.summary(ci="profile", X=X, y=y, sample_weight=sw),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"sample_weight.*" + re.escape(bad[1])):
            call(bad[0])


@pytest.mark.parametrize("case", ["NaN", "infinite", "text"])
def test_bad_offset_is_one_error_naming_offset_in_every_statistic(case):
    """anova and profile intervals read a NaN or infinite offset as 'not the data the model
    was fitted on'; text offsets failed everywhere with NumPy's 'could not convert string
    to float', naming no argument."""
    import statsmodels.api as sm

    from oneneuron import anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    off = np.log(d["hs_grad"].to_numpy()) - 4.4
    clf = oneneuron.NeuronClassifier().fit(X, y, offset=off)
    bad, match = {
        "NaN": (np.r_[np.nan, off[1:]], "offset must be finite"),
        "infinite": (np.r_[off[:-1], np.inf], "offset must be finite"),
        "text": (np.array(["a"] * len(y)), "offset must be numbers"),
    }[case]
    calls = [
        lambda: clf.predict_proba(X, offset=bad),
        lambda: clf.predict_interval(X, offset=bad),
        lambda: clf.margeff(X, offset=bad),
        lambda: diagnostics(clf, X, y, offset=bad),
        lambda: anova(clf, X, y, offset=bad),
        lambda: clf.summary(ci="profile", X=X, y=y, offset=bad),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=match):
            call()


def test_masked_weights_and_offsets_are_refused_by_the_statistics_as_by_fit():
    """fit and score refuse a NumPy masked sample_weight with a masked entry ('has 1
    masked value (row 4)'); margeff, diagnostics, anova and profile intervals used the
    masked entry's hidden number as a weight, and predictions an offset's, silently."""
    import statsmodels.api as sm

    from oneneuron import anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    w = np.arange(len(y)) % 3 + 1.0
    off = np.log(d["hs_grad"].to_numpy()) - 4.4
    hole = np.arange(len(y)) == 4
    mw, mo = np.ma.masked_array(w, mask=hole), np.ma.masked_array(off, mask=hole)
    clf = oneneuron.NeuronClassifier().fit(X, y, sample_weight=w)
    for call in [
        lambda: clf.margeff(X, sample_weight=mw),
        lambda: diagnostics(clf, X, y, sample_weight=mw),
        lambda: anova(clf, X, y, sample_weight=mw),
        lambda: clf.summary(ci="profile", X=X, y=y, sample_weight=mw),
    ]:
        with pytest.raises(ValueError, match=r"sample_weight has 1 masked value \(row 4\)"):
            call()
    with_offset = oneneuron.NeuronClassifier().fit(X, y, offset=off)
    for call in [
        lambda: with_offset.predict_proba(X, offset=mo),
        lambda: with_offset.margeff(X, offset=mo),
        lambda: anova(with_offset, X, y, offset=mo),
    ]:
        with pytest.raises(ValueError, match=r"offset has 1 masked value \(row 4\)"):
            call()
    unmasked = np.ma.masked_array(w, mask=np.zeros(len(y), dtype=bool))  # nothing masked
    pd.testing.assert_frame_equal(
        clf.margeff(X, sample_weight=unmasked), clf.margeff(X, sample_weight=w)
    )


def test_masked_labels_are_missing_labels_in_the_statistics_as_in_fit():
    """fit reads a NumPy masked y's masked entries as missing labels (refused, or dropped
    with missing='drop'); diagnostics, anova and profile intervals used the hidden labels
    silently. Now they refuse them, and with missing='drop' drop those rows as the fit
    did (oracle: the same statistics on the rows without them)."""
    import statsmodels.api as sm

    from oneneuron import anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data.reset_index(drop=True)
    X = d[["poverty", "single", "urban"]]
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    my = np.ma.masked_array(y, mask=np.arange(len(y)) == 4)
    clf = oneneuron.NeuronClassifier().fit(X, y)
    for call in [
        lambda: diagnostics(clf, X, my),
        lambda: anova(clf, X, my),
        lambda: clf.summary(ci="profile", X=X, y=my),
    ]:
        with pytest.raises(ValueError, match=r"y has 1 missing label .* row 4"):
            call()
    dropping = oneneuron.NeuronClassifier(missing="drop").fit(X, my)
    kept = oneneuron.NeuronClassifier().fit(X.drop(index=4), np.delete(y, 4))
    pd.testing.assert_frame_equal(
        anova(dropping, X, my), anova(kept, X.drop(index=4), np.delete(y, 4))
    )
