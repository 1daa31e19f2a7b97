"""Columns as other tools write them: what a model can take, and one clear error for the rest.

Spreadsheets and R export numbers with their formatting (``12.5%``, ``1,234.5``,
``$1,200``), dates and times in many forms, and Parquet files carry dates, times, lists
and records as values. Each became a categorical variable with one indicator per
distinct value (a separated fit of dozens of columns, and no word of the cause); each is
now one error naming the column and what it holds, in Python and on the command line.
"""

from __future__ import annotations

import datetime as dt

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
    fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "column 'x' of",
    )
    assert not (tmp_path / "m.json").exists()


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
