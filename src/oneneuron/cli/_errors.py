"""The command line's errors: :class:`UserError` and the mapping of file, data and model
problems to it (one ``error:`` line, exit 1). The bottom of the CLI wing: every command
module imports it, it imports no command."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from ..modelfile import ModelFileError
from ..tables import DataError


class UserError(Exception):
    """A problem with the user's data, model or files: printed as one line, exit 1."""


def user_errors(fn: Any) -> Any:
    """Turn file, data and model problems into :class:`UserError` (one line, exit 1)."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except (ModelFileError, DataError) as exc:
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
