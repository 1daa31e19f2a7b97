"""Command-line defects found in review: each refused or fixed, with one ``error:`` line.

Every test here failed before its fix (see the commit that added it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import oneneuron
from _cli import fail, run  # noqa: E402
from oneneuron.cli import main


@pytest.fixture
def data(tmp_path):
    """d.csv / d.parquet (x1, x2, y 0/1) and pq/ with two Parquet partitions of it."""
    rng = np.random.default_rng(0)
    n = 200
    x1, x2 = rng.standard_normal(n), rng.standard_normal(n)
    y = (x1 + 0.5 * x2 + rng.standard_normal(n) > 0).astype(int)
    df = pd.DataFrame({"x1": x1, "x2": x2, "y": y})
    df.to_csv(tmp_path / "d.csv", index=False)
    df.to_parquet(tmp_path / "d.parquet", index=False)
    _two_parts(df, tmp_path / "pq")
    return tmp_path


def _two_parts(df, folder):
    """``df`` as a folder of two Parquet files (part0, part1) of 100 rows each."""
    folder.mkdir()
    df.iloc[:100].to_parquet(folder / "part0.parquet", index=False)
    df.iloc[100:].to_parquet(folder / "part1.parquet", index=False)


# ------------------------------------------------------------ 1. Firth, and write last
def test_firth_trains_and_prints_its_summary(data, capsys):
    model = data / "firth.json"
    code, out, err = run(
        ["train", data / "d.csv", "--target", "y", "--model", model, "--firth"], capsys
    )
    assert code == 0, err
    assert "Traceback" not in err
    assert "firth-newton" in out and f"wrote {model}" in out
    py = oneneuron.NeuronClassifier(firth=True).fit(pd.read_csv(data / "d.csv"), "y")
    np.testing.assert_allclose(oneneuron.load(model).coef_, py.coef_, rtol=1e-10)


@pytest.mark.parametrize("extra", [[], ["--cv", "3"]])
def test_a_failure_after_the_fit_leaves_no_model_file(data, capsys, monkeypatch, extra):
    """The model file is written last: an error while summarising the fit (here in the
    training accuracy) leaves none."""

    def broken(*args, **kwargs):
        raise RuntimeError("summary failed")

    monkeypatch.setattr(oneneuron.NeuronClassifier, "predict", broken)
    model = data / "m.json"
    with pytest.raises(RuntimeError, match="summary failed"):
        main(["train", str(data / "d.csv"), "--target", "y", "--model", str(model), *extra])
    assert not model.exists()
    assert sorted(p.name for p in data.iterdir()) == ["d.csv", "d.parquet", "pq"]


# ------------------------------------------- 2. no output inside an input folder
@pytest.mark.parametrize("name", ["part0.parquet", "new.json", "sub/../part1.parquet"])
def test_dask_model_inside_the_input_folder_is_refused_even_with_force(data, capsys, name):
    pytest.importorskip("dask.dataframe")
    before = {p.name: p.read_bytes() for p in (data / "pq").iterdir()}
    (data / "pq" / "sub").mkdir()
    args = ["train", data / "pq", "--target", "y", "--engine", "dask", "--alpha", "0"]
    msg = fail([*args, "--model", data / "pq" / name, "--force"], capsys, "inside the data")
    assert "--model" in msg and "pq" in msg
    (data / "pq" / "sub").rmdir()
    assert {p.name: p.read_bytes() for p in (data / "pq").iterdir()} == before


def test_outputs_inside_an_input_folder_are_refused(data, capsys, monkeypatch):
    """predict --out and evaluate --report: an output inside a folder given as DATA."""
    from oneneuron.cli import _common

    model = data / "m.json"
    assert run(["train", data / "d.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    with pytest.raises(_common.UserError, match="--out .* lies inside the data table"):
        _common.check_new_file(
            str(data / "pq" / "p.csv"), True, flag="--out", inputs={"data table": str(data / "pq")}
        )
    (data / "models").mkdir()
    inner = data / "models" / "m.json"
    inner.write_bytes(model.read_bytes())
    fail(
        ["predict", inner, data / "d.csv", "--out", data / "models", "--force"],
        capsys,
        "is a folder",
    )
    # the model given by a path through a symbolic link to its folder: the same file
    (data / "link").symlink_to(data / "models")
    fail(
        ["evaluate", inner, data / "d.csv", "--report", data / "link" / "m.json", "--force"],
        capsys,
        "is the model",
    )
    assert inner.read_bytes() == model.read_bytes()


# ------------------------------------------------ 3, 4. the dask engine's options
def _coef(path):
    return oneneuron.load(path).coef_


@pytest.mark.parametrize(
    "penalty",
    [[], ["--alpha", "0.05", "--l1-ratio", "1"], ["--alpha", "0.02", "--l1-ratio", "0.5"]],
)
def test_dask_engine_fits_what_the_memory_engine_fits(data, capsys, penalty):
    """No --alpha means alpha 0 (as in memory); --l1-ratio is honoured, not dropped."""
    pytest.importorskip("dask.dataframe")
    base = ["train", "--target", "y", "-q", *penalty]
    code, _, err = run([*base, data / "pq", "--engine", "dask", "--model", data / "k.json"], capsys)
    assert code == 0, err
    code, _, err = run([*base, data / "d.parquet", "--model", data / "m.json"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(_coef(data / "k.json"), _coef(data / "m.json"), rtol=1e-6)
    assert oneneuron.load(data / "k.json").l1_ratio == (float(penalty[3]) if penalty else 0.0)


@pytest.mark.parametrize("inference", ["never", "always"])
def test_dask_engine_honours_inference(data, capsys, inference):
    """--inference reaches the Dask engine's fit (it was dropped: a covariance regardless)."""
    pytest.importorskip("dask.dataframe")
    base = ["train", "--target", "y", "-q", "--inference", inference]
    code, _, err = run([*base, data / "pq", "--engine", "dask", "--model", data / "k.json"], capsys)
    assert code == 0, err
    code, _, err = run([*base, data / "d.parquet", "--model", data / "m.json"], capsys)
    assert code == 0, err
    dask_fit, memory_fit = (oneneuron.load(data / f).inference_ for f in ("k.json", "m.json"))
    assert (dask_fit.cov is None) == (memory_fit.cov is None) == (inference == "never")


