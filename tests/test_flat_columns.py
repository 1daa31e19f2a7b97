"""A constant (flat) feature column with an intercept is unidentifiable: its coefficient is
exactly 0 and the rest of the model is the fit without it, on every engine and solver.
Without an intercept a constant column is an ordinary feature."""

import numpy as np
import pytest
import scipy.sparse as sp
import statsmodels.api as sm

from oneneuron import NeuronClassifier


def _data(n=150, K=2, seed=0):
    rng = np.random.default_rng(seed)
    X0 = rng.normal(size=(n, 2))
    z = X0[:, 0] + 0.5 * X0[:, 1] + rng.normal(size=n)
    y = (z > 0).astype(int) if K == 2 else np.digitize(z, [-0.5, 0.5])
    w = rng.uniform(0.5, 2.0, size=n)
    return X0, y, w


def _with_flat(X0, c):
    return np.column_stack([X0[:, :1], np.full(len(X0), c), X0[:, 1:]])


@pytest.mark.parametrize("c", [3.0, 0.1, 0.0])
def test_weighted_flat_column_gets_zero_and_the_reduced_fit(c):
    X0, y, w = _data()
    m = NeuronClassifier(alpha=0, tol=1e-10).fit(_with_flat(X0, c), y, sample_weight=w)
    assert m.coef_[0, 1] == 0.0
    # oracle: statsmodels' weighted binomial GLM on the design without the column
    ref = sm.GLM(y, sm.add_constant(X0), family=sm.families.Binomial(), freq_weights=w).fit()
    np.testing.assert_allclose(m.coef_[0, [0, 2]], ref.params[1:], rtol=1e-6)
    np.testing.assert_allclose(m.intercept_[0], ref.params[0], rtol=1e-6)


def _kinds():
    out = ["numpy", "csr", "csc-like"]
    try:
        import torch  # noqa: F401

        out.append("torch")
    except ImportError:
        pass
    try:
        import dask.array  # noqa: F401

        out.append("dask")
    except ImportError:
        pass
    return out


def _as(kind, X, y, w, chunks=50):
    if kind == "csr":
        return sp.csr_matrix(X), y, w
    if kind == "csc-like":  # a sparse matrix that is not CSR: converted by the engine
        return sp.csc_matrix(X), y, w
    if kind == "torch":
        import torch

        return torch.tensor(X), torch.tensor(y), torch.tensor(w)
    if kind == "dask":
        import dask.array as da

        return tuple(da.from_array(a, chunks=chunks) for a in (X, y, w))
    return X, y, w


@pytest.mark.parametrize("kind", _kinds())
@pytest.mark.parametrize("weighted", [False, True])
def test_engines_agree_on_a_flat_column(kind, weighted):
    X0, y, w = _data()
    w = w if weighted else np.ones(len(y))
    ref = NeuronClassifier(alpha=0, tol=1e-10).fit(X0, y, sample_weight=w)
    Xk, yk, wk = _as(kind, _with_flat(X0, 3.0), y, w)
    m = NeuronClassifier(alpha=0, tol=1e-10).fit(Xk, yk, sample_weight=wk)
    coef = np.asarray(m.coef_)
    assert coef[0, 1] == 0.0
    np.testing.assert_allclose(coef[0, [0, 2]], ref.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(m.intercept_), ref.intercept_, rtol=1e-6)


