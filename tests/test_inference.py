"""Inference of NeuronClassifier against statsmodels (Logit, MNLogit) and exact invariants."""

from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from oneneuron import CollinearityWarning, NeuronClassifier
from oneneuron.datasets import load_exam_scores
from oneneuron.inference import InferenceResult
from oneneuron.stats import _fit as _inference_fit

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _spector() -> tuple[pd.DataFrame, pd.Series]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]], data.endog


def _exam() -> tuple[pd.DataFrame, np.ndarray]:
    X, y, names = load_exam_scores()
    return pd.DataFrame(X, columns=names), y


def _sm_logit(X: pd.DataFrame, y) -> object:
    model = sm.Logit(np.asarray(y), sm.add_constant(np.asarray(X), has_constant="add"))
    return model.fit(disp=0, method="newton", tol=1e-14, maxiter=200)


def _assert_matches_statsmodels(clf: NeuronClassifier, ref, level: float = 0.95) -> None:
    table = clf.summary(level=level)
    ci = np.asarray(ref.conf_int(alpha=1 - level))
    np.testing.assert_allclose(table["coef"], ref.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=RTOL)
    np.testing.assert_allclose(table["z"], ref.tvalues, rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=RTOL)
    np.testing.assert_allclose(table["ci_low"], ci[:, 0], rtol=RTOL)
    np.testing.assert_allclose(table["ci_high"], ci[:, 1], rtol=RTOL)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    np.testing.assert_allclose(clf.covariance_, ref.cov_params(), rtol=RTOL)
    for ours, theirs in [
        (clf.log_likelihood_, ref.llf),
        (clf.null_log_likelihood_, ref.llnull),
        (clf.pseudo_r2_, ref.prsquared),
        (clf.aic_, ref.aic),
        (clf.bic_, ref.bic),
    ]:
        assert ours == pytest.approx(theirs, rel=RTOL)


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_spector_matches_statsmodels_logit(solver):
    X, y = _spector()
    clf = NeuronClassifier(solver=solver, tol=1e-10).fit(X, y)
    ref = _sm_logit(X, y)
    _assert_matches_statsmodels(clf, ref)
    _assert_matches_statsmodels(clf, ref, level=0.9)
    assert list(clf.summary().index) == ["intercept", "GPA", "TUCE", "PSI"]
    assert clf.separation_ == "none"


def test_exam_scores_matches_statsmodels_logit():
    X, y = _exam()
    clf = NeuronClassifier().fit(X, y)
    _assert_matches_statsmodels(clf, _sm_logit(X, y))
    assert list(clf.summary().index) == ["intercept", "score1", "score2"]
    # raw arrays get x0, x1, ...
    plain = NeuronClassifier().fit(X.to_numpy(), y)
    assert list(plain.summary().index) == ["intercept", "x0", "x1"]


def test_no_intercept_matches_statsmodels():
    X, y = _spector()
    clf = NeuronClassifier(fit_intercept=False, tol=1e-10).fit(X, y)
    ref = sm.Logit(np.asarray(y), np.asarray(X)).fit(disp=0, method="newton", tol=1e-14)
    table = clf.summary()
    assert list(table.index) == ["GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(table["coef"], ref.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=RTOL)
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=RTOL)
    assert clf.aic_ == pytest.approx(ref.aic, rel=RTOL)
    # the null model is intercept-only even here, as in statsmodels
    assert clf.null_log_likelihood_ == pytest.approx(ref.llnull, rel=RTOL)
    assert clf.pseudo_r2_ == pytest.approx(ref.prsquared, rel=RTOL)


def test_frequency_weights_equal_repeated_rows():
    X, y = _spector()
    counts = np.random.default_rng(3).integers(1, 4, size=len(y))
    weighted = NeuronClassifier().fit(X, y, sample_weight=counts)
    Xr = X.loc[X.index.repeat(counts)]
    yr = np.repeat(np.asarray(y), counts)
    repeated = NeuronClassifier().fit(Xr, yr)
    pd.testing.assert_frame_equal(weighted.summary(), repeated.summary(), rtol=1e-7)
    assert weighted.inference_.nobs == counts.sum()
    for name in ["log_likelihood_", "null_log_likelihood_", "aic_", "bic_"]:
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-9)
    # and the repeated data against statsmodels
    _assert_matches_statsmodels(weighted, _sm_logit(Xr, yr))


def test_multinomial_matches_statsmodels_mnlogit(three_classes):
    X, y = three_classes
    clf = NeuronClassifier(tol=1e-10).fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X.to_numpy())).fit(
        disp=0, method="newton", tol=1e-14, maxiter=100
    )
    table = clf.summary()
    assert table.index.names == ["class", "term"]
    assert list(table.index.get_level_values("class").unique()) == [1, 2]
    # MNLogit params: (p, K-1), column k = class k+1 relative to class 0
    np.testing.assert_allclose(table["coef"], np.asarray(ref.params).T.ravel(), rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], np.asarray(ref.bse).T.ravel(), rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], np.asarray(ref.pvalues).T.ravel(), rtol=RTOL)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=RTOL)
    assert clf.null_log_likelihood_ == pytest.approx(ref.llnull, rel=RTOL)
    assert clf.aic_ == pytest.approx(ref.aic, rel=RTOL)
    assert clf.bic_ == pytest.approx(ref.bic, rel=RTOL)
    # sum-to-zero blocks are the estimator's own (centred) coefficients
    centred = clf.summary(parameterization="sum-to-zero")
    own = np.column_stack([clf.intercept_, clf.coef_]).ravel()
    np.testing.assert_allclose(centred["coef"], own, rtol=1e-9, atol=1e-12)
    assert "sum-to-zero" in centred.attrs["caption"]
    assert "reference class 0" in table.attrs["caption"]


