"""The evaluation report read as a user reads it: every class drawn, nothing overlapping,
every number on one line (headless Chromium for the page's layout, matplotlib's artists
for the figures'), the words saying what is drawn."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from _cli import run

LONG = "a very long class label name that goes on and on and on and on forever"  # > 60 chars
LABELS = np.array(["<b>&amp;", "cost $5", LONG])


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    """A 3-class model whose labels carry HTML, a '$' and more than 60 characters."""
    folder = tmp_path_factory.mktemp("three")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 2))
    Z = np.c_[np.zeros(150), 2 * X[:, 0], 2 * X[:, 1]]
    P = np.exp(Z) / np.exp(Z).sum(1, keepdims=True)
    df = pd.DataFrame(X, columns=["x1", "x2"])
    df["label"] = LABELS[[rng.choice(3, p=p) for p in P]]
    df.to_csv(folder / "three.csv", index=False)
    model = folder / "three.json"
    from oneneuron.cli import main

    assert (
        main(["train", str(folder / "three.csv"), "--target", "label", "--model", str(model), "-q"])
        == 0
    )
    return folder, model


@pytest.fixture
def figures(monkeypatch):
    """The report's figures as drawn (the axes of each, before it becomes a PNG)."""
    from oneneuron.cli import report

    drawn = []
    png = report._png

    def keep(fig, *args, **kwargs):
        fig.canvas.draw()
        fig.renderer = fig.canvas.get_renderer()
        drawn.append(fig)
        return png(fig, *args, **kwargs)

    monkeypatch.setattr(report, "_png", keep)
    return drawn


def _evaluate(three, capsys, name="r.html"):
    folder, model = three
    page = folder / name
    code, out, err = run(
        ["evaluate", model, folder / "three.csv", "--report", page, "--force"], capsys
    )
    assert code == 0, err
    return page, err


def test_calibration_plot_draws_every_class_of_the_table(three, figures, capsys):
    """The calibration plot of a 3-class model drew 2 curves: it kept a class only where
    its drawn name (a label over 60 characters elided, a '$' escaped) equalled the JSON's
    name, so 'cost $5' and the long label were left out with nothing said; evaluate
    --json holds a calibration entry (and ECE) for each of the three."""
    page, err = _evaluate(three, capsys)
    calibration = [f for f in figures if f.axes[0].get_title().startswith("calibration")][0]
    legend = [t.get_text() for t in calibration.axes[0].get_legend().get_texts()]
    code, out, _ = run(["evaluate", three[1], three[0] / "three.csv", "--json"], capsys)
    ece = {k: v["ece"] for k, v in json.loads(out)["calibration"].items()}
    assert len(ece) == 3 and len(legend) == 3, legend
    for entry, value in zip(legend, [ece[str(c)] for c in sorted(LABELS)], strict=True):
        assert entry.endswith(f"ECE {value:.4f}"), (entry, value)


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_report_figures_of_long_labels_keep_their_axes_and_overlap_nothing(three, figures, capsys):
    """With a class label of 70 characters, matplotlib's 'Tight layout not applied' came
    out of evaluate as a warning line, the stacked histograms' titles were drawn over the
    tick labels of the panel above, and the calibration axes were squeezed to 1.2 inches
    wide by their legend. Now: no warning, no title over another panel, every axes at
    least 3 inches wide (the legend beside it, outside)."""
    page, err = _evaluate(three, capsys)
    assert "warning" not in err.lower(), err
    assert len(figures) >= 4
    for fig in figures:
        renderer = fig.renderer
        for i, ax in enumerate(fig.axes):
            assert ax.get_window_extent().width / fig.dpi >= 3.0, (ax.get_title(), fig)
            title = ax.title.get_window_extent(renderer)
            for other in fig.axes[:i] + fig.axes[i + 1 :]:
                assert not _overlap(title, other.get_tightbbox(renderer)), ax.get_title()


#: Cells of the page whose text is one number, and the lines each takes (its text's line
#: boxes, distinct tops); the page's width against the window's.
LAYOUT = """() => {
  const cells = [...document.querySelectorAll('td, th')]
    .filter(c => /^\\s*[-+]?(\\d[\\d.]*(e[-+]?\\d+)?|NA)\\s*$/i.test(c.textContent));
  const lines = cells.map(c => {
    const r = document.createRange(); r.selectNodeContents(c);
    return [c.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size];
  });
  const heads = [...document.querySelectorAll('th')].map(c => {
    const r = document.createRange(); r.selectNodeContents(c);
    const words = c.textContent.trim().split(/\\s+/).length;
    return [c.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size,
            words];
  });
  return {lines, heads, page: document.documentElement.scrollWidth, window: innerWidth};
}"""


