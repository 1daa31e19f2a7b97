"""The default install takes the fused kernels; the NumPy fallback gives the same fit."""

import importlib.metadata
import re

import numpy as np
import pytest

from oneneuron import NeuronClassifier
from oneneuron.engines import _kernels, _numpy, fast_path


def _tall(n=6000, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-X @ np.linspace(-1, 1, d)))).astype(int)
    return X, y


def test_numba_is_a_core_dependency():
    reqs = importlib.metadata.requires("oneneuron") or []
    core = [r for r in reqs if "extra ==" not in r]
    assert any(re.match(r"numba\b", r) for r in core), core


def test_a_plain_install_fits_with_the_fused_kernels(monkeypatch):
    assert fast_path().startswith("fused numba kernels"), fast_path()
    calls = []
    real = _kernels.fused_statistics
    monkeypatch.setattr(_kernels, "fused_statistics", lambda *a: calls.append(1) or real(*a))
    X, y = _tall(n=25_000)  # more rows than the subsample, so that it runs on the full data
    for solver in ("lbfgs", "subsampled-newton"):
        calls.clear()
        clf = NeuronClassifier(solver=solver, alpha=1e-3, inference=False).fit(X, y)
        assert clf.converged_ and len(calls) >= 2, (solver, len(calls))


@pytest.mark.parametrize("solver", ["lbfgs", "newton"])
@pytest.mark.parametrize("K", [2, 3])
def test_the_numpy_fallback_fits_what_the_kernels_fit(monkeypatch, solver, K):
    X, y = _tall(seed=K)
    if K > 2:
        y = np.digitize(X[:, 0], [-1.0, 1.0])
    # both stop at max|grad| <= tol: coefficients agree to about tol / (smallest curvature)
    tol, close = (1e-10, 1e-8) if solver == "newton" else (1e-8, 1e-5)
    fast = NeuronClassifier(solver=solver, alpha=1e-3, tol=tol, inference=False).fit(X, y)
    monkeypatch.setattr(_numpy, "_KERNELS", None)  # as where numba cannot load
    assert fast_path().startswith("NumPy blocks")
    slow = NeuronClassifier(solver=solver, alpha=1e-3, tol=tol, inference=False).fit(X, y)
    assert fast.converged_ and slow.converged_
    np.testing.assert_allclose(slow.coef_, fast.coef_, rtol=close, atol=close)
    np.testing.assert_allclose(slow.intercept_, fast.intercept_, rtol=close, atol=close)
    assert slow.loss_ == pytest.approx(fast.loss_, rel=1e-12)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("raw_penalty", [False, True])