def test_penalized_fit_is_labelled_and_laplace():
    X, y = _exam()
    alpha = 0.05
    clf = NeuronClassifier(alpha=alpha).fit(X, y)
    table = clf.summary()
    assert table.attrs["penalized"] is True
    assert "PENALIZED" in table.attrs["caption"] and "Bayesian" in table.attrs["caption"]
    # oracle: statsmodels' log-likelihood Hessian at our coefficients plus the prior precision
    params = table["coef"].to_numpy()
    H = -sm.Logit(y, sm.add_constant(X.to_numpy())).hessian(params)
    H += np.diag(np.r_[0.0, len(y) * alpha * clf.scale_**2])
    np.testing.assert_allclose(clf.cov_params(), np.linalg.inv(H), rtol=1e-8)
    plain = NeuronClassifier().fit(X, y).summary()
    assert plain.attrs["penalized"] is False and "PENALIZED" not in plain.attrs["caption"]


def test_collinear_columns_are_named():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, 3)), columns=["a", "b", "c"])
    X["d"] = X["a"] - 2 * X["c"]
    y = (X["b"] + rng.normal(size=80) > 0).astype(int)
    with pytest.warns(CollinearityWarning, match=r"'d' is a linear combination of 'a', 'c'"):
        clf = NeuronClassifier().fit(X, y)
    # as R's glm: NA for the aliased column (the later one of the set), named in the caption
    table = clf.summary()
    assert "'d' is a linear combination of 'a', 'c'" in table.attrs["caption"]
    assert table.loc["d"].isna().all() and table.drop(index="d").notna().all(axis=None)
    X["k"] = 3.0
    clf = NeuronClassifier().fit(X.drop(columns="d"), y)
    assert "'k' is constant" in clf.summary().attrs["caption"]
    # with alpha > 0 the prior identifies them: a (labelled) table exists
    assert NeuronClassifier(alpha=0.1).fit(X, y).summary().attrs["penalized"]


@pytest.mark.parametrize("seed", range(5))
def test_collinear_terms_agrees_with_the_rank(seed):
    # oracle: the numerical rank (SVD) of the weighted design; the Gram's Cholesky
    # answers full rank, the term-by-term walk names the dependent column
    from oneneuron.stats._fit import collinear_terms

    rng = np.random.default_rng(seed)
    n, p = 60, 6
    A = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    w = rng.uniform(0.1, 1.0, n)
    terms = ["intercept"] + [f"x{j}" for j in range(1, p)]
    for dependent in (False, True):
        B = A.copy()
        if dependent:
            B[:, 4] = 2.0 * B[:, 1] - 0.5 * B[:, 2] + 3.0
        G = (B * w[:, None]).T @ B
        full = bool(np.linalg.matrix_rank(B * np.sqrt(w)[:, None]) == p)
        assert full is not dependent
        why = collinear_terms(G, terms)
        assert (why == "") is full
        if dependent:
            assert why == "column 'x4' is a linear combination of 'x1', 'x2' and the intercept"


def test_inference_false_and_auto_skip_name_the_fix(monkeypatch):
    X, y = _exam()
    off = NeuronClassifier(inference=False).fit(X, y)
    with pytest.raises(ValueError, match="inference=True"):
        off.summary()
    on = NeuronClassifier().fit(X, y)
    assert off.log_likelihood_ == pytest.approx(on.log_likelihood_, rel=1e-12)
    monkeypatch.setattr(_inference_fit, "AUTO_INFERENCE_MAX_COST", 0.0)
    skipped = NeuronClassifier(solver="lbfgs").fit(X, y)
    with pytest.raises(ValueError, match=r"inference='auto' skipped.*inference=True"):
        _ = skipped.covariance_
    # Newton's last Hessian is free, so "auto" keeps it whatever the cost
    reused = NeuronClassifier(solver="newton").fit(X, y)
    pd.testing.assert_frame_equal(reused.summary(), on.summary())
    forced = NeuronClassifier(solver="lbfgs", inference=True, tol=1e-10).fit(X, y)
    pd.testing.assert_frame_equal(forced.summary(), on.summary(), rtol=1e-6)


def test_round_trip_through_json(three_classes):
    X, y = three_classes
    clf = NeuronClassifier().fit(X, y)
    text = json.dumps(clf.inference_.to_dict())
    back = InferenceResult.from_dict(json.loads(text))
    for param in ["reference", "sum-to-zero"]:
        pd.testing.assert_frame_equal(back.table(parameterization=param), clf.summary(0.95, param))
    assert back.aic == clf.aic_ and back.pseudo_r2 == clf.pseudo_r2_
    assert back.to_text() == clf.summary_text()


