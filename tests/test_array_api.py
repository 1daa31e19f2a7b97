"""The array-API path (torch tensors; CuPy when present) against the NumPy engine."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.engines import NumpyEngine

torch = pytest.importorskip("torch")
pytest.importorskip("array_api_compat")
from _engine_cases import (  # noqa: E402
    CV_CASES,
    IN_MEMORY_ONLY,
    assert_same_collinearity,
    assert_same_cv,
    assert_same_fit,
    assert_same_separation,
    assert_unchecked_separation_is_said,
    bad_inputs,
    collinear_data,
    engine_data,
    in_memory_only_kwargs,
    quasi_separated_data,
    separated_data,
)
from oneneuron.engines import ArrayAPIEngine  # noqa: E402


@pytest.fixture(params=["numpy-engine", "array-api-engine"])
def route(request, monkeypatch):
    """Which engine sums a CPU tensor's passes: the NumPy engine on a view of its memory
    (the default), or the array-API engine that a GPU tensor gets (forced here, so that
    its block math is tested without a GPU)."""
    if request.param == "array-api-engine":
        import oneneuron.engines as engines

        monkeypatch.setattr(engines, "host_view", lambda X: None)
    return request.param


def test_cpu_tensors_are_fitted_by_the_numpy_engine_on_their_memory(route):
    from oneneuron.engines import make_engine, prepare, subsample_engine

    X, y, _ = _data(3)
    for Xt in (torch.from_numpy(X), torch.from_numpy(X.astype(np.float32))):
        data = prepare(Xt, torch.from_numpy(y))
        eng = make_engine(data.X, data.target, data.weights, data.multinomial)
        sub = subsample_engine(data.X, data.target, data.weights, np.arange(50), True)
        if route == "numpy-engine":
            assert isinstance(eng, NumpyEngine) and isinstance(sub, NumpyEngine)
            assert np.shares_memory(eng.X, Xt.numpy())  # a view: no copy of X
            np.testing.assert_array_equal(data.y_idx, y)  # row-level labels on the host
        else:
            assert isinstance(eng, ArrayAPIEngine) and isinstance(sub, ArrayAPIEngine)
            assert data.y_idx is None


def test_strided_tensors_that_require_grad_fit_as_numpy(route):
    """Every column of a wider tensor, which requires grad: the view keeps its strides."""
    X, y, _ = _data(2)
    wide = np.zeros((len(y), 2 * X.shape[1]))
    wide[:, ::2] = X
    Xt = torch.from_numpy(wide)[:, ::2].requires_grad_()
    ref = NeuronClassifier(tol=1e-10).fit(X, y)
    _close(NeuronClassifier(tol=1e-10).fit(Xt, torch.from_numpy(y)), ref)


def _data(K, n=300, seed=0):
    return engine_data(K, n, 5, seed)


_close = assert_same_fit


OPTIONS = [
    {},
    {"class_weight": "balanced"},
    {"sample_weight": True},
    {"fit_intercept": False},
    {"standardize": False},
    {"alpha": 0.01, "class_weight": {0: 2.0, 1: 1.0}},
    {"solver": "lbfgs", "tol": 1e-7},  # reachable above the float64 floor: same path
    # raw coefficients, standardised solver coordinates: as the NumPy engine's (same path)
    {"standardize": False, "solver": "lbfgs", "tol": 1e-7},
]


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("opts", OPTIONS, ids=str)
def test_same_optimum_as_numpy_engine(K, opts, route):
    X, y, sw = _data(K)
    opts = dict(opts)
    w = sw if opts.pop("sample_weight", False) else None
    opts.setdefault("tol", 1e-10)
    ref = NeuronClassifier(**opts).fit(X, y, sample_weight=w)
    wt = None if w is None else torch.from_numpy(w)
    got = NeuronClassifier(**opts).fit(torch.from_numpy(X), torch.from_numpy(y), wt)
    assert got.converged_ and got.solver_ == ref.solver_
    _close(got, ref)
    assert got.n_passes_ == ref.n_passes_
    np.testing.assert_array_equal(got.classes_, ref.classes_)


@pytest.mark.filterwarnings("ignore::oneneuron.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["gd", "sgd"])
def test_first_order_solvers_follow_the_same_path(solver, route):
    X, y, _ = _data(2)
    kw = {"solver": solver, "max_iter": 5, "tol": 0, "random_state": 0}
    ref = NeuronClassifier(**kw).fit(X, y)
    got = NeuronClassifier(**kw).fit(torch.from_numpy(X), y)  # y may stay NumPy
    _close(got, ref, 1e-10)


@pytest.mark.filterwarnings("ignore::oneneuron.ConvergenceWarning")
def test_warm_start_and_labels_of_any_type():
    X, y, _ = _data(3)
    labels = np.array(["cat", "dog", "eel"])[y]
    ref = NeuronClassifier(warm_start=True, max_iter=2).fit(X, labels)
    got = NeuronClassifier(warm_start=True, max_iter=2).fit(torch.from_numpy(X), labels)
    ref.set_params(max_iter=50).fit(X, labels)
    got.set_params(max_iter=50).fit(torch.from_numpy(X), labels)
    _close(got, ref)
    cold = NeuronClassifier().fit(X, labels)
    assert got.n_iter_ == ref.n_iter_ < cold.n_iter_  # continued from the previous coefficients
    pred = got.predict(torch.from_numpy(X))  # strings cannot live on a device
    np.testing.assert_array_equal(pred, ref.predict(X))


@pytest.mark.parametrize(
    "labels", [[3, 7, 5], [-2, 40, 9], [1.0, 2.0, 4.0], [True, False, True]], ids=str
)
def test_label_encodings_match_numpy(labels):
    X, y, _ = _data(2 if len(set(labels)) == 2 else 3)
    yl = np.asarray(labels)[y]
    ref = NeuronClassifier().fit(X, yl)
    got = NeuronClassifier().fit(torch.from_numpy(X), torch.from_numpy(yl))
    np.testing.assert_array_equal(got.classes_, ref.classes_)
    assert got.classes_.dtype == ref.classes_.dtype
    _close(got, ref)
    np.testing.assert_array_equal(got.predict(torch.from_numpy(X)).numpy(), ref.predict(X))


def test_nan_and_inf_found_and_huge_values_accepted():
    X, y, _ = _data(2)
    for bad in (np.nan, np.inf):
        Xb = X.copy()
        Xb[7, 2] = bad
        what = "NaN" if bad != bad else "infinity"
        with pytest.raises(ValueError, match=rf"X has {what} in column 2 \(row 7\)"):
            NeuronClassifier().fit(torch.from_numpy(Xb), y)
        clf = NeuronClassifier().fit(torch.from_numpy(X), y)
        with pytest.raises(ValueError, match=rf"X has {what} in column 2 \(row 7\)"):
            clf.predict(torch.from_numpy(Xb))
    from array_api_compat import array_namespace

    from oneneuron.engines._array_api_prep import all_finite

    Xh = torch.tensor(
        [[1e308], [1e308], [-1e308]], dtype=torch.float64
    )  # the column sum overflows; all finite
    assert all_finite(array_namespace(Xh), Xh)
    assert not all_finite(array_namespace(Xh), torch.tensor([[1.0], [float("nan")]]))
    with pytest.raises(ValueError, match="continuous"):
        NeuronClassifier().fit(torch.from_numpy(X), torch.from_numpy(y + 0.5))


@pytest.mark.parametrize("K", [2, 3])
def test_outputs_live_in_the_input_namespace(K):
    X, y, _ = _data(K)
    clf = NeuronClassifier().fit(torch.from_numpy(X), torch.from_numpy(y))
    Xt = torch.from_numpy(X)
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        out = getattr(clf, method)(Xt)
        assert isinstance(out, torch.Tensor) and out.device == Xt.device, method
        np.testing.assert_allclose(out.numpy(), getattr(clf, method)(X), rtol=1e-12, atol=1e-12)
    assert clf.predict_proba(Xt).dtype == torch.float64


@pytest.mark.parametrize("opts", [{}, {"standardize": False, "solver": "lbfgs"}], ids=str)
def test_float32_stays_float32(opts, route):
    X, y, _ = _data(2)
    X32 = X.astype(np.float32)
    ref = NeuronClassifier(tol=1e-4, **opts).fit(X32, y)
    got = NeuronClassifier(tol=1e-4, **opts).fit(torch.from_numpy(X32), torch.from_numpy(y))
    assert got.converged_ and got.coef_.dtype == np.float32
    assert got.predict_proba(torch.from_numpy(X32)).dtype == torch.float32
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("multinomial", [False, True])
def test_engine_statistics_equal_numpy_engine(multinomial):
    X, y, sw = _data(3 if multinomial else 2)
    m = 3 if multinomial else 1
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(m, 5)) * 0.05, rng.normal(size=m)
    yt = y if multinomial else y.astype(np.float64)
    ref = NumpyEngine(X, yt, sw, multinomial=multinomial).statistics(W, b, order=2)
    eng = ArrayAPIEngine(torch.from_numpy(X), torch.from_numpy(yt), torch.from_numpy(sw),
                         multinomial=multinomial)  # fmt: skip
    got = eng.statistics(W, b, order=2)
    for name in ("loss", "grad_W", "grad_b", "hess_W", "hess_Wb", "hess_b"):
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), rtol=1e-12, atol=1e-14)
    assert eng.n_passes == 1


@pytest.mark.parametrize(
    "X, y, match",
    [
        (torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), [0, 1], "NaN"),
        (torch.ones((3, 2)), [1, 1, 1], r"only one class \(1 for all 3 samples\)"),
        (torch.ones((3, 2)), torch.tensor([1, 1, 1]), r"only one class \(1 for all 3 samples\)"),
        (torch.ones((3, 2)), [0, 1], "shape"),
        (torch.ones(3), [0, 1, 0], "2-D"),
    ],
)
def test_bad_input_gets_a_clear_error(X, y, match):
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(X, y)


@pytest.mark.parametrize("case", range(len(bad_inputs(*_data(2)[:2]))))
@pytest.mark.parametrize("y_on_device", [False, True])
def test_bad_input_gets_the_numpy_engines_message(case, y_on_device):
    """The cause in the user's terms, worded as the NumPy engine words it (a NaN or None
    label, a NaN weight, no rows were scikit-learn's words or a misleading one)."""
    name, X, y, sw, match = bad_inputs(*_data(2)[:2])[case]
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(X, y, sample_weight=sw)
    if y_on_device and y.dtype == object:
        pytest.skip("text labels cannot live on a device")
    yt = torch.from_numpy(y) if y_on_device else y
    swt = None if sw is None else torch.from_numpy(sw)
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(torch.from_numpy(np.ascontiguousarray(X)), yt, sample_weight=swt)


