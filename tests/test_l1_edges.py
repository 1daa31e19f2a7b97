"""Bad settings of the penalised models, paths and cross-validation: one clear error each,
and ill-conditioned L1 problems solved to the optimum (scipy on the exact objective)."""

import numpy as np
import pytest

from oneneuron import NeuronClassifier, NeuronClassifierCV, regularization_path


def _data(n=60, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + rng.normal(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize(
    "l1_ratios, match",
    [
        ([np.nan], r"l1_ratios must be distinct numbers in \[0, 1\]"),
        ([0.5, np.nan], r"l1_ratios must be distinct numbers in \[0, 1\]"),
        ([1.0, 1.0], r"l1_ratios has 1 more than once"),
        ([0.5, 1.0, 0.5], r"l1_ratios has 0.5 more than once"),
    ],
)
def test_cv_refuses_nan_and_repeated_l1_ratios(l1_ratios, match):
    """NaN passed the range check (a path of NaN, a model at alpha_max with warnings only);
    a repeated l1_ratio fitted, then save() failed on the model file's check."""
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        NeuronClassifierCV(cv=3, n_alphas=3, l1_ratios=l1_ratios).fit(X, y)


@pytest.mark.parametrize("alphas", [[0.1, 0.01, 0.1], [0.5, 0.5]])
def test_repeated_alphas_are_refused(alphas):
    X, y = _data()
    with pytest.raises(ValueError, match="more than once"):
        regularization_path(X, y, alphas=alphas)
    with pytest.raises(ValueError, match="more than once"):
        NeuronClassifierCV(cv=3, alphas=alphas).fit(X, y)


@pytest.mark.parametrize(
    "kw, match",
    [
        (dict(n_alphas=2.5), "n_alphas must be an integer >= 1"),
        (dict(n_alphas=np.nan), "n_alphas must be an integer >= 1"),
        (dict(n_alphas="5"), "n_alphas must be an integer >= 1"),
        (dict(max_iter=10.5), "max_iter must be an integer >= 1"),
        (dict(max_iter=np.inf), "max_iter must be an integer >= 1"),
        (dict(l1_ratio="a"), r"l1_ratio must be a number in \[0, 1\]"),
        (dict(alphas=["a"]), "alphas must be a non-empty list of finite numbers >= 0"),
    ],
)
def test_path_settings_of_the_wrong_type_are_one_clear_error(kw, match):
    """n_alphas=2.5 silently gave 2 alphas, NaN a raw int() conversion error."""
    X, y = _data()
    with pytest.raises(ValueError, match=match):
        regularization_path(X, y, **kw)


def _model_kkt(H, g, theta, lam, w):
    """KKT violation of the L1 quadratic model at w, computed by hand."""
    r = g + H @ (w - theta)
    v = np.where(w != 0, r + lam * np.sign(w), np.sign(r) * np.maximum(np.abs(r) - lam, 0))
    return np.abs(v).max()


def test_the_quadratic_model_is_solved_on_nearly_collinear_columns():
    """Coordinate descent crawls on a condition number of 1e6: 10 000 sweeps left a KKT
    violation of 15 (w of size 5e4); the polish on the support solves it to round-off."""
    from oneneuron.solvers.cd import minimize_quadratic

    rng = np.random.default_rng(1)
    A = rng.normal(size=(50, 6))
    A[:, 1] = A[:, 0] + 3e-3 * rng.normal(size=50)
    H, g, lam = A.T @ A, 10 * rng.normal(size=6), np.full(6, 0.5)
    theta = np.zeros(6)
    assert np.linalg.cond(H) > 1e5
    w, _ = minimize_quadratic(H, g, theta, lam, tol=1e-10)
    assert _model_kkt(H, g, theta, lam, w) < 1e-8


def _std_kkt(clf, X, y, alpha, l1_ratio, center):
    """The binary fit's KKT violation on its standardised scale, from numpy alone."""
    mu = X.mean(0) if center else np.zeros(X.shape[1])
    sig = X.std(0)
    Xs = (X - mu) / sig
    Wp = clf.coef_[0] * sig
    z = Xs @ Wp + clf.intercept_[0] + clf.coef_[0] @ mu
    r = (1 / (1 + np.exp(-z)) - y) / len(y)
    gW = r @ Xs + alpha * (1 - l1_ratio) * Wp
    lam = alpha * l1_ratio
    v = np.where(Wp != 0, gW + lam * np.sign(Wp), np.sign(gW) * np.maximum(np.abs(gW) - lam, 0))
    return max(np.abs(v).max(), abs(r.sum()) if center else 0.0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_l1_fit_without_intercept_on_columns_far_from_zero(l1_ratio):
    """Two columns near 5 with spread 0.01 and no intercept (scaled, not centred, by
    standardize=True): nearly collinear, and the fit stopped at a KKT violation of 0.3
    with 'at the limit of the data's floating-point precision'."""
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(1)
    n = 150
    X = np.column_stack(
        [5 + 0.01 * rng.normal(size=n), 5 + 0.01 * rng.normal(size=n), rng.normal(size=n)]
    )
    y = (200 * (X[:, 0] - X[:, 1]) + X[:, 2] + rng.normal(size=n) > 0).astype(float)
    clf = NeuronClassifier(alpha=0.01, l1_ratio=l1_ratio, fit_intercept=False).fit(X, y)
    assert clf.converged_
    assert _std_kkt(clf, X, y, 0.01, l1_ratio, center=False) < 1e-8


def _three_classes():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(90, 3))
    y = np.array(["a", "b", "c"])[np.argmax(X + rng.normal(size=(90, 3)), 1)]
    return X, y


def test_cv_class_weight_names_the_users_label_before_any_path(monkeypatch):
    """The CV re-keyed class_weight to class indices by sorted position before checking it:
    an unknown label was named by its index ('[3] not among the classes [0, 1, 2]'), or,
    sorting between two labels, weighted the next class in every fold until the refit
    refused it."""
    import oneneuron.classifier._cv as cvmod

    X, y = _three_classes()

    def no_path(*args, **kwargs):
        raise AssertionError("a path was fitted before class_weight was checked")

    monkeypatch.setattr(cvmod, "compute_path", no_path)
    for cw in ({"z": 5.0}, {"bb": 5.0}):
        key = next(iter(cw))
        with pytest.raises(ValueError, match=rf"class_weight names \['{key}'\] not among"):
            NeuronClassifierCV(cv=3, n_alphas=3, class_weight=cw).fit(X, y)


def test_cv_warns_when_a_training_fold_lacks_a_class():
    """Groups that hold every row of a class make a fold whose model cannot predict it
    (probability 0: a log-loss of 36 per row); that was silent."""
    X, y = _three_classes()
    groups = np.where(y == "c", 0, 1 + np.arange(len(y)) % 3)
    with pytest.warns(UserWarning, match=r"fold \d lacks 'c'"):
        NeuronClassifierCV(cv=3, n_alphas=3).fit(X, y, groups=groups)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # stratified folds: every class in every training fold
        NeuronClassifierCV(cv=3, n_alphas=3).fit(X, y)


@pytest.mark.parametrize("which", ["path", "cv"])
def test_an_alpha_of_zero_is_on_the_plots(which):
    """On a log axis the alpha = 0 point (and the chosen alpha 0's line) vanished while the
    legend still named it; now the axis is linear near 0 (symlog) and shows it."""
    import matplotlib

    matplotlib.use("Agg")
    from oneneuron.plot import plot_coefficient_path, plot_cv_curve

    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(size=400) > 0).astype(int)
    if which == "cv":
        cv = NeuronClassifierCV(cv=3, alphas=[0.1, 0.01, 0.0]).fit(X, y)
        assert cv.alpha_ == 0.0  # (the unpenalised fit scores best here)
        ax = plot_cv_curve(cv)
    else:
        ax = plot_coefficient_path(regularization_path(X, y, alphas=[0.1, 0.01, 0.0]))
    ax.figure.canvas.draw()
    lo, hi = sorted(ax.get_xlim())
    assert lo < 0.0 < hi and ax.get_xscale() == "symlog"
    assert ax.xaxis_inverted()


def _fuzz_problem(seed):
    """The random problem of the property check that found the case below (correlated
    columns, some near 5 with spread 0.01, others scaled by 10 or 0.01)."""
    rng = np.random.default_rng(seed)
    n, p, K = int(rng.integers(20, 200)), int(rng.integers(1, 8)), int(rng.integers(2, 5))
    C = rng.normal(size=(p, p)) * rng.uniform(0, 1)
    X = rng.normal(size=(n, p)) @ (np.eye(p) + C)
    X = X * rng.choice([1, 10, 0.01], size=p) + rng.choice([0, 5], size=p)
    beta = rng.normal(size=(K, p)) * (rng.random((K, p)) < 0.5)
    Z = (X - X.mean(0)) / (X.std(0) + 1e-12) @ beta.T + rng.normal(size=(n, K))
    y = np.argmax(Z, 1)
    rng.integers(2, size=2), rng.random()  # (the check's other settings)
    sw = rng.uniform(0, 3, size=n) * (rng.random(n) < 0.8)
    for k in range(K):
        sw[np.flatnonzero(y == k)[0]] = 1.0
    return X, y, K, sw


def test_multinomial_l1_path_without_intercept_on_nearly_collinear_columns():
    """Three classes, no intercept, two columns near 5 (spread 0.01), balanced class
    weights, zero sample weights: the path's last alpha stopped at a KKT violation of
    8e-3 ('at the limit of the data's floating-point precision') where a single fit
    reaches 1e-11. The softmax layer's Hessian is singular without an L2 term, so the
    model's polish solves on its curved directions and follows the flat ones to a zero."""
    X, y, K, sw = _fuzz_problem(240)
    assert K == 3
    sums = np.bincount(y, weights=sw)
    s = sw * (sw.sum() / (K * sums))[y]  # "balanced", as scikit-learn defines it
    path = regularization_path(
        X, y, n_alphas=6, alpha_min_ratio=0.01, sample_weight=sw, class_weight="balanced",
        fit_intercept=False,
    )  # fmt: skip
    sig = np.sqrt(s @ (X - s @ X / s.sum()) ** 2 / s.sum())
    Xs = X / sig  # no intercept: scaled, not centred
    for i, a in enumerate(path.alphas):
        Wp = path.coef[i] * sig
        Zs = Xs @ Wp.T
        P = np.exp(Zs - Zs.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        P[np.arange(len(y)), y] -= 1
        G = (P * (s / s.sum())[:, None]).T @ Xs
        v = np.where(Wp != 0, G + a * np.sign(Wp), np.sign(G) * np.maximum(np.abs(G) - a, 0))
        assert np.abs(v).max() < 1e-7, (i, np.abs(v).max())


def _raw_kkt(clf, X, y, alpha, l1_ratio, sw=None):
    """A multinomial fit's KKT violation in raw coordinates (standardize=False), by hand."""
    K = len(clf.classes_)
    s = np.ones(len(y)) if sw is None else sw
    Z = X @ clf.coef_.T + clf.intercept_
    P = np.exp(Z - Z.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    P[np.arange(len(y)), y] -= 1
    R = P * (s / s.sum())[:, None]
    G = R.T @ X + alpha * (1 - l1_ratio) * clf.coef_
    lam = alpha * l1_ratio
    W = clf.coef_
    v = np.where(W != 0, G + lam * np.sign(W), np.sign(G) * np.maximum(np.abs(G) - lam, 0))
    assert K > 2
    return max(np.abs(v).max(), np.abs(R.sum(0)).max())


@pytest.mark.parametrize("seed", [0, 7])
def test_raw_scale_multinomial_elastic_net_reaches_tol(seed):
    """standardize=False with columns scaled 100 and 0.01 (two near 5) and 4 classes: the
    softmax intercepts' flat direction, with a gradient of round-off size along it, made
    the quadratic model unbounded; the sweeps drifted the intercepts to 1e17 and the fit
    stopped at a KKT violation of 1e-4 to 2e-3, 'at the limit of the data's
    floating-point precision'. A relative ridge of 1e-10 on the unpenalised coordinates
    bounds that drift."""
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(seed)
    n, K = 80, 4
    X = rng.normal(size=(n, 4)) @ (np.eye(4) + 0.5 * rng.normal(size=(4, 4)))
    X = X * np.array([1.0, 100.0, 0.01, 0.01]) + np.array([0.0, 0.0, 5.0, 5.0])
    Z = (X - X.mean(0)) / X.std(0) @ rng.normal(size=(4, K)) + rng.normal(size=(n, K))
    y = np.argmax(Z, 1)
    clf = NeuronClassifier(alpha=1e-4, l1_ratio=0.5, standardize=False, tol=1e-10).fit(X, y)
    assert clf.converged_, clf.stop_reason_
    assert _raw_kkt(clf, X, y, 1e-4, 0.5) < 1e-9


def test_cv_refuses_scores_that_are_not_numbers():
    """A held-out fold of one class has no ROC AUC (scikit-learn: NaN and a warning); the
    NaN mean made argmax take alpha_max, and the CV returned the all-zero model."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3))
    y = (X[:, 0] + rng.normal(size=90) > 0).astype(int)
    groups = np.arange(90) % 3
    groups[(y == 0) & (np.arange(90) < 40)] = 3  # a fold of class 0 only
    with pytest.raises(ValueError, match=r"fold 1: the roc_auc score is not a number"):
        NeuronClassifierCV(cv=4, n_alphas=3, scoring="roc_auc").fit(X, y, groups=groups)

    def nan_scorer(est, X, y):
        return float("nan")

    with pytest.raises(ValueError, match="callable nan_scorer score is not a number"):
        NeuronClassifierCV(cv=3, n_alphas=3, scoring=nan_scorer).fit(X, y)


def test_cli_words_when_relax_has_nothing_to_refit(tmp_path, capsys):
    """train --relax at an alpha that keeps no column said '(--alpha=1000, l1_ratio=1)
    ... so relax=True has nothing to refit; lower alpha': Python's words in the CLI."""
    import pandas as pd

    from oneneuron.cli import main

    X, y = _data(n=80)
    df = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])]).assign(label=y)
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    argv = ["train", str(path), "--target", "label", "--l1-ratio", "1", "--alpha", "1000"]
    assert main([*argv, "--relax", "--model", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "(--alpha 1000, --l1-ratio 1) kept no column, so --relax has nothing" in out, out
    assert "lower --alpha to keep some" in out and "relax=True" not in out


def test_a_damped_newton_phase_is_no_stall():
    """Raw features of spread 0.01, 4 classes, a tiny L1 alpha: coefficients of 500 that
    Newton reaches in damped steps. Five steps that cut the KKT violation by less than
    10% were taken for the floor of float64 ('at the limit of the data's floating-point
    precision', KKT 4e-3) although each lowered the objective; now a stall needs the
    objective to stop falling too (the float32 floor still stops as before)."""
    from oneneuron import NeuronClassifier

    X, y, K, sw = _fuzz_problem(537)
    assert K == 4 and X.std(0).max() < 0.02
    clf = NeuronClassifier(alpha=2.7e-6, l1_ratio=1, standardize=False, tol=1e-10, max_iter=2000)
    clf.fit(X, y, sample_weight=sw)
    assert clf.converged_, clf.stop_reason_
    assert np.abs(clf.coef_).max() > 100
    assert _raw_kkt(clf, X, y, 2.7e-6, 1.0, sw) < 1e-9


@pytest.mark.parametrize("seed", [0, 18])
def test_alpha_max_with_unpenalised_columns_is_the_analytic_value(seed):
    """With a penalty_factor of 0 the null fit has free columns and alpha_max is read off
    its gradient; solved only to tol it was off by up to 1e-8 relative, so a fit at
    alpha_max * (1 + 1e-9) kept penalised coefficients of 1e-9. The smallest alpha with
    every penalised coefficient 0: zeros just above it, a non-zero just below."""
    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(seed)
    n = 60
    X = rng.normal(size=(n, 3))
    X[:, 1] += 0.8 * X[:, 0]
    X[:, 2] -= 0.5 * X[:, 0]
    y = np.argmax(np.column_stack([2 * X[:, 0], X[:, 1], np.zeros(n)]) + rng.normal(size=(n, 3)), 1)
    pf = np.array([0.0, 1.0, 1.0])
    amax = regularization_path(X, y, penalty_factor=pf, n_alphas=2, alpha_min_ratio=0.5).alpha_max
    kw = dict(l1_ratio=1, penalty_factor=pf, tol=1e-12)
    above = NeuronClassifier(alpha=amax * (1 + 1e-9), **kw).fit(X, y)
    below = NeuronClassifier(alpha=amax * (1 - 1e-6), **kw).fit(X, y)
    assert not np.any(above.coef_[:, 1:]), np.abs(above.coef_[:, 1:]).max()
    assert np.any(below.coef_[:, 1:])


@pytest.mark.parametrize("pf", [["a", "b", "c"], {"x1": "none"}])
def test_text_penalty_factor_is_named(pf):
    """penalty_factor=['a', ...] or a dict of text failed with NumPy's or Python's 'could
    not convert string to float', naming no argument."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.arange(40) % 2
    with pytest.raises(ValueError, match="penalty_factor entries must be numbers"):
        NeuronClassifier(alpha=0.1, penalty_factor=pf).fit(X, y)
