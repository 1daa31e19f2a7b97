"""Counts in messages and captions: ``"1 row"``, ``"2 rows"``, never ``"1 rows"``."""

from __future__ import annotations

from typing import Any

__all__ = ["counted", "noun"]


def counted(n: Any, noun: str, plural: str | None = None, spec: str = "") -> str:
    """The count ``n`` and ``noun``, in the plural unless ``n`` prints as one.

    Parameters
    ----------
    n : int or float
        The count (a weighted count may be a float: ``1.5 rows``).
    noun : str
        The singular, possibly with words before it (``"missing value"``).
    plural : str, optional
        The plural where it is not ``noun + "s"`` (``"classes"``, ``"passes"``).
    spec : str, optional
        A format spec for the count (``".10g"``).

    Returns
    -------
    str
        ``f"{n:{spec}} {word}"``.

    Examples
    --------
    >>> from oneneuron.wording import counted
    >>> counted(1, "row"), counted(2, "row"), counted(0, "row")
    ('1 row', '2 rows', '0 rows')
    >>> counted(1, "class", "classes"), counted(3, "class", "classes")
    ('1 class', '3 classes')
    >>> counted(1.0, "row", spec=".10g"), counted(2.5, "row", spec=".10g")
    ('1 row', '2.5 rows')
    >>> counted(1.0004, "row", spec=".3g")
    '1 row'
    """
    shown = f"{n:{spec}}"
    try:  # the noun follows the count as printed: 1.0004 to 3 digits is '1 row'
        one = float(shown) == 1.0
    except ValueError:
        one = n == 1
    word = noun if one else (plural if plural is not None else noun + "s")
    return f"{shown} {word}"


def noun(n: int, singular: str, plural: str | None = None) -> str:
    """``singular`` where ``n`` is 1, else the plural (``singular + "s"`` unless given):
    the word before a list of ``n`` names, never ``"column(s)"``.

    Examples
    --------
    >>> from oneneuron.wording import noun
    >>> f"{noun(1, 'column')} 'x'", f"{noun(2, 'column')} 'x', 'y'"
    ("column 'x'", "columns 'x', 'y'")
    """
    return singular if n == 1 else (plural if plural is not None else singular + "s")
