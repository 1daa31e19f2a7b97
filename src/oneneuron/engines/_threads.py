"""A per-thread cap on the engines' own threads (the fused kernels' and the NumPy path's).

The engines split each pass over one contiguous row chunk per core. Where several
fits run at once on threads of one process (the paths of
:class:`~oneneuron.NeuronClassifierCV`), each must keep to one chunk, or the cores
are oversubscribed; a module-wide setting would leak between those threads, so the
cap is thread-local: :func:`kernel_threads` sets it for the calling thread only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

_LOCAL = threading.local()


def capped(default: int) -> int:
    """Threads a pass started in the calling thread may use: ``default`` (the engine's
    setting), or less where :func:`kernel_threads` caps this thread.

    Examples
    --------
    >>> capped(4), capped(1)
    (4, 1)
    >>> with kernel_threads(1):
    ...     capped(4)
    1
    """
    cap = getattr(_LOCAL, "cap", None)
    return default if cap is None else max(1, min(default, cap))


@contextlib.contextmanager
def kernel_threads(n: int) -> Iterator[None]:
    """Cap the engines' threads for passes started in the calling thread (other threads
    keep theirs); nested caps restore the outer one on exit.

    Examples
    --------
    >>> from oneneuron.engines import capped, kernel_threads
    >>> with kernel_threads(1):
    ...     with kernel_threads(2):
    ...         inner = capped(8)
    ...     outer = capped(8)
    >>> inner, outer, capped(8)
    (2, 1, 8)
    """
    before = getattr(_LOCAL, "cap", None)
    _LOCAL.cap = int(n)
    try:
        yield
    finally:
        _LOCAL.cap = before
