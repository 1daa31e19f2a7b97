"""Marginal effects, diagnostics and profile-likelihood intervals against independent oracles."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from oneneuron import NeuronClassifier, diagnostics

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _spector() -> tuple[pd.DataFrame, np.ndarray]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]], data.endog.to_numpy()


def _three_classes(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.argmax(X @ rng.normal(size=(2, 3)) + rng.gumbel(size=(n, 3)), axis=1)
    return X, y


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_margeff_binary_matches_statsmodels(at):
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14).get_margeff(at=at)
    ours = clf.margeff(X, at=at)
    frame = ref.summary_frame()
    np.testing.assert_allclose(ours["dy_dx"], frame["dy/dx"], rtol=RTOL)
    np.testing.assert_allclose(ours["std_err"], frame["Std. Err."], rtol=RTOL)
    np.testing.assert_allclose(ours["p_value"], frame["Pr(>|z|)"], rtol=RTOL)
    np.testing.assert_allclose(ours["ci_low"], frame["Conf. Int. Low"], rtol=RTOL)
    assert list(ours.index) == ["GPA", "TUCE", "PSI"]


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_margeff_multinomial_matches_statsmodels(at):
    X, y = _three_classes()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    frame = ref.get_margeff(at=at).summary_frame()  # (class, variable), every class
    ours = clf.margeff(X, at=at)
    np.testing.assert_allclose(ours["dy_dx"], frame["dy/dx"], rtol=RTOL)
    np.testing.assert_allclose(ours["std_err"], frame["Std. Err."], rtol=RTOL)
    # effects on probabilities that sum to one sum to zero over classes
    np.testing.assert_allclose(ours["dy_dx"].groupby(level="feature").sum(), 0.0, atol=1e-12)


def test_margeff_weights_equal_repeated_rows():
    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    w = np.arange(len(y)) % 3 + 1
    a = clf.margeff(X, sample_weight=w)
    b = clf.margeff(pd.DataFrame(np.repeat(X.to_numpy(), w, axis=0), columns=X.columns))
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="at must be"):
        clf.margeff(X, at="median")


def test_diagnostics_match_statsmodels_glm_influence():
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-14)
    infl = ref.get_influence()
    ours = diagnostics(clf, X, y)
    np.testing.assert_allclose(ours["proba"], ref.fittedvalues, rtol=RTOL)
    np.testing.assert_allclose(ours["resid_deviance"], ref.resid_deviance, rtol=RTOL)
    np.testing.assert_allclose(ours["resid_pearson"], ref.resid_pearson, rtol=RTOL)
    np.testing.assert_allclose(ours["leverage"], infl.hat_matrix_diag, rtol=RTOL)
    np.testing.assert_allclose(ours["cooks_distance"], infl.cooks_distance[0], rtol=RTOL)
    assert list(ours.index) == list(X.index)


def test_diagnostics_of_rows_far_from_the_boundary_are_finite():
    # rows whose logit is beyond +-37 have p = 1.0 or 0.0 in floating point, so
    # (y - p) / sqrt(p (1 - p)) was NaN (or -inf) with a RuntimeWarning, and Cook's
    # distance with it. From the logit: Pearson = (2y - 1) exp(-(2y - 1) z / 2) and
    # p (1 - p) = exp(-|z|) / (1 + exp(-|z|))**2, finite at any z
    import warnings

    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    far = pd.DataFrame({"GPA": [25.0, 25.0, -20.0, -20.0], "TUCE": 20.0, "PSI": 1.0})
    Xf = pd.concat([X, far], ignore_index=True)
    yf = np.r_[y, [1, 0, 0, 1]]
    w = np.r_[np.ones(len(y)), np.zeros(4)]  # weight 0: the fit's own rows decide A
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = diagnostics(clf, Xf, yf, sample_weight=w)
    Xt = sm.add_constant(Xf.to_numpy())
    z = Xt @ clf.summary()["coef"].to_numpy()
    assert np.all(np.abs(z[-4:]) > 40)
    sign = 2.0 * yf - 1.0
    pearson = sign * np.exp(-sign * z / 2.0)
    v = np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))) ** 2
    A = np.linalg.inv(Xt[:-4].T @ (v[:-4, None] * Xt[:-4]))
    h = v * np.einsum("ij,jk,ik->i", Xt, A, Xt)
    np.testing.assert_allclose(ours["resid_pearson"], pearson, rtol=1e-8)
    np.testing.assert_allclose(ours["leverage"], h, rtol=1e-8, atol=1e-300)
    cooks = (pearson / (1.0 - h)) ** 2 * h / 4
    np.testing.assert_allclose(ours["cooks_distance"], cooks, rtol=1e-8)
    # the training rows keep statsmodels' values
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-14)
    np.testing.assert_allclose(
        ours["cooks_distance"][: len(y)], ref.get_influence().cooks_distance[0], rtol=RTOL
    )


def test_diagnostics_of_an_aliased_design_use_its_rank():
    # a column that is a combination of others made the information matrix singular;
    # inverting it anyway gave leverages off by 3e-4 (summing to 3.97, not the rank 4)
    # and Cook's distances off by 1%. Leverages do not depend on the parameterisation
    # (statsmodels' pseudo-inverse gives them); Cook's distance divides by the rank, as
    # R's cooks.distance (statsmodels divides by the number of columns)
    import warnings

    X, y = _spector()
    X = X.assign(ALIAS=2.0 * X["GPA"] - X["TUCE"] + 1.0)
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ours = diagnostics(clf, X, y)
    with warnings.catch_warnings():  # statsmodels warns of the rank deficiency
        warnings.simplefilter("ignore")
        ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-14)
        infl = ref.get_influence()
        hat, cooks = infl.hat_matrix_diag, infl.cooks_distance[0]
    np.testing.assert_allclose(ours["proba"], ref.fittedvalues, rtol=RTOL)
    np.testing.assert_allclose(ours["leverage"], hat, rtol=RTOL)
    assert ours["leverage"].sum() == pytest.approx(4.0, rel=1e-9)
    np.testing.assert_allclose(ours["cooks_distance"], cooks * 5 / 4, rtol=RTOL)


def test_diagnostics_errors():
    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="not fitted on"):
        diagnostics(clf, X, y + 5)
    multi = NeuronClassifier().fit(*_three_classes(60))
    with pytest.raises(ValueError, match="binary"):
        diagnostics(multi, *_three_classes(60))


def _scipy_profile(Xc: np.ndarray, y: np.ndarray, level: float) -> np.ndarray:
    """Profile-likelihood bounds by scipy: constrained maximisation plus brentq (independent)."""

    def negll(beta):
        z = Xc @ beta
        return float(np.sum(np.logaddexp(0.0, z) - y * z))

    def grad(beta):
        return Xc.T @ (1.0 / (1.0 + np.exp(-(Xc @ beta))) - y)

    def hess(beta):
        p = 1.0 / (1.0 + np.exp(-(Xc @ beta)))
        return Xc.T @ ((p * (1 - p))[:, None] * Xc)

    full = optimize.minimize(
        negll, np.zeros(Xc.shape[1]), jac=grad, hess=hess, method="trust-exact"
    )
    crit = stats.chi2.ppf(level, 1)
    bhat, se = full.x, np.sqrt(np.diag(np.linalg.inv(hess(full.x))))
    out = np.empty((len(bhat), 2))
    for j in range(len(bhat)):
        free = [k for k in range(len(bhat)) if k != j]

        def excess(b, j=j, free=free):
            def sub(v):
                beta = np.insert(v, j, b)
                return negll(beta), grad(beta)[free], hess(beta)[np.ix_(free, free)]

            r = optimize.minimize(
                lambda v: sub(v)[0],
                bhat[free],
                jac=lambda v: sub(v)[1],
                hess=lambda v: sub(v)[2],
                method="trust-exact",
                options={"gtol": 1e-12},
            )
            return 2 * (r.fun - full.fun) - crit

        for k, side in enumerate((-1, 1)):
            far = bhat[j] + side * 4 * se[j]
            out[j, k] = optimize.brentq(excess, *sorted((bhat[j], far)), xtol=1e-12)
    return out


def test_profile_intervals_match_scipy_root_finding():
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = clf.summary(level=0.9, ci="profile", X=X, y=y)
    expected = _scipy_profile(sm.add_constant(X.to_numpy()), y, 0.9)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], expected, rtol=RTOL)
    assert "profile likelihood" in table.attrs["caption"]
    wald = clf.summary(level=0.9)
    np.testing.assert_allclose(table["coef"], wald["coef"])  # only the bounds change
    odds = clf.summary(level=0.9, ci="profile", X=X, y=y, exp=True)
    np.testing.assert_allclose(odds["ci_low"], np.exp(expected[:, 0]), rtol=RTOL)


def test_profile_intervals_in_a_small_sample_are_asymmetric():
    """Ten rows, nearly separated: profile and Wald intervals differ, profile ones skewed."""
    X = np.array([0.0, 1, 2, 3, 4, 4, 5, 6, 7, 8])[:, None]
    y = np.array([0, 0, 1, 0, 0, 1, 1, 1, 1, 1])
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = clf.summary(ci="profile", X=X, y=y)
    upper, lower = table["ci_high"] - table["coef"], table["coef"] - table["ci_low"]
    assert upper["x0"] > 1.2 * lower["x0"]
    expected = _scipy_profile(np.column_stack([np.ones(10), X]), y, 0.95)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], expected, rtol=RTOL)


def test_profile_needs_the_data():
    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="does not keep"):
        clf.summary(ci="profile")
    with pytest.raises(ValueError, match="not the ones the model was fitted on"):
        clf.summary(ci="profile", X=X.iloc[:20], y=y[:20])
    with pytest.raises(ValueError, match="ci='profile' only"):
        clf.summary(X=X)


def test_profile_intervals_on_badly_scaled_features():
    """Exam scores (30-100, uncentred): the profile refits must not depend on conditioning."""
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = clf.summary(ci="profile", X=X, y=y)
    expected = _scipy_profile(np.column_stack([np.ones(len(y)), X]), y.astype(float), 0.95)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], expected, rtol=RTOL)


def test_profile_intervals_of_a_column_far_from_zero():
    """A year column (2000-2019) and the intercept: the constrained refits started from
    logits shifted by a whole standard error of the intercept (31 here), where every
    probability saturates, and Brent's bracket failed ('f(a) and f(b) must have different
    signs'). The bounds of x and year equal those of the centred column's fit."""
    rng = np.random.default_rng(3)
    n = 600
    x, year = rng.standard_normal(n), 2000.0 + rng.integers(0, 20, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x + 0.05 * (year - 2010))))).astype(int)
    X = np.column_stack([x, year])
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    table = clf.summary(ci="profile", X=X, y=y)
    expected = _scipy_profile(np.column_stack([np.ones(n), X]), y.astype(float), 0.95)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], expected, rtol=RTOL)
    Xc = np.column_stack([x, year - 2010.0])
    centred = NeuronClassifier(tol=1e-11).fit(Xc, y).summary(ci="profile", X=Xc, y=y)
    np.testing.assert_allclose(
        table[["ci_low", "ci_high"]].iloc[1:], centred[["ci_low", "ci_high"]].iloc[1:], rtol=1e-7
    )
    # a refit that cannot ascend keeps its start: it returned a worse point (log-likelihood
    # -2e123) beside the start's log-likelihood
    from oneneuron.stats._profile import _constrained_fit, _loglik

    start = np.asarray(clf.inference_.coef[0]).copy()
    start[0] += 31.0
    Xt, y01, ones = np.column_stack([np.ones(n), X]), y.astype(float), np.ones(n)
    llf, beta = _constrained_fit(Xt, y01, ones, np.zeros(n), [1, 2], start)
    assert llf == _loglik(Xt @ beta, y01, ones)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_margeff_discrete_changes_match_statsmodels_dummy(at):
    X, y = _spector()  # PSI is a 0/1 column
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-14)
    frame = ref.get_margeff(at=at, dummy=True).summary_frame()
    ours = clf.margeff(X, at=at, dummy=True)
    np.testing.assert_allclose(ours["dy_dx"], frame["dy/dx"], rtol=RTOL)
    np.testing.assert_allclose(ours["std_err"], frame["Std. Err."], rtol=RTOL)
    assert ours.loc["PSI", "dy_dx"] != pytest.approx(clf.margeff(X, at=at).loc["PSI", "dy_dx"])


def test_margeff_multinomial_discrete_change_is_a_difference_of_probabilities():
    """statsmodels' MNLogit cannot compute dummy=True (it fails); the definition is the oracle."""
    X, y = _three_classes()
    X = np.column_stack([X, (X[:, 0] > 0.3).astype(float)])
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    one, zero = X.copy(), X.copy()
    one[:, 2], zero[:, 2] = 1.0, 0.0
    expected = (clf.predict_proba(one) - clf.predict_proba(zero)).mean(axis=0)
    ours = clf.margeff(X, dummy=True)
    np.testing.assert_allclose(ours.xs("x2", level="feature")["dy_dx"], expected, rtol=1e-9)
    np.testing.assert_allclose(ours["dy_dx"].groupby(level="feature").sum(), 0.0, atol=1e-12)


