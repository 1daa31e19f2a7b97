"""Contrast codings a model file stores: ``C(g, Sum)``, ``C(g, Treatment('b'))``, ...

A formula's ``C(col, contrast, levels=[...])`` codes a categorical column by a
contrast matrix: one value per level for each coded column. The design layer stores
such a column as a factor ``{"column": g, "contrast": [v_0, ..., v_{k-1}]}`` (the
values in the order of the column's levels) or, for treatment coding, as the level
indicator ``{"column": g, "level": v}`` a plain ``C(g)`` makes. The numbers are
computed here from the term's name (the coding, the level order and the level a
column is named after), so a stored file is checked against what its names say,
and predicting never needs formulaic.

The codings and their column names (``levels`` L_0..L_{k-1} in the coding's order),
as formulaic names them:

==============================  =========================  ===============================
spelled                         columns                    values of column j at level i
==============================  =========================  ===============================
``Treatment('b')``,             ``T.L_j``, j != base       1 if i == j else 0
``Treatment(reference='b')``,
``contr.treatment('b')``,
``contr.treatment(base='b')``,
``contr.treatment``, ``contr.SAS``
(base: the last level)
``Sum``, ``contr.sum``          ``S.L_j``, j < k - 1       1 if i == j, -1 if i == k - 1
``Helmert``, ``contr.helmert``  ``H.L_j``, j >= 1          -1 if i < j, j if i == j, else 0
``Diff``, ``contr.diff``        ``D.L_j``, j >= 1          -(k - j) / k if i < j, else j / k
``Poly``, ``contr.poly``        ``.L``, ``.Q``, ``.C``,    orthonormal polynomials of degree
                                ``^4``, ...                1..k-1 in equally spaced scores,
                                                           leading coefficient positive (R)
==============================  =========================  ===============================

R's ``contr.treatment(base=k)`` counts levels (the k-th is the reference), formulaic's
names one (the level k): a number there is refused where the two readings differ (codes
0, 1, 2 with ``base=2``), the message giving ``Treatment(...)`` for each.

Without an intercept the first categorical term is coded with one indicator per
level (``C(g, Sum)[a]``), whatever its contrast, as R and formulaic code it.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

#: The contrasts a model file stores, by the names a formula spells them with.
SCHEMES = {
    "Treatment": "treatment",
    "contr.treatment": "treatment",
    "contr.SAS": "sas",
    "Sum": "sum",
    "contr.sum": "sum",
    "Helmert": "helmert",
    "contr.helmert": "helmert",
    "Diff": "diff",
    "contr.diff": "diff",
    "Poly": "poly",
    "contr.poly": "poly",
}

_CALL = re.compile(r"C\(\s*(`[^`]+`|[^,()`]+?)\s*,(.*)\)", re.DOTALL)
_POLY_NAMES = (".L", ".Q", ".C")


@dataclass(frozen=True)
class Coding:
    """One ``C(column, contrast, levels=[...])`` of a formula, parsed.

    ``scheme`` is one of ``treatment``, ``sas``, ``sum``, ``helmert``, ``diff``,
    ``poly`` (``None``: no contrast given, treatment against the first level);
    ``base`` the reference level a treatment coding names; ``levels`` the order
    ``levels=`` gives (None: the column's own).
    """

    column: str
    scheme: str
    base: str | None = None
    levels: tuple[str, ...] | None = None

    def columns(self, levels: list[str]) -> list[tuple[str, np.ndarray]]:
        """The coded columns of ``levels`` (in the coding's order): ``(suffix, values)``,
        the suffix as the column's name ends (``T.b``, ``S.a``, ``.L``) and one value
        per level of ``levels``.

        Examples
        --------
        >>> [(s, v.tolist()) for s, v in Coding("g", "helmert").columns(["a", "b", "c"])]
        [('H.b', [-1.0, 1.0, 0.0]), ('H.c', [-1.0, -1.0, 2.0])]
        """
        k = len(levels)
        eye = np.eye(k)
        if self.scheme in ("treatment", "sas"):
            if self.base is None:
                base = k - 1 if self.scheme == "sas" else 0
            elif self.base in levels:
                base = levels.index(self.base)
            else:
                raise ValueError(f"the reference level {self.base!r} is not one of {levels}")
            return [(f"T.{v}", eye[i]) for i, v in enumerate(levels) if i != base]
        if self.scheme == "sum":
            return [(f"S.{levels[j]}", eye[j] - eye[k - 1]) for j in range(k - 1)]
        out = []
        for j in range(1, k):
            v = np.zeros(k)
            if self.scheme == "helmert":
                v[:j], v[j] = -1.0, float(j)
            elif self.scheme == "diff":
                v[:j], v[j:] = -(k - j) / k, j / k
            out.append((("H." if self.scheme == "helmert" else "D.") + levels[j], v))
        if self.scheme == "poly":
            return [
                (_POLY_NAMES[d - 1] if d <= 3 else f"^{d}", p)
                for d, p in enumerate(poly_contrasts(k).T, start=1)
            ]
        return out

    def factor(self, suffix: str, levels: list[str]) -> dict[str, Any]:
        """The stored factor of the coded column whose name ends ``[suffix]``, for a
        categorical column with ``levels`` (the model file's order): a level indicator
        ``{"column", "level"}`` (treatment coding; or one column per level, as a
        design without an intercept codes it) or ``{"column", "contrast"}``."""
        order = list(self.levels) if self.levels is not None else list(levels)
        if sorted(order) != sorted(levels):
            raise ValueError(
                f"levels= of C({self.column}, ...) lists {sorted(set(order) - set(levels))} "
                f"without training rows or lacks {sorted(set(levels) - set(order))}: a model "
                "file stores the levels the training rows hold"
            )
        for name, values in self.columns(order):
            if name == suffix:
                if self.scheme in ("treatment", "sas"):
                    return {"column": self.column, "level": name[2:]}
                value = dict(zip(order, values.tolist(), strict=True))
                return {"column": self.column, "contrast": [value[v] for v in levels]}
        if suffix in levels:  # no intercept: one indicator per level
            return {"column": self.column, "level": suffix}
        raise ValueError(f"[{suffix}] is not a column of C({self.column}, {self.scheme})")


def poly_contrasts(k: int) -> np.ndarray:
    """R's ``contr.poly(k)``: (k, k - 1) orthonormal polynomials of degree 1..k-1 in
    equally spaced scores, each column's leading coefficient positive.

    Examples
    --------
    >>> np.round(poly_contrasts(3), 4).tolist()
    [[-0.7071, 0.4082], [0.0, -0.8165], [0.7071, 0.4082]]
    """
    s = np.arange(k, dtype=np.float64)
    s -= s.mean()
    q, r = np.linalg.qr(np.vander(s, k, increasing=True))
    q = q * np.sign(np.diag(r))  # the residual of s**d on lower powers, unit length
    return q[:, 1:]


def _scheme(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _text(node: ast.expr, what: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bool):
        return str(node.value)  # a boolean column's levels are False and True
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return _number_level(node.value)  # a numeric column coded as categories
    raise ValueError(f"{what} must be a level written as text ('b'), as a model file stores it")


def _number_level(v: float) -> str:
    """The level a number names in a numeric column coded as categories
    (``C(dose, Treatment(2))``, ``levels=[3, 1, 2]``): its text as the formula names
    the level, whole numbers without a decimal point (``"2"``, as the design layer
    reads such a column: integers where every value is whole)."""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def coded_column(expr: str) -> str | None:
    """The column of ``C(column, ...)`` with arguments, else None."""
    m = _CALL.fullmatch(expr.strip())
    if m is None:
        return None
    column = m.group(1).strip()
    return column[1:-1] if column.startswith("`") else column


def parse_coding(expr: str) -> Coding | None:
    """The :class:`Coding` of ``C(column, contrast, levels=[...])`` or None where
    ``expr`` is no such call (``C(g)`` alone is None: the plain categorical). Raises
    ``ValueError`` naming the part a model file cannot store (custom contrast
    matrices, ``Helmert(scale=True)``, ``Poly(scores=...)``, ``spans_intercept=``).

    Examples
    --------
    >>> parse_coding("C(g, Treatment(reference='b'), levels=['b', 'a'])")
    Coding(column='g', scheme='treatment', base='b', levels=('b', 'a'))
    >>> parse_coding("C(`my g`, contr.sum)")
    Coding(column='my g', scheme='sum', base=None, levels=None)
    """
    m = _CALL.fullmatch(expr.strip())
    column = coded_column(expr)
    if m is None or column is None:
        return None
    try:
        call = ast.parse(f"f({m.group(2)})", mode="eval").body
    except SyntaxError:
        raise ValueError(f"cannot read the arguments of {expr!r}") from None
    assert isinstance(call, ast.Call)
    contrast = call.args[0] if len(call.args) == 1 else None
    levels = None
    if len(call.args) > 1:
        raise ValueError(f"{expr!r} has more than one contrast")
    for kw in call.keywords:
        if kw.arg == "contrasts" and contrast is None:
            contrast = kw.value
        elif kw.arg == "levels":
            try:
                levels = ast.literal_eval(kw.value)
            except ValueError:
                levels = None
            if not isinstance(levels, list | tuple) or not all(
                isinstance(v, str | int | float) and not isinstance(v, bool) for v in levels
            ):
                raise ValueError(f"levels= of {expr!r} must list the levels as text")
            # numbers: the levels of a numeric column coded as categories ("2" for 2)
            levels = tuple(v if isinstance(v, str) else _number_level(v) for v in levels)
        else:
            raise ValueError(f"the argument {kw.arg}= of {expr!r} cannot be stored")
    if contrast is None:
        return Coding(column, "treatment", None, levels)
    base = None
    spelled = _scheme(contrast)
    if isinstance(contrast, ast.Call):
        spelled = _scheme(contrast.func)
        scheme = SCHEMES.get(spelled or "")
        args = list(contrast.args) + [k.value for k in contrast.keywords]
        names = [k.arg for k in contrast.keywords]
        if scheme == "treatment" and len(args) == 1 and names in ([], ["reference"], ["base"]):
            base = _text(args[0], f"the reference level of {spelled}()")
        elif args or scheme is None:
            raise ValueError(
                f"{spelled}(...) in {expr!r} cannot be stored (a model file stores "
                f"{', '.join(SCHEMES)} without arguments, and a treatment's reference level)"
            )
    scheme = SCHEMES.get(spelled or "")
    if scheme is None:
        raise ValueError(
            f"the contrast of {expr!r} cannot be stored (a model file stores {', '.join(SCHEMES)})"
        )
    return Coding(column, scheme, base, levels)
