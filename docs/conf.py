"""Sphinx configuration of the oneneuron site (``make docs`` builds it into ``site/``).

Everything the pages need is local: the theme's assets, MathJax 3 (its single-file
``tex-svg.js`` from the ``sphinx-mathjax-offline`` package, SVG output so no font
files), Sphinx's own search index. No intersphinx. The API reference, the
walkthrough pages and the playground are generated at build time by
``_ext/oneneuron_site.py``.
"""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import oneneuron  # noqa: E402

project = "oneneuron"
author = "the oneneuron authors"
copyright = "the oneneuron authors"  # noqa: A001
release = oneneuron.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "oneneuron_site",
]

exclude_patterns = ["_build", "_generated", "test_site.py", "conftest.py"]
templates_path = []
autosummary_generate = False  # the stub pages are written by oneneuron_site
autodoc_typehints = "none"  # numpydoc docstrings state the types
autodoc_default_options = {"member-order": "bysource"}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# MathJax from a pip package, copied into _static: nothing is fetched at view time.
try:
    _dist = importlib.metadata.distribution("sphinx-mathjax-offline")
except importlib.metadata.PackageNotFoundError:
    raise RuntimeError("the docs need sphinx-mathjax-offline: pip install -e '.[docs]'") from None
_tex_svg = Path(str(_dist.locate_file("sphinx-mathjax-offline/static/mathjax/tex-svg.js")))
mathjax_path = "tex-svg.js"
mathjax3_config = {"options": {"enableMenu": False}, "svg": {"fontCache": "global"}}

html_theme = "pydata_sphinx_theme"
html_title = f"oneneuron {release}"
html_static_path = ["_static", str(_tex_svg)]
html_css_files = ["site.css"]
html_extra_path = ["_generated/extra"]  # filled by oneneuron_site when the build starts
(HERE / html_extra_path[0]).mkdir(parents=True, exist_ok=True)
html_show_sourcelink = False
html_copy_source = False
html_show_search_summary = False  # summaries are fetched, which file:// pages may not do
html_context = {"default_mode": "auto"}
html_last_updated_fmt = None
html_theme_options = {
    "navbar_end": ["navbar-icon-links"],
    "icon_links": [],
    "show_prev_next": True,
    "navigation_with_keys": False,
    "footer_start": ["copyright"],
    "footer_end": [],
    "secondary_sidebar_items": ["page-toc"],
}
html_sidebars = {"**": ["sidebar-nav-bs"], "index": [], "playground": []}
