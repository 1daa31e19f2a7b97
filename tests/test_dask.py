"""The Dask engine against the NumPy engine; lazy outputs; Parquet.

Most tests run on Dask's synchronous scheduler: the engine's arithmetic is the same on
every scheduler, and a distributed client's per-task overhead made this file the suite's
slowest (132 s against 61 s on one core). The tests that ask for the ``client`` fixture
run on a ``distributed`` LocalCluster, as users with a cluster do: the Parquet reader's
``scheduler=`` address, lazy predictions, the engine's statistics, the file-per-partition
frame and warm starts.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.engines import NumpyEngine

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
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
from oneneuron.dask_io import fit_parquet  # noqa: E402
from oneneuron.engines import DaskEngine  # noqa: E402


@pytest.fixture(autouse=True)
def _synchronous():
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def _cluster():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster, set_as_default=False) as c:  # fmt: skip
        yield c


@pytest.fixture
def client(_cluster, _synchronous):
    """The LocalCluster's client as the default scheduler, for this test only."""
    import dask

    with dask.config.set(scheduler=_cluster):
        yield _cluster


def _data(K, n=240, seed=0):
    return engine_data(K, n, 4, seed)


_close = assert_same_fit


CASES = [
    (2, {}),
    (3, {"class_weight": "balanced", "sample_weight": True}),
    (2, {"class_weight": {0: 3.0, 1: 1.0}, "sample_weight": True}),
    (3, {"fit_intercept": False}),
    (2, {"standardize": False, "alpha": 0.01}),
    (2, {"solver": "lbfgs", "tol": 1e-9}),
    (3, {"standardize": False, "solver": "lbfgs", "tol": 1e-7}),  # standardised coordinates
]


@pytest.mark.parametrize("K, opts", CASES, ids=str)
def test_same_optimum_as_numpy_engine(K, opts):
    X, y, sw = _data(K)
    opts = dict(opts)
    w = sw if opts.pop("sample_weight", False) else None
    opts.setdefault("tol", 1e-10)
    ref = NeuronClassifier(**opts).fit(X, y, sample_weight=w)
    wd = None if w is None else da.from_array(w, chunks=100)  # other chunks than X: aligned
    got = NeuronClassifier(**opts).fit(da.from_array(X, chunks=(60, 2)), da.from_array(y, 60), wd)
    assert got.converged_
    _close(got, ref)
    assert got.n_passes_ == ref.n_passes_


def test_warm_start_continues(client):
    X, y, _ = _data(2)
    Xd, yd = da.from_array(X, chunks=80), da.from_array(y, chunks=80)
    ref = NeuronClassifier(warm_start=True, max_iter=1).fit(X, y)
    got = NeuronClassifier(warm_start=True, max_iter=1).fit(Xd, yd)
    ref.set_params(max_iter=50, alpha=0.1).fit(X, y)
    got.set_params(max_iter=50, alpha=0.1).fit(Xd, yd)
    _close(got, ref)
    assert got.n_iter_ == ref.n_iter_


def test_dataframe_in_lazy_arrays_out(client):
    X, y, _ = _data(3)
    labels = np.array(["a", "b", "c"])[y]
    pdf = pd.DataFrame(X, columns=["u", "v", "w", "x"]).assign(label=labels)
    df = dd.from_pandas(pdf, npartitions=3)
    ref = NeuronClassifier(tol=1e-10).fit(pdf[["u", "v", "w", "x"]], labels)
    got = NeuronClassifier(tol=1e-10).fit(df[["u", "v", "w", "x"]], df["label"])
    _close(got, ref)
    assert list(got.feature_names_in_) == ["u", "v", "w", "x"]
    Xd = da.from_array(X, chunks=100)
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        out = getattr(got, method)(Xd)
        assert isinstance(out, da.Array), method
        expect = getattr(ref, method)(X)
        if method == "predict":
            np.testing.assert_array_equal(out.compute(), expect)
        else:
            np.testing.assert_allclose(out.compute(), expect, rtol=1e-6, atol=1e-9)
    assert isinstance(got.predict(df[["u", "v", "w", "x"]]), da.Array)
    reordered = got.predict_proba(df[["v", "u", "w", "x"]])  # tables are read by name
    np.testing.assert_allclose(reordered.compute(), ref.predict_proba(X), rtol=1e-6, atol=1e-9)


