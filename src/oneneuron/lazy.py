"""Public names imported on first use (PEP 562), for the package and its layer folders.

``import oneneuron`` and the command line's start-up cost no NumPy, scikit-learn or
pandas import until a name that needs them is touched; each package lists where its
names live and takes its module ``__getattr__`` and ``__dir__`` from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_attributes(
    package: str, names: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package`` whose ``names`` live in its modules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of {str: str}
        Public name -> the module holding it, relative to ``package`` (``".classifier"``
        or ``"_cv"``; the leading dot may be left out).
    namespace : dict
        The package's ``globals()``: a name is stored there once imported.

    Examples
    --------
    >>> space = {}
    >>> getattr_, dir_ = lazy_attributes("oneneuron", {"sigmoid": "functions"}, space)
    >>> getattr_("sigmoid").__name__, "sigmoid" in space, dir_()
    ('sigmoid', True, ['sigmoid'])
    """

    def __getattr__(name: str) -> Any:
        if name in names:
            module = names[name] if names[name].startswith(".") else "." + names[name]
            value = getattr(importlib.import_module(module, package), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*namespace, *names})

    return __getattr__, __dir__