def test_text_html_and_bad_arguments():
    X, y = _exam()
    clf = NeuronClassifier().fit(X, y)
    text = clf.summary_text(level=0.9)
    assert "score1" in text and "[0.05" in text and "0.95]" in text and "log-likelihood" in text
    assert "<table" in clf.inference_._repr_html_() and "score2" in str(clf.inference_)
    with pytest.raises(ValueError, match="level"):
        clf.summary(level=1.5)
    with pytest.raises(ValueError, match="parameterization"):
        clf.summary(parameterization="treatment")


def test_near_collinearity_is_noted_in_the_caption():
    rng = np.random.default_rng(5)
    X = pd.DataFrame(rng.normal(size=(200, 3)), columns=["a", "b", "c"])
    X["d"] = X["a"] + 1e-4 * rng.normal(size=200)
    y = (X["b"] + rng.normal(size=200) > 0).astype(int)
    caption = NeuronClassifier().fit(X, y).summary().attrs["caption"]
    assert "ill-conditioned" in caption and "'a'" in caption and "'d'" in caption
    assert "ill-conditioned" not in NeuronClassifier().fit(X[["a", "b", "c"]], y).summary_text()


def test_newton_hessian_is_reused_not_recomputed(monkeypatch):
    from oneneuron.objective import LinearLoss, SmallDenseLoss

    calls = []

    def counting(original):
        def wrapped(self, theta):
            calls.append(1)
            return original(self, theta)

        return wrapped

    for cls in (LinearLoss, SmallDenseLoss):  # small data takes the small-problem class
        monkeypatch.setattr(cls, "gradient_hessian", counting(cls.gradient_hessian))
    X, y = _exam()
    clf = NeuronClassifier(solver="newton", inference=True).fit(X, y)
    assert len(calls) == clf.n_iter_ + 1  # one per Newton iterate, none for inference
    calls.clear()
    clf = NeuronClassifier(solver="lbfgs", inference=True).fit(X, y)
    assert len(calls) == 1


def test_estimator_html_shows_diagram_and_table():
    X, y = _exam()
    clf = NeuronClassifier()
    assert "log-likelihood" not in clf._repr_html_()
    html = clf.fit(X, y)._repr_html_()
    assert "NeuronClassifier" in html and "log-likelihood" in html and "score1" in html


def test_fractional_weights_match_glm_freq_weights():
    X, y = _exam()
    w = np.random.default_rng(0).uniform(0.2, 3.0, size=len(y))
    clf = NeuronClassifier(tol=1e-10).fit(X, y, sample_weight=w)
    glm = sm.GLM(y, sm.add_constant(X.to_numpy()), family=sm.families.Binomial(), freq_weights=w)
    ref = glm.fit(tol=1e-14)
    table = clf.summary()
    np.testing.assert_allclose(table["coef"], ref.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=RTOL)
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=RTOL)
    assert clf.aic_ == pytest.approx(ref.aic, rel=RTOL)
    assert clf.inference_.nobs == pytest.approx(w.sum(), rel=1e-12)


def test_sparse_input_gives_the_same_table():
    import scipy.sparse

    X, y = _exam()
    dense = NeuronClassifier().fit(X.to_numpy(), y).summary()
    sparse = NeuronClassifier().fit(scipy.sparse.csr_matrix(X.to_numpy()), y).summary()
    pd.testing.assert_frame_equal(sparse, dense, rtol=1e-9)


def test_unavailable_covariance_is_not_an_attribute():
    X, y = _exam()
    clf = NeuronClassifier(inference=False).fit(X, y)
    assert not hasattr(clf, "covariance_")
    assert "NeuronClassifier" in clf._repr_html_()  # sklearn's repr lists attributes
    assert hasattr(NeuronClassifier().fit(X, y), "covariance_")


def test_string_labels_in_blocks_caption_and_json(three_classes):
    X, y = three_classes
    labels = np.array(["low", "mid", "top"])[y]
    clf = NeuronClassifier().fit(X, labels)
    table = clf.summary()
    assert list(table.index.get_level_values("class").unique()) == ["mid", "top"]
    assert "reference class 'low'" in table.attrs["caption"]
    back = InferenceResult.from_dict(json.loads(json.dumps(clf.inference_.to_dict())))
    pd.testing.assert_frame_equal(back.table(), table)


