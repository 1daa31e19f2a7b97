"""Model files: exact round trips, no clobbering, and clear refusals of damaged files."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

import oneneuron
from oneneuron import NeuronClassifier
from oneneuron.datasets import load_exam_scores
from oneneuron.io import ModelFileError, read_model


@pytest.fixture(scope="module")
def exam():
    X, y, names = load_exam_scores()
    return X, y, names


def _same_predictions(a, b, X):
    assert np.array_equal(a.predict_proba(X), b.predict_proba(X))  # bitwise
    assert np.array_equal(a.decision_function(X), b.decision_function(X))
    assert np.array_equal(a.predict(X), b.predict(X))


def test_round_trip_is_bitwise(tmp_path, exam):
    X, y, _ = exam
    clf = NeuronClassifier().fit(X, y)
    path = tmp_path / "m.json"
    clf.save(path)
    again = oneneuron.load(path)
    _same_predictions(clf, again, X)
    assert again.classes_.dtype == clf.classes_.dtype
    assert again.converged_ == clf.converged_ and again.grad_norm_ == clf.grad_norm_
    assert again.n_samples_fit_ == len(y) == read_model(path).n_samples
    assert np.array_equal(again.mean_, clf.mean_) and np.array_equal(again.scale_, clf.scale_)
    assert again.get_params() == clf.get_params()


@pytest.mark.parametrize("kind", ["str", "int", "bool", "float32"])
def test_round_trip_label_types_and_dtypes(tmp_path, kind):
    X, y = load_iris(return_X_y=True)
    if kind == "str":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    elif kind == "bool":
        X, y = X[y < 2], y[y < 2] == 1
    elif kind == "float32":
        X = X.astype(np.float32)
    clf = NeuronClassifier(alpha=0.01, tol=1e-5).fit(X, y)
    clf.save(tmp_path / "m.json")
    again = oneneuron.load(tmp_path / "m.json")
    _same_predictions(clf, again, X)
    assert again.coef_.dtype == clf.coef_.dtype
    assert again.predict(X).dtype == clf.predict(X).dtype


def test_feature_names_survive(tmp_path):
    X, y = load_iris(return_X_y=True, as_frame=True)
    clf = NeuronClassifier(alpha=0.1, class_weight={0: 2.0, 1: 1.0, 2: 1.0}).fit(X, y)
    clf.save(tmp_path / "m.json")
    again = oneneuron.load(tmp_path / "m.json")
    assert list(again.feature_names_in_) == list(X.columns)
    assert again.class_weight == clf.class_weight
    _same_predictions(clf, again, X)
    with pytest.raises(ValueError, match=re.escape(f"lacks column {X.columns[0]!r}")):
        again.predict(X.rename(columns={X.columns[0]: "other"}))


def test_never_clobbers(tmp_path, exam):
    X, y, _ = exam
    path = tmp_path / "m.json"
    path.write_text("precious")
    clf = NeuronClassifier().fit(X, y)
    with pytest.raises(FileExistsError):
        clf.save(path)
    assert path.read_text() == "precious"
    clf.save(path, overwrite=True)
    assert oneneuron.load(path).coef_.tolist() == clf.coef_.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]  # no temp files left


def test_unfitted_model_writes_nothing(tmp_path):
    with pytest.raises(Exception, match="not fitted"):
        NeuronClassifier().save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_inference_key_is_kept_and_validated(tmp_path, exam):
    X, y, _ = exam
    clf = NeuronClassifier().fit(X, y)
    doc = json.loads((_saved(tmp_path, clf)).read_text())
    assert doc["inference"] == json.loads(json.dumps(clf.inference_.to_dict()))
    assert read_model(_saved(tmp_path, clf)).inference == doc["inference"]
    for bad, match in [
        ({"se": [0.1, 0.2, 0.3]}, "not a valid inference record"),
        ([1, 2], "inference must be a JSON object"),
    ]:
        doc["inference"] = bad
        (tmp_path / "j.json").write_text(json.dumps(doc))
        with pytest.raises(ModelFileError, match=match):
            read_model(tmp_path / "j.json")


def _saved(tmp_path, clf):
    path = tmp_path / "base.json"
    if not path.exists():
        clf.save(path)
    return path


def _set(doc, keys, value):
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value


TAMPER = [
    (("format_version",), 3, "version 3 is not supported.*reads versions 1, 2.*upgrade"),
    (("format_version",), True, "version True is not supported"),
    (("format_version",), 2.0, "version 2.0 is not supported"),
    (("path",), [1.0], "path must be a JSON object"),
    (("format_version",), "1", "version '1' is not supported"),
    (("format",), "pickle", "not a oneneuron model file"),
    (("coef",), [[1.0]], r"coef\[0\] must be a list of 2 numbers"),
    (("coef",), [[1.0, 2.0], [3.0, 4.0]], "coef must have 1 row"),
    (("intercept",), [], "intercept must be a list of 1 numbers"),
    (("coef", 0, 1), "0.2", r"coef\[0\]\[1\] must be a finite number"),
    (("standardization", "scale", 0), -1.0, "scale must be positive"),
    (("standardization", "mean"), [0.0], "standardization.mean must be a list of 2"),
    (("classes", "values"), [0, 0], "repeated label"),
    (("classes", "values"), [0], "at least two class labels"),
    (("classes", "dtype"), "int64x", "not a numpy dtype"),
    (("features", "names"), ["a", "a"], "repeated name"),
    (("features", "names"), ["a"], r"coef\[0\] must be a list of 1 numbers"),
    (("params", "threshold"), 1.5, "threshold must be in"),
    (("params", "optimizer"), "magic", "params.optimizer 'magic' is not one of"),
    (("params", "cov_type"), "HC9", "params.cov_type 'HC9' is not one of"),
    (("params", "inference"), "maybe", "params.inference must be true or false"),
    (("params", "random_state"), -1, "params.random_state must be an integer >= 0"),
    (("params", "batch_size"), 0, "params.batch_size must be an integer >= 1"),
    (("params", "learning_rate"), 0, "params.learning_rate must be > 0"),
    (("params", "warm_start"), 1, "params.warm_start must be true or false"),
    (("fit", "converged"), "yes", "fit.converged must be true or false"),
    (("fit", "grad_norm"), -1, "fit.grad_norm must be >= 0"),
    (("objective", "alpha"), None, "objective.alpha must be a finite number"),
    (("dtype",), "float16", "dtype must be"),
    (("extra",), 1, "unknown key"),
    (("input",), {"target": "y"}, "input: must be an object"),
    # found by tampering (each was accepted): swapped classes flipped every prediction, an
    # impossible covariance or likelihood printed p = 0 or a pseudo-R2 above 1
    (("classes", "values"), [1, 0], r"classes.values must be in the order a fit gives"),
    (("inference", "classes"), [1, 0], r"inference\.classes \[1, 0\] differ from classes"),
    (("inference", "cov", 1, 1), -5.0, "inference: the covariance must be symmetric"),
    (("inference", "cov", 1, 2), 0.5, "inference: the covariance must be symmetric"),
    (("inference", "log_likelihood"), 10.0, "inference: log_likelihood must be <= 0"),
    # the summary printed these as they stood: a Firth caption and p-values of 5 and -2 on
    # a maximum-likelihood fit, a null deviance of -inf, a caption of "[1] clusters"
    (("inference", "extra", "firth"), True, "extra.firth is true but the model is not"),
    (("inference", "extra", "firth"), "yes", "extra.firth must be true or false"),
    (("params", "firth"), True, "params.firth is true but the inference is not a Firth"),
    (("inference", "extra", "lr_p_values"), [5.0, -2.0, 0.3], "belong to a Firth fit"),
    (("inference", "extra", "fit_intercept"), False, "differs from objective.fit_intercept"),
    (("inference", "extra", "offset"), 1, "extra.offset must be true or false"),
    (("inference", "extra", "zero_log_likelihood"), 1e308, "zero_log_likelihood must be <="),
    (("inference", "extra", "zero_log_likelihood"), "x", "must be a finite number"),
    (("inference", "extra", "n_clusters"), [1], "extra.n_clusters must be an integer >= 1"),
    (("inference", "extra", "separated_rows"), -1, "extra.separated_rows must be an integer"),
    (("inference", "extra", "note"), {"a": 1}, "extra.note must be a string"),
    # the summary labelled each coefficient with the file's terms: swapped, one column's
    # estimate and p-value were printed under the other's name
    (("inference", "terms"), ["intercept", "x1", "x0"], "inference.terms must be the model"),
    (("inference", "terms"), [0, 1, 2], "inference.terms must be the model"),
    (("inference", "cov_type"), "HC9", "inference.cov_type 'HC9' is not params.cov_type"),
    (("inference", "cov_type"), "cluster", "is not params.cov_type 'nonrobust'"),
    (("inference", "alpha"), 3.0, "inference.alpha 3.0 is not the model's 0.0"),
    (("inference", "separation"), "<b>quasi</b>", "inference.separation '<b>quasi</b>' is"),
    (("inference", "reason"), 5, "inference.reason must be a string"),
]


@pytest.mark.parametrize(("keys", "value", "message"), TAMPER)
def test_tampered_files_are_refused(tmp_path, exam, keys, value, message):
    X, y, _ = exam
    doc = json.loads(_saved(tmp_path, NeuronClassifier().fit(X, y)).read_text())
    _set(doc, keys, value)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match=message) as info:
        read_model(bad)  # refused when read, before any estimator is built
    assert "\n" not in str(info.value) and str(bad) in str(info.value)


def test_version_1_files_still_load(tmp_path, exam):
    """A file of format version 1 (no design, no path) loads and predicts the same."""
    X, y, _ = exam
    clf = NeuronClassifier().fit(X, y)
    doc = json.loads(_saved(tmp_path, clf).read_text())
    assert doc["design"] is None and doc["path"] is None
    del doc["design"], doc["path"]
    doc["format_version"] = 1
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(doc))
    np.testing.assert_array_equal(oneneuron.load(old).predict_proba(X), clf.predict_proba(X))
    doc["design"] = None  # version 1 has no design key: a file claiming it is refused
    old.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="unknown key.*design"):
        oneneuron.load(old)


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda t: t[: len(t) // 2], "not valid JSON.*truncated or corrupted"),
        (lambda t: "", "not valid JSON"),
        (lambda t: t.replace('"intercept": [', '"intercept": [NaN, ', 1), "NaN"),
        (lambda t: t.replace("{", '{"format": 0, ', 1), "appears twice"),
        (lambda t: "[1, 2]", "must be a JSON object"),
    ],
)
def test_damaged_files_are_refused(tmp_path, exam, mangle, message):
    X, y, _ = exam
    text = _saved(tmp_path, NeuronClassifier().fit(X, y)).read_text()
    bad = tmp_path / "bad.json"
    bad.write_text(mangle(text))
    with pytest.raises(ModelFileError, match=message):
        oneneuron.load(bad)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        oneneuron.load(tmp_path / "nope.json")
    (tmp_path / "b.json").write_bytes(b"\x89PNG\xff\xfe")
    with pytest.raises(ModelFileError, match="not UTF-8"):
        oneneuron.load(tmp_path / "b.json")


def test_file_is_plain_json_with_schema_fields(tmp_path):
    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.5]})
    clf = NeuronClassifier(alpha=1.0).fit(X, ["n", "y", "n", "y"])
    clf.save(tmp_path / "m.json")
    doc = json.loads((tmp_path / "m.json").read_text())
    assert doc["format_version"] == 2 and doc["library_version"] == oneneuron.__version__
    assert doc["classes"]["values"] == ["n", "y"]
    assert doc["features"]["names"] == ["a", "b"]
    assert doc["objective"] == {
        "alpha": 1.0,
        "fit_intercept": True,
        "standardize": True,
        "class_weight": None,
        "l1_ratio": 0.0,
        "penalty_factor": None,
    }
    assert doc["fit"]["n_samples"] == 4 and doc["fit"]["solver"] == clf.solver_
    assert doc["inference"]["terms"][0] == "intercept" and doc["input"] is None


def test_model_file_carries_the_inference_and_summary_agrees(tmp_path):
    import json

    import pandas as pd

    from oneneuron import NeuronClassifier, load
    from oneneuron.datasets import load_exam_scores
    from oneneuron.io import ModelFileError

    X, y, names = load_exam_scores()
    clf = NeuronClassifier().fit(pd.DataFrame(X, columns=names), y)
    path = tmp_path / "m.json"
    clf.save(path)
    back = load(path)
    pd.testing.assert_frame_equal(back.summary(), clf.summary())
    assert back.log_likelihood_ == clf.log_likelihood_ and back.aic_ == clf.aic_
    doc = json.loads(path.read_text())
    assert doc["inference"]["terms"] == ["intercept", "score1", "score2"]
    doc["inference"]["coef"][0][1] *= 1.5  # hand-edited: no longer the model's coefficients
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="inference: its coefficients do not match"):
        load(bad)


def test_reading_a_small_model_file_allocates_about_its_size(tmp_path, exam):
    """Every load (predict and evaluate load one per run) asked Python for a 512 MiB
    buffer, the size limit of model files: traced peak 537 MB for a 5 kB file, and a
    MemoryError where memory is not overcommitted. Measured against the file's size."""
    import tracemalloc

    X, y, _ = exam
    path = tmp_path / "m.json"
    NeuronClassifier().fit(X, y).save(path)
    tracemalloc.start()
    try:
        read_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * path.stat().st_size + (4 << 20), peak


