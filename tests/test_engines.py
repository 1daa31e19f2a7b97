"""Fast paths against the reference: fused kernels vs NumPy blocks, subsampled Newton vs Newton."""

import os

import numpy as np
import pytest
import scipy.sparse as sp

from oneneuron import NeuronClassifier
from oneneuron.engines import NumpyEngine, _kernels
from oneneuron.objective import LinearLoss

needs_numba = pytest.mark.skipif(not _kernels.AVAILABLE, reason="numba cannot load here")


def _data(n, d, K, kind, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.uniform(0.1, 10, d)
    if kind == "csr":
        X = sp.random(n, d, density=0.2, format="csr", random_state=seed) * 3.0
    elif kind == "f32":
        X = X.astype(np.float32)
    y = rng.integers(0, K, n)
    return X, (y if K > 2 else y.astype(float)), rng.uniform(0.2, 3.0, n)


@needs_numba
@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("kind", ["f64", "f32", "csr"])
def test_fused_kernels_equal_the_block_reference(K, kind):
    X, y, s = _data(9000, 7, K, kind)
    m = K if K > 2 else 1
    rng = np.random.default_rng(1)
    W, b = rng.standard_normal((m, 7)) * 0.3, rng.standard_normal(m)
    fast = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=True).statistics(W, b)
    ref = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=False).statistics(W, b)
    # float32: the kernels form z in float64, the reference in float32
    rtol = 1e-5 if kind == "f32" else 1e-12
    assert fast.loss == pytest.approx(ref.loss, rel=rtol)
    np.testing.assert_allclose(fast.grad_W, ref.grad_W, rtol=rtol, atol=rtol * 1e-3)
    np.testing.assert_allclose(fast.grad_b, ref.grad_b, rtol=rtol, atol=rtol * 1e-3)


@needs_numba
@pytest.mark.parametrize("K", [2, 4])
@pytest.mark.parametrize("use_kernels", [None, False])
def test_an_engine_on_some_columns_equals_one_on_their_copy(K, use_kernels):
    # columns= reads a working set's columns in place (kernels) or gathers them (blocks);
    # the oracle is an engine on the explicit copy of those columns
    X, y, s = _data(9000, 9, K, "f64")
    cols = np.array([0, 3, 4, 8])
    m = K if K > 2 else 1
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((m, 4)) * 0.3, rng.standard_normal(m)
    view = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=use_kernels, columns=cols)
    copy = NumpyEngine(np.take(X, cols, axis=1), y, s, multinomial=K > 2, use_kernels=False)
    assert view.n_features == 4
    for order, rows in [(1, None), (2, None), (1, np.arange(0, 9000, 7))]:
        got, ref = view.statistics(W, b, order, rows), copy.statistics(W, b, order, rows)
        assert got.loss == pytest.approx(ref.loss, rel=1e-12)
        np.testing.assert_allclose(got.grad_W, ref.grad_W, rtol=1e-10, atol=1e-14)
        if order == 2:
            np.testing.assert_allclose(got.hess_W, ref.hess_W, rtol=1e-10, atol=1e-14)


@needs_numba
@pytest.mark.parametrize("K", [2, 3])
def test_a_repeated_read_is_answered_from_memory_and_shared_with_a_working_set(K):
    """A fused read at the model of the last one costs no pass and returns the same
    statistics; a working-set engine reading X in place shares its parent's memory, so
    the parent's read at the working set's model (zero elsewhere) is free. Oracle: a
    fresh engine's read. Different labels never share (a wrong answer would be silent)."""
    X, y, s = _data(9000, 9, K, "f64")
    m = K if K > 2 else 1
    cols = np.array([0, 3, 4, 5, 8])
    rng = np.random.default_rng(3)
    Wc, b = rng.standard_normal((m, 5)) * 0.3, rng.standard_normal(m)
    W = np.zeros((m, 9))
    W[:, cols] = Wc
    parent = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=True)
    child = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=True, columns=cols)
    child.share_reads(parent)
    ref = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=True).statistics(W, b)

    got_child = child.statistics(Wc, b)
    got = parent.statistics(W, b)
    assert (child.n_passes, parent.n_passes) == (1, 0)
    assert got.loss == ref.loss
    np.testing.assert_array_equal(got.grad_W, ref.grad_W)
    np.testing.assert_array_equal(got_child.grad_W, ref.grad_W[:, cols])
    got.grad_W += 1.0  # a caller changing its copy changes nothing remembered
    again = parent.statistics(W, b)
    np.testing.assert_array_equal(again.grad_W, ref.grad_W)
    parent.statistics(W + 1e-3, b)  # a new model: a new read
    assert parent.n_passes == 1

    flipped = 1.0 - y if K == 2 else (y + 1) % K
    other = NumpyEngine(X, flipped, s, multinomial=K > 2, use_kernels=True)
    lone = NumpyEngine(X, y, s, multinomial=K > 2, use_kernels=True, columns=cols)
    lone.share_reads(other)  # not the same labels: nothing shared
    assert lone.last_read is not other.last_read


