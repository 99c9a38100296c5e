"""
Preprocessing in a scikit-learn Pipeline
========================================

skdeepclust estimators are ordinary scikit-learn clusterers, so they can be
the last step of a :class:`~sklearn.pipeline.Pipeline`: the preprocessing is
fitted with the model, applied again at ``predict`` time, and the whole
pipeline can be cloned, re-parametrised with ``set_params`` and searched with
:class:`~sklearn.model_selection.GridSearchCV` as one estimator.

Here the raw digits of :func:`sklearn.datasets.load_digits` (flat rows of 64
pixel counts from 0 to 16) go through a scaling step into
:class:`~skdeepclust.dti.DTIKMeans`.
"""

# %%
# Build the pipeline
# ------------------
# DTI compares images pixel by pixel with prototypes it warps, so it expects
# images with values in [0, 1]. A
# :class:`~sklearn.preprocessing.FunctionTransformer` divides the counts by
# their maximum, 16. The rows stay flat: ``image_shape=(8, 8)`` tells the
# estimator how to fold each row of 64 values into an image. (A square row
# length would be folded into a square grey image anyway; ``image_shape`` is
# required for non-square images, e.g. ``(32, 48)``, and for flat colour rows,
# e.g. ``(32, 32, 3)`` with channels last.)
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from skdeepclust.cluster_metrics import clustering_scores, matched_confusion_matrix
from skdeepclust.dti import DTIKMeans

X, y = load_digits(return_X_y=True)
print(f"X: {X.shape}, values {X.min():.0f} to {X.max():.0f}")


def divide_by_16(X):
    """Pixel counts 0..16 to intensities in [0, 1]."""
    return X / 16.0


pipe = Pipeline(
    [
        ("scale", FunctionTransformer(divide_by_16)),
        (
            "cluster",
            DTIKMeans(
                n_clusters=10,
                image_shape=(8, 8),
                transformations=("identity", "affine"),
                curriculum_milestones=(2,),
                max_epochs=8,
                lr_milestones=(7,),
                batch_size=64,
                learning_rate=2e-3,
                init="k-means++",
                random_state=0,
            ),
        ),
    ]
)

# %%
# Fit and score
# -------------
# ``Pipeline.fit_predict`` scales the data, then calls the last step's
# ``fit_predict``. The labels are used only to score the clusters.


def report(name, labels, seconds):
    scores = clustering_scores(y, labels)
    print(
        f"{name:28s} ACC {scores['accuracy']:.3f}  NMI {scores['nmi']:.3f}  "
        f"ARI {scores['ari']:.3f}  ({seconds:.1f} s)"
    )
    return scores


start = time.perf_counter()
labels = pipe.fit_predict(X)
results = {
    "scale + DTI (affine)": report(
        "scale + DTI (affine)", labels, time.perf_counter() - start
    )
}

# %%
# The fitted steps are reached by name (or index), e.g. for the prototypes.
# New data goes through the same scaling: ``pipe.predict`` on the training
# rows gives back the training labels.
dti = pipe.named_steps["cluster"]
print("prototypes:", dti.prototypes_.shape, "image_shape_:", dti.image_shape_)
print("predict == fit_predict:", np.array_equal(pipe.predict(X), labels))

# %%
# ``clone`` and ``set_params``
# ----------------------------
# :func:`~sklearn.base.clone` gives an unfitted copy with the same
# parameters, and ``set_params`` reaches into the steps with
# ``<step>__<parameter>``. Two variations:
#
# * an ablation, switching the affine warps off
#   (``cluster__transformations=("identity",)``): DTI becomes gradient
#   K-means in pixel space, and we see what the warps buy;
# * a different preprocessing, swapping the whole ``scale`` step for a
#   :class:`~sklearn.preprocessing.MinMaxScaler`. It rescales each *pixel*
#   separately, which for images is usually a poor idea: rarely-inked border
#   pixels get the same range as the centre ones.
no_warps = clone(pipe).set_params(
    cluster__transformations=("identity",), cluster__curriculum_milestones=()
)
min_max = clone(pipe).set_params(scale=MinMaxScaler())
print(
    "original still fitted, clone is not:",
    hasattr(pipe[-1], "labels_"),
    hasattr(no_warps[-1], "labels_"),
)

for name, variant in [
    ("scale + DTI (no warps)", no_warps),
    ("MinMaxScaler + DTI (affine)", min_max),
]:
    start = time.perf_counter()
    variant_labels = variant.fit_predict(X)
    results[name] = report(name, variant_labels, time.perf_counter() - start)

# %%
# Confusion matrix and prototypes
# -------------------------------
# :func:`~skdeepclust.cluster_metrics.matched_confusion_matrix` orders the
# clusters by the digit they are matched to, so that correct assignments lie
# on the diagonal; the prototypes are shown in the same order, above their
# column.
matrix, classes, clusters = matched_confusion_matrix(y, labels)

fig = plt.figure(figsize=(7.2, 6.6))
grid = fig.add_gridspec(
    2, 10, height_ratios=[1, 9], hspace=0.05, wspace=0.1, top=0.9, bottom=0.1
)
for column, cluster in enumerate(clusters):
    ax = fig.add_subplot(grid[0, column])
    ax.imshow(np.clip(dti.prototypes_[cluster], 0, 1), cmap="gray_r")
    ax.set_axis_off()
ax = fig.add_subplot(grid[1, :])
ax.imshow(matrix, cmap="Blues", aspect="auto")
for (row, column), count in np.ndenumerate(matrix):
    color = "white" if count > matrix.max() / 2 else "black"
    ax.text(column, row, count, ha="center", va="center", fontsize=10, color=color)
ax.set_xticks(range(len(clusters)), clusters)
ax.set_yticks(range(len(classes)), classes)
ax.tick_params(labelsize=12)
ax.set_xlabel("cluster (ordered by matched digit), prototype above", fontsize=13)
ax.set_ylabel("true digit", fontsize=13)
accuracy = results["scale + DTI (affine)"]["accuracy"]
fig.suptitle(
    f"Pipeline(scale, DTIKMeans) on the digits: ACC {accuracy:.3f}", fontsize=15
)
plt.show()
