"""Sphinx extension: the pages of the oneneuron site that are made, not written.

When the builder starts it writes into the source folder (all of it ignored by git):

- ``api/``: one page per public name, from the ``__all__`` of :data:`MODULES`, and
  an index with one section per module. An object exported by several modules
  (``oneneuron.sigmoid`` is ``oneneuron.functions.sigmoid``) gets one page, under
  the first module that exports it; later modules link to it.
- ``walkthroughs/``: one page per walkthrough of :mod:`oneneuron.demos`, run now,
  with its figures, text and numbers, plus the page ``oneneuron demo all`` writes
  (copied to ``demo/`` in the site).
- ``_generated/extra/playground/playground.html``: :func:`oneneuron.playground.build`.
"""

from __future__ import annotations

import importlib
import inspect
import shutil
from pathlib import Path
from typing import Any

#: The public modules whose ``__all__`` makes the API reference, in the order of the page.
MODULES = [
    ("oneneuron", "The package: the estimator, the tutorial neuron, model files, functions"),
    ("oneneuron.classifier", "The estimator and its Parquet entry point"),
    ("oneneuron.neuron", "The tutorial's step-by-step neuron"),
    ("oneneuron.functions", "Activations and losses from logits, with their derivatives"),
    ("oneneuron.objective", "The objective as a sum over row blocks"),
    ("oneneuron.optim", "Update rules for gradient descent"),
    ("oneneuron.solvers", "Gradient descent, L-BFGS, Newton"),
    ("oneneuron.engines", "Where the row blocks live: NumPy, array API, Dask"),
    ("oneneuron.stats", "Standard errors, tests, intervals, summaries"),
    ("oneneuron.tables", "Tables in and out: reading, encoding, writing"),
    ("oneneuron.modelfile", "JSON model files"),
    ("oneneuron.datasets", "The walkthroughs' data"),
    ("oneneuron.exceptions", "Warnings"),
    ("oneneuron.plot", "Figures"),
    ("oneneuron.demos", "The walkthroughs"),
    ("oneneuron.playground", "The playground page"),
    ("oneneuron.cli", "The command line"),
]
SKIP = {"__version__"}


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def _underline(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def write_api(src: Path) -> None:
    out = src / "api"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    owner: dict[Any, str] = {}  # id(object) (data: its name) -> full name of its page
    sections, pages = [], []
    for modname, blurb in MODULES:
        module = importlib.import_module(modname)
        names = [n for n in getattr(module, "__all__", []) if n not in SKIP]
        own, linked = [], []
        for name in names:
            obj = getattr(module, name)
            key = id(obj) if _kind(obj) != "data" else (modname, name)
            if key in owner:
                linked.append(owner[key])
                continue
            full = f"{modname}.{name}"
            owner[key] = full
            own.append(name)
            kind = _kind(obj)
            body = [_underline(full), f".. currentmodule:: {modname}\n"]
            if kind == "class":
                body.append(f".. autoclass:: {name}\n   :members:\n   :show-inheritance:\n")
            elif kind == "function":
                body.append(f".. autofunction:: {name}\n")
            else:
                body.append(f".. autodata:: {name}\n   :no-value:\n")
                body.append(f"\nValue: ``{obj!r}``\n" if len(repr(obj)) < 300 else "")
            (out / f"{full}.rst").write_text("\n".join(body))
            pages.append(full)
        part = [
            _underline(modname, "-"),
            f"{blurb}.\n",
            f".. automodule:: {modname}\n   :no-members:\n",
        ]
        if own:
            part.append(
                ".. autosummary::\n   :nosignatures:\n\n" + "".join(f"   {n}\n" for n in own)
            )
        if linked:
            refs = ", ".join(f":py:obj:`{full}`" for full in linked)
            part.append(f"Also exported here: {refs}.\n")
        sections.append("\n".join(part))
    index = [
        _underline("API reference"),
        "Every public name of oneneuron: the ``__all__`` of each public module, one page each.\n",
        ".. toctree::\n   :hidden:\n\n" + "".join(f"   {p}\n" for p in pages),
        *sections,
    ]
    (out / "index.rst").write_text("\n".join(index))


def _rst_text(text: str) -> str:
    """Plain text as reStructuredText that shows the same characters."""
    for ch in "\\*`_|":
        text = text.replace(ch, "\\" + ch)
    return text


def write_walkthroughs(src: Path, extra: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from oneneuron import demos

    out = src / "walkthroughs"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    built = [demos.build(name) for name in demos.NAMES]
    demos.write(built, extra / "demo")  # the page and figures of `oneneuron demo all`
    for w in built:
        name = w.name
        lines = [_underline(w.title), f"*Follows:* {_rst_text(w.source)}\n"]
        for s in w.sections:
            lines.append(_rst_text(s.text) + "\n")
            if s.figure is not None:
                png = f"../_generated/extra/demo/{name}/{s.figure}.png"
                lines.append(f".. image:: {png}\n   :alt: {s.figure}\n")
            if s.numbers:
                rows = "".join(
                    f"   * - {_rst_text(k)}\n     - ``{v}``\n" for k, v in s.numbers.items()
                )
                lines.append(".. list-table::\n   :widths: 3 2\n\n" + rows)
        (out / f"{name}.rst").write_text("\n".join(lines))
    index = [
        _underline("Walkthroughs"),
        "The tutorials this library grew from, rerun with oneneuron's own classes when this "
        "site was built: the pages and figures ``oneneuron demo all`` makes. The command's "
        "own single-file page is `here <../demo/index.html>`_.\n",
        ".. toctree::\n   :maxdepth: 1\n\n" + "".join(f"   {w.name}\n" for w in built),
    ]
    (out / "index.rst").write_text("\n".join(index))


def generate(app: Any) -> None:
    src = Path(app.srcdir)
    extra = src / "_generated" / "extra"
    shutil.rmtree(extra, ignore_errors=True)
    extra.mkdir(parents=True)
    write_api(src)
    write_walkthroughs(src, extra)
    from oneneuron.playground import build

    build(extra / "playground")


def skip_member(app: Any, what: str, name: str, obj: Any, skip: bool, options: Any) -> bool | None:
    """Leave out scikit-learn's generated metadata-routing methods (``set_fit_request``...)."""
    if name.startswith("set_") and name.endswith("_request"):
        return True
    return None


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    app.connect("autodoc-skip-member", skip_member)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
