"""STDACClustering's batch-norm statistics for pseudo-labels, on an MNIST subset.

The experiment behind ``bn_statistics="batch_during_fit"``:
a smaller network (``conv_channels=(32, 64, 128)``, ``hidden_units=512``),
no spatial transformer unless asked, the authors' schedule otherwise (10 epochs, batch
32, Adam 1e-4), on a fixed random subset of 10,000 of the 70,000 MNIST
images (read from ``$SKDEEPCLUST_DATA_HOME``), one CPU thread::

    export SKDEEPCLUST_DATA_HOME=../shared/data
    python benchmarks/experiments/stdac_bn_statistics.py running 0
    python benchmarks/experiments/stdac_bn_statistics.py batch_during_fit 0

A fourth argument sets the dropout (default 0.5). All rows below ran with
0.5, also those without spatial transformer, where the authors' MNIST
script has no dropout (pass ``0``), and with the code of their date: before
the authors' sampler (``st_sampling="authors"``), Keras 1.1.2's batch-norm
epsilon and per-axis zoom became the defaults.

Measured on 2026-11-23 (2-core CPU, torch 2.13.0+cpu), ACC / NMI.
``batch_during_fit`` is the present code: pseudo-labels in mini-batches of
``batch_size`` (since commit 077ef3b), training batches drawn afresh from
the chunk (since d595792) and augmentation resampled with nearest
neighbours (since 0eae254). The ``(bilinear)`` rows are d595792; the
``(same order)`` rows trained on the pseudo-label batches themselves (and
bilinear); the ``(chunk)`` rows normalised the pseudo-labels over whole
1000-image chunks (``batch`` rows too).
Without spatial transformer:

=============================  ===============  ===============  ===============
bn_statistics                  seed 0           seed 1           seed 2
=============================  ===============  ===============  ===============
running                        0.554 / 0.727    0.737 / 0.774    (not run)
batch_during_fit               0.898 / 0.864    0.970 / 0.924    0.744 / 0.804
batch_during_fit (bilinear)    0.860 / 0.838    0.964 / 0.912    0.851 / 0.830
batch_during_fit (same order)  0.814 / 0.782    0.920 / 0.862    0.832 / 0.801
batch_during_fit (chunk)       0.879 / 0.845    0.824 / 0.870    (not run)
batch (chunk)                  0.879 / 0.844    (not run)        (not run)
=============================  ===============  ===============  ===============

With two spatial transformer layers (third argument ``2``):

=============================  ===============  ===============  ===============
bn_statistics                  seed 0           seed 1           seed 2
=============================  ===============  ===============  ===============
running                        0.733 / 0.766    0.551 / 0.523    0.693 / 0.804
batch_during_fit               0.733 / 0.788    0.772 / 0.770    0.965 / 0.917
batch_during_fit (bilinear)    0.700 / 0.657    0.750 / 0.686    0.911 / 0.855
batch_during_fit (same order)  0.704 / 0.623    0.792 / 0.768    0.702 / 0.652
batch_during_fit (chunk)       0.472 / 0.465    0.760 / 0.810    0.700 / 0.628
batch (chunk)                  0.473 / 0.466    0.761 / 0.811    (not run)
=============================  ===============  ===============  ===============

``batch`` trains exactly as ``batch_during_fit`` (same losses epoch by
epoch); only its predictions differ. About 4-8 minutes per run (two at
once).

On scikit-learn's digits with the tests' short settings
(``tests/digits_configs.py``), mean ACC over seeds 0-3 is 0.88 with
``"running"`` (0.95, 0.68, 0.93, 0.94) and 0.95 with ``"batch_during_fit"``
(0.97, 0.92, 0.94, 0.95); with bilinear augmentation it was 0.861 and 0.847
(0.779 with the batches in the same order, 0.838 chunk-wide).
``benchmarks/experiments/stdac_digits_settings.py`` gives the present ones.
"""

import json
import sys
import time

import numpy as np
import torch

from skdeepclust import STDACClustering
from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_mnist


def main(bn_statistics, seed, n_samples=10_000, n_st_layers=0, dropout=0.5):
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
        dropout=dropout,
        random_state=seed,
        device="cpu",
        verbose=1,
    )
    start = time.time()
    model.fit(X)
    record = {"bn_statistics": bn_statistics, "seed": seed, "n_samples": n_samples}
    record["n_st_layers"] = n_st_layers
    record["dropout"] = dropout
    record |= clustering_scores(y, model.labels_)
    record["seconds"] = round(time.time() - start)
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    n_st_layers = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    dropout = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
    main(sys.argv[1], int(sys.argv[2]), n_st_layers=n_st_layers, dropout=dropout)
