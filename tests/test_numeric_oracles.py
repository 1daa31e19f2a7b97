"""Fits at numerical corners, each checked against an independent oracle.

Oracles: statsmodels' GLM/Logit (binomial, with offsets), scipy.optimize on the
same objective written out here, and closed forms.
"""

import functools
import warnings

import numpy as np
import pytest
import scipy.optimize
import scipy.special
import statsmodels.api as sm

from oneneuron import NeuronClassifier


def _quiet_fit(clf, X, y, **kw):
    """Fit with every warning recorded (returned), none printed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, **kw)
    return clf, caught


def _offset_data(level, n=500, seed=0):
    """Binary data whose offset sits near ``level``; the intercept absorbs ``-level``."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    off = level + rng.normal(size=n)
    z = off + X @ [1.0, -0.5] - level - 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y, off


def _glm_offset(X, y, off, w=None):
    """statsmodels' binomial GLM with the offset (and frequency weights), tight."""
    model = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), offset=off, freq_weights=w)
    return model.fit(tol=1e-12)


@pytest.mark.parametrize("level", [50.0, -100.0, 1000.0])
@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs", "subsampled-newton"])
def test_large_offsets_reach_statsmodels_optimum(level, solver):
    """An offset of large values: the start must account for it (the log-odds of the
    mean of y, offset ignored, put Newton where the Hessian underflows: 0 iterations)."""
    X, y, off = _offset_data(level)
    ref = _glm_offset(X, y, off)
    clf, caught = _quiet_fit(NeuronClassifier(solver=solver, tol=1e-10), X, y, offset=off)
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(clf.intercept_[0], ref.params[0], rtol=1e-7)
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(clf.inference_.table()["std_err"].to_numpy(), ref.bse, rtol=1e-5)
    np.testing.assert_allclose(clf.log_likelihood_, ref.llf, rtol=1e-9)


def test_large_offset_with_weights_and_l1():
    """The same start serves a weighted fit and the coordinate-descent (L1) solver."""
    X, y, off = _offset_data(-200.0, seed=3)
    w = np.random.default_rng(4).integers(1, 4, size=len(y)).astype(float)
    ref = _glm_offset(X, y, off, w)
    clf, caught = _quiet_fit(NeuronClassifier(tol=1e-10), X, y, offset=off, sample_weight=w)
    assert caught == []
    np.testing.assert_allclose(clf.intercept_[0], ref.params[0], rtol=1e-7)
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-6)
    # an L1 penalty too small to zero anything: the unpenalised optimum, to its size
    l1 = NeuronClassifier(alpha=1e-9, l1_ratio=1.0, tol=1e-10, inference=False)
    l1, caught = _quiet_fit(l1, X, y, offset=off, sample_weight=w)
    assert l1.converged_
    np.testing.assert_allclose(l1.intercept_[0], ref.params[0], rtol=1e-6)
    np.testing.assert_allclose(l1.coef_[0], ref.params[1:], rtol=1e-4)


