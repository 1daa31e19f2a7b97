"""Columns of codes written with leading zeros ("02139", "007") in text tables.

pandas reads such a column as integers (2139, 7): fitted as one slope over code
values. The command line reads it as text (categorical), says so in one note, and
predict/evaluate read it the way the model file says. ``--numeric COL`` keeps numbers.
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run  # noqa: E402

ZIPS = ["02139", "10001", "60601", "94105", "00501"]


@pytest.fixture
def zips(tmp_path):
    """z.csv: x (float), zip (codes, the first leading zero in data row 4), y 0/1."""
    rng = np.random.default_rng(3)
    n = 150
    codes = np.array(["10001", "60601", "94105"] + list(rng.choice(ZIPS, n - 3)))
    codes[3] = "02139"
    x = rng.standard_normal(n)
    effect = (
        pd.Series(codes).map(dict(zip(ZIPS, [1.5, -1.0, 0.5, -0.5, 1.0], strict=True))).to_numpy()
    )
    y = (x + effect + rng.standard_normal(n) > 0.3).astype(int)
    return pd.DataFrame({"x": x, "zip": codes, "y": y})


def _write(df, path):
    quoting = csv.QUOTE_ALL if path.name.startswith("quoted") else csv.QUOTE_MINIMAL
    df.to_csv(path, index=False, sep="\t" if ".tsv" in str(path) else ",", quoting=quoting)


@pytest.mark.parametrize("name", ["z.csv", "z.tsv", "z.csv.gz", "quoted.csv", "z.csv.xz"])
def test_zip_codes_are_categorical_at_train_and_predict(zips, tmp_path, capsys, name):
    path, model, out = tmp_path / name, tmp_path / "m.json", tmp_path / "p.csv"
    _write(zips, path)
    code, _, err = run(["train", path, "--target", "y", "--model", model], capsys)
    assert code == 0, err
    assert "column 'zip' is read as codes" in err and "'02139' in data row 4" in err, err
    assert err.count("read as codes") == 1
    oracle = oneneuron.NeuronClassifier().fit(zips, "y")  # zip as text: the oracle
    expected = oracle.predict_proba(zips[["x", "zip"]])[:, 1]
    for chunk in (["--chunk-rows", "7"], []):
        cmd = ["predict", model, path, "--out", out, "--keep", "zip", "--force", "-q", *chunk]
        code, _, err = run(cmd, capsys)
        assert code == 0, err
        got = pd.read_csv(out, dtype={"zip": str})
        np.testing.assert_allclose(got["proba_1"], expected, rtol=1e-10)
        assert got["zip"].tolist() == zips["zip"].tolist()  # kept as written
    numeric = oneneuron.NeuronClassifier().fit(zips.assign(zip=zips.zip.astype(int)), "y")
    assert not np.allclose(
        numeric.predict_proba(zips.assign(zip=zips.zip.astype(int)))[:, 1], expected
    )


def test_codes_in_a_later_chunk_only_are_found(zips, tmp_path, capsys):
    df = pd.concat([zips.assign(zip=zips.zip.str.replace("0", "1"))] * 800, ignore_index=True)
    df.loc[len(df) - 1, "zip"] = "00501"  # one leading zero, in the last row (past chunk 1)
    path, model = tmp_path / "late.csv", tmp_path / "m.json"
    _write(df, path)
    code, _, err = run(["train", path, "--target", "y", "--model", model], capsys)
    assert code == 0, err
    assert f"'00501' in data row {len(df)}" in err, err
    cols = {c["name"]: c["kind"] for c in json.loads(model.read_text())["design"]["columns"]}
    assert cols["zip"] == "categorical"


def test_numeric_flag_reads_the_column_as_numbers(zips, tmp_path, capsys):
    path, model, out = tmp_path / "z.csv", tmp_path / "m.json", tmp_path / "p.csv"
    _write(zips, path)
    code, _, err = run(
        ["train", path, "--target", "y", "--model", model, "--numeric", "zip"], capsys
    )
    assert code == 0, err
    assert "read as codes" not in err
    as_int = zips.assign(zip=zips.zip.astype(int))
    expected = oneneuron.NeuronClassifier().fit(as_int, "y").predict_proba(as_int[["x", "zip"]])
    code, _, err = run(["predict", model, path, "--out", out, "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(pd.read_csv(out)["proba_1"], expected[:, 1], rtol=1e-10)
    fail(
        ["train", path, "--target", "y", "--model", model, "--numeric", "nope", "--force"],
        capsys,
        "nope",
    )


def test_identifier_like_codes_get_the_usual_error(tmp_path, capsys):
    n = 60
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "id": [f"{i:05d}" for i in range(n)],
            "x": rng.standard_normal(n),
            "y": rng.integers(0, 2, n),
        }
    )
    _write(df, tmp_path / "ids.csv")
    err = fail(
        ["train", tmp_path / "ids.csv", "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "--features",
    )
    assert "'id'" in err.splitlines()[-1]


def test_numbers_that_are_not_codes_stay_numeric(tmp_path, capsys):
    rng = np.random.default_rng(1)
    n = 80
    df = pd.DataFrame(
        {
            "zero": rng.integers(0, 3, n).astype(str),  # "0", "1", "2": integers, not codes
            "frac": np.round(rng.standard_normal(n), 2).astype(str),  # "0.5", "-0.25"
            "sci": ["0e3", "1e2"] * (n // 2),
            "y": rng.integers(0, 2, n),
        }
    )
    df.loc[0, "frac"], df.loc[1, "frac"] = "0.5", "-0.25"
    _write(df, tmp_path / "n.csv")
    code, _, err = run(
        ["train", tmp_path / "n.csv", "--target", "y", "--model", tmp_path / "m.json"], capsys
    )
    assert code == 0, err
    assert "read as codes" not in err
    kinds = {c["kind"] for c in json.loads((tmp_path / "m.json").read_text())["design"]["columns"]}
    assert kinds == {"numeric"}


def test_numeric_flag_is_never_ignored(zips, tmp_path, capsys):
    """--numeric on a column of text did nothing (the text became categories anyway), and
    --engine dask accepted and dropped it: both refused in one line."""
    path, model = tmp_path / "z.csv", tmp_path / "m.json"
    zips.assign(city=np.where(zips.x > 0, "Boston", "Ames")).pipe(_write, path)
    fail(["train", path, "--target", "y", "--model", model, "--numeric", "city"], capsys,
         "--numeric city")  # fmt: skip
    pq = tmp_path / "z.parquet"
    zips.assign(zip=zips.zip.astype(int)).to_parquet(pq)
    fail(["train", pq, "--target", "y", "--model", model, "--numeric", "zip", "--engine",
          "dask"], capsys, "--numeric")  # fmt: skip
