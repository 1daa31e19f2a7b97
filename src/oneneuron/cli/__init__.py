"""Command line: ``oneneuron demo`` (walkthroughs), ``playground``, ``train``, ``predict``,
``evaluate``.

Each subcommand lives in its own module that exposes ``add_parser(subparsers)``
(``demo.py``, ``playground.py``, ``train.py``, ``predict.py``, ``evaluate.py``); this module only
wires them together and maps errors to exit codes: 0 success, 1 data or model
errors (one ``error: ...`` line on stderr), 2 usage. :class:`UserError` lives
at the bottom of the wing (``_errors.py``), so no command imports this module.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .._version import __version__
from ._errors import UserError

__all__ = ["main", "UserError"]


def build_parser() -> argparse.ArgumentParser:
    """The ``oneneuron`` argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="oneneuron", description="The single-neuron classifier of the tutorials."
    )
    parser.add_argument("--version", action="version", version=f"oneneuron {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    from . import demo, evaluate, playground, predict, train

    for command in (demo, playground, train, predict, evaluate):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
