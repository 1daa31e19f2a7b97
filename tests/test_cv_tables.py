"""NeuronClassifierCV on raw tables (text, categorical, boolean columns, formulas, missing cells).

Oracles: the same CV on the equivalent numeric design matrix (identical ``cv_results_``),
and a hand-written scikit-learn fold loop of single table fits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV
from oneneuron.tables import DesignSpec

KW = {"cv": 3, "n_alphas": 6, "alpha_min_ratio": 0.01, "tol": 1e-10}


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    n = 210
    df = pd.DataFrame(
        {
            "x0": rng.normal(size=n),
            "x1": rng.normal(size=n) * 3.0,
            "site": rng.choice(["north", "south", "east"], size=n),
            "grade": pd.Categorical(rng.choice(["lo", "hi"], size=n), categories=["lo", "hi"]),
            "flag": rng.random(n) < 0.4,
        }
    )
    z = df.x0 - 0.3 * df.x1 + (df.site == "east") - 0.8 * df.flag + rng.normal(size=n)
    df["label"] = np.where(z > 0, "yes", "no")
    return df


CASES = [
    {"reference": {"site": "south"}},
    {"formula": "label ~ x0 + np.log1p(x1 ** 2) + C(site) + flag + x0:flag + grade"},
    {"encoding": "full"},
]


def _design(df, opts):
    spec, design = DesignSpec.fit_transform(
        df,
        formula=opts.get("formula"),
        target="label",
        reference=opts.get("reference"),
        encoding=opts.get("encoding", "reference"),
        missing=opts.get("missing", "error"),
    )
    # copy=False keeps the design matrix's C order (pandas 3 copies an array into F
    # order): the same numbers in the same memory order give the same bits
    return spec, pd.DataFrame(design.X, columns=design.names, copy=False), design.y


@pytest.mark.parametrize("opts", CASES)
def test_cv_on_a_table_equals_cv_on_its_design_matrix(frame, opts):
    cv = NeuronClassifierCV(**KW, **opts).fit(frame, "label")
    spec, Xd, y = _design(frame, opts)
    ref = NeuronClassifierCV(**KW).fit(Xd, y)
    assert cv.cv_results_.keys() == ref.cv_results_.keys()
    for key, value in ref.cv_results_.items():
        assert np.array_equal(cv.cv_results_[key], value), key
    assert cv.alpha_ == ref.alpha_
    np.testing.assert_allclose(cv.coef_, ref.coef_, rtol=1e-9, atol=1e-12)
    assert list(cv.feature_names_out_) == spec.names == cv.paths_[0].feature_names
    assert list(cv.feature_names_in_) == list(frame.columns)  # X's, as scikit-learn's
    assert cv.design_.names == spec.names
    np.testing.assert_allclose(cv.predict_proba(frame), ref.predict_proba(Xd), rtol=1e-9)
    assert np.array_equal(cv.predict(frame), ref.predict(Xd))


def test_fold_scores_match_a_sklearn_loop_of_table_fits(frame):
    """Each fold's single fits on the raw table (its own design, its own standardisation)."""
    formula = "label ~ x0 + x1 + C(site) + flag"
    cv = NeuronClassifierCV(**KW, formula=formula).fit(frame, None)
    y = frame["label"].to_numpy()
    folds = StratifiedKFold(3).split(frame, y)
    for k, (tr, te) in enumerate(folds):
        for j in (1, 3, 5):
            clf = NeuronClassifier(alpha=cv.alphas_[0, j], l1_ratio=1.0, tol=1e-10, formula=formula)
            clf.fit(frame.iloc[tr], None)
            score = -log_loss(y[te], clf.predict_proba(frame.iloc[te]), labels=clf.classes_)
            assert cv.scores_[0, k, j] == pytest.approx(score, abs=1e-7)


def test_polars_table_and_penalty_factor_by_term_name(frame):
    pl = pytest.importorskip("polars")
    pf = {"site[T.north]": 0.0}
    cv = NeuronClassifierCV(**KW, penalty_factor=pf).fit(pl.from_pandas(frame), "label")
    ref = NeuronClassifierCV(**KW, penalty_factor=pf).fit(frame, "label")
    # the same model: a polars Categorical's levels sort as text (grade's reference is
    # "hi" there, "lo" in pandas' declared order), which moves the indicator, not the fit
    np.testing.assert_allclose(
        cv.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"], rtol=1e-12
    )
    j = list(cv.feature_names_out_).index("site[T.north]")
    assert np.all(cv.paths_[0].coef[1:, 0, j] != 0)  # unpenalised: in the model all along