@pytest.mark.parametrize(
    "p_values", [[5.0, -2.0, 0.3], [0.5] * 4, ["x", 0.5, 0.5], [0.5, 0.5, True], {"a": 1}]
)
def test_a_firth_file_with_impossible_lr_p_values_is_refused(tmp_path, exam, p_values):
    """A Firth fit's p-values come from its file (penalised likelihood ratios): values
    outside [0, 1] were printed, others stopped summary() with a TypeError."""
    X, y, _ = exam
    path = tmp_path / "firth.json"
    NeuronClassifier(firth=True).fit(X, y).save(path)
    doc = json.loads(path.read_text())
    assert len(doc["inference"]["extra"]["lr_p_values"]) == 3
    doc["inference"]["extra"]["lr_p_values"] = p_values
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="extra.lr_p_values must be 3 p-values in"):
        read_model(path)


@pytest.mark.parametrize(
    "classes",
    [
        {"dtype": "<i8", "values": [1, 0]},
        {"dtype": "<U3", "values": ["yes", "no"]},
        {"dtype": "|b1", "values": [True, False]},
        {"dtype": "|O", "values": ["b", "a"]},
        {"dtype": "|O", "values": [1, "a"]},
    ],
)
def test_classes_out_of_the_order_a_fit_gives_are_refused(tmp_path, exam, classes):
    """A fit orders the classes as np.unique does, and coef and the probabilities'
    columns follow that order. A file without an inference record whose classes
    were swapped loaded and flipped every prediction; only the inference's own list of
    classes caught it before."""
    X, y, _ = exam
    path = tmp_path / "m.json"
    NeuronClassifier().fit(X, y).save(path)
    doc = json.loads(path.read_text())
    doc["inference"], doc["classes"] = None, classes
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelFileError, match="classes.values must be in the order a fit gives"):
        read_model(path)


