"""What the messages tell the user to do works, and says it in the user's terms.

Each error or warning that suggests a remedy ("use --no-intercept", "refit with
relax=True", ...) is triggered here, the remedy is applied exactly as written, and the
result is checked; command-line messages name the command line's flags, never Python's
keywords (``fit_intercept=False``, ``decimal=','``), which a command-line user cannot pass.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from _cli import fail, run  # noqa: E402
from oneneuron import NeuronClassifier, load
from oneneuron.cli import build_parser

#: Python keyword arguments a command-line message must not ask for.
PYTHON_KEYWORD = re.compile(r"\b[a-z_]+=(?!\d)")


def cli_flags(command: str) -> set[str]:
    """The options ``oneneuron COMMAND`` accepts."""
    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


def assert_cli_words(err: str, command: str) -> None:
    """No Python keyword; every ``--flag`` named is one of ``oneneuron COMMAND``'s or train's
    (a remedy may be to train again)."""
    text = " ".join(line for line in err.splitlines() if line.startswith(("error:", "warning:")))
    assert not PYTHON_KEYWORD.search(text), text
    known = cli_flags(command) | cli_flags("train")
    for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", text):
        assert flag in known, (flag, text)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    rng = np.random.default_rng(7)
    n = 200
    df = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    z = 0.2 + df["a"] - 0.5 * df["b"]
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    path = tmp_path_factory.mktemp("remedies") / "data.csv"
    df.to_csv(path, index=False)
    return path, df


@pytest.mark.parametrize("relax", [False, True])
def test_predict_interval_of_an_l1_fit_is_refused_with_no_remedy_that_fails(data, relax):
    """An L1 fit's predictions have no standard errors. The refusal used to say "refit
    with relax=True", which gave a model whose intervals were either refused too (a
    column dropped) or, when the L1 fit kept every column, silently computed around the
    L1 (shrunken) probabilities with the unpenalised refit's covariance: a mix of two
    models. Now both are refused, and the message suggests nothing that fails."""
    _, df = data
    X, y = df[["a", "b"]], df["y"]
    clf = NeuronClassifier(alpha=0.01, l1_ratio=1.0, relax=relax).fit(X, y)
    assert np.all(clf.coef_ != 0)  # every column kept: the shapes of the two models agree
    if relax:  # the two models differ: the refit is unpenalised
        assert not np.allclose(clf.predict_proba(X), clf.relaxed_.predict_proba(X), atol=1e-3)
    with pytest.raises(ValueError, match="L1") as err:
        clf.predict_interval(X)
    assert "relax=True for" not in str(err.value)


@pytest.mark.parametrize("relax", [False, True])
def test_cli_predict_interval_of_an_l1_model_is_refused_in_cli_words(data, tmp_path, capsys, relax):
    path, _ = data
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q"]
    argv += ["--l1-ratio", "1", "--alpha", "0.01"] + (["--relax"] if relax else [])
    assert run(argv, capsys)[0] == 0
    err = fail(["predict", model, path, "--out", tmp_path / "p.csv", "--interval", 0.9], capsys, "")
    assert "--l1-ratio" in err and "--relax for" not in err
    assert_cli_words(err, "predict")
    ridge = tmp_path / "ridge.json"  # the remedy the message names: a ridge fit has intervals
    assert run([*argv[:4], "--model", ridge, "-q", "--alpha", "0.01"], capsys)[0] == 0
    code, _, err = run(
        ["predict", ridge, path, "--out", tmp_path / "r.csv", "--interval", 0.9], capsys
    )
    assert code == 0, err
    assert load(ridge).l1_ratio == 0


def _write(tmp_path, name, frame, **kw):
    path = tmp_path / name
    frame.to_csv(path, index=False, **kw)
    return path


def test_cli_a_column_named_intercept_names_the_flag_that_helps(data, tmp_path, capsys):
    """The estimator's "(or fit with fit_intercept=False)" reached the command line as is."""
    _, df = data
    path = _write(tmp_path, "t.csv", df.rename(columns={"b": "intercept"}))
    model = tmp_path / "m.json"
    err = fail(["train", path, "--target", "y", "--model", model], capsys, "'intercept'")
    assert_cli_words(err, "train")
    assert "--no-intercept" in err
    assert run(["train", path, "--target", "y", "--model", model, "--no-intercept"], capsys)[0] == 0
    ref = NeuronClassifier(fit_intercept=False).fit(df[["a", "b"]], df["y"])
    np.testing.assert_allclose(load(model).coef_, ref.coef_, rtol=1e-6)


