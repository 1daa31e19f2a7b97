"""Table reading and encoding for the command line, checked against pandas as the oracle."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from oneneuron.tables import _read as tab


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    n = 60
    return pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "n": rng.integers(0, 5, size=n),
            "colour": rng.choice(["red", "blue", "green"], size=n),
            "flag": rng.choice([True, False], size=n),
            "y": rng.choice(["a", "b"], size=n),
        }
    )


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("d.csv", "csv"),
        ("D.CSV", "csv"),
        ("d.tsv", "tsv"),
        ("d.tab", "tsv"),
        ("d.csv.gz", "csv"),
        ("d.tsv.bz2", "tsv"),
        ("d.parquet", "parquet"),
        ("d.pq", "parquet"),
    ],
)
def test_format_from_extension(name, fmt):
    assert tab.data_format(name) == fmt


@pytest.mark.parametrize("name", ["d.xlsx", "d.json", "d", "d.gz", "csv"])
def test_unknown_extension_is_an_error(name):
    with pytest.raises(tab.DataError, match="cannot tell the format.*use .csv"):
        tab.data_format(name)


def test_one_hot_matches_pandas(frame):
    feats = ["x", "n", "colour", "flag"]
    spec = tab.fit_spec(frame, "y", feats, None, "t")
    assert [c["kind"] for c in spec["columns"]] == ["numeric", "numeric", "categorical", "numeric"]
    report = tab.EncodeReport()
    X = tab.encode(frame, spec, report)
    oracle = pd.get_dummies(frame[feats], columns=["colour"], prefix_sep="=", dtype=float)
    oracle = oracle[tab.feature_names(spec)]  # same names, pandas' own encoding
    assert np.array_equal(X, oracle.to_numpy(dtype=float))
    assert not report.missing and not report.unknown


def test_unknown_categories_encode_as_zeros_and_are_counted(frame):
    spec = tab.fit_spec(frame, "y", ["colour"], None, "t")
    new = pd.DataFrame({"colour": ["red", "purple", "purple", "blue", "teal"]})
    report = tab.EncodeReport()
    X = tab.encode(new, spec, report)
    assert X.sum(axis=1).tolist() == [1, 0, 0, 1, 0]
    assert report.unknown == {"colour": [3, "purple"]}
    assert "'colour': 3 rows (e.g. 'purple')" in report.unknown_note()


def test_missing_values_are_reported_with_column_count_and_row(frame):
    spec = tab.fit_spec(frame, "y", ["x", "colour"], None, "t")
    df = frame.copy()
    df.loc[[4, 7, 9], "x"] = np.nan
    df.loc[[2], "colour"] = None
    report = tab.EncodeReport()
    tab.encode(df.iloc[:5], spec, report, first_row=1)
    tab.encode(df.iloc[5:], spec, report, first_row=6)
    assert report.missing == {"x": [3, 5], "colour": [1, 3]}
    with pytest.raises(tab.DataError, match=r"'x' \(3 rows, first at data row 5\).*--impute"):
        report.raise_missing("t.csv")


@pytest.mark.parametrize("how", ["mean", "median", "most_frequent"])
def test_impute_uses_the_training_statistic(frame, how):
    df = frame.copy()
    df.loc[[1, 2], "n"] = np.nan
    df.loc[[3], "colour"] = None
    spec = tab.fit_spec(df, "y", ["n", "colour"], how, "t")
    n = df["n"].dropna()
    expected = {"mean": n.mean(), "median": n.median(), "most_frequent": n.mode().iloc[0]}[how]
    assert spec["columns"][0]["fill"] == pytest.approx(expected, rel=1e-12)
    assert spec["columns"][1]["fill"] == df["colour"].mode().iloc[0]
    X = tab.encode(df, spec, report := tab.EncodeReport())
    assert not report.missing
    assert X[1, 0] == X[2, 0] == spec["columns"][0]["fill"]


def test_fit_spec_rejects_bad_tables(frame):
    with pytest.raises(tab.DataError, match="cannot also be a feature"):
        tab.fit_spec(frame, "y", ["x", "y"], None, "t")
    with pytest.raises(tab.DataError, match="no data rows"):
        tab.fit_spec(frame.iloc[:0], "y", ["x"], None, "t")
    ids = frame.assign(id=[f"row{i}" for i in range(len(frame))])
    with pytest.raises(tab.DataError, match="60 distinct"):
        old, tab.MAX_CATEGORIES = tab.MAX_CATEGORIES, 10
        try:
            tab.fit_spec(ids, "y", ["id"], None, "t")
        finally:
            tab.MAX_CATEGORIES = old
    empty = frame.assign(x=np.nan)
    with pytest.raises(tab.DataError, match="'x'.*every cell is missing"):
        tab.fit_spec(empty, "y", ["x"], None, "t")


def test_non_numeric_cell_in_numeric_column(frame):
    spec = tab.fit_spec(frame, "y", ["x"], None, "t")
    report = tab.EncodeReport()
    tab.encode(pd.DataFrame({"x": ["1.5", "oops", None]}), spec, report)
    with pytest.raises(tab.DataError, match="'x'.*must be numeric.*1 non-numeric.*'oops'"):
        report.raise_missing("t.csv")


@pytest.mark.parametrize("ext", ["csv", "tsv", "parquet"])
def test_chunks_equal_the_whole_table(tmp_path, frame, ext):
    path = tmp_path / f"d.{ext}"
    if ext == "parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, sep="\t" if ext == "tsv" else ",", index=False)
    cols = ["x", "colour"]
    assert tab.read_columns(path) == list(frame.columns)
    parts = list(tab.iter_table(path, cols, ["colour"], 7))
    assert len(parts) == 9
    fracs = [f for _, f in parts]
    assert fracs == sorted(fracs) and fracs[-1] == 1.0
    whole = tab.read_table(path, cols, ["colour"])
    chunked = pd.concat([c for c, _ in parts], ignore_index=True)
    pd.testing.assert_frame_equal(chunked, whole.reset_index(drop=True))
    assert np.array_equal(whole["x"].to_numpy(), frame["x"].to_numpy())


def test_text_columns_stay_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("code,v\n01,1\n2,2\n")
    df = tab.read_table(path, ["code"], ["code"])
    assert df["code"].tolist() == ["01", "2"]


def test_empty_and_unreadable_files(tmp_path):
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(tab.DataError, match="is empty"):
        tab.read_columns(tmp_path / "e.csv")
    (tmp_path / "b.parquet").write_text("a,b\n1,2\n")
    with pytest.raises(tab.DataError, match="is not a Parquet file"):
        tab.read_columns(tmp_path / "b.parquet")
    (tmp_path / "d.parquet").write_bytes(b"PAR1" + bytes(64))  # Parquet's mark, damaged
    with pytest.raises(tab.DataError, match="cannot read .* as PARQUET"):
        tab.read_columns(tmp_path / "d.parquet")
    with pytest.raises(tab.DataError, match="does not exist"):
        tab.read_columns(tmp_path / "nope.csv")


def test_stored_spec_is_checked(frame):
    spec = tab.fit_spec(frame, "y", ["x", "colour"], "mean", "t")
    names = tab.feature_names(spec)
    tab.check_input_spec(spec, names, None)
    with pytest.raises(ValueError, match="do not match"):
        tab.check_input_spec(spec, names[:-1], None)
    bad = {**spec, "impute": None}
    with pytest.raises(ValueError, match="inconsistent with impute"):
        tab.check_input_spec(bad, names, None)
    bad = {**spec, "columns": [{**spec["columns"][1], "fill": "purple"}]}
    with pytest.raises(ValueError, match="inconsistent"):
        tab.check_input_spec(bad, tab.feature_names(bad), None)


def test_arrow_record_batch_is_a_table_as_pandas_is():
    """A pyarrow RecordBatch is a table (names, text columns), as a pyarrow Table is:
    the same model, feature names and predictions as from the pandas frame it holds."""
    import pyarrow as pa

    from oneneuron import NeuronClassifier, NeuronClassifierCV

    rng = np.random.default_rng(5)
    n = 80
    df = pd.DataFrame({"x": rng.normal(size=n), "city": rng.choice(["a", "b", "c"], n)})
    y = (df["x"] + rng.normal(size=n) > 0).astype(int)
    rb = pa.RecordBatch.from_pandas(df, preserve_index=False)
    ref, got = NeuronClassifier().fit(df, y), NeuronClassifier().fit(rb, y)
    assert list(got.feature_names_in_) == list(ref.feature_names_in_) == ["x", "city"]
    assert list(got.feature_names_out_) == list(ref.feature_names_out_)
    np.testing.assert_allclose(got.coef_, ref.coef_, rtol=1e-12)
    np.testing.assert_allclose(ref.predict_proba(rb), ref.predict_proba(df), rtol=1e-12)
    assert got.score(rb, y) == ref.score(df, y)
    cv = NeuronClassifierCV(n_alphas=3, cv=3).fit(rb, y)
    assert list(cv.feature_names_out_) == list(ref.feature_names_out_)
