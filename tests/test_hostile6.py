"""Hostile input, sixth round: thread settings, penalties at the edge of float64,
parameter values of odd numeric types, and other corners earlier rounds did not try.

Each result is checked against an independent oracle (scikit-learn, statsmodels,
closed forms) or is one clear error naming the cause.
"""

from __future__ import annotations

import pytest

from oneneuron.cli._errors import UserError, check_environment


@pytest.mark.parametrize("value", ["abc", "0", "-1", "2,1"])
def test_numbas_thread_count_in_the_environment_is_checked(value):
    """NUMBA_NUM_THREADS=abc printed numba's parse failure as a warning line holding a
    whole traceback ('Traceback (most recent call last): File ...'), and =0 ended
    train in numba's 'Number of threads specified must be > 0', which names no
    variable. Numba reads it when the fused kernels load; the command line checks it
    first, as it checks OMP_NUM_THREADS, and names the variable."""
    with pytest.raises(UserError, match=f"NUMBA_NUM_THREADS='{value}'"):
        check_environment({"NUMBA_NUM_THREADS": value})
    check_environment({"NUMBA_NUM_THREADS": "2"})  # a count passes


def test_a_warning_that_carries_a_traceback_is_one_line_without_it(capsys):
    """Numba warns of any NUMBA_* variable it cannot parse (NUMBA_DISABLE_JIT=abc) with
    the parse's whole traceback in the message; the command line printed it on its
    warning line ('... Traceback (most recent call last): File "/.../config.py", line
    185 ...'). The line keeps the message and the exception, not the traceback."""
    import traceback
    import warnings

    from oneneuron.cli._errors import user_warnings

    try:
        int("abc")
    except ValueError:
        text = traceback.format_exc()
    with user_warnings():  # numba's own words (numba/core/config.py, _readenv)
        warnings.warn(
            "Environment variable 'NUMBA_DISABLE_JIT' is defined but its associated value "
            f"'abc' could not be parsed.\nThe parse failed with exception:\n{text}",
            RuntimeWarning,
            stacklevel=1,
        )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("warning: "), err
    assert "Traceback" not in err and "File " not in err, err
    assert "'NUMBA_DISABLE_JIT'" in err and "invalid literal for int()" in err, err
