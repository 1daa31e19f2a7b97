"""Exact fits on ill-conditioned designs: Newton's step from a QR factor of the weighted design.

Newton formed ``H = X' D X`` and solved it by Cholesky, which squares the design's
condition number: columns equal to 1e-8 relative (condition 1e8) give a Hessian of
condition 1e16, and the direction ``x1 - x0`` was lost to rounding. Where the Cholesky
factor finds a small pivot, the step now comes from a QR factor of ``sqrt(D) X``.

Oracle: statsmodels on the same column space written in well-conditioned columns
(``x0, (x1 - x0) / sd``; Legendre polynomials for powers of ``x``), whose maximum
likelihood and probabilities are those of the original columns.
"""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse
import statsmodels.api as sm

from oneneuron import CollinearityWarning, NeuronClassifier


def _fit(clf, X, y, **kw):
    """Fit with every warning recorded (returned), none printed."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, **kw)
    return clf, [w for w in caught if issubclass(w.category, CollinearityWarning)]


def _llf(y, P):
    """Log-likelihood of labels ``y`` under probabilities ``P`` (n, K)."""
    return float(np.sum(np.log(P[np.arange(len(y)), y])))


def _columns(delta, K, n):
    """``x``, ``x + delta * noise`` and an independent column; labels from ``x`` and it."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    X = np.column_stack([x, x + delta * rng.normal(size=n), rng.normal(size=n)])
    latent = x + 0.5 * X[:, 2] + rng.logistic(size=n)
    y = (latent > 0).astype(int) if K == 2 else np.digitize(latent, [-0.7, 0.7])
    return X, y


@functools.lru_cache
def _nearly_equal(delta=1e-8, K=2, n=2000):
    """``x``, ``x + delta * noise`` and an independent column; labels from ``x`` and it;
    and statsmodels' fit on ``[1, x0, (x1 - x0) / sd, x2]`` (the same column space)."""
    X, y = _columns(delta, K, n)
    d = X[:, 1] - X[:, 0]
    Z = sm.add_constant(np.column_stack([X[:, 0], d / d.std(), X[:, 2]]))
    model = sm.Logit(y, Z) if K == 2 else sm.MNLogit(y, Z)
    ref = model.fit(disp=0, method="newton", tol=1e-13, maxiter=100)
    assert ref.mle_retvals["converged"]
    P = ref.predict()
    P = np.column_stack([1 - P, P]) if K == 2 else P
    return X, y, ref.llf, P


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "newton"},
        {"solver": "newton", "standardize": False},
        {},
        {"solver": "newton", "csr": True},
    ],
)
def test_nearly_equal_columns_reach_statsmodels_maximum(params):
    """Columns equal to 1e-8 relative (1 - corr ~ 1e-16): Newton stopped 3.8e-6 below
    the maximum log-likelihood (3.3e-9 relative; the CSR input's blocked engine 1e-10),
    probabilities 1e-4 apart (1.8e-5), and warned of collinearity; now 3e-14 and 3e-9
    (5e-13 and 1e-9)."""
    X, y, llf, P = _nearly_equal()
    params = dict(params)
    if params.pop("csr", False):  # the blocked engine's QR (a CSR matrix is walked in blocks)
        X = scipy.sparse.csr_matrix(X)
    clf, _ = _fit(NeuronClassifier(tol=1e-10, **params), X, y)
    assert clf.converged_
    proba = clf.predict_proba(X)
    assert abs(_llf(y, proba) - llf) <= 1e-9 * abs(llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=1e-8)


@pytest.mark.parametrize("K", [2, 3])
def test_tall_nearly_equal_columns_with_subsampled_newton(K):
    """Subsampled Newton (``"auto"``'s choice above 10 000 rows here; 6000 rows, a
    2500-row subsample) takes full-data steps with the subsample's Hessian (Cholesky) as
    the metric; along ``x1 - x0`` that metric is rounding, and the fit ran out of
    max_iter (1000 steps; 60 000 rows: probabilities 2e-3 from statsmodels'). Where
    that Hessian is ill-conditioned, exact Newton (with the QR step) finishes from the
    subsample's optimum. (It stops 4e-8 from statsmodels' probabilities here, exact
    Newton from the start 1e-9: its last steps along ``x1 - x0`` are mostly rounding,
    fail the line search, and a tiny accepted step reads as convergence.)"""
    X, y, llf, P = _nearly_equal(K=K, n=6000)
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="subsampled-newton"), X, y)
    assert clf.solver_ == "subsampled-newton"
    assert clf.converged_ and clf.n_iter_ <= 20
    proba = clf.predict_proba(X)
    assert abs(_llf(y, proba) - llf) <= 1e-9 * abs(llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=1e-7 if K == 2 else 3e-7)


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("case", ["no intercept", "flat column", "flat column, CSR"])
def test_nearly_equal_columns_without_intercept_or_beside_a_flat_column(K, case):
    """The QR step in theta's coordinates: without an intercept (no intercept column in
    the factor), and beside a constant column (held at 0, an identity row instead)."""
    X, y, _, _ = _nearly_equal(K=K)
    d = X[:, 1] - X[:, 0]
    Z = np.column_stack([X[:, 0], d / d.std(), X[:, 2]])
    Z = Z if case == "no intercept" else sm.add_constant(Z)
    ref = (sm.Logit if K == 2 else sm.MNLogit)(y, Z).fit(disp=0, method="newton", tol=1e-13)
    P = ref.predict()
    P = np.column_stack([1 - P, P]) if K == 2 else P
    params = {"fit_intercept": False} if case == "no intercept" else {}
    if case != "no intercept":
        X = np.column_stack([X, np.full(len(y), 3.0)])
    X = scipy.sparse.csr_matrix(X) if "CSR" in case else X
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton", **params), X, y)
    assert clf.converged_
    proba = clf.predict_proba(X)
    assert abs(_llf(y, proba) - ref.llf) <= 1e-9 * abs(ref.llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=1e-8 if K == 2 else 3e-7)