@pytest.mark.parametrize("params, kw, match", IN_MEMORY_ONLY, ids=str)
def test_in_memory_options_are_refused_by_name(params, kw, match, monkeypatch):
    """Each option the NumPy engine alone has is named in its own message (offset= was
    reported as "cov_type='nonrobust' and offset= need ..."), before any fit."""
    from oneneuron.classifier import _fit

    X, y, _ = _data(2)
    monkeypatch.setattr(_fit, "run_solver", None)  # a fit before the refusal would fail here
    with pytest.raises(ValueError, match=match):
        NeuronClassifier(**params).fit(torch.from_numpy(X), y, **in_memory_only_kwargs(kw, len(y)))


@pytest.mark.filterwarnings("ignore::oneneuron.ConvergenceWarning")
@pytest.mark.parametrize("K", [2, 3])
def test_separation_is_found_as_by_the_numpy_engine(K, route):
    X, y = separated_data(K)
    assert_same_separation(lambda: NeuronClassifier().fit(torch.from_numpy(X), y), X, y)


def test_quasi_separation_is_found_on_cpu_and_said_unchecked_on_a_device(route):
    """CPU tensors have their rows on the host, so the LPs run as for NumPy input; the
    array-API engine (GPU) keeps no X for them and says the check could not run."""
    X, y = quasi_separated_data()
    fit = lambda: NeuronClassifier().fit(torch.from_numpy(X), y)  # noqa: E731
    if route == "array-api-engine":
        assert_unchecked_separation_is_said(fit)
        return
    from oneneuron import SeparationWarning

    with pytest.warns(SeparationWarning, match="quasi-completely separated"):
        ref = NeuronClassifier().fit(X, y)
    with pytest.warns(SeparationWarning, match="quasi-completely separated"):
        got = fit()
    assert got.separation_ == ref.separation_ == "quasi-complete"


