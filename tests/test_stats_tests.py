"""Prediction intervals, LR and Wald tests, odds ratios and offsets against statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from oneneuron import NeuronClassifier, lr_test, wald_terms, wald_test

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _spector() -> tuple[pd.DataFrame, np.ndarray]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]], data.endog.to_numpy()


def _glm(X, y, **kw):
    Xc = sm.add_constant(np.asarray(X), has_constant="add")
    return sm.GLM(y, Xc, family=sm.families.Binomial(), **kw).fit(tol=1e-14)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_predict_interval_matches_glm_get_prediction(cov_type):
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11, cov_type=cov_type).fit(X, y)
    Xc = sm.add_constant(X.to_numpy())
    ref = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(tol=1e-14, cov_type=cov_type)
    new = X.iloc[::3]
    ours = clf.predict_interval(new, level=0.9)
    frame = ref.get_prediction(Xc[::3]).summary_frame(alpha=0.1)
    np.testing.assert_allclose(ours["proba"], frame["mean"], rtol=RTOL)
    np.testing.assert_allclose(ours["ci_low"], frame["mean_ci_lower"], rtol=RTOL)
    np.testing.assert_allclose(ours["ci_high"], frame["mean_ci_upper"], rtol=RTOL)
    linear = ref.get_prediction(Xc[::3], which="linear")
    np.testing.assert_allclose(ours["se_logit"], linear.se, rtol=RTOL)
    assert list(ours.index) == list(new.index)


def test_predict_interval_multinomial_matches_a_numerical_delta_method(monkeypatch):
    # oracle: MNLogit's fit and cov_params; each class's log-odds differentiated
    # numerically in its parameters; nothing of oneneuron's gradient is used
    from oneneuron.classifier import _predictor

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(150, 2)), columns=["a", "b"])
    z1, z2 = 0.3 + X.a - 0.5 * X.b, -0.2 + 0.8 * X.b
    P = np.column_stack([np.ones(150), np.exp(z1), np.exp(z2)])
    u = rng.random(150)[:, None] > np.cumsum(P / P.sum(axis=1, keepdims=True), axis=1)
    y = np.array(["lo", "mid", "hi"])[u.sum(axis=1)]
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    codes = pd.Categorical(y, categories=clf.classes_).codes
    ref = sm.MNLogit(codes, sm.add_constant(X.to_numpy())).fit(disp=0, method="newton", tol=1e-12)
    new = X.iloc[::10]
    Xn = sm.add_constant(new.to_numpy(), has_constant="add")
    shape = ref.params.shape  # (p, K-1), blocks in cov_params' order by column

    def log_odds(flat):
        Pk = ref.model.predict(flat.reshape(shape, order="F"), Xn)
        return np.log(Pk / (1 - Pk)).ravel()  # row by row, classes in order

    theta = np.asarray(ref.params).ravel(order="F")
    J = np.empty((len(new) * 3, theta.size))
    for j in range(theta.size):
        step = np.zeros_like(theta)
        step[j] = 1e-5
        J[:, j] = (log_odds(theta + step) - log_odds(theta - step)) / 2e-5
    se = np.sqrt(np.diag(J @ ref.cov_params() @ J.T))
    q = stats.norm.ppf(0.95)
    eta = log_odds(theta)
    ours = clf.predict_interval(new, level=0.9)
    assert ours.index.names == [None, "class"]
    assert list(ours.index) == [(i, k) for i in new.index for k in clf.classes_]
    np.testing.assert_allclose(ours["proba"], ref.model.predict(ref.params, Xn).ravel(), rtol=RTOL)
    np.testing.assert_allclose(ours["se_logit"], se, rtol=RTOL)
    np.testing.assert_allclose(ours["ci_low"], 1 / (1 + np.exp(-(eta - q * se))), rtol=RTOL)
    np.testing.assert_allclose(ours["ci_high"], 1 / (1 + np.exp(-(eta + q * se))), rtol=RTOL)
    monkeypatch.setattr(_predictor, "INTERVAL_BLOCK_ROWS", 4)  # blocks give the same table
    pd.testing.assert_frame_equal(clf.predict_interval(new, level=0.9), ours)
    served = _predictor.Predictor(  # what a model file serves: the same numbers
        clf.classes_, clf.coef_, clf.intercept_, inference=clf.inference_.to_dict()
    ).predict_interval(new.to_numpy(), level=0.9)
    np.testing.assert_allclose(served.to_numpy(), ours.to_numpy(), rtol=1e-12)


def test_lr_test_matches_statsmodels_likelihoods():
    X, y = _spector()
    big = NeuronClassifier(tol=1e-11).fit(X, y)
    small = NeuronClassifier(tol=1e-11).fit(X[["GPA"]], y)
    res = lr_test(small, big)
    llf_big = _glm(X, y).llf
    llf_small = _glm(X[["GPA"]], y).llf
    stat = 2 * (llf_big - llf_small)
    assert res.statistic == pytest.approx(stat, rel=RTOL)
    assert res.df == 2
    assert res.p_value == pytest.approx(stats.chi2.sf(stat, 2), rel=RTOL)
    # against statsmodels' own LR test of the full model vs the intercept-only one
    one = NeuronClassifier(tol=1e-11).fit(X[["GPA"]], y)
    logit = sm.Logit(y, sm.add_constant(X[["GPA"]].to_numpy())).fit(disp=0, tol=1e-14)
    assert one.log_likelihood_ - one.null_log_likelihood_ == pytest.approx(logit.llr / 2, RTOL)
    with pytest.raises(ValueError, match="smaller model first"):
        lr_test(big, small)
    with pytest.raises(ValueError, match="unpenalised"):
        lr_test(small, NeuronClassifier(alpha=0.1).fit(X, y))
    with pytest.raises(ValueError, match="different data"):
        lr_test(small, NeuronClassifier().fit(X.iloc[:20], y[:20]))


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
@pytest.mark.parametrize(
    "hypothesis", ["GPA = TUCE", "GPA = 0, PSI = 0", "GPA + 2*TUCE = 1", "2 * (PSI - GPA) / 3"]
)
def test_wald_test_matches_statsmodels(hypothesis, cov_type):
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11, cov_type=cov_type).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14, cov_type=cov_type)
    theirs = ref.wald_test(hypothesis.replace("2 * (PSI - GPA) / 3", "PSI - GPA"), use_f=False)
    ours = clf.wald_test(hypothesis)
    assert ours.statistic == pytest.approx(float(theirs.statistic), rel=RTOL)
    assert ours.p_value == pytest.approx(float(theirs.pvalue), rel=RTOL)
    assert ours.df == hypothesis.count(",") + 1
    assert wald_test(clf, hypothesis) == ours


def test_wald_test_multinomial_applies_to_every_class():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    y = np.argmax(X.to_numpy() @ rng.normal(size=(2, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    R = np.zeros((2, 6))
    R[0, 1], R[0, 2], R[1, 4], R[1, 5] = 1, -1, 1, -1  # a = b in both class blocks
    theirs = ref.wald_test(R, use_f=False, scalar=True)
    ours = clf.wald_test("a = b")
    assert ours.df == 2
    assert ours.statistic == pytest.approx(float(theirs.statistic), rel=RTOL)


@pytest.mark.parametrize("bad", ["GPA == TUCE", "GPA * TUCE = 0", "nope = 0", "", "1 = 2"])
def test_wald_test_bad_hypotheses_raise(bad):
    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError):
        clf.wald_test(bad)


def test_odds_ratios():
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14)
    table = clf.summary(level=0.9, exp=True)
    np.testing.assert_allclose(table["odds_ratio"], np.exp(ref.params), rtol=RTOL)
    ci = np.exp(np.asarray(ref.conf_int(alpha=0.1)))
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], ci, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], np.exp(ref.params) * ref.bse, rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=RTOL)
    assert "odds ratios" in clf.summary_text(exp=True)


def _exposure_data(n: int = 400, seed: int = 3):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    offset = np.log(rng.uniform(0.2, 3.0, size=n))
    z = -0.5 + X @ [0.8, -0.4] + offset
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y, offset


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_offset_matches_statsmodels_glm(solver):
    X, y, offset = _exposure_data()
    clf = NeuronClassifier(tol=1e-10, solver=solver).fit(X, y, offset=offset)
    ref = _glm(X, y, offset=offset)
    table = clf.summary()
    np.testing.assert_allclose(table["coef"], ref.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=RTOL)
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=RTOL)
    assert clf.null_log_likelihood_ == pytest.approx(ref.llnull, rel=RTOL)
    new_off = offset[::-1]
    p = clf.predict_proba(X, offset=new_off)[:, 1]
    Xc = sm.add_constant(X)
    np.testing.assert_allclose(p, ref.predict(Xc, offset=new_off), rtol=RTOL)
    frame = ref.get_prediction(Xc, offset=new_off).summary_frame()
    ours = clf.predict_interval(X, offset=new_off)
    np.testing.assert_allclose(ours["ci_low"], frame["mean_ci_lower"], rtol=RTOL)
    with pytest.raises(ValueError, match="fitted with an offset"):
        clf.predict(X)
    with pytest.raises(ValueError, match="fitted without an offset"):
        NeuronClassifier().fit(X, y).predict(X, offset=offset)


def test_offset_with_subsampled_newton_and_weights():
    X, y, offset = _exposure_data(n=900)
    w = np.arange(900) % 3 + 1.0
    a = NeuronClassifier(solver="subsampled-newton", tol=1e-10).fit(
        X, y, sample_weight=w, offset=offset
    )
    ref = _glm(X, y, offset=offset, freq_weights=w)
    np.testing.assert_allclose(a.summary()["coef"], ref.params, rtol=RTOL)


def test_offset_errors():
    X, y, offset = _exposure_data(60)
    with pytest.raises(ValueError, match="one value per row"):
        NeuronClassifier().fit(X, y, offset=offset[:5])
    with pytest.raises(ValueError, match="finite"):
        NeuronClassifier().fit(X, y, offset=np.full(60, np.nan))
    with pytest.raises(ValueError, match="binary models only"):
        NeuronClassifier().fit(X, np.arange(60) % 3, offset=offset)


def test_model_file_keeps_cov_type_and_offset(tmp_path):
    import json

    import oneneuron

    X, y, offset = _exposure_data(80)
    clf = NeuronClassifier(cov_type="HC3").fit(X, y, offset=offset)
    path = tmp_path / "m.json"
    clf.save(path)
    back = oneneuron.load(path)
    assert back.cov_type == "HC3" and back.inference_.cov_type == "HC3"
    np.testing.assert_array_equal(back.cov_params(), clf.cov_params())
    np.testing.assert_array_equal(
        back.predict_proba(X, offset=offset), clf.predict_proba(X, offset=offset)
    )
    with pytest.raises(ValueError, match="fitted with an offset"):
        back.predict(X)
    # a file written before these fields existed still loads, as nonrobust without offset
    doc = json.loads(path.read_text())
    del doc["params"]["cov_type"], doc["fit"]["offset"], doc["inference"]["cov_type"]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    legacy = oneneuron.load(old)
    assert legacy.cov_type == "nonrobust" and not legacy.has_offset_
    assert legacy.inference_.cov_type == "nonrobust"


def test_anova_matches_statsmodels_sequential_deviances():
    from oneneuron import anova

    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = anova(clf, X, y)
    dev, df_resid = [], []
    for k in range(4):
        Xc = np.ones((len(y), 1)) if k == 0 else sm.add_constant(X.iloc[:, :k].to_numpy())
        ref = sm.GLM(y, Xc, family=sm.families.Binomial()).fit(tol=1e-14)
        dev.append(ref.deviance)
        df_resid.append(ref.df_resid)
    np.testing.assert_allclose(table["Resid. Dev"], dev, rtol=RTOL)
    np.testing.assert_allclose(table["Resid. Df"], df_resid)
    drops = -np.diff(dev)
    np.testing.assert_allclose(table["Deviance"].iloc[1:], drops, rtol=RTOL)
    np.testing.assert_allclose(table["Pr(>Chi)"].iloc[1:], stats.chi2.sf(drops, 1), rtol=RTOL)
    grouped = anova(clf, X, y, terms={"GPA": ["GPA"], "rest": ["TUCE", "PSI"]})
    assert list(grouped.index) == ["NULL", "GPA", "rest"] and grouped.loc["rest", "Df"] == 2
    assert grouped.loc["rest", "Deviance"] == pytest.approx(dev[1] - dev[3], rel=RTOL)
    with pytest.raises(ValueError, match="every column"):
        anova(clf, X, y, terms={"GPA": ["GPA"]})
    with pytest.raises(ValueError, match="penalised"):
        anova(NeuronClassifier(alpha=0.1).fit(X, y), X, y)


def test_anova_and_diagnostics_of_a_formula_model_take_the_target_as_the_fit_does():
    # fit(df, None) with "y ~ ..." or fit(df, "y") name the target in the table; anova
    # takes it the same ways (it said "y must hold one label per row" to a name)
    import oneneuron
    from oneneuron import anova

    X, y = _spector()
    df = X.assign(GRADE=y)
    clf = oneneuron.logit("GRADE ~ GPA + TUCE + PSI", df)
    ref = anova(clf, X, y)
    pd.testing.assert_frame_equal(anova(clf, df), ref)
    pd.testing.assert_frame_equal(anova(clf, df, "GRADE"), ref)
    with pytest.raises(ValueError, match="no column 'grade'"):
        anova(clf, df, "grade")
    with pytest.raises(ValueError, match="pass y"):
        anova(NeuronClassifier().fit(X, y), X)
    from oneneuron import diagnostics

    pd.testing.assert_frame_equal(diagnostics(clf, df), diagnostics(clf, X, y))


def test_anova_multinomial_and_offset():
    from oneneuron import anova

    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    y = np.argmax(X.to_numpy() @ rng.normal(size=(2, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = anova(clf, X, y)
    ref = sm.MNLogit(y, sm.add_constant(X[["a"]])).fit(disp=0, method="newton", tol=1e-14)
    assert table.loc["a", "Resid. Dev"] == pytest.approx(-2 * ref.llf, rel=RTOL)
    assert table.loc["a", "Df"] == 2 and table.loc["b", "Resid. Df"] == 300 - 6
    Xe, ye, offset = _exposure_data()
    with_offset = NeuronClassifier(tol=1e-11).fit(Xe, ye, offset=offset)
    t = anova(with_offset, Xe, ye, offset=offset)
    assert t.loc["NULL", "Resid. Dev"] == pytest.approx(-2 * _glm(Xe[:, :0], ye, offset=offset).llf)


@pytest.mark.parametrize("sparse", [False, True])
def test_offset_in_fused_kernels_equals_block_path(sparse):
    import scipy.sparse

    from oneneuron.engines import NumpyEngine, _kernels

    if not _kernels.AVAILABLE:
        pytest.skip("numba not installed")
    X, y, offset = _exposure_data(n=3000)
    X = scipy.sparse.csr_matrix(X) if sparse else np.ascontiguousarray(X)
    W, b = np.array([[0.3, -0.2]]), np.array([0.1])
    w = np.arange(3000) % 3 + 1.0
    fast = NumpyEngine(X, y.astype(float), w, multinomial=False, use_kernels=True, offset=offset)
    ref = NumpyEngine(X, y.astype(float), w, multinomial=False, use_kernels=False, offset=offset)
    a, r = fast.statistics(W, b), ref.statistics(W, b)
    assert a.loss == pytest.approx(r.loss, rel=1e-12)
    np.testing.assert_allclose(a.grad_W, r.grad_W, rtol=1e-10)
    np.testing.assert_allclose(a.grad_b, r.grad_b, rtol=1e-10)


def test_predict_interval_in_blocks_and_sparse(monkeypatch):
    import scipy.sparse

    from oneneuron.classifier import _predictor

    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    whole = clf.predict_interval(X)
    monkeypatch.setattr(_predictor, "INTERVAL_BLOCK_ROWS", 5)
    pd.testing.assert_frame_equal(clf.predict_interval(X), whole)
    plain = NeuronClassifier().fit(X.to_numpy(), y)
    sparse = plain.predict_interval(scipy.sparse.csr_matrix(X.to_numpy()))
    np.testing.assert_allclose(sparse.to_numpy(), whole.to_numpy(), rtol=1e-10)


@pytest.mark.parametrize("how", ["formula", "table", "unsaved formula"])
def test_anova_of_a_table_model_has_one_row_per_term(how):
    """A model fitted on a table or a formula: anova takes the table, and a term is the
    design layer's (a categorical's level columns together, an interaction's too), as R's
    anova. It crashed on formula models (the refit got the formula and a matrix) and gave
    one row per level on table models. Oracle: statsmodels' sequential formula fits."""
    import statsmodels.formula.api as smf

    from oneneuron import anova

    rng = np.random.default_rng(1)
    n = 500
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "dose": rng.integers(1, 4, n),
        }
    )
    z = 0.3 + df.x - 0.8 * (df.g == "b") + 0.5 * (df.dose == 3)
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    rhs = {
        "formula": ["x", "C(g)", "x:C(g)"],
        "table": ["x", "C(g)"],
        "unsaved formula": ["x", "C(dose)"],
    }[how]
    if how == "table":
        clf = NeuronClassifier(tol=1e-11).fit(df[["x", "g"]], df["y"])
        table = anova(clf, df[["x", "g"]], df["y"])
        expect_rows = ["NULL", "x", "g"]
    else:
        clf = NeuronClassifier(tol=1e-11, formula="y ~ " + " + ".join(rhs)).fit(df, None)
        table = anova(clf, df, df["y"])
        expect_rows = (
            ["NULL", "x", "C(g)", "x:C(g)"] if how == "formula" else ["NULL", "x", "C(dose)"]
        )
    assert list(table.index) == expect_rows
    dev = [-2 * smf.logit("y ~ 1", df).fit(disp=0).llf]
    for k in range(1, len(rhs) + 1):
        dev.append(-2 * smf.logit("y ~ " + " + ".join(rhs[:k]), df).fit(disp=0, tol=1e-12).llf)
    np.testing.assert_allclose(table["Resid. Dev"], dev, rtol=1e-7)
    np.testing.assert_allclose(table["Df"].iloc[1:], [1, 2, 2][: len(rhs)])