def test_the_compiled_newton_loop_hands_an_ill_conditioned_fit_to_numpy(monkeypatch):
    """The compiled tiny Newton loop (Cholesky only) returns such a fit to the NumPy
    solver, which takes the QR step; it used to finish it 1e-4 off, as Cholesky does."""
    import oneneuron.classifier._fit as fitmod
    from oneneuron.engines import _numpy

    if _numpy.kernels() is None:
        pytest.skip("numba is not available")
    X, y, llf, P = _nearly_equal()
    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", True)
    returned = []
    real = fitmod.compiled_newton
    monkeypatch.setattr(
        fitmod, "compiled_newton", lambda *a, **k: returned.append(real(*a, **k)) or returned[-1]
    )
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton"), X, y)
    assert returned == [None]  # the compiled loop ran and handed the fit back
    assert clf.converged_
    np.testing.assert_allclose(clf.predict_proba(X), P, rtol=0, atol=1e-8)


@pytest.mark.parametrize("standardize", [True, False])
def test_nearly_equal_columns_multinomial(standardize):
    """Three classes on the same columns: Newton stopped 4.6e-8 relative below MNLogit's
    maximum (8.7e-5 absolute), probabilities 4.3e-4 apart, after 30 iterations (41 with
    standardize=False); now 3e-13 and 6e-8, in 5 (9). The rest is the data's own
    resolution: along ``x1 - x0`` (relative singular value 7e-9) the gradient is known
    to about ``eps / 7e-9 = 3e-8``, and each step moves the logits by about that."""
    X, y, llf, P = _nearly_equal(K=3)
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton", standardize=standardize), X, y)
    assert clf.converged_ and clf.n_iter_ <= 10
    proba = clf.predict_proba(X)
    assert abs(_llf(y, proba) - llf) <= 1e-11 * abs(llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=3e-7)


def test_nearly_equal_columns_multinomial_are_not_called_separated():
    """The separation LP found a 'direction' along ``x1 - x0`` for three classes: its
    margins from -8.7e-8 to 1.001e-7, one just above the 1e-7 tolerance, so the fit
    warned of quasi-complete separation (no row separated) and withheld standard errors.
    Margins no larger than the LP's own violations of ``m >= 0`` are a flat direction
    (the binary case, margins below 1e-7, was fixed before)."""
    from oneneuron import SeparationWarning

    X, y, _, _ = _nearly_equal(K=3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = NeuronClassifier(solver="newton").fit(X, y)
    assert not [w for w in caught if issubclass(w.category, SeparationWarning)]
    assert clf.inference_.separation == "none"


def test_float32_columns_a_few_ulps_apart():
    """float32 columns a few float32 ulps apart (1 - corr ~ 3e-14): the fit (in float64,
    stored as float32) is the float64 fit of the same values rounded, and that one is
    statsmodels'. The coefficient of x1 was 382664.66 for statsmodels' 382662.60
    (5e-6 relative; float32 holds 6e-8); now the rounded 382662.59."""
    rng = np.random.default_rng(0)
    n = 2000
    x = rng.normal(size=n).astype(np.float32)
    x1 = x + np.spacing(x) * rng.integers(-3, 4, size=n).astype(np.float32)
    X32 = np.column_stack([x, x1, rng.normal(size=n).astype(np.float32)])
    y = (x + 0.5 * X32[:, 2] + rng.logistic(size=n) > 0).astype(int)
    X64 = X32.astype(np.float64)
    d = X64[:, 1] - X64[:, 0]
    Z = sm.add_constant(np.column_stack([X64[:, 0], d / d.std(), X64[:, 2]]))
    ref = sm.Logit(y, Z).fit(disp=0, method="newton", tol=1e-13)
    clf32, warned = _fit(NeuronClassifier(tol=1e-10, solver="newton"), X32, y)
    clf64, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton"), X64, y)
    assert clf32.coef_.dtype == np.float32 and not warned
    np.testing.assert_allclose(clf32.coef_, clf64.coef_.astype(np.float32), rtol=1e-7)
    w1 = ref.params[2] / d.std()  # x1's coefficient: (x1 - x0) / sd carries all of it
    assert abs(clf32.coef_[0, 1] - w1) <= 2e-7 * abs(w1)
    np.testing.assert_allclose(clf64.predict_proba(X64)[:, 1], ref.predict(), rtol=0, atol=1e-8)


@pytest.mark.parametrize("params", [{"solver": "newton"}, {}, {"solver": "lbfgs"}])
def test_columns_on_scales_1e_minus_8_and_1e8_without_standardizing(params):
    """Columns of spread 1e-8 and 1e8 (standardize=False): the raw Hessian's condition
    is 1e32, but only its scaling, which Cholesky and the QR step do not mind."""
    rng = np.random.default_rng(1)
    U = rng.normal(size=(1000, 3))
    y = (U @ [1.0, -0.5, 0.3] + rng.logistic(size=1000) > 0).astype(int)
    ref = sm.Logit(y, sm.add_constant(U)).fit(disp=0, method="newton", tol=1e-13)
    X = U * [1e-8, 1e8, 1.0]
    clf, warned = _fit(NeuronClassifier(tol=1e-10, standardize=False, **params), X, y)
    assert clf.converged_ and not warned
    np.testing.assert_allclose(clf.coef_[0] * [1e-8, 1e8, 1.0], ref.params[1:], rtol=1e-7)
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], ref.predict(), rtol=0, atol=1e-9)