def test_report_tables_keep_each_number_and_word_whole(three, capsys):
    """With a 70-character class label the report's tables broke numbers over lines
    ('0.661' above '8' for recall 0.6618; 'precisio' above 'n'), and a 30-class confusion
    matrix wrote every count and label one or two characters a line ('1', '2', '0' for
    120) and pushed the page 380 pixels wider than the window. Now a number takes one
    line, a heading breaks only between words, and a table wider than the page scrolls
    inside its own box (windows of 1000 and 600 pixels)."""
    from _browser import PageErrors, chromium

    page_file, _ = _evaluate(three, capsys, name="wide.html")
    with chromium() as browser:
        for width in (1000, 600):
            page = browser.new_page(viewport={"width": width, "height": 800})
            errors = PageErrors(page)
            page.goto(page_file.as_uri())
            found = page.evaluate(LAYOUT)
            errors.check()
            assert len(found["lines"]) > 40
            assert [c for c in found["lines"] if c[1] != 1] == [], width
            assert [h for h in found["heads"] if h[1] > h[2]] == [], width  # lines <= words
            assert found["page"] <= found["window"]


def test_report_says_which_roc_auc_it_shows(three, capsys):
    """The terminal prints 'ROC AUC 0.9671 (macro one-vs-rest)' for 3 classes; the report's
    table said 'ROC AUC 0.9671' alone, as if of one class. Oracle: scikit-learn's
    roc_auc_score(multi_class='ovr', average='macro') on the model's probabilities."""
    import re

    from sklearn.metrics import roc_auc_score

    from oneneuron import load

    page, _ = _evaluate(three, capsys)
    text = page.read_text()
    df = pd.read_csv(three[0] / "three.csv")
    model = load(three[1])
    proba = model.predict_proba(df[["x1", "x2"]])
    auc = roc_auc_score(df["label"], proba, multi_class="ovr", average="macro")
    found = re.search(r"<th>ROC AUC( \(macro one-vs-rest\))?</th><td>([^<]*)</td>", text)
    assert found is not None and found.group(1) is not None, found
    assert float(found.group(2)) == pytest.approx(auc, abs=5e-5)


def test_coefficient_path_of_many_features_names_its_chosen_alpha_line():
    """A cross-validated path of 20 coefficients had no legend (more than 12 lines), so the
    dotted line at the chosen alpha stood unexplained, in the plot and in the report; its
    alpha axis, reversed, was labelled 'alpha' alone. Now the legend names the chosen
    alpha (the fit's ``alpha_``) and the axis says the penalty weakens to the right."""
    from oneneuron import NeuronClassifierCV
    from oneneuron.plot import plot_coefficient_path, plot_cv_curve

    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 20))
    y = (X[:, 0] + rng.normal(size=80) > 0).astype(int)
    cv = NeuronClassifierCV(cv=3, n_alphas=5).fit(X, y)
    ax = plot_coefficient_path(cv)
    assert ax.get_legend() is not None
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [f"chosen alpha {cv.alpha_:.3g}"]
    for drawn in (ax, plot_cv_curve(cv)):
        assert drawn.xaxis_inverted()
        left, right = (float(t) for t in drawn.get_xlim())
        label = drawn.get_xlabel()
        assert left > right and "weaker" in label and "right" in label


