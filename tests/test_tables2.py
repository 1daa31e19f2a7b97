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
