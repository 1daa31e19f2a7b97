"""Writing the walkthroughs: PNG files, ``summary.json`` and one self-contained HTML page."""

from __future__ import annotations

import base64
import html
import io
import json
import os
from collections.abc import Sequence
from pathlib import Path

from ..wording import counted
from ._common import Walkthrough

#: First line of every page this module writes; a page without it is never overwritten.
MARKER = "<!-- written by oneneuron demo -->"
DPI = 100

_CSS = """
body{font-family:system-ui,sans-serif;max-width:860px;margin:2em auto;padding:0 1em;
line-height:1.45;color:#222}
h1{margin-bottom:.2em} h2{margin-top:2.2em;border-bottom:1px solid #ccc}
.src{color:#666;font-size:.9em;margin-top:-.6em}
img{max-width:100%;display:block;margin:.6em auto}
table{border-collapse:collapse;margin:.4em 0 1.2em}
td{padding:.15em .8em;border-bottom:1px solid #eee} td.v{font-family:monospace;white-space:nowrap}
nav a{margin-right:1em}
"""


def _check_writable(out: Path, names: Sequence[str]) -> None:
    """Refuse to overwrite anything this command did not write itself."""
    from ..tables import check_out_folder, check_own_file

    check_out_folder(out)
    check_own_file(out / "index.html", MARKER, "oneneuron demo")
    for name in names:
        folder = out / name
        check_out_folder(folder)
        if folder.exists() and any(folder.iterdir()):
            summary = folder / "summary.json"
            try:  # a regular file, its first MiB: never a device or a huge file read whole
                if not summary.is_file():
                    raise ValueError("not a file")
                with open(summary, "rb") as fh:
                    written = json.loads(fh.read(1 << 20))
                ours = written.get("written_by") == "oneneuron demo"
            except (OSError, ValueError, AttributeError):
                ours = False
            if not ours:
                raise FileExistsError(
                    f"{folder} holds files not written by oneneuron demo; not overwriting them"
                )


def write(walkthroughs: Sequence[Walkthrough], out_dir: str | Path) -> Path:
    """Write each walkthrough's figures and summary under ``out_dir`` and the page.

    Returns the path of ``out_dir/index.html``. Files of an earlier
    ``oneneuron demo`` run are replaced; anything else found in the way is left
    alone and raises :class:`FileExistsError`.
    """
    out = Path(out_dir)
    _check_writable(out, [w.name for w in walkthroughs])
    images: dict[tuple[str, str], bytes] = {}
    for w in walkthroughs:
        folder = out / w.name
        folder.mkdir(parents=True, exist_ok=True)
        for fig_name, fig in w.figures.items():
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=DPI)
            images[(w.name, fig_name)] = buf.getvalue()
            _replace(folder / f"{fig_name}.png", buf.getvalue())
        summary = {"name": w.name, "title": w.title, "source": w.source} | w.summary
        summary["written_by"] = "oneneuron demo"
        _replace(folder / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
    index = out / "index.html"
    _replace(index, render(walkthroughs, images).encode())
    return index


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` beside ``path`` and rename it into place: an interrupted run leaves
    the previous file whole, never a truncated one."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def render(walkthroughs: Sequence[Walkthrough], images: dict[tuple[str, str], bytes]) -> str:
    """The HTML page: for each walkthrough, short text, figure, numbers."""
    e = html.escape
    parts = [
        MARKER,
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>oneneuron walkthroughs</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>One neuron, {counted(len(walkthroughs), 'walkthrough')}</h1>",
        "<p>Each walkthrough below is rerun with oneneuron's own classes "
        "(<code>NeuronClassifier</code> and the step-by-step <code>Neuron</code>): "
        "the same data, the same figures and the numbers the tutorial reports.</p>",
        "<nav>" + "".join(f"<a href='#{e(w.name)}'>{e(w.name)}</a>" for w in walkthroughs),
        "</nav>",
    ]
    for w in walkthroughs:
        parts.append(f"<h2 id='{e(w.name)}'>{e(w.title)}</h2>")
        parts.append(f"<p class='src'>Follows: {e(w.source)}</p>")
        for s in w.sections:
            parts.append(f"<p>{e(s.text)}</p>")
            if s.figure is not None:
                data = base64.b64encode(images[(w.name, s.figure)]).decode("ascii")
                parts.append(f"<img alt='{e(s.figure)}' src='data:image/png;base64,{data}'>")
            if s.numbers:
                rows = "".join(
                    f"<tr><td>{e(k)}</td><td class='v'>{e(v)}</td></tr>"
                    for k, v in s.numbers.items()
                )
                parts.append(f"<table>{rows}</table>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
