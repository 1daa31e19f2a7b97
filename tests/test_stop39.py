"""Stop 39's own fixes (the lead's), each with an oracle or a statement that can fail."""

from __future__ import annotations

import warnings

import numpy as np

import oneneuron
from oneneuron import NeuronClassifier


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2))
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ [1.0, -0.5] + 0.2)))).astype(int)
    return X, y


def test_summary_of_an_unconverged_fit_does_not_say_maximum_likelihood(tmp_path):
    """A fit stopped before the maximum (max_iter reached) printed a Wald table headed
    'maximum likelihood'; its caption now says it did not converge, and a converged fit's
    still says 'maximum likelihood'. The model file keeps it."""
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        short = NeuronClassifier(solver="gd", max_iter=3, inference=True).fit(X, y)
    assert not short.converged_
    caption = short.summary().attrs["caption"]
    assert "NOT CONVERGED" in caption and "maximum likelihood" not in caption, caption
    short.save(tmp_path / "m.json")
    loaded = oneneuron.load(tmp_path / "m.json")
    assert "NOT CONVERGED" in loaded.summary().attrs["caption"]
    full = NeuronClassifier().fit(X, y)
    assert full.converged_
    caption = full.summary().attrs["caption"]
    assert "maximum likelihood" in caption and "NOT CONVERGED" not in caption