def test_anova_without_the_fits_weights_or_offset_says_which():
    """A model fitted with sample weights or an offset, given to anova without them: the
    error says what is missing (it said only "the data given are not the ones the model
    was fitted on"); with them, the table as before."""
    from oneneuron import anova

    rng = np.random.default_rng(2)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] + rng.normal(size=300) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, 300)
    off = rng.normal(size=300) * 0.3
    weighted = NeuronClassifier().fit(X, y, sample_weight=w)
    with pytest.raises(
        ValueError, match=r"sample weights summing to 3\d\d\.\d+.*pass sample_weight"
    ):
        anova(weighted, X, y)
    assert np.isfinite(anova(weighted, X, y, sample_weight=w)["Deviance"].iloc[1:]).all()
    with_offset = NeuronClassifier().fit(X, y, offset=off)
    with pytest.raises(ValueError, match=r"fitted with an offset.*pass it"):
        anova(with_offset, X, y)
    assert np.isfinite(anova(with_offset, X, y, offset=off)["Deviance"].iloc[1:]).all()


def test_lr_test_refuses_models_not_fitted_on_the_same_data():
    """Only the weights' total was compared: an offset in one model only (chi2 = 0, p = 1:
    a negative statistic clipped) or other weights with the same total (chi2 = 3.79,
    p = 0.052, where the weighted test gives p = 0.357) passed silently."""
    X, y = _spector()
    off = np.linspace(-3, 3, 32)
    big = NeuronClassifier(tol=1e-11).fit(X[["GPA", "TUCE"]], y)
    small = NeuronClassifier(tol=1e-11).fit(X[["GPA"]], y, offset=off)
    with pytest.raises(ValueError, match="small was fitted with an offset and big without"):
        lr_test(small, big)
    with pytest.raises(ValueError, match="different offsets"):
        lr_test(small, NeuronClassifier().fit(X[["GPA", "TUCE"]], y, offset=-off))
    # the same offset in both: statsmodels' GLM with that offset
    both = NeuronClassifier(tol=1e-11).fit(X[["GPA", "TUCE"]], y, offset=off)
    stat = 2 * (_glm(X[["GPA", "TUCE"]], y, offset=off).llf - _glm(X[["GPA"]], y, offset=off).llf)
    assert lr_test(small, both).statistic == pytest.approx(stat, rel=RTOL)
    w = np.r_[np.full(16, 0.5), np.full(16, 1.5)]
    small = NeuronClassifier(tol=1e-11).fit(X[["GPA"]], y, sample_weight=w)
    with pytest.raises(ValueError, match="different sample weights"):
        lr_test(small, big)
    # with the weights in both, the frequency-weighted test (statsmodels' freq_weights)
    big = NeuronClassifier(tol=1e-11).fit(X[["GPA", "TUCE"]], y, sample_weight=w)
    ref = 2 * (
        _glm(X[["GPA", "TUCE"]], y, freq_weights=w).llf - _glm(X[["GPA"]], y, freq_weights=w).llf
    )
    res = lr_test(small, big)
    assert res.statistic == pytest.approx(ref, rel=RTOL)
    assert res.p_value == pytest.approx(stats.chi2.sf(ref, 1), rel=RTOL)
    # other labels: refused (as many of each class is caught by the fits' likelihoods)
    with pytest.raises(ValueError, match="different rows or labels"):
        lr_test(NeuronClassifier().fit(X[["GPA"]], 1 - y), NeuronClassifier().fit(X, y))