def test_cli_numbers_with_a_decimal_comma_name_no_python_option(data, tmp_path, capsys):
    """ "read the file with decimal=','" is pandas' option: the command line has none."""
    _, df = data
    text = df.assign(a=df["a"].map(lambda v: f"{v:.4f}".replace(".", ",")))
    path = _write(tmp_path, "t.tsv", text, sep="\t")
    err = fail(["train", path, "--target", "y", "--model", tmp_path / "m.json"], capsys, "comma")
    assert_cli_words(err, "train")


def test_cli_interval_without_standard_errors_names_the_flag(data, tmp_path, capsys):
    """predict --interval of a model trained with --inference never said "refit with
    inference=True"; now it says train's flag, and that flag gives the intervals."""
    path, _ = data
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q", "--force"]
    assert run([*argv, "--inference", "never"], capsys)[0] == 0
    out = tmp_path / "p.csv"
    err = fail(["predict", model, path, "--out", out, "--interval", 0.9], capsys, "--inference")
    assert_cli_words(err, "predict")
    assert run([*argv, "--inference", "always"], capsys)[0] == 0
    assert run(["predict", model, path, "--out", out, "--interval", 0.9], capsys)[0] == 0
    assert {"ci_low", "ci_high"} <= set(pd.read_csv(out).columns)


def test_a_penalised_fit_that_stops_early_is_not_told_to_set_alpha(data, recwarn):
    """The exact solvers' hint "set alpha > 0 if the classes are separable" was given to
    fits that already had alpha > 0 (an L1 fit stopped by max_iter)."""
    _, df = data
    for params in ({"alpha": 0.001, "l1_ratio": 1.0}, {"alpha": 0.001}, {}):
        with pytest.warns(UserWarning, match="increase max_iter") as caught:
            NeuronClassifier(
                max_iter=1,
                solver="newton" if not params.get("l1_ratio") else "cd",
                tol=1e-14,
                **params,
            ).fit(df[["a", "b"]], df["y"])
        said = " ".join(str(w.message) for w in caught)
        assert ("alpha > 0" in said) == (not params), said


def test_cli_a_model_too_large_for_a_file_names_the_flag_that_helps(
    data, tmp_path, capsys, monkeypatch
):
    """ "refit with inference=False" (write_model's refusal) reached the command line as is;
    --inference never, which it now names, leaves the covariance out and the file fits."""
    from oneneuron.modelfile import _document

    path, _ = data
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q"]
    assert run([*argv, "--inference", "never"], capsys)[0] == 0
    small = model.stat().st_size
    model.unlink()
    monkeypatch.setattr(_document, "MAX_MODEL_BYTES", small + 100)  # the covariance is more
    err = fail(argv, capsys, "limit of model files")
    assert_cli_words(err, "train")
    assert "--inference never" in err and not model.exists()
    assert run([*argv, "--inference", "never"], capsys)[0] == 0


def test_on_unknown_help_says_how_an_unseen_category_is_coded(tmp_path, capsys):
    """--on-unknown's help said "encode as zeros", but a model file of this version codes
    an unseen category as the reference level, and with --encoding full as the first
    level (a 1 in its column, not zeros), as the README and the warning say."""
    rng = np.random.default_rng(3)
    n = 120
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df["x"] - (df["g"] == "b")))).astype(int)
    path = _write(tmp_path, "t.csv", df)
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q", "--encoding", "full"]
    assert run([*argv, "--alpha", "0.01"], capsys)[0] == 0
    new = _write(tmp_path, "new.csv", pd.DataFrame({"x": [0.5] * 3, "g": ["a", "b", "zzz"]}))
    out = tmp_path / "p.csv"
    code, _, err = run(["predict", model, new, "--out", out], capsys)
    assert code == 0 and "warning:" in err
    p = pd.read_csv(out)["proba_1"].to_numpy()
    assert p[2] == p[0] != p[1]  # the first level's probability, not the all-zero coding's
    w, b = load(model).coef_[0], load(model).intercept_[0]
    assert p[2] != pytest.approx(1 / (1 + np.exp(-(b + 0.5 * w[0]))))  # zeros would give this
    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices)
    for command in ("predict", "evaluate"):
        (action,) = (a for a in sub.choices[command]._actions if "--on-unknown" in a.option_strings)
        assert "reference level" in action.help and "zeros" not in action.help, action.help


