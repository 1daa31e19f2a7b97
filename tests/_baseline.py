"""Reference images of the walkthroughs, drawn without any text so fonts do not matter.

Regenerate after an intended change of a figure with::

    python tests/_baseline.py

and look at the new images in tests/baseline/ before committing them.
"""

from __future__ import annotations

import sys
from pathlib import Path

from matplotlib.figure import Figure

from oneneuron.plot import strip_text

BASELINE_DIR = Path(__file__).parent / "baseline"
SIZE = (3.0, 2.25)
DPI = 50
#: RMS difference (0-255 scale) allowed by matplotlib.testing.compare.compare_images.
TOLERANCE = 3.0


def render_bare(fig: Figure, path: Path) -> Path:
    """Save ``fig`` without text at a fixed small size and dpi (modifies ``fig``)."""
    strip_text(fig, size=SIZE)
    fig.savefig(path, dpi=DPI)
    return path


def regenerate() -> None:
    """Rebuild every walkthrough and overwrite its reference image.

    The walkthroughs are first written as ``oneneuron demo`` writes them (the
    tests compare figures that were saved once already).
    """
    import tempfile

    from oneneuron.demos import NAMES, build, write

    BASELINE_DIR.mkdir(exist_ok=True)
    walkthroughs = [build(name) for name in NAMES]
    with tempfile.TemporaryDirectory() as tmp:
        write(walkthroughs, tmp)
    for w in walkthroughs:
        path = render_bare(w.figures[w.baseline], BASELINE_DIR / f"{w.name}.png")
        print(path)


if __name__ == "__main__":
    regenerate()
    sys.exit(0)
