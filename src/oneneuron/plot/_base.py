"""Figure creation without pyplot, and a text stripper for image comparisons."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from ..functions import _refuse_non_finite

#: Colours of class 0 and class 1 in every figure (red / blue as in the tutorials).
CLASS_COLORS = ("tab:red", "tab:blue")
#: Colours of classes beyond the first two (red and blue, as the tutorials draw them).
MORE_CLASS_COLORS = ("tab:green", "tab:orange", "tab:purple", "tab:brown", "tab:pink",
                     "tab:gray", "tab:olive", "tab:cyan")  # fmt: skip


def class_color(i: int) -> str:
    """The colour of the ``i``-th class: red, blue, then matplotlib's other tab colours."""
    if i < len(CLASS_COLORS):
        return CLASS_COLORS[i]
    return MORE_CLASS_COLORS[(i - len(CLASS_COLORS)) % len(MORE_CLASS_COLORS)]


#: The most characters of a name from the data that a figure draws (see :func:`literal`).
MAX_LABEL_CHARS = 60


def literal(text: object, max_chars: int | None = MAX_LABEL_CHARS) -> str:
    r"""``text`` to be drawn as written: each ``$`` escaped, so that matplotlib does not read
    the text between two of them as TeX (mathtext), and at most ``max_chars`` characters
    (the middle elided with "..."; None: all of it).

    Column names, class labels and other text from the user's data go through this
    before they become a title, label, legend entry or tick label: ``cost $5 to $9``
    would otherwise be drawn as a formula, ``$\foo$`` stop the drawing with
    matplotlib's "Unknown symbol" error, and a name of 20,000 characters make a figure
    230,000 pixels wide. Text the caller passes as a label (``labels=``, ``label=``)
    is drawn as matplotlib draws it, mathtext included.

    Examples
    --------
    >>> from oneneuron.plot import literal, new_axes
    >>> print(literal("cost $5 to $9"))
    cost \$5 to \$9
    >>> literal("x" * 100, max_chars=11)
    'xxxx...xxxx'
    >>> ax = new_axes()
    >>> ax.set_title(literal(r"$\foo$")).figure.savefig(__import__("io").BytesIO())
    """
    text = str(text)
    if max_chars is not None and len(text) > max_chars:
        head = (max_chars - 3 + 1) // 2
        text = text[:head] + "..." + text[len(text) - (max_chars - 3 - head) :]
    return text.replace("$", r"\$")


def finite_values(a: NDArray[np.float64], what: str) -> None:
    """Refuse NaN or infinite values in ``a`` (1-D, or 2-D rows by columns): one
    ``ValueError`` with how many there are and where the first is. Matplotlib would
    stop at 'Axis limits cannot be NaN or Inf', numpy at 'supplied range of [nan, nan]
    is not finite', or a surface of NaN would be drawn without a word.

    Examples
    --------
    >>> from oneneuron.plot._base import finite_values
    >>> finite_values(np.array([[1.0, np.nan]]), "X")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: X has 1 missing value (first in row 0, column 1); a plot needs ...
    """
    _refuse_non_finite(a, what, "a plot needs finite numbers: leave those rows out or fill them")


def count(value: Any, what: str, minimum: int) -> int:
    """``value`` as a whole number of at least ``minimum`` (a grid's points, bins,
    levels), or one ``ValueError`` naming ``what``: a float such as 2.5 or a bool is
    refused rather than truncated, and a too-small count would otherwise surface as a
    matplotlib or NumPy internal error, or draw a figure of one point.

    Examples
    --------
    >>> from oneneuron.plot._base import count
    >>> count(np.int64(3), "grid", 2)
    3
    >>> count(1, "grid", 2)
    Traceback (most recent call last):
    ...
    ValueError: grid must be a whole number of at least 2; got 1
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise ValueError(f"{what} must be a whole number of at least {minimum}; got {value!r}")
    if value < minimum:
        raise ValueError(f"{what} must be a whole number of at least {minimum}; got {value}")
    return int(value)


def finite_number(value: Any, what: str) -> float:
    """``value`` (a number or a one-element array) as a finite float, or one
    ``ValueError`` naming ``what`` (a weight, a bias, an optimum): NaN or infinity
    would draw an empty or meaningless figure without a word.

    Examples
    --------
    >>> from oneneuron.plot._base import finite_number
    >>> finite_number(np.array([[2.0]]), "w")
    2.0
    >>> finite_number(float("nan"), "w")
    Traceback (most recent call last):
    ...
    ValueError: w must be a finite number; got nan
    """
    a = np.asarray(value, dtype=np.float64)
    if a.size != 1:
        one = " (one feature)" if what == "w" else ""
        raise ValueError(f"{what} must be one number{one}; got shape {a.shape}")
    v = float(a.reshape(()))
    if not np.isfinite(v):
        raise ValueError(f"{what} must be a finite number; got {v}")
    return v


def span(value: Any, what: str) -> tuple[float, float]:
    """``value`` as ``(low, high)``, two finite numbers with ``low < high`` (an axis'
    range), or one ``ValueError`` naming ``what``.

    Examples
    --------
    >>> from oneneuron.plot._base import span
    >>> span([-1, 1], "w1_range")
    (-1.0, 1.0)
    >>> span((5, -5), "w1_range")
    Traceback (most recent call last):
    ...
    ValueError: w1_range must be (low, high) with low < high; got (5.0, -5.0)
    """
    a = np.asarray(value, dtype=np.float64)
    if a.shape != (2,):
        raise ValueError(f"{what} must be two numbers (low, high); got shape {a.shape}")
    lo, hi = float(a[0]), float(a[1])
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"{what} must be (low, high) with low < high; got ({lo}, {hi})")
    return lo, hi


def new_axes(ax: Axes | None = None, figsize: tuple[float, float] = (5.0, 3.6)) -> Axes:
    """``ax`` itself, or the axes of a new headless :class:`~matplotlib.figure.Figure`.

    Examples
    --------
    >>> from oneneuron.plot import new_axes
    >>> ax = new_axes(figsize=(2, 2))
    >>> ax.figure.get_size_inches().tolist()
    [2.0, 2.0]
    """
    if ax is not None:
        return ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig.add_subplot()


def strip_text(fig: Figure, size: tuple[float, float] = (3.0, 2.25)) -> Figure:
    """Remove every text (titles, labels, ticks, legends, annotations) and resize.

    Used to compare figures with stored reference images independently of the
    fonts installed. Returns ``fig`` itself.
    """
    for text in list(fig.texts):
        text.remove()
    if getattr(fig, "_suptitle", None) is not None:
        fig._suptitle.remove()
        fig._suptitle = None
    for ax in fig.axes:
        ax.set_title("")
        ax.set_title("", loc="left")
        ax.set_title("", loc="right")
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.tick_params(
            which="both", labelbottom=False, labelleft=False, labeltop=False, labelright=False
        )
        ax.tick_params(which="both", length=0)
        legend = ax.get_legend()
        if legend is not None:
            legend.remove()
        for text in list(ax.texts):
            if text.get_text():  # arrows are annotations without text: keep them
                text.remove()
        for child in list(ax.get_children()):
            if _is_label(child):
                child.remove()
    fig.set_size_inches(*size)
    return fig


def _is_label(artist: Any) -> bool:
    from matplotlib.text import Text

    return isinstance(artist, Text) and artist.get_text() != "" and artist.axes is not None