def test_profile_intervals_of_a_formula_model_take_the_target_as_the_fit_does():
    """summary(ci='profile', X=df, y='GRADE') said "y, sample_weight and offset must have
    one value per row", and X=df alone asked for y though the formula names the target."""
    import oneneuron

    X, y = _spector()
    df = X.assign(GRADE=y)
    clf = oneneuron.logit("GRADE ~ GPA + TUCE", df, tol=1e-11)
    expected = _scipy_profile(sm.add_constant(X[["GPA", "TUCE"]].to_numpy()), y, 0.95)
    for kw in ({"y": "GRADE"}, {}, {"y": y}):
        table = clf.summary(ci="profile", X=df, **kw)
        np.testing.assert_allclose(table[["ci_low", "ci_high"]], expected, rtol=RTOL)
    with pytest.raises(ValueError, match="no column 'grade'"):
        clf.summary(ci="profile", X=df, y="grade")
    with pytest.raises(ValueError, match="pass y"):
        NeuronClassifier().fit(X, y).summary(ci="profile", X=X)


@pytest.mark.parametrize("missing", ["drop", "mean"])
def test_statistics_on_the_training_table_follow_the_fits_missing_policy(missing):
    """anova, margeff, diagnostics and profile intervals of a model fitted with
    missing='drop' raised "missing values in column 'TUCE' ... (missing='drop', ...)",
    though none takes missing=: they drop those rows as the fit did (the same results as
    on the table without them) or fill them as the fit did (missing='mean')."""
    import oneneuron

    X, y = _spector()
    df = X.assign(GRADE=y)
    d2 = df.copy()
    d2.loc[[3, 7], "TUCE"] = np.nan
    d2.loc[11, "GRADE"] = np.nan  # a missing label: dropped by the fit with missing='drop'
    if missing == "mean":
        d2.loc[11, "GRADE"] = df.loc[11, "GRADE"]
    clf = oneneuron.logit("GRADE ~ GPA + TUCE + PSI", d2, missing=missing, tol=1e-11)
    if missing == "drop":
        ref_table = d2.dropna()
    else:
        ref_table = d2.fillna({"TUCE": d2["TUCE"].mean()})
    ref = oneneuron.logit("GRADE ~ GPA + TUCE + PSI", ref_table, tol=1e-11)
    # the oracle of the fit itself: statsmodels on the rows the policy leaves
    sm_fit = sm.Logit(ref_table["GRADE"], sm.add_constant(ref_table[["GPA", "TUCE", "PSI"]]))
    sm_fit = sm_fit.fit(disp=0, method="newton", tol=1e-14)
    np.testing.assert_allclose(clf.summary()["coef"], sm_fit.params, rtol=RTOL)
    pd.testing.assert_frame_equal(oneneuron.anova(clf, d2), oneneuron.anova(ref, ref_table))
    for at in ("overall", "mean"):
        got = clf.margeff(d2, at=at)
        np.testing.assert_allclose(got["dy_dx"], sm_fit.get_margeff(at=at).margeff, rtol=RTOL)
        np.testing.assert_allclose(got["std_err"], sm_fit.get_margeff(at=at).margeff_se, rtol=1e-5)
        pd.testing.assert_frame_equal(
            clf.margeff(d2, at=at, by="column"), ref.margeff(ref_table, at=at, by="column")
        )
    pd.testing.assert_frame_equal(
        oneneuron.diagnostics(clf, d2), oneneuron.diagnostics(ref, ref_table)
    )
    np.testing.assert_allclose(
        clf.summary(ci="profile", X=d2)[["ci_low", "ci_high"]],
        ref.summary(ci="profile", X=ref_table)[["ci_low", "ci_high"]],
        rtol=RTOL,
    )
    # weights and offsets are given for every row of the table, as to the fit
    w = np.arange(len(d2)) % 3 + 1.0
    wclf = oneneuron.logit("GRADE ~ GPA + TUCE + PSI", d2, missing=missing, sample_weight=w)
    kept = d2.index.isin(ref_table.index)
    if missing == "mean":  # the fill weighs the rows as the fit does (frequency weights)
        seen = d2["TUCE"].notna().to_numpy()
        fill = np.average(d2["TUCE"][seen], weights=w[seen])
        ref_table = d2.fillna({"TUCE": fill})
    wref = oneneuron.logit("GRADE ~ GPA + TUCE + PSI", ref_table, sample_weight=w[kept])
    pd.testing.assert_frame_equal(
        oneneuron.anova(wclf, d2, sample_weight=w),
        oneneuron.anova(wref, ref_table, sample_weight=w[kept]),
    )
    with pytest.raises(ValueError, match="sample_weight has 31 values but X has 32 rows"):
        oneneuron.anova(wclf, d2, sample_weight=w[1:])
    # predictions still need every cell: a missing one is an error there
    if missing == "drop":
        with pytest.raises(ValueError, match="missing values in column 'TUCE'"):
            clf.predict(d2)


