"""Tests between and within fits: likelihood-ratio test of nested models, Wald tests.

``lr_test(small, big)``: ``LR = 2 (llf_big - llf_small)``, chi-squared with
``df = k_big - k_small`` degrees of freedom (Wilks), as statsmodels'
``compare_lr_test`` and R's ``anova(small, big, test="Chisq")``.

``wald_test(result, "x1 = x2, x3 = 0")``: linear restrictions ``R beta = q`` on
the coefficient table's terms, ``W = (R b - q).T (R V R.T)^-1 (R b - q)``,
chi-squared with ``rank(R)`` degrees of freedom, ``V`` the fit's covariance
(so a robust ``cov_type`` gives a robust Wald test), as statsmodels'
``wald_test(..., use_f=False)``. Of a penalised fit (``alpha > 0``) it is
computed the same way from the Laplace covariance and says so (``note``).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import stats

from ..wording import noun
from ._fit import data_mismatch, term_map

#: ``lr_test``: ``small``'s log-likelihood may exceed ``big``'s by this much, relative
#: (two fits' convergence); more means that ``small`` is not nested in ``big``.
LLF_ROUNDOFF = 1e-6


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-squared test: ``statistic``, degrees of freedom ``df`` and ``p_value``.

    Attributes
    ----------
    statistic : float
    df : int
    p_value : float
        ``P(chi2_df > statistic)``.
    test : str
        ``"likelihood-ratio"`` or ``"wald"``.
    note : str
        What qualifies the test ("" when nothing does): a Wald test of a penalised fit
        (``alpha > 0``) uses the Laplace-approximate covariance around a shrunken
        estimate, so it is no frequentist test.
    """

    statistic: float
    df: int
    p_value: float
    test: str
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.test} test: chi2({self.df}) = {self.statistic:.6g}, p = {self.p_value:.4g}"
        return f"{text} ({self.note})" if self.note else text


def _likelihood_part(model: Any) -> Any:
    """The :class:`InferenceResult` of a fitted model (or the result itself)."""
    res = getattr(model, "inference_", model)
    if not hasattr(res, "log_likelihood"):
        raise TypeError(f"expected a fitted NeuronClassifier, got {type(model).__name__}")
    return res


#: Two fits' columns of one name are the same column where their weighted means and
#: standard deviations agree to this fraction of ``|mean| + std`` (engines sum in
#: other orders, float32 ones in float32).
SAME_COLUMN_RTOL = 1e-4


def _other_columns(small: Any, big: Any) -> list[str]:
    """The terms whose columns' weighted ``[mean, std]`` differ between the two fits'
    ``extra["column_stats"]`` (none where either fit did not record them)."""
    if not isinstance(small, dict) or not isinstance(big, dict):
        return []

    def pair(v: Any) -> tuple[float, float] | None:  # (a model file's may be anything)
        try:
            m, s = (float(x) for x in v)
        except (TypeError, ValueError):
            return None
        return (m, s) if np.isfinite(m) and np.isfinite(s) else None

    out = []
    for name, v in small.items():
        a, b = pair(v), pair(big.get(name))
        if a is None or b is None:
            continue
        (m1, s1), (m2, s2) = a, b
        size = SAME_COLUMN_RTOL * max(abs(m1) + s1, abs(m2) + s2)
        if abs(m1 - m2) > size or abs(s1 - s2) > size:
            out.append(
                f"small's column {name!r} (weighted mean {m1:.4g}, standard deviation "
                f"{s1:.4g}) is not big's column of the same name (mean {m2:.4g}, "
                f"standard deviation {s2:.4g})"
            )
    return out