@pytest.mark.parametrize("with_offset", [False, True])
@pytest.mark.parametrize("equal_weights", [False, True])
def test_small_dense_loss_equals_the_blocked_objective(
    fit_intercept, raw_penalty, with_offset, equal_weights
):
    from oneneuron.engines import NumpyEngine
    from oneneuron.objective import LinearLoss, SmallDenseLoss

    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 3)) * [1.0, 5.0, 0.1] + [0.0, 2.0, -1.0]
    y = (rng.random(300) < 0.4).astype(float)
    w = np.full(300, 2.0) if equal_weights else rng.uniform(0.5, 2.0, 300)
    mean = X.mean(0) if fit_intercept else np.zeros(3)
    args = (1, 0.05, mean, X.std(0), fit_intercept, raw_penalty)
    opts = {"offset": rng.standard_normal(300)} if with_offset else {}
    small = SmallDenseLoss(NumpyEngine(X, y, w, multinomial=False, **opts), *args)
    ref = LinearLoss(NumpyEngine(X, y, w, multinomial=False, **opts), *args)
    theta = rng.standard_normal(small.n_params) * 3.0  # large logits: the stable branches
    for a, b in zip(small.gradient_hessian(theta), ref.gradient_hessian(theta), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(small.loss_gradient(theta)[1], ref.loss_gradient(theta)[1])
    assert small.loss(theta) == pytest.approx(ref.loss(theta), rel=1e-13)
    assert small.n_passes == ref.n_passes == 3


@pytest.mark.parametrize("K", [2, 3])
def test_numpy_path_threads_over_row_chunks_without_changing_the_sums(monkeypatch, K):
    from oneneuron.engines import NumpyEngine

    monkeypatch.setattr(_numpy, "N_THREADS", 3)  # chunks even where the machine has one core
    rng = np.random.default_rng(7)
    X = rng.standard_normal((20_000, 4))
    y = rng.integers(0, K, 20_000) if K > 2 else (rng.random(20_000) < 0.3).astype(float)
    s = rng.uniform(0.5, 2.0, 20_000)
    m = K if K > 2 else 1
    W, b = rng.standard_normal((m, 4)) * 0.5, rng.standard_normal(m)
    eng = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=False, block_rows=1000)
    one = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=False, block_rows=10**9)
    a, r = eng.statistics(W, b), one.statistics(W, b)
    assert a.loss == pytest.approx(r.loss, rel=1e-12)
    np.testing.assert_allclose(a.grad_W, r.grad_W, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(a.grad_b, r.grad_b, rtol=1e-10, atol=1e-15)
    assert eng.n_passes == 1


def test_the_kernels_vector_exp_and_log1p_agree_with_libm_at_every_magnitude():
    """The fused kernels' branch-free ``exp(-|z|)`` and ``log1p`` (which let the row loop
    run as vector code) give each row's loss and residual to a few ulp of SciPy's
    ``log_expit``/``expit``, from |z| = 0 to beyond exp's underflow; NaN stays NaN."""
    from scipy.special import expit, log_expit

    if not _kernels.AVAILABLE:
        pytest.skip(f"numba cannot load: {_kernels.REASON}")
    rng = np.random.default_rng(0)
    z = np.concatenate(
        [
            rng.standard_normal(2000) * 4,
            np.linspace(-760, 760, 3001),
            [0.0, -0.0, 1e-300, -1e-300, 708.0, -708.0, 708.5, 745.2, -745.2],
        ]
    )
    y = (rng.random(z.size) < 0.5).astype(np.float64)
    s = rng.uniform(0.5, 2.0, z.size)
    B = _kernels.BLOCK
    ebuf, bits, r = np.empty(B), np.empty(B, dtype=np.int64), np.empty(B)
    losses, resid = np.empty(z.size), np.empty(z.size)
    for i in range(z.size):  # one row at a time: each row's loss on its own
        one = slice(i, i + 1)
        losses[i] = _kernels._logistic_block(z[one], y[one], s[one], 1, ebuf, bits, r)
        resid[i] = r[0]
    want_loss = -s * (y * log_expit(z) + (1 - y) * log_expit(-z))
    # expit(z) - y, written without cancelling where both are near 1 (1 - expit(-z) = expit(z))
    want_r = s * np.where(y == 1, -expit(-z), expit(z))
    np.testing.assert_allclose(losses, want_loss, rtol=4e-16 * 8, atol=1e-300)
    # residuals: relative where they are not tiny, absolute (below exp's floor) where they are
    np.testing.assert_allclose(resid, want_r, rtol=4e-16 * 8, atol=1e-306)
    nan = _kernels._logistic_block(np.array([np.nan]), y, s, 1, ebuf, bits, r)
    assert np.isnan(nan) and np.isnan(r[0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_offset", [False, True])
def test_the_column_major_kernels_sum_what_the_row_major_ones_do(dtype, with_offset):
    """A pandas DataFrame's values are F-ordered: the kernels read them in place, same sums."""
    rng = np.random.default_rng(11)
    n, d = 9_000, 13  # several blocks of both kernels, and a ragged last one
    X = (rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d) + rng.normal(0, 5, d)).astype(dtype)
    F = np.asfortranarray(X)
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.uniform(0, 2, n)
    s[::7] = 0.0
    s[2000:4100] = 0.0  # a whole moments block of weight 0
    s /= s.sum()
    w, b = rng.standard_normal((1, d)) * 0.1, np.array([0.3])
    off = rng.standard_normal(n) if with_offset else None
    rows = _kernels.fused_statistics(X, y, s, w, b, False, off)
    cols = _kernels.fused_statistics(F, y, s, w, b, False, off)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert cols[0] == pytest.approx(rows[0], rel=rtol)
    np.testing.assert_allclose(cols[1], rows[1], rtol=rtol, atol=rtol * np.abs(rows[1]).max())
    np.testing.assert_allclose(cols[2], rows[2], rtol=rtol, atol=1e-15)
    for a, r in zip(_kernels.column_moments(F, s), _kernels.column_moments(X, s), strict=True):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=0)
    bad = F.copy(order="F")
    bad[2001, 4] = np.inf  # in a row of weight 0: the column's mean still says so
    assert np.isnan(_kernels.column_moments(bad, s)[0][4])


@pytest.mark.parametrize("d", [1, 3, _kernels.NARROW_COLUMNS, _kernels.NARROW_COLUMNS + 1])
@pytest.mark.parametrize("with_offset", [False, True])
def test_the_narrow_row_major_kernel_sums_what_the_numpy_blocks_do(d, with_offset):
    """A working set's narrow copy goes four rows at a time: the same sums as the
    reference, also over a last block whose rows are not a multiple of four."""
    from oneneuron.objective import block_statistics

    rng = np.random.default_rng(d)
    n = 2 * _kernels.BLOCK + 7
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 3, d)
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.uniform(0, 2, n) / n
    w, b = rng.standard_normal((1, d)) * 0.5, np.array([0.3])
    off = rng.standard_normal(n) if with_offset else None
    loss, gw, gb = _kernels.binary_dense(
        X, y, s, w[0], 0.3, np.zeros(0) if off is None else off, 0, n, False
    )
    ref = block_statistics(X, y, s, w, b, multinomial=False, offset=off)
    assert loss == pytest.approx(ref.loss, rel=1e-12)
    np.testing.assert_allclose(gw, ref.grad_W[0], rtol=1e-10, atol=1e-15)
    assert gb == pytest.approx(ref.grad_b[0], rel=1e-10)