@pytest.mark.parametrize("class_weight", [{0: 1.0, 1: 3.0}, "balanced"])
def test_profile_and_diagnostics_of_a_class_weighted_fit_apply_its_class_weights(class_weight):
    # class weights are frequency weights, as sample weights are; anova applied them,
    # but profile intervals refused the training rows ("the data given are not the ones
    # the model was fitted on") and diagnostics computed the leverages without them.
    # Oracle: the same fit with the class weights given as sample weights
    X, y = _spector()
    yi = y.astype(int)
    clf = NeuronClassifier(tol=1e-11, class_weight=class_weight).fit(X, y)
    counts = np.bincount(yi)
    cw = np.array([1.0, 3.0]) if isinstance(class_weight, dict) else len(y) / (2.0 * counts)
    w = cw[yi]
    ref = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(
        clf.summary(ci="profile", X=X, y=y).to_numpy(),
        ref.summary(ci="profile", X=X, y=y, sample_weight=w).to_numpy(),
        rtol=1e-7,
    )
    pd.testing.assert_frame_equal(
        diagnostics(clf, X, y), diagnostics(ref, X, y, sample_weight=w), rtol=1e-7
    )
    # sample weights on top multiply the class weights, as in the fit
    s = np.arange(len(y)) % 3 + 1.0
    both = NeuronClassifier(tol=1e-11, class_weight=class_weight).fit(X, y, sample_weight=s)
    sw = s * (
        cw[yi] if isinstance(class_weight, dict) else (s.sum() / (2.0 * np.bincount(yi, s)))[yi]
    )
    ref = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=sw)
    pd.testing.assert_frame_equal(
        diagnostics(both, X, y, sample_weight=s),
        diagnostics(ref, X, y, sample_weight=sw),
        rtol=1e-7,
    )


