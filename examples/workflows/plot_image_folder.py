"""
Clustering a folder of your own images
======================================

:func:`~skdeepclust.datasets.load_image_folder` reads every image of a folder
with pillow (PNG, JPEG, and any other format pillow knows), converts it to
RGB or grayscale and resizes it, ready for any skdeepclust estimator. If the
folder has one sub-folder per class, the sub-folder names become the targets,
which is handy to check a clustering; a flat folder of unlabelled photos
works too.

No photos ship with skdeepclust, so this example first draws a small folder of
synthetic colour "photos" (discs, rings, crosses and triangles of random
colours, sizes and positions on random backgrounds), then clusters it as one
would cluster real photos.
"""

# %%
# Write a folder of images
# ------------------------
# Four sub-folders of 100 images each, 48x48 pixels, half PNG and half JPEG.
# The shape is the class; its colour, the background colour, its size and
# its position are nuisances that a good clustering should ignore. One
# broken file is added to show what the loader does with it. Everything is
# written to a temporary folder, deleted at the end.
import colorsys
import os
import tempfile
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from PIL import Image, ImageDraw
from sklearn.cluster import KMeans

from skdeepclust.cluster_metrics import clustering_scores, match_labels
from skdeepclust.datasets import load_image_folder
from skdeepclust.dti import DTIKMeans

SHAPES = ["crosses", "discs", "rings", "triangles"]  # sorted, as the loader
PHOTO_SIZE = 48
rng = np.random.RandomState(0)


def random_colour(light):
    """A light, greyish background colour or a dark, saturated shape colour."""
    hue = rng.uniform()
    if light:
        saturation, value = rng.uniform(0.0, 0.3), rng.uniform(0.8, 1.0)
    else:
        saturation, value = rng.uniform(0.5, 1.0), rng.uniform(0.2, 0.6)
    return tuple(int(255 * c) for c in colorsys.hsv_to_rgb(hue, saturation, value))


def draw_photo(shape):
    background = random_colour(light=True)
    colour = random_colour(light=False)
    image = Image.new("RGB", (PHOTO_SIZE, PHOTO_SIZE), background)
    draw = ImageDraw.Draw(image)
    r = rng.uniform(0.28, 0.36) * PHOTO_SIZE
    x, y = PHOTO_SIZE / 2 + rng.uniform(-0.08, 0.08, 2) * PHOTO_SIZE
    if shape in ("discs", "rings"):
        draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        if shape == "rings":
            h = 0.55 * r
            draw.ellipse([x - h, y - h, x + h, y + h], fill=background)
    elif shape == "crosses":
        t = 0.35 * r
        draw.rectangle([x - r, y - t, x + r, y + t], fill=colour)
        draw.rectangle([x - t, y - r, x + t, y + r], fill=colour)
    else:
        draw.polygon([(x, y - r), (x - r, y + 0.8 * r), (x + r, y + 0.8 * r)], colour)
    return image


def write_photo_folder(folder, n_per_class=100):
    for shape in SHAPES:
        os.makedirs(os.path.join(folder, shape))
        for i in range(n_per_class):
            extension = "jpg" if i % 2 else "png"
            draw_photo(shape).save(os.path.join(folder, shape, f"{i:03d}.{extension}"))
    with open(os.path.join(folder, "rings", "broken.jpg"), "wb") as f:
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
    write_photo_folder(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        images, target = load_image_folder(folder, image_size=16, return_X_y=True)
    for warning in caught:
        print("warning:", str(warning.message).replace(folder, "<folder>"))

print(f"images: {images.shape} {images.dtype}, classes: {np.bincount(target)}")

# %%
# Cluster
# -------
# :class:`~skdeepclust.dti.DTIKMeans` with the ``"color"`` transformation
# (a per-channel scale and offset) lets one prototype take any colour and
# background, and ``"affine"`` lets it move and grow; K-means on the raw
# pixels has neither and mostly sorts the images by colour.
#
# Like K-means, DTI K-means can end in a poor local optimum, so, like
# ``KMeans(n_init=...)``, we fit it from a few seeds and keep the model with
# the best :meth:`~skdeepclust.dti.DTIKMeans.score` (the lowest
# reconstruction error), which needs no labels.
kmeans = KMeans(n_clusters=4, n_init=10, random_state=0)
kmeans_labels = kmeans.fit_predict(images.reshape(len(images), -1))
kmeans_acc = clustering_scores(target, kmeans_labels)["accuracy"]
print(f"K-means on pixels       ACC {kmeans_acc:.3f}")

best = None
for seed in range(4):
    start = time.perf_counter()
    dti = DTIKMeans(
        n_clusters=4,
        transformations=("identity", "color", "affine"),
        curriculum_milestones=(3, 3),
        max_epochs=20,
        lr_milestones=(15,),
        batch_size=32,
        learning_rate=2e-3,
        init="k-means++",
        random_state=seed,
    ).fit(images)
    score = dti.score(images)
    acc = clustering_scores(target, dti.labels_)["accuracy"]
    print(
        f"DTIKMeans seed {seed}: score {score:.5f}  ACC {acc:.3f}  "
        f"({time.perf_counter() - start:.1f} s)"
    )
    if best is None or score > best[0]:
        best = (score, dti)

dti = best[1]
scores = clustering_scores(target, dti.labels_)
print(
    f"kept seed {dti.random_state}: ACC {scores['accuracy']:.3f}  "
    f"NMI {scores['nmi']:.3f}  ARI {scores['ari']:.3f}"
)

# %%
# Look at the clusters
# --------------------
# Each row is one cluster: its prototype (left, as learned, before any
# colour or affine change), then a few of its images. The row title is the
# folder its cluster is matched to. With a folder of unlabelled photos this
# picture, not an accuracy, is how you judge the clusters.
class_of = match_labels(target, dti.labels_)
n_shown = 10
fig, axes = plt.subplots(4, n_shown + 1, figsize=(n_shown + 1, 4.6))
for row, cluster in zip(axes, sorted(class_of, key=class_of.get)):
    members = np.flatnonzero(dti.labels_ == cluster)
    shown = rng.choice(members, min(n_shown, len(members)), replace=False)
    row[0].imshow(np.clip(dti.prototypes_[cluster], 0, 1))
    row[0].set_title(f"cluster {cluster}", fontsize=8)
    for ax, index in zip(row[1:], shown):
        ax.imshow(images[index])
    row[1].set_title(
        f"{len(members)} images, matched to {SHAPES[class_of[cluster]]}",
        fontsize=8,
        loc="left",
    )
    for ax in row:
        ax.set_axis_off()
fig.suptitle(
    f"DTIKMeans on a folder of images: ACC {scores['accuracy']:.3f} "
    f"(K-means on pixels: {kmeans_acc:.3f})"
)
fig.tight_layout()
plt.show()
