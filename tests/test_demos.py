"""The walkthroughs: the numbers behind each figure, the files, the page, the CLI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from matplotlib.testing.compare import compare_images
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import PolynomialFeatures

from _baseline import BASELINE_DIR, TOLERANCE, render_bare
from oneneuron import ConvergenceWarning, Neuron, NeuronClassifier, sigmoid
from oneneuron.cli import main
from oneneuron.datasets import load_exam_scores, load_microchips, make_red_blue
from oneneuron.demos import NAMES, build, get, write
from oneneuron.demos._page import MARKER


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Every walkthrough built once and written once per test session (per worker)."""
    out = tmp_path_factory.mktemp("demo")
    walkthroughs = {name: build(name) for name in NAMES}
    index = write(list(walkthroughs.values()), out)
    return walkthroughs, out, index


def summary(run, name):
    return json.loads((run[1] / name / "summary.json").read_text())


# ------------------------------------------------------------------ files and page
def test_files_and_self_contained_page(run):
    walkthroughs, out, index = run
    html = index.read_text()
    assert html.startswith(MARKER)
    n_figures = 0
    for name, w in walkthroughs.items():
        for fig_name in w.figures:
            assert (out / name / f"{fig_name}.png").stat().st_size > 1000
            n_figures += 1
        assert summary(run, name)["name"] == name
        assert f"id='{name}'" in html
    assert html.count("src='data:image/png;base64,") == n_figures
    assert "src='" not in html.replace("src='data:", "")  # no external file


@pytest.mark.parametrize("name", NAMES)
def test_figure_matches_reference_image(run, name, tmp_path):
    w = run[0][name]
    actual = render_bare(w.figures[w.baseline], tmp_path / f"{name}.png")
    expected = BASELINE_DIR / f"{name}.png"
    assert expected.exists(), f"no reference image; run python tests/_baseline.py ({name})"
    assert compare_images(str(expected), str(actual), tol=TOLERANCE) is None


# ------------------------------------------------------------------ no-bias-2d
def test_no_bias_two_plus_four_errors(run):
    s = summary(run, "no-bias-2d")
    assert s["misclassified"] == {"blue": 2, "red": 4}
    loss = np.array(s["summed_loss"])
    assert len(loss) == 11 and np.all(np.diff(loss) < 0)


def test_no_bias_matches_the_walkthroughs_own_loop():
    # The walkthrough's loop, written out: summed gradient (y - t) x, step 0.05.
    X, t, _ = make_red_blue()
    w = np.array([-4.0, -2.0])
    for _ in range(10):
        w = w - 0.05 * ((sigmoid(X @ w) - t) @ X)
    r = get("no-bias-2d").compute()
    np.testing.assert_allclose(r["neuron"].w, w, rtol=1e-12)
    assert r["neuron"].b == 0.0


def test_no_bias_boundary_through_origin(run):
    w = run[0]["no-bias-2d"]
    ax = w.figures["classification"].axes[0]
    x1, x2 = ax.lines[0].get_data()  # the P = 0.5 line
    wf = np.array(w.summary["w_final"])
    np.testing.assert_allclose(np.column_stack([x1, x2]) @ wf, 0.0, atol=1e-9)
    assert np.all(np.diff(np.sign(x1))[np.diff(np.sign(x1)) != 0] != 0)  # crosses x1 = 0
    i = np.argmin(np.abs(x1))
    assert abs(x2[i] + wf[0] / wf[1] * x1[i]) < 1e-9


def test_summed_gradient_neuron_equals_classifier_gd():
    # Summed gradient at 0.05 == mean gradient at 0.05 n, in Neuron and in NeuronClassifier.
    X, y, _ = make_red_blue()
    n = len(y)
    neuron = Neuron(2, fit_intercept=False)
    path = [neuron.w.copy()]
    for _ in range(10):
        a = neuron.forward(X)
        dw, db = neuron.backward(X, a, y)
        neuron.update(dw, db, learning_rate=0.05 * n)
        path.append(neuron.w.copy())
    clf = NeuronClassifier(
        solver="gd",
        fit_intercept=False,
        standardize=False,
        learning_rate=0.05 * n,
        max_iter=10,
        tol=0,
        record_path=True,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X, y)
    np.testing.assert_allclose(clf.history_["coef"][:, 0, :], np.array(path), atol=1e-12)


