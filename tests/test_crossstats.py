"""Statistics where features cross: aliased columns, weights, offsets, robust and penalised
covariances, multinomial fits, sparse input, Firth, saved models.

Each feature was checked alone elsewhere; these check them together, against statsmodels
on the reduced (or reparameterised) design, written-out formulas, or internal consistency.
"""

import warnings

import numpy as np
import pytest

from _cli import run  # noqa: E402
from oneneuron import NeuronClassifier


def _copies(n=300, seed=1):
    """``[x, x, z]`` (the second column an exact copy of the first) and labels from x, z."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    X = np.column_stack([x, x, z])
    y = (x + 0.5 * z + rng.logistic(size=n) > 0).astype(int)
    w = rng.integers(1, 4, size=n).astype(float)
    return X, y, w


@pytest.mark.parametrize("K", [2, 3])
def test_ridge_with_unpenalised_copies_is_refused_not_reported(K):
    """``alpha > 0`` with ``penalty_factor`` 0 on two identical columns: the penalty does
    not reach the direction ``x0 - x1``, so their split is not identified. The covariance
    was reported from a Hessian singular to rounding (binary: standard errors 6.4e6 on
    both, intervals of +-1.2e7 around 0.46): it is refused, naming the columns and the
    ``penalty_factor`` (the refusal the Hessian's Cholesky already gave where it failed)."""
    X, y, w = _copies()
    if K == 3:
        y = y + (X[:, 2] > 1)
    clf = NeuronClassifier(solver="newton", alpha=0.1, penalty_factor=[0, 0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, sample_weight=w)
    assert clf.inference_.cov is None
    assert "penalty_factor 0" in clf.inference_.reason
    assert "x1" in clf.inference_.reason
    with pytest.raises(Exception, match="penalty_factor"):
        clf.summary()


def _constant_column(n=240, seed=0):
    """``[x, 2.0, z]``: the second column constant (aliased with the intercept)."""
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    X = np.column_stack([x, np.full(n, 2.0), z])
    y = (x + 0.5 * z + rng.logistic(size=n) > 0).astype(int)
    return X, y, rng.integers(1, 4, size=n).astype(float)


@pytest.mark.parametrize("sparse", [False, True])
def test_diagnostics_with_a_constant_column(sparse):
    """A constant column beside the intercept (aliased, NA in the summary): leverage,
    Cook's distance and dfbetas are those of the design without it (statsmodels' GLM on
    the reduced design, frequency weights as repeated rows), and goodness_of_fit runs.
    Dense X was refused as 'not the rows the model was fitted on (Rao's statistic inf)':
    under the fit's unequal curvature weights the constant's weighted mean rounded to
    other than 2.0, and the centred round-off passed for a column of its own."""
    sm = pytest.importorskip("statsmodels.api")
    import scipy.sparse

    from oneneuron import diagnostics, goodness_of_fit

    X, y, w = _constant_column()
    Xin = scipy.sparse.csr_matrix(X) if sparse else X
    clf = NeuronClassifier(solver="newton").fit(Xin, y, sample_weight=w)
    assert np.isnan(clf.summary()["coef"]["x1"])
    D = diagnostics(clf, Xin, y, sample_weight=w, dfbetas=True)
    k = w.astype(int)
    Z = sm.add_constant(X[:, [0, 2]])
    ref = sm.GLM(np.repeat(y, k), np.repeat(Z, k, 0), family=sm.families.Binomial())
    inf = ref.fit(tol=1e-12).get_influence()
    first = np.r_[0, np.cumsum(k)[:-1]]  # one copy of each row
    np.testing.assert_allclose(D["leverage"], inf.hat_matrix_diag[first], rtol=1e-7)
    np.testing.assert_allclose(D["cooks_distance"], inf.cooks_distance[0][first], rtol=1e-7)
    dfb = D[["dfbetas[intercept]", "dfbetas[x0]", "dfbetas[x2]"]].to_numpy()
    np.testing.assert_allclose(dfb, inf.dfbetas[first], rtol=1e-6, atol=1e-9)
    assert D["dfbetas[x1]"].isna().all()
    gof = goodness_of_fit(clf, Xin, y, sample_weight=w)
    assert gof.loc["deviance", "df"] == len(y) - 3  # covariate patterns less the rank


def test_anova_with_a_constant_column_and_unequal_weights():
    """With weights that are not whole numbers the constant column's term got Df 1 and
    took a residual degree of freedom (170.53 where statsmodels' GLM has 171.53): it
    enters with Df 0, and every deviance and residual Df is statsmodels' on the nested
    designs without it."""
    sm = pytest.importorskip("statsmodels.api")
    from oneneuron import anova

    X, y, w = _constant_column()
    w = 0.37 * w
    clf = NeuronClassifier(solver="newton").fit(X, y, sample_weight=w)
    table = anova(clf, X, y, sample_weight=w)
    binomial = sm.families.Binomial()
    fits = [
        sm.GLM(
            y,
            sm.add_constant(X[:, cols]) if cols else np.ones((len(y), 1)),
            family=binomial,
            freq_weights=w,
        ).fit(tol=1e-12)
        for cols in ([], [0], [0], [0, 2])
    ]
    np.testing.assert_allclose(table["Resid. Df"], [f.df_resid for f in fits], rtol=1e-12)
    np.testing.assert_allclose(table["Resid. Dev"], [f.deviance for f in fits], rtol=1e-8)
    assert table["Df"].tolist()[1:] == [1.0, 0.0, 1.0]


def _table(n=300, seed=5):
    """A table with ``xc`` a copy of ``x``, a categorical ``g``, weights and an offset."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    x, z = rng.normal(size=n), rng.normal(size=n)
    df = pd.DataFrame(
        {
            "x": x,
            "xc": x,
            "z": z,
            "g": rng.choice(["a", "b", "c"], size=n),
            "w": rng.integers(1, 4, size=n),
            "off": 0.3 * rng.normal(size=n),
        }
    )
    latent = x + 0.5 * z + (df["g"] == "b") + df["off"] + rng.logistic(size=n)
    df["y"] = (latent > 0).astype(int)
    return df


def test_term_tests_with_an_aliased_term(tmp_path, capsys):
    """wald_terms() of a model with an aliased column (HC1, frequency weights, offset)
    refused the whole table ('term 'xc' has only aliased columns ... leave it out of
    terms='), so evaluate showed no term tests at all and named a Python keyword: the
    aliased term's row has df 0 and no statistic (as anova's Df 0), and the others are
    statsmodels' Wald tests on the design without it (HC1: HC0 times N / (N - k)).
    (hunt_newuser4 found and fixed the same on ISLR's OJ; its fix landed first.)"""
    sm = pytest.importorskip("statsmodels.api")
    from oneneuron import wald_terms

    df = _table()
    cols = ["x", "xc", "z", "g"]
    clf = NeuronClassifier(solver="newton", cov_type="HC1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(df[cols], df["y"], sample_weight=df["w"], offset=df["off"])
    table = wald_terms(clf)
    k = df["w"].to_numpy()
    Z = np.column_stack(
        [np.ones(len(df)), df["x"], df["z"], df["g"] == "b", df["g"] == "c"]
    ).astype(float)
    ref = sm.Logit(np.repeat(df["y"], k), np.repeat(Z, k, 0), offset=np.repeat(df["off"], k))
    ref = ref.fit(disp=0, method="newton", tol=1e-12, cov_type="HC0")
    b, V = np.asarray(ref.params), np.asarray(ref.cov_params()) * k.sum() / (k.sum() - 5)
    for term, at in {"intercept": [0], "x": [1], "z": [2], "g": [3, 4]}.items():
        chi2 = b[at] @ np.linalg.solve(V[np.ix_(at, at)], b[at])
        assert table.loc[term, "chi2"] == pytest.approx(chi2, rel=1e-7)
        assert table.loc[term, "df"] == len(at)
    assert table.loc["xc", "df"] == 0 and np.isnan(table.loc["xc", ["chi2", "p_value"]]).all()
    named = wald_terms(clf, terms={"xc": ["xc"]})  # asked for by name: the same NA row
    assert named.loc["xc", "df"] == 0 and np.isnan(named.loc["xc", ["chi2", "p_value"]]).all()

    data, model = tmp_path / "d.csv", tmp_path / "m.json"
    df.to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--features", *cols, "--weights", "w"]
    code, _, _ = run([*argv, "--offset", "off", "--cov-type", "HC1", "--model", model], capsys)
    assert code == 0
    code, out, _ = run(["evaluate", model, data, "--weights", "w", "--offset", "off"], capsys)
    assert code == 0 and "no term tests" not in out and "terms=" not in out
    assert "type III Wald" in out


def test_terms_given_as_a_list_of_columns():
    """``terms=["x0", "x2"]`` went through ``dict()``, which read each name as a pair of
    characters: wald_terms said "terms['x'] names column(s) ['2'] that the model lacks".
    A list of column names is each its own term (each row then the coefficient's z**2);
    anything else is one TypeError naming the two forms."""
    from oneneuron import anova, wald_terms

    X, y, w = _copies()
    X = X[:, [0, 2]]
    clf = NeuronClassifier(solver="newton").fit(X, y, sample_weight=w)
    table = wald_terms(clf, terms=["x0", "x1"])
    z = clf.summary()["z"]
    np.testing.assert_allclose(table["chi2"], z**2, rtol=1e-10)
    by_list = anova(clf, X, y, sample_weight=w, terms=["x0", "x1"])
    by_dict = anova(clf, X, y, sample_weight=w, terms={"x0": ["x0"], "x1": ["x1"]})
    np.testing.assert_array_equal(by_list.to_numpy(), by_dict.to_numpy())
    with pytest.raises(TypeError, match="dict of term name"):
        wald_terms(clf, terms="x0")


def _repeated(sm, Z, y, w, offset=None):
    """statsmodels' Logit on the rows repeated by their frequency weights."""
    k = w.astype(int)
    off = None if offset is None else np.repeat(offset, k)
    return sm.Logit(np.repeat(y, k), np.repeat(Z, k, 0), offset=off)


@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2", "HC3"])
def test_robust_covariance_and_margins_with_an_aliased_copy_weights_and_offset(cov_type):
    """An exact copy (aliased), frequency weights and an offset together: the robust
    standard errors are statsmodels' on the design without the copy, rows repeated (HC1
    its HC0 times N / (N - k), k the rank; HC2 and HC3 written out from R's vcovHC for
    a glm), NA for the copy; the average and at-mean marginal effects and their delta
    method errors are the reduced model's (offset in the logits), the copy's row NA."""
    sm = pytest.importorskip("statsmodels.api")
    X, y, w = _copies()
    off = 0.3 * np.random.default_rng(9).normal(size=len(y))
    clf = NeuronClassifier(solver="newton", cov_type=cov_type)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.fit(X, y, sample_weight=w, offset=off)
    Z = np.column_stack([np.ones(len(y)), X[:, 0], X[:, 2]])
    model = _repeated(sm, Z, y, w, off)
    opts = {"disp": 0, "method": "newton", "tol": 1e-12}
    if cov_type in ("HC0", "HC1"):
        V = np.asarray(model.fit(cov_type="HC0", **opts).cov_params())
        V *= w.sum() / (w.sum() - 3) if cov_type == "HC1" else 1.0
    else:
        p = model.fit(**opts).predict(Z, offset=off)
        v = w * p * (1 - p)
        B = np.linalg.inv(Z.T @ (v[:, None] * Z))
        h = p * (1 - p) * np.einsum("ij,jk,ik->i", Z, B, Z)  # one copy's leverage
        e2 = w * (y - p) ** 2 / (1 - h) ** (1 if cov_type == "HC2" else 2)
        V = B @ (Z.T @ (e2[:, None] * Z)) @ B
    b = np.asarray(model.fit(**opts).params)
    table = clf.summary()
    np.testing.assert_allclose(table["coef"].to_numpy()[[0, 1, 3]], b, rtol=1e-8)
    np.testing.assert_allclose(
        table["std_err"].to_numpy()[[0, 1, 3]], np.sqrt(np.diag(V)), rtol=1e-8
    )
    assert np.isnan(table["std_err"]["x1"])

    def effects(beta, at):
        if at == "overall":
            p = 1 / (1 + np.exp(-(Z @ beta + off)))
            return np.average(p * (1 - p), weights=w) * beta[1:]
        z = np.average(Z, axis=0, weights=w) @ beta + np.average(off, weights=w)
        p = 1 / (1 + np.exp(-z))
        return p * (1 - p) * beta[1:]

    for at in ("overall", "mean"):
        me = clf.margeff(X, at=at, sample_weight=w, offset=off)
        J = np.array([(effects(b + h, at) - effects(b - h, at)) / 2e-6 for h in 1e-6 * np.eye(3)]).T
        np.testing.assert_allclose(me["dy_dx"].to_numpy()[[0, 2]], effects(b, at), rtol=1e-8)
        se = np.sqrt(np.diag(J @ V @ J.T))
        np.testing.assert_allclose(me["std_err"].to_numpy()[[0, 2]], se, rtol=1e-6)
        assert np.isnan(me["dy_dx"]["x1"])


def test_dfbetas_of_nearly_collinear_sparse_columns_with_weights_and_offset():
    """``x`` and ``x + 1e-8 * noise`` as CSR, frequency weights and an offset: leverage,
    Cook's distance and dfbetas are statsmodels' GLM influence on the well-conditioned
    columns ``[1, x0, (x1 - x0) / sd, x2]`` (rows repeated), the one-step coefficient
    changes mapped back by ``A`` and divided by the original terms' standard errors."""
    sm = pytest.importorskip("statsmodels.api")
    import scipy.sparse

    from oneneuron import diagnostics

    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    X = np.column_stack([x, x + 1e-8 * rng.normal(size=n), rng.normal(size=n)])
    y = (x + 0.5 * X[:, 2] + rng.logistic(size=n) > 0).astype(int)
    w = rng.integers(1, 4, size=n).astype(float)
    off = 0.3 * rng.normal(size=n)
    d = X[:, 1] - X[:, 0]
    Z = np.column_stack([np.ones(n), X[:, 0], d / d.std(), X[:, 2]])
    A = np.eye(4)
    A[1, 2], A[2, 2] = -1 / d.std(), 1 / d.std()
    k = w.astype(int)
    glm = sm.GLM(
        np.repeat(y, k), np.repeat(Z, k, 0), family=sm.families.Binomial(), offset=np.repeat(off, k)
    ).fit(tol=1e-13)
    inf = glm.get_influence()
    first = np.r_[0, np.cumsum(k)[:-1]]
    se = np.sqrt(np.diag(A @ glm.cov_params() @ A.T))
    dfbetas = (inf.dfbetas * np.sqrt(np.diag(glm.cov_params())))[first] @ A.T / se
    Xs = scipy.sparse.csr_matrix(X)
    clf = NeuronClassifier(solver="newton").fit(Xs, y, sample_weight=w, offset=off)
    D = diagnostics(clf, Xs, y, sample_weight=w, offset=off, dfbetas=True)
    np.testing.assert_allclose(D["leverage"], inf.hat_matrix_diag[first], rtol=1e-6)
    np.testing.assert_allclose(D["cooks_distance"], inf.cooks_distance[0][first], rtol=1e-6)
    ours = D[[c for c in D.columns if c.startswith("dfbetas")]].to_numpy()
    np.testing.assert_allclose(ours, dfbetas, rtol=0, atol=1e-6 * np.abs(dfbetas).max())


def _firth_reference(Z, y, w, off):
    """Firth's estimate and inverse information by his modified score, written out:
    ``U = Z' (w (y - p) + h (1/2 - p))`` with ``h`` the weighted hat values (a row of
    weight ``k`` is ``k`` rows, as logistf's weights)."""
    b = np.zeros(Z.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(Z @ b + off)))
        v = w * p * (1 - p)
        inv = np.linalg.inv(Z.T @ (v[:, None] * Z))
        h = v * np.einsum("ij,jk,ik->i", Z, inv, Z)
        step = inv @ (Z.T @ (w * (y - p) + h * (0.5 - p)))
        b = b + step
        if np.abs(step).max() < 1e-13:
            break
    return b, inv


@pytest.mark.parametrize("sparse", [False, True])
def test_firth_with_weights_and_offset(sparse):
    """firth=True with frequency weights and an offset (dense and CSR): the estimate and
    standard errors of Firth's modified score on ``w``-weighted rows with the offset in
    the logits."""
    import scipy.sparse

    rng = np.random.default_rng(2)
    n = 120
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + rng.logistic(size=n) > 1.0).astype(int)
    w = rng.integers(1, 4, size=n).astype(float)
    off = 0.4 * rng.normal(size=n)
    b, inv = _firth_reference(np.column_stack([np.ones(n), X]), y, w, off)
    Xin = scipy.sparse.csr_matrix(X) if sparse else X
    clf = NeuronClassifier(firth=True).fit(Xin, y, sample_weight=w, offset=off)
    table = clf.summary()
    np.testing.assert_allclose(table["coef"], b, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], np.sqrt(np.diag(inv)), rtol=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("standardize", [True, False])
def test_ridge_covariance_with_copies_weights_offset_and_penalty_factor(sparse, standardize):
    """Ridge on ``[x, x, z]`` (the copy identified by the penalty), frequency weights, an
    offset and ``penalty_factor``: the covariance is the inverse of the penalised
    objective's Hessian, written out: ``Z' diag(w p (1 - p)) Z + S alpha diag(0, pf
    sigma^2)`` (``S`` the weights' sum, ``sigma`` the weighted spreads, 1 unstandardised),
    at the fit's coefficients, where the penalised score is zero."""
    import scipy.sparse

    X, y, w = _copies()
    X[:, 2] = 3 * X[:, 2] + 1
    off = 0.3 * np.random.default_rng(4).normal(size=len(y))
    alpha, pf = 0.05, np.array([1.0, 1.0, 0.5])
    Xin = scipy.sparse.csr_matrix(X) if sparse else X
    clf = NeuronClassifier(solver="newton", alpha=alpha, penalty_factor=pf, standardize=standardize)
    clf.fit(Xin, y, sample_weight=w, offset=off)
    b = np.r_[clf.intercept_, clf.coef_.ravel()]
    Z = np.column_stack([np.ones(len(y)), X])
    p = 1 / (1 + np.exp(-(Z @ b + off)))
    mu = np.average(X, axis=0, weights=w)
    sigma = np.sqrt(np.average((X - mu) ** 2, axis=0, weights=w)) if standardize else 1.0
    P = np.r_[0.0, w.sum() * alpha * pf * sigma**2]
    score = Z.T @ (w * (y - p)) - P * b
    assert np.abs(score).max() < 1e-6
    V = np.linalg.inv(Z.T @ ((w * p * (1 - p))[:, None] * Z) + np.diag(P))
    np.testing.assert_allclose(clf.summary()["std_err"], np.sqrt(np.diag(V)), rtol=1e-8)
    assert clf.summary()["coef"]["x0"] == pytest.approx(clf.summary()["coef"]["x1"], rel=1e-8)


@pytest.mark.parametrize("K", [2, 3])
@pytest.mark.parametrize("sparse", [False, True])
def test_anova_counts_nearly_collinear_columns_as_the_fit_does(K, sparse):
    """``x`` and ``x + 1e-8 * noise``: the fit resolves both (from the weighted design's
    QR factor, as R's glm), counts both in AIC and in wald_terms, but anova gave the
    second Df 0 and Deviance 0 while its refit's residual deviance dropped by 0.93
    (binary): its rank came from the Gram matrix, whose condition number is the design's
    squared. The ranks are now those of the QR factor: Df 1 (K - 1 per column), the
    drops and residual deviances statsmodels' on ``[1, x0, (x1 - x0) / sd, x2]``."""
    sm = pytest.importorskip("statsmodels.api")
    import scipy.sparse

    from oneneuron import anova

    rng = np.random.default_rng(0)
    n = 400
    x = rng.normal(size=n)
    X = np.column_stack([x, x + 1e-8 * rng.normal(size=n), rng.normal(size=n)])
    latent = x + 0.5 * X[:, 2] + rng.logistic(size=n)
    y = (latent > 0).astype(int) if K == 2 else np.digitize(latent, [-0.7, 0.7])
    d = X[:, 1] - X[:, 0]
    Z = np.column_stack([np.ones(n), X[:, 0], d / d.std(), X[:, 2]])
    model = sm.Logit if K == 2 else sm.MNLogit
    opts = {"disp": 0, "method": "newton", "tol": 1e-13, "maxiter": 100}
    dev = [-2 * model(y, Z[:, :j]).fit(**opts).llf for j in (1, 2, 3, 4)]
    Xin = scipy.sparse.csr_matrix(X) if sparse else X
    clf = NeuronClassifier(solver="newton").fit(Xin, y)
    table = anova(clf, Xin, y)
    assert table["Df"].tolist()[1:] == [K - 1] * 3
    np.testing.assert_allclose(table["Resid. Dev"], dev, rtol=1e-7)
    np.testing.assert_allclose(table["Deviance"].to_numpy()[1:], -np.diff(dev), rtol=1e-5)
    assert table["Resid. Df"].iloc[-1] == n - 4 * (K - 1)
