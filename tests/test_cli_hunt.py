"""Command-line defects found by using it with real files (branch hunt_cli).

Every test here failed before its fix (see the commit that added it). Row numbers
in messages are checked against pandas' own reading of the file (``index + 1`` is
the data row a user looks up), not against our code.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _cli import fail, run  # noqa: E402


@pytest.fixture
def data(tmp_path):
    """d.csv (x1, x2, g, y 0/1, w) and m.json trained on it."""
    rng = np.random.default_rng(1)
    n = 60
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    y = (x1 + 0.5 * x2 + rng.standard_normal(n) > 0).astype(int)
    g = rng.choice(["a", "b"], n)
    df = pd.DataFrame({"x1": x1, "x2": x2, "g": g, "y": y, "w": rng.integers(1, 4, n)})
    df.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path


@pytest.fixture
def model(data, capsys):
    path = data / "m.json"
    argv = ["train", data / "d.csv", "--target", "y", "--features", "x1", "x2", "g"]
    assert run([*argv, "--model", path, "-q"], capsys)[0] == 0
    return path


# ------------------------------------------- 1. evaluate --drop-missing: row numbers
def _holes(data):
    """d.csv with missing cells in data rows 3, 6 (x1) and 8 (y): the rows dropped."""
    df = pd.read_csv(data / "d.csv")
    df.loc[[2, 5], "x1"] = np.nan
    df["y"] = df["y"].astype("Int64")
    df.loc[7, "y"] = pd.NA
    return df


def _bad_row(path, column, value):
    """The data row (1-based, as a user counts below the header) where pandas reads
    ``value`` in ``column``."""
    s = pd.read_csv(path)[column]
    same = s.astype(str).eq(str(value))
    if not isinstance(value, str):
        same |= pd.to_numeric(s, errors="coerce").eq(value)
    return int(np.flatnonzero(same)[0]) + 1


@pytest.mark.parametrize(
    ("column", "value", "flags", "match"),
    [
        ("y", 5, [], "does not know"),  # the target's unknown label
        ("x2", np.inf, [], "infinite"),  # a feature's infinite value
        ("x2", "abc", [], "numeric"),  # text in a numeric column
        ("w", -2, ["--weights", "w"], "negative"),  # a weight
    ],
)
def test_drop_missing_names_the_file_rows_not_the_kept_rows(
    data, model, capsys, column, value, flags, match
):
    """After dropped rows, an error names the file's data row, not its place among
    the rows kept (8 instead of 11 before the fix)."""
    df = _holes(data)
    df[column] = df[column].astype(object)
    df.loc[10, column] = value
    path = data / "e.csv"
    df.to_csv(path, index=False)
    want = _bad_row(path, column, value)
    assert want == 11
    err = fail(["evaluate", model, path, "--drop-missing", *flags], capsys, match)
    assert f"row {want}" in err.splitlines()[-1], err


def test_drop_missing_rows_in_a_later_chunk(data, model, capsys):
    """Chunks of 4 rows: the row numbers still count from the top of the file."""
    df = _holes(data)
    df["y"] = df["y"].astype(object)
    df.loc[10, "y"] = 7
    path = data / "e.csv"
    df.to_csv(path, index=False)
    err = fail(
        ["evaluate", model, path, "--drop-missing", "--chunk-rows", "4"], capsys, "does not know"
    )
    assert "data row 11" in err.splitlines()[-1], err


# ------------------------------------------- 3. notes go to stderr, results to stdout
def test_train_cv_note_goes_to_stderr(data, capsys):
    """``train --cv K`` printed its note on the lasso path among the results on stdout."""
    argv = ["train", data / "d.csv", "--target", "y", "--features", "x1", "x2", "--cv", "3"]
    code, out, err = run([*argv, "--model", data / "cv.json"], capsys)
    assert code == 0, err
    assert "note:" not in out, out
    assert "note: --cv fits the lasso path" in err
    assert "cross-validated" in out  # the results stay on stdout
    code, out, err = run([*argv, "--model", data / "cv2.json", "-q"], capsys)
    assert code == 0 and "note:" not in out + err


# ------------------------------------------- 2. outputs that are no files
def _outputs(data, model, out):
    """The three commands' argument lists writing ``out``."""
    return {
        "train": ["train", data / "d.csv", "--target", "y", "--model", out],
        "predict": ["predict", model, data / "d.csv", "--out", out],
        "evaluate": ["evaluate", model, data / "d.csv", "--report", out],
    }