def _firth_oracle(Xt, y, off):
    """Firth's estimate by scipy: maximise l(beta) + 1/2 log det I(beta) from the ML fit."""

    def negative(beta):
        z = Xt @ beta + off
        p = 1 / (1 + np.exp(-z))
        info = Xt.T @ ((p * (1 - p))[:, None] * Xt)
        ll = np.sum(y * -np.logaddexp(0, -z) + (1 - y) * -np.logaddexp(0, z))
        return -(ll + 0.5 * np.linalg.slogdet(info)[1])

    start = sm.GLM(y, Xt, family=sm.families.Binomial(), offset=off).fit().params
    opts = {"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000}
    res = scipy.optimize.minimize(negative, start, method="Nelder-Mead", options=opts)
    return res.x


@pytest.mark.parametrize("level", [50.0, 1000.0])
def test_firth_with_large_offset_is_not_a_silent_zero(level):
    """firth=True with an offset: it reported converged at all-zero coefficients."""
    X, y, off = _offset_data(level, n=200, seed=5)
    beta = _firth_oracle(sm.add_constant(X), y, off)
    clf, caught = _quiet_fit(NeuronClassifier(firth=True), X, y, offset=off)
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(clf.intercept_[0], beta[0], rtol=1e-6)
    np.testing.assert_allclose(clf.coef_[0], beta[1:], rtol=1e-4)


def test_null_log_likelihood_with_wide_offsets():
    """The intercept-plus-offset null model (pseudo-R2, LR test) where the offsets are
    +-800 and every row's curvature underflows at the log-odds of the mean of y: the
    null log-likelihood maximised by scipy (statsmodels clips the probabilities there)."""
    rng = np.random.default_rng(6)
    n = 300
    X = rng.normal(size=(n, 2))
    off = np.where(np.arange(n) < 200, 800.0, -800.0)
    y = (rng.random(n) < 0.5).astype(int)

    def negative(b):
        z = b + off
        return np.sum(np.logaddexp(0, z) - y * z)

    bounds, opts = (-2000, 2000), {"xatol": 1e-10}
    res = scipy.optimize.minimize_scalar(negative, bounds=bounds, method="bounded", options=opts)
    clf, _ = _quiet_fit(NeuronClassifier(tol=1e-10, alpha=1.0), X, y, offset=off)
    np.testing.assert_allclose(clf.null_log_likelihood_, -res.fun, rtol=1e-10)


def test_large_offset_from_the_cli_and_a_formula(tmp_path, capsys):
    """The command line's --offset and a formula's offset column take the same start."""
    import pandas as pd

    from _cli import run
    from oneneuron import load

    X, y, off = _offset_data(-80.0, n=300, seed=8)
    ref = _glm_offset(X, y, off)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "log_e": off, "y": y})
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--model", model, "--offset", "log_e", "-q"]
    assert run(argv, capsys)[0] == 0
    got = load(model)
    np.testing.assert_allclose(got.intercept_[0], ref.params[0], rtol=1e-7)
    np.testing.assert_allclose(got.coef_[0], ref.params[1:], rtol=1e-6)
    clf = NeuronClassifier(formula="y ~ a + b")
    clf, caught = _quiet_fit(clf, df, "y", offset="log_e")
    assert caught == []
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-6)


def _flat_start_data(level, n=500, seed=0):
    """No intercept, an offset near ``level`` and a column of about ones whose coefficient
    must cancel it: at the zero start every probability is 0 or 1 (the Hessian underflows)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    Xc = np.column_stack([1.0 + 0.01 * rng.normal(size=n), X])
    off = level + rng.normal(size=n)
    z = off + X @ [1.0, -0.5] - level
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return Xc, y, off


@pytest.mark.parametrize("level", [50.0, 200.0])
@pytest.mark.parametrize("solver", ["newton", "subsampled-newton"])
@pytest.mark.parametrize("standardize", [True, False])
def test_newton_leaves_a_flat_start(level, solver, standardize):
    """A start where the Newton step is astronomically long (Hessian ~ exp(-level)): the
    line search's 40 halvings never reached a decrease, and Newton stopped at 0 iterations."""
    X, y, off = _flat_start_data(level)
    ref = sm.GLM(y, X, family=sm.families.Binomial(), offset=off).fit(tol=1e-12)
    clf = NeuronClassifier(solver=solver, fit_intercept=False, standardize=standardize, tol=1e-10)
    clf, caught = _quiet_fit(clf, X, y, offset=off)
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(clf.coef_[0], ref.params, rtol=1e-6)
    np.testing.assert_allclose(clf.inference_.table()["std_err"].to_numpy(), ref.bse, rtol=1e-5)


def test_warm_start_from_a_saturated_point():
    """warm_start from coefficients so large that every probability is 0 or 1 on the new
    data (a previous fit on separable data): the refit must still reach the optimum."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(400, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=400) > 0).astype(int)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    clf = NeuronClassifier(warm_start=True, tol=1e-10)
    clf.fit(X, y)
    clf.coef_ = np.array([[3000.0, -3000.0, 3000.0]])
    clf.intercept_ = np.array([-9000.0])
    clf, caught = _quiet_fit(clf, X, y)
    assert caught == []
    np.testing.assert_allclose(clf.intercept_[0], ref.params[0], rtol=1e-7)
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-7)


@pytest.mark.parametrize("solver", ["newton", "subsampled-newton", "lbfgs"])
def test_far_optimum_is_reached_without_capped_steps(solver):
    """Large true coefficients (strong, not separated signal) and a rare-event intercept:
    the optimum is tens of standardised units from the start; statsmodels' Logit and
    scipy's BFGS agree on it, and so must every exact solver within 40 iterations."""
    rng = np.random.default_rng(10)
    n = 20000
    X = rng.normal(size=(n, 2))
    z = X @ [100.0, -60.0] - 80.0
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12, maxiter=100)
    Xt = sm.add_constant(X)

    def nll(beta):
        t = Xt @ beta
        return np.mean(np.logaddexp(0, t) - y * t)

    def grad(beta):
        t = Xt @ beta
        return Xt.T @ (1 / (1 + np.exp(-t)) - y) / n

    bfgs = scipy.optimize.minimize(nll, np.zeros(3), jac=grad, method="BFGS",
                                   options={"gtol": 1e-12, "maxiter": 2000})  # fmt: skip
    np.testing.assert_allclose(bfgs.x, ref.params, rtol=1e-4)
    clf = NeuronClassifier(solver=solver, tol=1e-10, max_iter=40, inference=False)
    clf, caught = _quiet_fit(clf, X, y)
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(clf.intercept_[0], ref.params[0], rtol=1e-7)
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-7)


