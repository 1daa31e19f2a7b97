"""regularization_path: the grid, alpha_max, every point's optimum against glum, saga and KKT."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from oneneuron import ConvergenceWarning, NeuronClassifier, regularization_path


def _data(n=250, d=7, K=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3.0, d) + rng.normal(size=d)
    Z = ((X - X.mean(0)) / X.std(0))[:, :3] @ rng.normal(size=(3, K)) * 1.5
    if K == 2:
        y = (rng.random(n) < 1 / (1 + np.exp(-Z[:, 0]))).astype(int)
    else:
        y = np.argmax(Z + rng.gumbel(size=(n, K)), axis=1)
    return X, y


def test_default_grid_and_analytic_alpha_max():
    X, y = _data()
    path = regularization_path(X, y, n_alphas=12)
    Xs = (X - X.mean(0)) / X.std(0)
    expected = np.max(np.abs(Xs.T @ (y - y.mean()))) / len(y)
    assert path.alpha_max == pytest.approx(expected, rel=1e-9)
    assert path.alphas[0] == pytest.approx(expected, rel=1e-12)
    assert path.alphas[-1] / path.alphas[0] == pytest.approx(1e-4)  # n > p: glmnet's 1e-4
    assert path.n_nonzero[0] == 0 and path.n_nonzero[-1] == 7
    assert np.all(np.diff(path.deviance_explained) >= -1e-12)
    assert np.all(path.kkt <= 1e-8)
    ridge = regularization_path(X, y, n_alphas=3, l1_ratio=0.0)
    assert ridge.alpha_max == pytest.approx(1000 * expected, rel=1e-9)  # glmnet's stand-in
    wide = regularization_path(X[:5], y[:5], n_alphas=3)
    assert wide.alphas[-1] / wide.alphas[0] == pytest.approx(1e-2)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_every_point_matches_glum_on_raw_features(l1_ratio):
    glum = pytest.importorskip("glum")
    X, y = _data(seed=1)
    alphas = [0.05, 0.02, 0.005, 0.001]
    path = regularization_path(X, y, alphas=alphas, l1_ratio=l1_ratio, standardize=False, tol=1e-11)
    for i, a in enumerate(alphas):
        gl = glum.GeneralizedLinearRegressor(
            family="binomial",
            alpha=a,
            l1_ratio=l1_ratio,
            scale_predictors=False,
            gradient_tol=1e-12,
        ).fit(X, y)
        np.testing.assert_allclose(path.coef[i, 0], gl.coef_, atol=1e-6)
        np.testing.assert_allclose(path.intercept[i, 0], gl.intercept_, atol=1e-6)
        np.testing.assert_array_equal(path.coef[i, 0] == 0, gl.coef_ == 0)


def test_points_match_saga_and_single_fits_sparse_and_multinomial():
    X, y = _data(n=300, d=6, K=3, seed=2)
    path = regularization_path(X, y, n_alphas=6, alpha_min_ratio=0.02, tol=1e-10)
    a = path.alphas[3]
    clf = NeuronClassifier(alpha=a, l1_ratio=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(path.coef[3], clf.coef_, atol=1e-7)
    lr = LogisticRegression(l1_ratio=1.0, C=1 / (300 * a), solver="saga", tol=1e-15, max_iter=10**5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pipe = make_pipeline(StandardScaler(), lr).fit(X, y)
    np.testing.assert_allclose(path.coef[3], lr.coef_ / pipe[0].scale_, atol=1e-6)
    np.testing.assert_allclose(path.predict_proba(X, alpha=a), pipe.predict_proba(X), atol=1e-7)
    # sparse CSR input gives the same path
    Xb, yb = _data(seed=3)
    Xb[np.random.default_rng(0).random(Xb.shape) < 0.5] = 0.0
    dense = regularization_path(Xb, yb, n_alphas=5, alpha_min_ratio=0.01, tol=1e-10)
    csr = regularization_path(sp.csr_matrix(Xb), yb, n_alphas=5, alpha_min_ratio=0.01, tol=1e-10)
    np.testing.assert_allclose(csr.coef, dense.coef, atol=1e-8)
    np.testing.assert_array_equal(csr.n_nonzero, dense.n_nonzero)


def test_predictions_for_all_alphas_and_bad_requests():
    X, y = _data()
    path = regularization_path(X, y, n_alphas=4, alpha_min_ratio=0.1)
    P = path.predict_proba(X[:3])
    assert P.shape == (4, 3, 2)
    np.testing.assert_allclose(P[2], path.predict_proba(X[:3], alpha=path.alphas[2]))
    np.testing.assert_allclose(P[0, :, 1], y.mean())  # alpha_max: the class frequency
    with pytest.raises(ValueError, match="not on the path"):
        path.predict_proba(X, alpha=0.123456)
    with pytest.raises(ValueError, match="l1_ratio"):
        regularization_path(X, y, l1_ratio=2.0)
    with pytest.raises(ValueError, match="no path"):
        regularization_path(X, y, penalty_factor=np.zeros(7))
    with pytest.raises(ValueError, match="alpha_min_ratio"):  # not ignored: which grid?
        regularization_path(X, y, alphas=[0.1, 0.01], alpha_min_ratio=0.1)
    for bad in (dict(tol=-1.0), dict(tol=float("nan")), dict(max_iter=0)):  # were a
        with pytest.raises(ValueError, match=next(iter(bad))):  # whole path run, then a warning
            regularization_path(X, y, **bad)
    frame = path.to_frame()
    assert list(frame.columns) == ["alpha", "n_nonzero", "deviance_explained", "loss", "kkt"]


def test_pass_count_accumulates_along_the_path():
    """``n_passes`` counts every pass up to each alpha: restricted solves included, never falling.

    Tall data (30k rows: the working sets' solves use a row-subsample metric and read
    X in place or a column copy), so that most of the work is restricted passes.
    """
    rng = np.random.default_rng(3)
    X = rng.standard_normal((30_000, 40))
    z = X[:, :6] @ rng.standard_normal(6)
    y = (rng.random(30_000) < 1 / (1 + np.exp(-z))).astype(int)
    path = regularization_path(X, y, n_alphas=12, standardize=False, tol=1e-6)
    steps = np.diff(path.n_passes)
    assert np.all(steps > 0), steps  # every alpha reads X at least once (its KKT check)
    assert path.n_passes[-1] >= np.count_nonzero(path.n_nonzero)


def test_a_copied_working_sets_last_step_goes_without_its_pass_and_the_check_confirms_it(
    monkeypatch,
):
    """Tall data (a row-subsample metric) with narrow working sets, copied: the last
    step of a restricted solve is taken without the pass that would only confirm it,
    where the KKT violation contracts steadily; the full-data check after it confirms it.
    The same points as with every step's pass, in fewer counted passes, and each alpha's
    KKT violation, computed here from the returned coefficients, within tol."""
    import oneneuron.solvers.cd as cd

    rng = np.random.default_rng(5)
    n, d = 20_000, 100  # sets up to 12 columns are copies (IN_PLACE_FRACTION of 100)
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, :5] @ rng.standard_normal(5) + 0.3)))).astype(int)
    kw = dict(n_alphas=10, alpha_min_ratio=0.05, standardize=False, tol=1e-7)
    skipped = regularization_path(X, y, **kw)
    monkeypatch.setattr(cd, "MAX_FINAL_RATE", -1.0)  # every step's pass, as before
    confirmed = regularization_path(X, y, **kw)
    assert skipped.n_passes[-1] < confirmed.n_passes[-1]  # counted passes, not time
    np.testing.assert_allclose(skipped.loss, confirmed.loss, rtol=1e-12)
    np.testing.assert_array_equal(skipped.n_nonzero, confirmed.n_nonzero)
    for i, a in enumerate(skipped.alphas):
        w, b = skipped.coef[i, 0], skipped.intercept[i, 0]
        p = 1 / (1 + np.exp(-(X @ w + b)))
        g = X.T @ (p - y) / n
        v = np.where(w != 0, g + a * np.sign(w), np.maximum(np.abs(g) - a, 0.0))
        assert np.max(np.abs(v)) <= 1e-7 and abs(np.mean(p - y)) <= 1e-7


def test_a_last_step_taken_without_its_pass_that_misses_is_solved_again(monkeypatch):
    """Where a contraction misleads (here: every predicted last step is undone, as if it
    had landed nowhere), the full-data check sees it and the working set's solve goes
    on with every step's pass: each alpha still reaches tol, at the same optimum."""
    from dataclasses import replace

    import oneneuron.solvers.active as active

    rng = np.random.default_rng(5)
    n, d = 20_000, 100
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, :5] @ rng.standard_normal(5) + 0.3)))).astype(int)
    kw = dict(n_alphas=6, alpha_min_ratio=0.05, standardize=False, tol=1e-7)
    good = regularization_path(X, y, **kw)
    solve, undone = active.proximal_newton, []

    def misled(problem, penalty, theta0, **options):
        res = solve(problem, penalty, theta0, **options)
        if res.extra["predicted"]:
            undone.append(True)
            return replace(res, theta=np.array(theta0, copy=True))
        return res

    monkeypatch.setattr(active, "proximal_newton", misled)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        bad = regularization_path(X, y, **kw)
    assert undone  # the case was exercised
    assert np.all(bad.kkt <= 1e-7), bad.kkt
    np.testing.assert_allclose(bad.loss, good.loss, rtol=1e-10)