@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_an_output_that_is_a_named_pipe_is_refused(data, model, capsys, command, force):
    """A FIFO was 'already existing' (and --force replaced the user's pipe by a file)."""
    import os
    import stat

    pipe = data / "out.csv"
    os.mkfifo(pipe)
    argv = _outputs(data, model, pipe)[command]
    err = fail([*argv, *force, "-q"], capsys, "named pipe")
    assert "pass --force" not in err  # no advice that would replace the pipe
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)  # the user's pipe is still there
    assert sorted(p.name for p in data.iterdir()) == ["d.csv", "m.json", "out.csv"]


@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_an_output_that_is_a_device_is_refused(data, model, capsys, command):
    """A link to /dev/full with --force: written to a temporary file and renamed over
    the link, as if a file; a device is no place for an atomic write (as root, /dev/full
    itself was replaced by the file)."""
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    link = data / "full.csv"
    link.symlink_to("/dev/full")
    argv = _outputs(data, model, link)[command]
    fail([*argv, "--force", "-q"], capsys, "character device")
    assert os.readlink(link) == "/dev/full"


def test_python_writers_refuse_a_named_pipe(tmp_path):
    """The Python API's writers too (save with overwrite=True replaced the pipe)."""
    import os
    import stat

    import oneneuron

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    est = oneneuron.NeuronClassifier(alpha=1.0).fit(X, [0, 0, 1, 1])
    pipe = tmp_path / "m.json"
    os.mkfifo(pipe)
    with pytest.raises(ValueError, match="named pipe"):
        oneneuron.save(est, pipe, overwrite=True)
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


# ------------------------------------------- 4. the abort at exit (exit code 134)
def test_the_short_row_check_hands_arrow_no_python_callback(tmp_path, monkeypatch):
    """The cause of 'terminate called without an active exception' (exit 134, about one
    run in 17 of ``evaluate`` on a table with an empty last cell): the short-row check
    gave pyarrow's streaming CSV reader a Python ``invalid_row_handler``; the reader's
    last reference is dropped by a read-ahead callback on one of Arrow's I/O threads,
    which must take the GIL to free the handler, and during interpreter shutdown that
    thread is killed inside a C++ destructor (a core dump showed it). Without a
    Python object in the reader, Arrow's threads never need the GIL."""
    import pyarrow.csv as pcsv

    from oneneuron.tables import _read

    given = []
    real = pcsv.ParseOptions

    def spy(*args, **kwargs):
        given.append(kwargs.get("invalid_row_handler"))
        return real(*args, **kwargs)

    monkeypatch.setattr(pcsv, "ParseOptions", spy)
    path = tmp_path / "short.csv"
    path.write_text('a,b,c\n1,2,3\n"q\nr",5,6\n7,8,\n4,5\n')
    chunk = pd.read_csv(path, index_col=False)
    with pytest.raises(_read.DataError, match="data row 4 has 2 fields but the header has 3"):
        _read._no_short_rows(chunk, path, _read.text_form(path))
    assert given and all(h is None for h in given)
    path.write_text("a,b,c\n1,2,3\n7,8,\n")  # an empty last cell: no damage
    assert _read._no_short_rows(pd.read_csv(path), path, _read.text_form(path)) is True


# ------------------------------------------- 5. cli_terms leaves the user's paths alone
@pytest.mark.parametrize("folder", ["alpha=3", "learning_rate", "max_iter", "solver='x'"])
def test_error_messages_keep_the_paths_as_given(data, model, capsys, folder):
    """A folder named like a Python keyword was rewritten into a flag in the message
    ('data file --alpha=3/nope.csv does not exist')."""
    (data / folder).mkdir()
    missing = data / folder / "nope.csv"
    err = fail(["predict", model, missing, "--out", data / "p.csv"], capsys, "does not exist")
    assert str(missing) in err, err
    (data / folder / "d.csv").write_bytes((data / "d.csv").read_bytes())
    table = data / folder / "d.csv"
    err = fail(["train", table, "--target", "nope", "--model", data / "n.json"], capsys, "lacks")
    assert str(table) in err, err