def test_diagnostics_row_of_leverage_one_has_infinite_cooks_distance_without_warning():
    """A row that alone holds a column of the data given has leverage 1 (it determines its
    own fitted value); its Cook's distance, (r / (1 - h))**2 h / k, divided by zero with
    NumPy's RuntimeWarning, and rounding decided between inf and a huge finite value.
    Now leverage 1 (within 10 machine epsilons, R's rule in lm.influence) is exactly 1 and
    the distance inf where the Pearson residual is not zero, with no RuntimeWarning."""
    import warnings

    from oneneuron import SeparationWarning

    rng = np.random.default_rng(0)
    X = np.c_[rng.normal(size=200), np.r_[1.0, np.zeros(199)]]  # row 0 alone holds x1
    y = (rng.random(200) < 0.4).astype(int)
    y[0] = 1
    with pytest.warns(SeparationWarning):  # its coefficient only stopped growing
        clf = NeuronClassifier().fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = diagnostics(clf, X, y)
    assert 0 < out["resid_pearson"].iloc[0] < 1e-3
    assert out["leverage"].iloc[0] == 1.0
    assert np.isinf(out["cooks_distance"].iloc[0])
    assert np.isfinite(out["cooks_distance"].iloc[1:]).all()
    assert (out["leverage"].iloc[1:] < 1).all()
    # nor a standardised residual: NaN, as R's rstandard (quietly)
    std = out[["resid_std_pearson", "resid_std_deviance"]]
    assert std.iloc[0].isna().all() and np.isfinite(std.iloc[1:]).all().all()


