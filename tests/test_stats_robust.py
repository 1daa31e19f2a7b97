"""Robust and cluster covariances (cov_type) against statsmodels and closed forms."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse

from oneneuron import NeuronClassifier
from oneneuron.stats import InferenceResult, InferenceUnavailableError

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _spector() -> tuple[np.ndarray, np.ndarray]:
    data = sm.datasets.spector.load_pandas()
    return data.exog[["GPA", "TUCE", "PSI"]].to_numpy(), data.endog.to_numpy()


def _three_classes(n: int = 300, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.argmax(X @ rng.normal(size=(2, 3)) + rng.gumbel(size=(n, 3)), axis=1)
    return X, y


def _fit(X, y, cov_type, **kw):
    fit_kw = {k: kw.pop(k) for k in ("cluster", "sample_weight") if k in kw}
    return NeuronClassifier(cov_type=cov_type, tol=1e-11, **kw).fit(X, y, **fit_kw)


def _closed_form_hc(X: np.ndarray, y: np.ndarray, beta: np.ndarray, kind: str) -> np.ndarray:
    """HC0-HC3 of a logit written out from the definitions (R sandwich::vcovHC for glm)."""
    Xt = np.column_stack([np.ones(len(y)), X])
    p = 1.0 / (1.0 + np.exp(-Xt @ beta))
    v = p * (1.0 - p)
    A = np.linalg.inv(Xt.T @ (v[:, None] * Xt))
    h = v * np.sum((Xt @ A) * Xt, axis=1)  # diag of V^1/2 X A X' V^1/2
    e2 = (y - p) ** 2
    n, k = Xt.shape
    omega = {"HC0": e2, "HC1": e2 * n / (n - k), "HC2": e2 / (1 - h), "HC3": e2 / (1 - h) ** 2}
    return A @ (Xt.T @ (omega[kind][:, None] * Xt)) @ A


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_hc0_and_cluster_match_statsmodels_logit(solver):
    X, y = _spector()
    Xc = sm.add_constant(X)
    ref = sm.Logit(y, Xc).fit(disp=0, method="newton", tol=1e-14, cov_type="HC0")
    clf = _fit(X, y, "HC0", solver=solver)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    np.testing.assert_allclose(clf.summary()["std_err"], ref.bse, rtol=RTOL)
    np.testing.assert_allclose(clf.summary()["p_value"], ref.pvalues, rtol=RTOL)
    groups = np.arange(len(y)) % 7
    ref = sm.Logit(y, Xc).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": groups}
    )
    clf = _fit(X, y, "cluster", cluster=groups.astype(str), solver=solver)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    assert clf.inference_.extra["n_clusters"] == 7
    assert "cluster-robust sandwich over 7 clusters" in clf.summary().attrs["caption"]


@pytest.mark.parametrize("kind", ["HC0", "HC1", "HC2", "HC3"])
def test_hc_types_match_closed_forms(kind):
    X, y = _spector()
    beta = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-14).params
    clf = _fit(X, y, kind)
    np.testing.assert_allclose(clf.cov_params(), _closed_form_hc(X, y, beta, kind), rtol=RTOL)
    assert clf.inference_.cov_type == kind
    assert f"covariance {kind}" in clf.summary().attrs["caption"]


def test_multinomial_hc0_and_cluster_match_statsmodels_mnlogit():
    X, y = _three_classes()
    Xc = sm.add_constant(X)
    opts = {"disp": 0, "method": "newton", "tol": 1e-14, "maxiter": 100}
    ref = sm.MNLogit(y, Xc).fit(cov_type="HC0", **opts)
    clf = _fit(X, y, "HC0")
    # statsmodels orders by term within class, blocks by class: the same layout
    np.testing.assert_allclose(clf.cov_params(), np.asarray(ref.cov_params()), rtol=RTOL)
    groups = np.arange(len(y)) % 11
    ref = sm.MNLogit(y, Xc).fit(cov_type="cluster", cov_kwds={"groups": groups}, **opts)
    clf = _fit(X, y, "cluster", cluster=groups)
    np.testing.assert_allclose(clf.cov_params(), np.asarray(ref.cov_params()), rtol=RTOL)
    # HC1 is HC0 times N / (N - k), k = (K - 1) p (statsmodels' own "HC1" is its HC0)
    hc0 = sm.MNLogit(y, Xc).fit(cov_type="HC0", **opts).cov_params()
    n, k = len(y), 2 * Xc.shape[1]
    np.testing.assert_allclose(_fit(X, y, "HC1").cov_params(), hc0 * n / (n - k), rtol=RTOL)


@pytest.mark.parametrize("kind", ["HC0", "HC1", "HC2", "HC3", "cluster"])
def test_sample_weights_are_frequency_weights(kind):
    """A row of weight w gives the covariance of w identical rows (leverages included)."""
    X, y = _spector()
    w = np.arange(len(y)) % 3 + 1
    groups = np.arange(len(y)) % 5
    kw = {"cluster": groups} if kind == "cluster" else {}
    weighted = _fit(X, y, kind, sample_weight=w, **kw)
    kw = {"cluster": np.repeat(groups, w)} if kind == "cluster" else {}
    expanded = _fit(np.repeat(X, w, axis=0), np.repeat(y, w), kind, **kw)
    np.testing.assert_allclose(weighted.cov_params(), expanded.cov_params(), rtol=RTOL)


def test_sparse_input_and_model_round_trip(tmp_path):
    X, y = _spector()
    dense = _fit(X, y, "HC3")
    sparse = _fit(scipy.sparse.csr_matrix(X), y, "HC3")
    np.testing.assert_allclose(sparse.cov_params(), dense.cov_params(), rtol=RTOL)
    Xm, ym = _three_classes(120)
    groups = np.arange(120) % 6
    dense_m = _fit(Xm, ym, "cluster", cluster=groups)
    sparse_m = _fit(scipy.sparse.csr_matrix(Xm), ym, "cluster", cluster=groups)
    np.testing.assert_allclose(sparse_m.cov_params(), dense_m.cov_params(), rtol=RTOL)
    back = InferenceResult.from_dict(json.loads(json.dumps(dense.inference_.to_dict())))
    assert back.cov_type == "HC3"
    np.testing.assert_allclose(back.covariance(), dense.cov_params())
    old = dense.inference_.to_dict()
    del old["cov_type"]  # files written before cov_type existed
    assert InferenceResult.from_dict(old).cov_type == "nonrobust"


def test_robust_forces_the_hessian_pass(monkeypatch):
    from oneneuron.stats import _fit as _inference_fit

    monkeypatch.setattr(_inference_fit, "AUTO_INFERENCE_MAX_COST", 0.0)
    X, y = _spector()
    assert NeuronClassifier(solver="lbfgs").fit(X, y).inference_.cov is None
    assert _fit(X, y, "HC1", solver="lbfgs").inference_.cov is not None


@pytest.mark.parametrize(
    ("params", "fit_kw", "match"),
    [
        ({"cov_type": "cluster"}, {}, "needs the cluster labels"),
        ({"cov_type": "HC0"}, {"cluster": np.zeros(32)}, "set cov_type='cluster'"),
        ({"cov_type": "HC1", "alpha": 0.1}, {}, "unpenalised"),
        ({"cov_type": "HC0", "inference": False}, {}, "inference=False"),
        ({"cov_type": "cluster"}, {"cluster": np.zeros(32)}, "at least two clusters"),
        ({"cov_type": "cluster"}, {"cluster": np.zeros(5)}, "one label per row"),
        ({"cov_type": "HCX"}, {}, "cov_type"),
    ],
)
def test_bad_combinations_raise(params, fit_kw, match):
    X, y = _spector()
    with pytest.raises(ValueError, match=match):
        NeuronClassifier(**params).fit(X, y, **fit_kw)


def test_hc3_refused_for_multinomial():
    X, y = _three_classes(60)
    with pytest.raises(ValueError, match="binary models only"):
        NeuronClassifier(cov_type="HC3").fit(X, y)


@pytest.mark.parametrize(
    ("params", "fit_kw"),
    [({}, {"offset": np.zeros(32)}), ({"firth": True}, {})],
)
def test_out_of_memory_engines_refuse_clearly(params, fit_kw):
    """Dask (and torch) input: offsets and Firth are refused in one line (robust
    covariances are summed over the chunks: tests/test_engines_robust.py)."""
    da = pytest.importorskip("dask.array")
    X, y = _spector()
    Xd = da.from_array(X, chunks=(16, 3))
    yd = da.from_array(y, chunks=16)
    with pytest.raises(ValueError, match="NumPy/SciPy"):
        NeuronClassifier(**params).fit(Xd, yd, **fit_kw)
    clf = NeuronClassifier().fit(X, y, offset=np.zeros(32))
    with pytest.raises(ValueError, match="NumPy/SciPy/pandas input only"):
        clf.predict_proba(Xd)


def test_clusters_whose_rows_all_have_weight_zero_are_not_counted():
    """Frequency weights: a row of weight 0 is absent, so a cluster of such rows is no
    cluster (statsmodels on the rows of positive weight: 4 clusters, not 5)."""
    X, y = _spector()
    groups = np.r_[np.zeros(5), np.arange(27) % 4 + 1]
    w = np.r_[np.zeros(5), np.ones(27)]
    ref = sm.Logit(y[5:], sm.add_constant(X[5:])).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": groups[5:]}
    )
    clf = _fit(X, y, "cluster", sample_weight=w, cluster=groups)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    assert clf.inference_.extra["n_clusters"] == 4
    assert "cluster-robust sandwich over 4 clusters" in clf.summary().attrs["caption"]
    # the absent rows' labels do not matter, missing ones included
    labels = np.r_[np.full(5, np.nan), groups[5:]]
    same = _fit(X, y, "cluster", sample_weight=w, cluster=labels)
    np.testing.assert_allclose(same.cov_params(), ref.cov_params(), rtol=RTOL)
    # the marginal effects use that covariance: statsmodels' on the same rows
    eff = clf.margeff(X[5:])
    np.testing.assert_allclose(eff["std_err"], ref.get_margeff().margeff_se, rtol=RTOL)
    # one cluster of positive weight is too few, whatever the absent rows say
    with pytest.raises(ValueError, match="at least two clusters.*positive weight"):
        _fit(X, y, "cluster", sample_weight=w, cluster=np.r_[np.zeros(5), np.ones(27)])


def test_multinomial_clusters_of_zero_weight_are_not_counted():
    X, y = _three_classes()
    groups = np.r_[np.full(20, 99), np.arange(len(y) - 20) % 11]
    w = np.r_[np.zeros(20), np.ones(len(y) - 20)]
    opts = {"disp": 0, "method": "newton", "tol": 1e-14, "maxiter": 100}
    ref = sm.MNLogit(y[20:], sm.add_constant(X[20:])).fit(
        cov_type="cluster", cov_kwds={"groups": groups[20:]}, **opts
    )
    clf = _fit(X, y, "cluster", sample_weight=w, cluster=groups)
    np.testing.assert_allclose(clf.cov_params(), np.asarray(ref.cov_params()), rtol=RTOL)
    assert clf.inference_.extra["n_clusters"] == 11


@pytest.mark.parametrize("cov_type", ["HC1", "cluster"])
def test_small_sample_factors_need_more_observations_than_parameters(cov_type):
    # HC1's N / (N - k) and the cluster factor's (N - 1) / (N - k) have no value once the
    # weights (frequency weights: N = their sum) sum to k or less, as weights normalised
    # to sum to 1 do. Before: a negative factor, clipped to standard errors of exactly 0
    X, y = _spector()
    groups = np.arange(len(y)) % 5
    kw = {"cluster": groups} if cov_type == "cluster" else {}
    w = np.full(len(y), 1.0 / len(y))  # N = 1 < k = 4
    clf = _fit(X, y, cov_type, sample_weight=w, **kw)
    with pytest.raises(InferenceUnavailableError, match=r"sum to N = 1 .* k = 4 parameters"):
        clf.summary()
    assert "HC0" in clf.inference_.reason
    # the HC0 sandwich has no such factor: the same weights give its errors, as the
    # rows counted once (HC0 does not depend on a common scale of the weights)
    hc0 = _fit(X, y, "HC0", sample_weight=w).summary()["std_err"]
    ref = sm.Logit(y, sm.add_constant(X)).fit(disp=0, cov_type="HC0", method="newton", tol=1e-14)
    np.testing.assert_allclose(hc0, ref.bse * np.sqrt(len(y)), rtol=RTOL)
