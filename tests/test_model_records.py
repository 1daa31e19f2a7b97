"""Model files keep what a fit knows beyond its coefficients: relax=True refits, stop reasons."""

from __future__ import annotations

import json

import numpy as np
import pytest

import oneneuron
from oneneuron import NeuronClassifier, NeuronClassifierCV
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
    doc["inference"]["alpha"] = 0.05  # the refit is unpenalised
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="inference.alpha 0.05 is not the relaxed refit"):
        oneneuron.load(path)
    doc["inference"]["alpha"] = 0.0
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


# ------------------------------------------------------ cross-validation record
@pytest.fixture(scope="module")
def fitted_cv():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(240, 6))
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2] + rng.normal(size=240)
    y = np.digitize(z, [-0.7, 0.7])  # three classes
    cv = NeuronClassifierCV(cv=3, n_alphas=7, l1_ratios=(0.5, 1.0), rule="1se").fit(X, y)
    return X, y, cv


def test_cv_model_file_keeps_the_choice_and_its_evidence(tmp_path, fitted_cv):
    X, y, cv = fitted_cv
    model, _ = _reload(cv, tmp_path)
    assert type(model) is NeuronClassifier
    assert np.array_equal(model.predict_proba(X), cv.predict_proba(X))  # bitwise
    assert model.get_params() == cv.best_estimator_.get_params()
    rec = model.cv_record_
    assert (rec.alpha, rec.l1_ratio, rec.rule, rec.scoring) == (
        cv.alpha_,
        cv.l1_ratio_,
        "1se",
        "neg_log_loss",
    )
    assert np.array_equal(rec.scores, cv.scores_) and np.array_equal(rec.alphas, cv.alphas_)
    # the CV curve from the file is cv_results_'s
    assert np.array_equal(rec.mean_score.ravel(), cv.cv_results_["mean_test_score"])
    assert np.array_equal(rec.std_score.ravel(), cv.cv_results_["std_test_score"])
    assert np.array_equal(rec.n_nonzero.ravel(), cv.cv_results_["n_nonzero"])
    i = [p.l1_ratio for p in cv.paths_].index(cv.l1_ratio_)
    full = cv.paths_[i]
    assert np.array_equal(rec.path.coef, full.coef) and rec.path.feature_names == [
        f"x{j}" for j in range(6)
    ]
    assert np.array_equal(rec.path.predict_proba(X), full.predict_proba(X))
    assert np.array_equal(rec.path.deviance_explained, full.deviance_explained)
    # the stored columns are those non-zero somewhere on the path
    doc = json.loads((tmp_path / "m.json").read_text())
    kept = np.flatnonzero(np.any(full.coef != 0, axis=(0, 1)))
    assert doc["path"]["coef_path"]["terms"] == [f"x{j}" for j in kept]
    # the loaded model, saved again, writes the same record
    model.save(tmp_path / "again.json")
    assert json.loads((tmp_path / "again.json").read_text())["path"] == doc["path"]


def test_cv_plots_draw_the_same_from_the_file(tmp_path, fitted_cv):
    from oneneuron.plot import plot_coefficient_path, plot_cv_curve

    _, _, cv = fitted_cv
    model, _ = _reload(cv, tmp_path)
    for plot in (plot_cv_curve, plot_coefficient_path):
        a, b = plot(cv), plot(model)
        assert len(a.lines) == len(b.lines) > 2
        for la, lb in zip(a.lines, b.lines, strict=True):
            assert np.array_equal(la.get_xydata(), lb.get_xydata())
    with pytest.raises(TypeError, match="NeuronClassifierCV"):
        plot_cv_curve(cv.best_estimator_)


def test_the_model_alone_has_no_record_and_a_refit_drops_it(tmp_path, fitted_cv):
    X, y, cv = fitted_cv
    alone, path = _reload(cv.best_estimator_, tmp_path)
    assert json.loads(path.read_text())["path"] is None and not hasattr(alone, "cv_record_")
    model, _ = _reload(cv, tmp_path, "cv.json")
    model.fit(X, y)
    assert not hasattr(model, "cv_record_")
    model.save(tmp_path / "refit.json")
    assert json.loads((tmp_path / "refit.json").read_text())["path"] is None


