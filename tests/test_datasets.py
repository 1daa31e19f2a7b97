"""The walkthroughs' data: drawn exactly as each walkthrough draws it."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from oneneuron.datasets import (
    aack_beep_sentences,
    load_exam_scores,
    load_microchips,
    make_aack_beep,
    make_gaussians_1d,
    make_perceptron_blobs,
    make_red_blue,
)


def test_red_blue_is_the_walkthroughs_draw():
    # The tutorial: np.random.seed(1); red = randn(20, 2) + (-1, 0); blue = randn(20, 2) + (1, 0)
    np.random.seed(1)  # noqa: NPY002 (the walkthrough's own legacy calls)
    red = np.random.randn(20, 2) + (-1.0, 0.0)  # noqa: NPY002
    blue = np.random.randn(20, 2) + (1.0, 0.0)  # noqa: NPY002
    X, y, names = make_red_blue()
    np.testing.assert_array_equal(X, np.vstack([red, blue]))
    assert y.tolist() == [0] * 20 + [1] * 20
    assert names == ["x1", "x2"]


def test_red_blue_older_scaled_version():
    np.random.seed(1)  # noqa: NPY002 (the walkthrough's own legacy calls)
    red = np.random.randn(20, 2) * 1.2 + (-1.0, 0.0)  # noqa: NPY002
    X, _, _ = make_red_blue(std=1.2)
    np.testing.assert_array_equal(X[:20], red)


def test_aack_beep_matches_the_labs_printed_data():
    # The lab prints its 30 points (seed 3) as two rows and the labels.
    row1 = "0 0 1 1 0 0 0 1 1 1 0 1 1 1 0 1 1 0 0 0 0 1 1 0 0 0 1 0 0 0"
    row2 = "0 1 0 1 1 0 1 0 0 1 1 0 0 1 0 1 0 1 1 1 1 0 1 0 0 1 1 1 0 0"
    labels = "0 1 0 0 1 0 1 0 0 0 1 0 0 0 0 0 0 1 1 1 1 0 0 0 0 1 0 1 0 0"
    X, y, names = make_aack_beep()
    assert X[:, 0].astype(int).tolist() == [int(v) for v in row1.split()]
    assert X[:, 1].astype(int).tolist() == [int(v) for v in row2.split()]
    assert y.tolist() == [int(v) for v in labels.split()]
    assert names == ["aack", "beep"]


def test_aack_beep_label_rule_and_sentences():
    X, y, _ = make_aack_beep(200, random_state=7)
    np.testing.assert_array_equal(y, ((X[:, 0] == 0) & (X[:, 1] == 1)).astype(int))
    X4, y4, _ = aack_beep_sentences()
    # angry exactly where there are more beep than aack
    np.testing.assert_array_equal(y4, (X4[:, 1] > X4[:, 0]).astype(int))


def test_random_state_instance_is_advanced():
    rng = np.random.RandomState(3)
    make_aack_beep(30, random_state=rng)
    after = rng.randn()
    ref = np.random.RandomState(3)
    ref.randint(0, 2, (2, 30))
    assert after == ref.randn()


def test_gaussians_1d():
    X, y, names = make_gaussians_1d()
    assert X.shape == (200, 1) and names == ["x"]
    assert y.tolist() == [0] * 100 + [1] * 100
    # class means within 4 standard errors of -1.5 and +1.5, spread near 1
    for c, mu in ((0, -1.5), (1, 1.5)):
        xc = X[y == c, 0]
        assert abs(xc.mean() - mu) < 4 / np.sqrt(100)
        assert 0.75 < xc.std() < 1.25
    np.testing.assert_array_equal(X, make_gaussians_1d()[0])
    assert not np.array_equal(X, make_gaussians_1d(random_state=1)[0])


def test_perceptron_blobs_are_sklearns():
    X, y, _ = make_perceptron_blobs()
    Xr, yr = make_blobs(
        n_samples=1000, centers=([2.5, 3], [6.7, 7.9]), cluster_std=1.4, random_state=0
    )
    np.testing.assert_array_equal(X, Xr)
    np.testing.assert_array_equal(y, yr)
    np.testing.assert_allclose(X[y == 0].mean(0), [2.5, 3.0], atol=0.2)
    np.testing.assert_allclose(X[y == 1].std(0), [1.4, 1.4], atol=0.15)


def test_loaders():
    X, y, _ = load_exam_scores()
    assert X.shape == (100, 2) and set(np.unique(y)) == {0, 1}
    X, y, _ = load_microchips()
    assert X.shape == (118, 2) and int(y.sum()) == 58


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: make_red_blue(0), "n_per_class"),
        (lambda: make_red_blue(std=0), "std"),
        (lambda: make_gaussians_1d(sigma=-1), "sigma"),
        (lambda: make_gaussians_1d(sigma=np.inf), "sigma"),
        (lambda: make_gaussians_1d(means=(np.nan, 1.0)), "means"),
        (lambda: make_gaussians_1d(means=(0.0, np.inf)), "means"),
        (lambda: make_gaussians_1d(means=(0.0, 1.0, 2.0)), "means"),
        (lambda: make_red_blue(std=np.inf), "std"),
        (lambda: make_aack_beep(2.5), "n_samples"),
    ],
)
def test_bad_arguments_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_bad_random_state_raises():
    with pytest.raises(TypeError, match="random_state"):
        make_red_blue(random_state="one")