def test_lr_test_refuses_a_smaller_model_that_fits_better():
    """Same labels, weights and offset, but other rows of X (or a model that is not nested
    though its term names are): the restricted fit cannot beat the full one. (A column
    of other values is named by its mean and spread first, see test_stats5.py; GPA's
    values in another order have the same.)"""
    X, y = _spector()
    big = NeuronClassifier(tol=1e-11).fit(X[["GPA", "TUCE"]], y)
    key = y + np.random.default_rng(1).normal(scale=0.5, size=len(y))  # y, blurred
    order = np.argsort(np.argsort(key))
    other = X[["GPA"]].assign(GPA=np.sort(X["GPA"].to_numpy())[order])  # GPA, reordered
    small = NeuronClassifier(tol=1e-11).fit(other, y)
    assert small.log_likelihood_ > big.log_likelihood_
    with pytest.raises(ValueError, match="small fits better than big.*not nested"):
        lr_test(small, big)
    other = X[["GPA"]].assign(GPA=X["GPA"] + 0.8 * y)  # other values
    with pytest.raises(ValueError, match="small's column 'GPA' .* not big's"):
        lr_test(NeuronClassifier(tol=1e-11).fit(other, y), big)


def test_lr_test_data_check_survives_the_model_file(tmp_path):
    import json

    import oneneuron

    X, y = _spector()
    w = np.r_[np.full(16, 0.5), np.full(16, 1.5)]
    small = NeuronClassifier().fit(X[["GPA"]], y, sample_weight=w)
    big = NeuronClassifier().fit(X[["GPA", "TUCE"]], y)
    path = tmp_path / "small.json"
    small.save(path)
    back = oneneuron.load(path)
    with pytest.raises(ValueError, match="different sample weights"):
        lr_test(back, big)
    # a file written before the data check existed loads, and is compared by nobs only
    doc = json.loads(path.read_text())
    del doc["inference"]["extra"]["data"]
    del doc["inference"]["extra"]["column_stats"]  # (recorded since, see test_stats5.py)
    path.write_text(json.dumps(doc))
    assert lr_test(oneneuron.load(path), big).df == 1
    doc["inference"]["extra"]["data"] = {"class_sums": "many"}
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="extra.data"):
        oneneuron.load(path)