def test_short_path_names_do_not_shield_words_of_the_message():
    """Only whole paths are kept: a model file named ``m`` leaves 'missing=...' alone."""
    from oneneuron.cli._errors import cli_terms, user_paths

    text = "m: lower learning_rate, or use solver='lbfgs' (missing='drop' is m/alpha=1)"
    with user_paths(["m", "out"]):
        got = cli_terms(text)
    assert got == "m: lower --learning-rate, or use --solver lbfgs (--drop-missing is m/alpha=1)"


# ------------------------------------------- 6. --impute on a column one class never has
def _one_class_missing(data):
    """d.csv with x2 missing in every row of class 1 (and present in every other)."""
    df = pd.read_csv(data / "d.csv")
    df.loc[df["y"] == 1, "x2"] = np.nan
    df.to_csv(data / "i.csv", index=False)
    return df


def test_impute_warns_when_a_column_is_missing_in_every_row_of_a_class(data, capsys):
    """Filled with the other classes' mean, x2 then says nothing but 'the fill was here':
    a silent fit before; now one warning names the column, the class and its rows."""
    import warnings

    import oneneuron

    df = _one_class_missing(data)
    n1 = int((df["y"] == 1).sum())
    table = df[["x1", "x2", "y"]]
    with pytest.warns(oneneuron.ImputationWarning, match=rf"'x2'.*class 1 \({n1} rows\)"):
        oneneuron.NeuronClassifier(missing="mean").fit(table, "y")
    with warnings.catch_warnings():  # missing here and there in both classes: no warning
        warnings.simplefilter("error", oneneuron.ImputationWarning)
        mixed = table.copy()
        mixed.loc[[0, 1, 2, 3], "x2"] = np.nan
        mixed.loc[mixed["y"] == 1, "x2"] = mixed.loc[mixed["y"] == 1, "x2"].fillna(0.5)
        oneneuron.NeuronClassifier(missing="mean").fit(mixed, "y")
    argv = ["train", data / "i.csv", "--target", "y", "--features", "x1", "x2", "--impute"]
    code, out, err = run([*argv, "mean", "--model", data / "i.json"], capsys)
    assert code == 0, err
    line = [w for w in err.splitlines() if w.startswith("warning:")]
    assert len(line) == 1 and "'x2'" in line[0] and "--features" in line[0], err
    assert "missing=" not in line[0]  # in the flags' words


def test_drop_missing_advice_does_not_send_to_impute_for_such_a_column(data, capsys):
    """Dropping the rows would lose class 1; the advice was to fill the column, which
    gives the warning above."""
    _one_class_missing(data)
    argv = ["train", data / "i.csv", "--target", "y", "--features", "x1", "x2"]
    err = fail([*argv, "--drop-missing", "--model", data / "i.json"], capsys, "class 1")
    assert "--impute mean" not in err and "out with --features" in err


# ------------------------------------------- 7. evaluate's text fits 100 columns
WIDTH = 100


@pytest.mark.parametrize(
    "flags",
    [
        [],
        ["--alpha", "1"],
        ["--cov-type", "HC3"],
        ["--firth"],
        ["--cv", "3"],
    ],
    ids=["ml", "penalized", "hc3", "firth", "cv"],
)
def test_evaluate_caption_lines_fit_100_columns(data, capsys, flags, monkeypatch):
    """The caption's statistics (125 characters on one line), the penalised and robust
    notes and the 'model:' lines ran past 100 columns; wrapped, no word is lost. (Paths
    are never cut: the files are named from their folder, so that the lines' length
    does not depend on where pytest keeps them.)"""
    import oneneuron
    from oneneuron.cli._errors import cli_caption
    from oneneuron.stats import summary_table

    monkeypatch.chdir(data)
    path = "w.json"
    argv = ["train", "d.csv", "--target", "y", "--features", "x1", "x2", "g", "-q"]
    assert run([*argv, *flags, "--model", path], capsys)[0] == 0
    train_out = run([*argv[:-1], *flags, "--model", "v.json"], capsys)[1]
    assert not [line for line in train_out.splitlines() if len(line) > WIDTH], train_out
    code, out, err = run(["evaluate", path, "d.csv"], capsys)
    assert code == 0, err
    head = out.split("\ncoefficients (from the training fit):")
    lines = out.splitlines()
    res = oneneuron.load(path).inference_
    rows = len(summary_table(res).index) + 1 if res.cov is not None else 0
    long = [line for line in lines[: len(lines) - rows] if len(line) > WIDTH]
    assert not long, long
    if res.cov is not None:  # the caption, word for word
        caption = cli_caption(summary_table(res).attrs["caption"])
        assert " ".join(caption.split()) in " ".join(head[1].split())


# ------------------------------------------- 8. --encoding full says what it does
def test_encoding_full_help_says_what_the_fit_does(data, capsys):
    """The help said 'needs --alpha > 0 with an intercept', but train accepts it without
    and fits a model whose last level is aliased (NA, as R's glm); it now says so, and
    what 'full' makes."""
    import oneneuron
    from oneneuron.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices["train"]
    text = " ".join(next(a for a in sub._actions if "--encoding" in a.option_strings).help.split())
    assert "every level" in text and "aliased" in text and "--alpha > 0" in text
    df = pd.read_csv(data / "d.csv")[["x1", "g", "y"]]
    full = oneneuron.NeuronClassifier(encoding="full").fit(df, "y")  # what the help says
    assert full.inference_.extra["aliased_terms"] == [3] and len(full.feature_names_out_) == 3
    assert full.summary().iloc[3].isna().all()
    ridge = oneneuron.NeuronClassifier(encoding="full", alpha=1.0).fit(df, "y")
    assert ridge.inference_.cov is not None


# ------------------------------------------- 9. a huge cell is not printed whole
def test_a_huge_cell_is_shortened_in_messages(data, model, capsys):
    """A 2,000,000-character category (a damaged export) was printed whole in the
    separation and unknown-category warnings: 2 MB lines on the terminal."""
    df = pd.read_csv(data / "d.csv")
    cell = "z" * 2_000_000
    df["g"] = df["g"].astype(object)
    df.loc[5, "g"] = cell
    path = data / "huge.csv"
    df.to_csv(path, index=False)
    code, out, err = run(["predict", model, path, "--out", data / "p.csv"], capsys)
    assert code == 0, err[:500]
    assert err.count("warning:") == 1
    assert max(len(line) for line in err.splitlines()) < 5000
    assert f"{len(cell)} characters" in err
    assert len(pd.read_csv(data / "p.csv")) == len(df)  # the files keep the text