def test_float32_stays_float32():
    X, y, _ = _data(2)
    got = NeuronClassifier(tol=1e-4).fit(da.from_array(X.astype(np.float32), 80), y)
    ref = NeuronClassifier(tol=1e-4).fit(X.astype(np.float32), y)
    assert got.coef_.dtype == np.float32
    assert got.predict_proba(da.from_array(X.astype(np.float32), 80)).dtype == np.float32
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("case", range(len(bad_inputs(*_data(2)[:2]))))
def test_bad_input_gets_the_numpy_engines_message(case):
    """The cause in the user's terms, worded as the NumPy engine words it, its row counted
    from X's start (a NaN label was "continuous", a None label a TypeError, a NaN weight
    "must be non-negative", no rows "a positive sum")."""
    name, X, y, sw, match = bad_inputs(*_data(2)[:2])[case]
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(X, y, sample_weight=sw)
    dw = None if sw is None else da.from_array(sw, chunks=80)
    with pytest.raises(ValueError, match=match):
        NeuronClassifier().fit(da.from_array(X, chunks=80), da.from_array(y, chunks=80), dw)
    if len(y):  # and from a DataFrame's partitions
        frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
        yf = dd.from_pandas(pd.Series(y), npartitions=3)
        wf = None if sw is None else dd.from_pandas(pd.Series(sw), npartitions=3)
        with pytest.raises(ValueError, match=match):
            NeuronClassifier().fit(frame, yf, wf)


@pytest.mark.parametrize("params, kw, match", IN_MEMORY_ONLY, ids=str)
def test_in_memory_options_are_refused_by_name(params, kw, match, monkeypatch):
    """Each option the NumPy engine alone has is named in its own message, before any fit."""
    from oneneuron.classifier import _fit

    X, y, _ = _data(2)
    monkeypatch.setattr(_fit, "run_solver", None)  # a fit before the refusal would fail here
    Xd = da.from_array(X, chunks=80)
    with pytest.raises(ValueError, match=match):
        NeuronClassifier(**params).fit(Xd, y, **in_memory_only_kwargs(kw, len(y)))


@pytest.mark.filterwarnings("ignore::oneneuron.ConvergenceWarning")
@pytest.mark.parametrize("K", [2, 3])
def test_separation_is_found_as_by_the_numpy_engine(K):
    X, y = separated_data(K)
    Xd, yd = da.from_array(X, chunks=50), da.from_array(y, chunks=50)
    assert_same_separation(lambda: NeuronClassifier().fit(Xd, yd), X, y)


def test_quasi_separation_is_said_unchecked():
    X, y = quasi_separated_data()
    Xd, yd = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    assert_unchecked_separation_is_said(lambda: NeuronClassifier().fit(Xd, yd))


def test_collinear_columns_are_named_as_by_the_numpy_engine():
    X, y = collinear_data()
    Xd, yd = da.from_array(X, chunks=100), da.from_array(y, chunks=100)
    assert_same_collinearity(lambda: NeuronClassifier().fit(Xd, yd), X, y)


@pytest.mark.parametrize("multinomial", [False, True])
def test_engine_statistics_equal_numpy_engine(client, multinomial):
    X, y, sw = _data(3 if multinomial else 2)
    m = 3 if multinomial else 1
    rng = np.random.default_rng(1)
    W, b = rng.normal(size=(m, 4)) * 0.05, rng.normal(size=m)
    yt = y if multinomial else y.astype(np.float64)
    ref = NumpyEngine(X, yt, sw, multinomial=multinomial).statistics(W, b, order=2)
    eng = DaskEngine(da.from_array(X, chunks=(50, 4)), da.from_array(yt, chunks=50),
                     da.from_array(sw, chunks=50), multinomial=multinomial)  # fmt: skip
    got = eng.statistics(W, b, order=2)
    for name in ("loss", "grad_W", "grad_b", "hess_W", "hess_Wb", "hess_b"):
        np.testing.assert_allclose(getattr(got, name), getattr(ref, name), rtol=1e-12, atol=1e-14)


def test_bad_input_gets_a_clear_error():
    X, y, _ = _data(2)
    Xd = da.from_array(X, chunks=80)
    with pytest.raises(ValueError, match="sgd"):
        NeuronClassifier(solver="sgd").fit(Xd, y)
    Xn = X.copy()
    Xn[5, 1] = np.nan
    with pytest.raises(ValueError, match=r"X has NaN in column 1 \(row 5\)"):
        NeuronClassifier().fit(da.from_array(Xn, chunks=80), y)
    Xn[5, 1], Xn[170, 3] = 0.0, -np.inf  # in a later chunk: its rows counted from X's start
    with pytest.raises(ValueError, match=r"X has -infinity in column 3 \(row 170\)"):
        NeuronClassifier().fit(da.from_array(Xn, chunks=80), y)
    frame = dd.from_pandas(pd.DataFrame(Xn, columns=list("abcd")), npartitions=3)
    with pytest.raises(ValueError, match=r"X has -infinity in column 'd' \(row 170\)"):
        NeuronClassifier().fit(frame, da.from_array(y, chunks=80))
    clf = NeuronClassifier().fit(Xd, y)
    with pytest.raises(ValueError, match=r"X has -infinity in column 3 \(row 170\)"):
        clf.predict_proba(da.from_array(Xn, chunks=80)).compute()
    with pytest.raises(ValueError, match=r"only one class \(0\.0 for all 240 samples\)"):
        NeuronClassifier().fit(Xd, np.zeros(len(y)))
    with pytest.raises(ValueError, match=r"only one class \('a' for all 240 samples\)"):
        NeuronClassifier().fit(Xd, da.from_array(np.array(["a"] * len(y)), chunks=80))
    with pytest.raises(ValueError, match=r"^X has 240 rows but y has 239$"):  # no weights given
        NeuronClassifier().fit(Xd, da.from_array(y[:-1], chunks=80))
    with pytest.raises(ValueError, match=r"^X has 240 rows but sample_weight has 239$"):
        NeuronClassifier().fit(Xd, y, sample_weight=da.ones(len(y) - 1, chunks=80))
    with pytest.raises(ValueError, match="continuous"):
        NeuronClassifier().fit(Xd, y + 0.5)
    with pytest.raises(ValueError, match="rows"):
        NeuronClassifier().fit(Xd, y[:-1])
    df = dd.from_pandas(pd.DataFrame({"a": X[:, 0], "s": ["x"] * len(y)}), npartitions=2)
    with pytest.raises(ValueError, match=r"non-numeric columns \['s'\]"):
        NeuronClassifier().fit(df, da.from_array(y, chunks=120))


