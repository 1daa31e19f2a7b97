"""The command line's errors and warnings: :class:`UserError` and the mapping of file,
data and model problems to it (one ``error:`` line, exit 1); warnings as one
``warning:`` line per distinct message. The bottom of the CLI wing: every command
module imports it, it imports no command."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
            named = isinstance(exc.filename, str | bytes | os.PathLike)  # not a descriptor
            where = f" {exc.filename}" if named and exc.filename else ""
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise UserError(f"cannot write{where}: no space left on the device") from None
            raise UserError(f"cannot access{where}: {exc.strerror or exc}") from None

    wrapped.__doc__ = fn.__doc__
    return wrapped


_DEVELOPER_NOTICES = (DeprecationWarning, PendingDeprecationWarning, FutureWarning)


def _for_user(w: warnings.WarningMessage) -> bool:
    """Deprecation notices are for developers of the code that triggers them (here:
    oneneuron calling pandas, dask calling pandas ...), not for the command's user."""
    own = w.category.__module__.startswith("oneneuron")
    return own or not issubclass(w.category, _DEVELOPER_NOTICES)


def show_warnings(caught: Iterable[warnings.WarningMessage], seen: set[str] | None = None) -> None:
    """Print recorded warnings as ``warning: message`` lines, each distinct message once."""
    seen = set() if seen is None else seen
    for w in caught:
        text = " ".join(str(w.message).split())
        if _for_user(w) and text not in seen:
            seen.add(text)
            print(f"warning: {text}", file=sys.stderr)


@contextmanager
def user_warnings() -> Iterator[None]:
    """Within: a warning is one ``warning:`` line per distinct message (no file, line or
    source code), and other libraries' deprecation notices are dropped. Filters set by
    the caller (e.g. ``-W error``) are kept."""
    seen: set[str] = set()

    def show(message: Any, category: Any, filename: str, lineno: int, *_: Any) -> None:
        w = warnings.WarningMessage(message, category, filename, lineno)
        show_warnings([w], seen)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield
