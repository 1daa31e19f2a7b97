"""Hostile input through the command line: malformed tables, tampered model files, outputs
that would destroy inputs, missing optional libraries, interruptions.

Every refusal is checked the same way (:func:`refused`): exit code 1, exactly one
``error:`` line (the last line of stderr) naming the cause, no traceback, and every
file in the folder byte-for-byte as before (hashed before and after), with no
temporary file left behind. Most cases run in-process through ``main(argv)``; a few
run a real process (signals, an unwritable numba cache, start-up).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import importlib.util
import json
import lzma
import os
import re
import signal
import subprocess
import sys
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import oneneuron
from oneneuron import NeuronClassifier
from oneneuron.cli import main
from oneneuron.modelfile import ModelFileError

HEADER = "x1,x2,colour,y\n"


def _rows(n: int = 40, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n).round(3), rng.normal(size=n).round(3)
    colour = np.where(rng.random(n) < 0.5, "red", "blue")
    y = ((x1 + 0.5 * x2 + rng.normal(scale=0.8, size=n)) > 0).astype(int)
    return [f"{a},{b},{c},{t}\n" for a, b, c, t in zip(x1, x2, colour, y, strict=True)]


def _csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "".join(rows))
    return path


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def refused(argv: list, capsys, match: str, folder: Path) -> str:
    """Exit 1, one ``error:`` line naming ``match``, no traceback, no file changed."""
    before = _snapshot(folder)
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 1, (out, err)
    assert err.count("error:") == 1 and err.splitlines()[-1].startswith("error: "), err
    assert "Traceback" not in err
    assert match in err.splitlines()[-1], err
    assert _snapshot(folder) == before, "a file changed, appeared or was left behind"
    return err.splitlines()[-1]


def ok(argv: list, capsys) -> tuple[str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Traceback" not in err
    return out, err


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A training table, the model trained on it (CLI), and a clean prediction table."""
    folder = tmp_path_factory.mktemp("hostile")
    data = _csv(folder / "train.csv", _rows())
    model = folder / "m.json"
    assert main(["train", str(data), "--target", "y", "--model", str(model), "-q"]) == 0
    return data, model


@pytest.fixture
def work(tmp_path, trained):
    """A fresh folder holding a copy of the model and the training table."""
    data, model = trained
    (tmp_path / "m.json").write_bytes(model.read_bytes())
    (tmp_path / "d.csv").write_bytes(data.read_bytes())
    return tmp_path


# ---------------------------------------------------------------- silently wrong tables
@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda r: r[:5] + ["0.1,0.2,red,1,1\n"] + r[5:],
            "line 7 has 5 fields but the header has 4",
        ),
        (lambda r: r[:3] + ["0.1,0.2,red, dark,1\n"] + r[3:], "line 5 has 5 fields"),
        (lambda r: ["0.1,0.2,red,1,1\n", *r], "data row 1 has more fields than the header"),
    ],
    ids=["extra-field", "unquoted-comma", "extra-field-first-row"],
)
def test_rows_with_more_fields_than_the_header(work, capsys, edit, match):
    data = _csv(work / "bad.csv", edit(_rows()))
    refused(["train", data, "--target", "y", "--model", work / "n.json"], capsys, match, work)
    refused(["predict", work / "m.json", data, "--out", work / "p.csv"], capsys, match, work)
    argv = ["evaluate", work / "m.json", data, "--chunk-rows", "3"]  # in a later chunk
    refused(argv, capsys, match, work)


def test_fields_are_checked_in_compressed_and_chunked_reads(work, capsys):
    rows = _rows(60)
    rows[45] = rows[45].rstrip("\n") + ",7\n"
    data = work / "bad.csv.gz"
    data.write_bytes(gzip.compress((HEADER + "".join(rows)).encode()))
    argv = ["predict", work / "m.json", data, "--out", work / "p.csv", "--chunk-rows", "8"]
    refused(argv, capsys, "line 47 has 5 fields", work)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda r: r[:5] + ["0.1,0.2,red\n"] + r[5:],
            "data row 6 has 3 fields but the header has 4",
        ),
        (lambda r: [*r, "0.1,0.2\n"], "data row 41 has 2 fields"),
        (lambda r: r[:2] + ['0.1,"0.2\n3",red\n'] + r[2:], "data row 3 has 3 fields"),
    ],
    ids=["short-row", "short-last-row", "short-row-with-quoted-newline"],
)
def test_rows_with_fewer_fields_than_the_header(work, capsys, edit, match):
    """A row cut short is damage, not missing values: refused even where cells may be filled."""
    data = _csv(work / "bad.csv", edit(_rows()))
    argv = ["train", data, "--target", "y", "--model", work / "n.json"]
    refused(argv, capsys, match, work)
    refused([*argv, "--impute", "mean"], capsys, match, work)
    refused(["predict", work / "m.json", data, "--out", work / "p.csv"], capsys, match, work)
    refused(["evaluate", work / "m.json", data, "--chunk-rows", "3"], capsys, match, work)


def test_short_rows_are_found_in_compressed_files(work, capsys):
    rows = _rows(60)
    rows[45] = "0.5,0.25\n"
    data = work / "bad.csv.gz"
    data.write_bytes(gzip.compress((HEADER + "".join(rows)).encode()))
    argv = ["predict", work / "m.json", data, "--out", work / "p.csv", "--chunk-rows", "8"]
    refused(argv, capsys, "data row 46 has 2 fields", work)


@pytest.mark.parametrize(
    ("header", "dup"),
    [("x1,x1,colour,y\n", "x1"), ("x1,x2,y,y\n", "y")],
    ids=["feature", "target-leaks-the-label"],
)
def test_repeated_column_names_are_refused(work, capsys, header, dup):
    data = _csv(work / "dup.csv", _rows(), header=header)
    argv = ["train", data, "--target", "y", "--model", work / "n.json"]
    refused(argv, capsys, f"repeated column name {dup!r}", work)
    if dup == "x1":  # a column the model reads; a repeated target is not read by predict
        refused(
            ["predict", work / "m.json", data, "--out", work / "p.csv"], capsys, "repeated", work
        )