def test_fit_parquet(client, tmp_path):
    X, y, _ = _data(3)
    pdf = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(target=y, noise=0.0)
    dd.from_pandas(pdf, npartitions=4).to_parquet(tmp_path / "data")
    ref = NeuronClassifier(alpha=0.01).fit(X, y)
    got = fit_parquet(str(tmp_path / "data"), "target", ["a", "b", "c", "d"], alpha=0.01)
    _close(got, ref)
    with pytest.raises(ValueError, match="not in"):
        fit_parquet(str(tmp_path / "data"), "label")
    remote = fit_parquet(str(tmp_path / "data"), "target", scheduler=client.scheduler.address)
    assert list(remote.feature_names_in_) == ["a", "b", "c", "d", "noise"]
    np.testing.assert_array_equal(remote.predict(X_noise := np.c_[X, np.zeros(len(y))]),
                                  NeuronClassifier().fit(X_noise, y).predict(X_noise))  # fmt: skip
    sync = fit_parquet(str(tmp_path / "data"), "target", ["a", "b", "c", "d"], "synchronous",
                       alpha=0.01)  # fmt: skip
    _close(sync, ref)


def test_fit_parquet_knows_the_column_names_during_the_fit(tmp_path):
    """A penalty_factor dict names the Parquet columns, as it names a DataFrame's (it was
    refused: "names 'b', which is not a feature (features: x0, ...)"), and an error names
    the column as a Dask DataFrame's fit does (it said "column 1")."""
    X, y, _ = _data(2)
    pdf = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(target=y)
    pdf.to_parquet(tmp_path / "data.parquet")
    pf = {"b": 0.0, "d": 2.0}
    ref = NeuronClassifier(alpha=0.5, penalty_factor=pf).fit(pdf.drop(columns="target"), y)
    got = fit_parquet(str(tmp_path / "data.parquet"), "target", alpha=0.5, penalty_factor=pf)
    _close(got, ref)
    assert got.penalty_factor == pf  # the parameter as given
    np.testing.assert_array_equal(got.penalty_factor_, ref.penalty_factor_)
    pdf.loc[170, "b"] = np.nan
    pdf.to_parquet(tmp_path / "nan.parquet")
    with pytest.raises(ValueError, match=r"^X has NaN in column 'b' \(row 170\)"):
        fit_parquet(str(tmp_path / "nan.parquet"), "target")
    pdf.loc[170, "b"] = 0.0
    pdf["c"] *= 1e160
    pdf.to_parquet(tmp_path / "huge.parquet")
    with pytest.raises(ValueError, match=r"^column 2 \('c'\) holds"):  # as the DataFrame's
        fit_parquet(str(tmp_path / "huge.parquet"), "target")


def test_inference_and_subsampled_newton_match_numpy():
    X, y = make_classification(21_000, 3, n_informative=3, n_redundant=0, n_classes=3,
                               n_clusters_per_class=1, random_state=3)  # fmt: skip
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    kw = {"solver": "subsampled-newton", "inference": True, "random_state": 0, "tol": 1e-10}
    ref = NeuronClassifier(class_weight="balanced", **kw).fit(X, y, sample_weight=sw)
    df = dd.from_pandas(pd.DataFrame(X, columns=["a", "b", "c"]).assign(y=y, w=sw), npartitions=3)
    got = NeuronClassifier(class_weight="balanced", **kw).fit(df[["a", "b", "c"]], df["y"], df["w"])
    _close(got, ref)
    assert got.n_passes_ == pytest.approx(ref.n_passes_)
    np.testing.assert_allclose(got.covariance_, ref.covariance_, rtol=1e-7)
    assert got.log_likelihood_ == pytest.approx(ref.log_likelihood_, rel=1e-12)


def _hive_data():
    X, y, _ = _data(2)
    pdf = pd.DataFrame(X, columns=["a", "b", "c", "d"]).assign(target=y)
    return X, y, pdf.assign(g=np.arange(len(y)) % 3)


