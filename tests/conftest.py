"""Test-session settings shared by every test module."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread_per_worker():
    """pytest -n 2 runs two worker processes on two cores: one BLAS thread each.

    Oversubscribed BLAS threads make small matrix products (and scikit-learn's
    reference fits) orders of magnitude slower on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(autouse=True, scope="session")
def _tiny_fits_on_the_numpy_newton_loop():
    """Tiny binary fits take the NumPy Newton loop in every test, whatever the order.

    The compiled loop loads once a process has spent its load cost in tiny NumPy fits
    (``engines._numpy.tiny_newton_kernel``): left to that rule, a test's path would
    depend on how many tiny fits its worker made before it. The tests of the compiled
    loop (test_fast_path) set ``USE_TINY_NEWTON`` themselves.
    """
    from oneneuron.engines import _numpy

    before, _numpy.USE_TINY_NEWTON = _numpy.USE_TINY_NEWTON, False
    yield
    _numpy.USE_TINY_NEWTON = before


@pytest.fixture
def three_classes() -> tuple[pd.DataFrame, np.ndarray]:
    """150 rows, columns ``u, v``, three classes drawn from a softmax model (class 0 the
    reference): the multinomial data the statistics tests compare with MNLogit."""
    rng = np.random.default_rng(7)
    X = rng.normal(size=(150, 2))
    logits = np.column_stack([np.zeros(150), 1.0 + X[:, 0], -0.5 + X[:, 0] - 1.5 * X[:, 1]])
    P = np.exp(logits - logits.max(1, keepdims=True))
    P /= P.sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=p) for p in P])
    return pd.DataFrame(X, columns=["u", "v"]), y


@pytest.fixture
def iris(tmp_path, capsys):
    """scikit-learn's iris written as a CSV with text labels, and a model trained on it
    from the command line (alpha 0.1): ``(folder, table, model path)``."""
    from sklearn.datasets import load_iris
    from tests._cli import run

    d = load_iris(as_frame=True)
    df = d.frame.drop(columns="target").assign(species=np.asarray(d.target_names)[d.target])
    df.to_csv(tmp_path / "iris.csv", index=False)
    model = tmp_path / "iris.json"
    args = ["train", tmp_path / "iris.csv", "--target", "species", "--alpha", "0.1", "-q"]
    assert run([*args, "--model", model], capsys)[0] == 0
    return tmp_path, df, model
