"""Hostile input, sixth round: what the earlier rounds (tests/test_hostile.py) missed.

Each refusal is one ``error:`` line naming the cause in the user's terms (CLI: exit 1,
no traceback; :func:`_cli.fail`), and a correct result is checked against an
independent reading of the same data (pandas, scikit-learn).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from _cli import fail

HEADER = "x1,x2,y\n"


def _rows(n: int = 30, seed: int = 0) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n).round(3), rng.normal(size=n).round(3)
    y = ((x1 + 0.5 * x2 + rng.normal(scale=0.8, size=n)) > 0).astype(int)
    return [[str(a), str(b), str(t)] for a, b, t in zip(x1, x2, y, strict=True)]


def _csv(path: Path, rows: list[list[str]], header: str = HEADER) -> Path:
    path.write_text(header + "".join(",".join(r) + "\n" for r in rows))
    return path


# ------------------------------------------------------------------ target labels
@pytest.mark.parametrize(
    ("one", "other"), [("1", "1.0"), ("1", "01"), ("0", "0.0"), ("1", "1e0"), ("1", "+1")]
)
def test_train_refuses_one_number_written_two_ways_as_labels(tmp_path, capsys, one, other):
    """A 0/1 target with some cells written '1.0' (a spreadsheet's export) was read as
    text and fitted as three classes '0', '1', '1.0' (a multinomial model, silently);
    ``evaluate`` reads the same cells as the number 1."""
    rows = _rows()
    for r in rows[::3]:
        r[2] = other if r[2] == one else r[2]
    data = _csv(tmp_path / "d.csv", rows)
    err = fail(["train", data, "--target", "y", "--model", tmp_path / "m.json", "-q"], capsys, "y")
    assert f"the same number written two ways ('{one}' and '{other}')" in err
    assert not (tmp_path / "m.json").exists()


def test_train_keeps_codes_that_are_different_numbers(tmp_path, capsys):
    """Integers beyond 2**53 that float64 would merge stay two classes (compared exactly)."""
    from _cli import run

    rows = _rows()
    for r in rows:
        r[2] = {"0": "9007199254740992", "1": "9007199254740993"}[r[2]]
    for r in rows[::2]:  # a third class written as text: the column stays text
        r[2] = "x"
    data = _csv(tmp_path / "d.csv", rows)
    code, _, err = run(
        ["train", data, "--target", "y", "--model", tmp_path / "m.json", "-q"], capsys
    )
    assert code == 0, err


def test_train_target_without_any_label(tmp_path, capsys):
    """Every cell of the target empty was 'has only one class (none)'."""
    rows = [[a, b, ""] for a, b, _ in _rows()]
    data = _csv(tmp_path / "d.csv", rows)
    err = fail(["train", data, "--target", "y", "--model", tmp_path / "m.json", "-q"], capsys, "y")
    assert "only one class" not in err
    assert "every one of its 30 rows is missing" in err


# ------------------------------------------------------------------ text tables
def test_thousands_comma_in_a_comma_separated_file_follows_the_advice(tmp_path, capsys):
    """Quoted "3,462.5" cells in a ','-separated file: train's error advised
    --thousands ',', which then was refused ('also the separator'). pandas reads the
    quoted cells with thousands=','; the fit equals the Python API's on that reading."""
    import pandas as pd

    from _cli import run
    from oneneuron import NeuronClassifier, load

    rows = _rows()
    for r in rows:
        r[0] = '"' + f"{abs(float(r[0])) * 10000 + 1000:,.1f}" + '"'
    data = _csv(tmp_path / "d.csv", rows)
    model = tmp_path / "m.json"
    argv = ["train", data, "--target", "y", "--model", model, "-q"]
    fail(argv, capsys, "--thousands ','")
    code, _, err = run([*argv, "--thousands", ","], capsys)
    assert code == 0, err
    oracle = pd.read_csv(data, thousands=",")
    assert oracle["x1"].dtype == float
    expected = NeuronClassifier().fit(oracle[["x1", "x2"]], oracle["y"])
    np.testing.assert_allclose(load(model).coef_, expected.coef_, rtol=1e-10)
    for cmd in (["predict", model, data, "--out", tmp_path / "p.csv"], ["evaluate", model, data]):
        code, _, err = run([*cmd, "--thousands", ",", "-q"], capsys)
        assert code == 0, err


def test_thousands_mark_equal_to_the_decimal_mark_is_refused(tmp_path, capsys):
    data = _csv(tmp_path / "d.csv", _rows())
    argv = ["train", data, "--target", "y", "--model", tmp_path / "m.json", "--sep", ";"]
    fail([*argv, "--decimal", ",", "--thousands", ","], capsys, "also the decimal mark")


# ------------------------------------------------------------------ output paths
@pytest.fixture(scope="module")
def fitted():
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    return NeuronClassifier().fit(X, (X[:, 0] + rng.normal(size=30) > 0).astype(int))


def _no_temp_files(folder: Path) -> None:
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("overwrite", [False, True])
def test_save_to_a_folder_names_the_folder(fitted, tmp_path, overwrite):
    """save(folder, overwrite=True) raised IsADirectoryError naming the hidden
    temporary file ('.dir.<hex>.tmp' -> 'dir'); without overwrite, 'dir already exists'."""
    from oneneuron.tables import DataError

    (tmp_path / "out").mkdir()
    with pytest.raises(DataError, match=r"out is a folder"):
        fitted.save(tmp_path / "out", overwrite=overwrite)
    assert list((tmp_path / "out").iterdir()) == []
    _no_temp_files(tmp_path)


@pytest.mark.parametrize("link", [False, True])
def test_save_into_a_missing_folder_names_it(fitted, tmp_path, link):
    """A path in a folder that does not exist (or a symbolic link to one) raised
    FileNotFoundError naming the temporary file 'nope/.m.json.<hex>.tmp'."""
    from oneneuron.tables import DataError

    path = tmp_path / "nope" / "m.json"
    if link:
        (tmp_path / "m.json").symlink_to(path)
        path = tmp_path / "m.json"
    with pytest.raises(DataError, match=r"folder .*nope does not exist") as info:
        fitted.save(path)
    assert ".tmp" not in str(info.value)


@pytest.mark.parametrize("flag", ["--model", "--report"])
def test_cli_output_through_a_dangling_link(fitted, tmp_path, capsys, flag):
    """--model or --report naming a symbolic link into a missing folder: 'error: cannot
    access /…/.x.json.<hex>.tmp: No such file or directory' (the hidden temporary name)."""
    data = _csv(tmp_path / "d.csv", _rows())
    out = tmp_path / ("out.json" if flag == "--model" else "out.html")
    out.symlink_to(tmp_path / "gone" / out.name)
    if flag == "--model":
        argv = ["train", data, "--target", "y", "--model", out, "-q"]
    else:
        fitted_model = tmp_path / "m.json"
        from _cli import run

        assert run(["train", data, "--target", "y", "--model", fitted_model, "-q"], capsys)[0] == 0
        argv = ["evaluate", fitted_model, data, "--report", out, "-q"]
    err = fail(argv, capsys, "gone does not exist")
    assert ".tmp" not in err
    assert out.is_symlink() and not (tmp_path / "gone").exists()


# ------------------------------------------------------------------ playground, demo folders
def _in_the_way(folder: Path, name: str, kind: str) -> None:
    folder.mkdir(exist_ok=True)
    if kind == "folder":
        (folder / name).mkdir()
    elif kind == "device":  # empty and harmless here; /dev/zero was read whole (all memory)
        (folder / name).symlink_to("/dev/null")
    else:
        (folder / name).symlink_to(folder / "gone" / name)


@pytest.mark.parametrize("kind", ["folder", "device", "dangling"])
def test_playground_refuses_a_page_that_is_no_file(tmp_path, capsys, kind):
    """DIR/playground.html a folder: a traceback (IsADirectoryError from read_text); a
    symbolic link to /dev/zero: read_text read it until memory ran out (the process was
    killed). Only a regular file's first bytes are read now."""
    _in_the_way(tmp_path / "out", "playground.html", kind)
    err = fail(["playground", "--out", tmp_path / "out"], capsys, "playground.html")
    assert "not overwriting it" in err
    assert "was not written by" not in err  # what it is, not a guess at who wrote it


@pytest.mark.parametrize("kind", ["folder", "device", "dangling"])
def test_demo_refuses_a_page_that_is_no_file(tmp_path, capsys, kind):
    """The same for demo's DIR/index.html (refused before any walkthrough runs)."""
    _in_the_way(tmp_path / "out", "index.html", kind)
    err = fail(["demo", "perceptron", "--out", tmp_path / "out"], capsys, "index.html")
    assert "not overwriting it" in err
    assert "was not written by" not in err


def test_demo_refuses_a_file_where_a_walkthrough_folder_goes(tmp_path, capsys):
    """DIR/perceptron a file: NotADirectoryError from iterdir(), a traceback."""
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "perceptron").write_text("mine")
    fail(["demo", "perceptron", "--out", tmp_path / "out"], capsys, "is not a folder")
    assert (tmp_path / "out" / "perceptron").read_text() == "mine"


