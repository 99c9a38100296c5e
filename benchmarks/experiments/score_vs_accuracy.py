"""Does each estimator's unsupervised ``score`` pick its accurate fits?

Fits every estimator on scikit-learn's digits with the small-set settings of
``tests/digits_configs.py`` (with ``--defaults``: the defaults, ``n_clusters``
and the seed alone), seeds 0-9, one CPU thread, and prints for each
the ACC and ``score`` of every seed, the Spearman rank correlation between
them, and the mean and worst ACC of the seed that the best score keeps
out of every set of 3 and of 5 of the 10 seeds (what ``KMeans(n_init=...)``
does with inertia)::

    python benchmarks/experiments/score_vs_accuracy.py [--defaults] [ESTIMATOR ...]
"""

import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import torch
from scipy.stats import spearmanr

from skdeepclust import DTIGaussianMixture, DTIKMeans, MMDCClustering, STDACClustering
from skdeepclust.cluster_metrics import clustering_accuracy_score
from skdeepclust.datasets import load_digits_images

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
from digits_configs import (  # noqa: E402
    DTI_LEARNING_RATES,
    DTI_SCHEDULE,
    MMDC_PARAMS,
    STDAC_PARAMS,
)

SEEDS = range(10)
ESTIMATORS = {
    "DTIKMeans": lambda seed: DTIKMeans(
        10,
        learning_rate=DTI_LEARNING_RATES["DTIKMeans"],
        random_state=seed,
        **DTI_SCHEDULE,
    ),
    "DTIGaussianMixture": lambda seed: DTIGaussianMixture(
        10,
        learning_rate=DTI_LEARNING_RATES["DTIGaussianMixture"],
        random_state=seed,
        **DTI_SCHEDULE,
    ),
    "STDACClustering": lambda seed: STDACClustering(random_state=seed, **STDAC_PARAMS),
    "MMDCClustering": lambda seed: MMDCClustering(random_state=seed, **MMDC_PARAMS),
}


CLASSES = {
    "DTIKMeans": DTIKMeans,
    "DTIGaussianMixture": DTIGaussianMixture,
    "STDACClustering": STDACClustering,
    "MMDCClustering": MMDCClustering,
}


def main(names, defaults=False):
    torch.set_num_threads(1)
    X, y = load_digits_images(return_X_y=True)
    for name in names:
        accuracy, score = [], []
        for seed in SEEDS:
            if defaults:
                estimator = CLASSES[name](n_clusters=10, random_state=seed)
            else:
                estimator = ESTIMATORS[name](seed)
            estimator = estimator.set_params(device="cpu").fit(X)
            accuracy.append(clustering_accuracy_score(y, estimator.labels_))
            score.append(estimator.score(X))
        accuracy, score = np.array(accuracy), np.array(score)
        kept = {
            n: [
                accuracy[list(c)][np.argmax(score[list(c)])]
                for c in combinations(range(len(SEEDS)), n)
            ]
            for n in (3, 5)
        }
        print(
            f"{name} ({'defaults' if defaults else 'short settings'}): ACC "
            f"{np.round(accuracy, 3)} (mean {accuracy.mean():.3f}, "
            f"min {accuracy.min():.3f}); score {np.round(score, 4)}; Spearman "
            f"{spearmanr(score, accuracy)[0]:+.2f}; kept by the best score of 3: "
            f"mean {np.mean(kept[3]):.3f}, min {np.min(kept[3]):.3f}; of 5: "
            f"mean {np.mean(kept[5]):.3f}, min {np.min(kept[5]):.3f}",
            flush=True,
        )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    defaults = "--defaults" in arguments
    names = [a for a in arguments if a != "--defaults"]
    main(names or list(ESTIMATORS), defaults=defaults)