def test_collinear_columns_are_named_as_by_the_numpy_engine(route):
    X, y = collinear_data()
    assert_same_collinearity(lambda: NeuronClassifier().fit(torch.from_numpy(X), y), X, y)


def test_predict_checks_features():
    X, y, _ = _data(2)
    clf = NeuronClassifier().fit(torch.from_numpy(X), y)
    with pytest.raises(ValueError, match="expecting 5 features"):
        clf.predict(torch.ones((2, 3), dtype=torch.float64))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_fit_stays_on_the_device():
    X, y, _ = _data(3)
    ref = NeuronClassifier(tol=1e-10).fit(X, y)
    Xc = torch.from_numpy(X).cuda()
    got = NeuronClassifier(tol=1e-10).fit(Xc, torch.from_numpy(y).cuda())
    _close(got, ref)
    assert got.predict_proba(Xc).device == Xc.device


@pytest.mark.parametrize("K", [2, 3])
def test_inference_and_subsampled_newton_match_numpy(K, route):
    X, y = make_classification(21_000, 3, n_informative=3, n_redundant=0, n_classes=K,
                               n_clusters_per_class=1, random_state=3)  # fmt: skip
    kw = {"solver": "subsampled-newton", "inference": True, "random_state": 0, "tol": 1e-10}
    ref = NeuronClassifier(**kw).fit(X, y)
    got = NeuronClassifier(**kw).fit(torch.from_numpy(X), torch.from_numpy(y))
    _close(got, ref)
    assert got.n_passes_ == pytest.approx(ref.n_passes_)
    np.testing.assert_allclose(got.covariance_, ref.covariance_, rtol=1e-7)
    assert got.log_likelihood_ == pytest.approx(ref.log_likelihood_, rel=1e-12)
    assert got.null_log_likelihood_ == pytest.approx(ref.null_log_likelihood_, rel=1e-12)