@pytest.mark.parametrize("command", [["playground"], ["demo", "perceptron"]])
def test_output_folder_flags_refuse_empty_and_dangling(tmp_path, capsys, monkeypatch, command):
    """--out '' wrote into the current folder; --out naming a dangling symbolic link said
    '[Errno 17] File exists' (playground) or gave a traceback (demo)."""
    monkeypatch.chdir(tmp_path)
    fail([*command, "--out", ""], capsys, "--out is empty")
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    fail([*command, "--out", tmp_path / "link"], capsys, "gone, which does not exist")


# ------------------------------------------------------------------ Python API inputs
def _xy(n: int = 30):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 2))
    return X, (X[:, 0] + rng.normal(size=n) > 0).astype(int)


@pytest.mark.parametrize("method", ["fit", "predict"])
def test_records_as_X_name_the_table_that_reads_them(fitted, method):
    """X as a list of dicts (JSON records) said only "float() argument must be a string
    or a real number, not 'dict'"; pandas reads the records as a table."""
    import pandas as pd

    from oneneuron import NeuronClassifier

    X, y = _xy()
    records = [{"a": a, "b": b} for a, b in X]
    with pytest.raises(ValueError, match=r"X is a list of dicts .*pandas\.DataFrame\(X\)"):
        if method == "fit":
            NeuronClassifier().fit(records, y)
        else:
            fitted.predict(records)
    ok = NeuronClassifier().fit(pd.DataFrame(records), y)  # the advice works
    np.testing.assert_allclose(ok.coef_, NeuronClassifier().fit(X, y).coef_)


