"""A statistician's second round: aliased columns as R's glm reports them, and the
statistics against statsmodels and published numbers on public data."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from oneneuron import CollinearityWarning, NeuronClassifier

sm = pytest.importorskip("statsmodels.api")


def _spector() -> tuple[pd.DataFrame, pd.Series]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]], data.endog


def _anes(n: int = 400) -> tuple[pd.DataFrame, np.ndarray]:
    """anes96's party identification cut to three classes (weak: 0-1, lean/indep:
    2-4, strong Republican side: 5-6), on two columns and the first ``n`` rows."""
    data = sm.datasets.anes96.load_pandas()
    X = data.exog[["logpopul", "selfLR", "educ"]].iloc[:n].reset_index(drop=True)
    y = np.digitize(data.endog.to_numpy()[:n], [1.5, 4.5])
    return X, y


def _fit_quiet(clf: NeuronClassifier, X, y, **kw) -> NeuronClassifier:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CollinearityWarning)
        return clf.fit(X, y, **kw)


# ------------------------------------------------------------------ aliased columns
def _aliased_cases() -> list[tuple[str, pd.DataFrame, list[str]]]:
    """(name, design with an aliased column placed among the others, its aliased names)."""
    X, _ = _spector()
    combo = X.assign(ALIAS=2.0 * X["GPA"] - X["TUCE"] + 1.0)[["GPA", "TUCE", "ALIAS", "PSI"]]
    const = X.assign(K=3.0)[["GPA", "K", "TUCE", "PSI"]]
    # a full set of dummies beside the intercept: the later one is aliased (R's order)
    dummies = X.assign(notPSI=1.0 - X["PSI"])[["GPA", "TUCE", "PSI", "notPSI"]]
    return [("combo", combo, ["ALIAS"]), ("const", const, ["K"]), ("dummies", dummies, ["notPSI"])]


@pytest.mark.parametrize("case", range(3))
@pytest.mark.parametrize("weighted", [False, True])
def test_aliased_column_gets_na_and_the_rest_are_the_reduced_fit(case, weighted):
    """R's glm prints NA for an aliased coefficient and the reduced model's numbers for
    the rest. Before: summary() refused every standard error, naming the column.
    Oracle: statsmodels' GLM (Binomial, freq_weights) on the design without it."""
    name, X, aliased = _aliased_cases()[case]
    _, y = _spector()
    w = np.tile([1.0, 2.0, 3.0, 1.0], 8) if weighted else None
    clf = _fit_quiet(NeuronClassifier(), X, y, sample_weight=w)
    table = clf.summary()
    kept = [c for c in X.columns if c not in aliased]
    ref = sm.GLM(y, sm.add_constant(X[kept]), family=sm.families.Binomial(), freq_weights=w).fit(
        tol=1e-12
    )
    got = table.loc[["intercept", *kept]]
    np.testing.assert_allclose(got["coef"], ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(got["std_err"], ref.bse, rtol=1e-6)
    np.testing.assert_allclose(got["p_value"], ref.pvalues, rtol=1e-5)
    ci = ref.conf_int()
    np.testing.assert_allclose(got["ci_low"], ci.iloc[:, 0], rtol=1e-6, atol=1e-8)
    assert table.loc[aliased].isna().all(axis=None)  # R: NA
    assert "aliased" in table.attrs["caption"] and repr(aliased[0]) in table.attrs["caption"]
    # the estimator's coefficient of an aliased column is 0 (R's predict takes NA as 0)
    coef = pd.Series(clf.coef_[0], index=X.columns)
    assert (coef[aliased] == 0).all()
    cov = pd.DataFrame(clf.cov_params(), index=table.index, columns=table.index)
    assert cov.loc[aliased].isna().all(axis=None) and cov.loc[:, aliased].isna().all(axis=None)
    np.testing.assert_allclose(
        cov.loc[["intercept", *kept], ["intercept", *kept]], ref.cov_params(), rtol=1e-6
    )
    # AIC counts the rank
    assert clf.inference_.aic == pytest.approx(ref.aic, rel=1e-9)
    text = clf.summary_text()
    assert "NA" in text.split(aliased[0])[-1].splitlines()[0]


def test_aliased_multinomial_matches_mnlogit_on_the_reduced_design():
    """K = 3 (anes96): an aliased column gets NA in every class block, the rest as
    statsmodels' MNLogit on the design without it."""
    X, y = _anes()
    Xa = X.assign(ALIAS=X["selfLR"] - 2.0 * X["educ"])
    clf = _fit_quiet(NeuronClassifier(), Xa, y)
    table = clf.summary()
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, disp=0)
    for k in (1, 2):
        got = table.loc[k].loc[["intercept", "logpopul", "selfLR", "educ"]]
        np.testing.assert_allclose(got["coef"], ref.params[k - 1], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(got["std_err"], ref.bse[k - 1], rtol=1e-6)
        assert table.loc[(k, "ALIAS")].isna().all()
    stz = clf.summary(parameterization="sum-to-zero")  # every block: NA only for ALIAS
    assert stz.xs("ALIAS", level="term").isna().all(axis=None)
    assert stz.drop(index="ALIAS", level="term").notna().all(axis=None)


def test_aliased_fit_predict_interval_and_wald_test():
    """predict_interval of a fit with an aliased column: the reduced model's (the
    aliased coefficient is 0 and has no variance); a Wald test of a kept term works,
    one that involves the aliased term says it is not estimable."""
    name, X, aliased = _aliased_cases()[0]
    _, y = _spector()
    clf = _fit_quiet(NeuronClassifier(), X, y)
    kept = [c for c in X.columns if c not in aliased]
    small = NeuronClassifier(tol=1e-12).fit(X[kept], y)
    a = clf.predict_interval(X)
    b = small.predict_interval(X[kept])
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-6, atol=1e-9)
    t = clf.wald_test("GPA = 0")
    assert t.statistic == pytest.approx(small.wald_test("GPA = 0").statistic, rel=1e-6)
    with pytest.raises(ValueError, match="ALIAS.*aliased"):
        clf.wald_test("ALIAS = 0")


