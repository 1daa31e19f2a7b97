"""L1 solves whose Hessian is taken column by column (ColumnHessian, glmnet's naive updates).

Wide binary working sets (their stored values at most the p x p metric's entries) sweep
X's columns instead of forming the p x p Hessian. Oracles: the Hessian and gradient in
closed form on a standardised dense copy, the quadratic model's KKT conditions, glum's
optimum (raw scale, weights, an offset, with and without intercept), saga on a
standardised copy, and the KKT conditions of the full problem at every alpha of a path.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

import oneneuron.solvers.cd as cd
from oneneuron import NeuronClassifier, regularization_path
from oneneuron.engines import NumpyEngine
from oneneuron.objective import ColumnHessian, LinearLoss
from oneneuron.solvers.cd import column_hessian_pays, minimize_quadratic


def _sparse(n=400, d=60, density=0.15, seed=0):
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=density, format="csr", random_state=seed)
    X.data = rng.normal(size=X.nnz) + 1.0
    beta = np.zeros(d)
    beta[:8] = rng.normal(size=8) * 2
    z = np.asarray(X @ beta).ravel() - 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


@pytest.fixture
def columns_always(monkeypatch):
    """Every binary working set takes the column-by-column Hessian; counts its uses."""
    monkeypatch.setattr(cd, "COLUMN_FACTOR", np.inf)
    monkeypatch.setattr(cd, "DENSE_COLUMN_FACTOR", np.inf)
    calls = []
    original = LinearLoss.gradient_column_hessian

    def counted(self, theta):
        calls.append(len(theta))
        return original(self, theta)

    monkeypatch.setattr(LinearLoss, "gradient_column_hessian", counted)
    return calls


@pytest.mark.parametrize("sparse", [True, False])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_column_hessian_and_gradient_in_closed_form(sparse, fit_intercept):
    X, y = _sparse(n=120, d=9, density=0.4, seed=1)
    Xd = X.toarray()
    rng = np.random.default_rng(2)
    s = rng.uniform(0.2, 3.0, len(y))
    offset = rng.normal(size=len(y)) * 0.3
    mu, sd = Xd.mean(0), Xd.std(0)
    pf = rng.uniform(0.0, 2.0, 9)
    eng = NumpyEngine(X if sparse else Xd, y.astype(float), s, multinomial=False, offset=offset)
    prob = LinearLoss(eng, 1, 0.07, mu, sd, fit_intercept, penalty_factor=pf)
    theta = rng.normal(size=prob.n_params) * 0.3
    f, g, H = prob.gradient_column_hessian(theta)
    assert isinstance(H, ColumnHessian)
    # closed form on the standardised dense copy
    Xs = (Xd - mu) / sd
    A = np.hstack([Xs, np.ones((len(y), 1))]) if fit_intercept else Xs
    z = A @ theta + offset
    p = 1 / (1 + np.exp(-z))
    w = s / s.sum()
    loss = w @ (np.logaddexp(0, z) - y * z) + 0.5 * 0.07 * np.sum(pf * theta[:9] ** 2)
    grad = A.T @ (w * (p - y))
    grad[:9] += 0.07 * pf * theta[:9]
    hess = A.T @ (A * (w * p * (1 - p))[:, None])
    hess[np.arange(9), np.arange(9)] += 0.07 * pf
    assert f == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(g, grad, atol=1e-13)
    np.testing.assert_allclose(H.toarray(), hess, atol=1e-13)
    assert H.shape == hess.shape


@pytest.mark.parametrize("compiled", [True, False])
def test_column_sweeps_minimise_the_same_quadratic_model(compiled):
    X, y = _sparse(n=200, d=30, density=0.3, seed=3)
    Xd = X.toarray()
    eng = NumpyEngine(X, y.astype(float), np.ones(len(y)), multinomial=False)
    prob = LinearLoss(eng, 1, 0.0, Xd.mean(0), Xd.std(0), True)
    theta = np.random.default_rng(4).normal(size=prob.n_params) * 0.1
    theta[5:20] = 0.0
    _, g, Hc = prob.gradient_column_hessian(theta)
    lam = np.full(prob.n_params, 0.02)
    lam[-1] = 0.0
    w, _ = minimize_quadratic(Hc, g, theta, lam, tol=1e-14, compiled=compiled)
    # the quadratic model's KKT conditions, with the matrix formed independently
    r = g + Hc.toarray() @ (w - theta)
    nz = w != 0
    np.testing.assert_allclose(r[nz], -lam[nz] * np.sign(w[nz]), atol=1e-12)
    assert np.all(np.abs(r[~nz]) <= lam[~nz] + 1e-12)
    assert 0 < np.sum(~nz) < len(w) - 1
    # the same iterates as the sweeps over the p x p matrix
    w_dense, _ = minimize_quadratic(Hc.toarray(), g, theta, lam, tol=1e-14)
    np.testing.assert_allclose(w, w_dense, atol=1e-12)
    np.testing.assert_array_equal(w == 0, w_dense == 0)


def test_the_rule_picks_columns_for_wide_sparse_sets_only():
    assert column_hessian_pays(600_000, 2_000)  # 20k rows x 2 000, 30 stored a row
    assert not column_hessian_pays(10_000_000, 100, dense=True)  # dense 100k x 100
    assert not column_hessian_pays(2_000 * 1_000, 1_000, dense=True)  # dense, n > p
    assert column_hessian_pays(500 * 1_000, 1_000, dense=True)  # dense, n < p
    assert not column_hessian_pays(600_000, 2_000, n_outputs=3)  # multinomial: the matrix


@pytest.mark.parametrize(("fit_intercept", "dense"), [(True, False), (False, False), (True, True)])
def test_forced_columns_path_matches_glum_at_every_alpha(columns_always, fit_intercept, dense):
    glum = pytest.importorskip("glum")
    X, y = _sparse(seed=5)
    X = X.toarray() if dense else X
    alphas = [0.03, 0.01, 0.003, 0.001]
    tol = 1e-10
    path = regularization_path(
        X, y, alphas=alphas, standardize=False, fit_intercept=fit_intercept, tol=tol
    )
    assert columns_always  # the column sweeps did the work
    assert np.all(path.kkt <= tol)
    assert path.n_nonzero[-1] > path.n_nonzero[0] > 0
    for i, a in enumerate(alphas):
        gl = glum.GeneralizedLinearRegressor(
            family="binomial",
            alpha=a,
            l1_ratio=1.0,
            scale_predictors=False,
            fit_intercept=fit_intercept,
            gradient_tol=1e-12,
            max_iter=1000,
        ).fit(X, y)

        def F(w, b, a=a):
            z = np.asarray(X @ w).ravel() + b
            return np.mean(np.logaddexp(0, z) - y * z) + a * np.sum(np.abs(w))

        ours = F(path.coef[i, 0], path.intercept[i, 0])
        assert ours == pytest.approx(F(gl.coef_, gl.intercept_), rel=1e-9)
        assert ours <= F(gl.coef_, gl.intercept_) + 1e-12
        np.testing.assert_allclose(path.coef[i, 0], gl.coef_, atol=1e-6)
        np.testing.assert_array_equal(path.coef[i, 0] == 0, gl.coef_ == 0)


def test_forced_columns_standardised_path_matches_saga_and_the_matrix_path(
    columns_always, monkeypatch
):
    X, y = _sparse(n=300, d=40, seed=6)
    kw = dict(n_alphas=6, alpha_min_ratio=0.02, tol=1e-10)
    path = regularization_path(X, y, **kw)
    assert columns_always and np.all(path.kkt <= 1e-10)
    a = path.alphas[4]
    Xd = X.toarray()
    mu, sd = Xd.mean(0), Xd.std(0)
    lr = LogisticRegression(l1_ratio=1.0, C=1 / (300 * a), solver="saga", tol=1e-15, max_iter=10**5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr.fit((Xd - mu) / sd, y)
    np.testing.assert_allclose(path.coef[4, 0], lr.coef_[0] / sd, atol=1e-6)
    np.testing.assert_array_equal(path.coef[4, 0] == 0, lr.coef_[0] == 0)
    monkeypatch.setattr(cd, "COLUMN_FACTOR", 0.0)  # the p x p matrices: the same path
    monkeypatch.setattr(cd, "DENSE_COLUMN_FACTOR", 0.0)
    n_before = len(columns_always)
    matrix = regularization_path(X, y, **kw)
    assert len(columns_always) == n_before
    np.testing.assert_allclose(path.loss, matrix.loss, rtol=1e-11)
    np.testing.assert_array_equal(path.n_nonzero, matrix.n_nonzero)


def test_forced_columns_single_fit_with_weights_and_offset_matches_glum(columns_always):
    glum = pytest.importorskip("glum")
    X, y = _sparse(n=500, d=50, seed=7)
    rng = np.random.default_rng(8)
    s = rng.uniform(0.2, 3.0, len(y))
    offset = rng.normal(size=len(y)) * 0.5
    alpha = 0.004
    clf = NeuronClassifier(alpha=alpha, l1_ratio=1.0, standardize=False, tol=1e-11)
    clf.fit(X, y, sample_weight=s, offset=offset)
    assert columns_always
    gl = glum.GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=1.0, scale_predictors=False, gradient_tol=1e-12
    ).fit(X, y, sample_weight=s, offset=offset)

    def F(w, b):
        z = np.asarray(X @ w).ravel() + b + offset
        return s @ (np.logaddexp(0, z) - y * z) / s.sum() + alpha * np.sum(np.abs(w))

    assert F(clf.coef_[0], clf.intercept_[0]) == pytest.approx(F(gl.coef_, gl.intercept_), rel=1e-9)
    np.testing.assert_allclose(clf.coef_[0], gl.coef_, atol=1e-6)
    np.testing.assert_array_equal(clf.coef_[0] == 0, gl.coef_ == 0)


def test_multinomial_keeps_the_matrix(columns_always):
    X, y = _sparse(n=300, d=20, seed=9)
    y3 = np.where(np.asarray(X[:, 3].todense()).ravel() > 1.0, 2, y)
    assert len(np.unique(y3)) == 3
    path = regularization_path(X, y3, n_alphas=4, alpha_min_ratio=0.05, tol=1e-9)
    assert not columns_always and np.all(path.kkt <= 1e-9)
