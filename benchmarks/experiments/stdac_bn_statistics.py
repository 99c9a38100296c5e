"""STDACClustering's batch-norm statistics for pseudo-labels, on an MNIST subset.

The experiment behind the default ``bn_statistics="batch_during_fit"``:
a smaller network (``conv_channels=(32, 64, 128)``, ``hidden_units=512``),
no spatial transformer, the authors' schedule otherwise (10 epochs, batch
32, Adam 1e-4), on a fixed random subset of 10,000 of the 70,000 MNIST
images (read from ``$SKDEEPCLUST_DATA_HOME``), one CPU thread::

    export SKDEEPCLUST_DATA_HOME=../shared/data
    python benchmarks/experiments/stdac_bn_statistics.py running 0
    python benchmarks/experiments/stdac_bn_statistics.py batch_during_fit 0

Measured on 2026-11-23 (2-core CPU, torch 2.13.0+cpu), ACC / NMI:

==================  ===============  ===============
bn_statistics       seed 0           seed 1
==================  ===============  ===============
running             0.554 / 0.727    0.737 / 0.774
batch_during_fit    0.879 / 0.845    0.824 / 0.870
batch               0.879 / 0.844    (not run)
==================  ===============  ===============

About 4-7 minutes per run.
"""

import json
import sys
import time

import numpy as np
import torch

from skdeepclust import STDACClustering
from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_mnist


def main(bn_statistics, seed, n_samples=10_000, n_st_layers=0):
    torch.set_num_threads(1)
    X, y = load_mnist(return_X_y=True, as_float=True)
    keep = np.sort(np.random.RandomState(0).choice(len(X), n_samples, replace=False))
    X, y = X[keep], y[keep]
    model = STDACClustering(
        10,
        n_st_layers=n_st_layers,
        conv_channels=(32, 64, 128),
        hidden_units=512,
        bn_statistics=bn_statistics,
        random_state=seed,
        device="cpu",
        verbose=1,
    )
    start = time.time()
    model.fit(X)
    record = {"bn_statistics": bn_statistics, "seed": seed, "n_samples": n_samples}
    record |= clustering_scores(y, model.labels_)
    record["seconds"] = round(time.time() - start)
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