def test_report_of_a_cv_model_names_its_chosen_alpha_line(tmp_path, figures, capsys):
    """The report's coefficient path of 20 features: the dotted chosen-alpha line, alone,
    in a legend beside the axes (not one entry per coefficient)."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame(rng.normal(size=(80, 20)), columns=[f"f{j}" for j in range(20)])
    df["y"] = (df.f0 + rng.normal(size=80) > 0).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    args = ["train", tmp_path / "d.csv", "--target", "y", "--cv", "3", "-q", "--model", model]
    assert run(args, capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--report", tmp_path / "r.html"], capsys
    )
    assert code == 0, err
    path = [f for f in figures if f.axes[0].get_title().startswith("coefficient path")][0]
    texts = [t.get_text() for t in path.axes[0].get_legend().get_texts()]
    assert len(texts) == 1 and texts[0].startswith("chosen alpha"), texts
    from oneneuron import load

    assert texts[0] == f"chosen alpha {load(model).cv_record_.alpha:.3g}"


def test_plot_roc_draws_class_labels_as_written():
    """plot_roc's one-vs-rest legend put class labels into matplotlib unescaped: a label
    'cost $5 to $9' was drawn as mathtext ('cost 5 to 9' in italics) and r'$\\alpha$' as
    the Greek letter; the other plots take labels through ``literal``. The legend now
    reads each label as written; the AUCs are scikit-learn's one-vs-rest ones."""
    from sklearn.metrics import roc_auc_score

    from oneneuron.plot import literal, plot_roc

    rng = np.random.default_rng(0)
    names = np.array([r"$\alpha$", "b", "cost $5 to $9"])
    y = names[np.arange(60) % 3]
    P = rng.dirichlet(np.ones(3), size=60)
    ax = plot_roc(y, P)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    for k, c in enumerate(names):
        auc = roc_auc_score(y == c, P[:, k])
        assert texts[k] == f"{literal(c)} vs rest (AUC = {auc:.3f})"
    ax.figure.savefig(__import__("io").BytesIO())  # '$\\alpha$' drawn, not parsed


def test_report_of_a_relaxed_model_says_whose_coefficients_it_draws(tmp_path, figures, capsys):
    """A --relax model predicts with its L1 fit, while its coefficient table is the
    unpenalised refit's (feat_3: bar -1.27 per SD, table -2.93 raw); the report drew the
    L1 fit's bars under 'coefficients (largest first)' beside that table, as if the same.
    The title now names the L1 fit (the predictions') and the table's refit."""
    from oneneuron import load

    rng = np.random.default_rng(2)
    df = pd.DataFrame(rng.normal(size=(120, 6)), columns=[f"f{j}" for j in range(6)])
    df["y"] = (2 * df.f0 - 1.5 * df.f1 + rng.normal(size=120) > 0).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    args = ["train", tmp_path / "d.csv", "--target", "y", "--l1-ratio", "1", "--alpha", "0.05"]
    assert run([*args, "--relax", "-q", "--model", model], capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--report", tmp_path / "r.html"], capsys
    )
    assert code == 0, err
    est = load(model)
    bars = [f for f in figures if f.axes[0].get_title().startswith("coefficients")][0].axes[0]
    drawn = {
        t.get_text(): p.get_width()
        for t, p in zip(bars.get_yticklabels(), bars.patches, strict=True)
    }
    expected = np.asarray(est.coef_[0]) * np.asarray(est.scale_)
    assert drawn["f0"] == pytest.approx(expected[0]) and drawn["f1"] == pytest.approx(expected[1])
    title = bars.get_title()
    assert "L1 fit" in title and "refit" in title, title


def test_report_of_a_binary_model_with_an_aliased_column(tmp_path, figures, capsys):
    """A binary model (labels no/yes) with a column twice another: the probability
    histograms set 'true yes' against 'other classes' (there is one other: 'no'), and the
    aliased column, NA in the table below (R's glm), was drawn as a bar of length 0 as if
    estimated at 0. The legend now names the other class and the tick the aliasing.
    Oracle for the drawn bars: statsmodels' Logit on the columns without the alias."""
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    df = pd.DataFrame({"a": rng.normal(size=150), "b": rng.normal(size=150)})
    df["a2"] = 2 * df.a
    df["y"] = np.where(df.a - df.b + rng.normal(size=150) > 0, "yes", "no")
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    args = ["train", tmp_path / "d.csv", "--target", "y", "--features", "a", "a2", "b", "-q"]
    assert run([*args, "--model", model], capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--report", tmp_path / "r.html"], capsys
    )
    assert code == 0, err
    hist = [f for f in figures if f.axes[0].get_title().startswith("predicted P(")][0]
    for ax in hist.axes:
        legend = [t.get_text() for t in ax.get_legend().get_texts()]
        assert sorted(legend) == ["true no", "true yes"], legend
    bars = [f for f in figures if f.axes[0].get_title().startswith("coefficients")][0].axes[0]
    drawn = {
        t.get_text(): p.get_width()
        for t, p in zip(bars.get_yticklabels(), bars.patches, strict=True)
    }
    assert set(drawn) == {"a", "b", "a2 (aliased: NA)"}, drawn
    fit = sm.Logit((df.y == "yes").astype(float), sm.add_constant(df[["a", "b"]])).fit(disp=0)
    for name in ("a", "b"):
        assert drawn[name] == pytest.approx(fit.params[name] * df[name].std(ddof=0), rel=1e-5)