def test_a_dask_model_file_evaluates_and_predicts_as_the_memory_one(data, capsys):
    """The Dask engine's model file names its target and columns as the in-memory one's
    does: ``evaluate`` asked for --target ("this model file does not name its target
    column"); the report and predictions are the in-memory model's."""
    pytest.importorskip("dask.dataframe")
    opts = ["--target", "y", "-q", "--features", "x2", "x1"]
    code, _, err = run(
        ["train", data / "pq", *opts, "--engine", "dask", "--model", data / "k.json"], capsys
    )
    assert code == 0, err
    code, _, err = run(["train", data / "d.parquet", *opts, "--model", data / "m.json"], capsys)
    assert code == 0, err
    outs = []
    for model in ("k.json", "m.json"):
        code, out, err = run(["evaluate", data / model, data / "d.csv"], capsys)
        assert code == 0, err
        outs.append(out)
        code, _, err = run(
            ["predict", data / model, data / "d.csv", "--out", data / f"{model}.csv"], capsys
        )
        assert code == 0, err
    assert outs[0].splitlines()[:3] == outs[1].splitlines()[:3]
    p_dask, p_memory = (pd.read_csv(data / f"{m}.csv") for m in ("k.json", "m.json"))
    pd.testing.assert_frame_equal(p_dask, p_memory, rtol=1e-8)


def test_dask_engine_refuses_relax(data, capsys):
    pytest.importorskip("dask.dataframe")
    args = ["train", data / "pq", "--target", "y", "--engine", "dask", "--model", data / "k.json"]
    fail([*args, "--alpha", "0.05", "--l1-ratio", "1", "--relax"], capsys, "--relax")
    assert not (data / "k.json").exists()


# ------------------------------------------------ 5, 6. boolean columns at predict
@pytest.fixture
def booleans(tmp_path, capsys):
    """b.csv (x float, flag bool, y 'a'/'b'), its model b.json, and the expected P."""
    rng = np.random.default_rng(1)
    n = 120
    x, flag = rng.standard_normal(n), rng.random(n) > 0.5
    y = np.where(x + flag + rng.standard_normal(n) > 0.5, "b", "a")
    df = pd.DataFrame({"x": x, "flag": flag, "y": y})
    df.to_csv(tmp_path / "b.csv", index=False)
    model = tmp_path / "b.json"
    code = run(["train", tmp_path / "b.csv", "--target", "y", "--model", model, "-q"], capsys)[0]
    assert code == 0
    expected = oneneuron.load(model).predict_proba(df[["x", "flag"]])[:, 1]
    return tmp_path, df, model, expected