def lr_test(small: Any, big: Any) -> ChiSquareTest:
    """Likelihood-ratio test of a fit against a larger fit that nests it.

    Parameters
    ----------
    small, big : NeuronClassifier
        Fitted, unpenalised (``alpha=0``), on the same rows, weights and classes;
        ``small``'s terms must be a subset of ``big``'s (checked by name).

    Returns
    -------
    ChiSquareTest
        ``statistic = 2 (llf_big - llf_small)``, ``df = k_big - k_small``.

    Raises
    ------
    ValueError
        Penalised fits; fits on different data: other rows, labels, weights
        (sample or class weights) or offsets, or an offset in one fit only,
        which the fits' cheap sums of the training data tell apart
        (``inference_.extra["data"]``, see
        :func:`~oneneuron.stats._fit.data_fingerprint`); models that are not
        nested, by their terms, because a term of both holds other data in each
        (its column's weighted mean and standard deviation, recorded at fit), or
        because ``small``'s log-likelihood exceeds ``big``'s beyond round-off
        (relative ``LLF_ROUNDOFF``), which a restricted fit on the same data cannot
        do.

    Notes
    -----
    The test assumes the big model is correctly specified, whatever
    ``cov_type`` the fits used (a robust covariance does not change it).

    Examples
    --------
    >>> from oneneuron import NeuronClassifier, lr_test
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> big = NeuronClassifier().fit(X, y)
    >>> small = NeuronClassifier().fit(X[:, :1], y)
    >>> print(lr_test(small, big))
    likelihood-ratio test: chi2(1) = 56.3026, p = 6.213e-14
    """
    rs, rb = _likelihood_part(small), _likelihood_part(big)
    for name, r in (("small", rs), ("big", rb)):
        if r.extra.get("firth"):
            raise ValueError(
                f"{name} is a firth=True fit: its likelihood is penalised; the coefficient "
                "table's p-values are its penalised likelihood-ratio tests"
            )
        if r.alpha > 0:
            raise ValueError(
                f"{name} was fitted with alpha={r.alpha:g}; the likelihood-ratio test needs "
                "unpenalised fits (alpha=0)"
            )
    if not np.isclose(rs.nobs, rb.nobs, rtol=1e-12):
        raise ValueError(
            "small and big were fitted on different data (numbers of observations differ: "
            f"{rs.nobs:g} vs {rb.nobs:g} rows); fit both on the same rows"
        )
    if list(rs.classes) != list(rb.classes):
        shown = [[_label(c) for c in r.classes] for r in (rs, rb)]
        raise ValueError(
            "small and big were fitted on different labels (classes "
            f"{shown[0]} vs {shown[1]}); fit both on the same labels"
        )
    offsets = [getattr(m, "has_offset_", None) for m in (small, big)]
    if None not in offsets and offsets[0] != offsets[1]:  # also for fits without extra["data"]
        has, lacks = ("small", "big") if offsets[0] else ("big", "small")
        raise ValueError(
            f"{has} was fitted with an offset and {lacks} without; give both the same offset"
        )
    why = data_mismatch(rs.extra.get("data"), rb.extra.get("data"))
    if why:
        raise ValueError(why)
    missing = [t for t in rs.terms if t not in rb.terms]
    if missing:
        raise ValueError(
            f"small is not nested in big: its terms {missing} are not in big; "
            "give the smaller model first"
        )
    other = _other_columns(rs.extra.get("column_stats"), rb.extra.get("column_stats"))
    if other:
        raise ValueError(
            f"small is not nested in big: {'; '.join(other)}, so the terms match by name "
            "only (an array's columns are named by position: x0 of X[:, [2]] is X's x2); "
            "fit both on the same columns, or on tables whose columns carry their names"
        )
    df = rb.n_params - rs.n_params
    extra = [t for t in rb.terms if t not in rs.terms]
    if df <= 0 and extra and rb.extra.get("aliased"):
        raise ValueError(
            f"big's extra terms {extra} add no parameter: they are linear combinations of "
            "other terms (aliased), so big is small again and there is nothing to test"
        )
    if df <= 0:
        raise ValueError("big must have more parameters than small; give the smaller model first")
    diff = rb.log_likelihood - rs.log_likelihood
    if diff < -LLF_ROUNDOFF * max(1.0, abs(rb.log_likelihood)):
        raise ValueError(
            f"small fits better than big (log-likelihood {rs.log_likelihood:.6g} vs "
            f"{rb.log_likelihood:.6g}), so small is not nested in big: a restricted fit "
            "cannot beat the full one on the same data. Fit both on the same rows of the "
            "same columns (big's columns including small's)"
        )
    stat = max(2.0 * diff, 0.0)  # a difference within round-off is no evidence
    return ChiSquareTest(float(stat), int(df), float(stats.chi2.sf(stat, df)), "likelihood-ratio")