@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize("unit", [1e-3, 1e-15, 1e-100])
def test_statistics_do_not_depend_on_a_columns_units(standardize, unit):
    """Oracle: the MLE is equivariant, coef(c x) = coef(x) / c, se too; and the unit-free fit
    equals statsmodels'. A column of tiny spread was taken for a constant one (summary
    refused it, or a penalised fit gave it a zero coefficient)."""
    if not standardize and unit < 1e-10:
        pytest.skip("raw coordinates that far apart are beyond the solver's float64 scale")
    X, y = _spector()
    ref = _sm_logit(X, y)
    scale = np.array([unit, 1.0 / unit if unit > 1e-10 else 1.0, 1.0])
    clf = NeuronClassifier(standardize=standardize, tol=1e-12).fit(X * scale, y)
    table = clf.summary()
    scale1 = np.r_[1.0, scale]
    np.testing.assert_allclose(table["coef"] * scale1, ref.params, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"] * scale1, ref.bse, rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], ref.pvalues, rtol=1e-6)
    # penalised (standardised scale): the same fit whatever the units
    pen = NeuronClassifier(alpha=0.01).fit(X, y)
    got = NeuronClassifier(alpha=0.01).fit(X * scale, y)
    np.testing.assert_allclose(got.coef_[0] * scale, pen.coef_[0], rtol=1e-6)


def test_aic_and_bic_count_the_rank_when_a_column_is_aliased(tmp_path):
    """statsmodels (and R) count the design's rank; the aliased column was counted too."""
    import oneneuron

    X, y = _spector()
    Xc = X.assign(d=X.GPA + 2 * X.PSI)
    ref = _sm_logit(X, y)  # the same likelihood, from the design's 4 independent terms
    clf = NeuronClassifier(tol=1e-12).fit(Xc, y)
    assert clf.aic_ == pytest.approx(ref.aic, rel=1e-8)
    assert clf.bic_ == pytest.approx(ref.bic, rel=1e-8)
    full = NeuronClassifier().fit(X, y)  # full rank: unchanged
    assert full.aic_ == pytest.approx(ref.aic, rel=1e-8)
    oneneuron.save(clf, tmp_path / "m.json")
    assert oneneuron.load(tmp_path / "m.json").aic_ == clf.aic_


def test_exponentiated_multinomial_coefficients_are_called_relative_risk_ratios():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y3 = np.digitize(X[:, 0] + rng.normal(size=300), [-0.5, 0.5])
    caption = NeuronClassifier().fit(X, y3).summary(exp=True).attrs["caption"]
    assert "relative-risk ratios: exp(coef)" in caption and "odds ratios" not in caption
    binary = NeuronClassifier().fit(X, (y3 > 0).astype(int)).summary(exp=True)
    assert "odds ratios: exp(coef)" in binary.attrs["caption"]


def test_exponentiated_sum_to_zero_coefficients_are_not_called_relative_risk_ratios():
    # exp of a centred coefficient multiplies a class's probability relative to the
    # geometric mean of all classes' probabilities, not relative to a reference class;
    # the caption said "relative-risk ratios" for both parameterisations
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 2))
    y3 = np.digitize(X[:, 0] + rng.normal(size=300), [-0.5, 0.5])
    clf = NeuronClassifier().fit(X, y3)
    for table in (
        clf.summary(parameterization="sum-to-zero", exp=True),
        clf._inference().table(parameterization="sum-to-zero").pipe(_as_odds),
    ):
        caption = table.attrs["caption"]
        assert "relative-risk ratios" not in caption and "geometric mean" in caption
    text = clf.summary_text(parameterization="sum-to-zero", exp=True)
    assert "relative-risk ratios" not in text and "geometric mean" in text
    # what the caption says: one unit of x0 multiplies P_k / geomean(P) by exp(coef)
    x, x1 = np.array([[0.3, -0.2]]), np.array([[1.3, -0.2]])
    P, P1 = clf.predict_proba(x)[0], clf.predict_proba(x1)[0]
    ratio = (P1 / np.exp(np.log(P1).mean())) / (P / np.exp(np.log(P).mean()))
    table = clf.summary(parameterization="sum-to-zero", exp=True)
    np.testing.assert_allclose(table.xs("x0", level="term")["exp_coef"], ratio, rtol=1e-9)


def _as_odds(table):
    from oneneuron.stats import odds_ratio_table

    return odds_ratio_table(table)


@pytest.mark.parametrize("how", ["sample_weight", "class_weight"])
def test_a_class_without_weight_has_no_standard_errors_and_no_parameters(how, three_classes):
    # class 2's rows all weigh 0: its coefficients have no maximum-likelihood estimate
    # (its intercept runs to -inf). The table showed them, intercept -34 with standard
    # error 3e6, and AIC, BIC and anova counted their parameters
    from oneneuron import anova, lr_test
    from oneneuron.stats import InferenceUnavailableError

    X, y = three_classes
    w = np.where(y == 2, 0.0, 1.0)
    fit = {"sample_weight": w} if how == "sample_weight" else {}
    params = {"class_weight": {2: 0.0}} if how == "class_weight" else {}
    clf = NeuronClassifier(tol=1e-10, **params).fit(X, y, **fit)
    with pytest.raises(InferenceUnavailableError, match=r"class 2 has no rows of positive weight"):
        clf.summary()
    keep = y != 2
    ref = sm.MNLogit(y[keep], sm.add_constant(X.to_numpy()[keep])).fit(
        disp=0, method="newton", tol=1e-14
    )  # two classes left: statsmodels' MNLogit is the binary logit
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=RTOL)
    assert clf.null_log_likelihood_ == pytest.approx(ref.llnull, rel=RTOL)
    assert clf.aic_ == pytest.approx(ref.aic, rel=RTOL)
    assert clf.bic_ == pytest.approx(ref.bic, rel=RTOL)
    table = anova(clf, X, y, **fit)
    assert table["Df"].iloc[1:].tolist() == [1.0, 1.0]
    assert table["Resid. Df"].iloc[-1] == keep.sum() - 3
    small = NeuronClassifier(tol=1e-10, **params).fit(X[["u"]], y, **fit)
    assert lr_test(small, clf).df == 1


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_firth_names_the_column_that_is_a_combination_of_others(fit_intercept):
    # Firth's penalty is log det of the information, which a combination of columns
    # makes singular everywhere: the fit raised NumPy's bare "Singular matrix"
    X, y = _spector()
    X = X.assign(ALIAS=2.0 * X["GPA"] - X["TUCE"] + (1.0 if fit_intercept else 0.0))
    with pytest.raises(ValueError, match=r"column 'ALIAS' is a linear combination of 'GPA'"):
        NeuronClassifier(firth=True, fit_intercept=fit_intercept).fit(X, y)
    X["ALIAS"] = 3.0 if fit_intercept else 0.0
    what = "constant" if fit_intercept else "all zeros"
    with pytest.raises(ValueError, match=rf"column 'ALIAS' is {what}"):
        NeuronClassifier(firth=True, fit_intercept=fit_intercept).fit(X, y)