def test_a_table_without_a_header_line_is_refused(work, capsys):
    """The course's files (the package's exam_scores.csv) have no header: the first data row
    became the column names, and 'train --target 0' fitted 99 of the 100 applicants, on
    columns named '34.62365962451697' and '78.0246928153624', without a word."""
    from importlib.resources import files

    course = work / "exam_scores.csv"
    course.write_bytes(files("oneneuron").joinpath("data", "exam_scores.csv").read_bytes())
    err = refused(
        ["train", course, "--target", "0", "--model", work / "n.json"], capsys, "no header", work
    )
    assert "'34.62365962451697'" in err and "add a first line naming the columns" in err
    refused(["evaluate", work / "m.json", course], capsys, "no header", work)
    # a header with numbers for some names (years) beside a word is still a header
    numbered = _csv(
        work / "years.csv", [r.replace("red", "1").replace("blue", "2") for r in _rows()]
    )
    numbered.write_text("2019,2020,2021,y\n" + numbered.read_text().split("\n", 1)[1])
    argv = ["train", numbered, "--target", "y", "--model", work / "y.json", "-q"]
    assert main([str(a) for a in argv]) == 0


def test_a_repeated_column_the_model_does_not_read_is_ignored_at_predict(work, capsys):
    """predict and evaluate read only the model's columns (and --keep, the target): a
    repeated name among the others is harmless and noted, not refused; the predictions
    equal those on the table without it. A repeated column they do read is refused."""
    rows = [r.rstrip("\n") + ",a,b\n" for r in _rows()]
    data = _csv(work / "extra.csv", rows, header="x1,x2,colour,y,note,note\n")
    assert main(["predict", str(work / "m.json"), str(data), "--out", str(work / "p.csv")]) == 0
    assert "ignoring" in capsys.readouterr().err
    ref = work / "ref.csv"
    assert main(["predict", str(work / "m.json"), str(work / "d.csv"), "--out", str(ref)]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(work / "p.csv"), pd.read_csv(ref))
    assert main(["evaluate", str(work / "m.json"), str(data)]) == 0
    capsys.readouterr()
    argv = ["predict", work / "m.json", data, "--out", work / "q.csv", "--keep", "note"]
    refused(argv, capsys, "repeated column name 'note'", work)


@pytest.mark.parametrize("sep", [";", "\t", "|"], ids=["semicolon", "tab", "pipe"])
def test_a_csv_separated_by_something_else_names_the_separator(work, capsys, sep):
    # a spreadsheet's export in many locales: "a;b;y" with decimal commas; read as one
    # column, it used to end in "lacks target column(s) 'y' (it has 'a;b;y')"
    rows = [r.replace(",", sep) for r in _rows()]
    data = _csv(work / "semi.csv", rows, header=sep.join(["x1", "x2", "colour", "y"]) + "\n")
    if sep == ";":  # since branch hunt_cli2 such a header is read as ';' (and said)
        import oneneuron

        argv = ["train", data, "--target", "y", "--model", work / "n.json"]
        assert main([str(a) for a in argv]) == 0
        assert "separated by ';'" in capsys.readouterr().err
        plain = _csv(work / "c.csv", _rows(), header=",".join(["x1", "x2", "colour", "y"]) + "\n")
        argv = ["train", plain, "--target", "y", "--model", work / "c.json", "-q"]
        assert main([str(a) for a in argv]) == 0
        got, want = oneneuron.load(work / "n.json"), oneneuron.load(work / "c.json")
        np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-10)
        return
    line = refused(
        ["train", data, "--target", "y", "--model", work / "n.json"],
        capsys,
        f"separated by {sep!r}",
        work,
    )
    assert "--sep" in line
    refused(["predict", work / "m.json", data, "--out", work / "p.csv"], capsys, repr(sep), work)


def test_repeated_column_names_in_parquet(work, capsys):
    table = pa.table([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [0, 1, 1]], names=["x1", "y", "y"])
    pq.write_table(table, work / "dup.parquet")
    argv = ["train", work / "dup.parquet", "--target", "y", "--model", work / "n.json"]
    refused(argv, capsys, "repeated column name 'y'", work)
    if importlib.util.find_spec("dask") is not None:
        refused([*argv, "--engine", "dask"], capsys, "repeated column name 'y'", work)


def test_a_number_column_with_stray_text_is_a_data_error(work, capsys):
    rows = _rows()
    rows[6] = rows[6].replace(rows[6].split(",")[0], "n/a?", 1)
    data = _csv(work / "stray.csv", rows)
    argv = ["train", data, "--target", "y", "--model", work / "n.json"]
    line = refused(argv, capsys, "column 'x1' of", work)
    assert "except 1 cell: 'n/a?' (data row 7)" in line


def test_a_label_column_with_one_stray_value(work, capsys):
    rows = _rows()
    rows[11] = rows[11][: rows[11].rindex(",")] + ",x\n"
    data = _csv(work / "label.csv", rows)
    argv = ["train", data, "--target", "y", "--model", work / "n.json"]
    refused(argv, capsys, "column 'y' of", work)
    line = refused(["evaluate", work / "m.json", data], capsys, "1 label the model", work)
    assert "'x' (data row 12)" in line and "'0'" not in line and "'1'" not in line


def test_parquet_decimal_columns_are_numbers(work, capsys):
    from decimal import Decimal

    df = pd.read_csv(work / "d.csv")
    dec = pa.array([Decimal(f"{v:.3f}") for v in df["x1"]], pa.decimal128(9, 3))
    table = pa.table({"x1": dec, "x2": df["x2"], "colour": df["colour"], "y": df["y"]})
    pq.write_table(table, work / "dec.parquet")
    ok(["train", work / "dec.parquet", "--target", "y", "--model", work / "dec.json", "-q"], capsys)
    spec = json.loads((work / "dec.json").read_text())["design"]
    assert spec["columns"][0] == {"name": "x1", "kind": "numeric", "levels": None, "fill": None}
    dec, csv = oneneuron.load(work / "dec.json"), oneneuron.load(work / "m.json")
    np.testing.assert_allclose(dec.coef_[:, :2], csv.coef_[:, :2], rtol=1e-9)  # x1, x2