def test_anova_refuses_other_weights_or_offsets_with_the_fits_total():
    """anova refits on the rows given; weights with the fit's total but other values, or an
    offset the fit did not have, are named (the sequential tests would describe other data)."""
    from oneneuron import anova

    X, y = _spector()
    w = np.r_[np.full(16, 0.5), np.full(16, 1.5)]
    clf = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="different sample weights"):
        anova(clf, X, y, sample_weight=w[::-1])
    with pytest.raises(ValueError, match="different rows or labels"):
        anova(clf, X, 1 - y, sample_weight=w)
    with pytest.raises(ValueError, match="without an offset"):
        anova(clf, X, y, sample_weight=w, offset=np.linspace(-3, 3, 32))
    # the weighted table itself: statsmodels' GLM with freq_weights, deviance per step
    table = anova(clf, X, y, sample_weight=w)
    dev = [_glm(X.iloc[:, :k], y, freq_weights=w).deviance for k in range(1, 4)]
    np.testing.assert_allclose(table["Resid. Dev"].iloc[1:], dev, rtol=RTOL)


@pytest.mark.parametrize("K", [2, 4])
def test_anova_of_a_class_weighted_model_equals_the_replicated_rows(K):
    """Class weights are sample weights: the NULL row was fitted without them (a negative
    first deviance shown as 0, p = 1)."""
    from oneneuron import anova

    rng = np.random.default_rng(0)
    n = 300
    X = rng.normal(size=(n, 2))
    z = X[:, 0] + rng.normal(size=n)
    y = (z > 0.8).astype(int) if K == 2 else np.digitize(z, [-1.0, 0.0, 1.2])
    cw = {k: 1 + 3 * (k == K - 1) for k in range(K)}
    a = anova(NeuronClassifier(class_weight=cw).fit(X, y), X, y)
    w = np.array([cw[k] for k in y])
    i = np.repeat(np.arange(n), w)
    b = anova(NeuronClassifier().fit(X[i], y[i]), X[i], y[i])
    pd.testing.assert_frame_equal(a, b, rtol=1e-6)


