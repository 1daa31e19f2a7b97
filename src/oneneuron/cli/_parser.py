"""The command line's argument parser: argparse with two refusals it lacks.

- An option that takes one value, given twice with two values (``--target y --target
  x1``, ``--model a.json --model b.json``), is a usage error: argparse keeps the last
  and drops the first without a word. The same value twice is taken. An option of
  several values (``--keep y --keep x1``) is told to name them all at once.
- An unknown option names the option it is closest to (``--modle``: did you mean
  ``--model``?), among those of the command it was given to; one named as a positional
  argument (``evaluate --model m.json``) says that it is given by position.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence
from typing import Any

#: The namespace attribute that holds the values given so far while parsing.
_GIVEN = "_oneneuron_given"


class _Once(argparse._StoreAction):
    """``store``, refusing a second, different value for the same option."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given = namespace.__dict__.setdefault(_GIVEN, {})
        first = given.get(self.dest)
        if option_string is not None and self.dest in given and first != values:
            once = "give it once"
            if isinstance(values, list) and isinstance(first, list):  # nargs="+": all at once
                once += f", with all its values: {option_string} {' '.join(first + values)}"
            parser.error(f"{option_string} is given twice ({first!r} and {values!r}); {once}")
        given[self.dest] = values
        setattr(namespace, self.dest, values)


class Parser(argparse.ArgumentParser):
    """:class:`argparse.ArgumentParser` for ``oneneuron`` and its commands (see the
    module's docstring); its subcommands' parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register("action", None, _Once)
        self.register("action", "store", _Once)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        ns, extras = super().parse_known_args(args, namespace)
        ns.__dict__.pop(_GIVEN, None)
        return ns, extras

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        ns, extras = self.parse_known_args(args, namespace)
        if extras:
            parser = self._command(ns)
            parser.error(f"unrecognized arguments: {' '.join(extras)}{_guess(parser, extras)}")
        return ns

    def _command(self, ns: argparse.Namespace) -> argparse.ArgumentParser:
        """The parser of the command that was given (this one where none was)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = action.choices.get(getattr(ns, action.dest, None) or "")
                if isinstance(chosen, argparse.ArgumentParser):
                    return chosen
        return self


def _guess(parser: argparse.ArgumentParser, extras: list[str]) -> str:
    """`` (did you mean --model?)`` for the first unknown option like a known one; for an
    option named as one of the command's positional arguments (``evaluate --model m.json``,
    as train takes it), that the argument goes by position, in the command's order."""
    known = [s for a in parser._actions for s in a.option_strings if s.startswith("--")]
    places = [a.metavar or a.dest for a in parser._actions if not a.option_strings]
    places = [str(p) for p in places if isinstance(p, str) and p != argparse.SUPPRESS]
    for word in extras:
        name = word.split("=", 1)[0][2:] if word.startswith("--") else ""
        place = next((p for p in places if p.lower() == name.lower()), None)
        if place is not None:
            return (
                f" ({place} is given by position, not as --{name}: {parser.prog} "
                f"{' '.join(places)} ...)"
            )
        if word.startswith("--"):
            close = difflib.get_close_matches(word.split("=", 1)[0], known, n=1, cutoff=0.6)
            if close:
                return f" (did you mean {close[0]}?)"
    return ""