# ------------------------------------------- 10. UTF-16 and UTF-32 tables
@pytest.mark.parametrize(
    ("encoding", "named"),
    [
        ("utf-16", "UTF-16"),
        ("utf-16-le", "UTF-16LE"),
        ("utf-16-be", "UTF-16BE"),
        ("utf-32", "UTF-32"),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_a_utf16_table_is_named_as_such(data, model, capsys, encoding, named, gz):
    """Excel's 'Unicode Text' export: a UTF-16 file was told to convert from cp1252 (which
    garbles it), and one without a byte-order mark read as columns 'x\\x001\\x00'..."""
    import gzip

    raw = (data / "d.csv").read_text().encode(encoding)
    path = data / ("u.csv.gz" if gz else "u.csv")
    path.write_bytes(gzip.compress(raw) if gz else raw)
    assert raw.decode(encoding) == (data / "d.csv").read_text()  # the oracle: Python's codec
    for argv in (
        ["train", path, "--target", "y", "--model", data / "n.json"],
        ["predict", model, path, "--out", data / "p.csv"],
    ):
        err = fail(argv, capsys, f"is {named} text")
        assert f"iconv -f {named} -t UTF-8" in err and "cp1252" not in err


# ------------------------------------------- 11. DATA from a pipe or standard input
def _cli(*argv, timeout=90):
    """``python -m oneneuron *argv`` in a subprocess (a hang fails, not blocks, the test)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "oneneuron", *map(str, argv)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"oneneuron {' '.join(map(str, argv))} hung")
    return done.returncode, done.stdout, done.stderr


def test_data_from_a_named_pipe_or_stdin_is_refused(data, model):
    """A FIFO as DATA hung (no second writer for the second read of the file), or with
    one failed with 'Illegal seek'; '-' was 'cannot tell the format of -'."""
    import os

    pipe = data / "in.csv"
    os.mkfifo(pipe)
    for argv in (
        ["predict", model, pipe, "--out", data / "p.csv"],
        ["train", pipe, "--target", "y", "--model", data / "n.json"],
        ["evaluate", model, pipe],
        ["predict", model, "-", "--out", data / "p.csv"],
    ):
        code, out, err = _cli(*argv)
        assert code == 1 and err.count("error:") == 1 and "Traceback" not in err, err
        assert "save it to a file" in err, err
    assert sorted(p.name for p in data.iterdir()) == ["d.csv", "in.csv", "m.json"]


# ------------------------------------------- 12. train: rows left out before the fit
def _file_with(data, edits):
    df = pd.read_csv(data / "d.csv")
    df = df.astype({"x1": object, "y": object, "w": float})
    for (row, col), value in edits.items():
        df.loc[row, col] = value
    path = data / "t.csv"
    df.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("edits", "flags", "match"),
    [
        ({(2, "y"): np.nan, (9, "x1"): "inf"}, ["--impute", "mean"], "infinite"),
        ({(2, "y"): np.nan, (9, "x1"): "inf"}, ["--impute", "mean", "--cv", "3"], "infinite"),
        ({(2, "w"): np.nan, (9, "w"): -1}, ["--drop-missing", "--weights", "w"], "negative"),
    ],
    ids=["impute", "impute-cv", "weights"],
)
def test_train_names_the_file_rows_after_rows_left_out(data, capsys, edits, flags, match):
    """Rows without a label (--impute) or a weight (--drop-missing) were left out before
    the fit, and a later error named data row 9 for the file's row 10."""
    path = _file_with(data, edits)
    s = pd.read_csv(path)
    is_bad = np.isinf(s["x1"]) if match == "infinite" else s["w"] < 0
    want = int(np.flatnonzero(is_bad)[0]) + 1  # the row pandas reads the value in
    assert want == 10
    argv = ["train", path, "--target", "y", "--features", "x1", "x2", *flags]
    err = fail([*argv, "--model", data / "n.json"], capsys, match)
    assert f"data row {want}" in err.splitlines()[-1], err


# ------------------------------------------- 13. --force through a symbolic link
@pytest.mark.parametrize("command", ["train", "predict", "evaluate"])
def test_force_writes_through_a_symbolic_link_and_keeps_it(data, model, capsys, command):
    """--force on a link to a file replaced the user's link by a new file and left the
    file it points to as it was."""
    import os

    # --report is .html, --model not a table's name
    name = {"evaluate": "out.html", "train": "out.json"}.get(command, "out.csv")
    target = data / "real" / name
    target.parent.mkdir()
    target.write_text("old\n")
    link = data / name
    link.symlink_to(target)
    argv = _outputs(data, model, link)[command]
    code, out, err = run([*argv, "--force", "-q"], capsys)
    assert code == 0, err
    assert os.path.islink(link) and os.readlink(link) == str(target)
    assert target.read_text() != "old\n"
    assert sorted(p.name for p in target.parent.iterdir()) == [name]  # no temporary left
    if command == "predict":
        direct = data / "direct.csv"
        assert run([*argv[:-1], direct, "-q"], capsys)[0] == 0
        pd.testing.assert_frame_equal(pd.read_csv(target), pd.read_csv(direct))


def test_train_names_the_file_of_a_bad_cell(data, capsys):
    """'column 'x1' of the table has infinite values': the file, as predict says."""
    path = _file_with(data, {(9, "x1"): "inf"})
    argv = ["train", path, "--target", "y", "--features", "x1", "x2", "--model", data / "n.json"]
    err = fail(argv, capsys, "infinite")
    assert f"column 'x1' of {path} has infinite values" in err, err


# ------------------------------------------- 14. Ctrl-C while the command line loads
def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys):
    """Ctrl-C in the first half second (the command modules being imported) printed a
    traceback: main caught it only around the command itself."""
    import signal

    from oneneuron import cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    try:
        code, out, err = run(["train", "d.csv", "--target", "y", "--model", "m.json"], capsys)
    except KeyboardInterrupt:  # pytest would take it for the user's own Ctrl-C
        pytest.fail("Ctrl-C escaped main() as a KeyboardInterrupt (a traceback)")
    assert code == 128 + signal.SIGINT
    assert err == "error: interrupted (Ctrl-C)\n" and out == ""


# ------------------------------------------- 15. Excel's 'sep=' first line
@pytest.mark.parametrize("sep", [",", ";"])
def test_excels_separator_line_is_named(data, model, capsys, sep):
    """Excel writes (and reads) a first line 'sep=,': it was taken for the header ('lacks
    target column y (it has 'sep=', 'Unnamed: 1')'). Since branch hunt_cli2 the line is
    honoured (tests/test_cli_exports.py); one that says ';' above a comma-separated
    table is named, with the fix."""
    path = data / "x.csv"
    path.write_text(f"sep={sep}\n" + (data / "d.csv").read_text())
    for argv in (
        ["train", path, "--target", "y", "--model", data / "n.json", "--force"],
        ["predict", model, path, "--out", data / "p.csv", "--force"],
    ):
        if sep == ",":
            assert run(argv, capsys)[0] == 0
            continue
        err = fail(argv, capsys, f"'sep={sep}'")
        assert "delete that line" in err


def test_wrapping_keeps_indent_and_quoted_names():
    """A line indented by train, with two spaces inside a quoted column name, is prose:
    folded between words with its indent, not split at the name's two spaces."""
    from oneneuron.cli._errors import wrapped

    line = "  no standard errors: column 'a  b' is a linear combination of " + "x " * 30
    got = wrapped(line, width=60).splitlines()
    assert all(g.startswith("  ") for g in got) and "'a  b'" in got[0]
    assert " ".join(" ".join(got).split()) == " ".join(line.split())


# ------------------------------------------- 16. weights in the flags' words
@pytest.mark.parametrize("zero", ["all", "class"])
def test_weight_messages_speak_of_the_weights_flag(data, capsys, zero):
    """'sample_weight must be non-negative with a positive sum; all weights are zero':
    Python's keyword for train --weights."""
    df = pd.read_csv(data / "d.csv")
    df["w"] = 0.0 if zero == "all" else np.where(df["y"] == 1, 0.0, 1.0)
    path = data / "z.csv"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--features", "x1", "x2", "--weights", "w"]
    code, out, err = run([*argv, "--model", data / "n.json"], capsys)
    assert "sample_weight" not in err + out and "class_weight" not in err + out, err
    assert "--weights" in err, err


# ------------------------------------------- 17. a formula that fails: one line
def test_a_formula_that_cannot_be_evaluated_is_one_error_line(data, capsys):
    """log of negative numbers: NumPy's two RuntimeWarnings from the pre-check of the
    formula's terms came before the error (three lines for one cause)."""
    df = pd.read_csv(data / "d.csv")
    assert (df["x2"] <= 0).any()  # the oracle: log is undefined there
    argv = ["train", data / "d.csv", "--formula", "y ~ x1 + np.log(x2)", "--model", data / "n.json"]
    err = fail(argv, capsys, "np.log(x2)")
    assert err.count("\n") == 1, err
    first = int(np.flatnonzero(df["x2"] <= 0)[0]) + 1  # the row where log is undefined
    assert f"is not finite at data row {first}" in err, err


# ------------------------------------------- 18. standard output on a full disk
def test_a_full_standard_output_is_named(data, model, monkeypatch, capsys):
    """'predict --out - > /dev/full' said 'cannot write: no space left on the device',
    naming nothing: the files the commands write are named, standard output was not."""
    import errno
    import io
    import sys

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sys, "stdout", Full())
    from oneneuron.cli import main

    code = main(["predict", str(model), str(data / "d.csv"), "--out", "-", "-q"])
    err = capsys.readouterr().err
    assert code == 1 and "standard output" in err and "no space left" in err, err