def test_multiclass_prediction_intervals_far_out_raise_no_overflow():
    """predict_interval with K > 2 at a row where one class's log-odds exceed 709 warned
    'overflow encountered in exp' (exp of that class's own log-odds, overwritten a line
    later). Oracle: statsmodels' MNLogit coefficients and covariance, each class's
    log-odds log(P_k / (1 - P_k)) from scipy's logsumexp, its gradient by central
    differences. Data: statsmodels' statecrime, violent crime in thirds."""
    import warnings

    from scipy.special import logsumexp

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    y = pd.qcut(d["violent"], 3, labels=False).to_numpy()
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    clf = NeuronClassifier().fit(X, y)
    rows = np.array([[17.0, 2500.0, 50.0], [10.0, 33.0, 60.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = clf.predict_interval(rows)
    theta = np.asarray(ref.params).T.ravel()  # class 1's block, then class 2's
    V = np.asarray(ref.cov_params())
    xt = np.c_[np.ones(len(rows)), rows]

    def log_odds(t):
        Z = np.c_[np.zeros(len(rows)), xt @ t.reshape(2, 4).T]
        return np.array(
            [[Z[i, k] - logsumexp(np.delete(Z[i], k)) for k in range(3)] for i in range(len(rows))]
        ).ravel()

    h = 1e-6
    J = np.array(
        [(log_odds(theta + h * e) - log_odds(theta - h * e)) / (2 * h) for e in np.eye(8)]
    ).T
    np.testing.assert_allclose(got["se_logit"], np.sqrt(np.diag(J @ V @ J.T)), rtol=1e-5)
    assert np.all(np.isfinite(got.to_numpy()))


@pytest.mark.parametrize("dummy", [False, True])
def test_binary_average_effects_over_a_row_far_out_raise_no_overflow(dummy):
    """margeff(X) of a binary model, averaged over rows two of which have logits beyond
    -/+709 (statecrime at single=-/+2500), warned 'overflow encountered in exp'
    (1 / (1 + exp(-z))). Those rows' effects are 0 to within exp(-1000), so the average
    over n + 2 rows is n / (n + 2) times statsmodels' get_margeff of the fit on the n
    training rows, and so are the standard errors (the Jacobian scales alike).
    statsmodels itself gives NaN on the far rows (exp(-z) / (1 + exp(-z))**2)."""
    import warnings

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    X[:, 2] = X[:, 2] > 60 if dummy else X[:, 2]  # a 0/1 column for dummy=True
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    clf = NeuronClassifier().fit(X, y)
    far = np.array([[17.0, -2500.0, 1.0], [17.0, 2500.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = clf.margeff(np.r_[X, far], dummy=dummy)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    want = ref.get_margeff(dummy=dummy)
    share = len(y) / (len(y) + 2)
    np.testing.assert_allclose(got["dy_dx"], share * want.margeff, rtol=1e-8)
    np.testing.assert_allclose(got["std_err"], share * want.margeff_se, rtol=1e-7)


def test_cooks_distance_of_a_misfit_row_far_out_is_finite_without_overflow():
    """diagnostics on rows that include one far out and misfit (logit -1200, label 1)
    warned 'overflow encountered in square' and gave Cook's distance inf: its Pearson
    residual is exp(600), its leverage exp(-1200) x~'Ax~, and their product in
    (r / (1 - h))**2 h / k is finite, (y - p)**2 x~'Ax~ / ((1 - h)**2 k).
    Oracle: statsmodels' GLM influence on the training rows (the far row adds about
    exp(-1200) to the information) and that closed form with statsmodels' covariance."""
    import warnings

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]].to_numpy()
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    clf = NeuronClassifier().fit(X, y)
    far = np.array([[17.0, -2500.0, 50.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        # the far row as an extra row of weight 0: diagnostics take the training rows
        got = diagnostics(clf, np.r_[X, far], np.r_[y, 1], sample_weight=np.r_[np.ones(len(y)), 0])
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    want = glm.get_influence().summary_frame()
    np.testing.assert_allclose(got["cooks_distance"][:-1], want["cooks_d"], rtol=1e-6)
    xt = np.r_[1.0, far[0]]
    q = xt @ glm.cov_params() @ xt
    assert got["cooks_distance"].iloc[-1] == pytest.approx(q / 4, rel=1e-6)
    assert got["leverage"].iloc[-1] < 1e-300


def test_diagnostics_refuse_rows_that_are_not_the_training_rows():
    """Leverage and Cook's distance are properties of a row in the fit (statsmodels'
    ``get_influence`` has the training rows only); asked for other rows, diagnostics
    computed them as if the model had been fitted there, without a word: leverages of a
    fit that never happened. Other rows (other labels, another number of rows, or the
    same labels with other X) are refused; the training rows, or extra rows given weight
    0, still work (the latter: residuals of new rows, A from the training rows)."""
    X, y = _spector()
    clf = NeuronClassifier().fit(X, y)
    msg = "not the rows the model was fitted on"
    with pytest.raises(ValueError, match=msg):  # another number of rows
        diagnostics(clf, X.iloc[:20], y[:20])
    with pytest.raises(ValueError, match=msg):  # the same labels, the X rows permuted
        diagnostics(clf, X.iloc[::-1], y)
    with pytest.raises(ValueError, match=msg):  # the same labels, X shifted
        diagnostics(clf, X + 0.5, y)
    penalised = NeuronClassifier(alpha=0.05).fit(X, y)
    diagnostics(penalised, X, y)
    with pytest.raises(ValueError, match=msg):
        diagnostics(penalised, X.assign(GPA=X["GPA"] + 1.0), y)
    weights = np.r_[np.ones(len(y)), 0.0]
    Xe = pd.concat([X, X.iloc[:1] + 1.0], ignore_index=True)
    out = diagnostics(clf, Xe, np.r_[y, 1], sample_weight=weights)
    pd.testing.assert_frame_equal(out.iloc[:-1], diagnostics(clf, X, y), rtol=1e-12)


def test_diagnostics_standardised_residuals_match_statsmodels_and_r():
    """Residuals divided by ``sqrt(1 - h)``: the Pearson ones are statsmodels' GLM
    ``get_influence().resid_studentized`` (R's ``rstandard(fit, type="pearson")``), the
    deviance ones R's ``rstandard(fit)`` (dispersion 1), written out from statsmodels'
    deviance residuals and leverages. Frequency weights: those of the rows repeated (a
    row's copies share the values). A row of leverage 1 has none (NaN, as R's)."""
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-11).fit(X, y)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-14)
    infl = ref.get_influence()
    ours = diagnostics(clf, X, y)
    np.testing.assert_allclose(ours["resid_std_pearson"], infl.resid_studentized, rtol=RTOL)
    h = infl.hat_matrix_diag
    np.testing.assert_allclose(
        ours["resid_std_deviance"], ref.resid_deviance / np.sqrt(1 - h), rtol=RTOL
    )
    w = np.arange(len(y)) % 3 + 1
    weighted = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=w)
    Xr = sm.add_constant(np.repeat(X.to_numpy(), w, axis=0))
    rep = sm.GLM(np.repeat(y, w), Xr, family=sm.families.Binomial()).fit(tol=1e-14)
    first = np.r_[0, np.cumsum(w)[:-1]]  # each row's first copy
    got = diagnostics(weighted, X, y, sample_weight=w)
    want = rep.get_influence().resid_studentized[first]
    np.testing.assert_allclose(got["resid_std_pearson"], want, rtol=RTOL)


@pytest.mark.parametrize("kind", ["dense", "csr", "weights", "aliased"])
def test_diagnostics_dfbetas_match_statsmodels(kind):
    """``dfbetas=True``: each coefficient's one-step change when the row is left out,
    ``A x~_i (y_i - p_i) / (1 - h_i)``, over its standard error (statsmodels' GLM
    ``get_influence().dfbetas``; R's ``dfbetas`` of a glm divides by a leave-one-out
    sigma instead, which a binomial model with dispersion 1 does not have). Frequency
    weights: one copy left out (statsmodels on the rows repeated); CSR rows alike; an
    aliased column's is NaN, the others those of the fit without it."""
    import warnings

    import scipy.sparse

    X, y = _spector()
    w = np.arange(len(y)) % 3 + 1 if kind == "weights" else np.ones(len(y), dtype=int)
    Xa = X.assign(ALIAS=X["GPA"] + X["TUCE"]) if kind == "aliased" else X
    Xf = scipy.sparse.csr_matrix(Xa.to_numpy()) if kind == "csr" else Xa
    with warnings.catch_warnings():  # (the aliased column's CollinearityWarning)
        warnings.simplefilter("ignore")
        clf = NeuronClassifier(tol=1e-11).fit(Xf, y, sample_weight=w)
    Xr = sm.add_constant(np.repeat(X.to_numpy(), w, axis=0))
    ref = sm.GLM(np.repeat(y, w), Xr, family=sm.families.Binomial()).fit(tol=1e-14)
    first = np.r_[0, np.cumsum(w)[:-1]]  # each row's first copy
    want = ref.get_influence().dfbetas[first]
    got = diagnostics(clf, Xf, y, sample_weight=w if kind == "weights" else None, dfbetas=True)
    names = ["intercept", *Xa.columns] if kind != "csr" else ["intercept", "x0", "x1", "x2"]
    cols = [f"dfbetas[{t}]" for t in names]
    assert [c for c in got.columns if c.startswith("dfbetas")] == cols
    np.testing.assert_allclose(got[cols[:4]].to_numpy(), want, rtol=1e-6, atol=1e-9)
    if kind == "aliased":
        assert got["dfbetas[ALIAS]"].isna().all()
    assert "dfbetas[GPA]" not in diagnostics(clf, Xf, y, sample_weight=w).columns