def test_statistics_of_a_relaxed_fit_are_the_refits_on_the_kept_columns():
    """anova counted the dropped columns (Df 1, deviance 0), diagnostics mixed the L1
    model's probabilities with the refit's leverage, profile intervals failed on shapes,
    margeff refused: each is now the relaxed refit's on the columns the L1 fit kept."""
    from oneneuron import anova, diagnostics

    rng = np.random.default_rng(14)
    n = 400
    df = pd.DataFrame(
        {"x": rng.normal(size=n), "z": rng.normal(size=n), "g": rng.choice(list("pqrs"), n)}
    )
    y = (rng.random(n) < 1 / (1 + np.exp(-(df.x + 1.5 * (df.g == "q"))))).astype(int)
    m = NeuronClassifier(alpha=0.03, l1_ratio=1, relax=True).fit(df, y)
    kept = list(m.relaxed_.feature_names_in_)
    assert "z" not in kept and len(kept) < len(m.feature_names_out_)
    coded = pd.DataFrame(m._validate_predict(df), columns=list(m.feature_names_out_))[kept]
    ref = NeuronClassifier().fit(coded, y)  # the oracle: a plain fit on the kept columns
    pd.testing.assert_frame_equal(
        anova(m, df, y), anova(ref, coded, y, terms={c: [c] for c in kept}), rtol=1e-6
    )
    pd.testing.assert_frame_equal(diagnostics(m, df, y), diagnostics(ref, coded, y), rtol=1e-6)
    np.testing.assert_allclose(
        m.summary(ci="profile", X=df, y=y)[["ci_low", "ci_high"]],
        ref.summary(ci="profile", X=coded, y=y)[["ci_low", "ci_high"]],
        rtol=1e-6,
    )
    pd.testing.assert_frame_equal(m.margeff(df), ref.margeff(coded), rtol=1e-6)
    # a refit without relax leaves no refit of another model behind
    m.set_params(alpha=0.0, l1_ratio=0.0, relax=False).fit(df[["x"]], y)
    assert not hasattr(m, "relaxed_")