def test_nearly_equal_columns_are_not_called_separated():
    """Two columns equal to 1e-8 relative and labels unrelated to their difference: the
    data are not separated (statsmodels' MLE exists on the same column space written as
    [x0, (x1 - x0) / sd, x2]), but the separation LP, whose feasibility tolerance is above
    those differences, found a 'direction' and the fit warned of quasi-separation."""
    from oneneuron import CollinearityWarning, SeparationWarning

    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(size=n)
    X = np.column_stack([x, x + 1e-8 * rng.normal(size=n), rng.normal(size=n)])
    y = (x + 0.5 * X[:, 2] + rng.logistic(size=n) > 0).astype(int)
    d = X[:, 1] - X[:, 0]
    s = d.std()
    ref = sm.Logit(y, sm.add_constant(np.column_stack([X[:, 0], d / s, X[:, 2]])))
    ref = ref.fit(disp=0, tol=1e-13, method="newton")
    assert ref.mle_retvals["converged"]
    clf, caught = _quiet_fit(NeuronClassifier(tol=1e-10), X, y)
    assert not [w for w in caught if issubclass(w.category, SeparationWarning)]
    assert clf.inference_.separation == "none"
    # X'WX squares the columns' condition (1e8 -> 1e16): the direction x1 - x0 was lost
    # to rounding in the Hessian, so Newton stopped where the likelihood is flat to
    # float64 along it (3.8e-6 below statsmodels' maximum on the reparameterised
    # columns, probabilities 1e-4 apart) and warned of collinearity. Its step now comes
    # from a QR factor of the weighted design there (condition 1e8): the maximum to
    # 3e-14 relative, the probabilities to 3e-9, and no warning
    assert not [w for w in caught if issubclass(w.category, CollinearityWarning)]
    p = clf.predict_proba(X)[:, 1]
    llf = np.sum(y * np.log(p) + (1 - y) * np.log1p(-p))
    assert abs(llf - ref.llf) <= 1e-9 * abs(ref.llf)
    np.testing.assert_allclose(p, ref.predict(), rtol=0, atol=1e-8)


@pytest.mark.parametrize("alpha", [1e-12, 1e-6])
def test_a_vanishing_penalty_on_separated_data_warns(alpha):
    """alpha > 0 but negligible on completely separated data: the estimates and their
    standard errors are the penalty's (the separating column's Wald p-value went to 0.99
    as alpha fell, silently). The oracle: scipy's linprog finds w, b with
    (2 y_i - 1)(x_i w + b) >= 1 for every row, which proves complete separation."""
    from oneneuron import SeparationWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (X[:, 2] - 0.3 * X[:, 1] > 0.1).astype(int)
    signed = (2 * y - 1)[:, None] * sm.add_constant(X)
    lp = scipy.optimize.linprog(np.zeros(4), A_ub=-signed, b_ub=-np.ones(60), bounds=(None, None))
    assert lp.status == 0  # feasible: separated
    clf, caught = _quiet_fit(NeuronClassifier(alpha=alpha), X, y)
    seps = [w for w in caught if issubclass(w.category, SeparationWarning)]
    assert len(seps) == 1 and f"alpha={alpha:g}" in str(seps[0].message)
    assert clf.inference_.separation == "complete"


def test_a_vanishing_penalty_on_strong_unseparated_data_does_not_warn():
    """Large standardised coefficients without separation (statsmodels finds the MLE):
    a tiny penalty there is no reason for a warning."""
    X, y = _strong_data()
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, method="newton")
    assert ref.mle_retvals["converged"]
    clf, caught = _quiet_fit(NeuronClassifier(alpha=1e-12, tol=1e-10), X, y)
    assert caught == []
    np.testing.assert_allclose(clf.coef_[0], ref.params[1:], rtol=1e-6)
    np.testing.assert_allclose(clf.inference_.table()["std_err"].to_numpy(), ref.bse, rtol=1e-5)


