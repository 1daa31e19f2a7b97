"""A learner's round: the tutorials' teaching API, plots and playground as a student uses them."""

from __future__ import annotations

import numpy as np
import pytest

from oneneuron import Neuron, NeuronClassifier
from oneneuron.functions import log_loss, log_loss_grad, probability_log_loss
from oneneuron.plot import plot_learning_curve


def _small() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + rng.normal(size=40) > 0).astype(int)
    return X, y


def test_learning_curve_y_axis_says_what_is_drawn():
    """A penalised fit's history_['loss'] is the objective (cross-entropy + penalty), not
    the mean cross-entropy the y axis claimed; on a log axis with an optimum the curve is
    loss - optimum. The y label now says so, and can be given."""
    X, y = _small()
    clf = NeuronClassifier(alpha=1.0, solver="lbfgs").fit(X, y)
    z = X @ clf.coef_[0] + clf.intercept_[0]
    ce = float(np.mean(log_loss(y, z)))
    assert clf.history_["loss"][-1] > ce + 0.01  # the drawn values are not the cross-entropy
    ax = plot_learning_curve(clf.history_)
    assert "cross-entropy" not in ax.get_ylabel()
    assert ax.get_ylabel() == "loss"
    ax = plot_learning_curve(clf.history_, optimum=clf.loss_, log=True)
    assert ax.get_ylabel() == "loss - optimum"
    assert ax.get_yscale() == "log"
    ax = plot_learning_curve([0.7, 0.5], ylabel="mean cross-entropy")
    assert ax.get_ylabel() == "mean cross-entropy"


_X3 = np.array([[0.0], [1.0], [2.0]])


@pytest.mark.parametrize(
    "call",
    [
        lambda y: Neuron(1).backward(_X3, np.full(3, 0.5), y),
        lambda y: Neuron(1).cost(np.full(3, 0.5), y),
        lambda y: log_loss(y, np.zeros(3)),
        lambda y: log_loss_grad(y, np.zeros(3)),
        lambda y: probability_log_loss(np.full(3, 0.5), y),
    ],
)
def test_three_classes_are_told_the_neuron_is_binary(call):
    """Labels 0, 1, 2 (three classes) were told "labels in {-1, 1}: pass (y + 1) / 2",
    which gives 0.5, 1, 1.5 and fails again; now the error counts the classes and names
    the softmax estimator."""
    with pytest.raises(ValueError) as err:
        call(np.array([0, 1, 2]))
    msg = str(err.value)
    assert "(y + 1) / 2" not in msg
    assert "3 classes" in msg and "NeuronClassifier" in msg
    with pytest.raises(ValueError, match=r"\(y \+ 1\) / 2"):  # {-1, 1} keeps its hint
        call(np.array([-1, 1, 1]))


@pytest.mark.parametrize(
    "call",
    [
        lambda y: Neuron(1).backward(_X3, np.full(3, 0.5), y),
        lambda y: log_loss(y, np.zeros(3)),
        lambda y: probability_log_loss(np.full(3, 0.5), y),
    ],
)
def test_text_labels_get_a_hint_that_works(call):
    """Labels "no"/"yes": the neuron suggested y.astype(float), which fails on them
    ("could not convert string to float"); log_loss let NumPy's own message through.
    The hint now codes them as 0 and 1, and following it works."""
    y = np.array(["no", "yes", "yes"])
    with pytest.raises(ValueError) as err:
        call(y)
    msg = str(err.value)
    assert "y.astype(float)" not in msg and "could not convert" not in msg
    assert "(y == 'yes')" in msg
    call((y == "yes").astype(float))  # the hint, followed, runs


