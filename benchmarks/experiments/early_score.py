"""Does a fit's unsupervised ``score`` early in training pick its accurate fits?

Fits an estimator with its defaults (``n_clusters`` and the seed alone) on
scikit-learn's digits, one CPU thread, and records after each chosen epoch
its ``score`` on the images and the ACC of its labels, and the final ACC,
one JSON file per seed in ``benchmarks/results/n_init/``::

    python benchmarks/experiments/early_score.py ESTIMATOR SEED [SEED ...]

``python benchmarks/experiments/early_score.py --summary`` reads the files
and prints, for each estimator and each recorded epoch, the Spearman rank
correlation between that epoch's score and the final ACC, and the mean and
worst final ACC of the seed that the best score at that epoch keeps out of
every set of 3 (and 5) of the recorded seeds: what ``n_init=3`` (5) with
``init_epochs`` set to that epoch gives, since the kept fit ends as the fit
of its seed alone.
"""

import json
import platform
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parents[1] / "results" / "n_init"
# Fractions of the schedule after which the score is recorded.
FRACTIONS = (1 / 16, 1 / 8, 3 / 16, 1 / 4, 3 / 8, 1 / 2, 3 / 4, 1)


def run(name, seed):
    import torch

    import skdeepclust
    from skdeepclust.cluster_metrics import clustering_accuracy_score
    from skdeepclust.datasets import load_digits_images

    torch.set_num_threads(1)
    X, y = load_digits_images(return_X_y=True)
    estimator = getattr(skdeepclust, name)(n_clusters=10, random_state=seed)
    trace = []

    def record(model, info):
        n_epochs = model.max_epochs_
        marks = {max(1, round(f * n_epochs)) for f in FRACTIONS}
        if info["epoch"] in marks:
            labels = info["training_labels"]()
            trace.append(
                {
                    "epoch": info["epoch"],
                    "score": float(model.score(X)),
                    "acc": float(clustering_accuracy_score(y, np.asarray(labels))),
                }
            )

    start = time.perf_counter()
    estimator.set_params(device="cpu", callback=record).fit(X)
    record_ = {
        "estimator": name,
        "seed": seed,
        "dataset": "digits",
        "params": "defaults",
        "acc": float(clustering_accuracy_score(y, estimator.labels_)),
        "score": float(estimator.score(X)),
        "max_epochs_": int(estimator.max_epochs_),
        "fit_seconds_with_scoring": round(time.perf_counter() - start, 1),
        "trace": trace,
        "torch_threads": 1,
        "versions": {
            "skdeepclust": skdeepclust.__version__,
            "torch": torch.__version__,
            "python": platform.python_version(),
        },
        "machine": platform.processor() or platform.machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"digits__{name}__defaults__seed{seed}.json"
    path.write_text(json.dumps(record_, indent=1) + "\n")
    print(f"{name} seed {seed}: ACC {record_['acc']:.3f}", flush=True)


def summary():
    from scipy.stats import spearmanr

    by_name = {}
    for path in sorted(RESULTS.glob("digits__*__defaults__seed*.json")):
        record = json.loads(path.read_text())
        by_name.setdefault(record["estimator"], []).append(record)
    for name, records in by_name.items():
        final = np.array([r["acc"] for r in records])
        print(
            f"{name}, {len(records)} seeds: final ACC mean {final.mean():.3f}, "
            f"min {final.min():.3f}"
        )
        if len(records) < 3:
            continue
        epochs = sorted({t["epoch"] for r in records for t in r["trace"]})
        for epoch in epochs:
            scores = []
            for r in records:
                at = [t["score"] for t in r["trace"] if t["epoch"] == epoch]
                scores.append(at[0] if at else np.nan)
            scores = np.array(scores)
            if np.isnan(scores).any():
                continue
            kept = {
                k: [
                    final[list(c)][np.argmax(scores[list(c)])]
                    for c in combinations(range(len(records)), k)
                ]
                for k in (3, 5)
                if k <= len(records)
            }
            print(
                f"  epoch {epoch:4d}: Spearman(score, final ACC) "
                f"{spearmanr(scores, final)[0]:+.2f}; best score keeps "
                + "; ".join(
                    f"of {k}: mean {np.mean(v):.3f}, min {np.min(v):.3f}"
                    for k, v in kept.items()
                )
            )


if __name__ == "__main__":
    if sys.argv[1:] == ["--summary"]:
        summary()
    else:
        for seed in sys.argv[2:]:
            run(sys.argv[1], int(seed))
