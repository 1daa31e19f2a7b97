"""An R user's habits, second round: R's spellings that must mean what R documents.

Oracles: R's documentation (``contr.treatment(n, base)``: ``base`` is "an integer
specifying which group is considered the baseline group"), and statsmodels' formula
API (patsy) fitted with the reference level R's spelling names.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron
from oneneuron import NeuronClassifier


@pytest.fixture(scope="module")
def codes():
    """A numeric code column 0/1/2 (R's factor(g) of codes) and a binary target."""
    rng = np.random.default_rng(5)
    n = 300
    g = rng.choice([0, 1, 2], n)
    x = rng.normal(size=n).round(6)
    z = -0.3 + 0.7 * x + np.array([0.0, 0.8, -0.5])[g]
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"y": y, "x": x, "g": g})


@pytest.mark.parametrize("spelled", ["contr.treatment(base=2)", "contr.treatment(2)"])
def test_contr_treatment_base_as_r_counts_it_is_not_read_as_a_level(codes, spelled):
    """R's ``contr.treatment(base=2)`` takes the 2nd level (here the code 1) as the
    reference; formulaic read the 2 as the level 2 and fitted against another reference,
    silently. Now that disagreement is one error naming both readings."""
    with pytest.raises(ValueError, match=r"2nd level.*Treatment\(1\).*Treatment\(2\)"):
        NeuronClassifier(formula=f"y ~ x + C(g, {spelled})").fit(codes)
    with pytest.raises(ValueError, match=r"Treatment\(1\)"):
        oneneuron.logit(f"y ~ x + C(g, {spelled})", codes)


def test_contr_treatment_base_where_r_and_the_level_agree_fits(codes):
    """Codes 1, 2, 3: the 2nd level is the level 2 both ways; the fit is patsy's."""
    smf = pytest.importorskip("statsmodels.formula.api")
    df = codes.assign(g=codes.g + 1)
    ours = NeuronClassifier(formula="y ~ x + C(g, contr.treatment(base=2))").fit(df)
    ref = smf.logit("y ~ x + C(g, Treatment(2))", df).fit(disp=0, tol=1e-12)
    coef = np.r_[ours.intercept_, ours.coef_.ravel()]
    np.testing.assert_allclose(sorted(coef), sorted(ref.params), rtol=1e-6, atol=1e-9)


def test_contr_treatment_base_outside_the_levels_names_rs_level(codes):
    """Codes 4, 6, 8 (cyl): base=2 is no level; the message gives R's reading, the 6."""
    df = codes.assign(g=2 * codes.g + 4)
    with pytest.raises(ValueError, match=r"2nd level.*Treatment\(6\)"):
        NeuronClassifier(formula="y ~ x + C(g, contr.treatment(base=2))").fit(df)


def test_treatment_reference_outside_the_levels_lists_them_in_order(codes):
    """The hint lists a numeric column's levels in the coding's order (sorted), as
    R's levels() prints them; it listed them in order of appearance (8, 4, 6)."""
    df = codes.assign(g=(2 * codes.g + 4)[::-1].to_numpy())
    df.loc[0, "g"] = 8
    with pytest.raises(ValueError, match=r"the levels of 'g' are 4, 6, 8"):
        NeuronClassifier(formula="y ~ x + C(g, Treatment(2))").fit(df)


@pytest.fixture(scope="module")
def exposure():
    """Rows with a count (frequency weight), a log-exposure offset and a cluster label."""
    rng = np.random.default_rng(8)
    n = 240
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n).round(6),
            "g": rng.choice(["a", "b", "c"], n),
            "log_t": rng.normal(scale=0.5, size=n).round(6),
            "n": rng.integers(1, 5, n).astype(float),
            "site": rng.integers(0, 12, n),
        }
    )
    z = -0.2 + 0.9 * df.x + df.log_t
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return df


def _statsmodels_dot(df, **kw):
    """statsmodels' GLM on the columns '.' stands for besides the named ones: x and g."""
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    return smf.glm("y ~ x + g", df, family=sm.families.Binomial(), **kw).fit(tol=1e-12)