def test_a_diverged_fit_is_not_told_its_columns_are_constant():
    """Learning rate 1e6 on the exam scores: gradient descent diverges (every |z| above
    300, every probability 0 or 1 to working precision). Beside the ConvergenceWarning
    that says so, a CollinearityWarning claimed "column 'x0' is constant (a multiple of
    the intercept)": the exam scores are not constant; the Hessian's weights p(1 - p)
    had vanished. The reason for the missing standard errors now says that."""
    import warnings

    from oneneuron.datasets import load_exam_scores
    from oneneuron.exceptions import CollinearityWarning, ConvergenceWarning

    X, y, _ = load_exam_scores()
    assert X.std(axis=0).min() > 10  # no column is constant
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf = NeuronClassifier(solver="gd", learning_rate=1e6, max_iter=30, tol=0).fit(X, y)
    kinds = [w.category for w in caught]
    assert ConvergenceWarning in kinds
    assert CollinearityWarning not in kinds, [str(w.message) for w in caught]
    z = X @ clf.coef_[0] + clf.intercept_[0]
    assert np.abs(z).min() > 300  # the premise: every probability rounds to 0 or 1
    reason = clf.inference_.reason
    assert "constant" not in reason
    assert "0 or 1" in reason and "learning_rate" in reason


def test_neuron_matches_the_course_published_cost_and_gradient():
    """ex2 (exam scores, raw features) prints: cost at theta = 0 is 0.693 with gradient
    (-0.1000, -12.0092, -11.2628); at theta = (-24, 0.2, 0.2) cost 0.218 with gradient
    (0.043, 2.566, 2.647). The teaching Neuron's forward, cost and backward give them."""
    from oneneuron.datasets import load_exam_scores

    X, y, _ = load_exam_scores()
    for w, b, cost, grad in [
        ([0.0, 0.0], 0.0, 0.693, (-0.1000, -12.0092, -11.2628)),
        ([0.2, 0.2], -24.0, 0.218, (0.043, 2.566, 2.647)),
    ]:
        neuron = Neuron(2, w=w, b=b)
        a = neuron.forward(X)
        assert round(neuron.cost(a, y), 3) == cost
        dw, db = neuron.backward(X, a, y)
        digits = 4 if b == 0 else 3
        assert np.round([db, *dw], digits).tolist() == list(grad)


