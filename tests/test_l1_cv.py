"""NeuronClassifierCV against a hand-written cross-validation loop (sklearn folds and metrics)."""

import numpy as np
import pytest
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

from oneneuron import NeuronClassifier, NeuronClassifierCV, regularization_path


def _data(n=240, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, d)
    y = (X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + rng.normal(size=n) > 0).astype(int)
    return X, y


def _manual_scores(X, y, alphas, l1_ratio, folds, scorer, sw=None):
    """Fold-by-fold single fits at each alpha, scored by scikit-learn's metrics."""
    sw = np.ones(len(y)) if sw is None else sw
    out = np.zeros((len(folds), len(alphas)))
    for k, (tr, te) in enumerate(folds):
        for j, a in enumerate(alphas):
            clf = NeuronClassifier(alpha=a, l1_ratio=l1_ratio, tol=1e-10)
            clf.fit(X[tr], y[tr], sample_weight=sw[tr])
            out[k, j] = scorer(y[te], clf.predict_proba(X[te]), sw[te])
    return out


def test_scores_and_choice_match_a_manual_loop():
    X, y = _data()
    sw = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    cv = NeuronClassifierCV(cv=3, n_alphas=6, alpha_min_ratio=0.01, tol=1e-10)
    cv.fit(X, y, sample_weight=sw)
    alphas = cv.alphas_[0]
    # the grid is the full data's path grid
    full = regularization_path(X, y, n_alphas=6, alpha_min_ratio=0.01, sample_weight=sw)
    np.testing.assert_allclose(alphas, full.alphas, rtol=1e-12)
    folds = list(StratifiedKFold(3).split(X, y))
    manual = _manual_scores(
        X, y, alphas, 1.0, folds, lambda t, p, w: -log_loss(t, p, sample_weight=w), sw
    )
    np.testing.assert_allclose(cv.scores_[0], manual, atol=1e-7)
    best = int(np.argmax(manual.mean(0)))
    assert cv.alpha_ == alphas[best] and cv.l1_ratio_ == 1.0
    assert cv.cv_results_["rank_test_score"][best] == 1
    # the refit is the full-data optimum at alpha_
    np.testing.assert_allclose(cv.coef_, full.coef[best], atol=1e-7)


def test_one_standard_error_rule():
    X, y = _data(seed=2)
    cv = NeuronClassifierCV(cv=4, n_alphas=8, alpha_min_ratio=0.01, rule="1se").fit(X, y)
    mean = cv.cv_results_["mean_test_score"]
    best = int(np.argmax(mean))
    se = cv.scores_[0, :, best].std(ddof=1) / np.sqrt(4)  # glmnet's cvsd
    ok = np.flatnonzero(mean >= mean[best] - se)
    assert cv.alpha_ == cv.alphas_[0, ok.min()]
    assert cv.alpha_ >= cv.alphas_[0, best]


def test_groups_roc_auc_and_several_l1_ratios():
    X, y = _data(seed=3)
    groups = np.arange(len(y)) // 20
    cv = NeuronClassifierCV(
        cv=3, alphas=[0.1, 0.03, 0.01], l1_ratios=[1.0, 0.5], scoring="roc_auc"
    ).fit(X, y, groups=groups)
    folds = list(GroupKFold(3).split(X, y, groups))
    for i, r in enumerate([1.0, 0.5]):
        manual = _manual_scores(
            X, y, [0.1, 0.03, 0.01], r, folds, lambda t, p, w: roc_auc_score(t, p[:, 1])
        )
        np.testing.assert_allclose(cv.scores_[i], manual, atol=1e-9)
    assert cv.alphas_.shape == (2, 3) and len(cv.cv_results_["param_alpha"]) == 6
    i, j = np.unravel_index(np.argmax(cv.scores_.mean(1)), (2, 3))
    assert (cv.l1_ratio_, cv.alpha_) == ([1.0, 0.5][i], [0.1, 0.03, 0.01][j])


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_parallel_folds_give_the_same_scores():
    X, y = _data(seed=4)
    a = NeuronClassifierCV(cv=3, n_alphas=5, alpha_min_ratio=0.05).fit(X, y)
    b = NeuronClassifierCV(cv=3, n_alphas=5, alpha_min_ratio=0.05, n_jobs=2).fit(X, y)
    np.testing.assert_allclose(a.scores_, b.scores_, rtol=1e-12)