@pytest.mark.parametrize("standardize", [True, False])
def test_polynomial_columns_to_the_sixth_power(standardize):
    """``x, x**2, ..., x**6`` on [0, 100] (raw condition about 1e17): the same fit as
    statsmodels on Legendre polynomials of ``x / 50 - 1`` (the same column space)."""
    rng = np.random.default_rng(2)
    t = rng.uniform(0, 100, size=500)
    X = np.column_stack([t**k for k in range(1, 7)])
    y = (np.sin(t / 15) + 0.7 * rng.logistic(size=500) > 0).astype(int)
    L = np.polynomial.legendre.legvander(t / 50 - 1, 6)
    ref = sm.Logit(y, L).fit(disp=0, method="newton", tol=1e-13, maxiter=100)
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton", standardize=standardize), X, y)
    assert clf.converged_
    proba = clf.predict_proba(X)
    assert abs(_llf(y, proba) - ref.llf) <= 1e-9 * abs(ref.llf)
    np.testing.assert_allclose(proba[:, 1], ref.predict(), rtol=0, atol=1e-8)


def test_large_weights_on_nearly_equal_columns():
    """Frequency weights of 1e9 to 2e9 per row: the objective divides by their sum, so
    the fit is statsmodels' weighted GLM's; the Cholesky step stopped with probabilities
    6.8e-6 from it (now 2e-10)."""
    X, y, _, _ = _nearly_equal()
    w = np.random.default_rng(3).uniform(1.0, 2.0, size=len(y))
    d = X[:, 1] - X[:, 0]
    Z = sm.add_constant(np.column_stack([X[:, 0], d / d.std(), X[:, 2]]))
    ref = sm.GLM(y, Z, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-13)
    clf, _ = _fit(NeuronClassifier(tol=1e-10, solver="newton"), X, y, sample_weight=1e9 * w)
    assert clf.converged_
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], ref.predict(), rtol=0, atol=1e-8)


def _reparameterised(delta, K, cov_type="nonrobust", n=2000):
    """statsmodels' covariance of the original terms ``(1, x0, x1, x2)`` per non-reference
    class, from its fit on ``[1, x0, (x1 - x0) / sd, x2]`` (well conditioned): the
    coefficients are ``A`` times those, so the covariance is ``A cov A'`` (R's glm gets
    the same from its QR factor)."""
    X, y = _columns(delta, K, n)
    d = X[:, 1] - X[:, 0]
    sd = d.std()
    Z = sm.add_constant(np.column_stack([X[:, 0], d / sd, X[:, 2]]))
    model = sm.Logit(y, Z) if K == 2 else sm.MNLogit(y, Z)
    ref = model.fit(disp=0, method="newton", tol=1e-13, maxiter=100, cov_type=cov_type)
    A = np.eye(4)
    A[1, 2], A[2, 2] = -1.0 / sd, 1.0 / sd
    cov = np.asarray(ref.cov_params())
    if K == 2:
        return X, y, A @ cov @ A.T
    # MNLogit orders its covariance class by class (each class's 4 terms together)
    blocks = np.kron(np.eye(K - 1), A)
    return X, y, blocks @ cov @ blocks.T


def _same_covariance(cov, cov_ref):
    """Assert ``cov`` is ``cov_ref``: standard errors to 1e-6 relative, the whole matrix
    entry by entry against its own scale (the correlations) to 1e-6; returns both."""
    se, se_ref = np.sqrt(np.diag(cov)), np.sqrt(np.diag(cov_ref))
    np.testing.assert_allclose(se, se_ref, rtol=1e-6)
    corr = cov / np.outer(se, se)
    np.testing.assert_allclose(corr, cov_ref / np.outer(se_ref, se_ref), rtol=0, atol=1e-6)
    return se, corr


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("delta", [1e-8, 1e-6, 1e-5])
def test_ill_conditioned_columns_get_standard_errors_from_the_qr_factor(K, delta):
    """Solved exactly, the fit does not warn that its coefficients are unreliable, AIC
    counts every term (statsmodels counts the design's rank, which is full), and the
    standard errors are those of the same model written in well-conditioned columns,
    mapped back: they come from the QR factor of the weighted design (R's glm), not from
    inverting ``X' D X``, whose condition number is the design's squared. They were
    refused at 1e-8 and 1e-6 ("the standard errors need X'DX"), and 1.4e-6 relative off
    at 1e-5 (from the inverse of ``X' D X``)."""
    X, y, cov_ref = _reparameterised(delta, K)
    clf, warned = _fit(NeuronClassifier(solver="newton"), X, y)
    assert warned == []
    cov = clf.inference_.cov
    assert cov is not None, clf.inference_.reason
    se, corr = _same_covariance(cov, cov_ref)
    if delta == 1e-8:
        k = (K - 1) * 4  # intercept, x0, x1, x2 per non-reference class
        assert clf.aic_ == pytest.approx(2 * k - 2 * clf.log_likelihood_, rel=1e-12)
        assert "nearly collinear" in clf.inference_.extra["note"]  # said beside the table
        assert np.isfinite(clf.summary()["std_err"]).all()