def test_aliased_fit_warns_once_and_survives_the_model_file(tmp_path):
    from oneneuron import load

    name, X, aliased = _aliased_cases()[0]
    _, y = _spector()
    with pytest.warns(CollinearityWarning, match="'ALIAS'.*aliased") as rec:
        clf = NeuronClassifier().fit(X, y)
    assert len([w for w in rec if w.category is CollinearityWarning]) == 1
    clf.save(tmp_path / "m.json")
    back = load(tmp_path / "m.json")
    pd.testing.assert_frame_equal(back.summary(), clf.summary())


def test_aliased_fit_profile_intervals_margeff_anova_and_a_robust_covariance():
    """The statistics that refit or map the covariance, on a fit with an aliased column:
    NA for it, the fit without it for the rest. Profile intervals refitted the aliased
    coefficient as a free one (a flat likelihood: every bound came back infinite);
    margeff gave it an effect of 0 with standard error 0; HC1's N / (N - k) counted it
    in k. Oracle for HC1: statsmodels' HC0 times N / (N - rank)."""
    from oneneuron import anova

    name, X, aliased = _aliased_cases()[0]
    _, y = _spector()
    kept = [c for c in X.columns if c not in aliased]
    clf = _fit_quiet(NeuronClassifier(), X, y)
    small = NeuronClassifier(tol=1e-12).fit(X[kept], y)
    prof = clf.summary(ci="profile", X=X, y=y)
    ref = small.summary(ci="profile", X=X[kept], y=y)
    assert prof.loc["ALIAS"].isna().all()
    np.testing.assert_allclose(prof.loc[ref.index].to_numpy(), ref.to_numpy(), rtol=1e-5)
    me = clf.margeff(X)
    assert me.loc["ALIAS"].isna().all()
    np.testing.assert_allclose(me.loc[kept].to_numpy(), small.margeff(X[kept]).to_numpy(),
                               rtol=1e-5, atol=1e-9)  # fmt: skip
    table = anova(clf, X, y)
    assert table.loc["ALIAS", "Df"] == 0 and table.loc["ALIAS", "Deviance"] == 0
    assert np.isnan(table.loc["ALIAS", "Pr(>Chi)"])
    hc1 = _fit_quiet(NeuronClassifier(cov_type="HC1"), X, y).summary()
    # statsmodels' Logit gives HC0 for "HC1"; R's factor N / (N - k), k the rank (4, not 5)
    sm_hc0 = sm.Logit(y, sm.add_constant(X[kept])).fit(disp=0, cov_type="HC0", tol=1e-12)
    np.testing.assert_allclose(
        hc1.loc[["intercept", *kept], "std_err"], sm_hc0.bse * np.sqrt(32 / 28), rtol=1e-6
    )
    assert np.isnan(hc1.loc["ALIAS", "std_err"])