@pytest.mark.filterwarnings("ignore::oneneuron.exceptions.ConvergenceWarning")  # gd, sgd
@pytest.mark.parametrize("solver", ["newton", "lbfgs", "gd", "sgd", "subsampled-newton"])
@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("standardize", [True, False])
def test_every_solver_leaves_a_flat_column_at_zero(solver, K, standardize):
    X0, y, w = _data(K=K)
    kw = dict(alpha=0, solver=solver, standardize=standardize, random_state=0)
    if solver in ("gd", "sgd"):
        kw["max_iter"] = 50
    m = NeuronClassifier(**kw).fit(_with_flat(X0, 3.0), y, sample_weight=w)
    assert np.all(m.coef_[:, 1] == 0.0)
    assert np.all(np.isfinite(m.intercept_)) and np.all(np.abs(m.intercept_) < 10)
    if solver in ("newton", "lbfgs"):
        ref = NeuronClassifier(**kw).fit(X0, y, sample_weight=w)
        np.testing.assert_allclose(m.coef_[:, [0, 2]], ref.coef_, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize(
    "kw",
    [
        dict(alpha=0.1),
        dict(alpha=0.01, l1_ratio=1.0),
        dict(alpha=0.01, l1_ratio=1.0, solver="cd"),
        dict(alpha=0.01, l1_ratio=0.5, solver="cd"),
    ],
)
@pytest.mark.parametrize("sparse", [False, True])
def test_penalised_and_l1_fits_leave_a_flat_column_at_zero(kw, sparse):
    X0, y, w = _data()
    X = _with_flat(X0, 3.0)
    m = NeuronClassifier(tol=1e-10, **kw).fit(sp.csr_matrix(X) if sparse else X, y, w)
    ref = NeuronClassifier(tol=1e-10, **kw).fit(X0, y, sample_weight=w)
    assert m.coef_[0, 1] == 0.0
    np.testing.assert_allclose(m.coef_[0, [0, 2]], ref.coef_[0], rtol=1e-5, atol=1e-8)


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_cv_fits_leave_a_flat_column_at_zero():
    from oneneuron import NeuronClassifierCV

    X0, y, w = _data()
    m = NeuronClassifierCV(alphas=[0.0, 0.01], cv=3).fit(_with_flat(X0, 3.0), y)
    assert m.coef_[0, 1] == 0.0 and np.all(np.abs(m.coef_) < 10)


def test_without_intercept_a_constant_column_is_an_ordinary_feature():
    X0, y, _ = _data()
    X = _with_flat(X0, 3.0)
    m = NeuronClassifier(alpha=0, fit_intercept=False, tol=1e-10).fit(X, y)
    ref = sm.Logit(y, X).fit(disp=0)  # no add_constant: the column plays the intercept
    np.testing.assert_allclose(m.coef_[0], ref.params, rtol=1e-6)


@pytest.mark.parametrize("c", [3.0, 123.456])  # round-off beyond 10 ulps: CSR; NumPy, torch
@pytest.mark.parametrize("kind", _kinds())
def test_a_flat_column_is_found_through_the_round_off_of_many_rows(kind, c):
    # 30 000 weighted rows: the moments of a constant column carry round-off well above
    # 10 ulps of its mean (6e-11 relative in the threaded NumPy kernel and the CSR sums),
    # so the column's values are compared; rows of weight 0 do not count
    rng = np.random.default_rng(1)
    n = 30_000
    X0 = rng.normal(size=(n, 2))
    y = (X0 @ [1.0, -0.5] + rng.normal(size=n) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, size=n)
    w[:10] = 0.0
    X = _with_flat(X0, c)
    X[:10, 1] = 7.0 * c  # on rows of weight 0 only: still constant where it counts
    ref = NeuronClassifier(alpha=0, tol=1e-10).fit(X0, y, sample_weight=w)
    Xk, yk, wk = _as(kind, X, y, w, chunks=10_000)
    m = NeuronClassifier(alpha=0, tol=1e-10).fit(Xk, yk, sample_weight=wk)
    coef = np.asarray(m.coef_)
    assert coef[0, 1] == 0.0
    np.testing.assert_allclose(coef[0, [0, 2]], ref.coef_[0], rtol=1e-6)
    np.testing.assert_allclose(np.asarray(m.intercept_), ref.intercept_, rtol=1e-6)


def test_dask_compares_the_values_of_a_column_its_moments_cannot_tell_flat(monkeypatch):
    da = pytest.importorskip("dask.array")
    from oneneuron.engines import _dask_prep, prepare

    X0, y, w = _data(K=3)
    w[:5] = 0.0
    X = _with_flat(X0, 3.0)
    X[:5, 1] = 9.0  # on rows of weight 0 only: those of weight 0, and class 0 (below)
    X[y == 0, 1] = -4.0
    X[:, 2] = 5.0 + 1e-9 * X0[:, 1]  # a tiny spread, not constant
    # moments taken as round-off above 10 ulps: the least and largest values decide
    monkeypatch.setattr(_dask_prep, "flat_columns", lambda sigma, mu: np.zeros(len(mu), bool))
    args = tuple(da.from_array(a, chunks=40) for a in (X, y, w))
    weights = {0: 0.0, 1: 1.0, 2: 1.0}
    data = prepare(*args, class_weight=weights, standardize=True, center=True)
    assert data.flat.tolist() == [False, True, False]
    data = prepare(*args, standardize=True, center=True)  # class 0 counts: not constant
    assert data.flat.tolist() == [False, False, False]


@pytest.mark.parametrize("K", [2, 3])
def test_summary_names_a_flat_column_as_constant(K):
    # as R's glm: the constant column is aliased (NA), named in the caption; the other
    # terms' standard errors are those of the fit without it
    X0, y, w = _data(K=K)
    m = NeuronClassifier(alpha=0).fit(_with_flat(X0, 3.0), y, sample_weight=w)
    table = m.summary()
    assert "'x1' is constant" in table.attrs["caption"] and "aliased" in table.attrs["caption"]
    rows = table.xs("x1", level="term") if K > 2 else table.loc[["x1"]]
    assert rows.isna().all(axis=None)
    assert table.drop(index="x1", level="term" if K > 2 else None).notna().all(axis=None)
    assert m.inference_.extra.get("aliased") == 1


def test_firth_refuses_a_flat_column_by_name():
    # Firth's penalty is log det of the Fisher information, which a constant column makes
    # singular: one clear error (it raised NumPy's 'Singular matrix' or gave -11.5)
    X0, y, _ = _data()
    X = _with_flat(X0, 0.1)
    with pytest.raises(ValueError, match="column 'x1' is constant"):
        NeuronClassifier(firth=True).fit(X, y)
    m = NeuronClassifier(firth=True, fit_intercept=False).fit(X, y)  # an ordinary feature
    assert np.all(np.isfinite(m.coef_))


@pytest.mark.parametrize("n, c", [(150, 3.0), (30_000, 123.456)])
def test_the_array_api_engine_holds_a_flat_column_at_zero(monkeypatch, n, c):
    # the engine a GPU tensor gets, forced on a CPU tensor (as tests/test_array_api.py does)
    torch = pytest.importorskip("torch")
    import oneneuron.engines as engines

    monkeypatch.setattr(engines, "host_view", lambda X: None)
    rng = np.random.default_rng(1)
    X0 = rng.normal(size=(n, 2))
    y = (X0 @ [1.0, -0.5] + rng.normal(size=n) > 0).astype(int)
    w = rng.uniform(0.5, 2.0, size=n)
    ref = NeuronClassifier(alpha=0, tol=1e-10).fit(X0, y, sample_weight=w)
    X = torch.tensor(_with_flat(X0, c))
    m = NeuronClassifier(alpha=0, tol=1e-10).fit(X, torch.tensor(y), sample_weight=torch.tensor(w))
    coef = np.asarray(m.coef_)
    assert coef[0, 1] == 0.0
    np.testing.assert_allclose(coef[0, [0, 2]], ref.coef_[0], rtol=1e-6)