def test_bad_settings():
    X, y = _data()
    with pytest.raises(ValueError, match="l1_ratios"):
        NeuronClassifierCV(l1_ratios=[1.5]).fit(X, y)
    with pytest.raises(ValueError, match="scoring 'f2'.*get_scorer_names"):
        NeuronClassifierCV(scoring="f2").fit(X, y)


def test_any_scikit_learn_scorer_or_callable(tmp_path):
    # oracle: the manual loop of single fits, scored by scikit-learn's metrics
    from sklearn.metrics import balanced_accuracy_score, f1_score

    import oneneuron

    X, y = _data(seed=3)
    y = np.where(y == 1, "yes", "no")  # text labels: scorers see the user's labels
    sw = np.random.default_rng(4).uniform(0.5, 2.0, len(y))
    kw = {"cv": 3, "n_alphas": 5, "alpha_min_ratio": 0.02, "tol": 1e-10}
    cv = NeuronClassifierCV(scoring="balanced_accuracy", **kw).fit(X, y, sample_weight=sw)
    folds = list(StratifiedKFold(3).split(X, y))
    classes = np.array(["no", "yes"])

    def bal(t, p, w):
        return balanced_accuracy_score(t, classes[np.argmax(p, axis=1)], sample_weight=w)

    manual = _manual_scores(X, y, cv.alphas_[0], 1.0, folds, bal, sw)
    np.testing.assert_allclose(cv.scores_[0], manual, atol=1e-12)
    cv.save(tmp_path / "m.json")
    assert oneneuron.load(tmp_path / "m.json").cv_record_.scoring == "balanced_accuracy"

    def my_f1(est, X_test, y_test):
        return f1_score(y_test, est.predict(X_test), pos_label="yes")

    mine = NeuronClassifierCV(scoring=my_f1, **kw).fit(X, y)
    named = NeuronClassifierCV(scoring="f1", **kw)
    with pytest.raises(ValueError, match="pos_label"):  # scikit-learn's own complaint
        named.fit(X, y)
    y01 = (y == "yes").astype(int)
    np.testing.assert_allclose(
        mine.scores_, NeuronClassifierCV(scoring="f1", **kw).fit(X, y01).scores_, atol=1e-12
    )
    assert mine.cv_record_.scoring == "callable my_f1"
    mine.save(tmp_path / "c.json")
    assert oneneuron.load(tmp_path / "c.json").cv_record_.scoring == "callable my_f1"


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
@parametrize_with_checks([NeuronClassifierCV(cv=2, n_alphas=3)])
def test_sklearn_check_estimator_cv(estimator, check):
    check(estimator)


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_one_job_runs_the_paths_side_by_side_one_core_each(monkeypatch):
    """n_jobs=None/1: the full data's path and the folds' run on one thread per core,
    each path's passes capped to its own thread (never one_thread, which holds the
    whole process), with the same scores as one path after another; afterwards the
    caller's thread and BLAS are as before."""
    import contextlib

    from threadpoolctl import threadpool_info

    import oneneuron.classifier._cv as cv_module
    from oneneuron.engines import _numpy, engine_threads

    monkeypatch.setattr(_numpy, "N_THREADS", 2)  # two cores, also where CI has one
    entered, inside = [], []

    @contextlib.contextmanager
    def spy():
        entered.append(True)
        yield

    run = cv_module._in_one_kernel_thread

    def record(fn, *args):
        return run(lambda *a: inside.append(engine_threads()) or fn(*a), *args)

    monkeypatch.setattr(cv_module, "one_thread", spy)
    monkeypatch.setattr(cv_module, "_in_one_kernel_thread", record)
    X, y = _data(seed=5)
    blas = {m["filepath"]: m["num_threads"] for m in threadpool_info()}
    kw = dict(cv=3, n_alphas=4, alpha_min_ratio=0.05, tol=1e-10)
    side = NeuronClassifierCV(**kw).fit(X, y)
    NeuronClassifierCV(n_jobs=1, **kw).fit(X, y)
    assert entered == [] and inside == [1] * 8  # 1 + 3 paths, twice
    after = {m["filepath"]: m["num_threads"] for m in threadpool_info()}
    assert engine_threads() == 2 and all(after[k] == v for k, v in blas.items())
    monkeypatch.setattr(_numpy, "N_THREADS", 1)  # one core: one path after another
    inside.clear()
    one = NeuronClassifierCV(**kw).fit(X, y)
    assert inside == []
    np.testing.assert_allclose(side.scores_, one.scores_, rtol=1e-10)
    np.testing.assert_allclose(side.paths_[0].coef, one.paths_[0].coef, rtol=1e-8, atol=1e-10)
    assert side.alpha_ == one.alpha_


