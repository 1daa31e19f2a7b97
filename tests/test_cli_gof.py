"""The command line's per-term Wald tests and goodness of fit equal the Python API's.

``oneneuron.wald_terms`` and ``oneneuron.goodness_of_fit`` are checked against R and
statsmodels in test_stats_tests.py and test_stats_gof.py; here the CLI's numbers are
compared with theirs on the same table, fitted by the Python API, and the calibration test
on new rows with Hosmer and Lemeshow's statistic computed independently (NumPy's type-7
quantiles, pandas' bins, SciPy's chi-squared on as many df as bins).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from _cli import run  # noqa: E402
from oneneuron import NeuronClassifier, goodness_of_fit, wald_terms


@pytest.fixture(scope="module")
def table():
    r = np.random.default_rng(0)
    n = 300
    t = pd.DataFrame(
        {"x": r.normal(size=n), "g": r.choice(["a", "b", "c"], n), "h": r.choice(["u", "v"], n)}
    )
    z = 0.5 * t.x + (t.g == "b") * 1.0 - (t.g == "c") * 0.5 + 0.3 * (t.h == "v")
    t["y"] = (r.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return t


def _frame(found):
    return pd.DataFrame.from_dict(found["tests"], orient="index").astype(float)


def _json(argv, capsys):
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0 and "Traceback" not in err, err
    return json.loads(out)


def test_evaluate_on_the_training_rows_shows_the_apis_term_tests_and_goodness_of_fit(
    table, tmp_path, capsys
):
    table.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    code, out, _ = run(["train", tmp_path / "d.csv", "--target", "y", "--model", model], capsys)
    assert code == 0
    clf = NeuronClassifier().fit(table, "y")
    api = wald_terms(clf)
    assert "terms: joint Wald chi-squared" in out  # train prints the table: g on 2 df
    row = next(line.split() for line in out.splitlines() if line.startswith("g "))
    assert row == ["g", f"{api.loc['g', 'chi2']:.4g}", "2", f"{api.loc['g', 'p_value']:.4g}"]
    m = _json(["evaluate", model, tmp_path / "d.csv"], capsys)
    cli = _frame(m["wald_terms"])
    np.testing.assert_allclose(cli.to_numpy(), api.to_numpy(float), rtol=1e-6)
    assert list(cli.index) == ["intercept", "x", "g", "h"]
    gof = goodness_of_fit(clf, table, "y")
    assert m["goodness_of_fit"]["rows"] == "training"
    np.testing.assert_allclose(_frame(m["goodness_of_fit"]).to_numpy(), gof.to_numpy(), rtol=1e-6)
    code, out, _ = run(["evaluate", model, tmp_path / "d.csv"], capsys)
    assert "hosmer-lemeshow" in out and "pearson" in out and "Nagelkerke=" in out
    assert f"Nagelkerke={clf.pseudo_r2_nagelkerke_:.4g}" in out
    report = tmp_path / "r.html"
    assert run(["evaluate", model, tmp_path / "d.csv", "--report", report, "-q"], capsys)[0] == 0
    page = report.read_text()
    assert "<h2>Term tests</h2>" in page and "<h2>Goodness of fit</h2>" in page
    assert f"<td>{gof.loc['pearson', 'statistic']:.4g}</td>" in page


def test_a_weighted_table_of_counts_gets_the_grouped_tests(table, tmp_path, capsys):
    counts = table.groupby(["g", "h", "y"]).size().reset_index(name="n")
    counts.to_csv(tmp_path / "c.csv", index=False)
    model = tmp_path / "c.json"
    argv = ["train", tmp_path / "c.csv", "--target", "y", "--weights", "n", "--model", model]
    assert run(argv, capsys)[0] == 0
    m = _json(["evaluate", model, tmp_path / "c.csv", "--weights", "n"], capsys)
    clf = NeuronClassifier().fit(counts[["g", "h", "y"]], "y", sample_weight=counts.n.to_numpy())
    gof = goodness_of_fit(clf, counts[["g", "h", "y"]], "y", sample_weight=counts.n.to_numpy())
    assert gof.attrs["n_patterns"] == 6 and gof.loc["deviance", "df"] == 2
    np.testing.assert_allclose(_frame(m["goodness_of_fit"]).to_numpy(), gof.to_numpy(), rtol=1e-6)


def test_an_offset_is_part_of_the_patterns(table, tmp_path, capsys):
    t = table.assign(o=np.round(np.linspace(-0.5, 0.5, len(table)), 1))
    t.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "d.csv", "--target", "y", "--offset", "o", "--model", model]
    assert run([*argv, "--features", "g", "h"], capsys)[0] == 0
    m = _json(["evaluate", model, tmp_path / "d.csv", "--offset", "o"], capsys)
    clf = NeuronClassifier().fit(t[["g", "h", "y"]], "y", offset=t.o.to_numpy())
    gof = goodness_of_fit(clf, t[["g", "h", "y"]], "y", offset=t.o.to_numpy())
    np.testing.assert_allclose(_frame(m["goodness_of_fit"]).to_numpy(), gof.to_numpy(), rtol=1e-6)


def _hoslem_new_rows(p, y, groups=10):
    """Hosmer-Lemeshow on rows the model was not fitted on: chi2 on ``groups`` df."""
    breaks = np.unique(np.quantile(p, np.linspace(0, 1, groups + 1)))
    bins = pd.cut(p, breaks, include_lowest=True)
    d = pd.DataFrame({"p": p, "y": y, "bin": bins}).groupby("bin", observed=True)
    O, E, M = d.y.sum(), d.p.sum(), d.y.size()
    stat = float((((O - E) ** 2) / E + ((O - E) ** 2) / (M - E)).sum())
    return stat, len(M), float(stats.chi2.sf(stat, len(M)))


@pytest.mark.parametrize("alpha", [None, "1"])
def test_new_rows_get_hosmer_lemeshow_as_a_calibration_test(table, tmp_path, capsys, alpha):
    train, new = table.iloc[:200], table.iloc[200:]
    train.to_csv(tmp_path / "t.csv", index=False)
    new.to_csv(tmp_path / "n.csv", index=False)
    model = tmp_path / "m.json"
    extra = [] if alpha is None else ["--alpha", alpha]
    assert (
        run(["train", tmp_path / "t.csv", "--target", "y", "--model", model, *extra], capsys)[0]
        == 0
    )
    m = _json(["evaluate", model, tmp_path / "n.csv"], capsys)
    found = m["goodness_of_fit"]
    assert found["rows"] == "new" and list(found["tests"]) == ["hosmer-lemeshow"]
    clf = NeuronClassifier(alpha=float(alpha or 0)).fit(train, "y")
    stat, df, p = _hoslem_new_rows(clf.predict_proba(new)[:, 1], new.y.to_numpy())
    hl = found["tests"]["hosmer-lemeshow"]
    np.testing.assert_allclose([hl["statistic"], hl["df"], hl["p_value"]], [stat, df, p], rtol=1e-6)
    code, out, _ = run(["evaluate", model, tmp_path / "n.csv"], capsys)
    assert "calibration on rows other than the model's training rows" in out
    assert not any(line.startswith(("deviance", "pearson")) for line in out.splitlines())


def test_a_penalised_fit_gets_statistics_without_p_values(table, tmp_path, capsys):
    table.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "d.csv", "--target", "y", "--model", model, "--alpha", "1"]
    assert run(argv, capsys)[0] == 0
    m = _json(["evaluate", model, tmp_path / "d.csv"], capsys)
    clf = NeuronClassifier(alpha=1.0).fit(table, "y")
    gof = goodness_of_fit(clf, table, "y")
    tests = m["goodness_of_fit"]["tests"]
    assert all(tests[t]["p_value"] is None for t in tests)  # NaN: JSON's null
    np.testing.assert_allclose([tests[t]["statistic"] for t in tests], gof["statistic"], rtol=1e-6)
    code, out, err = run(["evaluate", model, tmp_path / "d.csv"], capsys)
    assert code == 0 and "no chi-squared p-values" in " ".join(out.split()) and not err.strip()


def test_multinomial_gets_term_tests_and_no_goodness_of_fit(table, tmp_path, capsys):
    t = table.drop(columns="y").assign(k=np.random.default_rng(1).choice(["p", "q", "s"], 300))
    t.to_csv(tmp_path / "k.csv", index=False)
    model = tmp_path / "k.json"
    assert run(["train", tmp_path / "k.csv", "--target", "k", "--model", model], capsys)[0] == 0
    m = _json(["evaluate", model, tmp_path / "k.csv"], capsys)
    api = wald_terms(NeuronClassifier().fit(t, "k"))
    assert api.loc["g", "df"] == 4 and "goodness_of_fit" not in m
    np.testing.assert_allclose(_frame(m["wald_terms"]).to_numpy(), api.to_numpy(float), rtol=1e-6)


def test_numeric_columns_alone_get_no_term_table(table, tmp_path, capsys):
    """Each numeric term's Wald test is its coefficient row's z squared: not repeated."""
    table[["x", "y"]].to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    code, out, _ = run(["train", tmp_path / "d.csv", "--target", "y", "--model", model], capsys)
    assert code == 0 and "terms:" not in out
    m = _json(["evaluate", model, tmp_path / "d.csv"], capsys)
    assert "wald_terms" not in m and m["goodness_of_fit"]["rows"] == "training"


def test_a_relaxed_model_says_why_it_has_no_goodness_of_fit(table, tmp_path, capsys):
    table.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    argv = ["train", tmp_path / "d.csv", "--target", "y", "--model", model, "-q"]
    assert run([*argv, "--alpha", "0.05", "--l1-ratio", "1", "--relax"], capsys)[0] == 0
    code, out, err = run(["evaluate", model, tmp_path / "d.csv"], capsys)
    assert code == 0 and "Traceback" not in err
    assert "no goodness-of-fit tests: a model trained with --relax" in " ".join(out.split())


def test_evaluate_keeps_no_columns_of_more_rows_than_the_model_was_fitted_on(
    table, tmp_path, capsys, monkeypatch
):
    """Goodness of fit takes a binary model's columns only on its own training rows;
    evaluate kept every chunk's columns of any file (memory growing with the file under
    --chunk-rows, which is there to bound it). Past the training rows' count they are
    dropped (the rows cannot be those), and Hosmer-Lemeshow, which needs only the
    probabilities, is the same: the independent computation on the 4x larger file."""
    import oneneuron.cli.evaluate as ev

    train = table.iloc[:100]
    big = pd.concat([table] * 4, ignore_index=True)  # 1200 rows, 12x the training rows
    train.to_csv(tmp_path / "t.csv", index=False)
    big.to_csv(tmp_path / "b.csv", index=False)
    model = tmp_path / "m.json"
    assert run(["train", tmp_path / "t.csv", "--target", "y", "--model", model], capsys)[0] == 0
    kept = []
    real = ev._statistics

    def spy(saved, args, frames, *rest):
        kept.append(sum(len(f) for f in frames))
        return real(saved, args, frames, *rest)

    monkeypatch.setattr(ev, "_statistics", spy)
    m = _json(["evaluate", model, tmp_path / "b.csv", "--chunk-rows", "100"], capsys)
    assert kept == [0]
    found = m["goodness_of_fit"]
    assert found["rows"] == "new"
    clf = NeuronClassifier().fit(train, "y")
    stat, df, p = _hoslem_new_rows(clf.predict_proba(big)[:, 1], big.y.to_numpy())
    hl = found["tests"]["hosmer-lemeshow"]
    np.testing.assert_allclose([hl["statistic"], hl["df"], hl["p_value"]], [stat, df, p], rtol=1e-6)