def test_an_oversized_coefficient_path_is_left_out(tmp_path, fitted_cv, monkeypatch):
    from oneneuron.modelfile import _document
    from oneneuron.plot import plot_coefficient_path

    _, _, cv = fitted_cv
    monkeypatch.setattr(_document, "MAX_PATH_COEFS", 10)
    model, path = _reload(cv, tmp_path)
    assert json.loads(path.read_text())["path"]["coef_path"] is None
    assert model.cv_record_.path is None and model.cv_record_.scores.shape == (2, 3, 7)
    with pytest.raises(ValueError, match="holds no coefficient path"):
        plot_coefficient_path(model)


def _set(doc, keys, value):
    for k in keys[:-1]:
        doc = doc[k]
    doc[keys[-1]] = value


CV_TAMPER = [
    (("path",), [1.0], "path must be a JSON object"),
    (("path", "extra"), 1, "path has unknown key"),
    (("path", "scoring"), "f2", "path.scoring 'f2' is not one of"),
    (("path", "scoring"), "callable os.system()", "a scikit-learn scorer name or"),
    (("path", "rule"), "2se", "path.rule '2se'"),
    (("path", "l1_ratios"), [0.5, 1.5], r"distinct numbers in \[0, 1\]"),
    (("path", "l1_ratios"), [], "path.l1_ratios must have between 1 and"),
    (("path", "alphas", 1), [1.0], r"path.alphas\[1\] must be a list of 7 numbers"),
    (("path", "alphas", 1, 2), True, r"path.alphas\[1\]\[2\] must be a finite number"),
    (("path", "alphas", 1, 2), 1e9, "decreasing"),
    (("path", "scores", 0, 1, 3), "0.5", r"path.scores\[0\]\[1\]\[3\] must be a finite"),
    (("path", "scores", 0, 1, 3), 0.5, r"path.scores must be finite, in \[-inf, 0.0\]"),
    (("path", "scores", 0), [[-0.5] * 7], r"path.scores\[0\] must have between 2 and"),
    (("path", "scores", 1, 0, 6), -0.01, "is not the choice of rule '1se'"),
    (("path", "n_nonzero", 0, 0), 2.5, "path.n_nonzero must be integers from 0 to 6"),
    (("path", "alpha"), 0.125, "must be the model's"),
    (("objective", "alpha"), 0.125, "must be the model's"),
    (("path", "coef_path", "terms"), ["x9"], "distinct names of features.names"),
    (("path", "coef_path", "coef", 0, 0), [1.0], r"coef\[0\]\[0\] must be a list of"),
    (("path", "coef_path", "kkt", 0), -1.0, "kkt must be >= 0"),
    (("path", "coef_path", "loss"), None, "loss must be a list of 7 numbers"),
]


@pytest.mark.parametrize(("keys", "value", "message"), CV_TAMPER)
def test_a_tampered_cv_record_is_refused_naming_the_field(
    tmp_path, fitted_cv, keys, value, message
):
    _, _, cv = fitted_cv
    _, path = _reload(cv, tmp_path)
    doc = json.loads(path.read_text())
    _set(doc, keys, value)
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message) as info:
        oneneuron.load(path)
    assert "\n" not in str(info.value)


def test_relaxed_model_refuses_intervals_its_table_cannot_give(tmp_path, sparse_data, capsys):
    """The relaxed table's covariance is the refit's (kept columns): no intervals of the L1 fit."""
    from oneneuron.cli import main
    from oneneuron.modelfile import read_model

    X, y = sparse_data
    clf = NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(X, y)
    again, path = _reload(clf, tmp_path)
    for model in (clf, again, read_model(path).predictor):
        with pytest.raises(ValueError, match="relax=True"):
            model.predict_interval(X[:3])
    data = tmp_path / "d.csv"
    np.savetxt(data, X[:5], delimiter=",", header="x0,x1,x2,x3,x4", comments="")
    rc = main(["predict", str(path), str(data), "--interval", "0.95", "--out", "-"])
    err = capsys.readouterr().err
    assert rc == 1 and err.startswith("error:") and "--relax" in err  # the command line's word


def test_a_loaded_relaxed_model_says_its_refit_is_not_in_the_file(tmp_path):
    """After a round trip anova counted dropped columns, diagnostics changed, margeff and
    profile intervals crashed: the refit is not saved. Its statistics say so, one line."""
    import pandas as pd

    import oneneuron

    rng = np.random.default_rng(14)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    y = (rng.random(n) < 1 / (1 + np.exp(-df.x))).astype(int)
    m = oneneuron.NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(df, y)
    m.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    pd.testing.assert_frame_equal(back.summary(), m.summary())
    for call in (
        lambda: oneneuron.anova(back, df, y),
        lambda: oneneuron.diagnostics(back, df, y),
        lambda: back.margeff(df),
        lambda: back.summary(ci="profile", X=df, y=y),
    ):
        with pytest.raises(ValueError, match="loaded from a file.*fit the model again"):
            call()