def test_fit_parquet_reads_hive_partitioned_folders(tmp_path):
    """A folder partitioned by a column (``g=0/part.parquet``) holds that column in its
    directory names: it was refused ("the Parquet file .../g=0/... lacks column(s) ['g']"),
    also when the partition column is the target."""
    pa, pq = pytest.importorskip("pyarrow"), pytest.importorskip("pyarrow.parquet")
    X, y, pdf = _hive_data()
    table = pa.Table.from_pandas(pdf, preserve_index=False)
    pq.write_to_dataset(table, tmp_path / "by_g", partition_cols=["g"])
    ref = NeuronClassifier().fit(X, y)
    _close(fit_parquet(str(tmp_path / "by_g"), "target", ["a", "b", "c", "d"]), ref)
    pq.write_to_dataset(table.drop(["g"]), tmp_path / "by_y", partition_cols=["target"])
    got = fit_parquet(str(tmp_path / "by_y"), "target")
    np.testing.assert_array_equal(got.classes_, [0, 1])
    order = np.argsort(y, kind="stable")  # the rows as the partitions hold them
    _close(got, NeuronClassifier().fit(X[order], y[order]))


def test_fit_parquet_names_a_file_that_lacks_a_column(tmp_path):
    """Every file of a folder or a glob is checked: a glob gave a KeyError traceback, and a
    folder whose FIRST file lacks a column (Dask takes its columns from it) failed deep in
    the fit ("operands could not be broadcast together with shapes (1,4) (1,5)")."""
    X, y, pdf = _hive_data()
    for name, first in (("later", pdf.iloc[:100]), ("first", pdf.iloc[:100].drop(columns="c"))):
        (tmp_path / name).mkdir()
        first.to_parquet(tmp_path / name / "p0.parquet")
        rest = pdf.iloc[100:] if name == "first" else pdf.iloc[100:].drop(columns="c")
        rest.to_parquet(tmp_path / name / "p1.parquet")
        bad = "p0.parquet" if name == "first" else "p1.parquet"
        for path in (tmp_path / name, tmp_path / name / "*.parquet"):
            with pytest.raises(ValueError, match=rf"{bad} lacks column \['c'\]"):
                fit_parquet(str(path), "target")
    with pytest.raises(ValueError, match=r"p1.parquet lacks column \['c'\]"):
        fit_parquet(str(tmp_path / "later" / "*.parquet"), "target", ["a", "c"])


def test_fit_parquet_widens_float32_when_any_file_is_float64(tmp_path):
    """Dask takes the dtypes from the first file: a float32 first file made every file's
    float64 values float32 (the coefficients off by ~1e-6). Now float32 only where every
    file holds float32."""
    X, y, pdf = _hive_data()
    X = X * np.pi  # not representable in float32
    pdf[["a", "b", "c", "d"]] = X
    (tmp_path / "mixed").mkdir()
    pdf.iloc[:100].astype({"a": np.float32, "b": np.float32, "c": np.float32, "d": np.float32}
                          ).to_parquet(tmp_path / "mixed" / "p0.parquet")  # fmt: skip
    pdf.iloc[100:].to_parquet(tmp_path / "mixed" / "p1.parquet")
    X64 = np.r_[X[:100].astype(np.float32), X[100:]].astype(np.float64)
    got = fit_parquet(str(tmp_path / "mixed"), "target", ["a", "b", "c", "d"], tol=1e-12)
    assert got.coef_.dtype == np.float64
    _close(got, NeuronClassifier(tol=1e-12).fit(X64, y))


def test_fit_parquet_refuses_bad_features_and_files_by_name(tmp_path):
    """features naming the target or a column twice was 'non-numeric feature columns
    ['y']' (a numeric column), an empty list 'operands could not be broadcast'; a folder
    with a file that is not Parquet gave Arrow's words without the file's name, a missing
    path or an empty folder Dask's 'An error occurred while calling the read_parquet
    method'; files ending .parq or .pq (which Dask reads) were not checked."""
    X, y, pdf = _hive_data()
    pdf = pdf.drop(columns="g")
    pdf.to_parquet(tmp_path / "f.parquet")
    for features, match in (
        (["a", "target"], r"features list the target 'target'"),
        (["a", "b", "a"], r"features list 'a' twice"),
        ([], r"features is empty"),
    ):
        with pytest.raises(ValueError, match=match):
            fit_parquet(str(tmp_path / "f.parquet"), "target", features)
    (tmp_path / "bad").mkdir()
    pdf.to_parquet(tmp_path / "bad" / "a.parquet")
    (tmp_path / "bad" / "b.parquet").write_bytes(b"not parquet")
    with pytest.raises(ValueError, match=r"b\.parquet is not a Parquet file"):
        fit_parquet(str(tmp_path / "bad"), "target")
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(ValueError, match=r"bad\.parquet is not a Parquet file"):
        fit_parquet(str(tmp_path / "bad.parquet"), "target")
    with pytest.raises(FileNotFoundError, match=r"no Parquet file or folder .*nope"):
        fit_parquet(str(tmp_path / "nope"), "target")
    (tmp_path / "empty").mkdir()
    for path in (tmp_path / "empty", tmp_path / "empty" / "*.parquet"):
        with pytest.raises(ValueError, match=r"holds no Parquet files"):
            fit_parquet(str(path), "target")
    (tmp_path / "pq").mkdir()
    pdf.iloc[:100].to_parquet(tmp_path / "pq" / "a.parq")
    pdf.iloc[100:].drop(columns="c").to_parquet(tmp_path / "pq" / "b.pq")
    with pytest.raises(ValueError, match=r"b\.pq lacks column \['c'\]"):
        fit_parquet(str(tmp_path / "pq"), "target")


