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


def test_remedies_name_the_columns_in_the_singular_or_plural():
    """'drop the redundant column(s)' (and 'the aliased column(s)'): the number of
    columns is known where the remedy is written; it says 'column' for one and
    'columns' for more (wording.noun), in the aliased-term warning, Firth's refusal and
    the Wald test of an aliased term."""
    import pytest

    from oneneuron import CollinearityWarning

    X, y = _data()
    one = np.column_stack([X, X[:, 0]])  # one column too many
    two = np.column_stack([X, X[:, 0], 2 * X[:, 1]])  # two
    for Xc, plural in ((one, False), (two, True)):
        with pytest.warns(CollinearityWarning) as rec:
            fit = NeuronClassifier().fit(Xc, y)
        text = " ".join(str(w.message) for w in rec)
        assert "(s)" not in text and ("drop the redundant columns" in text) == plural, text
        assert "drop the redundant column" in text
        with pytest.raises(ValueError) as err:
            NeuronClassifier(firth=True).fit(Xc, y)
        msg = str(err.value)
        assert "(s)" not in msg and ("drop the redundant columns" in msg) == plural, msg
        assert "drop the redundant column" in msg
    with pytest.raises(ValueError) as err:
        fit.wald_test("x2 = 0")
    assert "(s)" not in str(err.value) and "drop the aliased term from" in str(err.value)


def test_an_empty_thread_variable_is_unset_before_the_libraries_read_it():
    """check_environment took an empty NUMBA_NUM_THREADS as unset, but left it in the
    environment, where numba then parsed it and printed its warning line; it is now
    removed (a blank thread count is no setting), in a subprocess as the CLI runs."""
    import os
    import subprocess
    import sys

    from oneneuron.cli._errors import check_environment

    env = {"NUMBA_NUM_THREADS": " ", "OMP_NUM_THREADS": "", "PATH": "x"}
    check_environment(env)
    assert env == {"PATH": "x"}
    code = (
        "import warnings; warnings.simplefilter('error')\n"
        "from oneneuron.cli._errors import check_environment; check_environment()\n"
        "import numba.core.config as c; print(c.NUMBA_NUM_THREADS >= 1)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "NUMBA_NUM_THREADS": ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0 and run.stdout.strip() == "True", run.stderr
    assert "warning" not in run.stderr.lower(), run.stderr


def test_a_model_that_disagrees_with_itself_is_not_said_to_have_been_set_params(tmp_path):
    """save() said of every failed self-check 'Its parameters were changed after the fit
    (set_params)': also where none was (here ``coef_`` replaced by hand). It now names
    set_params as one cause ('if ...'), and still writes nothing."""
    import pytest

    from oneneuron.io import ModelFileError

    X, y = _data()
    clf = NeuronClassifier().fit(X, y)
    clf.coef_ = clf.coef_[:, :1]
    with pytest.raises(ModelFileError) as err:
        clf.save(tmp_path / "m.json")
    assert "were changed after the fit" not in str(err.value), err.value
    assert "if a parameter was changed after the fit (set_params)" in str(err.value)
    assert not (tmp_path / "m.json").exists()
