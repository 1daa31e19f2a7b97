"""Robust and cluster covariances on Dask and torch input, against statsmodels."""

from __future__ import annotations

import numpy as np
import pytest

from oneneuron import NeuronClassifier
from test_stats_robust import _closed_form_hc

sm = pytest.importorskip("statsmodels.api")
da = pytest.importorskip("dask.array")

RTOL = 1e-6


def _data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 2.0, 0.5] + [0.0, 1.0, -2.0]
    z = X @ np.array([0.8, -0.4, 1.1]) + 0.3 + 0.5 * rng.normal(size=n)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(np.int64)
    return X, y


def _dask(*arrays: np.ndarray, chunk: int = 96) -> list:
    return [da.from_array(a, chunks=(chunk,) + a.shape[1:]) for a in arrays]


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
def test_heteroskedasticity_robust_covariances_on_dask_match_their_definitions(cov_type):
    """HC0 against statsmodels' Logit; HC0-HC3 against R sandwich's definitions written
    out (statsmodels' Logit scales HC1 and leaves HC2/HC3 without the leverage)."""
    X, y = _data()
    Xd, yd = _dask(X, y)
    clf = NeuronClassifier(cov_type=cov_type, tol=1e-11).fit(Xd, yd)
    beta = np.r_[clf.intercept_, clf.coef_.ravel()]
    expected = _closed_form_hc(X, y, beta, cov_type)
    np.testing.assert_allclose(clf.cov_params(), expected, rtol=RTOL)
    if cov_type == "HC0":
        ref = sm.Logit(y, sm.add_constant(X)).fit(
            disp=0, method="newton", tol=1e-14, cov_type="HC0"
        )
        np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
        np.testing.assert_allclose(clf.summary()["std_err"], ref.bse, rtol=RTOL)
    assert clf.inference_.cov_type == cov_type


@pytest.mark.parametrize("labels", ["numpy", "dask", "text"])
def test_cluster_robust_covariance_on_dask_matches_statsmodels(labels):
    X, y = _data()
    groups = np.arange(len(y)) % 13
    ref = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": groups}
    )
    Xd, yd = _dask(X, y)
    cluster = {
        "numpy": groups,
        "dask": _dask(groups, chunk=50)[0],  # other chunks than X's
        "text": np.array([f"school {g}" for g in groups], dtype=object),
    }[labels]
    clf = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(Xd, yd, cluster=cluster)
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    assert clf.inference_.extra["n_clusters"] == 13


def test_weighted_cluster_on_dask_leaves_out_rows_of_weight_zero():
    """Frequency weights: rows of weight 0 are absent (their labels, even missing ones,
    do not make clusters), as on the NumPy engine."""
    X, y = _data(300, seed=1)
    w = np.r_[np.zeros(20), np.random.default_rng(2).integers(1, 4, size=280).astype(float)]
    groups = np.r_[np.full(20, np.nan), np.arange(280) % 9].astype(float)
    Xd, yd, wd, gd = _dask(X, y, w, groups)
    clf = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(Xd, yd, sample_weight=wd, cluster=gd)
    mem = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(X, y, sample_weight=w, cluster=groups)
    np.testing.assert_allclose(clf.cov_params(), mem.cov_params(), rtol=RTOL)
    assert clf.inference_.extra["n_clusters"] == 9
    # statsmodels on the rows of positive weight, repeated by their weights
    keep = np.repeat(np.arange(20, 300), w[20:].astype(int))
    ref = sm.Logit(y[keep], sm.add_constant(X[keep])).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": groups[keep]}
    )
    np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)


def test_dask_cluster_labels_are_checked_like_in_memory_ones():
    X, y = _data(200)
    Xd, yd = _dask(X, y)
    missing = np.r_[np.nan, np.arange(199) % 5].astype(float)
    with pytest.raises(ValueError, match="cluster has missing labels"):
        NeuronClassifier(cov_type="cluster").fit(Xd, yd, cluster=_dask(missing)[0])
    with pytest.raises(ValueError, match="at least two clusters"):
        NeuronClassifier(cov_type="cluster").fit(Xd, yd, cluster=np.zeros(200))
    with pytest.raises(ValueError, match="one label per row"):
        NeuronClassifier(cov_type="cluster").fit(Xd, yd, cluster=np.arange(199))


def test_multinomial_robust_covariances_on_dask_match_statsmodels_mnlogit():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 2))
    y = np.argmax(X @ rng.normal(size=(2, 3)) + rng.gumbel(size=(300, 3)), axis=1)
    Xc = sm.add_constant(X)
    opts = {"disp": 0, "method": "newton", "tol": 1e-14, "maxiter": 100}
    Xd, yd = _dask(X, y, chunk=64)
    ref = sm.MNLogit(y, Xc).fit(cov_type="HC0", **opts)
    clf = NeuronClassifier(cov_type="HC0", tol=1e-11).fit(Xd, yd)
    np.testing.assert_allclose(clf.cov_params(), np.asarray(ref.cov_params()), rtol=RTOL)
    groups = np.arange(300) % 11
    ref = sm.MNLogit(y, Xc).fit(cov_type="cluster", cov_kwds={"groups": groups}, **opts)
    clf = NeuronClassifier(cov_type="cluster", tol=1e-11).fit(Xd, yd, cluster=groups)
    np.testing.assert_allclose(clf.cov_params(), np.asarray(ref.cov_params()), rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["HC0", "HC3", "cluster"])