def _strong_data():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3000, 2))
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X @ [15.0, -10.0])))).astype(int)
    return X, y


@pytest.mark.parametrize("level", [1e16, 1e100, 1e300])
def test_an_offset_beyond_float64_unit_precision_is_refused(level, tmp_path, capsys):
    """Offsets so large that float64 holds no unit differences between them (2**53 and
    beyond) leave the logits no precision: the fit reported converged at coefficients
    18.96, -6.53 (offsets ~1e100; statsmodels on the same data without that constant
    finds about 1, -0.5), and saving failed with a message about set_params. Now: one
    clear error naming the offset, from fit, predict and the command line."""
    import pandas as pd

    from _cli import fail, run

    X, y, off = _offset_data(0.0, n=100, seed=12)
    with pytest.raises(ValueError, match=r"offset.*2\*\*53"):
        NeuronClassifier().fit(X, y, offset=off + level)
    clf = NeuronClassifier().fit(X, y, offset=off)
    with pytest.raises(ValueError, match=r"offset.*2\*\*53"):
        clf.predict_proba(X, offset=off - level)
    df = pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "o": off + level, "y": y})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json", "--offset", "o"]
    fail(argv, capsys, "2**53")
    assert not (tmp_path / "m.json").exists()
    df["o"] = off  # a model trained on sound offsets, then asked about a huge one
    df.to_csv(path, index=False)
    assert run(argv + ["-q"], capsys)[0] == 0
    df.loc[7, "o"] = level
    df.to_csv(path, index=False)
    model, out = tmp_path / "m.json", tmp_path / "p.csv"
    fail(["predict", model, path, "--offset", "o", "--out", out], capsys, "data row 8")
    assert not out.exists()
    fail(["evaluate", model, path, "--offset", "o"], capsys, "2**53")


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_weights_whose_squares_overflow_are_refused_by_name(kind):
    """Weights of 1e160 (sum of squares beyond float64) raised a numpy overflow warning
    and made a model that could not be saved (blaming set_params); weights of 1e307 were
    refused as 'column 0 holds values up to 3.9: their squares overflow'. The weights are
    the cause, and the error says so. Weights of 1e100 still fit: the coefficients do not
    depend on the weights' scale (statsmodels' unweighted Logit)."""
    X, y, _ = _offset_data(0.0, n=300, seed=13)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    if kind == "torch":
        torch = pytest.importorskip("torch")
        X = torch.from_numpy(X)
    for big in (1e160, 1e307):
        with pytest.raises(ValueError, match="sample_weight.*squares overflow"):
            NeuronClassifier().fit(X, y, sample_weight=np.full(300, big))
    clf, caught = _quiet_fit(NeuronClassifier(tol=1e-10), X, y, sample_weight=np.full(300, 1e100))
    assert caught == []
    np.testing.assert_allclose(np.asarray(clf.coef_)[0], ref.params[1:], rtol=1e-8)


@pytest.mark.parametrize("solver", ["newton", "subsampled-newton"])
def test_a_flat_start_on_the_block_engines(solver):
    """The same flat start on data large enough for the engines' block passes, whose
    Hessian underflows to exactly 0: the ridge made a step of 1e307, g.p overflowed (a
    numpy RuntimeWarning) and Newton stopped at 0 iterations with coefficients 0."""
    X, y, off = _flat_start_data(200.0, n=60000, seed=1)
    ref = sm.GLM(y, X, family=sm.families.Binomial(), offset=off).fit(tol=1e-13)
    clf = NeuronClassifier(solver=solver, fit_intercept=False, tol=1e-10)
    clf, caught = _quiet_fit(clf, X, y, offset=off)
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(clf.coef_[0], ref.params, rtol=1e-6)


