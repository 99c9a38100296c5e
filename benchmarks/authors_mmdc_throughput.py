"""Training throughput of the authors' MMDC code, measured as ours is.

``benchmarks/throughput.py`` times our ``MMDCClustering``; this script times
the official implementation (``guysrn/mmdc``) on the same images, device
and batch size, so that the two images/s numbers compare. It imports the
authors' ``mmdc.py`` from a checkout you point it at (nothing of theirs
lives in this repository)::

    git clone https://github.com/guysrn/mmdc /tmp/mmdc
    pip install --no-deps torchvision==0.28.0   # the one that pairs with torch 2.13
    python benchmarks/authors_mmdc_throughput.py --authors-src /tmp/mmdc --threads 1

What runs is their MNIST command (README: ``small_vgg``, batch 128, SGD
0.05 with momentum 0.9 and weight decay 5e-4, crops 24/20/16 resized to 32,
rotations of up to 25 degrees, no rotation task), timed over the epochs
before their refinement stage: each step is their own loop (their
``DataLoader`` and PIL transforms make both views of each image, an
eval-mode forward of the first view, their batch assignment, then the SGD
step on the second view). One warm-up epoch, then ``--epochs`` timed ones;
an epoch's time runs from the first batch drawn to the end of the last
step, so their per-epoch evaluation is not in it. On the CPU the data
loader runs in the measuring process (``num_workers=0``: the same threads
as ours); on CUDA it has their default 8 workers.

Their code needs three things that no longer install as they wrote them;
each is replaced by the same computation:

* ``lap.lapjv`` (``lap==0.4.0`` does not build on Python 3.11) by
  :func:`scipy.optimize.linear_sum_assignment`, which solves the same
  square assignment;
* ``sklearn.cluster.k_means_`` (renamed in scikit-learn 0.24) by
  :func:`sklearn.cluster.k_means` (only the refinement stage, not timed,
  calls it);
* ``.cuda()`` on a CPU-only build of torch, by a move to the CPU.

torchvision's wheel on PyPI is built for CUDA; with a CPU build of torch
its compiled operators (detection ops their code never calls) do not load,
and the two schemas that torchvision registers unconditionally are defined
first so that its pure-Python transforms import.
"""

import contextlib
import random
import sys
import tempfile
import types

import numpy as np
from run import _device_name
from throughput import (
    FLOP_COUNT_SAMPLES,
    EpochClock,
    _auto_device,
    authors_main,
)

# README.md of the authors' repository, MNIST command; main.py's defaults.
MNIST_COMMAND = [
    "--dataset", "mnist", "--arch", "vgg", "--lr", "0.05", "--wd", "0.0005",
    "--epochs", "50", "--lr_decay_epochs", "40", "--lr_decay_gamma", "0.1",
    "--refine_epoch", "20", "--crop_size", "24", "20", "16", "--input_size", "32",
    "--rot_degree", "25",
]  # fmt: skip
MODELS = {"MMDCClustering": "MultiModalDeepClustering"}
_TORCHVISION_SCHEMAS = None
CUDA_WORKERS = 8


def _lapjv(cost):
    """``lap.lapjv``'s return value, (cost, row -> column, column -> row)."""
    from scipy.optimize import linear_sum_assignment

    cost = np.asarray(cost)
    rows, columns = linear_sum_assignment(cost)
    x = np.empty(len(rows), dtype=np.int64)
    x[rows] = columns
    y = np.empty(len(rows), dtype=np.int64)
    y[columns] = rows
    return cost[rows, columns].sum(), x, y


def _import_torchvision():
    import torch

    try:
        import torchvision  # noqa: F401
    except RuntimeError as error:
        if "torchvision::nms" not in str(error):
            raise
        for name in [m for m in sys.modules if m.startswith("torchvision")]:
            del sys.modules[name]
        # Kept for the process's life: schemas go with their Library object.
        global _TORCHVISION_SCHEMAS
        _TORCHVISION_SCHEMAS = torch.library.Library("torchvision", "DEF")
        for op in ("nms", "qnms"):
            _TORCHVISION_SCHEMAS.define(
                f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor"
            )
        import torchvision  # noqa: F401


def _import_authors_code(src):
    """The authors' ``mmdc`` and ``data_handling.datasets`` modules."""
    import sklearn.cluster

    sys.modules.setdefault("lap", types.SimpleNamespace(lapjv=_lapjv))
    sys.modules.setdefault(
        "sklearn.cluster.k_means_",
        types.SimpleNamespace(k_means=sklearn.cluster.k_means),
    )
    _import_torchvision()
    sys.path.insert(0, str(src))
    import data_handling.datasets
    import mmdc

    return mmdc, data_handling.datasets


