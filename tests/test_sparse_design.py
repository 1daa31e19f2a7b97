"""A table's design as a SciPy CSR matrix: the same model as the dense design.

A design large and mostly zeros (categorical indicators) is handed to the
estimator as CSR (:data:`oneneuron.tables._design.SPARSE_MIN_CELLS`); here the
thresholds are lowered so that a small table takes that path, and every face is
compared with the same table on the dense path (which the rest of the suite checks
against statsmodels and scikit-learn), and with those oracles directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import oneneuron
from oneneuron import NeuronClassifier, stats
from oneneuron.tables import DesignSpec, _design


def _table(n=600, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.standard_normal(n),
            "year": 2000.0 + rng.integers(0, 20, n),  # far from zero: no cancellation
            "g": rng.choice([f"L{k:02d}" for k in range(12)], n),
            "h": rng.choice(["u", "v", "w"], n),
            "flag": rng.random(n) < 0.4,
        }
    )
    effect = dict(zip(sorted(df.g.unique()), rng.normal(0, 0.7, 12), strict=True))
    z = 0.8 * df.x + 0.05 * (df.year - 2010) + df.g.map(effect) - 0.4 * df.flag
    df["y"] = np.where(rng.random(n) < 1 / (1 + np.exp(-z)), "yes", "no")
    df["site"] = rng.integers(0, 30, n)
    return df


@pytest.fixture
def table():
    return _table()


@pytest.fixture
def force_sparse(monkeypatch):
    """Every design with an indicator column becomes CSR."""

    def force(on: bool = True) -> None:
        monkeypatch.setattr(_design, "SPARSE_MIN_CELLS", 0 if on else 1 << 23)
        monkeypatch.setattr(_design, "SPARSE_MAX_DENSITY", 1.0 if on else 0.1)

    return force


def _both(force, make):
    """``make()`` on the dense design, then on the sparse one."""
    force(False)
    dense = make()
    force(True)
    return dense, make()


FORMULAS = [
    None,
    "y ~ x + year + C(g) + flag",
    "y ~ x + C(g) + x:C(g) + C(h):C(g)",
    "y ~ year + C(g) + poly(x, 2, raw=True)",  # formulaic's own matrix (not storable)
]


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"alpha": 0.05},
        {"alpha": 0.02, "standardize": False},
        {"alpha": 0.02, "l1_ratio": 1.0},
        {"alpha": 0.01, "l1_ratio": 0.5, "solver": "cd"},
        {"cov_type": "HC3"},
    ],
)
def test_fit_and_predict_equal_the_dense_design(table, force_sparse, formula, params):
    X = table.drop(columns=["site"]) if formula else table.drop(columns=["y", "site"])
    y = None if formula else table["y"]
    if formula and "poly" in formula and params.get("l1_ratio"):
        pytest.skip("one formulaic case is enough for the penalised fits")

    def make():
        est = NeuronClassifier(formula=formula, tol=1e-10, max_iter=2000, **params)
        est.fit(X, y)
        table = None if params.get("l1_ratio") else est.summary()
        return est, est._validate_predict(X), est.predict_proba(X), table

    (dense, Xd, pd_, td), (sparse, Xs, ps, ts) = _both(force_sparse, make)
    assert sp.issparse(Xs) and isinstance(Xd, np.ndarray)
    np.testing.assert_array_equal(Xs.toarray(), Xd)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sparse.intercept_, dense.intercept_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ps, pd_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(sparse.scale_, dense.scale_, rtol=1e-12)
    np.testing.assert_allclose(sparse.mean_, dense.mean_, rtol=1e-12, atol=1e-15)
    if td is not None:
        np.testing.assert_allclose(ts["std_err"], td["std_err"], rtol=1e-5)


@pytest.mark.parametrize("params", [{}, {"alpha": 0.05}, {"alpha": 0.01, "l1_ratio": 1.0}])
def test_kernel_sized_fit_equals_the_dense_design(force_sparse, params):
    """From KERNEL_MIN_ROWS rows the engines read CSR with their compiled kernels."""
    table = _table(3000, seed=4)
    X = table.drop(columns=["y", "site"])

    def make():
        est = NeuronClassifier(tol=1e-10, max_iter=2000, **params).fit(X, table["y"])
        return est, est._validate_predict(X), est.predict_proba(X)

    (dense, Xd, pd_), (sparse, Xs, ps) = _both(force_sparse, make)
    assert sp.issparse(Xs) and isinstance(Xd, np.ndarray)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ps, pd_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(sparse.scale_, dense.scale_, rtol=1e-12)


def test_statistics_on_the_sparse_design(table, force_sparse):
    """logit's table against statsmodels; cluster SEs, anova, margeff, diagnostics,
    intervals and profile intervals as on the dense design."""
    import statsmodels.api as sm

    formula = "y ~ x + year + C(g) + flag"
    X = table[["x", "g", "flag"]]

    def make():
        fit = oneneuron.logit(formula, table, cov_type="cluster", cluster=table["site"])
        plain = oneneuron.logit(formula, table)
        out = {
            "coef": plain.summary()["coef"].to_numpy(),
            "se": plain.summary()["std_err"].to_numpy(),
            "cluster_se": fit.summary()["std_err"].to_numpy(),
            "anova": stats.anova(plain, table)["Deviance"].to_numpy(),
            "margeff": plain.margeff(table)["dy_dx"].to_numpy(),
            "margeff_col": plain.margeff(table, by="column")["dy_dx"].to_numpy(),
            "diag": stats.diagnostics(plain, table).to_numpy(),
            "profile": stats.profile_intervals(oneneuron.logit("y ~ x + C(g)", table), table),
            "interval": plain.predict_interval(table).to_numpy(),
            "diag_no_intercept": stats.diagnostics(
                NeuronClassifier(fit_intercept=False).fit(X, table["y"]), X, table["y"]
            ).to_numpy(),
        }
        return plain, out

    (dense, a), (sparse, b) = _both(force_sparse, make)
    assert sp.issparse(sparse._validate_predict(table))
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-9, err_msg=key)
    design = DesignSpec.fit_transform(table, formula=formula, sparse=False)[1]
    ref = sm.Logit((design.y == "yes").astype(float), sm.add_constant(design.X)).fit(disp=0)
    np.testing.assert_allclose(b["coef"], ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b["se"], ref.bse, rtol=1e-5)


@pytest.mark.parametrize("n", [500, 3000])  # the NumPy blocks and the compiled kernel
def test_csr_feature_scale_does_not_cancel(n):
    """A sparse column far from zero (a year, 1e8 + noise) gets the spread NumPy's
    two-pass formula gives, not ``E[x^2] - mu^2`` (wrong in every digit at 1e8)."""
    from oneneuron.engines._numpy_prep import weighted_feature_stats

    rng = np.random.default_rng(0)
    X = np.column_stack(
        [
            1e8 + rng.standard_normal(n),
            2000.0 + rng.integers(0, 20, n),
            rng.random(n) < 0.3,
            np.where(rng.random(n) < 0.01, 0.0, 1e6 + rng.standard_normal(n)),
        ]
    )
    s = rng.uniform(0.5, 2.0, n)
    mean = np.average(X, weights=s, axis=0)
    ref = np.sqrt(np.average((X - mean) ** 2, weights=s, axis=0))
    mu, sigma = weighted_feature_stats(sp.csr_matrix(X), s)
    np.testing.assert_allclose(mu, mean, rtol=1e-13)
    np.testing.assert_allclose(sigma, ref, rtol=1e-10)


def test_cv_path_and_model_file_on_the_sparse_design(table, force_sparse, tmp_path):
    """NeuronClassifierCV and regularization_path choose and fit as on the dense design;
    a saved model predicts the same; missing='drop' drops the same rows (a missing label
    drops a row of the CSR design), relax=True and firth=True refit the same."""
    X = table.drop(columns=["y", "site"])
    y = table["y"].to_numpy().astype(object)
    y[[3, 50]] = None  # missing labels: rows dropped from the coded design

    def make():
        cv = oneneuron.NeuronClassifierCV(n_alphas=5, cv=3, l1_ratios=(0.5,), tol=1e-10)
        cv.fit(X, table["y"])
        path = oneneuron.regularization_path(X, table["y"], n_alphas=6, tol=1e-10)
        drop = NeuronClassifier(missing="drop", tol=1e-10).fit(X, y)
        relax = NeuronClassifier(alpha=0.02, l1_ratio=1.0, relax=True, tol=1e-10)
        relax.fit(X, table["y"])
        firth = NeuronClassifier(firth=True).fit(X, table["y"])
        name = tmp_path / f"m{len(list(tmp_path.iterdir()))}.json"
        drop.save(name)
        loaded = oneneuron.load(name)
        return {
            "cv_alpha": [cv.alpha_, cv.l1_ratio_],
            "cv_coef": cv.coef_,
            "cv_proba": cv.predict_proba(X),
            "path_coef": path.coef,
            "path_proba": path.predict_proba(X),
            "drop_coef": drop.coef_,
            "drop_rows": [drop.n_samples_fit_],
            "loaded": loaded.predict_proba(X),
            "relax_se": relax.summary()["std_err"].to_numpy(),
            "firth": firth.coef_,
        }

    a, b = _both(force_sparse, make)
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-8, err_msg=key)
    assert b["drop_rows"] == [len(table) - 2]


@pytest.mark.parametrize("formula", [None, "y ~ x + year + C(g) + x:C(g) + flag"])
def test_cli_train_and_predict_on_the_sparse_design(table, force_sparse, tmp_path, capsys, formula):
    """``oneneuron train`` / ``predict`` (chunked, the model file's NumPy predictor, with
    intervals) give the dense design's coefficients and probabilities."""
    from _cli import run

    data = tmp_path / "t.csv"
    table.drop(columns=["site"]).to_csv(data, index=False)
    flags = ["--formula", formula] if formula else ["--target", "y"]

    def make():
        model = tmp_path / f"m{len(list(tmp_path.iterdir()))}.json"
        code, out, err = run(["train", data, *flags, "--model", model, "-q"], capsys)
        assert code == 0, err
        pred = tmp_path / f"p{len(list(tmp_path.iterdir()))}.csv"
        argv = ["predict", model, data, "--out", pred, "--interval", "0.9", "--chunk-rows", "250"]
        code, out, err = run([*argv, "-q"], capsys)
        assert code == 0, err
        return oneneuron.load(model).coef_, pd.read_csv(pred).select_dtypes("number").to_numpy()

    (ca, pa), (cb, pb) = _both(force_sparse, make)
    np.testing.assert_allclose(cb, ca, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(pb, pa, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("formula", "encoding"),
    [
        (None, "reference"),
        (None, "full"),
        ("~ x + C(g) + x:C(g) + np.log(year) + g:h + flag", "reference"),
        ("~ x + C(g) + poly(x, 2, raw=True) + x:C(g)", "reference"),  # formulaic's own
        ("~ g:h + x:g:h + I(x ** 2) - 1", "reference"),
    ],
)
def test_sparse_design_has_the_dense_values_messages_and_reports(table, formula, encoding):
    """``sparse=True`` gives the dense design's values (training and new tables, an
    unseen level as the reference), its unseen-level report and its error on a term
    that is not finite."""
    X = table.drop(columns=["y", "site"])
    kw = {"formula": formula, "encoding": encoding, "intercept": "- 1" not in (formula or "")}
    spec, dense = DesignSpec.fit_transform(X, **kw, sparse=False)
    spec2, sparse = DesignSpec.fit_transform(X, **kw, sparse=True)
    assert isinstance(dense.X, np.ndarray) and sp.isspmatrix_csr(sparse.X)
    assert spec.names == spec2.names
    np.testing.assert_array_equal(sparse.X.toarray(), dense.X)
    new = X.iloc[:40].copy()
    new.loc[new.index[[2, 7]], "g"] = "never seen"
    a, b = {}, {}
    np.testing.assert_array_equal(
        spec.transform(new, b, sparse=True).toarray(), spec.transform(new, a, sparse=False)
    )
    assert a == b and a["unknown"]["g"][0] == 2
    if formula is not None and "year" in formula:
        new.loc[new.index[5], "year"] = -1.0
        with pytest.raises(ValueError) as dense_error:
            spec.transform(new, sparse=False)
        with pytest.raises(ValueError) as sparse_error:
            spec.transform(new, sparse=True)
        assert str(sparse_error.value) == str(dense_error.value)
        assert "row 5" in str(dense_error.value)


def test_small_designs_stay_dense_and_large_sparse_ones_are_csr(monkeypatch):
    """The rule: dense below SPARSE_MIN_CELLS cells or above SPARSE_MAX_DENSITY non-zeros."""
    rng = np.random.default_rng(0)
    n = 40_000
    big = pd.DataFrame({"x": rng.standard_normal(n), "g": rng.integers(0, 300, n).astype(str)})
    assert sp.issparse(DesignSpec.fit_transform(big)[1].X)  # 40k x 300 cells, ~1% non-zero
    assert isinstance(DesignSpec.fit_transform(big.iloc[:1000])[1].X, np.ndarray)
    monkeypatch.setattr(_design, "SPARSE_MIN_CELLS", 1000)  # large enough, but not sparse:
    numbers = pd.DataFrame(rng.standard_normal((200, 9)), columns=[f"x{j}" for j in range(9)])
    numbers["g"] = rng.integers(0, 3, 200).astype(str)  # 11 columns, 9 + 2/3 of them filled
    assert isinstance(DesignSpec.fit_transform(numbers)[1].X, np.ndarray)
    wide = pd.DataFrame({"x": numbers["x0"], "g": rng.integers(0, 40, 200).astype(str)})
    assert sp.issparse(DesignSpec.fit_transform(wide)[1].X)  # 40 columns, 2 filled a row


def test_softmax_weights_and_separation_on_the_sparse_design(table, force_sparse):
    """Three classes, sample and class weights, and a level all of one class (quasi-complete
    separation, found and named) as on the dense design."""
    X = table.drop(columns=["y", "site"])
    y3 = np.where(table["x"] > 0.7, "c", table["y"])
    ysep = table["y"].copy()
    ysep[table["g"] == "L05"] = "yes"
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(table))

    def make():
        soft = NeuronClassifier(alpha=0.01, tol=1e-10).fit(X, y3, sample_weight=w)
        balanced = NeuronClassifier(class_weight="balanced", tol=1e-10).fit(X, table["y"])
        with pytest.warns(oneneuron.SeparationWarning) as caught:
            sep = NeuronClassifier().fit(X, ysep)
        return {
            "soft": soft.coef_,
            "soft_proba": soft.predict_proba(X),
            "soft_se": soft.summary()["std_err"].to_numpy(),
            "balanced": balanced.coef_,
            "separation": [sep.inference_.separation, str(caught[0].message)],
        }

    a, b = _both(force_sparse, make)
    assert b.pop("separation") == a.pop("separation")
    for key in a:
        np.testing.assert_allclose(b[key], a[key], rtol=1e-5, atol=1e-8, err_msg=key)


