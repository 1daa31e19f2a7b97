"""Page tests of the built site (``make docs`` runs them after building ``site/``).

Each HTML page is loaded from disk in headless Chromium with the network cut off:
any request that is not a local file, any console error and any uncaught page
error fails it, and a full-page screenshot is written to
``build/site-screenshots/``. Every internal link (``href``/``src``, with its
``#fragment``) must point at a file of the site and an id in it.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "site"
SHOTS = ROOT / "build" / "site-screenshots"
sys.path.insert(0, str(ROOT / "tests"))

from _browser import PageErrors, chromium  # noqa: E402

#: Files under site/ that are not pages (a template fragment the theme ships).
NOT_PAGES = {"_static/webpack-macros.html"}


def _pages() -> list[str]:
    if not (SITE / "index.html").exists():
        pytest.fail("site/index.html is missing: build the site first (make docs)")
    pages = sorted(str(p.relative_to(SITE)) for p in SITE.rglob("*.html"))
    return [p for p in pages if p not in NOT_PAGES]


class _Refs(HTMLParser):
    """The ids of a page and the local URLs it references."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        for key in ("href", "src"):
            if a.get(key) and not (tag == "a" and key == "src"):
                self.refs.append(a[key])


def _parse(path: Path) -> _Refs:
    p = _Refs()
    p.feed(path.read_text(encoding="utf-8", errors="replace"))
    return p


def test_every_internal_link_points_at_a_file_and_an_anchor():
    parsed = {page: _parse(SITE / page) for page in _pages()}
    broken = []
    for page, refs in parsed.items():
        for ref in refs.refs:
            url = urlsplit(ref)
            if url.scheme in ("http", "https", "mailto", "data", "javascript"):
                continue
            assert not url.scheme and not url.netloc, f"{page}: unexpected link {ref}"
            target = (SITE / page).parent / unquote(url.path) if url.path else SITE / page
            if target.is_dir():
                target = target / "index.html"
            if not target.resolve().is_file():
                broken.append(f"{page}: {ref} (no file)")
                continue
            rel = str(target.resolve().relative_to(SITE.resolve()))
            if url.fragment and rel.endswith(".html"):
                ids = parsed[rel].ids if rel in parsed else _parse(target).ids
                if unquote(url.fragment) not in ids:
                    broken.append(f"{page}: {ref} (no id {url.fragment!r})")
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken[:50])


def test_no_page_references_the_network_for_assets():
    remote = []
    for page in _pages():
        text = (SITE / page).read_text(encoding="utf-8", errors="replace")
        for needle in ('src="http', "src='http", '<link rel="stylesheet" href="http', "@import"):
            if needle in text:
                remote.append(f"{page}: {needle}")
    assert not remote, "\n".join(remote)


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture(scope="module")
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:", "about:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    ctx.blocked = blocked
    yield ctx
    ctx.close()


@pytest.fixture(scope="module")
def tab(context):
    """One tab for all pages (a new tab per page costs more than the page)."""
    page = context.new_page()
    page.errors = PageErrors(page)
    yield page
    page.close()


@pytest.mark.parametrize("page_path", _pages())
def test_page_loads_offline_without_errors(context, tab, page_path):
    tab.goto("about:blank")
    tab.errors.errors.clear()
    before = len(context.blocked)
    tab.goto((SITE / page_path).as_uri(), wait_until="load")
    tab.evaluate("() => window.MathJax?.startup?.promise ?? null")  # typesetting done
    shot = SHOTS / (page_path.replace("/", "__") + ".png")
    shot.parent.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(shot), full_page=True)
    assert context.blocked[before:] == [], f"network requests: {context.blocked[before:]}"
    tab.errors.check()


def test_math_is_rendered_offline(context):
    page = context.new_page()
    errors = PageErrors(page)
    page.goto((SITE / "getting-started.html").as_uri())
    page.wait_for_selector("mjx-container svg", timeout=30_000)  # slow under load
    assert page.locator("mjx-container").count() >= 2
    page.close()
    errors.check()


def test_offline_search_finds_a_function(context):
    page = context.new_page()
    errors = PageErrors(page)
    page.goto((SITE / "search.html").as_uri() + "?q=sigmoid_grad")
    page.wait_for_selector("#search-results li", timeout=30_000)
    assert "sigmoid_grad" in page.inner_text("#search-results")
    page.close()
    errors.check()


def test_the_playground_page_embeds_a_working_playground(context):
    page = context.new_page()
    errors = PageErrors(page)
    page.goto((SITE / "playground.html").as_uri())
    frame = page.frame_locator("iframe")
    frame.locator("#dataset").select_option("exam-scores")
    frame.locator("#step").click()
    assert "steps taken" in frame.locator("#numbers").inner_text()
    # the frame takes the playground's height (it posts it to the page). Both heights are
    # read afresh on every poll: the playground may post again (a later layout) after one
    # reading, which made a wait on a height read once flaky under load.
    outer_js = "document.getElementById('playground-frame').offsetHeight"
    for _ in range(150):  # 30 s
        inner = frame.locator("html").evaluate("el => el.scrollHeight")
        outer = page.evaluate(outer_js)
        if abs(outer - inner) < 12:
            break
        page.wait_for_timeout(200)
    assert abs(outer - inner) < 12, (outer, inner)
    # set by the posted height, not the page's initial 1800px
    assert page.evaluate("document.getElementById('playground-frame').style.height") != "1800px"
    page.close()
    errors.check()


def test_every_public_name_has_a_page():
    import importlib

    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    from oneneuron_site import MODULES, SKIP

    missing = []
    for modname, _ in MODULES:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            if name in SKIP:
                continue
            own = SITE / "api" / f"{modname}.{name}.html"
            if own.exists():
                continue
            # re-exported: its page is under the module that exports it first
            obj = getattr(module, name)
            owners = [
                m
                for m, _ in MODULES
                if name in getattr(importlib.import_module(m), "__all__", [])
                and getattr(importlib.import_module(m), name) is obj
            ]
            if not any((SITE / "api" / f"{m}.{name}.html").exists() for m in owners):
                missing.append(f"{modname}.{name}")
    assert not missing, missing
