"""Training throughput of the authors' DTI code, measured as ours is.

``benchmarks/throughput.py`` times our estimators; this script times the
official implementation (``monniert/dti-clustering``) on the same images,
device and batch size, so the two images/s numbers compare. It imports the
authors' ``src/`` from a checkout you point it at (nothing of theirs lives
in this repository)::

    git clone https://github.com/monniert/dti-clustering /tmp/dti-clustering
    python benchmarks/authors_throughput.py --authors-src /tmp/dti-clustering/src \\
        --device cuda

What runs is their MNIST configuration (``configs/mnist.yml``: 10
prototypes, resnet20 encoder, ``identity_affine_morpho_tps`` with grid 4
and kernel 7, Adam 1e-3, weight decay 1e-6 on the transformation network,
batch 128) with every transformation active, and each step is their
``Trainer.single_train_batch_run`` (zero_grad, forward, backward, step, the
cluster proportions and the loss read back to the host), with their
empty-cluster check every 50 iterations. One warm-up epoch, then
``--epochs`` timed ones, as ``throughput.py`` does.

Their code needs kornia 0.3 only for the projective module, which the
MNIST configuration does not use; when kornia is not installed, a stand-in
module that raises on use is put in its place.
"""

import sys
import types

import numpy as np
from run import _device_name, as_unit_float
from throughput import (
    FLOP_COUNT_SAMPLES,
    EpochClock,
    _auto_device,
    authors_main,
    count_flops,
)

# configs/mnist.yml of the authors' repository.
MNIST_CONFIG = {
    "n_prototypes": 10,
    "encoder_name": "resnet20",
    "transformation_sequence": "identity_affine_morpho_tps",
    "curriculum_learning": [5, 15, 20],
    "grid_size": 4,
    "kernel_size": 7,
}
LEARNING_RATE = 1e-3
TRANSFORMER_WEIGHT_DECAY = 1e-6
BATCH_SIZE = 128
CHECK_CLUSTER_INTERVAL = 50
MODELS = {"DTIKMeans": "DTIKmeans", "DTIGaussianMixture": "DTIGMM"}


def _import_authors_models(src):
    sys.path.insert(0, str(src))
    try:
        import kornia  # noqa: F401
    except ImportError:

        def homography_warp(*args, **kwargs):
            raise NotImplementedError("kornia is not installed (projective module)")

        sys.modules["kornia"] = types.SimpleNamespace(homography_warp=homography_warp)
    from model.dtigmm import DTIGMM
    from model.dtikmeans import DTIKmeans

    return {"DTIKmeans": DTIKmeans, "DTIGMM": DTIGMM}


class _ImageDataset:
    """The attributes and indexing the authors' models read from a dataset."""

    def __init__(self, images):
        self.images = images
        self.n_channels = images.shape[1]
        self.img_size = tuple(images.shape[2:])

    def __len__(self):
        return len(self.images)

    def __getitem__(self, index):
        return self.images[index], 0


def measure(name, X, *, src, device, epochs, seed):
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    models = _import_authors_models(src)
    np.random.seed(seed)
    torch.manual_seed(seed)
    device = torch.device(_auto_device() if device == "auto" else device)
    # Float in [0, 1], as the authors' data loader gives them.
    images = torch.from_numpy(as_unit_float(X)).unsqueeze(1)
    model = models[MODELS[name]](_ImageDataset(images), **MNIST_CONFIG).to(device)
    for sequence in model.transformer.tsf_sequences:
        sequence.activate_all()
    optimizer = torch.optim.Adam(
        [
            dict(params=model.cluster_parameters()),
            dict(
                params=model.transformer_parameters(),
                weight_decay=TRANSFORMER_WEIGHT_DECAY,
            ),
        ],
        lr=LEARNING_RATE,
    )
    model.set_optimizer(optimizer)
    proportion_history = []

    def train_epoch(images):
        loader = DataLoader(TensorDataset(images), batch_size=BATCH_SIZE, shuffle=True)
        for (batch,) in loader:
            model.train()
            batch = batch.to(device)
            optimizer.zero_grad()
            loss, distances = model(batch)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                argmin = distances.min(1)[1]
                mask = torch.zeros(len(batch), model.n_prototypes, device=device)
                mask.scatter_(1, argmin[:, None], 1)
                proportion_history.append(mask.sum(0).cpu().numpy() / len(batch))
            loss.item()
            if len(proportion_history) == CHECK_CLUSTER_INTERVAL:
                model.reassign_empty_clusters(np.mean(proportion_history, axis=0))
                proportion_history.clear()

    train_epoch(images)
    clock = EpochClock(device)
    for _ in range(epochs):
        train_epoch(images)
        clock(model, None)
    flops = count_flops(lambda: train_epoch(images[:FLOP_COUNT_SAMPLES]))
    return {
        "estimator": name,
        "code": "monniert/dti-clustering (authors)",
        "authors_src": str(src),
        "config": MNIST_CONFIG,
        "batch_size": BATCH_SIZE,
        "n_samples": len(X),
        "timed_epochs": epochs,
        "epoch_seconds": [round(s, 3) for s in clock.wall],
        "epoch_cpu_seconds": [round(s, 3) for s in clock.cpu],
        "train_flops_per_image": flops / len(images[:FLOP_COUNT_SAMPLES]),
        "device": _device_name(device),
        "seed": seed,
    }


def check_src(parser, src):
    """Exit with a usage error unless ``src`` is the authors' ``src/``."""
    if not (src / "model" / "dtikmeans.py").is_file():
        parser.error(f"{src} is not the src/ folder of dti-clustering")


def main(argv=None):
    authors_main(sys.modules[__name__], argv)


if __name__ == "__main__":
    main()