def test_a_standardised_constant_column_is_named_as_such():
    """A student standardises X by hand, (X - mean) / std, with a constant column: 0 / 0
    makes that whole column NaN, and the Neuron said "a missing value in the data, or a
    run that diverged" (the plots: "leave those rows out or fill them", which would leave
    no rows). The message now names the column that is NaN in every row and its cause."""
    import warnings

    from oneneuron.plot import plot_loss_surface

    X = np.c_[np.ones(6), np.arange(6.0)]
    y = np.array([0, 0, 0, 1, 1, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's 0 / 0
        Xs = (X - X.mean(0)) / X.std(0)
    for call in (lambda: Neuron(2).forward(Xs), lambda: plot_loss_surface(Xs, y)):
        with pytest.raises(ValueError) as err:
            call()
        msg = str(err.value)
        assert "column 0 is NaN in every row" in msg and "constant column" in msg
    one = X.copy()
    one[2, 1] = np.nan  # one missing cell is no such column
    with pytest.raises(ValueError) as err:
        Neuron(2).forward(one)
    assert "every row" not in str(err.value) and "row 2, column 1" in str(err.value)


def test_sigmoid_derivative_plot_says_it_is_a_derivative():
    """plot_sigmoid(derivative=True) draws d/dx sigmoid(w x + b) (checked here against
    central differences of the plotted sigmoid) but labelled its y axis "a", the
    sigmoid's own value; both on one axes, the label names both."""
    from oneneuron.plot import plot_sigmoid

    x = np.linspace(-3, 3, 601)
    ax = plot_sigmoid(2.0, 0.5, x=x, derivative=True)
    assert ax.get_ylabel() == "da / dx"
    plot_sigmoid(2.0, 0.5, x=x, ax=ax)
    assert ax.get_ylabel() == "a, da / dx"
    d, a = (line.get_ydata() for line in ax.lines)
    fd = np.gradient(a, x)
    assert np.max(np.abs(fd[1:-1] - d[1:-1])) < 1e-4
    assert plot_sigmoid(x=x).get_ylabel() == "a"


def test_probability_colorbar_names_the_model_class():
    """Labels 'no'/'yes' (or 2/5): the colour bar said "P(class 1)", a class the model
    does not have; the shading is P(classes_[1]), and the bar now says so (a 0/1 model
    and a (w, b) pair keep "P(class 1)")."""
    from oneneuron.plot import plot_probability_contours

    X, y = _small()
    for labels, name in [(np.array(["no", "yes"]), "P(yes)"), (np.array([2, 5]), "P(5)")]:
        clf = NeuronClassifier().fit(X, labels[y])
        ax = plot_probability_contours(clf, X, labels[y], grid=20)
        assert ax.figure.axes[-1].get_ylabel() == name
        p = clf.predict_proba(X[:1])[0, 1]  # the shading is that class's probability
        assert clf.classes_[1] == labels[1] and 0 < p < 1
    ax = plot_probability_contours(NeuronClassifier().fit(X, y), X, y, grid=20)
    assert ax.figure.axes[-1].get_ylabel() == "P(class 1)"
    ax = plot_probability_contours(([1.0, 1.0], 0.0), X, y, grid=20, colorbar_label="P(a)")
    assert ax.figure.axes[-1].get_ylabel() == "P(a)"


def test_plane_axes_name_the_table_columns():
    """A model fitted on a table with columns 'a', 'b', plotted over X with columns
    ('b', 'a'): the x axis is column 'b' (the boundary is drawn in X's order, checked
    here by predicting on it), but the axes said x_1 and x_2, read as the model's
    first and second columns. They now name the columns."""
    import pandas as pd

    from oneneuron.plot import plot_decision_boundary, plot_probability_contours

    X, y = _small()
    clf = NeuronClassifier().fit(pd.DataFrame({"a": X[:, 0], "b": X[:, 1]}), y)
    swapped = pd.DataFrame({"b": X[:, 1], "a": X[:, 0]})
    ax = plot_decision_boundary(clf, swapped, y)
    x1, x2 = ax.lines[-1].get_data()
    p = clf.predict_proba(pd.DataFrame({"b": x1[:3], "a": x2[:3]}))[:, 1]
    np.testing.assert_allclose(p, 0.5, atol=1e-12)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("b", "a")
    ax = plot_probability_contours(clf, swapped, y, grid=20)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("b", "a")
    ax = plot_decision_boundary(clf, X=None)  # no samples drawn: the labels are left alone
    assert ax.get_xlabel() == ""
    arr = plot_decision_boundary(NeuronClassifier().fit(X, y), X, y)  # no names: x_1, x_2
    assert (arr.get_xlabel(), arr.get_ylabel()) == ("$x_1$", "$x_2$")
    one = NeuronClassifier().fit(pd.DataFrame({"score": X[:, 0]}), y)
    ax = plot_decision_boundary(one, pd.DataFrame({"score": X[:, 0]}), y)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("score", "class")


def test_neuron_float32_input_computes_in_float64_as_documented():
    """float32 X: the Neuron's documented decision is float64 arithmetic, equal to the
    float64 loop of the same (float32-rounded) numbers."""
    X, y = _small()
    X32 = X.astype(np.float32)
    n32, n64 = Neuron(2), Neuron(2)
    for _ in range(5):
        for n, Xi in ((n32, X32), (n64, X32.astype(np.float64))):
            a = n.forward(Xi)
            dw, db = n.backward(Xi, a, y)
            n.update(dw, db, learning_rate=1.0)
    assert a.dtype == np.float64 and n32.w.dtype == np.float64
    np.testing.assert_array_equal(n32.w, n64.w)
    assert "float64" in Neuron.__doc__