def test_older_scaled_data_gives_the_same_count():
    X, y, _ = make_red_blue(std=1.2)
    w = np.array([-4.0, -2.0])
    for _ in range(10):
        w = w - 0.05 * ((sigmoid(X @ w) - y) @ X)
    pred = (X @ w > 0).astype(int)
    assert (np.sum((y == 1) & (pred == 0)), np.sum((y == 0) & (pred == 1))) == (2, 4)


# ------------------------------------------------------------------ one-neuron-1d
def test_one_neuron_1d(run):
    s = summary(run, "one-neuron-1d")
    assert s["p_class1_at_x4"] > 0.999
    assert s["p_class1_at_x4_sklearn"]["LogisticRegression"] > 0.999
    assert s["max_probability_gap_vs_sklearn"]["logreg"] < 1e-6
    assert s["max_probability_gap_vs_sklearn"]["mlp"] < 1e-4
    r = get("one-neuron-1d").compute()
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=1000).fit(r["X"], r["y"])
    assert s["w"] == pytest.approx(ref.coef_[0, 0], rel=1e-5)
    assert s["b"] == pytest.approx(ref.intercept_[0], rel=1e-5, abs=1e-6)
    # the plotted curves are the models' probabilities
    ax = run[0]["one-neuron-1d"].figures["probability"].axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), r["curves"]["neuron"])


# ------------------------------------------------------------------ logistic-function
def test_logistic_function(run):
    s = summary(run, "logistic-function")
    assert s["sigmoid_at_0"] == 0.5
    assert s["max_derivative"] == pytest.approx(0.25)
    assert s["derivative_max_error"] < 1e-8
    assert s["loss_grad_max_error"] < 1e-8
    assert s["log_odds_max_error"] < 1e-10


# ------------------------------------------------------------------ perceptron
def test_perceptron_reaches_the_labs_numbers(run):
    s = summary(run, "perceptron")
    costs = np.array(s["costs"])
    assert len(costs) == 50 and np.all(np.diff(costs) < 0)
    # the lab's printed costs and parameters
    assert costs[0] == pytest.approx(0.693480, abs=5e-7)
    assert costs[-1] == pytest.approx(0.132574, abs=5e-7)
    np.testing.assert_allclose(s["w"], [-3.57177421, 3.24255633], atol=1e-7)
    assert s["b"] == pytest.approx(-1.58411051, abs=1e-7)
    assert s["predictions"] == [0, 0, 0, 1]
    np.testing.assert_allclose(s["blobs"]["w"], [1.01643208, 1.13651775], atol=1e-7)
    assert s["blobs"]["b"] == pytest.approx(-10.65346577, abs=1e-7)


def test_perceptron_blob_costs_settle_and_threshold():
    r = get("perceptron").compute()
    cb = r["costs_blobs"]
    assert cb[-1] < cb[0] / 10 and np.all(np.diff(cb[-25:]) < 0)
    p = r["blobs"].predict_proba(r["Xb"])
    assert r["n_class1_05"] == int(np.sum(p > 0.5))
    assert r["n_class1_09"] == int(np.sum(p > 0.9)) < r["n_class1_05"]
    flipped = (r["pred_new_05"] == 1) & (r["pred_new_09"] == 0)
    np.testing.assert_array_equal(flipped, (r["p_new"] > 0.5) & (r["p_new"] <= 0.9))
    clf = NeuronClassifier(threshold=0.9).fit(r["Xb"], r["yb"])
    np.testing.assert_array_equal(clf.predict(r["Xb"]), clf.predict_proba(r["Xb"])[:, 1] > 0.9)


# ------------------------------------------------------------------ exam-scores
def test_exam_scores_course_numbers(run):
    s = summary(run, "exam-scores")
    np.testing.assert_allclose(s["theta"], [-25.161, 0.206, 0.201], atol=1e-3)
    assert s["p_admit_45_85"] == pytest.approx(0.776, abs=5e-4)
    assert s["training_accuracy"] == pytest.approx(0.89)
    assert s["cost_optimum"] < s["cost_gd_100_epochs"] < 0.25


def test_exam_scores_gd_and_fit_time_statistics():
    r = get("exam-scores").compute()
    loss = r["gd"].history_["loss"]
    assert len(loss) == 101 and np.all(np.diff(loss) < 0)
    X, y, _ = load_exam_scores()
    ref = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000).fit(X, y)
    # new applicants scored with the fit-time statistics: same as a fit on the raw scores
    assert r["p_new"] == pytest.approx(ref.predict_proba([[45, 85]])[0, 1], abs=1e-6)
    np.testing.assert_allclose(
        r["p_batch"], ref.predict_proba(get("exam-scores").NEW_BATCH)[:, 1], atol=1e-6
    )
    assert np.max(np.abs(r["p_batch_own_stats"] - r["p_batch"])) > 0.1  # the mistake matters


