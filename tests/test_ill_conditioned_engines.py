"""Exact fits on nearly equal columns on the torch (array-API) and Dask engines.

The NumPy engine takes Newton's step from a QR factor of ``sqrt(D) [X, 1]`` where the
Cholesky factor of ``X' D X`` finds a small pivot (see test_ill_conditioned.py); the
array-API engine (GPU tensors; a CPU tensor forced onto it here) and the Dask engine
factor the weighted design on their own device or cluster. Oracles: statsmodels on the
reparameterised columns (unweighted), and the NumPy engine's fit (exact, weighted).
"""

import warnings

import numpy as np
import pytest

from oneneuron import NeuronClassifier
from oneneuron.objective import LinearLoss
from test_ill_conditioned import _llf, _nearly_equal

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")
da = pytest.importorskip("dask.array")


@pytest.fixture(autouse=True)
def _synchronous():
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(params=["array-api", "dask", "torch-on-numpy"])
def engine(request, monkeypatch):
    """How X is given: a CPU tensor forced onto the array-API engine (as a GPU tensor
    goes), a dask array in 4 row chunks, a CPU tensor as it goes (the NumPy engine)."""
    if request.param == "array-api":
        import oneneuron.engines as engines

        monkeypatch.setattr(engines, "host_view", lambda X: None)
    return request.param