def _rare_sparse(seed=0, n=20_000):
    """Tall, wide and sparse (10 stored values a row, 2 001 columns, one of them with 3)."""
    rng = np.random.default_rng(seed)
    rng.standard_normal((n, 30)), rng.random(n), rng.standard_normal((n, 5))  # (kept: the
    # draws that made this case hard)
    X = sp.random(n, 2000, density=0.005, random_state=1, format="csr")
    rare = sp.csr_matrix((np.ones(3), ([5, 7000, 15000], [0, 0, 0])), shape=(n, 1))
    X = sp.hstack([X, rare]).tocsr()
    z = np.asarray(X[:, :50] @ rng.standard_normal(50)).ravel() * 3
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y


def test_every_alpha_converges_where_the_cheap_metric_is_poor(monkeypatch):
    """2 500 subsample rows for 2 001 sparse columns: a poor metric, which the solve must
    leave for the exact Hessian instead of stopping short of the tolerance (its last alpha
    once stopped at a KKT violation of 4e-5, 'no progress', with no warning). The
    subsample metric is forced on every working set, as it was then."""
    import oneneuron.classifier._sparse as sparse_layer

    monkeypatch.setattr(sparse_layer, "SPARSE_METRIC_FACTOR", 0.0)
    X, y = _rare_sparse()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning either
        path = regularization_path(  # the first 5 alphas of a 10-alpha grid to 1e-3
            X, y, n_alphas=5, alpha_min_ratio=10 ** (-4 / 3), tol=1e-8, standardize=False
        )
    assert np.all(path.kkt <= 1e-8), path.kkt