def test_kernels_are_threaded_over_row_chunks_without_changing_the_sums():
    X, y, s = _data(40_000, 5, 2, "f64")
    W, b = np.full((1, 5), 0.1), np.array([0.2])
    eng = NumpyEngine(X, y, s, multinomial=False, use_kernels=True)
    one = _kernels.fused_statistics(X[:1], y[:1], eng.s[:1], W, b, False)  # warm-up, 1 row
    assert np.isfinite(one[0])
    a = eng.statistics(W, b)
    ref = NumpyEngine(X, y, s, multinomial=False, use_kernels=False).statistics(W, b)
    np.testing.assert_allclose(a.grad_W, ref.grad_W, rtol=1e-12)
    assert eng.n_passes == 1


def test_hessian_passes_are_threaded_over_row_chunks_and_equal_the_closed_form():
    """Order-2 passes split rows over the cores as loss-and-gradient passes do; the sum
    is X' diag(s p (1 - p)) X (normalised weights), computed here directly."""
    X, y, s = _data(12_000, 6, 2, "f64")
    W, b = np.full((1, 6), 0.05), np.array([-0.1])
    eng = NumpyEngine(X, y, s, multinomial=False, use_kernels=False, block_rows=1000)
    calls = []
    blocks = eng._blocks
    eng._blocks = lambda lo, hi, *a: calls.append((lo, hi)) or blocks(lo, hi, *a)
    st = eng.statistics(W, b, order=2)
    from oneneuron.engines import _numpy

    assert len(calls) == _numpy.N_THREADS
    sn = s / s.sum()
    p = 1 / (1 + np.exp(-(X @ W[0] + b[0])))
    ref = X.T @ (X * (sn * p * (1 - p))[:, None])
    np.testing.assert_allclose(st.hess_W[0, 0], ref, rtol=1e-12)
    assert eng.n_passes == 1