@pytest.mark.parametrize("solver", ["auto", "subsampled-newton"])
def test_ill_conditioned_columns_standard_errors_on_tall_data(solver):
    """The subsampled solver hands such a fit to exact Newton, whose last QR step is what
    the covariance reads: the same standard errors."""
    X, y, cov_ref = _reparameterised(1e-8, 2, n=40_000)
    clf, _ = _fit(NeuronClassifier(solver=solver), X, y)
    assert clf.inference_.cov is not None, clf.inference_.reason
    np.testing.assert_allclose(
        np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-6
    )


def _robust_reference(X, y, cov_type, K, w=None, groups=None):
    """The ``cov_type`` covariance of the terms ``(1, x0, x1, x2)`` per non-reference class
    from the well-conditioned columns ``Z = [1, x0, (x1 - x0) / sd, x2]`` mapped back
    (``A V A'``): statsmodels' HC0 and cluster (its ``G / (G - 1) (N - 1) / (N - k)``, as
    ours), HC1 as HC0 times ``N / (N - k)`` (R's sandwich), and HC2/HC3 of a binary model
    written out from the definitions on ``Z`` (R's ``vcovHC`` for a glm, with frequency
    weights)."""
    d = X[:, 1] - X[:, 0]
    sd = d.std()
    Z = sm.add_constant(np.column_stack([X[:, 0], d / sd, X[:, 2]]))
    A = np.eye(4)
    A[1, 2], A[2, 2] = -1.0 / sd, 1.0 / sd
    A = np.kron(np.eye(K - 1), A)
    opts = {"disp": 0, "method": "newton", "tol": 1e-13, "maxiter": 100}
    if w is not None:  # frequency weights: the rows repeated
        Z, y = np.repeat(Z, w.astype(int), axis=0), np.repeat(y, w.astype(int))
        groups = None if groups is None else np.repeat(groups, w.astype(int))
    model = sm.Logit(y, Z) if K == 2 else sm.MNLogit(y, Z)
    n, k = len(y), Z.shape[1] * (K - 1)
    if cov_type == "cluster":
        V = model.fit(cov_type="cluster", cov_kwds={"groups": groups}, **opts).cov_params()
    elif cov_type in ("HC0", "HC1"):
        V = np.asarray(model.fit(cov_type="HC0", **opts).cov_params())
        V = V * (n / (n - k) if cov_type == "HC1" else 1.0)
    else:
        p = model.fit(**opts).predict()
        v = p * (1 - p)
        B = np.linalg.inv(Z.T @ (v[:, None] * Z))
        h = v * np.einsum("ij,jk,ik->i", Z, B, Z)
        e2 = (y - p) ** 2 / (1 - h) ** (1 if cov_type == "HC2" else 2)
        V = B @ (Z.T @ (e2[:, None] * Z)) @ B
    return A @ np.asarray(V) @ A.T


@pytest.mark.parametrize(
    ("cov_type", "K"),
    [("HC0", 2), ("HC1", 2), ("HC2", 2), ("HC3", 2), ("cluster", 2), ("HC0", 3), ("cluster", 3)],
)
def test_ill_conditioned_columns_robust_standard_errors(cov_type, K):
    """The sandwich's meat, a sum of the scores' outer products, squares the condition
    number as ``X' D X`` does: ours went NaN, and then was refused (statsmodels' Newton
    on the original columns does not converge, and its HC0 standard errors are NaN for
    ``x0`` and 0.075 times the true one for ``x1``). Formed as factors (the scores' rows
    in the bread factor's coordinates, then their QR), each robust covariance equals the
    one of the same model on well-conditioned columns mapped back, entry by entry against
    its scale, and its factor ``cov_root`` squares to it."""
    X, y = _columns(1e-8, K, 1000)
    groups = np.arange(len(y)) % 40
    cov_ref = _robust_reference(X, y, cov_type, K, groups=groups)
    clf = NeuronClassifier(solver="newton", cov_type=cov_type)
    clf, _ = _fit(clf, X, y, **({"cluster": groups} if cov_type == "cluster" else {}))
    cov = clf.inference_.cov
    assert cov is not None, clf.inference_.reason
    se, corr = _same_covariance(cov, cov_ref)
    L = clf.inference_.cov_root
    assert L is not None
    np.testing.assert_allclose(L @ L.T / np.outer(se, se), corr, rtol=0, atol=1e-12)
    np.testing.assert_allclose(clf.summary()["std_err"].to_numpy(), se, rtol=1e-12)


@pytest.mark.parametrize("kind", ["csr", "weights", "no-intercept", "offset"])
def test_ill_conditioned_columns_robust_standard_errors_siblings(kind):
    """Sparse rows, frequency weights (the oracle on the rows repeated), a fit without
    intercept, an offset (statsmodels' Logit with it) (HC0 and cluster): the factored
    sandwich."""
    X, y = _columns(1e-8, 2, 600)
    rng = np.random.default_rng(3)
    w = rng.integers(1, 4, size=len(y)).astype(float) if kind == "weights" else None
    off = 0.5 * rng.normal(size=len(y)) if kind == "offset" else None
    groups = np.arange(len(y)) % 30
    fi = kind != "no-intercept"
    Xf = scipy.sparse.csr_matrix(X) if kind == "csr" else X
    for cov_type in ("HC0", "cluster"):
        if kind in ("no-intercept", "offset"):
            d = X[:, 1] - X[:, 0]
            sd = d.std()
            Z = np.column_stack([X[:, 0], d / sd, X[:, 2]])
            A = np.eye(3)
            A[0, 1], A[1, 1] = -1.0 / sd, 1.0 / sd
            if fi:
                Z = sm.add_constant(Z)
                A = np.block([[np.ones((1, 1)), np.zeros((1, 3))], [np.zeros((3, 1)), A]])
            kw = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
            ref = sm.Logit(y, Z, offset=off).fit(
                disp=0, method="newton", tol=1e-13, maxiter=100, cov_type=cov_type, **kw
            )
            cov_ref = A @ np.asarray(ref.cov_params()) @ A.T
        else:
            cov_ref = _robust_reference(X, y, cov_type, 2, w=w, groups=groups)
        clf = NeuronClassifier(solver="newton", cov_type=cov_type, fit_intercept=fi)
        fit_kw = {"sample_weight": w} | ({"cluster": groups} if cov_type == "cluster" else {})
        fit_kw |= {} if off is None else {"offset": off}
        clf, _ = _fit(clf, Xf, y, **fit_kw)
        assert clf.inference_.cov is not None, clf.inference_.reason
        np.testing.assert_allclose(
            np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-6
        )