def test_a_formula_term_undefined_after_dropped_rows_names_the_file_row(data, capsys):
    """With --drop-missing, the undefined term's row counts the dropped rows too."""
    df = pd.read_csv(data / "d.csv")
    df.loc[0, "x1"] = np.nan  # dropped before the formula is evaluated
    df["x2"] = df["x2"].abs() + 0.1
    df.loc[7, "x2"] = -1.0
    path = data / "f.csv"
    df.to_csv(path, index=False)
    argv = ["train", path, "--formula", "y ~ x1 + np.log(x2)", "--drop-missing"]
    err = fail([*argv, "--model", data / "n.json"], capsys, "np.log(x2)")
    first = int(np.flatnonzero(pd.read_csv(path)["x2"] <= 0)[0]) + 1
    assert f"is not finite at data row {first}" in err, err


@pytest.mark.parametrize("name", ["m.csv", "m.CSV.gz", "m.parquet", "m.tsv", "m.html", "m.png"])
def test_train_refuses_a_model_name_of_another_format(data, capsys, name):
    """`train --model m.csv` wrote the JSON model file under a table's name without a
    word (the sibling of `--report r.pdf`); the next `predict m.csv ...` or a spreadsheet
    would read it as something it is not."""
    argv = ["train", data / "d.csv", "--target", "y", "--features", "x1", "x2"]
    fail([*argv, "--model", data / name], capsys, "a model file is JSON")
    assert not (data / name).exists()
    assert run([*argv, "--model", data / "m.json", "-q"], capsys)[0] == 0