def test_a_dataframe_fits_with_the_fused_kernels_and_no_copy(monkeypatch):
    pd = pytest.importorskip("pandas")
    calls = []
    real = _kernels.fused_statistics
    monkeypatch.setattr(
        _kernels,
        "fused_statistics",
        lambda X, *a: calls.append(X.flags.f_contiguous) or real(X, *a),
    )
    X, y = _tall(n=25_000)
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    assert np.asarray(df).flags.f_contiguous  # pandas keeps a float frame's columns apart
    for solver in ("lbfgs", "subsampled-newton"):
        calls.clear()
        clf = NeuronClassifier(solver=solver, alpha=1e-3, inference=False).fit(df, y)
        ref = NeuronClassifier(solver=solver, alpha=1e-3, inference=False).fit(X, y)
        # the full-data reads take the frame's values in place (subsamples are C-ordered copies)
        assert clf.converged_ and calls.count(True) >= 2, (solver, calls)
        np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("K", [2, 3])
def test_float_labels_take_the_plain_array_path(monkeypatch, K):
    # 0.0/1.0 labels (statsmodels' habit, a pandas float column) are plain labels: they
    # skip scikit-learn's general validation (0.3 ms a fit, most of a 200-row fit's time)
    import sklearn.utils.validation as skv

    X, y = _tall(n=300, d=2, seed=K)
    if K > 2:
        y = np.digitize(X[:, 0] + np.random.default_rng(K).standard_normal(300), [-1.0, 1.0])
    ref = NeuronClassifier().fit(X, y)

    def refuse(*a, **k):
        raise AssertionError("scikit-learn's check_X_y ran")

    monkeypatch.setattr(skv, "check_X_y", refuse)
    for yf in (y.astype(np.float64), y.astype(np.float32)):
        clf = NeuronClassifier().fit(X, yf)
        assert clf.classes_.dtype == yf.dtype
        np.testing.assert_array_equal(clf.classes_, ref.classes_)
        np.testing.assert_array_equal(clf.coef_, ref.coef_)
        np.testing.assert_array_equal(clf.predict(X), ref.predict(X).astype(yf.dtype))


