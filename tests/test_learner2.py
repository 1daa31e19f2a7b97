"""A learner's second round: the exercises beyond the walkthroughs, with the teaching API."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from oneneuron import ConvergenceWarning, Neuron, NeuronClassifier
from oneneuron.datasets import load_exam_scores


def _neuron_loop(X: np.ndarray, y: np.ndarray, lr: float, steps: int) -> Neuron:
    """The tutorial's loop by hand: the oracle of ``solver='gd'``."""
    neuron = Neuron(n_features=X.shape[1])
    for _ in range(steps):
        a = neuron.forward(X)
        dw, db = neuron.backward(X, a, y)
        neuron.update(dw, db, learning_rate=lr)
    return neuron


def test_diverged_descent_keeps_its_own_point():
    """Raw exam scores at learning rate 1 diverge (the loss rises from 0.693 to hundreds).
    After 29 steps the fit called column 'x1' 'a linear combination of x0 and the
    intercept' (the curvature weights of a diverged point vanish on most rows) and
    replaced the descent's point by a refit without x1: coef_ 10.6 away from the 29th
    step, x1's 0, a CollinearityWarning. Now coef_ is where the descent stopped, the
    step-by-step Neuron's point, with only the ConvergenceWarning and the divergence as
    the reason for no standard errors."""
    X, y, _ = load_exam_scores()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = NeuronClassifier(solver="gd", learning_rate=1.0, max_iter=29, standardize=False)
        clf.fit(X, y)
    kinds = {type(w.message).__name__ for w in caught}
    assert "CollinearityWarning" not in kinds, [str(w.message) for w in caught]
    assert "ConvergenceWarning" in kinds
    neuron = _neuron_loop(X, y, 1.0, 29)
    np.testing.assert_allclose(clf.coef_[0], neuron.w, rtol=1e-9)
    np.testing.assert_allclose(clf.intercept_[0], neuron.b, rtol=1e-9)
    a = neuron.forward(X)
    assert clf.loss_ == pytest.approx(neuron.cost(a, y), rel=1e-9)
    assert clf.inference_.cov is None
    with pytest.raises(ValueError, match="the fit diverged .*lower learning_rate"):
        clf.summary()


def test_a_fit_far_worse_than_the_null_model_warns_no_overflow():
    """Five diverged steps leave a log-likelihood of -9 000 against the null model's -67:
    Cox and Snell's 1 - exp(2 (LL0 - LL) / n) overflowed exp with two RuntimeWarnings
    ('overflow encountered in expm1') beside the ConvergenceWarning. The statistic is now
    minus infinity, its limit, without a warning."""
    X, y, _ = load_exam_scores()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = NeuronClassifier(solver="gd", learning_rate=1.0, max_iter=5, standardize=False)
        clf.fit(X, y)
    kinds = {type(w.message).__name__ for w in caught}
    assert kinds == {"ConvergenceWarning"}, [str(w.message) for w in caught]
    gap = 2.0 * (clf.null_log_likelihood_ - clf.log_likelihood_) / len(y)
    assert gap > np.log(np.finfo(float).max)  # the premise: exp(gap) overflows float64
    assert clf.pseudo_r2_cox_snell_ == -np.inf
    assert clf.pseudo_r2_nagelkerke_ == -np.inf