def test_ill_conditioned_columns_robust_prediction_intervals(tmp_path):
    """A prediction's ``x' V x`` under HC0 from the robust factor: statsmodels' HC0 on the
    well-conditioned columns, ``z' V_Z z`` (formed from ``V``, whose entries for the pair
    are about 1e13, it is rounding); the same after a save and load of the model file."""
    from oneneuron import load

    X, y, Z, _, _ = _reparameterised_fit()
    ref = sm.Logit(y, Z).fit(disp=0, method="newton", tol=1e-13, maxiter=100, cov_type="HC0")
    Vz = np.asarray(ref.cov_params())
    se_ref = np.sqrt(np.einsum("ij,jk,ik->i", Z, Vz, Z))
    clf, _ = _fit(NeuronClassifier(solver="newton", cov_type="HC0"), X, y)
    np.testing.assert_allclose(clf.predict_interval(X)["se_logit"], se_ref, rtol=1e-6)
    clf.save(tmp_path / "m.json")  # the factor is stored and checked against the covariance
    back = load(tmp_path / "m.json")
    np.testing.assert_allclose(back.predict_interval(X)["se_logit"], se_ref, rtol=1e-6)


@pytest.mark.parametrize("K", [2, 3])
def test_columns_collinear_only_on_their_own_scale_say_so(K):
    """``x`` and ``x + 1e-8 noise`` shifted by 1000: Newton solves them at full rank in
    its centred, standardised coordinates, but the QR factor on the columns' own scale
    (where the covariance is formed, as R's glm) has a relative singular value below
    ``ALIAS_TOL``. The refusal said "the standard errors need X'DX", which they do not
    (they come from that factor); it now says the design is singular on the columns' own
    scale, with the measure, and that centring the columns helps, which it does: the
    centred columns' slopes have statsmodels' standard errors (well-conditioned columns,
    mapped back; a shift leaves the slopes' covariance alone)."""
    from oneneuron.stats import InferenceUnavailableError

    X, y, cov_ref = _reparameterised(1e-8, K)
    shifted = X + [1e3, 1e3, 0.0]
    clf, warned = _fit(NeuronClassifier(solver="newton"), shifted, y)
    assert warned == [] and clf.converged_
    reason = clf.inference_.reason
    assert "X'DX" not in reason
    assert "singular to working precision on the columns' own scale" in reason
    assert "smallest relative singular value is " in reason and "at most 1e-11" in reason
    assert "'x1' is a linear combination of 'x0' and the intercept" in reason
    assert "centre the columns" in reason
    assert clf.aic_ == pytest.approx(2 * (K - 1) * 4 - 2 * clf.log_likelihood_, rel=1e-12)
    with pytest.raises(InferenceUnavailableError, match="on the columns' own scale"):
        clf.summary()
    centred, _ = _fit(NeuronClassifier(solver="newton"), shifted - shifted.mean(axis=0), y)
    cov = centred.inference_.cov
    assert cov is not None, centred.inference_.reason
    slopes = [j for j in range((K - 1) * 4) if j % 4]  # not the intercepts
    np.testing.assert_allclose(
        np.sqrt(np.diag(cov))[slopes], np.sqrt(np.diag(cov_ref))[slopes], rtol=1e-6
    )


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("delta", [0.0, 1e-12])
def test_aliased_columns_still_warn(K, delta):
    """An exact copy (times 2), or one equal to 1e-12 relative (below ``ALIAS_TOL``, where
    float64 cannot resolve the difference either way), is aliased: the fit warns."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=400)
    X = np.column_stack([x, 2 * x + delta * rng.normal(size=400), rng.normal(size=400)])
    latent = x + X[:, 2] + rng.logistic(size=400)
    y = (latent > 0).astype(int) if K == 2 else np.digitize(latent, [-0.7, 0.7])
    _, warned = _fit(NeuronClassifier(solver="newton"), X, y)
    assert len(warned) == 1 and "'x1' is a linear combination of 'x0'" in str(warned[0].message)


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("kind", ["float64", "float32", "csr", "offset"])
def test_the_qr_factor_squares_to_the_hessian(K, kind):
    """``R' R`` of :func:`~oneneuron.objective.weighted_design_r`, walked over blocks by the
    engine, is the Hessian that :func:`~oneneuron.objective.block_statistics` forms."""
    from oneneuron.engines import NumpyEngine
    from oneneuron.objective import LinearLoss

    if kind == "offset" and K > 2:
        pytest.skip("offsets are for binary models")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))
    y = rng.integers(0, K, size=300) if K > 2 else rng.integers(0, 2, size=300).astype(float)
    X = X.astype(np.float32) if kind == "float32" else X
    X = scipy.sparse.csr_matrix(X) if kind == "csr" else X
    off = rng.normal(size=300) if kind == "offset" else None
    eng = NumpyEngine(X, y, rng.uniform(size=300), multinomial=K > 2, block_rows=64, offset=off)
    m = K if K > 2 else 1
    loss = LinearLoss(eng, m, 0.0, np.zeros(3), np.ones(3))
    theta = rng.normal(size=loss.n_params)
    _, _, H = loss.gradient_hessian(theta)
    R = eng.weighted_design_r(*loss.to_raw(theta))
    np.testing.assert_allclose(R.T @ R, H, rtol=0, atol=1e-14)


@pytest.mark.parametrize("kind", ["csr", "weights", "no-intercept"])
def test_ill_conditioned_columns_standard_errors_siblings(kind):
    """Sparse rows, frequency weights (statsmodels' GLM with freq_weights on the
    well-conditioned columns), and a fit without intercept: the QR factor's covariance."""
    X, y = _columns(1e-8, 2, 1500)
    d = X[:, 1] - X[:, 0]
    sd = d.std()
    Z = np.column_stack([X[:, 0], d / sd, X[:, 2]])
    A = np.eye(3)
    A[0, 1], A[1, 1] = -1.0 / sd, 1.0 / sd
    rng = np.random.default_rng(7)
    w = rng.integers(1, 4, size=len(y)).astype(float) if kind == "weights" else None
    if kind != "no-intercept":
        Z = sm.add_constant(Z)
        A = np.block([[np.ones((1, 1)), np.zeros((1, 3))], [np.zeros((3, 1)), A]])
    ref = sm.GLM(y, Z, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-13)
    cov_ref = A @ np.asarray(ref.cov_params()) @ A.T
    Xf = scipy.sparse.csr_matrix(X) if kind == "csr" else X
    clf = NeuronClassifier(solver="newton", fit_intercept=kind != "no-intercept")
    clf, _ = _fit(clf, Xf, y, sample_weight=w)
    assert clf.inference_.cov is not None, clf.inference_.reason
    np.testing.assert_allclose(
        np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-6
    )