def test_wald_test_reads_term_names_that_hold_commas():
    """C(g, Treatment('b'))[T.a] was split at its comma: 'cannot read hypothesis C(g'."""
    import oneneuron

    rng = np.random.default_rng(0)
    n = 200
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x))).astype(int)
    m = oneneuron.logit("y ~ x + C(g, Treatment('b'))", df)
    a, c = "C(g, Treatment('b'))[T.a]", "C(g, Treatment('b'))[T.c]"
    got = m.wald_test(f"{a} = {c}, x = 0")
    terms = list(m.summary().index)
    b, V = m.summary()["coef"].to_numpy(), m.cov_params()
    R = np.zeros((2, len(terms)))
    R[0, terms.index(a)], R[0, terms.index(c)], R[1, terms.index("x")] = 1.0, -1.0, 1.0
    r = R @ b
    want = float(r @ np.linalg.solve(R @ V @ R.T, r))  # the Wald statistic by hand
    assert got.statistic == pytest.approx(want, rel=1e-10) and got.df == 2


def test_wald_test_reads_terms_spelt_as_in_the_formula():
    # the formula library spaces its term names ('I(x ** 2)', 'np.log(z + 1)'); a
    # hypothesis written as the formula was ('I(x**2) = 0') was 'cannot read'
    import oneneuron

    rng = np.random.default_rng(1)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.uniform(1, 5, n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df.x + 0.3 * df.x**2))).astype(int)
    m = oneneuron.logit("y ~ x + I(x**2) + np.log(z+1)", df)
    assert m.feature_names_out_.tolist() == ["x", "I(x ** 2)", "np.log(z + 1)"]
    spaced = m.wald_test("I(x ** 2) = 0, np.log(z + 1) = 2 * x")
    assert m.wald_test("I(x**2) = 0, np.log(z+1) = 2*x") == spaced
    assert m.wald_test("I(x**2)=0,np.log(z+1)=2*x") == spaced
    b, V = m.summary()["coef"].to_numpy(), m.cov_params()
    R = np.array([[0.0, 0.0, 1.0, 0.0], [0.0, -2.0, 0.0, 1.0]])
    r = R @ b
    want = float(r @ np.linalg.solve(R @ V @ R.T, r))  # the Wald statistic by hand
    assert spaced.statistic == pytest.approx(want, rel=1e-10) and spaced.df == 2


