"""The objective layer: gradient and Hessian against finite differences; the folds."""

import numpy as np
import pytest

from oneneuron.engines import NumpyEngine
from oneneuron.objective import LinearLoss


def _problem(multinomial, fit_intercept=True, alpha=0.3, n=60, d=3, K=3, block_rows=16):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, d)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -3.0]
    y = rng.integers(0, K, n) if multinomial else rng.integers(0, 2, n).astype(float)
    s = rng.uniform(0.5, 2.0, n)
    eng = NumpyEngine(X, y, s, multinomial=multinomial, block_rows=block_rows)
    mu, sigma = X.mean(0), X.std(0)
    prob = LinearLoss(eng, K if multinomial else 1, alpha, mu, sigma, fit_intercept)
    theta = rng.normal(size=prob.n_params) * 0.5
    return X, y, s, prob, theta


@pytest.mark.parametrize("multinomial", [False, True])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_gradient_and_hessian_match_finite_differences(multinomial, fit_intercept):
    _, _, _, prob, theta = _problem(multinomial, fit_intercept)
    f, g = prob.loss_gradient(theta)
    f2, g2, H = prob.gradient_hessian(theta)
    assert f == pytest.approx(prob.loss(theta), rel=1e-14)
    np.testing.assert_allclose(g, g2, rtol=1e-13)
    h = 1e-6
    E = np.eye(prob.n_params) * h
    fd_g = np.array([(prob.loss(theta + e) - prob.loss(theta - e)) / (2 * h) for e in E])
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-8)
    fd_H = np.array(
        [(prob.loss_gradient(theta + e)[1] - prob.loss_gradient(theta - e)[1]) for e in E]
    )
    np.testing.assert_allclose(H, fd_H / (2 * h), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(H, H.T, atol=1e-14)


@pytest.mark.parametrize("multinomial", [False, True])
def test_loss_equals_direct_formula_on_a_standardised_copy(multinomial):
    X, y, s, prob, theta = _problem(multinomial, alpha=0.7)
    Xs = (X - prob.mean) / prob.scale
    Wp, bp = prob.unpack(theta)
    Z = Xs @ Wp.T + bp
    if multinomial:
        from oneneuron import cross_entropy

        per_row = cross_entropy(np.eye(3)[y], Z)
    else:
        from oneneuron import log_loss

        per_row = log_loss(y, Z[:, 0])
    expected = np.sum(s * per_row) / np.sum(s) + 0.35 * np.sum(Wp**2)
    assert prob.loss(theta) == pytest.approx(expected, rel=1e-12)


def test_intercept_equals_a_column_of_ones():
    X, y, s, prob, theta = _problem(False, alpha=0.0)
    ones = np.column_stack([X, np.ones(len(X))])
    eng = NumpyEngine(ones, y, s, multinomial=False)
    prob1 = LinearLoss(eng, 1, 0.0, np.zeros(4), np.ones(4), fit_intercept=False)
    W, b = prob.to_raw(theta)
    theta1 = np.concatenate([W.ravel(), b])
    f, g = prob1.loss_gradient(theta1)
    assert f == pytest.approx(prob.loss(theta), rel=1e-13)


def test_raw_round_trip_and_block_size_invariance():
    _, _, _, prob, theta = _problem(True, block_rows=7)
    W, b = prob.to_raw(theta)
    np.testing.assert_allclose(prob.from_raw(W, b), theta, rtol=1e-13)
    _, _, _, prob_big, _ = _problem(True, block_rows=10_000)
    np.testing.assert_allclose(
        prob.loss_gradient(theta)[1], prob_big.loss_gradient(theta)[1], rtol=1e-12
    )


def test_float32_block_accumulates_in_float64():
    X, y, s, prob, theta = _problem(False)
    eng32 = NumpyEngine(X.astype(np.float32), y, s, multinomial=False)
    p32 = LinearLoss(eng32, 1, prob.alpha, prob.mean, prob.scale)
    f32, g32 = p32.loss_gradient(theta)
    f64, g64 = prob.loss_gradient(theta)
    assert isinstance(f32, float)
    np.testing.assert_allclose(g32, g64, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("multinomial", [False, True])
def test_raw_penalty_is_only_a_change_of_coordinates(multinomial):
    X, y, s, prob, theta = _problem(multinomial, alpha=0.4)
    m = prob.n_outputs
    d = X.shape[1]
    raw = LinearLoss(prob.engine, m, 0.4, np.zeros(d), np.ones(d))
    coords = LinearLoss(prob.engine, m, 0.4, prob.mean, prob.scale, raw_penalty=True)
    W, b = raw.to_raw(theta)
    t2 = coords.from_raw(W, b)
    assert coords.loss(t2) == pytest.approx(raw.loss(theta), rel=1e-13)
    f, g, H = coords.gradient_hessian(t2)
    h = 1e-6
    E = np.eye(coords.n_params) * h
    fd_g = np.array([(coords.loss(t2 + e) - coords.loss(t2 - e)) / (2 * h) for e in E])
    np.testing.assert_allclose(g, fd_g, rtol=1e-6, atol=1e-8)
    fd_H = np.array([coords.loss_gradient(t2 + e)[1] - coords.loss_gradient(t2 - e)[1] for e in E])
    np.testing.assert_allclose(H, fd_H / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("m", [1, 3])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("standardised", ["both", "scale only (sparse X)", "none"])
def test_the_hessian_change_of_variables_equals_the_dense_jacobian_product(
    m, fit_intercept, standardised
):
    """The O(p^2) sandwich T'HT equals the dense product with the Jacobian (oracle)."""
    rng = np.random.default_rng(7)
    n, d = 300, 5
    X = rng.standard_normal((n, d)) * 2.0 + 1.0
    y = rng.integers(0, 3, n) if m == 3 else (rng.random(n) < 0.4).astype(float)
    engine = NumpyEngine(X, y, np.ones(n), multinomial=m == 3)
    mean = X.mean(axis=0) if standardised == "both" else np.zeros(d)
    scale = X.std(axis=0) if standardised != "none" else np.ones(d)
    problem = LinearLoss(engine, m, 0.01, mean, scale, fit_intercept)
    A = rng.standard_normal((m * (d + 1), m * (d + 1)))
    H = A @ A.T
    T = problem._jacobian()
    expected = T.T @ H @ T
    np.testing.assert_allclose(problem._sandwich(H), expected, rtol=1e-12, atol=1e-12)  # in place