def test_missing_drop_keeps_groups_and_weights_aligned(frame):
    holes = frame.copy()
    holes.loc[[3, 50, 120], "x1"] = np.nan
    groups = np.arange(len(frame)) % 7
    sw = np.linspace(0.5, 2.0, len(frame))
    cv = NeuronClassifierCV(**KW, missing="drop").fit(
        holes, "label", groups=groups, sample_weight=sw
    )
    keep = holes["x1"].notna().to_numpy()
    ref = NeuronClassifierCV(**KW).fit(
        frame[keep], "label", groups=groups[keep], sample_weight=sw[keep]
    )
    assert cv.design_report_["dropped"] == 3
    assert np.array_equal(cv.cv_results_["mean_test_score"], ref.cv_results_["mean_test_score"])
    assert np.array_equal(cv.coef_, ref.coef_)


def test_table_options_need_a_table():
    X = np.random.default_rng(0).normal(size=(30, 2))
    y = np.arange(30) % 2
    with pytest.raises(ValueError, match="reference= names reference levels"):
        NeuronClassifierCV(reference={"a": "b"}).fit(X, y)
    with pytest.raises(ValueError, match="formula= needs a table"):
        NeuronClassifierCV(formula="y ~ a").fit(X, y)


def test_saved_table_cv_predicts_on_tables(tmp_path, frame):
    cv = NeuronClassifierCV(**KW, formula="label ~ x0 + C(site) + flag").fit(frame, None)
    cv.save(tmp_path / "m.json")
    model = oneneuron.load(tmp_path / "m.json")
    assert np.array_equal(model.predict_proba(frame), cv.predict_proba(frame))
    assert model.cv_record_.path.feature_names == cv.design_.names


def test_cv_fit_needs_no_y_when_the_formula_names_the_target():
    """NeuronClassifierCV.fit(df) said "missing 'y'" where NeuronClassifier.fit(df) works."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=120)})
    df["y"] = (df.x + rng.normal(size=120) > 0).astype(int)
    a = NeuronClassifierCV(cv=3, n_alphas=4, formula="y ~ x").fit(df)
    b = NeuronClassifierCV(cv=3, n_alphas=4, formula="y ~ x").fit(df, None)
    np.testing.assert_array_equal(a.coef_, b.coef_)


@pytest.fixture(scope="module")
def statecrime():
    """statsmodels' state crime table, violent crime above its median as the label, and
    three cells of 'single' missing (rows 3, 10 and 20)."""
    sm = pytest.importorskip("statsmodels.api")
    d = sm.datasets.statecrime.load_pandas().data.reset_index(drop=True)
    X = d[["poverty", "single", "urban"]].copy()
    X.loc[[3, 10, 20], "single"] = np.nan
    y = (d["violent"] > d["violent"].median()).astype(int)
    return X, y


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_explicit_folds_index_the_rows_given_when_missing_drop_drops_some(statecrime):
    """cv= as (train, test) index pairs of the table given to fit: the rows that
    missing='drop' drops leave those folds; the other indices still name the same rows.
    Oracle: a loop of single fits on each fold's complete rows (indices of X itself)."""
    from sklearn.model_selection import KFold

    X, y = statecrime
    folds = list(KFold(3, shuffle=True, random_state=0).split(X))
    alphas = [0.1, 0.01]
    cv = NeuronClassifierCV(cv=folds, alphas=alphas, l1_ratios=[0.0], missing="drop", tol=1e-10)
    cv.fit(X, y)
    complete = X.notna().all(axis=1).to_numpy()
    for i, alpha in enumerate(alphas):
        for k, (train, test) in enumerate(folds):
            train, test = train[complete[train]], test[complete[test]]
            fit = NeuronClassifier(alpha=alpha, tol=1e-10).fit(X.iloc[train], y.iloc[train])
            want = -log_loss(y.iloc[test], fit.predict_proba(X.iloc[test]))
            assert cv.cv_results_[f"split{k}_test_score"][i] == pytest.approx(want, abs=1e-7)


def test_explicit_folds_outside_the_rows_are_one_error_naming_the_fold():
    """An index pair past X's last row reached NumPy's IndexError inside the fold loop."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = np.arange(30) % 2
    folds = [(np.arange(20), np.arange(20, 30)), (np.arange(10, 30), np.arange(25, 35))]
    with pytest.raises(ValueError, match="fold 1 holds row index 30, but X has 30 rows"):
        NeuronClassifierCV(cv=folds, n_alphas=3).fit(X, y)
