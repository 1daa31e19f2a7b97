"""Warnings that reach users are of the package's own classes (STYLE.md, habit 7).

Each class is catchable on its own (``warnings.simplefilter("error", cls)``) and is a
``UserWarning`` (or scikit-learn's ``ConvergenceWarning``), so filters written for those
still catch it. The oracle of the first test is the source itself: every
``warnings.warn`` call in ``src`` names a category defined in ``oneneuron.exceptions``
(or a deprecation notice, or re-emits a caught warning's own category).
"""

from __future__ import annotations

import ast
import pathlib
import warnings

import numpy as np
import pytest
from sklearn.model_selection import KFold

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV, exceptions

SRC = pathlib.Path(oneneuron.__file__).parent
OURS = set(exceptions.__all__)


def _warn_calls():
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "warn"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "warnings"
            ):
                yield path.relative_to(SRC), node


def test_every_warning_of_the_package_has_a_class_of_its_own():
    """The warning for l1_ratio > 0 with alpha=0, for a class without weight and for CV
    folds lacking a class were plain UserWarnings: not catchable apart from any other."""
    assert OURS and all(hasattr(oneneuron, name) for name in OURS)  # exported at the top
    found, plain = 0, []
    for where, call in _warn_calls():
        found += 1
        category = call.args[1] if len(call.args) > 1 else None
        category = next((k.value for k in call.keywords if k.arg == "category"), category)
        if isinstance(category, ast.Attribute) and category.attr == "category":
            continue  # a caught warning re-emitted with its own class
        name = category.id if isinstance(category, ast.Name) else None
        if name not in OURS and name != "DeprecationWarning":
            plain.append(f"{where}:{call.lineno} ({name})")
    assert found >= 10  # the scan sees the calls
    assert not plain, plain


def _data(n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = np.array(["a", "b", "c"])[np.arange(n) % 3]
    return X, y


def _only(cls, fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", cls)
        with pytest.raises(cls):
            fit()


def test_the_users_warnings_are_caught_by_their_classes():
    X, y = _data()
    assert issubclass(oneneuron.ParameterWarning, UserWarning)
    assert issubclass(oneneuron.EmptyClassWarning, UserWarning)
    _only(
        oneneuron.ParameterWarning,
        lambda: NeuronClassifier(alpha=0.0, l1_ratio=1.0).fit(X, y == "a"),
    )
    w = np.where(y == "c", 0.0, 1.0)
    _only(oneneuron.EmptyClassWarning, lambda: NeuronClassifier().fit(X, y, sample_weight=w))
    assert issubclass(oneneuron.CollinearityWarning, UserWarning)
    twice = np.column_stack([X, 2.0 * X[:, 0]])
    _only(oneneuron.CollinearityWarning, lambda: NeuronClassifier().fit(twice, y == "a"))
    rows = np.r_[np.where(y != "c")[0], np.where(y == "c")[0][:4]]  # 'c' in one fold only
    _only(
        oneneuron.EmptyClassWarning,
        lambda: NeuronClassifierCV(cv=KFold(2), n_alphas=3).fit(X[rows], y[rows]),
    )