def test_the_numpy_predictor_reads_a_table_by_its_column_names(tmp_path):
    """SavedModel.predictor (NumPy only, what 'oneneuron predict' serves with) took a
    DataFrame's columns by position: with its columns in another order every
    probability was another row's (off by up to 0.9995), with no word, where the
    estimator reads them by name. It now reads a table as the estimator does."""
    import polars as pl
    import pyarrow as pa

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    y = (df.a - df.b + rng.normal(size=200) > 0).astype(int)
    tables = {
        "numbers": df,
        "categories": df.assign(g=rng.choice(["u", "v", "w"], size=200)),
    }
    for name, table in tables.items():
        clf = NeuronClassifier().fit(table, y)
        clf.save(tmp_path / f"{name}.json")
        predictor = read_model(tmp_path / f"{name}.json").predictor
        expected = clf.predict_proba(table)
        reordered = table[table.columns[::-1]]
        for X in (
            table,
            reordered,
            table.assign(extra=1.0),
            pl.from_pandas(reordered),
            pa.Table.from_pandas(reordered, preserve_index=False),
        ):
            # the same model read by name; the sums may run in another order (pyarrow 26
            # hands its columns over in another memory layout): equal to rounding
            got = predictor.predict_proba(X)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14, err_msg=f"{name}")
        assert np.array_equal(predictor.predict(table[table.columns[::-1]]), clf.predict(table))
        with pytest.raises(ValueError, match="lacks column"):
            predictor.predict_proba(table.drop(columns="a"))