def test_a_separated_relaxed_refit_is_not_told_to_set_alpha_or_firth(data, tmp_path, capsys):
    """relax=True refits unpenalised on the kept columns; when that refit is separated, the
    warning and summary() said "use alpha > 0 ... or firth=True", but alpha > 0 is already
    set (the refit is unpenalised by definition) and firth=True cannot go with it (Firth
    needs alpha=0). The remedy that works is the L1 fit without relax, which is finite."""
    from oneneuron import SeparationWarning
    from oneneuron.stats import InferenceUnavailableError

    _, df = data
    X, y = df[["a", "b"]], (df["a"] > 0).astype(int)  # separated by a
    with pytest.warns(SeparationWarning) as caught:
        NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(X, y)
    said = " ".join(str(w.message) for w in caught if w.category is SeparationWarning)
    assert "alpha > 0" not in said and "firth=True" not in said, said
    assert "relax" in said
    with pytest.raises(InferenceUnavailableError) as err:
        NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True).fit(X, y).summary()
    assert "alpha > 0" not in str(err.value) and "relax" in str(err.value)
    with pytest.raises(ValueError):  # the old advice, firth=True, cannot go with the L1 fit
        NeuronClassifier(alpha=0.05, l1_ratio=1.0, relax=True, firth=True).fit(X, y)
    plain = NeuronClassifier(alpha=0.05, l1_ratio=1.0).fit(X, y)  # the remedy: finite
    assert np.all(np.isfinite(plain.coef_)) and abs(plain.coef_[0, 0]) < 20
    path = _write(tmp_path, "sep.csv", df.assign(y=y))
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json"]
    code, out, err = run([*argv, "--l1-ratio", "1", "--alpha", "0.05", "--relax"], capsys)
    assert code == 0
    assert_cli_words(err, "train")
    assert "without --relax" in err and "--alpha > 0" not in err + out, err + out


def test_cli_firth_caption_says_profile_intervals_are_pythons(data, tmp_path, capsys):
    """evaluate's table (and the HTML report's) of a --firth model pointed to
    "summary(ci='profile', X=..., y=...)" as if the command line had it; it says where."""
    path, _ = data
    model, report = tmp_path / "m.json", tmp_path / "r.html"
    assert run(["train", path, "--target", "y", "--model", model, "-q", "--firth"], capsys)[0] == 0
    code, out, _ = run(["evaluate", model, path, "--report", report], capsys)
    assert code == 0
    for text in (out, report.read_text()):
        assert "profile" in text and "in Python" in text