@pytest.mark.parametrize("method", ["fit", "predict"])
def test_a_generator_as_X_is_named(fitted, method):
    """X as a generator said "float() argument must be ..., not 'generator'"."""
    from oneneuron import NeuronClassifier

    X, y = _xy()
    with pytest.raises(ValueError, match=r"X is a generator.*np\.array\(list\(X\)\)"):
        if method == "fit":
            NeuronClassifier().fit((row for row in X), y)
        else:
            fitted.predict(row for row in X)


@pytest.mark.parametrize("what", ["y", "sample_weight"])
def test_a_generator_as_y_or_weights_is_named(what):
    """y as a generator: 'y should be a 1d array, got an array of shape ()'; sample_weight:
    "float() argument must be a string or a real number, not 'generator'"."""
    from oneneuron import NeuronClassifier

    X, y = _xy()
    kw = {"y": (v for v in y)} if what == "y" else {"y": y, "sample_weight": (1.0 for _ in y)}
    with pytest.raises(ValueError, match=rf"{what} is a generator.*np\.array\(list\({what}\)\)"):
        NeuronClassifier().fit(X, **kw)


@pytest.mark.parametrize("name", [" b", "b ", "\u00a0b"])
def test_column_names_with_surrounding_spaces_save_and_load(tmp_path, name):
    """A table's column ' b' (a header written 'a, b, y') fitted, but its model could not
    be saved: "design: term ' b' is not what its name computes. Its parameters were
    changed after the fit (set_params) ..." (the check stripped the name); the same
    for a categorical ' g' and a boolean 'h '."""
    import pandas as pd

    from oneneuron import NeuronClassifier, load

    X, y = _xy(60)
    rng = np.random.default_rng(1)
    df = pd.DataFrame(X, columns=["a", name]).assign(y=y)
    df[" g"] = np.where(rng.random(60) > 0.5, "u", " v")
    df["h "] = rng.random(60) > 0.5
    est = NeuronClassifier().fit(df, "y")
    est.save(tmp_path / "m.json")
    again = load(tmp_path / "m.json")
    assert again.feature_names_out_.tolist() == ["a", name, " g[T.u]", "h "]
    np.testing.assert_array_equal(again.predict_proba(df), est.predict_proba(df))