@pytest.mark.parametrize(
    "params", [{"alpha": 0.5}, {"cov_type": "HC1"}, {"fit_intercept": False}, {"firth": True}]
)
def test_saving_after_set_params_without_a_refit_says_to_refit(tmp_path, exam, params):
    """set_params on a fitted model changes what its file would claim (objective, cov_type)
    but not its coefficients or inference: such a file is refused by load, and save
    said so in load's words ('inference.alpha 0.0 is not the model's 0.5'). It names
    the cause, and writes nothing."""
    X, y, _ = exam
    clf = NeuronClassifier().fit(X, y).set_params(**params)
    with pytest.raises(ModelFileError, match="changed after the fit .* refit before saving"):
        clf.save(tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_a_model_file_saved_by_an_editor_with_a_byte_order_mark(tmp_path, exam):
    """An editor that saves UTF-8 with a byte-order mark (Windows Notepad) made a model
    file 'not valid JSON ... truncated or corrupted'; it loads. One saved as UTF-16 is
    named as such instead of as binary data."""
    X, y, _ = exam
    path = tmp_path / "m.json"
    clf = NeuronClassifier().fit(X, y)
    clf.save(path)
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert np.array_equal(oneneuron.load(path).predict_proba(X), clf.predict_proba(X))
    path.write_bytes(text.encode("utf-16"))
    with pytest.raises(ModelFileError, match="UTF-16 text; save it as UTF-8"):
        oneneuron.load(path)
