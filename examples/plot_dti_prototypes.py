"""
Transformation-invariant prototypes of handwritten digits
=========================================================

:class:`~skdeepclust.dti.DTIKMeans` (Deep Transformation-Invariant
clustering, Monnier et al., NeurIPS 2020) learns one prototype image per
cluster together with a network that predicts, for every image, how to warp
each prototype to match it. A sample goes to the prototype that reconstructs
it best *after* that warp, so that clusters do not depend on where a digit
sits or how it is slanted.

This example fits it on scikit-learn's 8x8 digits, compares its prototypes
with the centres of plain K-means, and shows for a few samples the aligned
reconstruction: the prototype of their cluster, transformed for them.
"""

# %%
# Fit DTI K-means
# ---------------
# The authors' MNIST schedule (5 epochs in pixel space, then affine warps,
# morphological operations and thin-plate splines) counts epochs of 547
# steps; the digits data set gives 28 steps of 64 images per epoch, so we use
# a shorter curriculum with affine warps only: 5 epochs of plain gradient
# K-means, then 13 epochs with affine warps.
import matplotlib.pyplot as plt
from sklearn.cluster import KMeans

from skdeepclust.cluster_metrics import (
    adjusted_rand_score,
    clustering_accuracy_score,
    match_labels,
    normalized_mutual_info_score,
)
from skdeepclust.datasets import load_digits_images
from skdeepclust.dti import DTIKMeans
from skdeepclust.inspection import PrototypesDisplay

X, y = load_digits_images(return_X_y=True)

dti = DTIKMeans(
    n_clusters=10,
    transformations=("identity", "affine"),
    curriculum_milestones=(5,),
    max_epochs=18,
    lr_milestones=(15,),
    batch_size=64,
    learning_rate=2e-3,
    init="k-means++",
    random_state=0,
)
labels = dti.fit_predict(X)
kmeans = KMeans(n_clusters=10, n_init=10, random_state=0).fit(X.reshape(len(X), -1))

for name, predicted in [("DTI K-means", labels), ("K-means", kmeans.labels_)]:
    print(
        f"{name:12s} ACC {clustering_accuracy_score(y, predicted):.3f}  "
        f"NMI {normalized_mutual_info_score(y, predicted):.3f}  "
        f"ARI {adjusted_rand_score(y, predicted):.3f}"
    )

# %%
# Prototypes
# ----------
# Prototypes are ordered by the digit they were matched to, 0 to 4 in the
# first row of each block and 5 to 9 in the second. K-means centres
# average digits at every position and slant, and are blurred; DTI's
# prototypes only have to be right up to an affine warp, and stay sharp.
#
# :class:`~skdeepclust.inspection.PrototypesDisplay` shows prototypes as
# images. Built from arrays, it shows any centres; each block here is drawn
# in the box of one Axes (``plot(ax=...)``) of its own sub-figure.


def matched_order(predicted):
    """Cluster indices ordered by the class each one is matched to."""
    class_of = match_labels(y, predicted)  # {cluster: class}
    order = sorted(class_of, key=class_of.get)
    return order, [class_of[cluster] for cluster in order]


rows = [
    ("DTI K-means prototypes", dti.prototypes_, matched_order(labels)),
    (
        "K-means centres",
        kmeans.cluster_centers_.reshape(10, 8, 8),
        matched_order(kmeans.labels_),
    ),
]
# One block of 2x5 images per method, DTI's above K-means'.
fig = plt.figure(figsize=(6.4, 5.6), layout="constrained")
for block, (name, centres, (order, classes)) in zip(fig.subfigures(2, 1), rows):
    PrototypesDisplay(centres[order], clusters=order, matched_classes=classes).plot(
        ax=block.subplots(), n_columns=5, cmap="gray_r"
    )
    block.suptitle(name, fontsize=16)

# %%
# Aligned reconstructions
# -----------------------
# :meth:`~skdeepclust.dti.DTIKMeans.reconstruct` returns, for each sample,
# its cluster's prototype after the transformation predicted for that
# sample: the prototype is shifted, scaled and sheared onto the digit.
# :meth:`PrototypesDisplay.from_estimator
# <skdeepclust.inspection.PrototypesDisplay.from_estimator>` shows the
# prototypes (titled with their cluster's size and matched digit, given the
# labels ``y``) and, below, ten samples drawn at random, the prototype of
# their cluster and the aligned prototype.
display = PrototypesDisplay.from_estimator(
    dti, X, y, order="class", n_images=10, random_state=0, cmap="gray_r"
)
display.figure_.suptitle(
    "Prototypes; below, samples, their cluster's prototype and the aligned prototype"
)
plt.show()