@pytest.mark.parametrize("what", ["sample_weight", "offset", "cluster"])
def test_dot_leaves_out_the_columns_named_as_weights_offset_or_clusters(exposure, what):
    """``y ~ .`` with ``sample_weight='n'`` (offset, cluster) made the column of counts a
    feature as well as the weights: ['x', 'g[T.b]', 'g[T.c]', 'log_t', 'n', 'site'], and
    an offset column both the offset and a feature (its coefficient then took the slack).
    Without a formula such columns leave X; the command line's default features leave
    them out too. Now '.' stands for the other columns, as there."""
    df = exposure[["y", "x", "g", {"sample_weight": "n", "offset": "log_t"}.get(what, "site")]]
    name = df.columns[-1]
    cov = {"cov_type": "cluster"} if what == "cluster" else {}
    ours = NeuronClassifier(formula="y ~ .", **cov).fit(df, **{what: name})
    assert list(ours.feature_names_out_) == ["x", "g[T.b]", "g[T.c]"]
    kw = {
        "sample_weight": {"freq_weights": df[name].to_numpy()},
        "offset": {"offset": df[name].to_numpy()},
    }
    ref = _statsmodels_dot(df, **kw.get(what, {}))
    coef = np.r_[ours.intercept_, ours.coef_.ravel()]
    np.testing.assert_allclose(coef, ref.params[["Intercept", "x", "g[T.b]", "g[T.c]"]], rtol=1e-6)
    model = oneneuron.logit("y ~ .", df, **{what: name}, **cov)
    assert list(model.feature_names_out_) == ["x", "g[T.b]", "g[T.c]"]


def test_dot_with_an_offset_named_explicitly_keeps_it_as_a_feature(exposure):
    """A column the formula writes out stays a feature, offset or not (R's
    ``y ~ x + log_t + offset(log_t)``)."""
    df = exposure[["y", "x", "log_t"]]
    ours = NeuronClassifier(formula="y ~ . + log_t").fit(df, offset="log_t")
    assert list(ours.feature_names_out_) == ["x", "log_t"]


def test_cli_dot_with_weights_and_offset_trains_on_the_other_columns(exposure, tmp_path, capsys):
    """``train --formula 'y ~ .' --weights n --offset log_t`` stopped with '--weights n is
    a feature of the model (in --formula)', a column the user never wrote."""
    from _cli import run

    path = tmp_path / "d.csv"
    exposure.drop(columns="site").to_csv(path, index=False)
    model = tmp_path / "m.json"
    args = ["train", path, "--model", model, "--formula", "y ~ .", "--weights", "n"]
    code, _, err = run([*args, "--offset", "log_t", "-q"], capsys)
    assert code == 0, err
    ours = oneneuron.load(model)
    assert list(ours.feature_names_out_) == ["x", "g[T.b]", "g[T.c]"]
    ref = _statsmodels_dot(
        exposure, freq_weights=exposure.n.to_numpy(), offset=exposure.log_t.to_numpy()
    )
    coef = np.r_[ours.intercept_, ours.coef_.ravel()]
    np.testing.assert_allclose(coef, ref.params[["Intercept", "x", "g[T.b]", "g[T.c]"]], rtol=1e-6)


@pytest.fixture(scope="module")
def ordinal():
    """An ordered factor (pandas Categorical, ordered=True) and a text factor."""
    rng = np.random.default_rng(13)
    n = 300
    o = pd.Categorical(rng.choice(["lo", "mid", "hi"], n), ["lo", "mid", "hi"], ordered=True)
    f = rng.choice(["a", "b", "c"], n)
    z = -0.2 + 0.8 * o.codes - 0.4 * (f == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"y": y, "o": o, "f": f})


@pytest.mark.parametrize(
    ("formula", "reference"),
    [
        ("y ~ C(o, Poly)", {"o": "mid"}),  # scrambled the trend: scores over mid < lo < hi
        ("y ~ C(o, Diff)", {"o": "hi"}),
        ("y ~ C(f, Treatment('c'))", {"f": "b"}),  # two references: 'c' won, silently
        ("y ~ C(f, levels=['c', 'a', 'b'])", {"f": "b"}),  # levels' first won, silently
    ],
)
def test_reference_with_a_contrast_in_the_formula_is_refused(ordinal, formula, reference):
    """``reference=`` beside a formula that codes the column with a contrast or levels was
    taken silently: with ``C(o, Poly)`` it moved 'mid' first and the polynomial contrasts
    scored mid < lo < hi (R's relevel refuses an ordered factor; contr.poly has no
    reference), and with ``Treatment('c')`` or ``levels=`` one of the two references was
    dropped. A numeric column was refused so already; now a categorical one is too, with
    the spelling that says it in the formula."""
    with pytest.raises(ValueError, match=r"reference names column .*in the formula"):
        NeuronClassifier(formula=formula, reference=reference).fit(ordinal)