def _usage_error(argv, capsys) -> str:
    """Exit 2 (usage), one ``error:`` line; that line."""
    with pytest.raises(SystemExit) as exit_:
        run(argv, capsys)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and err.count("error:") == 1, err
    return err.splitlines()[-1]


@pytest.mark.parametrize(
    ("typo", "meant"),
    [("--modle", "--model"), ("--tagret", "--target"), ("--max-iters", "--max-iter")],
)
def test_an_unknown_option_names_the_option_meant(data, capsys, typo, meant):
    """`--modle m.json` was 'unrecognized arguments: --modle m.json', nothing more."""
    argv = ["train", data / "d.csv", "--target", "y", "--model", data / "m.json", typo, "x"]
    line = _usage_error(argv, capsys)
    assert f"did you mean {meant}?" in line and line.startswith("oneneuron train: "), line
    assert not (data / "m.json").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "D", "--model", "M", "--target", "y", "--target", "x1"],
        ["train", "D", "--target", "y", "--model", "M", "--model", "N"],
        ["train", "D", "--target", "y", "--model", "M", "--alpha", "1", "--alpha", "0"],
        ["predict", "M0", "D", "--out", "P", "--out", "Q"],
        ["evaluate", "M0", "D", "--chunk-rows", "10", "--chunk-rows", "20"],
    ],
)
def test_an_option_given_twice_with_two_values_is_refused(data, model, capsys, argv):
    """`--target y --target x1` trained on x1 and `--model a --model b` wrote b, without
    a word: the first value was dropped. Two different values are one usage error."""
    names = {"D": data / "d.csv", "M": data / "a.json", "N": data / "b.json", "M0": model}
    names |= {"P": data / "p.csv", "Q": data / "q.csv"}
    line = _usage_error([names.get(a, a) for a in argv], capsys)
    flag = argv[-2]
    assert f"{flag} is given twice" in line, line
    assert not any((data / f).exists() for f in ("a.json", "b.json", "p.csv", "q.csv"))


def test_an_option_of_several_values_given_twice_is_told_to_name_them_at_once(data, model, capsys):
    """`predict --keep y --keep x1` kept only x1 (argparse's last), dropping y unsaid."""
    argv = ["predict", model, data / "d.csv", "--out", data / "p.csv", "--keep", "y"]
    line = _usage_error([*argv, "--keep", "x1"], capsys)
    assert "--keep is given twice" in line and "--keep y x1" in line, line


def test_an_option_repeated_with_its_value_is_taken(data, capsys):
    argv = ["train", data / "d.csv", "--target", "y", "--target", "y", "--model", data / "m.json"]
    assert run([*argv, "-q"], capsys)[0] == 0


def test_demo_without_a_name_refuses_an_out_folder_it_would_ignore(tmp_path, capsys):
    """`demo --out DIR` without a NAME listed the walkthroughs and wrote nothing, the
    --out taken and ignored."""
    fail(["demo", "--out", tmp_path / "pages"], capsys, "add a NAME or 'all'")
    assert not (tmp_path / "pages").exists()
    code, out, _ = run(["demo"], capsys)
    assert code == 0 and "walkthroughs" in out