# ------------------------------------------------------------------ tracebacks in reading
def test_a_truncated_compressed_table(work, capsys):
    blob = gzip.compress((work / "d.csv").read_bytes())
    (work / "t.csv.gz").write_bytes(blob[: len(blob) // 2])
    argv = ["predict", work / "m.json", work / "t.csv.gz", "--out", work / "p.csv"]
    refused(argv, capsys, "truncated", work)


def test_damaged_compressed_data_in_a_later_chunk(work, capsys):
    blob = bytearray(gzip.compress((HEADER + "".join(_rows(3000))).encode(), mtime=0))
    blob[len(blob) // 2 : len(blob) // 2 + 64] = b"\xaa" * 64  # an invalid deflate stream
    (work / "c.csv.gz").write_bytes(bytes(blob))
    argv = ["predict", work / "m.json", work / "c.csv.gz", "--out", work / "p.csv"]
    refused([*argv, "--chunk-rows", "100"], capsys, "cannot read", work)


def test_a_zstd_table_is_read_without_the_zstandard_package(work, capsys, monkeypatch):
    """A .zst table needed ``pip install oneneuron[zstd]``; pyarrow's codec reads it."""
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if not installed
    with pa.CompressedOutputStream(str(work / "t.csv.zst"), "zstd") as fh:
        fh.write((work / "d.csv").read_bytes())
    ok(["predict", work / "m.json", work / "d.csv", "--out", work / "ref.csv", "-q"], capsys)
    ok(["predict", work / "m.json", work / "t.csv.zst", "--out", work / "p.csv", "-q"], capsys)
    assert (work / "p.csv").read_bytes() == (work / "ref.csv").read_bytes()


def test_dask_missing(work, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "dask", None)
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    pd.read_csv(work / "d.csv").to_parquet(work / "d.parquet")
    argv = ["train", work / "d.parquet", "--target", "y", "--model", work / "n.json"]
    refused([*argv, "--engine", "dask"], capsys, "pip install 'oneneuron[dask]'", work)


def test_torch_input_without_array_api_compat(monkeypatch):
    torch = pytest.importorskip("torch")
    monkeypatch.setitem(sys.modules, "array_api_compat", None)
    X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 3.0]])
    with pytest.raises(ImportError, match=r"needs array-api-compat: pip install") as info:
        NeuronClassifier().fit(X, torch.tensor([0, 1, 0, 1]))
    assert "\n" not in str(info.value)


def test_infinite_values_at_predict_and_evaluate(work, capsys):
    rows = _rows()
    rows[20] = "inf," + rows[20].split(",", 1)[1]
    data = _csv(work / "inf.csv", rows)
    match = "column 'x1' of"
    line = refused(["predict", work / "m.json", data, "--out", work / "p.csv"], capsys, match, work)
    assert "infinite values (first at data row 21)" in line
    refused(["evaluate", work / "m.json", data, "--chunk-rows", "7"], capsys, "row 21", work)


# --------------------------------------------------------------------- model files
def _doc(work: Path) -> dict:
    return json.loads((work / "m.json").read_text())


def _model_refused(work: Path, capsys, model: Path, match: str) -> None:
    refused(["predict", model, work / "d.csv", "--out", work / "p.csv"], capsys, match, work)
    with pytest.raises(ModelFileError, match=re.escape(match)):
        oneneuron.load(model)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz"])
def test_a_latin1_table_names_the_encoding_and_the_line(work, capsys, suffix):
    """A spreadsheet export in Latin-1 was refused with the codec's words ('utf-8' codec
    can't decode byte 0xe1 in position 1), a position in a buffer, not in the file."""
    rows = _rows()
    rows[6] = rows[6].replace("red", "Málaga").replace("blue", "Málaga")
    raw = (HEADER + "".join(rows)).encode("latin-1")
    data = work / f"latin{suffix}"
    data.write_bytes(gzip.compress(raw) if suffix.endswith(".gz") else raw)
    for argv in (
        ["train", data, "--target", "y", "--model", work / "l.json"],
        ["predict", work / "m.json", data, "--out", work / "p.csv"],
    ):
        msg = refused(argv, capsys, "is not UTF-8 text: line 8 holds the byte 0xe1", work)
        assert "save it as UTF-8" in msg and "codec" not in msg


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in members.items():
            zf.writestr(name, blob)
    return path


def _containers(work: Path) -> dict[str, Path]:
    """The training table in every container whose name lies or says nothing."""
    text = (work / "d.csv").read_bytes()
    pq.write_table(pa.Table.from_pandas(pd.read_csv(work / "d.csv")), work / "d.parquet")
    parquet = (work / "d.parquet").read_bytes()
    made = {
        "g.csv": gzip.compress(text),  # gzip named .csv
        "plain.csv.gz": text,  # plain text named .gz
        "b.csv.xz": bz2.compress(text),  # bzip2 named .xz
        "x.csv": lzma.compress(text),
        "p.csv": parquet,  # Parquet named .csv
        "p.parquet.gz": gzip.compress(parquet),
    }
    out = {}
    for name, blob in made.items():
        (work / name).write_bytes(blob)
        out[name] = work / name
    out["one.zip"] = _zip(work / "one.zip", {"table.csv": text})  # named by its member
    out["mac.csv.zip"] = _zip(work / "mac.csv.zip", {"t.csv": text, "__MACOSX/._t.csv": b"\0"})
    out["pq.zip"] = _zip(work / "pq.zip", {"d.parquet": parquet})
    return out