def test_labels_of_unknown_length_and_mixed_types():
    """A dask array X with a Dask Series y (partitions of unknown length) was refused as
    'X has 240 rows but y has nan'; it is fitted as the NumPy engine fits the rows. A
    DataFrame X with NumPy labels says what to pass; labels of two types (1 and '1' in
    different partitions) were a TypeError from inside NumPy."""
    X, y, _ = _data(2)
    ys = dd.from_pandas(pd.Series(y), npartitions=3)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    sws = dd.from_pandas(pd.Series(sw), npartitions=2)
    got = NeuronClassifier().fit(da.from_array(X, chunks=80), ys, sample_weight=sws)
    _close(got, NeuronClassifier().fit(X, y, sample_weight=sw))
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=3)
    with pytest.raises(ValueError, match=r"Dask Series of the same frame"):
        NeuronClassifier().fit(frame, y)
    mixed = pd.Series(y.astype(object))
    mixed[y == 1] = "1"
    with pytest.raises(ValueError, match=r"y mixes numbers and text \(e.g. 0 and '1'\)"):
        NeuronClassifier().fit(da.from_array(X, chunks=80), mixed.to_numpy())
    halves = np.array([*y[:120].astype(object), *y[120:].astype(str)], dtype=object)
    with pytest.raises(ValueError, match=r"y mixes label types across row chunks"):
        NeuronClassifier().fit(da.from_array(X, chunks=120), da.from_array(halves, chunks=120))


def test_score_on_a_dask_dataframe():
    """score(frame, frame['y']) raised Dask's 'Cannot call len() on object with unknown
    chunk size' (scikit-learn's accuracy takes len of the lazy labels). It is reduced on
    the cluster and equals scikit-learn's accuracy of the in-memory predictions."""
    from sklearn.metrics import accuracy_score

    X, y, _ = _data(3)
    sw = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    pdf = pd.DataFrame(X, columns=list("abcd")).assign(y=y, w=sw)
    frame = dd.from_pandas(pdf, npartitions=3)
    clf = NeuronClassifier().fit(X, y)
    Xf = frame[list("abcd")]
    assert clf.score(Xf, frame["y"]) == pytest.approx(accuracy_score(y, clf.predict(X)), abs=1e-12)
    want = accuracy_score(y, clf.predict(X), sample_weight=sw)
    assert clf.score(Xf, frame["y"], sample_weight=frame["w"]) == pytest.approx(want, abs=1e-12)
    assert clf.score(da.from_array(X, chunks=70), frame["y"]) == pytest.approx(
        accuracy_score(y, clf.predict(X)), abs=1e-12
    )
    with pytest.raises(ValueError, match=r"Dask Series of the same frame"):
        clf.score(Xf, y)


def test_a_table_model_predicts_a_dask_dataframe_of_its_columns():
    """A model fitted on a pandas table with a text column refused a Dask DataFrame of
    the same columns ('X has non-numeric columns ['g']; encode them ... before fitting');
    each partition is now coded by the model's design, lazily, as pandas input is."""
    rng = np.random.default_rng(5)
    n = 300
    pdf = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n)})
    y = (pdf.x + (pdf.g == "b") + rng.normal(size=n) > 0.5).astype(int).to_numpy()
    clf = NeuronClassifier().fit(pdf, y)
    frame = dd.from_pandas(pdf, npartitions=3)
    for method in ("predict_proba", "predict_log_proba", "decision_function", "predict"):
        got = getattr(clf, method)(frame)
        assert isinstance(got, da.Array), method
        want = getattr(clf, method)(pdf)
        np.testing.assert_allclose(got.compute(), want, rtol=0, atol=1e-12, err_msg=method)
    with pytest.raises(ValueError, match="'x'"):
        clf.predict_proba(frame[["g"]]).compute()


def test_fit_parquet_names_a_file_whose_feature_is_text(tmp_path):
    """Dask takes the dtypes from the first file: a later file holding a feature as text
    was parsed as numbers where it could be, and otherwise failed inside a worker with
    "could not convert string to float: 'n/a'" naming neither file nor column."""
    X, y, pdf = _hive_data()
    pdf = pdf.drop(columns="g")
    (tmp_path / "d").mkdir()
    pdf.iloc[:100].to_parquet(tmp_path / "d" / "p0.parquet")
    later = pdf.iloc[100:].astype({"b": str})
    later.loc[later.index[3], "b"] = "n/a"
    later.to_parquet(tmp_path / "d" / "p1.parquet")
    with pytest.raises(
        ValueError, match=r"p1\.parquet holds column 'b' as (large_)?string, not numbers"
    ):
        fit_parquet(str(tmp_path / "d"), "target")