def test_report_coefficient_bars_of_ten_classes_are_readable_and_counted(tmp_path, figures, capsys):
    """Ten classes: the coefficient chart gave each feature 0.25 inch for ten bars (each
    under 2 pixels high, the colours unreadable), and a model of more features than
    drawn (40 of 200) was titled 'coefficients (largest first)' as if all were there.
    Now every bar is at least 4 pixels high, and the title counts the features drawn."""
    rng = np.random.default_rng(4)
    n, d = 200, 14
    df = pd.DataFrame(rng.normal(size=(n, d)), columns=[f"f{j}" for j in range(d)])
    df["y"] = [f"c{k}" for k in rng.integers(0, 10, n)]
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    args = ["train", tmp_path / "d.csv", "--target", "y", "--alpha", "0.1", "-q"]
    assert run([*args, "--inference", "never", "--model", model], capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--report", tmp_path / "r.html"], capsys
    )
    assert code == 0, err
    fig = [f for f in figures if f.axes[0].get_title().startswith("coefficients")][0]
    ax = fig.axes[0]
    drawn = len(ax.get_yticklabels())
    assert len(ax.patches) == 10 * drawn
    heights = [p.get_window_extent(fig.renderer).height for p in ax.patches]
    assert min(heights) >= 4.0, min(heights)
    assert drawn < d and f"{drawn} largest of {d}" in ax.get_title(), ax.get_title()


@pytest.mark.parametrize("names", [["exam-scores"], ["logistic-function", "perceptron"]])
def test_demo_page_heading_counts_its_walkthroughs(tmp_path, names):
    """The demo page was headed 'One neuron, five tutorials' whatever it held: six
    walkthroughs (from four tutorials: Roelants' two parts, the course's ex2 two) for
    'demo all', one for 'demo exam-scores'. The heading now counts the walkthroughs
    the page shows (its sections)."""
    import re

    from oneneuron.demos import build, write

    index = write([build(name) for name in names], tmp_path / "out")
    text = index.read_text()
    sections = re.findall(r"<h2 id=", text)
    heading = re.search(r"<h1>(.*?)</h1>", text).group(1)
    word = "walkthrough" if len(sections) == 1 else "walkthroughs"
    assert len(sections) == len(names) and heading == f"One neuron, {len(names)} {word}"


def test_demo_page_keeps_each_number_on_one_line(tmp_path):
    """On a phone-wide window (400 pixels) the demo page broke its numbers at the
    exponent's minus sign: '6.8e-' above '11' for the logistic walkthrough's error of
    d loss / dz. A number of the page's tables now takes one line."""
    from _browser import PageErrors, chromium
    from oneneuron.demos import build, write

    index = write([build("logistic-function")], tmp_path / "out")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 400, "height": 800})
        errors = PageErrors(page)
        page.goto(index.as_uri())
        found = page.evaluate(LAYOUT)
        errors.check()
    assert any("e-" in c[0] for c in found["lines"]), found["lines"]
    assert [c for c in found["lines"] if c[1] != 1] == []
    assert found["page"] <= found["window"]


def test_plot_learning_curve_takes_a_fitted_model_as_its_siblings_do():
    """plot_cv_curve and plot_coefficient_path take the fitted model; plot_learning_curve
    (model) failed inside NumPy with "float() argument must be a string or a real number,
    not 'NeuronClassifier'". It now draws the model's ``history_['loss']``; other objects
    are one TypeError naming what it takes."""
    from oneneuron import NeuronClassifier
    from oneneuron.plot import plot_learning_curve

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 2))
    y = (X[:, 0] + rng.normal(size=50) > 0).astype(int)
    model = NeuronClassifier(alpha=0.1).fit(X, y)
    ax = plot_learning_curve(model)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), model.history_["loss"])
    with pytest.raises(TypeError, match="history_"):
        plot_learning_curve(object())
    with pytest.raises(TypeError, match="history_"):
        plot_learning_curve(NeuronClassifier())  # not fitted