def test_a_table_is_read_by_what_it_holds_not_by_its_name(work, capsys):
    """A gzip file named .csv, a plain one named .gz, a Parquet file named .csv, a zip of
    one table named .zip were refused ('name it .csv.gz', 'cannot tell the format') or
    misread; the container decides now, and each reads as the plain table does."""
    ok(["predict", work / "m.json", work / "d.csv", "--out", work / "ref.csv", "-q"], capsys)
    expected = (work / "ref.csv").read_bytes()
    oracle = json.loads((work / "m.json").read_text())
    for name, path in _containers(work).items():
        out = work / f"p_{name.replace('.', '_')}.csv"
        ok(["predict", work / "m.json", path, "--out", out, "-q"], capsys)
        assert out.read_bytes() == expected, name
        model = work / f"m_{name.replace('.', '_')}.json"
        ok(["train", path, "--target", "y", "--model", model, "-q"], capsys)
        doc = json.loads(model.read_text())
        np.testing.assert_allclose(doc["coef"], oracle["coef"], rtol=1e-9, err_msg=name)
        out_eval, _ = ok(["evaluate", work / "m.json", path], capsys)
        assert "log-loss" in out_eval.lower(), name


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("t.parquet", "text", "t.parquet is not a Parquet file (it starts b'x1,x2,co')"),
        ("t.parquet", "gzip", "t.parquet is not a Parquet file (it is gzip-compressed)"),
        ("w.csv", "xlsx", "w.csv is an Excel .xlsx workbook, not a table: export it as CSV"),
        ("two.csv.zip", "two", "two.csv.zip is a zip archive of 2 files ('a.csv', 'b.csv')"),
        ("e.csv.zip", "empty", "e.csv.zip is an empty zip archive (it holds no file)"),
        ("cut.zip", "cut", "cut.zip is a damaged zip archive"),
        ("s.xls.csv", "xls", "s.xls.csv is an Excel .xls workbook, not a CSV table"),
    ],
)
def test_a_file_that_holds_no_one_table_says_what_it_holds(work, capsys, name, content, match):
    """A Parquet name on text, a workbook, a zip of two files or of none, a damaged zip:
    one error naming what the file holds (a zip of two was 'Multiple files found in ZIP
    file. Only one file per ZIP', an empty one 'is not a zip archive (an Excel .xlsx
    workbook?) as its name says')."""
    text = (HEADER + "".join(_rows())).encode()
    path = work / name
    if content == "text":
        path.write_bytes(text)
    elif content == "gzip":
        path.write_bytes(gzip.compress(text))
    elif content == "xlsx":
        _zip(path, {"[Content_Types].xml": b"<x/>", "xl/workbook.xml": b"<x/>"})
    elif content == "two":
        _zip(path, {"a.csv": text, "b.csv": text})
    elif content == "empty":
        _zip(path, {})
    elif content == "cut":
        blob = _zip(work / "whole.zip", {"t.csv": text}).read_bytes()
        path.write_bytes(blob[: len(blob) // 2])
    else:  # an OLE2 workbook's first bytes, then binary parts
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 4)
    for argv in (
        ["train", path, "--target", "y", "--model", work / "n.json"],
        ["predict", work / "m.json", path, "--out", work / "p_out.csv"],
        ["evaluate", work / "m.json", path],
    ):
        refused(argv, capsys, match, work)


def test_a_header_that_starts_like_a_file_mark_is_text(work, capsys):
    """'PAR1' and 'BZh9' are also column names: a CSV whose header starts so is read."""
    data = _csv(
        work / "par.csv", [r.replace("red", "a") for r in _rows()], header="PAR1,BZh91,colour,y\n"
    )
    ok(["train", data, "--target", "y", "--model", work / "par.json", "-q"], capsys)


@pytest.mark.parametrize("where", ["label", "level"])
def test_nul_characters_in_a_text_table_are_one_error(work, capsys, where):
    """A label written '0\\x00' lost its NULs in NumPy's text arrays and train stopped on
    an internal check ('inference.classes ['0', '1'] differ from classes [...]')."""
    rows = _rows()
    if where == "label":
        rows[4] = rows[4][:-1] + "\x00\n"
    else:
        rows[4] = rows[4].replace("red", "red\x00").replace("blue", "blue\x00")
    data = _csv(work / "nul.csv", rows)
    column = "y" if where == "label" else "colour"
    refused(
        ["train", data, "--target", "y", "--model", work / "n.json"],
        capsys,
        f"column {column!r} of {data} holds NUL characters (data row 5)",
        work,
    )


def test_a_column_in_units_too_small_for_float64(work, capsys):
    """A column like 3e-200 read as a constant and got a zero coefficient silently
    (training accuracy and probabilities were those of the model without it)."""
    rows = [re.sub(r"^([^,]*)", lambda m: f"{m.group(1)}e-200", r) for r in _rows()]
    data = _csv(work / "tiny.csv", rows)
    refused(
        ["train", data, "--target", "y", "--model", work / "t.json"],
        capsys,
        "column 'x1' holds values no larger than",
        work,
    )


def test_a_device_or_pipe_as_the_model(work, capsys):
    _model_refused(work, capsys, Path("/dev/zero"), "not a regular file")
    os.mkfifo(work / "fifo.json")  # opened without blocking, refused before any read
    _model_refused(work, capsys, work / "fifo.json", "not a regular file")


@pytest.mark.parametrize(
    ("name", "what"),
    [("d.csv", "a data table (CSV/TSV)"), ("d.parquet", "a Parquet data table")],
)
def test_a_data_table_as_the_model(work, capsys, name, what):
    pd.read_csv(work / "d.csv").to_parquet(work / "d.parquet")
    _model_refused(work, capsys, work / name, f"not a oneneuron model file: it looks like {what}")


def test_model_file_size_is_bounded(work, capsys, monkeypatch):
    from oneneuron.modelfile import _document

    size = (work / "m.json").stat().st_size
    monkeypatch.setattr(_document, "MAX_MODEL_BYTES", size - 1)
    _model_refused(work, capsys, work / "m.json", f"larger than {(size - 1) >> 20} MiB")
    clf = NeuronClassifier().fit([[0.0], [1.0], [2.0], [3.0]], [0, 1, 0, 1])
    monkeypatch.setattr(_document, "MAX_MODEL_BYTES", 1000)
    with pytest.raises(ModelFileError, match="above the"):
        clf.save(work / "big.json")  # never written, so never refused on reading
    assert not (work / "big.json").exists()


def test_hostile_json_structures(work, capsys):
    deep = work / "deep.json"
    deep.write_text('{"format": "oneneuron-model", "coef": ' + "[" * 100_000 + "]" * 100_000 + "}")
    _model_refused(work, capsys, deep, "nested too deeply")
    text = (work / "m.json").read_text()
    for key in ('"format_version": 2', '"n_samples": 40'):
        assert key in text
        big = work / "big.json"
        big.write_text(text.replace(key, key[:-2] + "9" * 5000))
        _model_refused(work, capsys, big, "integer of 5000 digits")
    doc = _doc(work)
    doc["objective"]["alpha"] = 10**400  # would overflow float()
    big.write_text(json.dumps(doc))
    _model_refused(work, capsys, big, "integer of 401 digits")


@pytest.mark.parametrize("where", ['"extra": {', '"inference": {'])
def test_nesting_the_parser_allows_is_still_refused(tmp_path, where):
    """Arrays 500 deep in an entry the checks pass through (a key of the inference or
    its extra) loaded, and the model could then not be pickled, copied or sent to a
    joblib worker (RecursionError): nesting deeper than any model file has is refused."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = (X[:, 0] + rng.normal(size=50) > 0).astype(int)
    path = tmp_path / "m.json"
    NeuronClassifier().fit(X, y).save(path)
    deep = "[" * 500 + "]" * 500
    path.write_text(path.read_text().replace(where, where + '"zz": ' + deep + ", ", 1))
    with pytest.raises(ModelFileError, match="nested deeper than 64 levels"):
        oneneuron.load(path)


@pytest.mark.parametrize(
    ("pairs", "match"),
    [
        ([["abc", 1.0], [1, 2.0]], "class_weight label 'abc' is not a label of type"),
        ([[[0], 1.0]], "class_weight label [0] is not a string"),
        ([[{"a": 1}, 1.0]], "is not a string, integer"),
        ([[0.5, 1.0]], "class_weight label 0.5"),
    ],
)
def test_class_weight_labels_of_the_wrong_type(work, capsys, pairs, match):
    doc = _doc(work)
    doc["objective"]["class_weight"] = {"pairs": pairs}
    (work / "cw.json").write_text(json.dumps(doc))
    _model_refused(work, capsys, work / "cw.json", match)


# ------------------------------------------------------------- outputs that are inputs
@pytest.mark.parametrize("force", [[], ["--force"]], ids=["plain", "force"])
def test_an_output_that_is_an_input_is_refused(work, capsys, force):
    m, d = work / "m.json", work / "d.csv"
    os.link(d, work / "hard.csv")
    os.symlink(m, work / "link.json")
    refused(["predict", m, d, "--out", d, *force], capsys, "is the data table", work)
    refused(["predict", m, d, "--out", work / "hard.csv", *force], capsys, "data table", work)
    refused(["predict", m, d, "--out", work / "link.json", *force], capsys, "is the model", work)
    refused(["predict", m, d, "--out", work / "." / "m.json", *force], capsys, "the model", work)
    argv = ["train", d, "--target", "y", "--model", d, *force]
    refused(argv, capsys, "--model", work)
    refused(["evaluate", m, d, "--report", m, *force], capsys, "--report", work)
    refused(["evaluate", m, d, "--report", work / "hard.csv", *force], capsys, "data", work)


def test_empty_output_names(work, capsys):
    refused(
        ["predict", work / "m.json", work / "d.csv", "--out", ""], capsys, "--out is empty", work
    )
    argv = ["train", work / "d.csv", "--target", "y", "--model", ""]
    refused(argv, capsys, "--model is empty", work)
    argv = ["evaluate", work / "m.json", work / "d.csv", "--report", ""]
    refused(argv, capsys, "--report is empty", work)


def test_disk_full_names_the_output(work, capsys, monkeypatch):
    import errno

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = work / "p.csv"
    argv = ["predict", work / "m.json", work / "d.csv", "--out", out]
    refused(argv, capsys, f"cannot write {out}: no space left", work)
    model = work / "n.json"
    argv = ["train", work / "d.csv", "--target", "y", "--model", model]
    refused(argv, capsys, f"cannot write {model}: no space left", work)


# ---------------------------------------------------------------------- messages
def test_evaluate_json_is_strict_json(work, capsys):
    doc = _doc(work)
    doc["coef"] = [[1e300] + [0.0] * (len(doc["coef"][0]) - 1)]
    doc["inference"] = None
    (work / "huge.json").write_text(json.dumps(doc))
    rows = _rows()
    rows[0] = "1e10,0,red,0\n"  # z = inf for class 1: the true class 0 gets probability 0
    data = _csv(work / "e.csv", rows)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the overflow of z itself
        out, err = ok(["evaluate", work / "huge.json", data, "--json"], capsys)

    def strict(name):
        raise AssertionError(f"{name} is not JSON")

    m = json.loads(out, parse_constant=strict)
    assert m["log_loss"] is None
    assert m["notes"] == ["log_loss is inf (not a JSON number): written as null"]


def test_warnings_are_one_line_each_without_source(capsys):
    from oneneuron.cli._errors import user_warnings

    with user_warnings():
        for _ in range(3):
            np.exp(np.array([1e4]))  # RuntimeWarning: overflow (numpy's own text)
            warnings.warn("old API", FutureWarning, stacklevel=1)  # a developer notice
    err = capsys.readouterr().err
    assert err == "warning: overflow encountered in exp\n", err


@pytest.mark.filterwarnings("default::RuntimeWarning")
def test_overflow_in_predict_is_a_warning_line(work, capsys):
    rows = _rows()
    rows[3] = "1e308,1e308,red,1\n"
    data = _csv(work / "o.csv", rows)
    doc = _doc(work)
    doc["coef"] = [[1e10, 1e10] + [0.0] * (len(doc["coef"][0]) - 2)]
    doc["inference"] = None
    (work / "o.json").write_text(json.dumps(doc))
    _, err = ok(["predict", work / "o.json", data, "--out", work / "p.csv"], capsys)
    lines = [x for x in err.splitlines() if x.strip()]
    assert lines and all(x.startswith(("warning: ", "note: ")) for x in lines), err
    assert len(lines) == len(set(lines)) and ".py:" not in err
    assert any(x.startswith("warning: overflow encountered") for x in lines), err


# ------------------------------------------------------------------- interruptions
def test_ctrl_c_in_process_leaves_nothing(work, capsys, monkeypatch):
    from oneneuron.tables import OutputTable

    def interrupted(self, frame):
        raise KeyboardInterrupt

    monkeypatch.setattr(OutputTable, "write", interrupted)
    before = _snapshot(work)
    code = main(
        ["predict", str(work / "m.json"), str(work / "d.csv"), "--out", str(work / "p.csv")]
    )
    err = capsys.readouterr().err
    assert code == 130 and err == "error: interrupted (Ctrl-C)\n"
    assert _snapshot(work) == before


@pytest.mark.parametrize("where", ["fdopen", "fsync", "publish"])
def test_an_interrupt_at_any_step_of_a_write_leaves_nothing(tmp_path, monkeypatch, where):
    """The temporary file is named before it is made, inside the block that removes it."""
    from oneneuron.tables import OutputTable, _write, atomic_write_text

    real = {"fdopen": os.fdopen, "fsync": os.fsync, "publish": _write.publish}[where]

    def interrupted(*args, **kwargs):
        real(*args, **kwargs)  # the step happens, then Ctrl-C lands
        raise KeyboardInterrupt

    target = {"fdopen": _write.os, "fsync": _write.os, "publish": _write}[where]
    monkeypatch.setattr(target, where, interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(tmp_path / "m.json", "{}", overwrite=False)
    with pytest.raises(KeyboardInterrupt), OutputTable(tmp_path / "p.csv", force=False) as out:
        out.write(pd.DataFrame({"a": [1.0]}))
        out.commit()
    left = sorted(p.name for p in tmp_path.iterdir())
    assert not [n for n in left if n.endswith(".tmp")], left


def _script() -> list[str]:
    return [sys.executable, "-c", "import sys; from oneneuron.cli import main; sys.exit(main())"]


def test_sigterm_during_predict_leaves_no_file(tmp_path, trained):
    """A real process, killed while it writes: clean exit, no partial or hidden file."""
    _, model = trained
    rng = np.random.default_rng(1)
    n = 60_000
    big = pd.DataFrame(
        {"x1": rng.normal(size=n), "x2": rng.normal(size=n), "colour": "red", "y": 0}
    )
    big.to_csv(tmp_path / "big.csv", index=False)
    argv = ["predict", str(model), str(tmp_path / "big.csv"), "--out", str(tmp_path / "p.csv")]
    # chunks of 20 rows: ~10 s of writing after the first temporary file appears, so that
    # the signal lands mid-write even when this process is descheduled under load (with
    # 200-row chunks the whole write took about 1.5 s)
    proc = subprocess.Popen(
        [*_script(), *argv, "--chunk-rows", "20", "-q"], stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".p.csv.*")) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.005)
    proc.send_signal(signal.SIGTERM)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err == "error: terminated (SIGTERM)\n", err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv"]


def test_start_up_without_a_writable_numba_cache(tmp_path, trained):
    """Read-only install and no writable ~/.cache: numba finds no cache locator.

    (Simulated by emptying numba's list of locators: the tests may run as root, for
    whom no folder is unwritable.)"""
    pytest.importorskip("numba")
    data, model = trained
    code = (
        "import numba.core.caching as c\n"
        "impl = getattr(c, 'CacheImpl', None) or getattr(c, '_CacheImpl')\n"
        "impl._locator_classes = []\n"
        "import sys\n"
        "from oneneuron.cli import main\n"
        "import oneneuron.engines._kernels as k\n"
        "assert k.AVAILABLE and k.binary_dense is not None\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit as exc:\n"
        "    assert exc.code == 0\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = ["train", str(data), "--target", "y", "--model", "m.json", "-q"]
    run = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert run.stdout.startswith("oneneuron ")
    again, before = oneneuron.load(tmp_path / "m.json"), oneneuron.load(model)
    np.testing.assert_allclose(again.coef_, before.coef_, rtol=1e-9)


def test_recorded_deprecation_notices_are_not_passed_on(capsys):
    """train/--engine dask record warnings during the fit (e.g. dask's pandas notices,
    one per partition): the user sees their own warnings once each, not the notices."""
    from oneneuron.cli._errors import show_warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(27):
            warnings.warn("inplace is deprecated", FutureWarning, stacklevel=1)
            warnings.warn("old API", DeprecationWarning, stacklevel=1)
            warnings.warn("stopped after 3 iterations", UserWarning, stacklevel=1)
    show_warnings(caught)
    assert capsys.readouterr().err == "warning: stopped after 3 iterations\n"


_LABELS = st.one_of(
    st.lists(st.integers(-(2**62), 2**62), min_size=2, max_size=4, unique=True),
    st.lists(
        st.text(st.characters(blacklist_characters="\x00"), max_size=6),
        min_size=2,
        max_size=4,
        unique=True,
    ),
    st.lists(st.integers(-(2**53), 2**53).map(float), min_size=2, max_size=4, unique=True),
    st.just([False, True]),
)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


@settings(max_examples=20, deadline=None)
@given(labels=_LABELS, weighted=st.booleans())
def test_labels_and_class_weights_round_trip_through_a_model_file(
    tmp_path_factory, labels, weighted
):
    """Any label set (and a class_weight keyed by it) survives save/load exactly: the same
    classes, dtype and predictions; the model-file checks accept every genuine file."""
    # scikit-learn's compute_sample_weight, which the fit uses for class_weight, takes
    # the text label "0" for the number 0 and refuses the dict: a fit problem, left out
    assume(not (weighted and any(isinstance(v, str) and _is_int(v) for v in labels)))
    rng = np.random.default_rng(len(labels))
    k = len(labels)
    X = rng.normal(size=(8 * k, 2))
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)[np.arange(8 * k) % k]
    cw = {lab: 1.0 + i for i, lab in enumerate(np.unique(y).tolist())} if weighted else None
    clf = NeuronClassifier(alpha=1.0, class_weight=cw).fit(X, y)
    path = tmp_path_factory.mktemp("labels") / "m.json"
    clf.save(path)
    again = oneneuron.load(path)
    assert again.classes_.dtype == clf.classes_.dtype
    assert again.classes_.tolist() == clf.classes_.tolist()
    assert again.class_weight == clf.class_weight
    assert np.array_equal(again.predict(X), clf.predict(X))


def _paths(node, prefix=()):
    """Every key path of a JSON document (the first two entries of each list)."""
    items = node.items() if isinstance(node, dict) else enumerate(node[:2])
    for key, child in items:
        yield (*prefix, key)
        if isinstance(child, dict | list):
            yield from _paths(child, (*prefix, key))


def test_every_field_replaced_by_a_wrong_value_is_a_model_file_error(tmp_path):
    """Each field of a genuine file (text classes, class weights, inference) swapped for a
    value of another type or an absurd size: it loads, or the checks name the field; no
    other exception, and not the generic last-resort message either."""
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = np.array(["a", "b", "c"])[np.arange(60) % 3]
    cw = {"a": 1.0, "b": 2.0, "c": 1.0}
    NeuronClassifier(alpha=0.5, class_weight=cw).fit(X, y).save(tmp_path / "m.json")
    base = json.loads((tmp_path / "m.json").read_text())
    bad = tmp_path / "bad.json"
    for path in _paths(base):
        for value in (None, "x", [1], {"a": 1}, -1, 1e308):
            doc = json.loads(json.dumps(base))
            node = doc
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
            bad.write_text(json.dumps(doc))
            try:
                oneneuron.load(bad)
            except ModelFileError as exc:
                assert "not a valid model file (" not in str(exc), (path, value, exc)


# ------------------------------------------------------- names drawn in figures, as written
#: Column names and labels that matplotlib would read as TeX between dollar signs.
DOLLAR_NAMES = {
    "feature": "x $\\bar$ <script>alert(1)</script>",
    "colour": "col$\\u$r & 'q'",
    "label": '$\\foo$ "paid" <b>',
    "other": "cost $5 to $9",
}


def test_a_report_draws_dollar_signs_and_markup_in_names_as_written(tmp_path, capsys):
    """A class label or column name holding ``$...$`` crashed ``evaluate --report``
    (matplotlib's mathtext: 'Unknown symbol: \\foo', a traceback), and a valid one was
    drawn as a formula; every name now appears literally in the figures and escaped in
    the page."""
    import matplotlib.text as mtext

    rng = np.random.default_rng(0)
    n = 80
    x = rng.normal(size=n)
    labels = np.array([DOLLAR_NAMES["label"], DOLLAR_NAMES["other"]])
    df = pd.DataFrame(
        {
            DOLLAR_NAMES["feature"]: x,
            DOLLAR_NAMES["colour"]: rng.choice(["$\\a$", "b$", "<i>c</i>"], size=n),
            "y": labels[(x + rng.normal(size=n) > 0).astype(int)],
        }
    )
    data, model, report = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "r.html"
    df.to_csv(data, index=False)
    ok(["train", data, "--target", "y", "--model", model, "-q"], capsys)
    drawn: list[str] = []
    real_draw = mtext.Text.draw

    def spy(self, renderer):  # the text as drawn: plain (not mathtext), as written
        if self.get_visible() and self.get_text():
            shown, math = self._preprocess_math(self.get_text())
            assert math is False, self.get_text()
            drawn.append(shown)
        return real_draw(self, renderer)

    mp = pytest.MonkeyPatch()
    mp.setattr(mtext.Text, "draw", spy)
    try:
        ok(["evaluate", model, data, "--report", report, "-q"], capsys)
    finally:
        mp.undo()
    text = " ".join(drawn)
    for name in (DOLLAR_NAMES["feature"], DOLLAR_NAMES["label"], DOLLAR_NAMES["other"]):
        assert name in text
    page = report.read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>" not in page and "<i>" not in page


def test_a_report_shows_control_characters_and_bidi_overrides_as_the_terminal_does(
    tmp_path, capsys
):
    """Labels and names holding an escape sequence (``\\x1b[2J``), a bell or a
    right-to-left override went into the HTML report raw: the override reversed the
    rest of a table cell on the page (``blue`` drawn ``eulb``), and ``cat report.html``
    cleared the terminal. The terminal shows them escaped; the page now does too."""
    import unicodedata

    rng = np.random.default_rng(3)
    n = 80
    x = rng.normal(size=n).round(3)
    df = pd.DataFrame(
        {
            "x\x1b[2J1": x,
            "colour": rng.choice(["re\x1b[2Jd", "b\u202elue", "gr\u2067een"], size=n),
            "t\x07arget": np.where(x + rng.normal(size=n) > 0, "ye\x1b]0;t\x07s", "n\x9bo"),
        }
    )
    data, model, report = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "r.html"
    df.to_csv(data, index=False)
    ok(["train", data, "--target", "t\x07arget", "--model", model, "-q"], capsys)
    ok(["evaluate", model, data, "--report", report, "-q"], capsys)
    page = report.read_text(encoding="utf-8")
    acting = {
        c
        for c in page
        if (unicodedata.category(c) == "Cc" and c not in "\n\t")
        or unicodedata.bidirectional(c)
        in {"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"}
    }
    assert not acting, sorted(map(repr, acting))
    for written in ("x\\x1b[2J1", "b\\u202elue", "gr\\u2067een", "ye\\x1b]0;t\\x07s", "n\\x9bo"):
        assert written in page, written  # each name shown, escaped as on the terminal


def test_the_terminal_caption_escapes_a_control_character_once(tmp_path, capsys):
    r"""evaluate's caption named a class label holding a control character with its
    backslash doubled ('ye\\x1bs'): the label was escaped for one line, then quoted
    with repr, which escapes the backslash again. The caption now shows the label as
    the table and the training summary do ('ye\x1bs')."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=100)
    y = np.where(x + rng.logistic(size=100) > 0, "ye\x1bs", "n\no")
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    pd.DataFrame({"x": x, "y": y}).to_csv(data, index=False)
    ok(["train", data, "--target", "y", "--model", model, "-q"], capsys)
    out, _ = ok(["evaluate", model, data], capsys)
    caption = next(line for line in out.splitlines() if "log-odds of" in line)
    assert caption == "binary logit: log-odds of 'ye\\x1bs' (reference 'n\\no')", caption


def test_a_report_on_very_long_names_stays_readable_and_small(tmp_path, capsys):
    """A 5,000-character column name and class label were drawn in full: figures
    57,000 pixels wide (230,000 for 20,000 characters, 72 s and 730 MB for a 100-row
    report). Names in figures are shortened (the page's tables keep them whole)."""
    import base64
    import io

    from PIL import Image

    rng = np.random.default_rng(0)
    n = 60
    x = rng.normal(size=n)
    long_label, long_name = "L" * 5000, "x" * 5000
    df = pd.DataFrame(
        {long_name: x, "y": np.where(x + rng.normal(size=n) > 0, long_label, "short")}
    )
    data, model, report = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "r.html"
    df.to_csv(data, index=False)
    ok(["train", data, "--target", "y", "--model", model, "-q"], capsys)
    ok(["evaluate", model, data, "--report", report, "-q"], capsys)
    page = report.read_text()
    sizes = [
        Image.open(io.BytesIO(base64.b64decode(src))).size
        for src in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]
    assert len(sizes) == 4 and max(w for w, _ in sizes) < 2000, sizes
    assert long_name in page and long_label in page  # whole in the tables


def test_a_report_on_many_classes_draws_the_most_frequent(tmp_path, capsys):
    """Every class got a histogram panel and a ROC and calibration curve: 150 classes
    made a figure 31,670 pixels tall and legends of 150 entries (56 s, 550 MB). The
    figures draw the most frequent classes and say so; the tables keep every class."""
    import base64
    import io

    from PIL import Image

    from oneneuron.cli.report import MAX_PLOTTED_CLASSES as MAX_CLASSES_DRAWN

    rng = np.random.default_rng(0)
    K = MAX_CLASSES_DRAWN + 8
    y = np.repeat([f"c{k:02d}" for k in range(K)], np.arange(K) + 6)  # c{K-1} most frequent
    x = rng.normal(size=len(y)) + np.repeat(np.arange(K) * 0.1, np.arange(K) + 6)
    data, model, report = tmp_path / "d.csv", tmp_path / "m.json", tmp_path / "r.html"
    pd.DataFrame({"x": x, "y": y}).to_csv(data, index=False)
    ok(["train", data, "--target", "y", "--model", model, "--alpha", "0.1", "-q"], capsys)
    ok(["evaluate", model, data, "--report", report, "-q"], capsys)
    page = report.read_text()
    heights = [
        Image.open(io.BytesIO(base64.b64decode(src))).size[1]
        for src in re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    ]
    assert max(heights) < 2.3 * 96 * (MAX_CLASSES_DRAWN + 1), heights
    assert page.count(f"({MAX_CLASSES_DRAWN} of {K} classes, the most rows in the table") >= 4
    assert "<td>c00</td>" in page  # the per-class table keeps every class


def test_control_characters_in_names_are_shown_not_sent_to_the_terminal(tmp_path, capsys):
    """Names from a table were printed as they are: a class label or column name holding
    an escape sequence cleared the screen or set the terminal's title, and backspaces
    or a carriage return could print made-up text over a metric. The command line's
    text shows them escaped (\\x1b); written files keep them."""
    rng = np.random.default_rng(0)
    n = 80
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "a\x1b[31mRED\x1b[0m": x,
            "g": rng.choice(["u\x1b]0;title\x07", "v\u202e"], n),
            "y": np.where(x + rng.normal(size=n) > 0, "yes\x1b[2J", "no\x07\x08\x08ok"),
        }
    )
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    outs = [ok(["train", data, "--target", "y", "--model", model], capsys)]
    outs.append(ok(["evaluate", model, data], capsys))
    outs.append(ok(["evaluate", model, data, "--odds-ratios"], capsys))
    text = "".join(out + err for out, err in outs)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "yes\\x1b[2J" in text and "a\\x1b[31mRED\\x1b[0m" in text and "\\u202e" in text
    assert "yes\x1b[2J" in model.read_text(encoding="utf-8") or "\\u001b" in model.read_text()


def test_newlines_in_names_cannot_forge_lines_of_the_terminal_text(tmp_path, capsys):
    """A class label or column name holding a newline printed as two lines: the label
    'no\\naccuracy 0.99' showed a made-up metric line in evaluate's text. Names are shown
    on one line with the newline escaped (\\n); written files keep them."""
    rng = np.random.default_rng(0)
    n = 80
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "x\nlog-loss   0.0001": x,
            "y": np.where(x + rng.normal(size=n) > 0, "yes", "no\naccuracy   0.9999"),
        }
    )
    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    ok(["train", data, "--target", "y", "--model", model], capsys)
    out, err = ok(["evaluate", model, data], capsys)
    lines = (out + err).splitlines()
    forged = ("accuracy   0.9999", "log-loss   0.0001")
    assert not [s for s in lines if s.strip().startswith(forged)]
    assert "no\\naccuracy   0.9999" in out and "x\\nlog-loss   0.0001" in out