# ------------------------------------------------------------------ Wald tests
class _Linear(ast.NodeVisitor):
    """Evaluate a linear expression of placeholders ``_v{j}`` to ``(coefficients, constant)``."""

    def __init__(self, n: int) -> None:
        self.n = n

    def value(self, node: ast.AST) -> tuple[NDArray[np.float64], float]:
        if isinstance(node, ast.Expression):
            return self.value(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return np.zeros(self.n), float(node.value)
        if isinstance(node, ast.Name) and node.id.startswith("_v"):
            a = np.zeros(self.n)
            a[int(node.id[2:])] = 1.0
            return a, 0.0
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            a, c = self.value(node.operand)
            return (-a, -c) if isinstance(node.op, ast.USub) else (a, c)
        if isinstance(node, ast.BinOp):
            (a1, c1), (a2, c2) = self.value(node.left), self.value(node.right)
            if isinstance(node.op, ast.Add):
                return a1 + a2, c1 + c2
            if isinstance(node.op, ast.Sub):
                return a1 - a2, c1 - c2
            if isinstance(node.op, ast.Mult) and not (a1.any() and a2.any()):
                return (a1 * c2 + a2 * c1), c1 * c2
            if isinstance(node.op, ast.Div) and not a2.any() and c2 != 0:
                return a1 / c2, c1 / c2
        raise ValueError("not a linear expression")


def _name_pattern(name: str) -> str:
    """A regular expression matching ``name`` with any spacing next to its symbols.

    Between two word characters (letters, digits, ``_``, ``.``) the name's own
    spacing is kept (a space there separates words: ``my var``); next to any other
    character whitespace is optional.
    """

    def wordish(ch: str) -> bool:
        return ch.isalnum() or ch in "_."

    parts: list[str] = []
    prev, gap = "", False
    for ch in name:
        if ch.isspace():
            gap = True
            continue
        if prev:
            if wordish(prev) and wordish(ch):
                parts.append(r"\s+" if gap else "")
            else:
                parts.append(r"\s*")
        parts.append(re.escape(ch))
        prev, gap = ch, False
    return "".join(parts)


def _backticked(term: str) -> str:
    """``term`` with each plain column of it in backticks where a formula needs them
    (a name with a space or symbol: ``rate marriage`` -> ```rate marriage```), which the
    formula library leaves out of the term's name; a coded or transformed part
    (``C(g)[T.b]``, ``np.log(x)``) as it is."""
    parts = term.split(":")
    return ":".join(
        f"`{p}`" if p and not re.fullmatch(r"[\w.]+", p) and not re.search(r"[()\[\]`]", p) else p
        for p in parts
    )


def _label(c: Any) -> Any:
    """A class label as written in a name (``2``, not ``np.int64(2)``)."""
    return c.item() if isinstance(c, np.generic) else c


def parse_constraints(hypothesis: str, terms: list[str]) -> tuple[NDArray, NDArray]:
    """``"x1 = x2, x3 = 0"`` -> ``(R, q)`` over ``terms``; a bare expression means ``= 0``.

    Term names are matched literally (longest first), so names such as
    ``student[T.Yes]`` or ``I(x ** 2)`` can be used as they appear in the table;
    spaces next to their symbols do not count, so ``I(x**2)`` and ``np.log(z+1)``,
    as formulas are usually written, name the terms ``I(x ** 2)`` and
    ``np.log(z + 1)`` that the formula library spells with spaces.

    Examples
    --------
    >>> terms = ["x", "I(x ** 2)", "np.log(z + 1)"]
    >>> R, q = parse_constraints("I(x**2) = 0, np.log(z+1) = 2*x", terms)
    >>> R.tolist(), q.tolist()
    ([[0.0, 1.0, 0.0], [-2.0, 0.0, 1.0]], [0.0, 0.0])
    """
    order = sorted(range(len(terms)), key=lambda j: -len(terms[j]))
    rows, rhs = [], []
    marked = hypothesis  # names first (one may hold a comma: C(g, Treatment('b'))[T.a])
    for j in order:
        quoted = _backticked(terms[j])  # `my var`:C(g)[T.b], as the formula wrote it
        if quoted != terms[j]:
            marked = re.sub(r"(?<![\w.`])" + _name_pattern(quoted), f"_v{j} ", marked)
        marked = re.sub(
            r"(?<![\w.])" + _name_pattern(terms[j]) + r"(?![\w.\[(])", f"_v{j} ", marked
        )
    for text in marked.split(","):
        part = re.sub(r"_v(\d+) ", lambda m: terms[int(m[1])], text)  # as the user wrote it
        text = text.strip()
        if not text:
            continue
        sides = text.split("=")
        if len(sides) > 2:
            raise ValueError(f"hypothesis {part.strip()!r} has more than one '='")
        try:
            coefs = [_Linear(len(terms)).value(ast.parse(s.strip(), mode="eval")) for s in sides]
        except (SyntaxError, ValueError):
            raise ValueError(
                f"cannot read hypothesis {part.strip()!r}: write linear restrictions on the "
                f"terms {terms}, e.g. '{terms[-1]} = 0'"
            ) from None
        (a, c), (b, d) = coefs if len(coefs) == 2 else (coefs[0], (np.zeros(len(terms)), 0.0))
        if not (a - b).any():
            raise ValueError(f"hypothesis {part.strip()!r} names no term of {terms}")
        rows.append(a - b)
        rhs.append(d - c)
    if not rows:
        raise ValueError("hypothesis is empty; write e.g. 'x1 = x2'")
    return np.asarray(rows), np.asarray(rhs)


def _hypothesis_text(hypothesis: Any) -> str:
    """A hypothesis as one comma-separated text: itself, or a list's restrictions joined."""
    if isinstance(hypothesis, str):
        return hypothesis
    if (
        isinstance(hypothesis, list | tuple)
        and hypothesis
        and all(isinstance(h, str) for h in hypothesis)
    ):
        return ", ".join(hypothesis)
    raise ValueError(
        "hypothesis must be a text of restrictions (e.g. 'x1 = x2, x3 = 0') or a list of "
        f"such texts; got {hypothesis!r:.60}"
    )


def _check_consistent(R: NDArray[np.float64], q: NDArray[np.float64], hypothesis: str) -> None:
    """Raise a ValueError when no coefficients satisfy ``R beta = q`` (``"x = 0, x = 1"``).

    Restrictions that repeat others (``"x = 1, 2*x = 2"``) are one restriction: the
    test's ``df`` is ``rank(R)``, as statsmodels counts it. Restrictions that contradict
    each other have no test: the pseudo-inverse of the singular ``R V R'`` would test
    some compromise between them (``x = 0.5``) under the user's hypothesis.
    """
    beta, *_ = np.linalg.lstsq(R, q, rcond=None)
    miss = float(np.max(np.abs(R @ beta - q), initial=0.0))
    scale = max(1.0, float(np.max(np.abs(q), initial=0.0)))
    if miss > 1e-9 * scale:
        raise ValueError(
            f"the restrictions {hypothesis!r} contradict each other: no coefficients satisfy "
            "them all (e.g. 'x = 0, x = 1'); test each restriction on its own, or write "
            "them without the contradiction"
        )


def wald_test(result: Any, hypothesis: str | Sequence[str]) -> ChiSquareTest:
    """Wald chi-squared test of linear restrictions on the coefficient table's terms.

    Parameters
    ----------
    result : InferenceResult or NeuronClassifier
        A fit with a covariance (its ``cov_type`` is used).
    hypothesis : str or sequence of str
        Comma-separated restrictions over the term names, e.g. ``"x1 = x2"``,
        ``"x1 = 0, x2 = 0"``, ``"x1 + 2*x2 = 1"``; or a list of them, tested
        jointly (``["x1 = 0", "x2 = 0"]``, as patsy's constraints). With K > 2 classes every
        restriction is applied to each class's block (reference
        parameterisation), jointly: ``df`` is (K - 1) times the number of rows;
        or, where the hypothesis names terms of one class as ``term[class]``
        (``"x1[mid] = 0"``, ``"g[T.b][mid] = x1[lo]"``, the names of the
        separation messages), each restriction as written, on those contrasts
        against the reference class ``classes_[0]``. A hypothesis uses one kind
        of name or the other. Restrictions that repeat others (``"x1 = 1, 2*x1 = 2"``)
        count once (``df`` is the rank of the restrictions, as statsmodels counts it).

    Returns
    -------
    ChiSquareTest

    Raises
    ------
    ValueError
        A hypothesis that cannot be read, names no term, involves an aliased term, or
        whose restrictions contradict each other (``"x1 = 0, x1 = 1"``: no coefficients
        satisfy them all).

    Examples
    --------
    >>> from oneneuron import NeuronClassifier
    >>> from oneneuron.datasets import load_exam_scores
    >>> import pandas as pd
    >>> X, y, names = load_exam_scores()
    >>> clf = NeuronClassifier().fit(pd.DataFrame(X, columns=names), y)
    >>> print(clf.wald_test("score1 = score2"))
    wald test: chi2(1) = 0.0384137, p = 0.8446
    """
    hypothesis = _hypothesis_text(hypothesis)
    res = _likelihood_part(result)
    res.check_available()
    B = res.coef.shape[0]
    qualified = [f"{t}[{_label(c)}]" for c in res.classes[1:] for t in res.terms]
    if B > 1 and any(re.search(_name_pattern(n), hypothesis) for n in qualified):
        R, q = parse_constraints(hypothesis, qualified)  # one class's terms: as written
    else:
        try:
            R1, q1 = parse_constraints(hypothesis, list(res.terms))
        except ValueError as exc:
            if B == 1:
                raise
            raise ValueError(
                f"{exc}; or name one class's terms as term[class] (e.g. "
                f"'{qualified[-1]} = 0'), classes {[_label(c) for c in res.classes[1:]]} "
                f"against the reference class {_label(res.classes[0])!r}"
            ) from None
        R = np.kron(np.eye(B), R1)
        q = np.tile(q1, B)
    _check_consistent(R, q, hypothesis)
    return _wald(res, R, q)


def _wald(res: Any, R: NDArray[np.float64], q: NDArray[np.float64]) -> ChiSquareTest:
    """The Wald test of ``R beta = q`` on the fit's table (reference parameterisation)."""
    na = res.aliased_positions()
    if na.size and np.any(R[:, na] != 0):  # R's linearHypothesis: not estimable
        bad = sorted({res.terms[int(i) % len(res.terms)] for i in na[np.any(R[:, na] != 0, 0)]})
        raise ValueError(
            f"the hypothesis involves {', '.join(map(repr, bad))}, aliased (a linear "
            "combination of other terms: no estimate, NA in the summary), so it cannot be "
            f"tested; drop the aliased {noun(len(bad), 'term')} from the hypothesis"
        )
    diff = R @ res.coef.ravel() - q
    V = res.quadratic(R)
    df = int(np.linalg.matrix_rank(R))
    stat = float(diff @ np.linalg.pinv(V, hermitian=True) @ diff)
    note = ""
    if res.penalized:  # as summary() labels it: no frequentist test
        note = (
            f"penalized fit, alpha={res.alpha:g}: Laplace-approximate covariance around a "
            "shrunken estimate, not a frequentist test"
        )
    return ChiSquareTest(stat, df, float(stats.chi2.sf(stat, df)), "wald", note)


def wald_terms(model: Any, terms: Any = None) -> pd.DataFrame:
    """Joint Wald chi-squared test of each term, all of its coefficients 0 at once.

    R's ``car::Anova(fit, type=3, test.statistic="Wald")`` and statsmodels'
    ``wald_test_terms(skip_single=False)``: a categorical's indicator columns are one
    term (``C(g)`` on ``K_g - 1`` degrees of freedom), with K > 2 classes in every
    class's block (``(K - 1)`` times as many). Each row is :func:`wald_test` of that
    term's columns, with the fit's covariance (its ``cov_type``); unlike
    :func:`~oneneuron.anova` it needs no data and no refit, and each term is tested
    given all the others (type III), not in sequence.

    Parameters
    ----------
    model : NeuronClassifier or InferenceResult
        A fit with a covariance.
    terms : dict of {str: list of str} or list of str, optional
        Term name -> its columns (a list of column names: each its own term).
        Default: for a model fitted on a table or a formula, the design's terms
        (``DesignSpec.term_groups``, as :func:`~oneneuron.anova`); otherwise each
        column is a term. The intercept, where fitted, is always the first row.

    Returns
    -------
    pandas.DataFrame
        Indexed by term, columns ``chi2, df, p_value``; ``attrs["note"]`` qualifies a
        penalised fit's tests, as :func:`wald_test`'s note does, and ``attrs["caption"]``
        says what they are (type III). A term whose columns are
        all aliased (linear combinations of the others: no estimate, NA in the summary)
        has ``df`` 0 and NaN ``chi2`` and ``p_value``, as :func:`~oneneuron.anova` and R's
        ``anova`` give it; the other terms are tested given the model without it.

    Raises
    ------
    ValueError
        ``terms`` names a column the model lacks.

    Examples
    --------
    >>> import pandas as pd
    >>> from oneneuron import NeuronClassifier, wald_terms
    >>> from oneneuron.datasets import load_exam_scores
    >>> X, y, names = load_exam_scores()
    >>> clf = NeuronClassifier().fit(pd.DataFrame(X, columns=names), y)
    >>> wald_terms(clf)["df"].tolist()
    [1, 1, 1]
    """
    res = _likelihood_part(model)
    res.check_available()
    names = list(res.terms[1:] if res.has_intercept else res.terms)
    design = getattr(model, "design_", None)
    if terms is None:
        groups = design.term_groups(names) if design is not None else {n: [n] for n in names}
    else:
        groups = {}
        for term, cols in term_map(terms).items():
            cols = [cols] if isinstance(cols, str) else list(cols)
            unknown = [c for c in cols if c not in names]
            if unknown:
                raise ValueError(
                    f"terms[{term!r}] names {noun(len(unknown), 'column')} {unknown} that the "
                    "model lacks; its "
                    f"columns are {names}"
                )
            groups[str(term)] = [str(c) for c in cols]
    if res.has_intercept:
        groups = {"intercept": ["intercept"], **groups}
    B, p = res.coef.shape
    aliased = set(np.asarray(res.extra.get("aliased_terms", []), dtype=np.intp).tolist())
    rows, note = {}, ""
    for term, cols in groups.items():
        idx = [res.terms.index(c) for c in cols]
        kept = [j for j in idx if j not in aliased]
        if not kept:  # no estimate: R's anova's Df 0 and NA, as oneneuron.anova gives it
            rows[term] = (np.nan, 0, np.nan)
            continue
        R1 = np.zeros((len(kept), p))
        R1[np.arange(len(kept)), kept] = 1.0
        R = np.kron(np.eye(B), R1)
        test = _wald(res, R, np.zeros(len(R)))
        rows[term] = (test.statistic, test.df, test.p_value)
        note = test.note
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["chi2", "df", "p_value"])
    table.index.name = "term"
    table["df"] = table["df"].astype(int)
    table.attrs["note"] = note
    table.attrs["caption"] = (
        "Wald chi-squared test of each term's coefficients jointly, given all the other "
        "terms (type III tests, as R's car::Anova(type=3, test='Wald')); sequential "
        "(type I) likelihood-ratio tests: anova"
    )
    return table
