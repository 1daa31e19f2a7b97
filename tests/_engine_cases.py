"""Shared by the engine-agreement tests (torch and Dask against the NumPy engine)."""

import numpy as np
from sklearn.datasets import make_classification

SCALES = [1.0, 10.0, 100.0, 0.1, 1.0]


def engine_data(K, n, d, seed=0):
    """A K-class problem with columns of mixed scales, shifted off zero, and row weights."""
    X, y = make_classification(n, d, n_informative=3, n_redundant=0, n_classes=K, random_state=seed)
    X = X * SCALES[:d] + 3.0
    sw = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    return X, y, sw


def assert_same_fit(a, b, tol=1e-7):
    """coef_ and intercept_ of two fits agree to ``tol`` relative to the larger of 1 and |b|."""
    for name in ("coef_", "intercept_"):
        u, v = getattr(a, name), getattr(b, name)
        np.testing.assert_allclose(u, v, rtol=0, atol=tol * max(1.0, np.abs(v).max()))


def bad_inputs(X, y, at=170):
    """Inputs every engine must refuse with the NumPy engine's message, as NumPy arrays:
    ``(case, X, y, sample_weight, match)``; the bad value sits in row ``at`` (in a later
    chunk of a Dask array), which the message must name, counted from X's start."""
    labels = np.array(["no", "yes"], dtype=object)[np.asarray(y) % 2]
    cases = []
    y_nan = np.asarray(y, dtype=np.float64).copy()
    y_nan[at] = np.nan
    cases.append(("NaN label", X, y_nan, None, rf"y has 1 missing label .*first in row {at}\b"))
    y_none = labels.copy()
    y_none[at] = None
    cases.append(("None label", X, y_none, None, rf"y has 1 missing label .*first in row {at}\b"))
    for bad, word in ((np.nan, "NaN"), (np.inf, "infinity"), (-1.0, "-1.0")):
        sw = np.ones(len(y))
        sw[at] = bad
        match = rf"sample_weight must be finite and non-negative: row {at} holds {word}"
        cases.append((f"weight {word}", X, y, sw, match))
    sw = np.zeros(len(y))
    cases.append(
        ("zero weights", X, y, sw, "sample_weight must be non-negative with a positive sum")
    )
    cases.append(("no rows", X[:0], np.asarray(y)[:0], None, r"Found array with 0 sample\(s\)"))
    return cases


#: Options only the in-memory (NumPy/SciPy) engine has: refused on torch and Dask input
#: with one message naming the option and the kind of X, before any fit is made (robust
#: covariances, ``cov_type``, are formed on every engine: tests/test_engines_robust.py).
#: ``(params, fit keywords, match)``; "offset"/"cluster" stand for one value per row.
IN_MEMORY_ONLY = [
    ({}, ("offset",), r"^offset= needs NumPy/SciPy/pandas input .*; this X is a (torch|Dask)"),
    ({"firth": True}, (), r"^firth=True needs NumPy/SciPy/pandas input"),
    ({"alpha": 0.05, "l1_ratio": 1.0, "relax": True}, (), r"^relax=True needs NumPy"),
]


def in_memory_only_kwargs(names, n):
    """The fit keywords of an :data:`IN_MEMORY_ONLY` case for ``n`` rows."""
    return {k: np.linspace(-1.0, 1.0, n) if k == "offset" else np.arange(n) % 5 for k in names}


def separated_data(K, n=200, seed=0):
    """Completely separated classes (K of them, by the first column): no estimate exists."""
    X = np.random.default_rng(seed).standard_normal((n, 3))
    y = np.digitize(X[:, 0], np.quantile(X[:, 0], np.linspace(0, 1, K + 1)[1:-1]))
    return X, y