def test_sparse_interactions_of_many_level_combinations():
    """Terms on three 200-level columns (8 million combinations, too many for a table of
    them: the used ones are looked up sorted) give the dense design's values."""
    rng = np.random.default_rng(0)
    n = 2000
    t = pd.DataFrame({k: rng.integers(0, 200, n).astype(str) for k in "abc"})
    t["x"] = rng.standard_normal(n)
    spec = DesignSpec.fit(t)
    terms = [{"name": "x", "factors": [{"column": "x"}]}]
    for i, combo in enumerate(dict.fromkeys(map(tuple, t[["a", "b", "c"]].to_numpy()[:200]))):
        levels = [{"column": k, "level": v} for k, v in zip("abc", combo, strict=True)]
        terms.append({"name": f"x:t{i}", "factors": [{"column": "x"}, *levels]})
    spec.terms = terms
    assert 200**3 > 1 << 22
    X = spec.transform(t, sparse=True)
    np.testing.assert_array_equal(X.toarray(), spec.transform(t, sparse=False))
    assert X.nnz >= n + 200


def test_penalised_sparse_fit_equals_scikit_learn_on_its_one_hot_matrix(table, force_sparse):
    """L2 on the raw columns: scikit-learn's LogisticRegression(C = 1 / (n alpha)) on
    OneHotEncoder(drop='first', sparse_output=True) is the same objective."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder

    force_sparse(True)
    X = table[["x", "g"]]
    n, alpha = len(table), 0.01
    est = NeuronClassifier(alpha=alpha, standardize=False, tol=1e-12, max_iter=5000)
    est.fit(X, table["y"])
    assert sp.issparse(est._validate_predict(X))
    onehot = OneHotEncoder(drop="first", sparse_output=True).fit(table[["g"]])
    Z = sp.hstack([table[["x"]].to_numpy(), onehot.transform(table[["g"]])]).tocsr()
    ref = LogisticRegression(C=1.0 / (n * alpha), tol=1e-12, max_iter=10_000).fit(Z, table["y"])
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(est.predict_proba(X), ref.predict_proba(Z), rtol=1e-6, atol=1e-9)


def test_sparse_diagnostics_leave_aliased_columns_out_as_dense_ones():
    """The sparse branch of the influence table inverted the Gram matrix of every column;
    with a column that is the sum of two others it is singular. Both branches drop it."""
    from oneneuron.stats._diagnostics import influence_table

    rng = np.random.default_rng(0)
    n = 200
    X = rng.standard_normal((n, 3))
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    z = X[:, :3] @ [0.5, -1.0, 0.3] + 0.2
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    dense = influence_table(z, y, np.column_stack([np.ones(n), X]), np.ones(n), True)
    sparse = influence_table(z, y, sp.csr_matrix(X), np.ones(n), True)
    np.testing.assert_allclose(sparse.to_numpy(), dense.to_numpy(), rtol=1e-9, atol=1e-12)
    assert dense["leverage"].sum() == pytest.approx(4.0)  # the rank, with the intercept
