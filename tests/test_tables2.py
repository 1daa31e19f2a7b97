"""Tables as an analyst has them, second round: the same data as a pandas frame, CSV,
Parquet and an Arrow table must give the same model.

Oracle: statsmodels' formula API (patsy) on the equivalent pandas frame, whose text
column's reference level is its first value in sorted order.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import run  # noqa: E402


def _data(n=300, seed=1):
    rng = np.random.default_rng(seed)
    s = rng.choice(["c", "a", "b"], n)
    s[0] = "c"  # met first: the first entry of a dictionary built as the rows come
    x = rng.normal(size=n)
    z = -0.2 + x + 0.8 * (s == "a") - 0.5 * (s == "b")
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return pd.DataFrame({"x": x, "s": s, "y": y})


def test_an_unordered_arrow_dictionary_is_coded_as_its_text(tmp_path, capsys):
    """An Arrow dictionary column (``dictionary_encode()``, a Parquet file written from
    a polars Categorical) declares no order: its dictionary holds the values in the
    order the rows met them. Its reference level was that first value ('c'), while the
    same data as CSV, as text in pandas or as a polars Categorical had 'a', as
    statsmodels has: the model's terms and coefficients changed with the file format.
    Now its levels are sorted, as a text column's; a declared order (an ordered
    dictionary, a pandas Categorical) is kept."""
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    import statsmodels.formula.api as smf

    df = _data()
    ref = smf.logit("y ~ x + s", df).fit(disp=0, tol=1e-12)
    want = ["x", "s[T.b]", "s[T.c]"]
    assert ref.params.index.tolist()[1:] == ["s[T.b]", "s[T.c]", "x"]

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.set_column(1, "s", table.column("s").dictionary_encode())
    assert table.column("s").chunk(0).dictionary.to_pylist()[0] == "c"
    clf = oneneuron.logit("y ~ x + s", table)
    assert clf.feature_names_out_.tolist() == want
    coef = clf.summary()["coef"]
    np.testing.assert_allclose(coef[want], ref.params[want], rtol=1e-6)

    # the same rows as CSV and as Parquet written from a polars Categorical, on the CLI
    frame = pl.from_pandas(df).with_columns(pl.col("s").cast(pl.Categorical))
    frame.write_csv(tmp_path / "d.csv")
    frame.write_parquet(tmp_path / "d.parquet")
    for name in ("d.csv", "d.parquet"):
        model = tmp_path / f"{name}.json"
        code, _, err = run(
            [
                "train",
                "-q",
                "--target",
                "y",
                "--formula",
                "y ~ x + s",
                "--model",
                model,
                tmp_path / name,
            ],
            capsys,
        )
        assert code == 0, err
        terms = [t["name"] for t in json.loads(model.read_text())["design"]["terms"]]
        assert terms == want, name
        loaded = oneneuron.load(model)
        np.testing.assert_allclose(loaded.summary()["coef"][want], ref.params[want], rtol=1e-6)

    # a declared order stays: an ordered dictionary, and a pandas Categorical's
    ordered = table.set_column(
        1, "s", table.column("s").cast(pa.dictionary(pa.int32(), pa.string(), ordered=True))
    )
    assert oneneuron.logit("y ~ x + s", ordered).feature_names_out_.tolist() == [
        "x",
        "s[T.a]",
        "s[T.b]",
    ]
    declared = df.assign(s=pd.Categorical(df.s, categories=["b", "c", "a"]))
    arrow = pa.Table.from_pandas(declared, preserve_index=False)
    assert oneneuron.logit("y ~ x + s", arrow).feature_names_out_.tolist() == [
        "x",
        "s[T.c]",
        "s[T.a]",
    ]


def _flag_table(seed):
    """300 rows: x normal, a nullable boolean ``flag`` (3 of its cells pd.NA), y drawn from
    x + flag; returns the frame and its parts."""
    rng = np.random.default_rng(seed)
    n = 300
    x = rng.normal(size=n)
    b = rng.random(n) < 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-(x + b)))).astype(int)
    flag = pd.array(b, dtype="boolean")
    flag[[5, 9, 40]] = pd.NA
    return pd.DataFrame({"x": x, "flag": flag, "y": y}), x, b, y, flag


def test_a_boolean_filled_with_its_mean_is_that_mean_in_a_formula(tmp_path):
    """missing='mean' fills a nullable boolean column's pd.NA with the share of True
    (the model file says so: ``fill``) and the plain path codes it so; a formula coded
    the same cell as True (1.0), so 'y ~ x + flag' fitted another model than the same
    columns without a formula, and could not be saved ("the formula's columns could
    not be rebuilt exactly"). Oracle: statsmodels' Logit on the columns with the
    cells filled by the mean by hand."""
    import statsmodels.api as sm

    df, x, b, y, flag = _flag_table(0)
    n = len(df)
    share = float(np.mean(b[np.isin(np.arange(n), [5, 9, 40], invert=True)]))
    filled = np.where(pd.isna(flag), share, b.astype(float))
    ref = sm.Logit(y, sm.add_constant(np.column_stack([x, filled]))).fit(disp=0, tol=1e-12)
    clf = oneneuron.NeuronClassifier(formula="y ~ x + flag", missing="mean").fit(df)
    np.testing.assert_allclose(clf.summary()["coef"].to_numpy(), ref.params, rtol=1e-6)
    path = tmp_path / "m.json"
    clf.save(path)
    loaded = oneneuron.load(path)
    np.testing.assert_allclose(loaded.predict_proba(df), clf.predict_proba(df), rtol=1e-12)
    np.testing.assert_allclose(
        loaded.predict_proba(df.iloc[[5]])[:, 1], ref.predict([[1.0, x[5], share]]), rtol=1e-6
    )


def test_a_boolean_coded_as_categories_is_filled_with_its_most_frequent_level(tmp_path):
    """C(flag) of a nullable boolean with missing='mean': the mean is no level, so the
    cell takes the most frequent one (False here), as C(dose) of a numeric column and a
    categorical column do; it was coded True and the model could not be saved.
    Oracle: statsmodels' formula API on the column filled by hand."""
    import statsmodels.formula.api as smf

    df, x, b, y, flag = _flag_table(2)
    by_hand = df.assign(flag=flag.fillna(False).astype(bool))
    ref = smf.logit("y ~ x + C(flag)", by_hand).fit(disp=0, tol=1e-12)
    clf = oneneuron.NeuronClassifier(formula="y ~ x + C(flag)", missing="mean").fit(df)
    coef = clf.summary()["coef"].rename({"intercept": "Intercept"})
    np.testing.assert_allclose(coef[ref.params.index], ref.params, rtol=1e-6)
    path = tmp_path / "m.json"
    clf.save(path)
    np.testing.assert_allclose(
        oneneuron.load(path).predict_proba(df)[:, 1], ref.predict(by_hand), rtol=1e-6
    )


def _durations():
    rng = np.random.default_rng(3)
    n = 40
    wait = pd.to_timedelta(rng.integers(1, 100, n), unit="h")
    return pd.DataFrame({"x": rng.normal(size=n), "wait": wait, "y": np.arange(n) % 2})


def test_a_duration_column_is_named_as_durations_with_a_remedy_that_fits(tmp_path, capsys):
    """A duration column (pandas timedelta64, a polars Duration, an Arrow duration in a
    Parquet file) was refused as 'dates or times' with the remedy for dates, "days
    since a start, or the year as a category", which a waiting time has neither of.
    It is now named as durations, with the conversion that fits: one unit as numbers
    (``total_seconds()``), in Python and on the command line (both engines)."""
    pl = pytest.importorskip("polars")
    from oneneuron.tables import DataError

    df = _durations()
    for table in (df, pl.from_pandas(df)):
        for formula in (None, "y ~ x + wait"):
            with pytest.raises(DataError, match=r"column 'wait' holds durations .*total_sec"):
                if formula is None:
                    oneneuron.NeuronClassifier().fit(table[["x", "wait"]], df["y"])
                else:
                    oneneuron.NeuronClassifier(formula=formula).fit(table)
    df.to_parquet(tmp_path / "d.parquet")
    for engine in ("memory", "dask"):
        code, _, err = run(
            ["train", "-q", "--target", "y", "--engine", engine, "--model",
             tmp_path / f"{engine}.json", tmp_path / "d.parquet"],
            capsys,
        )  # fmt: skip
        assert code == 1, err
        last = err.strip().splitlines()[-1]
        assert "'wait'" in last and "holds durations" in last and "total_seconds" in last, err


@pytest.mark.parametrize("lib", ["pandas", "polars", "arrow", "arrow without pandas"])
def test_integer_labels_with_a_missing_cell_stay_integers_after_drop(lib):
    """Integer labels with one missing cell (pandas Int64 with pd.NA, a polars or Arrow
    int64 column with a null) and missing='drop': the rows left hold 0 and 1, and
    ``classes_`` and ``predict`` were floats (0.0, 1.0) on the plain path and from a
    polars or Arrow table, but ints from the same pandas table with a formula. Oracle:
    the labels of the rows kept, as the column's own integer type."""
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(10)
    n = 60
    x = rng.normal(size=n)
    y = np.arange(n) % 2
    labels = pd.array(y, dtype="Int64")
    labels[3] = pd.NA
    df = pd.DataFrame({"x": x, "y": labels})
    table = {
        "pandas": df,
        "polars": pl.from_pandas(df),
        "arrow": pa.Table.from_pandas(df),
        "arrow without pandas": pa.table({"x": x, "y": pa.array(labels, pa.int64())}),
    }[lib]
    fits = [oneneuron.NeuronClassifier(formula="y ~ x", missing="drop").fit(table)]
    if lib == "pandas":
        fits.append(oneneuron.NeuronClassifier(missing="drop").fit(df[["x"]], df["y"]))
    for clf in fits:
        assert clf.classes_.dtype.kind == "i" and clf.classes_.tolist() == [0, 1]
        assert clf.predict(df[["x"]]).dtype.kind == "i"
