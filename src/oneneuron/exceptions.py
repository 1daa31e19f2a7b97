"""oneneuron's own warning classes, each catchable on its own."""

from __future__ import annotations

import os
import sys
from typing import Any

from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning

__all__ = [
    "CollinearityWarning",
    "ConvergenceWarning",
    "EmptyClassWarning",
    "GridEdgeWarning",
    "ImputationWarning",
    "LevelWarning",
    "ParameterWarning",
    "SeparationWarning",
    "UnknownCategoryWarning",
]


class ConvergenceWarning(_SklearnConvergenceWarning):
    """The solver stopped before ``max |grad| <= tol``.

    A subclass of scikit-learn's ``ConvergenceWarning``, so filters written for
    scikit-learn catch it too. The message states the final gradient norm,
    ``tol`` and one next step.
    """


class SeparationWarning(UserWarning):
    """The classes are (quasi-)completely separated by a linear function of the features.

    The maximum-likelihood coefficients do not exist (they grow without bound);
    the reported ones are finite only because the solver stopped.
    """


class CollinearityWarning(UserWarning):
    """An unpenalised fit's columns are linear combinations of others to working
    precision (exact duplicates, a full set of indicators beside the intercept, or
    ``x`` and ``x + 1e-9 noise``).

    The Hessian (``X'WX``) cannot resolve those directions: the coefficients along them
    are wherever the solver stopped on a nearly flat ridge (Newton ran to -1e8 and +1e8
    for the near-duplicate pair), and standard errors are refused (R prints ``NA``,
    statsmodels warns of a singular matrix). The message names the columns, as
    ``summary()`` does; drop one, reparameterise (``x`` and ``x2 - x``), or set
    ``alpha > 0``.
    """


class UnknownCategoryWarning(UserWarning):
    """A prediction's table holds a category not seen in training.

    Such a row is coded as the reference level (with reference coding every
    indicator column of that variable is zero; where the coding has no reference,
    ``0 + C(g)``, ``C(g):x``, sum or Helmert coding, as the first level), as the
    command line's ``predict`` does by default; the message
    names the columns, the rows affected and an example. To refuse those rows
    instead, make the warning an error:
    ``warnings.simplefilter("error", oneneuron.UnknownCategoryWarning)`` (the
    command line: ``--on-unknown error``).
    """


class ImputationWarning(UserWarning):
    """Filling missing cells (``missing="mean"``, ``"median"``, ``"most_frequent"``;
    the command line's ``--impute``) made the filled value a marker of one class.

    A column missing in every row of a class (a lab value measured only for the
    controls) is filled there with the other rows' statistic: the fill then marks
    the class, and the column's coefficient measures where cells were filled, not the
    column. The message names the column, the class and its rows; leave the column
    out, or code its missingness as a column of its own.
    """


class ParameterWarning(UserWarning):
    """A parameter has no effect with the others given (``l1_ratio > 0`` with
    ``alpha=0``: the fit is unpenalised, so the mix of penalties is moot).

    The message names the parameter, its value and the one that makes it work.
    """


class EmptyClassWarning(UserWarning):
    """A class of the labels has no weight in a fit: every one of its rows has
    ``sample_weight`` 0 (or its ``class_weight`` is 0), or a cross-validation fold's
    training rows lack it.

    That fit gives the class probability 0 (its coefficients have no estimate, and a
    fold's held-out rows of it score about ``-log(eps)`` each). The message names the
    class (and the folds) and one next step.
    """


class LevelWarning(UserWarning):
    """A categorical column has levels that differ only in letter case or in spaces
    (``'South'`` and ``'South '``, ``'north'`` and ``'North'``), most often variants
    of one level as typed.

    They are fitted as different levels, as R and statsmodels fit them; the message
    names them and how to merge them (``df[col].str.strip()``, ``.str.lower()``).

    Also: a categorical column holds one level in every row. Reference coding gives
    it no model column (it has no level besides the reference), so the fit leaves
    it out; the message names the column and its level.
    """


class GridEdgeWarning(UserWarning):
    """Cross-validation's best mean held-out score is at an end of the alpha grid, and
    still improving there (better than at the next alpha in).

    The optimum may lie beyond the grid: below its smallest alpha (data that need little
    or no penalty; compare ``alpha=0``, or pass ``alphas`` or a smaller
    ``alpha_min_ratio``), or above its largest where that alpha still leaves
    coefficients non-zero (pass larger ``alphas``). No warning where the grid cannot go
    further: its smallest alpha is 0, or its largest already sets every coefficient to
    zero (the default grid's ``alpha_max``). The message names the end, its alpha and
    the two scores.
    """


#: The package's folder: frames of files under it are oneneuron's own.
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning issued by the calling function point at
    the line that called into oneneuron: the caller of oneneuron's outermost frame on
    the stack (the user's line, or the library's that called oneneuron, e.g.
    scikit-learn's ``cross_val_score``), whatever the number of oneneuron's frames in
    between, also where scikit-learn's ``score`` calls back into ``predict``.

    A fixed ``stacklevel`` counts the frames of one entry point: ``fit``'s warnings
    pointed into ``_logit.py`` when ``oneneuron.logit`` called ``fit``, and
    ``predict_proba``'s unseen-level warning into ``_estimator.py`` when ``predict``
    called it.

    Returns
    -------
    int
        1 for the caller itself, 2 for its caller, ... (``warnings.warn``'s count).

    Examples
    --------
    >>> from oneneuron.exceptions import user_stacklevel
    >>> user_stacklevel() >= 2
    True
    """
    frame: Any = sys._getframe(1)  # the function that calls warnings.warn: stacklevel 1
    level, outermost = 1, 1
    while frame is not None:
        code = frame.f_code
        if code.co_filename.startswith(_PACKAGE) or (
            level == outermost + 1 and (code.co_filename, code.co_name) in _WRAPPERS
        ):
            outermost = level
        frame, level = frame.f_back, level + 1
    return outermost + 1


def _sklearn_wrappers() -> set[tuple[str, str]]:
    """scikit-learn's decorators around oneneuron's own methods (``_fit_context`` on
    ``fit``, ``set_output``'s on ``transform``): their frames, directly above
    oneneuron's, count as oneneuron's (the user called the method, not scikit-learn)."""
    import sklearn

    root = os.path.dirname(os.path.abspath(sklearn.__file__))
    return {
        (os.path.join(root, "base.py"), "wrapper"),
        (os.path.join(root, "utils", "_set_output.py"), "wrapped"),
    }


_WRAPPERS = _sklearn_wrappers()