@pytest.mark.parametrize("K", [2, 3])
def test_the_refit_starts_from_the_full_paths_solution(K):
    """The refit at alpha_ starts from the full-data path's coefficients there: the same
    optimum as a cold fit (to tol), in fewer passes; a later fit of it starts cold."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(3000, 12)) * rng.uniform(0.5, 3.0, 12)
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2]
    noisy = z + rng.normal(size=3000)
    y = np.digitize(noisy, [-1.0, 1.0]) if K == 3 else (noisy > 0).astype(int)
    cv = NeuronClassifierCV(cv=3, n_alphas=8, l1_ratios=[0.5, 1.0], tol=1e-9).fit(X, y)
    best = cv.best_estimator_
    cold = NeuronClassifier(alpha=cv.alpha_, l1_ratio=cv.l1_ratio_, tol=1e-9).fit(X, y)
    assert best.converged_ and best.n_passes_ < cold.n_passes_
    ref = NeuronClassifier(alpha=cv.alpha_, l1_ratio=cv.l1_ratio_, tol=1e-13).fit(X, y)
    for fit in (best, cold):  # both within the tolerance's reach of the optimum
        np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(fit.intercept_, ref.intercept_, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(best.coef_ == 0, ref.coef_ == 0)
    assert "_start_from" not in vars(best)  # consumed: refitting it starts cold
    again = best.fit(X, y)
    assert again.n_passes_ == cold.n_passes_


@pytest.mark.parametrize("n_jobs", [None, 2])
def test_an_unconverged_fold_is_one_warning_that_names_it(n_jobs):
    """Workers' warnings do not reach the caller: the folds report, the parent warns."""
    from oneneuron import ConvergenceWarning

    X, y = _data(n=400)
    cv = NeuronClassifierCV(cv=3, n_alphas=8, tol=1e-14, max_iter=1, n_jobs=n_jobs)
    with pytest.warns(ConvergenceWarning) as rec:
        cv.fit(X, y)
    folds = [str(w.message) for w in rec if "fold" in str(w.message)]
    assert len(folds) == 1 and "alpha" in folds[0], [str(w.message) for w in rec]


def test_the_refit_keeps_the_cv_settings():
    X, y = _data()
    cv = NeuronClassifierCV(cv=3, n_alphas=6, max_iter=7, tol=1e-7).fit(X, y)
    assert cv.best_estimator_.max_iter == 7 and cv.best_estimator_.tol == 1e-7


def test_a_fold_with_no_held_out_weight_is_a_clear_error():
    """Its score is 0/0: it chose alpha_max silently (NaN means), with NumPy's warnings."""
    X, y = _data(n=300)
    sw = np.r_[np.zeros(150), np.ones(150)]  # unshuffled folds: the first holds out weight 0
    with pytest.raises(ValueError, match=r"fold 0.*weight 0"):
        NeuronClassifierCV(cv=5, n_alphas=4).fit(X, y, sample_weight=sw)


