"""Firth's bias-reduced logistic regression against firthmodels (PyPI), and its errors."""

from __future__ import annotations

import numpy as np
import pytest

from oneneuron import NeuronClassifier, load

firthmodels = pytest.importorskip("firthmodels")

RTOL = 1e-6


def _separated():
    """Quasi-complete separation: every row with x0 = 1 has y = 1 (no finite ML estimate)."""
    rng = np.random.default_rng(1)
    x0, x1 = np.r_[np.zeros(20), np.ones(10)], rng.normal(size=30)
    y = np.r_[(rng.random(20) < 0.3).astype(int), np.ones(10, int)]
    return np.column_stack([x0, x1]), y


def _rare_events():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3))
    z = -4 + X @ [1.0, -0.5, 0.3]
    return X, (rng.random(500) < 1 / (1 + np.exp(-z))).astype(int)


def _reference(X, y):
    # firthmodels' iteration stalls (never reports convergence) for gtol below ~1e-7 on
    # separated data; at 1e-6 its coefficients agree with ours to ~1e-7 relative. Its NumPy
    # backend: the numba one compiles for about 30 s on a fresh install (a third of a
    # minute of the suite) and computes the same numbers.
    return firthmodels.FirthLogisticRegression(
        gtol=1e-6, xtol=1e-8, max_iter=200, backend="numpy"
    ).fit(X, y)


def _intercept_first(a):
    a = np.asarray(a)
    return np.concatenate([a[-1:], a[:-1]])


@pytest.mark.parametrize("data", [_separated, _rare_events])
def test_firth_matches_firthmodels(data):
    X, y = data()
    clf = NeuronClassifier(firth=True, tol=1e-11).fit(X, y)
    ref = _reference(X, y)
    table = clf.summary()
    np.testing.assert_allclose(
        table["coef"], np.r_[ref.intercept_, ref.coef_], rtol=RTOL, atol=1e-9
    )
    assert clf.inference_.extra["penalized_log_likelihood"] == pytest.approx(ref.loglik_, RTOL)
    ref.lrt()
    np.testing.assert_allclose(table["p_value"], _intercept_first(ref.lrt_pvalues_), rtol=RTOL)
    ci = ref.conf_int(alpha=0.05, method="pl", tol=1e-10, max_iter=200)
    prof = clf.summary(ci="profile", X=X, y=y)
    np.testing.assert_allclose(
        prof[["ci_low", "ci_high"]], np.vstack([ci[-1:], ci[:-1]]), rtol=RTOL
    )
    assert "Firth" in table.attrs["caption"]
    assert np.all(np.isfinite(table["coef"]))


def test_firth_standard_errors_are_the_inverse_fisher_information():
    X, y = _rare_events()
    clf = NeuronClassifier(firth=True, tol=1e-11).fit(X, y)
    Xt = np.column_stack([np.ones(len(y)), X])
    p = clf.predict_proba(X)[:, 1]
    info = Xt.T @ ((p * (1 - p))[:, None] * Xt)
    np.testing.assert_allclose(clf.cov_params(), np.linalg.inv(info), rtol=RTOL)


def test_firth_weights_are_frequency_weights_and_model_file(tmp_path):
    X, y = _rare_events()
    w = np.arange(len(y)) % 2 + 1
    a = NeuronClassifier(firth=True, tol=1e-11).fit(X, y, sample_weight=w)
    b = NeuronClassifier(firth=True, tol=1e-11).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(a.summary().to_numpy(), b.summary().to_numpy(), rtol=RTOL)
    a.save(tmp_path / "f.json")
    back = load(tmp_path / "f.json")
    assert back.firth and back.solver_ == "firth-newton"
    np.testing.assert_array_equal(back.summary()["p_value"], a.summary()["p_value"])


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"alpha": 0.1}, "alpha"),
        ({"solver": "lbfgs"}, "solver='auto'"),
        ({"cov_type": "HC0"}, "nonrobust"),
    ],
)
def test_firth_bad_combinations(params, match):
    X, y = _separated()
    with pytest.raises(ValueError, match=match):
        NeuronClassifier(firth=True, **params).fit(X, y)


