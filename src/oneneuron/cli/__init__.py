"""Command line: ``oneneuron demo`` (walkthroughs), ``playground``, ``train``, ``predict``,
``evaluate``.

Each subcommand lives in its own module that exposes ``add_parser(subparsers)``
(``demo.py``, ``playground.py``, ``train.py``, ``predict.py``, ``evaluate.py``); this module only
wires them together and maps errors to exit codes: 0 success, 1 data or model
errors (one ``error: ...`` line on stderr), 2 usage, 130 interrupted (Ctrl-C),
141 standard output closed by its reader (``predict --out - | head``: no message, as
Unix tools killed by SIGPIPE), 143 terminated (SIGTERM). :class:`UserError` lives at
the bottom of the wing (``_errors.py``), so no command imports this module.

Ctrl-C and SIGTERM end a command the same way: every output being written is a
temporary file that is removed on the way out, so nothing partial remains, and
one ``error:`` line says what happened (no traceback). Warnings reach the user as
one ``warning: ...`` line per distinct message, never as Python's file-and-source
lines; third-party deprecation notices (meant for developers) are not shown.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .._version import __version__
from ._errors import UserError, check_environment, shown, user_paths, user_warnings
from ._parser import Parser

__all__ = ["main", "UserError"]

#: SIGPIPE's number on Unix (13); Windows has no such signal
SIGPIPE = getattr(signal, "SIGPIPE", 13)


def build_parser() -> argparse.ArgumentParser:
    """The ``oneneuron`` argument parser with every subcommand."""
    parser = Parser(prog="oneneuron", description="The single-neuron classifier of the tutorials.")
    parser.add_argument("--version", action="version", version=f"oneneuron {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from . import demo, evaluate, playground, predict, train

    for command in (demo, playground, train, predict, evaluate):
        command.add_parser(sub)
    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds like Ctrl-C (temporary
    files are removed by the ``with`` blocks that made them)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _pipe_closed() -> int:
    """Standard output's reader went away (``| head``): stop quietly with 141.

    Standard output is pointed at the null device so that the interpreter's last
    flush at exit, of what is still buffered, finds no closed pipe (Python would
    print 'Exception ignored' and exit 120).
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor (captured in tests)
        pass
    return 128 + SIGPIPE


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:  # Ctrl-C while the commands' modules load: one line too, no traceback
        args = build_parser().parse_args(argv)
    except KeyboardInterrupt:
        print("error: interrupted (Ctrl-C)", file=sys.stderr)
        return 128 + signal.SIGINT
    try:
        given = [getattr(args, n, None) for n in ("data", "model", "out", "report")]
        with _sigterm_unwinds(), user_paths(given), user_warnings():
            check_environment()  # before the numerical libraries load and read it
            code = int(args.func(args) or 0)
            sys.stdout.flush()  # a closed pipe is found here, not at exit (exit code 120)
            return code
    except BrokenPipeError:
        return _pipe_closed()
    except UserError as exc:
        with user_paths(given):  # shown as given, on one line
            print(f"error: {shown(str(exc))}", file=sys.stderr)
        return 1
    except Terminated:
        print("error: terminated (SIGTERM)", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("error: interrupted (Ctrl-C)", file=sys.stderr)
        return 128 + signal.SIGINT


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
