"""Training throughput (images per second) of each estimator, alone.

Every estimator runs its paper's MNIST configuration on the first
``--n-samples`` MNIST training images: one epoch to warm up (building the
model, allocator and kernel caches), then ``--epochs`` timed epochs through
``warm_start``. DTI runs with all of its transformations active from the
first epoch (the most expensive part of its schedule), STDAC with its
default two spatial transformer layers, MMDC before its refinement stage.
The results go to ``benchmarks/results/throughput/`` and a table is printed.

Run nothing else on the machine while it measures::

    python benchmarks/throughput.py --device cuda
    python benchmarks/throughput.py --device cpu --n-samples 2048 \\
        --estimator DTIKMeans
"""

import argparse
import datetime
import json
import os
import time
from pathlib import Path

import numpy as np
from run import (
    DEFAULT_DATA_HOME,
    RESULTS,
    _device_kind,
    _device_name,
    _git_commit,
    _versions,
    load_dataset,
    make_estimator,
)

CONFIGS = {
    # The authors' MNIST configurations (methods.md), with DTI's whole
    # transformation sequence switched on at once.
    "DTIKMeans": {"curriculum_milestones": (0, 0, 0)},
    "DTIGaussianMixture": {"curriculum_milestones": (0, 0, 0)},
    "STDACClustering": {},
    "MMDCClustering": {},
}


def measure(name, X, *, seed, device, epochs):
    import torch

    estimator = make_estimator(name, seed, device, CONFIGS[name])
    estimator.set_params(max_epochs=1, warm_start=True)
    estimator.fit(X)
    estimator.set_params(max_epochs=epochs)
    cuda = str(estimator.device_).startswith("cuda")
    if cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    estimator.fit(X)
    if cuda:
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {
        "estimator": name,
        "config": {k: repr(v) for k, v in CONFIGS[name].items()},
        "batch_size": estimator.batch_size,
        "n_samples": len(X),
        "timed_epochs": epochs,
        "seconds": round(seconds, 3),
        # fit also predicts the labels_ of X once after training; that
        # inference is part of the timed call.
        "train_images_per_second": round(len(X) * epochs / seconds, 1),
        "device": _device_name(estimator.device_),
        "torch_threads": torch.get_num_threads(),
        "seed": seed,
        "versions": _versions(),
        "git_commit": _git_commit(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"
        ),
    }


def speed_parser(description, estimators, default_device):
    """The command line shared by the speed scripts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--estimator", action="append", choices=sorted(estimators))
    parser.add_argument("--device", default=default_device)
    parser.add_argument("--n-samples", type=int, default=10240)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--data-home",
        default=os.environ.get("SKDEEPCLUST_DATA_HOME", str(DEFAULT_DATA_HOME)),
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS / "throughput")
    return parser


def measure_each(args, names, measure_one, *, prefix=""):
    """Time ``measure_one(name, X)`` for each name on the first MNIST images.

    Writes each record to ``<results-dir>/<prefix><name>__<device kind>.json``
    and prints a line.
    """
    X, _ = load_dataset("mnist", args.data_home)
    X = np.ascontiguousarray(X[: args.n_samples])
    args.results_dir.mkdir(parents=True, exist_ok=True)
    for name in args.estimator or names:
        record = measure_one(name, X)
        kind = _device_kind(record["device"])
        path = args.results_dir / f"{prefix}{name}__{kind}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        print(
            f"{prefix}{name:20s} {record['train_images_per_second']:9.1f} images/s"
            f"  ({record['n_samples']} x {args.epochs} in {record['seconds']:.1f}s,"
            f" {record['device']})",
            flush=True,
        )


def main(argv=None):
    parser = speed_parser(__doc__.split("\n\n")[0], CONFIGS, "auto")
    args = parser.parse_args(argv)
    measure_each(
        args,
        list(CONFIGS),
        lambda name, X: measure(
            name, X, seed=args.seed, device=args.device, epochs=args.epochs
        ),
    )


if __name__ == "__main__":
    main()