def quasi_separated_data(n=300, seed=0):
    """Rows with x0 > 0.5 are all of class 1, the others mixed: quasi-complete separation."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    y = np.where(X[:, 0] > 0.5, 1, (rng.random(n) < 0.4).astype(int))
    X[:, 0] = np.where(X[:, 0] > 0.5, X[:, 0], 0.0)
    return X, y


def assert_unchecked_separation_is_said(fit):
    """Quasi-complete separation, which an engine without X in memory cannot check (the
    LPs read the rows): a warning saying so, and no standard errors, as NumPy refuses
    them (they came silently, refused only for a 'constant column')."""
    import pytest

    from oneneuron import SeparationWarning
    from oneneuron.stats import InferenceUnavailableError

    with pytest.warns(SeparationWarning, match="looks separated but the check could not run"):
        got = fit()
    assert got.separation_ == "not checked"
    with pytest.raises(InferenceUnavailableError, match="looks separated"):
        got.summary()


def collinear_data(n=300, seed=0):
    """A column that is the sum of two others: a singular Hessian, no separation."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    return X, (X[:, 0] + rng.standard_normal(n) > 0).astype(int)


def assert_same_collinearity(fit, X, y):
    """Collinear columns are named by summary() as by the NumPy engine, with no separation
    warning (torch and Dask counted the classes as the rows: "2 rows, 5 parameters"); the
    aliased column is NA and the rest the fit without it, on every engine."""
    import warnings

    from oneneuron import CollinearityWarning, NeuronClassifier, SeparationWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        warnings.simplefilter("ignore", CollinearityWarning)
        models = [NeuronClassifier().fit(X, y), fit()]
    tables = [model.summary() for model in models]
    for table in tables:
        assert "'x3' is a linear combination" in table.attrs["caption"]
        assert table.loc["x3"].isna().all()
    np.testing.assert_allclose(tables[1].to_numpy(), tables[0].to_numpy(), rtol=1e-5, atol=1e-8)


def assert_same_separation(fit, X, y):
    """``fit`` (a callable fitting a NeuronClassifier on another engine's copy of X, y) finds
    and reports the separation as the NumPy engine does: a SeparationWarning, the kind, and
    a summary() that refuses standard errors (they were computed: 1e8, p = 0.99999)."""
    import pytest

    from oneneuron import NeuronClassifier, SeparationWarning
    from oneneuron.stats import InferenceUnavailableError

    with pytest.warns(SeparationWarning, match="completely separated"):
        ref = NeuronClassifier().fit(X, y)
    with pytest.warns(SeparationWarning, match="completely separated: 200 of 200 rows"):
        got = fit()
    assert got.separation_ == ref.separation_ == "complete"
    for model in (ref, got):
        with pytest.raises(InferenceUnavailableError, match="completely separated"):
            model.summary()


#: NeuronClassifierCV settings for the engine-agreement tests: small grids, both scorings
#: that read the held-out probabilities, class and sample weights, l1 and elastic net.
CV_CASES = [
    (2, {"cv": 3, "n_alphas": 8}, False),
    (3, {"cv": 3, "n_alphas": 6, "l1_ratios": (0.5, 1.0), "class_weight": "balanced"}, True),
    (2, {"cv": 4, "n_alphas": 6, "scoring": "roc_auc", "rule": "1se"}, True),
]


def assert_same_cv(got, ref, tol=1e-6):
    """Two NeuronClassifierCV fits chose the same (alpha, l1_ratio) from the same scores."""
    # the grids from alpha_max, a gradient summed in another order: equal to the ulps
    np.testing.assert_allclose(got.alphas_, ref.alphas_, rtol=1e-10)
    assert got.l1_ratio_ == ref.l1_ratio_
    i = list(np.ravel(got.l1_ratios)).index(got.l1_ratio_)
    assert list(got.alphas_[i]).index(got.alpha_) == list(ref.alphas_[i]).index(ref.alpha_)
    np.testing.assert_allclose(got.scores_, ref.scores_, rtol=0, atol=tol)
    assert_same_fit(got, ref, tol)
