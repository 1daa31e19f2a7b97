"""Goodness of fit over covariate patterns against statsmodels' GLM(Binomial) on the
grouped form of the same data (R's grouped ``glm``): deviance, Pearson chi-squared and
their residual degrees of freedom."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy import stats

import oneneuron
from oneneuron import NeuronClassifier, goodness_of_fit

sm = pytest.importorskip("statsmodels.api")

RTOL = 1e-6


def _grouped_glm(exog, successes, failures, **kw):
    return sm.GLM(
        np.column_stack([successes, failures]), exog, family=sm.families.Binomial(), **kw
    ).fit(tol=1e-14)


def _two_rows_per_group(X, successes, failures):
    """Grouped binomial data as the classifier takes them: y = 1 weighted by the
    successes, y = 0 by the failures."""
    X = np.asarray(X, dtype=np.float64)
    XX = np.vstack([X, X])
    y = np.r_[np.ones(len(X)), np.zeros(len(X))]
    w = np.r_[successes, failures].astype(np.float64)
    return XX, y, w


def _check(table, ref, rtol=RTOL):
    assert table.loc["deviance", "statistic"] == pytest.approx(ref.deviance, rel=rtol)
    assert table.loc["pearson", "statistic"] == pytest.approx(ref.pearson_chi2, rel=rtol)
    assert table["df"].iloc[:2].tolist() == [ref.df_resid, ref.df_resid]
    p = stats.chi2.sf([ref.deviance, ref.pearson_chi2], ref.df_resid)
    np.testing.assert_allclose(table["p_value"].iloc[:2], p, rtol=1e-5)


def test_grouped_deviance_and_pearson_match_statsmodels_on_star98():
    """statsmodels' grouped binomial example: 303 districts, 20 columns, thousands of
    pupils each. The classifier's deviance_ is that of the pupils (Bernoulli rows); the
    grouped one, R's goodness-of-fit deviance on 282 df, comes from goodness_of_fit."""
    data = sm.datasets.star98.load_pandas()
    exog = data.exog.to_numpy()
    s, f = data.endog["NABOVE"].to_numpy(), data.endog["NBELOW"].to_numpy()
    ref = _grouped_glm(sm.add_constant(exog), s, f)
    X, y, w = _two_rows_per_group(exog, s, f)
    clf = NeuronClassifier(tol=1e-12).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(clf.summary()["std_err"], ref.bse, rtol=1e-5)
    table = goodness_of_fit(clf, X, y, sample_weight=w)
    _check(table, ref, rtol=1e-6)
    assert table.attrs["n_patterns"] == 303
    assert "does not hold" not in table.attrs["caption"]  # hundreds of pupils a district
    assert ref.df_resid == 282


def test_individual_rows_pool_into_the_groups_deviance():
    """The same groups given as 0/1 rows (no weights) pool into the same patterns, with
    an offset that is part of each pattern: statsmodels' grouped GLM with the offset."""
    x = np.array([1.0, 2.0, 3.0, 4.0, 1.0, 2.0])
    off = np.array([0.0, 0.0, 0.0, 0.0, 0.5, 0.5])  # dose 1 and 2 twice, other offsets
    s, f = np.array([2, 5, 11, 17, 6, 4]), np.array([18, 15, 9, 3, 9, 4])
    ref = _grouped_glm(sm.add_constant(x), s, f, offset=off)
    rows = np.repeat(np.arange(6), s + f)
    y = np.concatenate([np.r_[np.ones(a), np.zeros(b)] for a, b in zip(s, f, strict=True)])
    clf = NeuronClassifier(tol=1e-12).fit(x[rows, None], y, offset=off[rows])
    table = goodness_of_fit(clf, x[rows, None], y, offset=off[rows])
    _check(table, ref)
    assert table.attrs["n_patterns"] == 6
    # the rows' own deviance is another number: a constant of the data apart
    assert clf.deviance_ > table.loc["deviance", "statistic"] + 100