def test_fit_parquet_takes_paths_and_lists_of_files(tmp_path):
    """read_parquet takes a pathlib.Path and a list of files; the file check made both a
    TypeError ('expected string or bytes-like object')."""
    from pathlib import Path

    X, y, pdf = _hive_data()
    pdf = pdf.drop(columns="g")
    pdf.iloc[:100].to_parquet(tmp_path / "a.parquet")
    pdf.iloc[100:].to_parquet(tmp_path / "b.parquet")
    ref = NeuronClassifier().fit(X, y)
    _close(fit_parquet([str(tmp_path / "a.parquet"), str(tmp_path / "b.parquet")], "target"), ref)
    _close(fit_parquet(Path(tmp_path), "target"), ref)
    pdf.to_parquet(tmp_path / "all.parquet")
    _close(fit_parquet(Path(tmp_path / "all.parquet"), "target"), ref)
    pdf.drop(columns="c").to_parquet(tmp_path / "c.parquet")
    with pytest.raises(ValueError, match=r"c\.parquet lacks column \['c'\]"):
        fit_parquet([tmp_path / "a.parquet", tmp_path / "c.parquet"], "target")


def test_a_frame_read_from_many_files_fits_with_its_own_label_and_weight_columns(client, tmp_path):
    """fit(df[features], df['y'], sample_weight=df['w']) on dd.read_parquet of a folder
    of small files failed: Dask fuses the partitions of a narrow column read, so X, y
    and w had 15, 8 and 8 row blocks ('must have the same row chunks'), and score did
    the same. X, y and w now come from the same partitions of one frame. Eight files
    show it as well as thirty (Dask 2026.11: 8 partitions of X, 3 of y)."""
    from sklearn.metrics import accuracy_score

    rng = np.random.default_rng(6)
    parts = []
    for i in range(8):
        X = rng.normal(size=(200, 3))
        y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
        part = pd.DataFrame(X, columns=list("abc")).assign(y=y, w=rng.uniform(0.5, 2, 200))
        part.to_parquet(tmp_path / f"p{i:02d}.parquet")
        parts.append(part)
    full = pd.concat(parts)
    X, y, w = full[list("abc")].to_numpy(), full.y.to_numpy(), full.w.to_numpy()
    frame = dd.read_parquet(tmp_path)
    got = NeuronClassifier().fit(frame[list("abc")], frame["y"], sample_weight=frame["w"])
    ref = NeuronClassifier().fit(X, y, sample_weight=w)
    _close(got, ref)
    want = accuracy_score(y, ref.predict(X), sample_weight=w)
    assert got.score(frame[list("abc")], frame["y"], sample_weight=frame["w"]) == pytest.approx(
        want, abs=1e-12
    )


def test_a_dataset_whose_first_file_is_float32_is_not_fitted_in_float32(tmp_path):
    # Dask takes a Parquet dataset's dtypes from its first file: here float32, while the
    # second file holds float64 values that float32 rounds (1000.1 + 1e-4 * i)
    rng = np.random.default_rng(0)
    x = np.column_stack([1000.1 + 1e-4 * np.arange(200), rng.normal(size=200)])
    y = (x[:, 1] + rng.normal(size=200) > 0).astype(int)
    first = pd.DataFrame({"a": x[:100, 0], "b": x[:100, 1], "y": y[:100]}).astype(
        {"a": np.float32, "b": np.float32}
    )
    first.to_parquet(tmp_path / "p0.parquet", index=False)
    pd.DataFrame({"a": x[100:, 0], "b": x[100:, 1], "y": y[100:]}).to_parquet(
        tmp_path / "p1.parquet", index=False
    )
    df = dd.read_parquet(tmp_path)
    assert (df.dtypes[["a", "b"]] == np.float32).all()  # the premise: the first file's types
    with pytest.raises(ValueError, match="float64.*first file"):
        NeuronClassifier().fit(df[["a", "b"]], df["y"])
    got = NeuronClassifier().fit(df[["a", "b"]].astype(np.float64), df["y"])  # the way out
    assert got.coef_.dtype == np.float64


@pytest.mark.parametrize("case, frame", [(1, False), (2, True)], ids=["array", "frame"])
def test_cross_validation_chooses_as_on_numpy_input(case, frame):
    """Folds cut lazily from the dask array (X never collected): the same alpha, scores
    and refit as on the NumPy array; a Dask DataFrame of unknown partition lengths with
    its label and weight columns too. (Dask's synchronous scheduler: a CV makes hundreds
    of passes, each a round trip to a cluster's scheduler; the cluster's tasks are those
    of single fits, tested above.)"""
    import dask

    with dask.config.set(scheduler="synchronous"):
        _cross_validation_chooses_as_on_numpy_input(case, frame)


