"""Does ``precision="bfloat16"`` keep each estimator's accuracy?

Fits every estimator on scikit-learn's digits with the small-set settings of
``tests/digits_configs.py`` (those of ``score_vs_accuracy.py``), seeds 0-7,
one CPU thread, once in float32 and once in bfloat16, and prints the ACC of
every seed, the mean, minimum and maximum of each precision and the mean
per-seed difference. The records (with the machine, its CPU's units and the
versions) go to ``benchmarks/results/precision/digits__<estimator>.json``::

    python benchmarks/experiments/precision.py [ESTIMATOR ...]
"""

import datetime
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from skdeepclust.cluster_metrics import clustering_accuracy_score
from skdeepclust.datasets import load_digits_images

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
from run import _device_name, _git_commit, _versions  # noqa: E402
from score_vs_accuracy import ESTIMATORS  # noqa: E402

SEEDS = range(8)
PRECISIONS = ("float32", "bfloat16")
RESULTS = HERE.parent / "results" / "precision"


def main(names):
    torch.set_num_threads(1)
    X, y = load_digits_images(return_X_y=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in names:
        accuracy = {precision: [] for precision in PRECISIONS}
        seconds = {precision: [] for precision in PRECISIONS}
        for seed in SEEDS:
            for precision in PRECISIONS:
                estimator = ESTIMATORS[name](seed).set_params(
                    device="cpu", precision=precision
                )
                start = time.process_time()
                estimator.fit(X)
                seconds[precision].append(round(time.process_time() - start, 2))
                accuracy[precision].append(
                    float(clustering_accuracy_score(y, estimator.labels_))
                )
        summary = {
            precision: {
                "mean": float(np.mean(accuracy[precision])),
                "min": float(np.min(accuracy[precision])),
                "max": float(np.max(accuracy[precision])),
            }
            for precision in PRECISIONS
        }
        difference = np.subtract(accuracy["bfloat16"], accuracy["float32"])
        record = {
            "estimator": name,
            "dataset": "digits",
            "settings": "tests/digits_configs.py",
            "seeds": list(SEEDS),
            "acc": accuracy,
            "summary": summary,
            "mean_difference": float(difference.mean()),
            "fit_cpu_seconds": seconds,
            "device": _device_name(torch.device("cpu")),
            "torch_threads": torch.get_num_threads(),
            "command": "python benchmarks/experiments/precision.py " + name,
            "git_commit": _git_commit(),
            "versions": _versions(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
        }
        path = RESULTS / f"digits__{name}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        print(
            f"{name:20s} "
            + "; ".join(
                f"{p} ACC {np.round(accuracy[p], 3)} mean {summary[p]['mean']:.3f} "
                f"(min {summary[p]['min']:.3f}, max {summary[p]['max']:.3f}), "
                f"{np.mean(seconds[p]):.1f} CPU s a fit"
                for p in PRECISIONS
            )
            + f"; bfloat16 - float32 per seed: mean {difference.mean():+.3f}",
            flush=True,
        )


if __name__ == "__main__":
    main(sys.argv[1:] or list(ESTIMATORS))
