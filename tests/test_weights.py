"""Row weights: sample_weight=k is k repeated rows, class weights are sample weights.

Oracles: the same fit on repeated rows, scikit-learn's LogisticRegression with
``sample_weight`` and ``class_weight`` (which agrees with itself on repeated
rows), and StandardScaler with the same row weights.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from oneneuron import NeuronClassifier
from oneneuron.engines import prepare


def _data(seed=0, n=60, d=3, classes=2):
    X, y = make_classification(
        n,
        d,
        n_informative=d,
        n_redundant=0,
        n_classes=classes,
        n_clusters_per_class=1,
        weights=[0.7] + [0.3 / (classes - 1)] * (classes - 1),
        flip_y=0.1,
        random_state=seed,
    )
    return X * [1.0, 10.0, 0.1][:d] + 3.0, y


def _repeat(X, y, k):
    rows = np.repeat(np.arange(len(y)), k)
    return X[rows], y[rows]


def _sklearn(X, y, sw, class_weight, alpha):
    """Raw-scale coefficients of the equivalent scikit-learn model (standardised by s)."""
    s = sw * _balanced(y, sw)[y] if class_weight == "balanced" else sw
    sc = StandardScaler().fit(X, sample_weight=s)
    lr = LogisticRegression(
        C=1.0 / (alpha * s.sum()), class_weight=class_weight, solver="newton-cholesky", tol=1e-14
    )
    lr.fit(sc.transform(X), y, sample_weight=sw)
    W = lr.coef_ / sc.scale_
    return W, lr.intercept_ - W @ sc.mean_


def _balanced(y, sw):
    sums = np.bincount(y, weights=sw)
    return sums.sum() / (len(sums) * sums)


def test_balanced_counts_classes_with_sample_weight():
    X, y = _data(1)
    k = np.random.default_rng(0).integers(0, 4, len(y))
    kw = {"class_weight": "balanced", "alpha": 0.05, "tol": 1e-12}
    a = NeuronClassifier(**kw).fit(X, y, sample_weight=k.astype(float))
    b = NeuronClassifier(**kw).fit(*_repeat(X, y, k))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-8, atol=1e-10)
    W, c = _sklearn(X, y, k.astype(float), "balanced", 0.05)
    np.testing.assert_allclose(a.coef_, W, rtol=1e-7)
    np.testing.assert_allclose(a.intercept_, c, rtol=1e-7)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 1.0, 1: 4.0}])
def test_class_weight_is_the_equivalent_sample_weight_with_standardisation(class_weight):
    X, y = _data(2)
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    cw = _balanced(y, sw) if class_weight == "balanced" else np.array([1.0, 4.0])
    a = NeuronClassifier(class_weight=class_weight, alpha=0.1, tol=1e-12)
    a.fit(X, y, sample_weight=sw)
    b = NeuronClassifier(alpha=0.1, tol=1e-12).fit(X, y, sample_weight=sw * cw[y])
    np.testing.assert_allclose(a.mean_, b.mean_, rtol=1e-12)
    np.testing.assert_allclose(a.scale_, b.scale_, rtol=1e-12)
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9)
    sc = StandardScaler().fit(X, sample_weight=sw * cw[y])  # the documented notion of row weight
    np.testing.assert_allclose(a.mean_, sc.mean_, rtol=1e-12)
    np.testing.assert_allclose(a.scale_, sc.scale_, rtol=1e-12)


def test_balanced_weights_in_every_engine_agree():
    X, y = _data(3, classes=3)
    sw = np.random.default_rng(2).uniform(0.0, 3.0, len(y))
    ref = prepare(X, y, sw, class_weight="balanced")
    s = sw * _balanced(y, sw)[y]
    np.testing.assert_allclose(ref.row_weights, s, rtol=1e-14)
    np.testing.assert_allclose(ref.class_sums, np.bincount(y, weights=s), rtol=1e-14)
    dd = pytest.importorskip("dask.array")
    got = prepare(dd.from_array(X, chunks=17), y, sw, class_weight="balanced")
    np.testing.assert_allclose(got.class_sums, ref.class_sums, rtol=1e-12)
    np.testing.assert_allclose(got.mean, ref.mean, rtol=1e-12)
    np.testing.assert_allclose(got.scale, ref.scale, rtol=1e-12)


def test_balanced_weights_torch_engine_agrees():
    torch = pytest.importorskip("torch")
    pytest.importorskip("array_api_compat")
    X, y = _data(3, classes=3)
    sw = np.random.default_rng(2).uniform(0.0, 3.0, len(y))
    ref = prepare(X, y, sw, class_weight="balanced")
    got = prepare(torch.asarray(X), torch.asarray(y), torch.asarray(sw), class_weight="balanced")
    np.testing.assert_allclose(got.class_sums, ref.class_sums, rtol=1e-12)
    np.testing.assert_allclose(got.mean, ref.mean, rtol=1e-12)
    np.testing.assert_allclose(got.scale, ref.scale, rtol=1e-12)


@pytest.mark.parametrize(
    "class_weight, sample_weight, match",
    [
        ({0: 1.0, 1: -2.0}, None, r"class_weight.*negative.*1"),
        ({0: 1.0, 1: np.nan}, None, r"class_weight"),
        ({0: 0.0, 1: 1.0}, None, r"only one class .*1.* positive weight"),
        (None, "zero-class-0", r"only one class .*1.* positive weight"),
    ],
)
def test_weights_that_leave_no_classifier_are_errors(class_weight, sample_weight, match):
    X, y = _data(4)
    sw = np.where(y == 0, 0.0, 1.0) if sample_weight else None
    with pytest.raises(ValueError, match=match):
        NeuronClassifier(class_weight=class_weight).fit(X, y, sample_weight=sw)


# --- property tests -----------------------------------------------------------
_settings = settings(max_examples=12, deadline=None)


@_settings
@given(
    seed=st.integers(0, 2**16),
    classes=st.sampled_from([2, 3]),
    standardize=st.booleans(),
    class_weight=st.sampled_from([None, "balanced", "dict"]),
)
def test_weight_k_is_k_repeated_rows(seed, classes, standardize, class_weight):
    X, y = _data(seed % 50, n=40, classes=classes)
    k = np.random.default_rng(seed).integers(0, 4, len(y))
    k[np.flatnonzero(y == 0)[0]] = k[np.flatnonzero(y == 1)[0]] = 1  # keep every class
    k[np.flatnonzero(y == classes - 1)[0]] = 1
    cw = {c: 1.0 + c for c in range(classes)} if class_weight == "dict" else class_weight
    kw = {"alpha": 0.05, "standardize": standardize, "class_weight": cw, "tol": 1e-12}
    a = NeuronClassifier(**kw).fit(X, y, sample_weight=k.astype(float))
    b = NeuronClassifier(**kw).fit(*_repeat(X, y, k))
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.mean_, b.mean_, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.scale_, b.scale_, rtol=1e-12)


@_settings
@given(
    kind=st.sampled_from(["int", "str", "bool", "float"]),
    classes=st.integers(2, 4),
    seed=st.integers(0, 2**16),
)
def test_labels_round_trip(kind, classes, seed):
    if kind == "bool":
        classes = 2
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, classes, 30)
    idx[:classes] = np.arange(classes)
    base = np.sort(rng.choice(1000, classes, replace=False)) - 500
    labels = {
        "int": base,
        "str": np.array([f"c{v}" for v in base]),
        "bool": np.array([False, True]),
        "float": base.astype(float),
    }[kind]
    y = labels[idx]
    X = rng.normal(size=(30, 2)) + idx[:, None]
    clf = NeuronClassifier(alpha=0.1).fit(X, y)
    assert clf.classes_.tolist() == sorted(set(y.tolist()))
    assert clf.classes_.dtype == y.dtype
    pred = clf.predict(X)
    assert pred.dtype == y.dtype
    assert set(pred.tolist()) <= set(y.tolist())
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(pred, clf.classes_[np.argmax(proba, axis=1)])


def test_class_weight_dict_keyed_by_text_labels_that_look_like_numbers():
    """A dict keyed by the text label '0' weighs that class (scikit-learn's helper read it as 0)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] + rng.normal(size=60) > 0, "a", "0")
    weighted = NeuronClassifier(class_weight={"a": 1.0, "0": 2.0}).fit(X, y)
    same = NeuronClassifier().fit(X, y, sample_weight=np.where(y == "0", 2.0, 1.0))
    np.testing.assert_allclose(weighted.coef_, same.coef_, rtol=1e-10)
    with pytest.raises(ValueError, match="not among the classes"):
        NeuronClassifier(class_weight={"a": 1.0, "zz": 2.0}).fit(X, y)


@pytest.mark.parametrize("how", ["sample_weight", "class_weight"])
def test_a_class_without_weight_is_warned_about(how):
    """A class whose rows all weigh 0 (K = 3) was fitted without a word: Newton said
    converged with an intercept of -23.5 and no separation, L-BFGS reported
    quasi-complete separation, the engines disagreed on the diverging intercept. Its
    coefficients do not exist: one warning says so at the fit (tests/test_inference.py
    checks the statistics that leave the class out)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((150, 2))
    y = np.repeat(["a", "b", "c"], 50)
    opts = {"class_weight": {"a": 1.0, "b": 1.0, "c": 0.0}} if how == "class_weight" else {}
    w = (y != "c").astype(float) if how == "sample_weight" else None
    with pytest.warns(UserWarning, match="class 'c' has no weight") as caught:
        clf = NeuronClassifier(**opts).fit(X, y, sample_weight=w)
    assert caught[0].filename == __file__
    assert clf.predict_proba(X)[:, 2].max() < 1e-6


def test_a_target_of_proportions_names_the_grouped_binomial_form():
    """A target of proportions with trial counts as weights (R's
    ``glm(p ~ x, weights = n, family = binomial)``, statsmodels' GLM with
    ``var_weights``) was refused in scikit-learn's words only ('Unknown label type:
    continuous'); the message now says how to give such data (two rows per group), and
    that form matches statsmodels' grouped binomial GLM."""
    import pandas as pd
    import statsmodels.api as sm

    import oneneuron

    rng = np.random.default_rng(3)
    n = rng.integers(5, 40, 60).astype(float)
    x = rng.normal(size=60)
    k = rng.binomial(n.astype(int), 1 / (1 + np.exp(-(0.3 + 0.8 * x))))
    df = pd.DataFrame({"p": k / n, "x": x, "n": n})
    with pytest.raises(ValueError, match=r"Unknown label type.*two rows per group"):
        oneneuron.logit("p ~ x", df, sample_weight="n")
    with pytest.raises(ValueError, match=r"Unknown label type.*two rows per group"):
        NeuronClassifier().fit(df[["x"]].to_numpy(), df["p"].to_numpy(), sample_weight=n)
    long = pd.concat(
        [df.assign(y=1, w=df.p * df.n), df.assign(y=0, w=(1 - df.p) * df.n)], ignore_index=True
    )
    got = oneneuron.logit("y ~ x", long, sample_weight="w")
    ref = sm.GLM(np.column_stack([k, n - k]), sm.add_constant(x), family=sm.families.Binomial())
    ref = ref.fit()
    np.testing.assert_allclose(got.summary()["coef"], ref.params, rtol=1e-6)
    np.testing.assert_allclose(got.summary()["std_err"], ref.bse, rtol=1e-6)


def _count_table():
    """A table of counts: one row per cell (x, g, y), its count in ``n``; an offset."""
    import pandas as pd

    rng = np.random.default_rng(4)
    cells = pd.DataFrame(
        [(x, g, y) for x in (0.0, 1.0, 2.0, 3.0) for g in ("a", "b") for y in (0, 1)],
        columns=["x", "g", "y"],
    )
    cells["n"] = rng.integers(1, 30, len(cells))
    cells["o"] = rng.normal(0, 0.3, len(cells))
    return cells


@pytest.mark.parametrize(
    "call",
    [
        lambda m, d, **kw: __import__("oneneuron").anova(m, d, **kw),
        lambda m, d, **kw: __import__("oneneuron").diagnostics(m, d, **kw),
        lambda m, d, **kw: m.summary(ci="profile", X=d, **kw),
        lambda m, d, **kw: m.margeff(d, **kw),
    ],
    ids=["anova", "diagnostics", "profile", "margeff"],
)
def test_a_weight_or_offset_column_is_named_as_in_the_fit(call):
    """``oneneuron.logit(..., sample_weight="n", offset="o")`` takes column names, but the
    statistics that take the table again (anova, diagnostics, profile intervals,
    margeff) failed on the same names with NumPy's "could not convert string to float:
    'n'". They now read the columns of the table given. Oracle: the same call with the
    columns' values."""
    import oneneuron

    d = _count_table()
    m = oneneuron.logit("y ~ x + g", d, sample_weight="n", offset="o")
    by_name = call(m, d, sample_weight="n", offset="o")
    by_value = call(m, d, sample_weight=d["n"].to_numpy(), offset=d["o"].to_numpy())
    np.testing.assert_allclose(
        np.asarray(by_name, dtype=float), np.asarray(by_value, dtype=float), rtol=1e-12
    )
    with pytest.raises(ValueError, match=r"sample_weight='nope' names no column of X"):
        call(m, d, sample_weight="nope", offset="o")


def test_the_estimator_takes_weight_offset_and_cluster_columns_by_name():
    """``fit(table, "y")`` names the labels' column, and ``oneneuron.logit`` names the
    weights', offset's and clusters' too, but ``NeuronClassifier().fit(table, "y",
    sample_weight="n")`` failed with NumPy's "could not convert string to float: 'n'"
    (and predict_proba(table, offset="o") likewise). They name columns of the table now;
    without a formula such a column is no feature (as the command line's --weights).
    Oracle: the same fit with the columns' values and the column left out of X."""
    import pandas as pd

    import oneneuron

    d = _count_table().assign(site=lambda t: np.arange(len(t)) % 4)
    clf = oneneuron.NeuronClassifier(cov_type="cluster").fit(
        d, "y", sample_weight="n", offset="o", cluster="site"
    )
    X = d[["x", "g"]]
    ref = oneneuron.NeuronClassifier(cov_type="cluster").fit(
        X, d["y"], sample_weight=d["n"], offset=d["o"], cluster=d["site"]
    )
    assert clf.feature_names_out_.tolist() == ["x", "g[T.b]"]
    np.testing.assert_allclose(
        clf.predict_proba(X, offset=d["o"]), ref.predict_proba(X, offset=d["o"])
    )
    pd.testing.assert_frame_equal(clf.summary(), ref.summary())
    np.testing.assert_allclose(
        clf.predict_proba(d, offset="o"), ref.predict_proba(X, offset=d["o"]), rtol=1e-12
    )
    np.testing.assert_allclose(
        clf.predict_interval(d, offset="o"), ref.predict_interval(X, offset=d["o"]), rtol=1e-12
    )
    with pytest.raises(ValueError, match=r"sample_weight='m' names no column of X"):
        oneneuron.NeuronClassifier().fit(d, "y", sample_weight="m")
    with pytest.raises(ValueError, match=r"offset='y' names the target column"):
        oneneuron.NeuronClassifier(formula="y ~ x").fit(d, offset="y")
    with pytest.raises(
        ValueError, match=r"sample_weight='n' names no column of X \(X is not a table\)"
    ):
        oneneuron.NeuronClassifier().fit(X[["x"]].to_numpy(), d["y"], sample_weight="n")


def test_text_sample_weight_is_named_in_fit_and_cv():
    """fit(sample_weight=[text]) failed with NumPy's 'could not convert string to float',
    naming no argument (the statistics that take weights say 'sample_weight must be
    numbers')."""
    from oneneuron import NeuronClassifierCV

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.arange(40) % 2
    text = np.array(["heavy"] * 40)
    with pytest.raises(ValueError, match="sample_weight must be numbers"):
        NeuronClassifier().fit(X, y, sample_weight=text)
    with pytest.raises(ValueError, match="sample_weight must be numbers"):
        NeuronClassifierCV(cv=2, n_alphas=3).fit(X, y, sample_weight=text)


def test_logits_var_weights_hint_says_what_matches_statsmodels():
    """logit(..., var_weights=) says to pass sample_weight=, which 'give the same
    coefficients and standard errors' as statsmodels' var_weights: true of the
    model-based ones, not of robust ones (statsmodels' sandwich weighs each score by
    w**2, a frequency weight by w). The hint now says which; both halves are checked
    against statsmodels on its statecrime data."""
    import pandas as pd
    import statsmodels.api as sm

    import oneneuron

    d = sm.datasets.statecrime.load_pandas().data
    df = pd.DataFrame(
        {
            "hi": (d["violent"] > d["violent"].median()).astype(int).to_numpy(),
            "poverty": d["poverty"].to_numpy(),
            "single": d["single"].to_numpy(),
            "w": np.linspace(0.3, 2.7, len(d)),
        }
    )
    with pytest.raises(TypeError, match="model-based standard errors.*robust"):
        oneneuron.logit("hi ~ poverty + single", df, var_weights="w")
    exog = sm.add_constant(df[["poverty", "single"]].to_numpy())
    glm = sm.GLM(df["hi"], exog, family=sm.families.Binomial(), var_weights=df["w"])
    fit = oneneuron.logit("hi ~ poverty + single", df, sample_weight="w")
    np.testing.assert_allclose(fit.summary()["std_err"], glm.fit(tol=1e-12).bse, rtol=1e-6)
    robust = oneneuron.logit("hi ~ poverty + single", df, sample_weight="w", cov_type="HC0")
    sandwich = glm.fit(tol=1e-12, cov_type="HC0").bse
    assert not np.allclose(robust.summary()["std_err"], sandwich, rtol=1e-2)


def test_missing_drop_drops_rows_missing_their_weight_or_offset_as_the_cli_does():
    """missing='drop' dropped rows with a missing cell or label but refused a missing
    sample weight or offset ('sample_weight must be finite and non-negative: row 4 holds
    NaN'), where `oneneuron train --drop-missing` drops those rows (R's na.omit). Now the
    fit, NeuronClassifierCV and the statistics that take the rows again drop them too.
    Oracle: statsmodels' GLM with freq_weights and offset on the complete rows of
    statsmodels' statecrime."""
    import pandas as pd
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from oneneuron import NeuronClassifierCV, anova, diagnostics

    d = sm.datasets.statecrime.load_pandas().data.reset_index(drop=True)
    d["hi"] = (d["violent"] > d["violent"].median()).astype(int)
    d["w"] = np.arange(len(d)) % 3 + 1.0
    d["off"] = np.log(d["hs_grad"]) - 4.4
    d.loc[4, "w"] = np.nan
    d.loc[9, "off"] = np.nan
    d.loc[7, "single"] = np.nan
    keep = d[["w", "off", "single"]].notna().all(axis=1)
    ref = smf.glm(
        "hi ~ poverty + single + urban", d[keep], family=sm.families.Binomial(),
        freq_weights=d.loc[keep, "w"], offset=d.loc[keep, "off"],
    ).fit(tol=1e-12)  # fmt: skip
    formula = "hi ~ poverty + single + urban"
    clf = NeuronClassifier(formula=formula, missing="drop").fit(d, sample_weight="w", offset="off")
    np.testing.assert_allclose(clf.summary()["coef"], ref.params, rtol=1e-8)
    np.testing.assert_allclose(clf.summary()["std_err"], ref.bse, rtol=1e-6)
    assert clf.design_report_["dropped"] == 3
    arrays = NeuronClassifier(missing="drop").fit(
        d[["poverty", "single", "urban"]], d["hi"], sample_weight=d["w"], offset=d["off"]
    )
    np.testing.assert_allclose(arrays.coef_.ravel(), ref.params.iloc[1:], rtol=1e-8)
    full = NeuronClassifier(formula=formula).fit(d[keep], sample_weight="w", offset="off")
    pd.testing.assert_frame_equal(
        anova(clf, d, sample_weight="w", offset="off"),
        anova(full, d[keep], sample_weight="w", offset="off"),
    )
    pd.testing.assert_frame_equal(
        diagnostics(clf, d, sample_weight="w", offset="off"),
        diagnostics(full, d[keep], sample_weight="w", offset="off"),
    )
    cv = NeuronClassifierCV(cv=3, n_alphas=3, missing="drop")
    cv.fit(d[["poverty", "single", "urban"]], d["hi"], sample_weight=d["w"].to_numpy())
    want = NeuronClassifierCV(cv=3, n_alphas=3).fit(
        d.loc[d[["w", "single"]].notna().all(axis=1), ["poverty", "single", "urban"]],
        d.loc[d[["w", "single"]].notna().all(axis=1), "hi"],
        sample_weight=d.loc[d[["w", "single"]].notna().all(axis=1), "w"].to_numpy(),
    )
    np.testing.assert_allclose(
        cv.cv_results_["mean_test_score"], want.cv_results_["mean_test_score"]
    )


def test_sampling_weights_recipe_of_the_guide_is_the_var_weights_sandwich():
    """The user guide's recipe for sampling (survey) weights: cov_type='cluster' with one
    cluster per row weighs each row's score by w (w**2 in the meat, scale-free in w), the
    linearisation covariance of a weighted estimating equation. Oracle: statsmodels'
    GLM(var_weights=w) HC0 sandwich, times the cluster factor the guide states,
    n / (n - 1) * (N - 1) / (N - k) with N the weights' sum."""
    import statsmodels.api as sm

    rng = np.random.default_rng(15)
    n = 150
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + rng.logistic(size=n) > 0).astype(int)
    w = rng.uniform(0.2, 5.0, size=n)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), var_weights=w)
    hc0 = ref.fit(tol=1e-14, cov_type="HC0")
    for scale in (1.0, 1000.0):  # weights summing to a population: the same errors
        clf = NeuronClassifier(cov_type="cluster", tol=1e-12).fit(
            X, y, sample_weight=scale * w, cluster=np.arange(n)
        )
        N, k = scale * w.sum(), 3
        factor = n / (n - 1) * (N - 1) / (N - k)
        np.testing.assert_allclose(clf.summary()["std_err"], hc0.bse * np.sqrt(factor), rtol=1e-6)
