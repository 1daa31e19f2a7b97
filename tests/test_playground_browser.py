"""The playground in a real browser: its arithmetic against oneneuron.Neuron, its controls.

Headless Chromium (Debian's package, driven by Playwright; see tests/_browser.py)
loads the page that :func:`oneneuron.playground.build` writes. Every test fails
on a console error or an uncaught page error.
"""

from __future__ import annotations

import numpy as np
import pytest

from _browser import PageErrors, chromium
from oneneuron import Neuron, NeuronClassifier
from oneneuron.datasets import load_exam_scores, load_microchips
from oneneuron.demos.microchips import model
from oneneuron.playground import MICROCHIP_LAMBDAS, build


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    return build(tmp_path_factory.mktemp("playground")).as_uri()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, page_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(page_url)
    yield page
    errors.check()
    context.close()


def state(page):
    return page.evaluate("window.oneneuronPlayground.state()")


def fit_exactly_matches_the_library(page, X, y):
    """Press "Fit exactly": the page's weights equal NeuronClassifier's Newton fit (1e-10)."""
    page.click("#fit")
    exact = state(page)["exact"]
    clf = NeuronClassifier(solver="newton", standardize=False, tol=1e-12, inference=False)
    clf.fit(X, y)
    np.testing.assert_allclose(exact["w"], clf.coef_.ravel(), rtol=0, atol=1e-10)
    assert abs(exact["b"] - clf.intercept_[0]) < 1e-10
    return clf


def exam_standardised():
    X, y, _ = load_exam_scores()
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def neuron_loop(X, y, w, b, learning_rate, n_steps, fit_intercept=True):
    """The tutorial's loop with oneneuron.Neuron: costs before each update, final weights."""
    neuron = Neuron(n_features=X.shape[1], fit_intercept=fit_intercept, w=w, b=b)
    costs = []
    for _ in range(n_steps):
        a = neuron.forward(X)
        costs.append(neuron.cost(a, y))
        dw, db = neuron.backward(X, a, y)
        neuron.update(dw, db, learning_rate=learning_rate)
    final = neuron.cost(neuron.forward(X), y)
    return np.array(costs), neuron.w, neuron.b, final


def test_100_gd_steps_on_exam_scores_match_the_neuron_loop(page):
    page.select_option("#dataset", "exam-scores")
    page.fill("#learning-rate", "1")
    page.fill("#n-steps", "100")
    page.click("#run")
    s = state(page)
    X, y = exam_standardised()
    np.testing.assert_array_equal(np.array(s["X"]), X)  # the page got the same doubles
    costs, w, b, final = neuron_loop(X, y, np.zeros(2), 0.0, 1.0, 100)
    assert s["steps"] == 100
    np.testing.assert_allclose(s["history"], costs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["w"], w, rtol=0, atol=1e-12)
    assert abs(s["b"] - b) < 1e-12
    assert abs(s["cost"] - final) < 1e-12
    # and the numbers table shows that cost
    assert f"{final:.6f}" in page.inner_text("#numbers")
    assert "rose" not in page.inner_text("#message")  # a descending run is not warned of
    # learning rate 50 overshoots: the Neuron loop's cost rises at some steps, and the
    # page said only "30 steps of gradient descent"; it now counts the rises and says why
    page.click("#reset")
    page.fill("#learning-rate", "50")
    page.fill("#n-steps", "30")
    page.click("#run")
    costs, w, b, final = neuron_loop(X, y, np.zeros(2), 0.0, 50.0, 30)
    rises = int(np.sum(np.diff(np.r_[costs, final]) > 1e-12))
    assert rises > 0
    message = page.inner_text("#message")
    assert f"the cost rose at {rises} of these 30 steps" in message
    assert "too large" in message and f"{final:.6f}" in message
    page.click("#step")  # one step at that rate: said of that step, where it rose
    s = state(page)
    assert s["history"][-1] < s["cost"]  # step 31 rises (0.3025 to 0.3309 in the Neuron loop)
    assert "this step raised the cost" in page.inner_text("#message")