@pytest.mark.parametrize(
    ("form", "fmt"),
    [
        ({True: "True", False: "False"}, "parquet"),
        ({True: "true", False: "false"}, "parquet"),
        ({True: "TRUE", False: "FALSE"}, "csv"),
        ({True: "1", False: "0"}, "parquet"),
        ({True: 1, False: 0}, "csv"),
        ({True: 1.0, False: 0.0}, "parquet"),
    ],
)
def test_boolean_text_forms_the_csv_reader_accepts_are_accepted(booleans, capsys, form, fmt):
    folder, df, model, expected = booleans
    table = df.assign(flag=df.flag.map(form))
    path = folder / f"t.{fmt}"
    table.to_parquet(path, index=False) if fmt == "parquet" else table.to_csv(path, index=False)
    out = folder / "p.csv"
    code, _, err = run(["predict", model, path, "--out", out, "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(pd.read_csv(out)["proba_b"], expected, rtol=1e-12)


@pytest.mark.parametrize(
    ("values", "fmt", "example"),
    [
        (["yes", "no"], "csv", "'yes'"),
        (["yes", "no"], "parquet", "'yes'"),
        (["True", "maybe"], "parquet", "'maybe'"),
        ([5, 2, -1, 0.5], "csv", "5"),
        ([0, 1, 2, 1], "parquet", "2"),
        ([0.0, 0.5, 1.0, 1.0], "parquet", "0.5"),
    ],
)
def test_other_values_in_a_boolean_column_are_one_error(booleans, capsys, values, fmt, example):
    folder, df, model, _ = booleans
    table = df.assign(flag=(values * len(df))[: len(df)])
    path = folder / f"t.{fmt}"
    table.to_parquet(path, index=False) if fmt == "parquet" else table.to_csv(path, index=False)
    msg = fail(["predict", model, path, "--out", "-"], capsys, "'flag'")
    assert example in msg and "true/false" in msg
    fail(["evaluate", model, path], capsys, "'flag'")


def test_python_prediction_refuses_a_number_in_a_boolean_column():
    df = pd.DataFrame({"x": [0.1, 0.5, -0.3, 1.2, 0.7, -1.0], "flag": [True, False] * 3})
    est = oneneuron.NeuronClassifier(alpha=0.1).fit(df, [0, 1, 0, 1, 1, 0])
    with pytest.raises(oneneuron.tables.DataError, match=r"column 'flag'.* 5"):
        est.predict_proba(df.assign(flag=[5, 0, 1, 0, 1, 0]))
    np.testing.assert_array_equal(
        est.predict_proba(df.assign(flag=df.flag.astype(int))), est.predict_proba(df)
    )


# ------------------------------------------------ 9. messages in the user's terms
@pytest.mark.parametrize(
    ("options", "match"),
    [
        (["--formula", "y ~ nope"], "names 'nope', which is not a column of"),
        (["--formula", "y ~ x1 + nope:x2"], "'nope', which is not a column of"),
        (["--target", "y", "--features", "y"], "--features lists the target column 'y'"),
        (["--target", "y", "--features", "x1", "y"], "--features lists the target column 'y'"),
        (["--target", "y", "--cv", "1000"], "--cv 1000"),
        (["--target", "y", "--cv", "150"], "--cv 150"),
        (["--target", "y", "--alpha", "nan"], "--alpha must be a finite number >= 0, not nan"),
        (["--target", "y", "--alpha", "inf"], "--alpha must be a finite number >= 0, not inf"),
        (["--target", "y", "--tol", "-1"], "--tol must be a finite number >= 0, not -1"),
        (["--target", "y", "--tol", "nan"], "--tol must be a finite number >= 0, not nan"),
        (
            ["--target", "y", "--l1-ratio", "0.5", "--alpha", ".01", "--solver", "newton"],
            "--l1-ratio 0.5 needs --solver cd or auto (--solver newton",
        ),
        (["--target", "y", "--l1-ratio", "0.5", "--alpha", "0"], "--l1-ratio 0.5 with --alpha 0"),
    ],
)
def test_train_options_are_named_in_messages(data, capsys, options, match):
    model = data / "m.json"
    msg = fail(["train", data / "d.csv", "--model", model, *options], capsys, match)
    assert "parameter of" not in msg and "solver='" not in msg and "n_splits" not in msg
    assert not model.exists()


def test_max_iter_below_one_is_a_usage_error(data, capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            ["train", str(data / "d.csv"), "--target", "y", "--model", "m.json", "--max-iter", "0"]
        )
    assert exc.value.code == 2
    assert "--max-iter" in capsys.readouterr().err


def test_a_folder_given_as_the_model_is_named(data, capsys):
    (data / "adir").mkdir()
    fail(["predict", data / "adir", data / "d.csv", "--out", "-"], capsys, "adir is a folder")
    fail(["evaluate", data / "adir", data / "d.csv"], capsys, "adir is a folder")


def test_a_column_too_large_is_named(data, capsys):
    df = pd.read_csv(data / "d.csv")
    df.assign(x2=df.x2 * 1e200).to_csv(data / "big.csv", index=False)
    msg = fail(
        ["train", data / "big.csv", "--target", "y", "--model", data / "m.json"],
        capsys,
        "column 'x2' holds values up to",
    )
    assert "column 1" not in msg
    with pytest.raises(ValueError, match="column 'x2' holds"):
        oneneuron.NeuronClassifier().fit(df.assign(x2=df.x2 * 1e200), "y")


def test_on_unknown_error_says_it_refused(data, capsys):
    df = pd.read_csv(data / "d.csv").assign(g=["u", "v"] * 100)
    df.to_csv(data / "g.csv", index=False)
    df.assign(g=["w"] + ["u"] * 199).to_csv(data / "g2.csv", index=False)
    model = data / "g.json"
    assert run(["train", data / "g.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    for cmd in (
        ["predict", model, data / "g2.csv", "--out", "-"],
        ["evaluate", model, data / "g2.csv"],
    ):
        msg = fail([*cmd, "--on-unknown", "error"], capsys, "'g'")
        assert "refused" in msg and "'w'" in msg and "were encoded" not in msg


def test_unknown_target_labels_are_printed_as_written(data, capsys):
    model = data / "m.json"
    assert run(["train", data / "d.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    df = pd.read_csv(data / "d.csv")
    df.loc[0, "y"] = 2
    df.to_csv(data / "y3.csv", index=False)
    df.to_parquet(data / "y3.parquet", index=False)
    for path in (data / "y3.csv", data / "y3.parquet"):
        msg = fail(["evaluate", model, path], capsys, "does not know: 2 (data row 1)")
        assert "np." not in msg


# ------------------------------------------------------ 7. a missing target
MISSING = "x1,x2,y\n1,2,0\n2,,1\n3,4,\n4,5,1\n5,1,0\n6,2,1\n0,3,0\n2,2,0\n"


def test_missing_target_message_does_not_offer_impute_to_fill_it(tmp_path, capsys):
    data = tmp_path / "miss.csv"
    data.write_text(MISSING.replace("2,,1", "2,1,1"))  # only the target has a hole
    msg = fail(["train", data, "--target", "y", "--model", tmp_path / "m.json"], capsys, "'y'")
    assert "cannot be filled" in msg and "fill them with --impute" not in msg
    with pytest.raises(ValueError, match="cannot be filled") as exc:
        oneneuron.NeuronClassifier(missing="mean").fit(pd.read_csv(data), "y")
    assert "missing='mean'" not in str(exc.value)


@pytest.mark.parametrize("extra", [[], ["--cv", "2"]])
def test_impute_drops_rows_without_a_target_and_says_so(tmp_path, capsys, extra):
    data, model = tmp_path / "miss.csv", tmp_path / "m.json"
    data.write_text(MISSING)
    options = ["--target", "y", "--model", model, "--impute", "mean", *extra]
    code, out, err = run(["train", data, *options], capsys)
    assert code == 0, err
    assert "dropped 1 row with a missing target (--impute)" in out
    est = oneneuron.load(model)
    assert est.n_samples_fit_ == 7
    table = pd.read_csv(data).dropna(subset=["y"])
    if not extra:  # the same fit as Python's on the rows with a label
        ref = oneneuron.NeuronClassifier(missing="mean").fit(table, "y")
        np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    fail(["evaluate", model, data], capsys, "leave those rows out with --drop-missing")


# ------------------------------------------- 8. evaluate on a subset of the classes
def test_evaluate_with_a_class_absent_says_so(iris, capsys):
    import json

    from sklearn.metrics import roc_auc_score

    folder, df, model = iris
    two = df[df.species != "virginica"]
    two.to_csv(folder / "two.csv", index=False)
    code, out, err = run(["evaluate", model, folder / "two.csv", "--json"], capsys)
    assert code == 0, err
    m = json.loads(out)
    proba = oneneuron.load(model).predict_proba(two.drop(columns="species"))
    y = two.species.to_numpy()
    expected = np.mean(
        [roc_auc_score(y == c, proba[:, k]) for k, c in enumerate(["setosa", "versicolor"])]
    )
    assert m["roc_auc"] == pytest.approx(expected, rel=1e-12)
    notes = " ".join(m["notes"])
    assert "'virginica'" in notes and "one-vs-rest" in notes and "macro average" in notes
    f1 = [m["per_class"][c]["f1"] for c in ("setosa", "versicolor")]
    assert m["macro_avg"]["f1"] == pytest.approx(np.mean(f1))
    code, out, err = run(["evaluate", model, folder / "two.csv"], capsys)
    assert code == 0, err
    assert "one class present" not in out and "'virginica'" in out

    df[df.species == "setosa"].to_csv(folder / "one.csv", index=False)
    code, out, err = run(["evaluate", model, folder / "one.csv", "--json"], capsys)
    assert code == 0, err
    m = json.loads(out)
    assert m["roc_auc"] is None and any("only class 'setosa'" in n for n in m["notes"])


# ------------------------------------------------------------ round 2 (a new user's run)
def test_train_computes_standard_errors_when_asked_and_says_how(tmp_path, capsys):
    """'inference=auto skipped the Hessian pass ...; the command line always computes it'
    was false (it did not): the message now names --inference always, which computes it."""
    rng = np.random.default_rng(0)
    n, d = 400, 6
    df = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"x{j}" for j in range(d)])
    df["y"] = (df.x0 + rng.normal(size=n) > 0).astype(int)
    path, model = tmp_path / "w.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    import oneneuron.stats._fit as fit_stats

    old = fit_stats.AUTO_INFERENCE_MAX_COST
    fit_stats.AUTO_INFERENCE_MAX_COST = 10.0  # as if the table were large
    try:
        lbfgs = ["--solver", "lbfgs"]  # (Newton's last pass gives the Hessian for free)
        code, out, err = run(["train", path, "--target", "y", "--model", model, *lbfgs], capsys)
        assert code == 0, err
        assert "--inference always" in out and "always computes it" not in out
        code, out, err = run(
            ["train", path, "--target", "y", "--model", model, "--force", "--inference",
             "always", *lbfgs], capsys,
        )  # fmt: skip
        assert code == 0 and "no standard errors" not in out, (out, err)
        assert oneneuron.load(model).inference_.cov is not None
    finally:
        fit_stats.AUTO_INFERENCE_MAX_COST = old


def test_separation_hints_and_warnings_speak_in_flags(tmp_path, capsys):
    """A multiclass fit was told to use --firth (binary only); warning lines said
    alpha > 0, firth=True and max_iter where the status lines said --alpha."""
    rng = np.random.default_rng(1)
    n = 90
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "y": np.digitize(x, [-0.5, 0.5])})  # separated, K = 3
    path, model = tmp_path / "s.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    code, out, err = run(["train", path, "--target", "y", "--model", model], capsys)
    assert code == 0 and "SEPARATED" in out and "--firth" not in out + err, (out, err)
    assert "alpha > 0" not in err.replace("--alpha > 0", ""), err
    df["y"] = (x > 0).astype(int)  # binary and separated: --firth is offered, as a flag
    df.to_csv(path, index=False)
    code, out, err = run(["train", path, "--target", "y", "--model", model, "--force"], capsys)
    assert "--firth" in out and "firth=True" not in err, (out, err)
    df["y"] = (x + rng.normal(size=n) > 0).astype(int)
    df.to_csv(path, index=False)
    code, out, err = run(
        ["train", path, "--target", "y", "--model", model, "--force", "--solver", "lbfgs",
         "--max-iter", "1"], capsys,
    )  # fmt: skip
    assert "warning:" in err and "max_iter" not in err and "--max-iter" in err, err


# ------------------------------------------------------------ round 3 (files at the edges)
def test_kept_columns_are_copied_as_written(tmp_path, capsys):
    """--keep rewrote ids: '000123' became 123, 18-digit accounts became floats (20
    distinct of 299), and a Parquet output crashed when a chunk's type differed."""
    n = 300
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "zid": [f"{i:06d}" for i in range(n)],
            "acct": [str(123456789012345678 + i) for i in range(n)],
            "x": rng.normal(size=n),
        }
    )
    df["y"] = (df.x + rng.normal(size=n) > 0).astype(int)
    df.loc[250, "acct"] = ""
    path, model = tmp_path / "ids.csv", tmp_path / "ids.json"
    df.to_csv(path, index=False)
    code, _, err = run(["train", path, "--target", "y", "--features", "x", "--model", model,
                        "-q"], capsys)  # fmt: skip
    assert code == 0, err
    for out in ("p.csv", "p.parquet"):
        code, _, err = run(["predict", model, path, "--out", tmp_path / out, "--keep", "zid",
                            "acct", "--chunk-rows", "100", "-q"], capsys)  # fmt: skip
        assert code == 0 and "Traceback" not in err, err
        got = (
            pd.read_csv(tmp_path / out, dtype=str, keep_default_na=False)
            if out.endswith(".csv")
            else pd.read_parquet(tmp_path / out)
        )
        assert got["zid"].tolist() == df["zid"].tolist()
        assert got["acct"].fillna("").tolist() == df["acct"].tolist()