def test_a_model_file_with_bad_aliased_terms_is_refused(tmp_path):
    import json

    from oneneuron import load
    from oneneuron.modelfile import ModelFileError

    name, X, aliased = _aliased_cases()[0]
    _, y = _spector()
    clf = _fit_quiet(NeuronClassifier(), X, y)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    text = json.dumps(doc)
    assert '"aliased_terms": [3]' in text  # intercept, GPA, TUCE, ALIAS
    (tmp_path / "bad.json").write_text(text.replace('"aliased_terms": [3]', '"aliased_terms": [9]'))
    with pytest.raises(ModelFileError, match="aliased_terms"):
        load(tmp_path / "bad.json")


@pytest.mark.parametrize(
    "params, kind",
    [
        ({"solver": "newton"}, "dense"),
        ({"solver": "lbfgs"}, "dense"),
        ({"standardize": False}, "dense"),
        ({}, "csr"),
        ({"fit_intercept": False}, "dense"),
    ],
)
def test_aliased_column_on_every_solver_and_input(params, kind):
    """The aliased column's NA and the reduced fit do not depend on the solver, the
    standardisation, sparse input or the intercept (without one, a combination of
    others alone). Oracle: statsmodels' Logit on the design without it."""
    import scipy.sparse

    X, y = _spector()
    X = X.to_numpy()
    intercept = params.get("fit_intercept", True)
    Xa = np.c_[X[:, :2], 2 * X[:, 0] - X[:, 1] + (1.0 if intercept else 0.0), X[:, 2]]
    clf = _fit_quiet(
        NeuronClassifier(tol=1e-10, **params),
        scipy.sparse.csr_matrix(Xa) if kind == "csr" else Xa,
        y,
    )
    table = clf.summary()
    ref = sm.Logit(y, sm.add_constant(X) if intercept else X).fit(disp=0, tol=1e-12)
    assert table.loc["x2"].isna().all() and clf.coef_[0, 2] == 0
    kept = table.drop(index="x2")
    np.testing.assert_allclose(kept["coef"], ref.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(kept["std_err"], ref.bse, rtol=1e-6)


# ------------------------------------------------- a constant column beside a ridge
@pytest.mark.parametrize("alpha", [0.1, 0.001])
def test_a_ridge_with_a_constant_column_has_the_covariance_of_the_ridge_without_it(alpha):
    """A constant column beside the intercept is held at exactly 0 by every fit, so a
    ridge with it is the ridge without it. Its covariance was not: the binary map to the
    raw scale kept the held column, so its coefficient (exactly 0) got the prior's
    standard error (0.559 at alpha=0.1, 5.59 at 0.001) and the intercept's grew with
    its mean (2.93 -> 4.05, 4.86 -> 28.4). Oracle: statsmodels' log-likelihood Hessian
    of the fit without it plus the prior precision; the held column is NA."""
    X, y = _spector()
    clf = NeuronClassifier(alpha=alpha, tol=1e-12).fit(X.assign(K=5.0), y)
    table = clf.summary()
    plain = NeuronClassifier(alpha=alpha, tol=1e-12).fit(X, y)
    params = plain.summary()["coef"].to_numpy()
    H = -sm.Logit(y, sm.add_constant(X.to_numpy())).hessian(params)
    H += np.diag(np.r_[0.0, len(y) * alpha * plain.scale_**2])
    np.testing.assert_allclose(table.drop(index="K")["coef"], params, rtol=1e-7)
    np.testing.assert_allclose(
        table.drop(index="K")["std_err"], np.sqrt(np.diag(np.linalg.inv(H))), rtol=1e-6
    )
    assert table.loc["K"].isna().all() and clf.coef_[0, -1] == 0
    assert "'K' is constant" in table.attrs["caption"]
    # predictions' intervals do not depend on the value of a column the model ignores
    a = clf.predict_interval(X.assign(K=5.0))["se_logit"]
    b = clf.predict_interval(X.assign(K=7.0))["se_logit"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_penalised_softmax_with_a_constant_column_gives_it_na_not_zero():
    """K = 3 with alpha > 0: the held column's standard error was 0.0 (its z NaN, its
    interval [0, 0]), a certainty nothing estimated; it is NA, the rest the fit without it."""
    X, y = _anes()
    clf = NeuronClassifier(alpha=0.01, tol=1e-12).fit(X.assign(K=1.0), y)
    table = clf.summary()
    plain = NeuronClassifier(alpha=0.01, tol=1e-12).fit(X, y).summary()
    assert table.xs("K", level="term").isna().all(axis=None)
    np.testing.assert_allclose(
        table.drop(index="K", level="term").to_numpy(), plain.to_numpy(), rtol=1e-6, atol=1e-10
    )


def test_two_aliased_columns_are_named_together():
    """A constant column and a combination of others: both NA, one warning naming both
    (in the plural), the rest the fit without them (statsmodels)."""
    X, y = _spector()
    Xa = X.assign(K=2.0, ALIAS=X["GPA"] + X["PSI"])
    with pytest.warns(CollinearityWarning, match="'K' is constant.*'ALIAS'.*their coeff") as rec:
        clf = NeuronClassifier().fit(Xa, y)
    assert len([w for w in rec if w.category is CollinearityWarning]) == 1
    table = clf.summary()
    assert table.loc[["K", "ALIAS"]].isna().all(axis=None)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(table.drop(index=["K", "ALIAS"])["std_err"], ref.bse, rtol=1e-6)


@pytest.mark.parametrize("K", [2, 3])
def test_a_ridge_with_an_unpenalised_constant_column_has_standard_errors(K):
    """penalty_factor 0 for a constant column beside the intercept (alpha > 0): the fit
    holds it at 0, the ridge without it; summary() refused with "the Hessian is not
    positive definite (its 5-th leading minor is not); set alpha > 0", alpha being
    0.1 already. Oracle: the same ridge fitted without the column; edf equal too."""
    X, y = _spector() if K == 2 else _anes()
    d = X.shape[1]
    clf = NeuronClassifier(alpha=0.1, penalty_factor=[1.0] * d + [0.0], tol=1e-12)
    table = clf.fit(X.assign(K=5.0), y).summary()
    plain = NeuronClassifier(alpha=0.1, tol=1e-12).fit(X, y)
    level = "term" if K > 2 else None
    rows = table.xs("K", level=level) if K > 2 else table.loc[["K"]]
    assert rows.isna().all(axis=None)
    np.testing.assert_allclose(
        table.drop(index="K", level=level).to_numpy(), plain.summary().to_numpy(), rtol=1e-6
    )
    assert clf.inference_.extra["edf"] == pytest.approx(plain.inference_.extra["edf"], rel=1e-9)


@pytest.mark.parametrize("K", [2, 3])
def test_collinear_unpenalised_columns_of_a_ridge_are_named(K):
    """alpha > 0 with penalty_factor 0 on two collinear columns: no standard errors, with
    "the Hessian is not positive definite (its 5-th leading minor is not); set alpha >
    0", alpha being 0.1 already. The reason names the columns and what identifies them."""
    from oneneuron.stats import InferenceUnavailableError

    X, y = _spector() if K == 2 else _anes()
    Xa = X.assign(D=2.0 * X.iloc[:, 1])
    pf = [1.0] * X.shape[1] + [0.0]
    pf[1] = 0.0
    clf = _fit_quiet(NeuronClassifier(alpha=0.1, penalty_factor=pf), Xa, y)
    with pytest.raises(InferenceUnavailableError) as err:
        clf.summary()
    text = str(err.value)
    assert f"'D' is a linear combination of {X.columns[1]!r}" in text
    assert "penalty_factor > 0" in text and "set alpha > 0" not in text