def test_a_table_with_categories_and_a_sparse_design_pool_alike():
    """A table of counts with a categorical column (the formula's indicators) and the
    same design as a CSR matrix; zero-weight rows are no pattern. Oracle: statsmodels'
    grouped GLM of the 2 x 3 table."""
    cells = pd.DataFrame(
        {"sex": ["f", "f", "f", "m", "m", "m"], "dept": ["A", "B", "C"] * 2,
         "yes": [89, 17, 202, 512, 353, 120], "no": [19, 8, 391, 313, 207, 205]}
    )  # fmt: skip
    rows = pd.concat([cells.assign(y=1, n=cells.yes), cells.assign(y=0, n=cells.no)])
    rows = pd.concat([rows, rows.iloc[:2].assign(n=0)])  # absent rows
    fit = oneneuron.logit("y ~ C(sex) + C(dept)", rows, sample_weight="n")
    exog = pd.get_dummies(cells[["sex", "dept"]], drop_first=True, dtype=float)
    ref = _grouped_glm(sm.add_constant(exog.to_numpy()), cells.yes, cells.no)
    table = goodness_of_fit(fit, rows, sample_weight="n")
    _check(table, ref)
    assert table.attrs["n_patterns"] == 6 and table["df"].iloc[0] == 2
    assert "does not hold" not in table.attrs["caption"]
    few = rows.assign(n=np.where(rows.n > 0, 2, 0))  # 2 + 2 trials per cell: too few
    fit_few = oneneuron.logit("y ~ C(sex) + C(dept)", few, sample_weight="n")
    caption = goodness_of_fit(fit_few, few, sample_weight="n").attrs["caption"]
    assert "expected counts below 5 in 100% of the patterns" in caption
    Xd = exog.to_numpy()
    X, y, w = _two_rows_per_group(Xd, cells.yes, cells.no)
    clf = NeuronClassifier(tol=1e-12).fit(sp.csr_matrix(X), y, sample_weight=w)
    _check(goodness_of_fit(clf, sp.csr_matrix(X), y, sample_weight=w), ref)


def test_goodness_of_fit_refusals_and_penalised_fits():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + rng.logistic(size=60) > 0).astype(int)
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="not the rows the model was fitted on"):
        goodness_of_fit(clf, X[::-1] * 2, y)
    y3 = np.where(np.arange(60) % 3 == 0, 2, y)
    with pytest.raises(ValueError, match="binary"):
        goodness_of_fit(NeuronClassifier().fit(X, y3), X, y3)
    table = goodness_of_fit(clf, X, y)  # continuous: every row its own pattern
    assert table.attrs["n_patterns"] == 60
    assert "Pearson statistics does not hold (Hosmer-Lemeshow's does)" in table.attrs["caption"]
    assert table.loc["deviance", "statistic"] == pytest.approx(clf.deviance_, rel=1e-9)
    ridge = NeuronClassifier(alpha=0.1).fit(X, y)
    table = goodness_of_fit(ridge, X, y)
    assert np.isnan(table["p_value"]).all() and np.isfinite(table["statistic"]).all()


def _hoslem(y, yhat, g=10):
    """R's ResourceSelection::hoslem.test, transliterated: breaks at the quantiles
    (type 7) of the fitted values, right-closed bins with the lowest included, chi2 on
    g - 2 df (duplicate breaks dropped: as many bins as remain)."""
    breaks = np.unique(np.quantile(yhat, np.linspace(0, 1, g + 1)))
    cut = pd.cut(yhat, breaks, include_lowest=True, labels=False)
    obs1 = np.bincount(cut, weights=y, minlength=len(breaks) - 1)
    exp1 = np.bincount(cut, weights=yhat, minlength=len(breaks) - 1)
    n = np.bincount(cut, minlength=len(breaks) - 1)
    stat = np.sum((obs1 - exp1) ** 2 / exp1 + ((n - obs1) - (n - exp1)) ** 2 / (n - exp1))
    return stat, len(breaks) - 3


@pytest.mark.parametrize("groups", [10, 5])
def test_hosmer_lemeshow_matches_hoslem_test_on_the_rows_written_out(groups):
    """Oracle: R's hoslem.test on the rows written out (integer frequency weights), which
    the weighted form must equal; p-value from scipy's chi-squared."""
    rng = np.random.default_rng(3)
    n = 200
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 + rng.logistic(size=n) > 0).astype(int)
    w = rng.integers(1, 4, size=n).astype(float)
    clf = NeuronClassifier(tol=1e-12).fit(X, y, sample_weight=w)
    table = goodness_of_fit(clf, X, y, sample_weight=w, groups=groups)
    rows = np.repeat(np.arange(n), w.astype(int))
    stat, df = _hoslem(y[rows], clf.predict_proba(X)[rows, 1], groups)
    assert table.loc["hosmer-lemeshow", "statistic"] == pytest.approx(stat, rel=1e-9)
    assert table.loc["hosmer-lemeshow", "df"] == df == groups - 2
    p = stats.chi2.sf(stat, df)
    assert table.loc["hosmer-lemeshow", "p_value"] == pytest.approx(p, rel=1e-7)
    with pytest.raises(ValueError, match="groups"):
        goodness_of_fit(clf, X, y, sample_weight=w, groups=2)
