"""
Training on a GPU
=================

Every skdeepclust estimator trains with PyTorch on the CPU or on a CUDA GPU,
chosen by its ``device`` parameter. The default, ``device="auto"``, takes
the GPU when PyTorch sees one and the CPU otherwise, so the same script runs
on a laptop and on a GPU server. This example shows how to choose the device,
how to check which one was used, and times a short fit on each device this
machine has (on a machine without a GPU, only the CPU).
"""

# %%
# Which devices are there?
# ------------------------
# skdeepclust uses whatever PyTorch reports: CUDA needs a CUDA build of
# torch and a visible NVIDIA GPU. On the CPU, torch uses several threads.
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import clone

from skdeepclust.cluster_metrics import adjusted_rand_score, clustering_scores
from skdeepclust.datasets import load_digits_images
from skdeepclust.dti import DTIKMeans
from skdeepclust.mmdc import MMDCClustering

has_cuda = torch.cuda.is_available()
print(f"torch {torch.__version__}, CPU threads: {torch.get_num_threads()}")
if has_cuda:
    print(f"CUDA GPU: {torch.cuda.get_device_name(0)}")
else:
    print("no CUDA GPU visible: everything below runs on the CPU")

images, digits = load_digits_images(return_X_y=True)

# %%
# ``device="auto"`` and ``device_``
# ---------------------------------
# The ``device`` parameter says where to train: ``"auto"`` (the default),
# ``"cpu"``, ``"cuda"`` (the current GPU), ``"cuda:1"`` (a given GPU) or a
# :class:`torch.device`. After ``fit``, ``device_`` says where it trained.
# A one-epoch fit on a few images is enough to see it.
tiny = dict(
    transformations=("identity",),
    curriculum_milestones=(),
    max_epochs=1,
    random_state=0,
)
auto = DTIKMeans(n_clusters=10, device="auto", **tiny).fit(images[:256])
print(f'device="auto" trained on {auto.device_}')

# %%
# Asking for a GPU that is not there is an error, not a silent fallback to
# the CPU: a long job meant for the GPU should not crawl on the CPU unnoticed.
try:
    DTIKMeans(n_clusters=10, device="cuda:0", **tiny).fit(images[:256])
    print('device="cuda:0" trained on the GPU')
except ValueError as error:
    print(f"ValueError: {error}")

# %%
# What runs where
# ---------------
# ``fit`` copies the whole training set to the device once. Mini-batches are
# then drawn there by index, and the random views used for training (MMDC's
# crops and rotations, DTI's warps of the prototypes) are computed there
# too, so nothing goes back and forth during an epoch; the data must fit in
# the GPU's memory. ``predict``, ``transform`` and ``score`` take and return
# NumPy arrays as usual: images go to the device in batches of up to 1,024
# and the results come back to the host. A fitted model is saved with
# ``joblib`` and loads on a CPU-only machine as well (see the example on
# saving and loading).
#
# Time a fit on each device
# -------------------------
# The quickstart's short schedules for DTI K-means and MMDC on the 1,797
# digits. On a GPU the first fit also pays for starting CUDA and picking
# kernels, so a fit on a few images warms it up first. With inputs this small a GPU is
# mostly waiting for the Python loop; its advantage grows with the images,
# the network and ``batch_size``.
estimators = {
    "DTIKMeans": DTIKMeans(
        n_clusters=10,
        transformations=("identity", "affine"),
        curriculum_milestones=(2,),
        max_epochs=8,
        lr_milestones=(7,),
        batch_size=64,
        learning_rate=2e-3,
        init="k-means++",
        random_state=0,
    ),
    "MMDCClustering": MMDCClustering(
        n_clusters=10,
        input_size=16,
        batch_size=32,
        max_epochs=10,
        refine_epoch=7,
        lr_milestones=(9,),
        random_state=0,
    ),
}
devices = ["cpu"] + (["cuda"] if has_cuda else [])

seconds, labels = {}, {}
for device in devices:
    for name, estimator in estimators.items():
        estimator.set_params(device=device)
        if device == "cuda":  # warm-up, not timed
            clone(estimator).fit(images[:256])
        start = time.perf_counter()
        labels[name, device] = estimator.fit_predict(images)
        seconds[name, device] = time.perf_counter() - start
        acc = clustering_scores(digits, labels[name, device])["accuracy"]
        print(
            f"{name:15s} on {str(estimator.device_):7s}: "
            f"{seconds[name, device]:5.1f} s, ACC {acc:.3f}"
        )

# %%
# The same ``random_state`` gives the same result on a given device, but CPU
# and GPU kernels round differently, so their clusterings differ a little.
if has_cuda:
    for name in estimators:
        ari = adjusted_rand_score(labels[name, "cpu"], labels[name, "cuda"])
        print(f"{name}: ARI between the CPU and GPU clusterings {ari:.3f}")

# %%
# Plot the timings
# ----------------
# Where there is no GPU, only the CPU bars are drawn.
fig, ax = plt.subplots(figsize=(6.4, 4.5))
names = list(estimators)
width = 0.7 / len(devices)
for i, device in enumerate(devices):
    positions = np.arange(len(names)) + i * width
    bars = ax.barh(
        positions,
        [seconds[name, device] for name in names],
        height=width,
        label=device,
    )
    ax.bar_label(bars, fmt="%.1f s", padding=5, fontsize=15)
ax.set_yticks(np.arange(len(names)) + width * (len(devices) - 1) / 2, names)
ax.invert_yaxis()
ax.tick_params(labelsize=13)
ax.set_xlabel("fit time on the 1,797 digits (seconds)", fontsize=13)
ax.set_xlim(0, 1.3 * max(seconds.values()))
ax.set_title("Time to fit, per device", fontsize=15)
ax.legend(title="device", fontsize=13, title_fontsize=13)
for side in ("top", "right"):
    ax.spines[side].set_visible(False)
fig.tight_layout()
plt.show()

# %%
# Benchmarks on a GPU
# -------------------
# The scripts in ``benchmarks/`` take the device on the command line. One run
# of one estimator on one dataset::
#
#     python benchmarks/run.py --estimator DTIKMeans --dataset mnist --seed 0 \
#         --device cuda
#
# A whole plan of runs, several sharing one GPU::
#
#     python benchmarks/campaign.py benchmarks/plans/gpu_paper.txt \
#         --out /tmp/campaign --jobs 14 --device cuda
#
# and ``python benchmarks/throughput.py --device cuda`` measures training
# images per second, alone on the machine.
