"""The math layer: closed forms, derivatives by finite differences, extremes, properties."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from oneneuron import (
    cross_entropy,
    cross_entropy_grad,
    log_loss,
    log_loss_grad,
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_grad,
    softmax,
)
from oneneuron.functions import log_loss_hess, probability_log_loss, softplus

finite = st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False)
moderate = st.floats(min_value=-30, max_value=30)


def test_exact_values_and_limits():
    assert sigmoid(0.0) == 0.5
    assert sigmoid(1e4) == 1.0 and sigmoid(-1e4) == 0.0
    assert sigmoid(np.float32(-1e4)).dtype == np.float32
    assert sigmoid([1e308, -1e308]).tolist() == [1.0, 0.0]
    assert log_sigmoid(-1e4) == -1e4
    assert softmax([[1e4, 0.0, -1e4]]).tolist() == [[1.0, 0.0, 0.0]]


def test_closed_forms_against_naive_formulas_in_safe_range():
    z = np.linspace(-20, 20, 81)
    a = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(sigmoid(z), a, rtol=1e-15)
    np.testing.assert_allclose(sigmoid_grad(z), a * (1 - a), rtol=1e-7)
    np.testing.assert_allclose(log_sigmoid(z), np.log(a), rtol=1e-8, atol=1e-15)
    zs, as_ = z[np.abs(z) <= 10], a[np.abs(z) <= 10]  # where the naive formula is accurate
    for y in (0.0, 1.0, 0.3):
        naive = -(y * np.log(as_) + (1 - y) * np.log(1 - as_))
        np.testing.assert_allclose(log_loss(y, zs), naive, rtol=1e-9)
    np.testing.assert_allclose(softplus(z), np.log1p(np.exp(z)), rtol=1e-14)
    Z = np.random.default_rng(0).normal(size=(5, 4))
    P = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
    np.testing.assert_allclose(softmax(Z), P, rtol=1e-14)
    np.testing.assert_allclose(log_softmax(Z), np.log(P), rtol=1e-13)


@pytest.mark.parametrize(
    "f, df",
    [
        (sigmoid, sigmoid_grad),
        (lambda z: log_loss(1.0, z), lambda z: log_loss_grad(1.0, z)),
        (lambda z: log_loss(0.0, z), lambda z: log_loss_grad(0.0, z)),
        (lambda z: log_loss_grad(0.0, z), log_loss_hess),
    ],
)
def test_derivatives_match_central_differences(f, df):
    z = np.linspace(-8, 8, 33)
    h = 1e-6
    np.testing.assert_allclose(df(z), (f(z + h) - f(z - h)) / (2 * h), rtol=1e-6, atol=1e-9)


def test_cross_entropy_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(3, 4))
    Y = np.eye(4)[[0, 2, 3]]
    G = cross_entropy_grad(Y, Z)
    h = 1e-6
    for i in range(3):
        for k in range(4):
            E = np.zeros_like(Z)
            E[i, k] = h
            fd = (cross_entropy(Y, Z + E)[i] - cross_entropy(Y, Z - E)[i]) / (2 * h)
            assert abs(G[i, k] - fd) < 1e-8


def test_probability_log_loss_agrees_with_logit_form():
    z = np.linspace(-10, 10, 21)
    y = (z > 0.5).astype(float)
    np.testing.assert_allclose(probability_log_loss(sigmoid(z), y), log_loss(y, z), rtol=1e-9)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_no_warnings_no_nan_for_any_finite_input(z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for out in (
            sigmoid(z),
            sigmoid_grad(z),
            log_sigmoid(z),
            log_loss(1.0, z),
            log_loss(0.0, z),
            log_loss_grad(1.0, z),
            softmax(z[None, :]),
            log_softmax(z[None, :] / 2),
        ):
            assert not np.any(np.isnan(out))
        assert np.all((sigmoid(z) >= 0) & (sigmoid(z) <= 1))
        assert np.all(np.isfinite(sigmoid(z)))


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=finite))
def test_sigmoid_symmetry(z):
    np.testing.assert_allclose(sigmoid(-z), 1 - sigmoid(z), atol=1e-15)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.integers(1, 20), elements=finite), st.floats(0, 1))
def test_loss_nonnegative(z, y):
    assert np.all(log_loss(y, z) >= 0)
    assert np.all(cross_entropy(np.eye(z.size)[:1], z[None, :]) >= 0)


@settings(max_examples=100, deadline=None)
@given(arrays(np.float64, (4, 3), elements=moderate))
def test_softmax_rows_sum_to_one_and_shift_invariant(Z):
    P = softmax(Z)
    np.testing.assert_allclose(P.sum(1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(Z + 7.5), P, atol=1e-12)


def test_float32_in_float32_out():
    z = np.array([-1e4, 0, 3], dtype=np.float32)
    for f in (sigmoid, sigmoid_grad, log_sigmoid, softplus):
        assert f(z).dtype == np.float32
    assert softmax(z[None]).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_pair_is_both_sigmoids_bit_for_bit(dtype):
    """One exp for both class probabilities, each exactly what sigmoid gives (the small
    one computed directly: near 1e-300 it is not 1 - the large one)."""
    from oneneuron.functions import sigmoid_pair

    rng = np.random.default_rng(0)
    z = np.r_[rng.standard_normal(1001) * 40, 0.0, -0.0, 700.0, -700.0, np.inf, -np.inf, np.nan]
    Z = z.astype(dtype).reshape(-1, 8)
    P = sigmoid_pair(Z)
    assert P.shape == Z.shape + (2,) and P.dtype == dtype
    np.testing.assert_array_equal(P, np.stack([sigmoid(-Z), sigmoid(Z)], axis=-1))
    assert sigmoid_pair([-700.0])[0, 1] > 0.0


def test_neuron_takes_column_or_row_vectors_of_labels_and_refuses_other_shapes():
    """y of shape (n, 1) (a course's data[:, 2:3]) broadcast to an n x n matrix: the cost
    was silently wrong (0.93 for 0.43) and dw came out (2, n)."""
    from oneneuron import Neuron

    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0.0]])
    y = np.array([1, 0, 1, 0.0])
    n = Neuron(2, w=[-1, 2], b=0.5)
    a = n.forward(X)
    want_cost, (want_dw, want_db) = n.cost(a, y), n.backward(X, a, y)
    for shaped in (y[:, None], y[None, :]):
        assert n.cost(a, shaped) == pytest.approx(want_cost, rel=1e-15)
        dw, db = n.backward(X, a, shaped)
        np.testing.assert_array_equal(dw, want_dw)
        assert db == want_db
    n.update(want_dw[:, None], want_db, 0.1)  # dw as a column, as some courses keep w
    assert n.w.shape == (2,)
    with pytest.raises(ValueError, match=r"y must have one value per sample \(4\)"):
        n.cost(a, y[:3])
    with pytest.raises(ValueError, match=r"y must have one value per sample \(4\)"):
        n.backward(X, a, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"dw must have shape \(2,\)"):
        n.update(np.ones(3), 0.0, 0.1)
    with pytest.raises(ValueError, match="n_features must be a positive integer"):
        Neuron(n_features=2.7)
    with pytest.raises(ValueError, match="n_features must be a positive integer"):
        Neuron(n_features=None)


def test_log_loss_keeps_its_relative_accuracy_and_its_limits():
    """softplus(z) - y z cancelled for a confident correct y = 1 (1.3% off at z = 30, 0.0
    at z = 37) and gave NaN at infinite logits, whose losses are 0 or inf."""
    z = np.array([30.0, 37.0, 50.0])
    exact = np.log1p(np.exp(-z))  # y = 1: log(1 + e^-z), no cancellation
    np.testing.assert_allclose(log_loss(1.0, z), exact, rtol=1e-14)
    np.testing.assert_allclose(log_loss(0.0, -z), exact, rtol=1e-14)  # the mirror case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = log_loss([1.0, 0.0, 0.0, 1.0, 0.3], [np.inf, -np.inf, np.inf, -np.inf, np.inf])
    np.testing.assert_array_equal(got, [0.0, 0.0, np.inf, np.inf, np.inf])
    assert np.isnan(log_loss(1.0, np.nan))


def test_losses_refuse_labels_that_broadcast_to_a_matrix():
    """y of shape (n, 1) beside z of shape (n,) broadcast to an n x n matrix: log_loss,
    its gradient and the probability form returned n x n values, whose mean is a wrong
    cost (0.87 instead of sklearn's 0.31 here) without any error."""
    from sklearn.metrics import log_loss as sk_log_loss

    y = np.array([0, 1, 1, 0])
    z = np.array([-2.0, 1.0, 0.5, -1.0])
    want = sk_log_loss(y, sigmoid(z))
    assert np.mean(log_loss(y, z)) == pytest.approx(want, rel=1e-12)
    for f, first, second in (
        (log_loss, y[:, None], z),
        (log_loss_grad, y[:, None], z),
        (log_loss, y, z[:, None]),
        (probability_log_loss, sigmoid(z)[:, None], y),
        (probability_log_loss, sigmoid(z), y[:, None]),
    ):
        with pytest.raises(ValueError, match=r"\(4, 4\) matrix"):
            f(first, second)
    # one label for many logits, or many labels at one logit, still broadcast as before
    np.testing.assert_allclose(log_loss(1.0, z), -np.log(sigmoid(z)), rtol=1e-12)
    np.testing.assert_allclose(log_loss(y, 0.0), np.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(log_loss(y[:, None], z[:, None])[:, 0], log_loss(y, z))


@pytest.mark.parametrize("f", [log_loss, log_loss_grad])
def test_losses_refuse_labels_outside_0_1(f):
    """Labels in {-1, 1} (the SVM convention) gave a loss of 4.13 and a negative one for
    y = 2, silently; now one error that says what to do."""
    with pytest.raises(ValueError, match=r"y must be 0/1 labels or probabilities in \[0, 1\]"):
        f([-1, 1], [2.0, 2.0])
    with pytest.raises(ValueError, match=r"\(y \+ 1\) / 2"):
        f(np.array([-1, 1, 1]), 0.0)
    assert f(np.array([True, False]), 0.5).shape == (2,)  # bool labels are 0/1


def test_probability_log_loss_refuses_values_outside_0_1():
    """A probability of 1.2 gave a negative loss, a label of -1 a wrong one; a logit passed
    as a probability is the usual cause."""
    with pytest.raises(ValueError, match=r"a must be probabilities in \[0, 1\]"):
        probability_log_loss([1.2], [1])
    with pytest.raises(ValueError, match=r"y must be 0/1 labels"):
        probability_log_loss([0.9, 0.9], [-1, 1])


def test_cross_entropy_refuses_class_labels_in_place_of_one_hot_rows():
    """Y = [0, 1, 2] (class labels) beside 3 x 3 logits broadcast row-wise and gave a
    loss for every row; now Y must have Z's shape."""
    Z = np.zeros((3, 3))
    for f in (cross_entropy, cross_entropy_grad):
        with pytest.raises(ValueError, match=r"one-hot.*np\.eye\(3\)\[labels\]"):
            f([0, 1, 1], Z)
        with pytest.raises(ValueError, match=r"one-hot"):
            f([0, 1], np.zeros((2, 3)))
    np.testing.assert_allclose(cross_entropy(np.eye(3), Z), np.log(3.0), rtol=1e-15)


def test_neuron_refuses_labels_outside_0_1_and_logits_in_place_of_a():
    """backward(X, a, y) with y in {-1, 1} gave dz = a - y, the gradient of nothing (and
    cost() a wrong number); backward(X, z, y) with the logits for a did the same."""
    from oneneuron import Neuron

    X = np.array([[0, 1], [1, 0], [1, 1], [0, 0.0]])
    y = np.array([1, 0, 1, 0])
    n = Neuron(2, w=[-1, 2], b=0.5)
    a = n.forward(X)
    with pytest.raises(ValueError, match=r"y must be 0/1 labels.*\(y \+ 1\) / 2"):
        n.backward(X, a, 2 * y - 1)
    with pytest.raises(ValueError, match=r"y must be 0/1 labels"):
        n.cost(a, 2 * y - 1)
    with pytest.raises(ValueError, match=r"y must be 0/1 labels"):
        n.cost(a.copy(), 2 * y - 1)
    with pytest.raises(ValueError, match=r"a must be probabilities.*forward"):
        n.backward(X, n.z, y)
    dw, db = n.backward(X, a, y.astype(bool))  # bool labels are 0/1
    np.testing.assert_allclose(dw, X.T @ (sigmoid(X @ [-1, 2] + 0.5) - y) / 4, rtol=1e-15)


def test_neuron_takes_bias_and_its_gradient_as_one_element_arrays():
    """Courses keep b and db as arrays of shape (1, 1) (np.sum(dz, keepdims=True)):
    Neuron(b=np.zeros((1, 1))) and update(dw, db_array, lr) raised NumPy's "only
    0-dimensional arrays can be converted to Python scalars"."""
    from oneneuron import Neuron

    n = Neuron(2, w=[[0.5], [-0.5]], b=np.array([[0.25]]))  # w as a column too
    assert n.b == 0.25 and n.w.tolist() == [0.5, -0.5]
    n.update(np.zeros((2, 1)), np.array([[1.0]]), learning_rate=0.5)
    assert n.b == -0.25
    with pytest.raises(ValueError, match=r"db must be one number.*shape \(2,\)"):
        n.update(np.zeros(2), np.zeros(2), 0.1)
    with pytest.raises(ValueError, match=r"b must be one number"):
        Neuron(2, b=[1.0, 2.0])


@pytest.mark.parametrize("lr", [np.nan, np.inf, -0.1, 0.0, "0.1", None])
def test_neuron_update_refuses_a_learning_rate_that_is_not_a_positive_number(lr):
    """learning_rate=nan turned w into NaN silently; a string raised NumPy's UFuncTypeError."""
    from oneneuron import Neuron

    n = Neuron(2)
    with pytest.raises(ValueError, match=r"learning_rate must be a positive number"):
        n.update(np.ones(2), 1.0, lr)
    assert n.w.tolist() == [0.0, 0.0] and n.b == 0.0


def test_neuron_says_how_to_pass_one_feature():
    from oneneuron import Neuron

    with pytest.raises(ValueError, match=r"X\.reshape\(-1, 1\)"):
        Neuron(1).forward([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"X\.T"):
        Neuron(2).forward(np.zeros((2, 5)))


@pytest.mark.parametrize(
    ("rule", "kw", "match"),
    [
        ("sgd", {"learning_rate": np.nan}, "learning_rate must be a positive number"),
        ("adam", {"learning_rate": -1.0}, "learning_rate must be a positive number"),
        ("rmsprop", {"learning_rate": "0.1"}, "learning_rate must be a positive number"),
        ("momentum", {"learning_rate": 0.1, "beta": 1.5}, r"beta must be in \[0, 1\)"),
        ("adam", {"learning_rate": 0.1, "b2": 1.0}, r"b2 must be in \[0, 1\)"),
        ("rmsprop", {"learning_rate": 0.1, "eps": -1.0}, "eps must be a positive number"),
    ],
)
def test_update_rules_refuse_rates_that_make_no_descent(rule, kw, match):
    """sgd(nan) stepped by NaN, adam(-1) climbed the loss, adam(b2=1) divided by 0 (NaN
    and a RuntimeWarning), momentum(beta=1.5) grew without bound, rmsprop('0.1') raised
    "bad operand type for unary -": none said which setting was wrong."""
    from oneneuron.optim import OPTIMIZERS

    with pytest.raises(ValueError, match=match):
        OPTIMIZERS[rule](**kw)


@pytest.mark.parametrize("threshold", [50, 0.0, 1.0, -0.5, np.nan])
def test_neuron_predict_refuses_a_threshold_outside_0_1(threshold):
    """threshold=50 (a percentage) predicted class 0 for every row without a word;
    NeuronClassifier and plot_decision_boundary refuse it."""
    from oneneuron import Neuron

    with pytest.raises(ValueError, match=r"threshold must be a probability in \(0, 1\)"):
        Neuron(1, w=[1.0]).predict([[0.0], [5.0]], threshold=threshold)


def test_softmax_family_takes_infinite_logits_to_their_limits():
    """log_loss gives the limits of infinite logits (0 or inf); softmax([[inf, 0]]) gave
    [nan, nan] with a RuntimeWarning, and cross_entropy NaN, where the limits are [1, 0],
    0 for the right class and inf for the wrong one."""
    Z = np.array([[np.inf, 0.0, -1.0], [np.inf, np.inf, 0.0], [-np.inf, 0.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P, logP = softmax(Z), log_softmax(Z)
        ce = cross_entropy(np.eye(3)[[0, 2, 1]], Z)
        grad = cross_entropy_grad(np.eye(3)[[0, 2, 1]], Z)
    np.testing.assert_array_equal(P, [[1, 0, 0], [0.5, 0.5, 0], [0, 0.5, 0.5]])
    np.testing.assert_array_equal(
        logP,
        [
            [0, -np.inf, -np.inf],
            [-np.log(2), -np.log(2), -np.inf],
            [-np.inf, -np.log(2), -np.log(2)],
        ],
    )
    np.testing.assert_array_equal(ce, [0.0, np.inf, np.log(2)])
    np.testing.assert_array_equal(grad, P - np.eye(3)[[0, 2, 1]])


def test_a_perfect_probability_has_a_loss_of_plus_zero():
    """probability_log_loss([1.0], [1.0]) printed -0.0 (its own docstring example showed
    it), and Neuron.cost of a perfect fit could too; log_loss gives +0.0."""
    from oneneuron import Neuron

    got = probability_log_loss([1.0, 0.0, 0.5], [1.0, 0.0, 1.0])
    assert np.signbit(got).tolist() == [False, False, False]
    neuron = Neuron(1, w=[1.0])
    assert not np.signbit(neuron.cost(np.array([1.0, 0.0]), [1, 0]))


def test_a_number_in_gives_a_number_out_as_numpy_ufuncs_do():
    """sigmoid(2.0) and log_loss(1, 0.5) printed as array(0.88079708) and
    array(0.47407698) while softplus(2.0) gave np.float64(2.1269...): one family, two
    kinds of answer for a number. Now a NumPy scalar for every one, as np.exp(2.0)."""
    from oneneuron.functions import log_sigmoid_grad

    one = [sigmoid, sigmoid_grad, log_sigmoid, log_sigmoid_grad, softplus, log_loss_hess]
    two = [log_loss, log_loss_grad, probability_log_loss]
    outs = [f(2.0) for f in one] + [f(1.0, 0.5) for f in two]
    assert [type(v) for v in outs] == [type(np.exp(2.0))] * len(outs)
    assert type(sigmoid(np.float32(2.0))) is np.float32
    assert sigmoid([2.0]).shape == (1,)


@pytest.mark.parametrize(
    ("what", "step"),
    [
        ("X", lambda n: n.forward(np.array([[1.0, np.nan], [0.0, 1.0]]))),
        ("X", lambda n: n.forward(np.array([[1.0, 0.0], [np.inf, 1.0]]))),
        ("X", lambda n: n.backward(np.array([[1.0, 0.0], [0.0, np.nan]]), [0.5, 0.5], [0, 1])),
        ("dw", lambda n: n.update(np.array([np.nan, 0.0]), 0.0, learning_rate=0.1)),
        ("dw", lambda n: n.update(np.array([[np.inf], [0.0]]), 0.0, learning_rate=0.1)),
        ("db", lambda n: n.update(np.zeros(2), np.nan, learning_rate=0.1)),
        ("w", lambda n: n.initialize(w=[0.0, np.inf])),
        ("b", lambda n: n.initialize(b=np.nan)),
    ],
)
def test_neuron_refuses_non_finite_numbers_and_keeps_its_state(what, step):
    """A NaN or infinity in X, a gradient or a starting weight made every later w, b and
    cost NaN without a word (NumPy's matmul warning at most): now one ValueError naming
    the argument, and the neuron's w and b are unchanged."""
    from oneneuron import Neuron

    neuron = Neuron(n_features=2, w=[0.5, -1.0], b=0.25)
    with pytest.raises(ValueError, match=rf"^{what} .*(missing|infinite|finite)"):
        step(neuron)
    assert neuron.w.tolist() == [0.5, -1.0] and neuron.b == 0.25