def test_an_unconverged_alpha_is_a_warning_that_names_it():
    X, y = _rare_sparse()
    with pytest.warns(ConvergenceWarning, match=r"alpha") as rec:
        path = regularization_path(
            X, y, n_alphas=4, alpha_min_ratio=1e-2, tol=1e-12, max_iter=1, standardize=False
        )
    bad = np.flatnonzero(path.kkt > 1e-12)
    assert bad.size and len(rec) == 1
    assert f"{path.alphas[bad[0]]:.3g}" in str(rec[0].message)


def test_wide_sparse_working_sets_use_the_exact_metric_and_reach_the_same_path(monkeypatch):
    """Where a CSR working set's metric costs the same from any number of rows, the exact
    one replaces the subsample's: the same solutions, in fewer passes."""
    import oneneuron.classifier._sparse as sparse_layer
    import oneneuron.solvers.cd as cd

    monkeypatch.setattr(cd, "COLUMN_FACTOR", 0.0)  # the p x p metrics, not the columns'
    X, y = _rare_sparse()
    kw = dict(n_alphas=5, alpha_min_ratio=10 ** (-4 / 3), tol=1e-9, standardize=False)
    chosen = regularization_path(X, y, **kw)
    monkeypatch.setattr(sparse_layer, "SPARSE_METRIC_FACTOR", 0.0)  # always the subsample
    forced = regularization_path(X, y, **kw)
    np.testing.assert_allclose(chosen.loss, forced.loss, rtol=1e-12)
    np.testing.assert_array_equal(chosen.n_nonzero, forced.n_nonzero)
    assert np.all(chosen.kkt <= 1e-9)
    assert chosen.n_passes[-1] < forced.n_passes[-1]  # counted passes, not time


