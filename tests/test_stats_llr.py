"""The likelihood-ratio test of the model against its null model, against statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from oneneuron import NeuronClassifier
from oneneuron.stats import InferenceResult

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _spector() -> tuple[np.ndarray, np.ndarray]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]].to_numpy(), data.endog.to_numpy()


def _assert_llr(clf: NeuronClassifier, llr: float, df: float, pvalue: float) -> None:
    assert clf.llr_ == pytest.approx(llr, rel=RTOL)
    assert clf.llr_df_ == df
    assert clf.llr_pvalue_ == pytest.approx(pvalue, rel=1e-5, abs=1e-300)
    caption = clf.summary().attrs["caption"]
    assert f"LR chi2({df:g})={llr:.6g}" in caption


def test_binary_llr_matches_statsmodels_logit():
    X, y = _spector()
    clf = NeuronClassifier(tol=1e-10).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    _assert_llr(clf, ref.llr, ref.df_model, ref.llr_pvalue)
    # R's summary.glm: null and residual deviance with their degrees of freedom
    caption = clf.summary().attrs["caption"]
    assert f"null deviance={-2 * ref.llnull:.6g} on {ref.nobs - 1:g} df" in caption
    assert f"residual deviance={-2 * ref.llf:.6g} on {ref.df_resid:g} df" in caption


def test_weighted_llr_matches_glm_freq_weights():
    X, y = _spector()
    w = np.random.default_rng(1).integers(1, 4, size=len(y)).astype(float)
    clf = NeuronClassifier(tol=1e-10).fit(X, y, sample_weight=w)
    Xc = sm.add_constant(X)
    glm = sm.GLM(y, Xc, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-14)
    llr = 2 * (glm.llf - glm.llnull)
    df = Xc.shape[1] - 1
    from scipy import stats

    _assert_llr(clf, llr, df, stats.chi2.sf(llr, df))


def test_offset_llr_nulls_intercept_plus_offset_as_statsmodels():
    rng = np.random.default_rng(4)
    n = 300
    X = rng.normal(size=(n, 2))
    off = np.log(rng.uniform(0.2, 3.0, size=n))
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(0.5 - X @ [0.8, -0.4] - off))).astype(int)
    clf = NeuronClassifier(tol=1e-10).fit(X, y, offset=off)
    ref = sm.Logit(y, sm.add_constant(X), offset=off).fit(disp=0, method="newton", tol=1e-14)
    _assert_llr(clf, ref.llr, ref.df_model, ref.llr_pvalue)
    glm = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=off).fit()
    assert clf.null_log_likelihood_ == pytest.approx(glm.llnull, rel=RTOL)


def test_multinomial_llr_matches_statsmodels_mnlogit(three_classes):
    X, y = three_classes
    X = X.to_numpy()
    clf = NeuronClassifier(tol=1e-10).fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14)
    _assert_llr(clf, ref.llr, ref.df_model, ref.llr_pvalue)


def test_no_intercept_llr_tests_against_the_zero_model():
    """statsmodels' llr without a constant compares with the intercept-only model, which is
    not nested in the fit (its llr can be negative); ours is R's: the model whose linear
    predictor is 0 (plus any offset), every coefficient tested, df = k."""
    X, y = _spector()
    clf = NeuronClassifier(fit_intercept=False, tol=1e-10).fit(X, y)
    model = sm.Logit(y, X)
    ref = model.fit(disp=0, method="newton", tol=1e-14)
    llzero = model.loglike(np.zeros(X.shape[1]))
    from scipy import stats

    llr = 2 * (ref.llf - llzero)
    _assert_llr(clf, llr, X.shape[1], stats.chi2.sf(llr, X.shape[1]))
    # the McFadden null stays the intercept-only model, as statsmodels'
    assert clf.null_log_likelihood_ == pytest.approx(ref.llnull, rel=RTOL)
    # with an offset: the offset-only model
    off = np.random.default_rng(2).normal(size=len(y)) * 0.3
    clf = NeuronClassifier(fit_intercept=False, tol=1e-10).fit(X, y, offset=off)
    model = sm.Logit(y, X, offset=off)
    ref = model.fit(disp=0, method="newton", tol=1e-14)
    llr = 2 * (ref.llf - model.loglike(np.zeros(X.shape[1])))
    _assert_llr(clf, llr, X.shape[1], stats.chi2.sf(llr, X.shape[1]))


def test_penalized_fit_has_no_llr_pvalue_and_json_round_trip_keeps_it():
    X, y = _spector()
    clf = NeuronClassifier(alpha=0.1).fit(X, y)
    assert np.isfinite(clf.llr_) and np.isnan(clf.llr_pvalue_)
    assert "no chi-squared p-value" in clf.summary().attrs["caption"]
    plain = NeuronClassifier(fit_intercept=False).fit(X, y).inference_
    back = InferenceResult.from_dict(json.loads(json.dumps(plain.to_dict())))
    assert back.llr == pytest.approx(plain.llr) and back.llr_df == plain.llr_df


def test_an_underflowing_lr_p_value_is_printed_as_a_bound_not_zero():
    """The caption printed 'p=0' when the LR test's p-value underflows float64 (a strong
    effect on many rows: chi2 ~ 3667 on R's menarche data), which reads as an exact zero;
    R's format.pval prints '< 2.2e-16'. Now 'p<1e-300', a true bound. Oracle: scipy's
    chi2.logsf (log scale, no underflow) says how small the p-value is."""
    from scipy import stats

    rng = np.random.default_rng(0)
    x = rng.normal(size=20_000)
    y = (rng.random(20_000) < 1 / (1 + np.exp(-3 * x))).astype(int)
    clf = NeuronClassifier().fit(x[:, None], y)
    assert stats.chi2.logsf(clf.llr_, 1) < np.log(1e-300)
    caption = clf.summary().attrs["caption"]
    assert "p<1e-300" in caption and "p=0" not in caption
