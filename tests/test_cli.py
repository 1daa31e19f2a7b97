"""``oneneuron train / predict / evaluate`` end to end, and every bad input refused cleanly."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.metrics import accuracy_score, confusion_matrix, log_loss, roc_auc_score

import oneneuron
from _cli import fail, run  # noqa: E402
from oneneuron import NeuronClassifier
from oneneuron.cli import main

ALPHA = "0.01"


@pytest.fixture(scope="module")
def cancer(tmp_path_factory):
    """Breast cancer with string class names, split 70/30, as CSV and Parquet."""
    d = load_breast_cancer(as_frame=True)
    df = d.frame.drop(columns="target")
    df["diagnosis"] = np.asarray(d.target_names)[d.target]
    train = df.sample(frac=0.7, random_state=1)
    test = df.drop(train.index)
    folder = tmp_path_factory.mktemp("cancer")
    for name, part in (("train", train), ("test", test)):
        part.to_csv(folder / f"{name}.csv", index=False)
        part.to_parquet(folder / f"{name}.parquet", index=False)
    return folder, [c for c in df.columns if c != "diagnosis"]


# CLI and Python API agree to float rounding, not bitwise: BLAS's X @ w rounds the last bit
# differently with the chunk size and memory layout (C-ordered chunks vs a DataFrame's
# F-ordered array). A loaded model on the same array is bitwise equal (see test_io).
ULP_TOL = {"rtol": 1e-12, "atol": 1e-15}


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_end_to_end_matches_python_api(tmp_path, cancer, capsys, ext):
    folder, features = cancer
    train, test = folder / f"train.{ext}", folder / f"test.{ext}"
    model, out = tmp_path / "model.json", tmp_path / f"pred.{ext}"
    code, stdout, _ = run(
        ["train", train, "--target", "diagnosis", "--model", model, "--alpha", ALPHA], capsys
    )
    assert code == 0 and "converged" in stdout
    assert run(["predict", model, test, "--out", out, "--chunk-rows", "50"], capsys)[0] == 0

    read = pd.read_csv if ext == "csv" else pd.read_parquet
    tr, te = read(train), read(test)
    clf = NeuronClassifier(alpha=float(ALPHA)).fit(tr[features], tr["diagnosis"])
    if ext == "csv":
        pred = pd.read_csv(out)
    else:
        pred = pd.read_parquet(out)
    assert list(pred.columns) == ["proba_benign", "proba_malignant", "prediction"]
    proba = clf.predict_proba(te[features])
    np.testing.assert_allclose(pred[["proba_benign", "proba_malignant"]], proba, **ULP_TOL)
    assert np.array_equal(pred["prediction"].to_numpy(), clf.predict(te[features]))
    np.testing.assert_allclose(oneneuron.load(model).coef_, clf.coef_, rtol=1e-10)
    # one chunk, C order: the written file holds exactly the loaded model's numbers
    one = tmp_path / f"one.{ext}"
    assert run(["predict", model, test, "--out", one, "-q"], capsys)[0] == 0
    written = pd.read_csv(one, engine="python") if ext == "csv" else read(one)
    X = np.ascontiguousarray(te[features].to_numpy(dtype=np.float64))
    loaded = oneneuron.load(model)
    # train fits on the named columns and the target (the table it passes to fit)
    assert list(loaded.feature_names_in_) == [*features, "diagnosis"]
    assert list(loaded.feature_names_out_) == features
    del loaded.feature_names_in_  # an array in the stored column order, as the CLI passes
    assert np.array_equal(written.iloc[:, :2].to_numpy(), loaded.predict_proba(X))

    code, stdout, _ = run(["evaluate", model, test, "--json"], capsys)
    m = json.loads(stdout)
    y = te["diagnosis"].to_numpy()
    assert m["accuracy"] > 0.97
    assert m["accuracy"] == pytest.approx(accuracy_score(y, clf.predict(te[features])))
    assert m["log_loss"] == pytest.approx(log_loss(y, proba), rel=1e-9)
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y == "malignant", proba[:, 1]))
    assert m["confusion_matrix"] == confusion_matrix(y, clf.predict(te[features])).tolist()
    assert m["per_class"]["malignant"]["support"] == int(np.sum(y == "malignant"))
    code, text, _ = run(["evaluate", model, test], capsys)
    assert code == 0 and f"accuracy   {m['accuracy']:.4f}" in text


def test_report_is_one_self_contained_page(tmp_path, cancer, capsys):
    folder, _ = cancer
    model, report = tmp_path / "m.json", tmp_path / "r.html"
    run(["train", folder / "train.csv", "--target", "diagnosis", "--model", model], capsys)
    code, _, err = run(["evaluate", model, folder / "test.csv", "--report", report], capsys)
    assert code == 0 and "wrote" in err
    page = report.read_text()
    assert page.count('src="data:image/png;base64,') == 4
    assert "http" not in page.replace("http-equiv", "")  # nothing fetched from elsewhere
    for word in ("ROC", "calibration", "probabilities", "coefficients", "mean radius"):
        assert word in page
    fail(["evaluate", model, folder / "test.csv", "--report", report], capsys, "already exists")


def test_multiclass_with_categories_unknowns_and_impute(tmp_path, capsys):
    X, y = load_iris(return_X_y=True, as_frame=True)
    df = X.assign(site=np.where(X.index % 3 == 0, "north", "south"), species=y)
    df.loc[[5, 17], "sepal width (cm)"] = np.nan
    data = tmp_path / "iris.csv"
    df.to_csv(data, index=False)
    model = tmp_path / "m.json"
    base = ["train", data, "--target", "species", "--model", model, "--alpha", "0.1"]
    fail(base, capsys, "'sepal width (cm)' (2 rows, first at data row 6)")
    assert not model.exists()
    code, out, _ = run([*base, "--impute", "median"], capsys)
    assert code == 0 and "5 model columns from 5 table columns" in out
    saved = json.loads(model.read_text())
    assert saved["design"]["columns"][1]["fill"] == df["sepal width (cm)"].median()

    new = df.drop(columns="species").assign(site=["west"] * 3 + ["north"] * 147, extra=1.0)
    new.to_csv(tmp_path / "new.csv", index=False)
    out = tmp_path / "p.csv"
    code, _, err = run(["predict", model, tmp_path / "new.csv", "--out", out], capsys)
    assert code == 0
    assert "note: ignoring 1 column the model" in err and "'extra'" in err
    assert "warning: categories not seen in training" in err and "'site': 3 rows" in err
    pred = pd.read_csv(out)
    assert list(pred.columns) == ["proba_0", "proba_1", "proba_2", "prediction"]
    assert np.allclose(pred.iloc[:, :3].sum(axis=1), 1.0)
    code, _, err = run(
        ["predict", "-q", model, tmp_path / "new.csv", "--out", out, "--force"], capsys
    )
    assert code == 0 and "note:" not in err and "warning:" in err  # warnings survive --quiet
    fail(
        [
            "predict",
            model,
            tmp_path / "new.csv",
            "--out",
            tmp_path / "q.csv",
            "--on-unknown",
            "error",
        ],
        capsys,
        "'site': 3 rows",
    )
    assert not (tmp_path / "q.csv").exists()

    report = tmp_path / "r.html"
    code, stdout, _ = run(["evaluate", model, data, "--json", "--report", report], capsys)
    m = json.loads(stdout)
    assert report.read_text().count("data:image/png") == 4 and "site[T.south]" in report.read_text()
    filled = df.fillna({"sepal width (cm)": df["sepal width (cm)"].median()})
    Xd = pd.get_dummies(
        filled.drop(columns="species"), columns=["site"], drop_first=True, dtype=float
    )  # reference coding: 'north' (first sorted) is the reference
    clf = NeuronClassifier(alpha=0.1).fit(Xd, y)
    assert m["roc_auc"] == pytest.approx(
        roc_auc_score(y, clf.predict_proba(Xd), multi_class="ovr"), rel=1e-9
    )
    assert m["classes"] == [0, 1, 2] and len(m["calibration"]) == 3
    # the bins' edges are the tenths as written (np.linspace's 0.30000000000000004 was)
    edges = {e for c in m["calibration"].values() for b in c["bins"] for e in (b["lo"], b["hi"])}
    assert edges <= {k / 10 for k in range(11)}, sorted(edges)


def test_python_api_model_on_the_command_line(tmp_path, cancer, capsys):
    folder, features = cancer
    tr = pd.read_csv(folder / "train.csv")
    clf = NeuronClassifier(alpha=0.1).fit(tr[features[:5]], tr["diagnosis"])
    clf.save(tmp_path / "api.json")
    out = tmp_path / "p.parquet"
    code, _, err = run(
        ["predict", tmp_path / "api.json", folder / "test.csv", "--out", out], capsys
    )
    # the label column counts as extra here
    assert code == 0 and "ignoring 26 columns the model" in err
    te = pd.read_csv(folder / "test.csv")
    proba = pd.read_parquet(out).iloc[:, :2].to_numpy()
    np.testing.assert_allclose(proba, clf.predict_proba(te[features[:5]]), **ULP_TOL)
    fail(["evaluate", tmp_path / "api.json", folder / "test.csv"], capsys, "pass --target")
    code, out_text, _ = run(
        ["evaluate", tmp_path / "api.json", folder / "test.csv", "--target", "diagnosis"], capsys
    )
    assert code == 0 and "accuracy" in out_text


@pytest.fixture
def trained(tmp_path, cancer, capsys):
    folder, _ = cancer
    model = tmp_path / "m.json"
    run(["train", folder / "train.csv", "--target", "diagnosis", "--model", model], capsys)
    return folder, model


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_missing_column_is_named(tmp_path, trained, capsys):
    folder, model = trained
    te = pd.read_csv(folder / "test.csv").drop(columns=["mean area", "worst area"])
    te.to_csv(tmp_path / "t.csv", index=False)
    fail(["predict", model, tmp_path / "t.csv", "--out", tmp_path / "p.csv"], capsys, "'mean area'")
    assert not (tmp_path / "p.csv").exists()


def test_nan_cells_at_predict_leave_no_output(tmp_path, trained, capsys):
    folder, model = trained
    te = pd.read_csv(folder / "test.csv")
    te.loc[[3, 150], "mean radius"] = np.nan
    te.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "p.csv"
    err = fail(
        ["predict", model, tmp_path / "t.csv", "--out", out, "--chunk-rows", "20"],
        capsys,
        "'mean radius' (2 rows, first at data row 4)",
    )
    assert "--impute" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "t.csv"]  # no temp files


def test_bad_value_in_a_late_chunk_leaves_no_partial_output(tmp_path, trained, capsys):
    folder, model = trained
    te = pd.read_csv(folder / "test.csv").astype({"mean texture": object})
    te.loc[160, "mean texture"] = "n/a?"
    te.to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "p.parquet"
    fail(
        ["predict", model, tmp_path / "t.csv", "--out", out, "--chunk-rows", "16"],
        capsys,
        "'mean texture'",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "t.csv"]


def test_existing_files_are_never_clobbered(tmp_path, trained, capsys):
    folder, model = trained
    before = model.read_text()
    fail(
        ["train", folder / "train.csv", "--target", "diagnosis", "--model", model],
        capsys,
        "already exists; pass --force",
    )
    assert model.read_text() == before
    out = _write(tmp_path / "p.csv", "mine\n")
    fail(["predict", model, folder / "test.csv", "--out", out], capsys, "already exists")
    assert out.read_text() == "mine\n"
    assert run(["predict", model, folder / "test.csv", "--out", out, "--force"], capsys)[0] == 0
    assert out.read_text().startswith("proba_benign")
    code, _, _ = run(
        [
            "train",
            folder / "train.csv",
            "--target",
            "diagnosis",
            "--model",
            model,
            "--force",
            "--alpha",
            "1",
        ],
        capsys,
    )
    assert code == 0 and model.read_text() != before


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "is empty"),
        ("a,b,y\n", "no data rows"),
        ("a,b,y\n1,2,x\n3,4,x\n5,6,x\n", "only one class ('x' in all 3 rows)"),
        ("a,b,y\n1,2,x\n3,,z\n5,6,x\n", "'b' (1 row, first at data row 2)"),
        ("a,b,y\n1,2,x\n3,4,\n5,6,z\n", "target column 'y' (1 row, first at data row 2)"),
        ("a,b\n1,2\n", "lacks target column 'y'"),
        ("a,b,y\n1,inf,x\n3,4,z\n", "infinite values"),
        (
            "id,b,y\n" + "".join(f"p{i},{i % 7},{'xz'[i % 2]}\n" for i in range(30)),
            "column 'id' has a different value in each of its 30 rows",
        ),
    ],
)
def test_bad_training_tables(tmp_path, capsys, text, match):
    data = _write(tmp_path / "d.csv", text)
    fail(["train", data, "--target", "y", "--model", tmp_path / "m.json"], capsys, match)
    assert not (tmp_path / "m.json").exists()


def test_bad_model_files(tmp_path, trained, capsys):
    folder, model = trained
    text = model.read_text()
    truncated = _write(tmp_path / "t.json", text[: len(text) // 3])
    fail(
        ["predict", truncated, folder / "test.csv", "--out", tmp_path / "p.csv"],
        capsys,
        "truncated or corrupted",
    )
    doc = json.loads(text)
    doc["coef"][0] = doc["coef"][0][:-1]
    tampered = _write(tmp_path / "x.json", json.dumps(doc))
    fail(["evaluate", tampered, folder / "test.csv"], capsys, "coef[0] must be a list of 30")
    fail(
        ["predict", folder / "test.csv", folder / "test.csv", "--out", tmp_path / "p.csv"],
        capsys,
        "it looks like a data table (CSV/TSV)",
    )
    assert not (tmp_path / "p.csv").exists()


def test_header_only_table_at_predict(tmp_path, trained, capsys):
    folder, model = trained
    header = pd.read_csv(folder / "test.csv").iloc[:0]
    header.to_csv(tmp_path / "h.csv", index=False)
    fail(
        ["predict", model, tmp_path / "h.csv", "--out", tmp_path / "p.csv"], capsys, "no data rows"
    )
    assert not (tmp_path / "p.csv").exists()


def test_evaluate_json_carries_the_inference_section(tmp_path, cancer, capsys):
    folder, _ = cancer
    model = tmp_path / "m.json"
    args = ["train", folder / "train.csv", "--target", "diagnosis", "--alpha", "0.01"]
    run([*args, "--model", model], capsys)
    doc = json.loads(model.read_text())
    code, out, _ = run(["evaluate", model, folder / "test.csv", "--json"], capsys)
    assert code == 0 and json.loads(out)["inference"] == doc["inference"]
    assert doc["inference"]["terms"][0] == "intercept"
    code, out, _ = run(["evaluate", model, folder / "test.csv"], capsys)
    assert code == 0 and "coefficients (from the training fit)" in out and "std_err" in out
    doc["inference"] = None
    (tmp_path / "noinf.json").write_text(json.dumps(doc))
    code, out, _ = run(["evaluate", tmp_path / "noinf.json", folder / "test.csv", "--json"], capsys)
    assert "inference" not in json.loads(out)


def test_bad_paths(tmp_path, trained, capsys):
    folder, model = trained
    test = folder / "test.csv"
    fail(["predict", model, test, "--out", tmp_path / "no" / "p.csv"], capsys, "does not exist")
    fail(["predict", model, test, "--out", tmp_path], capsys, "is a folder")
    fail(["predict", model, test, "--out", tmp_path / "p.xlsx"], capsys, "cannot tell the format")
    fail(["predict", model, test, "--out", tmp_path / "p.csv.gz"], capsys, "compressed output")
    xlsx = _write(tmp_path / "d.xlsx", "a,b\n")
    fail(["train", xlsx, "--target", "b", "--model", tmp_path / "m2.json"], capsys, ".csv, .tsv")
    fail(
        ["predict", model, tmp_path / "nope.csv", "--out", tmp_path / "p.csv"],
        capsys,
        "does not exist",
    )
    bad = pd.read_csv(test).assign(diagnosis="unsure")
    bad.to_csv(tmp_path / "u.csv", index=False)
    fail(["evaluate", model, tmp_path / "u.csv"], capsys, "the model does not know")
    gap = pd.read_csv(test)
    gap.loc[40, "diagnosis"] = None
    gap.to_csv(tmp_path / "u.csv", index=False)
    fail(
        ["evaluate", model, tmp_path / "u.csv", "--chunk-rows", "16"],
        capsys,
        "'diagnosis' has missing values (first at data row 41)",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.xlsx", "m.json", "u.csv"]


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "d.csv"],
        ["train", "d.csv", "--target", "y", "--model", "m.json", "--alpha", "abc"],
        ["train", "d.csv", "--target", "y", "--model", "m.json", "--solver", "magic"],
        ["predict", "m.json", "d.csv"],
        ["predict", "m.json", "d.csv", "--out", "p.csv", "--chunk-rows", "0"],
        ["evaluate"],
    ],
)
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_negative_alpha_is_a_clear_error(tmp_path, cancer, capsys):
    folder, _ = cancer
    fail(
        [
            "train",
            folder / "train.csv",
            "--target",
            "diagnosis",
            "--model",
            tmp_path / "m.json",
            "--alpha",
            "-1",
        ],
        capsys,
        "alpha",
    )


def test_installed_script(tmp_path, cancer):
    """A real process: exit codes and stderr as a shell user sees them."""
    folder, _ = cancer
    exe = shutil.which("oneneuron", path=os.path.dirname(sys.executable)) or shutil.which(
        "oneneuron"
    )
    assert exe is not None
    model = tmp_path / "m.json"
    ok = subprocess.run(
        [exe, "train", folder / "train.parquet", "--target", "diagnosis", "--model", model, "-q"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0 and ok.stdout == "" and model.exists()
    bad = subprocess.run(
        [exe, "predict", model, folder / "missing.csv", "--out", tmp_path / "p.csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1
    assert bad.stderr.startswith("error: data file") and "Traceback" not in bad.stderr


def test_python_dash_m_runs_the_command_line(tmp_path, cancer):
    """``python -m oneneuron`` is the installed script (for environments whose scripts
    folder is not on PATH): same usage, same exit codes, ``oneneuron`` in the usage line."""
    folder, _ = cancer
    run = [sys.executable, "-m", "oneneuron"]
    usage = subprocess.run([*run, "--help"], capture_output=True, text=True, check=False)
    assert usage.returncode == 0 and usage.stdout.startswith("usage: oneneuron ")
    model = tmp_path / "m.json"
    argv = ["train", folder / "train.parquet", "--target", "diagnosis", "--model", model, "-q"]
    ok = subprocess.run([*run, *argv], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and model.exists(), ok.stderr
    bad = subprocess.run(
        [*run, "predict", model, folder / "no.csv", "--out", tmp_path / "p.csv"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and bad.stderr.startswith("error: data file")


def test_progress_bar_only_on_a_terminal_and_not_when_quiet(monkeypatch, capsys):
    import time

    from oneneuron.cli import _progress

    monkeypatch.setattr(_progress, "DELAY_S", 0.01)
    with _progress.Activity("work") as act:  # captured stderr is not a terminal
        time.sleep(0.1)
        act.update(0.5)
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    for enabled in (False, True):
        with _progress.Activity("work", enabled=enabled) as act:
            time.sleep(0.2)
            act.update(0.5)
        err = capsys.readouterr().err
        assert ("work" in err) is enabled


def test_train_with_the_dask_engine_on_a_parquet_folder(tmp_path, cancer, capsys):
    pytest.importorskip("dask.dataframe")
    folder, _ = cancer
    train = pd.read_parquet(folder / "train.parquet")
    parts = tmp_path / "train_parts"
    parts.mkdir()
    for i, start in enumerate(range(0, len(train), 150)):
        train.iloc[start : start + 150].to_parquet(parts / f"part{i}.parquet", index=False)
    args = ["train", parts, "--target", "diagnosis", "--alpha", "0.01", "--engine", "dask"]
    code, out, err = run([*args, "--model", tmp_path / "d.json", "--scheduler", "threads"], capsys)
    assert code == 0, err
    assert "passes over the data" in out
    code, _, err = run(
        [
            "train",
            folder / "train.parquet",
            "--target",
            "diagnosis",
            "--alpha",
            "0.01",
            "--model",
            tmp_path / "m.json",
        ],
        capsys,
    )
    assert code == 0, err
    dask_model, mem_model = oneneuron.load(tmp_path / "d.json"), oneneuron.load(tmp_path / "m.json")
    np.testing.assert_allclose(dask_model.coef_, mem_model.coef_, rtol=1e-6, atol=1e-9)
    code, out, _ = run(
        ["evaluate", tmp_path / "d.json", folder / "test.csv", "--target", "diagnosis", "--json"],
        capsys,
    )
    assert code == 0 and json.loads(out)["accuracy"] > 0.95
    fail(
        [
            "train",
            folder / "train.csv",
            "--target",
            "diagnosis",
            "--engine",
            "dask",
            "--model",
            tmp_path / "x.json",
        ],
        capsys,
        "reads Parquet",
    )
    fail(
        [
            "train",
            folder / "train.csv",
            "--target",
            "diagnosis",
            "--scheduler",
            "threads",
            "--model",
            tmp_path / "y.json",
        ],
        capsys,
        "--scheduler needs --engine dask",
    )


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["01", "02"], ["01", "02"]),  # codes with leading zeros stay text
        (["0", "1"], [0, 1]),  # numbers written as numbers stay numbers
        (["1.0", "0.0"], [0.0, 1.0]),
        (["1", "+2"], ["+2", "1"]),  # one label not written as a number: all text
        (["True", "False"], [False, True]),
        (["yes", "no"], ["no", "yes"]),
    ],
)
def test_target_labels_keep_their_written_form(tmp_path, capsys, labels, expected):
    """A label is never silently rewritten: '01' is not the number 1 (train, predict, evaluate)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(80)
    lab = np.where(x + rng.standard_normal(80) > 0, labels[1], labels[0])
    data = tmp_path / "d.csv"
    data.write_text("x,y\n" + "".join(f"{float(a)!r},{b}\n" for a, b in zip(x, lab, strict=True)))
    model, pred = tmp_path / "m.json", tmp_path / "p.csv"
    assert run(["train", data, "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    assert oneneuron.load(model).classes_.tolist() == expected
    assert run(["predict", model, data, "--out", pred, "-q"], capsys)[0] == 0
    text = pred.read_text().splitlines()
    assert text[0] == ",".join([*(f"proba_{c}" for c in expected), "prediction"])
    assert {line.rsplit(",", 1)[1] for line in text[1:]} <= set(labels)
    code, out, err = run(["evaluate", model, data, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["n_samples"] == 80


def test_every_option_has_a_help_text():
    """train --help listed --solver and --max-iter with no word on what they do."""
    from oneneuron.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    bare = [
        f"{name} {a.option_strings or a.dest}"
        for name, p in sub.choices.items()
        for a in p._actions
        if not a.help
    ]
    assert bare == []


def _hive_folder(root, rng):
    """A hive-partitioned folder ``g=<k>/part.parquet`` and the same rows in memory, in
    the order predict documents (files sorted by path; the key ``g`` as a column)."""
    frames = []
    for g, n in ((0, 40), (1, 25), (2, 35)):
        x = rng.normal(size=(n, 2))
        y = (x[:, 0] - x[:, 1] + 0.3 * g + rng.normal(size=n) > 0).astype(int)
        part = pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": y})
        (root / f"g={g}").mkdir(parents=True)
        part.to_parquet(root / f"g={g}" / "part.parquet", index=False)
        frames.append(part.assign(g=g))
    return pd.concat(frames, ignore_index=True)


def test_predict_and_evaluate_a_parquet_folder_the_dask_engine_trained_on(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    folder = tmp_path / "data"
    whole = _hive_folder(folder, np.random.default_rng(0))
    model = tmp_path / "m.json"
    args = ["train", folder, "--target", "y", "--engine", "dask", "--scheduler", "threads"]
    code, _, err = run([*args, "--features", "x1", "x2", "--model", model, "-q"], capsys)
    assert code == 0, err
    est = oneneuron.load(model)
    expected = est.predict_proba(whole[["x1", "x2"]])
    for chunk in ("7", "1000"):  # chunked across and within files, and whole
        out = tmp_path / f"p{chunk}.csv"
        argv = ["predict", model, folder, "--out", out, "--chunk-rows", chunk, "--keep", "g"]
        code, _, err = run([*argv, "-q"], capsys)
        assert code == 0, err
        pred = pd.read_csv(out)
        assert pred["g"].tolist() == whole["g"].tolist()  # the hive key, as a column
        np.testing.assert_allclose(pred[["proba_0", "proba_1"]], expected, **ULP_TOL)
    code, out, err = run(["evaluate", model, folder, "--json"], capsys)
    assert code == 0, err
    metrics = json.loads(out)
    p1 = expected[:, 1]
    assert metrics["accuracy"] == pytest.approx(accuracy_score(whole["y"], p1 > 0.5))
    assert metrics["log_loss"] == pytest.approx(log_loss(whole["y"], expected))
    assert metrics["roc_auc"] == pytest.approx(roc_auc_score(whole["y"], p1))


def test_predict_refuses_a_folder_without_parquet_files(tmp_path, capsys):
    model = tmp_path / "m.json"
    data = tmp_path / "d.csv"
    pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0], "y": [0, 1, 0, 1]}).to_csv(data, index=False)
    code, _, err = run(["train", data, "--target", "y", "--model", model, "-q"], capsys)
    assert code == 0, err
    empty, texts = tmp_path / "empty", tmp_path / "texts"
    empty.mkdir()
    texts.mkdir()
    shutil.copy(data, texts / "d.csv")
    for folder in (empty, texts):
        fail(["predict", model, folder, "--out", tmp_path / "p.csv"], capsys, "no Parquet files")
        fail(["evaluate", model, folder], capsys, "no Parquet files")
    assert not (tmp_path / "p.csv").exists()


def test_train_in_memory_on_a_parquet_folder_reads_it_as_its_concatenated_rows(tmp_path, capsys):
    folder = tmp_path / "data"
    whole = _hive_folder(folder, np.random.default_rng(1))
    whole.to_parquet(tmp_path / "whole.parquet", index=False)
    for data, model in ((folder, "f.json"), (tmp_path / "whole.parquet", "w.json")):
        code, _, err = run(["train", data, "--target", "y", "--model", tmp_path / model], capsys)
        assert code == 0, err
    by_folder, by_file = oneneuron.load(tmp_path / "f.json"), oneneuron.load(tmp_path / "w.json")
    names = [c["name"] for c in by_folder.design_.columns]
    assert names == ["x1", "x2", "g"] and by_folder.coef_.shape == (1, 3)  # the key: a number
    np.testing.assert_allclose(by_folder.coef_, by_file.coef_, rtol=1e-12, atol=1e-14)
