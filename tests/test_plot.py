"""oneneuron.plot: the numbers behind each drawing, headless, no pyplot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures

from oneneuron import NeuronClassifier, sigmoid
from oneneuron.datasets import load_microchips, make_red_blue
from oneneuron.functions import log_loss
from oneneuron.plot import (
    loss_surface,
    plot_class_histograms,
    plot_classes,
    plot_cross_entropy,
    plot_decision_boundary,
    plot_learning_curve,
    plot_loss_surface,
    plot_probability_contours,
    plot_roc,
    plot_sigmoid,
    strip_text,
)


def test_no_pyplot_and_headless():
    code = (
        "import sys, oneneuron.plot as p, oneneuron.demos as d; "
        "ax = p.plot_sigmoid(); d.build('logistic-function'); "
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_sigmoid_curve_and_derivative():
    x = np.linspace(-3, 3, 61)
    ax = plot_sigmoid(2.0, -1.0, x=x)
    assert isinstance(ax, Axes) and isinstance(ax.figure, Figure)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), sigmoid(2 * x - 1))
    ax = plot_sigmoid(2.0, -1.0, x=x, derivative=True)
    h = 1e-6
    fd = (sigmoid(2 * (x + h) - 1) - sigmoid(2 * (x - h) - 1)) / (2 * h)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), fd, atol=1e-8)


def test_cross_entropy_branches():
    ax = plot_cross_entropy()
    a = ax.lines[0].get_xdata()
    np.testing.assert_allclose(ax.lines[0].get_ydata(), log_loss(1.0, np.log(a / (1 - a))))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), log_loss(0.0, np.log(a / (1 - a))))


def test_histogram_counts_equal_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    y = (rng.random(300) < 0.4).astype(int)
    ax = plot_class_histograms(x, y, bins=10, range=(-3, 3))
    heights = np.array([p.get_height() for p in ax.patches])
    for i, c in enumerate((0, 1)):
        np.testing.assert_array_equal(
            heights[10 * i : 10 * (i + 1)], np.histogram(x[y == c], bins=10, range=(-3, 3))[0]
        )


@pytest.mark.parametrize("threshold", [0.5, 0.9])
def test_linear_boundary_is_the_threshold_line(threshold):
    X, y, _ = make_red_blue()
    clf = NeuronClassifier(threshold=threshold).fit(X, y)
    ax = plot_decision_boundary(clf, X, y, threshold=threshold)
    x1, x2 = ax.lines[0].get_data()
    p = clf.predict_proba(np.column_stack([x1, x2]))[:, 1]
    np.testing.assert_allclose(p, threshold, atol=1e-9)


def test_curved_boundary_contour_is_at_threshold():
    X, y, _ = load_microchips()
    model = make_pipeline(
        PolynomialFeatures(6, include_bias=False),
        NeuronClassifier(alpha=1 / len(y), standardize=False),
    ).fit(X, y)
    ax = plot_decision_boundary(model, X, y, grid=150)
    verts = np.vstack([path.vertices for path in ax.collections[-1].get_paths()])
    assert len(verts) > 50
    # linear interpolation on the grid: probabilities on the contour stay near 0.5
    np.testing.assert_allclose(model.predict_proba(verts)[:, 1], 0.5, atol=0.02)


def test_probability_contours_scale():
    X, y, _ = make_red_blue()
    ax = plot_probability_contours(NeuronClassifier().fit(X, y), X, y)
    cs = ax.collections[0]
    assert cs.get_clim() == (0.0, 1.0) and cs.get_cmap().name == "RdYlBu"
    assert len(ax.figure.axes) == 2  # the colour bar


def test_loss_surface_values_and_minimum():
    X, y, _ = make_red_blue()
    w1 = np.linspace(-5, 5, 81)
    w2 = np.linspace(-5, 5, 81)
    L = loss_surface(X, y, w1, w2)
    i, j = 10, 60
    brute = sum(
        -(
            t * np.log(sigmoid(x @ [w1[j], w2[i]]))
            + (1 - t) * np.log(1 - sigmoid(x @ [w1[j], w2[i]]))
        )
        for x, t in zip(X, y, strict=True)
    )
    assert L[i, j] == pytest.approx(brute, rel=1e-10)
    exact = NeuronClassifier(fit_intercept=False, standardize=False).fit(X, y).coef_.ravel()
    ii, jj = np.unravel_index(np.argmin(L), L.shape)
    step = w1[1] - w1[0]
    assert abs(w1[jj] - exact[0]) <= step and abs(w2[ii] - exact[1]) <= step
    assert np.allclose(loss_surface(X, y, w1, w2, reduction="mean"), L / len(y))


def test_loss_surface_path_from_history():
    X, y, _ = make_red_blue()
    clf = NeuronClassifier(
        solver="gd",
        fit_intercept=False,
        standardize=False,
        learning_rate=2.0,
        max_iter=5,
        tol=0,
        record_path=True,
    )
    with pytest.warns(Warning):
        clf.fit(X, y)
    path = clf.history_["coef"][:, 0, :]
    ax = plot_loss_surface(X, y, path=path, n_path=3, n=30)
    assert len(ax.texts) == 3  # one arrow per drawn step
    np.testing.assert_allclose(np.column_stack(ax.lines[0].get_data()), path[:4])


def test_learning_curve_from_history():
    X, y, _ = make_red_blue()
    clf = NeuronClassifier().fit(X, y)
    ax = plot_learning_curve(clf.history_, optimum=clf.loss_)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), clf.history_["loss"])
    assert ax.lines[1].get_ydata()[0] == clf.loss_


def test_roc_auc_is_the_pair_ordering_fraction():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 80)
    s = y + rng.normal(scale=1.0, size=80)
    ax = plot_roc(y, s)
    pos, neg = s[y == 1], s[y == 0]
    auc = np.mean(pos[:, None] > neg[None, :])
    assert ax.lines[0].get_label() == f"AUC = {auc:.3f}"


def test_strip_text_leaves_no_text_but_keeps_arrows():
    X, y, _ = make_red_blue()
    ax = plot_loss_surface(X, y, path=[[-4, -2], [-2, -1], [0, 0]], n=20)
    ax.set_title("title")
    ax.legend(["a"])
    fig = strip_text(ax.figure)
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]
    assert texts == []
    assert ax.get_title() == "" and ax.get_legend() is None
    assert len(ax.texts) == 2  # the arrows
    assert tuple(fig.get_size_inches()) == (3.0, 2.25)


def test_bad_input_raises():
    with pytest.raises(ValueError, match="shape"):
        plot_classes(np.zeros((3, 3)), [0, 1, 0])
    with pytest.raises(ValueError, match="threshold"):
        plot_decision_boundary(([1.0, 1.0], 0.0), threshold=1.0)
    with pytest.raises(ValueError, match="reduction"):
        loss_surface([[0, 1]], [1], np.zeros(2), np.zeros(2), reduction="max")
    with pytest.raises(ValueError, match="path"):
        plot_loss_surface([[0, 1], [1, 0]], [0, 1], path=[1, 2, 3], n=5)


def test_a_table_models_plane_is_over_its_raw_columns():
    """A formula's terms are not the plotted columns: the line was drawn from coef_ as if
    they were (P was ~0.001 along it), and the contours fed the raw grid in as the coded
    columns."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.uniform(0.2, 5, 300), "b": rng.uniform(1, 5, 300)})
    y = (np.log(df.a) - 0.3 * df.b + 0.2 * rng.normal(size=300) > 0).astype(int)
    model = NeuronClassifier(formula="np.log(a) + b").fit(df, y)
    ax = plot_decision_boundary(model, df, y, grid=200)
    verts = np.vstack([path.vertices for path in ax.collections[-1].get_paths()])
    assert len(verts) > 20
    on_line = model.predict_proba(pd.DataFrame(verts, columns=["a", "b"]))[:, 1]
    np.testing.assert_allclose(on_line, 0.5, atol=0.02)
    seen = []
    real = model.predict_proba
    model.predict_proba = lambda rows: seen.append(rows) or real(rows)
    plot_probability_contours(model, df, y, grid=20)
    assert isinstance(seen[0], pd.DataFrame) and list(seen[0].columns) == ["a", "b"]
    assert seen[0].shape == (400, 2)
    one = NeuronClassifier(formula="a + I(a**2)").fit(df[["a"]], y)
    with pytest.raises(ValueError, match="two input columns"):
        plot_decision_boundary(one, df[["a"]], y)


