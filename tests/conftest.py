"""Shared test set-up: hypothesis profiles and the kernel-backend fixture.

Profiles: ``ci`` (few examples, the default under CI=true), ``dev`` (the default otherwise) and
``thorough``; choose with HYPOTHESIS_PROFILE. ``deadline=None`` everywhere: a first call may
compile a Numba kernel.
"""

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=6, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=20, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture(params=["numpy", "numba"])
def kernel_backend(request):
    """Runs a test once with each kernel backend (the NumPy reference and the Numba kernels)."""
    from tinynet import kernels

    with kernels.use_backend(request.param):
        yield request.param
