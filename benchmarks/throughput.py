"""Training throughput (images per second) of each estimator, alone.

Every estimator runs its paper's MNIST configuration on the first
``--n-samples`` MNIST training images: one epoch to warm up (building the
model, allocator and kernel caches), then ``--epochs`` timed epochs through
``warm_start``. DTI runs with all of its transformations active from the
first epoch (the most expensive part of its schedule), STDAC with its
default two spatial transformer layers, MMDC before its refinement stage.
An epoch's time is what the epoch loop reports (the labels that ``fit``
predicts at its end are not in it); wall-clock and process CPU seconds are
both recorded, the second being what one thread on a busy machine still
measures well.

In the same process, and so with the same threads, the script measures the
machine's dense float32 matrix-product rate, counts the matrix-product and
convolution FLOPs of one training epoch (``torch.utils.flop_counter``) and
records the training step's achieved FLOP/s as a fraction of that rate. It
also records the peak host memory (and peak device memory on CUDA). Each
measurement runs in a process of its own, so that these peaks are its own.

STDAC's record also has its network's own rates: training-mode forward
and backward passes (and, separately, with the Adam step) of batches of
the same size, over the same images, with nothing else of the epoch (no
pseudo-labels, augmentation or batch-norm recalibration); the issue's goal
is an epoch within 1.5x of it. The forward passes that make the
pseudo-labels (evaluation mode, each run of ``batch_size`` images normalised
by itself, 1,024 images a pass) are timed too, so that the epoch's time can
be told apart into its parts.

With ``--authors-src`` the authors' DTI code (``authors_throughput.py``)
is measured in the same invocation, the same way, and with
``--authors-mmdc-src`` the authors' MMDC (``authors_mmdc_throughput.py``),
so that the table's ratios compare runs of one machine at one time.
``--precision bfloat16`` measures the estimators (not the authors' code,
which has no such option) in mixed precision; those records end in
``__bfloat16``. ``--also-default-malloc``
measures every estimator a second time without
:func:`skdeepclust.base.keep_freed_memory`. Results go to
``benchmarks/results/throughput/`` and a table is printed. Run nothing
else on the machine while it measures::

    python benchmarks/throughput.py --device cuda --epochs 2 \\
        --authors-src /path/to/dti-clustering/src
    python benchmarks/throughput.py --device cpu --threads 1 --n-samples 2048 \\
        --authors-src /path/to/dti-clustering/src --also-default-malloc
"""

import argparse
import datetime
import json
import multiprocessing
import os
import resource
import time
from pathlib import Path