def test_more_than_two_classes_are_told_apart_or_refused():
    """Classes 0 and 2 had the same colour and marker; a 3-class model's boundary plots drew
    P(classes_[1]) = 0.5 as if it were binary. Shapes a plane cannot show are named."""
    ax = plot_classes([[0, 0], [1, 1], [2, 2]], [0, 1, 2])
    colors = [tuple(c.get_facecolor()[0]) for c in ax.collections]
    assert len(set(colors)) == 3
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y3 = np.digitize(X[:, 0] + rng.normal(size=90), [-0.5, 0.5])
    clf = NeuronClassifier(alpha=0.1).fit(X, y3)
    with pytest.raises(ValueError, match="binary model; this one has 3 classes"):
        plot_probability_contours(clf, X, y3)  # (plot_decision_boundary draws its regions)
    wide = NeuronClassifier().fit(np.c_[X, X[:, :1] ** 2], (X[:, 0] > 0).astype(int))
    with pytest.raises(ValueError, match="two input columns; the model takes 3"):
        plot_decision_boundary(wide)
    with pytest.raises(ValueError, match=r"X must have 1 column \(the surface is over w, b\) or 2"):
        loss_surface(np.ones((4, 3)), [0, 1, 0, 1], np.zeros(2), np.zeros(2))


