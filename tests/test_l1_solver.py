"""L1 / elastic net: the proximal Newton solver and paths against scikit-learn's saga and glum.

Oracles: ``LogisticRegression(solver="saga")`` on a standardised copy of X with
``C = 1 / (n alpha)`` (its objective ``C sum l_i + l1_ratio |w|_1 +
(1 - l1_ratio)/2 |w|^2`` divided by ``C n`` is ours), glum's
``GeneralizedLinearRegressor(family="binomial")`` on raw X (its objective is the
weighted mean log-loss plus the same penalty), and the KKT conditions.
"""

import warnings
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from oneneuron.engines import NumpyEngine
from oneneuron.objective import L1Penalty, LinearLoss
from oneneuron.solvers import Trace
from oneneuron.solvers._base import bfgs_update
from oneneuron.solvers.active import active_set_newton
from oneneuron.solvers.cd import minimize_quadratic, proximal_newton
from oneneuron.solvers.path import alpha_max, elastic_net_path, l1_weights, null_fit


def _data(n=300, d=8, K=2, seed=0, sparse=False):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d) + rng.normal(size=d)
    if sparse:
        X[rng.random((n, d)) < 0.6] = 0.0
    Xs = (X - X.mean(0)) / X.std(0)
    W = rng.normal(size=(K if K > 2 else 1, d)) * 1.5
    W[:, d // 2 :] = 0.0
    Z = Xs @ W.T
    if K > 2:
        P = np.exp(Z - Z.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        y = (rng.random(n)[:, None] > np.cumsum(P, 1)).sum(1)
    else:
        y = (rng.random(n) < 1 / (1 + np.exp(-Z[:, 0]))).astype(float)
    return X, y


def _problem(X, y, alpha, l1_ratio, K=2, pf=None, standardize=True, s=None):
    n, d = X.shape
    s = np.ones(n) if s is None else s
    Xd = X.toarray() if sp.issparse(X) else X
    mu, sd = (Xd.mean(0), Xd.std(0)) if standardize else (np.zeros(d), np.ones(d))
    m = K if K > 2 else 1
    eng = NumpyEngine(X, y, s, multinomial=K > 2)
    prob = LinearLoss(eng, m, alpha * (1 - l1_ratio), mu, sd, True, penalty_factor=pf)
    return prob, L1Penalty.for_problem(prob, alpha * l1_ratio, pf)


def _solve(prob, pen, tol=1e-11, **kw):
    return proximal_newton(
        prob, pen, np.zeros(prob.n_params), max_iter=100, tol=tol, trace=Trace(), **kw
    )


def _saga(Xs, y, alpha, l1_ratio):
    clf = LogisticRegression(
        l1_ratio=l1_ratio, C=1 / (len(y) * alpha), solver="saga", tol=1e-15, max_iter=200_000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(Xs, y)
    return clf


def _objective(prob, pen, theta):
    return prob.loss(theta) + pen.value(theta)


def test_quadratic_minimiser_compiled_matches_reference_and_satisfies_kkt():
    rng = np.random.default_rng(3)
    A = rng.normal(size=(50, 12))
    H = A.T @ A / 50
    g = rng.normal(size=12) * 0.3
    theta = rng.normal(size=12) * (rng.random(12) < 0.5)
    lam = rng.uniform(0.0, 0.3, 12)
    w_py, _ = minimize_quadratic(H, g, theta, lam, tol=1e-13, compiled=False)
    w_nb, _ = minimize_quadratic(H, g, theta, lam, tol=1e-13)
    np.testing.assert_allclose(w_py, w_nb, atol=1e-14)
    # KKT of the model: its gradient g + H(w - theta) is the min-norm subgradient's smooth part
    v = L1Penalty(lam).min_norm_subgradient(w_py, g + H @ (w_py - theta))
    assert np.max(np.abs(v)) < 1e-11
    assert np.any(w_py == 0.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("sparse", [False, True])
def test_binary_matches_saga(l1_ratio, sparse):
    X, y = _data(sparse=sparse)
    alpha = 0.02
    Xin = sp.csr_matrix(X) if sparse else X
    prob, pen = _problem(Xin, y, alpha, l1_ratio)
    res = _solve(prob, pen)
    assert res.converged
    Wp, bp = prob.unpack(res.theta)
    sk = _saga((X - prob.mean) / prob.scale, y, alpha, l1_ratio)
    theta_sk = np.r_[sk.coef_.ravel(), sk.intercept_]
    F, F_sk = res.loss, _objective(prob, pen, theta_sk)
    assert F <= F_sk + 1e-14
    assert F == pytest.approx(F_sk, rel=1e-9)
    np.testing.assert_allclose(Wp, sk.coef_, atol=1e-6)
    np.testing.assert_allclose(bp, sk.intercept_, atol=1e-6)
    np.testing.assert_array_equal(Wp == 0.0, sk.coef_ == 0.0)
    assert 0 < np.sum(Wp == 0.0) < Wp.size


def test_multinomial_matches_saga():
    X, y = _data(n=300, d=6, K=3, seed=1)
    alpha = 0.02
    prob, pen = _problem(X, y, alpha, 1.0, K=3)
    res = _solve(prob, pen, tol=1e-10)
    Wp, bp = prob.unpack(res.theta)
    sk = _saga((X - prob.mean) / prob.scale, y, alpha, 1.0)
    theta_sk = np.r_[sk.coef_.ravel(), sk.intercept_]
    F_sk = _objective(prob, pen, theta_sk)
    assert res.loss == pytest.approx(F_sk, rel=1e-9)
    np.testing.assert_allclose(Wp, sk.coef_, atol=1e-6)
    # the intercepts are identified up to a common shift (softmax)
    np.testing.assert_allclose(bp - bp.mean(), sk.intercept_ - sk.intercept_.mean(), atol=1e-6)
    np.testing.assert_array_equal(Wp == 0.0, sk.coef_ == 0.0)
    assert 0 < np.sum(Wp == 0.0) < Wp.size


@pytest.mark.parametrize("l1_ratio", [1.0, 0.3])
def test_raw_scale_matches_glum_with_weights(l1_ratio):
    glum = pytest.importorskip("glum")
    X, y = _data(n=250, d=7, seed=2)
    s = np.random.default_rng(5).uniform(0.2, 3.0, len(y))
    alpha = 0.01
    prob, pen = _problem(X, y, alpha, l1_ratio, standardize=False, s=s)
    res = _solve(prob, pen)
    W, b = prob.to_raw(res.theta)
    gl = glum.GeneralizedLinearRegressor(
        family="binomial",
        alpha=alpha,
        l1_ratio=l1_ratio,
        scale_predictors=False,
        gradient_tol=1e-12,
        max_iter=1000,
    ).fit(X, y, sample_weight=s)
    theta_gl = prob.from_raw(gl.coef_[None, :], np.array([gl.intercept_]))
    assert res.loss == pytest.approx(_objective(prob, pen, theta_gl), rel=1e-9)
    np.testing.assert_allclose(W[0], gl.coef_, atol=1e-6)
    np.testing.assert_array_equal(W[0] == 0.0, gl.coef_ == 0.0)


def test_liblinear_without_intercept():
    X, y = _data(n=300, d=8, seed=4)
    alpha = 0.02
    n, d = X.shape
    eng = NumpyEngine(X, y, np.ones(n), multinomial=False)
    prob = LinearLoss(eng, 1, 0.0, np.zeros(d), np.ones(d), fit_intercept=False)
    pen = L1Penalty.for_problem(prob, alpha)
    res = _solve(prob, pen)
    lib = LogisticRegression(
        l1_ratio=1.0, C=1 / (n * alpha), solver="liblinear", fit_intercept=False, tol=1e-12
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib.fit(X, y)
    F_lib = _objective(prob, pen, lib.coef_.ravel())
    assert res.loss <= F_lib + 1e-15
    assert res.loss == pytest.approx(F_lib, rel=1e-6)  # liblinear stops early
    np.testing.assert_allclose(res.theta, lib.coef_.ravel(), atol=1e-3)


def test_penalty_factor_matches_glum_p1_p2():
    glum = pytest.importorskip("glum")
    X, y = _data(n=300, d=6, seed=6)
    pf = np.array([0.0, 1.0, 2.0, 1.0, 0.5, 1.0])
    alpha, l1_ratio = 0.05, 0.8
    prob, pen = _problem(X, y, alpha, l1_ratio, pf=pf, standardize=False)
    res = _solve(prob, pen)
    W, _ = prob.to_raw(res.theta)
    gl = glum.GeneralizedLinearRegressor(
        family="binomial",
        alpha=alpha,
        l1_ratio=l1_ratio,
        P1=pf,
        P2=pf,
        scale_predictors=False,
        gradient_tol=1e-12,
        max_iter=1000,
    ).fit(X, y)
    theta_gl = prob.from_raw(gl.coef_[None, :], np.array([gl.intercept_]))
    assert res.loss == pytest.approx(_objective(prob, pen, theta_gl), rel=1e-9)
    np.testing.assert_allclose(W[0], gl.coef_, atol=1e-6)
    np.testing.assert_array_equal(W[0] == 0.0, gl.coef_ == 0.0)
    assert W[0, 0] != 0.0 and np.any(W[0] == 0.0)


def test_subsample_metric_reaches_the_same_optimum():
    X, y = _data(n=3000, d=10, seed=7)
    prob, pen = _problem(X, y, 0.01, 1.0)
    exact = _solve(prob, pen)
    rows = np.sort(np.random.default_rng(0).choice(len(y), 500, replace=False))
    sub = LinearLoss(
        NumpyEngine(X[rows], y[rows], np.ones(500), multinomial=False),
        1,
        0.0,
        prob.mean,
        prob.scale,
        True,
    )
    prob2, _ = _problem(X, y, 0.01, 1.0)
    res = _solve(prob2, pen, subproblem=sub)
    assert res.converged
    np.testing.assert_allclose(res.theta, exact.theta, atol=1e-9)
    np.testing.assert_array_equal(res.theta == 0.0, exact.theta == 0.0)


def test_bfgs_update_meets_the_secant_condition_and_stays_positive_definite():
    rng = np.random.default_rng(5)
    A = rng.standard_normal((6, 6))
    H = A @ A.T + 6 * np.eye(6)  # the "true" Hessian
    B = np.diag(np.diag(H))  # a cheap model of it
    s = rng.standard_normal(6)
    y = H @ s
    B1 = bfgs_update(B, s, y)
    np.testing.assert_allclose(B1 @ s, y, rtol=1e-12)
    np.testing.assert_allclose(B1, B1.T)
    assert np.linalg.eigvalsh(B1).min() > 0
    assert bfgs_update(B, s, -y) is None  # negative curvature: the model is kept
    B2 = B.copy()
    B3 = bfgs_update(B2, s, y, overwrite=True)  # in place (BLAS), the same update
    assert np.shares_memory(B3, B2)
    np.testing.assert_allclose(B3, B1, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("K", [2, 3])
def test_cheap_refreshed_metric_reaches_the_same_optimum(K):
    """A poor cheap metric (150 rows' Hessian for 10 features per class), refreshed
    cheaply and corrected by secant updates along the way, still lands on the optimum."""
    X, y = _data(n=3000, d=10, K=K, seed=7)
    prob, pen = _problem(X, y, 0.003, 1.0, K=K)
    exact = _solve(prob, pen)
    rows = np.sort(np.random.default_rng(0).choice(len(y), 150, replace=False))
    sub = LinearLoss(
        NumpyEngine(X[rows], y[rows], np.ones(150), multinomial=K > 2),
        prob.n_outputs,
        0.0,
        prob.mean,
        prob.scale,
        True,
    )
    prob2, _ = _problem(X, y, 0.003, 1.0, K=K)
    res = _solve(prob2, pen, subproblem=sub, refresh=lambda th: sub.gradient_hessian(th)[2])
    assert res.converged and res.grad_norm <= 1e-11
    F, F0 = _objective(prob2, pen, res.theta), _objective(prob, pen, exact.theta)
    assert abs(F - F0) <= 1e-13 * F0
    n_coef = prob.n_params - prob.n_outputs  # the intercepts come last (the softmax's
    np.testing.assert_allclose(res.theta[:n_coef], exact.theta[:n_coef], atol=1e-9)  # shift)
    np.testing.assert_array_equal(res.theta == 0.0, exact.theta == 0.0)


def _restrictor(X, y, K=2):
    """Problems on column subsets of X (what the estimator's engine layer provides)."""

    def make(prob):
        def restrict(cols):
            Xc = np.ascontiguousarray(X[:, cols])
            eng = NumpyEngine(Xc, y, np.ones(len(y)), multinomial=K > 2)
            pf = None if prob.penalty_factor is None else prob.penalty_factor[cols]
            sub = LinearLoss(
                eng, prob.n_outputs, prob.alpha, prob.mean[cols], prob.scale[cols], True
            )
            return replace(sub, penalty_factor=pf), None

        return restrict

    return make


@pytest.mark.parametrize("K", [2, 3])
def test_path_alpha_max_kkt_and_screening(K):
    X, y = _data(n=300, d=8, K=K, seed=8)
    prob, _ = _problem(X, y, 0.0, 1.0, K=K)
    restrict = _restrictor(X, y, K)(prob)
    m = prob.n_outputs
    theta0 = np.zeros(prob.n_params)
    nf = null_fit(prob, theta0, restrict, tol=1e-12, max_iter=50)
    pf = l1_weights(prob)
    a_max = alpha_max(nf.extra["grad"], pf, 1.0)
    # analytic: max_j |x'_j . (p0 - y)| / n at the class-frequency model
    Xs = (X - prob.mean) / prob.scale
    if K == 2:
        resid = y.mean() - y
        expected = np.max(np.abs(Xs.T @ resid)) / len(y)
    else:
        Y = np.eye(K)[y]
        expected = np.max(np.abs(Xs.T @ (Y.mean(0) - Y))) / len(y)
    assert a_max == pytest.approx(expected, rel=1e-9)
    alphas = a_max * np.logspace(0, -2, 8)
    path = elastic_net_path(prob, alphas, nf.theta, restrict, l1_ratio=1.0, tol=1e-10, max_iter=100)
    nonzero = (path.thetas[:, : m * 8]) != 0.0
    assert not np.any(nonzero[0])
    assert nonzero[-1].sum() > 0
    # KKT at every alpha, recomputed here from the full problem's gradient
    for a, theta in zip(alphas, path.thetas, strict=True):
        _, g = prob.loss_gradient(theta)
        v = L1Penalty(a * pf).min_norm_subgradient(theta, g)
        assert np.max(np.abs(v)) <= 1e-10
    # just below alpha_max, something enters
    below = elastic_net_path(
        prob, [0.98 * a_max], nf.theta, restrict, l1_ratio=1.0, tol=1e-10, max_iter=50
    )
    assert np.any(below.thetas[0][pf > 0] != 0.0)
    # screening changes nothing but the work
    plain = elastic_net_path(
        prob, alphas, nf.theta, restrict, l1_ratio=1.0, tol=1e-10, max_iter=100, screen=False
    )
    np.testing.assert_allclose(path.thetas, plain.thetas, atol=1e-9)


def test_active_set_solution_equals_plain_proximal_newton():
    X, y = _data(n=400, d=12, seed=9)
    prob, pen = _problem(X, y, 0.03, 0.9)
    plain = _solve(prob, pen)
    restrict = _restrictor(X, y)(prob)
    res = active_set_newton(
        prob, pen, np.zeros(prob.n_params), restrict, max_iter=100, tol=1e-11, trace=Trace()
    )
    assert res.converged and res.extra["n_working"] < 12
    np.testing.assert_allclose(res.theta, plain.theta, atol=1e-9)
    np.testing.assert_array_equal(res.theta == 0, plain.theta == 0)


@pytest.mark.parametrize("n_cols", [3, 7])
def test_working_set_problems_equal_those_on_a_column_copy(n_cols):
    # dense X: a working set of more than half the columns is read in place and the
    # row subsample is gathered once; the oracle builds both on the explicit copy
    from oneneuron.classifier._path import setup_problem
    from oneneuron.classifier._sparse import column_restrictor
    from oneneuron.engines import prepare

    X, y = _data(n=3000, d=10, seed=11)
    w = np.random.default_rng(3).uniform(0.5, 2.0, len(y))
    data = prepare(X, y, w, standardize=True)
    problem, _ = setup_problem(data, None, True)
    rows = np.sort(np.random.default_rng(0).choice(len(y), 700, replace=False))
    cols = np.array([0, 2, 3, 5, 6, 8, 9])[:n_cols]
    full, sub = column_restrictor(data, problem, rows)(cols)
    Xc = np.ascontiguousarray(data.X[:, cols])

    def oracle(Xo, yo, wo):
        eng = NumpyEngine(Xo, yo, wo, multinomial=False, use_kernels=False)
        return LinearLoss(eng, 1, 0.0, problem.mean[cols], problem.scale[cols], True)

    theta = np.random.default_rng(4).standard_normal(n_cols + 1) * 0.2
    for got, ref in [
        (full, oracle(Xc, data.target, data.weights)),
        (sub, oracle(Xc[rows], data.target[rows], data.weights[rows])),
    ]:
        f, g, H = got.gradient_hessian(theta)
        f0, g0, H0 = ref.gradient_hessian(theta)
        assert f == pytest.approx(f0, rel=1e-12)
        np.testing.assert_allclose(g, g0, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(H, H0, rtol=1e-10, atol=1e-13)
        fl, gl = got.loss_gradient(theta)  # the fused kernels where they apply
        assert fl == pytest.approx(f0, rel=1e-12)
        np.testing.assert_allclose(gl, g0, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("kind", ["in place", "exact copy", "subsampled copy"])
def test_a_working_set_read_in_place_grows_to_twice_the_last(kind):
    """A restricted problem that reads X in place costs a full read per pass whatever
    its width, and a new metric whenever its columns change: a changed set takes at
    least ``GROWTH`` (2) times the last set's columns (here the previous alpha's, passed
    as ``metric``), closest features first. So does a column copy whose solves form
    exact Hessians over all rows (each new set costs one). A copy with a row
    subsample's metric keeps the plain headroom: its passes cost its width. The
    optimum is the same either way."""
    from oneneuron.solvers.active import GROWTH

    X, y = _data(n=5000, d=40, seed=5)
    prob, pen = _problem(X, y, 0.1, 1.0)  # 3 non-zeros
    plain = _solve(prob, pen)
    copies = _restrictor(X, y)(prob)

    def restrict(cols):
        if kind == "exact copy":
            return copies(cols)
        if kind == "subsampled copy":
            full = copies(cols)[0]
            rows = np.arange(0, len(y), 4)
            Xr = np.ascontiguousarray(X[rows][:, cols])
            sub_eng = NumpyEngine(Xr, y[rows], np.ones(len(rows)), multinomial=False)
            return full, replace(full, engine=sub_eng)
        eng = NumpyEngine(X, y, np.ones(len(y)), multinomial=False, columns=cols)
        if eng.columns is None:
            pytest.skip("the engine reads a working set in place only with the fused kernels")
        return LinearLoss(eng, 1, prob.alpha, prob.mean[cols], prob.scale[cols], True), None

    last = np.arange(6)  # the previous alpha's working set
    first = np.zeros(40, dtype=bool)
    first[[11, 12, 14]] = True
    res = active_set_newton(
        prob,
        pen,
        np.zeros(prob.n_params),
        restrict,
        max_iter=100,
        tol=1e-10,
        trace=Trace(),
        working=first,
        warm=True,
        metric=(last, np.eye(len(last) + 1)),
    )
    assert res.converged
    assert GROWTH == 2.0
    if kind == "subsampled copy":
        assert res.extra["n_working"] < 2 * len(last)
    else:
        assert res.extra["n_working"] >= 2 * len(last)
    np.testing.assert_allclose(res.theta, plain.theta, atol=1e-8)
    np.testing.assert_array_equal(res.theta == 0, plain.theta == 0)
