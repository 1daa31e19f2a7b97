"""Fits at numerical corners, each checked against an independent oracle.

Oracles: statsmodels' GLM/Logit (binomial, with offsets), scipy.optimize on the
same objective written out here, and closed forms.
"""

import warnings

import numpy as np
import pytest
import scipy.optimize
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
    from oneneuron import SeparationWarning

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
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], ref.predict(), atol=1e-5)


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
