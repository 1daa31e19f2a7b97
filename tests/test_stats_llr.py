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


def _ridge_edf(X: np.ndarray, y: np.ndarray, alpha: float) -> tuple[float, int]:
    """Effective degrees of freedom of a ridge logistic fit, ``tr(H_ll (H_ll + P)^+)``
    (mgcv's edf), from scikit-learn's fit of the same objective (``C = 1 / (n alpha)``,
    the raw coefficients penalised, every class's block for K > 2): the independent
    oracle of ``df_resid_ = nobs - edf``. Returns (edf, nobs)."""
    from sklearn.linear_model import LogisticRegression

    n, d = X.shape
    lr = LogisticRegression(C=1 / (n * alpha), tol=1e-12, max_iter=10_000).fit(X, y)
    Xa = np.column_stack([np.ones(n), X])
    if len(lr.classes_) == 2:
        p = lr.predict_proba(X)[:, 1]
        H = Xa.T @ (Xa * (p * (1 - p))[:, None]) / n
        P = np.diag([0.0] + [alpha] * d)
    else:  # softmax: blocks (k, j), Hessian sum_i (diag(p_i) - p_i p_i') kron x_i x_i'
        Pr = lr.predict_proba(X)
        K = Pr.shape[1]
        H = np.zeros((K * (d + 1), K * (d + 1)))
        for i in range(n):
            H += np.kron(np.diag(Pr[i]) - np.outer(Pr[i], Pr[i]), np.outer(Xa[i], Xa[i]))
        H /= n
        P = np.kron(np.eye(K), np.diag([0.0] + [alpha] * d))
    return float(np.trace(H @ np.linalg.pinv(H + P, hermitian=True))), n


@pytest.mark.parametrize("shape", [(30, 50), (200, 4)])
def test_penalized_residual_df_is_nobs_less_the_effective_df(shape):
    """A ridge fit with more columns than rows printed 'residual deviance ... on -21 df'
    (nobs less every coefficient). A penalised fit's residual degrees of freedom are
    ``nobs - edf``, with ``edf = tr(H_ll (H_ll + P)^-1)`` (mgcv's effective degrees of
    freedom; between the intercept's 1 and the coefficients' count). Oracle: that trace
    computed from scikit-learn's fit of the same objective."""
    n, d = shape
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    alpha = 0.5
    clf = NeuronClassifier(alpha=alpha, standardize=False).fit(X, y)
    edf, nobs = _ridge_edf(X, y, alpha)
    assert 1.0 < edf < min(n, d + 1)
    assert clf.df_resid_ == pytest.approx(nobs - edf, rel=1e-6)
    assert f"on {nobs - edf:g} df" in clf.summary().attrs["caption"]


def test_penalized_multinomial_residual_df_counts_the_effective_df(three_classes):
    X, y = three_classes
    X = X.to_numpy()
    clf = NeuronClassifier(alpha=0.2, standardize=False).fit(X, y)
    edf, nobs = _ridge_edf(X, y, 0.2)
    assert 2.0 < edf < 3 * 2 + 2
    assert clf.df_resid_ == pytest.approx(nobs - edf, rel=1e-6)