def test_train_reads_a_column_the_same_way_in_every_block(tmp_path, capsys, monkeypatch):
    """The blocks of a large table were typed one by one: codes '01', '02', '03' read as
    numbers in the first block and as text in a later one (where 'X9' appears) became the
    levels 1, 2, 3 and '01', '02', and the training file's own rows came back 'unseen'."""
    import oneneuron.cli.train as train_cli

    monkeypatch.setattr(train_cli, "CHUNK_ROWS", 100)  # blocks of 100 rows, not 100 000
    rng = np.random.default_rng(1)
    n = 150
    codes = np.r_[rng.choice(["01", "02", "03"], 100), rng.choice(["01", "02", "X9"], 50)]
    x = rng.normal(size=n)
    df = pd.DataFrame({"x": x, "code": codes, "y": (x + rng.normal(size=n) > 0).astype(int)})
    path, model = tmp_path / "codes.csv", tmp_path / "m.json"
    df.to_csv(path, index=False)
    code, _, err = run(["train", path, "--target", "y", "--model", model, "-q"], capsys)
    assert code == 0, err
    names = list(oneneuron.load(model).feature_names_out_)
    assert names == ["x", "code[T.02]", "code[T.03]", "code[T.X9]"], names
    code, _, err = run(["predict", model, path, "--out", tmp_path / "p.csv"], capsys)
    assert code == 0 and "not seen in training" not in err, err


