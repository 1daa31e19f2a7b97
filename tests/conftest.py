"""Test-session settings shared by every test module."""

import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture(autouse=True, scope="session")
def _one_blas_thread_per_worker():
    """pytest -n 2 runs two worker processes on two cores: one BLAS thread each.

    Oversubscribed BLAS threads make small matrix products (and scikit-learn's
    reference fits) orders of magnitude slower on a busy machine.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield
