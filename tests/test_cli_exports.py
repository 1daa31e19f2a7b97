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