def test_dask_engine_names_its_terms_and_files_lacking_a_column(tmp_path, capsys):
    """The dask engine's coefficient table read x0, x1 (with --features x3 x1 the x3 row
    was labelled x0), and a Parquet file lacking a column was a KeyError traceback."""
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(3)
    n = 300
    df = pd.DataFrame({"age": rng.normal(size=n), "income": rng.normal(size=n)})
    df["y"] = (df.income + rng.normal(size=n) > 0).astype(int)
    df.to_parquet(tmp_path / "named.parquet", index=False)
    model = tmp_path / "nd.json"
    args = ["--engine", "dask", "--features", "income", "age", "-q"]
    code, _, err = run(
        ["train", tmp_path / "named.parquet", "--target", "y", "--model", model, *args], capsys
    )
    assert code == 0, err
    assert oneneuron.load(model).inference_.terms == ["intercept", "income", "age"]
    parts = tmp_path / "parts"
    parts.mkdir()
    df.iloc[:150].to_parquet(parts / "a.parquet", index=False)
    df.iloc[150:, 1:].to_parquet(parts / "b.parquet", index=False)  # no 'age'
    msg = fail(["train", parts, "--target", "y", "--model", tmp_path / "p.json", "--engine",
                "dask"], capsys, "'age'")  # fmt: skip
    assert "b.parquet" in msg


def test_cli_terms_word_python_names_as_flags():
    """'(alpha=0)' had become '(--alpha=0)' once the generic alpha rule ran first, and the
    --inference never message was shadowed by the shorter 'refit with inference=True'."""
    from oneneuron.cli._errors import cli_terms

    assert cli_terms("for unpenalised fits (alpha=0)") == "for unpenalised fits (--alpha 0)"
    assert cli_terms("inference=False was set; refit with inference=True") == (
        "--inference never was given"
    )
    assert cli_terms("use alpha > 0 or firth=True; increase max_iter") == (
        "use --alpha > 0 or --firth; increase --max-iter"
    )


def test_kept_text_cells_that_look_missing_are_copied(tmp_path, capsys):
    """--keep emptied text cells pandas reads as missing ('NA', 'nan', 'NULL', 'N/A',
    'None'): a kept column is copied as written; only an empty cell stays empty, and a
    feature column's 'NA' is still a missing value."""
    n = 40
    rng = np.random.default_rng(1)
    words = ["NA", "nan", "NULL", "N/A", "None", "", "ok"]
    df = pd.DataFrame({"note": [words[i % len(words)] for i in range(n)], "x": rng.normal(size=n)})
    df["y"] = (df.x + rng.normal(size=n) > 0).astype(int)
    path, model = tmp_path / "notes.csv", tmp_path / "notes.json"
    df.to_csv(path, index=False)
    code, _, err = run(["train", path, "--target", "y", "--features", "x", "--model", model,
                        "-q"], capsys)  # fmt: skip
    assert code == 0, err
    for out in ("p.csv", "p.parquet"):
        code, _, err = run(["predict", model, path, "--out", tmp_path / out, "--keep", "note",
                            "--chunk-rows", "16", "-q"], capsys)  # fmt: skip
        assert code == 0, err
        got = (
            pd.read_csv(tmp_path / out, dtype=str, keep_default_na=False)["note"]
            if out.endswith(".csv")
            else pd.read_parquet(tmp_path / out)["note"].fillna("")
        )
        assert got.tolist() == df["note"].tolist()
    bad, df2 = tmp_path / "bad.csv", df.copy()  # a feature cell written NA
    df2.loc[3, "x"] = np.nan
    df2.to_csv(bad, index=False, na_rep="NA")
    fail(["predict", model, bad, "--out", tmp_path / "q.csv", "--keep", "note"], capsys,
         "missing")  # fmt: skip


# ------------------------------------------------------ a target that is not labels
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_target_of_amounts_names_the_column_and_a_cell(tmp_path, capsys, fmt):
    """A numeric target with fractions (statsmodels' fair data: 'affairs') was refused in
    scikit-learn's words, naming neither the column nor a cell."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=30), "amount": np.r_[0.0, 1.0, 0.25, np.full(27, 3.0)]})
    path = tmp_path / f"t.{fmt}"
    df.to_csv(path, index=False) if fmt == "csv" else df.to_parquet(path, index=False)
    err = fail(
        ["train", path, "--target", "amount", "--model", tmp_path / "m.json"],
        capsys,
        "target column 'amount' holds numbers with a fractional part (e.g. 0.25 in data row 3)",
    )
    assert "Unknown label type" not in err


def test_one_class_is_named_as_written(tmp_path, capsys):
    """The only class was shown as NumPy's repr, np.float64(0.0)."""
    path = tmp_path / "one.csv"
    path.write_text("x,y\n1,0.0\n2,0.0\n3,0.0\n")
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "has only one class (0.0 in all 3 rows)",
    )
    assert "np." not in err


def test_continuous_labels_are_named_in_every_engine():
    """The in-memory engines name the first label with a fraction and its row (amounts;
    fractions in [0, 1] get the grouped-binomial advice instead)."""
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0.0, 1.0, 1.0, 2.5, 0.0, 1.0])
    for labels in (y, pd.Series(y).astype(object), list(y)):
        with pytest.raises(ValueError, match=r"^Unknown label type: continuous.*2\.5 \(row 3\)"):
            oneneuron.NeuronClassifier().fit(X, labels)
    with pytest.raises(ValueError, match=r"^Unknown label type: continuous.*two rows per group"):
        oneneuron.NeuronClassifier().fit(X, y / 2.5)
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match=r"^Unknown label type: continuous.*2\.5 \(row 3\)"):
        oneneuron.NeuronClassifier().fit(torch.from_numpy(X), torch.from_numpy(y))