def _reparameterised_fit(delta=1e-8, n=2000):
    """The data of :func:`_reparameterised` (binary) with statsmodels' fit on the
    well-conditioned columns ``Z = [1, x0, (x1 - x0) / sd, x2]``."""
    X, y, _ = _reparameterised(delta, 2, n=n)
    d = X[:, 1] - X[:, 0]
    sd = d.std()
    Z = sm.add_constant(np.column_stack([X[:, 0], d / sd, X[:, 2]]))
    ref = sm.Logit(y, Z).fit(disp=0, method="newton", tol=1e-13, maxiter=100)
    return X, y, Z, sd, ref


def test_ill_conditioned_columns_prediction_intervals_and_tests():
    """What reads the covariance through a combination of the terms: ``x' V x`` of a
    prediction, a Wald test of ``x0 + x1 = 0``, marginal effects. ``V``'s entries for the
    collinear pair are about 2.5e13, a prediction's ``x' V x`` about 5e-3: formed from
    ``V`` it is rounding (the se_logit were up to 7% off). From the covariance's factor
    (R's ``predict.glm`` way), each equals statsmodels' on the well-conditioned columns:
    ``z' V_Z z``; ``x0 + x1`` is ``Z``'s coefficient of ``x0``, so the Wald statistic is its
    z squared; the effects of ``x0, x1`` are those of ``Z``'s ``x0`` and ``(x1 - x0)/sd``
    mapped back. The same after a save and load of the model file."""
    from oneneuron import load

    X, y, Z, sd, ref = _reparameterised_fit()
    clf, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    Vz = np.asarray(ref.cov_params())
    se_ref = np.sqrt(np.einsum("ij,jk,ik->i", Z, Vz, Z))
    np.testing.assert_allclose(clf.predict_interval(X)["se_logit"], se_ref, rtol=1e-6)
    test = clf.wald_test("x0 + x1 = 0")
    assert test.statistic == pytest.approx(ref.tvalues[1] ** 2, rel=1e-6)
    # effects at the mean: x0's = Z's x0 - Z's d / sd, x1's = Z's d / sd, x2's = Z's x2
    me = ref.get_margeff(at="mean")
    M = np.array([[1.0, -1.0 / sd, 0.0], [0.0, 1.0 / sd, 0.0], [0.0, 0.0, 1.0]])
    eff_ref = M @ me.margeff
    se_me = np.sqrt(np.diag(M @ me.margeff_cov @ M.T))
    ours = clf.margeff(X, at="mean")
    np.testing.assert_allclose(ours["dy_dx"], eff_ref, rtol=1e-6)
    np.testing.assert_allclose(ours["std_err"], se_me, rtol=1e-6)
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        clf.save(Path(tmp) / "m.json")
        back = load(Path(tmp) / "m.json")
    np.testing.assert_allclose(back.predict_interval(X)["se_logit"], se_ref, rtol=1e-6)