def _authors_config(src, workers):
    sys.path.insert(0, str(src))
    from main import init_parser

    config = init_parser().parse_args(MNIST_COMMAND)
    config.workers = workers
    config.plot_rate = 10**9
    return config


class _TorchOnDevice(types.ModuleType):
    """``torch``, with ``device="cuda"`` in ``torch.tensor`` sent to ``device``."""

    def __init__(self, torch, device):
        super().__init__("torch")
        self._torch, self._device = torch, device

    def __getattr__(self, name):
        return getattr(self._torch, name)

    def tensor(self, *args, **kwargs):
        if kwargs.get("device") == "cuda":
            kwargs["device"] = self._device
        return self._torch.tensor(*args, **kwargs)


@contextlib.contextmanager
def _cuda_calls_on(device, mmdc):
    """Run the authors' hard-coded ``.cuda()`` calls on ``device``."""
    import torch

    if device.type == "cuda":
        yield
        return
    saved = torch.Tensor.cuda, torch.nn.Module.cuda, mmdc.torch
    torch.Tensor.cuda = lambda self, *args, **kwargs: self.to(device)
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self.to(device)
    mmdc.torch = _TorchOnDevice(torch, device)
    try:
        yield
    finally:
        torch.Tensor.cuda, torch.nn.Module.cuda, mmdc.torch = saved


class _TimedLoader:
    """Their training loader; starts ``clock`` when an epoch's first batch is drawn."""

    def __init__(self, loader, on_start):
        self.loader, self.on_start = loader, on_start

    def __iter__(self):
        self.on_start()
        yield from self.loader

    def __len__(self):
        return len(self.loader)


def _train(mmdc, datasets, config, images, device, on_start, on_end):
    """Their ``train()`` on ``images`` for ``config.epochs`` epochs, with
    ``on_start`` called as each epoch's training begins and ``on_end`` as it
    ends (at their scheduler step, before their evaluation)."""
    labels = np.zeros(len(images), dtype=np.int64)
    datasets.load_dataset = lambda name, root: (images, labels)
    with tempfile.TemporaryDirectory() as out_dir, _cuda_calls_on(device, mmdc):
        model = mmdc.MultiModalDeepClustering(config, out_dir)
        model.train_dataloader = _TimedLoader(model.train_dataloader, on_start)
        step = model.lr_scheduler.step

        def step_and_clock():
            on_end()
            step()

        model.lr_scheduler.step = step_and_clock
        # Their first epoch ends with a plot and a checkpoint (outside the
        # timed loop); the checkpoint would pickle the scheduler's new step.
        model.save_checkpoint = lambda path: None
        with contextlib.redirect_stdout(None):
            model.train()


def measure(name, X, *, src, device, epochs, seed):
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    mmdc, datasets = _import_authors_code(src)
    device = torch.device(_auto_device() if device == "auto" else device)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    images = np.ascontiguousarray(
        X if X.dtype == np.uint8 else np.round(X * 255).astype(np.uint8)
    )
    workers = CUDA_WORKERS if device.type == "cuda" else 0
    config = _authors_config(src, workers)

    clock = EpochClock(device)
    config.epochs = 1 + epochs
    _train(
        mmdc, datasets, config, images, device, clock.restart, lambda: clock(None, None)
    )
    wall, cpu = clock.wall[1:], clock.cpu[1:]

    small = images[:FLOP_COUNT_SAMPLES]
    config.epochs = 1
    counts = []
    with FlopCounterMode(display=False) as counter:
        _train(
            mmdc,
            datasets,
            config,
            small,
            device,
            lambda: counts.append(counter.get_total_flops()),
            lambda: counts.append(counter.get_total_flops()),
        )
    return {
        "estimator": name,
        "code": "guysrn/mmdc (authors)",
        "authors_src": str(src),
        "config": " ".join(MNIST_COMMAND),
        "data_loader_workers": workers,
        "batch_size": config.batch_size,
        "n_samples": len(X),
        "timed_epochs": epochs,
        "epoch_seconds": [round(s, 3) for s in wall],
        "epoch_cpu_seconds": [round(s, 3) for s in cpu],
        "train_flops_per_image": (counts[1] - counts[0]) / len(small),
        "device": _device_name(device),
        "seed": seed,
    }


def check_src(parser, src):
    """Exit with a usage error unless ``src`` is a checkout of guysrn/mmdc."""
    if (
        not (src / "mmdc.py").is_file()
        or not (src / "architectures" / "vgg.py").is_file()
    ):
        parser.error(f"{src} is not a checkout of the authors' mmdc repository")


def main(argv=None):
    authors_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    main()
