"""``oneneuron playground``: write the self-contained playground page."""

from __future__ import annotations

import argparse
from typing import Any

from ._errors import UserError


def add_parser(sub: Any) -> None:
    """Register ``playground`` on the subcommand parser."""
    p = sub.add_parser(
        "playground",
        help="write the interactive playground page",
        description="Fit the shipped data sets and write DIR/playground.html: one page, no "
        "server, nothing loaded from the network. Open it in a browser to move a neuron's "
        "weights, step gradient descent and compare with the exact optimum.",
    )
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build the page into ``--out`` and print its path."""
    from ..playground import build

    if not str(args.out).strip():  # an unset shell variable: not the current folder
        raise UserError("--out is empty; name the folder to write (default: out)")
    try:
        path = build(args.out)
    except (FileExistsError, NotADirectoryError, PermissionError) as exc:
        raise UserError(f"--out {args.out}: {exc}") from None
    print(f"page: {path}  (open {path.resolve().as_uri()})")
    return 0
