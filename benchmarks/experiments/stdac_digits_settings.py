"""STDACClustering on scikit-learn's digits: the small-set settings and variants.

The numbers in the Notes of :class:`skdeepclust.STDACClustering`: the
tests' short settings (``tests/digits_configs.py``) with seeds 0-5, then
one setting changed at a time with seeds 0-3, on one CPU thread::

    python benchmarks/experiments/stdac_digits_settings.py

Prints one line per variant: the ACC of each seed and their mean. With
``bn``, only the two batch-norm settings for the pseudo-labels, seeds 0-7::

    python benchmarks/experiments/stdac_digits_settings.py bn
"""

import sys
from pathlib import Path

import numpy as np
import torch

from skdeepclust import STDACClustering
from skdeepclust.cluster_metrics import clustering_accuracy_score
from skdeepclust.datasets import load_digits_images

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from digits_configs import STDAC_PARAMS  # noqa: E402

VARIANTS = {
    "as given": {},
    "no spatial transformer": {"n_st_layers": 0},
    "st_init='authors'": {"st_init": "authors"},
    "self_target_weight=10": {"self_target_weight": 10.0},
    "selection='dac'": {"selection": "dac"},
    "bn_statistics='batch_during_fit'": {"bn_statistics": "batch_during_fit"},
}


BN_VARIANTS = {
    "bn_statistics='running'": {"bn_statistics": "running"},
    "bn_statistics='batch_during_fit'": {"bn_statistics": "batch_during_fit"},
}


def main(mode=None):
    torch.set_num_threads(1)
    X, y = load_digits_images(return_X_y=True)
    variants = BN_VARIANTS if mode == "bn" else VARIANTS
    for name, change in variants.items():
        if mode == "bn":
            seeds = range(8)
        else:
            seeds = range(6) if not change else range(4)
        params = dict(STDAC_PARAMS, device="cpu", **change)
        scores = [
            clustering_accuracy_score(
                y, STDACClustering(random_state=seed, **params).fit(X).labels_
            )
            for seed in seeds
        ]
        print(
            f"{name:34s} {np.round(scores, 3)} mean {np.mean(scores):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main(*sys.argv[1:2])