def test_a_slider_moved_by_keyboard_sets_the_weight_and_the_cost(page):
    page.select_option("#dataset", "exam-scores")
    before = state(page)
    slider = page.locator("#slider-w1")
    slider.focus()
    for _ in range(5):
        page.keyboard.press("ArrowRight")
    s = state(page)
    step = float(slider.get_attribute("step"))
    assert s["w"][0] == pytest.approx(before["w"][0] + 5 * step, abs=1e-9)
    assert s["w"][1] == before["w"][1] and s["b"] == before["b"]
    X, y = exam_standardised()
    neuron = Neuron(n_features=2, w=s["w"], b=s["b"])
    assert abs(s["cost"] - neuron.cost(neuron.forward(X), y)) < 1e-12


@pytest.mark.parametrize("key", ["gaussians-1d", "blobs", "red-blue"])
def test_forward_cost_gradient_agree_with_neuron(page, key):
    """At random weights: z, the cost and (dw, db) of the page against Neuron's."""
    page.select_option("#dataset", key)
    s = state(page)
    X, y = np.array(s["X"]), np.array(s["y"], dtype=float)
    fit_intercept = key != "red-blue"
    rng = np.random.default_rng(7)
    for _ in range(3):
        w, b = rng.normal(size=X.shape[1]), float(rng.normal()) if fit_intercept else 0.0
        got = page.evaluate(
            "([X, y, w, b, fi]) => window.oneneuronPlayground.math.gradient(X, y, w, b, fi)",
            [s["X"], s["y"], w.tolist(), b, fit_intercept],
        )
        neuron = Neuron(n_features=X.shape[1], fit_intercept=fit_intercept, w=w, b=b)
        a = neuron.forward(X)
        dw, db = neuron.backward(X, a, y)
        np.testing.assert_allclose(got["z"], neuron.z, rtol=0, atol=1e-12)
        assert abs(got["cost"] - neuron.cost(a, y)) < 1e-12
        np.testing.assert_allclose(got["dw"], dw, rtol=0, atol=1e-12)
        assert abs(got["db"] - db) < 1e-12


