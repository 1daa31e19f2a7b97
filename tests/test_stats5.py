"""A statistician's fifth round: Firth on nearly collinear columns, and what else it found."""

from __future__ import annotations

import numpy as np
import pytest

from oneneuron import NeuronClassifier


def _nearly_collinear(eps, n=200):
    """``x1 = x0 + eps z``: the pair is nearly collinear (``1 - R^2`` about ``eps^2``)."""
    rng = np.random.default_rng(7)
    x0, z = rng.normal(size=n), rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + 0.8 * x0 - 0.6 * z)))).astype(int)
    return np.column_stack([x0, x0 + eps * z]), y, z


@pytest.mark.parametrize("eps", [1e-4, 1e-5, 3e-6])
def test_firth_fits_nearly_collinear_columns_as_a_well_conditioned_reparameterisation(eps):
    """Firth's penalised likelihood is invariant under a linear reparameterisation (log
    det I moves by a constant), so the fit of ``[1, x0, x1]`` is the fit of the
    well-conditioned ``[1, x0, z]`` (``x1 = x0 + eps z``) mapped back. With ``eps``
    1e-4 the pair's penalised-LR p-values came out 0 where they are 0.046 (a refit
    started 5000 logits away; on other data NumPy's LinAlgError 'Singular matrix'
    escaped), with 1e-5 it ran out of iterations (steps capped at 5 per coefficient,
    coefficients of 5e4 to reach), and with 3e-6 (``1 - R^2`` 1e-11) it refused the
    columns, where R's logistf fits them.
    Oracle: firthmodels on ``[x0, z]``, its penalised-LR p-value of ``z`` (that of x1 here,
    ``beta_1 = gamma_z / eps``) and of ``x0`` on ``[x1, (x0 - x1) / eps]``."""
    firthmodels = pytest.importorskip("firthmodels")
    X, y, z = _nearly_collinear(eps)

    def reference(A):
        ref = firthmodels.FirthLogisticRegression(
            gtol=1e-8, xtol=1e-10, max_iter=200, backend="numpy"
        ).fit(A, y)
        ref.lrt()
        return ref

    a = reference(np.column_stack([X[:, 0], z]))
    b = reference(np.column_stack([X[:, 1], -z]))  # (x0 - x1) / eps = -z
    M = np.array([[1, 0, 0], [0, 1, -1 / eps], [0, 0, 1 / eps]])  # beta = M gamma
    gamma = np.r_[a.intercept_, a.coef_]
    clf = NeuronClassifier(firth=True, tol=1e-11).fit(X, y)
    table = clf.summary()
    assert clf.converged_
    np.testing.assert_allclose(table["coef"], M @ gamma, rtol=1e-6)
    Z = np.column_stack([np.ones(len(y)), X[:, 0], z])
    q = 1 / (1 + np.exp(-(Z @ gamma)))
    cov = M @ np.linalg.inv(Z.T @ ((q * (1 - q))[:, None] * Z)) @ M.T  # I(beta)^-1
    np.testing.assert_allclose(clf.cov_params(), cov, rtol=1e-5)
    pen = clf.inference_.extra["penalized_log_likelihood"]
    assert pen == pytest.approx(a.loglik_ + np.log(eps), rel=1e-9)  # - log det M
    np.testing.assert_allclose(
        table["p_value"].iloc[1:], [b.lrt_pvalues_[1], a.lrt_pvalues_[1]], rtol=1e-5
    )


def test_firth_profile_intervals_of_nearly_collinear_columns():
    """The penalised-profile intervals (logistf's default) of the pair above: those of
    ``x1`` are those of ``z`` on the well-conditioned design, divided by ``eps``.
    Oracle: firthmodels' profile-penalised-likelihood intervals of ``z``."""
    firthmodels = pytest.importorskip("firthmodels")
    eps = 1e-5
    X, y, z = _nearly_collinear(eps)
    ref = firthmodels.FirthLogisticRegression(
        gtol=1e-8, xtol=1e-10, max_iter=200, backend="numpy"
    ).fit(np.column_stack([X[:, 0], z]), y)
    ci = ref.conf_int(alpha=0.05, method="pl", tol=1e-10, max_iter=200)
    clf = NeuronClassifier(firth=True, tol=1e-11).fit(X, y)
    prof = clf.summary(ci="profile", X=X, y=y)
    np.testing.assert_allclose(prof[["ci_low", "ci_high"]].iloc[2], ci[1] / eps, rtol=1e-5)


def _three_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -1.0]
    y = (X @ [1.0, 0.5, 0.2] + rng.logistic(size=300) > 0).astype(int)
    return X, y