@needs_numba
def test_csr_column_sums_kernel_equals_the_blocked_reference(monkeypatch):
    """Sparse feature statistics (mean, spread; the solver's coordinate statistics)
    from the threaded CSR kernel equal the blocked SciPy loop, and NumPy on the dense
    copy; an empty column gets spread 1, a non-finite entry propagates."""
    from oneneuron.engines import _numpy_prep

    X, _, s = _data(20_000, 9, 2, "csr")
    X = X.tolil()
    X[:, 4] = 0.0  # an empty column
    X = X.tocsr()
    X.indices = X.indices.astype(np.int64)  # 64-bit indices too
    X.indptr = X.indptr.astype(np.int64)
    s[::5] = 0.0
    fast = _numpy_prep.weighted_feature_stats(X, s), _numpy_prep.coordinate_stats(X, s)
    monkeypatch.setattr(_numpy_prep, "kernels", lambda: None)
    ref = _numpy_prep.weighted_feature_stats(X, s), _numpy_prep.coordinate_stats(X, s)
    for (mu, sigma), (rmu, rsigma) in zip(fast, ref, strict=True):
        np.testing.assert_allclose(mu, rmu, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(sigma, rsigma, rtol=1e-10)
    D = X.toarray()
    mu = np.average(D, axis=0, weights=s)
    np.testing.assert_allclose(fast[0][0], mu, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        fast[0][1][[0, 1, 2]],
        np.sqrt(np.average((D - mu) ** 2, axis=0, weights=s))[[0, 1, 2]],
        rtol=1e-9,
    )
    assert fast[0][1][4] == 1.0
    monkeypatch.undo()
    X.data[7] = np.nan
    mu, _ = _numpy_prep.weighted_feature_stats(X, s)
    assert np.isnan(mu[X.indices[7]])  # even in a row of weight 0: 0 * nan is nan


@needs_numba
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_working_set_columns_gathered_by_the_threaded_kernel_equal_numpys_take(dtype):
    """The threaded column gather (working sets, subsample rows) is ``np.take`` on
    adjacent, scattered, single and all columns, threaded, on one thread and below
    the kernels' rows (np.take),
    and on X's dtype; a row-sliced (non-contiguous) X, float16 and big-endian X fall
    back to take."""
    from oneneuron.engines import column_subset

    rng = np.random.default_rng(3)
    for n in (9193, 3000, 100):  # threaded, one thread, np.take
        X = rng.standard_normal((n, 40)).astype(dtype)
        for cols in (np.arange(10), np.array([0, 7, 13, 39]), np.array([39]), np.arange(40)):
            got = column_subset(X, cols)
            assert got.dtype == X.dtype and got.flags.c_contiguous
            np.testing.assert_array_equal(got, np.take(X, cols, axis=1))
    np.testing.assert_array_equal(_kernels.gather_columns(X, np.array([5, 2])), X[:, [5, 2]])
    strided = rng.standard_normal((2 * 9000, 6))[::2]
    np.testing.assert_array_equal(column_subset(strided, np.array([1, 4])), strided[:, [1, 4]])
    for other in (np.float16, np.dtype(">f8")):  # what numba cannot take: NumPy's take
        Xo = rng.standard_normal((9005, 6)).astype(other)
        got = column_subset(Xo, np.array([0, 5]))
        assert got.dtype == Xo.dtype
        np.testing.assert_array_equal(got, Xo[:, [0, 5]])


@needs_numba
@pytest.mark.parametrize("kind", ["f64", "f32"])
def test_one_read_column_moments_equal_the_two_pass_reference(kind):
    """The threaded one-read moments kernel (running means, Chan's merge) against the
    two-pass blocked NumPy loop; columns far from zero and a constant one included."""
    from oneneuron.engines import _numpy_prep

    X, _, s = _data(20_000, 6, 2, "f64")
    X[:, 1] += 1e6  # a large mean: E[x^2] - mu^2 would lose every digit here
    X[:, 2] = 3.5  # constant: sigma 1, as StandardScaler
    X = X.astype(np.float32) if kind == "f32" else X
    s[::7] = 0.0  # rows of weight zero count for nothing
    mu, sigma = _numpy_prep.weighted_feature_stats(X, s)
    ref_mu, ref_sigma = _numpy_prep.weighted_feature_stats(np.asfortranarray(X), s)  # the loop
    np.testing.assert_allclose(mu, ref_mu, rtol=1e-12)
    np.testing.assert_allclose(sigma, ref_sigma, rtol=1e-9)
    assert sigma[2] == 1.0
    direct = np.sqrt(np.average((X[:, 1].astype(float) - ref_mu[1]) ** 2, weights=s))
    assert sigma[1] == pytest.approx(direct, rel=1e-9)


def test_use_kernels_true_without_a_fitting_layout_is_an_error():
    X, y, s = _data(100, 6, 2, "f64")
    with pytest.raises(ValueError, match="use_kernels=True needs"):  # neither C nor F order
        NumpyEngine(X[:, ::2], y, s, multinomial=False, use_kernels=True)
    X, y, s = _data(100, 3, 3, "f64")
    with pytest.raises(ValueError, match="use_kernels=True needs"):  # F order: binary only
        NumpyEngine(np.asfortranarray(X), y, s, multinomial=True, use_kernels=True)


@pytest.mark.parametrize("K", [2, 3])
def test_subsampled_newton_reaches_the_newton_optimum(K):
    rng = np.random.default_rng(2)
    n, d = 60_000, 6
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 3.0
    y = rng.integers(0, K, n) if K > 2 else (rng.random(n) < 1 / (1 + np.exp(-X[:, 0]))).astype(int)
    ref = NeuronClassifier(solver="newton", alpha=1e-4, tol=1e-10).fit(X, y)
    sub = NeuronClassifier(solver="subsampled-newton", alpha=1e-4, tol=1e-10).fit(X, y)
    assert sub.converged_ and sub.solver_ == "subsampled-newton"
    np.testing.assert_allclose(sub.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(sub.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    # the full-data part is one fused loss-and-gradient pass per iteration, except where
    # the line search backtracks at the float floor (the loss then moves by round-off only)
    loss = np.asarray(sub.history_["loss"])
    floor = 64 * np.finfo(float).eps * loss[-1]
    real = np.flatnonzero(loss[:-1] - loss[-1] > floor)  # iterations that started above it
    assert len(real) >= 3
    np.testing.assert_array_equal(np.diff(sub.history_["n_passes"])[real], 1.0)
    assert np.all(np.diff(loss) <= 1e-13)  # decreasing up to round-off


@pytest.mark.parametrize("tol", [1e-6, 1e-8])
def test_subsampled_newton_is_accurate_to_about_tol(tol):
    """It stops where its next step (the error estimate) is below tol, without taking it,
    or takes a last step without a pass where that step leaves an error below tol: the
    documented accuracy is then about tol relative. Oracle: exact Newton at 1e-12."""
    rng = np.random.default_rng(4)
    n, d = 90_000, 8
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1])))).astype(int)
    ref = NeuronClassifier(solver="newton", tol=1e-12, inference=False).fit(X, y)
    sub = NeuronClassifier(solver="subsampled-newton", tol=tol, inference=False).fit(X, y)
    assert sub.converged_
    scale = np.maximum(1.0, np.abs(ref.coef_))
    assert np.max(np.abs(sub.coef_ - ref.coef_) / scale) <= 3 * tol
    assert abs(sub.intercept_[0] - ref.intercept_[0]) <= 3 * tol * max(1.0, abs(ref.intercept_[0]))