def test_loss_surface_takes_labels_as_a_column_and_names_a_length_mismatch():
    """y of shape (n, 1) (a course's data[:, 2:3]) raised 'cannot reshape array of size
    1200 into shape (4,3)'; a y of the wrong length NumPy's broadcast error."""
    X, y, _ = make_red_blue()
    w1, w2 = np.linspace(-2, 2, 3), np.linspace(-1, 1, 4)
    want = loss_surface(X, y, w1, w2)
    np.testing.assert_array_equal(loss_surface(X, y[:, None], w1, w2), want)
    np.testing.assert_array_equal(loss_surface(X.tolist(), y.tolist(), w1, w2), want)
    with pytest.raises(ValueError, match=r"y must have one label per row of X \(40\); got 20"):
        loss_surface(X, y[:20], w1, w2)


def test_one_feature_boundary_is_the_point_where_p_crosses_the_threshold():
    """The tutorials' 1-D neuron: plot_decision_boundary(clf, X, y) with one feature raised
    'the plane is drawn over two input columns'. Now a vertical line at x = (logit(t) - b) / w
    over the classes drawn on the class axis, for a fitted model, a Neuron, a (w, b)
    pair and a non-linear model (where P crosses the threshold on a grid)."""
    from oneneuron import Neuron
    from oneneuron.datasets import make_gaussians_1d

    X, y, _ = make_gaussians_1d()
    clf = NeuronClassifier().fit(X, y)
    for threshold in (0.5, 0.8):
        ax = plot_decision_boundary(clf, X, y, threshold=threshold)
        (x0,) = set(ax.lines[0].get_xdata())
        assert clf.predict_proba([[x0]])[0, 1] == pytest.approx(threshold, abs=1e-12)
        assert len(ax.collections) == 2  # the two classes
    for model in (
        (clf.coef_.ravel(), clf.intercept_[0]),
        Neuron(1, w=clf.coef_[0], b=clf.intercept_[0]),
    ):
        (x0,) = set(plot_decision_boundary(model, X).lines[0].get_xdata())
        assert x0 == pytest.approx(-clf.intercept_[0] / clf.coef_[0, 0], rel=1e-12)
    curved = make_pipeline(PolynomialFeatures(2), NeuronClassifier()).fit(X, y)
    xs = [
        x
        for line in plot_decision_boundary(curved, X, grid=2000).lines
        for x in set(line.get_xdata())
    ]
    np.testing.assert_allclose(curved.predict_proba(np.c_[xs])[:, 1], 0.5, atol=1e-3)