# ------------------------------------------------------ tables written with a pandas index
def _spector_like(n=60, seed=3):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"gpa": rng.normal(3, 0.5, n), "tuce": rng.normal(20, 4, n)})
    df["grade"] = (rng.random(n) < 1 / (1 + np.exp(-(df.gpa - 3) * 3))).astype(int)
    return df


@pytest.mark.parametrize("engine", ["memory", "dask"])
def test_parquet_written_with_a_pandas_index_trains_and_predicts(tmp_path, capsys, engine):
    """A Parquet file from df.to_parquet() after sample/filter/set_index carries pandas
    index metadata: reading it moved a named index column ('gpa') out of the columns
    and train, predict and evaluate died with a KeyError traceback (the Dask engine
    fitted without it, silently). Now every stored
    column is a column; an unnamed index ('__index_level_0__', row labels) is left out
    of the default features with a note. Oracle: the fit on the plain file."""
    df = _spector_like()
    df.to_csv(tmp_path / "plain.csv", index=False)
    df.sample(frac=1, random_state=0).to_parquet(tmp_path / "shuffled.parquet")
    df.set_index("gpa").to_parquet(tmp_path / "named.parquet")
    ref = oneneuron.NeuronClassifier().fit(df[["gpa", "tuce"]], df["grade"])
    for name in ("shuffled", "named"):
        path, model = tmp_path / f"{name}.parquet", tmp_path / f"{name}.json"
        argv = ["train", path, "--target", "grade", "--model", model, "--engine", engine]
        code, _, err = run(argv, capsys)
        assert code == 0, err
        fit = oneneuron.load(model)
        assert sorted(fit.feature_names_out_) == ["gpa", "tuce"]  # dask: 'gpa' was dropped
        assert ("__index_level_0__" in err) == (name == "shuffled")
        order = list(fit.feature_names_out_)
        np.testing.assert_allclose(
            fit.predict_proba(df[order]), ref.predict_proba(df[["gpa", "tuce"]]), rtol=1e-9
        )
        for cmd in (
            ["predict", model, path, "--out", tmp_path / f"{name}_p.csv"],
            ["evaluate", model, path],
            ["predict", model, tmp_path / "plain.csv", "--out", "-"],
        ):
            code, _, err = run(cmd, capsys)
            assert code == 0 and "Traceback" not in err, err


def test_a_csv_written_with_its_index_does_not_fit_the_row_numbers(tmp_path, capsys):
    """df.to_csv() without index=False writes the row labels as a first column with an
    empty header; train used it ('Unnamed: 0') as a feature, silently changing every
    coefficient. Now a column without a name is left out of the default features and
    named in a note; --features can still name it."""
    df = _spector_like()
    df.sample(frac=1, random_state=0).to_csv(tmp_path / "idx.csv")
    model = tmp_path / "m.json"
    code, _, err = run(
        ["train", tmp_path / "idx.csv", "--target", "grade", "--model", model], capsys
    )
    assert code == 0, err
    assert "column 1 has no name" in err and "index=False" in err
    fit = oneneuron.load(model)
    ref = oneneuron.NeuronClassifier().fit(df[["gpa", "tuce"]], df["grade"])
    assert list(fit.feature_names_out_) == ["gpa", "tuce"]
    np.testing.assert_allclose(fit.coef_, ref.coef_, rtol=1e-8)
    code, _, err = run(["predict", model, tmp_path / "idx.csv", "--out", "-"], capsys)
    assert code == 0, err


@pytest.mark.parametrize("name", ["p.txt", "p", "p.csv.gz", "p.tsv.bz2"])
def test_an_output_name_without_a_writable_format_is_refused_first(data, capsys, name):
    """predict read the whole table (and printed its notes) before refusing --out p.txt,
    and the hint offered compressed extensions (.gz, ...) that output refuses."""
    model = data / "m.json"
    assert run(["train", data / "d.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    pd.read_csv(data / "d.csv").assign(extra=1).to_csv(data / "e.csv", index=False)
    err = fail(["predict", model, data / "e.csv", "--out", data / name], capsys, name)
    assert "name it .csv, .tsv or .parquet" in err and ".gz/" not in err
    assert "note:" not in err  # nothing was read


def test_a_column_name_that_differs_in_spaces_or_case_is_pointed_at(tmp_path, capsys):
    """A CSV written with ', ' between fields has header names with a leading space: the
    error listed the first columns only, where ' grade' looked like 'grade'."""
    cols = [f"c{i}" for i in range(12)]
    text = (
        ", ".join([*cols, "Grade"])
        + "\n"
        + "\n".join(", ".join(str((i * j) % 7) for j in range(13)) for i in range(20))
    )
    path = tmp_path / "spaced.csv"
    path.write_text(text + "\n")
    err = fail(
        ["train", path, "--target", "grade", "--model", tmp_path / "m.json"],
        capsys,
        "lacks target column 'grade'",
    )
    assert "' Grade' for 'grade', which differ in spaces or case" in err


def test_the_target_as_offset_is_refused(data, capsys):
    """--offset naming the target fed the labels into their own logit: a 'model' that
    scored 0.91 on spector's data and needed the labels to predict."""
    fail(
        ["train", data / "d.csv", "--target", "y", "--offset", "y", "--model", data / "m.json"],
        capsys,
        "--offset y is the target column",
    )
    df = pd.read_csv(data / "d.csv")
    for key in ("offset", "sample_weight"):
        with pytest.raises(ValueError, match=f"{key}='y' names the formula's target"):
            oneneuron.logit("y ~ x1 + x2", df, **{key: "y"})


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            ["train", "d.csv", "--target", "y", "--features", "x1", "x1", "x2"],
            "--features names 'x1' more than once",
        ),
        (
            ["predict", "m.json", "d.csv", "--out", "-", "--keep", "y", "y"],
            "--keep names 'y' more than once",
        ),
    ],
)
def test_a_column_named_twice_in_a_flag_is_refused(data, capsys, argv, match):
    """--features x1 x1 x2 fitted x1 once but reported '3 table columns'; --keep y y
    wrote the column twice."""
    model = data / "m.json"
    assert run(["train", data / "d.csv", "--target", "y", "--model", model, "-q"], capsys)[0] == 0
    argv = [data / a if a.endswith((".csv", ".json")) else a for a in argv]
    if argv[0] == "train":
        argv += ["--model", data / "m2.json"]
    fail(argv, capsys, match)