def test_no_bias_walkthrough_steps(page):
    """Red/blue from w = (-4, -2), step 2 on the mean (0.05 on the sum): 10 steps as Neuron."""
    page.select_option("#dataset", "red-blue")
    assert page.input_value("#learning-rate") == "2"
    page.fill("#n-steps", "10")
    page.click("#run")
    s = state(page)
    X, y = np.array(s["X"]), np.array(s["y"], dtype=float)
    costs, w, _, _ = neuron_loop(X, y, np.array([-4.0, -2.0]), 0.0, 2.0, 10, fit_intercept=False)
    np.testing.assert_allclose(s["history"], costs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(s["w"], w, rtol=0, atol=1e-12)
    assert s["b"] == 0.0
    assert page.locator("#surface-figure").is_visible()


def click_points(page, points):
    """Click each (x1, x2, class) into the data plot at its data coordinates."""
    box = page.locator("#data-plot").bounding_box()
    # the plot's frame: margins 44 left, 10 right, 10 top, 40 bottom; view [-5, 5]^2
    left, right, top, bottom = 44, box["width"] - 10, 10, box["height"] - 40
    for x1, x2, cls in points:
        page.check(f"input[name=click-class][value='{cls}']")
        px = left + (x1 + 5) / 10 * (right - left)
        py = bottom - (x2 + 5) / 10 * (bottom - top)
        page.mouse.click(box["x"] + px, box["y"] + py)


def test_clicked_points_fit_exactly_matches_oneneuron(page):
    page.select_option("#dataset", "your-points")
    pts = [
        (-2, -1, 0),
        (-1, 1, 0),
        (0.5, -2, 0),
        (1, 0.5, 0),
        (2, 2, 1),
        (0, 1.5, 1),
        (1.5, -0.5, 1),
    ]
    pts += [(-1.5, -0.5, 1), (3, 1, 1), (-3, 2, 0)]
    click_points(page, pts)
    s = state(page)
    assert s["n"] == len(pts)
    X, y = np.array(s["X"]), np.array(s["y"])
    np.testing.assert_allclose(X, [p[:2] for p in pts], atol=0.05)  # where the clicks landed
    fit_exactly_matches_the_library(page, X, y)
    assert "Newton" in page.inner_text("#numbers")


def test_separable_clicked_points_have_no_finite_optimum(page):
    page.select_option("#dataset", "your-points")
    click_points(page, [(-2, 0, 0), (-1, 1, 0), (2, 0, 1), (1, -1, 1)])
    page.click("#fit")
    assert "separable" in page.inner_text("#message")
    assert state(page)["exact"] is None


def test_dragging_the_boundary_moves_b_only(page):
    page.select_option("#dataset", "exam-scores")
    page.fill("#n-steps", "20")
    page.click("#run")
    s = state(page)
    box = page.locator("#data-plot").bounding_box()
    view = page.evaluate("window.oneneuronPlayground.data.datasets[1].view")
    (x0, x1), (y0, y1) = view
    left, right, top, bottom = 44, box["width"] - 10, 10, box["height"] - 40
    w, b = s["w"], s["b"]
    # grab the line where it crosses the middle row, drag it 40 px to the right
    ym = (y0 + y1) / 2
    xm = -(w[1] * ym + b) / w[0]
    px = box["x"] + left + (xm - x0) / (x1 - x0) * (right - left)
    py = box["y"] + top + (bottom - top) / 2
    page.mouse.move(px, py)
    page.mouse.down()
    page.mouse.move(px + 20, py, steps=3)
    page.mouse.move(px + 40, py, steps=3)
    page.mouse.up()
    after = state(page)
    assert after["w"] == w and after["n"] == s["n"]  # no point was added
    x_new = xm + 40 / (right - left) * (x1 - x0)
    assert after["b"] == pytest.approx(-(w[0] * x_new + w[1] * ym), abs=0.02 * abs(w[0]))


def test_microchips_shows_the_library_fit_for_each_lambda(page):
    page.select_option("#dataset", "microchips")
    X, y, _ = load_microchips()
    lam = page.locator("#lambda")
    lam.focus()
    page.keyboard.press("Home")
    for k, value in enumerate(MICROCHIP_LAMBDAS):
        if k:
            page.keyboard.press("ArrowRight")
        s = state(page)
        assert s["lambdaIndex"] == k
        pipe = model(value, len(y)).fit(X, y)
        proba = page.evaluate(
            """([X, powers, w, b]) => {
                const m = window.oneneuronPlayground.math;
                return m.logits(m.polyFeatures(X, powers), w, b).map(m.sigmoid);
            }""",
            [
                X.tolist(),
                pipe["poly"].powers_.tolist(),
                s["w"],
                s["b"],
            ],
        )
        np.testing.assert_allclose(proba, pipe.predict_proba(X)[:, 1], rtol=0, atol=1e-12)
        assert f"{100 * pipe.score(X, y):.1f} %" in page.inner_text("#numbers")
    assert page.locator("#run").is_disabled() and not page.locator("#learn-panel").is_visible()


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_laptop_and_phone_widths_fit_without_sideways_scrolling(browser, page_url, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = PageErrors(page)
    page.goto(page_url)
    for key in ["gaussians-1d", "exam-scores", "red-blue", "microchips", "your-points"]:
        page.select_option("#dataset", key)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{key}: {overflow} px wider than the {width} px screen"
        canvas = page.locator("#data-plot").bounding_box()
        assert canvas["width"] >= min(300, width - 40)
    errors.check()
    context.close()


def test_hovering_a_point_shows_its_z_and_a(page):
    page.select_option("#dataset", "exam-scores")
    s = state(page)
    view = page.evaluate("window.oneneuronPlayground.data.datasets[1].view")
    (x0, x1), (y0, y1) = view
    box = page.locator("#data-plot").bounding_box()
    left, right, top, bottom = 44, box["width"] - 10, 10, box["height"] - 40
    xi = s["X"][0]
    px = box["x"] + left + (xi[0] - x0) / (x1 - x0) * (right - left)
    py = box["y"] + bottom - (xi[1] - y0) / (y1 - y0) * (bottom - top)
    page.mouse.move(px, py)
    z = s["w"][0] * xi[0] + s["w"][1] * xi[1] + s["b"]
    title = page.get_attribute("#data-plot", "title")
    assert f"y = {s['y'][0]}" in title and f"a = sigmoid(z) = {1 / (1 + np.exp(-z)):.4f}" in title


def test_a_click_on_the_loss_surface_moves_the_learner_there(page):
    page.select_option("#dataset", "red-blue")
    ds = page.evaluate("window.oneneuronPlayground.data.datasets[3]")
    lo, hi = ds["w_range"]
    box = page.locator("#surface-plot").bounding_box()
    left, right, top, bottom = 44, box["width"] - 10, 10, box["height"] - 40
    target = (1.0, 2.0)
    px = box["x"] + left + (target[0] - lo) / (hi - lo) * (right - left)
    py = box["y"] + bottom - (target[1] - lo) / (hi - lo) * (bottom - top)
    page.mouse.click(px, py)
    s = state(page)
    np.testing.assert_allclose(s["w"], target, atol=0.02 * (hi - lo))
    assert s["b"] == 0.0


def test_keyboard_alone_steps_and_fits(page):
    """Tab reaches the controls; Enter presses buttons; "Fit exactly" shows oneneuron's optimum."""
    page.select_option("#dataset", "exam-scores")
    page.focus("#learning-rate")
    seen = []
    for _ in range(6):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.id"))
        if seen[-1] == "step":
            page.keyboard.press("Enter")
        if seen[-1] == "fit":
            page.keyboard.press("Enter")
            break
    assert seen[:2] == ["n-steps", "step"] and seen[-1] == "fit", seen
    s = state(page)
    assert s["steps"] == 1
    optimum = page.evaluate("window.oneneuronPlayground.data.datasets[1].optimum")
    assert s["exact"] == optimum
    assert "oneneuron (Python)" in page.inner_text("#numbers")


def surface_in_python(X, y, gx, gy, fit_intercept):
    """log(mean cross-entropy) of Neuron over the surface's grid: rows gy, columns gx."""
    vals = np.empty((len(gy), len(gx)))
    for j, v in enumerate(gy):
        for i, u in enumerate(gx):
            w, b = ([u], v) if fit_intercept else ([u, v], 0.0)
            neuron = Neuron(n_features=len(w), fit_intercept=fit_intercept, w=w, b=b)
            vals[j, i] = np.log(neuron.cost(neuron.forward(X), y))
    return vals


def surface_pixels(page):
    return page.evaluate("document.getElementById('surface-plot').toDataURL()")


def test_the_loss_surface_follows_a_change_of_data_set_and_of_points(page):
    """The page opens on the 1-D Gaussians (a surface over (w, b)); Red and blue draws its own."""
    assert state(page)["key"] == "gaussians-1d" and state(page)["surface"] is not None
    page.select_option("#dataset", "red-blue")
    s = state(page)
    X, y = np.array(s["X"]), np.array(s["y"], dtype=float)
    sf = s["surface"]
    lo, hi = page.evaluate("window.oneneuronPlayground.data.datasets[3].w_range")
    assert lo < sf["gx"][0] < sf["gx"][-1] < hi and lo < sf["gy"][0] < sf["gy"][-1] < hi
    want = surface_in_python(X, y, sf["gx"], sf["gy"], fit_intercept=False)
    np.testing.assert_allclose(sf["vals"], want, rtol=0, atol=1e-12)
    # the grid's lowest cell is the one nearest the optimum the x marks
    optimum = page.evaluate("window.oneneuronPlayground.data.datasets[3].optimum")["w"]
    j, i = np.unravel_index(np.argmin(sf["vals"]), want.shape)
    cell = (sf["gx"][1] - sf["gx"][0], sf["gy"][1] - sf["gy"][0])
    assert abs(sf["gx"][i] - optimum[0]) <= cell[0] and abs(sf["gy"][j] - optimum[1]) <= cell[1]
    # the picture is the one a freshly computed surface gives (a resize recomputes it)
    before = surface_pixels(page)
    page.evaluate("window.dispatchEvent(new Event('resize'))")
    assert surface_pixels(page) == before
    # a point added moves the surface with it
    page.check("input[name=click-class][value='1']")
    page.fill("#add-x1", "-3")
    page.fill("#add-x2", "2")
    page.click("#add")
    s = state(page)
    X, y = np.array(s["X"]), np.array(s["y"], dtype=float)
    assert len(y) == 41
    want = surface_in_python(X, y, sf["gx"], sf["gy"], fit_intercept=False)
    np.testing.assert_allclose(s["surface"]["vals"], want, rtol=0, atol=1e-12)
    # and back to the Gaussians: their own surface over (w, b) again
    page.select_option("#dataset", "gaussians-1d")
    s = state(page)
    sf = s["surface"]
    X, y = np.array(s["X"]), np.array(s["y"], dtype=float)
    want = surface_in_python(X, y, sf["gx"], sf["gy"], fit_intercept=True)
    np.testing.assert_allclose(sf["vals"], want, rtol=0, atol=1e-12)


def test_play_stops_on_a_change_of_data_set_and_on_reset(page):
    page.select_option("#dataset", "red-blue")
    page.click("#play")
    page.wait_for_function("window.oneneuronPlayground.state().steps >= 3")
    page.select_option("#dataset", "microchips")  # Play is disabled (and hidden) there
    page.wait_for_timeout(300)
    page.select_option("#dataset", "red-blue")
    assert page.inner_text("#play") == "Play"
    assert page.get_attribute("#play", "aria-pressed") == "false"
    page.wait_for_timeout(400)  # several ticks of the 60 ms timer, were it running
    assert state(page)["steps"] == 0
    # Play then Reset: stopped as well
    page.click("#play")
    page.wait_for_function("window.oneneuronPlayground.state().steps >= 2")
    page.click("#reset")
    assert page.inner_text("#play") == "Play"
    page.wait_for_timeout(400)
    assert state(page)["steps"] == 0
    # and Play still starts and stops by its button
    page.click("#play")
    page.wait_for_function("window.oneneuronPlayground.state().steps >= 2")
    page.click("#play")
    steps = state(page)["steps"]
    page.wait_for_timeout(300)
    assert state(page)["steps"] == steps and page.inner_text("#play") == "Play"


def test_fit_exactly_reports_the_iterations_newton_needs(page):
    """Points where the float64 floor stops Armijo's rule: the count is the library's, not 100."""
    page.select_option("#dataset", "your-points")
    pts = [(-2, -1, 0), (-1, 1, 0), (0.5, -0.5, 0), (1, 2, 1)]
    pts += [(2, 0, 1), (-0.5, 0.5, 1), (0, 0, 1), (1.5, -1, 0)]
    for x1, x2, cls in pts:
        page.check(f"input[name=click-class][value='{cls}']")
        page.fill("#add-x1", str(x1))
        page.fill("#add-x2", str(x2))
        page.click("#add")
    s = state(page)
    X, y = np.array(s["X"]), np.array(s["y"])
    np.testing.assert_array_equal(X, [p[:2] for p in pts])
    clf = fit_exactly_matches_the_library(page, X, y)
    text = page.inner_text("#message")
    iterations = int(text.split("Newton's method in this page, ")[1].split(" iteration")[0])
    assert abs(iterations - clf.n_iter_) <= 1, (iterations, clf.n_iter_, text)
    # with tol = 0 no step is small enough: it stops at the float64 floor, as the library
    floor = page.evaluate(
        "([X, y]) => window.oneneuronPlayground.math.newtonFit(X, y, true, 0)", [s["X"], s["y"]]
    )
    clf0 = NeuronClassifier(solver="newton", standardize=False, tol=0, inference=False).fit(X, y)
    assert "float64 floor" in clf0.stop_reason_
    assert floor["converged"] and floor["stop"].startswith("float64 floor"), floor
    assert abs(floor["iterations"] - clf0.n_iter_) <= 1, (floor, clf0.n_iter_)
    np.testing.assert_allclose(floor["w"], clf.coef_.ravel(), rtol=0, atol=1e-10)


def test_the_page_cost_keeps_its_relative_accuracy_for_confident_points(page):
    """The page computed each point's loss as softplus(z) - y z, which cancels for a
    confident right answer (exactly 0 from z = 37 on, 0.6% off at z = 30), where
    oneneuron.Neuron's cost, which the page follows, is exact (a cost of 0 would also
    make the loss surface's log(cost) -inf). Now the form of oneneuron.log_loss, to
    1e-14 relative."""
    from oneneuron import log_loss

    X = [[1.0], [-1.0], [2.0]]
    y = [1, 0, 1]
    for w in (30.0, 40.0, 300.0):
        got = page.evaluate(
            "([X, y, w]) => window.oneneuronPlayground.math.cost(X, y, [w], 0.0)", [X, y, w]
        )
        want = float(np.mean(log_loss(y, w * np.array(X)[:, 0])))
        assert want > 0 and abs(got - want) <= 1e-14 * want, (w, got, want)