@pytest.mark.parametrize(
    "level, label, low, high",
    [(0.995, "99.5%", "0.0025", "0.9975"), (0.999, "99.9%", "0.0005", "0.9995")],
)
def test_confidence_levels_are_labelled_with_their_digits(level, label, low, high):
    """level=0.995 was captioned '100%' with columns [0.0025, 0.998]."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    clf = NeuronClassifier().fit(X, y)
    text = clf.summary_text(level=level)
    assert f"{label} confidence intervals" in text and "100%" not in text
    assert f"[{low}" in text and f"{high}]" in text


@pytest.mark.parametrize("K", [2, 3])
def test_anova_gives_an_aliased_term_no_degrees_of_freedom(K):
    # a term that is a linear combination of earlier ones adds no parameter: R's anova.glm
    # reports Df 0 and no p-value (its Resid. Df follow the fits' ranks), and statsmodels'
    # fits count the rank too. Before: Df 1 (K - 1) per column, Resid. Df falling
    from oneneuron import anova

    rng = np.random.default_rng(5)
    n = 240
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["c"] = 2.0 * X["a"] - X["b"] + 1.0  # aliased: a, b and the intercept
    X["d"] = rng.normal(size=n)
    eta = X[["a", "b", "d"]].to_numpy() @ rng.normal(size=(3, K))
    y = np.argmax(eta + rng.gumbel(size=(n, K)), axis=1)
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = anova(clf, X, y)
    ranks, llfs = [], []
    for k in range(5):
        Xc = sm.add_constant(X.iloc[:, :k].to_numpy(), has_constant="add")
        ranks.append(np.linalg.matrix_rank(Xc) * (K - 1))
        # the aliased column c adds nothing to the likelihood: the reference fits the
        # same model without it (statsmodels' Newton cannot invert the singular Hessian:
        # with NumPy 2.4 its inv raises "Singular matrix")
        kept = [name for name in X.columns[:k] if name != "c"]
        Xr = sm.add_constant(X[kept].to_numpy(), has_constant="add")
        model = sm.Logit(y, Xr) if K == 2 else sm.MNLogit(y, Xr)
        ref = model.fit(disp=0, method="newton", maxiter=100, tol=1e-12)
        llfs.append(ref.llf)
    assert ranks == [(K - 1) * r for r in (1, 2, 3, 3, 4)]
    np.testing.assert_array_equal(table["Df"].iloc[1:], np.diff(ranks))
    np.testing.assert_array_equal(table["Resid. Df"], n - np.asarray(ranks))
    np.testing.assert_allclose(table["Resid. Dev"], -2 * np.asarray(llfs), rtol=1e-6)
    assert table.loc["c", "Deviance"] < 1e-8 and np.isnan(table.loc["c", "Pr(>Chi)"])
    assert table.loc["d", "Pr(>Chi)"] == pytest.approx(
        stats.chi2.sf(table.loc["d", "Deviance"], K - 1), rel=1e-9
    )
    assert table.loc["d", "Resid. Df"] == n - clf.inference_.n_params
    import scipy.sparse  # a sparse design counts its rank the same way

    plain = NeuronClassifier(tol=1e-11).fit(X.to_numpy(), y)
    sparse = anova(plain, scipy.sparse.csr_matrix(X.to_numpy()), y)
    np.testing.assert_array_equal(sparse["Df"], table["Df"])


@pytest.mark.parametrize("penalty_factor", [{"PSI": 0.0}, np.array([1.0, 1.0, 0.0])])
def test_anova_refits_without_the_models_penalty_factor(penalty_factor):
    # anova needs alpha = 0, where penalty_factor changes nothing, but its nested refits
    # kept it and refused their own columns ("penalty_factor names 'PSI', which is not a
    # column of the model"; "has shape (3,)")
    from oneneuron import anova

    X, y = _spector()
    plain = anova(NeuronClassifier(tol=1e-11).fit(X, y), X, y)
    clf = NeuronClassifier(tol=1e-11, penalty_factor=penalty_factor).fit(X, y)
    pd.testing.assert_frame_equal(anova(clf, X, y), plain, rtol=1e-9)


def test_a_wald_test_of_a_penalized_fit_says_what_it_is():
    # lr_test refuses penalised fits and summary() labels them; wald_test printed a
    # plain "wald test: chi2(1) = ..., p = ..." from the Laplace covariance around a
    # shrunken estimate, which is no frequentist test
    X, y = _spector()
    clf = NeuronClassifier(alpha=0.05).fit(X, y)
    got = clf.wald_test("GPA = 0")
    b, V = clf.summary()["coef"]["GPA"], clf.cov_params()[1, 1]
    assert got.statistic == pytest.approx(b * b / V, rel=1e-10)
    assert "penalized" in got.note and "penalized" in str(got)
    assert "not a frequentist test" in str(got)
    plain = NeuronClassifier().fit(X, y).wald_test("GPA = 0")
    assert plain.note == "" and str(plain).startswith("wald test: chi2(1) = ")
    assert "PENALIZED" in clf.margeff(X).attrs["caption"]
    assert "PENALIZED" not in NeuronClassifier().fit(X, y).margeff(X).attrs["caption"]


def test_lr_test_of_a_big_model_whose_extra_terms_are_aliased_says_so():
    # big = small + (a + b): the same model, no parameter added. The error said "big must
    # have more parameters than small; give the smaller model first", which it was
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    X["c"] = X["a"] + X["b"]
    y = (rng.random(n) < 0.5).astype(int)
    small = NeuronClassifier().fit(X[["a", "b"]], y)
    big = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match=r"big's extra terms \['c'\] add no parameter"):
        lr_test(small, big)


@pytest.mark.parametrize("formula", ["y ~ g:h", "y ~ h + g:h", "y ~ C(k):h", "y ~ x + C(k):x"])
@pytest.mark.parametrize("saved", [False, True])
def test_anova_takes_the_formulas_terms_not_the_column_names(formula, saved, tmp_path):
    """A term whose columns carry another term's name (formulaic codes g:h without main
    effects as h[T.*] plus g[T.*]:h[*] columns) is one row of anova, as in R: it was split
    into an 'h' row and a 'g:h' row. The term structure survives a model file. Oracle:
    statsmodels' sequential fits of the formula's terms."""
    import statsmodels.formula.api as smf

    from oneneuron import anova, load, save

    rng = np.random.default_rng(4)
    n = 600
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b", "c"], n),
            "h": rng.choice(["u", "v", "w", "z"], n),
            "k": rng.integers(1, 4, n),
        }
    )
    z = 0.2 + 0.5 * df.x - 0.7 * (df.g == "b") * (df.h == "v") + 0.4 * (df.k == 3)
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    clf = NeuronClassifier(tol=1e-11, formula=formula).fit(df, None)
    if saved:
        if clf.design_.unsaved is not None:
            pytest.skip("C() of a numeric column is not stored in a model file")
        save(clf, tmp_path / "m.json")
        clf = load(tmp_path / "m.json")
    table = anova(clf, df, df["y"])
    terms = [t.strip() for t in formula.split("~")[1].split("+")]
    assert list(table.index) == ["NULL", *terms]
    dev = [-2 * smf.logit("y ~ 1", df).fit(disp=0).llf]
    df_model = [0]
    for k in range(1, len(terms) + 1):
        r = smf.logit("y ~ " + " + ".join(terms[:k]), df).fit(
            disp=0, method="bfgs", maxiter=5000, gtol=1e-10
        )
        dev.append(-2 * r.llf)
        df_model.append(np.linalg.matrix_rank(r.model.exog) - 1)
    np.testing.assert_allclose(table["Resid. Dev"], dev, rtol=1e-6)
    np.testing.assert_allclose(table["Df"].iloc[1:], np.diff(df_model))


def test_wald_test_takes_a_list_of_restrictions_jointly():
    """patsy's and statsmodels' constraints may be a list of strings; ours raised
    re's "expected string or bytes-like object, got 'list'". A list is its restrictions
    jointly; anything else that is no text is one message naming the argument.
    Oracle: statsmodels' wald_test of the same restrictions."""
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14)
    theirs = ref.wald_test("GPA = 0, TUCE = 0", use_f=False, scalar=True)
    ours = clf.wald_test(["GPA = 0", "TUCE = 0"])
    assert ours.df == 2
    assert ours.statistic == pytest.approx(float(theirs.statistic), rel=RTOL)
    assert wald_test(clf, ("GPA = 0", "TUCE = 0")) == ours
    for bad in (3, None, ["GPA = 0", 1], []):
        with pytest.raises(ValueError, match="hypothesis must be"):
            clf.wald_test(bad)


def test_statistics_refuse_an_offset_beyond_2_53_as_the_fit_does():
    """anova's and the profile intervals' offset check lacked the fit's 2**53 limit
    (one check, objective.finite_offset, now serves all three)."""
    import oneneuron

    X, y = _spector()
    off = np.zeros(len(y))
    clf = NeuronClassifier().fit(X, y, offset=off)
    big = off + 2.0**60
    with pytest.raises(ValueError, match="beyond 2\\*\\*53"):
        oneneuron.anova(clf, X, y, offset=big)
    with pytest.raises(ValueError, match="beyond 2\\*\\*53"):
        clf.summary(ci="profile", X=X, y=y, offset=big)


