"""Columns as other tools write them: what a model can take, and one clear error for the rest.

Spreadsheets and R export numbers with their formatting (``12.5%``, ``1,234.5``,
``$1,200``), dates and times in many forms, and Parquet files carry dates, times, lists
and records as values. Each became a categorical variable with one indicator per
distinct value (a separated fit of dozens of columns, and no word of the cause); each is
now one error naming the column and what it holds, in Python and on the command line.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from _cli import fail  # noqa: E402
from oneneuron import NeuronClassifier
from oneneuron.tables import DataError

N = 24


def _frame(values):
    return pd.DataFrame({"x": values, "z": np.linspace(-1, 1, len(values))})


def _labels(n):
    return np.arange(n) % 2


FORMATTED = [
    pytest.param([f"{v:.1f}%" for v in np.linspace(5, 95, N)], "percentages", id="percent"),
    pytest.param(
        [f"{v:,.1f}" for v in np.linspace(100, 250_000, N)], "thousands separators", id="1,234.5"
    ),
    pytest.param(
        [f"{v:,}" for v in range(1_000_000, 1_000_000 + 5_000 * N, 5_000)],
        "thousands separators",
        id="1,234,567",
    ),
    pytest.param(  # one group and two: only thousands separators write both
        [f"{v:,}" for v in np.geomspace(1_000, 9_000_000, N).astype(int)],
        "thousands separators",
        id="1,234+1,234,567",
    ),
    pytest.param(  # three digits after one comma in every cell: either reading
        [f"{v:,}" for v in range(1_000, 1_000 + 37_919 * N, 37_919)],
        "thousands separators or a decimal comma",
        id="1,234 only",
    ),
    pytest.param(
        [f"{v:,.1f}".replace(",", "\u00a0").replace(".", ",") for v in np.linspace(1e3, 9e5, N)],
        "decimal comma",
        id="1 234,5",
    ),
    pytest.param(
        [f"{v:,.2f}".replace(",", "'") for v in np.linspace(1e3, 9e5, N)],
        "thousands separators",
        id="1'234.50",
    ),
    pytest.param(
        [f"{v:,}".replace(",", " ") for v in range(10_000, 10_000 + 977 * N, 977)],
        "thousands separators",
        id="12 345",
    ),
    pytest.param([f"${v:,.2f}" for v in np.linspace(5, 2500, N)], "currency", id="dollars"),
    pytest.param([f"{v:.2f} €" for v in np.linspace(5, 2500, N)], "currency", id="euros"),
    pytest.param(
        [f"2020-01-{d % 28 + 1:02d}T10:{d % 60:02d}:00+01:00" for d in range(N)],
        "dates as text",
        id="iso-offset",
    ),
    pytest.param(
        [f"2020-01-{d % 28 + 1:02d} 10:00:00Z" for d in range(N)], "dates as text", id="iso-utc"
    ),
    pytest.param(
        [f"{d % 12 + 1}/{d % 28 + 1}/2021" for d in range(N)], "dates as text", id="m/d/y"
    ),
    pytest.param([f"{d % 28 + 1:02d}.03.2021" for d in range(N)], "dates as text", id="d.m.y"),
    pytest.param([f"{d % 24:02d}:{d % 60:02d}" for d in range(N)], "times as text", id="hh:mm"),
    pytest.param(
        [["#DIV/0!", "#VALUE!", "1.5", "2.25"][d % 4] for d in range(N)],
        "spreadsheet error values '#DIV/0!', '#VALUE!'",
        id="excel-errors",
    ),
    pytest.param(
        [["Err:502", None, "0.5", "#N/A"][d % 4] for d in range(N)],
        "spreadsheet error values .*'Err:502'",
        id="calc-errors",
    ),
]


@pytest.mark.parametrize("values, match", FORMATTED)
def test_formatted_numbers_and_dates_in_text_are_named_not_made_categories(
    values, match, tmp_path, capsys
):
    df = _frame(values)
    y = _labels(len(df))
    with pytest.raises(DataError, match=rf"column 'x' holds .*{match}"):
        NeuronClassifier(alpha=1.0).fit(df, y)
    path = tmp_path / "t.csv"
    df.assign(y=y).to_csv(path, index=False)
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "column 'x' of",
    )
    assert not (tmp_path / "m.json").exists()
    assert "=','" not in err, err  # pandas' read_csv options: the command line has none
    if "dates" in match or "times" in match:  # the way to leave it out, in the CLI's terms
        assert err.rstrip().endswith("or leave it out with --features (or --formula)"), err


def test_words_and_codes_stay_categories():
    # what looks like the forms above but is not: words with a % or a colon, codes
    values = ["a%", "b%", "c:d", "e:f"] * 6
    ok = _frame(values).assign(code=["01", "02", "03", "01"] * 6)
    assert NeuronClassifier(alpha=1.0).fit(ok, _labels(N)).coef_.shape[1] == 1 + 3 + 2


VALUES = [
    pytest.param(
        [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in range(N)], "dates", id="date"
    ),
    pytest.param([dt.time(d % 24, 0) for d in range(N)], "times", id="time"),
    pytest.param([[d % 3, 1] for d in range(N)], "lists", id="list"),
    pytest.param([{"a": d % 3} for d in range(N)], "records", id="dict"),
    pytest.param(np.linspace(0, 1, N) + 1j, "complex numbers", id="complex"),
]


@pytest.mark.parametrize("values, match", VALUES)
def test_values_a_model_cannot_take_are_named(values, match, tmp_path, capsys):
    """Python date and time objects (a Parquet date32 or time column, a polars Date or
    Time), lists and records (polars List and Struct) became categories named after their
    text; complex numbers lost their imaginary part with a NumPy warning only."""
    df = _frame(pd.Series(list(values), dtype=None if match == "complex numbers" else object))
    y = _labels(N)
    with pytest.raises(DataError, match=rf"column 'x' holds {match} \(e\.g\. "):
        NeuronClassifier(alpha=1.0).fit(df, y)
    if match == "complex numbers":
        return  # Parquet has no complex type
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x": pa.array(list(values)), "z": df.z, "y": y}), path)
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"], capsys, "column 'x'"
    )
    assert f"holds {match} (e.g. " in err


def test_polars_and_arrow_nested_and_time_columns_are_refused():
    pl = pytest.importorskip("polars")
    import pyarrow as pa

    y = _labels(N)
    base = {"z": np.linspace(-1, 1, N)}
    lists = pl.DataFrame(base).with_columns(x=pl.Series([[d % 3, 1] for d in range(N)]))
    times = pl.DataFrame(base).with_columns(x=pl.Series([dt.time(d % 24) for d in range(N)]))
    for X, match in [
        (lists, "lists"),
        (lists.to_arrow(), "lists"),
        (times, "times"),
        (pa.table({**base, "x": pa.array([{"a": d % 3} for d in range(N)])}), "records"),
    ]:
        with pytest.raises(DataError, match=rf"column 'x' holds {match} \(e\.g\. "):
            NeuronClassifier(alpha=1.0).fit(X, y)


BIG = 2**60


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda i: pd.Series(BIG + i, dtype="int64"), id="int64"),
        pytest.param(lambda i: pd.Series(np.iinfo(np.int64).max - i), id="int64-max"),
        pytest.param(lambda i: pd.Series(np.uint64(2**63) + i.astype(np.uint64)), id="uint64"),
        pytest.param(lambda i: pd.Series(BIG + i, dtype="Int64"), id="Int64"),
        pytest.param(lambda i: pd.Series([2**64 + int(v) for v in i], dtype=object), id="python"),
    ],
)
def test_integers_float64_cannot_resolve_are_refused_not_rounded(make, tmp_path, capsys):
    """Ids beyond 2**53 that differ by a few units all round to the same float64 number:
    the column became constant, its coefficient 0, and the only word was 'column is
    constant (a multiple of the intercept)', which the user's column is not."""
    i = np.arange(N, dtype=np.int64)
    df = _frame(make(i))
    y = _labels(N)
    with pytest.raises(DataError, match=r"column 'x' holds integers as large as .* float64"):
        NeuronClassifier(alpha=1.0).fit(df, y)
    path = tmp_path / "t.csv"
    df.assign(y=y).to_csv(path, index=False)
    fail(["train", path, "--target", "y", "--model", tmp_path / "m.json"], capsys, "column 'x'")


def test_large_integers_with_a_wide_spread_fit_as_numbers():
    # nanoseconds since 1970 (about 1.6e18, beyond 2**53) spread over months: float64
    # rounds them by at most 128 ns, a 1e-13 part of their spread: the same model as the
    # same instants in days (the slope per day is 86400e9 times the slope per ns)
    rng = np.random.default_rng(3)
    ns = 1_600_000_000_000_000_000 + rng.integers(0, 10**16, 200)
    z = rng.normal(size=200)
    y = (rng.random(200) < 1 / (1 + np.exp(-(z + (ns - ns.mean()) / 5e15)))).astype(int)
    got = NeuronClassifier().fit(pd.DataFrame({"t": ns, "z": z}), y)
    days = NeuronClassifier().fit(pd.DataFrame({"t": (ns - ns.min()) / 86400e9, "z": z}), y)
    np.testing.assert_allclose(got.coef_[0, 0] * 86400e9, days.coef_[0, 0], rtol=1e-6)
    np.testing.assert_allclose(got.coef_[0, 1], days.coef_[0, 1], rtol=1e-6)


def test_integer_arrays_float64_cannot_resolve_are_refused():
    from oneneuron import regularization_path

    X = np.column_stack([np.linspace(-1, 1, N).round().astype(np.int64), BIG + np.arange(N)])
    with pytest.raises(DataError, match=r"column 'x1' holds integers as large as"):
        NeuronClassifier().fit(X, _labels(N))
    with pytest.raises(DataError, match=r"column 'x1' holds integers as large as"):
        regularization_path(X, _labels(N), n_alphas=3)
    small = X - np.array([0, BIG])  # shifted: the same differences, exactly
    assert NeuronClassifier(alpha=1.0).fit(small, _labels(N)).coef_[0, 1] != 0


def _missing_in_one_class(n=40):
    rng = np.random.default_rng(5)
    x = rng.normal(size=n)
    y = np.where(np.arange(n) % 2 == 0, "no", "yes")
    lab = np.where(y == "yes", np.nan, x.round(2))  # measured for the 'no' rows only
    return pd.DataFrame({"x": x, "lab": lab, "y": y})


def test_dropping_rows_that_removes_a_class_names_the_column(tmp_path, capsys):
    """A column measured in one class only: missing='drop' dropped every row of the other
    class and the fit said 'y contains only one class', with no word of the dropping
    or of the column that caused it."""
    df = _missing_in_one_class()
    match = r"column 'lab' is missing in every row of class 'yes' \(20 rows\)"
    with pytest.raises(DataError, match=match):
        NeuronClassifier(missing="drop").fit(df[["x", "lab"]], df["y"])
    with pytest.raises(DataError, match=match):
        NeuronClassifier(missing="drop").fit(df, "y")
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json", "--drop-missing"],
        capsys,
        "column 'lab' is missing in every row of class 'yes' (20 rows)",
    )
    assert "(--drop-missing) would leave no row" in err and "out with --features" in err
    # three classes, one dropped: a model of the two left would never predict it
    three = df.assign(y=np.array(["a", "b", "c", "d"])[np.arange(len(df)) % 4])
    three.loc[three.y == "c", "lab"] = np.nan
    three.loc[three.y != "c", "lab"] = three.x
    with pytest.raises(DataError, match=r"column 'lab' is missing in every row of class 'c'"):
        NeuronClassifier(missing="drop").fit(three[["x", "lab"]], three["y"])
    # rows dropped without losing a class fit as before
    some = df.assign(lab=df.x.where(np.arange(len(df)) % 5 != 0))
    clf = NeuronClassifier(missing="drop").fit(some[["x", "lab"]], some["y"])
    assert clf.design_report_["dropped"] == 8


@pytest.mark.parametrize("name", ["x y", "y y", "y.1", "y ", "new\ny", "y[1]"])
def test_a_column_whose_name_holds_the_target_as_a_word_is_a_feature(name):
    """'x y' beside the target 'y' (a spreadsheet's headers): 'y ~ .' and 'y ~ `x y`'
    said that the target is also on the right-hand side."""
    import oneneuron

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=N), name: rng.normal(size=N), "y": _labels(N)})
    for formula in ["y ~ .", f"y ~ a + `{name}`", f"y ~ a + np.log1p(np.abs(`{name}`))"]:
        clf = oneneuron.logit(formula, df)
        assert len(clf.feature_names_out_) == 2, formula
    ref = NeuronClassifier().fit(df[["a", name]], df["y"])
    np.testing.assert_allclose(oneneuron.logit("y ~ .", df).coef_, ref.coef_, rtol=1e-8)


@pytest.mark.parametrize("name", ["1", "2.5", "", ".", "`b`"])
def test_a_column_a_formula_cannot_name_is_one_error_not_dropped(name, tmp_path, capsys):
    """formulaic reads `1` as the number 1 (the intercept): 'y ~ .' silently left a column
    named '1' out of the model; '' and '.' were parse errors that did not name the
    column."""
    import oneneuron

    rng = np.random.default_rng(2)
    df = pd.DataFrame({"a": rng.normal(size=N), name: rng.normal(size=N), "y": _labels(N)})
    with pytest.raises(ValueError, match=rf"column {re.escape(repr(name))} cannot be named in a"):
        oneneuron.logit("y ~ .", df)
    if name not in ("", "`b`"):
        with pytest.raises(ValueError, match=rf"column {re.escape(repr(name))} cannot be named"):
            oneneuron.logit(f"y ~ a + `{name}`", df)
    assert oneneuron.logit("y ~ a", df).feature_names_out_.tolist() == ["a"]
    if name:
        path = tmp_path / "t.csv"
        df.to_csv(path, index=False)
        fail(
            ["train", path, "--formula", "y ~ .", "--model", tmp_path / "m.json"],
            capsys,
            f"column {name!r} cannot be named in a formula",
        )


@pytest.mark.parametrize(
    "dtype, want",
    [("Int64", np.int64), ("UInt8", np.uint8), ("boolean", np.bool_), ("int64[pyarrow]", np.int64)],
)
def test_nullable_labels_keep_their_type_whatever_the_columns(dtype, want):
    """Labels in a pandas nullable column (what read_parquet and convert_dtypes give) were
    floats (0.0, 1.0; booleans too) when X was all numbers, but ints or booleans when X
    had a text column: the same y, two kinds of classes_ and predictions."""
    rng = np.random.default_rng(4)
    X = pd.DataFrame({"x": rng.normal(size=N)})
    raw = _labels(N).astype(bool) if dtype == "boolean" else _labels(N)
    y = pd.Series(raw, dtype=dtype)
    plain = NeuronClassifier().fit(X, y)
    coded = NeuronClassifier().fit(X.assign(g=["u", "v", "w"] * (N // 3)), y)
    for clf in (plain, coded):
        assert clf.classes_.dtype == want and clf.classes_.tolist() == [raw[0], raw[1]]
        assert clf.predict(X if clf is plain else X.assign(g="u")).dtype == want


@pytest.mark.parametrize(
    "cells, match",
    [
        (lambda v: f"{v:.2f}".replace(".", ","), "decimal comma"),
        (lambda v: f"{v:.1f}%", "percentages"),
        (lambda v: f"{v * 1e4:,.1f}", "thousands separators"),
    ],
)
def test_predict_names_the_format_of_numbers_written_as_text(cells, match, tmp_path, capsys):
    """A table to predict whose numeric column a spreadsheet exported with decimal commas
    (or percent signs, thousands separators) said only 'must be numeric (as in training)
    but has 24 non-numeric value(s)', not why."""
    rng = np.random.default_rng(6)
    train = pd.DataFrame({"x": rng.normal(size=N), "g": ["a", "b"] * (N // 2)})
    clf = NeuronClassifier().fit(train, _labels(N))
    new = train.assign(x=[cells(v) for v in train.x])
    with pytest.raises(DataError, match=rf"column 'x' of .* must be numeric .*holds .*{match}"):
        clf.predict_proba(new)
    clf.save(tmp_path / "m.json")
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False)
    fail(["predict", tmp_path / "m.json", path, "--out", tmp_path / "p.csv"], capsys, match)


def test_predict_names_a_stray_text_cell_by_its_row(tmp_path, capsys):
    rng = np.random.default_rng(6)
    train = pd.DataFrame({"x": rng.normal(size=N), "g": ["a", "b"] * (N // 2)})
    clf = NeuronClassifier().fit(train, _labels(N))
    new = train.assign(x=train.x.astype(object))
    new.loc[4, "x"] = "oops"
    with pytest.raises(DataError, match=r"numbers except 1 cell: 'oops' \(row 4\)"):
        clf.predict_proba(new)  # Python: 0-based positions
    clf.save(tmp_path / "m.json")
    new.to_csv(tmp_path / "new.csv", index=False)
    argv = ["predict", tmp_path / "m.json", tmp_path / "new.csv", "--out", tmp_path / "p.csv"]
    fail(argv, capsys, "'oops' (data row 5)")  # the command line: 1-based data rows


def test_text_stored_as_bytes_is_the_same_text(tmp_path, capsys):
    """Strings as bytes (pandas.read_sas, Parquet files whose writer stored text as plain
    binary, as Impala and older Spark do) became levels named "b'north'": the terms read
    g[T.b'south'], and the same rows to predict as text were all unseen categories."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    import oneneuron

    rng = np.random.default_rng(8)
    n = 60
    g = rng.choice(["north", "south", "éast"], n)
    x = rng.normal(size=n)
    y = (x + (g == "south") + rng.normal(size=n) > 0).astype(int)
    text = pd.DataFrame({"x": x, "g": g})
    ref = NeuronClassifier().fit(text, y)
    as_bytes = pd.DataFrame({"x": x, "g": [s.encode() for s in g]})
    arrow = pa.table({"x": x, "g": pa.array([s.encode() for s in g], pa.binary())})
    for X in (as_bytes, arrow):
        clf = NeuronClassifier().fit(X, y)
        assert clf.feature_names_out_.tolist() == ref.feature_names_out_.tolist()
        np.testing.assert_allclose(clf.coef_, ref.coef_, rtol=1e-12)
        np.testing.assert_allclose(clf.predict_proba(text), ref.predict_proba(text), rtol=1e-12)
        np.testing.assert_allclose(ref.predict_proba(X), ref.predict_proba(text), rtol=1e-12)
    # the command line: train on the binary Parquet file, predict a CSV of the same rows
    pq.write_table(arrow.append_column("y", pa.array(y)), tmp_path / "t.parquet")
    text.to_csv(tmp_path / "new.csv", index=False)
    assert (
        oneneuron.cli.main(
            [
                "train",
                str(tmp_path / "t.parquet"),
                "--target",
                "y",
                "--model",
                str(tmp_path / "m.json"),
            ]
        )
        == 0
    )
    out = tmp_path / "p.csv"
    argv = ["predict", str(tmp_path / "m.json"), str(tmp_path / "new.csv"), "--out", str(out)]
    assert oneneuron.cli.main(argv) == 0
    assert "not seen in training" not in capsys.readouterr().err
    np.testing.assert_allclose(pd.read_csv(out)["proba_1"], ref.predict_proba(text)[:, 1])


def test_unseen_levels_that_differ_only_in_case_or_spaces_say_so(tmp_path, capsys):
    """A table to predict exported by another tool with upper-case or padded levels
    ('NORTH', 'north   ' from a CHAR column) had every row coded as the reference level,
    with a warning naming 'NORTH' only, not that it is the training level 'north'."""
    import oneneuron
    from oneneuron import UnknownCategoryWarning

    rng = np.random.default_rng(9)
    train = pd.DataFrame({"x": rng.normal(size=N), "g": ["north", "south"] * (N // 2)})
    clf = NeuronClassifier().fit(train, _labels(N))
    hint = "differs from the training level 'north' only in case or spaces"
    for bad in ("NORTH", "north   "):
        new = train.assign(g=train.g.replace("north", bad))
        with pytest.warns(
            UnknownCategoryWarning, match=rf"e\.g\. {re.escape(repr(bad))}, which {hint}"
        ):
            clf.predict_proba(new)
    with pytest.warns(UnknownCategoryWarning) as got:  # a new level: no such hint
        clf.predict_proba(train.assign(g="west"))
    assert "differs" not in str(got[0].message)
    clf.save(tmp_path / "m.json")
    train.assign(g=train.g.str.upper()).to_csv(tmp_path / "new.csv", index=False)
    argv = ["predict", tmp_path / "m.json", tmp_path / "new.csv", "--out", tmp_path / "p.csv"]
    code = oneneuron.cli.main([str(a) for a in argv])
    assert code == 0 and hint in capsys.readouterr().err
    fail([*argv, "--on-unknown", "error", "--force"], capsys, hint)


def test_an_empty_column_of_a_numeric_table_or_array_is_named_as_empty():
    """An all-NaN column of an all-numeric DataFrame (or array) said 'X has NaN in column
    'z' (row 0); drop or fill it', and missing='drop' then dropped every row; a table with
    a text column said 'column 'z' is empty' (the design layer's words)."""
    X = pd.DataFrame({"x": np.linspace(-1, 1, N), "z": np.nan})
    with pytest.raises(ValueError, match=r"column 'z' is empty \(every cell is missing\)"):
        NeuronClassifier().fit(X, _labels(N))
    with pytest.raises(ValueError, match=r"column 1 is empty \(every cell is missing\)"):
        NeuronClassifier().fit(X.to_numpy(), _labels(N))
    with pytest.raises(ValueError, match=r"column 'z' is empty \(every cell is missing\)"):
        NeuronClassifier(missing="drop").fit(X, _labels(N))


def test_decimal_integers_float64_cannot_resolve_are_refused(tmp_path, capsys):
    """Ids stored as DECIMAL(20, 0), as databases export them to Parquet, were cast to
    float64 on reading and became one number, a constant column, like the int64 ids
    above; small whole decimals stay exact numbers."""
    import decimal

    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = pa.array([decimal.Decimal(BIG + i) for i in range(N)], pa.decimal128(20, 0))
    table = pa.table({"x": ids, "z": np.linspace(-1, 1, N), "y": _labels(N)})
    with pytest.raises(DataError, match=r"column 'x' holds integers as large as"):
        NeuronClassifier(alpha=1.0).fit(table.drop(["y"]), _labels(N))
    pq.write_table(table, tmp_path / "t.parquet")
    fail(
        ["train", tmp_path / "t.parquet", "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "column 'x' holds integers as large as",
    )
    small = pa.array([decimal.Decimal(i % 7) for i in range(N)], pa.decimal128(20, 0))
    ok = NeuronClassifier(alpha=1.0).fit(table.drop(["y"]).set_column(0, "x", small), _labels(N))
    ref = NeuronClassifier(alpha=1.0).fit(
        pd.DataFrame({"x": np.arange(N) % 7, "z": np.linspace(-1, 1, N)}), _labels(N)
    )
    np.testing.assert_allclose(ok.coef_, ref.coef_, rtol=1e-10)


def test_dask_integers_float64_cannot_resolve_are_refused(tmp_path, capsys):
    """The Dask engine cast such ids to float64 per partition: a constant column, fitted
    without a word (train --engine dask, fit on a Dask DataFrame)."""
    dd = pytest.importorskip("dask.dataframe")
    ids = np.uint64(2**63) + np.arange(N, dtype=np.uint64)
    df = pd.DataFrame({"x": ids, "z": np.linspace(-1, 1, N), "y": _labels(N)})
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(ValueError, match=r"column 'x' holds integers as large as"):
        NeuronClassifier(alpha=1.0).fit(ddf[["x", "z"]], ddf["y"])
    df.to_parquet(tmp_path / "t.parquet")
    argv = ["train", tmp_path / "t.parquet", "--target", "y", "--model", tmp_path / "m.json"]
    fail([*argv, "--engine", "dask", "--alpha", "1"], capsys, "column 'x' holds integers")
    # nanoseconds over months fit as they are
    ns = pd.DataFrame({"x": 1_600_000_000_000_000_000 + np.arange(N) * 10**14, "z": df.z})
    NeuronClassifier(alpha=1.0).fit(dd.from_pandas(ns, npartitions=2), dd.from_pandas(df.y, 2))


def test_rows_empty_in_every_column_are_named_as_such(tmp_path, capsys):
    """A spreadsheet's CSV export may end with rows of separators only (',,'): the error
    said 'missing values in target column y (2 rows ...)', not that they are blank rows."""
    df = _frame(np.linspace(0, 1, N)).assign(y=_labels(N))
    path = tmp_path / "t.csv"
    path.write_text(df.to_csv(index=False, lineterminator="\r\n") + ",,\r\n,,\r\n")
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json"]
    err = fail(argv, capsys, "2 of them are empty in every column")
    assert "(2 rows, first at data row 25)" in err
    blank = pd.concat([df, pd.DataFrame({"x": [np.nan], "z": [np.nan], "y": [np.nan]})])
    with pytest.raises(DataError, match="1 of them is empty in every column"):
        NeuronClassifier().fit(blank, "y")


def test_dask_engine_names_date_and_empty_columns(tmp_path, capsys):
    """train --engine dask said 'non-numeric feature columns ['d']; encode them (e.g.
    one-hot)' for a date column, and the same for a column with no value at all."""
    pytest.importorskip("dask.dataframe")
    import pyarrow as pa
    import pyarrow.parquet as pq

    base = {"z": np.linspace(-1, 1, N), "y": _labels(N)}
    dates = pa.array([dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in range(N)])
    for column, match in [
        (dates, "column 'd' holds dates or times"),
        (pa.nulls(N), "column 'd' is empty (every cell is missing)"),
    ]:
        pq.write_table(pa.table({**base, "d": column}), tmp_path / "t.parquet")
        argv = ["train", tmp_path / "t.parquet", "--target", "y", "--model", tmp_path / "m.json"]
        err = fail([*argv, "--engine", "dask"], capsys, match)
        assert "leave it out with --features" in err


def test_a_dict_of_columns_is_refused_with_the_table_to_make():
    """A dict of columns (what pandas.DataFrame takes) failed in NumPy with "float()
    argument must be ... not 'dict'" at predict, or as a 0-d object array at fit."""
    df = _frame(list(np.linspace(0, 1, N)))
    y = _labels(N)
    clf = NeuronClassifier().fit(df, y)
    columns = df.to_dict("list")
    with pytest.raises(ValueError, match=r"X is a dict.*pandas\.DataFrame\(X\)"):
        NeuronClassifier().fit(columns, y)
    for method in (clf.predict, clf.predict_proba, clf.decision_function):
        with pytest.raises(ValueError, match=r"X is a dict.*pandas\.DataFrame\(X\)"):
            method(columns)