def test_ill_conditioned_columns_multinomial_prediction_intervals():
    """Each class's log-odds interval (three classes) from the covariance's factor: its
    standard error against the same computation from statsmodels' MNLogit on the
    well-conditioned columns, mapped back through the factor-free formula there."""
    X, y, cov_ref = _reparameterised(1e-8, 3)
    clf, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    d = X[:, 1] - X[:, 0]
    Z = sm.add_constant(np.column_stack([X[:, 0], d / d.std(), X[:, 2]]))
    ref = sm.MNLogit(y, Z).fit(disp=0, method="newton", tol=1e-13, maxiter=100)
    Vz = np.asarray(ref.cov_params())  # class by class, Z's 4 terms within
    from oneneuron.stats._effects import logit_interval

    P = ref.predict()
    expected = logit_interval(Z, np.log(P), Vz, 0.95)["se_logit"].to_numpy()
    got = clf.predict_interval(X)["se_logit"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_a_model_file_whose_cov_root_is_not_the_covariance_factor_is_refused(tmp_path):
    """The factor is checked on load against the covariance it stands for."""
    import json

    from oneneuron import load
    from oneneuron.modelfile import ModelFileError

    X, y, _, _, _ = _reparameterised_fit()
    clf, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert "cov_root" in doc["inference"]
    doc["inference"]["cov_root"] = (2 * np.asarray(doc["inference"]["cov_root"])).tolist()
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="cov_root must be a factor"):
        load(tmp_path / "bad.json")


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_ill_conditioned_columns_leverage_and_cooks_distance(kind):
    """``diagnostics`` inverted ``X' W X`` after a walk of its Gram that called ``x1``
    (1e-8 from ``x0``) a combination of ``x0``: the leverage of the design without it,
    0.87 relative off statsmodels' GLM influence on the well-conditioned columns (same
    column space, same hat matrix), dense or CSR. From a QR factor of the weighted
    design: 1e-6; the dfbetas too (1e-5, from the same factor)."""
    import oneneuron

    X, y, Z, _, _ = _reparameterised_fit()
    X = scipy.sparse.csr_matrix(X) if kind == "csr" else X
    clf, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    ref = sm.GLM(y, Z, family=sm.families.Binomial()).fit(tol=1e-13).get_influence()
    got = oneneuron.diagnostics(clf, X, y, dfbetas=True)
    np.testing.assert_allclose(got["leverage"], ref.hat_matrix_diag, rtol=1e-6)
    np.testing.assert_allclose(got["cooks_distance"], ref.cooks_distance[0], rtol=1e-6)
    # dfbetas from the same factor: statsmodels' one-step changes on Z mapped back
    # (the coefficients of x0, x1 are M times Z's), over the mapped standard errors
    dense = X.toarray() if kind == "csr" else X
    sd = (dense[:, 1] - dense[:, 0]).std()
    M = np.eye(4)
    M[1, 2], M[2, 2] = -1.0 / sd, 1.0 / sd
    V = M @ np.asarray(ref.results.cov_params()) @ M.T
    want = (ref.d_params @ M.T) / np.sqrt(np.diag(V))
    cols = [c for c in got.columns if c.startswith("dfbetas")]
    np.testing.assert_allclose(got[cols].to_numpy(), want, rtol=1e-5, atol=1e-7)  # of ~1e-2


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("kind", ["float64", "float32", "csr", "offset"])
def test_direction_curvature_is_the_hessian_along_the_direction(K, kind):
    """:func:`~oneneuron.objective.direction_curvature`, walked over blocks by the engine:
    ``v' H v`` of the Hessian that :func:`~oneneuron.objective.block_statistics` forms
    (raw layout), the unweighted ``sum_i s_i ||u_i||^2`` and ``sum_i s_i (diag(p_i) -
    p_i p_i')`` with ``p_i`` from scipy's softmax (expit, binary)."""
    from scipy.special import expit, softmax

    from oneneuron.engines import NumpyEngine
    from oneneuron.objective import LinearLoss

    if kind == "offset" and K > 2:
        pytest.skip("offsets are for binary models")
    rng = np.random.default_rng(6)
    n, d, m = 300, 3, K if K > 2 else 1
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n) if K > 2 else rng.integers(0, 2, size=n).astype(float)
    X = X.astype(np.float32) if kind == "float32" else X
    Xe = scipy.sparse.csr_matrix(X) if kind == "csr" else X
    off = rng.normal(size=n) if kind == "offset" else np.zeros(n)
    s = rng.uniform(size=n)
    eng = NumpyEngine(
        Xe, y, s, multinomial=K > 2, block_rows=64, offset=off if kind == "offset" else None
    )
    loss = LinearLoss(eng, m, 0.0, np.zeros(d), np.ones(d))
    theta = rng.normal(size=loss.n_params)
    _, _, H = loss.gradient_hessian(theta)
    V, c = rng.normal(size=(4, m, d)), rng.normal(size=(4, m))
    W, b = loss.to_raw(theta)
    curvature, spread, A = eng.direction_curvature(W, b, V, c)
    directions = np.column_stack([V.reshape(4, m * d), c])  # theta's raw layout
    np.testing.assert_allclose(curvature, np.einsum("ja,ab,jb->j", directions, H, directions),
                               rtol=1e-10)  # fmt: skip
    X64, w = np.asarray(X, dtype=np.float64), s / s.sum()
    U = np.einsum("id,jkd->ijk", X64, V) + c
    np.testing.assert_allclose(spread, np.einsum("i,ijk->j", w, U**2), rtol=1e-12)
    Z = X64 @ W.T + b + off[:, None]
    P = softmax(Z, axis=1) if m > 1 else expit(Z)
    ref = np.einsum("i,ik,kl->kl", w, P, np.eye(m)) - np.einsum("i,ik,il->kl", w, P, P)
    np.testing.assert_allclose(A, ref, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("K", [2, 3])
def test_nearly_collinear_standard_errors_where_the_separation_lp_is_too_large(K, monkeypatch):
    """Where the separation LP would be too large (rows * (classes - 1) * terms above
    its limit), the collinear pair's huge coefficients (1.7e5) on a flat likelihood
    were taken for separation: "the fit looks separated (not checked: its linear
    program would be too large)", no standard errors. The flat direction is the
    design's (one pass over the rows tells it from separation's): the QR factor's
    standard errors, as statsmodels' on the reparameterised columns. That pass clears
    the only flat direction, so ``separation_`` is "none" (it stayed "not checked"), as
    the LP finds it where it may run (the oracle)."""
    from oneneuron.stats import _separation

    X, y, cov_ref = _reparameterised(1e-8, K)
    lp, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    assert lp.separation_ == "none"
    monkeypatch.setattr(_separation, "MAX_LP_SIZE", 0)
    clf, _ = _fit(NeuronClassifier(solver="newton"), X, y)
    assert clf.inference_.cov is not None, clf.inference_.reason
    assert clf.separation_ == "none"
    np.testing.assert_allclose(
        np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-6
    )


@pytest.mark.parametrize(("cov_type", "K"), [("nonrobust", 2), ("HC0", 2), ("nonrobust", 3)])
def test_an_exact_copy_beside_nearly_collinear_columns_is_aliased_alone(cov_type, K):
    """``x``, ``x + 1e-8 * noise``, ``x2`` and ``2 * x2``: R's glm (its QR, tolerance 1e-11)
    calls the exact copy aliased (NA) and resolves the nearly collinear pair. The Gram's
    walk called both dependent, the fit without both lost 6e-4 of log-likelihood, so
    neither was dropped and the whole covariance was refused ("the Hessian is
    singular"). Judged by the weighted design's QR factor (as the fit's own steps), the
    copy alone is aliased, and the others' standard errors are those of the
    well-conditioned columns mapped back (statsmodels), binary (classical and HC0) and
    with three classes."""
    X, y, cov_ref = _reparameterised(1e-8, K, cov_type=cov_type)
    Xa = np.column_stack([X, 2.0 * X[:, 2]])
    clf = NeuronClassifier(solver="newton", cov_type=cov_type)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(Xa, y)
    res = clf.inference_
    assert res.cov is not None, res.reason
    assert res.extra["aliased_terms"] == [4]
    assert [str(w.message).split(":")[0] for w in caught if "aliased" in str(w.message)] == [
        "column 'x3' is a linear combination of 'x2' and the intercept"
    ]
    table = clf.summary()
    aliased = np.arange(5 * (K - 1)) % 5 == 4  # x3 in every block
    assert table[aliased].isna().all().all() and (clf.coef_[:, 3] == 0.0).all()  # NA, held at 0
    np.testing.assert_allclose(
        table["std_err"].to_numpy()[~aliased], np.sqrt(np.diag(cov_ref)), rtol=1e-6
    )
    plain, _ = _fit(NeuronClassifier(solver="newton", cov_type=cov_type), X, y)
    assert clf.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-12)