def test_a_warm_start_from_a_saturated_point_on_torch():
    """torch input (the array-API engine) warm-started where every probability is 0 or 1."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(14)
    X = rng.normal(size=(5000, 3))
    y = (X @ [1.0, -1.0, 0.5] + rng.logistic(size=5000) > 0).astype(int)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    Xt = torch.from_numpy(X)
    clf = NeuronClassifier(solver="newton", warm_start=True, tol=1e-10).fit(Xt, y)
    clf.coef_ = np.array([[3000.0, -3000.0, 3000.0]])
    clf.intercept_ = np.array([-9000.0])
    clf, caught = _quiet_fit(clf, Xt, y)
    assert caught == []
    np.testing.assert_allclose(np.asarray(clf.coef_)[0], ref.params[1:], rtol=1e-7)


def _mirrored_newton_step(Xt, y, w, beta):
    """The Newton step from ``beta`` to the weighted MLE, computed on the mirrored problem
    (labels 1 - y, coefficients -beta): where the heavy rows are predicted near 0, whose
    residuals p - 0 and curvatures p (1 - p) need no cancelling subtraction."""
    z = -(Xt @ beta)
    q = np.exp(-np.logaddexp(0.0, -z))  # sigmoid(z), exact for z << 0
    score = Xt.T @ (w * (q - (1 - y)))
    H = Xt.T @ ((w * q * np.exp(-np.logaddexp(0.0, z)))[:, None] * Xt)
    return -np.linalg.solve(H, score)  # the step in -beta


@pytest.mark.parametrize("kind", ["small", "blocks", "csr", "torch"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_residuals_of_rows_predicted_near_one_keep_their_precision(kind, solver):
    """class_weight {0: 1e-12, 1: 1}: class 1's rows are fitted with p near 1, and their
    residual p - 1 (and log-loss) lost relative precision (1 - 1e-9 rounds by 1e-16): the
    coefficients stood 1e-5 (relative) from the optimum. Oracles: the Newton step to the
    optimum computed on the mirrored problem (exact there) must vanish, and statsmodels'
    GLM (itself accurate to about 1e-6 here) must agree."""
    import scipy.sparse

    n = 5000 if kind == "small" else 60000
    rng = np.random.default_rng(5)
    X = rng.normal(size=(n, 3))[:, : 2 if kind == "small" else 3]
    y = (X @ [1.0, -0.5, 0.2][: X.shape[1]] + rng.logistic(size=n) > 0).astype(int)
    w = np.where(y == 1, 1.0, 1e-12)
    Xt = sm.add_constant(X)
    ref = sm.GLM(1 - y, Xt, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-14)
    Xin = X
    if kind == "csr":
        Xin = scipy.sparse.csr_matrix(X)
    elif kind == "torch":
        Xin = pytest.importorskip("torch").from_numpy(X)
    clf = NeuronClassifier(solver=solver, tol=1e-12, class_weight={0: 1e-12, 1: 1.0})
    clf, caught = _quiet_fit(clf, Xin, y)
    got = np.r_[np.asarray(clf.intercept_), np.asarray(clf.coef_)[0]]
    step = _mirrored_newton_step(Xt, y, w, got)
    # L-BFGS stops at its float64 floor of the objective's values (about 1e-7 here)
    assert np.max(np.abs(step) / np.maximum(1, np.abs(got))) < (
        1e-10 if solver == "newton" else 1e-6
    )
    np.testing.assert_allclose(got, -ref.params, rtol=1e-5)


def test_profile_intervals_that_cannot_be_traced_say_so():
    """class 0 weighs 1e-9 per row: the likelihood is nearly flat (standard errors ~900),
    the profile's constrained refit, warm-started from a far point, could not climb back,
    and brentq raised SciPy's 'f(a) and f(b) must have different signs'. The exact
    profile (scipy's Nelder-Mead refits) stays within 0.003 of its value at the estimate
    out to x0 = -600: no finite 95% bound is near. One clear error naming the term."""
    rng = np.random.default_rng(5)
    n = 3000
    X = rng.normal(size=(n, 2))
    y = (X @ [1.0, -0.5] + rng.logistic(size=n) > 0).astype(int)
    w = np.where(y == 1, 1.0, 1e-9)
    clf = NeuronClassifier(tol=1e-12).fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="profile likelihood of 'x0' could not be traced"):
        clf.summary(ci="profile", X=X, y=y, sample_weight=w)


def test_overflowing_weights_from_the_cli_are_named_by_their_flag(tmp_path, capsys):
    """train --weights with values of 1e200: one error: line in the command line's words."""
    import pandas as pd

    from _cli import fail

    X, y, _ = _offset_data(0.0, n=60, seed=16)
    df = pd.DataFrame({"a": X[:, 0], "w": 1e200, "y": y})
    path, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--weights", "w", "--model", model]
    err = fail(argv, capsys, "--weights")
    assert "sample_weight" not in err
    assert not model.exists()


def test_firth_is_mirror_symmetric_when_one_class_is_nearly_weightless():
    """Firth's estimate is equivariant under swapping the labels (beta -> -beta). With
    class 0 weighing 1e-9 per row, class 1's rows sit at p near 1 and their y - p lost
    its precision: the two fits differed by 1.6e-8 (relative) at tol=1e-12."""
    rng = np.random.default_rng(5)
    n = 3000
    X = rng.normal(size=(n, 2))
    y = (X @ [1.0, -0.5] + rng.logistic(size=n) > 0).astype(int)
    w = np.where(y == 1, 1.0, 1e-9)
    a = NeuronClassifier(firth=True, tol=1e-12).fit(X, y, sample_weight=w)
    b = NeuronClassifier(firth=True, tol=1e-12).fit(X, 1 - y, sample_weight=w)
    got, mirror = np.r_[a.intercept_, a.coef_[0]], -np.r_[b.intercept_, b.coef_[0]]
    np.testing.assert_allclose(got, mirror, rtol=1e-11)
    # near the maximum l* is flat to float64: the line search on its value alone halved
    # good steps to nothing and stopped at max|U*|/S = 8.9e-12 (1.3e-11 for the mirror,
    # 3e-8 apart), saying "converged: 8.92e-12 <= tol = 1e-12"; a stop reason's claim
    # must hold
    for fit in (a, b):
        assert fit.converged_ and fit.grad_norm_ <= fit.tol, fit.stop_reason_


def _exact_weighted_mle(Xt, y, w, beta):
    """The weighted MLE by Newton's iteration written out here, each row's residual and
    curvature from ``sigmoid(-|z|)`` (exact for rows predicted near 0 or 1), from ``beta``
    until the step is below 1e-13 relative: the oracle where statsmodels' IRLS (which
    clips the probabilities) does not converge."""
    for _ in range(200):
        z = Xt @ beta
        q = np.exp(-np.logaddexp(0.0, np.abs(z)))  # sigmoid(-|z|)
        residual = np.where(z >= 0, (1 - y) - q, q - y)
        H = Xt.T @ ((w * q * (1 - q))[:, None] * Xt)
        step = -np.linalg.solve(H, Xt.T @ (w * residual))
        beta = beta + step
        if np.max(np.abs(step) / np.maximum(1, np.abs(beta))) < 1e-13:
            return beta
    raise AssertionError("the oracle's Newton iteration did not converge")


@functools.cache
def _one_heavy_row(n):
    """``n`` rows, the first weighing 1e20, and the oracle's MLE (computed once per ``n``:
    statsmodels' start takes seconds at 60 000 rows)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    y = (X @ [1.0, -0.5] + rng.logistic(size=n) > 0).astype(int)
    w = np.ones(n)
    w[0] = 1e20
    Xt = sm.add_constant(X)
    start = sm.GLM(y, Xt, family=sm.families.Binomial(), freq_weights=w).fit(maxiter=100)
    return X, y, w, _exact_weighted_mle(Xt, y, w, start.params)


@pytest.mark.parametrize("kind", ["small", "compiled", "blocks", "csr", "torch"])
@pytest.mark.parametrize("solver", ["auto", "newton", "subsampled-newton", "lbfgs"])
def test_one_heavy_row_does_not_stop_the_fit_at_an_absolute_floor(kind, solver, monkeypatch):
    """One row weighs 1e20, the others 1: the weighted mean loss is about 1e-16 at the
    optimum, below the solvers' absolute floor 32 eps, so every step looked like round-off
    and Newton reported convergence at (25.8, 89.0, 47.8) where the MLE is (34.7, 37.4,
    -15.7). Oracle: Newton's iteration on exact residuals (statsmodels' GLM with these
    freq_weights does not converge: its IRLS clips the probabilities). L-BFGS measures
    its distance to the optimum with the curvature at its start, which the heavy row
    makes useless here: where it stops at the float64 floor it may say it did not
    converge, but it must not say converged away from the optimum."""
    import scipy.sparse

    from oneneuron import ConvergenceWarning

    if kind == "compiled":  # the tiny fit's compiled Newton loop, loaded now
        from oneneuron.engines import _numpy

        monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", True)
    X, y, w, ref = _one_heavy_row(300 if kind in ("small", "compiled") else 60000)
    Xin = X
    if kind == "csr":
        Xin = scipy.sparse.csr_matrix(X)
    elif kind == "torch":
        Xin = pytest.importorskip("torch").from_numpy(X)
    clf = NeuronClassifier(solver=solver, tol=1e-10, inference=False)
    clf, caught = _quiet_fit(clf, Xin, y, sample_weight=w)
    got = np.r_[np.asarray(clf.intercept_), np.asarray(clf.coef_)[0]]
    if solver == "lbfgs" and not clf.converged_:
        assert [c.category for c in caught] == [ConvergenceWarning]
        assert "no longer decreases in float64" in str(caught[0].message)
        return
    assert caught == []
    assert clf.converged_
    np.testing.assert_allclose(got, ref, rtol=1e-7)


def _exact_multinomial_step(X, y, w, coef, intercept):
    """The Newton step of the weighted multinomial MLE at (coef, intercept), in the
    parameters of classes 1..K-1 relative to class 0 (statsmodels' MNLogit's), with every
    ``1 - P_k`` summed from the other classes' probabilities (no cancellation where a row
    is predicted near 1). Returns the step and those parameters."""
    Xt = np.column_stack([np.ones(len(X)), X])
    B = np.column_stack([intercept, coef])  # (K, p)
    B = B[1:] - B[0]
    Z = np.column_stack([np.zeros(len(X)), Xt @ B.T])
    logP = Z - scipy.special.logsumexp(Z, axis=1, keepdims=True)
    P = np.exp(logP)
    K, p = P.shape[1], Xt.shape[1]
    rest = np.array([np.delete(P, k, axis=1).sum(axis=1) for k in range(K)]).T  # 1 - P_k
    Y = np.eye(K)[y]
    R = np.where(Y == 1, -rest, P)  # P - Y
    score = np.concatenate([Xt.T @ (w * R[:, k]) for k in range(1, K)])
    H = np.zeros(((K - 1) * p, (K - 1) * p))
    for k in range(1, K):
        for j in range(1, K):
            D = w * (P[:, k] * rest[:, k] if k == j else -P[:, k] * P[:, j])
            H[(k - 1) * p : k * p, (j - 1) * p : j * p] = Xt.T @ (D[:, None] * Xt)
    return -np.linalg.solve(H, score), B.ravel()


@pytest.mark.parametrize("kind", ["small", "blocks", "csr", "torch"])
@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_softmax_residuals_of_rows_predicted_near_one_keep_their_precision(kind, solver):
    """class_weight 1e-12 on two of three classes: the third class's rows are fitted with
    P near 1, and their residual P - 1 (and loss -log P) lost relative precision, as the
    binary ones did: Newton stopped 1.3e-6 (relative) from the optimum after 1000
    iterations. Oracle: the Newton step at the returned point, with each 1 - P_k summed
    from the other classes' probabilities, vanishes (relative 1e-10). L-BFGS, which
    steers by the objective's values, cannot resolve the light classes' coefficients
    here (it stopped 2e-3 away): it must reach 1e-6 or say it did not converge."""
    import scipy.sparse

    from oneneuron import ConvergenceWarning

    n = 3000 if kind == "small" else 60000
    rng = np.random.default_rng(7)
    X = rng.normal(size=(n, 2))
    Z = np.column_stack([np.zeros(n), X @ [1.0, -0.5] + 0.3, X @ [-0.5, 1.0] + 0.2])
    y = np.argmax(Z + rng.gumbel(size=Z.shape), axis=1)
    w = np.where(y == 2, 1.0, 1e-12)
    Xin = X
    if kind == "csr":
        Xin = scipy.sparse.csr_matrix(X)
    elif kind == "torch":
        Xin = pytest.importorskip("torch").from_numpy(X)
    clf = NeuronClassifier(solver=solver, tol=1e-12, class_weight={0: 1e-12, 1: 1e-12, 2: 1.0})
    clf, caught = _quiet_fit(clf, Xin, y)
    step, beta = _exact_multinomial_step(
        X, y, w, np.asarray(clf.coef_, dtype=float), np.asarray(clf.intercept_, dtype=float)
    )
    error = np.max(np.abs(step) / np.maximum(1, np.abs(beta)))
    if solver == "lbfgs" and not clf.converged_:
        assert [c.category for c in caught] == [ConvergenceWarning]
        return
    assert caught == []
    # L-BFGS's own stop measures its step with the curvature at its start (see the report
    # of test_residuals_of_rows_predicted_near_one_keep_their_precision): 1e-6 there
    assert error < (1e-10 if solver == "newton" else 1e-6)


def _exact_softmax_sums(X, y, s, W, b):
    """Loss, gradient and the last class's intercept curvature summed over rows, each
    row's ``-log P_y`` and ``1 - P_k`` from the other classes' probabilities."""
    Z = X @ W.T + b
    logP = Z - scipy.special.logsumexp(Z, axis=1, keepdims=True)
    P = np.exp(logP)
    K = P.shape[1]
    rest = np.array([np.delete(P, k, axis=1).sum(axis=1) for k in range(K)]).T  # 1 - P_k
    at = np.arange(len(y))
    loss_rows = np.log1p(rest[at, y] / P[at, y])  # -log P_y = log(1 + (1 - P_y) / P_y)
    R = P.copy()
    R[at, y] = -rest[at, y]
    return s @ loss_rows, (R * s[:, None]).T @ X, s @ R, s @ (P[:, -1] * rest[:, -1])


@pytest.mark.parametrize("kind", ["reference", "kernels", "csr", "torch"])
def test_softmax_sums_of_rows_predicted_near_one_match_exact_sums(kind):
    """Each engine's loss and gradient sums (the fused dense and CSR kernels, which
    L-BFGS reads; the NumPy reference and torch, with the Hessian) where most of the
    weight sits on rows predicted near 1 (P = 1 - 1e-12): the plain P - 1 and
    lse - z_y carried errors of 1e-4 relative. Oracle: the sums written out with each
    1 - P_k summed from the other classes' probabilities."""
    import scipy.sparse

    from oneneuron.engines import ArrayAPIEngine, NumpyEngine

    rng = np.random.default_rng(8)
    n = 60000
    X = rng.normal(size=(n, 3))
    y = np.where(rng.random(n) < 0.9, 2, rng.integers(0, 2, n))
    w = np.where(y == 2, 1.0, 1e-12)
    W = 0.3 * rng.normal(size=(3, 3))
    b = np.array([0.0, 0.5, 28.0])
    loss, gW, gb, hb = _exact_softmax_sums(X, y, w / w.sum(), W, b)
    if kind == "torch":
        torch = pytest.importorskip("torch")
        engine = ArrayAPIEngine(torch.from_numpy(X), torch.from_numpy(y), torch.from_numpy(w),
                                multinomial=True)  # fmt: skip
    else:
        Xin = scipy.sparse.csr_matrix(X) if kind == "csr" else X
        engine = NumpyEngine(Xin, y, w, multinomial=True, use_kernels=kind != "reference")
    order = 2 if kind in ("reference", "torch") else 1
    st = engine.statistics(W, b, order=order)
    np.testing.assert_allclose(st.loss, loss, rtol=1e-12)
    np.testing.assert_allclose(st.grad_b, gb, rtol=1e-9)
    np.testing.assert_allclose(st.grad_W, gW, rtol=1e-9, atol=1e-9 * np.abs(gW).max())
    if order == 2:
        np.testing.assert_allclose(st.hess_b[2, 2], hb, rtol=1e-9)