def test_subsampled_newton_takes_its_last_step_without_a_pass():
    """Where the contraction of the last unit steps predicts that the next step leaves an
    error below tol, that step is taken without the pass that would only confirm it; the
    point is as accurate as the tol rule says, and its loss and max|grad| (the model's)
    agree with the ones computed here at the returned coefficients. Oracle: exact Newton."""
    rng = np.random.default_rng(5)
    n, d = 90_000, 8
    X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, 0] - 0.5 * X[:, 1])))).astype(int)
    ref = NeuronClassifier(solver="newton", tol=1e-12, inference=False).fit(X, y)
    for tol in (1e-4, 1e-8):
        sub = NeuronClassifier(solver="subsampled-newton", tol=tol, inference=False).fit(X, y)
        passes = sub.history_["n_passes"]
        assert sub.converged_ and passes[-1] == passes[-2]  # the last step: no pass
        assert sub.n_passes_ < sub.n_iter_ + 1 + 0.5  # iterations + the start (+ subsample)
        scale = np.maximum(1.0, np.abs(ref.coef_))
        assert np.max(np.abs(sub.coef_ - ref.coef_) / scale) <= 3 * tol
        z = X @ sub.coef_[0] + sub.intercept_[0]
        loss = np.mean(np.logaddexp(0.0, z) - y * z)  # the loss at the returned point
        assert ref.loss_ - 1e-15 <= sub.loss_ <= loss + 10 * tol**2
        assert abs(sub.loss_ - loss) <= 10 * tol**2 + 1e-14
        r = 1 / (1 + np.exp(-z)) - y  # the gradient on the standardised scale (the solver's)
        g = np.r_[((X - sub.mean_) / sub.scale_).T @ r / n, r.mean()]
        assert np.abs(g).max() / 10 <= sub.grad_norm_ <= 10 * np.abs(g).max()


def test_auto_picks_subsampled_newton_on_tall_data_and_lbfgs_on_wide():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100_000, 3))
    y = (X[:, 0] + rng.standard_normal(100_000) > 0).astype(int)
    assert NeuronClassifier().fit(X, y).solver_ == "subsampled-newton"
    Xw = rng.standard_normal((300, 250))
    yw = (Xw[:, 0] > 0).astype(int)
    assert NeuronClassifier(alpha=0.1).fit(Xw, yw).solver_ == "lbfgs"
    assert NeuronClassifier(alpha=0.1).fit(Xw[:, :5], yw).solver_ == "newton"


