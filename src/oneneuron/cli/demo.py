"""``oneneuron demo``: list the tutorials' walkthroughs, or run them and write the page."""

from __future__ import annotations

import argparse
import time
from typing import Any

from ._errors import UserError


def add_parser(sub: Any) -> None:
    """Register ``demo`` on the subcommand parser."""
    p = sub.add_parser(
        "demo",
        help="run the tutorials' walkthroughs",
        description="Without NAME, list the walkthroughs. With NAME or 'all', run them and "
        "write DIR/NAME/*.png, DIR/NAME/summary.json and the page DIR/index.html.",
    )
    p.add_argument(
        "name",
        nargs="?",
        help="walkthrough name (any case; _ reads as -), or 'all'; omit to list them",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default: out)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """List the walkthroughs, or run the chosen ones and write their files and the page."""
    from ..demos import NAMES, build, check_out, get, write

    if args.name is None and args.out is not None:  # listing writes nothing: say so
        raise UserError(
            f"--out {args.out} names where walkthroughs are written, and none was chosen: "
            "add a NAME or 'all' (oneneuron demo NAME --out DIR); without one, demo lists them"
        )
    if args.name is None:
        print("walkthroughs (run one with `oneneuron demo NAME --out DIR`, or `all`):")
        for name in NAMES:
            print(f"  {name:<18} {get(name).BLURB}")
        return 0
    # the modules' and data files' spelling (exam_scores) and any case name the same one
    name = args.name.strip().lower().replace("_", "-").replace(" ", "-")
    if name != "all" and name not in NAMES:
        raise UserError(
            f"unknown walkthrough {args.name!r}; choose one of {', '.join(NAMES)} or 'all'"
        )
    names = NAMES if name == "all" else (name,)
    args.out = "out" if args.out is None else args.out
    if not str(args.out).strip():  # an unset shell variable: not the current folder
        raise UserError("--out is empty; name the folder to write (default: out)")
    try:
        check_out(args.out, names)  # before the walkthroughs run, not after
    except FileExistsError as exc:
        raise UserError(str(exc)) from None
    done = []
    for name in names:
        t0 = time.perf_counter()
        w = build(name)
        done.append(w)
        print(f"{name:<18} {len(w.figures)} figures  {time.perf_counter() - t0:.1f} s")
    try:
        index = write(done, args.out)
    except FileExistsError as exc:
        raise UserError(str(exc)) from None
    print(f"page: {index}  (open {index.resolve().as_uri()})")
    return 0