def test_aliased_columns_on_a_large_mean_without_standardizing_warn_only_ours():
    """x and x + 1e-7 noise shifted by 10 000, standardize=False: x1 is aliased (its
    share not explained by x0 and the intercept is below the tolerance) and the fit
    without it is finished by Newton steps on the raw-scale Hessian, whose diagonal
    spans 1e8 (x0's squares beside the intercept's): scipy's solve warned
    'An ill-conditioned matrix detected: rcond = 6.9e-17' six times, a library's
    warning the user cannot act on, beside our CollinearityWarning. The steps are now
    solved on the unit-diagonal scale (the same step): only our warning. Oracle:
    statsmodels on the columns without x1 (centred, then mapped back)."""
    X, y = _columns(1e-7, 2, 2000)
    X = X + [1e4, 1e4, 0.0]
    clf, warned = _fit(NeuronClassifier(solver="newton", standardize=False), X, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        NeuronClassifier(solver="newton", standardize=False).fit(X, y)
    assert [w.category.__name__ for w in caught] == ["CollinearityWarning"]
    assert len(warned) == 1 and "'x1' is a linear combination of 'x0'" in str(warned[0].message)
    Z = np.column_stack([X[:, 0] - 1e4, X[:, 2]])
    ref = sm.Logit(y, sm.add_constant(Z)).fit(disp=0, method="newton", tol=1e-13)
    np.testing.assert_allclose(clf.coef_[0], [ref.params[1], 0.0, ref.params[2]], rtol=1e-6)


def test_a_nearly_constant_column_is_said_so_with_its_measure_on_the_intercept():
    """x on a mean of 100 000 (spread 1), raw coordinates: its share not explained by the
    intercept, 1 - R^2 = sum w (x - xbar)^2 / sum w x^2 with curvature weights w, is
    about 1e-10, below the collinearity tolerance: the sentence said it "is constant" (it
    is not) and then, measured, "(weighted R^2 on them ...)" with no 'them' named. It
    says nearly constant, with 1 - R^2 on the intercept, as the closed form gives it.
    (Newton's fits of such columns now resolve them from the design's QR factor, as R's
    glm; the sentence serves the walk's refusals.)"""
    import re

    from oneneuron.stats._fit import dependent_terms

    rng = np.random.default_rng(0)
    x = 1e5 + rng.normal(size=2000)
    p = 1 / (1 + np.exp(-rng.normal(size=2000)))
    w = p * (1 - p)
    D = np.column_stack([np.ones_like(x), x])
    found = dependent_terms(D.T @ (w[:, None] * D), ["intercept", "x0"], True)
    reason = "; ".join(found)
    assert "column 'x0' is nearly constant (a multiple of the intercept)" in reason
    xbar = w @ x / w.sum()
    closed = (w @ (x - xbar) ** 2) / (w @ x**2)
    said = re.search(r"'x0' is nearly constant [^;]*?on the intercept 1 - ([0-9.e+-]+)\)", reason)
    assert said is not None, reason
    assert float(said.group(1)) == pytest.approx(closed, rel=0.05)  # 2 digits printed