@pytest.mark.parametrize("K", [2, 3])
def test_float32_tensor_fit_is_as_accurate_and_fast_as_numpy_float32(K, route):
    """float32 torch: logits, gradients and Hessians are summed in float64 per block.

    They were float32 (coefficients rounded to float32 too): Newton took 3-5x the
    passes of NumPy float32 (21-45 against 7 here, line-search passes on noisy
    objective values), the coefficients were 5e-6 off and the standard errors 1-2%
    (columns of mean 3 and spread 0.1, whose Hessian's standardisation cancels ~900x).
    Oracle: the float64 fit on the same values (float32 converts exactly)."""
    rng = np.random.default_rng(0)
    n = 10000
    X = (3 + 0.1 * rng.normal(size=(n, 4))).astype(np.float32)
    y = ((X - 3) @ rng.normal(size=(4, K)) * 10 + rng.gumbel(size=(n, K))).argmax(1)
    ref = NeuronClassifier().fit(X.astype(np.float64), y)
    np32 = NeuronClassifier().fit(X, y)
    got = NeuronClassifier().fit(torch.from_numpy(X), y)
    assert got.converged_ and got.n_passes_ <= np32.n_passes_ + 1
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-6, atol=1e-6)
    se_ref, se = (np.sqrt(np.diag(c.covariance_)) for c in (ref, got))
    np.testing.assert_allclose(se, se_ref, rtol=1e-6)


@pytest.mark.parametrize("K, params, weighted", CV_CASES, ids=str)
def test_cross_validation_chooses_as_on_numpy_input(K, params, weighted, route):
    """Folds cut on the tensor's device, the same alpha, scores and refit as on NumPy."""
    X, y, sw = _data(K, n=150)
    w = sw if weighted else None
    ref = NeuronClassifierCV(**params).fit(X, y, sample_weight=w)
    wt = None if w is None else torch.from_numpy(w)
    Xt = torch.from_numpy(X)
    got = NeuronClassifierCV(**params).fit(Xt, torch.from_numpy(y), sample_weight=wt)
    assert_same_cv(got, ref)
    P = got.predict_proba(Xt)
    assert isinstance(P, torch.Tensor)
    np.testing.assert_allclose(P.numpy(), ref.predict_proba(X), rtol=0, atol=1e-6)