def test_levels_that_read_as_missing_are_named(tmp_path, capsys):
    """A text column whose levels include 'NA' (North America, Namibia) or 'None' was
    refused for 'missing values' the file does not seem to have; the error now names the
    words read as missing. An empty cell alone adds nothing."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=30),
            "region": rng.choice(["NA", "EU", "None"], 30),
            "y": rng.integers(0, 2, 30),
        }
    )
    path = tmp_path / "na.csv"
    df.to_csv(path, index=False)
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "missing values in column 'region'",
    )
    assert "'NA'" in err and "'None'" in err and "count as missing" in err
    df["region"] = df["region"].replace({"NA": "", "None": "EU"})
    df.to_csv(path, index=False)
    err = fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json"],
        capsys,
        "missing values in column 'region'",
    )
    assert "count as missing" not in err


@pytest.mark.parametrize("extra", [[], ["--cv", "3"]])
def test_labels_differing_in_spaces_or_case_are_refused(tmp_path, capsys, extra):
    """'yes', 'yes ', 'No' and 'no' made a four-class model of a binary target (the
    summary's classes line was the only sign)."""
    rng = np.random.default_rng(1)
    y = np.where(rng.random(40) < 0.5, "yes", "no").astype(object)
    y[3], y[7] = "yes ", "No"
    path = tmp_path / "ws.csv"
    pd.DataFrame({"x": rng.normal(size=40), "y": y}).to_csv(path, index=False)
    fail(
        ["train", path, "--target", "y", "--model", tmp_path / "m.json", *extra],
        capsys,
        "labels that differ only in spaces or case ('No' and 'no'; 'yes' and 'yes ')",
    )


def test_gradient_descent_from_the_command_line_takes_a_learning_rate(data, capsys):
    """--solver gd or sgd ran at the fixed rate 0.1 / 0.01 and, unconverged, advised
    'increase --max-iter or learning_rate, or use solver='lbfgs'': no flag set the rate
    and the others were named in Python. Now --learning-rate, the same fit as
    NeuronClassifier(solver='gd', learning_rate=...), and the advice in flags."""
    model = data / "gd.json"
    argv = ["train", data / "d.csv", "--target", "y", "--model", model, "--solver", "gd"]
    code, out, err = run([*argv, "--learning-rate", "2", "--max-iter", "20"], capsys)
    assert code == 0, err
    py = oneneuron.NeuronClassifier(solver="gd", learning_rate=2.0, max_iter=20)
    with pytest.warns(oneneuron.ConvergenceWarning):
        py.fit(pd.read_csv(data / "d.csv"), "y")
    np.testing.assert_allclose(oneneuron.load(model).coef_, py.coef_, rtol=1e-12)
    assert "--learning-rate" in err and "--solver lbfgs" in err
    assert "learning_rate" not in err and "solver='lbfgs'" not in err
    other = ["train", data / "d.csv", "--target", "y", "--model", data / "n.json"]
    fail([*other, "--learning-rate", "0.5"], capsys, "--learning-rate needs --solver gd or sgd")
    fail([*other, "--solver", "gd", "--learning-rate", "0"], capsys, "--learning-rate must be")
    fail([*other, "--solver", "sgd", "--learning-rate", "1", "--cv", "3"], capsys, "--cv")


def test_dask_engine_trains_on_a_hive_partitioned_folder(tmp_path, capsys):
    """A folder partitioned by a column (g=0/part.parquet, as pyarrow and Spark write
    them) was refused: '--engine dask reads Parquet (a .parquet file or folder), not
    DIR' (only the folder's top level was searched). Its model equals the in-memory
    model of the same rows."""
    pytest.importorskip("dask.dataframe")
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    rng = np.random.default_rng(4)
    n = 300
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "g": np.arange(n) % 2})
    df["y"] = (df.a - df.b + rng.normal(size=n) > 0).astype(int)
    pq.write_to_dataset(pa.Table.from_pandas(df), tmp_path / "hive", partition_cols=["g"])
    opts = ["--target", "y", "--features", "a", "b", "--engine", "dask", "-q"]
    code, _, err = run(["train", tmp_path / "hive", *opts, "--model", tmp_path / "d.json"], capsys)
    assert code == 0, err
    order = np.argsort(df.g.to_numpy(), kind="stable")  # the rows as the partitions hold them
    ref = oneneuron.NeuronClassifier().fit(df[["a", "b"]].to_numpy()[order], df.y.to_numpy()[order])
    np.testing.assert_allclose(oneneuron.load(tmp_path / "d.json").coef_, ref.coef_, atol=1e-8)


def test_text_column_arriving_as_numbers_is_one_error_line(tmp_path, capsys):
    """The CLI reads a categorical column as text: numbers in it at predict (city codes
    where training had names) are one error line, not a reference-level warning."""
    rng = np.random.default_rng(4)
    n = 60
    train = pd.DataFrame(
        {"x": rng.normal(size=n), "city": rng.choice(["paris", "rome", "oslo"], n)}
    )
    train["y"] = (train["x"] + rng.normal(size=n) > 0).astype(int)
    train.to_csv(tmp_path / "train.csv", index=False)
    run(["train", tmp_path / "train.csv", "--target", "y", "--model", tmp_path / "m.json"], capsys)
    for codes in (np.arange(n) % 32, [f"{i % 32:02d}" for i in range(n)]):
        train.drop(columns="y").assign(city=codes).to_csv(tmp_path / "new.csv", index=False)
        err = fail(
            ["predict", tmp_path / "m.json", tmp_path / "new.csv", "--out", tmp_path / "p.csv"],
            capsys,
            "new.csv holds numbers (e.g. '0",
        )
        assert "warning" not in err
    train.assign(x=train["city"]).to_csv(tmp_path / "new.csv", index=False)
    fail(
        ["predict", tmp_path / "m.json", tmp_path / "new.csv", "--out", tmp_path / "p.csv"],
        capsys,
        "new.csv must be numeric",
    )


