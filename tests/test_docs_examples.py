"""The documentation's command-line examples, run as a reader runs them.

The Python examples (``>>>``) run as doctests; a shell session in the README (lines
``$ oneneuron ...`` followed by what the command prints) does not. These tests read the
session from the README, run each command in a fresh folder with the same entry point
the ``oneneuron`` script calls, and compare the output with what the README shows:
the same words, the same numbers to the digits that do not depend on the machine's
floating-point rounding, and ``...`` standing for the lines the README leaves out.
"""

from __future__ import annotations

import math
import re
import shlex
from pathlib import Path

import pytest

from oneneuron.cli import main

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _blocks(text: str) -> list[tuple[str, str]]:
    """The fenced code blocks of a Markdown page: (language, body)."""
    return re.findall(r"^```(\w*)\n(.*?)^```", text, flags=re.S | re.M)


def _readme_session() -> tuple[str, str]:
    """The README's worked command-line example: its Python set-up and its shell session."""
    blocks = _blocks((ROOT / "README.md").read_text())
    for i, (lang, body) in enumerate(blocks):
        if lang == "sh" and body.startswith("$ oneneuron train"):
            setup_lang, setup = blocks[i - 1]
            assert setup_lang == "python", "the session's set-up is the block before it"
            return setup, body
    raise AssertionError("the README has no `$ oneneuron train` session")


def _steps(session: str) -> list[tuple[str, list[str]]]:
    """Each ``$ command`` with the lines the README shows it printing."""
    steps: list[tuple[str, list[str]]] = []
    for line in session.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        else:
            steps[-1][1].append(line)
    return steps


def _same_line(shown: str, printed: str) -> bool:
    """The words agree exactly; the numbers to 1e-4 relative (a tolerance's size: both tiny)."""
    if NUMBER.sub("#", shown) != NUMBER.sub("#", printed):
        return False
    for a, b in zip(NUMBER.findall(shown), NUMBER.findall(printed), strict=True):
        x, y = float(a), float(b)
        if max(abs(x), abs(y)) < 1e-10:  # a converged step's size: rounding, not a result
            continue
        if not math.isclose(x, y, rel_tol=1e-4):
            return False
    return True


def _check(command: str, shown: list[str], printed: list[str]) -> None:
    for i, line in enumerate(shown):
        if line.strip() == "...":
            return  # the README leaves the rest out
        assert i < len(printed), f"`{command}` printed {printed}; the README shows {shown}"
        assert _same_line(line, printed[i]), (
            f"`{command}` line {i + 1}: printed {printed[i]!r}, the README shows {line!r}"
        )
    assert len(printed) == len(shown), f"`{command}` printed more: {printed[len(shown) :]}"


def test_the_readme_command_line_session_prints_what_it_shows(tmp_path, monkeypatch, capsys):
    setup, session = _readme_session()
    monkeypatch.chdir(tmp_path)
    exec(compile(setup, "README.md", "exec"), {})  # writes train.csv and test.csv
    steps = _steps(session)
    assert [c.split()[:2] for c, _ in steps] == [
        ["oneneuron", "train"],
        ["oneneuron", "predict"],
        ["head", "-2"],
        ["oneneuron", "evaluate"],
    ]
    for command, shown in steps:
        argv = shlex.split(command)
        if argv[0] == "head":
            with open(argv[2]) as f:
                printed = [next(f).rstrip("\n") for _ in range(int(argv[1][1:]))]
        else:
            assert main(argv[1:]) == 0, command
            out, err = capsys.readouterr()  # a terminal shows both; notes go to stderr
            printed = out.splitlines() + err.splitlines()
        _check(command, shown, printed)
    # and the files the session names were written
    assert {p.name for p in tmp_path.iterdir()} >= {"model.json", "predictions.csv", "report.html"}


@pytest.mark.parametrize(
    ("shown", "printed", "same"),
    [
        ("  accuracy   1.0000", "  accuracy   1.0000", True),
        ("  log-loss   0.0547", "  log-loss   0.0647", False),
        ("step = 2.21e-14 <= tol = 1e-08", "step = 2.28e-14 <= tol = 1e-08", True),
        ("step = 2.21e-14 <= tol = 1e-08", "step = 2.21e-14 <= tol = 1e-06", False),
        ("trained on 398 rows", "trained on 399 rows", False),
        ("wrote model.json", "wrote model.jsn", False),
    ],
)
def test_the_comparison_can_fail(shown, printed, same):
    assert _same_line(shown, printed) is same


def test_the_course_file_without_a_header_is_refused_as_the_cli_page_says(tmp_path, capsys):
    """docs/guide/cli.rst: ``ex2data1.txt`` (no header line) is refused, ``.txt`` as an
    unknown format and, named ``.csv``, for its first line of numbers; with a header
    line added it trains on all 100 rows."""
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    rows = "".join(f"{a!r},{b!r},{c}\n" for (a, b), c in zip(X.tolist(), y.tolist(), strict=True))
    page = (ROOT / "docs" / "guide" / "cli.rst").read_text()
    assert "``ex2data1.txt``" in page and "``.txt`` is refused as unknown" in page
    steps = [
        ("ex2data1.txt", rows, 1, "extension"),
        ("ex2data1.csv", rows, 1, "add a first line naming the columns"),
        ("exams.csv", "score1,score2,admitted\n" + rows, 0, "trained on 100 rows"),
    ]
    for name, text, code, said in steps:
        (tmp_path / name).write_text(text)
        argv = ["train", str(tmp_path / name), "--target", "admitted"]
        assert main([*argv, "--model", str(tmp_path / "m.json")]) == code, name
        out, err = capsys.readouterr()
        assert said in (err if code else out), (name, out, err)
        if code:
            assert err.count("error:") == 1 and err.startswith("error: "), err
