"""Where the tests find the published data sets (MNIST, Fashion-MNIST, USPS).

``SKDEEPCLUST_DATA_HOME`` first, then the offline copies beside the checkout
(the checkout is <root>/main, the copies are in <root>/shared/data). Tests
that need a data set skip, with the reason, where it is absent.
"""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def find_data_home(sub_folder, filenames):
    """The first candidate data folder holding all of ``filenames``, or skip."""
    candidates = []
    if os.environ.get("SKDEEPCLUST_DATA_HOME"):
        candidates.append(Path(os.environ["SKDEEPCLUST_DATA_HOME"]).expanduser())
    candidates.append(SHARED_DATA)
    for home in candidates:
        if all((home / sub_folder / name).is_file() for name in filenames):
            return home
    pytest.skip(
        f"{sub_folder} data not found in {[str(c) for c in candidates]}; set "
        "SKDEEPCLUST_DATA_HOME to a folder holding it"
    )
