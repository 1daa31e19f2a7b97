"""Stop 38's loose ends, each checked against an independent oracle (scikit-learn,
statsmodels, closed forms)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

import oneneuron
from _cli import run


def _folds():
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(5, shuffle=True, random_state=0)


def _grid_edge(caught):
    return [w for w in caught if issubclass(w.category, oneneuron.GridEdgeWarning)]


def test_cv_warns_when_the_best_alpha_is_the_smallest_of_the_grid_and_still_improving():
    """NeuronClassifierCV chose the grid's smallest alpha (1e-4 of the largest) on data that
    need no penalty and said nothing (only ``train --cv`` did). The oracle: scikit-learn's
    unpenalised LogisticRegression on the same folds scores better than every alpha of the
    grid, so the optimum lies below it, as the warning says."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(6)
    X = rng.normal(size=(2000, 2))
    y = (rng.random(2000) < 1 / (1 + np.exp(1.0 - 3.0 * X[:, 0]))).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = oneneuron.NeuronClassifierCV(cv=_folds(), l1_ratios=(0.0,), n_alphas=20).fit(X, y)
    plain = cross_val_score(LogisticRegression(C=np.inf), X, y, cv=_folds(), scoring="neg_log_loss")
    assert plain.mean() > cv.cv_results_["mean_test_score"].max()  # better beyond the grid
    assert cv.alpha_ == cv.alphas_.min()
    (w,) = _grid_edge(caught)
    assert "smallest alpha" in str(w.message) and f"{cv.alpha_:.4g}" in str(w.message)
    assert w.filename == __file__  # the user's line


def test_cv_warns_when_the_best_alpha_is_the_largest_of_a_given_grid():
    """A given grid whose largest alpha still leaves coefficients non-zero, on noise
    features: the best score is at that end. The oracle: scikit-learn's DummyClassifier
    (the class prior, the model every alpha above alpha_max fits) on the same folds scores
    better than the whole grid."""
    from sklearn.dummy import DummyClassifier
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 10))
    y = (rng.random(400) < 0.3).astype(int)
    prior = cross_val_score(DummyClassifier(), X, y, cv=_folds(), scoring="neg_log_loss")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cv = oneneuron.NeuronClassifierCV(cv=_folds(), alphas=[1e-4, 1e-3, 3e-3]).fit(X, y)
    assert prior.mean() > cv.cv_results_["mean_test_score"].max()
    assert cv.alpha_ == 3e-3 and cv.cv_results_["n_nonzero"][0] > 0
    (w,) = _grid_edge(caught)
    assert "largest alpha" in str(w.message), w.message


def test_cv_is_silent_when_the_grid_holds_its_best_or_cannot_go_further():
    """No GridEdgeWarning where the best is inside the grid, at the default grid's
    alpha_max (every coefficient already zero: a larger alpha fits the same model), or at
    alpha 0 (nothing below it)."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 10))
    noise = (rng.random(400) < 0.3).astype(int)
    signal = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    cases = [
        dict(X=X, y=noise, params=dict(n_alphas=10)),  # best at alpha_max, all zero
        dict(X=X, y=signal, params=dict(n_alphas=30)),  # an interior best
        dict(X=X[:, :1], y=signal, params=dict(alphas=[0.0, 0.01, 0.1])),  # alpha 0
    ]
    for case in cases:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            cv = oneneuron.NeuronClassifierCV(cv=_folds(), **case["params"]).fit(
                case["X"], case["y"]
            )
        assert not _grid_edge(caught), (case["params"], cv.alpha_, cv.alphas_)


def test_cv_convergence_warnings_point_at_the_callers_line():
    """The CV's ConvergenceWarnings (the full path's and the folds') named a line of
    oneneuron's own wrapper (stacklevel 2 counted neither scikit-learn's fit wrapper nor
    the restore-on-failure one), where Python's warnings point at the caller's line."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        oneneuron.NeuronClassifierCV(cv=3, n_alphas=5, max_iter=1, tol=1e-14).fit(X, y)
    conv = [w for w in caught if issubclass(w.category, oneneuron.ConvergenceWarning)]
    assert conv and all(w.filename == __file__ for w in conv), [w.filename for w in conv]


def test_train_cv_says_the_grid_end_once(tmp_path, capsys):
    """``train --cv`` notes the grid's end in its summary (and not again as a warning);
    with ``--quiet``, which prints no summary, as one ``warning:`` line in its flags. The
    oracle: scikit-learn's unpenalised fit on the same folds beats the grid's best."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    rng = np.random.default_rng(6)
    X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.normal(size=2000)})
    y = (rng.random(2000) < 1 / (1 + np.exp(1.0 - 3.0 * X.a))).astype(int)
    plain = cross_val_score(LogisticRegression(C=np.inf), X, y, cv=_folds(), scoring="neg_log_loss")
    data = tmp_path / "d.csv"
    X.assign(y=y).to_csv(data, index=False)
    argv = ["train", data, "--target", "y", "--cv", "5", "--l1-ratio", "0"]
    code, out, err = run([*argv, "--model", tmp_path / "m.json"], capsys)
    assert code == 0 and "smallest alpha tried" in out and "smallest" not in err, (out, err)
    assert plain.mean() > oneneuron.load(tmp_path / "m.json").cv_record_.mean_score.max()
    code, out, err = run([*argv, "--model", tmp_path / "q.json", "--quiet"], capsys)
    assert code == 0 and err.count("warning: the best is the smallest alpha tried") == 1, err
    assert "--alpha 0" in err and "alphas=" not in err

