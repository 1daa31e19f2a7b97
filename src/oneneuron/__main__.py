"""``python -m oneneuron``: the ``oneneuron`` command line (the installed script's ``main``)."""

import sys

try:
    from .cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line loads: one line, no traceback
    sys.stderr.write("error: interrupted (Ctrl-C)\n")
    sys.exit(130)

if __name__ == "__main__":  # pragma: no cover (run in a subprocess by the tests)
    sys.exit(main())