def test_poly_of_an_ordered_factor_is_rs_contr_poly(ordinal):
    """``C(o, Poly)`` of an ordered Categorical codes its categories in their order with
    R's contr.poly(3) (closed form: .L = (-1, 0, 1)/sqrt(2), .Q = (1, -2, 1)/sqrt(6)),
    and the coefficients are statsmodels' on the same coding."""
    sm = pytest.importorskip("statsmodels.api")
    ours = NeuronClassifier(formula="y ~ C(o, Poly)").fit(ordinal)
    basis = np.array([[-1.0, 1.0], [0.0, -2.0], [1.0, 1.0]]) / np.sqrt([2.0, 6.0])
    X = sm.add_constant(basis[ordinal.o.cat.codes])
    ref = sm.Logit(ordinal.y.to_numpy(), X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_.ravel()], ref.params, rtol=1e-6)


def test_bare_treatment_coding_says_what_to_write(ordinal):
    """patsy's ``C(f, Treatment)`` (statsmodels' formulas take it) stopped with formulaic's
    'tuple index out of range'; ``C(f, Sum)`` and the other bare codings work. The message
    now names the spellings that work, and the first of them is statsmodels' model."""
    smf = pytest.importorskip("statsmodels.formula.api")
    with pytest.raises(ValueError, match=r"C\(f\).*Treatment\(\)"):
        NeuronClassifier(formula="y ~ C(f, Treatment)").fit(ordinal)
    ours = NeuronClassifier(formula="y ~ C(f)").fit(ordinal)
    ref = smf.logit("y ~ C(f, Treatment)", ordinal).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_.ravel()], ref.params, rtol=1e-6)


def test_anova_and_wald_terms_say_which_tests_they_are(ordinal):
    """R prints 'Terms added sequentially (first to last)' above anova(fit, test="Chisq"),
    and car::Anova names its type; the two tables here printed bare, so a reader could
    not tell the sequential (type I) deviances from the type III Wald tests. Each now
    carries ``attrs["caption"]`` saying so; the numbers are the nested fits' (statsmodels)."""
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    model = NeuronClassifier(formula="y ~ f + o").fit(ordinal)
    table = oneneuron.anova(model, ordinal)
    assert "sequentially (first to last)" in table.attrs["caption"]
    assert "type I" in table.attrs["caption"]
    dev = [
        smf.glm(f, ordinal, family=sm.families.Binomial()).fit().deviance
        for f in ("y ~ 1", "y ~ f", "y ~ f + o")
    ]
    np.testing.assert_allclose(table["Resid. Dev"], dev, rtol=1e-7)
    wald = oneneuron.wald_terms(model)
    assert "type III" in wald.attrs["caption"]


def test_diagnostics_give_rs_response_and_working_residuals(exposure):
    """R's residuals(fit, type="response") is y - p and type="working" (y - p) / (p (1 - p))
    (the IRLS working residual of the logit link); diagnostics gave only the deviance and
    Pearson kinds. Oracle: statsmodels' GLM resid_response and resid_working, with an
    offset and a factor."""
    sm = pytest.importorskip("statsmodels.api")
    smf = pytest.importorskip("statsmodels.formula.api")
    off = exposure.log_t.to_numpy()
    model = NeuronClassifier(formula="y ~ x + g").fit(exposure, offset=off)
    ours = oneneuron.diagnostics(model, exposure, offset=off)
    ref = smf.glm("y ~ x + g", exposure, family=sm.families.Binomial(), offset=off).fit(tol=1e-12)
    np.testing.assert_allclose(ours["resid_response"], ref.resid_response, rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(ours["resid_working"], ref.resid_working, rtol=1e-6)


def test_contr_treatment_base_on_codes_read_as_text_names_the_quoted_level(codes):
    """Codes 0, 1, 2 read as text (CLI --categorical): R's base=2 is '1', and the text
    level '2' is Treatment('2'), not 'no level'."""
    df = codes.assign(g=codes.g.astype(str))
    with pytest.raises(ValueError, match=r"Treatment\('1'\).*Treatment\('2'\)"):
        NeuronClassifier(formula="y ~ x + C(g, contr.treatment(base=2))").fit(df)


def test_logit_contrasts_argument_names_the_formula_spelling(ordinal):
    """R's ``glm(..., contrasts = list(f = "contr.sum"))`` spelled in ``logit`` stopped with
    "NeuronClassifier.__init__() got an unexpected keyword argument 'contrasts'". The
    error now names the formula's spelling, with which the fit is statsmodels' C(f, Sum)."""
    smf = pytest.importorskip("statsmodels.formula.api")
    with pytest.raises(TypeError, match=r"C\(f, contr\.sum\)"):
        oneneuron.logit("y ~ f", ordinal, contrasts={"f": "contr.sum"})
    ours = oneneuron.logit("y ~ C(f, contr.sum)", ordinal)
    ref = smf.logit("y ~ C(f, Sum)", ordinal).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_.ravel()], ref.params, rtol=1e-6)