def test_lr_test_of_fits_on_other_classes_names_the_classes():
    """lr_test of a binary fit against a three-class fit on the same 51 rows said 'number
    of observations or classes differ: 51 vs 51 rows'; it now names the classes."""
    import statsmodels.api as sm

    from oneneuron import NeuronClassifier, lr_test

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    two = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    three = np.digitize(d["violent"], np.quantile(d["violent"], [1 / 3, 2 / 3]))
    small = NeuronClassifier().fit(X[:, :1], two)
    with pytest.raises(ValueError, match=r"classes \[0, 1\] vs \[0, 1, 2\]"):
        lr_test(small, NeuronClassifier().fit(X, three))
    with pytest.raises(ValueError, match="51 vs 40 rows"):
        lr_test(small, NeuronClassifier().fit(X[:40], two[:40]))


@pytest.mark.parametrize(
    "hypothesis",
    ["GPA = 0, GPA = 1", "GPA = TUCE, GPA - TUCE = 2", "GPA + PSI = 1, 2*GPA + 2*PSI = 0"],
)
def test_wald_test_refuses_restrictions_that_contradict_each_other(hypothesis):
    """'GPA = 0, GPA = 1' can hold for no coefficients; it was tested as chi2(1) (the
    pseudo-inverse of the singular R V R' quietly tested their average, GPA = 0.5).
    Redundant restrictions that agree are one restriction (df = rank, as statsmodels);
    contradictory ones are a ValueError naming them. Oracle for the redundant case:
    statsmodels' wald_test of the restrictions without the repeat."""
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    with pytest.raises(ValueError, match="contradict"):
        clf.wald_test(hypothesis)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14)
    theirs = ref.wald_test("GPA = 1", use_f=False, scalar=True)
    ours = clf.wald_test("GPA = 1, 2*GPA = 2")
    assert ours.df == 1
    assert ours.statistic == pytest.approx(float(theirs.statistic), rel=RTOL)


def test_wald_test_multinomial_refuses_contradictory_restrictions():
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["a", "b"])
    y = np.argmax(X.to_numpy() @ rng.normal(size=(2, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    for hypothesis in ("a = 0, a = 1", "a[1] = 0, a[1] = b[2], a[1] - b[2] = 1"):
        with pytest.raises(ValueError, match="contradict"):
            clf.wald_test(hypothesis)
    assert clf.wald_test("a[1] = 0, a[1] = b[2]").df == 2


def _grouped_table(n=300, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(list("abc"), n)})
    z = df.x + 0.5 * (df.g == "b") + rng.logistic(size=n)
    df["y"] = (z > 0).astype(int)
    df["y3"] = np.digitize(z, [-0.7, 0.9])
    return df


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_wald_terms_match_statsmodels_wald_test_terms(cov_type):
    """Joint Wald tests of each term (a categorical's indicators together), R's
    car::Anova(type=3, test.statistic="Wald"): oracle statsmodels' wald_test_terms of the
    same formula fit, binary and MNLogit (a term's columns in every class's block)."""
    import statsmodels.formula.api as smf

    import oneneuron

    df = _grouped_table()
    clf = oneneuron.logit("y ~ x + C(g)", df, cov_type=cov_type, tol=1e-11)
    ref = smf.logit("y ~ x + C(g)", df).fit(disp=0, tol=1e-14, method="newton", cov_type=cov_type)
    theirs = ref.wald_test_terms(skip_single=False, scalar=True).table
    ours = oneneuron.wald_terms(clf)
    assert list(ours.index) == ["intercept", "x", "C(g)"]
    assert list(ours.columns) == ["chi2", "df", "p_value"]
    for term, their in (("intercept", "Intercept"), ("x", "x"), ("C(g)", "C(g)")):
        assert ours.loc[term, "chi2"] == pytest.approx(theirs.loc[their, "statistic"], rel=RTOL)
        assert ours.loc[term, "df"] == theirs.loc[their, "df_constraint"]
        assert ours.loc[term, "p_value"] == pytest.approx(theirs.loc[their, "pvalue"], rel=1e-5)
    assert ours.loc["C(g)", "chi2"] == pytest.approx(
        clf.wald_test("C(g)[T.b] = 0, C(g)[T.c] = 0").statistic, rel=1e-12
    )
    if cov_type == "nonrobust":
        clf3 = oneneuron.logit("y3 ~ x + C(g)", df, tol=1e-11)
        ref3 = smf.mnlogit("y3 ~ x + C(g)", df).fit(disp=0, tol=1e-14, method="newton")
        ours3 = oneneuron.wald_terms(clf3)
        names = ref3.model.exog_names  # (MNLogit's wald_test_terms fails: test by R)
        for term, cols in (("C(g)", ["C(g)[T.b]", "C(g)[T.c]"]), ("x", ["x"])):
            R1 = np.array([[float(n == c) for n in names] for c in cols])
            R = np.kron(np.eye(2), R1)  # every class's block, classes 1 and 2
            theirs3 = ref3.wald_test(R, scalar=True, use_f=False)
            assert ours3.loc[term, "df"] == 2 * len(cols)
            assert ours3.loc[term, "chi2"] == pytest.approx(float(theirs3.statistic), rel=RTOL)


def test_wald_terms_of_arrays_take_columns_or_named_groups():
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = wald_terms(clf)
    assert list(table.index) == ["intercept", "GPA", "TUCE", "PSI"]
    assert table.loc["PSI", "chi2"] == pytest.approx(clf.wald_test("PSI = 0").statistic)
    grouped = wald_terms(clf, terms={"scores": ["GPA", "TUCE"], "PSI": "PSI"})
    assert list(grouped.index) == ["intercept", "scores", "PSI"]
    assert grouped.loc["scores", "chi2"] == pytest.approx(
        clf.wald_test("GPA = 0, TUCE = 0").statistic, rel=1e-12
    )
    with pytest.raises(ValueError, match="nope"):
        wald_terms(clf, terms={"x": ["nope"]})