def test_report_of_an_unstandardised_model_labels_its_bars_per_unit(tmp_path, figures, capsys):
    """The report draws coef * scale_ and calls it 'log-odds per standard deviation'; a
    model fitted with standardize=False has scale_ = 1, so its bars were the raw
    coefficients (per unit: 0.017 for a column of SD 100, 1.6 per SD) under that label.
    The axis now says what is drawn for such a model. Oracle: statsmodels' Logit."""
    import statsmodels.api as sm

    from oneneuron import NeuronClassifier

    rng = np.random.default_rng(5)
    df = pd.DataFrame({"small": rng.normal(size=200), "big": 100 * rng.normal(size=200)})
    df["y"] = (df.small + df.big / 60 + rng.normal(size=200) > 0).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    NeuronClassifier(standardize=False).fit(df[["small", "big"]], df.y).save(model)
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--target", "y", "--report", tmp_path / "r.html"],
        capsys,
    )
    assert code == 0, err
    ax = [f for f in figures if f.axes[0].get_title().startswith("coefficients")][0].axes[0]
    drawn = {
        t.get_text(): p.get_width() for t, p in zip(ax.get_yticklabels(), ax.patches, strict=True)
    }
    fit = sm.Logit(df.y, sm.add_constant(df[["small", "big"]])).fit(disp=0)
    assert drawn["big"] == pytest.approx(fit.params["big"], rel=1e-4)  # per unit
    assert "standard deviation" not in ax.get_xlabel() and "unit" in ax.get_xlabel()


def test_plot_roc_of_two_named_classes_says_which_class_it_ranks():
    """plot_roc(['no', 'yes', ...], p) labelled its one curve 'AUC = 0.750', not saying it
    ranks 'yes' (the second label in sorted order; for labels 'spam'/'ham' it is 'spam').
    The legend now names that class where the labels are not 0/1, as
    plot_probability_contours names its colour bar; the AUC is scikit-learn's."""
    from sklearn.metrics import roc_auc_score

    from oneneuron.plot import plot_roc

    y = np.array(["spam", "ham", "spam", "ham", "spam", "ham"])
    p = np.array([0.9, 0.4, 0.35, 0.2, 0.8, 0.6])  # P(spam)
    ax = plot_roc(y, p)
    auc = roc_auc_score(y == "spam", p)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"spam (AUC = {auc:.3f})"]
    ax = plot_roc([0, 1, 1, 0], [0.2, 0.7, 0.6, 0.3])
    assert ax.get_legend().get_texts()[0].get_text() == "AUC = 1.000"  # 0/1: as before


def test_microchips_lambda_panels_name_their_axes_as_the_boundary_figure():
    """The microchips walkthrough's three lambda panels labelled their axes x_1 and x_2,
    where the figure above them (the same plane) says 'microchip test 1' and '2'."""
    from oneneuron.demos import build

    w = build("microchips")
    boundary = w.figures["boundary"].axes[0]
    for ax in w.figures["lambdas"].axes:
        assert (ax.get_xlabel(), ax.get_ylabel()) == (boundary.get_xlabel(), boundary.get_ylabel())


def test_report_coefficient_chart_of_long_feature_names_keeps_its_bars(tmp_path, figures, capsys):
    """Feature names of 80 characters (drawn elided to 60) took 4.5 of the coefficient
    chart's 6 inches, leaving the bars 1.4 inches. The chart now widens with its longest
    name; the bars keep at least 3 inches."""
    rng = np.random.default_rng(6)
    names = [
        f"the measured quantity with a really quite long descriptive name, number {i}"
        for i in range(3)
    ]
    df = pd.DataFrame(rng.normal(size=(100, 3)), columns=names)
    df["y"] = (df[names[0]] + rng.normal(size=100) > 0).astype(int)
    df.to_csv(tmp_path / "d.csv", index=False)
    model = tmp_path / "m.json"
    args = ["train", tmp_path / "d.csv", "--target", "y", "-q", "--inference", "never"]
    assert run([*args, "--model", model], capsys)[0] == 0
    code, out, err = run(
        ["evaluate", model, tmp_path / "d.csv", "--report", tmp_path / "r.html"], capsys
    )
    assert code == 0, err
    fig = [f for f in figures if f.axes[0].get_title().startswith("coefficients")][0]
    assert fig.axes[0].get_window_extent().width / fig.dpi >= 3.0