import numpy as np
from run import (
    DEFAULT_DATA_HOME,
    RESULTS,
    _device_file_tag,
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
# Images of the epoch whose FLOPs are counted (a training epoch's FLOPs per
# image do not depend on how many images it has).
FLOP_COUNT_SAMPLES = 512


def matmul_rate(device):
    """Dense float32 matrix-product FLOP/s of ``device`` with torch's threads."""
    import torch

    size = 2048 if device.type == "cpu" else 8192
    a = torch.randn(size, size, device=device)
    b = torch.randn(size, size, device=device)
    best = float("inf")
    for _ in range(5):
        _synchronize(device)
        start = time.perf_counter()
        a @ b
        _synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def _synchronize(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize(device)


class EpochClock:
    """A callback that records each epoch's wall and process CPU seconds."""

    def __init__(self, device):
        self.device = device
        self.wall, self.cpu = [], []
        self.restart()

    def restart(self):
        _synchronize(self.device)
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def __call__(self, estimator, info):
        _synchronize(self.device)
        self.wall.append(time.perf_counter() - self._wall)
        self.cpu.append(time.process_time() - self._cpu)
        self.restart()


def count_flops(train_one_epoch):
    """Matrix-product and convolution FLOPs of ``train_one_epoch()``."""
    from torch.utils.flop_counter import FlopCounterMode

    with FlopCounterMode(display=False) as counter:
        train_one_epoch()
    return counter.get_total_flops()


def measure(name, X, *, seed, device, epochs, precision="float32"):
    """Time ``epochs`` epochs of estimator ``name`` on ``X`` after a warm-up."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    device = torch.device(device if device != "auto" else _auto_device())
    config = {**CONFIGS[name], "precision": precision}
    estimator = make_estimator(name, seed, str(device), config)
    clock = EpochClock(device)
    estimator.set_params(max_epochs=1, warm_start=True)
    estimator.fit(X)
    estimator.set_params(max_epochs=epochs, callback=clock)
    clock.restart()
    estimator.fit(X)
    # Counted up to the end of the epoch, without the labels fit predicts.
    small, counts = X[:FLOP_COUNT_SAMPLES], []
    with FlopCounterMode(display=False) as counter:
        estimator.set_params(
            max_epochs=1, callback=lambda *_: counts.append(counter.get_total_flops())
        ).fit(small)
    flops = counts[0]
    record = {
        "estimator": name,
        "config": {k: repr(v) for k, v in config.items()},
        "batch_size": estimator.batch_size,
        "n_samples": len(X),
        "timed_epochs": epochs,
        "epoch_seconds": [round(s, 3) for s in clock.wall],
        "epoch_cpu_seconds": [round(s, 3) for s in clock.cpu],
        "train_flops_per_image": flops / len(small),
        "device": _device_name(estimator.device_),
        "seed": seed,
        "git_commit": _git_commit(),
    }
    if name in NETWORK_ALONE:
        record["network_alone"] = NETWORK_ALONE[name](estimator, X, device)
    return record


def _images_per_second(step, batches, device, seconds):
    """Images/s of ``step(batch)`` over ``batches``, repeated for ``seconds``."""
    clock, n_images = EpochClock(device), 0
    while not clock.wall or sum(clock.wall) < seconds:
        for batch in batches:
            step(batch)
            n_images += len(batch)
        clock(None, None)
    return round(n_images / sum(clock.wall), 1)


def _float_batches(X, size, device):
    """Whole batches of ``size`` images of ``X`` on ``device``: (n, 1, H, W),
    in [0, 1]."""
    import torch

    from skdeepclust.base import as_float_images

    images = torch.from_numpy(X).to(device)
    return [
        as_float_images(images[start : start + size]).unsqueeze(1)
        for start in range(0, len(X) - size + 1, size)
    ]


def mmdc_network_alone(estimator, X, device, seconds=10.0):
    """Images/s of MMDC's network alone doing a training step's work: the
    evaluation-mode forward pass that assigns the targets, the training
    forward and backward passes and the SGD step, on ``batch_size`` images
    of ``X`` in their deterministic view (no augmentation, no assignment)."""
    import torch
    import torch.nn.functional as F

    network, optimizer = estimator.network_, estimator._current_optimizer()
    size = estimator.batch_size
    views = [estimator._eval_view(b) for b in _float_batches(X, size, device)]
    targets = torch.eye(estimator.n_clusters, device=device)[
        torch.arange(size, device=device) % estimator.n_clusters
    ]

    def step(view):
        network.eval()
        with torch.no_grad():
            network(view)
        network.train()
        loss = F.mse_loss(network(view), targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()

    with estimator._autocast():
        rate = _images_per_second(step, views, device, seconds)
    network.eval()
    return {"batch_size": size, "images_per_second": {"step": rate}}


def stdac_network_alone(estimator, X, device, seconds=10.0):
    """Images/s of STDAC's network alone: forward and backward of training
    batches (``batch_size`` images of ``X``, minus the mean pixel), the same
    with the Adam step, and the pseudo-labels' evaluation-mode passes, for
    about ``seconds`` each."""
    import torch

    network, optimizer = estimator.network_, estimator._current_optimizer()
    size = estimator.batch_size
    batches = [b - estimator.mean_pixel_ for b in _float_batches(X, size, device)]

    def train_step(batch, with_step):
        loss = torch.log(network(batch)).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if with_step:
            optimizer.step()

    network.train()
    rates = {}
    with estimator._autocast():
        for with_step in (False, True):
            key = "forward_backward_step" if with_step else "forward_backward"
            rates[key] = _images_per_second(
                lambda batch: train_step(batch, with_step), batches, device, seconds
            )
        network.eval().use_batch_statistics(True, group_size=size)
        with torch.no_grad():
            rates["pseudo_label_forward"] = _images_per_second(
                network, torch.cat(batches).split(1024), device, seconds
            )
    network.use_batch_statistics(estimator.bn_statistics == "batch")
    return {"batch_size": size, "images_per_second": rates}


# What each estimator's record says of its network alone (see the docstring).
NETWORK_ALONE = {
    "STDACClustering": stdac_network_alone,
    "MMDCClustering": mmdc_network_alone,
}


def _auto_device():
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _measure_in_child(measure_one, kwargs, threads, keep_freed):
    """Run ``measure_one(**kwargs)`` here (a fresh process) and complete its
    record with speeds, the matmul rate, peak memory and the settings."""
    import torch

    from skdeepclust.base import keep_freed_memory

    if threads is not None:
        torch.set_num_threads(threads)
    applied = keep_freed_memory() if keep_freed else False
    device = kwargs["device"]
    device = torch.device(_auto_device() if device == "auto" else device)
    rate = matmul_rate(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    record = measure_one(**kwargs)
    n_images = record["n_samples"] * record["timed_epochs"]
    speed = n_images / sum(record["epoch_seconds"])
    record.update(
        {
            "seconds": round(sum(record["epoch_seconds"]), 3),
            "train_images_per_second": round(speed, 1),
            "train_images_per_cpu_second": round(
                n_images / sum(record["epoch_cpu_seconds"]), 1
            ),
            "matmul_flops_per_second": rate,
            "matmul_fraction": round(record["train_flops_per_image"] * speed / rate, 4),
            "peak_host_memory_mib": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
            ),
            "torch_threads": torch.get_num_threads(),
            "keep_freed_memory": applied,
            "load_average": os.getloadavg()[0],
            "versions": _versions(),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
        }
    )
    if device.type == "cuda":
        record["peak_device_memory_mib"] = round(
            torch.cuda.max_memory_allocated(device) / 2**20, 1
        )
    return record


def speed_parser(description, estimators, default_device):
    """The command line shared by the speed scripts."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--estimator", action="append", choices=sorted(estimators))
    parser.add_argument("--device", default=default_device)
    parser.add_argument("--n-samples", type=int, default=10240)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, help="torch threads (default: torch's own choice)"
    )
    parser.add_argument(
        "--default-malloc",
        action="store_true",
        help="do not call skdeepclust.base.keep_freed_memory",
    )
    parser.add_argument(
        "--data-home",
        default=os.environ.get("SKDEEPCLUST_DATA_HOME", str(DEFAULT_DATA_HOME)),
    )
    parser.add_argument("--results-dir", type=Path, default=RESULTS / "throughput")
    return parser


