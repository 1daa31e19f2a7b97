"""``python -m oneneuron``: the ``oneneuron`` command line (the installed script's ``main``)."""

import sys

from .cli import main

if __name__ == "__main__":  # pragma: no cover (run in a subprocess by the tests)
    sys.exit(main())
