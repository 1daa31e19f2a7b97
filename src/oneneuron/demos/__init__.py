"""The tutorials' walkthroughs, reproduced with the library's real classes.

Each walkthrough is a module with ``NAME``, ``TITLE``, ``SOURCE``, ``BLURB``,
``compute()`` (the numbers, no plotting) and ``build()`` (a
:class:`Walkthrough`: text, figures, summary). :func:`write` saves them as
``DIR/NAME/*.png``, ``DIR/NAME/summary.json`` and one self-contained
``DIR/index.html``.

Examples
--------
>>> from oneneuron.demos import NAMES
>>> NAMES
('one-neuron-1d', 'logistic-function', 'perceptron', 'no-bias-2d', 'exam-scores', 'microchips')
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from ._common import Section, Walkthrough
from ._page import _check_writable, write

__all__ = ["NAMES", "Section", "Walkthrough", "get", "build", "check_out", "write"]

_MODULES = {
    "one-neuron-1d": "one_neuron_1d",
    "logistic-function": "logistic_function",
    "perceptron": "perceptron",
    "no-bias-2d": "no_bias_2d",
    "exam-scores": "exam_scores",
    "microchips": "microchips",
}

#: Walkthrough names, in the order of the page.
NAMES = tuple(_MODULES)


def get(name: str) -> ModuleType:
    """The module of walkthrough ``name``; a clear error for an unknown name."""
    if name not in _MODULES:
        raise KeyError(f"unknown walkthrough {name!r}; choose one of {', '.join(NAMES)} or 'all'")
    return importlib.import_module(f".{_MODULES[name]}", __name__)


def check_out(out_dir: str | Path, names: Sequence[str]) -> None:
    """Raise :class:`FileExistsError` where :func:`write` would refuse ``out_dir`` for the
    walkthroughs ``names`` (a file in the way, files it did not write), before any runs.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from oneneuron.demos import check_out
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     check_out(tmp, ["perceptron"])  # an empty folder: fine
    ...     in_the_way = pathlib.Path(tmp, "afile")
    ...     _ = in_the_way.write_text("mine")
    ...     try:
    ...         check_out(in_the_way, ["perceptron"])
    ...     except FileExistsError as exc:
    ...         print(str(exc).endswith("afile exists and is not a folder"))
    True
    """
    _check_writable(Path(out_dir), list(names))


def build(name: str) -> Walkthrough:
    """Run walkthrough ``name``: fit, draw and summarise (nothing is written)."""
    return get(name).build()
