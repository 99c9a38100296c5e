"""Test-suite settings shared by every test file."""

import os

import pytest
import torch
from data_home import IDX_FILES, find_data_home

# Threads of torch in the tests: 1 unless SKDEEPCLUST_TEST_THREADS says
# otherwise (.ci/run runs the numerics tests with 2 as well, since results
# round differently with another thread count).
_TEST_THREADS = int(os.environ.get("SKDEEPCLUST_TEST_THREADS", "1"))


@pytest.fixture(autouse=True, scope="session")
def _torch_threads():
    # The test models are tiny and train on small batches: one OpenMP thread
    # is as fast as two on a 2-core machine, and far faster (up to 20x) when
    # anything else shares the cores, since two threads then oversubscribe.
    threads = torch.get_num_threads()
    torch.set_num_threads(_TEST_THREADS)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def mnist_home():
    """The data folder holding MNIST; the test skips where there is none."""
    return find_data_home("mnist", IDX_FILES)