def test_column_names_that_differ_only_in_unicode_form(work, capsys):
    """'café' written with one character (NFC) and as 'e' plus a combining accent (NFD,
    as macOS and some exports write it) look the same: a table with both trained two
    features printed alike, and a model trained on one refused the other as 'lacks
    feature column(s) 'café' (it has 'café', ...)', a message that names no difference."""
    nfc, nfd = "caf\u00e9", "cafe\u0301"
    rows = _rows()
    both = _csv(work / "both.csv", rows, header=f"{nfc},{nfd},colour,y\n")
    refused(
        ["train", both, "--target", "y", "--model", work / "b.json"],
        capsys,
        f"column names that differ only in their Unicode form: {ascii(nfc)} and {ascii(nfd)}",
        work,
    )
    trained = _csv(work / "nfc.csv", rows, header=f"{nfc},x2,colour,y\n")
    ok(["train", trained, "--target", "y", "--model", work / "nfc.json", "-q"], capsys)
    other = _csv(work / "nfd.csv", rows, header=f"{nfd},x2,colour,y\n")
    line = refused(
        ["predict", work / "nfc.json", other, "--out", work / "p.csv"], capsys, "lacks", work
    )
    assert f"it has {ascii(nfd)} for {ascii(nfc)}, which differ in their Unicode form" in line
    frame = pd.read_csv(both)  # the Python API: the same refusal
    with pytest.raises(ValueError, match="differ only in their Unicode form"):
        NeuronClassifier().fit(frame.drop(columns="y"), frame["y"])