def test_sparse_input_same_optimum_as_dense():
    X, y, _ = _data(3000, 8, 2, "csr", seed=4)
    a = NeuronClassifier(alpha=0.01, tol=1e-10).fit(X, y)
    b = NeuronClassifier(alpha=0.01, tol=1e-10).fit(X.toarray(), y)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-10)
    c = NeuronClassifier(alpha=0.01, tol=1e-9, solver="lbfgs").fit(X, y)
    np.testing.assert_allclose(c.coef_, b.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X.toarray()), atol=1e-10)


def test_linear_loss_counts_passes():
    X, y, s = _data(500, 3, 2, "f64")
    eng = NumpyEngine(X, y, s, multinomial=False)
    prob = LinearLoss(eng, 1, 0.0, np.zeros(3), np.ones(3))
    theta = np.zeros(4)
    prob.loss_gradient(theta)
    prob.gradient_hessian(theta)
    prob.loss_gradient(theta, rows=np.arange(50))
    assert prob.n_passes == pytest.approx(2.1)


def test_lbfgs_standardises_raw_features_without_changing_the_objective():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((2000, 4)) + [50.0, -20.0, 3.0, 0.0]  # far from zero mean
    y = (X[:, 0] - 50 + X[:, 1] + 20 + rng.standard_normal(2000) > 0).astype(int)
    ref = NeuronClassifier(standardize=False, alpha=0.01, solver="newton", tol=1e-11).fit(X, y)
    lb = NeuronClassifier(standardize=False, alpha=0.01, solver="lbfgs", tol=1e-9).fit(X, y)
    np.testing.assert_allclose(lb.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(lb.intercept_, ref.intercept_, rtol=1e-6)
    assert lb.loss_ == pytest.approx(ref.loss_, rel=1e-12)
    np.testing.assert_array_equal(lb.mean_, 0.0)  # the public statistics stay "none"


def test_lbfgs_reads_x_once_per_distinct_point_and_reaches_sklearns_optimum():
    """Every pass L-BFGS counts is a new point (SciPy's repeated evaluation of the start
    is answered from memory), and it reaches scikit-learn's optimum at a tight tol."""
    from sklearn.linear_model import LogisticRegression

    from oneneuron.solvers import Trace, lbfgs

    rng = np.random.default_rng(3)
    X = rng.standard_normal((3000, 40))
    y = (rng.random(3000) < 1 / (1 + np.exp(-X[:, :5].sum(axis=1)))).astype(float)
    engine = NumpyEngine(X, y, np.ones(3000), multinomial=False)
    problem = LinearLoss(engine, 1, 1e-3, np.zeros(40), np.ones(40), True)
    seen = []
    evaluate = problem.loss_gradient

    def counted(theta):
        seen.append(np.array(theta, copy=True))
        return evaluate(theta)

    problem.loss_gradient = counted
    res = lbfgs(problem, np.zeros(41), max_iter=500, tol=1e-10, trace=Trace())
    assert res.converged and engine.n_passes == len(seen)
    assert len({t.tobytes() for t in seen}) == len(seen)  # no point read twice
    # newton-cholesky reaches the optimum to ~1e-16 here; sklearn's own lbfgs at
    # tol=1e-12 stops ~3e-8 away from it, too far to be the oracle at rtol 1e-6
    ref = LogisticRegression(
        C=1 / (3000 * 1e-3), solver="newton-cholesky", tol=1e-12, max_iter=100
    ).fit(X, y)
    W, b = problem.to_raw(res.theta)
    np.testing.assert_allclose(W.ravel(), ref.coef_.ravel(), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b, ref.intercept_, rtol=1e-6, atol=1e-8)


def test_small_fits_never_import_numba():
    """Below the kernels' rows (``KERNEL_MIN_ROWS``) a fit runs on NumPy and never pays
    numba's import (about 0.5 s, a CLI run on a small file included): the default fit
    with its statistics, and predictions. (L1 fits do: their coordinate descent on
    the quadratic model is compiled at every size.)"""
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from oneneuron import NeuronClassifier\n"
        "rng = np.random.default_rng(0); X = rng.standard_normal((300, 12))\n"
        "y = (X[:, 0] + rng.standard_normal(300) > 0).astype(int)\n"
        "NeuronClassifier().fit(X, y).predict_proba(X)\n"
        "print('numba' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stdout + out.stderr


def test_a_blas_loaded_after_the_first_fit_is_held_too():
    """The BLAS hold of the fits lists the loaded BLAS libraries again after further
    imports: one listed once, at the first fit, left a BLAS loaded later (SciPy's own
    OpenBLAS beside NumPy's, torch's MKL) free to start its threads inside the fits."""
    import subprocess
    import sys

    code = (
        "import numpy as np\n"
        "from threadpoolctl import threadpool_info\n"
        "from oneneuron.engines import one_blas_thread\n"
        "with one_blas_thread():\n"
        "    pass\n"
        "import scipy.linalg  # SciPy's wheels bring their own OpenBLAS\n"
        "with one_blas_thread():\n"
        "    held = [m['num_threads'] for m in threadpool_info() if m['user_api'] == 'blas']\n"
        "print(len(held), max(held))\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="2")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    n_libs, most = map(int, out.stdout.split())
    if n_libs < 2:
        pytest.skip("SciPy shares NumPy's BLAS here: no library is loaded later")
    assert most == 1, out.stdout


@pytest.mark.parametrize("hold", ["one_blas_thread", "one_thread"])
def test_fits_on_overlapping_threads_leave_blas_as_it_was(hold):
    """Fits on two threads at once (a service, a thread pool) each hold BLAS to one thread
    with overlapping lifetimes. BLAS's setting is the process's, so each saving and
    restoring its own view left it at one thread for the rest of the process (and
    threadpoolctl ignores a thread that does not control OpenBLAS). The hold is counted
    across threads: one thread inside the fits, the caller's setting afterwards."""
    import threading

    from threadpoolctl import threadpool_info, threadpool_limits

    from oneneuron import engines

    one_blas_thread = getattr(engines, hold)  # one_thread: a CV worker on a thread

    def blas():
        return {
            m["filepath"]: m["num_threads"] for m in threadpool_info() if m["user_api"] == "blas"
        }

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas()
        if not before or min(before.values()) < 2:
            pytest.skip("no BLAS whose threads can be set to 2 here")
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
        seen = {}

        def a():
            with one_blas_thread():
                a_in.set()
                b_in.wait(5)
            a_out.set()

        def b():
            a_in.wait(5)
            with one_blas_thread():
                b_in.set()
                a_out.wait(5)
                seen["b after a left"] = max(blas().values())

        threads = [threading.Thread(target=a), threading.Thread(target=b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert seen["b after a left"] == 1
        assert blas() == before
        rng = np.random.default_rng(0)
        X = rng.standard_normal((20_000, 20))
        y = (X[:, 0] + rng.standard_normal(20_000) > 0).astype(int)
        fits = [threading.Thread(target=NeuronClassifier().fit, args=(X, y)) for _ in range(3)]
        for t in fits:
            t.start()
        for t in fits:
            t.join(60)
        assert blas() == before


@pytest.mark.parametrize("n", [1000, 30000])  # the NumPy blocks; the fused kernels beside them
@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_float32_data_gives_the_float64_statistics(n, K, sparse):
    """float32 columns far from zero relative to their spread (mean 3, sd 0.1): the blocks'
    logits, gradients and Hessians were summed in float32, and the Hessian's change to
    standardised coordinates cancels ~900x, so standard errors were off by 0.15% (binary,
    30k rows) to 2% (3 classes), and 3-class coefficients by 1e-4. float32 stays the
    storage; the sums are float64, as the fused kernels' are."""
    rng = np.random.default_rng(1)
    X = 3 + 0.1 * rng.standard_normal((n, 6))
    z = (X - 3) @ rng.standard_normal(6) * 5
    y = np.digitize(z + rng.logistic(size=n), [0] if K == 2 else [-1, 1])
    X32 = X.astype(np.float32)
    if sparse:
        X32 = sp.csr_matrix(X32)
    ref = NeuronClassifier(tol=1e-10).fit(X32.astype(np.float64), y)
    got = NeuronClassifier(tol=1e-10).fit(X32, y)
    assert got.coef_.dtype == np.float32
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(got.coef_, ref.coef_, atol=2e-6 * scale)
    np.testing.assert_allclose(got.summary()["std_err"], ref.summary()["std_err"], rtol=1e-5)
