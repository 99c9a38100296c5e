"""Peak host and device memory of a fit on all 70,000 MNIST images.

Each estimator is fitted with its MNIST configuration on the whole set (DTI
with all of its transformations active, as ``throughput.py`` runs it), in a
process of its own, and stopped after ``--steps`` training steps (as a
Ctrl-C would stop it: the fit then predicts the labels of every image), so
that the run holds the training set, the model, its optimizer, a training
step's activations and the inference over the whole set, without the hours
of a full schedule. Recorded per run: the peak resident host memory, the
host memory held just before ``fit`` (the interpreter, torch and the input
array), their difference (what ``fit`` adds), the peak CUDA memory
allocated on a GPU, the dtype the training set is stored in on the device,
and the package's commit. Each run has glibc serve every block above 128
KiB with its own pages, returned when freed (``MALLOC_MMAP_THRESHOLD_``;
:func:`skdeepclust.base.keep_freed_memory` is not called), so that the host
peak is that of the memory in use: with glibc's defaults the heap grows by
fragmentation over the inference batches (by about 1.4 GiB for DTI on
MNIST), without holding any more data.

``--input uint8`` passes MNIST as published (``load_mnist()``),
``--input float32`` as ``load_mnist(as_float=True)``. To measure an older
version of the package, put its source first on ``PYTHONPATH`` (a
``git worktree`` of the older commit) and give the record a ``--label``::

    python benchmarks/memory.py --device cpu --input uint8 --label after
    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before python benchmarks/memory.py --device cpu \\
        --input uint8 --label before

Records go to ``benchmarks/results/memory/`` and a table is printed.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from run import (
    DEFAULT_DATA_HOME,
    RESULTS,
    _device_kind,
    _device_name,
    _peak_host_mb,
    _versions,
    make_estimator,
)
from throughput import CONFIGS

# Bytes from which glibc serves a block with pages of its own (see above).
MMAP_THRESHOLD = 128 * 1024
ESTIMATORS = ("DTIKMeans", "DTIGaussianMixture", "STDACClustering", "MMDCClustering")


def _current_host_mib():
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _package_commit():
    import skdeepclust

    source = Path(skdeepclust.__file__).resolve().parent
    try:
        return subprocess.check_output(
            ["git", "rev-parse", "HEAD"], cwd=source, text=True
        ).strip()
    except (OSError, subprocess.CalledProcessError):
        return os.environ.get("SKDEEPCLUST_GIT_COMMIT")


def measure(name, *, input_dtype, device, steps, seed, data_home):
    """Fit ``name`` on all of MNIST for ``steps`` steps; return the record."""
    import torch
    from torch.optim.optimizer import register_optimizer_step_post_hook

    import skdeepclust
    from skdeepclust import datasets

    X, _ = datasets.load_mnist(
        data_home=data_home, return_X_y=True, as_float=input_dtype == "float32"
    )
    # DTI with all of its transformations active, as in throughput.py.
    estimator = make_estimator(name, seed, device, CONFIGS[name])
    stored = []
    initialize = type(estimator)._initialize

    def record_storage(self, X, random_state):
        stored.append(str(X.dtype).removeprefix("torch."))
        return initialize(self, X, random_state)

    type(estimator)._initialize = record_storage
    n_steps = 0

    def stop_after_steps(optimizer, args, kwargs):
        nonlocal n_steps
        n_steps += 1
        if n_steps == steps:
            # What Ctrl-C does: the step ends, then the fit predicts.
            signal.raise_signal(signal.SIGINT)

    register_optimizer_step_post_hook(stop_after_steps)
    # Started in the background (gpu_call.sh), a process inherits SIGINT
    # ignored; the fit's Ctrl-C handling needs Python's own handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    cuda = torch.device(device).type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    before_fit = _current_host_mib()
    start = time.perf_counter()
    estimator.fit(X)
    seconds = time.perf_counter() - start
    peak = _peak_host_mb()
    return {
        "estimator": name,
        "input_dtype": input_dtype,
        "stored_dtype": stored[0] if stored else None,
        "n_samples": int(len(X)),
        "training_steps": n_steps,
        "seconds": round(seconds, 1),
        "host_mib_before_fit": round(before_fit, 1),
        "peak_host_mib": round(peak, 1),
        "fit_adds_host_mib": round(peak - before_fit, 1),
        "peak_device_mib": (
            round(torch.cuda.max_memory_allocated() / 2**20, 1) if cuda else None
        ),
        "device": _device_name(estimator.device_),
        "torch_threads": torch.get_num_threads(),
        "package": str(Path(skdeepclust.__file__).resolve().parent),
        "git_commit": _package_commit(),
        "seed": seed,
        "malloc_mmap_threshold": os.environ.get("MALLOC_MMAP_THRESHOLD_"),
        "versions": _versions(),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--estimator", action="append", choices=ESTIMATORS)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--input", choices=("uint8", "float32"), default="uint8")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--label", default="")
    parser.add_argument(
        "--data-home",
        default=os.environ.get("SKDEEPCLUST_DATA_HOME", str(DEFAULT_DATA_HOME)),
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS / "memory")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    names = args.estimator or list(ESTIMATORS)
    if args.child:
        # One estimator, in this fresh process: its peak is its own.
        record = measure(
            names[0],
            input_dtype=args.input,
            device=args.device,
            steps=args.steps,
            seed=args.seed,
            data_home=args.data_home,
        )
        print(json.dumps(record))
        return
    args.results_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        command = [sys.executable, __file__, "--child", "--estimator", name]
        command += ["--device", args.device, "--input", args.input]
        command += ["--steps", str(args.steps), "--seed", str(args.seed)]
        command += ["--data-home", args.data_home]
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_=str(MMAP_THRESHOLD))
        output = subprocess.run(
            command, check=True, capture_output=True, text=True, env=env
        ).stdout
        record = json.loads(output.strip().splitlines()[-1])
        record["label"] = args.label
        label = f"__{args.label}" if args.label else ""
        kind = _device_kind(record["device"])
        path = args.results_dir / f"{name}__{args.input}-input{label}__{kind}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        device_peak = record["peak_device_mib"]
        print(
            f"{name:20s} {args.label:8s} {args.input:>7s} input, stored "
            f"{record['stored_dtype']}: peak host {record['peak_host_mib']:.0f} MiB "
            f"(fit adds {record['fit_adds_host_mib']:.0f})"
            + (f", peak device {device_peak:.0f} MiB" if device_peak else "")
            + f", {record['seconds']:.0f} s",
            flush=True,
        )


if __name__ == "__main__":
    main()
