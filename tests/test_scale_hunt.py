"""Data at scale: Parquet files and folders read chunk by chunk, and the Dask engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import oneneuron
from _cli import fail, run  # noqa: E402

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _train(tmp_path, capsys, n=60):
    """A model of y on a and b (CSV), and the rows it was fitted on."""
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = (df.a - df.b + rng.normal(size=n) > 0).astype(int)
    df.to_csv(tmp_path / "train.csv", index=False)
    model = tmp_path / "m.json"
    code, _, err = run(
        ["train", tmp_path / "train.csv", "--target", "y", "--model", model, "-q"], capsys
    )
    assert code == 0, err
    return model, df


def _proba1(model, frame):
    """The second class's probability, from the model file's numbers (closed form)."""
    est = oneneuron.load(model)
    return expit(frame[["a", "b"]].to_numpy() @ est.coef_[0] + est.intercept_[0])


def test_predict_to_parquet_keeps_a_column_whose_chunks_pandas_types_differently(tmp_path, capsys):
    """``predict --keep id --out p.parquet`` failed with a traceback ('Table schema does
    not match schema used to create file: id: double vs. id: int64') where the kept
    column's chunks reached pandas as different dtypes: an integer column (as pyarrow,
    Spark or polars write it) with a missing id in a later chunk (float64 there, int64
    before), a folder whose files hold the id as int64 and as double, and a hive folder
    whose key is 1 in one folder and 1.5 in another. The output keeps the stored type
    (the widest of the files'), the values and the rows' order."""
    model, _ = _train(tmp_path, capsys)
    rng = np.random.default_rng(0)
    n = 30
    ids = pa.array([None if i == 25 else i for i in range(n)], pa.int64())
    a, b = rng.normal(size=n), rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "b": b})
    pq.write_table(pa.table({"id": ids, "a": a, "b": b}), tmp_path / "one.parquet")
    folder = tmp_path / "files"
    folder.mkdir()
    pq.write_table(
        pa.table({"id": pa.array(range(10)), "a": a[:10], "b": b[:10]}), folder / "p0.parquet"
    )
    pq.write_table(
        pa.table({"id": pa.array(np.arange(10, n) + 0.5), "a": a[10:], "b": b[10:]}),
        folder / "p1.parquet",
    )
    hive = tmp_path / "hive"
    for key, rows in (("1", slice(0, 10)), ("1.5", slice(10, n))):
        (hive / f"id={key}").mkdir(parents=True)
        pq.write_table(pa.table({"a": a[rows], "b": b[rows]}), hive / f"id={key}" / "part.parquet")
    expected = {
        "one.parquet": (pa.int64(), [None if i == 25 else i for i in range(n)]),
        "files": (pa.float64(), [*range(10), *(np.arange(10, n) + 0.5)]),
        "hive": (pa.float64(), [1.0] * 10 + [1.5] * 20),
    }
    for name, (kind, values) in expected.items():
        out = tmp_path / f"{name}.out.parquet"
        argv = ["predict", model, tmp_path / name, "--out", out, "--keep", "id"]
        code, _, err = run([*argv, "--chunk-rows", "8", "-q"], capsys)
        assert code == 0, err
        got = pq.read_table(out)
        assert got.schema.field("id").type == kind, name
        assert got["id"].to_pylist() == values, name
        np.testing.assert_allclose(got["proba_1"].to_numpy(), _proba1(model, frame), rtol=1e-12)


@pytest.mark.parametrize("first", ["plain", "indexed"])
def test_dask_fits_a_folder_where_some_files_store_pandas_row_labels(tmp_path, capsys, first):
    """``df[mask].to_parquet()`` stores the frame's row labels as ``__index_level_0__``;
    a file of an unfiltered frame (a range index) stores none. A folder of both was
    refused by ``fit_parquet`` and ``train --engine dask`` ('p0.parquet lacks column(s)
    ['__index_level_0__'] that the other files have'), while the in-memory engine
    trains on it. Row labels are no feature: the fit equals the in-memory one."""
    pytest.importorskip("dask.dataframe")
    import dask

    from oneneuron.dask_io import fit_parquet

    rng = np.random.default_rng(5)
    n = 200
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = (df.a - df.b + rng.normal(size=n) > 0).astype(int)
    folder = tmp_path / "parts"
    folder.mkdir()
    head, tail = df.iloc[:90], df.iloc[90:]
    labelled = tail[tail.index % 7 != 3]  # a filtered frame: its index is stored
    parts = (head.reset_index(drop=True), labelled)
    if first == "indexed":
        parts = parts[::-1]
    for k, part in enumerate(parts):
        part.to_parquet(folder / f"p{k}.parquet")
    rows = pd.concat(parts)
    ref = oneneuron.NeuronClassifier().fit(rows[["a", "b"]].to_numpy(), rows["y"].to_numpy())
    with dask.config.set(scheduler="synchronous"):
        got = fit_parquet(folder, "y")
    assert list(got.feature_names_in_) == ["a", "b"]
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(got.intercept_, ref.intercept_, rtol=1e-7, atol=1e-9)
    model = tmp_path / "d.json"
    argv = ["train", folder, "--target", "y", "--engine", "dask", "--scheduler", "synchronous"]
    code, _, err = run([*argv, "--model", model, "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(oneneuron.load(model).coef_, ref.coef_, rtol=1e-7, atol=1e-9)


def test_dask_engine_reads_parquet_files_whatever_their_extension(tmp_path, capsys):
    """``train --engine dask`` refused a Parquet file named ``data.pq`` (an extension the
    in-memory engine and predict read), ``data.PARQUET`` or ``data`` ('--engine dask
    reads Parquet (a .parquet file or folder), not data.pq'), and checked a folder's
    repeated column names only where its files end in .parquet (``fit_parquet`` named
    no file: pyarrow's "Can't unify schema with duplicate field names"). Each now fits
    as the in-memory engine does; a compressed Parquet file (which Dask cannot read: it
    needs random access) is one error line saying so."""
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(2)
    n = 120
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = (df.a + rng.normal(size=n) > 0).astype(int)
    ref = oneneuron.NeuronClassifier().fit(df[["a", "b"]], df.y)
    opts = ["--target", "y", "--engine", "dask", "--scheduler", "synchronous", "-q", "--force"]
    model = tmp_path / "m.json"
    for name in ("data.pq", "data.PARQUET", "data"):
        df.to_parquet(tmp_path / name)
        code, _, err = run(["train", tmp_path / name, *opts, "--model", model], capsys)
        assert code == 0, (name, err)
        np.testing.assert_allclose(oneneuron.load(model).coef_, ref.coef_, rtol=1e-7)
    folder = tmp_path / "parq"
    folder.mkdir()
    twice = pa.table([df.a, df.b, df.y], names=["a", "a", "y"])
    pq.write_table(twice, folder / "p0.parq")
    fail(
        ["train", folder, *opts, "--model", model],
        capsys,
        "p0.parq has repeated column name 'a'",
    )
    from oneneuron.dask_io import fit_parquet

    with pytest.raises(ValueError, match=r"p0.parq has repeated column name 'a'"):
        fit_parquet(folder, "y")  # was pyarrow's "Can't unify schema with duplicate field names"
    import gzip

    (tmp_path / "data.parquet.gz").write_bytes(gzip.compress((tmp_path / "data.pq").read_bytes()))
    fail(["train", tmp_path / "data.parquet.gz", *opts, "--model", model], capsys, "compressed")


def test_a_hive_keys_missing_value_is_missing_not_a_level(tmp_path, capsys):
    """pyarrow, Spark and Hive write a row whose partition key is missing under
    ``g=__HIVE_DEFAULT_PARTITION__``. The command line's folder reader took that for a
    value: the numeric key g (0, 1, 2) became text, coded as categories with a level
    ``g[T.__HIVE_DEFAULT_PARTITION__]``, and ``predict --keep g`` wrote the marker. It is
    a missing value, as pyarrow's hive partitioning reads it (the oracle: the folder read
    by ``pyarrow.dataset`` and written as one file trains the same model), and kept as an
    empty cell."""
    import pyarrow.dataset as ds

    rng = np.random.default_rng(6)
    n = 240
    g = pd.array(np.where(np.arange(n) % 5 == 0, None, np.arange(n) % 3), dtype="Int64")
    df = pd.DataFrame({"a": rng.normal(size=n), "g": g})
    df["y"] = (df.a + rng.normal(size=n) > 0).astype(int)
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(df, preserve_index=False), hive, partition_cols=["g"])
    assert (hive / "g=__HIVE_DEFAULT_PARTITION__").is_dir()
    whole = ds.dataset(hive, format="parquet", partitioning="hive").to_table()
    pq.write_table(whole, tmp_path / "whole.parquet")
    coefs = []
    for data in (hive, tmp_path / "whole.parquet"):
        model = tmp_path / f"{data.stem}.json"
        argv = ["train", data, "--target", "y", "--impute", "mean", "--model", model, "-q"]
        code, _, err = run(argv, capsys)
        assert code == 0, err
        est = oneneuron.load(model)
        assert list(est.feature_names_out_) == ["a", "g"], est.feature_names_out_
        coefs.append(est.coef_)
    np.testing.assert_allclose(coefs[0], coefs[1], rtol=1e-9)
    out = tmp_path / "p.csv"
    code, _, err = run(["predict", model, hive, "--out", out, "--keep", "g", "-q"], capsys)
    assert code == 0, err
    kept = pd.read_csv(out, keep_default_na=False)["g"]
    assert (kept == "").sum() == pd.isna(g).sum()
    assert set(kept) == {"", "0", "1", "2"}


def test_a_hive_keys_values_are_read_as_written_not_as_their_folder_names(tmp_path, capsys):
    """pyarrow writes a partition value as a URI-encoded folder name (``New York`` in
    ``city=New%20York``, ``a/b`` in ``city=a%2Fb``) and decodes it when reading, as Dask
    does. The command line's folder reader took the folder names for the values: the
    model's levels were ``city[T.S%C3%A3o%20Paulo]``, not those of the same rows in one
    file (the oracle: the folder read by ``pyarrow.dataset``), and predict kept the
    encoded names."""
    import pyarrow.dataset as ds

    rng = np.random.default_rng(8)
    n = 180
    cities = np.array(["New York", "São Paulo", "a/b"])[np.arange(n) % 3]
    df = pd.DataFrame({"a": rng.normal(size=n), "city": cities})
    df["y"] = (df.a + (df.city == "a/b") + rng.normal(size=n) > 0).astype(int)
    hive = tmp_path / "hive"
    pq.write_to_dataset(
        pa.Table.from_pandas(df, preserve_index=False), hive, partition_cols=["city"]
    )
    assert (hive / "city=New%20York").is_dir()
    whole = ds.dataset(hive, format="parquet", partitioning="hive").to_table()
    pq.write_table(whole, tmp_path / "whole.parquet")
    fitted = []
    for data in (hive, tmp_path / "whole.parquet"):
        model = tmp_path / f"{data.stem}.json"
        code, _, err = run(["train", data, "--target", "y", "--model", model, "-q"], capsys)
        assert code == 0, err
        fitted.append(oneneuron.load(model))
    assert list(fitted[0].feature_names_out_) == list(fitted[1].feature_names_out_)
    np.testing.assert_allclose(fitted[0].coef_, fitted[1].coef_, rtol=1e-9)
    out = tmp_path / "p.csv"
    code, _, err = run(["predict", model, hive, "--out", out, "--keep", "city", "-q"], capsys)
    assert code == 0, err
    assert set(pd.read_csv(out)["city"]) == set(cities)


def test_a_scheduler_address_without_its_protocol_is_an_address(tmp_path, capsys):
    """``fit_parquet(scheduler=...)`` and ``train --engine dask --scheduler`` took only an
    address with ``://`` for a cluster: ``127.0.0.1:8786`` (as ``distributed.Client``
    takes it, and as the scheduler prints it without ``tcp://``) was set as a local
    scheduler's name and failed at the fit with Dask's 'Expected one of [distributed,
    ...]', which named no option; a misspelt name ('thread') failed so too. An address
    now connects (the fit equals the in-memory one); a name that is neither is one error
    naming the option and both forms."""
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from oneneuron.dask_io import fit_parquet

    rng = np.random.default_rng(9)
    n = 120
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    df["y"] = (df.a + rng.normal(size=n) > 0).astype(int)
    df.to_parquet(tmp_path / "d.parquet")
    ref = oneneuron.NeuronClassifier().fit(df[["a", "b"]], df.y)
    opts = {"protocol": "tcp://", "host": "127.0.0.1", "dashboard_address": None}
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, **opts) as cl:
        bare = cl.scheduler_address.removeprefix("tcp://")
        got = fit_parquet(tmp_path / "d.parquet", "y", scheduler=bare)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-7)
    with pytest.raises(ValueError, match=r"scheduler 'thread' is neither .*threads.*host:port"):
        fit_parquet(tmp_path / "d.parquet", "y", scheduler="thread")
    argv = ["train", tmp_path / "d.parquet", "--target", "y", "--engine", "dask"]
    fail(
        [*argv, "--scheduler", "thread", "--model", tmp_path / "m.json"],
        capsys,
        "--scheduler 'thread' is neither",
    )
    assert not (tmp_path / "m.json").exists()


def test_dask_fits_a_hive_folder_with_a_missing_key_it_does_not_use(tmp_path, capsys):
    """A folder partitioned by g, some of whose rows have no g (pyarrow writes them under
    ``g=__HIVE_DEFAULT_PARTITION__``), failed in ``fit_parquet`` and ``train --engine
    dask --features a`` even though g is no feature: Dask reads each file as a hive
    dataset of its own, and pyarrow cannot type the key of the file of missing keys
    ('No non-null segments were available for field g'; where the frame's g was pandas'
    Int64, a NotImplementedError traceback on the command line). The fit reads the
    files' own columns when no key is wanted, and equals the in-memory fit; a key it
    wants, with rows that have none, is one error naming the folder."""
    pytest.importorskip("dask.dataframe")
    import dask

    from oneneuron.dask_io import fit_parquet

    rng = np.random.default_rng(10)
    n = 200
    g = pd.array(np.where(np.arange(n) % 4 == 0, None, np.arange(n) % 2), dtype="Int64")
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "g": g})
    df["y"] = (df.a - df.b + rng.normal(size=n) > 0).astype(int)
    hive = tmp_path / "hive"
    pq.write_to_dataset(pa.Table.from_pandas(df, preserve_index=False), hive, partition_cols=["g"])
    ref = oneneuron.NeuronClassifier().fit(df[["a", "b"]], df.y)
    with dask.config.set(scheduler="synchronous"):
        got = fit_parquet(hive, "y", ["a", "b"])
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-7)
    model = tmp_path / "m.json"
    argv = ["train", hive, "--target", "y", "--features", "a", "b", "--engine", "dask"]
    code, _, err = run([*argv, "--scheduler", "synchronous", "--model", model, "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(oneneuron.load(model).coef_, ref.coef_, rtol=1e-7)
    with pytest.raises(ValueError, match=r"g=__HIVE_DEFAULT_PARTITION__.* have no 'g'"):
        fit_parquet(hive, "y", ["a", "b", "g"])  # a key it cannot read: one clear error
    argv = ["train", hive, "--target", "y", "--features", "a", "g", "--engine", "dask"]
    fail([*argv, "--model", model, "--force"], capsys, "have no 'g' (a missing partition key)")


def test_dask_names_the_files_whose_labels_differ_in_type(tmp_path, capsys):
    """A folder whose target is text in one file ('0', '1') and integers in another: the
    Dask engine said 'y mixes label types across row chunks (e.g. '0' and
    np.int64(0))', naming neither the column (on the command line, ``--target label``
    was called y) nor the files. Now one error names the column and both files."""
    pytest.importorskip("dask.dataframe")
    from oneneuron.dask_io import fit_parquet

    rng = np.random.default_rng(11)
    n = 100
    df = pd.DataFrame({"a": rng.normal(size=n)})
    df["label"] = (df.a + rng.normal(size=n) > 0).astype(int)
    folder = tmp_path / "parts"
    folder.mkdir()
    df.iloc[:50].assign(label=df.label.iloc[:50].astype(str)).to_parquet(folder / "p0.parquet")
    df.iloc[50:].to_parquet(folder / "p1.parquet")
    want = r"target 'label' holds text in \S*p0.parquet .*numbers in \S*p1.parquet"
    with pytest.raises(ValueError, match=want):
        fit_parquet(folder, "label")
    argv = ["train", folder, "--target", "label", "--engine", "dask", "--model", tmp_path / "m"]
    err = fail(argv, capsys, "target 'label' holds text in")
    assert "p1.parquet" in err


def test_predict_names_the_file_of_a_folder_that_lacks_a_column(tmp_path, capsys):
    """predict and evaluate on a folder one of whose files lacks a feature said
    'FOLDER lacks feature column(s) 'b' (it has 'a', 'y')', although the first file has
    b: the file that lacks it is now named (as ``train --engine dask`` names it)."""
    model, df = _train(tmp_path, capsys)
    folder = tmp_path / "parts"
    folder.mkdir()
    df.iloc[:30].to_parquet(folder / "p0.parquet")
    df.iloc[30:].drop(columns="b").to_parquet(folder / "p1.parquet")
    for argv in (
        ["predict", model, folder, "--out", tmp_path / "p.csv"],
        ["evaluate", model, folder],
    ):
        err = fail(argv, capsys, "lacks feature column 'b' that")
        assert f"the Parquet file {folder / 'p1.parquet'} of {folder} lacks" in err


@pytest.mark.parametrize("chunk", ["8", "1000"])
def test_predict_to_csv_writes_a_kept_integer_column_with_a_gap_as_integers(
    tmp_path, capsys, chunk
):
    """An int64 id column with a missing value (as pyarrow, Spark or polars write it)
    reaches pandas as float64, and ``predict --keep id --out p.csv`` wrote the ids as
    '26.0' (every id where the file was one chunk, only the gap's chunk's where it was
    read in chunks). They are written as stored: '26', and an empty cell for the gap."""
    model, _ = _train(tmp_path, capsys)
    n = 30
    rng = np.random.default_rng(12)
    ids = pa.array([None if i == 25 else i for i in range(n)], pa.int64())
    table = pa.table({"id": ids, "a": rng.normal(size=n), "b": rng.normal(size=n)})
    pq.write_table(table, tmp_path / "new.parquet")
    out = tmp_path / "p.csv"
    argv = ["predict", model, tmp_path / "new.parquet", "--out", out, "--keep", "id"]
    code, _, err = run([*argv, "--chunk-rows", chunk, "-q"], capsys)
    assert code == 0, err
    written = pd.read_csv(out, dtype=str, keep_default_na=False)["id"].tolist()
    assert written == ["" if i == 25 else str(i) for i in range(n)]