@pytest.mark.parametrize("kind", ["numpy", "torch"])
def test_log_softmax_of_a_class_predicted_near_one_keeps_its_precision(kind):
    """log_softmax (the tutorial API's cross-entropy, predict_log_proba) of the largest
    class, whose probability is 1 - 2e-20: the plain log(sum(exp)) rounded it to 0.
    Closed form: log P_0 = -log1p(2 exp(-x)) for logits (x, 0, 0); a tie (x, x, 0) too."""
    from oneneuron import NeuronClassifier, cross_entropy, log_softmax

    Z = np.array([[45.0, 0.0, 0.0], [30.0, 30.0, -10.0]])
    exact = np.array([-np.log1p(2 * np.exp(-45.0)), -np.log1p(1 + np.exp(-40.0))])
    if kind == "numpy":
        got = log_softmax(Z)[:, 0]
        np.testing.assert_allclose(-cross_entropy(np.eye(3)[[0, 0]], Z), exact, rtol=1e-15)
    else:
        torch = pytest.importorskip("torch")
        from oneneuron.engines._array_api import namespace, xp_log_softmax

        Zt = torch.from_numpy(Z)
        got = xp_log_softmax(namespace(Zt), Zt)[:, 0].numpy()
    np.testing.assert_allclose(got, exact, rtol=1e-15)
    # and through a fitted model's predict_log_proba
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 1))
    y = np.argmax(np.column_stack([3 * X[:, 0], np.zeros(300), -3 * X[:, 0]])
                  + rng.gumbel(size=(300, 3)), axis=1)  # fmt: skip
    clf = NeuronClassifier().fit(X, y)
    Xq = np.array([[20.0]])
    Zq = Xq @ clf.coef_.T + clf.intercept_
    top = int(np.argmax(Zq))
    others = np.delete(Zq[0], top) - Zq[0, top]
    np.testing.assert_allclose(clf.predict_log_proba(Xq)[0, top],
                               -np.log1p(np.exp(others).sum()), rtol=1e-13)  # fmt: skip