@pytest.mark.parametrize("kind", ["array", "frame"])
def test_a_non_finite_cell_is_told_a_remedy_that_handles_it(kind):
    """A NaN cell was told "drop or fill it (a table takes missing='drop' or 'mean' ...)":
    that works, for arrays too (not only tables). An infinite cell was told the same, but
    missing= fills and drops NaN only: the fit then failed again (for an array with
    scikit-learn's "Input contains infinity" naming no cell)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + rng.normal(size=60) > 0).astype(int)

    def table(v):
        Xb = X.copy()
        Xb[3, 1] = v
        return Xb if kind == "array" else pd.DataFrame(Xb, columns=["a", "b"])

    with pytest.raises(ValueError, match="missing=") as err:
        NeuronClassifier().fit(table(np.nan), y)
    assert "a table takes" not in str(err.value)
    filled = NeuronClassifier(missing="mean").fit(table(np.nan), y)  # the remedy it names
    Xf = X.copy()
    Xf[3, 1] = np.delete(X[:, 1], 3).mean()
    np.testing.assert_allclose(filled.coef_, NeuronClassifier().fit(Xf, y).coef_, rtol=1e-8)
    with pytest.raises(ValueError, match="infinity") as err:
        NeuronClassifier().fit(table(np.inf), y)
    assert "replace it" in str(err.value) and "missing='" not in str(err.value), str(err.value)
    with pytest.raises(ValueError, match="column") as err:  # missing= names the cell too
        NeuronClassifier(missing="mean").fit(table(np.inf), y)
    assert "row 3" in str(err.value), str(err.value)


def test_full_encoding_beside_an_intercept_names_the_encoding_that_identifies_it(tmp_path, capsys):
    """encoding='full' with an intercept and alpha=0 has no standard errors; the reason
    said "drop the redundant column(s) or set alpha > 0" (CLI: "leave a column out
    (--features or --formula)"), but the redundant column is a coded level, which no
    column of the table drops. It now names the encoding that identifies the model."""

    rng = np.random.default_rng(4)
    n = 150
    df = pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b", "c"], n)})
    df["y"] = (rng.random(n) < 1 / (1 + np.exp(-df["x"]))).astype(int)
    # the last level's column is aliased (NA, as R's glm); the note names the encoding
    full = NeuronClassifier(encoding="full").fit(df[["x", "g"]], df["y"])
    assert "encoding='reference'" in full.summary().attrs["caption"]
    formula = NeuronClassifier(encoding="full", formula="y ~ x + I(2 * x) + C(g)").fit(df)
    note = formula.inference_.extra["aliased_note"]
    assert "linear combination" in note  # x and 2x: collinear, not the coding
    assert "encoding" not in note  # a formula codes C(g) itself
    fixed = NeuronClassifier(encoding="reference").fit(df[["x", "g"]], df["y"])
    assert np.all(np.isfinite(fixed.summary()["std_err"]))
    path = _write(tmp_path, "t.csv", df)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json", "--force"]
    code, out, err = run([*argv, "--encoding", "full"], capsys)
    assert code == 0 and "--encoding reference" in out, out
    assert not PYTHON_KEYWORD.search(out), out


def test_cli_dask_text_columns_name_the_flags_that_help(data, tmp_path, capsys):
    """train --engine dask on a Parquet file with a text column said "encode them (e.g.
    one-hot) before fitting"; the command line's ways are --features (leave it out) and
    the in-memory engine, which codes text columns. Both work."""
    pytest.importorskip("dask.dataframe")
    _, df = data
    path = tmp_path / "t.parquet"
    df.assign(g=np.where(df["a"] > 0, "u", "v")).to_parquet(path)
    model = tmp_path / "m.json"
    argv = ["train", path, "--target", "y", "--model", model, "-q", "--force"]
    err = fail([*argv, "--engine", "dask"], capsys, "'g'")
    assert "--features" in err and "--engine" in err, err
    assert_cli_words(err, "train")
    assert run([*argv, "--engine", "dask", "--features", "a", "b"], capsys)[0] == 0
    assert run(argv, capsys)[0] == 0 and "g[T.v]" in load(model).feature_names_out_


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "gd", "learning_rate": 0.01},
        {"solver": "sgd", "optimizer": "adam", "batch_size": 10},
        {"solver": "gd"},
    ],
)
def test_gradient_descent_advice_to_use_lbfgs_works_as_written(data, params):
    """A first-order fit that stops early is told "or use solver='lbfgs'"; applied to the
    fit's parameters, it failed where they set learning_rate, optimizer or batch_size
    (options L-BFGS refuses). The advice now says to leave them out, and that works."""
    from oneneuron import ConvergenceWarning

    _, df = data
    X, y = df[["a", "b"]], df["y"]
    with pytest.warns(ConvergenceWarning, match="solver='lbfgs'") as caught:
        NeuronClassifier(max_iter=2, **params).fit(X, y)
    said = str(caught[0].message)
    dropped = [k for k in params if k != "solver"]
    for key in dropped:
        assert key in said.split("solver='lbfgs'")[1], said
    remedy = {k: v for k, v in params.items() if k not in dropped} | {"solver": "lbfgs"}
    fit = NeuronClassifier(max_iter=2, **remedy).fit(X, y)
    assert fit.solver_ == "lbfgs"


@pytest.mark.parametrize(
    "base, alpha_fix, firth_fix",
    [
        ({}, {"alpha": 0.1}, {"firth": True}),
        (
            {"cov_type": "HC1"},
            {"alpha": 0.1, "cov_type": "nonrobust"},
            {"firth": True, "cov_type": "nonrobust"},
        ),
        ({"solver": "lbfgs"}, {"alpha": 0.1}, {"firth": True, "solver": "auto"}),
        ({"record_path": True}, {"alpha": 0.1}, {"firth": True, "record_path": False}),
    ],
)
def test_separation_remedies_name_the_settings_they_cannot_go_with(base, alpha_fix, firth_fix):
    """A separated fit is told "use alpha > 0 ... or firth=True". With cov_type='HC1' both
    failed as written (a sandwich is for unpenalised fits; Firth reports the inverse
    information), and firth=True failed beside solver='lbfgs' or record_path=True. The
    warning and the table's reason now name what has to change with them, and that works."""
    from oneneuron import SeparationWarning
    from oneneuron.stats import InferenceUnavailableError

    rng = np.random.default_rng(2)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.normal(size=80)})
    y = (X["a"] > 0).astype(int)
    with pytest.warns(SeparationWarning) as caught:
        clf = NeuronClassifier(**base).fit(X, y)
    said = " ".join(str(w.message) for w in caught if w.category is SeparationWarning)
    with pytest.raises(InferenceUnavailableError) as err:
        clf.summary()
    for fix in (alpha_fix, firth_fix):
        words = [f"{k}={v!r}" for k, v in fix.items() if k not in ("alpha", "firth")]
        for text in (said, str(err.value)):
            for word in words:
                assert word in text, (word, text)
        fixed = NeuronClassifier(**(base | fix)).fit(X, y)
        assert np.all(np.abs(fixed.coef_) < 50)