def test_a_table_goes_through_the_design_layer_as_in_the_estimators():
    """Text and boolean columns are coded as NeuronClassifier codes them (it was an error:
    'X must be numeric'); penalty_factor by term name; predictions take the table."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "site": rng.choice(["east", "north", "south"], n),
            "flag": rng.random(n) < 0.3,
        }
    )
    y = (df.x + (df.site == "north") + rng.normal(size=n) > 0.5).astype(int)
    path = regularization_path(
        df, y, n_alphas=6, alpha_min_ratio=0.01, penalty_factor={"site[T.north]": 0.0}
    )
    ref = NeuronClassifier(
        alpha=path.alphas[-1], l1_ratio=1.0, penalty_factor={"site[T.north]": 0.0}
    ).fit(df, y)
    assert path.feature_names == ref.design_.names
    np.testing.assert_allclose(path.coef[-1], ref.coef_, atol=1e-6)
    assert path.coef[0][0][path.feature_names.index("site[T.north]")] != 0  # unpenalised
    np.testing.assert_allclose(
        path.predict_proba(df.head(5), alpha=path.alphas[-1]),
        ref.predict_proba(df.head(5)),
        atol=1e-6,
    )
    by_formula = regularization_path(df.assign(y=y), None, formula="y ~ x + C(site)", n_alphas=4)
    assert by_formula.feature_names == ["x", "C(site)[T.north]", "C(site)[T.south]"]


def test_path_predictions_check_the_columns_as_the_estimators_do():
    """A numeric DataFrame's columns were taken by position: reordered or renamed columns
    gave other predictions silently; a missing one a raw matmul error. They are read by
    name now, as the estimators read a table."""
    pd = pytest.importorskip("pandas")
    from oneneuron import NeuronClassifierCV

    rng = np.random.default_rng(0)
    df = pd.DataFrame({c: rng.normal(size=300) for c in "pqr"})
    y = (df.p - df.q + rng.normal(size=300) > 0).astype(int)
    path = regularization_path(df, y, n_alphas=5)
    cv_paths = NeuronClassifierCV(cv=3, n_alphas=5).fit(df, y).paths_
    a = path.alphas[-1]
    for p in (path, cv_paths[0]):
        ref = p.predict_proba(df, alpha=p.alphas[-1])
        np.testing.assert_array_equal(p.predict_proba(df.to_numpy(), alpha=p.alphas[-1]), ref)
        # read by name, as the estimators read a table (a reordered frame, an extra column)
        other = df.assign(s=1.0)[["r", "s", "q", "p"]]
        np.testing.assert_array_equal(p.predict_proba(other, alpha=p.alphas[-1]), ref)
        with pytest.raises(ValueError, match=r"lacks column 'p'"):
            p.predict_proba(df.rename(columns={"p": "zzz"}))
        with pytest.raises(ValueError, match="2 columns.*3"):
            p.predict_proba(df[["p", "q"]].to_numpy(), alpha=p.alphas[-1])
    bad = df.copy()
    bad.loc[4, "q"] = np.nan
    with pytest.raises(ValueError, match=r"X has NaN in column 'q' \(row 4\)"):
        path.decision_function(bad, alpha=a)
    with pytest.raises(ValueError, match=r"X has NaN in column 1 \(row 4\)"):
        path.decision_function(bad.to_numpy(), alpha=a)


def test_multinomial_intercepts_are_centred_in_the_path_and_the_estimator():
    """The softmax's intercepts are defined up to a constant, which an unpenalised intercept
    beside an L1 term leaves free: the path and the estimator at the same alpha gave
    different (equally valid) intercepts. Both centre them over classes, as glmnet."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 4))
    y = np.digitize(X[:, 0] + rng.normal(size=400), [-1, 0, 1])
    path = regularization_path(X, y, l1_ratio=1.0, n_alphas=5, tol=1e-10)
    clf = NeuronClassifier(alpha=path.alphas[-1], l1_ratio=1.0, tol=1e-10).fit(X, y)
    np.testing.assert_allclose(path.intercept.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_.sum(), 0.0, atol=1e-12)
    np.testing.assert_allclose(path.intercept[-1], clf.intercept_, atol=1e-6)