def test_firth_fits_nearly_collinear_columns_and_refuses_an_exact_copy():
    """x and 2x + 1e-5 noise (1 - R^2 = 2.6e-11 on x and the intercept: below the
    collinearity tolerance 1e-10, but resolved in float64): Firth refused them as "a
    linear combination" whose information is "singular", as for an exact copy; then as
    "too close to singular to resolve". R's logistf fits them, and so does Firth's
    iteration now (from the weighted design's QR factor: tests/test_stats5.py checks the
    numbers against a well-conditioned reparameterisation). The exact copy is still
    refused, named, with its wording."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=500)
    X = np.column_stack([x, 2 * x + 1e-5 * rng.normal(size=500), rng.normal(size=500)])
    y = (x + X[:, 2] + rng.logistic(size=500) > 0).astype(int)
    clf = NeuronClassifier(firth=True).fit(X, y)
    assert clf.converged_ and np.all(np.isfinite(clf.summary()["std_err"]))
    X[:, 1] = 2 * x
    with pytest.raises(ValueError, match="singular here") as raised:
        NeuronClassifier(firth=True).fit(X, y)
    assert "column 'x1' is a linear combination of 'x0'" in str(raised.value)
    assert "is nearly" not in str(raised.value)


def test_predict_interval_of_a_penalized_fit_says_it_is_laplace(tmp_path):
    """As summary(), wald_test and margeff: a penalised fit's intervals are labelled."""
    X, y = _exam()
    for model in (NeuronClassifier(alpha=0.05).fit(X, y), NeuronClassifier().fit(X, y)):
        model.save(tmp_path / f"m{model.alpha}.json")
        from oneneuron.modelfile import read_model

        predictor = read_model(tmp_path / f"m{model.alpha}.json").predictor
        for frame in (model.predict_interval(X[:3]), predictor.predict_interval(X[:3].to_numpy())):
            assert frame.attrs["penalized"] is (model.alpha > 0)
            caption = frame.attrs["caption"]
            assert "delta method" in caption and "95%" in caption
            assert ("PENALIZED" in caption and "Laplace" in caption) is (model.alpha > 0)


def _categorical_target_table() -> tuple[pd.DataFrame, pd.Series]:
    """Three classes whose categorical order is not their sorted order, as R users
    relevel a factor (carData's Womenlf: not.work, parttime, fulltime)."""
    rng = np.random.default_rng(21)
    n = 400
    X = pd.DataFrame({"income": rng.normal(size=n), "kids": rng.integers(0, 2, n)})
    z = np.column_stack([np.zeros(n), 0.3 + 0.8 * X.income, -0.5 - 0.9 * X.income + 1.2 * X.kids])
    p = np.exp(z) / np.exp(z).sum(1, keepdims=True)
    k = (rng.random(n)[:, None] > np.cumsum(p, 1)).sum(1)
    order = ["not.work", "parttime", "fulltime"]
    y = pd.Series(pd.Categorical(np.array(order)[k], categories=order), name="partic")
    return X, y


def test_summary_reference_class_is_the_categoricals_first_as_r_and_mnlogit():
    """classes_ are sorted (scikit-learn's convention), so the table was relative to
    'fulltime' while R's multinom and statsmodels' MNLogit, given the categorical order,
    report relative to 'not.work'; there was no way to ask for that. summary(
    reference_class=...) re-expresses the blocks (a linear map of the coefficients and
    their covariance). Oracle: statsmodels' MNLogit on the pandas Categorical."""
    X, y = _categorical_target_table()
    clf = NeuronClassifier(tol=1e-10).fit(X, y)
    assert clf.classes_.tolist() == ["fulltime", "not.work", "parttime"]
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    table = clf.summary(reference_class="not.work")
    # the other classes keep the sorted order; MNLogit's blocks follow the categories
    assert list(table.index.get_level_values("class").unique()) == ["fulltime", "parttime"]
    ours = table.loc[["parttime", "fulltime"]]
    for col, want in (("coef", ref.params), ("std_err", ref.bse), ("p_value", ref.pvalues)):
        np.testing.assert_allclose(ours[col], np.asarray(want).T.ravel(), rtol=RTOL)
    ci = np.asarray(ref.conf_int())  # rows: (block, term)
    np.testing.assert_allclose(ours[["ci_low", "ci_high"]], ci, rtol=RTOL)
    assert "relative to reference class 'not.work'" in table.attrs["caption"]
    text = clf.summary_text(reference_class="not.work")
    assert "reference class 'not.work'" in text
    odds = clf.summary(reference_class="not.work", exp=True)
    np.testing.assert_allclose(odds["relative_risk_ratio"], np.exp(table["coef"]), rtol=1e-12)
    same = clf.summary(reference_class="fulltime")
    pd.testing.assert_frame_equal(same, clf.summary())