# ------------------------------------- weights with --engine dask and with --cv
def _weighted(data):
    """d.csv's rows with a frequency weight column ``w`` (0 to 3), as CSV, Parquet and a
    two-file Parquet folder."""
    df = pd.read_csv(data / "d.csv")
    df["w"] = np.arange(len(df)) % 4 * 1.0
    df.to_csv(data / "w.csv", index=False)
    _two_parts(df, data / "wq")
    return df


def test_train_dask_takes_frequency_weights_as_the_memory_engine(data, capsys):
    """--engine dask refused --weights ("need --engine memory") though the Dask fit reads
    a weight column (fit_parquet's sample_weight): the same fit as the in-memory engine's,
    which statsmodels' frequency-weighted GLM checks elsewhere; the weight column is no
    feature."""
    pytest.importorskip("dask.dataframe")
    df = _weighted(data)
    opts = ["--target", "y", "--weights", "w", "--alpha", "0.01", "-q"]
    code, _, err = run(
        ["train", data / "wq", *opts, "--engine", "dask", "--model", data / "k.json"], capsys
    )
    assert code == 0, err
    got = oneneuron.load(data / "k.json")
    want = oneneuron.NeuronClassifier(alpha=0.01).fit(
        df[["x1", "x2"]], df["y"], sample_weight=df["w"]
    )
    assert list(got.feature_names_in_) == ["x1", "x2"]
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-7)
    np.testing.assert_allclose(got.intercept_, want.intercept_, rtol=1e-7, atol=1e-10)
    fail(
        ["train", data / "wq", "--target", "y", "--weights", "y", "--engine", "dask",
         "--model", data / "n.json"],
        capsys,
        "--weights y is the target column",
    )  # fmt: skip


def test_train_cv_takes_frequency_weights(data, capsys):
    """--cv refused --weights ("does not take --weights yet") though NeuronClassifierCV
    takes sample_weight: the folds, the scores (held-out rows weighted) and the refit
    are NeuronClassifierCV's with those weights. Whole-number weights are counts, so the
    folds are drawn over the rows they count (``split_counts=True``; test_newuser5)."""
    from sklearn.model_selection import StratifiedKFold

    df = _weighted(data)
    model = data / "m.json"
    argv = ["train", data / "w.csv", "--target", "y", "--weights", "w", "--cv", "3"]
    code, out, err = run([*argv, "--model", model, "-q"], capsys)
    assert code == 0, err
    got = oneneuron.load(model)
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    want = oneneuron.NeuronClassifierCV(cv=folds).fit(
        df[["x1", "x2"]], df["y"], sample_weight=df["w"], split_counts=True
    )
    np.testing.assert_allclose(got.cv_record_.scores, want.scores_, rtol=1e-9)
    np.testing.assert_allclose(got.coef_, want.coef_, rtol=1e-9, atol=1e-12)
    unweighted = oneneuron.NeuronClassifierCV(cv=folds).fit(df[["x1", "x2"]], df["y"])
    assert not np.allclose(got.cv_record_.scores, unweighted.scores_, rtol=1e-3)


# ------------------------------------------------ a stalled path's advice, in flags
def test_a_stalled_cv_path_advises_flags_not_keywords(data, capsys):
    """``--cv`` with ``--max-iter 1``: the path's warning said "increase --max-iter or
    loosen tol", a keyword where the command line has ``--tol``."""
    argv = ["train", data / "d.csv", "--target", "y", "--model", data / "m.json"]
    code, _, err = run([*argv, "--cv", "3", "--max-iter", "1"], capsys)
    assert code == 0
    stalled = [line for line in err.splitlines() if "stopped short of tol" in line]
    assert stalled, err
    for line in stalled:
        assert "loosen --tol" in line and "loosen tol" not in line, line


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--cov-type", "HC3"], "use --cov-type HC0, HC1 or cluster with more than two classes"),
        (["--firth"], "the target has 3 classes"),
    ],
)
def test_binary_only_refusals_speak_the_command_lines_words(tmp_path, capsys, flags, said):
    """Binary-only settings on a 3-class target: the command line said "use 'HC0', 'HC1'
    or 'cluster'" (Python's values, not the flag), "y has 3 classes" (the target is the
    file's column) and ended with "Only binary classification is supported.", a sentence
    kept in the Python message for scikit-learn's estimator checks."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60), "k": np.repeat(["a", "b", "c"], 20)})
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "k", "--model", tmp_path / "m.json", *flags]
    err = fail(argv, capsys, said)
    assert "Only binary classification" not in err and " y has" not in err, err


@pytest.mark.parametrize("cv", [[], ["--cv", "3"]])
def test_impute_says_how_many_cells_it_filled(tmp_path, capsys, cv):
    """``train --impute`` said "missing cells filled with the training rows' median" also
    where none was filled (palmerpenguins: every row with a missing feature also lacks its
    target, and those rows are dropped first). It counts the cells it filled (pandas'
    count of the kept rows' missing feature cells), and says when there were none."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"x": rng.normal(size=90), "z": rng.normal(size=90)})
    df["y"] = np.where(df.x + rng.normal(size=90) > 0, "yes", "no")
    df.loc[[3, 7], "x"] = np.nan
    df.loc[[3, 7], "y"] = np.nan  # the rows with a missing feature lack the target too
    path = tmp_path / "d.csv"
    df.to_csv(path, index=False)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json", "--impute", "median"]
    code, out, err = run([*argv, *cv], capsys)
    assert code == 0, err
    assert "missing cells filled" not in out and "no missing feature cell to fill" in out, out
    df.loc[[10, 11], "z"] = np.nan  # two cells in rows with a target
    df.loc[12, "x"] = np.nan
    df.to_csv(path, index=False)
    code, out, err = run([*argv, *cv, "--force"], capsys)
    assert code == 0, err
    kept = df[df.y.notna()]
    filled = int(kept[["x", "z"]].isna().sum().sum())
    assert filled == 3 and f"{filled} missing cells filled with the" in out, out
