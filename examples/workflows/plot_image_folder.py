"""
Clustering a folder of your own photos
======================================

:func:`~skdeepclust.datasets.load_image_folder` reads every image of a folder
with pillow (PNG, JPEG, and any other format pillow knows), converts it to
RGB or grayscale and resizes it, ready for any skdeepclust estimator. If the
folder has one sub-folder per class, the sub-folder names become the targets,
which is handy to check a clustering; a flat folder of unlabelled photos
works too.

Here the folder holds crops of the two photos that ship with scikit-learn,
made by :func:`~skdeepclust.datasets.make_photo_crops`: six kinds of scene
patches (the dahlia, the leaves behind it, the pagoda, the sky, the trees
and the lake), 80 crops of each, of random sizes and positions, saved at
64 x 64 pixels.
"""

# %%
# Write a folder of photo crops
# -----------------------------
# One sub-folder per kind, the crops saved as PNG (JPEG or any other format
# pillow reads would do the same). One broken file is added to show what the
# loader does with it. Everything goes to a temporary folder, deleted at the end.
import os
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image
from sklearn.cluster import KMeans

from skdeepclust import (
    DTIGaussianMixture,
    DTIKMeans,
    MMDCClustering,
    STDACClustering,
)
from skdeepclust.cluster_metrics import clustering_scores
from skdeepclust.datasets import load_image_folder, make_photo_crops
from skdeepclust.inspection import ClusterSamplesDisplay

# make_photo_crops' six kinds, in the order of its labels (and of the
# loader's sorted sub-folders).
KINDS = ["dahlia", "leaves", "pagoda", "sky", "trees", "water"]
rng = np.random.RandomState(0)


def write_crops(folder, n_per_kind=80):
    crops, kinds = make_photo_crops(n_per_kind, image_size=64, random_state=0)
    for i, (crop, kind) in enumerate(zip(crops, kinds)):
        os.makedirs(os.path.join(folder, KINDS[kind]), exist_ok=True)
        Image.fromarray(crop).save(os.path.join(folder, KINDS[kind], f"{i:03d}.png"))
    with open(os.path.join(folder, "sky", "broken.jpg"), "wb") as f:
        f.write(b"this is not a JPEG file")


# %%
# Load it
# -------
# This is the only line that changes for your own photos: pass the path of
# your folder. ``image_size=16`` resizes every image to 16x16 (aspect ratio
# not kept): deep clustering on a CPU wants small images; on a GPU, 32 or 64
# is usual. The unreadable file is skipped with one warning that names it.
# (Without ``return_X_y=True`` you get a Bunch that also holds
# ``target_names`` and the ``filenames``.)
with tempfile.TemporaryDirectory() as folder:
    write_crops(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images, target = load_image_folder(folder, image_size=16, return_X_y=True)
    for warning in caught:
        print("warning:", str(warning.message).replace(folder, "<folder>"))

print(f"images: {images.shape} {images.dtype}, per kind: {np.bincount(target)}")

fig, axes = plt.subplots(len(KINDS), 8, figsize=(8, 6))
for row, kind in zip(axes, range(len(KINDS))):
    for ax, index in zip(row, np.flatnonzero(target == kind)[:8]):
        ax.imshow(images[index])
        ax.set_xticks([])
        ax.set_yticks([])
        ax.spines[:].set_visible(False)
    row[0].set_ylabel(KINDS[kind], fontsize=14, rotation=0, ha="right", va="center")
fig.suptitle("Eight crops of each kind, at 16x16", fontsize=15)
fig.tight_layout()

# %%
# Cluster with each estimator
# ---------------------------
# Short schedules that suit a few hundred small images on a CPU. K-means on
# the raw pixels is the baseline: these kinds differ mostly in colour, which
# K-means sees directly. ``DTIKMeans`` is fitted from three seeds, keeping
# the model with the best :meth:`~skdeepclust.DTIKMeans.score` (the lowest
# reconstruction error, no labels needed), as ``KMeans(n_init=...)`` does.
# MMDC's default backbone for a set this small is its VGG (the ResNet-18 of
# the authors' natural-image runs is for 10,000 colour images or more).
n_clusters = len(KINDS)
dti_schedule = dict(
    transformations=("identity", "affine"),
    curriculum_milestones=(5,),
    max_epochs=20,
    lr_milestones=(16,),
    batch_size=32,
    init="k-means++",
)


def fit_dti_kmeans(images):
    fits = [
        DTIKMeans(
            n_clusters, learning_rate=2e-3, random_state=seed, **dti_schedule
        ).fit(images)
        for seed in range(3)
    ]
    return max(fits, key=lambda estimator: estimator.score(images))


fitters = {
    "KMeans (pixels)": lambda X: KMeans(n_clusters, n_init=10, random_state=0).fit(
        X.reshape(len(X), -1)
    ),
    "DTIKMeans (best of 3)": fit_dti_kmeans,
    "DTIGaussianMixture": lambda X: DTIGaussianMixture(
        n_clusters, learning_rate=5e-3, random_state=0, **dti_schedule
    ).fit(X),
    "STDACClustering": lambda X: STDACClustering(
        n_clusters,
        n_st_layers=1,
        st_init="identity",
        conv_channels=(16, 32, 64),
        hidden_units=128,
        self_target_weight=1.0,
        max_epochs=30,
        batch_size=32,
        learning_rate=2e-3,
        bn_statistics="running",
        random_state=0,
    ).fit(X),
    "MMDCClustering": lambda X: MMDCClustering(
        n_clusters,
        backbone="vgg",
        input_size=16,
        max_epochs=15,
        batch_size=32,
        refine_epoch=10,
        lr_milestones=(14,),
        random_state=0,
    ).fit(X),
}

fitted, rows = {}, []
for name, fit in fitters.items():
    start = time.perf_counter()
    fitted[name] = fit(images)
    scores = clustering_scores(target, fitted[name].labels_)
    rows.append((name, scores, time.perf_counter() - start))

print(f"{'estimator':24s} {'ACC':>6s} {'NMI':>6s} {'ARI':>6s} {'fit s':>7s}")
for name, scores, seconds in rows:
    print(
        f"{name:24s} {scores['accuracy']:6.3f} {scores['nmi']:6.3f} "
        f"{scores['ari']:6.3f} {seconds:7.1f}"
    )

# %%
# Read the table before trusting a deep model: these kinds differ mostly in
# colour and texture, which K-means sees directly in the pixels, while the
# deep estimators spend their capacity on invariances (to position, size and
# deformation) that matter for shapes such as digits or objects. On such
# data K-means on pixels is a strong baseline, and the unsupervised
# ``score`` that picks among DTI's seeds need not pick the most accurate
# one. Always fit it alongside.

# %%
# Look at the clusters
# --------------------
# :class:`~skdeepclust.inspection.ClusterSamplesDisplay` gives each cluster
# of ``DTIKMeans`` a row: its prototype (framed, as learned, before any
# affine change), then a few of its crops drawn at random. The row's label
# gives the cluster's size and, since the folder has labels, the kind it is
# matched to. With a folder of unlabelled photos (no ``y``) this picture,
# not an accuracy, is how you judge the clusters.
dti = fitted["DTIKMeans (best of 3)"]
display = ClusterSamplesDisplay.from_estimator(
    dti,
    images,
    target,
    class_names=KINDS,
    order="class",
    n_samples=10,
    random_state=rng,
)
display.figure_.suptitle(f"DTIKMeans on the photo crops (seed {dti.random_state} kept)")
plt.show()
