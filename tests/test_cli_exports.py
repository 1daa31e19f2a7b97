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