def test_labels_padded_with_spaces_are_the_numbers_pandas_reads(tmp_path, capsys):
    """A file written with ', ' between fields (np.savetxt(delimiter=', '), hand-typed
    tables): pandas reads every number through the space, but train kept the labels
    as text, classes ' 0' and ' 1', so evaluate on the same rows written without the
    spaces said "20 label(s) the model does not know: '0' ... its classes are [' 0', ' 1']"."""
    from _cli import run
    from oneneuron import load

    rows = _rows()
    plain = _csv(tmp_path / "plain.csv", rows)
    padded = tmp_path / "padded.csv"
    padded.write_text("x1, x2, y\n" + "".join(", ".join(r) + "\n" for r in rows))
    models = {}
    for name, data in (("plain", plain), ("padded", padded)):
        models[name] = tmp_path / f"{name}.json"
        argv = ["train", data, "--target", "y", "--model", models[name], "-q"]
        if name == "padded":
            argv[3] = " y"  # the header keeps its space: a name is as written
        code, _, err = run(argv, capsys)
        assert code == 0, err
    assert load(models["padded"]).classes_.tolist() == [0, 1]
    np.testing.assert_array_equal(load(models["padded"]).coef_, load(models["plain"]).coef_)
    code, _, err = run(["evaluate", models["padded"], padded, "-q"], capsys)
    assert code == 0, err


# ------------------------------------------------------------------ target of no label type
def _table_with_target(kind: str):
    import datetime as dt

    import pandas as pd

    X, y = _xy(40)
    labels = {
        "dates": [dt.date(2020, 1, 1 + int(v)) for v in y],
        "lists": [[int(v)] for v in y],
    }[kind]
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "y": labels})