def test_float_labels_that_are_not_classes_keep_scikit_learns_errors():
    X, y = _tall(n=50, d=2)
    with pytest.raises(ValueError, match="continuous"):
        NeuronClassifier().fit(X, y + 0.5)
    for bad in (np.nan, np.inf):
        yb = y.astype(float)
        yb[3] = bad
        with pytest.raises(ValueError, match="y"):
            NeuronClassifier().fit(X, yb)


# ---- tiny binary fits: the compiled Newton loop against the NumPy one and statsmodels ----


def _tiny(n, d, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.linspace(1.0, 3.0, d) + 0.5
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X @ np.linspace(0.8, -0.4, d))))).astype(int)
    return X, y


def _both_paths(monkeypatch, X, y, **kw):
    """The same fit on the NumPy Newton loop and on the compiled one (asserted to run)."""
    import oneneuron.classifier._fit as fitmod

    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", False)
    with pytest.warns() if kw.pop("warns", False) else _no_warning():
        slow = NeuronClassifier(**kw).fit(X, y)
    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", True)
    ran = []
    real = fitmod.compiled_newton
    monkeypatch.setattr(fitmod, "compiled_newton", lambda *a, **k: ran.append(1) or real(*a, **k))
    fast = NeuronClassifier(**kw).fit(X, y)
    assert ran, "the tiny fit did not reach the compiled loop"
    return slow, fast


def _no_warning():
    import contextlib

    return contextlib.nullcontext()