def _as(engine, *arrays):
    """``arrays`` (NumPy, or None) as the engine's input kind."""
    if engine == "dask":
        n = len(arrays[0])
        return [
            None if a is None else da.from_array(a, chunks=(n // 4,) + a.shape[1:]) for a in arrays
        ]
    return [None if a is None else torch.from_numpy(a) for a in arrays]


def _proba(clf, X):
    P = clf.predict_proba(X)
    P = P.compute() if hasattr(P, "compute") else P
    return P.numpy() if hasattr(P, "numpy") else np.asarray(P)


def _fit(engine, X, y, sw=None, **params):
    Xe, ye, swe = _as(engine, X, y, sw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf = NeuronClassifier(tol=1e-10, **params).fit(Xe, ye, sample_weight=swe)
    assert clf.converged_
    return clf, _proba(clf, Xe)


@pytest.mark.parametrize("K", [2, 3])
def test_nearly_equal_columns_reach_statsmodels_maximum(engine, K):
    """Columns equal to 1e-8 relative, 2000 rows: Newton's Cholesky step stopped with
    probabilities 1.1e-5 (binary) and 4.6e-4 (three classes) from statsmodels' on the
    array-API engine, after 68 and 113 iterations; 1.4e-6 and 3.6e-5 on Dask (17, 54)."""
    X, y, llf, P = _nearly_equal(K=K)
    clf, proba = _fit(engine, X, y, solver="newton")
    assert clf.n_iter_ <= 10
    assert abs(_llf(y, proba) - llf) <= 1e-9 * abs(llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=1e-8 if K == 2 else 3e-7)


@pytest.mark.parametrize("K", [2, 3])
def test_weighted_nearly_equal_columns_match_the_numpy_engine(engine, K):
    """Row weights from 0.5 to 2: the Cholesky step stopped 1.4e-4 (binary) and 1.7e-4
    (three classes) from the NumPy engine's probabilities on the array-API engine,
    1.2e-4 and 3.1e-4 on Dask."""
    X, y, _, _ = _nearly_equal(K=K)
    sw = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    ref = NeuronClassifier(tol=1e-10, solver="newton").fit(X, y, sample_weight=sw)
    clf, proba = _fit(engine, X, y, sw, solver="newton")
    assert clf.n_iter_ <= 12
    np.testing.assert_allclose(proba, ref.predict_proba(X), rtol=0, atol=1e-8 if K == 2 else 3e-7)


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_engines_qr_factor_squares_to_their_hessian(K, dtype, monkeypatch):
    """``R' R`` of each engine's ``weighted_design_r`` is the Hessian its statistics
    form (one pass each), and a binary one the NumPy engine's factor up to the rows' signs."""
    from oneneuron.engines import ArrayAPIEngine, DaskEngine, NumpyEngine

    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3)).astype(dtype)
    y = rng.integers(0, K, size=300) if K > 2 else rng.integers(0, 2, size=300).astype(float)
    sw = rng.uniform(size=300)
    m = K if K > 2 else 1
    theta = rng.normal(size=m * 4)
    engines = {
        "numpy": NumpyEngine(X, y, sw, multinomial=K > 2, block_rows=64),
        "array-api": ArrayAPIEngine(*_as("array-api", X, y, sw), multinomial=K > 2),
        "dask": DaskEngine(*_as("dask", X, y, sw), multinomial=K > 2),
    }
    factors = {}
    for name, eng in engines.items():
        loss = LinearLoss(eng, m, 0.0, np.zeros(3), np.ones(3))
        _, _, H = loss.gradient_hessian(theta)
        passes = eng.n_passes
        R = eng.weighted_design_r(*loss.to_raw(theta))
        assert eng.n_passes == passes + 1
        assert R.shape == H.shape and np.allclose(R, np.triu(R), rtol=0, atol=0)
        np.testing.assert_allclose(R.T @ R, H, rtol=0, atol=1e-14, err_msg=name)
        factors[name] = R * np.sign(np.diag(R))[:, None]
    if K == 2:  # (a softmax Hessian is singular, the gauge: its R is not unique)
        for name in ("array-api", "dask"):
            np.testing.assert_allclose(factors[name], factors["numpy"], rtol=0, atol=1e-12)


def test_a_dask_array_of_one_chunk_narrower_than_its_factor():
    """Chunks with fewer rows than the factor has columns (3 classes, 4 terms: 12):
    the chunk's factor is padded, and the stacked factors still square to the Hessian."""
    from oneneuron.engines import DaskEngine

    rng = np.random.default_rng(6)
    X = rng.normal(size=(20, 3))
    y = np.arange(20) % 3
    eng = DaskEngine(
        da.from_array(X, chunks=(3, 3)),
        da.from_array(y, chunks=3),
        da.ones(20, chunks=3),
        multinomial=True,
    )
    loss = LinearLoss(eng, 3, 0.0, np.zeros(3), np.ones(3))
    theta = rng.normal(size=12)
    _, _, H = loss.gradient_hessian(theta)
    R = eng.weighted_design_r(*loss.to_raw(theta))
    assert R.shape == H.shape
    np.testing.assert_allclose(R.T @ R, H, rtol=0, atol=1e-14)


@pytest.mark.parametrize("K", [2, 3])
def test_aliased_columns_cost_one_qr_pass(engine, K):
    """An exact copy of a column (times 2): every Cholesky step needs a ridge, and the
    QR step finds the copy aliased and keeps the ridge's step; it asked again at every
    iteration, one more pass each (NumPy engine: 13 passes for 6 iterations, three
    classes 15 for 7, where 7 and 8 did before the QR step; array API and Dask alike).
    Aliasing is the columns' (row weights do not raise the rank): after the first such
    answer Newton stops asking, at most one pass more."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=400)
    X = np.column_stack([x, 2 * x, rng.normal(size=400)])
    latent = x + X[:, 2] + rng.logistic(size=400)
    y = (latent > 0).astype(int) if K == 2 else np.digitize(latent, [-0.7, 0.7])
    clf, proba = _fit(engine, X, y, solver="newton")
    ref = NeuronClassifier(tol=1e-10, solver="newton").fit(X[:, [0, 2]], y)
    np.testing.assert_allclose(proba, ref.predict_proba(X[:, [0, 2]]), rtol=0, atol=1e-8)
    assert clf.n_passes_ <= clf.n_iter_ + 2


@pytest.mark.parametrize("K", [2, 3])
def test_tall_nearly_equal_columns_with_subsampled_newton(K):
    """Subsampled Newton on 6000 rows (a 2500-row subsample): its Hessian is
    ill-conditioned, and where the full problem has the QR step, exact Newton finishes
    (test_ill_conditioned.py). Dask had none, so the full-data steps took that Hessian
    as their metric and ran out of max_iter (1000 steps), probabilities 8.7e-3 (three
    classes 2.5e-2) from statsmodels'. (The array-API engine takes the same path: three
    classes were 2.1e-2 off, now 2e-9, but in 6 s here; its binary case converged.)"""
    X, y, llf, P = _nearly_equal(K=K, n=6000)
    clf, proba = _fit("dask", X, y, solver="subsampled-newton")
    assert clf.solver_ == "subsampled-newton" and clf.n_iter_ <= 20
    assert abs(_llf(y, proba) - llf) <= 1e-9 * abs(llf)
    np.testing.assert_allclose(proba, P, rtol=0, atol=1e-7 if K == 2 else 3e-7)


@pytest.mark.parametrize("K", [2, 3])
def test_nearly_equal_columns_standard_errors_on_every_engine(engine, K):
    """The covariance from the weighted design's QR factor (R's glm): the standard errors
    of the same model written in well-conditioned columns (statsmodels), mapped back, on
    every engine. On the streamed engines (Dask, the array-API engine), whose rows are
    not in memory for the separation LPs, the collinear pair's huge coefficients (1.7e5)
    on a flat likelihood were taken for separation and the standard errors refused
    ("the fit looks separated (not checked ...)"); the flat direction is the design's
    (the rows' linear predictor along it is itself tiny), which one pass tells apart
    from separation's (rows fitted with probabilities 0 or 1). That pass clears the
    only flat direction, so ``separation_`` is "none" there too (it stayed "not
    checked"), as the NumPy engine's separation LP finds it (the oracle)."""
    from test_ill_conditioned import _reparameterised

    X, y, cov_ref = _reparameterised(1e-8, K)
    clf, _ = _fit(engine, X, y, solver="newton")
    assert clf.inference_.cov is not None, clf.inference_.reason
    lp = NeuronClassifier(solver="newton").fit(X, y)
    assert lp.separation_ == "none"  # the LP ran (rows in memory)
    assert clf.separation_ == lp.separation_
    np.testing.assert_allclose(
        np.sqrt(np.diag(clf.inference_.cov)), np.sqrt(np.diag(cov_ref)), rtol=1e-6
    )


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("streamed", ["dask", "array-api"])
def test_direction_curvature_equals_the_numpy_engine(streamed, K):
    """The one pass that tells a flat direction of the design from separation's, on the
    cluster and on X's device: the NumPy engine's sums (which test_ill_conditioned.py
    checks against the Hessian and scipy's probabilities)."""
    from oneneuron.engines import ArrayAPIEngine, DaskEngine, NumpyEngine

    rng = np.random.default_rng(7)
    n, d, m = 400, 3, K if K > 2 else 1
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, size=n) if K > 2 else rng.integers(0, 2, size=n).astype(float)
    sw = rng.uniform(size=n)
    W, b = rng.normal(size=(m, d)), rng.normal(size=m)
    V, c = rng.normal(size=(3, m, d)), rng.normal(size=(3, m))
    ref = NumpyEngine(X, y, sw, multinomial=K > 2).direction_curvature(W, b, V, c)
    if streamed == "dask":
        eng = DaskEngine(*_as("dask", X, y, sw), multinomial=K > 2)
    else:
        eng = ArrayAPIEngine(*_as("array-api", X, y, sw), multinomial=K > 2)
    got = eng.direction_curvature(W, b, V, c)
    assert eng.n_passes == 1
    for a, r in zip(got, ref, strict=True):
        np.testing.assert_allclose(a, r, rtol=1e-12, atol=1e-16)


@pytest.mark.filterwarnings("ignore::oneneuron.ConvergenceWarning")
def test_separation_beside_a_nearly_collinear_pair_is_still_said_unchecked(engine):
    """Quasi-complete separation (x0 > 0.5: all class 1) beside a nearly equal pair of
    columns: the flat direction that is the pair's does not clear the one that is
    separation's, so the streamed engines still refuse the standard errors, saying the
    check could not run (the NumPy engine's LP finds the separation)."""
    from _engine_cases import assert_unchecked_separation_is_said, quasi_separated_data
    from oneneuron import SeparationWarning

    X, y = quasi_separated_data(n=400)
    rng = np.random.default_rng(5)
    z = rng.normal(size=len(y))
    X = np.column_stack([X, z, z + 1e-8 * rng.normal(size=len(y))])
    Xe, ye = _as(engine, X, y)
    if engine == "torch-on-numpy":  # rows in memory (the NumPy engine): the LP finds it
        with pytest.warns(SeparationWarning, match="quasi-completely separated"):
            assert NeuronClassifier().fit(Xe, ye).separation_ == "quasi-complete"
        return
    assert_unchecked_separation_is_said(lambda: NeuronClassifier().fit(Xe, ye))


def _rare_levels(K):
    """Dummy-coded levels beside a numeric column, one level on a few rows that leave a
    class out: binary, a level on 3 rows all "yes"; three classes, a level on 2 rows of
    classes 0 and 1 (class 2's logit there runs to -inf). Quasi-complete separation whose
    coefficients stay small (the indicator's spread is small)."""
    rng = np.random.default_rng(0 if K == 2 else 3)
    n = 300
    x = rng.normal(size=n)
    g = rng.choice(list("abc"), n)
    if K == 2:
        y = (x + rng.normal(size=n) > 0).astype(int)
        g[:3], y[:3] = "d", 1
    else:
        y = rng.integers(0, 3, n)
        g[:2], y[:2] = "d", [0, 1]
    X = np.column_stack([x] + [(g == level).astype(float) for level in "bcd"])
    return X, y


@pytest.mark.parametrize("K", [2, 3])
def test_a_rare_level_that_leaves_a_class_out_is_not_given_standard_errors(engine, K):
    """The NumPy engine's LP finds quasi-complete separation; the streamed engines (no
    LP: the rows are not in memory) gave standard errors silently, separation_ "not
    checked" (no coefficient is big, and a flat Hessian alone could be collinear
    columns). The flat direction is separation's (its rows' curvature 1e-12 of
    the rows' typical one): refused, saying the check could not run."""
    from _engine_cases import assert_unchecked_separation_is_said
    from oneneuron import SeparationWarning

    X, y = _rare_levels(K)
    Xe, ye = _as(engine, X, y)
    if engine == "torch-on-numpy":
        with pytest.warns(SeparationWarning, match="quasi-completely separated"):
            assert NeuronClassifier().fit(Xe, ye).separation_ == "quasi-complete"
        return
    assert_unchecked_separation_is_said(lambda: NeuronClassifier().fit(Xe, ye))