def test_collinear_columns_beside_a_robust_covariance_name_the_alpha_that_works():
    """Collinear columns are aliased (NA, as R's glm), with "drop the redundant column(s)
    or set alpha > 0"; beside cov_type='HC1' alpha > 0 alone is refused (a sandwich is for
    unpenalised fits). The warning says what goes with it, and that works."""
    from oneneuron import CollinearityWarning

    rng = np.random.default_rng(6)
    X = pd.DataFrame({"a": rng.normal(size=100)})
    X["b"] = 2 * X["a"]
    y = (rng.random(100) < 1 / (1 + np.exp(-X["a"]))).astype(int)
    with pytest.warns(CollinearityWarning, match="alpha > 0 with cov_type='nonrobust'"):
        robust = NeuronClassifier(cov_type="HC1").fit(X, y)
    assert robust.summary().loc["b"].isna().all()
    fixed = NeuronClassifier(cov_type="nonrobust", alpha=0.1).fit(X, y)
    assert np.all(np.isfinite(fixed.summary()["std_err"]))
    with pytest.raises(ValueError, match="unpenalised"):  # what "set alpha > 0" alone does
        NeuronClassifier(cov_type="HC1", alpha=0.1).fit(X, y)


def test_report_names_the_stopping_measure_of_the_solver(data, tmp_path, capsys):
    """The HTML report printed every model's grad_norm_ as "max|grad|"; for an L1 fit (cd)
    that number is the KKT violation (the smooth part's gradient is not small there), as
    train's own line says. The report now gives the fit's stop reason, with its measure."""
    path, _ = data
    model, report = tmp_path / "m.json", tmp_path / "r.html"
    argv = ["train", path, "--target", "y", "--model", model, "-q"]
    assert run([*argv, "--l1-ratio", "1", "--alpha", "0.01"], capsys)[0] == 0
    assert run(["evaluate", model, path, "--report", report], capsys)[0] == 0
    text = report.read_text()
    assert "KKT violation" in text and "max|grad|" not in text
    assert html.escape(load(model).stop_reason_) in text


def test_dask_train_line_names_the_stopping_measure(data, tmp_path, capsys):
    """train --engine dask printed "max|grad|" for every solver; cd's number is the KKT
    violation. The line now carries the stop reason, as the in-memory train's does."""
    pytest.importorskip("dask.dataframe")
    _, df = data
    path = tmp_path / "t.parquet"
    df.to_parquet(path)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json", "--engine", "dask"]
    code, out, _ = run([*argv, "--alpha", "0.01", "--l1-ratio", "1"], capsys)
    assert code == 0 and "KKT violation" in out and "max|grad|" not in out, out


def test_cli_reference_given_twice_for_one_column_is_an_error(tmp_path, capsys):
    """--reference g=a --reference g=b kept the last silently (the first was ignored), where
    --features and --numeric refuse a repeated column; now it is one error naming both."""
    rng = np.random.default_rng(8)
    df = pd.DataFrame({"x": rng.normal(size=90), "g": rng.choice(["a", "b", "c"], 90)})
    df["y"] = (rng.random(90) < 0.5).astype(int)
    path = _write(tmp_path, "t.csv", df)
    argv = ["train", path, "--target", "y", "--model", tmp_path / "m.json", "-q"]
    err = fail([*argv, "--reference", "g=a", "--reference", "g=b"], capsys, "'g'")
    assert "'a'" in err and "'b'" in err
    assert run([*argv, "--reference", "g=b", "--reference", "g=b"], capsys)[0] == 0  # the same