def test_a_failing_path_cancels_the_paths_not_started(monkeypatch):
    """Side by side, a fold that fails (one class in its training rows) raises its error
    at once, and the folds not started yet never run (they used to, in order, behind
    the full data's path)."""
    import oneneuron.classifier._cv as cv_module
    from oneneuron.engines import _numpy

    monkeypatch.setattr(_numpy, "N_THREADS", 2)
    started = []
    fold_scores = cv_module._fold_scores

    def spy(*args):
        started.append(args[-1])
        return fold_scores(*args)

    monkeypatch.setattr(cv_module, "_fold_scores", spy)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40_000, 30))
    y = (X[:, 0] + rng.normal(size=40_000) > 0).astype(int)
    order = np.argsort(y, kind="stable")  # fold 0 trains on class 0 only
    n0 = int(np.sum(y == 0))
    folds = [(order[:n0], order[n0:])] + [
        (np.setdiff1d(np.arange(40_000), t), t) for t in np.array_split(rng.permutation(40_000), 6)
    ]
    with pytest.raises(ValueError, match=r"cross-validation fold 0: .*only one class"):
        NeuronClassifierCV(cv=folds, n_alphas=10).fit(X, y)
    assert 1 <= len(started) <= 3, started  # fold 0, and at most the ones already running


def test_fit_takes_groups_and_sample_weight_by_name_only():
    """fit(X, y, sw) passed the weights as groups, silently (scikit-learn's third positional
    argument is sample_weight, the old signature's was groups): both are keyword-only now."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    y = (X[:, 0] + rng.normal(size=120) > 0).astype(int)
    sw = rng.uniform(0.5, 2.0, 120)
    with pytest.raises(TypeError):
        NeuronClassifierCV(cv=3, n_alphas=4).fit(X, y, sw)
    a = NeuronClassifierCV(cv=3, n_alphas=4).fit(X, y, sample_weight=sw)
    b = NeuronClassifierCV(cv=3, n_alphas=4).fit(X, y)
    assert not np.allclose(a.coef_, b.coef_)


@pytest.mark.filterwarnings(
    "ignore::oneneuron.GridEdgeWarning"
)  # a small grid: its end is not the point
def test_multiclass_roc_auc_over_the_classes_a_held_out_fold_has():
    """K > 2: a held-out fold without some class has no one-vs-rest AUC for it (scikit-learn's
    macro average is then NaN), and the CV refused the whole fit. Convention, as `oneneuron
    evaluate`: the macro average over the classes present in the fold (the AUC of class k
    from its probability column alone), each AUC weighted by the fold's sample weights."""
    rng = np.random.default_rng(5)
    n, K = 150, 3
    X = rng.normal(size=(n, 3))
    y = np.argmax(X @ rng.normal(size=(3, K)) + rng.normal(size=(n, K)), axis=1)
    y[:2] = 3  # a fourth class of 2 rows: a held-out fold lacks it
    sw = rng.uniform(0.5, 2.0, n)
    alphas = [0.05, 0.01]
    cv = NeuronClassifierCV(cv=3, alphas=alphas, l1_ratios=[0.5], scoring="roc_auc", tol=1e-10)
    cv.fit(X, y, sample_weight=sw)
    folds = list(StratifiedKFold(3).split(X, y))

    def macro_present(t, p, w):
        return np.mean([roc_auc_score(t == k, p[:, k], sample_weight=w) for k in np.unique(t)])

    manual = _manual_scores(X, y, alphas, 0.5, folds, macro_present, sw)
    assert any(len(np.unique(y[te])) < 4 for _, te in folds)  # the case, not a lucky split
    np.testing.assert_allclose(cv.scores_[0], manual, atol=1e-7)