def test_boundary_refuses_weights_and_models_that_are_not_one_or_two_features():
    """A (w, b) pair with three weights raised 'too many values to unpack'; a 3-feature
    model beside a 2-column X scikit-learn's feature-count error."""
    X, y, _ = make_red_blue()
    with pytest.raises(ValueError, match=r"one or two input columns; the model has 3 weights"):
        plot_decision_boundary(([1.0, 2.0, 3.0], 0.0), X, y)
    three = NeuronClassifier().fit(np.c_[X, X[:, :1] ** 2], y)
    with pytest.raises(ValueError, match=r"one or two input columns; the model takes 3"):
        plot_decision_boundary(three, X, y)


def test_sigmoid_takes_a_one_feature_neurons_weights_as_they_come():
    """plot_sigmoid(neuron.w, neuron.b) of a 1-feature Neuron (w of shape (1,)) or
    plot_sigmoid(clf.coef_, clf.intercept_) raised 'unsupported format string passed to
    numpy.ndarray.__format__'."""
    from oneneuron import Neuron
    from oneneuron.datasets import make_gaussians_1d

    X, y, _ = make_gaussians_1d()
    clf = NeuronClassifier().fit(X, y)
    x = np.linspace(-3, 3, 7)
    want = sigmoid(clf.coef_[0, 0] * x + clf.intercept_[0])
    for w, b in (
        (clf.coef_, clf.intercept_),
        (Neuron(1, w=clf.coef_[0], b=clf.intercept_).w, clf.intercept_[0]),
    ):
        np.testing.assert_allclose(plot_sigmoid(w, b, x=x).lines[0].get_ydata(), want, rtol=1e-15)
    with pytest.raises(ValueError, match=r"w must be one number.*shape \(2,\)"):
        plot_sigmoid(np.ones(2), 0.0)


def test_one_feature_loss_surface_is_over_the_weight_and_the_bias():
    """With one feature the neuron has two parameters, w and b, and the playground draws
    the loss over them; loss_surface raised 'X must have 2 columns'. Now the surface of
    a one-column X is over (w, b), checked against scikit-learn's log_loss, with its
    minimum at the maximum-likelihood fit."""
    from sklearn.metrics import log_loss as sk_log_loss

    from oneneuron.datasets import make_gaussians_1d

    X, y, _ = make_gaussians_1d()
    w, b = np.linspace(0, 8, 81), np.linspace(-3, 3, 61)
    L = loss_surface(X, y, w, b, reduction="mean")
    assert L.shape == (61, 81)
    i, j = 40, 30
    assert L[i, j] == pytest.approx(sk_log_loss(y, sigmoid(w[j] * X[:, 0] + b[i])), rel=1e-12)
    assert loss_surface(X[:, 0], y, w, b, reduction="mean") == pytest.approx(L, rel=0)
    fit = NeuronClassifier().fit(X, y)
    ii, jj = np.unravel_index(np.argmin(L), L.shape)
    assert abs(w[jj] - fit.coef_[0, 0]) <= 0.1 and abs(b[ii] - fit.intercept_[0]) <= 0.1
    with pytest.raises(ValueError, match="b is the second axis"):
        loss_surface(X, y, w, b, b=1.0)
    ax = plot_loss_surface(X, y, w1_range=(0, 8), w2_range=(-3, 3), n=20)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("$w$", "$b$")


def test_names_from_the_data_are_drawn_as_written():
    """Feature names and class labels with ``$`` were read as TeX: ``$\\foo$`` stopped
    the drawing ("Unknown symbol"), ``$5 to $9`` became a formula."""
    import io

    import pandas as pd

    from oneneuron import regularization_path
    from oneneuron.plot import plot_class_histograms, plot_classes, plot_coefficient_path

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(60, 2)), columns=["$\\foo$", "cost $5 to $9"])
    y = np.where(X.iloc[:, 0] + rng.normal(size=60) > 0, "$\\bar$", "b")
    axes = [
        plot_coefficient_path(regularization_path(X, y, n_alphas=4)),
        plot_class_histograms(X.iloc[:, 0], y),
        plot_classes(X.to_numpy(), y),
    ]
    for ax in axes:
        legend = ax.get_legend() or ax.legend()
        ax.figure.savefig(io.BytesIO(), format="png")  # raised ValueError before
        drawn = [t._preprocess_math(t.get_text()) for t in legend.get_texts()]
        assert not any(math for _, math in drawn)
        assert any("$" in text for text, _ in drawn), drawn


