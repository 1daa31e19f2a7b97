"""The playground's builder: embedded optima against scikit-learn, file safety."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from oneneuron.playground import MARKER, build, page_data, render


@pytest.fixture(scope="module")
def data():
    return page_data()


def test_embedded_optima_match_sklearn_unpenalised_fits(data):
    for ds in data["datasets"]:
        if ds["kind"] != "linear" or ds["optimum"] is None:
            continue
        X, y = np.array(ds["X"]), np.array(ds["y"])
        ref = LogisticRegression(C=np.inf, fit_intercept=ds["fit_intercept"], tol=1e-12)
        ref.set_params(max_iter=10_000).fit(X, y)
        opt = ds["optimum"]
        np.testing.assert_allclose(opt["w"], ref.coef_.ravel(), rtol=1e-5, atol=1e-6)
        b_ref = ref.intercept_[0] if ds["fit_intercept"] else 0.0
        assert opt["b"] == pytest.approx(b_ref, rel=1e-5, abs=1e-6), ds["key"]


def test_start_points_and_ranges_hold_the_optimum(data):
    for ds in data["datasets"]:
        if ds["kind"] == "linear" and ds["optimum"] is not None:
            lo, hi = ds["w_range"]
            assert all(lo < v < hi for v in ds["optimum"]["w"] + ds["start"]["w"])
            lo, hi = ds["b_range"]
            assert lo < ds["optimum"]["b"] < hi


def test_microchip_fits_get_smoother_as_lambda_grows(data):
    chips = next(ds for ds in data["datasets"] if ds["key"] == "microchips")
    assert len(chips["powers"]) == 27
    norms = [np.linalg.norm(f["w"]) for f in chips["fits"]]
    assert norms == sorted(norms, reverse=True)
    assert chips["fits"][2]["lambda"] == 1.0
    assert chips["fits"][2]["accuracy"] == pytest.approx(0.831, abs=0.001)  # the course's 83.1 %


def test_render_keeps_the_json_inside_its_script_element():
    html = render({"version": "x", "datasets": [{"about": "</script><b>"}]})
    start = html.index('id="playground-data">') + len('id="playground-data">')
    payload = html[start : html.index("</script>", start)]
    assert json.loads(payload)["datasets"][0]["about"] == "</script><b>"


def test_build_never_overwrites_a_file_it_did_not_write(tmp_path):
    (tmp_path / "playground.html").write_text("<html>mine</html>")
    with pytest.raises(FileExistsError, match="not written by oneneuron playground"):
        build(tmp_path)
    assert (tmp_path / "playground.html").read_text() == "<html>mine</html>"


def test_build_replaces_its_own_page(tmp_path):
    first = build(tmp_path)
    first.write_text(MARKER + "\nold")
    assert build(tmp_path).read_text().startswith(MARKER + "\n<!DOCTYPE html>")


def test_cli_writes_the_page(tmp_path, capsys):
    from oneneuron.cli import main

    assert main(["playground", "--out", str(tmp_path / "site")]) == 0
    page = tmp_path / "site" / "playground.html"
    assert f"page: {page}" in capsys.readouterr().out
    assert page.read_text().startswith(MARKER)


def test_cli_refuses_to_overwrite_with_one_error_line(tmp_path, capsys):
    from oneneuron.cli import main

    (tmp_path / "playground.html").write_text("mine")
    assert main(["playground", "--out", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: --out") and err.count("\n") == 1
    assert (tmp_path / "playground.html").read_text() == "mine"
    (tmp_path / "file").write_text("x")
    assert main(["playground", "--out", str(tmp_path / "file")]) == 1
    assert "is not a folder" in capsys.readouterr().err