@pytest.mark.parametrize("shape", [(200, 1), (200, 3), (1000, 5), (40, 2)])
def test_the_compiled_tiny_newton_fits_what_numpy_and_statsmodels_fit(monkeypatch, shape):
    sm = pytest.importorskip("statsmodels.api")
    X, y = _tiny(*shape)
    slow, fast = _both_paths(monkeypatch, X, y)
    assert fast.converged_ and fast.n_iter_ == slow.n_iter_ and fast.n_passes_ == slow.n_passes_
    for name in ("loss", "grad_norm", "n_passes"):
        np.testing.assert_allclose(fast.history_[name], slow.history_[name], rtol=1e-10, atol=1e-13)
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, maxiter=100)
    for clf in (slow, fast):
        params = np.r_[clf.intercept_, clf.coef_[0]]
        np.testing.assert_allclose(params, ref.params, rtol=1e-10, atol=1e-12)
        se = np.sqrt(np.diag(clf.inference_.cov))
        np.testing.assert_allclose(se, ref.bse, rtol=1e-10)
        assert clf.inference_.log_likelihood == pytest.approx(ref.llf, rel=1e-12)
    np.testing.assert_allclose(fast.inference_.cov, slow.inference_.cov, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize(
    "kw",
    [
        {"alpha": 0.05},
        {"fit_intercept": False},
        {"sample_weight": True},
        {"offset": True},
        {"class_weight": "balanced"},
        {"standardize": False},  # raw solver coordinates: the step measured standardised
        {"standardize": False, "fit_intercept": False, "alpha": 0.01},
    ],
    ids=lambda kw: "-".join(kw),
)
def test_the_compiled_tiny_newton_takes_weights_offsets_and_penalties(monkeypatch, kw):
    X, y = _tiny(300, 2, seed=3)
    fit_kw = {}
    if kw.pop("sample_weight", False):
        fit_kw["sample_weight"] = np.random.default_rng(1).uniform(0.2, 3.0, len(y))
    if kw.pop("offset", False):
        fit_kw["offset"] = np.random.default_rng(2).normal(0, 0.5, len(y))

    import oneneuron.classifier._fit as fitmod

    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", False)
    slow = NeuronClassifier(**kw).fit(X, y, **fit_kw)
    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", True)
    ran = []
    real = fitmod.compiled_newton
    monkeypatch.setattr(fitmod, "compiled_newton", lambda *a, **k: ran.append(1) or real(*a, **k))
    fast = NeuronClassifier(**kw).fit(X, y, **fit_kw)
    assert ran and fast.converged_ and fast.n_iter_ == slow.n_iter_
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(fast.intercept_, slow.intercept_, rtol=1e-10, atol=1e-12)
    assert fast.loss_ == pytest.approx(slow.loss_, rel=1e-13)
    np.testing.assert_allclose(fast.inference_.cov, slow.inference_.cov, rtol=1e-9, atol=1e-15)


def test_the_compiled_tiny_newton_stops_at_max_iter_as_numpy_does(monkeypatch):
    from oneneuron.exceptions import ConvergenceWarning

    X, y = _tiny(200, 2, seed=5)
    with pytest.warns(ConvergenceWarning):
        slow, fast = _both_paths(monkeypatch, X, y, max_iter=2)
    assert not fast.converged_ and fast.n_iter_ == slow.n_iter_ == 2
    assert fast.stop_reason_.split(";")[0] == slow.stop_reason_.split(";")[0]
    np.testing.assert_allclose(fast.coef_, slow.coef_, rtol=1e-10)


def test_a_separated_tiny_fit_leaves_the_compiled_loop_for_the_numpy_one(monkeypatch):
    # complete separation: the Hessian flattens and the float64 floor stops Newton, which
    # the compiled loop hands to the NumPy solver (run from the start: the same fit)
    X = np.linspace(-1, 1, 60)[:, None]
    y = (X[:, 0] > 0.05).astype(int)
    with pytest.warns():
        slow, fast = _both_paths(monkeypatch, X, y)
    assert fast.n_iter_ == slow.n_iter_ and fast.stop_reason_ == slow.stop_reason_
    np.testing.assert_array_equal(fast.coef_, slow.coef_)
    assert fast.inference_.separation == slow.inference_.separation != "none"


def test_tiny_fits_load_numba_only_once_their_time_would_pay_for_it(monkeypatch):
    monkeypatch.setattr(_numpy, "USE_TINY_NEWTON", None)
    monkeypatch.setattr(_numpy, "_tiny", {"spent": 0.0, "kernel": None})
    X, y = _tiny(200, 1)
    NeuronClassifier().fit(X, y)
    spent = _numpy._tiny["spent"]
    assert _numpy._tiny["kernel"] is None and 0 < spent < min(_numpy.TINY_LOAD_SECONDS.values())
    _numpy._tiny["spent"] = max(_numpy.TINY_LOAD_SECONDS.values())  # the rent paid
    NeuronClassifier().fit(X, y)
    assert _numpy._tiny["kernel"] is _kernels.tiny_newton


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_compiled_step_measure_is_the_solvers_on_the_standardised_scale(fit_intercept):
    from oneneuron.engines import NumpyEngine
    from oneneuron.objective import LinearLoss
    from oneneuron.solvers._base import relative_step

    rng = np.random.default_rng(4)
    d = 3
    X = rng.standard_normal((10, d))
    mu, sigma = np.array([5.0, -2.0, 0.1]), np.array([1e-3, 40.0, 2.0])
    eng = NumpyEngine(X, (X[:, 0] > 0).astype(float), np.full(10, 0.1), multinomial=False)
    problem = LinearLoss(
        eng, 1, 0.0, np.zeros(d), np.ones(d), fit_intercept, step_stats=(mu, sigma)
    )
    for _ in range(5):
        p, theta = rng.standard_normal((2, d + fit_intercept)) * [[1e-3], [3.0]]
        expected = relative_step(p, theta, problem)
        assert _kernels._tiny_measure(p, theta, mu, sigma) == pytest.approx(expected, rel=1e-14)
        plain = relative_step(p, theta)
        assert _kernels._tiny_measure(p, theta, np.empty(0), np.empty(0)) == plain


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("with_offset", [False, True])
def test_the_paired_kernel_sums_both_models_as_the_closed_forms_do(dtype, with_offset):
    """Two models from one read of X (a path's last step and the next alpha's first):
    each model's weighted log-loss and gradient as the closed forms give them, over
    several row chunks and a last block whose rows are not a multiple of four."""
    rng = np.random.default_rng(11)
    n, d = 3 * _kernels.BLOCK + 5, 9
    X = (rng.standard_normal((n, d)) * rng.uniform(0.1, 3, d)).astype(dtype)
    y = (rng.random(n) < 0.4).astype(float)
    s = rng.uniform(0, 2, n) / n
    off = rng.standard_normal(n) if with_offset else None
    models = [(rng.standard_normal(d) * 0.5, 0.3), (rng.standard_normal(d) * 0.5, -1.1)]
    pair = _kernels.fused_statistics_pair(X, y, s, *models[0], *models[1], off)
    Xd = X.astype(np.float64)
    for (w, b), (loss, gw, gb) in zip(models, pair, strict=True):
        z = Xd @ w + b + (0.0 if off is None else off)
        r = s * (1 / (1 + np.exp(-z)) - y)
        assert loss == pytest.approx(float(s @ (np.logaddexp(0.0, z) - y * z)), rel=1e-12)
        np.testing.assert_allclose(gw, Xd.T @ r, rtol=1e-10, atol=1e-15)
        assert gb == pytest.approx(r.sum(), rel=1e-10, abs=1e-15)


def test_a_paired_read_is_each_points_read_and_both_are_remembered():
    """``LinearLoss.loss_gradient_pair`` gives what ``loss_gradient`` gives at each point
    (standardised, a working set read in place), counts one pass, and a later
    evaluation at either point costs none."""
    from oneneuron.engines import make_engine
    from oneneuron.objective import LinearLoss

    rng = np.random.default_rng(12)
    n, d = 6_000, 12
    X = rng.standard_normal((n, d)) + 2.0
    y = (rng.random(n) < 0.5).astype(np.int64)
    mean, scale = X.mean(0), X.std(0)
    cols = np.array([1, 4, 5, 9])
    full = LinearLoss(make_engine(X, y, np.ones(n), False), 1, 0.0, mean, scale, True, False)
    sub_engine = make_engine(X, y, np.ones(n), False, columns=cols)
    assert sub_engine.columns is not None  # reads X in place
    sub_engine.share_reads(full.engine)
    sub = LinearLoss(sub_engine, 1, 0.3, mean[cols], scale[cols], True, False)
    t1, t2 = rng.standard_normal(len(cols) + 1), rng.standard_normal(len(cols) + 1)
    (f1, g1), (f2, g2) = sub.loss_gradient_pair(t1, t2)
    assert sub.n_passes == 1
    for theta, f, g in ((t1, f1, g1), (t2, f2, g2)):
        ref_f, ref_g = sub.loss_gradient(theta)
        assert f == ref_f
        np.testing.assert_array_equal(g, ref_g)
    assert sub.n_passes == 1  # both remembered: no further read
    ref = LinearLoss(
        make_engine(X[:, cols], y, np.ones(n), False), 1, 0.3, mean[cols], scale[cols], True, False
    )
    f, g = ref.loss_gradient(t2)  # an engine of its own: the same numbers, read again
    assert f2 == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(g2, g, rtol=1e-9, atol=1e-14)