def _cross_validation_chooses_as_on_numpy_input(case, frame):
    K, params, weighted = CV_CASES[case]
    X, y, sw = _data(K, n=150)
    w = sw if weighted else None
    ref = NeuronClassifierCV(**params).fit(X, y, sample_weight=w)
    if frame:
        cols = [f"x{j}" for j in range(X.shape[1])]
        df = pd.DataFrame(X, columns=cols).assign(y=y, w=sw)
        ddf = dd.from_pandas(df, npartitions=4)
        Xd, yd, wd = ddf[cols], ddf["y"], ddf["w"] if weighted else None
    else:
        Xd, yd = da.from_array(X, chunks=40), da.from_array(y, chunks=40)
        wd = None if w is None else da.from_array(w, chunks=40)
    got = NeuronClassifierCV(**params).fit(Xd, yd, sample_weight=wd)
    assert_same_cv(got, ref)
    P = got.predict_proba(Xd).compute()
    np.testing.assert_allclose(P, ref.predict_proba(X), rtol=0, atol=1e-6)


def _misaligned_cases(X, y, sw):
    """``(case, call, match)``: fit or score calls whose label or weight rows do not match
    X's; each must be one clear ValueError, as NumPy input of the wrong length is."""
    n = len(y)
    cols = list("abcd")
    pdf = pd.DataFrame(X, columns=cols).assign(y=y, w=sw)
    frame = dd.from_pandas(pdf, npartitions=3)
    Xf, Xd = frame[cols], da.from_array(X, chunks=80)
    part = dd.from_pandas  # a Series from another frame (its own index)
    short_y, short_w = part(pdf["y"][:-10], npartitions=3), part(pdf["w"][:-10], npartitions=3)
    long_w = part(pd.concat([pdf["w"], pdf["w"][:10].set_axis(range(n, n + 10))]), npartitions=3)
    other_w = part(pdf["w"].set_axis(range(n, 2 * n)), npartitions=3)  # other rows' labels
    clf = NeuronClassifier().fit(X, y)
    rows = rf"X has {n} rows but"

    def lacks(what="sample_weight", at=n - 10):
        return rf"^{what} \(a Dask Series\) has no value for X's row {at} \(by index\)"

    return [  # (case, call, match)
        ("fit: y Series short", lambda: NeuronClassifier().fit(Xf, short_y), lacks("y", n - 10)),
        ("fit: w Series short", lambda: NeuronClassifier().fit(Xf, frame["y"], short_w), lacks()),
        ("fit: w Series long", lambda: NeuronClassifier().fit(Xf, frame["y"], long_w), rows),
        (
            "fit: w other rows",
            lambda: NeuronClassifier().fit(Xf, frame["y"], other_w),
            lacks(at=r"\d+") + "|^sample_weight .* has a row that X lacks",
        ),
        (
            "fit: frame with a dask array w",
            lambda: NeuronClassifier().fit(Xf, frame["y"], da.from_array(sw, chunks=50)),
            r"X, y and sample_weight chunks differ in length \(40, 40, (50|20)\)",
        ),
        (
            "fit: frame with a dask array y",
            lambda: NeuronClassifier().fit(Xf, da.from_array(y, chunks=80)),
            r"X, y and sample_weight must have the same row chunks; got \[3, 2, 2\] blocks",
        ),
        (
            "fit: 2-D dask w",
            lambda: NeuronClassifier().fit(Xd, y, da.from_array(np.c_[sw, sw], chunks=80)),
            rf"{rows} sample_weight has shape \({n}, 2\)",
        ),
        ("score: w Series short", lambda: clf.score(Xf, frame["y"], short_w), lacks()),
        ("score: NumPy w short", lambda: clf.score(Xd, y, sw[:-10]), rf"{rows} sample_weight"),
        ("score: w Series long", lambda: clf.score(Xf, frame["y"], long_w), rows),
    ]


@pytest.mark.filterwarnings("error::RuntimeWarning")  # a NaN cast to int labels
@pytest.mark.parametrize("at", range(10))
def test_labels_and_weights_whose_rows_differ_from_xs_are_one_clear_error(at):
    """Dask Series of another length or index than X's frame were aligned by index with
    NaN where X's rows had no value: short labels became garbage integers (a silent
    3-class fit), short weights 'row 90 holds NaN', extra rows were dropped without a
    word, and a score came out NaN; dask arrays of known chunks beside a frame, a 2-D
    weight and a short NumPy weight to score were Dask's own errors."""
    X, y, sw = _data(2, n=120)
    case, call, match = _misaligned_cases(X, y, sw)[at]
    with pytest.raises(ValueError, match=match) as info:
        call()
    for words in ("do not match", "Length of values", "Chunks"):  # Dask's/pandas' own
        assert words not in str(info.value), case