def measure_each(args, jobs):
    """Measure each ``(prefix, name, measure_one, extra_kwargs, keep_freed)``
    job in a process of its own on the first MNIST images.

    Writes each record to ``<results-dir>/<prefix><name>__<device kind>.json``
    (``__bfloat16`` appended for ``precision="bfloat16"``, ``__default-malloc``
    without :func:`keep_freed_memory`) and prints a line.
    """
    X, _ = load_dataset("mnist", args.data_home)
    X = np.ascontiguousarray(X[: args.n_samples])
    args.results_dir.mkdir(parents=True, exist_ok=True)
    context = multiprocessing.get_context("spawn")
    records = []
    for prefix, name, measure_one, extra, keep_freed in jobs:
        kwargs = dict(X=X, device=args.device, epochs=args.epochs, seed=args.seed)
        kwargs.update(extra, name=name)
        with context.Pool(1) as pool:
            record = pool.apply(
                _measure_in_child, (measure_one, kwargs, args.threads, keep_freed)
            )
        kind = _device_file_tag(record["device"])
        precision = extra.get("precision", "float32")
        suffix = "" if precision == "float32" else f"__{precision}"
        suffix += "" if keep_freed else "__default-malloc"
        path = args.results_dir / f"{prefix}{name}__{kind}{suffix}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        records.append(record)
        print(
            f"{prefix}{name:20s}{suffix:18s} {record['train_images_per_second']:8.1f}"
            f" images/s ({record['train_images_per_cpu_second']:.1f} per CPU s),"
            f" {100 * record['matmul_fraction']:.1f}% of"
            f" {record['matmul_flops_per_second'] / 1e9:.0f} GFLOP/s,"
            f" peak host {record['peak_host_memory_mib']:.0f} MiB"
            f" ({record['n_samples']} x {args.epochs}, {record['device']},"
            f" {record['torch_threads']} thread(s))",
            flush=True,
        )
    return records


def main(argv=None):
    parser = speed_parser(__doc__.split("\n\n")[0], CONFIGS, "auto")
    parser.add_argument(
        "--authors-src",
        type=Path,
        help="src/ of a dti-clustering checkout: measure the authors' DTI too",
    )
    parser.add_argument(
        "--authors-mmdc-src",
        type=Path,
        help="a checkout of the authors' mmdc: measure their MMDC too",
    )
    parser.add_argument(
        "--precision",
        choices=["float32", "bfloat16"],
        default="float32",
        help="the estimators' precision parameter",
    )
    parser.add_argument(
        "--also-default-malloc",
        action="store_true",
        help="measure each estimator a second time with the default allocator",
    )
    args = parser.parse_args(argv)
    names = args.estimator or list(CONFIGS)
    settings = [not args.default_malloc]
    if args.also_default_malloc:
        settings = [True, False]
    ours = {"precision": args.precision}
    jobs = [("", name, measure, ours, keep) for name in names for keep in settings]
    if args.authors_src is not None:
        import authors_throughput

        jobs += authors_jobs(
            parser, authors_throughput, args.authors_src, names, settings
        )
    if args.authors_mmdc_src is not None:
        import authors_mmdc_throughput

        jobs += authors_jobs(
            parser, authors_mmdc_throughput, args.authors_mmdc_src, names, settings
        )
    measure_each(args, jobs)


def authors_jobs(parser, script, src, names, settings):
    """``measure_each`` jobs timing the authors' code that ``script`` (an
    ``authors_*`` module: ``check_src``, ``measure``, ``MODELS``) runs from
    the checkout ``src``."""
    script.check_src(parser, src)
    kwargs = {"src": src.resolve()}
    return [
        ("authors-", name, script.measure, kwargs, keep)
        for name in names
        if name in script.MODELS
        for keep in settings
    ]


def authors_main(script, argv=None):
    """The command line of an ``authors_*`` script (its docstring, its models)."""
    parser = speed_parser(script.__doc__.split("\n\n")[0], script.MODELS, "cpu")
    parser.add_argument("--authors-src", type=Path, required=True)
    args = parser.parse_args(argv)
    names = args.estimator or list(script.MODELS)
    settings = [not args.default_malloc]
    measure_each(args, authors_jobs(parser, script, args.authors_src, names, settings))


if __name__ == "__main__":
    main()