def _with_bad_cells(X, bad):
    X = np.array(X, dtype=np.float64)
    X[[3, 7], 0] = bad
    return X


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_plots_of_samples_with_missing_or_infinite_cells_name_them(bad):
    """NaN or inf in the samples gave matplotlib's 'Axis limits cannot be NaN or Inf'
    (boundary) or numpy's 'supplied range of [nan, nan] is not finite' (histograms),
    or a surface of NaN drawn silently: one message naming the cells."""
    X, y, _ = make_red_blue()
    Xb = _with_bad_cells(X, bad)
    clf = NeuronClassifier().fit(X, y)
    calls = [
        lambda: plot_decision_boundary(clf, Xb, y),
        lambda: plot_decision_boundary(NeuronClassifier().fit(X[:, :1], y), Xb[:, :1], y),
        lambda: plot_probability_contours(clf, Xb, y),
        lambda: plot_classes(Xb, y),
        lambda: plot_class_histograms(Xb[:, 0], y),
        lambda: plot_loss_surface(Xb, y, n=5),
        lambda: plot_roc(y, Xb[:, 0]),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=r"2 (missing|infinite) values?.*row 3"):
            call()


def test_a_roc_curve_of_one_class_is_refused():
    """Labels of one class drew a diagonal 'AUC = nan' after scikit-learn's two
    warnings: one message saying a curve needs both classes."""
    with pytest.raises(ValueError, match="only one class"):
        plot_roc(np.ones(10, int), np.linspace(0, 1, 10))


def test_the_loss_surface_names_labels_that_are_not_0_and_1():
    X, y, _ = make_red_blue()
    with pytest.raises(ValueError, match="0 and 1.*'no', 'yes'"):
        loss_surface(X, np.where(y == 1, "yes", "no"), np.zeros(2), np.zeros(2))


def test_planes_of_a_model_fitted_on_a_named_table_predict_with_its_names():
    """A model fitted on a DataFrame of two numeric columns was asked for the plane's
    probabilities with a bare array: scikit-learn's 'X does not have valid feature
    names' warning on every contour plot."""
    import warnings

    import pandas as pd

    X, y, _ = make_red_blue()
    df = pd.DataFrame(X, columns=["height", "weight"])
    clf = NeuronClassifier().fit(df, y)
    one = NeuronClassifier().fit(df[["height"]], y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_probability_contours(clf, df, y, grid=10)
        plot_decision_boundary(make_pipeline(PolynomialFeatures(2), clf).fit(df, y), df, y, grid=10)
        plot_decision_boundary(
            make_pipeline(PolynomialFeatures(2), one).fit(df[["height"]], y),
            df[["height"]],
            y,
            grid=10,
        )


def test_a_boundary_over_named_columns_in_another_order_is_the_models():
    """X's columns in another order than the model's: the line was drawn with the
    first weight on the first axis, a wrong boundary without a word. Oracle: the
    model's own probability along the drawn line is the threshold."""
    import pandas as pd

    X, y, _ = make_red_blue()
    df = pd.DataFrame(X * [1.0, 3.0] + [0.0, 2.0], columns=["height", "weight"])
    clf = NeuronClassifier().fit(df, y)
    swapped = df[["weight", "height"]]
    line = plot_decision_boundary(clf, swapped, y).lines[0]
    a1, a2 = line.get_data()
    on_line = pd.DataFrame({"height": a2, "weight": a1})
    np.testing.assert_allclose(clf.predict_proba(on_line)[:, 1], 0.5, atol=1e-9)
    curved = make_pipeline(PolynomialFeatures(2), NeuronClassifier()).fit(df, y)
    plot_probability_contours(curved, swapped, y, grid=10)  # predicts in the model's order
    with pytest.raises(ValueError, match="not the ones the model was fitted on"):
        plot_decision_boundary(clf, df.rename(columns={"height": "h"}), y)