def test_summary_reference_class_of_a_binary_model_flips_the_log_odds():
    """Binary: the log-odds of the first class instead, as R's glm on a factor whose
    first level is the other one. Oracle: statsmodels' Logit on the flipped labels."""
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-12).fit(X, y)
    table = clf.summary(reference_class=1)
    ref = _sm_logit(X, 1 - y)
    np.testing.assert_allclose(table["coef"], ref.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], ref.bse, rtol=RTOL)
    assert re.search(r"log-odds of 0(\.0)? \(reference 1(\.0)?\)", table.attrs["caption"])
    with pytest.raises(ValueError, match=r"reference_class 'b' is not a class.*\[0(\.0)?, 1"):
        clf.summary(reference_class="b")
    with pytest.raises(ValueError, match="reference_class.*sum-to-zero"):
        NeuronClassifier().fit(*_categorical_target_table()).summary(
            parameterization="sum-to-zero", reference_class="not.work"
        )


def test_deviances_and_their_degrees_of_freedom_as_r_and_glm_name_them():
    """R's deviance(), fit$null.deviance, df.residual(), fit$df.null and statsmodels'
    GLM deviance, null_deviance, df_resid were printed in the caption only, with no
    attribute to read them (an R user computes them from log_likelihood_). Oracle:
    statsmodels' GLM Binomial, with frequency weights, with and without intercept."""
    X, y = _spector()
    w = np.arange(len(y)) % 3 + 1.0
    for fit_intercept in (True, False):
        clf = NeuronClassifier(tol=1e-12, fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
        exog = sm.add_constant(X) if fit_intercept else X
        ref = sm.GLM(y, exog, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12)
        assert clf.deviance_ == pytest.approx(ref.deviance, rel=RTOL)
        assert clf.df_resid_ == ref.df_resid
        if fit_intercept:  # statsmodels' null deviance is the intercept-only model's
            assert clf.null_deviance_ == pytest.approx(ref.null_deviance, rel=RTOL)
            assert clf.df_null_ == ref.df_resid + ref.df_model
        else:  # R's: the zero model's, on n degrees of freedom
            assert clf.null_deviance_ == pytest.approx(2 * w.sum() * np.log(2), rel=RTOL)
            assert clf.df_null_ == w.sum()
        assert clf.null_deviance_ - clf.deviance_ == pytest.approx(clf.llr_, rel=1e-12)


@pytest.mark.parametrize("level", ["0.9", None, [0.9], True])
def test_a_level_that_is_no_number_is_one_clear_error_at_every_entry_point(level):
    """summary, summary_text, predict_interval, margeff and profile intervals took a
    string or None as level into '0 < level', a TypeError that named no argument."""
    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban"]]
    y = (d["violent"] > d["violent"].median()).astype(int)
    clf = NeuronClassifier().fit(X, y)
    calls = [
        lambda: clf.summary(level=level),
        lambda: clf.summary_text(level=level),
        lambda: clf.predict_interval(X[:2], level=level),
        lambda: clf.margeff(X, level=level),
        lambda: clf.summary(level=level, ci="profile", X=X, y=y),
        lambda: clf.inference_.table(level),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"level must be a number in \(0, 1\)"):
            call()


@pytest.mark.parametrize(
    "case", ["binary", "no_intercept", "penalised", "multinomial", "weightless_class", "firth"]
)
def test_fitted_statistics_are_the_results_properties(case):
    """The estimator's statistics (read in one pass, ``fit_statistics``) are exactly
    the ``InferenceResult`` properties that define them, in every kind of fit."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((120, 2))
    y = (X[:, 0] + rng.standard_normal(120) > 0).astype(int)
    kw, w = {}, None
    if case == "no_intercept":
        kw = {"fit_intercept": False}
    elif case == "penalised":
        kw = {"alpha": 0.1}
    elif case == "firth":
        kw = {"firth": True}
    elif case in ("multinomial", "weightless_class"):
        y = np.digitize(X[:, 0] + 0.5 * rng.standard_normal(120), [-0.5, 0.5])
        if case == "weightless_class":
            w = np.where(y == 2, 0.0, 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NeuronClassifier(**kw).fit(X, y, sample_weight=w)
    res = clf.inference_
    for name in ("pseudo_r2", "aic", "bic", "llr", "llr_df", "llr_pvalue", "deviance"):
        np.testing.assert_equal(getattr(clf, f"{name}_"), getattr(res, name), err_msg=name)
    for name in ("null_deviance", "df_resid", "df_null"):
        np.testing.assert_equal(getattr(clf, f"{name}_"), getattr(res, name), err_msg=name)
    for name in ("pseudo_r2_cox_snell", "pseudo_r2_nagelkerke"):
        np.testing.assert_equal(getattr(clf, f"{name}_"), getattr(res, name), err_msg=name)
    assert res.fit_statistics().keys() == {
        "pseudo_r2", "pseudo_r2_cox_snell", "pseudo_r2_nagelkerke", "aic", "bic", "llr",
        "llr_df", "llr_pvalue", "deviance", "null_deviance", "df_resid", "df_null",
    }  # fmt: skip


@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_reference_jacobian_is_the_general_map_gathered(classes, fit_intercept):
    """The covariance's map to raw coefficients, written out for one sigmoid neuron, holds
    the same numbers as the general Jacobian gathered in the reference blocks' order."""
    from oneneuron.engines import NumpyEngine
    from oneneuron.objective import LinearLoss

    rng = np.random.default_rng(1)
    X = rng.standard_normal((30, 3)) * [1.0, 5.0, 0.2] + [2.0, -1.0, 0.0]
    y = rng.integers(0, classes, 30)
    m = classes if classes > 2 else 1
    engine = NumpyEngine(X, y.astype(float) if m == 1 else y, np.ones(30), multinomial=m > 1)
    problem = LinearLoss(engine, m, 0.0, X.mean(axis=0), X.std(axis=0), fit_intercept)
    blocks = _inference_fit._reference_index(problem)
    idx = np.concatenate(blocks)
    general = problem._jacobian()[idx[:, None], idx]
    np.testing.assert_array_equal(_inference_fit._reference_jacobian(problem, idx), general)


@pytest.mark.parametrize(
    "fitted, changed",
    [
        ({"alpha": 0.1}, {"l1_ratio": 0.5}),
        ({"alpha": 0.05, "l1_ratio": 1.0, "relax": True}, {"relax": False}),
        ({}, {"fit_intercept": False}),
        ({}, {"class_weight": "balanced"}),
        ({}, {"cov_type": "HC0"}),
    ],
)
def test_statistics_refuse_parameters_changed_after_the_fit(fitted, changed):
    """set_params after a fit left the statistics reading the new parameters against the
    old fit: a ridge fit with l1_ratio set afterwards refused predict_interval as an L1
    fit; relax=False after a relaxed fit, or fit_intercept=False, crashed margeff
    ('cannot reshape array of size 3 into shape (5)'); diagnostics silently dropped the
    intercept from the hat matrix (or reweighed the rows by class). As save() does, they
    now refuse in one sentence naming the parameter; threshold may still change."""
    from oneneuron import anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data
    X = d[["poverty", "single", "urban", "white"]].to_numpy()
    y = (d["violent"] > d["violent"].median()).astype(int).to_numpy()
    clf = NeuronClassifier(**fitted).fit(X, y)
    clf.set_params(threshold=0.7)  # a decision rule, not the fitted model: allowed
    assert clf.predict(X).tolist() == (clf.predict_proba(X)[:, 1] > 0.7).astype(int).tolist()
    clf.set_params(**changed)
    name = next(iter(changed))
    calls = [
        lambda: clf.predict_interval(X[:2]),
        lambda: clf.margeff(X),
        lambda: clf.summary(),
        lambda: clf.wald_test("x1 = 0"),
        lambda: diagnostics(clf, X, y),
        lambda: anova(clf, X, y),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=f"{name} was changed after the fit"):
            call()


def _near_duplicate(K: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """x0, x0 + 1e-9 noise (1 - corr ~ 1e-16) and an independent column."""
    rng = np.random.default_rng(seed)
    n = 300
    x = rng.normal(size=n)
    X = np.c_[x, x + 1e-9 * rng.normal(size=n), rng.normal(size=n)]
    latent = x + rng.normal(size=n)
    y = (latent > 0).astype(int) if K == 2 else np.digitize(latent, [-0.5, 0.5])
    return X, y


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize(
    "params",
    [{"solver": "newton"}, {"solver": "newton", "standardize": False}, {}, {"solver": "lbfgs"}],
)
def test_near_duplicate_columns_warn_at_fit_time_naming_them(K, params):
    """x and x + 1e-9 noise (1 - corr ~ 1e-16): the Hessian, formed as X'WX, cannot
    resolve their difference. Newton ran 451 iterations to coefficients of -1e8 and +1e8
    and "converged" 0.1 below the maximum log-likelihood (statsmodels on the same column
    space written [x0, (x1 - x0) / sd, x2]: predictions 0.059 apart); L-BFGS stopped at
    equal halves, 0.67 below it. Both without a word: only summary() said, when asked,
    that 'x1' is a linear combination of 'x0'. The fit then warned with that message.
    Newton now takes its step from a QR factor of the weighted design where the Cholesky
    factor of X'WX finds a small pivot, and reaches statsmodels' maximum: its fit is
    exact and does not warn, and its standard errors come from that factor too (they
    were refused: they needed X'WX); L-BFGS's fit still stops short and warns."""
    import statsmodels.api as sm

    from oneneuron import CollinearityWarning
    from oneneuron.stats import InferenceUnavailableError

    X, y = _near_duplicate(K)
    if params.get("solver") == "lbfgs":
        with pytest.warns(CollinearityWarning, match="'x1' is a linear combination of 'x0'") as rec:
            clf = NeuronClassifier(**params).fit(X, y)
        assert len([w for w in rec if w.category is CollinearityWarning]) == 1
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error", CollinearityWarning)
            clf = NeuronClassifier(**params).fit(X, y)
        d = X[:, 1] - X[:, 0]
        Z = sm.add_constant(np.column_stack([X[:, 0], d / d.std(), X[:, 2]]))
        model = sm.Logit(y, Z) if K == 2 else sm.MNLogit(y, Z)
        ref = model.fit(disp=0, method="newton", tol=1e-13, maxiter=100)
        P = clf.predict_proba(X)
        llf = np.sum(np.log(P[np.arange(len(y)), y]))
        assert abs(llf - ref.llf) <= 1e-9 * abs(ref.llf)
    # Newton's exact fit: x1 adds what x1 - x0 carries (the fit without it is 0.4 to
    # 0.6 lower in log-likelihood), which X'WX cannot resolve: the standard errors come
    # from the weighted design's QR factor, as R's glm (they were refused): statsmodels'
    # on the well-conditioned columns, mapped back. L-BFGS may stop where the fit
    # without x1 is: then x1 is aliased (NA) and the rest is that fit's table
    if params.get("solver") != "lbfgs":
        assert clf.inference_.cov is not None, clf.inference_.reason
        A = np.eye(4)
        A[1, 2] = -1.0 / d.std()
        A[2, 2] = 1.0 / d.std()
        A = A if K == 2 else np.kron(np.eye(K - 1), A)
        cov_ref = A @ np.asarray(ref.cov_params()) @ A.T
        np.testing.assert_allclose(
            np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-5
        )
    elif clf.inference_.cov is None:
        with pytest.raises(InferenceUnavailableError, match="'x1' is a linear combination"):
            clf.summary()
    else:
        table = clf.summary()
        ref = NeuronClassifier(tol=1e-10).fit(X[:, [0, 2]], y).summary()
        assert table.xs("x1", level="term" if K > 2 else None).isna().all(axis=None)
        got = table.drop(index="x1", level="term" if K > 2 else None)
        np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-5, atol=1e-7)
    with warnings.catch_warnings():  # well-separated columns: no such warning
        warnings.simplefilter("error", CollinearityWarning)
        NeuronClassifier(**params).fit(X[:, [0, 2]], y)
        NeuronClassifier(alpha=0.1, **params).fit(X, y)  # a ridge identifies them


def test_cox_snell_and_nagelkerke_pseudo_r2_match_statsmodels():
    """R's DescTools::PseudoR2 and SPSS print Cox and Snell's and Nagelkerke's R-squared
    beside McFadden's. Oracles: statsmodels' GLM pseudo_rsquared(kind="cs") (frequency
    weights: of the rows written out) and Nagelkerke's rescaling of it,
    CS / (1 - exp(2 llnull / n)), from statsmodels' likelihoods (binary and MNLogit)."""
    X, y = _spector()
    w = np.arange(len(y)) % 3 + 1.0
    clf = NeuronClassifier(tol=1e-11).fit(X, y, sample_weight=w)
    Xe, ye = np.repeat(X.to_numpy(), w.astype(int), 0), np.repeat(y.to_numpy(), w.astype(int))
    ref = sm.GLM(ye, sm.add_constant(Xe), family=sm.families.Binomial()).fit(tol=1e-14)
    cs = ref.pseudo_rsquared(kind="cs")
    assert clf.pseudo_r2_cox_snell_ == pytest.approx(cs, rel=RTOL)
    top = 1.0 - np.exp(2.0 * ref.llnull / ref.nobs)
    assert clf.pseudo_r2_nagelkerke_ == pytest.approx(cs / top, rel=RTOL)
    res = clf.inference_
    assert res.pseudo_r2_cox_snell == clf.pseudo_r2_cox_snell_
    assert InferenceResult.from_dict(res.to_dict()).pseudo_r2_nagelkerke == pytest.approx(
        clf.pseudo_r2_nagelkerke_, rel=1e-15
    )
    rng = np.random.default_rng(2)
    X3 = rng.normal(size=(300, 2))
    y3 = np.argmax(X3 @ rng.normal(size=(2, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    mn = sm.MNLogit(y3, sm.add_constant(X3)).fit(disp=0, method="newton", tol=1e-14)
    clf3 = NeuronClassifier(tol=1e-11).fit(X3, y3)
    cs3 = 1.0 - np.exp(2.0 * (mn.llnull - mn.llf) / mn.nobs)
    assert clf3.pseudo_r2_cox_snell_ == pytest.approx(cs3, rel=RTOL)
    nk3 = cs3 / (1.0 - np.exp(2.0 * mn.llnull / mn.nobs))
    assert clf3.pseudo_r2_nagelkerke_ == pytest.approx(nk3, rel=RTOL)