def test_lr_test_refuses_a_small_model_whose_same_named_column_holds_other_data():
    """``lr_test(fit(X[:, [2]]), fit(X[:, :2]))``: the small model's only column is named
    x0 (arrays number their columns), so the nesting check by name passed and the test
    reported chi2(1) = 61 although the small model's column is not in the big model's
    column space (least squares: its residual on the big design is most of its
    variance), so the models are not nested and the statistic is meaningless. Each fit
    now records its columns' weighted mean and standard deviation (which every engine
    computes anyway), and same-named terms that differ are refused, named; the same
    column at another position still matches."""
    from oneneuron import lr_test

    X, y = _three_columns()
    big = NeuronClassifier().fit(X[:, :2], y)
    A = np.column_stack([np.ones(len(y)), X[:, :2]])
    resid = X[:, 2] - A @ np.linalg.lstsq(A, X[:, 2], rcond=None)[0]
    assert resid @ resid > 0.9 * np.sum((X[:, 2] - X[:, 2].mean()) ** 2)  # not nested
    with pytest.raises(ValueError, match=r"'x0'.*not.*big's.*same name"):
        lr_test(NeuronClassifier().fit(X[:, [2]], y), big)
    with pytest.raises(ValueError, match=r"'x1'"):
        lr_test(NeuronClassifier().fit(X[:, [0, 2]], y), NeuronClassifier().fit(X, y))
    sm = pytest.importorskip("statsmodels.api")
    small = NeuronClassifier(standardize=False).fit(X[:, [0]], y)  # nested: x0 is x0
    ref = 2 * (sm.Logit(y, A).fit(disp=0).llf - sm.Logit(y, A[:, :2]).fit(disp=0).llf)
    assert lr_test(small, big).statistic == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "cluster"])
def test_relaxed_refit_takes_a_robust_covariance(cov_type):
    """relax=True reports the unpenalised refit on the kept columns, and that refit was
    built to take ``cov_type`` and the clusters, but the fit refused any robust
    ``cov_type`` with alpha > 0 ('a sandwich around a penalised fit is not a robust
    covariance'), which is not the table reported. Oracle: statsmodels Logit on the kept
    columns, rows repeated by their weights, with the offset: its HC0 (times R's
    N / (N - k) for HC1) and its cluster covariance (Stata's small-sample factor)."""
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(4)
    n = 300
    X = rng.normal(size=(n, 4))
    off = 0.3 * rng.normal(size=n)
    y = (X[:, :2] @ [1.0, -1.0] + off + rng.logistic(size=n) > 0).astype(int)
    w = rng.integers(1, 3, size=n)
    g = rng.integers(0, 6, size=n)
    kw = {"cluster": g} if cov_type == "cluster" else {}
    clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True, cov_type=cov_type, tol=1e-12)
    clf.fit(X, y, sample_weight=w, offset=off, **kw)
    kept = np.flatnonzero(clf.coef_[0])
    assert 0 < len(kept) < 4
    A = sm.add_constant(np.repeat(X[:, kept], w, 0))
    ref_fit = sm.Logit(np.repeat(y, w), A, offset=np.repeat(off, w))
    if cov_type == "cluster":
        ref = ref_fit.fit(
            disp=0, method="newton", tol=1e-12, cov_type="cluster",
            cov_kwds={"groups": np.repeat(g, w)},
        ).cov_params()  # fmt: skip
    else:
        ref = ref_fit.fit(disp=0, method="newton", tol=1e-12, cov_type="HC0").cov_params()
        ref = ref * (len(A) / (len(A) - A.shape[1]) if cov_type == "HC1" else 1.0)
    np.testing.assert_allclose(clf.cov_params(), ref, rtol=1e-6)
    assert clf.inference_.cov_type == cov_type
    assert "RELAXED" in clf.inference_.extra["note"]


def test_a_robust_covariance_of_an_l1_fit_without_relax_names_relax(tmp_path, capsys):
    """Without relax=True an L1 fit's sandwich is still refused (selection and shrinkage:
    not an estimator's covariance), and the error now names the option that gives one:
    relax=True in Python, --relax on the command line, which then trains."""
    from _cli import fail, run

    X, y = _three_columns()
    with pytest.raises(ValueError, match=r"is for unpenalised fits.*relax=True refits"):
        NeuronClassifier(alpha=0.05, l1_ratio=1.0, cov_type="HC1").fit(X, y)
    with pytest.raises(ValueError, match=r"is for unpenalised fits") as ridge:
        NeuronClassifier(alpha=0.05, cov_type="HC1").fit(X, y)  # ridge: no refit to offer
    assert "relax" not in str(ridge.value)
    path = tmp_path / "t.csv"
    import pandas as pd

    pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y).to_csv(path, index=False)
    base = ["train", path, "--target", "y", "--model", tmp_path / "m.json"]
    base += ["--alpha", "0.05", "--l1-ratio", "1", "--cov-type", "HC1"]
    err = fail(base, capsys, "--relax refits")
    assert "relax=True" not in err
    assert run(base + ["--relax", "-q"], capsys)[0] == 0
    assert load_cov_type(tmp_path / "m.json") == "HC1"


def load_cov_type(path):
    from oneneuron import load

    return load(path).inference_.cov_type