def test_firth_refuses_more_than_two_classes():
    X, _ = _separated()
    with pytest.raises(ValueError, match="binary models"):
        NeuronClassifier(firth=True).fit(X, np.arange(30) % 3)


def test_separation_warning_points_to_firth():
    from oneneuron import SeparationWarning
    from oneneuron.stats import InferenceUnavailableError

    X, y = _separated()
    with pytest.warns(SeparationWarning, match="firth=True"):
        clf = NeuronClassifier().fit(X, y)
    with pytest.raises(InferenceUnavailableError, match="firth=True"):
        clf.summary()


def test_lr_test_refuses_firth_fits():
    from oneneuron import lr_test

    X, y = _rare_events()
    big = NeuronClassifier(firth=True).fit(X, y)
    with pytest.raises(ValueError, match="penalised"):
        lr_test(NeuronClassifier().fit(X[:, :1], y), big)


def test_firth_profile_intervals_on_separated_data_are_roots_of_the_penalised_profile():
    """On separated data (Firth's use) summary(ci='profile') failed in brentq ('f(a) and
    f(b) must have different signs'): the profile was warm-started from the previous
    point, so it was not a function of the bound. Oracle: the Jeffreys-penalised profile
    computed with SciPy's minimiser at each bound reported."""
    from scipy import optimize, stats

    X = np.c_[np.arange(1, 11.0), [0, 1, 0, 1, 1, 0, 1, 0, 0, 1.0]]
    y = np.r_[np.zeros(5), np.ones(5)].astype(int)
    clf = NeuronClassifier(firth=True).fit(X, y)
    table = clf.summary(ci="profile", X=X, y=y)
    A = np.c_[np.ones(len(y)), X]

    def penalised(beta):
        z = A @ beta
        p = 1 / (1 + np.exp(-z))
        info = A.T @ (A * (p * (1 - p))[:, None])
        return float(np.sum(y * z - np.logaddexp(0, z)) + 0.5 * np.linalg.slogdet(info)[1])

    top = -optimize.minimize(lambda b: -penalised(b), np.zeros(3), method="BFGS").fun
    crit = stats.chi2.ppf(0.95, 1)
    for j, (lo, hi) in enumerate(table[["ci_low", "ci_high"]].to_numpy()):
        for bound in (lo, hi):
            free = [k for k in range(3) if k != j]

            def neg(v, j=j, bound=bound, free=free):
                beta = np.empty(3)
                beta[j], beta[free] = bound, v
                return -penalised(beta)

            prof = -optimize.minimize(neg, np.zeros(2), method="Nelder-Mead",
                                      options={"xatol": 1e-10, "fatol": 1e-12,
                                               "maxiter": 20000}).fun  # fmt: skip
            assert 2 * (top - prof) == pytest.approx(crit, abs=2e-4)


@pytest.mark.parametrize("factor", [1e-8, 1e6])
def test_firth_does_not_depend_on_the_units_of_a_column(factor):
    """A column in tiny units (x 1e-8): Firth's steps were capped at 5 per coefficient in
    raw units and its stopping rule measured the score in raw units, so the fit ran all
    its iterations and every coefficient came out 99.99% wrong. The Firth estimate is
    equivariant under rescaling a column (log det I changes by a constant): the
    coefficient scales by 1 / factor, its standard error too, the p-values stay."""
    rng = np.random.default_rng(0)
    X0 = rng.normal(size=(200, 3))
    y = (X0 @ [1.0, -0.5, 0.8] + rng.logistic(size=200) > 0).astype(int)
    X = X0.copy()
    X[:, 1] *= factor
    ref = NeuronClassifier(firth=True).fit(X0, y).summary()
    got = NeuronClassifier(firth=True).fit(X, y).summary()
    scale = np.array([1.0, 1.0, 1.0 / factor, 1.0])  # intercept, x0, x1, x2
    np.testing.assert_allclose(got["coef"], ref["coef"] * scale, rtol=1e-7)
    np.testing.assert_allclose(got["std_err"], ref["std_err"] * scale, rtol=1e-6)
    np.testing.assert_allclose(got["p_value"], ref["p_value"], rtol=1e-5)
