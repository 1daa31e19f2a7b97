"""Model files keep what a fit knows beyond its coefficients: relax=True refits, stop reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest

import oneneuron
from oneneuron import NeuronClassifier
from oneneuron.modelfile import ModelFileError


@pytest.fixture(scope="module")
def sparse_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=200) > 0).astype(int)
    return X, y


def _reload(est, tmp_path, name="m.json"):
    path = tmp_path / name
    est.save(path)
    return oneneuron.load(path), path


@pytest.mark.parametrize("multiclass", [False, True])
def test_relaxed_model_round_trip_keeps_predictions_and_the_labelled_table(
    tmp_path, sparse_data, multiclass
):
    X, y = sparse_data
    if multiclass:
        y = y + (X[:, 2] > 0.8)
    clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(X, y)
    again, _ = _reload(clf, tmp_path)
    assert again.relax is True and again.get_params() == clf.get_params()
    assert np.array_equal(again.predict_proba(X), clf.predict_proba(X))
    # the table is the unpenalised refit's, on the kept columns, with the same warning
    assert again.summary_text() == clf.summary_text()
    assert "RELAXED fit" in again.summary_text()
    kept = np.flatnonzero(np.any(clf.coef_ != 0, axis=0))
    assert again.summary().index.get_level_values(-1).tolist()[-len(kept) :] == [
        f"x{j}" for j in kept
    ]
    # oracle: an unpenalised fit on the kept columns gives the same table
    plain = NeuronClassifier().fit(X[:, kept], y)
    np.testing.assert_allclose(
        again.summary()["coef"].to_numpy(), plain.summary()["coef"].to_numpy(), rtol=1e-6
    )


def test_relaxed_file_must_describe_the_kept_columns(tmp_path, sparse_data):
    X, y = sparse_data
    clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(X, y)
    _, path = _reload(clf, tmp_path)
    doc = json.loads(path.read_text())
    doc["params"]["relax"] = False  # then the table must match the coefficients again
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="inference: its coefficients do not match"):
        oneneuron.load(path)
    doc["params"]["relax"] = True
    doc["inference"]["terms"][1] = "x4"  # a column the L1 fit dropped
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="relaxed refit's terms"):
        oneneuron.load(path)
    doc["inference"]["terms"][1] = "x0"
    doc["params"]["relax"] = "yes"
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="params.relax must be true or false"):
        oneneuron.load(path)


def test_stop_reason_is_stored_and_optional(tmp_path, sparse_data):
    X, y = sparse_data
    clf = NeuronClassifier(alpha=0.01).fit(X, y)
    again, path = _reload(clf, tmp_path)
    assert again.stop_reason_ == clf.stop_reason_ and "converged" in clf.stop_reason_
    doc = json.loads(path.read_text())
    del doc["fit"]["stop_reason"], doc["params"]["relax"]  # an older file
    path.write_text(json.dumps(doc))
    older = oneneuron.load(path)
    assert not hasattr(older, "stop_reason_") and older.relax is False
    doc["fit"]["stop_reason"] = ["converged"]
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="fit.stop_reason must be a string"):
        oneneuron.load(path)
