"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

Nothing is downloaded: Playwright launches the system browser at
:data:`CHROMIUM` (install it with ``.ci/ensure-chromium``). A browser that cannot
start FAILS the tests that need it; it never skips them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

CHROMIUM = os.environ.get("ONENEURON_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@contextmanager
def chromium() -> Iterator[Any]:
    """A started headless Chromium (a Playwright ``Browser``); fails the test if it cannot start."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # the dev extra installs it
        pytest.fail(f"playwright is not installed ({exc}); run: pip install -e '.[dev]'")
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except Exception as exc:
            pytest.fail(
                f"headless Chromium at {CHROMIUM} did not start: {exc}\n"
                "install it with .ci/ensure-chromium (Debian's chromium package)"
            )
        try:
            yield browser
        finally:
            browser.close()


class PageErrors:
    """Collects console errors and uncaught page errors of a Playwright page."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.url}"))

    def _console(self, msg: Any) -> None:
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text}")

    def check(self) -> None:
        """Fail with every error collected since the last check, then start afresh."""
        errors, self.errors = self.errors, []
        assert not errors, "\n".join(errors)