@pytest.mark.parametrize("lr", [1e-3, 1e-5])
def test_descent_on_unscaled_features_is_told_to_standardise(lr):
    """The walkthrough's point: exam scores (mean 65, spread 19) beside the intercept's
    column of ones make one learning rate too large for some directions of the weights
    and too small for others. standardize=False at learning rate 1e-3 oscillates (loss
    0.63 after 400 steps, the optimum 0.203) and at 1e-5 crawls (0.62), and the warning
    advised only 'lower learning_rate' or 'increase max_iter or learning_rate', neither
    of which helps. It now leads with standardize=True and the stretch of the curvature
    (the condition number of X1'X1 / n, 2.3e5), and following it reaches the optimum
    (scikit-learn's unpenalised fit) to 1e-3 in the same 400 steps."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import log_loss as sk_log_loss

    X, y, _ = load_exam_scores()
    sk = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    optimum = sk_log_loss(y, sk.predict_proba(X))
    opts = dict(solver="gd", max_iter=400, tol=1e-6)
    with pytest.warns(ConvergenceWarning) as rec:
        raw = NeuronClassifier(learning_rate=lr, standardize=False, **opts).fit(X, y)
    assert raw.loss_ > optimum + 0.3
    msg = str(rec[0].message)
    assert "set standardize=True" in msg, msg
    stretch = float(msg.split("the loss curve about ")[1].split(" times")[0])
    X1 = np.column_stack([np.ones(len(y)), X])
    eig = np.linalg.eigvalsh(X1.T @ X1 / len(y))
    assert stretch == pytest.approx(eig[-1] / eig[0], rel=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        advised = NeuronClassifier(learning_rate=1.0, **opts).fit(X, y)
    assert advised.loss_ == pytest.approx(optimum, abs=1e-3)


def test_descent_on_iris_raw_columns_is_told_to_standardise():
    """A sibling the columns' sizes alone miss: iris's raw columns (root-mean-squares 1.4
    to 5.9) are far from centred (sepal length 5.8 +- 0.8), so with the ones column the
    curvature is stretched 8 400-fold (X1'X1 / n); softmax gradient descent at learning
    rate 0.5 diverges (loss 1.10 to 4.39 in 2 000 steps). The warning names
    standardize=True and the stretch (6.8e3 from the columns' means and spreads, which
    leave out their correlations), and following it reaches scikit-learn's fit in the
    same steps."""
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    opts = dict(solver="gd", learning_rate=0.5, max_iter=2000, tol=1e-6, alpha=0.01)
    with pytest.warns(ConvergenceWarning, match="set standardize=True") as rec:
        NeuronClassifier(standardize=False, **opts).fit(X, y)
    stretch = float(str(rec[0].message).split("the loss curve about ")[1].split(" times")[0])
    X1 = np.column_stack([np.ones(len(y)), X])
    eig = np.linalg.eigvalsh(X1.T @ X1 / len(y))
    assert 0.75 * eig[-1] / eig[0] < stretch <= eig[-1] / eig[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        advised = NeuronClassifier(**opts).fit(X, y)
    sk = LogisticRegression(C=1 / (len(y) * 0.01), tol=1e-10, max_iter=10_000)
    sk.fit((X - X.mean(0)) / X.std(0), y)
    np.testing.assert_allclose(advised.coef_ * X.std(0), sk.coef_, atol=1e-3)


def _public_doctests() -> list:
    """The docstring examples of the public surface: each public module's own docstring
    and those of the names in its ``__all__`` (methods and properties included)."""
    import doctest
    import importlib
    import pkgutil

    import oneneuron

    found = pkgutil.walk_packages(oneneuron.__path__, "oneneuron.")
    mods = ["oneneuron"] + [
        m.name for m in found if not any(p.startswith("_") for p in m.name.split("."))
    ]
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests: dict[str, doctest.DocTest] = {}
    for name in mods:
        mod = importlib.import_module(name)
        objs = [(name, mod)] + [
            (f"{name}.{a}", getattr(mod, a)) for a in getattr(mod, "__all__", [])
        ]
        for qual, obj in objs:
            for t in finder.find(obj, qual, module=False, globs={}):
                if t.examples and not (obj is mod and t.name != name):
                    tests.setdefault(t.docstring, t)
    return list(tests.values())


def _unbound_names(test) -> list[str]:
    """Names an example reads that neither Python nor an earlier line of it defines."""
    import ast
    import builtins

    bound, missing = set(dir(builtins)), set()
    for example in test.examples:
        tree = ast.parse(example.source)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                bound.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                bound.add(node.name)
            elif isinstance(node, ast.arg):
                bound.add(node.arg)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                bound.add(node.name)
        loads = (n for n in ast.walk(tree) if isinstance(n, ast.Name))
        missing |= {n.id for n in loads if isinstance(n.ctx, ast.Load) and n.id not in bound}
    return sorted(missing)


def test_every_public_docstring_example_runs_in_a_fresh_session():
    """A reader copies a docstring's example into a fresh Python session. 76 examples of
    the public surface ran only as doctests, which see the module's own globals: in a
    fresh session ``NeuronClassifier.score``'s stopped at ``NameError: name
    'NeuronClassifier' is not defined``, ``oneneuron.optim.sgd``'s at ``sgd``,
    ``log_softmax``'s at ``np``, ``DesignSpec``'s at ``DesignSpec`` and ``pd``. Every
    example now imports what it uses (read statically: no example is run here; the
    doctest run checks their output)."""
    tests = _public_doctests()
    assert len(tests) > 100  # the premise: the finder sees the public surface
    names = {t.name for t in tests}
    assert {"oneneuron.NeuronClassifier.score", "oneneuron.optim.sgd"} <= names
    missing = {t.name: m for t in tests if (m := _unbound_names(t))}
    assert not missing, missing


def test_the_unbound_name_check_can_fail():
    import doctest

    parser = doctest.DocTestParser()
    bad = parser.get_doctest(">>> opt = sgd(0.5)\n", {}, "x", None, 0)
    good = parser.get_doctest(
        ">>> from oneneuron.optim import sgd\n>>> opt = sgd(0.5)\n", {}, "x", None, 0
    )
    assert _unbound_names(bad) == ["sgd"] and _unbound_names(good) == []


def test_the_courses_theta_and_ones_column_are_named_in_the_errors():
    """ex2 keeps theta = (b, w1, w2) and X with a first column of ones. Handed to the
    neuron, which has its own bias, they met 'w must have shape (2,), got (3,)' and 'X
    must have shape (n_samples, 2) ... got (100, 3)', naming neither cause. The errors
    now say which entry is the bias and that the ones column is the neuron's b; followed,
    they give the course's cost 0.218 and gradient (0.043, 2.566, 2.647) at
    theta = (-24, 0.2, 0.2)."""
    X, y, _ = load_exam_scores()
    X1 = np.column_stack([np.ones(len(y)), X])
    theta = np.array([-24.0, 0.2, 0.2])
    with pytest.raises(ValueError, match=r"w=theta\[1:\], b=theta\[0\]"):
        Neuron(n_features=2, w=theta)
    neuron = Neuron(n_features=2, w=theta[1:], b=theta[0])
    with pytest.raises(ValueError, match=r"first column is all ones.*own bias b.*X\[:, 1:\]"):
        neuron.forward(X1)
    with pytest.raises(ValueError, match=r"Neuron\(n_features=3, fit_intercept=False\)"):
        neuron.forward(X1)
    course = Neuron(n_features=3, fit_intercept=False, w=theta)  # the other way: theta whole
    assert round(course.cost(course.forward(X1), y), 3) == 0.218
    with pytest.raises(ValueError, match=r"X\[:, 1:\]"):
        neuron.backward(X1, np.full(len(y), 0.5), y)
    with pytest.raises(ValueError, match=r"dw=grad\[1:\], db=grad\[0\]"):
        neuron.update(np.zeros(3), 0.0, learning_rate=0.1)
    a = neuron.forward(X1[:, 1:])
    dw, db = neuron.backward(X1[:, 1:], a, y)
    assert round(neuron.cost(a, y), 3) == 0.218
    assert np.round([db, *dw], 3).tolist() == [0.043, 2.566, 2.647]
    with pytest.raises(ValueError, match=r"got \(100, 3\)$"):  # three real features: no hint
        neuron.forward(np.column_stack([X, X[:, 0]]))
    with pytest.raises(ValueError, match=r"got \(100, 3\)$"):  # no bias of its own: no hint
        Neuron(n_features=2, fit_intercept=False).forward(X1)


def test_train_prints_the_stop_reason_in_flags(tmp_path, capsys):
    """`oneneuron train --solver gd --learning-rate 1000` printed the warning in flags
    ('lower --learning-rate') but the summary's solver line in Python's keyword:
    'stopped: diverged: the loss rose from 0.6931 to 5.238; learning_rate too large',
    an option the command line does not have. The line now says --learning-rate."""
    import pandas as pd

    from _cli import run

    X, y, _ = load_exam_scores()
    data = tmp_path / "exam.csv"
    pd.DataFrame({"e1": X[:, 0], "e2": X[:, 1], "admitted": y}).to_csv(data, index=False)
    argv = ["train", data, "--target", "admitted", "--model", tmp_path / "m.json"]
    argv += ["--solver", "gd", "--learning-rate", "1000", "--max-iter", "30"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    text = " ".join(out.split())  # the summary wraps its lines
    line = text.split("solver gd, ")[1].split("no standard errors")[0]
    assert "diverged" in line and "--learning-rate too large" in line, out
    assert "learning_rate" not in out, out


def test_a_learning_rate_without_a_solver_says_which_solver_takes_it():
    """A learner's first NeuronClassifier(learning_rate=0.1) was refused with
    "learning_rate is used by solver='gd' or 'sgd' only, not 'newton'": they never asked
    for Newton (solver='auto' chose it). The error now says that 'auto' chose it and to
    pass solver='gd' (the command line already said '--learning-rate needs --solver gd or
    sgd'); followed, the fit is the tutorial's loop (the step-by-step Neuron's point)."""
    X, y, _ = load_exam_scores()
    with pytest.raises(ValueError, match=r"solver='auto' chose 'newton'.*solver='gd'"):
        NeuronClassifier(learning_rate=0.1).fit(X, y)
    with pytest.raises(ValueError, match=r"solver='auto' chose 'newton'.*solver='sgd'"):
        NeuronClassifier(batch_size=10).fit(X, y)
    with pytest.raises(ValueError, match=r"not 'lbfgs'$"):  # a solver named: said as before
        NeuronClassifier(solver="lbfgs", learning_rate=0.1).fit(X, y)
    with pytest.warns(ConvergenceWarning):
        clf = NeuronClassifier(solver="gd", learning_rate=0.1, max_iter=20).fit(X, y)
    Xs = (X - X.mean(0)) / X.std(0)
    neuron = _neuron_loop(Xs, y, 0.1, 20)
    np.testing.assert_allclose(clf.coef_[0], neuron.w / X.std(0), rtol=1e-10)


@pytest.mark.parametrize("standardize", [True, False])
def test_history_grad_norm_is_the_solvers_gradient(standardize):
    """history_['grad_norm'] is max |grad| in the solver's coordinates: with
    standardize=True the gradient along the standardised weights (0.139 after three
    steps on the exam scores), not the raw one a learner's loop on X computes (5.95);
    the attribute's docstring now says so. Oracle: the Neuron's backward pass at the
    recorded point, on the standardised or the raw columns."""
    X, y, _ = load_exam_scores()
    lr = 1.0 if standardize else 1e-4
    clf = NeuronClassifier(
        solver="gd", learning_rate=lr, max_iter=5, tol=0, standardize=standardize, record_path=True
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    w, b = clf.history_["coef"][3][0], clf.history_["intercept"][3][0]
    mu, sd = X.mean(0), X.std(0)
    if standardize:  # the same point in standardised coordinates
        X, w, b = (X - mu) / sd, w * sd, b + w @ mu
    neuron = Neuron(n_features=2, w=w, b=b)
    dw, db = neuron.backward(X, neuron.forward(X), y)
    assert clf.history_["grad_norm"][3] == pytest.approx(np.abs([*dw, db]).max(), rel=1e-9)


def test_microchips_map_feature_reproduces_the_course_cost_and_gradient():
    """ex2_reg prints, for mapFeature's 28 terms: at theta = 0 cost 0.693 and gradient
    (0.0085, 0.0188, 0.0001, 0.0503, 0.0115); at theta = 1 with lambda = 10 cost 3.16
    and gradient (0.3460, 0.1614, 0.1948, 0.2269, 0.0922). PolynomialFeatures(6) without
    its ones column, as the walkthrough uses it, is mapFeature's order: the Neuron's
    cost and backward pass (plus the penalty's (lambda / 2m) ||w||^2, bias unpenalised)
    give those numbers."""
    from sklearn.preprocessing import PolynomialFeatures

    from oneneuron.datasets import load_microchips

    X, y, _ = load_microchips()
    P = PolynomialFeatures(6, include_bias=False).fit_transform(X)
    assert P.shape == (118, 27)
    neuron = Neuron(n_features=27)
    a = neuron.forward(P)
    dw, db = neuron.backward(P, a, y)
    assert round(neuron.cost(a, y), 3) == 0.693
    assert np.round([db, *dw[:4]], 4).tolist() == [0.0085, 0.0188, 0.0001, 0.0503, 0.0115]
    lam, m = 10.0, len(y)
    neuron = Neuron(n_features=27, w=np.ones(27), b=1.0)
    a = neuron.forward(P)
    dw, db = neuron.backward(P, a, y)
    cost = neuron.cost(a, y) + lam / (2 * m) * float(neuron.w @ neuron.w)
    assert round(cost, 2) == 3.16
    grad = [db, *(dw[:4] + lam / m * neuron.w[:4])]
    assert np.round(grad, 4).tolist() == [0.346, 0.1614, 0.1948, 0.2269, 0.0922]


def test_loss_surface_checks_its_bias_as_the_plot_does():
    """loss_surface(..., b=...) took any b: a fitted model's two intercepts gave 'cannot
    reshape array of size 2 into shape (1,1)', NaN a surface of NaN without a word, text
    a ufunc type error, where plot_loss_surface refuses each with one sentence. It now
    checks b the same way; the fitted intercept (an array of one) still works, and the
    surface's minimum over (w1, w2) at it is the fit (scikit-learn's log-loss there)."""
    from sklearn.metrics import log_loss as sk_log_loss

    from oneneuron.plot import loss_surface

    X, y, _ = load_exam_scores()
    for bad, match in [([1.0, 2.0], "b must be one number; got shape"), (np.nan, "finite")]:
        with pytest.raises(ValueError, match=match):
            loss_surface(X, y, [0.2], [0.2], b=bad)
    clf = NeuronClassifier().fit(X, y)
    w1 = clf.coef_[0, 0] + np.linspace(-0.01, 0.01, 21)
    w2 = clf.coef_[0, 1] + np.linspace(-0.01, 0.01, 21)
    L = loss_surface(X, y, w1, w2, b=clf.intercept_, reduction="mean")
    assert np.unravel_index(L.argmin(), L.shape) == (10, 10)
    assert L[10, 10] == pytest.approx(sk_log_loss(y, clf.predict_proba(X)), rel=1e-12)


def test_loss_surface_refuses_a_meshgrid_for_its_axes():
    """A learner who made the grid first (W1, W2 = np.meshgrid(w1, w2)) and passed it got
    the meshgrid of the flattened grids: a 3 x 3 grid came back 9 x 9 without a word, and
    a 100 x 100 one would form 1e8 logits per row (80 GB for the exam scores). The axes
    must now be 1-D, and the error says to pass w1 and w2 themselves; passed so, the
    surface is the closed form mean log-loss at each grid point."""
    from sklearn.metrics import log_loss as sk_log_loss

    from oneneuron.plot import loss_surface

    X, y, _ = load_exam_scores()
    w1, w2 = np.linspace(0.1, 0.3, 3), np.linspace(0.1, 0.3, 3)
    W1, W2 = np.meshgrid(w1, w2)
    with pytest.raises(ValueError, match=r"1-D.*np\.meshgrid"):
        loss_surface(X, y, W1, W2, b=-25.0)
    L = loss_surface(X, y, w1, w2, b=-25.0, reduction="mean")
    assert L.shape == (3, 3)
    z = X @ np.array([w1[2], w2[0]]) - 25.0
    assert L[0, 2] == pytest.approx(sk_log_loss(y, 1 / (1 + np.exp(-z))), rel=1e-9)


def test_the_fit_standardises_as_numpy_and_standard_scaler_do():
    """A learner standardises by hand before the tutorial's loop; mean_ and scale_ are
    the population statistics (ddof=0), as X.std(0) and StandardScaler, not pandas'
    df.std() (n - 1), now said in their docstring."""
    from sklearn.preprocessing import StandardScaler

    X, y, _ = load_exam_scores()
    clf = NeuronClassifier().fit(X, y)
    sc = StandardScaler().fit(X)
    np.testing.assert_allclose(clf.mean_, sc.mean_, rtol=1e-14)
    np.testing.assert_allclose(clf.scale_, sc.scale_, rtol=1e-14)
    assert not np.allclose(clf.scale_, X.std(0, ddof=1), rtol=1e-4)


def test_the_deep_learning_course_layout_is_named_in_the_estimators_errors():
    """The deep-learning course keeps X as (n_features, m), one column per example, and Y
    as a row (1, m). NeuronClassifier said "Found input variables with inconsistent
    numbers of samples: [2, 100]" and "y should be a 1d array, got an array of shape
    (1, 100)", naming neither layout, where the teaching Neuron already says "pass X.T".
    The errors now say it; followed, the fit is the course's (-25.16, 0.206, 0.201)."""
    X, y, _ = load_exam_scores()
    for Xg in (X.T, np.ascontiguousarray(X.T), X.T.tolist()):
        with pytest.raises(ValueError, match=r"one column per sample.*pass X\.T"):
            NeuronClassifier().fit(Xg, y)
    with pytest.raises(ValueError, match=r"y\.ravel\(\)"):
        NeuronClassifier().fit(X, y.reshape(1, -1))
    clf = NeuronClassifier().fit(X.T.T, y.reshape(1, -1).ravel())
    assert np.round([clf.intercept_[0], *clf.coef_[0]], 3).tolist() == [-25.161, 0.206, 0.201]
    with pytest.raises(ValueError, match=r"inconsistent numbers of samples: \[3, 100\]$"):
        NeuronClassifier().fit(X[:3], y)  # no transposed layout: no hint


def test_predicting_on_the_course_layout_says_pass_x_t():
    """The sibling at predict time: new applicants as columns (2, m), or one applicant as
    a column (2, 1), met "X has 100 features, but NeuronClassifier is expecting 2
    features as input" (or 1). The error now adds '... pass X.T'; followed, the course's
    P(admit | 45, 85) = 0.776."""
    X, y, _ = load_exam_scores()
    clf = NeuronClassifier().fit(X, y)
    for bad in (X.T, np.array([[45.0], [85.0]])):
        with pytest.raises(ValueError, match=r"expecting 2 features.*one column per sample"):
            clf.predict_proba(bad)
    assert round(float(clf.predict_proba(np.array([[45.0], [85.0]]).T)[0, 1]), 3) == 0.776
    with pytest.raises(ValueError, match=r"expecting 2 features as input\.?$"):
        clf.predict_proba(np.ones((4, 3)))  # three columns, not the transposed layout


def test_a_constant_column_does_not_trigger_the_standardise_advice():
    """Standardised exam scores beside a constant column of 5 (held at 0 by the fit):
    the advice's stretch counted the constant's direction, which no step moves, and said
    the curvature was stretched 730-fold on columns that are already standardised. A
    constant column no longer counts, and no standardize=True advice is given."""
    X, y, _ = load_exam_scores()
    Xs = (X - X.mean(0)) / X.std(0)
    X1 = np.column_stack([np.full(len(y), 5.0), Xs])
    with pytest.warns(ConvergenceWarning) as rec:
        NeuronClassifier(solver="gd", learning_rate=0.1, max_iter=5, standardize=False).fit(X1, y)
    assert all("standardize=True" not in str(w.message) for w in rec)