# ------------------------------------------------------------------ microchips
def test_microchips(run):
    s = summary(run, "microchips")
    assert s["n_terms"] == 28
    assert s["training_accuracy"] == pytest.approx(0.831, abs=0.002)
    acc = s["training_accuracy_by_lambda"]
    assert acc["100"] < acc["1"] < acc["0"]
    X, y, _ = load_microchips()
    F = PolynomialFeatures(6, include_bias=False).fit_transform(X)
    ref = LogisticRegression(C=1.0, tol=1e-12, max_iter=100000).fit(F, y)  # lambda = 1 / C
    fit = get("microchips").compute()["fits"][1.0]["neuron"]
    np.testing.assert_allclose(fit.coef_, ref.coef_, atol=1e-5)


# ------------------------------------------------------------------ CLI
def test_cli_lists_and_rejects(capsys):
    assert main(["demo"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in NAMES)
    assert main(["demo", "bogus"]) == 1
    assert "unknown walkthrough 'bogus'" in capsys.readouterr().err


def test_cli_takes_the_module_spelling_of_a_name(tmp_path, capsys):
    """``oneneuron demo exam_scores`` (the data file's and module's spelling) or
    ``Logistic_Function`` was "unknown walkthrough": names are matched ignoring case,
    with ``_`` or a space read as ``-``."""
    out = tmp_path / "site"
    assert main(["demo", "Logistic_Function", "--out", str(out)]) == 0
    assert (out / "logistic-function" / "logistic.png").exists()
    capsys.readouterr()
    assert main(["demo", "logistic_funktion"]) == 1
    assert "unknown walkthrough 'logistic_funktion'" in capsys.readouterr().err


def test_cli_writes_one_and_never_overwrites_foreign_files(tmp_path, capsys):
    out = tmp_path / "site"
    assert main(["demo", "logistic-function", "--out", str(out)]) == 0
    assert "page: " in capsys.readouterr().out
    assert (out / "logistic-function" / "logistic.png").exists()
    assert main(["demo", "logistic-function", "--out", str(out)]) == 0  # own output: rerun ok
    foreign = tmp_path / "other"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>mine</p>")
    assert main(["demo", "logistic-function", "--out", str(foreign)]) == 1
    assert "not overwriting" in capsys.readouterr().err
    assert (foreign / "index.html").read_text() == "<p>mine</p>"
    assert not (foreign / "logistic-function").exists()


def test_cli_refuses_an_output_in_the_way_before_running_anything(tmp_path, capsys, monkeypatch):
    """'demo all --out FILE' ran every walkthrough (about 15 s) and only then said
    'FILE exists and is not a folder'; now the refusal comes first."""
    import oneneuron.demos as demos

    def never(name):
        raise AssertionError(f"{name} was run")

    monkeypatch.setattr(demos, "build", never)
    in_the_way = tmp_path / "afile"
    in_the_way.write_text("mine")
    assert main(["demo", "all", "--out", str(in_the_way)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "afile exists and is not a folder" in err
    assert in_the_way.read_text() == "mine"


def test_an_interrupted_rewrite_leaves_the_previous_files_whole(run, tmp_path, monkeypatch):
    """A disk-full error while rewriting the demo leaves the earlier files as they were."""
    import pathlib
    import shutil

    walkthroughs, out, _ = run
    copy = tmp_path / "demo"
    shutil.copytree(out, copy)
    name = next(iter(walkthroughs))
    before = (copy / name / "summary.json").read_bytes()
    real_text, real_bytes = pathlib.Path.write_text, pathlib.Path.write_bytes

    def half(self, data, *args, **kwargs):  # writes half, then the disk is full
        if not str(self.name).endswith(".png"):
            (real_text if isinstance(data, str) else real_bytes)(self, data[: len(data) // 2])
            raise OSError(28, "No space left on device")
        return (real_text if isinstance(data, str) else real_bytes)(self, data, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", half)
    monkeypatch.setattr(pathlib.Path, "write_bytes", half)
    with pytest.raises(OSError, match="No space"):
        write([walkthroughs[name]], copy)
    monkeypatch.undo()
    assert (copy / name / "summary.json").read_bytes() == before
    assert not [p for p in copy.rglob("*") if p.name.endswith(".tmp")]