def test_cli_terms_keep_the_users_quoted_names():
    """Data and model-file errors now pass through cli_terms: a column the user named
    'max_iter' must stay 'max_iter' (it became '--max-iter'), and scikit-learn's parameter
    message about max_iter becomes the flag's (the keyword was rewritten first, so its
    pattern no longer matched)."""
    from oneneuron.cli._errors import cli_terms

    for text in (
        "column 'max_iter' of d.csv has missing values",
        'column "max_iter" holds text',
        "column 'learning_rate' has 3 rows",
    ):
        assert cli_terms(text) == text
    said = cli_terms(
        "The 'max_iter' parameter of NeuronClassifier must be an int in the range [0, inf). "
        "Got -1 instead."
    )
    assert said == "--max-iter must be an int in the range [0, inf), not -1", said
    assert cli_terms("increase max_iter, or use solver='lbfgs'") == (
        "increase --max-iter, or use --solver lbfgs"
    )


def test_score_of_an_offset_model_takes_the_offset_its_message_asks_for(data):
    """score(X, y) of a model fitted with an offset said "pass offset=", but score took
    no offset (TypeError). It does now, and scores the predictions with that offset."""
    from sklearn.metrics import accuracy_score

    _, df = data
    X, y = df[["a", "b"]], df["y"]
    off = np.linspace(-1.0, 1.0, len(y))
    clf = NeuronClassifier().fit(X, y, offset=off)
    with pytest.raises(ValueError, match="offset="):
        clf.score(X, y)
    z = X.to_numpy() @ clf.coef_[0] + clf.intercept_[0] + off
    want = accuracy_score(y, (z > 0).astype(int))
    assert clf.score(X, y, offset=off) == pytest.approx(want)
    w = np.arange(len(y)) % 3
    want_w = accuracy_score(y, (z > 0).astype(int), sample_weight=w)
    assert clf.score(X, y, sample_weight=w, offset=off) == pytest.approx(want_w)
    plain = NeuronClassifier().fit(X, y)  # without an offset: scikit-learn's score
    assert plain.score(X, y) == accuracy_score(y, plain.predict(X))


def test_score_with_an_offset_on_dask_input_is_refused_not_dropped(data):
    da = pytest.importorskip("dask.array")
    _, df = data
    X, y = df[["a", "b"]].to_numpy(), df["y"].to_numpy()
    off = np.linspace(-1.0, 1.0, len(y))
    clf = NeuronClassifier().fit(X, y, offset=off)
    with pytest.raises(ValueError, match="offset"):
        clf.score(da.from_array(X, chunks=50), y, offset=off)


def test_plots_of_an_offset_model_take_the_offset_its_message_asks_for():
    """plot_probability_contours of a model fitted with an offset said "pass offset=",
    which it did not take; plot_decision_boundary drew the line at offset 0 without a
    word. Both take offset= (one value for the plane) and refuse to guess it."""
    import matplotlib

    matplotlib.use("Agg")
    from oneneuron.plot import plot_decision_boundary, plot_probability_contours

    rng = np.random.default_rng(9)
    X = rng.normal(size=(120, 2))
    off = np.linspace(-1.0, 1.0, 120)
    y = (X[:, 0] - X[:, 1] + off + rng.normal(size=120) > 0).astype(int)
    clf = NeuronClassifier().fit(X, y, offset=off)
    for plot in (plot_decision_boundary, plot_probability_contours):
        with pytest.raises(ValueError, match="offset="):
            plot(clf, X, y)
    ax = plot_decision_boundary(clf, X, y, offset=0.7)
    x1, x2 = ax.lines[0].get_data()
    w, b = clf.coef_[0], clf.intercept_[0]
    np.testing.assert_allclose(w[0] * x1 + w[1] * x2 + b + 0.7, 0.0, atol=1e-9)
    ax = plot_probability_contours(clf, X, y, offset=0.7, colorbar=False)
    assert ax.collections
    plain = NeuronClassifier().fit(X, y)
    with pytest.raises(ValueError, match="offset"):
        plot_decision_boundary(plain, X, y, offset=0.7)