@pytest.mark.parametrize("kind", ["dates", "lists"])
def test_target_of_dates_or_lists_gets_a_targets_advice(tmp_path, capsys, kind):
    """A Parquet target of dates or lists was refused with a feature's advice, 'or leave
    it out with --features (or --formula)', which a target cannot follow; the Python
    API said scikit-learn's 'Unknown label type: unknown' or 'legacy multi-label data
    representation'."""
    from oneneuron import NeuronClassifier

    df = _table_with_target(kind)
    with pytest.raises(ValueError, match=rf"target column 'y' holds {kind} .*not class labels"):
        NeuronClassifier().fit(df, "y")
    df.to_parquet(tmp_path / "d.parquet")
    argv = ["train", tmp_path / "d.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    err = fail(argv, capsys, f"target column 'y' of {tmp_path / 'd.parquet'} holds {kind}")
    assert "--features" not in err


@pytest.mark.parametrize("what", ["X", "y"])
def test_a_set_has_no_rows(what):
    """A set as X said "float() argument must be ... not 'set'"; as y, scikit-learn's
    shape message. A set has no order: no row of it matches a row of the other."""
    from oneneuron import NeuronClassifier

    X, y = _xy(2)
    args = ({(1.0, 2.0), (3.0, 4.0)}, y) if what == "X" else (X, {0, 1})
    with pytest.raises(ValueError, match=rf"{what} is a set: its elements have no order"):
        NeuronClassifier().fit(*args)


def test_csr_with_duplicate_entries_fits_as_its_sum():
    """A CSR matrix may store one cell twice (scipy sums them: csr.toarray()); the
    column statistics squared each stored entry (1**2 + 1**2, not 2**2), so a column of
    2s stored as 1 + 1 had scale 1.41 instead of constant, and its coefficient came out
    0.00685 where the dense fit's is 0 (with alpha > 0 every duplicated column's penalty
    was off too)."""
    import scipy.sparse as sp

    from oneneuron import NeuronClassifier

    X, y = _xy(60)
    rng = np.random.default_rng(3)
    z = rng.normal(size=60)
    data, indices, indptr = [], [], [0]
    for i in range(60):  # column 0: 1 + 1; column 1: z split in two; column 2: X[:, 0]
        data += [1.0, 1.0, z[i] / 3, 2 * z[i] / 3, X[i, 0]]
        indices += [0, 0, 1, 1, 2]
        indptr.append(len(data))
    M = sp.csr_matrix((np.array(data), np.array(indices), np.array(indptr)), shape=(60, 3))
    dense = M.toarray()
    for kw in ({}, {"alpha": 0.5}, {"alpha": 0.05, "l1_ratio": 1.0}):
        s, d = NeuronClassifier(**kw).fit(M, y), NeuronClassifier(**kw).fit(dense, y)
        np.testing.assert_allclose(s.scale_, d.scale_, rtol=1e-12)
        np.testing.assert_allclose(s.coef_, d.coef_, rtol=1e-6, atol=1e-10)
    assert not M.has_canonical_format  # the user's matrix is left as given


def test_reference_of_a_numeric_column_speaks_in_flags(tmp_path, capsys):
    """'error: reference names column 'x1', which is numeric, not categorical': the
    Python keyword, and no word of --categorical, which makes it a categorical column."""
    from _cli import run

    data = _csv(tmp_path / "d.csv", _rows())
    argv = ["train", data, "--target", "y", "--model", tmp_path / "m.json", "-q"]
    err = fail([*argv, "--reference", f"x1={_rows()[0][0]}"], capsys, "--reference names column")
    assert "--categorical COL" in err
    rows = [[a, str(round(float(b))), t] for a, b, t in _rows()]  # x2: a few whole numbers
    data = _csv(tmp_path / "d.csv", rows)
    code, _, err = run([*argv, "--reference", f"x2={rows[0][1]}", "--categorical", "x2"], capsys)
    assert code == 0, err  # the advice works


def test_a_dask_dataframe_takes_its_target_by_name():
    """fit(ddf, 'y') (a pandas or polars table's way: the target by its column name) said
    'y must be a Dask array or Series when X's partitions have unknown lengths', as if
    the name were a wrong type of y; it is now read as the frame's column."""
    dd = pytest.importorskip("dask.dataframe")
    import dask
    import pandas as pd

    from oneneuron import NeuronClassifier

    X, y = _xy(80)
    df = pd.DataFrame(X, columns=["a", "b"]).assign(y=y)
    ddf = dd.from_pandas(df, npartitions=3)
    with dask.config.set(scheduler="synchronous"):
        est = NeuronClassifier().fit(ddf, "y")
        with pytest.raises(ValueError, match="lacks column.*'nope'"):
            NeuronClassifier().fit(ddf, "nope")
    expected = NeuronClassifier().fit(df, "y")
    np.testing.assert_allclose(est.coef_, expected.coef_, rtol=1e-8)
    assert list(est.feature_names_in_) == ["a", "b"]


@pytest.mark.parametrize(("one", "other"), [("1", "1.0"), ("Yes", "yes")])
def test_dask_engine_checks_labels_as_memory_does(tmp_path, capsys, one, other):
    """train --engine dask fitted a Parquet target with 'yes' and 'Yes' (or '1' and
    '1.0') as separate classes, a silent three-class model where the in-memory
    engine refuses the file."""
    pytest.importorskip("dask.dataframe")
    import pandas as pd

    rows = _rows(60)
    df = pd.DataFrame(rows, columns=["x1", "x2", "y"]).astype({"x1": float, "x2": float})
    df["y"] = [
        other if t == "1" and i % 3 == 0 else (one if t == "1" else "0")
        for i, t in enumerate(df["y"])
    ]
    df.to_parquet(tmp_path / "d.parquet")
    for engine in ("memory", "dask"):
        argv = ["train", tmp_path / "d.parquet", "--target", "y", "--model", tmp_path / "m.json"]
        fail([*argv, "--engine", engine, "-q"], capsys, f"'{one}' and '{other}'")
        assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize("kind", ["dates", "lists"])
def test_dask_engine_target_of_dates_or_lists(tmp_path, capsys, kind):
    """train --engine dask with a Parquet target of dates (or lists) fitted, then said
    'cannot store a value of type date in a model file' (ndarray for lists)."""
    pytest.importorskip("dask.dataframe")
    _table_with_target(kind).to_parquet(tmp_path / "d.parquet")
    argv = ["train", tmp_path / "d.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    err = fail([*argv, "--engine", "dask", "-q"], capsys, f"target column 'y' holds {kind}")
    assert "model file" not in err


def test_dask_engine_missing_labels_advice_it_can_follow(tmp_path, capsys):
    """--engine dask with missing labels said 'y has 2 missing labels (None or NaN), the
    first in row 2; ... and --drop-missing', which --engine dask then refuses."""
    pytest.importorskip("dask.dataframe")
    import pandas as pd

    df = pd.DataFrame(_rows(), columns=["x1", "x2", "y"]).astype(float)
    df.loc[[2, 5], "y"] = np.nan
    df.to_parquet(tmp_path / "d.parquet")
    argv = ["train", tmp_path / "d.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    err = fail([*argv, "--engine", "dask", "-q"], capsys, "target column 'y' has 2 missing")
    assert "first in data row 3" in err and "--engine memory --drop-missing" in err
