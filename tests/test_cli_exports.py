"""Command-line defects with files exported by spreadsheets and other tools, and with
the command's output piped into others (branch hunt_cli2).

Every test here failed before its fix (see the commit that added it). Models read
from a ``;``/``,`` export are compared with the model of the same table written with
``,`` and ``.`` (read by pandas itself); the pipe test uses a real pipe.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from _cli import fail, run  # noqa: E402


@pytest.fixture
def data(tmp_path):
    """d.csv (x1, x2, g, y 0/1), 3000 rows: more than a pipe buffer of predictions."""
    rng = np.random.default_rng(7)
    n = 3000
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    y = (x1 - 0.5 * x2 + rng.standard_normal(n) > 0).astype(int)
    g = rng.choice(["a", "b"], n)
    pd.DataFrame({"x1": x1, "x2": x2, "g": g, "y": y}).to_csv(tmp_path / "d.csv", index=False)
    return tmp_path


@pytest.fixture
def model(data, capsys):
    path = data / "m.json"
    argv = ["train", data / "d.csv", "--target", "y", "--model", path, "-q"]
    assert run(argv, capsys)[0] == 0
    return path


def _popen(*argv):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "oneneuron", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )


# ------------------------------------------- 3. output piped into `head`
@pytest.mark.parametrize("when", ["after one line", "before any"])
def test_a_closed_pipe_ends_quietly_with_sigpipe_status(data, model, when):
    """``predict --out - | head -1`` ended with exit code 1 (a failure to the shell's
    pipefail); as other Unix tools, the command now stops quietly with 141
    (128 + SIGPIPE), no message. The reader is a real pipe, closed by this test."""
    proc = _popen("predict", model, data / "d.csv", "--out", "-", "-q")
    try:
        if when == "after one line":
            assert proc.stdout.readline().startswith(b"proba_0,proba_1,prediction")
        proc.stdout.close()  # as `head` does once it has its lines
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 141, err
    assert err == b"", err


def test_a_closed_pipe_on_a_results_print_ends_quietly(data, model):
    """evaluate's results on standard output into a closed pipe: no 'Exception
    ignored' message, no exit code 1 or 120."""
    proc = _popen("evaluate", model, data / "d.csv", "--target", "y", "-q")
    try:
        proc.stdout.close()
        _, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 141, err
    assert err == b"", err


# ------------------------------------------- 2. evaluate --report's file name
@pytest.mark.parametrize("name", ["r.pdf", "r.png", "report", "r.html.txt"])
def test_report_named_other_than_html_is_refused(data, model, capsys, name):
    """``--report r.pdf`` wrote an HTML page under a .pdf name (a viewer then fails on
    it) without a word; now one error line names the extension, and nothing is written."""
    report = data / name
    err = fail(["evaluate", model, data / "d.csv", "--report", report, "-q"], capsys, "--report")
    assert ".html" in err.splitlines()[-1]
    assert not report.exists()


@pytest.mark.parametrize("name", ["r.html", "R.HTM"])
def test_report_named_html_is_written(data, model, capsys, name):
    code, _, err = run(["evaluate", model, data / "d.csv", "--report", data / name, "-q"], capsys)
    assert code == 0, err
    assert (data / name).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


# ------------------------------------------- 4. a separator at the end of every line
def test_a_separator_ending_every_line_is_named_as_such(data, capsys):
    """'x1,x2,g,y,' on every line makes an empty unnamed last column: the note guessed
    'the row index pandas writes unless index=False?', which is a first column of row
    labels. Now it says what the column is; the model is the plain file's (pandas
    reads the plain file, the oracle)."""
    lines = (data / "d.csv").read_text().splitlines()
    path = data / "t.csv"
    path.write_text("".join(f"{line},\n" for line in lines))
    assert pd.read_csv(path).iloc[:, -1].isna().all()  # pandas: an empty last column
    code, _, err = run(["train", path, "--target", "y", "--model", data / "t.json"], capsys)
    assert code == 0, err
    assert "row index" not in err and "index=False" not in err, err
    assert "column 5 has no name and is empty in every row" in err, err
    assert "separator at the end of every line" in err, err
    ref = data / "r.json"
    assert run(["train", data / "d.csv", "--target", "y", "--model", ref, "-q"], capsys)[0] == 0
    import oneneuron

    got, want = oneneuron.load(data / "t.json"), oneneuron.load(ref)
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-10)


