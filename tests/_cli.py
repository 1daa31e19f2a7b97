"""The command line run in-process, as the CLI tests drive it."""

from __future__ import annotations

from oneneuron.cli import main


def run(argv, capsys):
    """Exit code, standard output and standard error of ``oneneuron *argv``."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def fail(argv, capsys, match):
    """Exit 1, one ``error:`` line (the last) naming the cause, no traceback; the stderr."""
    code, out, err = run(argv, capsys)
    assert code == 1, (out, err)
    lines = err.splitlines()
    assert lines[-1].startswith("error: ") and err.count("error:") == 1, err
    assert "Traceback" not in err
    assert match in lines[-1], err
    return err