def _kkt_from_coefficients(X, y, path, i):
    """The KKT violation of the raw-scale elastic-net problem at alpha ``i``, from the
    returned coefficients (NumPy's closed-form gradient of the mean log-loss)."""
    a, r = path.alphas[i], path.l1_ratio
    w, b = path.coef[i, 0], path.intercept[i, 0]
    p = 1 / (1 + np.exp(-(X @ w + b)))
    g = X.T @ (p - y) / len(y) + a * (1 - r) * w
    v = np.where(w != 0, g + a * r * np.sign(w), np.maximum(np.abs(g) - a * r, 0.0))
    return max(np.max(np.abs(v)), abs(np.mean(p - y)))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_an_alphas_last_step_and_the_next_alphas_first_share_a_read(monkeypatch, l1_ratio):
    """Tall dense data, L1 and elastic net: where a working set reads X in place, an
    alpha's last step is read together with the next alpha's first step, which the
    next alpha keeps: fewer counted passes than evaluating each step alone, the same
    optimum, and each alpha's KKT violation, computed here from the returned
    coefficients, within tol."""
    import oneneuron.solvers.cd as cd

    rng = np.random.default_rng(7)
    n, d = 20_000, 40  # sets of more than 5 columns read X in place
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, :8] @ rng.standard_normal(8) + 0.3)))).astype(int)
    kw = dict(n_alphas=12, alpha_min_ratio=0.01, standardize=False, tol=1e-7, l1_ratio=l1_ratio)
    paired = regularization_path(X, y, **kw)
    monkeypatch.setattr(cd, "SPECULATE_REACH", -1.0)  # each step read alone, as before
    alone = regularization_path(X, y, **kw)
    assert paired.n_passes[-1] < alone.n_passes[-1] - 2  # counted passes, not time
    np.testing.assert_allclose(paired.loss, alone.loss, rtol=1e-10)
    np.testing.assert_array_equal(paired.n_nonzero, alone.n_nonzero)
    for i in range(len(paired.alphas)):
        assert _kkt_from_coefficients(X, y, paired, i) <= 1e-7


def test_a_first_step_that_fails_the_line_search_is_left_for_the_models_own(monkeypatch):
    """A next alpha's first step read ahead that is no good (here: thrown far off) is
    not taken: the line search's test refuses it and the solve steps on its own model,
    so every alpha still reaches tol at the same optimum."""
    import oneneuron.solvers.active as active

    rng = np.random.default_rng(7)
    n, d = 20_000, 40
    X = rng.standard_normal((n, d))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, :8] @ rng.standard_normal(8) + 0.3)))).astype(int)
    kw = dict(n_alphas=8, alpha_min_ratio=0.01, standardize=False, tol=1e-7)
    good = regularization_path(X, y, **kw)
    step, thrown = active._next_step, []

    def far_off(*args):
        inner = step(*args)

        def guess(w, g, H):
            w2 = inner(w, g, H)
            if w2 is None:
                return None
            thrown.append(True)
            return w2 + 3.0 * (w2 != 0)  # every non-zero 3 further: a worse objective

        return guess

    monkeypatch.setattr(active, "_next_step", far_off)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ConvergenceWarning
        bad = regularization_path(X, y, **kw)
    assert thrown  # the case was exercised
    assert np.all(bad.kkt <= 1e-7), bad.kkt
    np.testing.assert_allclose(bad.loss, good.loss, rtol=1e-10)
    for i in range(len(bad.alphas)):
        assert _kkt_from_coefficients(X, y, bad, i) <= 1e-7