def test_penalty_factors_survive_a_second_save(tmp_path):
    """A loaded model had no penalty_factor_, so saving it again wrote null."""
    import json

    import oneneuron

    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + rng.normal(size=200) > 0).astype(int)
    m = oneneuron.NeuronClassifier(alpha=0.05, l1_ratio=0.5, penalty_factor=[0.5, 1, 2]).fit(X, y)
    m.save(tmp_path / "a.json")
    oneneuron.load(tmp_path / "a.json").save(tmp_path / "b.json")
    a, b = (json.loads((tmp_path / f).read_text()) for f in ("a.json", "b.json"))
    assert b["objective"]["penalty_factor"] == a["objective"]["penalty_factor"] == [0.5, 1, 2]


def test_text_labels_keep_every_character_through_a_model_file(tmp_path):
    """A label ending in a NUL character lost it in the inference record (a NumPy text
    array drops trailing NULs), so save() failed its own check ('inference.classes
    ['a', 'b'] differ from classes ['a\\x00', 'b']')."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = np.array(["a\x00", "b "] * 20, dtype=object)
    model = oneneuron.NeuronClassifier().fit(X, y)
    model.save(tmp_path / "m.json")
    back = oneneuron.load(tmp_path / "m.json")
    assert back.classes_.tolist() == ["a\x00", "b "]
    assert back.predict(X[:4]).tolist() == model.predict(X[:4]).tolist()


def test_a_small_file_cannot_make_load_allocate_a_huge_coefficient_path(tmp_path):
    """A loaded coefficient path is dense, (n_alphas, classes, features), but the file
    stores only the columns non-zero somewhere on it: a 0.4 MB file with 10,000 alphas,
    4,000 features and no stored column made load allocate 320 MB (and, scaled up, any
    amount: 1.5 GiB from 1.1 MB). Such a file is refused, with little memory spent."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)
    path = tmp_path / "cv.json"
    NeuronClassifierCV(cv=2, n_alphas=3, rule="min").fit(X, y).save(path)
    doc = json.loads(path.read_text())
    d, n_alphas = 4000, 10_000
    doc["features"]["names"] = [f"f{j}" for j in range(d)]
    doc["coef"], doc["intercept"], doc["inference"] = [[0.0] * d], [0.0], None
    doc["standardization"] = {"mean": [0.0] * d, "scale": [1.0] * d}
    alphas = [1.0 - i / n_alphas for i in range(n_alphas)]
    best = [-0.1] + [-0.5] * (n_alphas - 1)  # rule "min" picks the first alpha
    doc["objective"]["alpha"] = alphas[0]
    doc["path"].update(
        l1_ratios=[1.0], alphas=[alphas], scores=[[best, best]], n_nonzero=[[0] * n_alphas]
    )
    doc["path"].update(alpha=alphas[0], l1_ratio=1.0)
    doc["objective"]["l1_ratio"] = 1.0
    doc["path"]["coef_path"].update(
        terms=[],
        coef=[[[]]] * n_alphas,
        intercept=[[0.0]] * n_alphas,
        deviance_explained=[0.0] * n_alphas,
        loss=[0.5] * n_alphas,
        kkt=[0.0] * n_alphas,
        n_passes=[1.0] * n_alphas,
    )
    path.write_text(json.dumps(doc))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="coef_path"):
            oneneuron.load(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20 * path.stat().st_size + (16 << 20), (peak, path.stat().st_size)


def test_a_path_too_large_to_load_is_not_written(tmp_path, fitted_cv, monkeypatch):
    from oneneuron.modelfile import _document, _schema

    X, _, cv = fitted_cv
    for module in (_document, _schema):  # 7 alphas x 3 classes x 6 features = 126 cells
        monkeypatch.setattr(module, "MAX_PATH_CELLS", 125)
    model, path = _reload(cv, tmp_path)
    assert json.loads(path.read_text())["path"]["coef_path"] is None
    assert model.cv_record_.path is None
    assert np.array_equal(model.predict_proba(X), cv.predict_proba(X))