def test_a_weight_series_of_the_same_rows_in_other_partitions_is_aligned():
    """The same rows (same index, shuffled, other partitions) are matched by index, as
    pandas does: the fit of the NumPy arrays."""
    X, y, sw = _data(2, n=120)
    pdf = pd.DataFrame(X, columns=list("abcd")).assign(y=y)
    frame = dd.from_pandas(pdf, npartitions=3)
    w = dd.from_pandas(pd.Series(sw).sample(frac=1.0, random_state=0).sort_index(), npartitions=5)
    got = NeuronClassifier().fit(frame[list("abcd")], frame["y"], sample_weight=w)
    _close(got, NeuronClassifier().fit(X, y, sample_weight=sw))


def test_float16_input_is_predicted_in_float64_as_numpy_input_is():
    """float16 chunks were predicted in float16 (probabilities 1e-3 off), while the fit
    and NumPy/torch predictions read float16 as float64."""
    X, y, _ = _data(3)
    clf = NeuronClassifier().fit(X, y)
    X16 = X.astype(np.float16)
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        got = getattr(clf, method)(da.from_array(X16, chunks=80)).compute()
        want = getattr(clf, method)(X16)
        assert got.dtype == want.dtype == np.float64, method
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=method)


def test_fit_parquet_takes_a_weight_column(tmp_path):
    """fit_parquet(..., sample_weight="w") was a TypeError from NeuronClassifier's
    constructor; the weight column (zeros included, a class absent from some files) is
    read from the same partitions as the features: the NumPy fit with those weights,
    and the column is no feature by default."""
    X, y, sw = _data(3)
    order = np.argsort(y, kind="stable")  # files of one or two classes
    X, y, sw = X[order], y[order], sw[order]
    sw[::4] = 0.0
    pdf = pd.DataFrame(X, columns=list("abcd")).assign(target=y, w=sw)
    dd.from_pandas(pdf, npartitions=4).to_parquet(tmp_path / "data")
    ref = NeuronClassifier(tol=1e-10).fit(X, y, sample_weight=sw)
    got = fit_parquet(str(tmp_path / "data"), "target", sample_weight="w", tol=1e-10)
    assert list(got.feature_names_in_) == list("abcd")
    _close(got, ref)
    with pytest.raises(ValueError, match=r"sample_weight column 'v' not in"):
        fit_parquet(str(tmp_path / "data"), "target", sample_weight="v")
    with pytest.raises(ValueError, match=r"sample_weight 'a' is one of the features"):
        fit_parquet(str(tmp_path / "data"), "target", list("abcd"), sample_weight="a")
    pdf.assign(w="heavy").to_parquet(tmp_path / "text.parquet")
    with pytest.raises(ValueError, match=r"sample_weight column 'w' holds .*, not numbers"):
        fit_parquet(str(tmp_path / "text.parquet"), "target", sample_weight="w")


@pytest.mark.parametrize("dtype", ["Int64", "Float32", "boolean", "double[pyarrow]"])
def test_missing_cells_of_nullable_columns_are_named_as_in_pandas(dtype):
    """A Dask DataFrame of nullable (pandas or Arrow) columns holding pd.NA was a
    TypeError ("float() argument must be ... not 'NAType'") in a fit whose labels are
    a dask array and in every prediction; pandas input names the cell."""
    X, y, _ = _data(2, n=120)
    pdf = pd.DataFrame(np.round(X[:, :3]) > 3 if dtype == "boolean" else np.round(X[:, :3]),
                       columns=list("abc")).astype(dtype)  # fmt: skip
    clf = NeuronClassifier().fit(pdf, y)
    frame = dd.from_pandas(pdf, npartitions=3)
    P = clf.predict_proba(frame).compute()  # pandas' Float32 in float32: 1e-7 apart
    np.testing.assert_allclose(P, clf.predict_proba(pdf), rtol=1e-6)
    pdf.iloc[70, 1] = pd.NA
    frame = dd.from_pandas(pdf, npartitions=3)
    with pytest.raises(ValueError, match=r"missing values in column 'b' \(1 row, first at row 70"):
        clf.predict_proba(pdf)
    with pytest.raises(ValueError, match=r"X has NaN in column 'b' \(row 30 of row chunk 1\)"):
        clf.predict_proba(frame).compute()  # rows of unknown partition lengths
    with pytest.raises(ValueError, match=r"X has NaN in column 'b' \(row 70\)"):
        NeuronClassifier().fit(frame, dd.from_pandas(pd.Series(y), npartitions=3).to_dask_array())


def test_a_frame_with_its_label_series_fits_and_scores_without_dask_advice():
    """fit(df[features], df['y']) and score: the engine's one pass over X's blocks and
    the Series' partition lengths (a Dask DataFrame's expressions) is one dask.compute of
    both kinds of collection, and Dask warned 'Computing mixed collections ...' to the
    user, who mixed nothing; the engine's own compute no longer warns."""
    import warnings

    X, y, _ = _data(2)
    df = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")).assign(y=y), npartitions=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = NeuronClassifier().fit(df[list("abcd")], df["y"])
        clf.score(df[list("abcd")], df["y"])