def test_lasso_residual_df_counts_the_coefficients_it_kept():
    """An L1 fit's degrees of freedom are its non-zero coefficients (Zou, Hastie and
    Tibshirani 2007: the lasso's df is the size of its active set), plus the intercept."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 40))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=80) > 0).astype(int)
    clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0).fit(X, y)
    kept = int(np.count_nonzero(clf.coef_))
    assert 0 < kept < 40
    assert clf.df_resid_ == pytest.approx(80 - (kept + 1), rel=1e-9)


def test_effective_df_round_trips_through_a_model_file_and_is_checked(tmp_path):
    from oneneuron.modelfile import ModelFileError, load, save

    rng = np.random.default_rng(2)
    X = rng.normal(size=(25, 40))
    y = (X[:, 0] + rng.normal(size=25) > 0).astype(int)
    clf = NeuronClassifier(alpha=1.0).fit(X, y)
    path = tmp_path / "m.json"
    save(clf, path)
    back = load(path)
    assert back.df_resid_ == pytest.approx(clf.df_resid_, rel=1e-12) and back.df_resid_ > 0
    doc = json.loads(path.read_text())
    doc["inference"]["extra"]["edf"] = 1e6
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="extra.edf"):
        load(path)


def _assert_information_criteria(clf: NeuronClassifier, df_model: float) -> None:
    """AIC and BIC with ``df_model`` parameters, everywhere they are reported."""
    llf, nobs = clf.log_likelihood_, clf.inference_.nobs
    aic, bic = -2 * llf + 2 * df_model, -2 * llf + df_model * np.log(nobs)
    assert clf.aic_ == pytest.approx(aic, rel=1e-9)
    assert clf.bic_ == pytest.approx(bic, rel=1e-9)
    res = clf.inference_
    assert res.aic == pytest.approx(aic, rel=1e-9) and res.bic == pytest.approx(bic, rel=1e-9)
    if res.cov is not None:  # an L1 fit has no table (see relax=True)
        assert f"AIC={aic:.6g}  BIC={bic:.6g}" in clf.summary().attrs["caption"]
    back = InferenceResult.from_dict(json.loads(json.dumps(res.to_dict())))
    assert back.fit_statistics()["aic"] == pytest.approx(clf.aic_, rel=1e-12)
    assert back.fit_statistics()["bic"] == pytest.approx(clf.bic_, rel=1e-12)


@pytest.mark.parametrize("shape", [(30, 50), (200, 4)])
def test_penalized_aic_and_bic_count_the_effective_df(shape):
    """A ridge fit's AIC and BIC counted every coefficient (51 parameters for 30 rows),
    while its residual degrees of freedom counted the effective ones: AIC and BIC of a
    penalised fit are ``-2 llf + 2 edf`` and ``-2 llf + edf log(n)`` (mgcv's AIC of a
    penalised GLM, Hastie and Tibshirani's), the unpenalised log-likelihood at the
    penalised estimate. Oracle: the trace from scikit-learn's fit of the same objective."""
    n, d = shape
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    clf = NeuronClassifier(alpha=0.5, standardize=False).fit(X, y)
    edf, _ = _ridge_edf(X, y, 0.5)
    _assert_information_criteria(clf, edf)


def test_penalized_multinomial_aic_counts_the_effective_df(three_classes):
    X, y = three_classes
    X = X.to_numpy()
    clf = NeuronClassifier(alpha=0.2, standardize=False).fit(X, y)
    edf, _ = _ridge_edf(X, y, 0.2)
    _assert_information_criteria(clf, edf)


def test_lasso_aic_matches_statsmodels_fit_regularized():
    """An L1 fit's AIC counts the coefficients it kept and the intercept, as statsmodels'
    ``Logit.fit_regularized`` (its ``df_model`` is the non-zero slopes)."""
    X, y = _spector()
    n = len(y)
    alpha = 0.1
    clf = NeuronClassifier(alpha=alpha, l1_ratio=1.0, standardize=False, tol=1e-12).fit(X, y)
    ref = sm.Logit(y, sm.add_constant(X)).fit_regularized(
        alpha=n * alpha * np.array([0.0, 1, 1, 1]), disp=0, acc=1e-12, trim_mode="size"
    )
    assert 1 <= ref.df_model < 3
    assert np.count_nonzero(clf.coef_) == ref.df_model
    assert clf.log_likelihood_ == pytest.approx(ref.llf, rel=1e-5)
    _assert_information_criteria(clf, ref.df_model + 1)
    assert clf.aic_ == pytest.approx(ref.aic, rel=1e-5)
    assert clf.bic_ == pytest.approx(ref.bic, rel=1e-5)


def test_elastic_net_counts_the_effective_df_of_the_kept_columns():
    """An elastic net (0 < l1_ratio < 1) counted every coefficient, the zeros too, in
    df_resid_, AIC and BIC (21 for 10 kept of 20): its degrees of freedom are Zou, Hastie
    and Tibshirani's ``tr(H_AA (H_AA + P_AA)^-1)`` over the kept columns ``A`` and the
    intercept, ``P`` the L2 part. Oracle: that trace written out at the fit's estimate."""
    rng = np.random.default_rng(1)
    n, d = 120, 20
    X = rng.normal(size=(n, d))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=n) > 0).astype(int)
    alpha, l1 = 0.05, 0.5
    clf = NeuronClassifier(alpha=alpha, l1_ratio=l1, standardize=False, tol=1e-12).fit(X, y)
    kept = np.flatnonzero(clf.coef_.ravel())
    assert 1 < len(kept) < d
    Xa = np.column_stack([np.ones(n), X[:, kept]])
    p = clf.predict_proba(X)[:, 1]
    H = Xa.T @ (Xa * (p * (1 - p))[:, None]) / n
    P = np.diag([0.0] + [alpha * (1 - l1)] * len(kept))
    edf = float(np.trace(H @ np.linalg.inv(H + P)))
    assert edf < len(kept) + 1
    assert clf.df_resid_ == pytest.approx(n - edf, rel=1e-6)
    _assert_information_criteria(clf, edf)


@pytest.mark.parametrize("K", [2, 3])
def test_penalized_llr_df_is_the_drop_in_residual_df(K):
    """A penalised fit's caption read 'null deviance on 199 df, residual deviance on 197
    df, LR chi2(5)': the residual df counted the effective degrees of freedom (an L1
    fit's non-zero coefficients, a ridge fit's edf) and llr_df every term. llr_df is now
    df_null - df_resid, R's and statsmodels' df_model: oracle statsmodels'
    Logit.fit_regularized of the same L1 objective (its df_model counts the non-zero
    slopes), and for ridge the identity with df_resid_ (checked against mgcv's edf above)."""
    rng = np.random.default_rng(12)
    n = 200
    X = rng.normal(size=(n, 5)) * [1, 2, 1, 3, 1]
    z = X[:, 0] - 0.5 * X[:, 1] + rng.logistic(size=n)
    y = (z > 0).astype(int) if K == 2 else np.digitize(z, [-1.0, 1.0])
    for kw in ({"alpha": 0.05, "l1_ratio": 1.0}, {"alpha": 0.1}):
        clf = NeuronClassifier(tol=1e-12, **kw).fit(X, y)
        assert clf.llr_df_ == pytest.approx(clf.df_null_ - clf.df_resid_, rel=1e-12)
        caption = str(clf.inference_)
        assert f"LR chi2({clf.llr_df_:g})" in caption
        assert np.isnan(clf.llr_pvalue_)
    if K == 2:
        clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0, tol=1e-12).fit(X, y)
        sd = X.std(axis=0)
        ref = sm.Logit(y, sm.add_constant(X)).fit_regularized(
            alpha=np.r_[0.0, n * 0.05 * sd], disp=0, acc=1e-12
        )
        np.testing.assert_allclose(np.r_[clf.intercept_, clf.coef_.ravel()], ref.params, atol=1e-6)
        assert clf.llr_df_ == ref.df_model == 2