def test_a_model_with_an_integer_too_long_for_a_model_file_is_not_saved(work, capsys):
    """`train --max-iter 10**30` (or fit(max_iter=10**30) then save) wrote a model file
    that predict and load() refused: 'it holds an integer of 31 digits'. Nothing is
    written now, and the error names the parameter."""
    from oneneuron.modelfile import MAX_INT_DIGITS, ModelFileError

    big = 10**30
    argv = ["train", work / "d.csv", "--target", "y", "--model", work / "big.json"]
    line = refused([*argv, "--max-iter", big], capsys, "its --max-iter is an integer", work)
    assert f"at most {MAX_INT_DIGITS} digits" in line
    df = pd.read_csv(work / "d.csv")
    model = NeuronClassifier(max_iter=big).fit(df[["x1", "x2"]], df["y"])
    with pytest.raises(ModelFileError, match="max_iter"):
        model.save(work / "big.json")
    assert not (work / "big.json").exists()
    model.set_params(max_iter=10**18).save(work / "ok.json")  # 19 digits: read back
    assert oneneuron.load(work / "ok.json").max_iter == 10**18


@pytest.mark.parametrize(
    ("name", "value", "refused_"),
    [
        ("OMP_NUM_THREADS", "abc", True),
        ("OMP_NUM_THREADS", "0", True),
        ("NUMEXPR_NUM_THREADS", "-2", True),
        ("OMP_NUM_THREADS", "2,1", False),  # OpenMP's list, one count per nesting level
    ],
)
def test_a_thread_count_in_the_environment_that_is_no_count(
    tmp_path, trained, name, value, refused_
):
    """OMP_NUM_THREADS=abc (or OpenMP's own list '2,1') ended train in a traceback from
    numexpr at pandas' import ('invalid literal for int()'); OMP_NUM_THREADS=0 printed
    libgomp's and numexpr's complaints and went on. One error line naming the variable
    now, and a list runs quietly."""
    data, _ = trained
    env = {**os.environ, name: value}
    argv = ["train", str(data), "--target", "y", "--model", "m.json", "-q"]
    run = subprocess.run(
        [sys.executable, "-m", "oneneuron", *argv],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    if refused_:
        assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("error: "), run.stderr
        assert f"{name}={value!r}" in run.stderr, run.stderr
        assert not (tmp_path / "m.json").exists()
    else:
        assert run.returncode == 0 and run.stderr == "", run.stderr


def test_a_model_file_given_as_the_data_says_so(work, capsys):
    """`predict m.json m.json` said 'cannot tell the format of m.json from its
    extension', as for any unknown name; the file is a model, and the message says so."""
    for argv in (
        ["predict", work / "m.json", work / "m.json", "--out", work / "p.csv"],
        ["evaluate", work / "m.json", work / "m.json"],
        ["train", work / "m.json", "--target", "y", "--model", work / "n.json"],
    ):
        refused(argv, capsys, "m.json is a JSON file (a oneneuron model file?), not a table", work)


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "D", "--target", "y", "--model", "M", "--alpha", "1e400"],
        ["train", "D", "--target", "y", "--model", "M", "--tol", "1e999"],
        ["train", "D", "--target", "y", "--model", "M", "--alpha", "1", "--l1-ratio", "9e999"],
        ["predict", "M", "D", "--out", "O", "--interval", "1e309"],
    ],
    ids=["alpha", "tol", "l1-ratio", "interval"],
)
def test_a_number_beyond_float_range_is_named_as_typed(tmp_path, capsys, argv):
    """--alpha 1e400 said '--alpha must be a finite number >= 0, not inf': the user typed
    no inf; Python's float() had rounded it there. A number beyond the largest float
    (about 1.8e308) is named as typed, before anything is read."""
    argv = [str(tmp_path / a) if a in ("D", "M", "O") else a for a in argv]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    typed = argv[-1]
    assert exit_.value.code == 2 and err.count("error:") == 1 and "Traceback" not in err, err
    assert f"{typed!r} is beyond the largest float" in err, err
