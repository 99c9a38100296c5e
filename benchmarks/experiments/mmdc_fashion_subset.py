"""MMDCClustering on a 10,000-image Fashion-MNIST subset, with parameter variants.

A CPU-sized look at why MMDC's full Fashion-MNIST run (ACC 0.492, seed 0,
H100) trails the DTI estimators: the authors' MNIST recipe on a fixed
random subset of 10,000 of the 70,000 images, one CPU thread::

    export SKDEEPCLUST_DATA_HOME=../shared/data
    python benchmarks/experiments/mmdc_fashion_subset.py 0
    python benchmarks/experiments/mmdc_fashion_subset.py 0 \\
        augment_rotation=0.0 hflip=True

Measured on 2026-11-23 (2-core CPU, torch 2.13.0+cpu), seed 0, ACC / NMI /
ARI: defaults 0.625 / 0.581 / 0.451 (852 s); no rotation, horizontal flips
0.604 / 0.572 / 0.431 (947 s).
"""

import ast
import json
import sys
import time

import numpy as np
import torch

from skdeepclust import MMDCClustering
from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_fashion_mnist


def main(seed, params, n_samples=10_000):
    torch.set_num_threads(1)
    X, y = load_fashion_mnist(return_X_y=True, as_float=True)
    keep = np.sort(np.random.RandomState(0).choice(len(X), n_samples, replace=False))
    X, y = X[keep], y[keep]
    model = MMDCClustering(10, random_state=seed, device="cpu", **params)
    start = time.time()
    model.fit(X)
    record = {"seed": seed, "params": {k: repr(v) for k, v in params.items()}}
    record |= clustering_scores(y, model.labels_)
    record["seconds"] = round(time.time() - start)
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    pairs = (argument.split("=", 1) for argument in sys.argv[2:])
    main(int(sys.argv[1]), {key: ast.literal_eval(value) for key, value in pairs})
