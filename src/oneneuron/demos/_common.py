"""What a walkthrough produces, and small helpers shared by the walkthroughs."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from matplotlib.figure import Figure

from ..exceptions import ConvergenceWarning


@dataclass
class Section:
    """One step of a walkthrough on the page: short text, a figure, a few numbers.

    ``text`` is plain text (escaped on the page); ``figure`` names a key of
    :attr:`Walkthrough.figures`; ``numbers`` maps a label to a formatted value.
    """

    text: str
    figure: str | None = None
    numbers: dict[str, str] = field(default_factory=dict)


@dataclass
class Walkthrough:
    """A reproduced walkthrough: its sections, figures and key numbers.

    ``summary`` is JSON-serialisable (written as ``summary.json``); ``baseline``
    names the figure compared with a stored reference image in the tests.
    """

    name: str
    title: str
    source: str
    sections: list[Section]
    figures: dict[str, Figure]
    summary: dict[str, Any]
    baseline: str


@contextmanager
def planned_stop() -> Iterator[None]:
    """Silence the ConvergenceWarning of a fit stopped on purpose after a set number of steps."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def fmt(x: float, digits: int = 4) -> str:
    """A number as the page shows it."""
    return f"{x:.{digits}f}"