def test_an_unnamed_column_with_values_elsewhere_than_first_is_not_called_an_index(data, capsys):
    """Only a first column can be the row index pandas writes: an unnamed third
    column holding values is named as a column without a name, no guess."""
    df = pd.read_csv(data / "d.csv")
    df.insert(2, "", np.arange(len(df)) % 3)
    path = data / "u.csv"
    df.to_csv(path, index=False)
    code, _, err = run(["train", path, "--target", "y", "--model", data / "u.json"], capsys)
    assert code == 0, err
    assert "column 3 has no name" in err and "index=False" not in err, err
    assert "empty" not in err, err


# ------------------------------------------- 1. Excel's ';' and ',' export
def _excel(data, name="e.csv", sep_line=False, sep=";", decimal=","):
    """d.csv as Excel writes it in locales with a decimal comma (pandas writes it)."""
    path = data / name
    df = pd.read_csv(data / "d.csv")
    text = df.to_csv(index=False, sep=sep, decimal=decimal)
    path.write_text(("sep=;\n" if sep_line else "") + text)
    return path


def _same_model(got, want):
    import oneneuron

    a, b = oneneuron.load(got), oneneuron.load(want)
    assert list(a.feature_names_out_) == list(b.feature_names_out_)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-10)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-10)


@pytest.mark.parametrize(
    ("flags", "sep_line"),
    [(["--sep", ";", "--decimal", ","], False), (["--decimal", ","], True)],
)
def test_an_excel_export_reads_as_the_comma_file(data, model, capsys, flags, sep_line):
    """A ';'-separated export with decimal commas was refused ('the command line reads no
    other form'); with --sep/--decimal (or Excel's 'sep=;' line) it gives the model,
    predictions and metrics of the same table written with ',' and '.'."""
    path = _excel(data, sep_line=sep_line)
    assert pd.read_csv(path, sep=";", decimal=",", skiprows=int(sep_line)).equals(
        pd.read_csv(data / "d.csv")
    )  # the oracle: pandas reads the export as the plain table
    got = data / "e.json"
    code, _, err = run(["train", path, "--target", "y", "--model", got, "-q", *flags], capsys)
    assert code == 0, err
    _same_model(got, model)
    for m in (got, model):
        out = data / f"p_{m.stem}.csv"
        code, _, err = run(["predict", m, path, "--out", out, "-q", *flags], capsys)
        assert code == 0, err
    plain = data / "p_plain.csv"
    assert run(["predict", model, data / "d.csv", "--out", plain, "-q"], capsys)[0] == 0
    want = pd.read_csv(plain)
    for m in (got, model):  # the output is a plain CSV, whatever DATA's form
        pd.testing.assert_frame_equal(pd.read_csv(data / f"p_{m.stem}.csv"), want, rtol=1e-10)
    code, out, err = run(["evaluate", model, path, "--json", *flags], capsys)
    assert code == 0, err
    code, ref, _ = run(["evaluate", model, data / "d.csv", "--json"], capsys)
    assert out == ref


def test_a_semicolon_header_is_read_as_such_and_said(data, model, capsys):
    """A .csv whose header has ';' and no ',' is ';'-separated (a note says so); its
    decimal commas are not guessed: an error names --decimal, which then reads it."""
    path = _excel(data)
    argv = ["train", path, "--target", "y", "--model", data / "e.json"]
    err = fail(argv, capsys, "--decimal ','")
    assert "reads no other" not in err
    code, _, err = run([*argv, "--decimal", ","], capsys)
    assert code == 0, err
    assert "separated by ';'" in err and "--sep" in err, err
    _same_model(data / "e.json", model)


def test_a_semicolon_file_with_decimal_points_needs_no_flag(data, model, capsys):
    path = _excel(data, decimal=".")
    code, _, err = run(["train", path, "--target", "y", "--model", data / "e.json"], capsys)
    assert code == 0, err
    _same_model(data / "e.json", model)


def test_a_tab_file_with_decimal_commas(data, model, capsys):
    path = _excel(data, name="e.tsv", sep="\t")
    argv = ["train", path, "--target", "y", "--model", data / "e.json", "-q"]
    assert run([*argv, "--decimal", ","], capsys)[0] == 0
    _same_model(data / "e.json", model)


def test_advice_on_another_separator_names_the_flag(data, capsys):
    """A header with ';' and a ',' inside a name is not guessed; the refusal said to save
    the file again: it now names --sep."""
    df = pd.read_csv(data / "d.csv").rename(columns={"x1": "x1 (cm, net)"})
    path = data / "n.csv"
    df.to_csv(path, index=False, sep=";", decimal=",")
    err = fail(["train", path, "--target", "y", "--model", data / "n.json"], capsys, "--sep ';'")
    assert "--decimal ','" in err
    code, _, err = run(
        [
            "train",
            path,
            "--target",
            "y",
            "--model",
            data / "n.json",
            "--sep",
            ";",
            "--decimal",
            ",",
        ],
        capsys,
    )
    assert code == 0, err