def test_nearly_collinear_columns_robust_on_dask_as_factors(cov_type):
    """Columns equal to 1e-8 relative: the sandwich formed as factors on the Dask engine
    too (the meat's root stacked over the chunks), against the same model on
    well-conditioned columns mapped back."""
    from test_ill_conditioned import _columns, _robust_reference, _same_covariance

    X, y = _columns(1e-8, 2, 1000)
    groups = np.arange(len(y)) % 40
    cov_ref = _robust_reference(X, y, cov_type, 2, groups=groups)
    Xd, yd = _dask(X, y, chunk=256)
    fit_kw = {"cluster": groups} if cov_type == "cluster" else {}
    clf = NeuronClassifier(solver="newton", cov_type=cov_type).fit(Xd, yd, **fit_kw)
    assert clf.inference_.cov is not None, clf.inference_.reason
    _same_covariance(clf.inference_.cov, cov_ref)
    assert clf.inference_.cov_root is not None


def test_cli_train_dask_takes_cov_type_and_cluster(tmp_path, capsys):
    """`train --engine dask --cov-type cluster --cluster school` was refused ("needs
    --engine memory"): the Dask fit forms the cluster-robust covariance over the Parquet
    file's partitions, text labels with them, as statsmodels; the cluster column is no
    feature; HC1 too; a cluster column that is also the target is one error line."""
    pytest.importorskip("dask.dataframe")
    import oneneuron
    from _cli import fail, run

    X, y = _data(240, seed=4)
    school = np.array([f"s{i % 7}" for i in range(240)])
    df = __import__("pandas").DataFrame({"a": X[:, 0], "b": X[:, 1], "school": school, "y": y})
    path = tmp_path / "d"
    path.mkdir()
    for i in range(3):  # three partitions
        df.iloc[80 * i : 80 * (i + 1)].to_parquet(path / f"part{i}.parquet")
    model = tmp_path / "m.json"
    base = ["train", path, "--target", "y", "--engine", "dask", "-q", "--tol", "1e-11"]
    code, _, err = run(
        [*base, "--cov-type", "cluster", "--cluster", "school", "--model", model], capsys
    )
    assert code == 0, err
    got = oneneuron.load(model)
    assert list(got.feature_names_in_) == ["a", "b"]
    ref = sm.Logit(y, sm.add_constant(X[:, :2])).fit(
        disp=0, method="newton", tol=1e-14, cov_type="cluster", cov_kwds={"groups": school}
    )
    np.testing.assert_allclose(got.cov_params(), ref.cov_params(), rtol=RTOL)
    hc1 = tmp_path / "h.json"
    code, _, err = run([*base, "--cov-type", "HC1", "--features", "a", "b", "--model", hc1], capsys)
    assert code == 0, err
    mem = oneneuron.NeuronClassifier(cov_type="HC1", tol=1e-11).fit(X[:, :2], y)
    np.testing.assert_allclose(oneneuron.load(hc1).cov_params(), mem.cov_params(), rtol=RTOL)
    fail(
        [*base, "--cov-type", "cluster", "--cluster", "y", "--model", tmp_path / "n.json"],
        capsys,
        "'y' is the target",
    )


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC3", "cluster"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_robust_covariances_on_torch_tensors(cov_type, dtype):
    """torch input refused every robust covariance; the engine now reads its blocks on
    the host for the meat (one pass): HC0 and cluster as statsmodels' Logit, the others
    as R sandwich's definitions (float32 X: at the float32 data's own fit)."""
    torch = pytest.importorskip("torch")
    X, y = _data(300, seed=5)
    X = X.astype(dtype)
    groups = np.arange(300) % 9
    fit_kw = {"cluster": groups} if cov_type == "cluster" else {}
    tensors = {"cluster": torch.from_numpy(groups)} if cov_type == "cluster" else {}
    clf = NeuronClassifier(cov_type=cov_type, tol=1e-11).fit(
        torch.from_numpy(X), torch.from_numpy(y), **tensors
    )
    mem = NeuronClassifier(cov_type=cov_type, tol=1e-11).fit(X, y, **fit_kw)
    np.testing.assert_allclose(clf.cov_params(), mem.cov_params(), rtol=RTOL)
    X64 = X.astype(np.float64)
    if cov_type in ("HC0", "cluster"):
        kw = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
        ref = sm.Logit(y, sm.add_constant(X64)).fit(
            disp=0, method="newton", tol=1e-14, cov_type=cov_type, **kw
        )
        np.testing.assert_allclose(clf.cov_params(), ref.cov_params(), rtol=RTOL)
    else:
        beta = np.r_[clf.intercept_, clf.coef_.ravel()].astype(np.float64)
        np.testing.assert_allclose(
            clf.cov_params(), _closed_form_hc(X64, y, beta, cov_type), rtol=1e-5
        )
