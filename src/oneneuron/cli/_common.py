"""Helpers shared by the model subcommands: argument types, error mapping, notes, file checks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from . import _tabular as tab
from .cli import UserError
from .io import ModelFileError


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _user_errors(fn: Any) -> Any:
    """Turn file, data and model problems into :class:`UserError` (one line, exit 1)."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (ModelFileError, tab.DataError) as exc:
            raise UserError(str(exc)) from None
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly, like other tools
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (avoid a second error at exit)
            return 1
        except FileExistsError as exc:
            raise UserError(f"{exc}; pass --force to replace it") from None
        except PermissionError as exc:
            raise UserError(f"permission denied: {exc.filename}") from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            raise UserError(f"cannot access{where}: {exc.strerror or exc}") from None

    wrapped.__doc__ = fn.__doc__
    return wrapped


def _note(args: argparse.Namespace, text: str) -> None:
    if not args.quiet:
        print(f"note: {text}", file=sys.stderr)


def _check_new_file(path: str, force: bool) -> None:
    """Fail early, before any work, if ``path`` exists (without --force) or cannot be made."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{path} is a folder")
    if p.exists() and not force:
        raise UserError(f"{path} already exists; pass --force to replace it")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserError(f"cannot write {path}: folder {parent} does not exist")