@pytest.mark.parametrize(
    ("argv", "sep_line", "match"),
    [
        (["--sep", ",", "--decimal", ","], False, "--decimal ','"),  # both the same mark
        (["--sep", ","], True, "'sep=;'"),  # the file's own line says otherwise
    ],
)
def test_contradictory_forms_are_refused(data, capsys, argv, sep_line, match):
    path = _excel(data, sep_line=sep_line)
    fail(["train", path, "--target", "y", "--model", data / "n.json", *argv], capsys, match)


@pytest.mark.parametrize("flag", [["--sep", ";"], ["--decimal", ","], ["--thousands", "."]])
def test_text_flags_with_parquet_are_refused(data, model, capsys, flag):
    """Never accepted and ignored: Parquet stores numbers as numbers."""
    pq = data / "d.parquet"
    pd.read_csv(data / "d.csv").to_parquet(pq, index=False)
    for argv in (
        ["train", pq, "--target", "y", "--model", data / "n.json"],
        ["predict", model, pq, "--out", data / "p.csv"],
        ["evaluate", model, pq],
    ):
        fail([*argv, *flag], capsys, flag[0])


@pytest.mark.parametrize(("flag", "value"), [("--sep", ";;"), ("--decimal", ";"), ("--sep", "7")])
def test_bad_marks_are_usage_errors(data, capsys, flag, value):
    argv = ["train", data / "d.csv", "--target", "y", "--model", data / "n.json", flag, value]
    with pytest.raises(SystemExit) as exit_:
        run(argv, capsys)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and flag in err.splitlines()[-1], err


def test_rows_are_counted_below_the_header_after_a_sep_line(data, capsys):
    """Excel's 'sep=;' line is no data row: a damaged row is named as pandas counts it."""
    path = data / "s.csv"
    path.write_text("sep=;\nx1;x2;y\n1,5;2;1\n3;4\n5;6;0\n2;1;1\n")
    rows = pd.read_csv(path, sep=";", skiprows=1, decimal=",")
    short = int(np.flatnonzero(rows["y"].isna())[0]) + 1  # pandas: the row with a hole
    argv = ["train", path, "--target", "y", "--model", data / "s.json", "--decimal", ","]
    fail(argv, capsys, f"data row {short} has 2 fields")


def test_grouped_numbers_read_with_thousands(data, model, capsys):
    """'1.036,75' (a thousands point, a decimal comma: Excel's number format with
    grouping) was refused with advice to pass --decimal ',', which was already given;
    --thousands '.' now reads it, and the advice names it."""
    df = pd.read_csv(data / "d.csv")
    path = data / "g.csv"
    big = df.assign(x1=df["x1"] * 1000)
    cells = big["x1"].map(
        lambda v: f"{v:,.6f}".replace(",", "_").replace(".", ",").replace("_", ".")
    )
    big.assign(x1=cells).to_csv(path, index=False, sep=";", decimal=",")
    oracle = pd.read_csv(path, sep=";", decimal=",", thousands=".")  # pandas reads it so
    np.testing.assert_allclose(oracle["x1"], big["x1"], atol=1e-6)
    argv = ["train", path, "--target", "y", "--model", data / "g.json", "--decimal", ","]
    err = fail(argv, capsys, "--thousands '.'")
    code, _, err = run([*argv, "--thousands", ".", "-q"], capsys)
    assert code == 0, err
    plain = data / "big.csv"
    big.to_csv(plain, index=False)
    ref = data / "b.json"
    assert run(["train", plain, "--target", "y", "--model", ref, "-q"], capsys)[0] == 0
    import oneneuron

    got, want = oneneuron.load(data / "g.json"), oneneuron.load(ref)
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-6)


def test_predict_on_lines_ending_with_a_separator(data, model, capsys):
    """predict noted 'ignoring 1 column(s) the model does not use: 'Unnamed: 4'', a
    column the user never made; the note now says what it is. The predictions are the
    plain file's (the oracle: the same model on the table pandas reads)."""
    lines = (data / "d.csv").read_text().splitlines()
    path = data / "t.csv"
    path.write_text("".join(f"{line},\n" for line in lines))
    code, _, err = run(["predict", model, path, "--out", data / "p.csv"], capsys)
    assert code == 0, err
    assert "Unnamed" not in err and "separator at the end of every line" in err, err
    assert run(["predict", model, data / "d.csv", "--out", data / "q.csv", "-q"], capsys)[0] == 0
    pd.testing.assert_frame_equal(pd.read_csv(data / "p.csv"), pd.read_csv(data / "q.csv"))
